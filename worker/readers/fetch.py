"""URL fetching with httpx: limits on time, size and redirects, retries, an SSRF guard."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from worker.core.errors import PermanentError, Reason, TransientError
from worker.core.models import Found, Kind
from worker.core.retry import backoff
from worker.readers.charset import decode_text
from worker.readers.decoding import ACCEPT_ENCODING, BoundedDecoder
from worker.readers.feeds import looks_like_feed, read_feed
from worker.readers.guard import IPAddress, check_url
from worker.readers.pinning import PinnedTransport, connect_host, pinned

_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float
    max_redirects: int
    max_bytes: int
    retries: int
    user_agent: str
    allow_private: bool
    max_feed_entries: int = 10_000


@dataclass(frozen=True)
class Page:
    url: str
    content_type: str
    data: bytes
    status: int = 200  # 304 when a conditional request found nothing new
    validators: tuple[str | None, str | None] = (None, None)  # ETag, Last-Modified


def make_client(policy: FetchPolicy, verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """One client per process: connection pooling; redirects followed by hand (guarded).

    Connections go only to the addresses the guard approved (unless private addresses are
    allowed), and only the encodings we decode with a bound are asked for.
    """
    headers = {
        "User-Agent": policy.user_agent,
        "Accept": "text/html,application/xml;q=0.9,*/*",
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    timeout = httpx.Timeout(policy.timeout, connect=min(policy.timeout, 10.0))
    transport = PinnedTransport(required=not policy.allow_private, verify=verify)
    return httpx.Client(
        headers=headers, timeout=timeout, follow_redirects=False, trust_env=False,
        transport=transport,
    )  # fmt: skip


def fetch_items(
    client: httpx.Client, url: str, policy: FetchPolicy, sleep: Callable[[float], None] = time.sleep
) -> Iterator[Found]:
    """The page as one HTML item, or a feed as its entries (links resolved against it).

    Decoded by the one charset policy: BOM, the header's charset, the page's own, UTF-8,
    detection."""
    page = fetch_with_retries(client, url, policy, sleep)
    if "xml" in page.content_type or looks_like_feed(page.data):
        ctype = page.content_type
        yield from read_feed(page.data, page.url, policy.max_feed_entries, page.url, ctype)
        return
    text = decode_text(page.data, page.url, "html", page.content_type)
    if isinstance(text, Found):
        yield text
    else:
        yield Found(url, Kind.HTML, {"html": text, "url": page.url})


def fetch_with_retries(
    client: httpx.Client, url: str, policy: FetchPolicy, sleep: Callable[[float], None]
) -> Page:
    for attempt in range(policy.retries + 1):
        try:
            return fetch_once(client, url, policy)
        except TransientError:
            if attempt == policy.retries:
                raise
            sleep(backoff(attempt, base=0.5, cap=30.0))
    raise AssertionError("unreachable")


def fetch_once(
    client: httpx.Client, url: str, policy: FetchPolicy, headers: dict[str, str] | None = None
) -> Page:
    """One GET (``headers`` may make it conditional), redirects followed by hand, guarded."""
    # httpx's timeouts bound each network operation; a server that sends one byte every
    # few seconds would never trip them, so the whole fetch also has a deadline.
    deadline = time.monotonic() + policy.timeout
    for _hop in range(policy.max_redirects + 1):
        # Every hop: a redirect may point inside. The connection goes to the addresses
        # judged here, not to a second DNS answer (rebinding).
        addresses = check_url(url, policy.allow_private)
        with _pinned(url, addresses):
            location = _get(client, url, policy.max_bytes, deadline, headers)
        if isinstance(location, Page):
            return location
        url = urljoin(url, location)
    raise PermanentError(
        f"more than {policy.max_redirects} redirects", reason=Reason.TOO_MANY_REDIRECTS
    )


def _pinned(url: str, addresses: list[IPAddress]) -> AbstractContextManager[None]:
    if not addresses:  # private addresses allowed: the transport resolves as usual
        return nullcontext()
    try:
        host = connect_host(url)
    except httpx.InvalidURL as exc:
        raise PermanentError(f"invalid URL: {exc}", reason=Reason.BAD_URL) from exc
    return pinned(host, addresses)


def _get(
    client: httpx.Client, url: str, max_bytes: int, deadline: float, headers: dict[str, str] | None
) -> Page | str:
    """The page, or where it redirects to; network failures are transient."""
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.is_redirect and "location" in response.headers:
                return str(response.headers["location"])
            if response.status_code == 304:
                return Page(url, "", b"", 304, _validators(response))
            return _read_page(response, url, max_bytes, deadline)
    except httpx.InvalidURL as exc:
        raise PermanentError(f"invalid URL: {exc}", reason=Reason.BAD_URL) from exc
    except httpx.TimeoutException as exc:
        raise TransientError(
            f"timed out: {type(exc).__name__}", reason=Reason.FETCH_TIMEOUT
        ) from exc
    except httpx.TransportError as exc:
        raise TransientError(f"fetch failed: {exc}", reason=Reason.FETCH_FAILED) from exc


def _read_page(response: httpx.Response, url: str, max_bytes: int, deadline: float) -> Page:
    """The body, decoded by hand from the raw bytes: bounded while it streams, every layer."""
    _check_status(response)
    decoder = BoundedDecoder(response.headers.get("content-encoding", ""), max_bytes)
    chunks: list[bytes] = []
    for raw in response.iter_raw():
        if time.monotonic() > deadline:
            raise TransientError("the whole fetch took too long", reason=Reason.FETCH_TIMEOUT)
        chunks.extend(decoder.feed(raw))
    chunks.extend(decoder.finish())
    content_type = response.headers.get("content-type", "").lower()
    return Page(url, content_type, b"".join(chunks), response.status_code, _validators(response))


def _validators(response: httpx.Response) -> tuple[str | None, str | None]:
    return response.headers.get("etag"), response.headers.get("last-modified")


def _check_status(response: httpx.Response) -> None:
    if response.status_code in _RETRY_STATUS:
        raise TransientError(f"HTTP {response.status_code}", reason=Reason.FETCH_FAILED)
    if response.status_code >= 400:
        raise PermanentError(f"HTTP {response.status_code}", reason=Reason.FETCH_FAILED)
