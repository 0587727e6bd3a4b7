"""One paper baseline per procedure and municipality (Piccolo runs a migration's raw DDL
before it adds its tables, so the index follows)."""

from todoke.db import index_migration

ID = "2026-12-09T01:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "paper_baseline: one row per municipality and procedure"

STATEMENTS = [
    "CREATE UNIQUE INDEX paper_baseline_once ON paper_baseline (municipality, procedure)",
]

forwards = index_migration(ID, "staff", DESCRIPTION, STATEMENTS)
