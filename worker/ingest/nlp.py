"""spaCy pipelines for enrichment: loaded lazily, once per process, NER components only.

Only pipelines installed as packages are used (see requirements/models.txt); nothing is
downloaded at run time. A language without an installed pipeline maps to None, and the
enrichment stage records a "skipped" marker for it instead of applying another language's
model.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable
from functools import cache
from typing import Any

from worker.core.models import base_language

log = logging.getLogger(__name__)

# Package names tried per language, smallest first: spaCy's naming for news and web models.
PACKAGE_PATTERNS = ("{lang}_core_news_sm", "{lang}_core_web_sm", "{lang}_core_news_md")


def models_for(languages: Iterable[str | None]) -> dict[str, Any]:
    """Language code -> loaded pipeline, for the languages that have one installed."""
    codes = {_code(language) for language in languages if language}
    loaded = {code: load_model(code) for code in codes if code}
    return {code: nlp for code, nlp in loaded.items() if nlp is not None}


def _code(language: str) -> str:
    return base_language(language) or ""


# Languages spaCy publishes pipelines for; only those with an installed package are loaded.
SPACY_LANGUAGES = [
    "ca",
    "da",
    "de",
    "el",
    "en",
    "es",
    "fi",
    "fr",
    "hr",
    "it",
    "ja",
    "ko",
    "lt",
    "mk",
    "nb",
    "nl",
    "pl",
    "pt",
    "ro",
    "ru",
    "sl",
    "sv",
    "uk",
    "zh",
]


def installed_languages() -> list[str]:
    return [lang for lang in SPACY_LANGUAGES if installed_package(lang) is not None]


def installed_package(language: str) -> str | None:
    """The first installed pipeline package for ``language``, if any."""
    for pattern in PACKAGE_PATTERNS:
        name = pattern.format(lang=language)
        if name.isidentifier() and importlib.util.find_spec(name) is not None:
            return name
    return None


@cache
def load_model(language: str) -> Any | None:
    """The pipeline for ``language`` with only NER running, or None when none is installed.

    Cached per process: a worker loads each model on first use, after the fork.
    """
    package = installed_package(language)
    if package is None:
        return None
    import spacy  # late: a process that never enriches never pays for importing spaCy

    nlp = spacy.load(package)
    if "ner" not in nlp.component_names:
        return None
    nlp.select_pipes(enable=sorted(ner_components(nlp)))
    log.info("loaded %s, running %s", package, nlp.pipe_names)
    return nlp


def ner_components(nlp: Any) -> set[str]:
    """``ner`` plus what it depends on: a shared tok2vec it listens to, or a component that
    assigns an attribute it requires. In fr_core_news_sm the NER has its own embedding (the
    shared tok2vec serves only morphologizer and parser), so NER runs alone there.
    """
    needed = {"ner"}
    requires = set(nlp.get_pipe_meta("ner").requires)
    for name, component in nlp.components:
        if "ner" in getattr(component, "listening_components", ()):
            needed.add(name)
        if requires & set(nlp.get_pipe_meta(name).assigns):
            needed.add(name)
    return needed
