"""What other domains call to reach the identity domain's data.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns msgspec Structs (declared beside it) and opens its own read
or write transaction, or takes the caller's ``SqlSession`` when it must join the caller's
transaction.
"""

from __future__ import annotations

import msgspec


# --- accounts as the back office (staff) sees them -----------------------------------------

from datetime import datetime as _datetime  # noqa: E402

import msgspec as _msgspec  # noqa: E402

from todoke.db import SqlSession as _SqlSession  # noqa: E402
from todoke.db import read_transaction as _read_transaction  # noqa: E402


async def display_names(account_ids: list[int], sql: _SqlSession | None = None) -> dict[int, str]:
    """Display names by account id, for a batch of accounts (authors, assignees)."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    if sql is None:
        async with _read_transaction() as own:
            return await display_names(ids, own)
    marks, args = sql.in_list(ids)
    rows = await sql.fetch(f"SELECT id, display_name FROM account WHERE id {marks}", args)  # noqa: S608
    return {row[0]: row[1] for row in rows}


async def resident_account_of(person_id: int, sql: _SqlSession | None = None) -> int | None:
    """The live resident account linked to a registry person, or None."""
    query = (
        "SELECT id FROM account WHERE person = ? AND kind = 'resident' AND disabled_at IS NULL "
        "ORDER BY id"
    )
    if sql is None:
        async with _read_transaction() as own:
            found = await own.value(query, [person_id])
    else:
        found = await sql.value(query, [person_id])
    return int(found) if found is not None else None


async def has_consent(account_id: int, purpose: str, sql: _SqlSession | None = None) -> bool:
    """Whether the account holds a live (not revoked) consent for ``purpose``."""
    query = "SELECT 1 FROM consent WHERE account = ? AND purpose = ? AND revoked_at IS NULL"
    if sql is None:
        async with _read_transaction() as own:
            return await own.value(query, [account_id, purpose]) is not None
    return await sql.value(query, [account_id, purpose]) is not None


async def works_in_department(
    municipality_id: int, account_id: int, department_id: int, sql: _SqlSession | None = None
) -> bool:
    """Whether the account is active staff of the municipality working for the department
    (administrators work for every department)."""
    query = (
        "SELECT a.id FROM account a LEFT JOIN staff_department sd ON sd.account = a.id "
        "WHERE a.id = ? AND a.kind = 'staff' AND a.disabled_at IS NULL "
        "AND a.municipality = ? AND (a.staff_role = 'administrator' OR sd.department = ?)"
    )
    args = [account_id, municipality_id, department_id]
    if sql is None:
        async with _read_transaction() as own:
            return await own.value(query, args) is not None
    return await sql.value(query, args) is not None


class StaffAccountRow(_msgspec.Struct, frozen=True):
    id: int
    display_name: str
    staff_role: str
    created_at: _datetime
    disabled_at: _datetime | None
    departments: list[int] = []  # department ids


class _StaffDepartmentLink(_msgspec.Struct, frozen=True):
    account: int
    department: int


async def staff_accounts(municipality_id: int) -> list[StaffAccountRow]:
    """The municipality's staff accounts (active or not) with their departments' ids."""
    async with _read_transaction() as sql:
        accounts = await sql.rows(
            StaffAccountRow,
            "SELECT id, display_name, staff_role, created_at, disabled_at FROM account "
            "WHERE municipality = ? AND kind = 'staff' ORDER BY id",
            [municipality_id],
        )
        links = await sql.rows(
            _StaffDepartmentLink,
            "SELECT sd.account AS account, sd.department AS department "
            "FROM staff_department sd JOIN account a ON a.id = sd.account "
            "WHERE a.municipality = ? ORDER BY sd.id",
            [municipality_id],
        )
    held: dict[int, list[int]] = {}
    for link in links:
        held.setdefault(link.account, []).append(link.department)
    return [_msgspec.structs.replace(a, departments=held.get(a.id, [])) for a in accounts]


async def is_staff_account(
    sql: _SqlSession, municipality_id: int, account_id: int, *, active_only: bool = False
) -> bool:
    """Whether ``account_id`` is a staff account of the municipality (and still active)."""
    return (
        await sql.value(
            "SELECT id FROM account WHERE id = ? AND municipality = ? AND kind = 'staff'"
            + (" AND disabled_at IS NULL" if active_only else ""),
            [account_id, municipality_id],
        )
        is not None
    )


async def set_staff_access(
    sql: _SqlSession, account_id: int, role: str, department_ids: list[int]
) -> None:
    """Give a staff account its role and departments. Rights are read at sign-in, so the
    account's sessions end: the new rights apply from now."""
    from todoke.identity.service import end_all_sessions

    await sql.execute("UPDATE account SET staff_role = ? WHERE id = ?", [role, account_id])
    await sql.execute("DELETE FROM staff_department WHERE account = ?", [account_id])
    await sql.executemany(
        "INSERT INTO staff_department (account, department) VALUES (?, ?)",
        [(account_id, department) for department in department_ids],
    )
    await end_all_sessions(account_id, sql)


async def deactivate_account(sql: _SqlSession, account_id: int) -> None:
    """Disable an account and end its sessions at once; its passkeys no longer sign in."""
    from todoke import clock
    from todoke.identity.service import end_all_sessions

    await sql.execute("UPDATE account SET disabled_at = ? WHERE id = ?", [clock.now(), account_id])
    await end_all_sessions(account_id, sql)


# --- accounts as the procedures domain sees them (who an application is for) --------------


class AccountPerson(_msgspec.Struct, frozen=True):
    """An account of the municipality, with the registry person it is linked to."""

    person_id: int | None
    display_name: str


async def account_person(
    account_id: int, municipality_id: int, sql: _SqlSession | None = None
) -> AccountPerson | None:
    """The account's linked person and display name, if it belongs to the municipality
    (the principal a delegate files for)."""
    query = (
        "SELECT person AS person_id, display_name FROM account WHERE id = ? AND municipality = ?"
    )
    if sql is None:
        async with _read_transaction() as own:
            return await own.row(AccountPerson, query, [account_id, municipality_id])
    return await sql.row(AccountPerson, query, [account_id, municipality_id])


# --- who may be told: accounts of persons with a live consent (benefits' matching) ----------

from collections.abc import Sequence as _Sequence  # noqa: E402


class ConsentedAccount(_msgspec.Struct, frozen=True):
    person_id: int
    account_id: int
    kind: str  # resident | staff


async def consented_accounts(
    sql: _SqlSession, person_ids: _Sequence[int], purpose: str
) -> list[ConsentedAccount]:
    """The live (not disabled) accounts of these persons holding a live consent for
    ``purpose``, by person and account id (any number of persons: read in batches)."""
    found: list[ConsentedAccount] = []
    wanted = sorted(set(person_ids))
    for start in range(0, len(wanted), 1000):
        marks, args = sql.in_list(wanted[start : start + 1000])
        found += await sql.rows(
            ConsentedAccount,
            "SELECT a.person AS person_id, a.id AS account_id, a.kind AS kind "  # noqa: S608
            "FROM account a JOIN consent c ON c.account = a.id AND c.purpose = ? "
            f"AND c.revoked_at IS NULL WHERE a.disabled_at IS NULL AND a.person {marks} "
            "ORDER BY a.person, a.id",
            [purpose, *args],
        )
    return found
