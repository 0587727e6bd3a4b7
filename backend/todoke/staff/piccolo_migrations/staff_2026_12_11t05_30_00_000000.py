"""おくやみ (issue 17): a death recorded once (bereavement_case) and its tasks across the
departments (bereavement_task)."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-11T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "bereavement_case and bereavement_task: おくやみ"


class Municipality(Table, tablename="municipality", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Person(Table, tablename="person", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Department(Table, tablename="department", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Account(Table, tablename="account", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class BereavementCase(Table, tablename="bereavement_case", schema=None):
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


def _foreign(references: type[Table], *, null: bool = False, index: bool = False) -> dict[str, Any]:
    return _params(
        references=references,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=null,
        index=index,
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="staff", description=DESCRIPTION)

    def column(table: str, tablename: str, name: str, kind: type, params: dict[str, Any]) -> None:
        manager.add_column(
            table_class_name=table,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=kind.__name__,
            column_class=kind,
            params=params,
            schema=None,
        )

    manager.add_table(
        class_name="BereavementCase", tablename="bereavement_case", schema=None, columns=None
    )
    case = ("BereavementCase", "bereavement_case")
    column(*case, "municipality", ForeignKey, _foreign(Municipality))
    column(*case, "person", ForeignKey, _foreign(Person, index=True))
    column(*case, "died_on", Date, _params())
    column(*case, "reported_by", Varchar, _params(length=100, default=""))
    column(*case, "reporter_relation", Varchar, _params(length=32, default=""))
    column(*case, "death_notice_number", Varchar, _params(length=32, default=""))
    column(*case, "surviving_parent", ForeignKey, _foreign(Person, null=True))
    column(*case, "created_by", ForeignKey, _foreign(Account))
    column(*case, "created_at", Timestamptz, _params())

    manager.add_table(
        class_name="BereavementTask", tablename="bereavement_task", schema=None, columns=None
    )
    task = ("BereavementTask", "bereavement_task")
    column(*task, "municipality", ForeignKey, _foreign(Municipality))
    column(*task, "bereavement", ForeignKey, _foreign(BereavementCase, index=True))
    column(*task, "item", Varchar, _params(length=32, default=""))
    column(*task, "department", ForeignKey, _foreign(Department))
    column(*task, "kind", Varchar, _params(length=24, default=""))
    column(*task, "procedure", Varchar, _params(length=64, default=""))
    column(*task, "organisation", Varchar, _params(length=32, default=""))
    column(*task, "subject", ForeignKey, _foreign(Person, null=True))
    column(*task, "state", Varchar, _params(length=16, default="todo"))
    column(*task, "note", Text, _params(default=""))
    column(*task, "sort_order", Integer, _params(default=0))
    column(*task, "updated_by", ForeignKey, _foreign(Account, null=True))
    column(*task, "updated_at", Timestamptz, _params(default=None, null=True))
    return manager
