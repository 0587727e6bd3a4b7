"""municipality: its own look (issue 16) — a named palette of the design tokens, contact
details (代表電話, 住所, 開庁時間, email, website) and an emblem, a PNG the app serves."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea, Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-08T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "municipality: palette, contact, emblem"


def _params(**given: Any) -> dict[str, Any]:
    return {
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **given,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    columns: list[tuple[str, type, dict[str, Any]]] = [
        ("palette", Varchar, _params(length=20, default="blue", null=False)),
        ("contact", Text, _params(default="{}", null=False)),
        ("emblem", Bytea, _params(default=None, null=True)),
        ("emblem_tag", Varchar, _params(length=20, default="", null=False)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="Municipality",
            tablename="municipality",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
