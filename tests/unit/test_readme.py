"""The README's tables of reason codes and exit codes say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from worker.core.errors import REASONS, ExitCode

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def table_under(heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the first table after ``heading``, header excluded."""
    section = README.split(f"\n## {heading}\n", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    end = next((n for n, line in enumerate(section.splitlines()) if line.startswith("## ")), None)
    if end is not None:
        rows = [r for r in rows if r in section.splitlines()[:end]]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    return [c for c in cells[1:] if not c[0].startswith("---")]  # no header, no rule


def test_every_reason_is_in_the_readme_with_its_meaning_and_remedy() -> None:
    rows = {re.sub(r"`", "", r[0]): (r[1], r[2]) for r in table_under("Reason codes")}
    expected = {reason.value: text for reason, text in REASONS.items()}
    assert rows == expected


def test_exit_codes_table_matches_the_enum() -> None:
    codes = {int(r[0]) for r in table_under("Exit codes")}
    assert codes == {int(code) for code in ExitCode}
