"""The patterns that read an attribution: names, speech verbs, pronouns and the words
around them, as regexes and word sets built from the word lists (``speech_verbs``,
``speech_words``, ``name_words``); and a name stripped of its titles.
"""

from __future__ import annotations

import re

from worker.pipeline.enrich.name_words import (
    NOT_NAMES,
    ORG_ROLES,
    PREPOSITIONS,
    ROLES,
    ROLES_EN,
    TITLES,
)
from worker.pipeline.enrich.speech_verbs import all_verbs
from worker.pipeline.enrich.speech_words import (
    ACCORDING,
    AFTER_QUOTE,
    AUXILIARIES,
    BETWEEN,
    PRONOUN_VERBS,
    PRONOUNS,
    QUOTATIVES,
    THING_PRONOUNS,
    all_participles,
    word_set,
)
from worker.pipeline.enrich.word_regex import alternation, first_letters

VERB_FORMS = alternation(all_verbs())
_AUX = rf"(?:(?:{alternation([*AUXILIARIES, *QUOTATIVES])})\s+)?"
_PRONOUNS = alternation(PRONOUNS)
# After the verb, French "il" is Italian's article ("ha dichiarato il segretario"); French
# puts its pronoun there only with a hyphen ("a-t-il déclaré", "dit-il").
_PRONOUNS_AFTER_VERB = alternation([p for p in PRONOUNS if p != "il"])
THING_WORDS = frozenset(THING_PRONOUNS)
NOT_NAME_WORDS = frozenset(NOT_NAMES.split())
_BETWEEN = alternation(BETWEEN.split())
# Capitals of every alphabet up to Cyrillic, so "Песков" and "İmamoğlu" start a name too.
_UPPER = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper() and c.isalpha())
# A capitalised word, an abbreviated title ("Lt.", "Jr.") or an initial ("A."); no other
# word takes its full stop along, which ends a sentence: "Oliveira. Foi" is no name.
_SHORT_TITLE = r"(?:Mr|Mrs|Ms|Dr|Lt|Col|Gen|Sen|Rep|Gov|Sgt|Capt|Prof|St|Jr|Sr)\."
_WORD = rf"(?:{_SHORT_TITLE}|[{_UPPER}]\.|[{_UPPER}][\w'’\-]+)"
# Particles inside a name: "Ursula von der Leyen", "Luiz Inácio Lula da Silva".
_PARTICLES = r"(?:(?:von|van|der|den|de|da|do|dos|del|di|du|la|le|bin|al|ter)\s+){0,2}"
NAME_PATTERN = rf"{_WORD}(?:\s+{_PARTICLES}{_WORD}){{0,4}}"
_LEAD = r"\A[\s,.;:\-–—]*+"  # possessive: what follows starts with a letter
PRONOUN_AFTER = re.compile(
    rf"{_LEAD}(?:(?:a|ont|avait|avaient)-t-(?:il|elle|ils|elles)\s+(?:{VERB_FORMS})"
    rf"|[^\W\d_]+-(?:t-)?(?:il|elle|ils|elles)\b"
    rf"|(?P<p>{_PRONOUNS}|it)\s+(?:(?:{_BETWEEN})\s+)?{_AUX}(?:{VERB_FORMS})\b"
    rf"|{_AUX}(?:{VERB_FORMS})\s+(?:{_PRONOUNS_AFTER_VERB})\b"
    rf"|(?:{alternation(PRONOUN_VERBS)})\b)",
    re.IGNORECASE,
)
VERB_FIRST = re.compile(
    rf"{_LEAD}(?:{_AUX}(?:{VERB_FORMS})|{alternation(AFTER_QUOTE)})(?!\w)\s*(?P<rest>.*)", re.S
)
ARTICLE_WORDS = word_set(
    "the a an le la les l' el los las il lo gli der die das dem den des o os as het"
)
# German compounds end in the title: "Wirtschaftsminister", "CDU-Chef", "Regierungssprecher".
_TITLE_ENDINGS = (
    "minister",
    "ministerin",
    "kanzler",
    "kanzlerin",
    "präsident",
    "präsidentin",
    "chef",
    "chefin",
    "sprecher",
    "sprecherin",
    "vorsitzende",
    "vorsitzender",
    "meister",
    "meisterin",
    "politiker",
    "politikerin",
    "abgeordnete",
    "abgeordneter",
    "direktor",
    "direktorin",
    "führer",
    "führerin",
    "leiter",
    "leiterin",
    "experte",
    "expertin",
    "coach",
    "anwalt",
    "anwältin",
    "trainer",
    "trainerin",
    # what a person named in a German article is, glued before the name as a capitalised
    # noun ("Seniorautorin Naomi Halas", "Eawag-Umweltchemiker Thomas Hofstetter")
    "autor",
    "autorin",
    "forscher",
    "forscherin",
    "wissenschaftler",
    "wissenschaftlerin",
    "chemiker",
    "chemikerin",
    "ökonom",
    "ökonomin",
    "professor",
    "professorin",
    "schauspieler",
    "schauspielerin",
    "journalist",
    "journalistin",
    "redakteur",
    "redakteurin",
    "gründer",  # "AfD-Mitbegründer Bernd Lucke"
    "gründerin",
    "sekretär",
    "sekretärin",
    "kandidat",
    "kandidatin",
    "berater",
    "beraterin",
    "manager",
    "managerin",
    "botschafter",
    "botschafterin",
    "funktionär",
    "funktionärin",
    "unternehmer",
    "unternehmerin",
    "kommissar",
    "kommissarin",
)

