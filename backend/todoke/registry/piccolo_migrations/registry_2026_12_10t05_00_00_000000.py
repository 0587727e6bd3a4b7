"""DV・ストーカー等支援措置 (issue 17): a protected person and the persons named against."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
)
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-10T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "protection: 支援措置, whose address is withheld and from whom"


class Municipality(Table, tablename="municipality", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Person(Table, tablename="person", schema=None):
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


def _foreign(references: type[Table]) -> dict[str, Any]:
    return _params(
        references=references,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)

    def column(name: str, kind: type, params: dict[str, Any]) -> None:
        manager.add_column(
            table_class_name="Protection",
            tablename="protection",
            column_name=name,
            db_column_name=name,
            column_class_name=kind.__name__,
            column_class=kind,
            params=params,
            schema=None,
        )

    manager.add_table(class_name="Protection", tablename="protection", schema=None, columns=None)
    column("municipality", ForeignKey, _foreign(Municipality))
    column("person", ForeignKey, _foreign(Person))
    column("named_persons", JSON, _params(default="[]"))
    column("named_outside", JSON, _params(default="[]"))
    column("valid_from", Date, _params())
    column("valid_until", Date, _params(null=True, default=None))
    column("created_by", Integer, _params(null=True, default=None))
    column("created_at", Timestamptz, _params())
    column("lifted_by", Integer, _params(null=True, default=None))
    column("lifted_at", Timestamptz, _params(null=True, default=None))
    return manager
