"""The Celery app users run: ``celery -A worker.app worker|beat|flower``.

Reading the settings and building the app happen here, at import, on purpose: this module is
an entry point. Library code builds its own app with ``worker.broker.app.make_app``.
"""

from __future__ import annotations

from worker.broker.app import make_app
from worker.core.settings import get_settings

app = make_app(get_settings())
