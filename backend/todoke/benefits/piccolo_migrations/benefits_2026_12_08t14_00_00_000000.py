"""Platform templates (issue 16): program_template and its immutable versions, and on
each programme the template it was adopted from, the version and the local changes."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-08T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "programme templates: shared definitions and national rules, adoption, local changes"


class ProgramTemplate(Table, tablename="program_template", schema=None):
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

    manager.add_table(
        class_name="ProgramTemplate", tablename="program_template", schema=None, columns=None
    )
    column("ProgramTemplate", "program_template", "slug", Varchar,
           _params(length=64, default="", unique=True))  # fmt: skip
    column("ProgramTemplate", "program_template", "national", Boolean, _params(default=False))
    column("ProgramTemplate", "program_template", "current_version", Integer,
           _params(default=0))  # fmt: skip
    column("ProgramTemplate", "program_template", "created_at", Timestamptz,
           _params(default=TimestamptzNow()))  # fmt: skip

    manager.add_table(
        class_name="ProgramTemplateVersion",
        tablename="program_template_version",
        schema=None,
        columns=None,
    )
    version = ("ProgramTemplateVersion", "program_template_version")
    column(*version, "template", ForeignKey, _params(
        references=ProgramTemplate, on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade, target_column=None))  # fmt: skip
    column(*version, "version", Integer, _params(default=0))
    column(*version, "definition", JSON, _params(default="{}"))
    column(*version, "rule", JSON, _params(default="{}"))
    column(*version, "local", JSON, _params(default="[]"))
    column(*version, "published_at", Timestamptz, _params(default=TimestamptzNow()))

    program = ("Program", "program")
    column(*program, "template_slug", Varchar, _params(length=64, default=""))
    column(*program, "template_version", Integer, _params(default=None, null=True))
    column(*program, "local_changes", JSON, _params(default="{}"))
    column(*program, "offer_seen", Integer, _params(default=None, null=True))
    column(*program, "offer_declined", Integer, _params(default=None, null=True))
    return manager
