"""One program per slug and version; never two matches for one person and program version."""

from todoke.db import index_migration

ID = "2026-11-22T08:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique program versions and matches; lookups by person"

STATEMENTS = [
    "CREATE UNIQUE INDEX program_municipality_slug_version ON program (municipality, slug, version)",
    "CREATE UNIQUE INDEX program_match_once ON program_match (program, version, person)",
    "CREATE INDEX program_match_person ON program_match (person)",
]

forwards = index_migration(ID, "benefits", DESCRIPTION, STATEMENTS)
