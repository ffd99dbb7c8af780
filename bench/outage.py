"""Long outages with DEFAULT settings: PostgreSQL stopped for N seconds mid-run.

Two real worker processes, a private Redis and a private PostgreSQL (the test suite keeps a
60 s version of this in tests/integration/test_faults.py). Prints, for each outage length:
items stored twice, items left pending, seconds from the restart to the last outcome,
items the ledger sweep re-sent, quarantined items. Run: ``python -m bench.outage 60 600``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.test_faults import postgres_outage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("seconds", nargs="*", type=float, default=[60.0, 600.0])
    args = parser.parse_args()
    for down in args.seconds:
        with tempfile.TemporaryDirectory() as tmp:
            figures = postgres_outage(Path(tmp), down)
        print(f"postgres down {down:.0f} s: " + json.dumps(figures, default=str), flush=True)


if __name__ == "__main__":
    main()
