"""書かない窓口 (counter mode), what staff read: the resident found against the identity
document in hand, a procedure's form already filled from the registry for them, and the
visit's filings with what still waits for the resident's confirmation. Filing itself and the
confirmation are in ``assisted``. Every read names the person in the audit trail (purpose
``counter_support``), so it shows in the resident's access log.

For a person under DV・ストーカー等支援措置, staff without the need (``sees_protected``, which
the staff domain decides) read 「非表示」 for the district, address and contact; the filing
then carries the registry's values (``assisted``)."""

from __future__ import annotations

from datetime import date, datetime, time

import msgspec

from todoke import clock, jp
from todoke.audit import service as audit
from todoke.db import read_transaction
from todoke.errors import FieldError, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures.bookings import open_bookings
from todoke.procedures.prefill import Household, load_household, prefill_for
from todoke.procedures.resident_form import unlock_unfilled
from todoke.procedures.schemas import (
    CounterFiling,
    CounterForm,
    CounterPeople,
    CounterResident,
    CounterVisit,
    FormRead,
)
from todoke.procedures.versions import definitions_of, load_version, status_label, steps_of
from todoke.registry import protection
from todoke.registry import public as registry
from todoke.registry.public import COUNTER_MATCHES, CounterPerson

PURPOSE = "counter_support"

NO_RESIDENT = NotFound(
    Text(
        "この住民コードの住民はいません（転出・死亡の記録を含みません）。",
        "No resident has this registry code (people moved away or deceased are not shown).",
    )
)


def _kana(field: str, label: Text, value: str, *, required: bool) -> str:
    if not value.strip() and not required:
        return ""
    try:
        return jp.normalize_kana(value)
    except ValueError:
        raise InvalidInput(
            Text("フリガナを確かめてください。", "Check the reading (kana)."),
            errors=[
                FieldError(
                    field=field,
                    label=label,
                    message=Text(
                        "ひらがなかカタカナで入力してください", "Write it in hiragana or katakana"
                    ),
                )
            ],
        ) from None


async def resident_at_counter(
    found: CounterPerson, *, withhold: bool, has_account: bool | None = None
) -> CounterResident:
    """The resident as the desk shows them; ``has_account`` when the caller has read it
    already (for many residents at once)."""
    if has_account is None:
        has_account = await identity.resident_account_of(found.id) is not None
    return CounterResident(
        registry_id=found.registry_id,
        name=f"{found.family_name} {found.given_name}",
        kana=f"{found.family_name_kana} {found.given_name_kana}",
        birth_date=found.birth_date,
        district=protection.WITHHELD if withhold else found.district,
        # With an account the resident confirms with their own passkey; without one, by
        # signature or the staff member's attestation.
        has_account=has_account,
    )


async def find_residents(
    principal: Principal,
    *,
    family_name_kana: str,
    given_name_kana: str,
    birth_date: date,
    sees_protected: bool,
) -> CounterPeople:
    """The residents born that day whose reading matches the identity document's."""
    family = _kana(
        "family_name_kana", Text("氏（フリガナ）", "family name (kana)"), family_name_kana,
        required=True,
    )  # fmt: skip
    given = _kana(
        "given_name_kana", Text("名（フリガナ）", "given name (kana)"), given_name_kana,
        required=False,
    )  # fmt: skip
    found = await registry.find_at_counter(
        principal.municipality_id,
        family_name_kana=family,
        given_name_kana=given,
        birth_date=birth_date,
    )
    shown = found[:COUNTER_MATCHES]
    protected = await protection.protected_among(principal.municipality_id, [p.id for p in shown])
    await audit.record_many(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="resident.found_at_counter",
        purpose=PURPOSE,
        subjects=[audit.Subject(person=person.id) for person in shown],
    )
    async with read_transaction() as sql:  # whose account, for all of them in one query
        with_account = {
            bound.person_id
            for bound in await identity.resident_accounts(sql, [p.id for p in shown])
        }
    return CounterPeople(
        items=[
            await resident_at_counter(
                person,
                withhold=person.id in protected and not sees_protected,
                has_account=person.id in with_account,
            )
            for person in shown
        ],
        more=len(found) > COUNTER_MATCHES,
    )


async def person_at_counter(principal: Principal, registry_id: str) -> CounterPerson:
    """The resident of this municipality with this registry code (404 for anyone else)."""
    found = await registry.counter_person(principal.municipality_id, registry_id)
    if found is None:
        raise NO_RESIDENT
    return found


async def withholds_contact(
    principal: Principal, person: CounterPerson, sees_protected: bool
) -> bool:
    """Whether the person is protected and this reader lacks the need; a protected person's
    record read at the counter is audited as such either way."""
    if not await protection.is_protected(principal.municipality_id, person.id):
        return False
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="protection.contact_viewed" if sees_protected else "protection.contact_withheld",
        purpose=PURPOSE,
        subject_person=person.id,
    )
    return not sees_protected


