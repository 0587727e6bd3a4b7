"""program_delivery's indexes: one delivery per person, programme and channel; lookups by
match and by what waits (Piccolo runs a migration's raw DDL before it adds its tables, so
these follow the table's migration)."""

from todoke.db import index_migration

ID = "2026-12-06T05:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "program_delivery: once per person, programme and channel; lookups"

STATEMENTS = [
    "CREATE UNIQUE INDEX program_delivery_once ON program_delivery "
    "(municipality, slug, person, channel)",
    "CREATE INDEX program_delivery_match ON program_delivery (match)",
    "CREATE INDEX program_delivery_queued ON program_delivery (municipality, slug, state)",
]

forwards = index_migration(ID, "benefits", DESCRIPTION, STATEMENTS)
