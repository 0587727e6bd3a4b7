"""What other domains call to reach the identity domain's data: accounts, staff access and
consents.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns plain values or msgspec Structs declared beside it, and reads
in its own read transaction unless the caller passes the ``SqlSession`` of its own
transaction (to see its own writes, or to write in the same transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from todoke import clock
from todoke.db import SqlSession, read_transaction, reading
from todoke.identity.service import end_all_sessions

# --- accounts --------------------------------------------------------------------------------


async def display_names(
    account_ids: Iterable[int], sql: SqlSession | None = None
) -> dict[int, str]:
    """Display names by account id, for a batch of accounts (authors, assignees)."""
    names: dict[int, str] = {}
    async with reading(sql) as session:
        for marks, args in session.in_batches(account_ids):
            for account_id, name in await session.fetch(
                f"SELECT id, display_name FROM account WHERE id {marks}", args
            ):
                names[account_id] = name
    return names


async def resident_account_of(person_id: int, sql: SqlSession | None = None) -> int | None:
    """The live resident account linked to a registry person, or None."""
    async with reading(sql) as session:
        found = await session.value(
            "SELECT id FROM account WHERE person = ? AND kind = 'resident' "
            "AND disabled_at IS NULL ORDER BY id",
            [person_id],
        )
    return int(found) if found is not None else None


class AccountPerson(msgspec.Struct, frozen=True):
    """An account of the municipality, with the registry person it is linked to."""

    person_id: int | None
    display_name: str


async def account_person(
    account_id: int, municipality_id: int, sql: SqlSession | None = None
) -> AccountPerson | None:
    """The account's linked person and display name, if it belongs to the municipality
    (the principal a delegate files for)."""
    async with reading(sql) as session:
        return await session.row(
            AccountPerson,
            "SELECT person AS person_id, display_name FROM account "
            "WHERE id = ? AND municipality = ?",
            [account_id, municipality_id],
        )


# --- consents --------------------------------------------------------------------------------


async def has_consent(account_id: int, purpose: str, sql: SqlSession | None = None) -> bool:
    """Whether the account holds a live (not revoked) consent for ``purpose``."""
    async with reading(sql) as session:
        found = await session.value(
            "SELECT 1 FROM consent WHERE account = ? AND purpose = ? AND revoked_at IS NULL",
            [account_id, purpose],
        )
    return found is not None


class ConsentedAccount(msgspec.Struct, frozen=True):
    person_id: int
    account_id: int
    kind: str  # resident | staff


async def consented_accounts(
    sql: SqlSession, person_ids: Iterable[int], purpose: str
) -> list[ConsentedAccount]:
    """The live (not disabled) accounts of these persons holding a live consent for
    ``purpose``, ordered by person and account (any number of persons)."""
    found: list[ConsentedAccount] = []
    for marks, args in sql.in_batches(person_ids):
        found += await sql.rows(
            ConsentedAccount,
            "SELECT a.person AS person_id, a.id AS account_id, a.kind AS kind "
            "FROM account a JOIN consent c ON c.account = a.id AND c.purpose = ? "
            f"AND c.revoked_at IS NULL WHERE a.disabled_at IS NULL AND a.person {marks} "
            "ORDER BY a.person, a.id",
            [purpose, *args],
        )
    return found


# --- staff accounts, as the back office administers them ----------------------------------


async def works_in_department(
    municipality_id: int, account_id: int, department_id: int, sql: SqlSession | None = None
) -> bool:
    """Whether the account is active staff of the municipality working for the department
    (administrators work for every department)."""
    async with reading(sql) as session:
        found = await session.value(
            "SELECT a.id FROM account a LEFT JOIN staff_department sd ON sd.account = a.id "
            "WHERE a.id = ? AND a.kind = 'staff' AND a.disabled_at IS NULL "
            "AND a.municipality = ? AND (a.staff_role = 'administrator' OR sd.department = ?)",
            [account_id, municipality_id, department_id],
        )
    return found is not None


class StaffAccountRow(msgspec.Struct, frozen=True):
    id: int
    display_name: str
    staff_role: str
    created_at: datetime
    disabled_at: datetime | None
    departments: list[int] = []  # department ids


class _StaffDepartmentLink(msgspec.Struct, frozen=True):
    account: int
    department: int


async def staff_accounts(municipality_id: int) -> list[StaffAccountRow]:
    """The municipality's staff accounts (active or not) with their departments' ids."""
    async with read_transaction() as sql:
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
    return [msgspec.structs.replace(a, departments=held.get(a.id, [])) for a in accounts]


async def is_staff_account(
    sql: SqlSession, municipality_id: int, account_id: int, *, active_only: bool = False
) -> bool:
    """Whether ``account_id`` is a staff account of the municipality (and still active)."""
    still_active = " AND disabled_at IS NULL" if active_only else ""
    found = await sql.value(
        "SELECT id FROM account WHERE id = ? AND municipality = ? AND kind = 'staff'"
        + still_active,
        [account_id, municipality_id],
    )
    return found is not None


async def set_staff_access(
    sql: SqlSession, account_id: int, role: str, department_ids: list[int]
) -> None:
    """Give a staff account its role and departments. Rights are read at sign-in, so the
    account's sessions end: the new rights apply from now."""
    await sql.execute("UPDATE account SET staff_role = ? WHERE id = ?", [role, account_id])
    await sql.execute("DELETE FROM staff_department WHERE account = ?", [account_id])
    await sql.executemany(
        "INSERT INTO staff_department (account, department) VALUES (?, ?)",
        [(account_id, department) for department in department_ids],
    )
    await end_all_sessions(account_id, sql)


async def deactivate_account(sql: SqlSession, account_id: int) -> None:
    """Disable an account and end its sessions at once; its passkeys no longer sign in."""
    await sql.execute("UPDATE account SET disabled_at = ? WHERE id = ?", [clock.now(), account_id])
    await end_all_sessions(account_id, sql)
