"""Which of the page's headings is the headline its titles confirm.

The displayed headline (an ``h1``, else JSON-LD ``headline``) wins over the SEO variants in
``<title>``/``og:title`` when they confirm it: word for word, as a rewording, as one end of
the ``<title>``, or inside a kicker or dateline the titles leave out. A heading that is the
site's name or has nothing in common with them (a logo, a section) is never the headline.
"""

from __future__ import annotations

import html
import itertools
import re

from worker.pipeline.extract.metadata import PageMeta
from worker.pipeline.extract.sitename import SEP_RE, WORD_RE, clean, fold, is_site

# A displayed heading agrees with a title when this share of the shorter one's words (and
# at least this share of the longer one's) are shared: SEO variants reword, logos do not.
MIN_SHARED = 0.6
MIN_SHARED_LONGER = 0.3
MAX_HEADLINE_CHARS = 300
# A title found inside a longer heading stands for the headline only with this many words.
MIN_INNER_WORDS = 2
# How cut-off titles end: such a title is no whole headline inside a longer heading.
TRUNCATED = ("...", "…")
# Punctuation that joins a kicker or a clause to a headline, making them one headline.
JOINED_RE = re.compile(r"[:\-–—]")
# A bar inside a heading sets a section or the site's name apart as a span would.
BAR_RE = re.compile(r"[|｜]")
# Shorter words ("the", "und", "with") say nothing about whether two texts are related.
MIN_STEM = 5


def agrees(heading: str, title: str) -> bool:
    """Whether two titles are wordings of the same headline."""
    a, b = set(fold(heading)), set(fold(title))
    if not a or not b:
        return False
    shared = len(a & b)
    shorter, longer = sorted((len(a), len(b)))
    return shared >= MIN_SHARED * shorter and shared >= MIN_SHARED_LONGER * longer


def jsonld_headline(meta: PageMeta) -> str:
    # Some CMSs write HTML entities into JSON-LD strings ("&#8216;").
    headline = meta.jsonld.get("headline")
    return html.unescape(headline) if isinstance(headline, str) else ""


def _separators(text: str) -> int:
    return len(SEP_RE.findall(text)) + text.count(":")


def _word_spans(text: str) -> list[tuple[str, int, int]]:
    """The folded words of ``text`` with where each stands in it."""
    spans: list[tuple[str, int, int]] = []
    for match in WORD_RE.finditer(text):
        spans.extend((word, match.start(), match.end()) for word in fold(match.group()))
    return spans


def _boundaries(heading: str, parts: list[str], separators: re.Pattern[str]) -> set[int]:
    """Word positions where a heading's pieces meet or a separator stands (and its ends)."""
    found, count = {0}, 0
    for part in parts:
        count += len(_word_spans(part))
        found.add(count)
    spans = _word_spans(heading)
    gaps = itertools.pairwise(spans)
    found.update(k for k, (a, b) in enumerate(gaps, 1) if separators.search(heading[a[2] : b[1]]))
    return found


def _excerpt(heading: str, parts: list[str], inner: list[str], separators: re.Pattern[str]) -> str:
    """The stretch of ``heading`` whose words are ``inner``, with the punctuation that opens
    and closes it (quotes, a question mark), when it is whole pieces of the heading and
    what the heading adds is set apart from it without a colon or a dash; else ""."""
    spans = _word_spans(heading)
    words = [word for word, _, _ in spans]
    cuts = _boundaries(heading, parts, separators)
    for i in range(len(words) - len(inner) + 1):
        j = i + len(inner)
        if words[i:j] != inner or i not in cuts or j not in cuts:
            continue
        start, end = spans[i][1], spans[j - 1][2]
        before = heading[spans[i - 1][2] : start] if i else ""
        after = heading[end : spans[j][1]] if j < len(spans) else ""
        if JOINED_RE.search(before) or JOINED_RE.search(after):
            continue  # "Kicker: headline", "headline – clause": one headline
        while start > 0 and not heading[start - 1].isspace():
            start -= 1
        while end < len(heading) and not heading[end].isspace():
            end += 1
        return heading[start:end]
    return ""


def _inner_title(
    heading: str, parts: list[str], titles: list[str], separators: re.Pattern[str] = SEP_RE
) -> str:
    """The longest title the heading holds inside pieces the page's titles leave out: a
    kicker, section, date or byline set in a span of its own or after a ``separators``."""
    words = fold(heading)
    inner = [
        title
        for title in titles
        if MIN_INNER_WORDS <= len(fold(title)) < len(words)
        and 2 * len(fold(title)) >= len(words)
        and not title.endswith(TRUNCATED)
    ]
    for title in sorted(inner, key=lambda t: -len(fold(t))):
        found = _excerpt(heading, parts, fold(title), separators)
        if found:
            return found
    return ""


