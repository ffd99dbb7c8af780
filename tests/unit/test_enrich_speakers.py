"""Quote speakers in the sentence patterns of wire copy, and the entity rules that feed them.

Every sentence here is written for the test. Mentions are given the way a model tags them
(``tagged``); without them the stage reads the capitalised names itself.
"""

from __future__ import annotations

import re

import pytest

from worker.pipeline.enrich.entities import (
    Mention,
    mention_index,
    mentions_from_doc,
    merge_mentions,
)
from worker.pipeline.enrich.quotes import find_quotes


def tagged(body: str, *names: tuple[str, str]) -> list[tuple[int, int, str, str]]:
    """Mention rows of ``body``: each (name, label) wherever it occurs outside another."""
    mentions: list[Mention] = []
    for name, label in names:
        for match in re.finditer(re.escape(name), body):
            if not any(m.start <= match.start() < m.end for m in mentions):
                mentions.append(Mention(match.start(), match.end(), name, label))
    return mention_index(merge_mentions(sorted(mentions, key=lambda m: m.start)))


def speakers(body: str, *names: tuple[str, str], language: str | None = "en") -> list[str | None]:
    return [q["speaker"] for q in find_quotes(body, tagged(body, *names), language)]


# --- English wire patterns -------------------------------------------------------------------


def test_name_after_a_descriptor_before_the_verb() -> None:
    body = "“Markets will stay nervous for weeks,” Acme Bank economist Laura Finch said."
    assert speakers(body, ("Acme Bank", "ORG"), ("Laura Finch", "PER")) == ["Laura Finch"]


def test_inverted_verb_with_apposition() -> None:
    body = "“The plan is dead on arrival,” said Tom Reyes, a spokesman for the city council."
    assert speakers(body, ("Tom Reyes", "PER")) == ["Tom Reyes"]


def test_name_then_apposition_then_verb() -> None:
    body = (
        "“We have never seen a storm like this,” Ana Ortiz, director of the regional "
        "weather service, told reporters."
    )
    assert speakers(body, ("Ana Ortiz", "PER")) == ["Ana Ortiz"]


def test_title_before_the_name() -> None:
    body = "Interior Minister Paul Varga said: “The border will stay closed until Friday.”"
    assert speakers(body, ("Paul Varga", "PER")) == ["Paul Varga"]


def test_title_is_dropped_without_a_model() -> None:
    body = '"The border will stay closed until Friday," said Foreign Minister Paul Varga.'
    assert speakers(body) == ["Paul Varga"]


def test_pronoun_points_to_the_person_named_first_in_the_nearest_sentence() -> None:
    body = (
        "Nora Blake, the union's lawyer, met the mayor on Monday.\n\n"
        "“We expect an answer by the end of the week,” she said."
    )
    assert speakers(body, ("Nora Blake", "PER")) == ["Nora Blake"]


def test_pronoun_in_the_same_sentence_points_to_its_subject() -> None:
    body = (
        "Ken Hale was fined after a call to Ruth Moss, in which he said he would "
        "“make her regret every single word.”"
    )
    assert speakers(body, ("Ken Hale", "PER"), ("Ruth Moss", "PER")) == ["Ken Hale"]


def test_surname_resolves_to_the_full_name() -> None:
    body = "Vera Lund chairs the panel. “Nothing is off the table yet,” Lund said."
    assert speakers(body, ("Vera Lund", "PER"), ("Lund", "PER")) == ["Vera Lund"]


def test_quote_continues_in_the_next_paragraph() -> None:
    body = (
        "“The fire spread faster than anyone expected,” fire chief Omar Dunn said.\n\n"
        "“Crews worked through the night to save the school.”"
    )
    assert speakers(body, ("Omar Dunn", "PER")) == ["Omar Dunn", "Omar Dunn"]


def test_quote_left_open_at_the_paragraph_end_continues() -> None:
    body = (
        "“We lost three homes on this street alone.\n\n"
        "“Nobody here will forget this week,” resident Lea Quinn said."
    )
    assert speakers(body, ("Lea Quinn", "PER")) == ["Lea Quinn", "Lea Quinn"]


