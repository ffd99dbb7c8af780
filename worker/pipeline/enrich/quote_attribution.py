"""The attribution in a quote's own sentence: the words after it ('," said X', '," X said',
'," he said', "according to X") or before it ("X said: “", "X said in a statement that “",
"Merkel: „"). A pronoun or a definite role found there is resolved by ``quote_pronouns``.
"""

from __future__ import annotations

import re

from worker.pipeline.enrich.name_words import PREPOSITIONS
from worker.pipeline.enrich.quote_marks import Quote
from worker.pipeline.enrich.quote_names import (
    DROPPED,
    Speaker,
    name_at,
    name_before_verb,
    named_next,
    named_subject,
    pronoun_label,
    subjectless,
)
from worker.pipeline.enrich.quote_patterns import (
    ACCORDING_RE,
    ANY_VERB,
    ANY_VERB_NAME,
    ANY_VERB_OR_PARTICIPLE,
    ARTICLE_WORDS,
    BARE_VERB,
    COMMA_ANY_VERB,
    DEFINITE_ACRONYM,
    DEFINITE_NOUN,
    DEFINITE_NOUN_NAME,
    DEFINITE_ORG,
    DEFINITE_ROLE,
    DESCRIBED_COMMA_NAME,
    DESCRIBED_NAME,
    NAME_ANY_VERB,
    NAME_COLON,
    NAME_COMMA,
    NAME_GORE,
    NAME_PATTERN,
    NOT_VERB_WORDS,
    NOT_VERBS,
    PRONOUN_AFTER,
    PRONOUN_ANY_VERB,
    PRONOUN_RIGHT_AFTER,
    PRONOUN_SUBJECT,
    VERB_FIRST,
)
from worker.pipeline.enrich.quote_reading import QuoteText
from worker.pipeline.enrich.speech_words import ACCORDING_WORDS, word_set

ATTRIBUTION_WINDOW = 200  # attribution sits in the same sentence, close to the quote
_SUBJECT_CHARS = 120  # "“…,” Will Moy, chief executive of X, told": longer is another clause
_INDEFINITE = word_set("a an one un une uno una ein eine einer um uma een")


# --- the words after the quote --------------------------------------------------------------


def speaker_after(text: QuoteText, start: int, end: int) -> Speaker | None:
    """'," said X' / '," X said' / '," he said' / '," according to X'; ``Speaker(None)`` when
    the clause attributes the quote to nobody named ('," said a spokesman')."""
    after = text.masked[start:end]
    pronoun = PRONOUN_AFTER.match(after)
    if pronoun:
        at = start + (pronoun.start("p") if pronoun["p"] else 0)
        return Speaker(None, pronoun_label(pronoun["p"]), "pronoun", at)
    verb = VERB_FIRST.match(after)
    if verb:  # inverted: the speaker follows the verb
        rest = start + verb.start("rest")
        found = named_next(text, rest, end) or name_after_verb(text, rest, verb["rest"])
        if found or BARE_VERB.match(after):
            return found
        acronym = DEFINITE_ACRONYM.match(verb["rest"])
        if acronym:  # "schrieb der AStA", "reported the BBC": an organisation's short name
            return name_at(text, rest, acronym)
        if organisation := _definite_organisation(verb["rest"], rest):  # "said the company"
            return organisation
        role = DEFINITE_ROLE.match(verb["rest"])
        if role or (text.nouns_capitalised and DEFINITE_NOUN.match(verb["rest"])):
            return Speaker(None, "PER", "pronoun", rest, role["role"].casefold() if role else None)
        if subjectless(verb["rest"]):  # '", afirmó en rueda de prensa.': the subject dropped
            return Speaker(None, "PER", DROPPED, rest)
        return Speaker(None)
    later = ANY_VERB.search(after)
    if later and later.start() <= _SUBJECT_CHARS:
        verb_at = start + later.start()
        pronoun = PRONOUN_SUBJECT.search(after[: later.start()])
        if pronoun:
            return Speaker(None, pronoun_label(pronoun["p"]), "pronoun", start + pronoun.start("p"))
        subject = after[: later.start()].strip(" ,")
        if organisation := _definite_organisation(subject, verb_at):
            return organisation  # '," the company said'
        role = DEFINITE_ROLE.match(subject)
        if role and not subject[role.end() :].strip():
            # '," the senator said', '," the 51-year-old said': someone named before; not
            # '," the 14th-ranked Schwartzman said', whose name follows the role
            return Speaker(None, "PER", "pronoun", verb_at, role["role"].casefold())
        found = named_subject(text, start, verb_at) or name_before_verb(text, start, verb_at)
        if not found and after[: later.start()].rstrip().endswith(","):
            # '" despite …, said another witness, adviser Fiona Hill': inverted after a clause
            found = named_subject(text, start + later.end(), end)
        if found:
            return found
    return _according(text, start, end)


