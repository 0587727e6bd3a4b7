"""DV・ストーカー等支援措置 as a registry fact (JAPAN-FACTS C): a protected person, the persons
named against (registry persons of this municipality, and names of persons outside it), and
the period. Other domains ask here whether a person is protected (to withhold the address and
contact) and whether an account's person is named (to refuse acting for the protected person).

The registry knows no account and no audit: the staff domain sets and lifts a protection
inside its own write transaction and records the audit event beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import msgspec

from todoke import clock
from todoke.db import SqlSession, reading
from todoke.errors import FieldError, InvalidInput, NotFound, Text

# What a response shows in place of a withheld address, postal code or contact.
WITHHELD = "非表示"
# The pre-fill sources and registry fields that say where a protected person lives or how
# to reach them.
WITHHELD_SOURCES = frozenset({"postal_code", "address", "district", "phone", "email"})

MAX_NAMED = 20
MAX_NAME_LENGTH = 100


class ProtectionRow(msgspec.Struct, frozen=True):
    """A live protection as staff with the need read it."""

    person: int
    named_persons: list[int]
    named_outside: list[str]
    valid_from: date
    valid_until: date | None
    created_by: int | None
    created_at: datetime


_LIVE = (
    "municipality = ? AND lifted_at IS NULL AND valid_from <= ? "
    "AND (valid_until IS NULL OR valid_until >= ?)"
)


def _live_args(municipality_id: int) -> list[object]:
    today = clock.today()
    return [municipality_id, today, today]


async def protection_of(
    municipality_id: int, person_id: int, sql: SqlSession | None = None
) -> ProtectionRow | None:
    """The person's protection that is not lifted (also one whose period has not begun or has
    ended: staff see what is recorded), or None."""
    query = (
        "SELECT person, named_persons, named_outside, valid_from, valid_until, created_by, "
        "created_at FROM protection WHERE municipality = ? AND person = ? AND lifted_at IS NULL "
        "ORDER BY id DESC"
    )
    async with reading(sql) as session:
        return await session.row(ProtectionRow, query, [municipality_id, person_id])


async def protected_among(
    municipality_id: int, person_ids: Iterable[int], sql: SqlSession | None = None
) -> set[int]:
    """The persons among ``person_ids`` under a protection in force today."""
    found: set[int] = set()
    async with reading(sql) as session:
        for marks, args in session.in_batches(list(person_ids)):
            rows = await session.fetch(
                f"SELECT person FROM protection WHERE {_LIVE} AND person {marks}",  # noqa: S608
                [*_live_args(municipality_id), *args],
            )
            found.update(int(person) for (person,) in rows)
    return found


async def protected_persons(municipality_id: int, sql: SqlSession | None = None) -> set[int]:
    """Every person of the municipality under a protection in force today (a handful: for a
    caller about to look at many persons at once)."""
    async with reading(sql) as session:
        rows = await session.fetch(
            f"SELECT person FROM protection WHERE {_LIVE}",  # noqa: S608
            _live_args(municipality_id),
        )
    return {int(person) for (person,) in rows}


async def is_protected(
    municipality_id: int, person_id: int | None, sql: SqlSession | None = None
) -> bool:
    """Whether this person's address and contact are withheld from others today."""
    if person_id is None:
        return False
    return bool(await protected_among(municipality_id, [person_id], sql))


class _Named(msgspec.Struct, frozen=True):
    person: int
    named_persons: list[int]


async def protected_from(
    municipality_id: int, person_id: int | None, sql: SqlSession | None = None
) -> set[int]:
    """The protected persons who named ``person_id`` (in force today): that person may not act
    for them, nor see anything of theirs."""
    if person_id is None:
        return set()
    async with reading(sql) as session:
        rows = await session.rows(
            _Named,
            f"SELECT person, named_persons FROM protection WHERE {_LIVE}",  # noqa: S608
            _live_args(municipality_id),
        )
    return {row.person for row in rows if person_id in (row.named_persons or [])}


# --- setting and lifting (the staff domain audits each) ----------------------------------


INVALID_PROTECTION = Text("支援措置の内容を確認してください。", "Check the protection.")


def _problem(field: str, ja: str, en: str) -> InvalidInput:
    return InvalidInput(
        INVALID_PROTECTION,
        errors=[
            FieldError(field=field, label=Text("支援措置", "protection"), message=Text(ja, en))
        ],
    )


