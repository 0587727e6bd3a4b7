"""One municipality per origin (Piccolo runs a migration's raw DDL before its columns, and
SQLite cannot add a UNIQUE column: the index follows the column's migration)."""

from todoke.db import index_migration

ID = "2026-12-07T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "municipality: one per origin"

STATEMENTS = ["CREATE UNIQUE INDEX municipality_origin ON municipality (origin)"]

forwards = index_migration(ID, "registry", DESCRIPTION, STATEMENTS)
