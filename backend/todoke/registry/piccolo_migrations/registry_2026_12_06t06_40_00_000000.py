"""Facts the 児童扶養手当 income test and the "already receiving" suppression read: whether
income includes salary or pension, child support received, assessed deductions, the widow or
single-parent deduction, the number of dependants for tax, public pension received, and the
programmes a person already receives."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Boolean, Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T06:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "person: income-test facts (salary/pension, child support, deductions…), receiving"

_NULLABLE: dict[str, Any] = {
    "default": None,
    "null": True,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}
_COLUMNS: tuple[tuple[str, str, Any, dict[str, Any]], ...] = (
    ("salary_or_pension", "Boolean", Boolean, _NULLABLE),
    ("child_support_yen", "BigInt", BigInt, _NULLABLE),
    ("deductions_yen", "BigInt", BigInt, _NULLABLE),
    ("single_parent_deduction_yen", "BigInt", BigInt, _NULLABLE),
    ("tax_dependants", "Integer", Integer, _NULLABLE),
    ("public_pension_yen", "BigInt", BigInt, _NULLABLE),
    (
        "receiving",
        "Varchar",
        Varchar,
        {**_NULLABLE, "length": 255, "default": "", "null": False},
    ),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="registry", description=DESCRIPTION)
    for name, class_name, column_class, params in _COLUMNS:
        manager.add_column(
            table_class_name="Person",
            tablename="person",
            column_name=name,
            db_column_name=name,
            column_class_name=class_name,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
