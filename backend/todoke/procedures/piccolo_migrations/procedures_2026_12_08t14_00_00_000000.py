"""Platform templates (issue 16): procedure_template and its immutable versions, and on
each procedure the template it was adopted from, the version and the local changes."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-08T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "procedure templates: shared definitions, versions, adoption and local changes"


class ProcedureTemplate(Table, tablename="procedure_template", schema=None):
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
        class_name="ProcedureTemplate", tablename="procedure_template", schema=None, columns=None
    )
    column("ProcedureTemplate", "procedure_template", "slug", Varchar,
           _params(length=64, default="", unique=True))  # fmt: skip
    column("ProcedureTemplate", "procedure_template", "current_version", Integer,
           _params(default=0))  # fmt: skip
    column("ProcedureTemplate", "procedure_template", "created_at", Timestamptz,
           _params(default=TimestamptzNow()))  # fmt: skip

    manager.add_table(
        class_name="ProcedureTemplateVersion",
        tablename="procedure_template_version",
        schema=None,
        columns=None,
    )
    version = ("ProcedureTemplateVersion", "procedure_template_version")
    column(*version, "template", ForeignKey, _params(
        references=ProcedureTemplate, on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade, target_column=None))  # fmt: skip
    column(*version, "version", Integer, _params(default=0))
    column(*version, "definition", JSON, _params(default="{}"))
    column(*version, "local", JSON, _params(default="[]"))
    column(*version, "note", JSON, _params(default="{}"))
    column(*version, "published_at", Timestamptz, _params(default=TimestamptzNow()))

    procedure = ("Procedure", "procedure")
    column(*procedure, "template_slug", Varchar, _params(length=64, default=""))
    column(*procedure, "template_version", Integer, _params(default=None, null=True))
    column(*procedure, "local_changes", JSON, _params(default="{}"))
    column(*procedure, "offer_seen", Integer, _params(default=None, null=True))
    column(*procedure, "offer_declined", Integer, _params(default=None, null=True))
    return manager
