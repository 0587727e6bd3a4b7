"""Moving between municipalities once (issue 16): move_out at the municipality left,
move_in at the one moved to (written only with the resident's consent)."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    BigInt,
    Date,
    ForeignKey,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-08T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "move_out and move_in: moving between municipalities on the platform"


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

    manager.add_table(class_name="MoveOut", tablename="move_out", schema=None, columns=None)
    out = ("MoveOut", "move_out")
    column(*out, "municipality", ForeignKey, _foreign(Municipality))
    column(*out, "account", ForeignKey, _foreign(Account))
    column(*out, "person", ForeignKey, _foreign(Person))
    column(*out, "destination", ForeignKey, _foreign(Municipality, null=True))
    column(*out, "destination_name", Varchar, _params(length=100, default=""))
    column(*out, "move_date", Date, _params(default=DateNow()))
    column(*out, "new_postal_code", Varchar, _params(length=8, default=""))
    column(*out, "new_address", Varchar, _params(length=200, default=""))
    column(*out, "movers", JSON, _params(default="[]"))
    column(*out, "dog", Varchar, _params(length=8, default=""))
    column(*out, "method", Varchar, _params(length=16, default=""))
    column(*out, "application", BigInt, _params(default=None, null=True))
    column(*out, "consented_at", Timestamptz, _params(default=None, null=True))
    column(*out, "sent_to", BigInt, _params(default=None, null=True))
    column(*out, "withdrawn_at", Timestamptz, _params(default=None, null=True))
    column(*out, "created_at", Timestamptz, _params(default=TimestamptzNow()))

    manager.add_table(class_name="MoveIn", tablename="move_in", schema=None, columns=None)
    inn = ("MoveIn", "move_in")
    column(*inn, "municipality", ForeignKey, _foreign(Municipality))
    column(*inn, "origin", ForeignKey, _foreign(Municipality))
    column(*inn, "origin_move", BigInt, _params(default=0))
    column(*inn, "code_hash", Varchar, _params(length=64, default=""))
    column(*inn, "code_expires_at", Timestamptz, _params(default=TimestamptzNow()))
    column(*inn, "data", JSON, _params(default="{}"))
    column(*inn, "consented_at", Timestamptz, _params(default=TimestamptzNow()))
    column(*inn, "received_at", Timestamptz, _params(default=TimestamptzNow()))
    column(*inn, "account", ForeignKey, _foreign(Account, null=True))
    column(*inn, "bound_at", Timestamptz, _params(default=None, null=True))
    column(*inn, "withdrawn_at", Timestamptz, _params(default=None, null=True))
    return manager
