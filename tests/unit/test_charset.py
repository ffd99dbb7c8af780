"""The one decoding policy (worker/readers/charset.py): BOM, header, declaration, UTF-8,
detection; real bytes of Shift_JIS, windows-1251 and ISO-8859-1 text."""

from __future__ import annotations

import pytest

from worker.core.models import Found
from worker.readers.charset import (
    Decoded,
    codec_for,
    declared_charset,
    decode,
    decode_text,
    header_charset,
)

JAPANESE = "東京都は本日、新しい交通計画を発表した。市民の生活に大きな影響があると見られる。"
RUSSIAN = "Правительство России объявило в среду о новых мерах поддержки экономики."
FRENCH = "Le gouvernement français a annoncé mercredi des mesures pour les ménages."


def html(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>"


def how(data: bytes, markup: str = "html", http_charset: str | None = None) -> tuple[str, str]:
    result = decode(data, markup, http_charset)  # type: ignore[arg-type]
    assert isinstance(result, Decoded), result
    return result.how, result.encoding


def test_a_bom_wins_over_everything() -> None:
    data = "\ufeff".encode() + html(FRENCH, '<meta charset="windows-1251">').encode()
    assert how(data, http_charset="shift_jis") == ("bom", "utf-8")
    assert how(html(RUSSIAN).encode("utf-16")) == ("bom", "utf-16-le")
    assert how("\ufeffx".encode("utf-32-le")) == ("bom", "utf-32-le")


def test_the_header_charset_comes_before_the_page_declaration() -> None:
    data = html(RUSSIAN, '<meta charset="koi8-r">').encode("cp1251")
    assert how(data, http_charset="windows-1251") == ("header", "cp1251")


def test_a_header_the_bytes_do_not_fit_falls_through_to_the_meta_tag() -> None:
    """charset=utf-8 sent by a server over a Shift_JIS page that says so itself."""
    data = html(JAPANESE, '<meta charset="Shift_JIS">').encode("shift_jis")
    assert how(data, http_charset="utf-8") == ("declared", "cp932")
    assert decode_text(data, "s", "html", "text/html; charset=UTF-8") == html(
        JAPANESE, '<meta charset="Shift_JIS">'
    )


@pytest.mark.parametrize(
    ("head", "encoding", "codec"),
    [
        ('<meta charset="shift_jis">', "shift_jis", "cp932"),
        ("<META CHARSET=Shift-JIS>", "shift_jis", "cp932"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
            "cp1251",
            "cp1251",
        ),
        (
            "<meta content='text/html;charset=ISO-8859-1' http-equiv='content-type'>",
            "latin-1",
            "cp1252",
        ),
    ],
)
def test_html_declarations(head: str, encoding: str, codec: str) -> None:
    text = {"shift_jis": JAPANESE, "cp1251": RUSSIAN, "latin-1": FRENCH}[encoding]
    data = html(text, head).encode(encoding)
    assert how(data) == ("declared", codec)
    assert decode_text(data, "s", "html") == html(text, head)


def test_a_declaration_after_the_first_4_kb_is_not_looked_for() -> None:
    head = "<!--" + "x" * 5000 + '--><meta charset="windows-1251">'
    assert declared_charset(html(RUSSIAN, head).encode("cp1251"), "html") is None


def test_xml_declarations_are_read_for_feeds_and_xhtml() -> None:
    xml = "<?xml version='1.0' encoding='windows-1251'?><rss><channel/></rss>".encode("cp1251")
    assert declared_charset(xml, "xml") == "windows-1251"
    assert declared_charset(xml, "html") == "windows-1251"
    assert declared_charset(xml, "text") is None
    assert declared_charset(b'<html><meta charset="koi8-r">', "xml") is None


def test_iso_8859_1_is_read_as_windows_1252_as_browsers_do() -> None:
    data = "Prix : 5 € – « été »".encode("cp1252")
    assert decode_text(data, "s", "html", "text/html; charset=iso-8859-1") == "Prix : 5 € – « été »"


def test_a_utf16_declaration_in_ascii_means_utf8() -> None:
    data = html("café", '<meta charset="utf-16">').encode()
    assert how(data) == ("utf-8", "utf-8")


@pytest.mark.parametrize(
    "label", ["utf-7", "unicode_escape", "rot13", "zlib", "x-user-defined", "bogus"]
)
def test_labels_of_no_web_encoding_are_ignored(label: str) -> None:
    assert codec_for(label) is None
    data = html("+ADw-script+AD4-", f'<meta charset="{label}">').encode()
    assert how(data, http_charset=label) == ("utf-8", "utf-8")


def test_header_charset() -> None:
    assert header_charset('text/html; charset="Windows-1251"') == "Windows-1251"
    assert header_charset("application/rss+xml") is None
    assert header_charset(None) is None


@pytest.mark.parametrize(
    ("text", "encoding", "codec"),
    [
        (RUSSIAN, "cp1251", "cp1251"),
        (RUSSIAN, "koi8-r", "koi8_r"),
        (JAPANESE, "shift_jis", "cp932"),
        (FRENCH, "latin-1", "cp1252"),
    ],
)
def test_undeclared_legacy_text_is_detected(text: str, encoding: str, codec: str) -> None:
    data = f"Title\n{text}".encode(encoding)
    assert how(data, "text") == ("detected", codec)
    assert decode_text(data, "s") == f"Title\n{text}"


@pytest.mark.parametrize(
    "data",
    [
        b"Title\nover long \xc0\xaf slash",
        b"Title\nencoded surrogate \xed\xa0\x80 here",
        b"Title\ntruncated at the end \xe2\x82",
        b"Title\nstray continuation \x80\x81 bytes",
        "東京".encode("shift_jis"),  # too little to go on
    ],
)
def test_stray_bytes_are_not_guessed_into_text(data: bytes) -> None:
    found = decode_text(data, "s")
    assert isinstance(found, Found) and found.payload["reason"] == "not_utf8"


def test_json_is_utf8_only() -> None:
    assert decode_text('\ufeff{"a": "é"}'.encode(), "s", "json") == '{"a": "é"}'
    found = decode_text(f'{{"body": "{FRENCH}"}}'.encode("latin-1"), "s", "json")
    assert isinstance(found, Found) and found.payload["reason"] == "not_utf8"


def test_nul_bytes_are_binary_whatever_the_declaration() -> None:
    found = decode_text(
        b"<meta charset='cp1251'>\x00\x01", "s", "html", "text/html; charset=cp1251"
    )
    assert isinstance(found, Found) and found.payload["reason"] == "binary"
    wide_nul = decode_text("\ufeffa\x00b".encode("utf-16-le"), "s")
    assert isinstance(wide_nul, Found) and wide_nul.payload["reason"] == "binary"


def test_a_bom_the_bytes_do_not_fit_is_not_utf8() -> None:
    found = decode_text(b"\xff\xfe\x00\xd8", "s")  # UTF-16: a lone high surrogate
    assert isinstance(found, Found) and found.payload["reason"] == "not_utf8"


def test_a_utf16_feed_without_a_bom_is_read_from_its_declaration() -> None:
    xml = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"></rss>'
    assert how(xml.encode("utf-16-le"), "xml") == ("bom", "utf-16-le")
    assert how(xml.encode("utf-16-be"), "xml") == ("bom", "utf-16-be")
