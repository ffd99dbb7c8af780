"""The SSRF guard and the fetch limits against a REAL HTTP server on 127.0.0.1.

Every forbidden target is refused before any connection is made (the server's request
log proves it), and the same target is fetched when ``INGEST_FETCH_ALLOW_PRIVATE`` allows it.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support import run_cli
from worker.core.errors import IngestError, PermanentError, TransientError
from worker.readers.fetch import FetchPolicy, fetch_once, make_client
from worker.readers.guard import check_url
from worker.store import Store

pytestmark = pytest.mark.integration

PAGE = (
    b"<html><head><title>Local page</title></head><body><article><h1>Local page</h1>"
    b"<p>This article lives on a loopback server that a fetcher must not reach unless the "
    b"setting allows private addresses. It has enough words to be an article body.</p>"
    b"</article></body></html>"
)


class Site(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[str]
    hosts: list[str]  # the Host header of each request


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        self.server.hosts.append(self.headers.get("Host", ""))
        parts = urlsplit(self.path)
        route = getattr(self, "route_" + parts.path.strip("/").replace("-", "_"), self.route_page)
        route(parse_qs(parts.query))

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def route_page(self, _: dict[str, list[str]]) -> None:
        self._send(200, PAGE, Content_Type="text/html")

    def route_redirect(self, query: dict[str, list[str]]) -> None:
        self._send(302, Location=query["to"][0])

    def route_loop(self, _: dict[str, list[str]]) -> None:
        self._send(302, Location="/loop")

    def route_big(self, _: dict[str, list[str]]) -> None:
        """2 MB without Content-Length (chunked as a stream): the size is found by reading."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        for _chunk in range(64):
            self.wfile.write(b"x" * 32_768)

    def route_slow(self, _: dict[str, list[str]]) -> None:
        time.sleep(3)
        self._send(200, PAGE, Content_Type="text/html")

    def route_drip(self, _: dict[str, list[str]]) -> None:
        """A byte every 0.2 s for 8 s: no single read ever times out."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "40")
        self.end_headers()
        try:
            for _byte in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up, as it should


@contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[Site]:
    server = Site(("127.0.0.1", 0), Handler)
    server.requests, server.hosts = [], []
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    with serving() as server:
        yield server


def base(site: Site, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{site.server_address[1]}"


def policy(allow_private: bool = False, **overrides: Any) -> FetchPolicy:
    values: dict[str, Any] = {
        "timeout": 5.0, "max_redirects": 3, "max_bytes": 100_000, "retries": 0,
        "user_agent": "ssrf-test", "allow_private": allow_private,
    }  # fmt: skip
    return FetchPolicy(**{**values, **overrides})


def fetch(url: str, pol: FetchPolicy) -> Any:
    with make_client(pol) as client:
        return fetch_once(client, url, pol)


def reason_of(url: str, pol: FetchPolicy) -> str:
    with pytest.raises(IngestError) as info:
        fetch(url, pol)
    return info.value.reason


PUBLIC_IP = "93.184.216.34"  # stands for a public site; routed to our loopback server


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The network between the fetcher and the world, as a stand-in: every connection's
    target is recorded; ``PUBLIC_IP`` is routed to 127.0.0.1 (where the test site listens)
    and any other non-loopback address is refused at once, so no test here ever sends a
    packet off this machine. A name is resolved (through the DNS stand-ins) as a real
    connection would."""
    attempts: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, port = address[0], int(address[1])
        attempts.append((host, port))
        ip = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0]
        ip = "127.0.0.1" if ip == PUBLIC_IP else ip
        if not ipaddress.ip_address(ip).is_loopback:
            raise ConnectionRefusedError(f"test network: no route to {ip}")
        return real((ip, port), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts


# --- the whole path: `ingest run URL` ---------------------------------------------------


@pytest.mark.parametrize("allow", [False, True])
def test_loopback_page_refused_by_default_allowed_by_setting(
    site: Site, tmp_path: Path, allow: bool
) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    env = {"INGEST_STORE_URL": url, "INGEST_ENRICH": "false", "INGEST_FETCH_RETRIES": "0",
           "INGEST_FETCH_ALLOW_PRIVATE": str(allow).lower()}  # fmt: skip
    result = run_cli(["run", f"{base(site)}/article.html"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    store = Store(url)
    stats = store.stats()
    store.close()
    if allow:
        assert stats["by_status"] == {"stored": 1}
        assert site.requests == ["/article.html"]
    else:
        assert stats["by_status"] == {"rejected": 1}
        assert stats["by_reason"] == {"forbidden_address": 1}
        assert site.requests == []  # refused before any connection


def test_fetch_limits_through_ingest_run(site: Site, tmp_path: Path) -> None:
    """Oversize, slow and looping targets, as a user meets them: one precise reason each."""
    url = f"sqlite:///{tmp_path}/store.db"
    env = {"INGEST_STORE_URL": url, "INGEST_ENRICH": "false", "INGEST_FETCH_RETRIES": "0",
           "INGEST_FETCH_ALLOW_PRIVATE": "true", "INGEST_FETCH_TIMEOUT": "1",
           "INGEST_MAX_ITEM_BYTES": "100000"}  # fmt: skip
    started = time.monotonic()
    result = run_cli(["run", *(f"{base(site)}/{p}" for p in ("big", "slow", "drip", "loop"))], env)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    store = Store(url)
    stats = store.stats()
    store.close()
    assert stats["by_reason"] == {"fetch_timeout": 2, "too_large": 1, "too_many_redirects": 1}
    assert elapsed < 30


# --- the guard, address by address ------------------------------------------------------

FORBIDDEN = [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://10.0.0.1/", "http://10.255.255.254/", "http://192.168.1.1/", "http://172.16.0.1/",
    "http://127.0.0.1/", "http://127.1/", "http://2130706433/", "http://0x7f000001/",
    "http://0177.0.0.1/", "http://0.0.0.0/", "http://100.64.0.1/", "http://localhost/",
    "http://[::1]/", "http://[::]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/",
    "http://[::ffff:10.0.0.1]/", "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/", "http://[2002:a9fe:a9fe::1]/",
    "https://169.254.169.254:8443/", "http://[ff02::1]/", "http://224.0.0.1/",
    "http://[fec0::1]/", "http://[::ffff:0:7f00:1]/", "http://[::ffff:0:a9fe:a9fe]/",
]  # fmt: skip


@pytest.mark.parametrize("url", FORBIDDEN)
def test_forbidden_addresses_refused(url: str) -> None:
    with pytest.raises(PermanentError) as info:
        check_url(url, allow_private=False)
    assert info.value.reason == "forbidden_address"
    check_url(url, allow_private=True)  # the setting allows them


@pytest.mark.parametrize("url", ["http://93.184.216.34/", "http://[2606:4700:4700::1111]/",
                                 "http://[64:ff9b::5db8:d822]/"])  # fmt: skip
def test_public_addresses_pass(url: str) -> None:
    check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_PING", "ftp://example.com/",
                                 "http:///nohost", "http://example.com:99999/"])  # fmt: skip
def test_non_http_urls_refused(url: str) -> None:
    with pytest.raises(PermanentError) as info:
        check_url(url, allow_private=False)
    assert info.value.reason == "bad_url"


def test_loopback_server_refused_before_connecting(site: Site) -> None:
    assert reason_of(f"{base(site)}/article.html", policy()) == "forbidden_address"
    assert site.requests == []
    assert fetch(f"{base(site)}/article.html", policy(allow_private=True)).data == PAGE
    assert site.requests == ["/article.html"]


# --- names: a public-looking name that resolves inside, and redirects -------------------


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A resolver we control (the DNS stand-in): name -> address; other names as usual."""
    table: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        return real(table.get(name, name), port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def test_public_name_resolving_to_loopback_is_refused(site: Site, dns: dict[str, str]) -> None:
    dns["news.public.example"] = "127.0.0.1"
    dns["meta.public.example"] = "169.254.169.254"
    assert (
        reason_of(f"{base(site, 'news.public.example')}/article.html", policy())
        == "forbidden_address"
    )
    assert (
        reason_of("http://meta.public.example/latest/meta-data/", policy()) == "forbidden_address"
    )
    assert site.requests == []


@pytest.fixture
def public_host(site: Site, dns: dict[str, str]) -> str:
    """``public.example``: a public address, which the ``network`` stand-in routes to our server.

    This is the position of a real public site that answers with a redirect inside.
    """
    dns["public.example"] = PUBLIC_IP
    return base(site, "public.example")


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:{port}/secret", "http://169.254.169.254/latest/meta-data/", "http://[::1]:{port}/secret",
     "http://10.0.0.1/admin", "http://[::ffff:127.0.0.1]:{port}/secret", "http://localhost:{port}/secret"],
)  # fmt: skip
def test_redirect_from_allowed_host_to_forbidden_is_refused(
    site: Site, public_host: str, target: str
) -> None:
    target = target.format(port=site.server_address[1])
    started = time.monotonic()
    assert reason_of(f"{public_host}/redirect?to={target}", policy()) == "forbidden_address"
    assert time.monotonic() - started < 2  # refused, not attempted and timed out
    assert [urlsplit(r).path for r in site.requests] == ["/redirect"]  # the inside target: never


def test_redirect_within_the_allowed_host_is_followed(site: Site, public_host: str) -> None:
    page = fetch(f"{public_host}/redirect?to=/article.html", policy())
    assert page.data == PAGE and page.url.endswith("/article.html")


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO"])
def test_redirect_to_another_scheme_is_refused(site: Site, public_host: str, target: str) -> None:
    assert reason_of(f"{public_host}/redirect?to={target}", policy()) == "bad_url"


# --- size, time and redirect limits -----------------------------------------------------


def test_oversize_response_refused(site: Site) -> None:
    assert reason_of(f"{base(site)}/big", policy(True, max_bytes=100_000)) == "too_large"
    assert len(fetch(f"{base(site)}/big", policy(True, max_bytes=3_000_000)).data) == 64 * 32_768


def test_slow_response_times_out(site: Site) -> None:
    started = time.monotonic()
    with pytest.raises(TransientError) as info:
        fetch(f"{base(site)}/slow", policy(True, timeout=0.5))
    assert info.value.reason == "fetch_timeout"
    assert time.monotonic() - started < 2


def test_dripping_response_hits_the_total_timeout(site: Site) -> None:
    """One byte every 0.2 s never trips a per-read timeout; the fetch still ends on time."""
    started = time.monotonic()
    with pytest.raises(TransientError) as info:
        fetch(f"{base(site)}/drip", policy(True, timeout=1.0))
    assert info.value.reason == "fetch_timeout"
    assert time.monotonic() - started < 2.5


def test_redirect_loop_ends(site: Site) -> None:
    assert reason_of(f"{base(site)}/loop", policy(True, max_redirects=3)) == "too_many_redirects"
    assert site.requests == ["/loop"] * 4  # the first request and three redirects, then stop


def test_redirect_loop_through_the_guard_ends(site: Site, public_host: str) -> None:
    assert reason_of(f"{public_host}/loop", policy(max_redirects=5)) == "too_many_redirects"
    assert len(site.requests) == 6


# --- DNS rebinding: the connection goes to the address the guard approved ---------------

REBOUND_PUBLIC = "93.184.215.14"  # the first answer; not routed by the network stand-in


@pytest.fixture
def rebinding(dns: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``rebind.example`` answers a public address once, then 127.0.0.1 (where the test site
    listens) to every later query: what a hostile DNS server does. Returns the answers given.
    """
    answers: list[str] = []
    resolver = socket.getaddrinfo  # the ``dns`` stand-in, for every other name

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name != "rebind.example":
            return resolver(host, port, *args, **kwargs)
        answers.append(REBOUND_PUBLIC if not answers else "127.0.0.1")
        return resolver(answers[-1], port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_dns_rebinding_does_not_reach_inside(
    site: Site, rebinding: list[str], network: list[tuple[str, int]]
) -> None:
    port = site.server_address[1]
    with pytest.raises(TransientError) as info:
        fetch(f"http://rebind.example:{port}/secret", policy())
    assert info.value.reason == "fetch_failed"  # the public address does not answer here
    assert rebinding == [REBOUND_PUBLIC]  # one lookup, the guard's: none left to rebind
    assert network == [(REBOUND_PUBLIC, port)]  # the connection went to the approved address
    assert site.requests == []


def test_dns_rebinding_after_a_redirect_does_not_reach_inside(
    site: Site, public_host: str, rebinding: list[str], network: list[tuple[str, int]]
) -> None:
    port = site.server_address[1]
    target = f"http://rebind.example:{port}/secret"
    assert reason_of(f"{public_host}/redirect?to={target}", policy()) == "fetch_failed"
    assert rebinding == [REBOUND_PUBLIC]
    assert network == [(PUBLIC_IP, port), (REBOUND_PUBLIC, port)]
    assert [urlsplit(r).path for r in site.requests] == ["/redirect"]


def test_the_pinned_connection_keeps_the_host_name(site: Site, public_host: str) -> None:
    assert fetch(f"{public_host}/article.html", policy()).data == PAGE
    assert site.hosts == [f"public.example:{site.server_address[1]}"]


def test_a_request_that_skipped_the_guard_is_not_sent(site: Site) -> None:
    """The client refuses to connect anywhere the guard has not approved for this request."""
    with make_client(policy()) as client, pytest.raises(httpx.ConnectError):
        client.get(f"{base(site)}/article.html")
    assert site.requests == []


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)


@pytest.fixture
def tls_site(tmp_path: Path) -> Iterator[tuple[Site, ssl.SSLContext, list[str]]]:
    """An HTTPS site whose certificate names ``secure.example`` only (a test CA signed it);
    returns the site, a client context trusting that CA, and the SNI names it was sent."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificates")
    ca, key, csr, cert, ext = (tmp_path / n for n in ("ca", "key", "csr", "cert", "ext"))
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", ca, "-days", "1",
             "-subj", "/CN=ingest test CA")  # fmt: skip
    _openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=secure.example")
    ext.write_text("subjectAltName=DNS:secure.example\n")
    _openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-out", cert, "-days", "1", "-extfile", ext)  # fmt: skip
    names: list[str] = []
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    server_tls.sni_callback = lambda _sock, name, _ctx: names.append(name or "")  # type: ignore[assignment,func-returns-value]
    with serving(server_tls) as server:
        yield server, ssl.create_default_context(cafile=str(ca)), names


def test_tls_through_a_pinned_address_uses_the_host_name(
    tls_site: tuple[Site, ssl.SSLContext, list[str]],
    dns: dict[str, str],
    network: list[tuple[str, int]],
) -> None:
    """Connected by address, TLS still sends the URL's host name (SNI) and verifies the
    certificate against it: a certificate for another name is refused."""
    server, client_tls, sni = tls_site
    port = server.server_address[1]
    dns["secure.example"] = dns["other.example"] = PUBLIC_IP
    pol = policy()
    with make_client(pol, verify=client_tls) as client:
        page = fetch_once(client, f"https://secure.example:{port}/article.html", pol)
        assert page.data == PAGE
        with pytest.raises(TransientError) as info:
            fetch_once(client, f"https://other.example:{port}/article.html", pol)
    assert info.value.reason == "fetch_failed"
    assert "certificate" in str(info.value).lower()
    assert sni == ["secure.example", "other.example"]
    assert network == [(PUBLIC_IP, port), (PUBLIC_IP, port)]
    assert server.hosts == [f"secure.example:{port}"]  # the refused one sent no request
