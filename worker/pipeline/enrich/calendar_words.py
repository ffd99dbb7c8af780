"""Month, weekday, period and relative-day words for the languages the date stage reads.

Kept as plain tables, one row per language, rather than dateparser's search: a regex over
these finds the mentions in microseconds, and the stage has to stay a small fraction of the
NER time per article. In a row, slots are separated by spaces, the spellings of one slot by
``|`` and an empty slot is ``-``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# January to December; Russian in the genitive, the form after a day ("12 марта").
_MONTH_ROWS = {
    "en": "january|jan february|feb march|mar april|apr may june|jun july|jul august|aug "
    "september|sept|sep october|oct november|nov december|dec",
    "fr": "janvier|janv février|fevrier|févr|fév mars avril|avr mai juin juillet|juil "
    "août|aout septembre|sept octobre novembre décembre|decembre|déc",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "tr": "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "id": "januari februari maret april mei juni juli agustus september oktober november desember",
}
# Monday to Sunday. Indonesian "minggu" is also "week", so its Sunday is left out; Turkish
# "cuma" (Friday prayer) and "pazar" (market) are everyday words, so Turkish has no Friday
# nor Sunday.
_WEEKDAY_ROWS = {
    "en": "monday tuesday wednesday thursday friday saturday sunday",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "de": "montag dienstag mittwoch donnerstag freitag samstag|sonnabend sonntag",
    "es": "lunes martes miércoles|miercoles jueves viernes sábado|sabado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "ru": "понедельник вторник среда|среду четверг пятница|пятницу суббота|субботу воскресенье",
    "id": "senin selasa rabu kamis jumat sabtu -",
    "tr": "pazartesi salı çarşamba perşembe - cumartesi -",
}
# Words next to a weekday or a period, before it (English, German, Russian, Turkish) or after
# it (French, Spanish, Italian, Portuguese, Indonesian): the one before publication, the one
# after, the current one.
_SHIFT_ROWS = {
    "en": ("last past", "next coming", "this"),
    "fr": ("dernier dernière passé passée", "prochain prochaine", "ce cette"),
    "de": (
        "letzte letzten letztes vergangene vergangenen vergangenes",
        "nächste nächsten nächstes kommende kommenden kommendes",
        "diese diesen dieses",
    ),
    "es": ("pasado pasada", "próximo próxima", "este esta"),
    "it": ("scorso scorsa", "prossimo prossima", "questo questa"),
    "pt": ("passado passada", "próximo próxima", "este esta"),
    "nl": ("vorige vorig afgelopen", "volgende volgend komende", "deze"),
    "ru": (
        "прошлой прошлом прошлый прошлую",
        "следующей следующем следующий следующую",
        "этой этом этот эту",
    ),
    "tr": ("geçen", "gelecek önümüzdeki", "bu"),
    "id": ("lalu", "depan", "ini"),
}
# Week, month, year, in the forms the shift words take them ("на прошлой неделе").
_PERIOD_ROWS = {
    "en": "week month year",
    "fr": "semaine mois année|an",
    "de": "woche monat jahr",
    "es": "semana mes año",
    "it": "settimana mese anno",
    "pt": "semana mês ano",
    "nl": "week maand jaar",
    "ru": "неделе|неделю месяце|месяц году|год",
    "tr": "hafta ay yıl|sene",
    "id": "minggu bulan tahun",
}
# The day before yesterday, yesterday, today, tomorrow, the day after tomorrow.
_DAY_ROWS = {
    "en": "- yesterday today tomorrow -",
    "fr": "avant-hier hier aujourd'hui demain après-demain",
    "de": "vorgestern gestern heute morgen übermorgen",
    "es": "anteayer ayer hoy mañana pasado_mañana",
    "it": "l'altro_ieri|altroieri ieri oggi domani dopodomani",
    "pt": "anteontem ontem hoje amanhã depois_de_amanhã",
    "nl": "eergisteren gisteren vandaag morgen overmorgen",
    "ru": "позавчера вчера сегодня завтра послезавтра",
    "tr": "- dün bugün yarın -",
    "id": "kemarin_lusa kemarin hari_ini besok lusa",
}

# "Two days ago": the count's words (one to ten; digits are read too), the units (day, week,
# month, year) and the words that say "ago", before the count ("il y a deux jours", "vor zwei
# Tagen", "hace dos días") or after the unit ("due giorni fa", "два дня назад").
_COUNT_ROWS = {
    "en": "one|a|an two three four five six seven eight nine ten",
    "fr": "un|une deux trois quatre cinq six sept huit neuf dix",
    "de": "einem|einer|ein zwei drei vier fünf sechs sieben acht neun zehn",
    "es": "un|una|uno dos tres cuatro cinco seis siete ocho nueve diez",
    "it": "un|una|uno due tre quattro cinque sei sette otto nove dieci",
    "pt": "um|uma dois|duas três quatro cinco seis sete oito nove dez",
    "nl": "een|één twee drie vier vijf zes zeven acht negen tien",
    "ru": "один|одну|одна два|две три четыре пять шесть семь восемь девять десять",
    "tr": "bir iki üç dört beş altı yedi sekiz dokuz on",
    "id": "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh",
}
_UNIT_ROWS = {
    "en": "day|days week|weeks month|months year|years",
    "fr": "jour|jours semaine|semaines mois an|ans|année|années",
    "de": "tag|tagen woche|wochen monat|monaten jahr|jahren",
    "es": "día|días|dia|dias semana|semanas mes|meses año|años",
    "it": "giorno|giorni settimana|settimane mese|mesi anno|anni",
    "pt": "dia|dias semana|semanas mês|meses ano|anos",
    "nl": "dag|dagen week|weken maand|maanden jaar",
    "ru": "день|дня|дней неделю|недели|недель месяц|месяца|месяцев год|года|лет",
    "tr": "gün hafta ay yıl",
    "id": "hari minggu|pekan bulan tahun",
}
AGO_BEFORE = ("il y a", "vor", "hace", "há")
AGO_AFTER = ("ago", "fa", "atrás", "geleden", "назад", "lalu", "yang lalu", "önce")


def fold(word: str) -> str:
    """The key of a word in these tables: lower case, straight apostrophe, Turkish dotless
    and dotted i as plain i (``KASIM`` and ``kasım`` are one month)."""
    return word.lower().replace("’", "'").replace("i\u0307", "i").replace("ı", "i")


def _table(rows: Iterable[str], first: int = 0) -> dict[str, int]:
    """Word -> slot number (from ``first``) for every spelling in every row."""
    table: dict[str, int] = {}
    for row in rows:
        for n, slot in enumerate(row.split(), start=first):
            for word in slot.split("|"):
                if word != "-":
                    # The spelling for the regex, the folded one for the lookup.
                    word = word.replace("_", " ")
                    table[word] = table[fold(word)] = n
    return table


def _shifts() -> dict[str, int]:
    table: dict[str, int] = {}
    for back, ahead, now in _SHIFT_ROWS.values():
        for direction, words in ((-1, back), (1, ahead), (0, now)):
            table |= dict.fromkeys(words.split(), direction)
            table |= dict.fromkeys(map(fold, words.split()), direction)
    return table


MONTHS = _table(_MONTH_ROWS.values(), first=1)
WEEKDAYS = _table(_WEEKDAY_ROWS.values())
WEEKDAY_SHIFTS = _shifts()


def _shift_words(languages: Iterable[str], slots: Iterable[int]) -> frozenset[str]:
    return frozenset(w for k in languages for n in slots for w in _SHIFT_ROWS[k][n].split())


# Indonesian puts every shift word after ("minggu depan", "minggu ini"); the Romance languages
# put last and next after or before ("mardi prochain", "la próxima semana") and this before
# ("cette semaine"); the others before. A word counts only on its language's side: "the year
# this happened" is no date.
SHIFTS_BEFORE = _shift_words((k for k in _SHIFT_ROWS if k != "id"), (0, 1, 2))
SHIFTS_AFTER = _shift_words(("fr", "es", "it", "pt"), (0, 1)) | _shift_words(("id",), (0, 1, 2))
PERIODS = {word: ("week", "month", "year")[n] for word, n in _table(_PERIOD_ROWS.values()).items()}
DAY_WORDS = _table(_DAY_ROWS.values(), first=-2)
COUNTS = _table(_COUNT_ROWS.values(), first=1)
UNITS = {
    word: ("day", "week", "month", "year")[n] for word, n in _table(_UNIT_ROWS.values()).items()
}

# Names that contain a date word without being a date: feasts, sales, papers, shows. A date
# mention overlapping one of these is dropped. Per language, lower case, whole words.
NOT_DATES: dict[str, tuple[str, ...]] = {
    "en": (
        "black friday",
        "cyber monday",
        "good friday",
        "holy thursday",
        "maundy thursday",
        "ash wednesday",
        "palm sunday",
        "easter sunday",
        "easter monday",
        "super tuesday",
        "black monday",
        "bloody sunday",
        "usa today",
        "sunday times",
        "sunday telegraph",
        "mail on sunday",
        "sunday mirror",
        "today show",
        "today programme",
        "monday night football",
        "thursday night football",
    ),
    "fr": (
        "mardi gras",
        "mardi-gras",
        "vendredi saint",
        "jeudi saint",
        "mercredi des cendres",
        "vendredi noir",
        "lundi de pâques",
        "lundi de pentecôte",
        "journal du dimanche",
    ),
    "de": ("welt am sonntag", "frankfurter allgemeine sonntagszeitung", "schwarzer freitag"),
    "es": (
        "viernes santo",
        "jueves santo",
        "domingo de ramos",
        "domingo de resurrección",
        "martes de carnaval",
        "la mañana",
        "esta mañana",
        "una mañana",
        "cada mañana",
    ),
    "it": ("venerdì santo", "giovedì santo", "martedì grasso", "domenica delle palme"),
    "pt": ("sexta-feira santa", "terça-feira de carnaval", "domingo de ramos"),
    "nl": ("goede vrijdag", "witte donderdag", "paasmaandag"),
}

# Words that put what follows them in the future, within a few words of a weekday or a
# year-less day ("who will testify Thursday", "scheduled for Feb. 14", "votará el martes"):
# auxiliaries and plans, and the Romance future tense by its endings. Lower case, whole words.
_FUTURE_WORDS = {
    "en": "will 'll shall scheduled upcoming expected planned forecast slated",
    "fr": "va vont doit doivent prévu prévue prévus prévues",
    "de": "wird werden soll sollen geplant",
    "es": "va van prevista previsto previstas previstos",
    "it": "previsto prevista previsti previste",
    "pt": "vai vão prevista previsto previstas previstos",
    "nl": "zal zullen gepland",
    "ru": "будет будут запланирован запланирована запланировано запланированы намечен намечена "
    "намечено намечены предстоит предстоящий предстоящей",
    "id": "akan dijadwalkan direncanakan mendatang",
    "tr": "planlanan planlanıyor",
}
FUTURE_WORDS = frozenset(w for row in _FUTURE_WORDS.values() for w in row.split())
# The present of the verbs that announce an event ("The show opens to the public on Friday",
# "Das Treffen findet am Freitag statt"), where a report of what happened has a past: a
# weekday of this week or the next. Not a day of a month: a story told in the present ("Die
# Geschichte beginnt am 26. Oktober") may be a year old.
_SCHEDULED_PRESENT = (
    "opens begins kicks resumes meets holds hosts faces visits arrives travels launches closes "
    "expires beginnt startet findet tagt eröffnet endet"
)
SCHEDULED_PRESENT = frozenset(_SCHEDULED_PRESENT.split())
# The simple future by its endings, per language, since an ending of one language is a noun
# of another (Italian "sera" is an evening, Spanish "frontera" a border): French votera,
# dira, viendra, pourra, auront; Spanish será, votarán, haré; Portuguese será, terão;
# Italian sarà, saranno. Endings that end common words are left out ("estremos", "però").
FUTURE_TENSE = {
    "fr": re.compile(r"[a-zàâçéèêëîïôûù]+(?:era|ira|dra|rra|ront)"),
    "es": re.compile(r"[a-záéíóúñü]+(?:rá|rán|ré)"),
    "pt": re.compile(r"[a-záéíóúâêôãõç]+(?:rá|rão)"),
    "it": re.compile(r"[a-zàèéìòù]+(?:rà|ranno)"),
    # Russian: a reflexive verb's third person, present or perfective future ("состоится",
    # "встретится", "начнётся"), never its infinitive ("-ться") nor a past ("-лся"); a
    # day with a present verb is a scheduled one.
    "ru": re.compile(r"[а-яё]+(?:ит|ет|ёт|ут|ют|ат|ят)ся"),
    # Turkish: the future suffix with its person and case endings ("toplanacak",
    # "gidecekler", "yapılacağını").
    "tr": re.compile(r"[a-zçğıöşü]+(?:acak|ecek|acağ|eceğ)[a-zçğıöşü]*"),
}
# The past by its endings, where a clause's verb is searched after its day and the first verb
# decides: Turkish "gitti", "yaptığı" (the day of a past act), before a reported future
# ("salı günü yaptığı konuşmada büyüyeceğini söyledi").
PAST_TENSE = {
    "tr": re.compile(
        r"[a-zçğıöşü]+(?:[dt][ıiuü](?:m|n|k|nız|niz|nuz|nüz|lar|ler)?|[dt][ıiuü]ğ[a-zçğıöşü]*|m[ıiuü]ş[a-zçğıöşü]*)"
    ),
}
# Languages whose verb closes its clause: the verb of a day's clause comes after the day,
# however many words stand before it ("Bakan Cuma günü Paris'e gidecek").
VERB_FINAL = frozenset({"tr"})

# Day words that are also nouns: German capitalises the noun ("heute Morgen", "am Morgen"
# are mornings), so only the lower-case word is the day after.
LOWER_CASE_ONLY = frozenset({"morgen"})