def test_another_person_named_in_between_breaks_the_continuation() -> None:
    body = (
        "“Prices will keep rising this year,” said Ian Cole.\n\n"
        "Dana Pike disagreed with that view.\n\n"
        "“Inflation has already peaked, in my view.”"
    )
    found = speakers(body, ("Ian Cole", "PER"), ("Dana Pike", "PER"))
    assert found[0] == "Ian Cole" and found[1] != "Ian Cole"


def test_reported_speech_before_the_quote() -> None:
    body = "Ravi Shah said the talks had stalled. “Neither side is ready to move an inch.”"
    assert speakers(body, ("Ravi Shah", "PER")) == ["Ravi Shah"]


def test_according_to_past_a_descriptor() -> None:
    body = "“No meeting is planned for now,” according to Kremlin aide Yuri Sokol."
    assert speakers(body, ("Kremlin", "ORG"), ("Yuri Sokol", "PER")) == ["Yuri Sokol"]


def test_inverted_verb_after_a_clause() -> None:
    body = (
        "She often told staff “the budget is not my problem” while in office, said "
        "a former colleague, ex-treasurer Mia Holt."
    )
    assert speakers(body, ("Mia Holt", "PER")) == ["Mia Holt"]


def test_organisation_and_it() -> None:
    body = (
        "The Harbour Authority said in a statement that “all ferries will run as usual.” "
        "It added that “no delays are expected this weekend.”"
    )
    assert speakers(body, ("Harbour Authority", "ORG")) == ["Harbour Authority"] * 2


def test_unnamed_speaker_stays_unnamed() -> None:
    body = (
        "Mayor Joan Pratt opened the bridge. “It is a disgrace to waste money like this,” "
        "said one resident who asked not to be named."
    )
    assert speakers(body, ("Joan Pratt", "PER")) == [None]


def test_a_short_quote_said_whole_with_its_verb_is_a_quote() -> None:
    body = (
        "“We are relieved,” said Tom Green, president of the union. “Don’t mind me!” "
        "Eva Stone told them."
    )
    found = find_quotes(body, tagged(body, ("Tom Green", "PER"), ("Eva Stone", "PER")), "en")
    assert [(q["text"], q["speaker"]) for q in found] == [
        ("We are relieved,", "Tom Green"),
        ("Don’t mind me!", "Eva Stone"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "Eva Stone said the House would “move quickly” on the bill.",  # a piece of a sentence
        "Eva Stone called it a “total disaster,” and left.",  # no capital first
        "“Black Water,” Eva Stone said, is the band's best song.",  # a title: every word capital
        "A banner reading “No more war!” hung over the square.",  # nobody said it
    ],
)
def test_short_quoted_pieces_are_no_quotes(body: str) -> None:
    assert find_quotes(body, tagged(body, ("Eva Stone", "PER")), "en") == []


def test_words_inside_a_quote_never_name_its_speaker() -> None:
    body = "“I told Paul Varga to resign before the vote,” Eva Stone said."
    assert speakers(body, ("Paul Varga", "PER"), ("Eva Stone", "PER")) == ["Eva Stone"]


def test_mixed_and_doubled_quote_marks() -> None:
    body = '"Where did the money go after that?” asked Hugo Lamb. “We will find out soon.’’'
    found = find_quotes(body, tagged(body, ("Hugo Lamb", "PER")), "en")
    assert [q["text"][:9] for q in found] == ["Where did", "We will f"]
    assert [q["speaker"] for q in found] == ["Hugo Lamb", "Hugo Lamb"]


def test_initials_and_abbreviations_do_not_end_the_sentence() -> None:
    body = "“The deal is done,” said Lt. Col. John R. Avery Jr. of the U.S. Army."
    assert speakers(body, ("John R. Avery Jr.", "PER")) == ["John R. Avery Jr."]


# --- other languages -------------------------------------------------------------------------


def test_german_inverted_and_pronoun() -> None:
    body = (
        "„Wir werden die Steuern nicht erhöhen“, sagte Finanzministerin Petra Kolb am "
        "Montag. „Das wäre das falsche Signal“, fügte sie hinzu."
    )
    assert speakers(body, language="de") == ["Petra Kolb", "Petra Kolb"]


def test_german_definite_noun_is_no_name() -> None:
    body = (
        "Petra Kolb sprach in Berlin. Kolb wirkte müde. „Das wäre das falsche Signal“, "
        "sagte die Berliner Finanzministerin."
    )
    assert speakers(body, language="de") == ["Petra Kolb"]


