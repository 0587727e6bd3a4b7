"""Life events as data (issue 17): life_event and its versions, and the resident's started
life_event_case with the items its answers led to."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    BigInt,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-09T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "life_event, life_event_version and life_event_case"


class Municipality(Table, tablename="municipality", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Person(Table, tablename="person", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class Account(Table, tablename="account", schema=None):
    id = Serial(null=False, primary_key=True, db_column_name="id")


class LifeEvent(Table, tablename="life_event", schema=None):
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
        default=None,
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="procedures", description=DESCRIPTION)

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

    manager.add_table(class_name="LifeEvent", tablename="life_event", schema=None, columns=None)
    event = ("LifeEvent", "life_event")
    column(*event, "municipality", ForeignKey, _foreign(Municipality))
    column(*event, "slug", Varchar, _params(length=64, default=""))
    column(*event, "published_version", Integer, _params(default=None, null=True))
    column(*event, "sort_order", Integer, _params(default=0))
    column(*event, "created_at", Timestamptz, _params(default=TimestamptzNow()))

    manager.add_table(
        class_name="LifeEventVersion", tablename="life_event_version", schema=None, columns=None
    )
    version = ("LifeEventVersion", "life_event_version")
    column(*version, "municipality", ForeignKey, _foreign(Municipality))
    column(*version, "life_event", ForeignKey, _foreign(LifeEvent))
    column(*version, "version", Integer, _params(default=0))
    column(*version, "definition", JSON, _params(default="{}"))
    column(*version, "published_at", Timestamptz, _params(default=None, null=True))

    manager.add_table(
        class_name="LifeEventCase", tablename="life_event_case", schema=None, columns=None
    )
    case = ("LifeEventCase", "life_event_case")
    column(*case, "municipality", ForeignKey, _foreign(Municipality))
    column(*case, "account", ForeignKey, _foreign(Account))
    column(*case, "person", ForeignKey, _foreign(Person, null=True))
    column(*case, "life_event", ForeignKey, _foreign(LifeEvent))
    column(*case, "version", Integer, _params(default=0))
    column(*case, "event_date", Date, _params(default=DateNow()))
    column(*case, "answers", JSON, _params(default="{}"))
    column(*case, "items", JSON, _params(default="[]"))
    column(*case, "visit_application", BigInt, _params(default=None, null=True))
    column(*case, "idempotency_key", Varchar, _params(length=100, default=""))
    column(*case, "created_at", Timestamptz, _params(default=TimestamptzNow()))
    column(*case, "updated_at", Timestamptz, _params(default=TimestamptzNow()))
    return manager
