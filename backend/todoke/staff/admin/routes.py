"""Back-office routes under /api/staff for administration: registry imports (checked, then
applied), service-level metrics and time saved (supervisors and administrators; the paper
baseline set by administrators), the audit trail's export and chain check, staff accounts and
invites (administrators only)."""

import io
from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.audit import service as audit_service
from todoke.identity import service as identity
from todoke.identity.schemas import InviteCreate, InviteCreated
from todoke.principal import Permission, Principal
from todoke.registry import branding
from todoke.registry.importer import import_registry
from todoke.registry.schemas import BrandingRead, BrandingUpdate, ImportReport, MunicipalityRead
from todoke.settings import Settings
from todoke.staff.admin import service, time_saved
from todoke.staff.schemas import (
    AuditCheck,
    Metrics,
    PaperBaselineList,
    PaperBaselineUpdate,
    StaffAccountList,
    StaffAccountRead,
    StaffUpdate,
)
from todoke.web import inputs
from todoke.web.guards import requires
from todoke.web.inputs import Day, RowId
from todoke.web.routing import delete, get, post, put

ADMINISTRATORS = [requires(Permission.ADMINISTER)]
METRICS = [requires(Permission.METRICS_READ)]


class AdminController(Controller):
    """Registry imports, the audit trail and staff accounts (administrators only), and the
    service-level figures of the caller's departments."""

    path = "/api/staff"
    tags = ["staff"]

    @post(
        "/registry/imports",
        operation_id="staffImportRegistry",
        status_code=HTTP_201_CREATED,
        summary="Check (dry_run) or apply a registry file uploaded as the raw body",
        request_max_body_size=None,  # capped below by the settings' import limit
        guards=ADMINISTRATORS,
    )
    async def registry_import(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        filename: Annotated[str, Parameter(min_length=1, max_length=255)] = "upload.csv",
        dry_run: Annotated[bool, Parameter(description="Check only, apply nothing")] = True,
    ) -> ImportReport:
        settings: Settings = request.app.state.settings
        body = await inputs.read_capped_body(request, settings.max_import_bytes)
        file_format = "jsonl" if filename.endswith((".jsonl", ".ndjson")) else "csv"
        report = await import_registry(
            io.BytesIO(body),
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

    @get("/metrics", operation_id="staffMetrics", guards=METRICS)
    async def metrics(self, principal: NamedDependency[Principal]) -> Metrics:
        return await service.metrics(principal)

    @get("/metrics.csv", operation_id="staffMetricsCsv", media_type="text/csv", guards=METRICS)
    async def metrics_csv(self, principal: NamedDependency[Principal]) -> Response[str]:
        figures = await service.metrics(principal)
        return Response(
            service.metrics_csv(figures),
            media_type="text/csv",
            headers={"content-disposition": 'attachment; filename="todoke-metrics.csv"'},
        )

    @get("/paper-baselines", operation_id="staffPaperBaselines", guards=METRICS)
    async def paper_baselines(self, principal: NamedDependency[Principal]) -> PaperBaselineList:
        return PaperBaselineList(items=await time_saved.paper_baselines(principal.municipality_id))

    @put(
        "/paper-baselines",
        operation_id="staffSetPaperBaselines",
        summary="Set the minutes each procedure takes on paper (null removes one); all or none",
        guards=ADMINISTRATORS,
    )
    async def set_paper_baselines(
        self, principal: NamedDependency[Principal], data: JSONBody[PaperBaselineUpdate]
    ) -> PaperBaselineList:
        items = await time_saved.set_paper_baselines(principal, data.items)
        return PaperBaselineList(items=items)

    @get(
        "/audit.csv", operation_id="staffAuditExport", media_type="text/csv", guards=ADMINISTRATORS
    )
    async def audit_export(
        self,
        principal: NamedDependency[Principal],
        since: Annotated[Day | None, Parameter(description="From this day (JST)")] = None,
        until: Annotated[Day | None, Parameter(description="Before this day (JST)")] = None,
    ) -> Response[str]:
        body = await service.audit_export(principal, since, until)
        return Response(
            body,
            media_type="text/csv",
            headers={"content-disposition": 'attachment; filename="todoke-audit.csv"'},
        )

    @get("/audit/verify", operation_id="staffAuditVerify", guards=ADMINISTRATORS)
    async def audit_verify(self, principal: NamedDependency[Principal]) -> AuditCheck:
        check = await audit_service.verify_chain(principal.municipality_id)
        return AuditCheck(
            ok=check.first_broken is None, events=check.events, first_broken=check.first_broken
        )

    @get("/accounts", operation_id="staffAccounts", guards=ADMINISTRATORS)
    async def accounts(self, principal: NamedDependency[Principal]) -> StaffAccountList:
        return StaffAccountList(items=await service.staff_accounts(principal))

    @put("/accounts/{account_id:int}", operation_id="staffUpdateAccount", guards=ADMINISTRATORS)
    async def update_account(
        self, principal: NamedDependency[Principal], account_id: RowId, data: JSONBody[StaffUpdate]
    ) -> StaffAccountRead:
        await service.update_staff(principal, account_id, data.role, data.departments)
        return next(a for a in await service.staff_accounts(principal) if a.id == account_id)

    @post(
        "/accounts/{account_id:int}/deactivate",
        operation_id="staffDeactivateAccount",
        status_code=HTTP_204_NO_CONTENT,
        guards=ADMINISTRATORS,
    )
    async def deactivate(self, principal: NamedDependency[Principal], account_id: RowId) -> None:
        await service.deactivate_staff(principal, account_id)


class BrandingController(Controller):
    """The municipality's own look and contact details (administrators only): read here,
    shown to everyone through GET /api/municipality."""

    path = "/api/staff/branding"
    tags = ["staff"]
    guards = ADMINISTRATORS

    @get("/", operation_id="staffBranding")
    async def read(self, municipality: NamedDependency[MunicipalityRead]) -> BrandingRead:
        return await branding.read_branding(municipality)

    @put("/", operation_id="staffUpdateBranding")
    async def update(
        self,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[BrandingUpdate],
    ) -> BrandingRead:
        return await service.update_branding(principal, municipality, data)

    @put(
        "/emblem",
        operation_id="staffSetEmblem",
        summary="Upload the emblem as the raw body: a PNG or WebP, 32-1024 px, 256 KB at most",
        request_max_body_size=None,  # capped below, with a problem that says the limit
    )
    async def set_emblem(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
    ) -> BrandingRead:
        body = await inputs.read_capped_body(request, branding.MAX_EMBLEM_BYTES)
        return await service.set_emblem(principal, municipality, body)

    @delete("/emblem", operation_id="staffRemoveEmblem", status_code=HTTP_200_OK)
    async def remove_emblem(
        self,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
    ) -> BrandingRead:
        return await service.set_emblem(principal, municipality, None)


class InviteController(Controller):
    """Invites for new staff members: a single-use link, administrators only."""

    path = "/api/staff"
    tags = ["staff"]
    guards = [requires(Permission.ADMINISTER)]

    @post("/invites", operation_id="createStaffInvite", status_code=HTTP_201_CREATED)
    async def create_invite(
        self,
        state: State,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[InviteCreate],
    ) -> InviteCreated:
        invite = await identity.create_staff_invite(
            municipality_id=principal.municipality_id,
            display_name=data.display_name,
            role=data.role,
            department_codes=data.departments,
            created_by=principal.account_id,
        )
        # Where the new member signs up: their municipality's own origin, or the deployment's.
        origin = municipality.origin or state.settings.public_origins[0]
        return InviteCreated(
            link=f"{origin}/staff/invite#{invite.token}", expires_at=invite.expires_at
        )
