"""Quotes whose own sentence names nobody, said by whoever the sentences before report.

Every sentence here is written for the test; no model runs, so the stage reads the
capitalised names itself, as it does for German, Spanish and the other languages without one.
"""

from __future__ import annotations

import pytest

from worker.pipeline.enrich.quotes import find_quotes


def speakers(body: str, language: str) -> list[str | None]:
    return [q["speaker"] for q in find_quotes(body, [], language)]


_OPENING = (
    "Bürgermeister Jan Albers hat den Verband scharf kritisiert. Der Verband verkläre die "
    "Lage, kritisierte Albers am Montag.\n"
)
_QUOTE = "„Wenn der Verband zu einem offenen Gespräch einlädt, komme ich gerne vorbei.“"


@pytest.mark.parametrize(
    ("between", "expected"),
    [
        # Konjunktiv I reports what the last speaker said, across the paragraph break
        ("Ein Treffen sei so nicht sinnvoll. ", "Jan Albers"),
        ("Ein Treffen sei so nicht sinnvoll, die Fronten seien verhärtet. ", "Jan Albers"),
        # the indicative is the writer's own sentence: the quote is not placed
        ("Ein Treffen ist so nicht sinnvoll. ", None),
        # "ich habe" is the first person's indicative, not the reported mood
        ("Ich habe das so nicht erwartet. ", None),
    ],
)
def test_german_reported_mood_carries_the_speaker_on(between: str, expected: str | None) -> None:
    assert speakers(_OPENING + between + _QUOTE, "de") == [expected]


def test_a_quote_inside_a_sentence_in_the_reported_mood() -> None:
    body = (
        "Der VDA betonte, nicht zur Blockade aufgerufen zu haben. Man habe lediglich eine "
        "Kundgebung geplant, bei der es darum gegangen sei, „dass über die Zukunft der "
        "Branche offen gesprochen wird“."
    )
    assert speakers(body, "de") == ["VDA"]


def test_the_reported_mood_is_read_only_in_german() -> None:
    body = _OPENING + "Ein Treffen sei so nicht sinnvoll. " + _QUOTE
    assert speakers(body, "nl") == [None]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # a surname the text never gives in full, the subject right after a speech verb
            "Tobler wurde 1926 in Wien geboren. Sie spielte Jahrzehnte am Burgtheater, "
            "erzählte Tobler einmal. „Man muss es ernsthaft machen, aber nicht ernst nehmen“, "
            "sagte sie in einem Interview.",
            "Tobler",
        ),
        (  # written once: as likely a noun, nobody is named
            "Sie spielte Jahrzehnte am Burgtheater, erzählte Tobler einmal. „Man muss es "
            "ernsthaft machen, aber nicht ernst nehmen“, sagte sie in einem Interview.",
            None,
        ),
    ],
)
def test_a_surname_alone_after_a_speech_verb_is_a_person(body: str, expected: str | None) -> None:
    assert speakers(body, "de") == [expected]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("", "Tom Reyes"),  # the paragraph after reported speech quotes its speaker
        (", the insider added", None),  # its own attribution, to someone not named
    ],
)
def test_reported_speech_reaches_the_next_paragraph(after: str, expected: str | None) -> None:
    body = (
        "Tom Reyes said the plan had failed.\n\n"
        f'"Nobody on the board wanted to listen to the warnings"{after}.'
    )
    assert speakers(body, "en") == [expected]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "La Asociación de Periodistas de Honduras advirtió que la ley representa “un claro "
            "intento de censura a los medios”.",
            "Asociación de Periodistas de Honduras",
        ),
        (  # a definite organisation noun points back to it
            "La Compañía de Jesús informó el martes de una investigación. La congregación "
            "señaló que los hechos “habrían ocurrido cuando la denunciante era menor”.",
            "Compañía de Jesús",
        ),
    ],
)
def test_an_institution_speaks_without_a_model(body: str, expected: str) -> None:
    assert speakers(body, "es") == [expected]


_ORDER = (
    "La Compañía de Jesús informó el martes de una investigación contra el sacerdote. A "
    "través de un comunicado, la congregación señaló haber recibido una denuncia, indicando "
    "que los hechos “habrían ocurrido cuando la denunciante era menor de edad”.\n"
)


@pytest.mark.parametrize(
    "follow",
    [
        # a participle that opens the sentence, and a plural verb with no subject, go on
        # with the last speaker, an organisation here
        "Agregando que se “dispondrá de todos los medios que sean necesarios”.",
        "Finalmente, indicaron que “mientras se realiza la investigación, el sacerdote no oficia”.",
    ],
)
def test_a_verb_with_no_subject_goes_on_with_the_last_speaker(follow: str) -> None:
    assert speakers(_ORDER + follow, "es") == ["Compañía de Jesús", "Compañía de Jesús"]


