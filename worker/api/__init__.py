"""``ingest serve``: a read-only HTTP API over the store, and the page at ``/``.

FastAPI on uvicorn. ``app`` builds the routes over a ``Store`` (the same functions as
``ingest show``, ``search``, ``export --after`` and ``stats``: no SQL here), ``events`` the
Server-Sent Events stream, ``guard`` the token, the request size cap and the response
headers, ``server`` runs it all and stops cleanly.
"""
