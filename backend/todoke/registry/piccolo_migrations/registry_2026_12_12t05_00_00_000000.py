"""person: a household's members found by (household, municipality).

Matching's household subqueries look members up by household in the municipality being
matched. With an index on household alone, SQLite (which plans without statistics) took the
(municipality, id) index instead, an equality on one column too, and walked the whole
municipality for every person: 0.5-1 s a programme at 1,000 persons, minutes at 20,000. With
both columns in one index it finds the few members directly; lookups by household alone use
it as before, and on PostgreSQL it is made on every partition."""

from todoke.db import index_migration

ID = "2026-12-12T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "person: household members by (household, municipality)"

STATEMENTS = [
    "DROP INDEX person_household",
    "CREATE INDEX person_household ON person (household, municipality)",
]

forwards = index_migration(ID, "registry", DESCRIPTION, STATEMENTS)
