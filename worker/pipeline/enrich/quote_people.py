"""The people of a text read with no model: capitalised names, the full name a surname
stands for, and the roles and titles that introduce a person."""

from __future__ import annotations

import re

from worker.pipeline.enrich.name_words import (
    INSTITUTION_FIRST,
    PREPOSITIONS,
    ROLES,
    ROLES_BEFORE_WHOSE,
    TITLES,
)
from worker.pipeline.enrich.quote_patterns import (
    ANY_VERB,
    ARTICLE_WORDS,
    DEFINITE_ROLE,
    NAME_PATTERN,
    NOT_NAME_WORDS,
    ROLE_ARTICLES,
    without_titles,
)
from worker.pipeline.enrich.speech_words import ACCORDING

# (start, end, canonical text, label) of entity mentions, see entity_merge.mention_index.
MentionRow = tuple[int, int, str, str]

_ARTICLE_NOUN = re.compile(
    r"(?<!\w)(?i:der|die|das|den|dem|des|ein|eine|einen|einem|einer|eines|im|am|zum|zur|vom"
    r"|beim)\s+(?:[a-zäöüß]+(?:e|en|er|es|em)\s+)?([^\W\d_][\w\-]*)"
)
_OPENERS = NOT_NAME_WORDS | PREPOSITIONS | {w for phrase in ACCORDING for w in phrase.split()}
# A name never runs on to the next line ("indicó el senador Rick Scott\nWashington.-").
_NAME_ON_ONE_LINE = NAME_PATTERN.replace(r"\s+", r"[^\S\n]+")
_NAME_ANYWHERE = re.compile(rf"(?<![\w'’\-]){_NAME_ON_ONE_LINE}")
_OPENING = re.compile(r"(?:\A|[.!?:;\n\"“”«»—–\-])\s*\Z")


_TWO_PEOPLE = 4
_NEXT_WORD = re.compile(r"[^\S\n]+([^\W\d_])")
_NEXT_WORD_REACH = 40  # blanks of quotes may follow a name: never scan them all


