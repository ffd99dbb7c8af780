"""The feeds to poll: the sources file (TOML ``[[feed]]`` tables), re-read when it changes."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from worker.core.errors import ConfigError
from worker.store.feeds import SourceStore


@dataclass(frozen=True)
class FeedSource:
    name: str
    url: str
    interval: float = 300.0  # seconds between two polls when all is well
    fetch_pages: bool = False  # enqueue each entry's page (a URL item) instead of the entry


def load_sources(path: Path) -> list[FeedSource]:
    """The ``[[feed]]`` tables of a sources file; a missing file means no feeds."""
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sources = [_feed_source(raw) for raw in data.get("feed", [])]
    except (tomllib.TOMLDecodeError, TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: feed names must be unique")
    return sources


def _feed_source(raw: dict[str, Any]) -> FeedSource:
    source = FeedSource(
        name=str(raw["name"]),
        url=str(raw["url"]),
        interval=float(raw.get("interval", 300)),
        fetch_pages=bool(raw.get("fetch_pages", False)),
    )
    if source.interval <= 0 or not source.url.startswith(("http://", "https://")):
        raise ValueError(f"feed {source.name!r}: needs an http(s) url and an interval > 0")
    return source


_loaded: dict[str, tuple[tuple[int, int] | None, list[FeedSource]]] = {}


def configured_feeds(path: Path, store: SourceStore, now: datetime) -> list[FeedSource]:
    """The sources file, re-read (and the store told of new feeds) only when it changes."""
    stamp = _stamp(path)
    cached = _loaded.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    feeds = load_sources(path)
    store.sync_feeds([(f.name, f.url) for f in feeds], now)
    _loaded[str(path)] = (stamp, feeds)
    return feeds


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)
