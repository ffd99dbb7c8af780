"""A generator of hostile inputs, each with the outcome it must get.

``generate(folder)`` writes files into ``folder`` and returns ``{source: Expected}``, where
``source`` is what the producer puts in the item's ``source`` (the path; ``path:N`` for a
JSONL line; ``path#N`` for an element of a JSON array or a feed entry). Good articles are
mixed in among the bad ones: they must come out ``stored``, and the bad ones ``rejected``
with a precise reason.

Below it: ``run_measured``, which runs the CLI and returns its exact peak RSS.
"""

# ruff: noqa: UP031  # %-templates keep the raw JSON (big numbers, escapes) readable
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tests.corpus import bodies
from tests.support import ROOT

STORED = "stored"
DUPLICATE = "duplicate"
REJECTED = "rejected"
FEED_ENTRIES_READ = 100  # INGEST_MAX_FEED_ENTRIES the suite runs with
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


@dataclass(frozen=True)
class Expected:
    status: str
    reason: str | None = None
    hostile: bool = True  # False for the good articles placed around the bad ones


GOOD = Expected(STORED, hostile=False)
OK = Expected(STORED)  # hostile, but it is an article: it must be stored, cleaned


def rejected(reason: str) -> Expected:
    return Expected(REJECTED, reason)


class Generator:
    def __init__(self, root: Path, seed: int = 5) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self._bodies: Iterator[str] = iter(bodies(3000, seed=seed + 100))
        self.expected: dict[str, Expected] = {}

    def body(self) -> str:
        return next(self._bodies)

    def file(self, rel: str, data: bytes | str, expected: Expected | None) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        if expected is not None:
            self.expected[str(path)] = expected
        return path

    def jsonl(self, rel: str, lines: list[tuple[str, Expected]]) -> None:
        path = self.file(rel, "".join(line + "\n" for line, _ in lines), None)
        for number, (_, expected) in enumerate(lines, start=1):
            self.expected[f"{path}:{number}"] = expected

    def good_line(self, **fields: Any) -> tuple[str, Expected]:
        return json.dumps({"title": "Good article", "body": self.body(), **fields}), GOOD


def generate(root: Path, seed: int = 5) -> dict[str, Expected]:
    g = Generator(root, seed)
    makers = (binary, binary_lines, not_utf8, latin_text, late_nul, bad_strings, invalid_json,
              json_files, deep, numbers, invisible, empties, mixed_jsonl, huge_and_nested, feeds,
              odd_names)  # fmt: skip
    for make in makers:
        make(g)
    return g.expected


def binary(g: Generator) -> None:
    for n in range(200):
        data = bytearray(g.rng.randbytes(g.rng.randint(1, 4000)))
        data[g.rng.randrange(len(data))] = 0
        suffix = (".txt", ".html", ".json", ".md")[n % 4]
        g.file(f"binary/{n:04d}{suffix}", bytes(data), rejected("binary"))


def binary_lines(g: Generator) -> None:
    """JSONL is read line by line: a binary line is one rejection, its neighbours go on."""
    lines: list[bytes] = []
    expected: list[Expected] = []
    for _ in range(40):
        high = bytes(g.rng.randrange(0x80, 0x100) for _ in range(g.rng.randint(1, 200)))
        line, exp = g.good_line()
        lines += [high.replace(b"\n", b""), b'{"title": "T", "body": "x\x00y"}', line.encode()]
        expected += [rejected("not_utf8"), rejected("invalid_json"), exp]
    path = g.file("binary/lines.jsonl", b"\n".join(lines) + b"\n", None)
    for number, exp in enumerate(expected, start=1):
        g.expected[f"{path}:{number}"] = exp


_NOT_UTF8 = [  # bytes no accepted encoding explains (Latin text is decoded: see latin_text)
    b"Title\nover long \xc0\xaf slash",
    b"Title\nencoded surrogate \xed\xa0\x80 here",
    b"Title\ntruncated at the end \xe2\x82",
    b"Title\nstray continuation \x80\x81 bytes",
    b"Title\nundefined in cp1252 \x81\x8d\x8f here",
    b"Title\nhalf a euro sign \xe2\x82 and \xa4",
]


def not_utf8(g: Generator) -> None:
    for n in range(200):
        data = _NOT_UTF8[n % len(_NOT_UTF8)] + f" {n}".encode()
        g.file(f"latin/{n:04d}.txt", data, rejected("not_utf8"))
    # A byte order mark the bytes do not fit (an odd tail after UTF-16LE code units).
    g.file("latin/badbom.txt", b"\xff\xfeU\x00T\x00F\x00\x00\xd8", rejected("not_utf8"))