def capitalised_names(masked: str, nouns_capitalised: bool = False) -> list[MentionRow]:
    """With no model, the people of the text: capitalised names of two words or more whose
    last word also stands alone elsewhere (a story names a person in full, then by the
    surname), and those surnames, as the full name. Enough to find the subject of a speech
    verb and whom a pronoun points back to; "Equidad de Género" is never cut short."""
    found = [
        (
            m.start(),
            m.end(),
            m[0].split(),
            bool(_OPENING.search(masked[max(0, m.start() - 3) : m.start()])),
        )
        for m in _NAME_ANYWHERE.finditer(masked)
    ]
    # A sentence's first word that the text also writes in lower case is an ordinary word,
    # not a first name ("Cuando Hernández" but "Pedro Sánchez").
    lower = set(re.findall(r"\b[^\W\d_]+\b", masked)) if found else set()
    names: list[tuple[int, int, list[str]]] = []
    institutions: list[MentionRow] = []  # a court, a ministry, an order: organisations
    titled: set[str] = set()  # full names a title or a role introduces
    subjects: set[str] = set()  # full names that open a sentence as its subject
    for start, end, raw, opening in found:
        words = without_titles(raw)
        introduced = len(words) < len(raw)
        if introduced and words[0][0].islower():
            continue  # "Vorstandsvorsitzende der Deutschen Bahn": whose title, not a name
        while len(words) > 1 and (
            words[0].casefold() in _OPENERS or (opening and words[0].lower() in lower)
        ):
            words, opening = words[1:], False  # "Menurut Sri Mulyani", "En Madrid"
            untitled = without_titles(words)  # "Die Grünen-Chefin Ricarda Lang"
            introduced, words = introduced or len(untitled) < len(words), untitled
        if any(len(w) > 1 and w[1].isupper() for w in words):
            continue  # acronyms ("AStA") and headlines in capitals: organisations, not people
        if len(words) > 1:  # a single capitalised word is nobody's full name
            words, titled_now = _full_name(words, masked[max(0, start - 80) : start])
            # Four names after a role are as likely two people as one ("Autorin Charlotte
            # Elsen Tobias Trommer": German puts the object right after the subject).
            if (introduced or titled_now) and len(words) < _TWO_PEOPLE:
                titled.add(" ".join(words))
            elif opening and len(words) < _TWO_PEOPLE:
                following = _NEXT_WORD.match(
                    masked, end, end + _NEXT_WORD_REACH
                )  # "Giorgia Meloni ha parlato a Roma."
                # German capitalises nouns ("Viele Menschen haben"): there only a speech verb
                # after the name says it is someone ("Markus Söder sagte am Montag").
                verb = following and (not nouns_capitalised or _speaks_next(masked, following))
                if following and following[1].islower() and verb:
                    subjects.add(" ".join(words))
        if len(words) < len(raw):  # the row starts where the name does, past what was dropped
            start += max(masked[start:end].find(" ".join(words)), 0)
        # "La Compañía de Jesús", "Ministerio de Salud": an institution, not a person
        institution = words[1:] if words[0].casefold() in ARTICLE_WORDS else words
        if len(institution) > 1 and institution[0].casefold() in INSTITUTION_FIRST:
            name = " ".join(institution)
            institutions.append((end - len(name), end, name, "ORG"))
            continue
        names.append((start, end, words))
    alone = {words[0] for _, _, words in names if len(words) == 1}
    if nouns_capitalised:  # a German noun takes an article, a surname does not: "die Bürger"
        alone -= set(_ARTICLE_NOUN.findall(masked))
    # A surname's full name: one a title introduces, else the last one written (German
    # glues descriptions to a first mention: "Tennis-Olympiasieger Alexander Zverev").
    full: dict[str, str] = {}
    for _, _, words in sorted(reversed(names), key=lambda name: " ".join(name[2]) not in titled):
        if len(words) > 1:
            full.setdefault(words[-1], " ".join(words))
    # A person is named in full, then by the surname alone; or named once, in full, after a
    # title or a role ("Verteidigungsminister Boris Pistorius", "el portavoz del Kremlin,
    # Dmitri Peskov"): a role says it is a person even when the surname never recurs.
    # Or named once, in full, as the subject opening a sentence: someone a pronoun or a
    # verb with no subject may point back to.
    known = titled | subjects
    people = {surname: name for surname, name in full.items() if surname in alone or name in known}
    people |= {w: w for w in _surnames_spoken(masked, names, alone) if w not in full}
    persons = [
        (start, end, people[words[-1]], "PER")
        for start, end, words in names
        if words[-1] in people and (len(words) > 1 or words[0] in people)
    ]
    return sorted(persons + institutions)


_WORD_AT = re.compile(r"[^\W\d_][\w\-]*")


def _speaks_next(masked: str, following: re.Match[str]) -> bool:
    """A speech verb in the singular follows: "Markus Söder sagte", not "Viele Menschen
    sagten" (a plural is no one person)."""
    word = _WORD_AT.match(masked, following.start(1))
    verb = word[0] if word else ""
    return bool(ANY_VERB.fullmatch(verb) or verb in _SPOKE_OUT) and not verb.endswith("en")


# "äußerte sich" (spoke out) says a person as its subject; no speech verb of the quote
# readers, where "Ähnlich äußerte sich X:" would make the adverb a speaker.
_SPOKE_OUT = frozenset({"äußerte", "äußert"})


