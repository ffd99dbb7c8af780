"""Quotes attributed by the next sentence's pointing-back opening (``quote_anaphora``)."""

from __future__ import annotations

import pytest

from worker.pipeline.enrich.quotes import find_quotes


def speakers(text: str, language: str) -> list[str | None]:
    return [q["speaker"] for q in find_quotes(text, [], language)]


@pytest.mark.parametrize(
    ("language", "text", "speaker"),
    [
        (
            "it",
            '"Non cederemo su questa questione così importante". Lo ha detto la premier '
            "Giorgia Meloni a Roma.",
            "Giorgia Meloni",
        ),
        (
            "it",
            '"Non cederemo su questa questione così importante". L\'ha dichiarato il '
            "presidente Sergio Mattarella.",
            "Sergio Mattarella",
        ),
        (
            "it",
            '"Non cederemo su questa questione così importante". Così il ministro Giancarlo '
            "Giorgetti a margine del vertice.",
            "Giancarlo Giorgetti",
        ),
        (
            "ru",
            "«Мы не отступим в этом важном вопросе». Об этом в понедельник заявил "
            "пресс-секретарь президента Дмитрий Песков.",
            "Дмитрий Песков",
        ),
        (
            "id",
            '"Kami tidak akan mundur dari masalah ini." Hal itu disampaikan Menteri Keuangan '
            "Sri Mulyani di Jakarta.",
            "Menteri Keuangan Sri Mulyani",
        ),
        (
            "es",
            '"No vamos a ceder en esta cuestión tan importante". Así lo afirmó el presidente '
            "Pedro Sánchez.",
            "Pedro Sánchez",
        ),
        (
            "fr",
            "« Nous ne céderons pas sur cette question importante. » C'est ce qu'a déclaré "
            "Emmanuel Macron lundi.",
            "Emmanuel Macron",
        ),
        (
            "de",
            "„Wir werden in dieser Frage nicht nachgeben.“ Das sagte Bundeskanzler Olaf Scholz "
            "am Montag.",
            "Olaf Scholz",
        ),
        (
            "nl",
            '"We geven op dit punt echt niet op." Dat zei premier Mark Rutte dinsdag.',
            "Mark Rutte",
        ),
        (
            "pt",
            '"Não vamos ceder nesta questão tão importante." Foi o que disse o presidente Lula.',
            "Lula",
        ),
    ],
)
def test_the_next_sentence_names_the_speaker(language: str, text: str, speaker: str) -> None:
    assert speakers(text, language) == [speaker]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # "Così" opening a clause of its own, with its verb after the name.
        (
            "it",
            'Il testo recita: "Non cederemo su questa questione così importante, mai". Così il '
            "ministro Giorgetti ha chiuso la riunione.",
        ),
        # The quote goes on in its sentence: the next sentence is about something else.
        (
            "de",
            "„Wir werden in dieser Frage nicht nachgeben“ stand auf dem Plakat, das Anna "
            "Müller trug. Das sagte Olaf Scholz nie.",
        ),
        # A next sentence that only names someone says nothing of who spoke.
        (
            "it",
            '"Non cederemo su questa questione così importante". Il ministro Giancarlo '
            "Giorgetti è arrivato a Roma.",
        ),
    ],
)
def test_no_pointing_back_opening_no_speaker(language: str, text: str) -> None:
    assert speakers(text, language) == [None]


# --- a view introduced with "for" (``quote_opinion``) -----------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "speaker"),
    [
        (
            "it",
            'Per il ministro Giancarlo Giorgetti "continueremo a lavorare per il paese".',
            "Giancarlo Giorgetti",
        ),
        (
            "fr",
            "Pour Bruno Le Maire, « nous allons continuer à travailler pour le pays ».",
            "Bruno Le Maire",
        ),
        ("es", 'Para Pedro Sánchez, "es un momento muy difícil para todos".', "Pedro Sánchez"),
        ("pt", 'Para o ministro Fernando Haddad, "é um momento muito difícil".', "Fernando Haddad"),
    ],
)
def test_a_view_is_its_holders(language: str, text: str, speaker: str) -> None:
    assert speakers(text, language) == [speaker]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("it", 'Per Roma "è un momento molto difficile per tutti".'),  # one word: maybe a place
        ("fr", "Pour le gouvernement, « c'est un moment très difficile pour tous »."),
        ("fr", "Il a travaillé pour Bruno Le Maire, « un homme très difficile à suivre »."),
        ("es", 'Para Pedro Sánchez y su equipo, "es un momento muy difícil".'),  # more than a name
    ],
)
def test_no_view_without_a_full_name_opening_the_sentence(language: str, text: str) -> None:
    assert speakers(text, language) == [None]


# --- a Turkish participle hands the quote to the name after it (``quote_participles``) ------


@pytest.mark.parametrize(
    "text",
    [
        '"Ülkemiz için çalışmaya devam edeceğiz" diyen Bakan Mehmet Şimşek, yeni planı anlattı.',
        '"Ülkemiz için çalışmaya devam edeceğiz" ifadelerini kullanan Bakan Mehmet Şimşek, '
        "yeni planı anlattı.",
        '"Ülkemiz için çalışmaya devam edeceğiz" açıklamasını yapan Bakan Mehmet Şimşek, '
        "yeni planı anlattı.",
    ],
)
def test_a_turkish_participle_names_the_speaker(text: str) -> None:
    assert speakers(text, "tr") == ["Mehmet Şimşek"]


def test_a_turkish_participle_before_no_name_names_nobody() -> None:
    text = '"Ülkemiz için çalışmaya devam edeceğiz" diyen bir vatandaş, yeni planı eleştirdi.'
    assert speakers(text, "tr") == [None]