def latin_text(g: Generator) -> None:
    """Undeclared Windows-1252 / Latin-1 text is decoded and stored, not refused."""
    for n in range(20):
        text = f"Titre latin {n}\n" + g.body() + " Café crème et déjà vu, Grüße."
        g.file(f"latin1/{n:03d}.txt", text.encode("cp1252", "replace"), OK)


def late_nul(g: Generator) -> None:
    """A NUL byte far into an otherwise good text: still binary, never a stored U+0000."""
    for n in range(50):
        text = f"Late NUL {n}\n" + g.body() + " " * 9000 + "\x00 tail"
        g.file(f"latenul/{n:03d}.txt", text, rejected("binary"))


def bad_strings(g: Generator) -> None:
    """Valid JSON whose strings no store can keep: U+0000, lone surrogates."""
    lines = []
    for _ in range(25):
        body = g.body()
        lines += [
            (
                json.dumps({"title": "T", "body": body[:40] + "\u0000" + body[40:]}),
                rejected("bad_field"),
            ),
            (json.dumps({"title": "nul\u0000title", "body": g.body()}), rejected("bad_field")),
            (
                json.dumps({"title": "T", "body": g.body(), "note": "x\u0000y"}),
                rejected("bad_field"),
            ),
            ('{"title": "T", "body": "%s \\ud800 lone"}' % g.body(), rejected("bad_field")),
            ('{"title": "T", "body": "%s", "k\\udfff": 1}' % g.body(), rejected("bad_field")),
            g.good_line(),
        ]
    g.jsonl("strings/bad_strings.jsonl", lines)


_INVALID_LINES = [
    '{"title": "cut',
    "{'title': 'single quotes'}",
    '{"title": "a",}',
    '{"a" 1}',
    "}{",
    '{"body": NaN}',
    '{"body": Infinity}',
    '{"body": -Infinity}',
    "NaN",
    "[1, 2",
    '{"title": "x" "body": "y"}',
    "<html>not json</html>",
    '{"a": 01}',
    '{"a": .5}',
    '{"a": "\\x41"}',
    '{"a": tru}',
    '\u00ab"guillemets"\u00bb',
    '{"a": "unterminated\\"}',
]
_NOT_OBJECTS = ["[1, 2]", '"a string"', "42", "null", "true", "[]", "[{}]"]


def invalid_json(g: Generator) -> None:
    lines = []
    for n in range(250):
        lines.append((_INVALID_LINES[n % len(_INVALID_LINES)], rejected("invalid_json")))
        if n % 5 == 0:
            lines.append(g.good_line())
        if n % 9 == 0:
            lines.append((_NOT_OBJECTS[n % len(_NOT_OBJECTS)], rejected("not_an_object")))
    g.jsonl("json/invalid.jsonl", lines)


def json_files(g: Generator) -> None:
    for n in range(30):
        g.file(
            f"json/bad{n:02d}.json",
            _INVALID_LINES[n % len(_INVALID_LINES)],
            rejected("invalid_json"),
        )
    g.file("json/empty_array.json", "[]", rejected("empty"))
    path = g.file(
        "json/array.json", json.dumps([1, "a", {"title": "T", "body": g.body()}, None]), None
    )
    for n, exp in enumerate(
        [rejected("not_an_object"), rejected("not_an_object"), GOOD, rejected("not_an_object")]
    ):
        g.expected[f"{path}#{n}"] = exp


def _nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def deep(g: Generator) -> None:
    g.file("deep/array.json", "[" * 100_000 + "]" * 100_000, rejected("invalid_json"))
    g.file("deep/object.json", '{"a":' * 100_000 + "1" + "}" * 100_000, rejected("invalid_json"))
    lines = [
        ('{"a":' * 100_000 + "1" + "}" * 100_000, rejected("invalid_json")),
        ("[" * 50_000 + "]" * 50_000, rejected("invalid_json")),
        (json.dumps({"title": "T", "body": g.body(), "x": _nested(100)}), rejected("bad_field")),
        (json.dumps({"title": "T", "body": g.body(), "x": _nested(900)}), rejected("bad_field")),
        (json.dumps({"title": "T", "body": g.body(), "x": _nested(20)}), OK),  # kept in extra
        g.good_line(),
    ]
    g.jsonl("deep/nested.jsonl", lines)


