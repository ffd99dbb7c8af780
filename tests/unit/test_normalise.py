"""Text, URL and date normalisation (worker/pipeline/normalise.py)."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest

from worker.core.errors import PermanentError
from worker.pipeline.normalise import (
    canonical_url,
    fingerprint,
    normalise_text,
    normalise_title,
    parse_datetime,
)

# --- text ----------------------------------------------------------------------------------


def test_text_is_nfc() -> None:
    decomposed = "e\u0301te\u0301"  # e + combining acute accent, twice
    assert normalise_text(decomposed) == "\u00e9t\u00e9"


def test_invisible_characters_are_removed_not_spaced() -> None:
    assert normalise_text("dé\u200bsescalade\ufeff et\u2066 paix\u2069") == "désescalade et paix"


def test_control_characters_become_spaces() -> None:
    assert normalise_text("un\x07deux\x0btrois") == "un deux trois"


def test_whitespace_runs_and_blank_lines_collapse() -> None:
    raw = "  Premier   paragraphe\t ici.  \r\n\r\n\n   \nSecond\u00a0 paragraphe.\rTroisième."
    assert normalise_text(raw) == "Premier paragraphe ici.\nSecond paragraphe.\nTroisième."


def test_typographic_apostrophes_are_kept() -> None:
    # Normalising must not rewrite the text itself: the seed uses ’ and « ».
    assert normalise_text("l’Iran « Peskov »") == "l’Iran « Peskov »"


def test_title_is_one_line() -> None:
    assert (
        normalise_title("  Le Kremlin\n exhorte \t à la paix  ") == "Le Kremlin exhorte à la paix"
    )


# --- fingerprint ---------------------------------------------------------------------------


def test_fingerprint_is_sha256_hex() -> None:
    fp = fingerprint("Some body text.")
    assert len(fp) == 64
    assert int(fp, 16) >= 0


def test_fingerprint_folds_case_and_spacing() -> None:
    assert fingerprint(normalise_text("The Harbour  reopened.\n\n Today.")) == fingerprint(
        "the harbour reopened. today."
    )


def test_fingerprint_changes_with_content() -> None:
    assert fingerprint("The harbour reopened.") != fingerprint("The harbour closed.")


# --- canonical URL -------------------------------------------------------------------------


def test_canonical_url_drops_tracking_and_fragment_and_lowercases_host() -> None:
    url = "https://News.Example.ORG/2024/Story?utm_source=rss&id=3&utm_medium=x#comments"
    assert canonical_url(url) == "https://news.example.org/2024/Story?id=3"


def test_canonical_url_keeps_path_case() -> None:
    assert canonical_url("https://EXAMPLE.com/Path/To/Page") == "https://example.com/Path/To/Page"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/a?utm_campaign=feed#top", "https://EXAMPLE.COM/a"),
        ("http://Example.com", "http://example.com/"),
        ("  https://example.com/a?utm_source=x  ", "https://example.com/a"),
    ],
)
def test_canonical_url_variants_meet(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)
    assert canonical_url(a) is not None


@pytest.mark.parametrize("url", [None, "", "   ", "ftp://example.com/file", "mailto:a@b.org"])
def test_canonical_url_none_when_not_http(url: str | None) -> None:
    assert canonical_url(url) is None


# --- dates ---------------------------------------------------------------------------------


def test_offset_is_kept() -> None:
    value = parse_datetime("2024-04-18T09:30:00+01:00")
    assert value == datetime(2024, 4, 18, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert isinstance(value, datetime)
    assert value.utcoffset() == timedelta(hours=1)
    assert value.isoformat() == "2024-04-18T09:30:00+01:00"


def test_z_means_utc() -> None:
    value = parse_datetime("2024-04-17T16:05:00Z")
    assert isinstance(value, datetime)
    assert value.utcoffset() == timedelta(0)


def test_bare_date_stays_a_date() -> None:
    value = parse_datetime("2024-04-16")
    assert type(value) is date
    assert value == date(2024, 4, 16)


def test_naive_datetime_stays_naive() -> None:
    value = parse_datetime("2024-04-18T09:30:00")
    assert isinstance(value, datetime)
    assert value.tzinfo is None
    assert value == datetime(2024, 4, 18, 9, 30)


def test_rfc2822_keeps_offset() -> None:
    value = parse_datetime("Sat, 20 Apr 2024 07:00:00 +0200")
    assert isinstance(value, datetime)
    assert value.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("value", [None, ""])
def test_missing_date_is_none(value: object) -> None:
    assert parse_datetime(value) is None


def test_date_objects_pass_through() -> None:
    d = date(2024, 1, 2)
    assert parse_datetime(d) is d


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday-ish", "not a date at all"])
def test_unreadable_date_is_permanent(value: str) -> None:
    with pytest.raises(PermanentError) as info:
        parse_datetime(value)
    assert info.value.reason == "bad_date"


@pytest.mark.parametrize("value", [20240418, 1.5, ["2024-04-18"]])
def test_non_string_date_is_permanent(value: object) -> None:
    with pytest.raises(PermanentError) as info:
        parse_datetime(value)
    assert info.value.reason == "bad_date"


@pytest.mark.parametrize("value", ["20240418", "2024-W16-4"])
def test_other_date_only_forms_stay_dates(value: str) -> None:
    assert type(parse_datetime(value)) is date


# --- the fast paths against their plain definitions ------------------------------------------

_PIECES = [
    "word", "Été", "e\u0301", " ", "  ", "\t", "\n", "\n\n", " \n ", "\r\n", "\r", "\xa0",
    "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff", "\x0b", "\x1c", "\x85", "\x07", "ß",
    "İ", "«", "’", "-", "漢字",
]  # fmt: skip


def _reference_text(text: str) -> str:
    """normalise_text's definition, without its fast path for clean text."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00]", "", text)
    text = re.sub("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", text)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _random_texts(count: int) -> list[str]:
    rng = random.Random(20261129)
    return ["".join(rng.choices(_PIECES, k=rng.randint(0, 40))) for _ in range(count)]


def test_normalise_text_equals_its_definition() -> None:
    texts = _random_texts(5000)
    clean = [t for t in texts if t == _reference_text(t)]
    assert len(clean) > 100  # the fast path is taken too
    for text in texts + clean:
        assert normalise_text(text) == _reference_text(text), repr(text)


def test_normalised_text_has_no_whitespace_but_single_spaces_and_newlines() -> None:
    for text in _random_texts(5000):
        clean = normalise_text(text)
        assert " ".join(clean.split()) == clean.replace("\n", " "), repr(text)


def test_fingerprint_of_normalised_text_folds_like_split_and_join() -> None:
    for text in _random_texts(2000):
        clean = normalise_text(text)
        folded = " ".join(clean.casefold().split())
        assert fingerprint(clean) == hashlib.sha256(folded.encode()).hexdigest(), repr(text)
