"""Back-office routes under /api/staff: registry imports, metrics, the audit trail and staff
accounts."""

import io
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.audit import service as audit_service
from todoke.db import MAX_ID
from todoke.errors import InvalidInput, Text
from todoke.identity import service as identity
from todoke.identity.schemas import InviteCreate, InviteCreated
from todoke.principal import Permission, Principal
from todoke.registry.importer import import_registry
from todoke.registry.schemas import ImportReport
from todoke.settings import Settings
from todoke.staff.admin import service
from todoke.staff.purposes import PURPOSES
from todoke.staff.schemas import (
    StaffUpdate,
)
from todoke.web.guards import requires

Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]
RegistryId = Annotated[str, Parameter(pattern=r"^[0-9A-Za-z-]{1,32}$")]
Purpose = Annotated[
    str,
    Parameter(
        pattern="^(" + "|".join(PURPOSES) + ")$",
        description="Why the record is opened; recorded in the audit trail",
    ),
]


class AdminController(Controller):
    path = "/api/staff"
    tags = ["staff"]

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
        principal.require(Permission.ADMINISTER)
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
        principal.require(Permission.ADMINISTER)
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


class InviteController(Controller):
    """Invites for new staff members: a single-use link, administrators only."""

    path = "/api/staff"
    tags = ["staff"]
    guards = [requires(Permission.ADMINISTER)]

    @post("/invites", operation_id="createStaffInvite", status_code=HTTP_201_CREATED)
    async def create_invite(
        self, state: State, principal: NamedDependency[Principal], data: JSONBody[InviteCreate]
    ) -> InviteCreated:
        invite = await identity.create_staff_invite(
            municipality_id=principal.municipality_id,
            display_name=data.display_name,
            role=data.role,
            department_codes=data.departments,
            created_by=principal.account_id,
        )
        origin = state.settings.public_origins[0]
        return InviteCreated(
            link=f"{origin}/staff/invite#{invite['token']}", expires_at=invite["expires_at"]
        )