@pytest.mark.parametrize(
    ("opening", "speaker"),
    [
        # Named once, in full, opening a sentence with a speech verb: a person.
        ("Markus Söder äußerte sich am Montag in München.", "Markus Söder"),
        ("Markus Söder sagte am Montag, die Lage sei ernst.", "Markus Söder"),
        # A plural verb has no one person as its subject, and German capitalises nouns.
        ("Viele Menschen sagten am Montag, die Lage sei ernst.", None),
        ("Neue Regeln gelten ab Montag in ganz Bayern.", None),
    ],
)
def test_german_full_name_opening_a_sentence_is_who_the_role_points_to(
    opening: str, speaker: str | None
) -> None:
    body = f"{opening} „Wir werden das nicht zulassen“, betonte der CSU-Chef."
    assert speakers(body, language="de") == [speaker]


def test_german_acronym_after_the_article_speaks() -> None:
    body = "„Wir lehnen den Vorschlag entschieden ab“, erklärte der ADAC am Dienstag."
    assert speakers(body, language="de") == ["ADAC"]


def test_french_role_with_an_elided_complement_before_the_name() -> None:
    body = "« Nous tiendrons nos engagements », a assuré le ministre de l'Économie Bruno Le Maire."
    assert speakers(body, ("Bruno Le Maire", "PER"), language="fr") == ["Bruno Le Maire"]


def test_french_inverted_pronoun_with_any_verb() -> None:
    body = (
        "« Nous irons jusqu'au bout de cette réforme », a déclaré Claire Marchand. "
        "« Personne ne nous fera reculer », lance-t-elle."
    )
    found = speakers(body, ("Claire Marchand", "PER"), language="fr")
    assert found == ["Claire Marchand", "Claire Marchand"]


def test_french_selon_past_an_indefinite_is_unnamed() -> None:
    body = (
        "« Un vrai stratège de couloir », selon un proche de Marc Aubry, Luc Ferrand reste discret."
    )
    names = (("Marc Aubry", "PER"), ("Luc Ferrand", "PER"))
    assert speakers(body, *names, language="fr") == [None]


def test_spanish_descriptor_after_the_verb_without_a_model() -> None:
    body = '"No habrá más recortes este año", dijo la ministra de Hacienda, Rosa Vidal.'
    assert speakers(body, language="es") == ["Rosa Vidal"]


@pytest.mark.parametrize(
    ("body", "language", "speaker"),
    [
        (
            "El presidente del Gobierno, Pedro Sánchez, defendió el acuerdo. "
            '"Es un paso histórico para España", afirmó en rueda de prensa.',
            "es",
            "Pedro Sánchez",
        ),
        (
            "Giorgia Meloni è arrivata a Bruxelles. "
            '"L\'Italia farà la sua parte", ha detto a margine del vertice.',
            "it",
            "Giorgia Meloni",
        ),
        # A subject of its own after the phrase is no dropped subject.
        (
            "Pedro Sánchez defendió el acuerdo. "
            '"Es un paso histórico para España", dijo a los periodistas un portavoz.',
            "es",
            None,
        ),
    ],
)
def test_a_verb_with_only_a_phrase_after_the_quote_drops_its_subject(
    body: str, language: str, speaker: str | None
) -> None:
    assert speakers(body, language=language) == [speaker]


def test_spanish_role_points_back_to_the_person_introduced_with_it() -> None:
    body = (
        "La alcaldesa Marta Gil visitó el barrio. Gil habló con los vecinos.\n"
        '"Vamos a reconstruir cada casa", dijo Gil.\n'
        '"Nadie se quedará sin ayuda", añadió la alcaldesa.'
    )
    assert speakers(body, language="es") == ["Marta Gil", "Marta Gil"]


