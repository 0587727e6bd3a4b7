"""Why a matched person was not told: an application for the programme's procedure that is
pending or approved (``suppressed``; null when nothing held them back)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T03:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "program_match.suppressed: why a match was not told"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="benefits", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ProgramMatch",
        tablename="program_match",
        column_name="suppressed",
        db_column_name="suppressed",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
