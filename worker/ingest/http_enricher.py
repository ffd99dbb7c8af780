"""An optional enricher that POSTs each article to an external HTTP service.

The answer is stored under the enricher's own ``key``. A failure never fails the article:
the item gets ``{"status": "failed", "reason": ...}`` instead. Bounded retries with
exponential backoff absorb a blip; a circuit breaker stops calling a service that keeps
failing, so one dead dependency costs a batch nothing after the first few items.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from worker.core.retry import backoff

Clock = Callable[[], float]


class CircuitBreaker:
    """Open after ``threshold`` consecutive failures; after ``cooldown`` seconds let one
    trial call through (half-open), which closes it on success or re-opens it on failure."""

    def __init__(self, threshold: int, cooldown: float, clock: Clock) -> None:
        self.threshold, self.cooldown, self.clock = threshold, cooldown, clock
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.clock() - self.opened_at < self.cooldown

    def allow(self) -> bool:
        return not self.is_open

    def record_success(self) -> None:
        self.failures, self.opened_at = 0, None

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = self.clock()


class _CallFailed(Exception):
    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason, self.retryable = reason, retryable
        self.attempts = 1


class HttpEnricher:
    """``HttpEnricher(url).enrich(articles)`` -> one result dict per article, in order."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.25,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 30.0,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
        key: str = "http",
    ) -> None:
        self.url, self.key, self.retries, self.backoff = url, key, retries, backoff
        self.timeout = httpx.Timeout(timeout)
        self.breaker = CircuitBreaker(breaker_threshold, breaker_cooldown, clock)
        self._sleep = sleep
        self._client = client  # built on first use, so a forked worker builds its own

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> HttpEnricher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def enrich(self, articles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [self._enrich_one(article) for article in articles]

    def _enrich_one(self, article: Mapping[str, Any]) -> dict[str, Any]:
        if not self.breaker.allow():
            return _failed("circuit_open", attempts=0)
        try:
            answer, attempts = self._call_with_retries(article)
        except _CallFailed as failure:
            self.breaker.record_failure()
            return _failed(failure.reason, attempts=failure.attempts)
        self.breaker.record_success()
        return {"status": "ok", "attempts": attempts, "data": answer}

    def _call_with_retries(self, article: Mapping[str, Any]) -> tuple[Any, int]:
        payload = json.dumps(article, default=str).encode()  # datetimes as ISO strings
        for attempt in range(self.retries + 1):
            try:
                return self._call(payload), attempt + 1
            except _CallFailed as failure:
                failure.attempts = attempt + 1
                if not failure.retryable or attempt == self.retries:
                    raise
                self._sleep(backoff(attempt, base=self.backoff, cap=30.0, jitter=0))
        raise AssertionError("unreachable: the loop returns or raises")

    def _call(self, payload: bytes) -> Any:
        try:
            response = self.client.post(
                self.url,
                content=payload,
                headers={"content-type": "application/json"},
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise _CallFailed("timeout", retryable=True) from exc
        except httpx.TransportError as exc:
            raise _CallFailed("connection_error", retryable=True) from exc
        return _decode(response)


def _decode(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        # 5xx and 429 may pass; another 4xx is our request and would fail again.
        retryable = response.status_code >= 500 or response.status_code == 429
        raise _CallFailed(f"http_{response.status_code}", retryable=retryable)
    try:
        return response.json()
    except ValueError as exc:  # a garbled answer will not improve on a retry
        raise _CallFailed("invalid_json", retryable=False) from exc


def _failed(reason: str, attempts: int) -> dict[str, Any]:
    return {"status": "failed", "reason": reason, "attempts": attempts}
