"""Readers for files, folders, JSON, JSONL, feeds and stdin (worker/sources/)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.stages import run_batch
from worker.core.models import Found, Kind, RawItem
from worker.pipeline.prepare import Deps
from worker.readers.feeds import html_to_text, looks_like_feed, read_feed
from worker.readers.files import Limits, decode_text, iter_inputs, iter_path, read_file
from worker.readers.records import read_json, read_jsonl

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LIMITS = Limits(max_item_bytes=1_000_000, max_feed_entries=100)
NOW = datetime(2024, 6, 1, tzinfo=UTC)

RSS_ITEM = (
    "<item><title>{title}</title>"
    "<link>https://regional.example.net/{n}?utm_source=x</link>"
    "<guid>https://regional.example.net/{n}</guid>"
    "<pubDate>Sat, 20 Apr 2024 07:00:00 +0200</pubDate>"
    "<description><![CDATA[<p>First paragraph {n}.</p><p>Second paragraph {n}.</p>]]>"
    "</description></item>"
)


def rss(*items: str) -> bytes:
    body = "".join(items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Regional</title><link>https://regional.example.net/</link>{body}</channel></rss>"
    ).encode()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def read(path: Path, limits: Limits = LIMITS) -> list[Found]:
    return list(iter_path(path, limits))


def reasons(found: list[Found]) -> list[str | None]:
    return [f.payload["reason"] if f.kind is Kind.INVALID else None for f in found]


def only_reason(path: Path, limits: Limits = LIMITS) -> str:
    [found] = read(path, limits)
    assert found.kind is Kind.INVALID
    assert found.payload["message"]
    return str(found.payload["reason"])


# --- text and folders ----------------------------------------------------------------------


def test_seed_file_is_one_text_item() -> None:
    [found] = read(SEEDS / "000_33deb995d6668e48.txt")
    assert found.kind is Kind.TEXT
    assert found.payload["text"].startswith("Le Kremlin exhorte")
    assert found.source.endswith("000_33deb995d6668e48.txt")


def test_seeds_folder_has_every_kind_and_no_rejection() -> None:
    found = read(SEEDS)
    assert reasons(found) == [None] * len(found)
    assert {f.kind for f in found} == {Kind.TEXT, Kind.RECORD, Kind.HTML}
    assert found[0].source.endswith("000_33deb995d6668e48.txt")


def test_folder_is_recursive_sorted_and_skips_hidden_files(tmp_path: Path) -> None:
    write(tmp_path, "b.txt", "B\nbody")
    write(tmp_path, "a/z.txt", "Z\nbody")
    write(tmp_path, "a/.hidden.txt", "H\nbody")
    write(tmp_path, "c.md", "C\nbody")
    sources = [Path(f.source).relative_to(tmp_path).as_posix() for f in read(tmp_path)]
    assert sources == ["a/z.txt", "b.txt", "c.md"]


def test_bom_is_stripped(tmp_path: Path) -> None:
    [found] = read(write(tmp_path, "a.txt", "\ufeffTitle\nBody".encode()))
    assert found.payload["text"] == "Title\nBody"


# --- bad input -----------------------------------------------------------------------------


def test_not_found(tmp_path: Path) -> None:
    assert only_reason(tmp_path / "missing.txt") == "not_found"


def test_unreadable(tmp_path: Path) -> None:
    # A directory handed to read_file cannot be opened for reading (works even as root,
    # where chmod 000 would not stop us).
    folder = tmp_path / "dir.txt"
    folder.mkdir()
    [found] = list(read_file(folder, LIMITS))
    assert found.kind is Kind.INVALID
    assert found.payload["reason"] == "unreadable"


def test_binary(tmp_path: Path) -> None:
    assert only_reason(write(tmp_path, "a.txt", b"Title\nbo\x00dy")) == "binary"


def test_invalid_utf8(tmp_path: Path) -> None:
    """Stray bytes no encoding explains: ``not_utf8`` (Latin text is decoded, see below)."""
    assert only_reason(write(tmp_path, "a.txt", b"Title\nover long \xc0\xaf slash")) == "not_utf8"
    assert only_reason(write(tmp_path, "a.json", '{"t": "café"}'.encode("latin-1"))) == "not_utf8"


def test_decode_text() -> None:
    assert decode_text("é".encode(), "s") == "é"
    assert decode_text("\ufeffé".encode(), "s") == "é"
    assert decode_text(b"\xff\xfe", "s") == ""  # a UTF-16 BOM and nothing after it
    bad = decode_text(b"\x81\x8d stray bytes", "s")
    assert isinstance(bad, Found)
    assert bad.payload["reason"] == "not_utf8"


FRENCH = "Le gouvernement français a annoncé mercredi des mesures pour les ménages."
RUSSIAN = "Правительство России объявило в среду о новых мерах поддержки экономики."
JAPANESE = "東京都は本日、新しい交通計画を発表した。市民の生活に大きな影響があると見られる。"


@pytest.mark.parametrize(
    ("head", "encoding", "text"),
    [
        ('<meta charset="shift_jis">', "shift_jis", JAPANESE),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
            "cp1251",
            RUSSIAN,
        ),
        ('<meta charset="iso-8859-1">', "latin-1", FRENCH),
        ("", "cp1251", RUSSIAN),  # no declaration: detected
        ("", "latin-1", FRENCH),
    ],
)
def test_html_files_in_legacy_charsets(tmp_path: Path, head: str, encoding: str, text: str) -> None:
    page = f"<html><head>{head}<title>t</title></head><body><p>{text}</p></body></html>"
    [found] = read(write(tmp_path, "page.html", page.encode(encoding)))
    assert found.kind is Kind.HTML
    assert text in found.payload["html"]


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("latin-1", FRENCH), ("cp1252", "Grüße aus Köln – „schön“"), ("cp1251", RUSSIAN)],
)
def test_text_files_in_legacy_charsets(tmp_path: Path, encoding: str, text: str) -> None:
    [found] = read(write(tmp_path, "a.txt", f"Title\n{text}".encode(encoding)))
    assert found.payload == {"text": f"Title\n{text}"}


def test_utf16_text_with_a_bom_is_text(tmp_path: Path) -> None:
    [found] = read(write(tmp_path, "a.txt", "Titre\nCafé".encode("utf-16")))
    assert found.payload == {"text": "Titre\nCafé"}
    assert only_reason(write(tmp_path, "b.txt", "\ufeffA\x00B".encode("utf-16-le"))) == "binary"


def test_feed_files_in_legacy_charsets(tmp_path: Path) -> None:
    xml = (
        "<?xml version='1.0' encoding='shift_jis'?><rss version='2.0'><channel><title>ニュース"
        f"</title><item><title>東京</title><link>/news/1.html</link><description>{JAPANESE}"
        "</description></item></channel></rss>"
    )
    [found] = read(write(tmp_path, "a.rss", xml.encode("shift_jis")))
    record = found.payload["record"]
    assert (record["title"], record["body"], record["feed_title"]) == ("東京", JAPANESE, "ニュース")
    assert record["url"] == "/news/1.html"  # a file has no URL: a relative link stays relative


def test_a_feed_read_with_its_url_gets_absolute_links() -> None:
    data = rss(
        "<item><title>R</title><link>../2024/r.html</link><description>x</description></item>"
    )
    [found] = read_feed(
        data, "https://n.example/feeds/rss.xml", 10, "https://n.example/feeds/rss.xml"
    )
    assert found.payload["record"]["url"] == "https://n.example/2024/r.html"


def test_over_the_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "T\n" + "x" * 200)
    assert only_reason(path, Limits(max_item_bytes=100, max_feed_entries=10)) == "too_large"
    [ok] = read(path, Limits(max_item_bytes=202, max_feed_entries=10))
    assert ok.kind is Kind.TEXT


@pytest.mark.parametrize("name", ["a.pdf", "a.csv", "noext"])
def test_unsupported_type(tmp_path: Path, name: str) -> None:
    assert only_reason(write(tmp_path, name, "plain words")) == "unsupported_type"


def test_empty_text_file_is_an_item_that_ends_rejected(tmp_path: Path) -> None:
    [found] = read(write(tmp_path, "a.txt", ""))
    assert found.kind is Kind.TEXT
    [prepared] = run_batch(
        [RawItem(item_key="r-1", source=found.source, kind=found.kind, payload=found.payload)],
        Deps(),
        NOW,
    )
    assert prepared.rejection is not None
    assert prepared.rejection.reason == "empty_body"


def test_mixed_folder_accounts_for_every_input(tmp_path: Path) -> None:
    write(tmp_path, "1.txt", "Good\nA body.")
    write(tmp_path, "2.txt", b"\x00\x01")
    write(tmp_path, "3.jsonl", '{"body": "x"}\nnot json\n{"body": "y"}\n')
    write(tmp_path, "4.json", "{broken")
    write(tmp_path, "5.bin", "data")
    assert reasons(read(tmp_path)) == [
        None,
        "binary",
        None,
        "invalid_json",
        None,
        "invalid_json",
        "unsupported_type",
    ]


# --- JSON and JSONL ------------------------------------------------------------------------


def test_json_object_and_array(tmp_path: Path) -> None:
    [one] = read(write(tmp_path, "one.json", json.dumps({"title": "t", "body": "b", "x": 1})))
    assert one.kind is Kind.RECORD
    assert one.payload["record"] == {"title": "t", "body": "b", "x": 1}
    many = read(write(tmp_path, "many.json", json.dumps([{"body": "a"}, {"body": "b"}, 3])))
    assert [f.source.rsplit("#", 1)[1] for f in many] == ["0", "1", "2"]
    assert reasons(many) == [None, None, "not_an_object"]


def test_invalid_json_file(tmp_path: Path) -> None:
    assert only_reason(write(tmp_path, "a.json", '{"title": "t",')) == "invalid_json"


def test_jsonl_bad_line_among_good_ones(tmp_path: Path) -> None:
    lines = ['{"id": 1, "body": "one"}', "{not json}", "", '{"id": 3, "body": "three"}', "[1]"]
    found = read(write(tmp_path, "a.jsonl", "\n".join(lines) + "\n"))
    assert reasons(found) == [None, "invalid_json", None, "not_an_object"]
    assert [f.source.rsplit(":", 1)[1] for f in found] == ["1", "2", "4", "5"]
    assert found[2].payload["record"] == {"id": 3, "body": "three"}


def test_ndjson_suffix(tmp_path: Path) -> None:
    [found] = read(write(tmp_path, "a.ndjson", '{"body": "x"}\n'))
    assert found.kind is Kind.RECORD


def test_jsonl_line_over_the_limit() -> None:
    found = list(read_jsonl(['{"body": "short"}', '{"body": "' + "x" * 100 + '"}'], "s", 50))
    assert reasons(found) == [None, "too_large"]


def test_jsonl_line_limit_counts_bytes() -> None:
    line = '{"body": "' + "é" * 40 + '"}'  # 52 characters, 92 bytes
    assert reasons(list(read_jsonl([line], "s", 60))) == ["too_large"]


def test_deeply_nested_json_is_rejected_not_crashing() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert reasons(list(read_json(deep, "s"))) in (["invalid_json"], ["not_an_object"])
    assert reasons(list(read_jsonl([deep], "s", 10**7))) in (["invalid_json"], ["not_an_object"])


def test_stdin_and_urls() -> None:
    stdin = io.StringIO('{"body": "a"}\nnope\n')
    found = list(iter_inputs(["-", "https://example.org/x"], LIMITS, stdin=stdin))
    assert [f.kind for f in found] == [Kind.RECORD, Kind.INVALID, Kind.URL]
    assert found[0].source == "stdin:1"
    assert found[2].payload == {"url": "https://example.org/x"}


@pytest.mark.parametrize("wrap", [io.BytesIO, lambda b: io.TextIOWrapper(io.BytesIO(b), "utf-8")])
def test_stdin_with_a_bom_and_a_bad_line_rejects_only_that_line(wrap: object) -> None:
    data = b'\xef\xbb\xbf{"body": "a"}\n\xff\xfe{"body": "b"}\n{"body": "caf\xc3\xa9"}\n'
    found = list(iter_inputs(["-"], LIMITS, stdin=wrap(data)))  # type: ignore[operator]
    assert reasons(found) == [None, "not_utf8", None]
    assert found[2].payload["record"] == {"body": "café"}


def test_stdin_as_text_with_a_bom() -> None:
    found = list(iter_inputs(["-"], LIMITS, stdin=io.StringIO('\ufeff{"body": "a"}\n')))
    assert reasons(found) == [None]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.jsonl", '{"title": "t", "body": "About the <rss> element"}\n'),
        ("a.txt", "Feeds explained\nThe <feed> element wraps an Atom document.\n"),
    ],
)
def test_known_types_are_not_sniffed_as_feeds(tmp_path: Path, name: str, data: str) -> None:
    assert reasons(read(write(tmp_path, name, data))) == [None]


# --- feeds ---------------------------------------------------------------------------------


def test_rss_seed_entries_become_records() -> None:
    found = read(SEEDS / "030_regional.rss")
    assert len(found) >= 2
    first = found[0].payload["record"]
    assert found[0].kind is Kind.RECORD
    assert found[0].source.endswith("030_regional.rss#0")
    assert first["title"] == "New cycle lane connects the two river banks"
    assert first["url"].startswith("https://regional.example.net/2024/04/cycle-lane")
    assert first["published_at"] == "Sat, 20 Apr 2024 07:00:00 +0200"
    assert first["feed_title"] == "Example Regional News"
    assert "<p>" not in first["body"]
    assert "\n" in first["body"].strip()  # paragraphs stay apart


def test_atom_feed(tmp_path: Path) -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title><id>urn:x</id>
<entry><title>An entry</title><id>urn:e1</id><link href="https://a.example/e1"/>
<updated>2024-04-18T09:30:00+01:00</updated><author><name>Ann</name></author>
<content type="html">&lt;p&gt;Entry body.&lt;/p&gt;</content></entry></feed>"""
    [found] = read(write(tmp_path, "a.atom", atom))
    record = found.payload["record"]
    assert record["id"] == "urn:e1"
    assert record["url"] == "https://a.example/e1"
    assert record["body"].strip() == "Entry body."
    assert record["authors"] == ["Ann"]


