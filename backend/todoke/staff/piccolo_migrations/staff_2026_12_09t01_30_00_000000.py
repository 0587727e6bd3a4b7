"""Time saved (issue 17): the municipality's paper baseline, minutes per procedure."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-09T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "paper_baseline: minutes per procedure on paper"


class Municipality(Table, tablename="municipality", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


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


def _foreign(references: type[Table], *, null: bool = False) -> dict[str, Any]:
    return _params(
        references=references,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=null,
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="staff", description=DESCRIPTION)

    def column(name: str, kind: type, params: dict[str, Any]) -> None:
        manager.add_column(
            table_class_name="PaperBaseline",
            tablename="paper_baseline",
            column_name=name,
            db_column_name=name,
            column_class_name=kind.__name__,
            column_class=kind,
            params=params,
            schema=None,
        )

    manager.add_table(
        class_name="PaperBaseline", tablename="paper_baseline", schema=None, columns=None
    )
    column("municipality", ForeignKey, _foreign(Municipality))
    column("procedure", Varchar, _params(length=64, default=""))
    column("minutes", Integer, _params(default=0))
    column("updated_by", ForeignKey, _foreign(Account, null=True))
    column("updated_at", Timestamptz, _params())
    return manager
