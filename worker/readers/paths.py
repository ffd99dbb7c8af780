"""What a path is before anything is opened: symbolic links, FIFOs, sockets, devices.

A symbolic link inside a folder is followed only when it resolves inside that folder: one
dropped into a watched inbox pointing at ``~/.env`` must not export the secrets in it. A
link named on the command line itself is the user's choice and is followed. FIFOs,
sockets and devices are never opened (opening a FIFO waits for a writer forever; reading
``/dev/zero`` never ends): they become ``not_a_file`` items. Files are then opened with
``O_NOFOLLOW | O_NONBLOCK`` and checked again with ``fstat``, so a path swapped for a link
or a FIFO between the check and the open is refused all the same, without blocking.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from worker.core.errors import Reason
from worker.core.models import Found, invalid

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def source_name(path: Path) -> str:
    """The path as text a store can keep: undecodable bytes of a file name become U+FFFD."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def regular_target(path: Path, root: Path | None) -> Path | Found:
    """The regular file to read for ``path``, or the invalid item it becomes.

    ``root`` is the resolved folder ``path`` was found in: a symbolic link is followed
    only to a target inside it. ``root`` None: ``path`` was named by the user, and a link
    is followed wherever it leads.
    """
    source = source_name(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return invalid(source, Reason.NOT_FOUND, "no such file or folder")
    except OSError as exc:
        return _unreadable(source, exc)
    if stat.S_ISLNK(mode):
        return _link_target(path, root, source)
    return _judge(mode, path, source)


def _link_target(path: Path, root: Path | None, source: str) -> Path | Found:
    try:
        target = path.resolve(strict=True)
        mode = os.lstat(target).st_mode  # resolved: no link left to follow
    except FileNotFoundError:
        return invalid(source, Reason.NOT_FOUND, "a broken symbolic link (its target is gone)")
    except (RuntimeError, OSError) as exc:  # Python 3.11 reports a link loop as RuntimeError
        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            return invalid(source, Reason.SYMLINK, "a symbolic link loop: not followed")
        return _unreadable(source, exc)
    if root is not None and not target.is_relative_to(root):
        return invalid(
            source, Reason.SYMLINK, "a symbolic link leading out of the folder: not followed"
        )
    return _judge(mode, target, source)


def _judge(mode: int, path: Path, source: str) -> Path | Found:
    if stat.S_ISREG(mode):
        return path
    if stat.S_ISDIR(mode):
        return invalid(source, Reason.UNREADABLE, "a folder that cannot be read or listed")
    return invalid(source, Reason.NOT_A_FILE, f"a {_kind(mode)}, not a regular file: not read")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _unreadable(source: str, exc: OSError) -> Found:
    return invalid(source, Reason.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")


def open_regular(path: Path, source: str) -> BinaryIO | Found:
    """``path`` opened for reading if it is (still) a regular file, never blocking."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a link since it was looked at
            return invalid(source, Reason.SYMLINK, "a symbolic link: not followed")
        return _unreadable(source, exc)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped for a FIFO or a device since it was looked at
            os.close(fd)
            problem = _judge(mode, path, source)
            assert isinstance(problem, Found)
            return problem
        os.set_blocking(fd, True)  # no effect on a regular file; ordinary reads from here
        return os.fdopen(fd, "rb")
    except OSError as exc:
        os.close(fd)
        return _unreadable(source, exc)


def folder_entries(folder: Path) -> list[Path]:
    """Everything in a folder tree that gets an outcome, sorted: files, links, FIFOs...

    Folders are descended, links to folders are not: one leading out of the tree is
    listed (to be refused as ``symlink``), one inside it is skipped, as the files it
    leads to are listed under their own path (and a link to a parent cannot loop). A
    folder that cannot be listed is listed itself, to be reported ``unreadable``.
    """
    root = folder.resolve()
    found: list[Path] = []
    pending = [folder]  # a stack, not recursion: any depth of folders is fine
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:
            found.append(current)
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif not (entry.is_symlink() and _folder_inside(path, root)):
                found.append(path)
    return sorted(found)


def _folder_inside(link: Path, root: Path) -> bool:
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return False  # broken or a loop: listed, to be reported
    return target.is_dir() and target.is_relative_to(root)
