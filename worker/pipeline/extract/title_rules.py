"""General clean-ups of a picked title: the URL's slug naming the headline's segment, stray
separators left at an end, a kicker the page sets in an element of its own, a segment
spelling the domain's label, ASCII copies of typographic punctuation.

- A ``<title>`` segment (or run of segments) spelled word for word by the URL's last path
  part is the headline: the slug is written from the headline, never from the site's name.
  A displayed headline only loses a kicker or section (a word or three) before it so.
- An end segment of a few words holding the domain's label ("MyOOS Community Forum" on
  myoos.de) is the site's name, when the rest of the title is longer.
- Of titles differing only in dashes and quotes, the typographic spelling is the page's.
- A separator left at either end (``» Headline`` after ``Site //``) is no part of it.
- A title that another title continues with a quote mark was cut there: an unescaped quote
  in ``content="... a Biden de "incapacitado""`` ends the attribute early, so the longer
  title is the page's.
- An h1 whose first element is a kicker shows the headline in the elements after it: when
  an element that is only a dash sets it apart, or when it ends in a colon and one of the
  page's titles says exactly what follows (else "Kicker: headline" is one headline).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from worker.pipeline.extract.sitename import SEP_RE, clean, fold

# German slugs spell umlauts out: "portraet" for "Porträt".
TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
SLUG_EXT_RE = re.compile(r"\.(html?|php|aspx?|shtml)$", re.IGNORECASE)
LEAD_RE = re.compile(r"^[|»/~·•]+\s+")
TRAIL_RE = re.compile(r"\s+[|«/~·•\-–—:]+$")
DASH_PART = {"-", "–", "—", "|"}
MIN_SLUG_WORDS = 2
MAX_KICKER_WORDS = 3  # as a section's name in ``sitename``
# A domain label this short ("bbc", "orf") is as likely a word of a headline.
MIN_LABEL_CHARS = 5
MAX_BRAND_WORDS = 4
TYPOGRAPHIC = set("–—‘’“”„«»‹›…")
QUOTES = set('"“”„«»')
FLAT = str.maketrans("–—‘’“”„«»‹›", '--\'\'"""""""')


def _spellings(text: str) -> set[str]:
    words = fold(text)
    spelled = fold(text.casefold().translate(TRANSLIT))
    return {" ".join(words), " ".join(spelled)}


def _slugs(url: str | None) -> set[str]:
    """The URL's last path part as words, with and without a number at either end
    ("...-im-portraet-775": the story's id; "...-python-3": the headline's own)."""
    parts = [part for part in urlsplit(url or "").path.split("/") if part]
    if not parts:
        return set()
    words = fold(SLUG_EXT_RE.sub("", unquote(parts[-1])))
    bare = list(words)
    while bare and bare[-1].isdigit():
        bare.pop()
    while bare and bare[0].isdigit():
        bare.pop(0)
    return {" ".join(w) for w in (words, bare) if len(w) >= MIN_SLUG_WORDS}


def slug_segment(raw_titles: list[str], url: str | None, *, ending: bool = False) -> str:
    """The run of a raw title's segments that the URL's slug spells, else "" (with
    ``ending``, only a run that ends the title after a kicker or section: a word or three)."""
    slugs = _slugs(url)
    if not slugs:
        return ""
    for raw in raw_titles:
        parts = SEP_RE.split(clean(raw))
        n = len(parts[::2])
        for i in range(n):
            for j in range(i + 1, n + 1):
                if (i, j) == (0, n):
                    continue  # the whole title: nothing to choose
                run = "".join(parts[2 * i : 2 * j - 1]).strip()
                lead = fold("".join(parts[: 2 * i]))
                if ending and (j < n or len(lead) > MAX_KICKER_WORDS):
                    continue
                if slugs & _spellings(run):
                    return run
    return ""


def trim_separators(title: str) -> str:
    """``title`` without a separator left at either end."""
    return TRAIL_RE.sub("", LEAD_RE.sub("", title)).strip()


def without_kicker(title: str, h1: list[str], parts: list[list[str]], titles: list[str]) -> str:
    """``title`` without the kicker when it is an h1 whose first element is one."""
    said = {" ".join(fold(t)) for t in titles}
    for heading, pieces in zip(h1, parts, strict=False):
        if fold(heading) != fold(title) or len(pieces) < 2:
            continue
        first, rest = clean(pieces[0]), [clean(p) for p in pieces[1:]]
        dashed = bool(rest) and rest[0] in DASH_PART
        if dashed:
            rest = rest[1:]
        elif not first.endswith(":"):
            continue  # a bare kicker element: "Kicker: headline" by the titles, one headline
        headline = " ".join(p for p in rest if p)
        confirmed = dashed or " ".join(fold(headline)) in said
        if confirmed and len(fold(headline)) >= MIN_SLUG_WORDS:
            return headline
    return title


def _brands(segment: str, label: str) -> bool:
    compact = "".join(fold(segment))
    return (
        len(label) >= MIN_LABEL_CHARS and label in compact and len(fold(segment)) <= MAX_BRAND_WORDS
    )


def strip_brand(title: str, domain: str) -> str:
    """``title`` without an end segment of a few words spelling the domain's label inside
    ("MyOOS Community Forum" on myoos.de) when the rest of the title is longer."""
    label = "".join(fold(domain))
    parts = SEP_RE.split(clean(title))
    segments = parts[::2]
    if len(segments) < 2 or not label:
        return title
    words = len(fold(title))
    for k in (0, len(segments) - 1):
        if _brands(segments[k], label) and 2 * len(fold(segments[k])) < words:
            kept = parts[2:] if k == 0 else parts[:-2]
            return "".join(kept).strip()
    return title


# A Chinese site's name ends in 网 ("website": 新华网, 人民网, 中国新闻网) and is set after
# the headline with a bare dash or underscore, no spaces around it as Chinese writes them.
# Two characters at least before 网 (电网 is a power grid); the nets that are common nouns
# (互联网, the internet) are no site.
CJK_SITE_RE = re.compile(r"(?<=[^\s\-_—|｜])\s*[\-_—|｜]\s*(?P<site>[\u4e00-\u9fff]{2,8}网)\s*\Z")
NOT_CJK_SITES = frozenset({"互联网", "物联网", "因特网", "万维网", "局域网", "广域网"})
CJK_CHAR_RE = re.compile(r"[\u4e00-\u9fff]")


def strip_cjk_site(title: str) -> str:
    """``title`` without a Chinese site name after its headline ("…的城！-新华网"), when
    the headline is Chinese too."""
    match = CJK_SITE_RE.search(title)
    if match is None or match["site"] in NOT_CJK_SITES:
        return title
    if not CJK_CHAR_RE.search(title[: match.start()]):
        return title
    return title[: match.start()].rstrip()


def _flat(text: str) -> str:
    return clean(text.translate(FLAT).replace("\u2026", "..."))


def typographic(title: str, titles: list[str]) -> str:
    """``title`` as another title spells it with typographic dashes and quotes where it
    has ASCII ones: a CMS may flatten them in one of its copies, never the other way round."""
    same = [t for t in titles if _flat(t) == _flat(title)]
    return max([title, *same], key=lambda t: sum(ch in TYPOGRAPHIC for ch in t))


def uncut(titles: list[str]) -> list[str]:
    """Each title, or the longer one it begins when that one goes on with a quote mark."""

    def longer(title: str) -> str:
        head = title.rstrip()
        for other in titles:
            rest = other[len(head) :].lstrip()
            if len(other) > len(title) and other.startswith(head) and rest[:1] in QUOTES:
                return other
        return title

    return [longer(t) for t in titles]
