"""The producer script: ``python -m worker.producer PATH...`` is ``ingest enqueue PATH...``."""

from __future__ import annotations

import sys

from worker.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["enqueue", *sys.argv[1:]]))
