"""Tenant-scoped uniqueness for procedures and their versions."""

from todoke.db import index_migration

ID = "2026-11-22T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique procedure slugs per municipality; one row per version"

STATEMENTS = [
    "CREATE UNIQUE INDEX procedure_municipality_slug ON procedure (municipality, slug)",
    "CREATE UNIQUE INDEX procedure_version_procedure_version "
    "ON procedure_version (procedure, version)",
]

forwards = index_migration(ID, "procedures", DESCRIPTION, STATEMENTS)
