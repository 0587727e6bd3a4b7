"""Claim order in the index: many deliveries share one next_attempt_at (a programme's notices
are written in one transaction), and without ``id`` in the index PostgreSQL sorted every due
row on each claim (13 ms a claim at 100,000 queued, growing with the queue)."""

from todoke.db import index_migration

ID = "2026-12-05T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "claim due deliveries in index order"

STATEMENTS = [
    "CREATE INDEX delivery_due ON delivery (status, next_attempt_at, id)",
    "DROP INDEX delivery_status_next_attempt",
]

forwards = index_migration(ID, "notices", DESCRIPTION, STATEMENTS)
