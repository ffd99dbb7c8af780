"""One error family, split by what happens next.

A ``TransientError`` is retried with backoff and a bound; a ``PermanentError`` becomes a
``rejected`` outcome carrying its ``reason`` code. Foreign exceptions are translated at the
edge with ``raise ... from exc`` so nothing outside this family crosses a stage boundary.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error this package raises on purpose."""

    reason: str = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    @property
    def message(self) -> str:
        return str(self)


class PermanentError(IngestError):
    """Retrying cannot help: the item is rejected with ``reason``."""

    reason = "invalid"


class TransientError(IngestError):
    """A dependency hiccup (database down, network timeout): retry later."""

    reason = "transient"


class ConfigError(IngestError):
    """The settings or the command line ask for something impossible."""

    reason = "config"
