"""The publisher's ``send(task_name, bodies)`` over a Celery app."""

from __future__ import annotations

from typing import Any

from celery import Celery

from worker.ingest.publish import Send


def send_with(app: Celery) -> Send:
    """One message per call, over the app's pooled producer connections."""

    def send(name: str, bodies: list[Any]) -> None:
        # argsrepr: Celery would otherwise build a safe repr of the whole batch per message.
        with app.producer_pool.acquire(block=True) as producer:
            app.send_task(
                name,
                args=[bodies],
                producer=producer,
                argsrepr=f"[{len(bodies)} items]",
                kwargsrepr="{}",
            )

    return send
