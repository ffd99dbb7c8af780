"""Several hosts on this machine: network namespaces on one Ethernet segment (needs root).

``network("a", "b", "c")`` makes one namespace per host, each with its own loopback and an
``eth0`` (a veth) plugged into a bridge that lives in a fourth namespace (the switch), so
nothing is added to this machine's own network or firewall, and two runs side by side, or a
run's leftovers, never clash: every name carries a random tag, and the addresses exist only
inside the namespaces. On exit, even after a failure, every process still running in one of
the namespaces is killed (a server that daemonized too) and the namespaces are deleted.

A host runs a command through ``in_netns(host.netns, argv)`` (``ip netns exec``, which execs
the command: its pid is the command's); ``inside(host, make)`` runs ``make()`` in a thread
that entered the host's namespace, so a socket it opens listens on that host.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
SUBNET = "10.77.0"  # exists only inside the namespaces
CLONE_NEWNET = 0x40000000


def unavailable() -> str | None:
    """Why this machine cannot make hosts (None: it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs the tests as root)"
    if shutil.which("ip") is None:
        return "the `ip` command (iproute2) is missing: ./dev services installs it"
    return None


def in_netns(netns: str | None, argv: list[str]) -> list[str]:
    """``argv`` run inside the network namespace ``netns`` (None: this process's own)."""
    return ["ip", "netns", "exec", netns, *argv] if netns else argv


@dataclass(frozen=True)
class Host:
    role: str
    netns: str
    address: str


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


@contextmanager
def network(*roles: str) -> Iterator[dict[str, Host]]:
    tag = uuid.uuid4().hex[:8]
    switch = f"ingest-{tag}-switch"
    hosts = {
        role: Host(role, f"ingest-{tag}-{role}", f"{SUBNET}.{n}")
        for n, role in enumerate(roles, start=1)
    }
    made: list[str] = []
    try:
        for netns in (switch, *(h.netns for h in hosts.values())):
            _ip("netns", "add", netns)
            made.append(netns)
            _ip("-n", netns, "link", "set", "lo", "up")
        _ip("-n", switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", switch, "link", "set", "br0", "up")
        for host in hosts.values():
            port = f"port-{host.role}"[:15]
            _ip("-n", host.netns, "link", "add", "eth0", "type", "veth",
                "peer", "name", port, "netns", switch)  # fmt: skip
            _ip("-n", switch, "link", "set", port, "master", "br0")
            _ip("-n", switch, "link", "set", port, "up")
            _ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", "eth0")
            _ip("-n", host.netns, "link", "set", "eth0", "up")
        yield hosts
    finally:
        for netns in reversed(made):
            kill_all_in(netns)
            subprocess.run(["ip", "netns", "del", netns], capture_output=True, timeout=30)


def kill_all_in(netns: str) -> None:
    """SIGKILL every process left in ``netns`` (only this run's processes live there)."""
    listed = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True)
    for pid in listed.stdout.split():
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def inside(host: Host, make: Callable[[], T]) -> T:
    """``make()`` in a thread that entered ``host``'s namespace (setns applies to the calling
    thread only, and ends with it); what it opens, a listening socket, stays on that host."""
    found: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        try:
            with open(f"/run/netns/{host.netns}") as handle:
                if libc.setns(handle.fileno(), CLONE_NEWNET) != 0:
                    errno = ctypes.get_errno()
                    raise OSError(errno, f"setns {host.netns}: {os.strerror(errno)}")
            found.append(make())
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=run, name=f"enter-{host.role}")
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return found[0]