@pytest.mark.parametrize(
    ("body", "language"),
    [
        (
            "Acme Corp reported higher earnings. Its chief executive, Jane Doe, spoke to "
            "analysts. “We are pleased with the quarter,” the company said in a statement.",
            "en",
        ),
        (
            "Acme Corp said profits fell. “Demand stays strong in every market,” said the company.",
            "en",
        ),
        (
            "Acme Corp said profits fell. The company added that “demand stays strong in "
            "every market”.",
            "en",
        ),
        (
            "Acme Corp a annoncé une grève. « Nous limiterons les retards », a indiqué "
            "l'entreprise.",
            "fr",
        ),
        (
            "La Acme Corp informó el martes. A través de un comunicado, la empresa señaló "
            "haber recibido una denuncia, indicando que los hechos “habrían ocurrido hace "
            "muchos años”.",
            "es",
        ),
    ],
)
def test_a_definite_organisation_noun_points_back_to_the_organisation(
    body: str, language: str
) -> None:
    assert speakers(body, ("Acme Corp", "ORG"), ("Jane Doe", "PER"), language=language) == [
        "Acme Corp"
    ]


def test_an_unnamed_spokesman_of_the_company_is_not_the_company() -> None:
    body = (
        "Acme Corp said profits fell. A company spokesman said that “demand stays strong "
        "in every market we serve”."
    )
    assert speakers(body, ("Acme Corp", "ORG")) == [None]


@pytest.mark.parametrize(
    ("who", "speaker"),
    [
        ("Stefan Bröckling von der Tiernothilfe", "Stefan Bröckling"),
        ("Hans Meier vom Roten Kreuz", "Hans Meier"),
        ("Eawag-Umweltchemiker Thomas Hofstetter", "Thomas Hofstetter"),  # what he is
        ("Ursula von der Leyen", "Ursula von der Leyen"),  # a particle after a first name
    ],
)
def test_what_and_where_a_german_speaker_is_from_are_not_the_name(who: str, speaker: str) -> None:
    body = f"„Wir haben alle Tiere aus dem Haus gerettet“, sagte {who} am Montag."
    assert speakers(body, language="de") == [speaker]


def test_four_names_after_a_role_may_be_two_people() -> None:
    body = (
        "Um das zu klären, hat Autorin Charlotte Elsen Tobias Trommer vom Bündnis getroffen.\n"
        "Tobias Trommer ist seit Jahren dabei.\n"
        "„Wenn es uns nicht gegeben hätte, wäre hier schon eine Autobahn“, sagt Trommer."
    )
    assert speakers(body, language="de") == ["Tobias Trommer"]


def test_spanish_dropped_subject_points_back() -> None:
    body = (
        "La ministra Rosa Vidal visitó la zona. Vidal se reunió con los alcaldes.\n"
        'Al respecto, explicó que "la ayuda llegará antes del viernes".'
    )
    assert speakers(body, language="es") == ["Rosa Vidal"]


def test_spanish_sentence_opening_word_is_not_a_first_name() -> None:
    body = (
        "Cuando Vidal llegó, cuando todos esperaban, la ministra Rosa Vidal afirmó: "
        '"la ayuda llegará antes del viernes".'
    )
    assert speakers(body, language="es") == ["Rosa Vidal"]


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        (  # Indonesian puts whose spokesperson after the role, before the name
            "Rusia menjaga komunikasi, kata juru bicara Kremlin Arkady Volkov. "
            '"Kami sangat prihatin dengan situasi ini," kata Volkov kepada wartawan.',
            "id",
            ["Arkady Volkov"],
        ),
        (  # Italian, through a preposition
            "Il portavoce del Cremlino Arkady Volkov parla ai giornalisti. "
            '"Siamo molto preoccupati per la situazione", ha detto Volkov.',
            "it",
            ["Arkady Volkov"],
        ),
        (  # no role before it: a three-word name stays whole
            "Na segunda-feira, Maria Clara Duarte visitou a cidade. "
            '"Nós estamos muito preocupados com isso", disse Duarte.',
            "pt",
            ["Maria Clara Duarte"],
        ),
        (  # a two-word name after a role is the person
            "Il portavoce Arkady Volkov parla ai giornalisti. "
            '"Siamo molto preoccupati per la situazione", ha detto Volkov.',
            "it",
            ["Arkady Volkov"],
        ),
    ],
)
def test_whose_role_is_not_part_of_the_name_without_a_model(
    body: str, language: str, expected: list[str]
) -> None:
    assert speakers(body, language=language) == expected


