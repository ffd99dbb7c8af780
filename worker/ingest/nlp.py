"""spaCy pipelines for enrichment: loaded lazily, once per process, NER components only.

Which pipeline serves which language is configuration (``INGEST_SPACY_MODELS``: language ->
installed package). Nothing is downloaded at run time. A language without a configured
pipeline maps to None, and the enrichment stage records a "skipped" marker for it instead of
applying another language's model; a configured package that is not installed is a
configuration error, said in one line at start-up rather than found on the first batch.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from worker.core.errors import ConfigError
from worker.core.models import base_language
from worker.core.settings import DEFAULT_SPACY_MODELS

log = logging.getLogger(__name__)


def models_for(
    languages: Iterable[str | None], packages: Mapping[str, str] = DEFAULT_SPACY_MODELS
) -> dict[str, Any]:
    """Language code -> loaded pipeline, for the languages that have one installed."""
    codes = {_code(language) for language in languages if language}
    loaded = {code: load_model(code, packages) for code in codes if code}
    return {code: nlp for code, nlp in loaded.items() if nlp is not None}


def _code(language: str) -> str:
    return base_language(language) or ""


def is_installed(package: str) -> bool:
    """Whether ``package`` can be imported (spaCy loads an installed pipeline by name)."""
    return package.isidentifier() and importlib.util.find_spec(package) is not None


def missing_packages(packages: Mapping[str, str]) -> dict[str, str]:
    """The configured languages whose package is not installed, with the package."""
    return {lang: name for lang, name in packages.items() if not is_installed(name)}


def check_installed(packages: Mapping[str, str]) -> None:
    """Raise a one-line ``ConfigError`` naming every configured package that is missing."""
    missing = missing_packages(packages)
    if missing:
        listed = ", ".join(f"{lang}: {name}" for lang, name in sorted(missing.items()))
        raise ConfigError(
            f"spaCy pipeline not installed ({listed}): pip install it "
            "(see requirements/models.txt), or drop it from INGEST_SPACY_MODELS"
        )


def load_model(language: str, packages: Mapping[str, str] = DEFAULT_SPACY_MODELS) -> Any | None:
    """The pipeline configured for ``language`` with only NER running, or None when no
    pipeline is configured or installed for it."""
    package = packages.get(language)
    if package is None or not is_installed(package):
        return None
    return load_package(package)


@cache
def load_package(package: str) -> Any | None:
    """``package`` with only its NER running; None when it has no NER.

    Cached per process: a worker loads each model once, in the parent before the fork.
    """
    import spacy  # late: a process that never enriches never pays for importing spaCy

    nlp = spacy.load(package)
    if "ner" not in nlp.component_names:
        return None
    nlp.select_pipes(enable=sorted(ner_components(nlp)))
    log.info("loaded %s, running %s", package, nlp.pipe_names)
    return nlp


def ner_components(nlp: Any) -> set[str]:
    """``ner`` plus what it depends on: a shared tok2vec it listens to, or a component that
    assigns an attribute it requires. In fr_core_news_sm and en_core_web_sm the NER has its
    own embedding (the shared tok2vec serves only tagger, morphologizer and parser), so NER
    runs alone there.
    """
    needed = {"ner"}
    requires = set(nlp.get_pipe_meta("ner").requires)
    for name, component in nlp.components:
        if "ner" in getattr(component, "listening_components", ()):
            needed.add(name)
        if requires & set(nlp.get_pipe_meta(name).assigns):
            needed.add(name)
    return needed