def speaker_after_any_verb(text: QuoteText, start: int, end: int) -> Speaker | None:
    """A quote that ends on a comma hands over to its attribution, whatever the verb:
    '," Mr. Trump recounted', '," comments Johnston', '," he assures'."""
    after = text.masked[start:end]
    pronoun = PRONOUN_ANY_VERB.match(after)
    if pronoun and _verb_like(pronoun["verb"]):
        return Speaker(None, pronoun_label(pronoun["p"]), "pronoun", start + pronoun.start("p"))
    match = NAME_ANY_VERB.match(after) or ANY_VERB_NAME.match(after)
    if match is None or not _verb_like(match["verb"]) or re.search(r"['’]s?\Z", match["name"]):
        return None
    return named_subject(text, start + match.start("name"), start + match.end("name")) or name_at(
        text, start, match
    )


def speaker_after_comma(text: QuoteText, start: int, end: int) -> Speaker | None:
    """'„…“, resümierte Verdi-Chef Frank Werneke', '“…”, alertó el gobernador de Chihuahua,
    Marco Bonilla': after a comma outside the closing mark, a word in lower case that is not
    a conjunction, an article or a preposition is the verb of an inverted attribution, listed
    or not, and the person named next to it is the speaker."""
    match = COMMA_ANY_VERB.match(text.masked[start:end])
    if match is None:
        return None
    verb = match["verb"].casefold()
    if len(verb) < 4 or verb in _NOT_VERBS_AFTER_COMMA:
        return None
    rest = start + match.start("rest")
    found = named_next(text, rest, end) or name_after_verb(text, rest, match["rest"])
    if not found and (organisation := _definite_organisation(match["rest"], rest)):
        return organisation
    role = None if found else DEFINITE_ROLE.match(match["rest"])
    if role:  # '“…”, proclamó el líder cocalero': the last one introduced so, else named
        return Speaker(None, "PER", "pronoun", rest, role["role"].casefold())
    if found and found.name and text.nouns_capitalised and " " not in found.name:
        # one capitalised word after a German verb is as likely a noun ("erklärten Forscher")
        return found if found.name.casefold() in text.people else None
    return found


def _verb_like(word: str) -> bool:
    """A lower-case word that reads as a verb of the present or the past."""
    return len(word) > 3 and word.endswith(("s", "ed")) and word not in NOT_VERBS


def name_after_verb(text: QuoteText, base: int, rest: str) -> Speaker | None:
    """The name right after an inverted verb, past a few descriptive words. Where every
    noun is capitalised, the first capitalised word after an article is a noun ("sagte der
    Abgeordnete Martin Dolzer"), and a name needs two more words."""
    if not text.nouns_capitalised:  # "dijo la ministra de Hacienda, Rosa Vidal"
        indefinite = rest.split()[:1] and rest.split()[0].casefold() in _INDEFINITE
        described = DESCRIBED_NAME.match(rest) or (
            None if indefinite else DESCRIBED_COMMA_NAME.match(rest)
        )
        return name_at(text, base, described)
    described = DEFINITE_NOUN_NAME.match(rest)
    return name_at(text, base, described or re.match(NAME_PATTERN, rest))


# --- the words before the quote -------------------------------------------------------------


def speaker_before(text: QuoteText, start: int, quote: Quote) -> Speaker | None:
    """'X said: "' / 'X said in the release that "' / 'She added, "' / 'Merkel: „'."""
    before = text.masked[start : quote.start]
    # A verb may open the sentence: "Agregando que se “…”".
    verbs = list(ANY_VERB_OR_PARTICIPLE.finditer(_lower_first(before)))
    if len(verbs) > 1 and not ANY_VERB.fullmatch(verbs[-1][0]):
        verbs.pop()  # "la congregación señaló …, indicando que “…”": the clause's own verb
    if verbs:
        verb_at = start + verbs[-1].start()
        pronoun = PRONOUN_SUBJECT.search(text.masked[start:verb_at])
        if pronoun:
            return Speaker(None, pronoun_label(pronoun["p"]), "pronoun", start + pronoun.start("p"))
        pronoun = PRONOUN_RIGHT_AFTER.match(before, verbs[-1].end())
        if pronoun:
            return Speaker(None, pronoun_label(pronoun["p"]), "pronoun", start + pronoun.start("p"))
        found = named_subject(text, start, verb_at) or name_before_verb(text, start, verb_at)
        if found:
            return found
        subject_words = text.masked[start:verb_at].rsplit(",", 1)[-1].strip()
        if subject_words.casefold() in ACCORDING_WORDS and (
            according := _according(text, start, quote.start)
        ):
            return according  # "Según informó la DGSA, se constató “…”"
        if subject_words.casefold() in _RELATIVES:  # "…a Yurramendi, quien señaló que “…”"
            clause = text.masked[start:verb_at].rstrip()
            clause = clause[: -len(subject_words)].rstrip()
            found = name_at(text, start, NAME_COMMA.search(clause))
            if found:
                return found
        if organisation := _definite_organisation(subject_words, verb_at):
            return organisation  # "The company added that “…”"
        if _unnamed_subject(text.masked[start:verb_at]):
            role = DEFINITE_ROLE.match(subject_words)
            if role is None and not subject_words:
                return Speaker(None, "PER", DROPPED, verb_at)  # "Agregó que “…”"
            return Speaker(
                None, "PER", "pronoun", verb_at, role["role"].casefold() if role else None
            )
    colon = NAME_COLON.search(before)
    if colon:
        return name_at(text, start, colon)
    if before.rstrip().endswith(":"):  # "La jueza del caso, Ana Ruiz, fue tajante: “…”"
        subject = _colon_subject(text, start, start + before.rstrip().rfind(":"))
        if subject:
            return subject
    according = _according(text, start, quote.start)
    if according:
        return according
    if BARE_VERB.match(text.masked[quote.end : quote.end + ATTRIBUTION_WINDOW]):
        return name_at(text, start, NAME_COMMA.search(before))
    return None


