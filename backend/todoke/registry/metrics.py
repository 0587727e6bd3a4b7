"""What the operators' metrics read from the registry at scrape time: imports by status and
their rows by outcome (one row per import: a small table). Nothing here writes."""

from __future__ import annotations

import msgspec

from todoke.db import SqlSession, read_transaction


class ImportTotals(msgspec.Struct, frozen=True):
    imports: dict[str, int]  # status → imports (running | applied | rejected | failed)
    rows: dict[str, int]  # outcome → rows (created | updated | unchanged | rejected)


async def import_totals() -> ImportTotals:
    async with read_transaction(bulk=True) as sql:
        statuses = await sql.fetch("SELECT status, COUNT(*) FROM registry_import GROUP BY status")
        sums = await sql.fetch(
            "SELECT COALESCE(SUM(rows_created), 0), COALESCE(SUM(rows_updated), 0), "
            "COALESCE(SUM(rows_unchanged), 0), COALESCE(SUM(rows_failed), 0) "
            "FROM registry_import"
        )
    created, updated, unchanged, failed = (int(n) for n in sums[0])
    return ImportTotals(
        imports={status: int(count) for status, count in statuses},
        rows={"created": created, "updated": updated, "unchanged": unchanged, "rejected": failed},
    )


async def unread_changes(sql: SqlSession, municipality_id: int, after: int) -> int:
    """How many change log entries of the municipality come after id ``after`` (a
    consumer's cursor); an index range on the primary key."""
    found = await sql.value(
        "SELECT COUNT(*) FROM registry_change WHERE municipality = ? AND id > ?",
        [municipality_id, after],
    )
    return int(found or 0)