WIRE_SENTENCES = [
    (  # a German compound ending in the role points back to the person it introduced
        "Verteidigungsminister Jonas Albrecht reiste nach Kiew. Der Minister sagte: "
        "„Wir werden die Ukraine weiter unterstützen, solange es nötig ist.“",
        "de",
        ["Jonas Albrecht"],
    ),
    (  # past the article and the compound title, before the verb and a colon
        "„Die Lage ist ernst, aber nicht hoffnungslos“, so Albrecht. Die Grünen-Chefin "
        "Marlene Kaiser betonte: „Wir brauchen mehr Tempo beim Klimaschutz.“",
        "de",
        ["Albrecht", "Marlene Kaiser"],
    ),
    (
        "Der Bürgermeister Peter Kurzmann zeigte sich erleichtert. „Wir haben alles richtig "
        "gemacht und sind froh darüber“, sagte der SPD-Politiker.",
        "de",
        ["Peter Kurzmann"],
    ),
    (  # after an inverted verb: the role's organisation, then the person
        "«Non ci sono le condizioni per andare avanti», ha dichiarato il segretario del "
        "Pd Elena Ferri. Secondo Ferri «il governo ha fallito su tutta la linea».",
        "it",
        ["Elena Ferri", "Elena Ferri"],
    ),
    (  # an elided preposition ("dell'") joins the organisation, not the name
        "Il ministro dell'Economia Marco Bellini ha spiegato che \"i conti pubblici sono "
        'sotto controllo e lo resteranno".',
        "it",
        ["Marco Bellini"],
    ),
    (  # named once, in full, after a role: "il sindaco" points back to them
        '"Siamo pronti a collaborare con tutti", ha affermato il sindaco di Roma Luca '
        'Tassi. Il sindaco ha poi aggiunto: "La città ha bisogno di investimenti".',
        "it",
        ["Luca Tassi", "Luca Tassi"],
    ),
    (  # an apposition after a definite role, the surname never alone
        "El portavoz del Kremlin, Arkady Volkov, rechazó las acusaciones. “Son "
        "afirmaciones absolutamente infundadas”, declaró el portavoz a la prensa.",
        "es",
        ["Arkady Volkov"],
    ),
    (  # no role: a long name stays whole
        '"Vamos continuar trabalhando pelo povo brasileiro", declarou o presidente Luiz '
        "Carlos Mota da Silva durante a cerimônia.",
        "pt",
        ["Luiz Carlos Mota da Silva"],
    ),
    (  # a name never runs on to the next line
        '"Seamos honestos. El presidente no está bien para el cargo", indicó el senador '
        "Rick Scolari\nWashington.- El senador republicano Rick Scolari calificó el martes",
        "es",
        ["Rick Scolari"],
    ),
    (  # a German noun takes an article: "des Malteser Hilfsdienst" is nobody's name
        "Der Hilfsdienst ist vor Ort. „Eine Investitionsoffensive ist ein unabdingbarer "
        "Bestandteil der Vorbereitung“, sagt der Präsident des Malteser Hilfsdienst, "
        "Georg Halbmayr. Der Malteser Hilfsdienst fordert mehr Geld.",
        "de",
        ["Georg Halbmayr"],
    ),
]


MORE_WIRE_SENTENCES = [
    (  # a sentence about a person that hands over with a colon, no speech verb
        "La jueza del caso, Elena Vidal Ortega, fue tajante: “No hay pruebas suficientes "
        "para mantener la acusación”.",
        "es",
        ["Elena Vidal Ortega"],
    ),
    (
        'Il sindacalista Mauro Lenti è stato netto: "Se non arrivano risposte, sarà '
        'sciopero generale".',
        "it",
        ["Mauro Lenti"],
    ),
    (  # a colon after a joined clause belongs to that clause's subject, not the first's
        "Ana Lenz signed a new deal, and the board will be left to wonder: “what did we do "
        "to deserve this?”",
        "es",
        [None],
    ),
    (  # a three-word name after a role keeps its first name outside Indonesian
        "La jueza Ana María Ruiz explicó que “el acusado no mostró arrepentimiento”.",
        "es",
        ["Ana María Ruiz"],
    ),
    (  # a compound title ("Bayern-Coach") and a definite compound role
        "„Wir haben heute einfach nicht gut genug gespielt“, sagte Bayern-Coach Tom "
        "Brandt nach der Partie.",
        "de",
        ["Tom Brandt"],
    ),
    (
        "„Wir sind auf einem guten Weg, aber es bleibt viel zu tun“, sagte die "
        "Vorstandsvorsitzende der Deutschen Bahn, Eva Pallmann.",
        "de",
        ["Eva Pallmann"],
    ),
    (  # Dutch titles and roles
        'Burgemeester Femke Hartman reageerde geschokt. "Dit had nooit mogen gebeuren in '
        'onze stad", aldus de burgemeester.',
        "nl",
        ["Femke Hartman"],
    ),
    (  # a particle after a role belongs to the surname
        '"We moeten nu echt doorpakken met de woningbouw", zei minister Hugo de Wit '
        "dinsdag in de Tweede Kamer.",
        "nl",
        ["Hugo de Wit"],
    ),
    (  # l' before a description
        '"Abbiamo fatto tutto il possibile per salvare l\'azienda", ha detto '
        "l'amministratore delegato Carlo Boni.",
        "it",
        ["Carlo Boni"],
    ),
]