def numbers(g: Generator) -> None:
    """Numbers too large for any column, in known fields and in unknown ones."""
    lines = []
    for n in range(8):
        b = g.body
        lines += [
            (
                '{"id": %d, "title": "T", "body": "%s"}' % (10**25 + n, b()),
                OK,
            ),  # kept exactly, as text
            ('{"id": %d, "title": "T", "body": "%s"}' % (10**250 + n, b()), rejected("bad_field")),
            (
                '{"id": 1%s, "title": "T", "body": "%s"}' % ("0" * 5000, b()),
                rejected("invalid_json"),
            ),
            ('{"id": 1e400, "title": "T", "body": "%s"}' % b(), rejected("bad_field")),
            ('{"id": 2.5, "title": "T", "body": "%s"}' % b(), rejected("bad_field")),
            ('{"title": "T", "body": "%s", "views": %d}' % (b(), 10**100), OK),
            ('{"title": "T", "body": "%s", "views": 1e400}' % b(), rejected("bad_field")),
            ('{"title": "T", "body": "%s", "score": -1e999}' % b(), rejected("bad_field")),
            ('{"title": "T", "body": "%s", "x": [1e308, -0.0, 5e-324]}' % b(), OK),
            (
                '{"title": "T", "body": "%s", "published_at": %d}' % (b(), 10**30),
                rejected("bad_date"),
            ),
            (
                '{"title": "T", "body": "%s", "published_at": "99999-01-01"}' % b(),
                rejected("bad_date"),
            ),
            ('{"title": %d, "body": "%s"}' % (10**30, b()), rejected("bad_field")),
            (
                '{"title": "T", "body": "%s", "authors": [%d]}' % (b(), 10**30),
                rejected("bad_field"),
            ),
            ('{"title": "T", "body": %d}' % 10**30, rejected("bad_field")),
        ]
    g.jsonl("numbers/numbers.jsonl", lines)


def _sprinkle(text: str, chars: str, rng: random.Random) -> str:
    words = text.split(" ")
    return " ".join(w + (rng.choice(chars) if rng.random() < 0.5 else "") for w in words)


def invisible(g: Generator) -> None:
    """Zero-width and bidi controls: removed from stored text; alone, they are no text."""
    lines = []
    for _ in range(25):
        body = g.body()
        lines += [
            (json.dumps({"title": "ZW", "body": _sprinkle(body, ZERO_WIDTH, g.rng)}), OK),
            (json.dumps({"title": "ZW", "body": body}), Expected(DUPLICATE)),  # same text, clean
            (
                json.dumps(
                    {"title": "\u202e" + "RTL", "body": "\u202e" + _sprinkle(g.body(), BIDI, g.rng)}
                ),
                OK,
            ),
            (
                json.dumps({"title": ZERO_WIDTH, "body": ZERO_WIDTH * 5 + BIDI + " \n\t"}),
                rejected("empty_body"),
            ),
        ]
    g.jsonl("unicode/invisible.jsonl", lines)
    for n in range(20):
        text = (
            "\ufeffBOM and friends " + str(n) + "\n" + _sprinkle(g.body(), ZERO_WIDTH + BIDI, g.rng)
        )
        g.file(f"unicode/{n:02d}.txt", text, OK)


def empties(g: Generator) -> None:
    cases = {
        "empty.txt": ("", "empty_body"), "blank.txt": (" \n\t\n ", "empty_body"),
        "title_only.txt": ("Only a title\n", "empty_body"), "empty.json": ("", "invalid_json"),
        "object.json": ("{}", "empty_body"), "empty.jsonl": ("", "empty"),
        "blank.jsonl": ("\n \n\t\n", "empty"), "empty.html": ("", "no_content"),
        "bare.html": ("<html></html>", "no_content"), "empty.xml": ("", "not_a_feed"),
        "empty_rss.xml": ('<rss version="2.0"><channel></channel></rss>', "empty_feed"),
        "empty.docx": ("", "unsupported_type"), "noextension": ("text", "unsupported_type"),
    }  # fmt: skip
    for name, (data, reason) in cases.items():
        g.file(f"empty/{name}", data, rejected(reason))
    g.jsonl("empty/fields.jsonl", [
        ('{"title": "", "body": ""}', rejected("empty_body")),
        ('{"body": null}', rejected("empty_body")),
        ('{"title": "T", "body": "   "}', rejected("empty_body")),
        ('{"title": "T", "html": ""}', rejected("empty_body")),
        ('{"": ""}', rejected("empty_body")),
        g.good_line(),
    ])  # fmt: skip


def mixed_jsonl(g: Generator) -> None:
    """One bad line among good ones: the bad one rejected, all its neighbours stored."""
    lines = [g.good_line() for _ in range(40)]
    lines.insert(20, ('{"title": "broken", "body": ', rejected("invalid_json")))
    g.jsonl("mixed/one_bad_line.jsonl", lines)


