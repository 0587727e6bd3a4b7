"""A person's activation and recovery codes by person: the resident's home screen asks on
every visit whether a recovery letter is pending, which without this scanned every code
the municipality ever issued (one or more per resident)."""

from todoke.db import index_migration

ID = "2026-12-06T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "activation_code: lookups by person and purpose"

STATEMENTS = [
    "CREATE INDEX activation_code_person ON activation_code (person, purpose)",
]

forwards = index_migration(ID, "identity", DESCRIPTION, STATEMENTS)
