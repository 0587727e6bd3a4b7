"""Outreach codes: a code printed on an outreach letter (勧奨通知, purpose ``outreach``) says
where the app goes once it is redeemed (``next_path``: the pre-filled application, or the
support page); other codes leave it empty."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T06:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "activation_code.next_path: where an outreach code leads once redeemed"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="identity", description=DESCRIPTION)
    manager.add_column(
        table_class_name="ActivationCode",
        tablename="activation_code",
        column_name="next_path",
        db_column_name="next_path",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
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
