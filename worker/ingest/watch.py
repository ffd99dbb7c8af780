"""``ingest watch DIR``: ingest files dropped into a folder, once each, across restarts.

The folder is polled (portable, no inotify needed). A file is read only once it is
complete: its size and mtime have not changed for ``settle`` seconds, and its name is not
a temporary one (``.part``, ``.tmp``, hidden...), so a copy still in progress is never read
half-way. What has been enqueued is remembered in the store (path, size, mtime and SHA-256):
after a restart only new or changed files are read; the same content touched again is not.

Symbolic links are followed only to a file inside the folder; one leading out of it (to
``~/.env``, say) gets a ``symlink`` outcome and is never opened, not even to hash it.
FIFOs, sockets and devices get ``not_a_file`` and are never opened either.
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
from worker.core.models import Found, RawItem
from worker.ingest.runtime import Runtime
from worker.readers.files import Limits, read_file
from worker.readers.paths import folder_entries, open_regular, regular_target
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
    """Every entry that gets an outcome (files, links, FIFOs...), hidden ones left out."""
    found: dict[str, Stat] = {}
    root = folder.resolve()
    for path in folder_entries(folder):
        relative = path.relative_to(folder).parts
        if any(p.startswith(".") for p in relative[:-1]) or not is_candidate(path):
            continue
        stat = _stat_of(path, root)
        if stat is not None:  # None: gone between listing and stat
            found[str(path)] = stat
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
        root = self.folder.resolve()
        # Hashed only if it is a file we will read: never a link out, never a FIFO.
        target = regular_target(path, root)
        digest = file_digest(target) if isinstance(target, Path) else None
        if _stat_of(path, root) != stat:
            return 0  # changed or gone while we looked: the next scans will see it settle
        digest = digest or "not-read"  # read_file makes it a rejection with its reason
        mark = FileMark(str(path), stat.size, stat.mtime_ns, digest)
        self.done[str(path)] = stat
        known = self.ctx.store.file_mark(str(path))
        if known is not None and known.sha256 == digest:
            if (known.size, known.mtime_ns) != (stat.size, stat.mtime_ns):
                self.ctx.store.touch_file(mark)
            self.result.skipped += 1
            return 0
        items = list(_items(path, root, self.ctx.limits, run_id, seq))
        now = datetime.now(UTC)
        self.ctx.store.claim_file(mark, run_id, items, now)
        self.ctx.publish(items, run_id)
        self.result.files += 1
        self.result.items += len(items)
        log.info("enqueued %s: %d items (run %s)", path, len(items), run_id)
        return len(items)


def _items(path: Path, root: Path, limits: Limits, run_id: str, start: int) -> Iterator[RawItem]:
    now = datetime.now(UTC)
    for n, found in enumerate(read_file(path, limits, root), start=start):
        yield RawItem.from_found(found, item_key(run_id, n), now)


def _stat_of(path: Path, root: Path) -> Stat | None:
    """Size and mtime of what will be read: a followed link's target, else the entry."""
    target = regular_target(path, root)
    try:
        st = (target if isinstance(target, Path) else path).lstat()
    except OSError:
        return None
    return Stat(st.st_size, st.st_mtime_ns)


def file_digest(path: Path) -> str | None:
    digest = hashlib.sha256()
    handle = open_regular(path, str(path))
    if isinstance(handle, Found):
        return None
    try:
        with handle:
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
