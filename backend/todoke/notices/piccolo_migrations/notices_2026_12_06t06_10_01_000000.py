"""The index email workers claim due emails by (as ``delivery_due`` for pushes)."""

from todoke.db import index_migration

ID = "2026-12-06T06:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "claim due emails in index order"

STATEMENTS = [
    "CREATE INDEX email_delivery_due ON email_delivery (status, next_attempt_at, id)",
]

forwards = index_migration(ID, "notices", DESCRIPTION, STATEMENTS)
