"""Back-office routes under /api/staff for casework: the departments, the case queue,
opening a case, assignment and notes, decisions and messages, filing with a resident at the
counter, and corrections of registry facts. Each route declares the permission it needs."""

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from todoke.notices.letters import qr_rows
from todoke.principal import Permission, Principal
from todoke.procedures import assisted as assisted_filing
from todoke.procedures import corrections, decisions, moving
from todoke.procedures.schemas import (
    ApplicationRead,
    AssistedAttestation,
    AssistedAttested,
    AssistedCreate,
    AssistedPending,
    CorrectionList,
    CorrectionRead,
    MessageCreate,
    StaffMoveList,
    StatusChange,
)
from todoke.staff import need_to_know
from todoke.staff.cases import service
from todoke.staff.purposes import Purpose
from todoke.staff.schemas import (
    Assignment,
    CaseQueue,
    CaseWork,
    NoteCreate,
    StaffCase,
    StaffDepartment,
)
from todoke.web import inputs
from todoke.web.forwarded import request_origin
from todoke.web.guards import requires
from todoke.web.inputs import IdempotencyKeyHeader, RowId
from todoke.web.routing import get, post, put

CASEWORK = [requires(Permission.CASES_WORK)]


class CaseController(Controller):
    path = "/api/staff"
    tags = ["staff"]

    @get(
        "/moves",
        operation_id="staffMoves",
        summary="Moves out of and into this municipality (the citizens division's list)",
        guards=CASEWORK,
    )
    async def moves(self, principal: NamedDependency[Principal]) -> StaffMoveList:
        await service.require_citizens(principal)
        return StaffMoveList(items=await moving.moves_for_staff(principal.municipality_id))

    @get(
        "/departments",
        operation_id="staffDepartments",
        guards=[requires(Permission.STAFF_AREA)],
    )
    async def departments(self, principal: NamedDependency[Principal]) -> list[StaffDepartment]:
        return await service.departments(principal)

    @get(
        "/applications",
        operation_id="staffQueue",
        summary="The case queue, filtered",
        guards=CASEWORK,
    )
    async def queue(
        self,
        principal: NamedDependency[Principal],
        procedure: Annotated[str | None, Parameter(max_length=64)] = None,
        status: Annotated[str | None, Parameter(max_length=32)] = None,
        assignee: Annotated[str | None, Parameter(pattern=r"^(me|none|\d{1,10})$")] = None,
        breached: Annotated[bool | None, Parameter(description="Past the service target")] = None,
        # gt=-1, not ge=0: Litestar leaves a bound of 0 out of the OpenAPI document.
        older_than_days: Annotated[int | None, Parameter(gt=-1, le=3650)] = None,
    ) -> CaseQueue:
        items = await service.queue(
            principal,
            procedure=procedure,
            status=status,
            assignee=assignee,
            breached=breached,
            older_than_days=older_than_days,
        )
        return CaseQueue(items=items)

    @get("/applications/{application_id:int}", operation_id="staffOpenCase", guards=CASEWORK)
    async def open_case(
        self, principal: NamedDependency[Principal], application_id: RowId, purpose: Purpose
    ) -> StaffCase:
        return await service.open_case(principal, application_id, purpose)

    @post(
        "/applications/{application_id:int}/status",
        operation_id="staffChangeStatus",
        status_code=HTTP_200_OK,
        guards=CASEWORK,
    )
    async def change_status(
        self,
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[StatusChange],
    ) -> ApplicationRead:
        return await decisions.change_status(
            principal,
            application_id,
            data.status,
            data.message,
            data.document,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )

    @post(
        "/applications/{application_id:int}/messages",
        operation_id="staffSendMessage",
        status_code=HTTP_200_OK,
        guards=CASEWORK,
    )
    async def message(
        self,
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[MessageCreate],
    ) -> ApplicationRead:
        return await decisions.staff_message(
            principal,
            application_id,
            data.text,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )

    @put("/applications/{application_id:int}/assignee", operation_id="staffAssign", guards=CASEWORK)
    async def assign(
        self,
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[Assignment],
    ) -> CaseWork:
        return await service.assign(principal, application_id, data.assignee)

    @post(
        "/applications/{application_id:int}/notes",
        operation_id="staffAddNote",
        status_code=HTTP_201_CREATED,
        guards=CASEWORK,
    )
    async def note(
        self,
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[NoteCreate],
    ) -> CaseWork:
        return await service.add_note(principal, application_id, data.text)

    @post(
        "/assisted-applications/{application_id:int}/attestation",
        operation_id="staffAttestAssisted",
        status_code=HTTP_200_OK,
        summary="Confirm a counter filing for a resident without a passkey: signature or "
        "the staff member's attestation, recorded as such",
        guards=[requires(Permission.COUNTER_FILE)],
    )
    async def attest(
        self,
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[AssistedAttestation],
    ) -> AssistedAttested:
        return await assisted_filing.attest_assisted(principal, application_id, data)

    @post(
        "/assisted-applications",
        operation_id="staffFileAssisted",
        status_code=HTTP_201_CREATED,
        summary="File with a resident at the counter; the resident confirms with their passkey",
        guards=[requires(Permission.COUNTER_FILE)],
    )
    async def assisted(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        data: JSONBody[AssistedCreate],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> AssistedPending:
        pending = await assisted_filing.file_assisted(
            principal,
            person_registry_id=data.person_registry_id,
            slug=data.slug,
            version=data.version,
            answers=data.answers,
            idempotency_key=inputs.idempotency_key(idempotency_key),
            started_seconds_ago=data.started_seconds_ago,
            sees_protected=await need_to_know.sees_protected_contact(principal),
        )
        # The resident's phone camera opens the confirmation on this municipality's origin.
        address = request_origin(request.scope) + pending.confirm_url
        return msgspec.structs.replace(pending, confirm_qr=qr_rows(address))

    @get(
        "/corrections",
        operation_id="staffListCorrections",
        guards=[requires(Permission.STAFF_AREA)],
    )
    async def list_corrections(self, principal: NamedDependency[Principal]) -> CorrectionList:
        return CorrectionList(items=await corrections.list_corrections_for_staff(principal))

    @post(
        "/corrections/{correction_id:int}",
        operation_id="staffResolveCorrection",
        status_code=HTTP_200_OK,
        guards=CASEWORK,
    )
    async def resolve_correction(
        self,
        principal: NamedDependency[Principal],
        correction_id: RowId,
        data: JSONBody[StatusChange],
    ) -> CorrectionRead:
        return await corrections.resolve_correction(
            principal, correction_id, data.status, data.message
        )
