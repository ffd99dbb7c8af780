"""The warm-shutdown watch: it ends an idle, stuck pool and never one holding a batch."""

from __future__ import annotations

import signal

from worker.broker.stuck import watch_warm_shutdown


class Clock:
    """A clock that moves only when the watch sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_an_idle_pool_is_ended_after_the_grace_period() -> None:
    clock, killed = Clock(), []
    ended = watch_warm_shutdown(
        lambda: [11, 12], lambda: False, grace=10.0,
        kill=lambda pid, sig: killed.append((pid, sig)), clock=clock, sleep=clock.sleep,
    )  # fmt: skip
    assert ended == [11, 12]
    assert killed == [(11, signal.SIGKILL), (12, signal.SIGKILL)]
    assert 10.0 <= clock.now <= 11.0


def test_a_batch_in_hand_restarts_the_grace_period() -> None:
    clock, killed = Clock(), []
    # Busy for the first 30 s (a long batch), then idle.
    watch_warm_shutdown(
        lambda: [11], lambda: clock.now < 30.0, grace=10.0,
        kill=lambda pid, sig: killed.append(clock.now), clock=clock, sleep=clock.sleep,
    )  # fmt: skip
    assert killed and killed[0] >= 40.0


def test_a_process_that_exited_meanwhile_is_not_an_error() -> None:
    clock = Clock()

    def gone(pid: int, sig: int) -> None:
        raise ProcessLookupError(pid)

    ended = watch_warm_shutdown(
        lambda: [11], lambda: False, grace=1.0, kill=gone, clock=clock, sleep=clock.sleep
    )
    assert ended == [11]
