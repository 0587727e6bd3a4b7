"""DV・ストーカー等支援措置 in the back office: staff of the citizens department with the
permission (supervisors; administrators anywhere) read, set and lift a resident's protection.
The fact is the registry's (``registry.protection``); this module checks who may, and audits
each read and change in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from todoke import clock
from todoke.audit import service as audit
from todoke.db import read_transaction, write_transaction
from todoke.principal import Principal
from todoke.registry import protection
from todoke.registry import public as registry
from todoke.staff.residents.service import find_resident
from todoke.staff.schemas import ProtectionRead

CITIZENS = "citizens"


async def _require_citizens(principal: Principal) -> None:
    """The resident register is the citizens division's: its staff, or an administrator."""
    found = next(
        (d for d in await registry.departments(principal.municipality_id) if d.code == CITIZENS),
        None,
    )
    await registry.require_department(principal, found.id if found else None)


async def _read(principal: Principal, registry_id: str, person_id: int) -> ProtectionRead:
    async with read_transaction() as sql:
        row = await protection.protection_of(principal.municipality_id, person_id, sql)
        if row is None:
            return ProtectionRead(registry_id=registry_id, protected=False)
        ids = await protection.registry_ids(principal.municipality_id, row.named_persons, sql)
    today = clock.today()
    return ProtectionRead(
        registry_id=registry_id,
        protected=True,
        named_persons=sorted(ids.values()),
        named_outside=list(row.named_outside),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        in_force=row.valid_from <= today and (row.valid_until is None or row.valid_until >= today),
        created_at=row.created_at,
    )


async def read_protection(principal: Principal, registry_id: str) -> ProtectionRead:
    """The resident's protection (audited: who asked whether someone is protected)."""
    await _require_citizens(principal)
    person_id = await find_resident(principal, registry_id)
    found = await _read(principal, registry_id, person_id)
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="protection.read",
        purpose="protection",
        subject_person=person_id,
        detail={"protected": found.protected},
    )
    return found


async def set_protection(
    principal: Principal,
    registry_id: str,
    *,
    named_persons: Sequence[str],
    named_outside: Sequence[str],
    valid_from: date | None,
    valid_until: date | None,
) -> ProtectionRead:
    """Record (or replace) the protection; checked whole first, one audit event with it."""
    await _require_citizens(principal)
    person_id = await find_resident(principal, registry_id)
    async with write_transaction() as sql:
        row = await protection.set_protection(
            sql,
            municipality_id=principal.municipality_id,
            person_id=person_id,
            named_registry_ids=named_persons,
            named_outside=named_outside,
            valid_from=valid_from or clock.today(),
            valid_until=valid_until,
            by=principal.account_id,
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="protection.set",
            purpose="protection",
            subject_person=person_id,
            # Counts, not names: the trail is read by more staff than the protection is.
            detail={
                "named_persons": len(row.named_persons),
                "named_outside": len(row.named_outside),
                "valid_from": row.valid_from.isoformat(),
                "valid_until": row.valid_until.isoformat() if row.valid_until else None,
            },
            sql=sql,
        )
    return await _read(principal, registry_id, person_id)


async def lift_protection(principal: Principal, registry_id: str) -> None:
    """End the protection (kept, lifted); one audit event."""
    await _require_citizens(principal)
    person_id = await find_resident(principal, registry_id)
    async with write_transaction() as sql:
        await protection.lift_protection(
            sql,
            municipality_id=principal.municipality_id,
            person_id=person_id,
            by=principal.account_id,
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="protection.lifted",
            purpose="protection",
            subject_person=person_id,
            sql=sql,
        )
