"""A programme's print batches, listed newest first."""

from todoke.db import index_migration

ID = "2026-12-06T06:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "letter_batch: lookups by programme"

STATEMENTS = [
    "CREATE INDEX letter_batch_programme ON letter_batch (municipality, slug)",
]

forwards = index_migration(ID, "benefits", DESCRIPTION, STATEMENTS)
