"""Enrichers that call out of the process (kept out of the pure pipeline)."""
