"""What the operators' metrics read from the registry at scrape time: imports by status and
their rows by outcome (one row per import: a small table). Nothing here writes."""

from __future__ import annotations

import msgspec

from todoke.db import SqlSession, read_transaction


class ImportTotals(msgspec.Struct, frozen=True):
    municipality: int
    imports: dict[str, int]  # status → imports (running | applied | rejected | failed)
    rows: dict[str, int]  # outcome → rows (created | updated | unchanged | rejected)


async def import_totals() -> list[ImportTotals]:
    """Per municipality that has imported."""
    async with read_transaction(bulk=True) as sql:
        statuses = await sql.fetch(
            "SELECT municipality, status, COUNT(*) FROM registry_import "
            "GROUP BY municipality, status"
        )
        sums = await sql.fetch(
            "SELECT municipality, COALESCE(SUM(rows_created), 0), COALESCE(SUM(rows_updated), 0), "
            "COALESCE(SUM(rows_unchanged), 0), COALESCE(SUM(rows_failed), 0) "
            "FROM registry_import GROUP BY municipality ORDER BY municipality"
        )
    totals = []
    for municipality, created, updated, unchanged, failed in sums:
        imports = {status: int(n) for m, status, n in statuses if m == municipality}
        rows = {"created": created, "updated": updated, "unchanged": unchanged, "rejected": failed}
        totals.append(ImportTotals(municipality, imports, {k: int(v) for k, v in rows.items()}))
    return totals


async def unread_changes(sql: SqlSession, municipality_id: int, after: int) -> int:
    """How many change log entries of the municipality come after id ``after`` (a
    consumer's cursor); an index range on the primary key."""
    found = await sql.value(
        "SELECT COUNT(*) FROM registry_change WHERE municipality = ? AND id > ?",
        [municipality_id, after],
    )
    return int(found or 0)
