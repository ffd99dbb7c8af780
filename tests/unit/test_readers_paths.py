"""Symbolic links, FIFOs, sockets, devices and huge lines, as the file readers meet them.

Links inside a folder are followed only to a target inside it; a link named on the command
line is followed (the user chose it). FIFOs, sockets and devices are never opened: a hang
here would fail the test (each read runs under a deadline), not stall the suite.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from worker.core.models import Found, Kind
from worker.readers.files import Limits, iter_inputs, iter_path, read_file, read_stdin
from worker.readers.paths import folder_entries, open_regular, regular_target

LIMITS = Limits(max_item_bytes=5_000_000, max_feed_entries=100)  # the default item limit
SECRET = "REDIS_PASSWORD=hunter2-not-for-export"
T = TypeVar("T")


def within(seconds: float, work: Callable[[], T], fifos: tuple[Path, ...] = ()) -> T:
    """``work()`` run under a deadline; past it, the FIFOs are opened for writing (which
    frees a reader blocked on them) and the test fails: a hang is a failure, not a stall."""
    box: list[T] = []
    thread = threading.Thread(target=lambda: box.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"blocked for more than {seconds}s")
    return box[0]


def read_all(path: Path, fifos: tuple[Path, ...] = ()) -> list[Found]:
    return within(10, lambda: list(iter_path(path, LIMITS)), fifos)


def outcome(found: list[Found], name: str) -> str | None:
    """The reason of the item from ``name`` (None: read as an item)."""
    [item] = [f for f in found if Path(f.source).name == name]
    return item.payload["reason"] if item.kind is Kind.INVALID else None


def everything(found: list[Found]) -> str:
    return repr([f.payload for f in found])


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A secret file outside the folder being read, like ~/.env (0600)."""
    secret = tmp_path / "home" / ".env"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    return secret


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.txt").write_text("A title\nA body that is fine.\n")
    return folder


def make_fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# --- symbolic links ----------------------------------------------------------------------


def test_a_link_out_of_the_folder_is_refused_and_not_read(inbox: Path, outside: Path) -> None:
    (inbox / "secret.txt").symlink_to(outside)
    (inbox / "sub").mkdir()
    (inbox / "sub" / "env.jsonl").symlink_to(outside)  # the streamed reader too
    (inbox / "relative.txt").symlink_to(Path("..") / "home" / ".env")
    found = read_all(inbox)
    assert outcome(found, "good.txt") is None
    for name in ("secret.txt", "env.jsonl", "relative.txt"):
        assert outcome(found, name) == "symlink"
    assert "hunter2" not in everything(found)
    assert (
        "out of the folder" in next(f for f in found if f.kind is Kind.INVALID).payload["message"]
    )


def test_a_link_inside_the_folder_is_followed(inbox: Path) -> None:
    (inbox / "deeper").mkdir()
    (inbox / "deeper" / "alias.txt").symlink_to(inbox / "good.txt")
    found = read_all(inbox)
    assert [outcome(found, n) for n in ("alias.txt", "good.txt")] == [None, None]
    alias = next(f for f in found if f.source.endswith("alias.txt"))
    assert alias.payload["text"].startswith("A title")  # read, under the link's own name


def test_link_loops_and_broken_links_get_an_outcome(inbox: Path) -> None:
    (inbox / "a.txt").symlink_to(inbox / "b.txt")
    (inbox / "b.txt").symlink_to(inbox / "a.txt")
    (inbox / "self.txt").symlink_to(inbox / "self.txt")
    (inbox / "gone.txt").symlink_to(inbox / "nothing-here.txt")
    found = read_all(inbox)
    assert [outcome(found, n) for n in ("a.txt", "b.txt", "self.txt")] == ["symlink"] * 3
    assert outcome(found, "gone.txt") == "not_found"
    assert outcome(found, "good.txt") is None


def test_linked_folders_are_never_walked_into(inbox: Path, outside: Path) -> None:
    (outside.parent / "article.txt").write_text("Outside\nNot to be read from the inbox.\n")
    (inbox / "home").symlink_to(outside.parent)  # out of the folder: refused, once
    (inbox / "up").symlink_to(inbox)  # a loop back to the folder itself: skipped
    (inbox / "sub").mkdir()
    (inbox / "sub" / "again").symlink_to(inbox / "sub")
    found = read_all(inbox)
    assert sorted(Path(f.source).name for f in found) == ["good.txt", "home"]
    assert outcome(found, "home") == "symlink"
    assert "Not to be read" not in everything(found)


def test_a_link_named_on_the_command_line_is_followed(tmp_path: Path, outside: Path) -> None:
    link = tmp_path / "chosen.txt"
    link.symlink_to(outside)
    [found] = read_all(link)
    assert found.kind is Kind.TEXT  # the user named it: their file, their choice
    folder_link = tmp_path / "chosen-folder"
    folder_link.symlink_to(outside.parent, target_is_directory=True)
    (outside.parent / "a.txt").write_text("T\nbody\n")
    assert [outcome(read_all(folder_link), "a.txt")] == [None]


