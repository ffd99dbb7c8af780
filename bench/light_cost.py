"""Instructions per item of the light profile, this checkout against an older commit.

    .venv/bin/python bench/light_cost.py [--items 3000] [--baseline 21f7634] [--jobs 2]

Counts instructions, not seconds, so the figure does not move with the machine's load: each
checkout runs ``ingest run --no-enrich`` on a fresh SQLite store under ``valgrind --tool=
callgrind``, once on the throughput bench's stream (bench/_articles.py, seed 7) of ``--items``
items and once on its first item alone. Per item = (N-item run - 1-item run) / N: start-up
and imports cancel out. The baseline is the same interpreter and packages with the older
commit's ``worker/`` (a git worktree) first on the path; 21f7634 is the commit before issue
14, whose point 8 bounds this cost at 1.10x. A warm-up run first writes each tree's bytecode
caches, so compiling is not counted. Under callgrind a 3,000-item run takes about 4 minutes
and a 10,000-item run about 13.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._articles import DEFAULT_CORPUS, load_corpus, write_jsonl  # noqa: E402

_COLLECTED = re.compile(r"Collected : (\d+)")
_ENTRY = "import sys\nfrom worker.cli import main\nsys.argv[0] = 'ingest'\nmain()\n"


def instructions(tree: Path, stream: Path, work: Path, tag: str, counted: bool = True) -> int:
    """Instructions of one ``ingest run --no-enrich`` of ``stream`` with ``tree``'s worker."""
    store = work / f"{tag}.sqlite"
    entry = work / "entry.py"
    command = [sys.executable, str(entry), "run", "--no-enrich", "--store", f"sqlite:///{store}"]
    if counted:
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
    done = subprocess.run(
        [*command, str(stream)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(work)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{tag}: ingest run failed ({done.returncode}): {done.stderr[-500:]}")
    found = _COLLECTED.search(done.stderr)
    if counted and found is None:
        raise SystemExit(f"{tag}: no instruction count in valgrind's output")
    return int(found.group(1)) if found else 0


def per_item(tree: Path, streams: dict[int, Path], work: Path, name: str) -> float:
    instructions(tree, streams[1], work, f"{name}-warm", counted=False)  # bytecode caches
    one = instructions(tree, streams[1], work, f"{name}-1")
    many = max(streams)
    total = instructions(tree, streams[many], work, f"{name}-{many}")
    print(f"  {name}: 1 item {one / 1e9:.3f} G, {many} items {total / 1e9:.3f} G", flush=True)
    return (total - one) / many


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--baseline", default="21f7634")
    parser.add_argument("--jobs", type=int, default=2, help="checkouts measured at once")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="light-cost-") as tmp:
        work = Path(tmp)
        (work / "entry.py").write_text(_ENTRY)
        corpus = load_corpus(args.corpus)
        streams = {n: work / f"stream-{n}.jsonl" for n in (1, args.items)}
        for n, path in streams.items():
            write_jsonl(path, corpus, n, seed=7)
        baseline = work / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(baseline), args.baseline],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        try:
            print(f"callgrind, {args.items} items, this checkout and {args.baseline}", flush=True)
            trees = {"this checkout": ROOT, args.baseline: baseline}
            with ThreadPoolExecutor(max_workers=args.jobs) as pool:
                costs = dict(
                    zip(trees, pool.map(lambda kv: per_item(kv[1], streams, work, kv[0]),
                                        trees.items()), strict=True)
                )  # fmt: skip
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, check=False
            )
    now, then = costs["this checkout"], costs[args.baseline]
    print(f"per item: this checkout {now / 1e6:.3f} M, {args.baseline} {then / 1e6:.3f} M")
    print(f"light profile per-item cost / {args.baseline}: {now / then:.3f}x (issue 14.8: 1.10x)")


if __name__ == "__main__":
    main()
