"""Queued letters get a partial index of their own. The index on (municipality, slug, state)
served every lookup of a programme's deliveries: PostgreSQL, with no statistics yet for a
table an activation is filling, chose it for "this slice of persons' deliveries" and read
every delivery of the programme for each slice (quadratic: minutes at 1,000,000 persons).
Those lookups now have only the unique index on (municipality, slug, person, channel)."""

from todoke.db import index_migration

ID = "2026-12-06T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "program_delivery: a partial index for queued letters instead of one by state"

STATEMENTS = [
    "DROP INDEX program_delivery_queued",
    "CREATE INDEX program_delivery_queued_letters ON program_delivery (municipality, slug, id) "
    "WHERE state = 'queued'",
]

forwards = index_migration(ID, "benefits", DESCRIPTION, STATEMENTS)