def test_a_person_named_since_takes_the_floor_from_a_dropped_subject() -> None:
    body = (
        _ORDER + "El ministro Pedro Lagos visitó la zona el jueves. Lagos pidió calma.\n"
        "Indicó que “hay conflictos, pero se arreglan con diálogo”."
    )
    assert speakers(body, "es") == ["Compañía de Jesús", "Pedro Lagos"]


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        # a subheading made of a quote is said by whoever says the quote it excerpts
        ("„Im Herzen sind alle Menschen gut, das habe ich gelernt“, sagte Elder.", "Lee Elder"),
        # and by nobody when no quote below starts with its words
        ("„Wir haben viel gelernt“, sagte Elder.", None),
    ],
)
def test_a_subheading_quote(later: str, expected: str | None) -> None:
    body = (
        "„Er war der Erste, zu dem ich aufgeschaut habe“, sagte Tiger Woods über Lee Elder.\n"
        "„Im Herzen sind alle Menschen gut“\n"
        f"Elder spielte 1975 als erster Schwarzer in Augusta. {later}"
    )
    assert speakers(body, "de")[1] == expected


def test_the_reporter_is_the_journalist_named_before() -> None:
    body = (
        '"As Forças Armadas enviaram 88 questionamentos ao tribunal", informa o jornalista '
        'Wesley Galzo, no jornal Estado de S. Paulo.\n"Os militares enviaram uma sequência de '
        'cinco ofícios sigilosos ao tribunal", acrescenta o repórter.'
    )
    assert speakers(body, "pt") == ["Wesley Galzo", "Wesley Galzo"]


@pytest.mark.parametrize("who", ["a reporter", "A spokesperson for the ministry"])
def test_an_english_indefinite_role_is_nobody_named(who: str) -> None:
    body = (
        "Governor Jay Inslee named her on Tuesday. At a press conference, "
        f"{who} asked Montoya-Lewis, “What do you see as the biggest problem in the courts?”"
    )
    inslee = body.index("Jay Inslee")
    mentions = [(inslee, inslee + 10, "Jay Inslee", "PER")]
    assert [q["speaker"] for q in find_quotes(body, mentions, "en")] == [None]


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        (  # the organisation in the genitive between the role and the name
            "«Мы продолжим переговоры до самого конца», — заявил пресс-секретарь Кремля "
            "Дмитрий Песков.",
            "ru",
            "Дмитрий Песков",
        ),
        (  # Indonesian "di" is "in": where the speaker spoke, not part of the name
            '"Ekonomi kita akan tumbuh lima persen tahun ini," kata Sri Mulyani di Jakarta.',
            "id",
            "Sri Mulyani",
        ),
        (  # Turkish: the role after its organisation, and "used the words"
            'Dışişleri Bakanı Mevlüt Çavuşoğlu, "Müzakerelere sonuna kadar devam edeceğiz" '
            "ifadelerini kullandı.",
            "tr",
            "Mevlüt Çavuşoğlu",
        ),
    ],
)
def test_wire_patterns_of_languages_without_a_model(
    body: str, language: str, expected: str
) -> None:
    assert speakers(body, language) == [expected]


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        (
            'Mark Rutte sprak dinsdag in Den Haag. "We gaan door met de onderhandelingen tot '
            'het einde," zei hij.',
            "nl",
            "Mark Rutte",
        ),
        (
            "Giorgia Meloni ha parlato a Roma. “Andremo avanti con i negoziati fino alla "
            "fine”, ha aggiunto.",
            "it",
            "Giorgia Meloni",
        ),
        (
            "Дмитрий Песков выступил во вторник. «Мы продолжим переговоры до самого конца», "
            "— сказал он.",
            "ru",
            "Дмитрий Песков",
        ),
        (  # a place opening the sentence is followed by its verb too, but no pronoun here
            "Nueva York amaneció con nieve. “Nunca vimos tanta nieve en noviembre”, dijo un "
            "vecino.",
            "es",
            None,
        ),
    ],
)
def test_a_person_named_once_as_a_sentence_subject_is_a_pronouns_antecedent(
    body: str, language: str, expected: str | None
) -> None:
    assert speakers(body, language) == [expected]


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        (  # German puts the subject after the verb when anything opens the clause
            "Verbandschefin Lena Berg sprach am Samstag in Bonn. Zugleich mahnte sie: „Die "
            "Debatte darf uns nicht ganz aufsaugen.“",
            "de",
            "Lena Berg",
        ),
        (  # a relative pronoun speaks for the name before it
            "Se le preguntó a José Yurramendi por los juicios. Habló luego con Yurramendi, "
            "quien señaló que “están en etapa de negociación con el ministerio”.",
            "es",
            "José Yurramendi",
        ),
        (  # "according to" before the verb: the speaker comes after it
            "Según informó la DGSA a la prensa, se constató “la aplicación donde el productor "
            "no respetó la distancia”.",
            "es",
            "DGSA",
        ),
    ],
)
def test_the_subject_of_the_verb_before_the_quote(body: str, language: str, expected: str) -> None:
    assert speakers(body, language) == [expected]


