"""Entity mentions from a spaCy ``Doc``: trimmed of punctuation, articles and possessives,
cleaned of junk, labelled (``entity_labels``), and marked where a capital or a person's
context says something of them."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from worker.pipeline.enrich.entity_labels import DROPPED, LABELS, person_name_only, relabel
from worker.pipeline.enrich.entity_rules import (
    given_name,
    institution_tail,
    is_generic,
    is_one_capitalised_word,
    is_role_only,
    label_by_noun,
    lower_case_words,
    organisation_after,
    place_tail,
    split_leading_noun,
    strip_article,
    strip_elision,
)
from worker.pipeline.enrich.name_words import NOUNS_CAPITALISED, TITLES
from worker.pipeline.enrich.speech_verbs import all_verbs
from worker.pipeline.enrich.speech_words import word_set
from worker.pipeline.enrich.stopwords import stop_words

_STRIP = " \t\n\"'’«»“”„()[]{},.;:!?-–—"
# A small model sometimes tags a capitalised pronoun at a sentence start as a person.
_PRONOUNS_BY_LANGUAGE = {
    "en": "i you he she it we they me him her us them his its our their",
    "fr": "je tu il elle on nous vous ils elles lui eux leur",
    "de": "er sie es wir ihr ihn ihm",
    "es": "yo él ella ellos ellas nosotros usted ustedes",
    "it": "lei loro noi voi",
    "pt": "ele eles elas nós",
    "nl": "hij zij wij jullie",
}
PRONOUNS = frozenset(w for words in _PRONOUNS_BY_LANGUAGE.values() for w in words.split())
# OntoNotes spans often take the article and the possessive along: "the White House's",
# "The Canadian Red Cross" at a sentence start; "The Hague" (one word after it) keeps it.
_LEADING = re.compile(r"^(?:the\s+|The\s+(?=\S+\s))")
_POSSESSIVE = re.compile(r"['’]s$")
_INITIALS = re.compile(r"(?:[A-Z]\.)+[A-Z]")
# A span the model cut short ends on a function word ("Office for the Western District of").
_FUNCTION_WORDS = word_set(
    "of for the and or to at in on a an de du des la le les et d' von van der den zu y del "
    "e da do das dos di della"
)
# "Bartholomew County Sheriff's Department": the model's span stops at the possessive
# (it took the "'s" along), where an institution's name goes on.
_POSSESSIVE_INSTITUTION = re.compile(
    r"\A['’]s\s+(?:[A-Z][\w\-]*\s+){0,2}?(?:Department|Office|Bureau|Division|Unit|Service"
    r"|Hospital|University|College|School|Party|Association|Council|Commission|Foundation"
    r"|Fund|Church)\b"
)
# A sentence starts here: its first word is capitalised for that alone ("Story continues").
_SENTENCE_START = re.compile(r"(?:\A|[.!?:;\n\"“”«»—–]|\s-)\s*\Z")
_SPEECH_VERBS = frozenset(all_verbs())


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity in the body."""

    start: int
    end: int
    text: str
    label: str
    initial: bool = False  # the first word of its sentence
    personal: bool = False  # a title before it or a speech verb after it: said of a person


def mentions_from_doc(doc: Any, offset: int = 0, text: str | None = None) -> list[Mention]:
    """Entity spans of ``doc`` with a known label, trimmed and without junk; ``offset`` is
    where the doc's text starts in the body (a chunk of a long body). ``text``: the text
    the doc was made from, when the caller has it (``doc.text`` rebuilds it token by token)."""
    if text is None:
        text = getattr(doc, "text", "")
    found = (_mention(ent.text, ent.start_char, ent.label_, text, offset) for ent in doc.ents)
    return [m for m in found if m is not None]


def _mention(raw: str, start: int, label: str, doc_text: str, offset: int) -> Mention | None:
    """``start`` is where ``raw`` starts in ``doc_text``, which starts at ``offset``."""
    if label in DROPPED:
        return None
    text = _without_trailing_verb(_trim(raw))
    if _is_junk(text) or is_role_only(text) or is_generic(text):
        return None
    kind = LABELS.get(label, "MISC")
    led = split_leading_noun(text)
    if led:  # "tabloïd Blesk": the noun says what the name is
        text, kind = led[1], label_by_noun(led[0], kind)
    if kind == "PER":
        text = person_name_only(text)
    begin = start + raw.index(text)
    institution = _POSSESSIVE_INSTITUTION.match(doc_text[begin + len(text) :][:60])
    if institution and kind != "PER" and _POSSESSIVE.search(raw.rstrip()):
        text, kind = doc_text[begin : begin + len(text) + institution.end()], "ORG"
    tail = doc_text[begin + len(text) :][:80]
    extra = institution_tail(text, kind, tail) or place_tail(text, kind, tail)
    if extra:  # "Conseil des ministres"
        text = doc_text[begin : begin + len(text) + extra]
    given = given_name(text, kind, doc_text[max(0, begin - 40) : begin])  # "Adolf Hitler"
    if given:
        begin, text = begin - given, doc_text[begin - given : begin + len(text)]
    before, after = doc_text[max(0, begin - 40) : begin], doc_text[begin + len(text) :][:80]
    kind = "ORG" if organisation_after(kind, after) else kind
    name = " ".join(text.split())
    return Mention(
        offset + begin,
        offset + begin + len(text),
        name,
        relabel(name, kind, before, after),
        # "Sen. Lopez": the full stop is the title's, not a sentence's end
        initial=bool(_SENTENCE_START.search(before)) and not _titled(before),
        personal=_titled(before) or _speaks(after),
    )