def _ends(raw: str) -> list[str]:
    """The leading and trailing runs of a raw title's segments, the rest being what a site
    may add around its headlines (its name, a section, a slogan)."""
    parts = SEP_RE.split(clean(raw))
    runs: list[str] = []
    for k in range(1, len(parts[::2])):
        runs.extend(["".join(parts[: 2 * k - 1]), "".join(parts[2 * k :])])
    return runs


def _segment_of(heading: str, raw_titles: list[str]) -> str:
    """The end of a raw title that says what ``heading`` says, else ""."""
    words = fold(heading)
    if len(words) < MIN_INNER_WORDS:  # one word is as likely the section or the site
        return ""
    return next((run for raw in raw_titles for run in _ends(raw) if fold(run) == words), "")


def _punctuated(heading: str, title: str) -> str:
    # Kicker and headline in two spans lose the colon or dash the title still has.
    return title if _separators(title) > _separators(heading) else heading


def _confirmed(heading: str, parts: list[str], titles: list[str], raw_titles: list[str]) -> str:
    """The headline when a title says exactly what ``heading`` says, or ``heading`` holds a
    title (or one end of a raw title) inside a kicker or byline; else ""."""
    same = next((title for title in titles if fold(title) == fold(heading)), "")
    if same:
        return _punctuated(heading, same)
    # A title the page declares may stand after a slash in the heading; a piece of a
    # <title> cut at one may be half of the headline ("Dare to Play 3 / October pack").
    ends = [run for raw in raw_titles for run in _ends(raw)]
    return _inner_title(heading, parts, titles) or _inner_title(heading, parts, ends, BAR_RE)


def _near(heading: str, titles: list[str], raw_titles: list[str]) -> str:
    """The headline when ``heading`` is one end of a raw title or a rewording of a title."""
    segment = _segment_of(heading, raw_titles)
    if segment:
        return _punctuated(heading, segment)
    return heading if any(agrees(heading, t) for t in titles) else ""


def displayed(
    meta: PageMeta, sites: list[list[str]], titles: list[str], raw_titles: list[str]
) -> str:
    """The h1 (else JSON-LD headline) that is no site name and that the titles confirm:
    word for word first, then as a rewording or one end of the <title>."""

    def usable(heading: str) -> bool:
        return bool(heading) and len(heading) <= MAX_HEADLINE_CHARS and not is_site(heading, sites)

    headline = clean(jsonld_headline(meta))
    headline = headline if usable(headline) else ""
    # The JSON-LD headline is one more wording to confirm an h1 by, and a heading itself.
    known = [*titles, headline] if headline else titles
    pieces = meta.h1_parts if len(meta.h1_parts) == len(meta.h1) else [[h] for h in meta.h1]
    h1s = [(clean(h), parts) for h, parts in zip(meta.h1, pieces, strict=True) if usable(h)]
    for heading, parts in h1s:
        found = _confirmed(heading, parts, known, raw_titles)
        if found:
            return found
    # Of several h1s near the titles, one that is an end of a <title> beats a rewording, and
    # a logo or section is the shorter end.
    near = [(h, _near(h, known, raw_titles)) for h, _ in h1s]
    ranked = [(bool(_segment_of(h, raw_titles)), len(fold(h)), found) for h, found in near if found]
    if ranked:
        return max(ranked, key=lambda rank: rank[:2])[2]
    if headline:
        return _confirmed(headline, [headline], titles, []) or _near(headline, titles, raw_titles)
    return ""


def _related(heading: str, context: list[str]) -> bool:
    """Whether a longer word of the heading runs inside the context's words or one of theirs
    inside the heading's ("Finanzierung" in "Autofinanzierung"): a section's or a banner's
    name shares none with the story's titles and URL, a headline they reword does."""
    mine, theirs = fold(heading), [word for text in context for word in fold(text)]
    mine_text, their_text = " ".join(mine), " ".join(theirs)
    return any(len(w) >= MIN_STEM and w in their_text for w in mine) or any(
        len(w) >= MIN_STEM and w in mine_text for w in theirs
    )


def sole_heading(meta: PageMeta, sites: list[list[str]], context: list[str]) -> str:
    """The page's one h1 when no title confirms any heading but it is related to them or
    the URL (``context``): titles are written for search results and may name the story
    otherwise; the h1 is what the reader sees, unless it is part of the site's banner."""
    if len(meta.h1) != 1 or meta.h1[0] in meta.banner:
        return ""
    heading = clean(meta.h1[0])
    usable = len(heading) <= MAX_HEADLINE_CHARS and not is_site(heading, sites)
    return heading if usable and _related(heading, context) else ""