def _rows(body: str, *names: str) -> list[tuple[int, int, str, str]]:
    """PER mention rows of ``names`` wherever they occur, as a model tags them."""
    found = [(m, body.find(m)) for m in names]
    return sorted((at, at + len(name), name, "PER") for name, at in found if at >= 0)


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        # the person who opens the sentence before a quote, in its paragraph, as its subject
        ("Bridenstine expects to produce three rockets through 2024.", "Bridenstine"),
        # not a possessive: the lawyer speaks, and the text does not name him here
        ("Bridenstine’s deputy had a shorter answer on Thursday.", None),
        # not a sentence that opens with something else
        ("The agency expects Bridenstine to produce three rockets.", None),
    ],
)
def test_a_quote_after_a_sentence_about_a_person(opening: str, expected: str | None) -> None:
    body = f"{opening} “Adding an additional rocket into the mix could not happen soon.”"
    found = find_quotes(body, _rows(body, "Bridenstine"), "en")
    assert [q["speaker"] for q in found] == [expected]


def test_an_adverb_between_the_pronoun_and_the_verb() -> None:
    body = (
        "Prince Andrew spoke to the BBC for an hour. He instead told the interviewer: “I "
        "took the judgement call that I had to go and see him.”"
    )
    found = find_quotes(body, _rows(body, "Prince Andrew"), "en")
    assert [q["speaker"] for q in found] == ["Prince Andrew"]


def test_a_curly_quote_closed_by_a_straight_one() -> None:
    body = (
        '“The end of the year is a popular time for expensive purchases," Jessica Caldwell, '
        'an analyst, said in a statement. "Shoppers in the market should act now."\n'
        "“A second paragraph opens the quote again\n“and the third closes it.”"
    )
    found = find_quotes(body, _rows(body, "Jessica Caldwell"), "en")
    assert [q["text"][:16] for q in found] == [
        "The end of the y",
        "Shoppers in the ",
        "A second paragra",
        "and the third cl",
    ]
    assert [q["speaker"] for q in found][:2] == ["Jessica Caldwell", "Jessica Caldwell"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # French puts the attribution inside the guillemets, between commas
            "Ils accusent Monsanto. « Absurde. Ce processus est la norme, explique Antony "
            "Fastier, toxicologue. Les études réglementaires sont faites par l'industriel. »",
            "Antony Fastier",
        ),
        (
            "Marie-Pierre Dausse défend son point de vue. Les étudiants écoutent. « Cette loi, "
            "c’est le démantèlement des services publics, affirme-t-elle. Je crois en une "
            "université publique. »",
            "Marie-Pierre Dausse",
        ),
    ],
)
def test_a_french_incise_inside_the_quote(body: str, expected: str) -> None:
    found = find_quotes(body, _rows(body, "Marie-Pierre Dausse"), "fr")
    assert [q["speaker"] for q in found] == [expected]


def test_a_closing_mark_that_opens_a_quote() -> None:
    # Finnish and Swedish open with ” too, and Spanish CMS copy does it by mistake
    body = (
        "Berríos emitió un comunicado. ”Haré todo lo que sea necesario por conocer los "
        "orígenes de esta denuncia”, añadió Berríos."
    )
    found = find_quotes(body, [], "es")
    assert [(q["text"][:16], q["speaker"]) for q in found] == [("Haré todo lo que", "Berríos")]


def test_german_ordinals_do_not_end_a_sentence_and_a_pronoun_after_the_verb_carries_on() -> None:
    body = (
        "Tobler wurde 1926 in Wien geboren. Sie spielte am Burgtheater, erzählte Tobler "
        "einmal. „Man muss es ernsthaft machen, aber nicht ernst nehmen“, sagte sie zu ihrem "
        "90. Geburtstag.\nSie habe mit ihrer Zeit als Organisatorin abgeschlossen: „Ich weiß, "
        "wenn etwas zu Ende ist.“"
    )
    assert speakers(body, "de") == ["Tobler", "Tobler"]


@pytest.mark.parametrize(
    ("attribution", "expected"),
    [
        ("the senator said", "Ann Lee"),  # a definite role after the quote
        ("the 51-year-old said", "Ann Lee"),  # an age stands for the person named before
        ("said the 51-year-old", "Ann Lee"),
        ("a 51-year-old neighbour said", None),  # an English indefinite: nobody named
    ],
)
def test_a_definite_description_after_the_quote(attribution: str, expected: str | None) -> None:
    body = (
        "Senator Ann Lee won again on Monday. "
        f'"We will not back down on this bill at all," {attribution}.'
    )
    found = find_quotes(body, _rows(body, "Ann Lee"), "en")
    assert [q["speaker"] for q in found] == [expected]
