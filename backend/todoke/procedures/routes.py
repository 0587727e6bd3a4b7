"""Procedure routes: the public catalogue, the form for one resident, drafts, attachments,
applications with their timeline and corrections of registry facts. The staff side of a
filing (reading, deciding, filing with a resident at the counter) is under staff/cases."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.db import MAX_ID
from todoke.identity import public as identity
from todoke.identity.ratelimit import rate_limit
from todoke.principal import Principal
from todoke.procedures import (
    assisted,
    corrections,
    drafts,
    filing,
    home,
    moving,
    reading,
    resident_actions,
    resident_form,
    search,
    service,
    uploads,
)
from todoke.procedures.attachments import FileStore, content_disposition
from todoke.procedures.receipt import receipt_html
from todoke.procedures.schemas import (
    Amendment,
    ApplicationCreate,
    ApplicationList,
    ApplicationRead,
    AssistedCode,
    AssistedConfirm,
    AssistedReview,
    AttachmentRead,
    CorrectionCreate,
    CorrectionList,
    CorrectionRead,
    DraftCreate,
    DraftList,
    DraftRead,
    DraftSave,
    FormRead,
    MessageCreate,
    MoveConsentGiven,
    MoveDestinationList,
    MoveInRead,
    MoveInState,
    MoveOutCreate,
    MoveOutList,
    MoveOutRead,
    ProcedureList,
    ProcedureSummary,
    Timeline,
    TransferCode,
)
from todoke.registry.schemas import MunicipalityRead
from todoke.settings import Settings
from todoke.web import inputs
from todoke.web.caching import NOT_MODIFIED, revalidated, variant
from todoke.web.guards import residents_only, signed_in
from todoke.web.inputs import RowId
from todoke.web.routing import delete, get, post, put


def _store(request: Request[Any, Any, Any]) -> FileStore:
    return request.app.state.file_store


class ProcedureController(Controller):
    path = "/api/procedures"
    tags = ["procedures"]

    @get(
        "/",
        operation_id="listProcedures",
        summary="Published procedures, optionally searched",
        responses=NOT_MODIFIED,
    )
    async def list_procedures(
        self,
        request: Request[Any, Any, Any],
        municipality: NamedDependency[MunicipalityRead],
        q: Annotated[str, Parameter(max_length=100, description="Search words")] = "",
    ) -> Response[ProcedureList]:
        catalogue = await service.published_catalogue(municipality.id)
        found = ProcedureList(items=await service.list_published(municipality.id, q))
        # The search rules are part of a search's ETag: new rules, new answers.
        return revalidated(request, found, variant(catalogue.etag, q, search.RULES if q else ""))

    @get(
        "/{slug:str}",
        operation_id="getProcedure",
        summary="One published procedure",
        responses=NOT_MODIFIED,
    )
    async def get_procedure(
        self,
        request: Request[Any, Any, Any],
        municipality: NamedDependency[MunicipalityRead],
        slug: FromPath[str],
    ) -> Response[ProcedureSummary]:
        catalogue = await service.published_catalogue(municipality.id)
        found = await service.get_published(municipality.id, slug)
        return revalidated(request, found, variant(catalogue.etag, found.slug))

    @get(
        "/{slug:str}/form",
        operation_id="getProcedureForm",
        summary="The current form, pre-filled for the signed-in resident (or their principal)",
    )
    async def get_form(
        self,
        municipality: NamedDependency[MunicipalityRead],
        optional_principal: NamedDependency[Principal | None],
        slug: FromPath[str],
        on_behalf_of: Annotated[int | None, Parameter(ge=1, le=MAX_ID)] = None,
    ) -> FormRead:
        return await resident_form.form_for(optional_principal, municipality.id, slug, on_behalf_of)


class TimelineController(Controller):
    """Home's one list: what to do, what is due, what goes on, what is unread."""

    path = "/api/me/timeline"
    tags = ["applications"]

    @get("/", operation_id="getTimeline", summary="What to do, what is due, what goes on")
    async def get_timeline(self, principal: NamedDependency[Principal]) -> Timeline:
        return await home.timeline(principal)


