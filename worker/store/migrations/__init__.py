"""Alembic migrations of the results store; applied by ``worker.store.migrate``."""