def test_feed_is_sniffed_in_an_unknown_suffix(tmp_path: Path) -> None:
    found = read(write(tmp_path, "feed.dat", rss(RSS_ITEM.format(n=1, title="One"))))
    assert [f.kind for f in found] == [Kind.RECORD]


def test_feed_with_entity_declaration_is_refused(tmp_path: Path) -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]><rss version="2.0"><channel><title>&lol2;</title>'
        b"<item><title>x</title><description>y</description></item></channel></rss>"
    )
    assert only_reason(write(tmp_path, "a.xml", evil)) == "xml_entities"
    assert reasons(list(read_feed(evil.replace(b"ENTITY", b"entity"), "s", 10))) == ["xml_entities"]


def test_empty_feed(tmp_path: Path) -> None:
    assert only_reason(write(tmp_path, "a.rss", rss())) == "empty_feed"


def test_not_a_feed(tmp_path: Path) -> None:
    assert only_reason(write(tmp_path, "a.xml", b"<html><p>unclosed <b>tag</p>")) in (
        "not_a_feed",
        "empty_feed",
    )


def test_feed_entry_limit(tmp_path: Path) -> None:
    data = rss(*(RSS_ITEM.format(n=n, title=f"T{n}") for n in range(5)))
    found = read(write(tmp_path, "a.rss", data), Limits(max_item_bytes=10**6, max_feed_entries=3))
    assert reasons(found) == [None, None, None, "too_many_entries"]