_LOWER_WORD = rf"(?![{_UPPER}])[^\W\d_][\w\-]*"
_PREPOSITIONS = alternation(sorted(PREPOSITIONS))
# After an inverted verb, a few descriptive words may precede the name ("dijo el senador
# republicano Rick Scott", "said former adviser Fiona Hill"), but no preposition: "dijo el
# presidente de Estados Unidos" names a country, not the speaker.
DESCRIBED_NAME = re.compile(
    rf"\A(?:(?!(?:{_PREPOSITIONS})\s)(?:[lL]['’])?{_LOWER_WORD}\s+){{0,4}}(?P<name>{NAME_PATTERN})"
)
DESCRIBED_COMMA_NAME = re.compile(rf"\A{_LOWER_WORD}[^,.;:\n]{{0,60}},\s+(?P<name>{NAME_PATTERN})")
# "said the senator", "a ajouté le ministre": a definite role with no name. The article "a"
# of Portuguese and Italian ("a ministra") is English's indefinite before an English role:
# "a reporter asked" is someone the text does not name.
ROLE_ARTICLES = ("the", "el", "la", "le", "l'", "der", "die", "il", "o", "a", "lo", "het", "de")
# An age or a rank stands for a person named before: "the 51-year-old said", "the
# 14th-ranked Argentine said".
_DESCRIPTOR = r"\d+(?:st|nd|rd|th)?-[^\W\d_][\w\-]*"
DEFINITE_ROLE = re.compile(
    rf"\A(?!an?\s+(?:(?:{alternation(sorted(ROLES_EN))})\b|\d))"
    rf"(?:{alternation(ROLE_ARTICLES)})\s*(?:{_LOWER_WORD}\s+)?"
    rf"(?P<role>{alternation(sorted(ROLES))}|[\w\-]*?(?:{alternation(_TITLE_ENDINGS)})"
    rf"|{_DESCRIPTOR})\b",
    re.IGNORECASE,
)
# "said the company", "l'entreprise a indiqué": a definite organisation noun with no name;
# not "a company spokesman", a person the text does not name.
DEFINITE_ORG = re.compile(
    rf"\A(?:{alternation(ROLE_ARTICLES)})\s*(?:{_LOWER_WORD}\s+)?"
    rf"(?P<role>{alternation(sorted(ORG_ROLES))})\b(?!\s+(?:{alternation(sorted(ROLES))})\b)",
    re.IGNORECASE,
)
PRONOUN_ANY_VERB = re.compile(
    rf"{_LEAD}(?P<p>{_PRONOUNS}|it)\s+(?P<verb>{_LOWER_WORD})(?!\w)", re.IGNORECASE
)
# '„…“, resümierte Verdi-Chef Frank Werneke', '“…”, alertó el gobernador …': a comma after
# the closing mark hands over to the attribution, whatever its verb. Not a conjunction, a
# preposition or an article: '“…”, y el ministro …' continues the sentence.
COMMA_ANY_VERB = re.compile(
    rf"\A\s*,\s*{_AUX}(?P<verb>{_LOWER_WORD})(?![\w'’])\s+(?P<rest>.*)", re.S
)
NOT_VERB_WORDS = word_set(
    "and or but nor so yet then y e o u ni pero sino et ou mais donc puis und oder aber sondern "
    "dann doch en of maar dus ma però che que qui quoi dass weil als wie como come comme "
    "porque perché parce also auch aussi también anche também ook zo which who whose where when"
)
NAME_ANY_VERB = re.compile(rf"{_LEAD}(?P<name>{NAME_PATTERN})\s+(?P<verb>{_LOWER_WORD})(?!\w)")
ANY_VERB_NAME = re.compile(rf"{_LEAD}(?P<verb>{_LOWER_WORD})\s+(?P<name>{NAME_PATTERN})")
# Words ending like a verb that are not one ("“…,” unless Smith …").
NOT_VERBS = word_set(
    "unless whereas always perhaps besides towards afterwards sometimes thus plus this "
    "these those yes less ours yours theirs hers its was has does is"
)
DEFINITE_ACRONYM = re.compile(
    r"\A(?i:the|der|die|das|den|dem|le|la|les|el|los|las|il|lo|o|a|het|de)\s+"
    r"(?P<name>[A-Z][a-z]?[A-Z][A-Za-z]*)(?![\w\-])"
)
DEFINITE_NOUN = re.compile(r"\A(?:der|die|das|den|dem)\s")
DEFINITE_NOUN_NAME = re.compile(
    rf"\A(?:der|die|das|den|dem)\s+(?:{_LOWER_WORD}\s+)?{_WORD}\s+(?P<name>{_WORD}\s+{_WORD})"
)
# Scanned over whole sentences: the lookahead on the words' first letters skips most word
# starts without trying thousands of verbs there (see word_regex.first_letters).
VERB_STARTS = first_letters(all_verbs())
ANY_VERB = re.compile(rf"(?<![\w\-])(?={VERB_STARTS})(?:{VERB_FORMS})(?![\w\-])")
VERB_OR_PARTICIPLE_FORMS = f"{VERB_FORMS}|{alternation(all_participles())}"
VERB_OR_PARTICIPLE_STARTS = first_letters([*all_verbs(), *all_participles()])
ANY_VERB_OR_PARTICIPLE = re.compile(
    rf"(?<![\w\-])(?={VERB_OR_PARTICIPLE_STARTS})(?:{VERB_OR_PARTICIPLE_FORMS})(?![\w\-])"
)
# The verb's subject is a pronoun: "she said", "il a déclaré", "he also told".
PRONOUN_SUBJECT = re.compile(
    rf"(?:\A|[\s,;:—–\-])(?P<p>{_PRONOUNS}|it)\s+(?:(?:{_BETWEEN}|reportedly)\s+)?{_AUX}\Z",
    re.IGNORECASE,
)
# A name right before the verb ("Perez said", "Smith also told"), or opening the clause
# before an apposition ("Will Moy, chief executive of Full Fact, told").
NAME_BEFORE_VERB = re.compile(
    rf"(?<![\w'’\-])(?P<name>{NAME_PATTERN})(?:\s+(?:{_BETWEEN})){{0,2}}\s+{_AUX}\Z"
)
NAME_APPOSITION = re.compile(rf"{_LEAD}(?P<name>{NAME_PATTERN})\s*,[^,]+,\s*\Z")
ACCORDING_RE = re.compile(rf"(?<!\w)(?i:{alternation(ACCORDING)})\s+")
# Turkish puts the speaker before "göre" with a case ending: "Erdoğan'a göre".
NAME_GORE = re.compile(rf"(?P<name>{NAME_PATTERN})['’](?:[ae]|y[ae]|n[ae])\s+göre")
# A name alone before the quote: "Merkel: „…“", or "Erdoğan, "…" dedi" with a bare verb after.
NAME_COLON = re.compile(rf"(?P<name>{NAME_PATTERN})\s*:\s*\Z")
NAME_COMMA = re.compile(rf"(?:\A|[^\w\s]\s*|\s)(?P<name>{NAME_PATTERN})\s*,\s*\Z")
BARE_VERB = re.compile(rf"{_LEAD}{_AUX}(?:{VERB_FORMS})[\s.,;:!?]*\Z")


