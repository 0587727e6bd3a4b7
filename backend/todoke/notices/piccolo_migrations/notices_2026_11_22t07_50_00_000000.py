"""The index workers claim due deliveries by."""

from todoke.db import index_migration

ID = "2026-11-22T07:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "claim due deliveries by status and time"

STATEMENTS = [
    "CREATE INDEX delivery_status_next_attempt ON delivery (status, next_attempt_at)",
]

forwards = index_migration(ID, "notices", DESCRIPTION, STATEMENTS)