def test_feed_records_parse_to_articles(tmp_path: Path) -> None:
    found = read(write(tmp_path, "a.rss", rss(RSS_ITEM.format(n=1, title="One"))))
    items = [
        RawItem(item_key="r-1", source=f.source, kind=f.kind, payload=f.payload) for f in found
    ]
    [p] = run_batch(items, Deps(), NOW)
    assert p.article is not None
    assert p.article.title == "One"
    assert p.article.canonical_url == "https://regional.example.net/1"
    assert p.article.body == "First paragraph 1.\nSecond paragraph 1."
    assert p.article.extra == {"feed_title": "Regional"}
    assert p.article.published_at is not None
    assert p.article.published_at.isoformat() == "2024-04-20T07:00:00+02:00"


def test_looks_like_feed() -> None:
    assert looks_like_feed(b'<?xml version="1.0"?>\n<rss version="2.0">')
    assert looks_like_feed(b'<feed xmlns="http://www.w3.org/2005/Atom">')
    assert not looks_like_feed(b"<html><body>hello</body></html>")


def test_html_to_text() -> None:
    assert html_to_text("plain text") == "plain text"
    text = html_to_text("<p>One <b>bold</b></p><p>Two</p><script>x</script>")
    assert [line for line in text.split("\n") if line.strip()][:2] == ["One bold", "Two"]


def test_a_gzip_file_is_read_as_the_file_it_holds(tmp_path: Path) -> None:
    import gzip

    page = "<html><head><title>Zipped</title></head><body><article><p>" + "Words here. " * 40
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(page.encode()))
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"A title\nA body of text."))
    found = list(iter_path(tmp_path, Limits(max_item_bytes=100_000, max_feed_entries=10)))
    assert sorted(f.kind.value for f in found) == ["html", "text"]
    html = next(f for f in found if f.kind is Kind.HTML)
    assert "<title>Zipped</title>" in html.payload["html"]


def test_a_gzip_bomb_or_a_broken_gzip_file_is_one_rejected_item(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "bomb.html.gz").write_bytes(gzip.compress(b"\0" * 5_000_000))
    (tmp_path / "broken.html.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    found = list(iter_path(tmp_path, Limits(max_item_bytes=100_000, max_feed_entries=10)))
    reasons = sorted(f.payload["reason"] for f in found)
    assert reasons == ["binary", "too_large"]