def without_titles(words: list[str]) -> list[str]:
    """ "Foreign Minister Sergei Lavrov" -> Sergei Lavrov; a title alone stays itself."""
    while len(words) > 1 and _is_title(words[0]):
        words = words[1:]
    # A title inside, with words before it, when a full name follows: "Hamburgs Erster
    # Bürgermeister Peter Tschentscher", "Angaben von Polizeisprecherin Anna Keller".
    inner = [k for k in range(1, len(words) - 2) if _is_title(words[k])]
    words = words[inner[-1] + 1 :] if inner else words
    # Where a first and last name come from, not a nobiliary particle: "Stefan Bröckling von
    # der Tiernothilfe" (the particle follows a first name alone: "Ursula von der Leyen"; a
    # longer run may be two people, "Autorin Charlotte Elsen Tobias Trommer vom Bündnis").
    affiliated = len(words) > 3 and _AFFILIATION.match(" ".join(words[2:]))
    return words[:2] if affiliated else words


_AFFILIATION = re.compile(r"(?:von der|von den|vom) \S")


def _is_title(word: str) -> bool:
    folded = word.casefold()
    return folded.rstrip(".") in TITLES or folded.endswith(_TITLE_ENDINGS)


# A finite verb in German's Konjunktiv I, which news writes only to report what someone said
# ("Der AStA verkläre die Vorfälle, sagte Lucke. Ein Gespräch sei nicht sinnvoll."); the
# forms that are also the first person's indicative count only without "ich" or "wir".
REPORTED_MOOD = {
    "de": re.compile(
        r"(?<![\w\-])(?:sei|seien|habe|werde|könne|müsse|solle|wolle|dürfe|möge|gebe|wisse"
        r"|gehe|komme|stehe|liege|bleibe|lasse|sehe|brauche|fehle|gelte|mache|handle|handele"
        r"|plane|arbeite|erwarte|halte|finde|zeige|bedeute|rechne|glaube)(?![\w\-])"
    )
}
# German puts the subject after the verb when anything opens the clause: "Zugleich mahnte
# sie:", "Dann sagte er: „…“".
PRONOUN_RIGHT_AFTER = re.compile(rf"\s+(?P<p>{_PRONOUNS_AFTER_VERB})(?![\w'’\-])", re.IGNORECASE)
FIRST_PERSON = re.compile(r"(?<![\w\-])(?:ich|wir)(?![\w\-])", re.IGNORECASE)
# French writes the attribution inside the quote marks, between commas: "« Absurde. Ce
# processus est la norme, explique Antony Fastier, toxicologue. Les études … »", "« Cette
# loi, c’est le démantèlement, affirme-t-elle. Je crois … »".
INCISE = re.compile(
    rf",\s+(?P<verb>{VERB_FORMS})(?:-t)?(?:-(?P<p>il|elle|ils|elles)\b|\s+(?P<name>{NAME_PATTERN}))"
    rf"(?=\s*[,.;])"
)