class DraftController(Controller):
    """Drafts are the author's own; nothing in them reaches staff."""

    path = "/api/drafts"
    tags = ["applications"]

    @get("/", operation_id="listDrafts")
    async def list_drafts(self, principal: NamedDependency[Principal]) -> DraftList:
        return DraftList(items=await drafts.list_drafts(principal))

    @post(
        "/",
        operation_id="openDraft",
        summary="The draft for a procedure, created if none",
        responses={200: ResponseSpec(DraftRead, description="The draft already open")},
    )
    async def open_draft(
        self, principal: NamedDependency[Principal], data: JSONBody[DraftCreate]
    ) -> Response[DraftRead]:
        draft, created = await drafts.open_draft(principal, data.slug, data.on_behalf_of)
        return Response(draft, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/{draft_id:int}", operation_id="getDraft")
    async def get_draft(self, principal: NamedDependency[Principal], draft_id: RowId) -> DraftRead:
        return await drafts.get_draft(principal, draft_id)

    @put("/{draft_id:int}", operation_id="saveDraft")
    async def save_draft(
        self, principal: NamedDependency[Principal], draft_id: RowId, data: JSONBody[DraftSave]
    ) -> DraftRead:
        return await drafts.save_draft(principal, draft_id, data.version, data.answers)

    @delete("/{draft_id:int}", operation_id="deleteDraft", status_code=HTTP_204_NO_CONTENT)
    async def delete_draft(self, principal: NamedDependency[Principal], draft_id: RowId) -> None:
        await drafts.delete_draft(principal, draft_id)


class AttachmentController(Controller):
    path = "/api/attachments"
    tags = ["applications"]

    @post(
        "/",
        operation_id="uploadAttachment",
        summary="Upload a file as the raw request body (PDF, JPEG or PNG by content)",
        description=(
            "Verified residents (and staff at the counter) only: 403 otherwise. Each account "
            "may store TODOKE_UPLOAD_DAILY_FILES files and TODOKE_UPLOAD_DAILY_BYTES bytes per "
            "day (Japan time); beyond that 429 with Retry-After. The stored name keeps the "
            "given stem with the extension of the detected type."
        ),
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,  # capped below by the settings' attachment limit
        guards=[
            signed_in,
            rate_limit("upload", limit=lambda _: 60, window_seconds=600, per="account"),
        ],
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        filename: Annotated[str, Parameter(min_length=1, max_length=255)] = "file",
    ) -> AttachmentRead:
        settings: Settings = request.app.state.settings
        limit = settings.max_attachment_bytes
        quota = uploads.UploadQuota(
            files=settings.upload_daily_files, bytes=settings.upload_daily_bytes
        )
        # Who may upload, and whether today's quota has room, before the body is read.
        uploads.require_may_upload(principal)
        await uploads.require_room(principal, quota)
        body = await inputs.read_capped_body(request, limit)
        return await uploads.store_upload(
            principal, _store(request), filename=filename, data=body, max_bytes=limit, quota=quota
        )

    @get("/{token:str}", operation_id="downloadAttachment")
    async def download(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        token: Annotated[str, Parameter(max_length=64)],
    ) -> Response[bytes]:
        found = await uploads.read_attachment(principal, _store(request), token)
        return Response(
            found.data,
            media_type=found.content_type,
            headers={
                "content-disposition": content_disposition(found.filename),
                "cache-control": "private, no-store",
            },
        )


# Reading a counter filing and confirming it count against one limit: codes are guessed
# through either.
_CONFIRM_LIMIT = rate_limit(
    "confirm",
    limit=lambda settings: settings.verification_rate_limit,
    window_seconds=600,
    per=("account", "client"),
)


class ApplicationController(Controller):
    """A resident's applications: those they are the applicant of, or filed as a proxy."""

    path = "/api/applications"
    tags = ["applications"]

    @post(
        "/",
        operation_id="fileApplication",
        summary="File an application (Idempotency-Key header required)",
        status_code=HTTP_201_CREATED,
        responses={
            200: ResponseSpec(
                ApplicationRead, description="Filed before with the same Idempotency-Key"
            )
        },
    )
    async def file(
        self,
        principal: NamedDependency[Principal],
        data: JSONBody[ApplicationCreate],
        idempotency_key: inputs.IdempotencyKeyHeader = None,
    ) -> Response[ApplicationRead]:
        key = inputs.idempotency_key(idempotency_key)
        application_id, created = await filing.file_application(
            principal,
            slug=data.slug,
            version=data.version,
            answers=data.answers,
            idempotency_key=key,
            draft_id=data.draft_id,
            on_behalf_of=data.on_behalf_of,
        )
        body = await reading.get_for_resident(principal, application_id)
        return Response(body, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/", operation_id="listApplications")
    async def list_applications(self, principal: NamedDependency[Principal]) -> ApplicationList:
        return ApplicationList(items=await reading.list_for_resident(principal))

    @post(
        "/confirm/review",
        operation_id="reviewAssistedApplication",
        summary="A counter filing to read, and the passkey options to confirm it with",
        status_code=HTTP_200_OK,
        guards=[signed_in, _CONFIRM_LIMIT],
    )
    async def confirm_review(
        self,
        state: State,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[AssistedCode],
    ) -> AssistedReview:
        rp_id, _ = identity.relying_party(state.settings, municipality)
        return await assisted.confirmation_review(principal, data.code, rp_id=rp_id)

    @post(
        "/confirm",
        operation_id="confirmAssistedApplication",
        summary="Make a counter filing one's own with a fresh assertion of one's own passkey",
        status_code=HTTP_200_OK,
        guards=[signed_in, _CONFIRM_LIMIT],
    )
    async def confirm(
        self,
        state: State,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
        data: JSONBody[AssistedConfirm],
    ) -> ApplicationRead:
        rp_id, origins = identity.relying_party(state.settings, municipality)
        application_id = await assisted.confirm_assisted(
            principal, data.code, data.credential, rp_id=rp_id, origins=origins
        )
        return await reading.get_for_resident(principal, application_id)

    @get("/{application_id:int}", operation_id="getApplication")
    async def get_application(
        self, principal: NamedDependency[Principal], application_id: RowId
    ) -> ApplicationRead:
        return await reading.get_for_resident(principal, application_id)

    @post("/{application_id:int}/messages", operation_id="sendApplicationMessage", status_code=200)
    async def message(
        self,
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[MessageCreate],
    ) -> ApplicationRead:
        return await resident_actions.post_message(principal, application_id, data.text)

    @put("/{application_id:int}/answers", operation_id="amendApplication")
    async def amend(
        self,
        principal: NamedDependency[Principal],
        application_id: RowId,
        data: JSONBody[Amendment],
    ) -> ApplicationRead:
        return await resident_actions.amend(
            principal, application_id, data.version, data.answers, data.message
        )

    @post("/{application_id:int}/withdraw", operation_id="withdrawApplication", status_code=200)
    async def withdraw(
        self, principal: NamedDependency[Principal], application_id: RowId
    ) -> ApplicationRead:
        return await resident_actions.withdraw(principal, application_id)

    @get(
        "/{application_id:int}/receipt",
        operation_id="getApplicationReceipt",
        summary="A printable receipt (HTML)",
        media_type="text/html",
    )
    async def receipt(
        self,
        principal: NamedDependency[Principal],
        municipality: NamedDependency[MunicipalityRead],
        application_id: RowId,
    ) -> str:
        body = await reading.get_for_resident(principal, application_id)
        return receipt_html(municipality, body)


class CorrectionController(Controller):
    path = "/api/corrections"
    tags = ["applications"]

    @post(
        "/",
        operation_id="requestCorrection",
        status_code=HTTP_201_CREATED,
        guards=[
            signed_in,
            rate_limit("correction", limit=lambda _: 20, window_seconds=3600, per="account"),
        ],
    )
    async def create(
        self, principal: NamedDependency[Principal], data: JSONBody[CorrectionCreate]
    ) -> CorrectionRead:
        return await corrections.request_correction(
            principal, slug=data.slug, field=data.field, note=data.note
        )

    @get("/", operation_id="listCorrections")
    async def list_corrections(self, principal: NamedDependency[Principal]) -> CorrectionList:
        return CorrectionList(items=await corrections.list_corrections(principal))


# A transfer code is short: guessing is held back like an activation code's.
TRANSFER_CODE_LIMIT = rate_limit(
    "transfer-code",
    limit=lambda settings: settings.verification_rate_limit,
    window_seconds=600,
    per=("account", "client"),
)


class MovingController(Controller):
    """Moving to another municipality (転出, at the one left) and in from one (転入, at the
    new one, with the transfer code). See procedures/moving.py."""

    path = "/api/moves"
    tags = ["moving"]
    guards = [residents_only]

    @get("/destinations", operation_id="listMoveDestinations")
    async def list_destinations(self, principal: NamedDependency[Principal]) -> MoveDestinationList:
        return MoveDestinationList(items=await moving.destinations(principal.municipality_id))

    @get("/out", operation_id="listMoveOuts")
    async def list_move_outs(self, principal: NamedDependency[Principal]) -> MoveOutList:
        return MoveOutList(items=await moving.list_move_outs(principal))

    @post("/out", operation_id="tellMoveOut", status_code=HTTP_201_CREATED)
    async def tell_move_out(
        self, principal: NamedDependency[Principal], data: JSONBody[MoveOutCreate]
    ) -> MoveOutRead:
        return await moving.tell_move_out(principal, data)

    @get("/out/{move_id:int}", operation_id="getMoveOut")
    async def get_move_out(
        self, principal: NamedDependency[Principal], move_id: RowId
    ) -> MoveOutRead:
        return await moving.get_move_out(principal, move_id)

    @post("/out/{move_id:int}/consent", operation_id="giveMoveConsent", status_code=HTTP_200_OK)
    async def give_consent(
        self,
        principal: NamedDependency[Principal],
        move_id: RowId,
        data: JSONBody[MoveConsentGiven],
    ) -> MoveOutRead:
        return await moving.give_consent(principal, move_id, data.granted)

    @post(
        "/out/{move_id:int}/withdraw", operation_id="withdrawMoveConsent", status_code=HTTP_200_OK
    )
    async def withdraw(self, principal: NamedDependency[Principal], move_id: RowId) -> MoveOutRead:
        return await moving.withdraw_consent(principal, move_id)

    @get("/in", operation_id="getMoveIn")
    async def get_move_in(self, principal: NamedDependency[Principal]) -> MoveInState:
        return MoveInState(move=await moving.incoming_move(principal))

    @post(
        "/in",
        operation_id="redeemTransferCode",
        status_code=HTTP_200_OK,
        guards=[TRANSFER_CODE_LIMIT],
    )
    async def redeem(
        self, principal: NamedDependency[Principal], data: JSONBody[TransferCode]
    ) -> MoveInRead:
        return await moving.redeem_transfer_code(principal, data.code)
