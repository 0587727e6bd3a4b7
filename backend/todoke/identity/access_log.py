"""The resident's access log: what the audit trail holds about them, told as they may know it.

Staff are named by role and department, never by their own name (DESIGN: "residents can
list who looked at their data and why"; the trail keeps the account for auditors). The
purpose, stored as the writer's text ("identity verification by letter"), becomes one of a
closed set of codes (``WHY``) that the app has words for in every language."""

from __future__ import annotations

from collections import defaultdict
from typing import get_args

import msgspec

from todoke.audit import service as audit_service
from todoke.audit.schemas import LoggedEvent
from todoke.db import read_transaction
from todoke.identity.schemas import AccessActor, AccessLogEntry, DepartmentName, Why
from todoke.principal import Principal
from todoke.registry import public as registry

# Stored purposes as they are, and the code each is shown as.
WHY: dict[str, Why] = {
    "sign-in": "sign_in",
    "case_handling": "case_handling",
    "consultation": "consultation",
    "counter_support": "counter_support",
    "resident_inquiry": "resident_inquiry",
    "correction_handling": "correction_handling",
    "review": "review",
    "proxy": "proxy",
    "administration": "administration",
    "staff invite accepted": "administration",
    "program_preview": "eligibility",
    "outreach letters (勧奨通知)": "outreach",
    # what a staff opening of the record belonged to (resident.viewed stores its kind)
    "case": "case_handling",
    "follow_up": "follow_up",
    "reason": "reason",
    "identity document checked at the counter": "identity_verification",
    "activation letter (verify)": "identity_verification",
    "activation letter (recovery)": "account_recovery",
    "activation letter (outreach)": "outreach",
    "account recovery cancelled by the account holder": "account_recovery",
    "moving": "moving",
    # DV・ストーカー等支援措置: set, lifted, read, and the letter printed for it.
    "protection": "protection",
    # おくやみ: a death recorded, its case read and its tasks marked.
    "bereavement": "bereavement",
    "activation_letter": "identity_verification",
}
# Purposes written with a variable tail ("… by letter", "… by counter").
_WHY_PREFIXES: tuple[tuple[str, Why], ...] = (
    ("identity verification by ", "identity_verification"),
    ("account recovery by ", "account_recovery"),
)
WHY_CODES: frozenset[str] = frozenset(get_args(Why))


def why(purpose: str) -> Why:
    """The purpose as a code the app has words for; ``other`` for one it does not know."""
    if purpose in WHY:
        return WHY[purpose]
    for prefix, code in _WHY_PREFIXES:
        if purpose.startswith(prefix):
            return code
    return "other"


class _Staff(msgspec.Struct, frozen=True):
    id: int
    role: str


class _Member(msgspec.Struct, frozen=True):
    account: int
    department: int


async def access_log(principal: Principal, actor: str | None = None) -> list[AccessLogEntry]:
    """What was done with the signed-in resident's data, newest first (``actor="staff"``:
    only what staff did)."""
    events = await audit_service.events_about(
        principal.person_id, principal.account_id, actor_kind=actor
    )
    staff_ids = {
        e.actor_account for e in events if e.actor_kind == "staff" and e.actor_account is not None
    }
    # Other resident accounts that acted: the resident's own earlier account (before a
    # recovery) is still them; anyone else is a proxy they gave a delegation to.
    other_ids = {
        e.actor_account
        for e in events
        if e.actor_kind == "resident" and e.actor_account not in (None, principal.account_id)
    }
    roles: dict[int, str] = {}
    member_of: dict[int, list[int]] = defaultdict(list)
    persons: dict[int, int | None] = {}
    departments: list[registry.DepartmentRow] = []
    if staff_ids or other_ids or any(e.basis is not None and e.basis.department for e in events):
        async with read_transaction() as sql:
            for marks, args in sql.in_batches(staff_ids):
                for staff in await sql.rows(
                    _Staff,
                    "SELECT id, staff_role AS role FROM account "  # noqa: S608 ("?" marks only)
                    f"WHERE kind = 'staff' AND id {marks}",
                    args,
                ):
                    roles[staff.id] = staff.role
                for member in await sql.rows(
                    _Member,
                    "SELECT account, department FROM staff_department "  # noqa: S608
                    f"WHERE account {marks} ORDER BY department",
                    args,
                ):
                    member_of[member.account].append(member.department)
            for marks, args in sql.in_batches(other_ids):
                for account_id, person in await sql.fetch(
                    f"SELECT id, person FROM account WHERE id {marks}",  # noqa: S608
                    args,
                ):
                    persons[account_id] = person
            departments = await registry.departments(principal.municipality_id, sql)
    named = {d.code: DepartmentName(d.code, d.name_ja, d.name_easy, d.name_en) for d in departments}
    codes = {d.id: d.code for d in departments}
    teams = {
        account: [named[codes[d]] for d in ids if d in codes] for account, ids in member_of.items()
    }
    return [
        _entry(e, _actor(e, principal, roles, teams, persons), named.get(_basis_department(e)))
        for e in events
    ]


def _basis_department(event: LoggedEvent) -> str:
    return (event.basis.department or "") if event.basis is not None else ""


def _actor(
    event: LoggedEvent,
    principal: Principal,
    roles: dict[int, str],
    teams: dict[int, list[DepartmentName]],
    persons: dict[int, int | None],
) -> AccessActor:
    account = event.actor_account
    if event.actor_kind == "staff":
        if account is None:
            return AccessActor(kind="staff")
        return AccessActor(
            kind="staff", role=roles.get(account) or None, departments=teams.get(account, [])
        )
    if event.actor_kind == "resident":
        if account is None or account == principal.account_id:
            return AccessActor(kind="you")
        same_person = (
            principal.person_id is not None and persons.get(account) == principal.person_id
        )
        return AccessActor(kind="you" if same_person else "proxy")
    return AccessActor(kind="system")


def _entry(
    event: LoggedEvent, actor: AccessActor, department: DepartmentName | None
) -> AccessLogEntry:
    return AccessLogEntry(
        id=event.id,
        actor_kind=event.actor_kind,
        actor=actor,
        action=event.action,
        purpose=event.purpose,
        why=why(event.purpose),
        occurred_at=event.occurred_at,
        basis=event.basis,
        department=department,
    )