async def counter_form(
    principal: Principal, registry_id: str, slug: str, *, sees_protected: bool
) -> CounterForm:
    """The procedure's current form filled from the registry for this resident, as staff
    fill it in with them: every pre-filled value with where it came from. The resident is
    present and reads it before confirming, so no prior consent to pre-filling is asked."""
    person = await person_at_counter(principal, registry_id)
    version = await load_version(principal.municipality_id, slug)
    definition = version.definition
    household: Household | None
    async with read_transaction() as sql:
        household = await load_household(sql, person.id, clock.today())
    if household is None:  # the person left between the two reads
        raise NO_RESIDENT
    withhold = await withholds_contact(principal, person, sees_protected)
    prefill = prefill_for(definition.form, household, withhold=withhold)
    closed = definition.closes_on is not None and definition.closes_on < clock.today()
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="resident.prefilled_at_counter",
        purpose=PURPOSE,
        subject_person=person.id,
        detail={"procedure": slug, "version": version.version, "fields": sorted(prefill)},
    )
    return CounterForm(
        resident=await resident_at_counter(person, withhold=withhold),
        form=FormRead(
            procedure=version.summary,
            version=version.version,
            help=definition.help,
            form=unlock_unfilled(definition.form, prefill),
            prefill=prefill,
            household=household.members,
            can_file=not closed,
            blockers=["closed"] if closed else [],
            closes_on=definition.closes_on,
            fee_yen=definition.fee_yen,
            steps=steps_of(definition),
            corrections=False,  # staff put a wrong value right with the resident, there
        ),
    )


async def counter_visit(
    principal: Principal, registry_id: str, *, sees_protected: bool
) -> CounterVisit:
    """What was filed at the counter for this resident today (Japan time) — and the bookings
    the desk accepted today with the resident's passkey —, newest first, and what still
    waits: a filing the resident has not confirmed yet, or whose time to confirm ran out (to
    be filed again), or a booking opened at the desk; and the counter visits they booked
    online that are not decided yet, for the desk to open (``bookings``)."""
    person = await person_at_counter(principal, registry_id)
    since = datetime.combine(clock.today(), time.min, tzinfo=clock.JST)
    now = clock.now()
    async with read_transaction() as sql:
        rows = await sql.rows(
            _CounterRow,
            "SELECT id, receipt_number, procedure AS procedure_id, version, status, "
            "submitted_at, confirmation_expires_at, confirmed_at, filed_by "
            "FROM application WHERE municipality = ? AND person = ? "
            "AND ((channel = 'assisted' AND submitted_at >= ?) OR confirmed_at >= ?) "
            "ORDER BY COALESCE(confirmed_at, submitted_at) DESC, id DESC",
            [principal.municipality_id, person.id, since, since],
        )
        definitions = await definitions_of(sql, {(r.procedure_id, r.version) for r in rows})
        filers = await identity.names_as_filed([r.filed_by for r in rows], sql)
        bookings = await open_bookings(sql, principal.municipality_id, person.id, now)
    filings = []
    for row in rows:
        definition = definitions[(row.procedure_id, row.version)]
        waiting = row.status == "awaiting_confirmation"
        expires = row.confirmation_expires_at
        expired = waiting and expires is not None and expires < now
        filings.append(
            CounterFiling(
                application_id=row.id,
                receipt_number=row.receipt_number,
                slug=definition.slug,
                title=definition.title,
                state="expired" if expired else "waiting" if waiting else "confirmed",
                status=row.status,
                status_label=status_label(definition, row.status),
                filed_at=row.submitted_at,
                expires_at=row.confirmation_expires_at if waiting else None,
                confirmed_at=row.confirmed_at,
                filed_by=filers.get(row.filed_by, ""),
                mine=row.filed_by == principal.account_id,
            )
        )
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="resident.counter_visit_read",
        purpose=PURPOSE,
        subject_person=person.id,
        detail={
            "applications": [f.application_id for f in filings],
            "bookings": [b.application_id for b in bookings],
        },
    )
    withhold = await withholds_contact(principal, person, sees_protected)
    return CounterVisit(
        resident=await resident_at_counter(person, withhold=withhold),
        filings=filings,
        waiting=sum(f.state == "waiting" for f in filings)
        + sum(b.expires_at is not None and b.expires_at > now for b in bookings),
        bookings=bookings,
    )


class _CounterRow(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    procedure_id: int
    version: int
    status: str
    submitted_at: datetime
    confirmation_expires_at: datetime | None
    confirmed_at: datetime | None
    filed_by: int