def test_a_path_swapped_for_a_link_after_the_check_is_not_followed(
    inbox: Path, outside: Path
) -> None:
    swapped = inbox / "swapped.txt"
    swapped.symlink_to(outside)
    problem = open_regular(swapped, "swapped.txt")  # what read_file opens, O_NOFOLLOW
    assert isinstance(problem, Found) and problem.payload["reason"] == "symlink"


# --- FIFOs, sockets, devices -------------------------------------------------------------


def test_a_fifo_given_as_target_is_not_a_file(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path / "pipe.txt")
    [found] = read_all(fifo, (fifo,))
    assert found.payload["reason"] == "not_a_file"
    assert "FIFO" in found.payload["message"]


def test_fifos_inside_a_folder_get_an_outcome_without_blocking(inbox: Path) -> None:
    fifos = (make_fifo(inbox / "pipe.txt"), make_fifo(inbox / "pipe.jsonl"))
    found = read_all(inbox, fifos)
    assert [outcome(found, n) for n in ("pipe.txt", "pipe.jsonl")] == ["not_a_file"] * 2
    assert outcome(found, "good.txt") is None


def test_a_link_to_a_fifo_is_not_a_file(inbox: Path) -> None:
    fifo = make_fifo(inbox / "real-pipe.txt")
    (inbox / "to-pipe.txt").symlink_to(fifo)
    found = read_all(inbox, (fifo,))
    assert [outcome(found, n) for n in ("real-pipe.txt", "to-pipe.txt")] == ["not_a_file"] * 2


def test_a_socket_file_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "s"  # a short path: a socket's name is limited to ~100 bytes
    folder.mkdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "sock.txt"))
        server.listen()
        found = read_all(folder)
    assert outcome(found, "sock.txt") == "not_a_file"


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero", "/dev/urandom"])
def test_a_device_is_not_a_file(device: str) -> None:
    [found] = read_all(Path(device))
    assert found.payload["reason"] == "not_a_file" and "device" in found.payload["message"]


def test_a_path_swapped_for_a_fifo_after_the_check_is_refused(tmp_path: Path) -> None:
    fifo = make_fifo(tmp_path / "late.txt")
    problem = within(10, lambda: open_regular(fifo, "late.txt"), (fifo,))
    assert isinstance(problem, Found) and problem.payload["reason"] == "not_a_file"


def test_regular_target_and_folder_entries(inbox: Path, outside: Path) -> None:
    (inbox / "out.txt").symlink_to(outside)
    make_fifo(inbox / "p")
    assert regular_target(inbox / "good.txt", inbox.resolve()) == inbox / "good.txt"
    assert regular_target(inbox / "out.txt", None) == outside.resolve()
    names = [p.name for p in folder_entries(inbox)]
    assert names == ["good.txt", "out.txt", "p"]  # every entry that gets an outcome


def test_a_folder_given_to_read_file_is_unreadable(tmp_path: Path) -> None:
    [found] = list(read_file(tmp_path, LIMITS))
    assert found.payload["reason"] == "unreadable"


# --- huge lines: bounded while they stream -----------------------------------------------


def lines_with_a_huge_one(size: int) -> Iterator[bytes]:
    yield b'{"title": "before", "body": "x"}\n'
    for _ in range(size >> 20):
        yield b"y" * (1 << 20)
    yield b'\n{"title": "after", "body": "z"}\n'


def peak_while(work: Callable[[], list[Found]]) -> tuple[list[Found], int]:
    tracemalloc.start()
    try:
        found = work()
        return found, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_jsonl_line_costs_a_bounded_amount(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as out:
        out.writelines(lines_with_a_huge_one(64 << 20))
    limits = Limits(max_item_bytes=1_000_000, max_feed_entries=10)
    found, peak = peak_while(lambda: list(read_file(path, limits)))
    assert [f.kind for f in found] == [Kind.RECORD, Kind.INVALID, Kind.RECORD]
    assert found[1].payload["reason"] == "too_large" and found[1].source.endswith(":2")
    assert peak < 8_000_000  # the 64 MB line is never held: about one limit's worth


def test_a_huge_stdin_line_is_skipped_as_it_streams() -> None:
    stdin = io.BufferedReader(io.BytesIO(b"".join(lines_with_a_huge_one(32 << 20))))
    found, peak = peak_while(lambda: list(read_stdin(stdin, 1_000_000)))
    assert [f.source for f in found] == ["stdin:1", "stdin:2", "stdin:3"]
    assert [f.payload.get("reason") for f in found] == [None, "too_large", None]
    assert peak < 8_000_000


def test_stdin_is_read_as_bytes_when_it_can_be() -> None:
    class Stdin(io.TextIOWrapper):
        pass

    wrapper = Stdin(io.BufferedReader(io.BytesIO(b'{"body": "a"}\n\xff\n')), encoding="utf-8")
    found = list(iter_inputs(["-"], LIMITS, stdin=wrapper))
    assert [f.payload.get("reason") for f in found] == [None, "not_utf8"]  # no decode crash