def _without_trailing_verb(text: str) -> str:
    """A span the model ran on into the verb after it ("Fiscalía afirmó"): a name never
    ends on a speech verb."""
    words = text.split()
    while len(words) > 1 and words[-1] in _SPEECH_VERBS:
        text = text[: text.rindex(words.pop())].rstrip(_STRIP)
    return text


def _titled(before: str) -> bool:
    """A title right before the name: "President Trump", "Sen. Smith"."""
    previous = before.split()[-1:] or [""]
    return previous[0].casefold().rstrip(".") in TITLES


def _speaks(after: str) -> bool:
    """A speech verb right after the name: "Trump said"."""
    following = after.split()[:1] or [""]
    return following[0] in _SPEECH_VERBS


def _trim(raw: str) -> str:
    """Without surrounding punctuation and quote marks, a lower-case leading "the" and a
    trailing possessive, so "the Pentagon's" and "Pentagon" are one entity."""
    text = strip_elision(raw.rstrip()).strip(_STRIP)
    text = _POSSESSIVE.sub("", strip_article(_LEADING.sub("", text))).strip(_STRIP)
    if _INITIALS.fullmatch(text) and f"{text}." in raw:
        text += "."  # U.S., U.N.: the stripped dot belongs to the name
    return text


def _is_junk(text: str) -> bool:
    """Elided articles (``n’``, ``qu’``), pronouns, bare numbers, quote marks: spans with
    fewer than two letters, a lone pronoun, or all lower case in a script that has case
    (a name has a capital; the model also tags roles: "harbour master Jane Holloway")."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or text.casefold() in PRONOUNS or text[0] in "@#":
        return True  # @handles and #hashtags are not names either
    words = text.split()
    if len(words) > 1 and words[-1] in _FUNCTION_WORDS:
        return True
    return text.islower()


def without_common_words(body: str, mentions: list[Mention], language: str) -> list[Mention]:
    """A one-word name the text also writes in lower case is a common word a sentence or a
    heading capitalised ("Céréales", "the Moon" beside "the moon"), which a small model
    tags; German capitalises every noun, so there the capital proves nothing either way."""
    if language in NOUNS_CAPITALISED:
        return mentions
    single = [m for m in mentions if is_one_capitalised_word(m.text)]
    if not single:
        return mentions
    lower = lower_case_words(body)
    common = {m.text for m in single if m.text.lower() in lower}
    return [m for m in mentions if m.text not in common] if common else mentions


# A line in capitals is a heading ("NO PERDER EL PULSO DE LA CALLE"): at least this many
# letters of a script with case, none of them lower case. An acronym is 2 to 4 capitals
# that are not a word.
_HEADING_LETTERS = 4
_ACRONYM = re.compile(r"[^\W\d_]{2,4}")
_LETTERS = re.compile(r"[^\W\d_]+")


def without_heading_words(body: str, mentions: list[Mention], language: str) -> list[Mention]:
    """A heading set in capitals gives every word a capital, and a model reads some of them
    as names ("CALLE" as an organisation). A mention inside one stays when it looks like an
    acronym, or when running text writes one of its words with a capital too. The body's
    first line is never a heading: it holds the dateline ("WASHINGTON —")."""
    spans = _line_spans(body)
    headings = [(s, e) for s, e in spans[1:] if _is_heading(body[s:e])]
    if not headings:
        return mentions
    starts = [s for s, _ in headings]
    in_headings = set(headings)
    running = "\n".join(body[s:e] for s, e in spans if (s, e) not in in_headings)
    capitalised = {w.casefold() for w in _LETTERS.findall(running) if w[0].isupper()}
    stops = stop_words(language)

    def in_heading(m: Mention) -> bool:
        at = bisect_right(starts, m.start) - 1  # the heading that starts last before it
        return at >= 0 and m.end <= headings[at][1]

    def kept(m: Mention) -> bool:
        if not in_heading(m):
            return True
        if _ACRONYM.fullmatch(m.text) and m.text.casefold() not in stops:
            return True
        words = {w.casefold() for w in _LETTERS.findall(m.text) if len(w) > 1}
        return not {w for w in words if w not in stops}.isdisjoint(capitalised)

    return [m for m in mentions if kept(m)]


def _line_spans(body: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for line in body.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _is_heading(line: str) -> bool:
    cased = [c for c in line if c.isupper() or c.islower()]  # scripts without case: never
    return len(cased) >= _HEADING_LETTERS and not any(c.islower() for c in cased)
