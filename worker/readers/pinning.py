"""Connections pinned to the addresses the SSRF guard approved.

The guard resolves a host name and judges its addresses; if httpx then resolved the name
again to connect, a DNS server answering a public address first and 127.0.0.1 second
(DNS rebinding) would get an internal page fetched. So the fetcher states, for the one
request it is sending, which addresses its host may be reached at (``pinned``), and the
network backend below connects to those and nothing else. Only the TCP connection uses
the address: httpcore still sends the URL's host name in the Host header and as the TLS
server name (SNI), and verifies the certificate against that name.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import httpcore
import httpx

from worker.readers.guard import IPAddress


@dataclass(frozen=True)
class Pin:
    host: str  # as httpcore will name it: lower case, IDNA-encoded, IPv6 without brackets
    addresses: tuple[IPAddress, ...]


# Per thread and per request: a client shared by threads (a thread pool worker) stays right.
_current: ContextVar[Pin | None] = ContextVar("worker_fetch_pin", default=None)


def connect_host(url: str) -> str:
    """The host name httpcore will connect to for ``url``."""
    return httpx.URL(url).raw_host.decode("ascii").lower()


@contextmanager
def pinned(host: str, addresses: Iterable[IPAddress]) -> Iterator[None]:
    """While inside, connections to ``host`` (see ``connect_host``) go to ``addresses`` only."""
    token = _current.set(Pin(host, tuple(addresses)))
    try:
        yield
    finally:
        _current.reset(token)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects to the pinned addresses; with ``required``, refuses a connection without one.

    ``required`` is the default-safe mode: a request sent without going through the guard
    (a code path that forgot it) fails instead of resolving the name itself.
    """

    def __init__(self, required: bool, inner: httpcore.NetworkBackend | None = None) -> None:
        self.required = required
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        pin = _current.get()
        if pin is None and not self.required:
            return self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        if pin is None or pin.host != host.lower() or not pin.addresses:
            raise httpcore.ConnectError(f"no address approved by the SSRF guard for {host}")
        failure: Exception | None = None
        for address in pin.addresses:  # like socket.create_connection: the first that answers
            try:
                return self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("fetches never use Unix sockets")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with a ``PinnedBackend`` under its connection pool."""

    def __init__(self, required: bool, verify: ssl.SSLContext | bool = True) -> None:
        context = (
            verify
            if isinstance(verify, ssl.SSLContext)
            else httpx.create_ssl_context(verify=verify, trust_env=False)
        )
        super().__init__(verify=context, trust_env=False)
        # httpx takes no network backend: the pool it built is replaced by the same pool
        # (httpx's default limits) on ours. No proxy is ever configured (trust_env off).
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(required),
        )
