"""Time saved (issue 17): each application records when its filing started (the draft's
creation online, staff starting it at the counter) and the raw span to its confirmation."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-09T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "application: started_at and filing_seconds"


def _params(**given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "null": True,
        "default": None,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    return {**base, **given}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="procedures", description=DESCRIPTION)
    for name, kind in (("started_at", Timestamptz), ("filing_seconds", Integer)):
        manager.add_column(
            table_class_name="Application",
            tablename="application",
            column_name=name,
            db_column_name=name,
            column_class_name=kind.__name__,
            column_class=kind,
            params=_params(),
            schema=None,
        )
    return manager
