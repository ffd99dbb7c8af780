"""Run the API under uvicorn: refuse a wide bind without a token, mask the token in access
logs, and end the event streams when the server is asked to stop."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import uvicorn

from worker.api.app import create_app
from worker.api.events import Streams
from worker.api.guard import RedactToken, check_bind
from worker.core.settings import Settings
from worker.ingest.runtime import Runtime

GRACE = 5  # seconds uvicorn waits for open requests after SIGTERM before cancelling them


class _Server(uvicorn.Server):
    """uvicorn waits for open connections before it stops, and an event stream never ends
    by itself: the signal that stops the server also ends every stream at its next step."""

    def __init__(self, config: uvicorn.Config, stopping: threading.Event) -> None:
        super().__init__(config)
        self.stopping = stopping

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopping.set()
        super().handle_exit(sig, frame)
        # uvicorn raises the signal again once it has stopped; SIGTERM is the normal way to
        # stop a service (compose, systemd): after a clean stop, exit 0, not killed by it.
        captured = getattr(self, "_captured_signals", [])
        while signal.SIGTERM in captured:
            captured.remove(signal.SIGTERM)


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM; a ``ConfigError`` before anything is bound when
    ``host`` is not loopback and INGEST_API_TOKEN is unset (or too short)."""
    token = check_bind(settings, host)
    streams = Streams(poll_interval=settings.api_poll_interval, heartbeat=settings.api_heartbeat)
    with Runtime(settings) as runtime:
        app = create_app(runtime.store, token, streams)  # the store is opened (and migrated)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="off",
            server_header=False,
            proxy_headers=False,
            timeout_graceful_shutdown=GRACE,
            log_level="info",
        )
        logging.getLogger("uvicorn.access").addFilter(RedactToken())
        _Server(config, streams.stopping).run()
