"""A death recorded in the registry (おくやみ, issue 17): the person's status becomes
``deceased`` as of the date of death, and where the deceased was one of the two parents of a
child under 18 in the household, the surviving parent's ``single_parent`` fact is set — the
death of a parent is one of 児童扶養手当's 支給要件 (JAPAN-FACTS B). Both go through the change
log like an import, so whoever reads it (the re-matching worker) reacts at once.

The registry knows no account, audit or screen: the staff domain calls ``record_death`` inside
its own write transaction, beside the おくやみ case and the audit event.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import msgspec

from todoke import clock
from todoke.db import SqlSession
from todoke.errors import Conflict, FieldError, InvalidInput, NotFound, Text
from todoke.registry import change_signal

# The provenance source of what a recorded death changed (with the date of death as its as-of).
DEATH_SOURCE = "死亡の記録"
DECEASED = "deceased"
# Relations (to the household head) of the two parents of a "child" (as benefits.facts reads).
PARTNER = {"head": "spouse", "spouse": "head"}


class HeldPerson(msgspec.Struct, frozen=True):
    id: int
    registry_id: str
    household: int | None
    relation: str
    birth_date: date | None
    status: str
    single_parent: bool | None
    provenance: dict[str, Any] | None
    household_registry_id: str | None


class DeathRecorded(msgspec.Struct, frozen=True):
    """What recording the death changed: the deceased, and the surviving parent now recorded
    as a single parent (None: nobody), with the children under 18 that made it so."""

    person: int
    registry_id: str
    household: int | None
    surviving_parent: int | None
    children: list[int]


_HELD = (
    "SELECT p.id, p.registry_id, p.household, p.relation, p.birth_date, p.status, "
    "p.single_parent, p.provenance, h.registry_id AS household_registry_id "
    "FROM person p LEFT JOIN household h ON h.id = p.household "
)

NO_PERSON = Text("住民記録が見つかりません。", "No such registry person.")
ALREADY_DECEASED = Text("この方の死亡はすでに記録されています。", "The death is already recorded.")
NOT_RESIDENT = Text(
    "住民として登録されていない方の死亡は記録できません。",
    "Only a registered resident's death can be recorded here.",
)


def _invalid(ja: str, en: str) -> InvalidInput:
    return InvalidInput(
        Text("死亡日を確認してください。", "Check the date of death."),
        errors=[
            FieldError(field="died_on", label=Text("死亡日", "date of death"), message=Text(ja, en))
        ],
    )


def under_18_on(birth_date: date | None, on: date) -> bool:
    """A child up to the 31 March after turning 18 (児童扶養手当's 児童, JAPAN-FACTS B)."""
    if birth_date is None or birth_date > on:
        return False
    turns_18 = birth_date.year + 18
    # Born 1 January–1 April: the school year of the 18th birthday ends 31 March that year.
    ends = date(turns_18 if (birth_date.month, birth_date.day) <= (4, 1) else turns_18 + 1, 3, 31)
    return on <= ends


async def _log(
    sql: SqlSession, municipality_id: int, held: HeldPerson, changes: dict[str, list[Any]]
) -> None:
    await sql.execute(
        "INSERT INTO registry_change (municipality, person_registry_id, household_registry_id, "
        "registry_import, kind, changes, source, occurred_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
        [
            municipality_id,
            held.registry_id,
            held.household_registry_id or "",
            "updated",
            json.dumps(changes, ensure_ascii=False),
            DEATH_SOURCE,
            clock.now(),
        ],
    )


async def household_of(
    sql: SqlSession, municipality_id: int, person_id: int
) -> tuple[HeldPerson, list[HeldPerson]]:
    """The person and the other members of their household (any status), oldest first."""
    held = await sql.row(
        HeldPerson, _HELD + "WHERE p.municipality = ? AND p.id = ?", [municipality_id, person_id]
    )
    if held is None:
        raise NotFound(NO_PERSON)
    if held.household is None:
        return held, []
    others = await sql.rows(
        HeldPerson,
        _HELD + "WHERE p.municipality = ? AND p.household = ? AND p.id <> ? "
        "ORDER BY p.birth_date, p.id",
        [municipality_id, held.household, person_id],
    )
    return held, others


async def record_death(
    sql: SqlSession, *, municipality_id: int, person_id: int, died_on: date
) -> DeathRecorded:
    """Record the death inside the caller's transaction, checked whole before anything is
    written: a resident (not already deceased, not moved out), a date neither in the future
    nor before their birth. Sets the surviving parent's ``single_parent`` where the death
    leaves one parent with a child under 18 in the household."""
    held, others = await household_of(sql, municipality_id, person_id)
    if held.status == DECEASED:
        raise Conflict(ALREADY_DECEASED)
    if held.status != "resident":
        raise Conflict(NOT_RESIDENT)
    if died_on > clock.today():
        raise _invalid("未来の日付は指定できません", "is in the future")
    if held.birth_date is not None and died_on < held.birth_date:
        raise _invalid("生年月日より前の日付です", "is before the date of birth")
    stamp = [DEATH_SOURCE, died_on.isoformat()]
    now = clock.now()
    provenance = {**(held.provenance or {}), "status": stamp}
    # Only while still a resident: of two recordings at once, the second finds nothing to do.
    changed = await sql.value(
        "UPDATE person SET status = ?, provenance = ?, updated_at = ? "
        "WHERE municipality = ? AND id = ? AND status = 'resident' RETURNING id",
        [DECEASED, json.dumps(provenance, ensure_ascii=False), now, municipality_id, person_id],
    )
    if changed is None:
        raise Conflict(ALREADY_DECEASED)
    await _log(sql, municipality_id, held, {"status": [held.status, DECEASED]})
    living = [m for m in others if m.status == "resident"]
    partner_relation = PARTNER.get(held.relation)
    partners = [m for m in living if m.relation == partner_relation]
    children = [
        m.id for m in living if m.relation == "child" and under_18_on(m.birth_date, clock.today())
    ]
    surviving: int | None = None
    if len(partners) == 1 and children:
        parent = partners[0]
        surviving = parent.id
        if parent.single_parent is not True:
            parent_provenance = {**(parent.provenance or {}), "single_parent": stamp}
            await sql.execute(
                "UPDATE person SET single_parent = ?, provenance = ?, updated_at = ? "
                "WHERE municipality = ? AND id = ?",
                [
                    True,
                    json.dumps(parent_provenance, ensure_ascii=False),
                    now,
                    municipality_id,
                    parent.id,
                ],
            )
            await _log(
                sql, municipality_id, parent, {"single_parent": [parent.single_parent, True]}
            )
    await change_signal.logged(sql)  # delivered when the caller's transaction commits
    return DeathRecorded(
        person=held.id,
        registry_id=held.registry_id,
        household=held.household,
        surviving_parent=surviving,
        children=children if surviving is not None else [],
    )
