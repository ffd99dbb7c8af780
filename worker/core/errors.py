"""One error family, split by what happens next, and the codes users see.

A ``TransientError`` is retried with backoff; a ``PermanentError`` becomes a ``rejected``
outcome carrying its ``reason`` code. Foreign exceptions are translated at the edge with
``raise ... from exc`` so nothing outside this family crosses a stage boundary.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Reason(StrEnum):
    """Why an item was rejected. Each code's meaning and remedy is in ``REASONS``."""

    NOT_FOUND = "not_found"
    NOT_A_FILE = "not_a_file"
    SYMLINK = "symlink"
    UNREADABLE = "unreadable"
    TOO_LARGE = "too_large"
    BINARY = "binary"
    NOT_UTF8 = "not_utf8"
    UNSUPPORTED_TYPE = "unsupported_type"
    UNSUPPORTED_KIND = "unsupported_kind"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    EMPTY = "empty"
    EMPTY_BODY = "empty_body"
    BAD_DATE = "bad_date"
    BAD_FIELD = "bad_field"
    NO_CONTENT = "no_content"
    UNPARSABLE_HTML = "unparsable_html"
    NOT_A_FEED = "not_a_feed"
    EMPTY_FEED = "empty_feed"
    TOO_MANY_ENTRIES = "too_many_entries"
    XML_ENTITIES = "xml_entities"
    BAD_URL = "bad_url"
    DNS_FAILURE = "dns_failure"
    FORBIDDEN_ADDRESS = "forbidden_address"
    FETCH_FAILED = "fetch_failed"
    FETCH_TIMEOUT = "fetch_timeout"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    QUARANTINED = "quarantined"
    CRASHED_WORKER = "crashed_worker"
    TIME_LIMIT = "time_limit"
    STORE_REFUSED = "store_refused"
    DELETED = "deleted"
    # Not item outcomes: why a transient failure happened (logs, metrics, retries).
    STORE_DOWN = "store_down"
    STORE_CONFLICT = "store_conflict"
    BROKER_DOWN = "broker_down"
    INVALID = "invalid"
    TRANSIENT = "transient"
    CONFIG = "config"


