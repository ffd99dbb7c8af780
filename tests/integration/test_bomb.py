"""Decompression bombs against a REAL HTTP server on 127.0.0.1: the size limit holds while
the body streams, through every Content-Encoding layer, with the default settings.

Reproduces the finding: a 3.5 kB response with ``Content-Encoding: gzip, gzip`` decodes to
2 GB; the worker used to reach 2.2 GB of RSS and die of MemoryError.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import run_measured
from worker.core.errors import IngestError, PermanentError
from worker.core.settings import Settings
from worker.readers.fetch import FetchPolicy, fetch_once, make_client
from worker.store import Store

pytestmark = pytest.mark.integration

# --- bombs, and a server for them -------------------------------------------------------

GB = 1 << 30
_WBITS = {"gzip": 31, "deflate": 15, "raw-deflate": -15}  # raw-deflate: served as "deflate"


def compressed(size: int, codings: Sequence[str], byte: bytes = b"\0") -> bytes:
    """``size`` bytes of ``byte``, encoded by each coding in turn (the order a
    Content-Encoding header lists them), built streaming: never held decoded in memory.
    Two gzip layers over 2 GB of zeros come to about 3.5 kB."""
    coders = [zlib.compressobj(9, zlib.DEFLATED, _WBITS[c]) for c in codings]
    out: list[bytes] = []

    def push(layer: int, data: bytes) -> None:
        if layer == len(coders):
            out.append(data)
        elif data := coders[layer].compress(data):
            push(layer + 1, data)

    block = byte * (1 << 20)
    for _ in range(size >> 20):
        push(0, block)
    push(0, byte * (size & ((1 << 20) - 1)))
    for layer, coder in enumerate(coders):
        if tail := coder.flush():
            push(layer + 1, tail)
    return b"".join(out)


def encode(data: bytes, codings: Sequence[str]) -> bytes:
    """``data`` encoded by each coding in turn."""
    for coding in codings:
        coder = zlib.compressobj(6, zlib.DEFLATED, _WBITS[coding])
        data = coder.compress(data) + coder.flush()
    return data


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int = 2 * GB, layers: int = 2) -> bytes:
    """``Content-Encoding: gzip, gzip`` over 2 GB of zeros (about 5 s to build, then cached)."""
    return compressed(size, ["gzip"] * layers)


@dataclass(frozen=True)
class Body:
    data: bytes
    encoding: str = ""  # the Content-Encoding header, if any
    trailing: int = 0  # bytes of junk streamed after ``data`` (no Content-Length)
    content_type: str = "text/html"


class BodySite(ThreadingHTTPServer):
    daemon_threads = True
    bodies: dict[str, Body]
    accept_encodings: list[str]  # the Accept-Encoding header of each request


class BodyHandler(BaseHTTPRequestHandler):
    server: BodySite

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.accept_encodings.append(self.headers.get("Accept-Encoding", ""))
        body = self.server.bodies.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", body.content_type)
        if body.encoding:
            self.send_header("Content-Encoding", body.encoding)
        if not body.trailing:
            self.send_header("Content-Length", str(len(body.data)))
        self.end_headers()
        try:
            self.wfile.write(body.data)
            for _ in range(0, body.trailing, 1 << 16):
                self.wfile.write(b"\xa5" * (1 << 16))
        except OSError:
            pass  # the client stopped reading: as it should
        self.close_connection = True


@contextmanager
def serve_bodies(bodies: Mapping[str, Body]) -> Iterator[BodySite]:
    """A real HTTP server on 127.0.0.1 answering each path with its body, as given."""
    server = BodySite(("127.0.0.1", 0), BodyHandler)
    server.bodies, server.accept_encodings = dict(bodies), []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def site_url(site: BodySite, path: str) -> str:
    return f"http://127.0.0.1:{site.server_address[1]}{path}"


# --- the tests -----------------------------------------------------------------------------

DEFAULT_MAX = Settings.model_fields["max_item_bytes"].default  # 5,000,000
MAX_RSS_MB = 700  # the finding: 2,200 MB, then MemoryError
PAGE = b"<html><body><article><h1>Fine</h1><p>" + b"A fine page. " * 400 + b"</p></article>"

# Content-Encoding as served -> the codings applied, in that order, to make the body.
STACKS = {
    "gzip": ["gzip"],
    "x-gzip": ["gzip"],
    "deflate": ["deflate"],
    "deflate (raw)": ["raw-deflate"],
    "gzip, gzip": ["gzip", "gzip"],
    "gzip, deflate": ["gzip", "deflate"],
    "deflate, gzip": ["deflate", "gzip"],
    "gzip, gzip, gzip": ["gzip", "gzip", "gzip"],
    "identity, gzip": ["gzip"],
}


def header(stack: str) -> str:
    return stack.replace(" (raw)", "")


def bodies() -> dict[str, Body]:
    served = {"/bomb": Body(gzip_bomb(), "gzip, gzip")}
    for n, (stack, codings) in enumerate(STACKS.items()):
        served[f"/big{n}"] = Body(compressed(300_000_000, codings), header(stack))
        served[f"/page{n}"] = Body(encode(PAGE, codings), header(stack))
    served["/br"] = Body(b"\x1b\x03\x00\xf8\xa5\x40\x02", "br")
    served["/gzip-br"] = Body(compressed(1000, ["gzip"]), "gzip, br")
    served["/zstd"] = Body(b"(\xb5/\xfd\x00X\x00\x00", "zstd")
    served["/corrupt"] = Body(b"this is not gzip at all", "gzip")
    served["/four"] = Body(compressed(10, ["gzip"] * 4), "gzip, gzip, gzip, gzip")
    # A small gzip member, then junk without end: only the raw size limit can stop it.
    served["/trailing"] = Body(compressed(1000, ["gzip"]), "gzip", trailing=200_000_000)
    return served


@pytest.fixture(scope="module")
def site() -> Iterator[BodySite]:
    with serve_bodies(bodies()) as server:
        yield server


def policy(**overrides: Any) -> FetchPolicy:
    """The defaults of the settings (loopback allowed: the test server is on 127.0.0.1)."""
    fields = Settings.model_fields
    values: dict[str, Any] = {
        "timeout": fields["fetch_timeout"].default, "max_redirects": 5, "max_bytes": DEFAULT_MAX,
        "retries": 0, "user_agent": "bomb-test", "allow_private": True,
    }  # fmt: skip
    return FetchPolicy(**{**values, **overrides})


def fetch(site: BodySite, path: str, pol: FetchPolicy | None = None) -> Any:
    pol = pol or policy()
    with make_client(pol) as client:
        return fetch_once(client, site_url(site, path), pol)


def failure(site: BodySite, path: str, pol: FetchPolicy | None = None) -> IngestError:
    with pytest.raises(IngestError) as info:
        fetch(site, path, pol)
    return info.value


def test_two_gzip_layers_over_2gb_are_refused_at_the_limit(site: BodySite) -> None:
    assert len(site.bodies["/bomb"].data) < 4_000
    started = time.monotonic()
    error = failure(site, "/bomb")
    assert isinstance(error, PermanentError) and error.reason == "too_large"
    assert "decoded" in str(error)
    assert time.monotonic() - started < 5  # stopped at 5 MB, not after 2 GB


@pytest.mark.parametrize("n", range(len(STACKS)), ids=list(STACKS))
def test_every_stack_of_encodings_is_bounded(site: BodySite, n: int) -> None:
    """300 MB of zeros under each stack: refused as too_large, not decoded whole."""
    error = failure(site, f"/big{n}")
    assert error.reason == "too_large", error


@pytest.mark.parametrize("n", range(len(STACKS)), ids=list(STACKS))
def test_every_stack_of_encodings_decodes_a_page(site: BodySite, n: int) -> None:
    assert fetch(site, f"/page{n}").data == PAGE


def test_the_decoded_limit_is_exact(tmp_path: Path) -> None:
    """About the limit itself: a body of exactly max_bytes passes, one byte more does not."""
    limit = 100_000
    two = ["gzip", "gzip"]
    served = {"/at": Body(compressed(limit, two, b"a"), "gzip, gzip"),
              "/over": Body(compressed(limit + 1, two, b"a"), "gzip, gzip")}  # fmt: skip
    with serve_bodies(served) as small:
        assert fetch(small, "/at", policy(max_bytes=limit)).data == b"a" * limit
        assert failure(small, "/over", policy(max_bytes=limit)).reason == "too_large"


def test_endless_bytes_after_a_small_body_hit_the_raw_limit(site: BodySite) -> None:
    """The compressed size is bounded too: junk after the gzip stream is still counted."""
    error = failure(site, "/trailing")
    assert error.reason == "too_large" and "before decoding" in str(error)


@pytest.mark.parametrize("path", ["/br", "/gzip-br", "/zstd", "/corrupt", "/four"])
def test_encodings_we_cannot_bound_are_refused(site: BodySite, path: str) -> None:
    """No Brotli or Zstandard decoder is installed: such a body is refused, not passed on
    as garbage; a corrupt gzip body and four stacked layers too."""
    error = failure(site, path)
    assert isinstance(error, PermanentError) and error.reason == "fetch_failed", error


def test_only_the_encodings_we_decode_are_asked_for(site: BodySite) -> None:
    fetch(site, "/page0")
    assert site.accept_encodings[-1] == "gzip, deflate"


def test_ingest_run_rejects_the_bomb_with_bounded_memory(site: BodySite, tmp_path: Path) -> None:
    """The whole path with the default settings: one ``too_large`` item, the process lives."""
    store_url = f"sqlite:///{tmp_path}/store.db"
    env = {"INGEST_STORE_URL": store_url, "INGEST_FETCH_ALLOW_PRIVATE": "true"}
    result, peak_mb = run_measured(["run", site_url(site, "/bomb")], env, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    store = Store(store_url)
    stats = store.stats()
    store.close()
    print("\nFIGURES gzip,gzip bomb via ingest run: " + json.dumps({
        "response_bytes": len(site.bodies["/bomb"].data), "decodes_to": 2 * 1024**3,
        "peak_rss_mb": round(peak_mb), "outcome": stats["by_reason"],
    }))  # fmt: skip
    assert stats["by_status"] == {"rejected": 1}
    assert stats["by_reason"] == {"too_large": 1}
    assert peak_mb < MAX_RSS_MB
