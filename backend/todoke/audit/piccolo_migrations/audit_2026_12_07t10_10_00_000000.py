"""audit_event: one chain per municipality, found by (municipality, id): the last event of
a chain when appending, and a chain in order when verifying."""

from todoke.db import index_migration

ID = "2026-12-07T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_event: a chain per municipality"

STATEMENTS = ["CREATE INDEX audit_event_chain ON audit_event (municipality, id)"]

forwards = index_migration(ID, "audit", DESCRIPTION, STATEMENTS)