# code -> (what it means, what the user can do). A test holds the README's table to this.
REASONS: dict[Reason, tuple[str, str]] = {
    Reason.NOT_FOUND: ("the path does not exist", "check the path"),
    Reason.NOT_A_FILE: (
        "a FIFO, socket or device, not a regular file (not read)",
        "give a regular file",
    ),
    Reason.SYMLINK: (
        "a symbolic link leading out of the folder given (not followed)",
        "copy the file into the folder",
    ),
    Reason.UNREADABLE: ("the file could not be read (permissions, I/O)", "fix its permissions"),
    Reason.TOO_LARGE: (
        "over INGEST_MAX_ITEM_BYTES (file, record, line, page or body)",
        "raise the limit or split the input",
    ),
    Reason.BINARY: ("the file contains NUL bytes", "give text, HTML, JSON or a feed"),
    Reason.NOT_UTF8: (
        "not UTF-8, and its encoding is neither declared nor detectable",
        "declare its charset or re-encode it as UTF-8",
    ),
    Reason.UNSUPPORTED_TYPE: ("unknown file extension", "see the input kinds table"),
    Reason.UNSUPPORTED_KIND: ("a message item of an unknown kind", "upgrade the workers"),
    Reason.INVALID_JSON: ("the JSON (or JSON line) does not parse", "fix the JSON"),
    Reason.NOT_AN_OBJECT: ("a JSON record that is not an object", "send one object per item"),
    Reason.EMPTY: ("no records in the input, or a required field missing", "add the field"),
    Reason.EMPTY_BODY: ("the article has no body text", "send `body`, `text` or `html`"),
    Reason.BAD_DATE: ("published_at is not a readable date", "use ISO 8601"),
    Reason.BAD_FIELD: ("a field has the wrong type or is too long", "see the message"),
    Reason.NO_CONTENT: ("no article text found in the HTML", "check the page is an article"),
    Reason.UNPARSABLE_HTML: ("the HTML could not be parsed", "check the page"),
    Reason.NOT_A_FEED: ("not RSS or Atom", "check the feed URL"),
    Reason.EMPTY_FEED: ("a feed without entries", "nothing to do"),
    Reason.TOO_MANY_ENTRIES: (
        "more entries than INGEST_MAX_FEED_ENTRIES; the rest were read",
        "raise the limit",
    ),
    Reason.XML_ENTITIES: ("the feed declares XML entities (refused)", "none: unsafe input"),
    Reason.BAD_URL: ("not an http(s) URL, or a bad port", "fix the URL"),
    Reason.DNS_FAILURE: ("the host name does not resolve", "check the host name"),
    Reason.FORBIDDEN_ADDRESS: (
        "the URL leads to a loopback, private or link-local address",
        "INGEST_FETCH_ALLOW_PRIVATE=true if you mean it",
    ),
    Reason.FETCH_FAILED: ("HTTP error or network failure after retries", "retry later"),
    Reason.FETCH_TIMEOUT: ("the fetch took longer than INGEST_FETCH_TIMEOUT", "retry later"),
    Reason.TOO_MANY_REDIRECTS: ("over INGEST_FETCH_MAX_REDIRECTS", "fetch the final URL"),
    Reason.QUARANTINED: (
        "failed for a reason other than its input (a bug, retries exhausted)",
        "`ingest quarantine show`, then `replay`",
    ),
    Reason.CRASHED_WORKER: (
        "its processing killed the worker process again and again (memory, a crash)",
        "`ingest quarantine show`; replay after a fix",
    ),
    Reason.TIME_LIMIT: (
        "its processing alone exceeded INGEST_TASK_TIME_LIMIT",
        "raise the limit, or `ingest quarantine replay`",
    ),
    Reason.STORE_REFUSED: (
        "the database refused the record (a constraint, a value too long)",
        "see the message; report it if the input looks valid",
    ),
    Reason.DELETED: (
        "its URL or content was deleted with `ingest delete` (a tombstone keeps it out)",
        "`ingest delete --undo ID` (or `--undo --url URL`), then ingest it again",
    ),
}

ITEM_REASONS = tuple(REASONS)
# The reasons of items kept in quarantine (payload and error, for replay): what the workers'
# ``ingest_quarantined_total`` counts. ``Prepared.quarantine`` accepts no other.
QUARANTINE_REASONS = frozenset(
    {Reason.QUARANTINED, Reason.CRASHED_WORKER, Reason.TIME_LIMIT, Reason.STORE_REFUSED}
)


class ExitCode(IntEnum):
    """Exit codes of every ``ingest`` command."""

    DONE = 0  # finished
    FAILED = 1  # failed at run time (a server down, a write refused)
    USAGE = 2  # usage or configuration error: nothing was done
    INCOMPLETE = 3  # finished, but not everything has an outcome (e.g. --wait timed out)
    INTERRUPTED = 130  # stopped by SIGINT after a clean cut


class IngestError(Exception):
    """Base of every error this package raises on purpose."""

    reason: str = Reason.INVALID

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    @property
    def message(self) -> str:
        return str(self)


class PermanentError(IngestError):
    """Retrying cannot help: the item is rejected with ``reason``."""

    reason = Reason.INVALID


class TransientError(IngestError):
    """A dependency hiccup (database down, network timeout): retry later."""

    reason = Reason.TRANSIENT


class ConfigError(IngestError):
    """The settings or the command line ask for something impossible."""

    reason = Reason.CONFIG


class StoreRefused(PermanentError):
    """The database refused a row (a constraint, a value too long): a data error."""

    reason = Reason.STORE_REFUSED


class OutOfTime(BaseException):
    """A batch's time is up (the task's soft time limit): split it, do not blame an item.

    A ``BaseException`` on purpose, so that the stages' guards against a bug in one item
    (``except Exception``) let it through to the task.
    """
