"""The ``ingest`` command: argument parsing and display only; the work is in ``ingest.*``."""

from __future__ import annotations

from collections.abc import Sequence

import click

from worker.cli import browse, info, maintain, produce, prune, results, stories
from worker.cli.base import cli, err
from worker.core.errors import ConfigError, ExitCode, IngestError

# Imported for the commands they register on ``cli``.
COMMANDS = (browse, info, maintain, produce, prune, results, stories)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; returns an ``ExitCode`` (see the README's table)."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except IngestError as exc:
        err.print(f"[red]error[/red] ({exc.reason}): {exc}", markup=True, highlight=False)
        return ExitCode.USAGE if isinstance(exc, ConfigError) else ExitCode.FAILED
    return code if isinstance(code, int) else ExitCode.DONE
