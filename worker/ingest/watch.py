"""``ingest watch DIR``: ingest files dropped into a folder, once each, across restarts.

The folder is polled (portable, no inotify needed). A file is read only once it is
complete: its size and mtime have not changed for ``settle`` seconds, and its name is not
a temporary one (``.part``, ``.tmp``, hidden...), so a copy still in progress is never read
half-way. What has been enqueued is remembered in the store (path, size, mtime and SHA-256):
after a restart only new or changed files are read; the same content touched again is not.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from worker.core.keys import item_key, new_run_id
from worker.core.models import RawItem
from worker.ingest.runtime import Runtime
from worker.readers.files import Limits, read_file
from worker.store.feeds import FileMark, SourceStore

log = logging.getLogger("worker.ingest.watch")
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~")


@dataclass(frozen=True)
class Stat:
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Seen:
    stat: Stat
    since: float  # clock time from which the file has looked like this


def is_candidate(path: Path) -> bool:
    """Hidden files and the usual in-progress names are someone else's work in progress."""
    name = path.name
    return not name.startswith((".", "~$")) and not name.lower().endswith(TEMP_SUFFIXES)


def scan(folder: Path) -> dict[str, Stat]:
    found: dict[str, Stat] = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).parts
        if any(p.startswith(".") for p in relative[:-1]) or not is_candidate(path):
            continue
        try:
            st = path.stat()
        except OSError:  # gone between listing and stat
            continue
        if path.is_file():
            found[str(path)] = Stat(st.st_size, st.st_mtime_ns)
    return found


def observe(tracked: dict[str, Seen], current: dict[str, Stat], now: float) -> dict[str, Seen]:
    """New tracking state: a file's clock restarts whenever its size or mtime changes."""
    return {
        path: tracked[path] if path in tracked and tracked[path].stat == stat else Seen(stat, now)
        for path, stat in current.items()
    }


def settled(tracked: dict[str, Seen], now: float, settle: float) -> list[str]:
    """Files unchanged for at least ``settle`` seconds, in name order."""
    return sorted(p for p, seen in tracked.items() if now - seen.since >= settle)


@dataclass
class WatchContext:
    store: SourceStore
    publish: Callable[[list[RawItem], str], object]  # Publisher.publish
    limits: Limits
    new_run_id: Callable[[], str]
    settle: float
    interval: float


@dataclass
class WatchResult:
    files: int = 0
    items: int = 0
    skipped: int = 0  # already enqueued before (same stat, or same content)


@dataclass
class Watcher:
    folder: Path
    ctx: WatchContext
    clock: Callable[[], float] = time.monotonic
    tracked: dict[str, Seen] = field(default_factory=dict)
    done: dict[str, Stat] = field(default_factory=dict)  # handled by this process
    result: WatchResult = field(default_factory=WatchResult)

    def tick(self) -> None:
        """One scan: enqueue every file that has settled and is not done yet."""
        self.tracked = observe(self.tracked, scan(self.folder), self.clock())
        ready = [p for p in settled(self.tracked, self.clock(), self.ctx.settle) if self._todo(p)]
        if ready:
            run_id = self.ctx.new_run_id()
            seq = 0
            for path in ready:
                seq += self._enqueue(Path(path), self.tracked[path].stat, run_id, seq)

    def _todo(self, path: str) -> bool:
        return self.done.get(path) != self.tracked[path].stat

    def _enqueue(self, path: Path, stat: Stat, run_id: str, seq: int) -> int:
        digest = file_digest(path)
        if _stat_of(path) != stat:
            return 0  # changed or gone while we looked: the next scans will see it settle
        digest = digest or "unreadable"  # read_file makes it an `unreadable` rejection
        mark = FileMark(str(path), stat.size, stat.mtime_ns, digest)
        self.done[str(path)] = stat
        known = self.ctx.store.file_mark(str(path))
        if known is not None and known.sha256 == digest:
            if (known.size, known.mtime_ns) != (stat.size, stat.mtime_ns):
                self.ctx.store.touch_file(mark)
            self.result.skipped += 1
            return 0
        items = list(_items(path, self.ctx.limits, run_id, seq))
        now = datetime.now(UTC)
        self.ctx.store.claim_file(mark, run_id, items, now)
        self.ctx.publish(items, run_id)
        self.result.files += 1
        self.result.items += len(items)
        log.info("enqueued %s: %d items (run %s)", path, len(items), run_id)
        return len(items)


def _items(path: Path, limits: Limits, run_id: str, start: int) -> Iterator[RawItem]:
    now = datetime.now(UTC)
    for n, found in enumerate(read_file(path, limits), start=start):
        yield RawItem.from_found(found, item_key(run_id, n), now)


def _stat_of(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return Stat(st.st_size, st.st_mtime_ns)


def file_digest(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def run_watch(watcher: Watcher, stop: threading.Event, once: bool = False) -> WatchResult:
    """Scan every ``interval`` until ``stop``; ``once``: until what is there has settled."""
    watcher.folder.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        watcher.tick()
        if once and _all_handled(watcher):
            break
        stop.wait(watcher.ctx.interval)
    return watcher.result


def _all_handled(watcher: Watcher) -> bool:
    return all(watcher.done.get(p) == seen.stat for p, seen in watcher.tracked.items())


def watch_context(runtime: Runtime) -> WatchContext:
    """``ingest watch`` with this runtime's store and publisher."""
    settings = runtime.settings
    return WatchContext(
        store=SourceStore(runtime.store),
        publish=runtime.publisher.publish,
        limits=runtime.limits,
        new_run_id=new_run_id,
        settle=settings.watch_settle,
        interval=settings.watch_interval,
    )


def watch_folder(
    folder: Path, runtime: Runtime, stop: threading.Event, once: bool = False
) -> WatchResult:
    """Watch ``folder`` until ``stop`` (``once``: until what is there has been enqueued)."""
    return run_watch(Watcher(folder, watch_context(runtime)), stop, once)
