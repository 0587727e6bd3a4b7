"""Tenant-scoped uniqueness and the indexes the importer and matching read by."""

from todoke.db import index_migration

ID = "2026-11-22T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique registry ids per municipality; lookup indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX department_municipality_code ON department (municipality, code)",
    "CREATE UNIQUE INDEX household_municipality_registry_id ON household (municipality, registry_id)",
    "CREATE UNIQUE INDEX person_municipality_registry_id ON person (municipality, registry_id)",
    "CREATE INDEX person_household ON person (household)",
    "CREATE INDEX registry_change_municipality_id ON registry_change (municipality, id)",
]

forwards = index_migration(ID, "registry", DESCRIPTION, STATEMENTS)
