"""A transfer code is unique within the municipality that holds it, and an account there is
bound to at most one incoming move (issue 16: unique keys include the municipality)."""

from todoke.db import index_migration

ID = "2026-12-08T12:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "move_in: unique code and account per municipality; move_out by account"

STATEMENTS = [
    "CREATE UNIQUE INDEX move_in_code ON move_in (municipality, code_hash)",
    "CREATE UNIQUE INDEX move_in_account ON move_in (municipality, account)",
    "CREATE INDEX move_out_account ON move_out (municipality, account)",
]

forwards = index_migration(ID, "procedures", DESCRIPTION, STATEMENTS)
