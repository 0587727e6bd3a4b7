"""need_to_know holds each grant once (so seeding the defaults twice, or from two processes
at once, adds nothing); reason openings are listed per municipality, unreviewed first.
(Piccolo runs a migration's raw DDL before it adds its tables, so these follow.)"""

from todoke.db import index_migration

ID = "2026-12-06T08:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "need_to_know: one row per grant; reason_opening lookups"

STATEMENTS = [
    "CREATE UNIQUE INDEX need_to_know_once ON need_to_know "
    "(municipality, role, department, item)",
    "CREATE INDEX reason_opening_review ON reason_opening (municipality, reviewed_at, id)",
]

forwards = index_migration(ID, "staff", DESCRIPTION, STATEMENTS)
