"""A department's request for more information may name the document it needs
(application_event.document): the resident's status card shows it beside the request."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "application_event.document: the document a request for information names"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="procedures", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ApplicationEvent",
        tablename="application_event",
        column_name="document",
        db_column_name="document",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
