# syntax=docker/dockerfile:1
# The one image of the ingestion worker: `ingest worker`, the fetcher, Flower and the
# producer all run from it (see docker-compose.yml). Layers go from the least to the most
# often changed, so editing code rebuilds only the last one.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# Fixed uid/gid so bind-mounted files (e.g. ./data) can be given to it on the host.
RUN groupadd --system --gid 10001 ingest \
 && useradd --system --uid 10001 --gid ingest --create-home --home-dir /home/ingest ingest

WORKDIR /src

# 1. The spaCy model: pinned by sha256 and changed least often. --no-deps because spaCy
#    itself comes from pyproject.toml below (--require-hashes would otherwise demand
#    hashes for all of spaCy's dependencies too).
COPY requirements/models.txt requirements/models.txt
RUN pip install --no-deps --require-hashes -r requirements/models.txt

# 2. Third-party dependencies, rebuilt only when pyproject.toml (or README.md, which it
#    names) changes: a stub `worker` package lets pip resolve and install them without the
#    source, then the stub is uninstalled.
COPY pyproject.toml README.md ./
RUN mkdir worker && touch worker/__init__.py \
 && pip install . \
 && pip uninstall --yes ingest-worker \
 && rm -rf worker build ./*.egg-info

# 3. The code: a plain (non-editable) install, dependencies already in place.
COPY worker/ worker/
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# Runtime: unprivileged, in a directory of its own where the embedded SQLite store
# (the default INGEST_STORE_URL, sqlite:///data/ingest.db, for `ingest run`) can be written.
WORKDIR /app
RUN mkdir -p /app/data && chown -R ingest:ingest /app
USER ingest

ENTRYPOINT ["ingest"]
CMD ["worker"]
