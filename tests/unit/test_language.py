"""Offline language identification (worker/pipeline/language.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.pipeline.language import detect_language

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_33deb995d6668e48.txt"

SAMPLES = {
    "en": "The city's harbour reopened on Thursday after three weeks of repairs to the sea "
    "wall damaged in the March storm, the port authority said.",
    "de": "Der Hamburger Hafen hat im ersten Quartal mehr Container umgeschlagen als im "
    "Vorjahr, sagte ein Sprecher der Hafengesellschaft am Dienstag.",
    "es": "El puerto de la ciudad volvió a abrir el jueves después de tres semanas de "
    "reparaciones en el muro dañado por la tormenta de marzo.",
    "fr": "Le port de la ville a rouvert jeudi après trois semaines de travaux sur la digue "
    "endommagée par la tempête du mois de mars, a indiqué l'autorité portuaire.",
}


def test_seed_is_french() -> None:
    code, confidence = detect_language(SEED.read_text(encoding="utf-8"))
    assert code == "fr"
    assert confidence > 0.9


@pytest.mark.parametrize(("code", "text"), sorted(SAMPLES.items()))
def test_common_languages(code: str, text: str) -> None:
    assert detect_language(text)[0] == code


def test_deterministic() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert {detect_language(text) for _ in range(3)} == {detect_language(text)}


def test_confidence_is_a_probability() -> None:
    for text in SAMPLES.values():
        code, confidence = detect_language(text)
        assert len(code) == 2
        assert 0.0 <= confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "12345 67890 !!!", "Bonjour", "a b c d e f g h i j k"])
def test_too_little_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == ("und", 0.0)


def test_only_the_head_of_a_long_text_decides() -> None:
    french = SAMPLES["fr"] * 40  # well past the sample size
    english = SAMPLES["en"] * 200
    assert len(french) > 4000
    assert detect_language(french + "\n" + english)[0] == "fr"


def test_text_cld2_calls_invalid_still_gets_a_language() -> None:
    # C1 controls and lone surrogates make CLD2 refuse its input; they are not text anyway.
    text = SAMPLES["en"] + " \x85 \x9f \ud800 " + SAMPLES["en"]
    assert detect_language(text)[0] == "en"


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("he", "שלום עולם, זהו משפט בעברית שנכתב כדי לבדוק את זיהוי השפה של הספרייה"),
        ("zh", "今天天氣很好，我們去公園散步吧，然後一起吃午飯。臺灣的首都是臺北。"),
        ("zh", "今天天气很好，我们去公园散步吧，然后一起吃午饭。北京是中国的首都。"),
    ],
)
def test_codes_are_current_iso_639_1(code: str, text: str) -> None:
    # CLD2 says "iw" for Hebrew and "zh-Hant" for traditional Chinese.
    assert detect_language(text)[0] == code


def test_mostly_english_with_a_russian_quote_is_english() -> None:
    quote = "«Мы не комментируем это решение», — сказал представитель министерства."
    code, confidence = detect_language(SAMPLES["en"] * 3 + " " + quote + " " + SAMPLES["en"])
    assert code == "en"
    assert confidence < 1.0
