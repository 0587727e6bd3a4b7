"""upload_usage: the files and bytes each account stored on each day (Japan time), the
per-account upload quota's count."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigInt, Date, ForeignKey, Integer, Serial
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-07T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "upload_usage: per-account daily upload counts"


class Account(Table, tablename="account", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


def _params(**given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "null": False,
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
    manager.add_table(class_name="UploadUsage", tablename="upload_usage", schema=None, columns=None)

    def column(name: str, kind: type, params: dict[str, Any]) -> None:
        manager.add_column(
            table_class_name="UploadUsage",
            tablename="upload_usage",
            column_name=name,
            db_column_name=name,
            column_class_name=kind.__name__,
            column_class=kind,
            params=params,
            schema=None,
        )

    column(
        "account",
        ForeignKey,
        _params(
            references=Account,
            on_delete=OnDelete.cascade,
            on_update=OnUpdate.cascade,
            target_column=None,
        ),
    )
    column("day", Date, _params(default=DateNow()))
    column("files", Integer, _params(default=0))
    column("bytes", BigInt, _params(default=0))
    return manager
