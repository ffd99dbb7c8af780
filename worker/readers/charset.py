"""One decoding policy for every document read: files, fetched pages and feeds.

The first step that gives text wins:

1. a byte order mark (UTF-8, UTF-16, UTF-32);
2. the ``charset`` of the HTTP ``Content-Type`` (fetches only);
3. the document's own declaration: ``<meta charset>`` or ``http-equiv`` in the first 4 KB
   of HTML, ``encoding=`` in the XML declaration of a feed;
4. UTF-8;
5. detection: ``charset_normalizer`` when it is sure, else Windows-1252 for text whose
   every non-ASCII character is a Latin letter or common typography;

else ``not_utf8``. A label naming no encoding we accept, or one the bytes do not decode
in, is skipped: a server that says ``charset=utf-8`` over a Shift_JIS page whose meta tag
is right is common. Labels map to the decoders browsers use (WHATWG Encoding Standard:
ISO-8859-1 and ASCII are Windows-1252, Shift_JIS is Windows-31J...), and only encodings
of that standard are accepted: no label can select ``utf-7`` or ``unicode_escape``.
JSON is UTF-8 by its RFC: a BOM is allowed, nothing else is guessed.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import charset_normalizer

from worker.core.errors import Reason
from worker.core.models import Found, invalid

Markup = Literal["text", "html", "xml", "json"]

DECLARATION_BYTES = 4096  # where a meta charset or an XML declaration is looked for
MIN_EVIDENCE = 16  # non-ASCII bytes below which a detector's guess is noise
_HIGH = bytes(range(0x80, 0x100))

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# A feed without a BOM may still be UTF-16: its declaration's first bytes tell (XML, F.1).
_XML_WIDE = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))

# Labels Python does not know, as WHATWG names them.
_LABELS = {"windows-31j": "cp932", "x-sjis": "cp932", "windows-874": "cp874",
           "x-cp1251": "cp1251", "x-cp1250": "cp1250", "x-mac-cyrillic": "mac-cyrillic",
           "iso-8859-8-i": "iso8859-8", "x-euc-jp": "euc_jp", "x-gbk": "gb18030"}  # fmt: skip
# Python's codec -> the superset browsers decode that label with.
_SUPERSET = {"ascii": "cp1252", "iso8859-1": "cp1252", "iso8859-9": "cp1254",
             "tis-620": "cp874", "shift_jis": "cp932", "gb2312": "gb18030", "gbk": "gb18030",
             "euc_kr": "cp949", "big5": "big5hkscs"}  # fmt: skip
_ACCEPTED = {
    "utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
    "cp866", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "tis-620",
    "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb2312", "gbk", "gb18030", "big5",
    "big5hkscs", "euc_kr", "cp949", "ascii",
    *(f"cp{n}" for n in range(1250, 1259)),
    *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)),
}  # fmt: skip
_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
# What a detector may pick from: the legacy encodings undeclared web text is really in.
# fmt: off
_DETECTABLE = ["cp1252", "cp1250", "cp1251", "koi8_r", "cp1253", "cp1254", "cp1255", "cp1256",
               "cp1257", "cp874", "cp932", "euc_jp", "gb18030", "big5", "cp949"]
# fmt: on
# Non-letters that Windows-1252 text really contains (NBSP, quotes, dashes, £, °).
_TYPOGRAPHY = frozenset("\xa0’‘“”„–—…«»£°")

_LABEL = rb"""["']?\s*([A-Za-z0-9_.:-]{1,40})"""
_META = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*" + _LABEL, re.IGNORECASE)
_XML_DECL = re.compile(rb"\s*<\?xml\b[^>]*?\bencoding\s*=\s*" + _LABEL, re.IGNORECASE)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the Python codec that decoded it
    how: str  # bom, header, declared, utf-8, detected


def decode_text(
    data: bytes, source: str, markup: Markup = "text", content_type: str | None = None
) -> str | Found:
    """The document's text, or why it has none: ``binary`` (NUL) or ``not_utf8``."""
    result = decode(data, markup, header_charset(content_type))
    if isinstance(result, Decoded):
        return result.text
    return invalid(source, result[0], result[1])


def decode(
    data: bytes, markup: Markup = "text", http_charset: str | None = None
) -> Decoded | tuple[Reason, str]:
    """The policy above; a failure is (reason, message)."""
    wide = _signature(data, markup)
    if wide is not None:
        text = _try(data[len(wide[0]) :], wide[1])
        if text is None:
            return Reason.NOT_UTF8, f"not valid {wide[1]} despite its byte order mark"
        return _checked(Decoded(text, wide[1], "bom"))
    # Anywhere, not only near the start: no store keeps U+0000 in text (PostgreSQL refuses it).
    if b"\x00" in data:
        return Reason.BINARY, "contains NUL bytes: not a text file"
    for how, label in (("header", http_charset), ("declared", declared_charset(data, markup))):
        found = _by_label(data, label, how)
        if found is not None:
            return _checked(found)
    return _undeclared(data, markup)


def _undeclared(data: bytes, markup: Markup) -> Decoded | tuple[Reason, str]:
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError as exc:
        failure = f"not UTF-8 text: {exc.reason} at byte {exc.start}"
    encoding = None if markup == "json" else detect(data)
    if encoding is not None:
        return _checked(Decoded(data.decode(encoding), encoding, "detected"))
    return Reason.NOT_UTF8, f"{failure}, and no encoding declared or detected"


def _signature(data: bytes, markup: Markup) -> tuple[bytes, str] | None:
    """The BOM and its encoding (only UTF-8's for JSON), or a BOM-less UTF-16 feed's."""
    for bom, encoding in _BOMS:
        if data.startswith(bom) and (markup != "json" or encoding == "utf-8"):
            return bom, encoding
    if markup == "xml":
        for start, encoding in _XML_WIDE:
            if data.startswith(start):
                return b"", encoding
    return None


def _by_label(data: bytes, label: str | None, how: str) -> Decoded | None:
    codec = codec_for(label) if label else None
    if codec is None or (how == "declared" and codec in _WIDE):
        return None  # a declaration readable as ASCII is not in UTF-16 (WHATWG: UTF-8)
    for attempt in dict.fromkeys([_SUPERSET.get(codec, codec), codec]):
        text = _try(data, attempt)
        if text is not None:
            return Decoded(text, attempt, how)
    return None


def _checked(decoded: Decoded) -> Decoded | tuple[Reason, str]:
    if "\x00" in decoded.text:  # a NUL character, from UTF-16 or a legacy encoding
        return Reason.BINARY, f"contains NUL characters ({decoded.encoding}): not a text file"
    return decoded


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def codec_for(label: str) -> str | None:
    """The Python codec of an encoding label we accept, or None."""
    name = label.strip().lower()
    name = _LABELS.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return codec if codec in _ACCEPTED else None


def header_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header."""
    match = _CT_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def declared_charset(data: bytes, markup: Markup) -> str | None:
    """What the document says it is in: meta charset (HTML) or XML declaration."""
    head = data[:DECLARATION_BYTES]
    if markup == "html":
        match = _META.search(head) or _XML_DECL.match(head)
    elif markup == "xml":
        match = _XML_DECL.match(head)
    else:
        return None
    return match.group(1).decode("ascii") if match else None


def detect(data: bytes) -> str | None:
    """An encoding for undeclared, non-UTF-8 text, only when the evidence is good."""
    if len(data) - len(data.translate(None, _HIGH)) >= MIN_EVIDENCE:
        guess = _sure(charset_normalizer.from_bytes(data, cp_isolation=_DETECTABLE))
        if guess is not None and _try(data, guess) is not None:
            return guess
    return "cp1252" if _latin(data) else None


def _sure(matches: charset_normalizer.CharsetMatches) -> str | None:
    """The best guess when no rival is about as plausible, or its language settles it.

    Short texts decode cleanly in several code pages (French in cp1250 reads ``crčme``);
    such ties are left to the Latin test or refused."""
    ranked = list(matches)
    if not ranked or ranked[0].chaos > 0.1:
        return None
    best, rivals = ranked[0], [m for m in ranked[1:] if m.chaos <= ranked[0].chaos + 0.05]
    if rivals and not (best.coherence >= 0.2 and best.coherence > max(r.coherence for r in rivals)):
        return None
    return str(best.encoding)


def _latin(data: bytes) -> bool:
    """Windows-1252 text whose every non-ASCII character is a Latin letter or typography.

    Stray UTF-8 fragments read as cp1252 give symbols (``Ã©`` aside): ``À¯``, ``â‚``."""
    text = _try(data, "cp1252")
    if text is None:
        return False
    return all(
        ch < "\x80" or ch in _TYPOGRAPHY or (ch.isalpha() and "LATIN" in unicodedata.name(ch, ""))
        for ch in set(text)
    )
