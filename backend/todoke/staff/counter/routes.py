"""Back-office routes under /api/staff for counter work: printing an activation letter for a
resident, and checking a resident's identity document at the counter (which links their
account to the registry, or recovers it onto a new passkey). The identity domain does the
work; these routes guard it (``COUNTER_VERIFY``) and rate-limit the checks.

And 書かない窓口 (``COUNTER_FILE``): finding the resident in front of the desk, a procedure's
form already filled from the registry for them, a life event started for them (its questions
answered from the registry, its plan), the visit's filings and bookings, and opening a
booking for the resident to confirm; filing and the resident's confirmation are
the cases routes' and the residents' own."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from todoke.identity import service
from todoke.identity.letters import activation_letter_html
from todoke.identity.ratelimit import rate_limit
from todoke.identity.schemas import (
    ActivationCodeCreate,
    ActivationLetter,
    CounterVerification,
)
from todoke.identity.service import ConsentListeners, recovery_hold
from todoke.notices.letters import qr_rows
from todoke.principal import Permission, Principal
from todoke.procedures import bookings, counter_life_events
from todoke.procedures import counter as counter_mode
from todoke.procedures.life_event_schemas import (
    CounterLifeEvent,
    CounterLifePlan,
    LifeEventAnswers,
    LifeEventList,
)
from todoke.procedures.schemas import (
    AssistedPending,
    BookingOpening,
    CounterForm,
    CounterPeople,
    CounterVisit,
)
from todoke.registry.schemas import MunicipalityRead
from todoke.staff import need_to_know
from todoke.staff.counter import service as counter_service
from todoke.staff.schemas import CounterVerified
from todoke.web.forwarded import request_origin
from todoke.web.guards import requires
from todoke.web.inputs import Day, RegistryId, RowId, Slug
from todoke.web.routing import get, post

Kana = Annotated[str, QueryParameter(max_length=64)]
BirthDate = Annotated[Day, QueryParameter(description="As on the identity document")]

# Counter codes are entered by staff: per staff account and per address (the desk's).
COUNTER_VERIFICATION_LIMIT = rate_limit(
    "counter-verification",
    limit=lambda settings: settings.auth_rate_limit,
    per=("account", "client"),
)


class CounterController(Controller):
    """Identity work at the counter. Residents and anonymous callers never pass the guard."""

    path = "/api/staff"
    tags = ["staff"]
    guards = [requires(Permission.COUNTER_VERIFY)]

    @post("/activation-codes", operation_id="issueActivationCode", status_code=HTTP_201_CREATED)
    async def issue_activation_code(
        self,
        state: State,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[ActivationCodeCreate],
    ) -> ActivationLetter:
        issued = await service.issue_activation_code(
            municipality_id=principal.municipality_id,
            registry_id=data.registry_id,
            purpose=data.purpose,
            issued_by=principal.account_id,
            recovery_hold=recovery_hold(state.settings),
        )
        person = await counter_service.addressee_for(principal, issued.person)
        return ActivationLetter(
            code=issued.code,
            expires_at=issued.expires_at,
            usable_from=issued.usable_from,
            letter_html=activation_letter_html(
                municipality=municipality,
                person=person,
                code=issued.code,
                expires_at=issued.expires_at,
                purpose=data.purpose,
                usable_from=issued.usable_from,
            ),
        )

    @post(
        "/counter-verifications",
        operation_id="verifyAtCounter",
        status_code=HTTP_200_OK,
        guards=[COUNTER_VERIFICATION_LIMIT],
    )
    async def verify_at_counter(
        self,
        principal: NamedDependency[Principal],
        consent_listeners: NamedDependency[ConsentListeners],
        data: JSONBody[CounterVerification],
    ) -> CounterVerified:
        result = await service.verify_at_counter(
            principal,
            counter_code=data.counter_code,
            registry_id=data.registry_id,
            document=data.document,
        )
        if not result.recovered:  # consents given before verifying reach the person now
            await service.pass_consents_on(result.account_id, consent_listeners.listeners)
        return CounterVerified(verified=True, recovered=result.recovered)


class CounterFilingController(Controller):
    """書かない窓口: what support staff read to file with a resident at the counter."""

    path = "/api/staff/counter"
    tags = ["staff"]
    guards = [requires(Permission.COUNTER_FILE)]

    @get(
        "/residents",
        operation_id="staffFindAtCounter",
        summary="Residents born that day whose reading (kana) matches the identity document",
    )
    async def find(
        self,
        principal: NamedDependency[Principal],
        family_name_kana: Kana,
        birth_date: BirthDate,
        given_name_kana: Kana = "",
    ) -> CounterPeople:
        return await counter_mode.find_residents(
            principal,
            family_name_kana=family_name_kana,
            given_name_kana=given_name_kana,
            birth_date=birth_date,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )

    @get(
        "/residents/{registry_id:str}",
        operation_id="staffCounterVisit",
        summary="The resident, what was filed at the counter for them today, and their open "
        "counter bookings",
    )
    async def visit(
        self, principal: NamedDependency[Principal], registry_id: RegistryId
    ) -> CounterVisit:
        return await counter_mode.counter_visit(
            principal,
            registry_id,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )

    @get(
        "/residents/{registry_id:str}/forms/{slug:str}",
        operation_id="staffCounterForm",
        summary="A procedure's form filled from the registry for the resident at the counter",
    )
    async def form(
        self, principal: NamedDependency[Principal], registry_id: RegistryId, slug: Slug
    ) -> CounterForm:
        return await counter_mode.counter_form(
            principal,
            registry_id,
            slug,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )

    @get(
        "/residents/{registry_id:str}/life-events",
        operation_id="staffCounterLifeEvents",
        summary="The life events the desk may start for the resident",
    )
    async def life_events(
        self, principal: NamedDependency[Principal], registry_id: RegistryId
    ) -> LifeEventList:
        return LifeEventList(items=await counter_life_events.counter_events(principal, registry_id))

    @get(
        "/residents/{registry_id:str}/life-events/{slug:str}",
        operation_id="staffCounterLifeEvent",
        summary="A life event's questions, with what the registry answers for the resident",
    )
    async def life_event(
        self, principal: NamedDependency[Principal], registry_id: RegistryId, slug: Slug
    ) -> CounterLifeEvent:
        return await counter_life_events.counter_event(
            principal,
            registry_id,
            slug,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )

    @post(
        "/residents/{registry_id:str}/life-events/{slug:str}/plan",
        operation_id="staffCounterLifePlan",
        status_code=HTTP_200_OK,
        summary="The items the answers lead to for the resident, each procedure's with the "
        "form answers the event fills",
    )
    async def life_plan(
        self,
        principal: NamedDependency[Principal],
        registry_id: RegistryId,
        slug: Slug,
        data: JSONBody[LifeEventAnswers],
    ) -> CounterLifePlan:
        return await counter_life_events.counter_plan(
            principal,
            registry_id,
            slug,
            data.version,
            data.answers,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )

    @post(
        "/bookings/{application_id:int}/confirmation",
        operation_id="staffOpenCounterBooking",
        status_code=HTTP_200_OK,
        summary="Open a resident's counter booking at the desk (answers corrected with them, "
        "optionally): a code for the resident to confirm it with their passkey",
    )
    async def open_booking(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[BookingOpening | None] = None,
    ) -> AssistedPending:
        pending = await bookings.open_booking(
            principal,
            application_id,
            data.answers if data is not None else None,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )
        # As for a counter filing: the resident's phone camera opens the confirmation on
        # this municipality's origin.
        address = request_origin(request.scope) + pending.confirm_url
        return msgspec.structs.replace(pending, confirm_qr=qr_rows(address))