def _lower_first(clause: str) -> str:
    """``clause`` with its first letter in lower case, the same length."""
    stripped = clause.lstrip()
    lowered = stripped[:1].lower()
    if len(lowered) != 1:
        return clause
    return clause[: len(clause) - len(stripped)] + lowered + stripped[1:]


def _colon_subject(text: QuoteText, start: int, colon: int) -> Speaker | None:
    """The person a sentence that hands over to a quote with a colon is about: a person named
    as its subject, or a full name after an article and a description ("Il sindacalista
    Maurizio Landini è stato netto:"); never a single word ("La notizia arriva da Roma:")."""
    # The clause the colon ends: "Swift has a deal, and the Group will wonder:" is not Swift.
    joined = list(_JOINED_CLAUSE.finditer(text.masked, start, colon))
    start = joined[-1].end() if joined else start
    found = named_subject(text, start, colon, "PER")
    if text.nouns_capitalised:  # a one-word "name" there is as likely a noun
        return found if found and found.name and " " in found.name else None
    if found:
        return found
    clause = text.masked[start:colon]
    article = _LEADING_ARTICLE.match(clause)
    if article is None:
        return None
    described = DESCRIBED_NAME.match(clause[article.end() :])  # \A: from the slice
    if described is None or len(described["name"].split()) < 2:
        return None
    return name_at(text, start + article.end(), described)


# A relative pronoun after a comma: its verb's subject is the name before the comma.
_RELATIVES = frozenset({"who", "quien", "quienes", "qui", "quem", "che", "der", "die"})
_JOINED_CLAUSE = re.compile(
    r",\s+(?:and|but|y|pero|e|mas|et|mais|und|aber|en|maar|ma)\s", re.IGNORECASE
)
_LEADING_ARTICLE = re.compile(r"\s*(?:the|el|la|le|l['’]|il|lo|o|a|de|het)\s*", re.IGNORECASE)


def _according(text: QuoteText, start: int, end: int) -> Speaker | None:
    """ "according to Kremlin spokesman Dmitry Peskov", "según el ministro de Economía,
    Carlos Cuerpo", "Erdoğan'a göre"."""
    key = ACCORDING_RE.search(text.masked, start, end)
    if key is None:
        if "göre" not in text.masked[start:end]:  # cheaper than trying a name everywhere
            return None
        return name_at(text, 0, NAME_GORE.search(text.masked, start, end))
    rest = text.masked[key.end() : end]
    # "according to a source close to Smith, Jones …": past an indefinite, the name after
    # the comma is the sentence's subject, not the source
    indefinite = rest.split()[:1] and rest.split()[0].casefold() in _INDEFINITE
    found = named_next(text, key.end(), end, apposition=not indefinite)
    described = DESCRIBED_NAME.match(rest) or (
        None if indefinite else DESCRIBED_COMMA_NAME.match(rest)
    )
    return found or name_at(text, key.end(), described)


def _definite_organisation(words: str, at: int) -> Speaker | None:
    """ "the company", "l'entreprise" at the start of ``words``: the organisation named
    before ``at``, resolved as "it" is."""
    return Speaker(None, "ORG", "pronoun", at) if DEFINITE_ORG.match(words) else None


def _unnamed_subject(clause: str) -> bool:
    """No subject before the verb ("Al respecto, explicó que “…”", a dropped pronoun), or a
    definite role ("La secretaria de Estado señaló"): someone named before."""
    last = clause.rsplit(",", 1)[-1].strip()
    # "Según explicó, “…”": as the one just named explained
    return not last or last.casefold() in ACCORDING_WORDS or bool(DEFINITE_ROLE.match(last))


_NOT_VERBS_AFTER_COMMA = NOT_VERB_WORDS | PREPOSITIONS | ARTICLE_WORDS | ACCORDING_WORDS