def huge_and_nested(g: Generator) -> None:
    g.file("huge/50mb.txt", "Huge\n" + "word " * 10_000_000, rejected("too_large"))
    nested = (
        "<html><body>" + "<div>" * 100_000 + "<p>Deep</p>" + "</div>" * 100_000 + "</body></html>"
    )
    g.file("huge/nested.html", nested, rejected("no_content"))
    xxe = ('<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><html><body><article>'
           f"<p>{g.body()} &xxe;</p></article></body></html>")  # fmt: skip
    g.file("huge/xxe.html", xxe, OK)  # stored, and /etc/passwd is not in it


def billion_laughs(encoding: str = "utf-8") -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)
    )
    doc = (f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [{entities}]>'
           '<rss version="2.0"><channel><title>lol</title><item><title>&lol9;</title>'
           "<description>&lol9;</description></item></channel></rss>")  # fmt: skip
    return doc.encode(encoding)


def feeds(g: Generator) -> None:
    g.file("feeds/laughs.xml", billion_laughs(), rejected("xml_entities"))
    g.file("feeds/laughs16.xml", billion_laughs("utf-16"), rejected("xml_entities"))
    xxe = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>'
           )  # fmt: skip
    g.file("feeds/xxe.rss", xxe, rejected("xml_entities"))
    g.file("feeds/laughs.html", billion_laughs().replace(b"rss", b"html"), rejected("no_content"))
    entries = "".join(
        f"<item><title>Entry {n}</title><description>{g.body()}</description></item>"
        for n in range(FEED_ENTRIES_READ)
    )
    empty_entries = "<item/>" * (100_000 - FEED_ENTRIES_READ)
    big = f'<rss version="2.0"><channel><title>big</title>{entries}{empty_entries}</channel></rss>'
    path = g.file("feeds/100k.rss", big, rejected("too_many_entries"))
    for n in range(FEED_ENTRIES_READ):
        g.expected[f"{path}#{n}"] = GOOD


def odd_names(g: Generator) -> None:
    """A file name that is not UTF-8: the item keeps a readable source, the article is stored."""
    name = (g.root / "names").joinpath(b"caf\xe9.txt".decode("utf-8", "surrogateescape"))
    name.parent.mkdir(parents=True, exist_ok=True)
    name.write_text("Odd name\n" + g.body())
    g.expected[str(g.root / "names" / "caf\ufffd.txt")] = OK
    g.file("names/\u202eevil\u202c.txt", "RTL name\n" + g.body(), OK)


def hostile_count(expected: dict[str, Expected]) -> int:
    return sum(e.hostile for e in expected.values())


# --- the CLI, measured --------------------------------------------------------------------


# Runs ``python -m worker ARGS`` and, at exit, writes the process's own VmHWM (its peak
# resident set, in kB) to $TEST_PEAK_FILE. Measured inside: ``ru_maxrss`` from ``wait4``
# would also count the parent's memory, which a vfork()ed child shares until it execs.
_PEAK_AT_EXIT = """
import atexit, os, runpy, sys

def _report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(os.environ["TEST_PEAK_FILE"], "w") as out:
        out.write(peak)

atexit.register(_report)
sys.argv[0] = "worker"
runpy.run_module("worker", run_name="__main__", alter_sys=True)
"""


def run_measured(
    args: list[str],
    env: Mapping[str, str],
    feed: Callable[[IO[bytes]], None] | None = None,
    timeout: float = 300.0,
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the ``ingest`` CLI, ``feed`` writing its stdin; returns its result and its exact
    peak RSS in MB (its own VmHWM at exit, not sampled). Killed after ``timeout`` s."""
    with tempfile.TemporaryDirectory() as scratch:
        out, err, peak = (Path(scratch) / name for name in ("out", "err", "peak"))
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-c", _PEAK_AT_EXIT, *args], cwd=ROOT,
                env={**os.environ, **env, "TEST_PEAK_FILE": str(peak)},
                stdin=subprocess.PIPE if feed else subprocess.DEVNULL, stdout=stdout,
                stderr=stderr,
            )  # fmt: skip
            killer = threading.Timer(timeout, proc.kill)
            killer.start()
            try:
                if feed is not None and proc.stdin is not None:
                    _feed(feed, proc.stdin)
                proc.wait()
            finally:
                killer.cancel()
        result = subprocess.CompletedProcess(
            proc.args, proc.returncode, out.read_text(errors="replace"),
            err.read_text(errors="replace"),
        )  # fmt: skip
        # No report: killed before exit (a hang, or the OOM killer): no bound holds.
        peak_kb = int(peak.read_text()) if peak.exists() else float("inf")
    return result, peak_kb / 1024


def _feed(feed: Callable[[IO[bytes]], None], stdin: IO[bytes]) -> None:
    try:
        feed(stdin)
        stdin.close()
    except BrokenPipeError:
        pass  # the process stopped reading (or was killed): its exit status tells
