"""HTTP bodies decoded by hand, every step bounded: no decompression bomb gets through.

httpx decodes ``Content-Encoding`` for us, but one ``decompress()`` call of its decoders
may turn a few kilobytes of a stacked ``gzip, gzip`` body into gigabytes at once: the size
limit, checked on what comes out, comes too late. Here the raw bytes are inflated layer
by layer with ``max_length``, so no call yields more than ``CHUNK`` bytes, and the decoded
total is checked after each chunk. The raw (still compressed) size is bounded too.

Only ``gzip`` and ``deflate`` are decoded (and advertised in ``ACCEPT_ENCODING``): the
standard library has no Brotli or Zstandard, and an encoding we cannot bound is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence

from worker.core.errors import PermanentError, Reason

ACCEPT_ENCODING = "gzip, deflate"
CHUNK = 1 << 16  # most decoded bytes one decompress() call may return
MAX_LAYERS = 3  # stacked encodings beyond this are no real server's: refused
_ALIASES = {"x-gzip": "gzip"}


class _Inflate:
    """One gzip or deflate layer (deflate: zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._raw_deflate = False
        self._started = False  # has any output come out (so the format is settled)?
        self._d = self._new()

    def _new(self) -> zlib._Decompress:
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """What ``data`` decodes to, in pieces of at most ``CHUNK`` bytes.

        ``feed(b"")`` drains output zlib still holds. Bytes after the end of the stream
        are ignored, as httpx does (they still count against the raw size limit).
        """
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            if self.encoding != "deflate" or self._started or self._raw_deflate:
                raise PermanentError(
                    f"corrupt {self.encoding} body: {exc}", reason=Reason.FETCH_FAILED
                ) from exc
            self._raw_deflate = True  # no zlib header: try raw deflate, as browsers do
            self._d = self._new()
            yield from self.feed(data)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        while not self._d.eof:
            out = self._d.decompress(data, CHUNK)
            data = self._d.unconsumed_tail
            if out:
                self._started = True
                yield out
            if not data and len(out) < CHUNK:  # input used up and nothing held back
                return


class BoundedDecoder:
    """Raw body chunks in, decoded chunks out; ``PermanentError(too_large)`` past the limits.

    ``max_bytes`` bounds the decoded body; the raw body may exceed it only by the framing
    of its layers (a 1% margin), since compression never saves less than that costs.
    """

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_raw = max_bytes + max_bytes // 100 + 4096
        self.raw = 0
        self.decoded = 0
        # Listed in the order applied: decoded in the reverse order.
        self.layers = [_Inflate(e) for e in reversed(encodings(content_encoding))]

    def feed(self, raw: bytes) -> Iterator[bytes]:
        self.raw += len(raw)
        if self.raw > self.max_raw:
            raise PermanentError(
                f"response over {self.max_raw} bytes before decoding", reason=Reason.TOO_LARGE
            )
        yield from self._count(_through(self.layers, raw))

    def finish(self) -> Iterator[bytes]:
        """Output the layers still hold at the end of the body, in order."""
        for n, layer in enumerate(self.layers):
            for out in layer.feed(b""):
                yield from self._count(_through(self.layers[n + 1 :], out))

    def _count(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.decoded += len(chunk)
            if self.decoded > self.max_bytes:
                raise PermanentError(
                    f"response over {self.max_bytes} bytes (decoded)", reason=Reason.TOO_LARGE
                )
            yield chunk


def _through(layers: Sequence[_Inflate], data: bytes) -> Iterator[bytes]:
    """``data`` through every layer; at most one ``CHUNK`` per layer is alive at a time."""
    if not layers:
        if data:
            yield data
        return
    for out in layers[0].feed(data):
        yield from _through(layers[1:], out)


def encodings(content_encoding: str) -> list[str]:
    """The codings of a ``Content-Encoding`` header, in the order they were applied.

    ``identity`` is no coding; one we cannot decode with a bound, or too many stacked,
    refuse the response (``fetch_failed``): its bytes would be garbage, or a bomb.
    """
    names = [_ALIASES.get(n, n) for n in _split(content_encoding) if n != "identity"]
    unknown = sorted({n for n in names if n not in ("gzip", "deflate")})
    if unknown:
        raise PermanentError(
            f"unsupported Content-Encoding {', '.join(unknown)[:100]} (not requested)",
            reason=Reason.FETCH_FAILED,
        )
    if len(names) > MAX_LAYERS:
        raise PermanentError(
            f"{len(names)} stacked Content-Encodings; at most {MAX_LAYERS} are decoded",
            reason=Reason.FETCH_FAILED,
        )
    return names


def _split(header: str) -> list[str]:
    return [part.strip().lower() for part in header.split(",") if part.strip()]
