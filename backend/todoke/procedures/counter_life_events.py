"""書かない窓口: a life event started at the counter for the resident in front of the desk
(issue 17). Support staff pick the event, the questions come already answered from what the
registry holds for that person, the answers plan the items as they do for the resident, and
each item with a procedure carries what the event fills in its form; the desk opens that
procedure's counter form with it and files it as an assisted filing the resident confirms
with their own passkey (``assisted``).

As for a procedure's counter form (``counter``), the resident is present and reads every
answer before confirming, so their prior consent to pre-filling is not asked; and for a
person under DV・ストーカー等支援措置, staff without the need never receive the registry's
address or contact: the counter form shows 「非表示」 and the filing carries the registry's."""

from __future__ import annotations

from typing import Any

from todoke import clock
from todoke.audit import service as audit
from todoke.db import read_transaction
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures import life_events
from todoke.procedures.counter import (
    NO_RESIDENT,
    PURPOSE,
    person_at_counter,
    resident_at_counter,
    withholds_contact,
)
from todoke.procedures.life_event_schemas import (
    CounterLifeEvent,
    CounterLifePlan,
    CounterPlanItem,
    EventItem,
    LifeEventSummary,
)
from todoke.procedures.prefill import Household, load_household
from todoke.registry import protection
from todoke.registry.public import CounterPerson


async def _household(person: CounterPerson) -> Household:
    async with read_transaction() as sql:
        household = await load_household(sql, person.id, clock.today())
    if household is None:  # the person left between the two reads
        raise NO_RESIDENT
    return household


async def counter_events(principal: Principal, registry_id: str) -> list[LifeEventSummary]:
    """The published life events the desk may start for this resident."""
    await person_at_counter(principal, registry_id)
    return await life_events.list_events(principal.municipality_id)


async def counter_event(
    principal: Principal, registry_id: str, slug: str, *, sees_protected: bool
) -> CounterLifeEvent:
    """The event's questions with what the registry answers for this resident (their
    household, a child under 15, turning 65, a dog their own account registered), and their
    household to choose from."""
    person = await person_at_counter(principal, registry_id)
    row, definition = await life_events.published_event(principal.municipality_id, slug)
    household = await _household(person)
    withhold = await withholds_contact(principal, person, sees_protected)
    account_id = await identity.resident_account_of(person.id)
    known = await life_events.registry_answers(
        principal.municipality_id,
        definition,
        household,
        account_id=account_id,
    )
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="life_event.opened_at_counter",
        purpose=PURPOSE,
        subject_person=person.id,
        detail={
            "event": row.slug,
            "version": row.version,
            "known": sorted(k.question for k in known),
        },
    )
    return CounterLifeEvent(
        resident=await resident_at_counter(
            person, withhold=withhold, has_account=account_id is not None
        ),
        event=life_events.event_read(row, definition, household, known),
    )


def _unseen(item: EventItem, answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` without the fields the event fills from the registry's address or contact
    (the counter form shows 「非表示」 there, and the filing carries the registry's)."""
    hidden = {
        field
        for field, source in item.fill.items()
        if source.partition(":")[0] == "registry"
        and source.partition(":")[2] in protection.WITHHELD_SOURCES
    }
    return {field: value for field, value in answers.items() if field not in hidden}


async def counter_plan(
    principal: Principal,
    registry_id: str,
    slug: str,
    version: int,
    given: dict[str, Any],
    *,
    sees_protected: bool,
) -> CounterLifePlan:
    """The items the answers lead to for this resident, each with its mark and deadline,
    and, for each with a procedure, the form answers the event fills (its answers and the
    registry's values) for the desk to open that procedure's counter form with."""
    person = await person_at_counter(principal, registry_id)
    household = await _household(person)
    planned = await life_events.planned_for(
        principal.municipality_id, slug, version, given, household
    )
    shown = await life_events.plan_of(principal.municipality_id, planned)
    withhold = await withholds_contact(principal, person, sees_protected)
    related = life_events.booked_with(planned.items)
    items = []
    for item, plan_item in zip(planned.items, shown.items, strict=True):
        answers = (
            life_events.item_answers(item, planned.answers, household, related)
            if plan_item.procedure
            else {}
        )
        items.append(
            CounterPlanItem(
                id=item.id,
                title=item.title,
                mode=item.mode,
                procedure=plan_item.procedure,
                procedure_title=plan_item.procedure_title,
                organisation=item.organisation,
                note=item.note,
                deadline=plan_item.deadline,
                answers=_unseen(item, answers) if withhold else answers,
            )
        )
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="life_event.planned_at_counter",
        purpose=PURPOSE,
        subject_person=person.id,
        detail={
            "event": shown.slug,
            "version": shown.version,
            "items": [i.id for i in items],
        },
    )
    return CounterLifePlan(
        slug=shown.slug, version=shown.version, event_date=shown.event_date, items=items
    )
