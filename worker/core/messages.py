"""What travels on the broker: task names, queue names, the message format version.

Names are explicit and stable (never derived from module paths), so a worker from one
release serves messages published by the next during a rolling upgrade.
"""

from __future__ import annotations

PROCESS_TASK = "ingest.process_batch"
FETCH_TASK = "ingest.fetch_batch"
# Feed polling: beat sends POLL_FEEDS_TASK every INGEST_POLL_TICK seconds; it sends one
# POLL_FEED_TASK per due feed, so a slow or failing feed holds one fetch thread, not the rest.
POLL_FEEDS_TASK = "ingest.poll_feeds"
POLL_FEED_TASK = "ingest.poll_feed"
# `ingest reenrich --workers`: enrichment again over stored articles, given by id.
REENRICH_TASK = "ingest.reenrich_batch"

INGEST_QUEUE = "ingest"
FETCH_QUEUE = "fetch"
QUEUES = (INGEST_QUEUE, FETCH_QUEUE)
