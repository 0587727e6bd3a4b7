"""Outreach letters in print batches: one ``letter_batch`` row per print run of a
programme's queued letters (the PDF and CSV manifest are files under the data folder)."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-06T06:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "letter_batch: print runs of outreach letters"


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


def _foreign(references: type[Table], **given: Any) -> dict[str, Any]:
    return _params(
        references=references,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        **given,
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="benefits", description=DESCRIPTION)
    manager.add_table(class_name="LetterBatch", tablename="letter_batch", schema=None, columns=None)

    def column(name: str, kind: type, params: dict[str, Any]) -> None:
        manager.add_column(
            table_class_name="LetterBatch",
            tablename="letter_batch",
            column_name=name,
            db_column_name=name,
            column_class_name=kind.__name__,
            column_class=kind,
            params=params,
            schema=None,
        )

    column("municipality", ForeignKey, _foreign(Municipality))
    column("slug", Varchar, _params(length=64, default=""))
    column("version", Integer, _params(default=0))
    column("reference", Varchar, _params(length=32, default="", unique=True))
    column("letters", Integer, _params(default=0))
    column("cancelled", Integer, _params(default=0))
    column("pdf_sha256", Varchar, _params(length=64, default=""))
    column("csv_sha256", Varchar, _params(length=64, default=""))
    column("codes_expire_at", Timestamptz, _params())
    column("created_by", ForeignKey, _foreign(Account, null=True))
    column("created_at", Timestamptz, _params())
    return manager
