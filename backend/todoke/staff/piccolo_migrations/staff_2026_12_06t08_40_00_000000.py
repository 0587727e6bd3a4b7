"""Need-to-know: what each staff role and department may see of a resident's record
(need_to_know), and the records opened on a stated reason alone (reason_opening)."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-06T08:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "need_to_know grants per role and department; reason_opening for review"


class Municipality(Table, tablename="municipality", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Person(Table, tablename="person", schema=None):
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

    manager.add_table(class_name="NeedToKnow", tablename="need_to_know", schema=None, columns=None)
    grants = ("NeedToKnow", "need_to_know")
    column(*grants, "municipality", ForeignKey, _foreign(Municipality))
    column(*grants, "role", Varchar, _params(length=16, default=""))
    column(*grants, "department", Varchar, _params(length=32, default=""))
    column(*grants, "item", Varchar, _params(length=32, default=""))

    manager.add_table(
        class_name="ReasonOpening", tablename="reason_opening", schema=None, columns=None
    )
    opening = ("ReasonOpening", "reason_opening")
    column(*opening, "municipality", ForeignKey, _foreign(Municipality))
    column(*opening, "staff", ForeignKey, _foreign(Account))
    column(*opening, "person", ForeignKey, _foreign(Person))
    column(*opening, "category", Varchar, _params(length=32, default=""))
    column(*opening, "reason", Text, _params(default=""))
    column(*opening, "departments", JSON, _params(default="[]"))
    column(*opening, "opened_at", Timestamptz, _params())
    column(*opening, "reviewed_by", ForeignKey, _foreign(Account, null=True))
    column(*opening, "reviewed_at", Timestamptz, _params(default=None, null=True))
    return manager