UNLISTED_VERBS_AND_INNER_TITLES = [
    (  # a comma after the closing mark, then a verb no list holds
        "„Die Verhandlungen waren hart, aber fair“, resümierte Verdi-Chef Frank Wernau "
        "nach der Einigung.",
        "de",
        ["Frank Wernau"],
    ),
    (
        "“La situación en la frontera es muy grave”, alertó el gobernador de Chihuahua, "
        "Marco Bonetti, en conferencia de prensa.",
        "es",
        ["Marco Bonetti"],
    ),
    (  # ... and a definite role there points back
        "El expresidente Evo Marín reapareció en un acto en Cochabamba. “Volveremos a "
        "gobernar este país”, proclamó el líder cocalero.",
        "es",
        ["Evo Marín"],
    ),
    (  # not after a conjunction or "selon"
        "« Un vrai stratège de couloir », selon un proche de Marc Aubry, Luc Ferrand "
        "reste discret.",
        "fr",
        [None],
    ),
    (  # a title inside a name's words, after a place's genitive or a phrase
        "„Wir lassen niemanden im Stich“, versicherte Hamburgs Erster Bürgermeister Peter "
        "Tschent nach einem Besuch.",
        "de",
        ["Peter Tschent"],
    ),
    (  # a possessive and a role
        "Der Angeklagte schwieg. Sein Anwalt Thomas Bergner erklärte: „Mein Mandant wird "
        "sich zu einem späteren Zeitpunkt äußern.“",
        "de",
        ["Thomas Bergner"],
    ),
    (  # "según explicó": as the one just named explained
        "La portavoz del Ministerio de Sanidad, Carmen Ruzafa, confirmó los datos. Según "
        "explicó, “los contagios han bajado un 20 por ciento esta semana”.",
        "es",
        ["Carmen Ruzafa"],
    ),
    (  # an articulated preposition joins the organisation
        'Il ministro degli Esteri Antonio Tajoli ha incontrato il collega. "Abbiamo '
        'parlato a lungo della situazione", ha riferito Tajoli.',
        "it",
        ["Antonio Tajoli"],
    ),
    (  # a role's organisation with a particle is no person
        "“El cambio climático es un fenómeno de largo plazo”, explica Marcelo Lepe, "
        "director del Instituto Antártico de Chile.",
        "es",
        ["Marcelo Lepe"],
    ),
    (  # German "von" before a full name is "of"
        "Der Beitrag von Wolfgang Scherff erschien 2021. „Das gleichgewichtige "
        "Sozialprodukt ist nicht das der Vollbeschäftigung“, schreibt Scherff.",
        "de",
        ["Wolfgang Scherff"],
    ),
]


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [*WIRE_SENTENCES, *MORE_WIRE_SENTENCES, *UNLISTED_VERBS_AND_INNER_TITLES],
)
def test_wire_sentences_without_a_model(body: str, language: str, expected: list[str]) -> None:
    assert speakers(body, language=language) == expected


# --- entities ----------------------------------------------------------------------------------


def test_the_full_form_votes_the_label() -> None:
    mentions = [
        Mention(0, 11, "Dora Kemper", "PER"),
        *(Mention(20 * k, 20 * k + 6, "Kemper", "LOC") for k in range(1, 4)),
    ]
    (entity,) = merge_mentions(mentions)
    assert (entity.text, entity.label, len(entity.spans)) == ("Dora Kemper", "PER", 4)


