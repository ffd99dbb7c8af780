"""One backoff rule for every retry loop: exponential, capped, with jitter.

Jitter keeps many workers (or many failing feeds) from retrying in lockstep after a shared
outage; the cap keeps a long outage from growing waits without bound.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff(
    attempt: int,
    *,
    base: float = 1.0,
    cap: float = 60.0,
    jitter: float = 0.5,
    rand: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 is the first retry).

    The ceiling is ``base * 2**attempt`` up to ``cap``; the wait is drawn between
    ``(1 - jitter) * ceiling`` and ``ceiling`` (``jitter=0``: no randomness).
    """
    ceiling = min(cap, base * 2.0 ** min(attempt, 62))
    return rand(ceiling * (1.0 - jitter), ceiling) if jitter else ceiling
