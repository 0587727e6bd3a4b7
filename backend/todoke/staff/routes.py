"""Back-office routes under /api/staff. Every decision about who may do what is made in the
services; these only translate HTTP."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.audit import service as audit_service
from todoke.db import MAX_ID
from todoke.errors import InvalidInput, Text
from todoke.principal import Principal
from todoke.procedures import applications
from todoke.procedures.schemas import (
    AssistedCreate,
    AssistedPending,
    CorrectionList,
    CorrectionRead,
    MessageCreate,
    StatusChange,
)
from todoke.registry.importer import import_registry
from todoke.registry.schemas import ImportReport
from todoke.settings import Settings
from todoke.staff import service
from todoke.staff.schemas import (
    Assignment,
    ConsultationCreate,
    DefinitionBody,
    NoteCreate,
    StaffUpdate,
)

Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]
RegistryId = Annotated[str, Parameter(pattern=r"^[0-9A-Za-z-]{1,32}$")]
Purpose = Annotated[
    str,
    Parameter(
        pattern="^(" + "|".join(service.PURPOSES) + ")$",
        description="Why the record is opened; recorded in the audit trail",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name="Idempotency-Key", description="8–100 visible ASCII characters"),
]


def _key(value: str | None) -> str:
    if not value or not 8 <= len(value) <= 100 or not value.isascii() or not value.isprintable():
        raise InvalidInput(
            Text("送信番号（Idempotency-Key）が必要です。", "Send an Idempotency-Key header.")
        )
    return value


class StaffController(Controller):
    path = "/api/staff"
    tags = ["staff"]

    # --- cases ---

    @get("/departments", operation_id="staffDepartments")
    async def departments(self, principal: NamedDependency[Principal]) -> list[dict[str, Any]]:
        return await service.departments(principal)

    @get("/applications", operation_id="staffQueue", summary="The case queue, filtered")
    async def queue(
        self,
        principal: NamedDependency[Principal],
        procedure: Annotated[str | None, Parameter(max_length=64)] = None,
        status: Annotated[str | None, Parameter(max_length=32)] = None,
        assignee: Annotated[str | None, Parameter(pattern=r"^(me|none|\d{1,10})$")] = None,
        breached: Annotated[bool | None, Parameter(description="Past the service target")] = None,
        older_than_days: Annotated[int | None, Parameter(ge=0, le=3650)] = None,
    ) -> dict[str, Any]:
        items = await service.queue(
            principal,
            procedure=procedure,
            status=status,
            assignee=assignee,
            breached=breached,
            older_than_days=older_than_days,
        )
        return {"items": items}

    @get("/applications/{application_id:int}", operation_id="staffOpenCase")
    async def open_case(
        self, principal: NamedDependency[Principal], application_id: Id, purpose: Purpose
    ) -> dict[str, Any]:
        return await service.open_case(principal, application_id, purpose)

    @post(
        "/applications/{application_id:int}/status",
        operation_id="staffChangeStatus",
        status_code=HTTP_200_OK,
    )
    async def change_status(
        self,
        principal: NamedDependency[Principal],
        application_id: Id,
        data: JSONBody[StatusChange],
    ) -> dict[str, Any]:
        service.require(principal, service.CASE_ROLES)
        return await applications.change_status(
            principal, application_id, data.status, data.message
        )

    @post(
        "/applications/{application_id:int}/messages",
        operation_id="staffSendMessage",
        status_code=HTTP_200_OK,
    )
    async def message(
        self,
        principal: NamedDependency[Principal],
        application_id: Id,
        data: JSONBody[MessageCreate],
    ) -> dict[str, Any]:
        service.require(principal, service.CASE_ROLES)
        return await applications.staff_message(principal, application_id, data.text)

    @put("/applications/{application_id:int}/assignee", operation_id="staffAssign")
    async def assign(
        self,
        principal: NamedDependency[Principal],
        application_id: Id,
        data: JSONBody[Assignment],
    ) -> dict[str, Any]:
        return await service.assign(principal, application_id, data.assignee)

    @post(
        "/applications/{application_id:int}/notes",
        operation_id="staffAddNote",
        status_code=HTTP_201_CREATED,
    )
    async def note(
        self,
        principal: NamedDependency[Principal],
        application_id: Id,
        data: JSONBody[NoteCreate],
    ) -> dict[str, Any]:
        return await service.add_note(principal, application_id, data.text)

    @post(
        "/assisted-applications",
        operation_id="staffFileAssisted",
        status_code=HTTP_201_CREATED,
        summary="File with a resident at the counter; the resident confirms with their passkey",
    )
    async def assisted(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[AssistedCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> AssistedPending:
        pending = await applications.file_assisted(
            principal,
            person_registry_id=data.person_registry_id,
            slug=data.slug,
            version=data.version,
            answers=data.answers,
            idempotency_key=_key(idempotency_key),
        )
        return AssistedPending(**pending)

    @get("/corrections", operation_id="staffListCorrections")
    async def list_corrections(self, principal: NamedDependency[Principal]) -> CorrectionList:
        return CorrectionList(items=await applications.list_corrections_for_staff(principal))

    @post(
        "/corrections/{correction_id:int}",
        operation_id="staffResolveCorrection",
        status_code=HTTP_200_OK,
    )
    async def resolve_correction(
        self,
        principal: NamedDependency[Principal],
        correction_id: Id,
        data: JSONBody[StatusChange],
    ) -> CorrectionRead:
        return await applications.resolve_correction(
            principal, correction_id, data.status, data.message
        )

    # --- residents and consultations ---

    @get("/residents/{registry_id:str}", operation_id="staffResidentView")
    async def resident(
        self, principal: NamedDependency[Principal], registry_id: RegistryId, purpose: Purpose
    ) -> dict[str, Any]:
        return await service.resident_view(principal, registry_id, purpose)

    @post(
        "/residents/{registry_id:str}/consultations",
        operation_id="staffRecordConsultation",
        status_code=HTTP_201_CREATED,
    )
    async def consultation(
        self,
        principal: NamedDependency[Principal],
        registry_id: RegistryId,
        data: JSONBody[ConsultationCreate],
    ) -> dict[str, Any]:
        consultation_id = await service.record_consultation(
            principal,
            registry_id=registry_id,
            department_code=data.department,
            topics=data.topics,
            summary=data.summary,
            held_on=data.held_on,
            follow_ups=[(f.task, f.due_on) for f in data.follow_ups],
        )
        return {"id": consultation_id}

    @get("/follow-ups", operation_id="staffFollowUps")
    async def follow_ups(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return {"items": await service.follow_ups_due(principal)}

    @post(
        "/follow-ups/{follow_up_id:int}/done",
        operation_id="staffCompleteFollowUp",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def complete(self, principal: NamedDependency[Principal], follow_up_id: Id) -> None:
        await service.complete_follow_up(principal, follow_up_id)

    # --- the procedure designer ---

    @get("/procedures", operation_id="designerList")
    async def designer_list(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return {"items": await service.designer_list(principal)}

    @get("/procedures/{slug:str}", operation_id="designerGet")
    async def designer_get(
        self,
        principal: NamedDependency[Principal],
        slug: Annotated[str, Parameter(max_length=64)],
    ) -> dict[str, Any]:
        return await service.designer_get(principal, slug)

    @post("/procedures/preview", operation_id="designerPreview", status_code=HTTP_200_OK)
    async def designer_preview(
        self, principal: NamedDependency[Principal], data: JSONBody[DefinitionBody]
    ) -> dict[str, Any]:
        return service.designer_preview(principal, data.definition)

    @post("/procedures", operation_id="designerPublish", status_code=HTTP_201_CREATED)
    async def designer_publish(
        self, principal: NamedDependency[Principal], data: JSONBody[DefinitionBody]
    ) -> dict[str, Any]:
        return await service.designer_publish(principal, data.definition)

    # --- registry import, metrics, audit, staff ---

    @post(
        "/registry/imports",
        operation_id="staffImportRegistry",
        status_code=HTTP_201_CREATED,
        summary="Check (dry_run) or apply a registry file uploaded as the raw body",
        request_max_body_size=None,  # capped below by the settings' import limit
    )
    async def registry_import(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        filename: Annotated[str, Parameter(min_length=1, max_length=255)] = "upload.csv",
        dry_run: Annotated[bool, Parameter(description="Check only, apply nothing")] = True,
    ) -> ImportReport:
        service.require(principal, service.ADMIN_ROLES)
        settings: Settings = request.app.state.settings
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > settings.max_import_bytes:
                raise InvalidInput(Text("ファイルが大きすぎます。", "The file is too large."))
        file_format = "jsonl" if filename.endswith((".jsonl", ".ndjson")) else "csv"
        report = await import_registry(
            io.BytesIO(bytes(body)),
            municipality_id=principal.municipality_id,
            source=f"staff:{principal.display_name}"[:100],
            filename=filename,
            file_format=file_format,
            atomic=not dry_run,
            dry_run=dry_run,
        )
        await audit_service.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="registry.checked" if dry_run else "registry.imported",
            purpose="administration",
            detail={"import": report.id, "status": report.status},
        )
        return report

    @get("/metrics", operation_id="staffMetrics")
    async def metrics(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return await service.metrics(principal)

    @get("/metrics.csv", operation_id="staffMetricsCsv", media_type="text/csv")
    async def metrics_csv(self, principal: NamedDependency[Principal]) -> Response[str]:
        figures = await service.metrics(principal)
        return Response(
            service.metrics_csv(figures),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="todoke-metrics.csv"'},
        )

    @get("/audit.csv", operation_id="staffAuditExport", media_type="text/csv")
    async def audit_export(
        self,
        principal: NamedDependency[Principal],
        since: Annotated[date | None, Parameter(description="From this day (JST)")] = None,
        until: Annotated[date | None, Parameter(description="Before this day (JST)")] = None,
    ) -> Response[str]:
        body = await service.audit_export(principal, since, until)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="todoke-audit.csv"'},
        )

    @get("/audit/verify", operation_id="staffAuditVerify")
    async def audit_verify(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        service.require(principal, service.ADMIN_ROLES)
        check = await audit_service.verify_chain()
        return {
            "ok": check.first_broken is None,
            "events": check.events,
            "first_broken": check.first_broken,
        }

    @get("/accounts", operation_id="staffAccounts")
    async def accounts(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return {"items": await service.staff_accounts(principal)}

    @put("/accounts/{account_id:int}", operation_id="staffUpdateAccount")
    async def update_account(
        self, principal: NamedDependency[Principal], account_id: Id, data: JSONBody[StaffUpdate]
    ) -> dict[str, Any]:
        await service.update_staff(principal, account_id, data.role, data.departments)
        found = [a for a in await service.staff_accounts(principal) if a["id"] == account_id]
        return found[0]

    @post(
        "/accounts/{account_id:int}/deactivate",
        operation_id="staffDeactivateAccount",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def deactivate(self, principal: NamedDependency[Principal], account_id: Id) -> None:
        await service.deactivate_staff(principal, account_id)
