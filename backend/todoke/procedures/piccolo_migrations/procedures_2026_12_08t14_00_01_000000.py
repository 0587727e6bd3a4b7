"""One row per template version (Piccolo runs a migration's raw DDL before its columns:
the index follows the table's migration)."""

from todoke.db import index_migration

ID = "2026-12-08T14:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "procedure_template_version: one per template and version"

STATEMENTS = [
    "CREATE UNIQUE INDEX procedure_template_version_once "
    "ON procedure_template_version (template, version)"
]

forwards = index_migration(ID, "procedures", DESCRIPTION, STATEMENTS)