def _surnames_spoken(
    masked: str, names: list[tuple[int, int, list[str]]], alone: set[str]
) -> set[str]:
    """Surnames the text never gives in full, known as people because a speech verb has one
    as its subject right after it ("erzählte Tobisch damals", "dijo Bukele") and the text
    names it again: a noun after a verb takes an article, a place after it a preposition."""
    seen: dict[str, int] = {}
    spoken: set[str] = set()
    for start, _end, words in names:
        if len(words) == 1 and words[0] in alone:
            seen[words[0]] = seen.get(words[0], 0) + 1
            verb = _LAST_WORD.search(masked, max(0, start - 40), start)
            if verb and ANY_VERB.fullmatch(verb[1]):
                spoken.add(words[0])
    return {w for w in spoken if seen[w] > 1}


_LAST_WORD = re.compile(r"(?<![\w\-])([^\W\d_][\w\-]*)[^\S\n]+\Z")


def _full_name(words: list[str], before: str) -> tuple[list[str], bool]:
    """A name of two words or more without what is not the person's, and whether a role
    introduces it."""
    if "von" in words[1:-2]:
        of = max(k for k, w in enumerate(words[:-2]) if w == "von")
        if all(w[0].isupper() for w in words[of + 1 :]):
            # "Beitrag von Wolfgang Scherf": "von" before a full name is "of", while a
            # particle is followed by the surname alone ("Richard von Weizsäcker")
            words = words[of + 1 :]
    if _whose_role(words, before):
        return words[1:], True  # "juru bicara Kremlin Dmitry Peskov"
    return words, _role_before(before)


def _whose_role(words: list[str], before: str) -> bool:
    """Whether a capitalised name comes right after a role noun written in lower case,
    directly or through a preposition ("juru bicara Kremlin Dmitry Peskov", "il portavoce
    del Cremlino Dmitri Peskov"): its first word then says whose role it is. Where a role
    and a full name meet with nothing between, the name is two words long in most news
    ("spokesman Dmitry Peskov"), so only a three-word name loses its first word there; a
    longer one is a person's ("presidente Luiz Inácio Lula da Silva")."""
    if len(words) < 3 or not all(w[0].isupper() for w in words):
        return False  # "minister Hugo de Jonge", "director del Instituto Antártico de Chile"
    last = before.split()[-2:]
    if last and last[-1] in PREPOSITIONS:
        return len(last) == 2 and last[0] in ROLES
    return bool(last) and last[-1] in ROLES_BEFORE_WHOSE and len(words) == 3


_ELIDED = re.compile(r"\w+['’][^\W\d_]")  # "dell'Economia", "all'Istruzione"


def _role_before(before: str) -> bool:
    """Whether a name comes right after a role or a title written in lower case ("il premier
    Giorgia Meloni", "presidente Joe Biden"), or after a comma that closes a definite role
    ("La ministra de Hacienda, María Jesús Montero", "El portavoz del Kremlin, Dmitri
    Peskov"). A role followed by a preposition names whose role it is, never the person:
    "el presidente de Estados Unidos" is a country."""
    words = before.split()[-8:]
    if not words:
        return False
    if words[-1].endswith(","):  # "sagt der Präsident des Malteser Hilfsdienst, Georg …"
        clause = re.split(r"[,;:.!?\n()]", " ".join(words)[:-1])[-1].split()
        return any(
            DEFINITE_ROLE.match(" ".join(clause[k:]))
            for k, w in enumerate(clause)
            if w.casefold() in ROLE_ARTICLES or w[:2].casefold() in ("l'", "l’")
        )
    # "il ministro dell'Economia Giancarlo Giorgetti", "el presidente de Chile Gabriel Boric"
    for n in (1, 2):
        whose = words[-n:]
        if len(words) > n and words[-n - 1] in PREPOSITIONS and all(w[0].isupper() for w in whose):
            words = words[: -n - 1]
            break
    else:
        if _ELIDED.match(words[-1]):
            words = words[:-1]
    # "l'assessore", "expresidente", "ex-ministro"
    last = re.sub(r"\A(?:[lL]['’])?(?:ex-?)?", "", words[-1]) if words else ""
    return last.islower() and (last in ROLES or last in TITLES)