class _Found(msgspec.Struct, frozen=True):
    id: int
    registry_id: str


async def set_protection(
    sql: SqlSession,
    *,
    municipality_id: int,
    person_id: int,
    named_registry_ids: Sequence[str],
    named_outside: Sequence[str],
    valid_from: date,
    valid_until: date | None,
    by: int,
) -> ProtectionRow:
    """Record (or replace) the person's protection, checked whole before anything is
    written: the named registry persons must be other persons of this municipality, names
    outside it short and not blank, the period forwards."""
    if len(named_registry_ids) > MAX_NAMED:
        raise _problem("named_persons", "指定が多すぎます", f"at most {MAX_NAMED}")
    if len(named_outside) > MAX_NAMED:
        raise _problem("named_outside", "指定が多すぎます", f"at most {MAX_NAMED}")
    for index, registry_id in enumerate(named_registry_ids):
        if not isinstance(registry_id, str) or not 1 <= len(registry_id) <= 32:
            raise _problem(f"named_persons[{index}]", "住民コードが正しくありません", "bad id")
    names: list[str] = []
    for index, name in enumerate(named_outside):
        cleaned = " ".join(name.split()) if isinstance(name, str) else ""
        if not cleaned or len(cleaned) > MAX_NAME_LENGTH or not cleaned.isprintable():
            raise _problem(
                f"named_outside[{index}]",
                f"氏名を{MAX_NAME_LENGTH}文字以内で入力してください",
                f"a name of 1 to {MAX_NAME_LENGTH} characters",
            )
        names.append(cleaned)
    if valid_until is not None and valid_until < valid_from:
        raise _problem("valid_until", "終了日は開始日より後にしてください", "ends before it starts")
    named: list[int] = []
    if named_registry_ids:
        marks, args = sql.in_list(sorted(set(named_registry_ids)))
        found = await sql.rows(
            _Found,
            f"SELECT id, registry_id FROM person WHERE municipality = ? AND registry_id {marks}",  # noqa: S608
            [municipality_id, *args],
        )
        by_registry_id = {row.registry_id: row.id for row in found}
        for index, registry_id in enumerate(named_registry_ids):
            if registry_id not in by_registry_id:
                raise _problem(
                    f"named_persons[{index}]", "住民記録が見つかりません", "no such registry person"
                )
            if by_registry_id[registry_id] == person_id:
                raise _problem(
                    f"named_persons[{index}]", "本人は指定できません", "the protected person"
                )
        named = sorted({by_registry_id[r] for r in named_registry_ids})
    now = clock.now()
    await sql.execute(
        "UPDATE protection SET lifted_at = ?, lifted_by = ? "
        "WHERE municipality = ? AND person = ? AND lifted_at IS NULL",
        [now, by, municipality_id, person_id],
    )
    await sql.execute(
        "INSERT INTO protection (municipality, person, named_persons, named_outside, valid_from, "
        "valid_until, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            municipality_id,
            person_id,
            msgspec.json.encode(named).decode(),
            msgspec.json.encode(names).decode(),
            valid_from,
            valid_until,
            by,
            now,
        ],
    )
    found_row = await protection_of(municipality_id, person_id, sql)
    assert found_row is not None
    return found_row


NO_PROTECTION = Text("この住民に支援措置の記録はありません。", "No protection is recorded.")


async def lift_protection(
    sql: SqlSession, *, municipality_id: int, person_id: int, by: int
) -> None:
    """End the person's protection (the row stays, lifted)."""
    if await protection_of(municipality_id, person_id, sql) is None:
        raise NotFound(NO_PROTECTION)
    await sql.execute(
        "UPDATE protection SET lifted_at = ?, lifted_by = ? "
        "WHERE municipality = ? AND person = ? AND lifted_at IS NULL",
        [clock.now(), by, municipality_id, person_id],
    )


async def registry_ids(
    municipality_id: int, person_ids: Iterable[int], sql: SqlSession | None = None
) -> dict[int, str]:
    """住民コード by person id (the named persons, as staff read them)."""
    found: dict[int, str] = {}
    async with reading(sql) as session:
        for marks, args in session.in_batches(list(person_ids)):
            for row in await session.rows(
                _Found,
                f"SELECT id, registry_id FROM person WHERE municipality = ? AND id {marks}",  # noqa: S608
                [municipality_id, *args],
            ):
                found[row.id] = row.registry_id
    return found
