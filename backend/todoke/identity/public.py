"""What other domains call to reach the identity domain's data: accounts, staff access,
outreach codes and consents.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns plain values or msgspec Structs declared beside it, and reads
in its own read transaction unless the caller passes the ``SqlSession`` of its own
transaction (to see its own writes, or to write in the same transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import msgspec

from todoke import clock
from todoke.codes import canonical_code, code_hash, new_code, secret_hash
from todoke.db import SqlSession, aware, read_transaction, reading
from todoke.identity.passkeys import relying_party as relying_party
from todoke.identity.service import OUTREACH, end_all_sessions

# Step-up: one action (a counter filing's confirmation) confirmed with the signed-in
# account's own passkey, for the domains above.
from todoke.identity.service import STEP_UP_REFUSED as STEP_UP_REFUSED
from todoke.identity.service import step_up_options as step_up_options
from todoke.identity.service import verify_step_up as verify_step_up
from todoke.registry import public as registry

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


async def names_as_filed(
    account_ids: Iterable[int], sql: SqlSession | None = None
) -> dict[int, str]:
    """How an application names the people on it, by account id: a verified resident by
    their registry name (氏名), any other account by its display name (the nickname a
    resident chose at sign-up, a staff member's name)."""
    linked: dict[int, int] = {}
    names: dict[int, str] = {}
    async with reading(sql) as session:
        for marks, args in session.in_batches(account_ids):
            for account_id, person, name in await session.fetch(
                f"SELECT id, person, display_name FROM account WHERE id {marks}", args
            ):
                names[account_id] = name
                if person is not None:
                    linked[account_id] = person
        registered = await registry.person_names(linked.values(), session)
    for account_id, person in linked.items():
        names[account_id] = registered.get(person) or names[account_id]
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


# --- outreach codes ------------------------------------------------------------------------


async def issue_outreach_codes(
    sql: SqlSession,
    municipality_id: int,
    next_paths: Mapping[int, str],
    expires_at: datetime,
    *,
    codes: Mapping[int, str] | None = None,
    issued_by: int | None = None,
) -> dict[int, str]:
    """Single-use codes for outreach letters (勧奨通知), one per person, each leading to its
    app path once redeemed (``/procedures/{slug}/apply``, or ``/support``). Returns the code
    by person id, for persons with NO live resident account only: an outreach code binds a
    new account like the activation letter and must never hand over (recover) an existing
    one, so a person who has an account gets none (and redeeming one later refuses).

    ``codes`` are codes made beforehand (``todoke.codes.new_code``), so a letter can be
    printed before the transaction that records it; without them codes are made here. Only
    their hashes are kept. Writes in the caller's transaction."""
    persons = sorted(next_paths)
    for path in next_paths.values():
        if not path.startswith("/") or path.startswith("//") or len(path) > 200:
            raise ValueError(f"an outreach code leads to an app path, not {path!r}")
    bound: set[int] = set()
    for marks, args in sql.in_batches(persons):
        bound.update(
            person
            for (person,) in await sql.fetch(
                "SELECT DISTINCT person FROM account WHERE kind = 'resident' "
                f"AND disabled_at IS NULL AND person {marks}",
                args,
            )
        )
    issued = {
        person: canonical_code(codes[person]) if codes is not None else new_code()
        for person in persons
        if person not in bound
    }
    now = clock.now()
    await sql.executemany(
        "INSERT INTO activation_code (municipality, person, code_hash, purpose, next_path, "
        "issued_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (municipality_id, person, code_hash(code), OUTREACH, next_paths[person], issued_by,
             now, expires_at)
            for person, code in issued.items()
        ],
    )  # fmt: skip
    return issued


async def outreach_codes_used(sql: SqlSession, person_ids: Iterable[int]) -> dict[int, datetime]:
    """When each of these persons last redeemed an outreach letter's code (persons who never
    did are absent): a letter "opened", for a programme's funnel."""
    used: dict[int, datetime] = {}
    for marks, args in sql.in_batches(person_ids):
        for person, at in await sql.fetch(
            "SELECT person, MAX(used_at) FROM activation_code WHERE purpose = ? "
            f"AND used_at IS NOT NULL AND person {marks} GROUP BY person",
            [OUTREACH, *args],
        ):
            when = aware(at)
            if when is not None:
                used[person] = when
    return used


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
    sql: SqlSession, municipality_id: int, account_id: int, role: str, department_ids: list[int]
) -> None:
    """Give a staff account its role and departments. Rights are read at sign-in, so the
    account's sessions end: the new rights apply from now."""
    await sql.execute("UPDATE account SET staff_role = ? WHERE id = ?", [role, account_id])
    await sql.execute("DELETE FROM staff_department WHERE account = ?", [account_id])
    await sql.executemany(
        "INSERT INTO staff_department (municipality, account, department) VALUES (?, ?, ?)",
        [(municipality_id, account_id, department) for department in department_ids],
    )
    await end_all_sessions(account_id, sql)


async def deactivate_account(sql: SqlSession, account_id: int) -> None:
    """Disable an account and end its sessions at once; its passkeys no longer sign in."""
    await sql.execute("UPDATE account SET disabled_at = ? WHERE id = ?", [clock.now(), account_id])
    await end_all_sessions(account_id, sql)


class BoundAccount(msgspec.Struct, frozen=True):
    person_id: int
    account_id: int
    consented: bool = False  # holds a live consent for the purpose asked about


async def resident_accounts(
    sql: SqlSession, person_ids: Iterable[int], consent: str = ""
) -> list[BoundAccount]:
    """The live resident accounts bound to these persons, consented or not (any number of
    persons), and with ``consent`` whether each holds a live consent for that purpose:
    telling needs "no account" and "no consent" apart, from one query."""
    found: list[BoundAccount] = []
    for marks, args in sql.in_batches(person_ids):
        found += await sql.rows(
            BoundAccount,
            "SELECT a.person AS person_id, a.id AS account_id, EXISTS (SELECT 1 FROM consent c "
            "WHERE c.account = a.id AND c.purpose = ? AND c.revoked_at IS NULL) AS consented "
            f"FROM account a WHERE a.kind = 'resident' AND a.disabled_at IS NULL "
            f"AND a.person {marks} ORDER BY a.person, a.id",
            [consent, *args],
        )
    return found


# --- the demo's printed credentials ----------------------------------------------------------


class _SecretState(msgspec.Struct, frozen=True):
    expires_at: datetime
    used_at: datetime | None


def _state(row: _SecretState | None) -> str:
    if row is None:
        return "unknown"
    if row.used_at is not None:
        return "used"
    return "open" if row.expires_at > clock.now() else "expired"


async def staff_invite_state(municipality_id: int, token: str) -> str:
    """Whether a staff invite link still works: open, used, expired or unknown."""
    async with read_transaction() as sql:
        row = await sql.row(
            _SecretState,
            "SELECT expires_at, used_at FROM staff_invite WHERE token_hash = ? "
            "AND municipality = ?",
            [secret_hash(token), municipality_id],
        )
    return _state(row)


async def activation_code_state(municipality_id: int, code: str) -> str:
    """Whether an activation code still works: open, used, expired or unknown."""
    async with read_transaction() as sql:
        row = await sql.row(
            _SecretState,
            "SELECT expires_at, used_at FROM activation_code WHERE code_hash = ? "
            "AND municipality = ?",
            [code_hash(code), municipality_id],
        )
    return _state(row)
