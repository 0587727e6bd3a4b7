"""Telling by every channel: whom a programme tells, its channels, fallback and letter basis;
why each match was not told (``suppressed`` becomes ``not_told``, with more reasons); when a
match stopped qualifying; one delivery row per person, programme and channel; the day the
calendar pass last ran."""

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
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from todoke.db import current_engine

ID = "2026-12-06T05:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "program channels, tells, fallback; match not_told/stopped_on; program_delivery"


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
    manager = MigrationManager(migration_id=ID, app_name="benefits", description=DESCRIPTION)

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

    column("Program", "program", "tells", Varchar, _params(length=8, default="person"))
    column("Program", "program", "channels", JSON, _params(default='["app", "email", "letter"]'))
    column("Program", "program", "fallback_days", Integer, _params(default=None, null=True))
    column("Program", "program", "letter_basis", Text, _params(default=""))
    column("ProgramMatch", "program_match", "stopped_on", Date, _params(default=None, null=True))
    column("MatchingCursor", "matching_cursor", "calendar_on", Date,
           _params(default=None, null=True))  # fmt: skip

    manager.add_table(
        class_name="ProgramDelivery", tablename="program_delivery", schema=None, columns=None
    )
    delivery = ("ProgramDelivery", "program_delivery")
    column(*delivery, "municipality", ForeignKey, _foreign(Municipality))
    column(*delivery, "slug", Varchar, _params(length=64, default=""))
    column(*delivery, "person", ForeignKey, _foreign(Person))
    column(*delivery, "match", BigInt, _params(default=0))
    column(*delivery, "channel", Varchar, _params(length=8, default=""))
    column(*delivery, "state", Varchar, _params(length=12, default="sent"))
    column(*delivery, "notice", BigInt, _params(default=None, null=True))
    column(*delivery, "batch", BigInt, _params(default=None, null=True))
    column(*delivery, "created_at", Timestamptz, _params())
    column(*delivery, "sent_at", Timestamptz, _params(default=None, null=True))

    # Piccolo runs raw statements before it adds tables: program_delivery's indexes come in
    # the next migration (05_50_01).
    async def rename() -> None:
        await current_engine().run_ddl(
            "ALTER TABLE program_match RENAME COLUMN suppressed TO not_told"
        )

    manager.add_raw(rename)
    return manager
