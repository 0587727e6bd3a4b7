"""What other domains call to reach the registry domain's data.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns msgspec Structs (declared beside it) and opens its own read
or write transaction, or takes the caller's ``SqlSession`` when it must join the caller's
transaction.
"""

from __future__ import annotations

import msgspec


class HeadOfHousehold(msgspec.Struct, frozen=True):
    registry_id: str
    family_name: str
    given_name: str


async def first_household_heads(municipality_id: int, limit: int) -> list[HeadOfHousehold]:
    """The first ``limit`` resident heads of household in registry order (the demo's
    sample residents, who get activation codes at each start)."""
    from todoke.db import read_transaction

    async with read_transaction() as sql:
        return await sql.rows(
            HeadOfHousehold,
            "SELECT registry_id, family_name, given_name FROM person WHERE municipality = ? "
            "AND relation = 'head' AND status = 'resident' ORDER BY id LIMIT ?",
            [municipality_id, limit],
        )


# --- departments and persons, for the back office (staff) ---------------------------------

import msgspec as _msgspec  # noqa: E402

from todoke.db import SqlSession as _SqlSession  # noqa: E402
from todoke.db import read_transaction as _read_transaction  # noqa: E402


class DepartmentRow(_msgspec.Struct, frozen=True):
    id: int
    code: str
    name_ja: str
    name_easy: str
    name_en: str


async def departments(municipality_id: int, sql: _SqlSession | None = None) -> list[DepartmentRow]:
    """The municipality's departments in id order (a few dozen at most: callers map them by
    id or code rather than asking once per row)."""
    query = (
        "SELECT id, code, name_ja, name_easy, name_en FROM department "
        "WHERE municipality = ? ORDER BY id"
    )
    if sql is not None:
        return await sql.rows(DepartmentRow, query, [municipality_id])
    async with _read_transaction() as own:
        return await own.rows(DepartmentRow, query, [municipality_id])


async def person_id_of(municipality_id: int, registry_id: str) -> int | None:
    """The person with this 住民コード in the municipality, or None."""
    async with _read_transaction() as sql:
        found = await sql.value(
            "SELECT id FROM person WHERE municipality = ? AND registry_id = ?",
            [municipality_id, registry_id],
        )
    return int(found) if found is not None else None


async def registry_ids_of(person_ids: list[int]) -> dict[int, str]:
    """住民コード by person id, for a batch of persons."""
    if not person_ids:
        return {}
    async with _read_transaction() as sql:
        marks, args = sql.in_list(sorted(set(person_ids)))
        rows = await sql.fetch(f"SELECT id, registry_id FROM person WHERE id {marks}", args)  # noqa: S608
    return {row[0]: row[1] for row in rows}


class PersonRecordRow(_msgspec.Struct, frozen=True):
    """A person's registry entry and the facts from other registries."""

    registry_id: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date | None
    sex: str
    postal_code: str
    address: str
    relation: str
    resident_since: date | None
    status: str
    income_yen: int | None
    tax_exempt: bool | None
    single_parent: bool | None
    livelihood_aid: bool | None
    disability_certificate: str | None
    care_level: str | None
    pregnancy_due_date: date | None


async def person_record(person_id: int, sql: _SqlSession | None = None) -> PersonRecordRow | None:
    query = (
        "SELECT registry_id, family_name, given_name, family_name_kana, given_name_kana, "
        "birth_date, sex, postal_code, address, relation, resident_since, status, "
        "income_yen, tax_exempt, single_parent, livelihood_aid, disability_certificate, "
        "care_level, pregnancy_due_date FROM person WHERE id = ?"
    )
    if sql is not None:
        return await sql.row(PersonRecordRow, query, [person_id])
    async with _read_transaction() as own:
        return await own.row(PersonRecordRow, query, [person_id])

from datetime import date  # noqa: E402  (PersonRecordRow above)