def test_spellings_of_one_person_merge() -> None:
    mentions = [
        Mention(0, 20, "Robert Kline Jr.", "PER"),
        Mention(30, 40, "Rob Kline", "PER"),
        Mention(50, 65, "Robert T. Kline", "PER"),
        Mention(70, 75, "Kline", "PER"),
    ]
    (entity,) = merge_mentions(mentions)
    assert entity.text == "Robert Kline Jr." and len(entity.spans) == 4


def test_a_lone_capitalised_sentence_opener_is_no_person() -> None:
    kept = merge_mentions([Mention(0, 7, "Results", "PER", initial=True)])
    assert kept == []
    kept = merge_mentions([Mention(0, 5, "Lopez", "PER", initial=True, personal=True)])
    assert [e.text for e in kept] == ["Lopez"]


def test_one_word_person_joins_the_organisation_it_ends() -> None:
    mentions = [Mention(0, 20, "Valley Gazette", "ORG"), Mention(40, 47, "Gazette", "PER")]
    (entity,) = merge_mentions(mentions)
    assert (entity.text, entity.label) == ("Valley Gazette", "ORG")


class _Span:
    def __init__(self, text: str, start: int, label: str) -> None:
        self.text, self.start_char, self.label_ = text, start, label


class _Doc:
    """A Doc-like object: ``text`` and ``ents`` with text, start_char and label_."""

    def __init__(self, text: str, *ents: tuple[str, str]) -> None:
        self.text = text
        self.ents = [_Span(name, text.index(name), label) for name, label in ents]


def test_context_corrects_the_label_and_drops_junk() -> None:
    doc = _Doc(
        "He lives at 12 Maple Drive near Ash, Elm and Oak counties; @kline_rob posted "
        "for the Office for the Eastern District of",
        ("Maple Drive", "PERSON"),
        ("Elm", "PERSON"),
        ("@kline_rob", "ORG"),
        ("Office for the Eastern District of", "ORG"),
    )
    assert [(m.text, m.label) for m in mentions_from_doc(doc)] == [
        ("Maple Drive", "LOC"),
        ("Elm", "LOC"),
    ]


def test_title_or_speech_verb_marks_a_person() -> None:
    doc = _Doc("Results rose. Sen. Lopez said no.", ("Results", "PERSON"), ("Lopez", "PERSON"))
    found = [(m.text, m.initial, m.personal) for m in mentions_from_doc(doc)]
    assert found == [("Results", True, False), ("Lopez", False, True)]


@pytest.mark.parametrize("body", ["“Short scare quote” only.", "No quote at all here."])
def test_nothing_to_attribute(body: str) -> None:
    assert find_quotes(body, [], "en") == []


def test_home_town_possessive_institution_and_apposition_noun() -> None:
    doc = _Doc(
        "Amy Lott, 41, of Dover was held by the Kent County Sheriff's Office after the news "
        "website Daily Ledger and talk show host Rita Vance named her.",
        ("Dover", "PERSON"),
        ("Kent County Sheriff's", "GPE"),
        ("Daily Ledger", "PERSON"),
        ("Rita Vance", "ORG"),
    )
    assert [(m.text, m.label) for m in mentions_from_doc(doc)] == [
        ("Dover", "LOC"),
        ("Kent County Sheriff's Office", "ORG"),
        ("Daily Ledger", "ORG"),
        ("Rita Vance", "PER"),
    ]


def test_a_place_that_speaks_speaks_as_an_organisation() -> None:
    body = "Ridgefield said in a statement: “The club will appeal the ban this week.”"
    assert speakers(body, ("Ridgefield", "LOC")) == ["Ridgefield"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("unit", ['"We are here now," ', '"We are," ', "„Wir sind hier jetzt“, "])
def test_a_wall_of_quotes_is_read_in_linear_time(unit: str) -> None:
    # Blanked quotes make one long run of spaces; a reader that scanned it from every quote
    # took minutes on this (quadratic); bounded, it takes well under a second.
    body = unit * 3000
    found = find_quotes(body, [], "en")
    assert len(found) in (0, 3000)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("body", ["." * 200_000, "!?" * 100_000])
def test_a_run_of_stops_is_read_in_linear_time(body: str) -> None:
    # Every position of the run was tried as a sentence end: minutes on 200,000 dots.
    assert find_quotes(body, [], "en") == []
