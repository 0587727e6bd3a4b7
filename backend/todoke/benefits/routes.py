"""Proactive support routes: programs for staff (draft, preview, submit, approve, close),
"support for you" for residents, and the anonymous "do I qualify?" check."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from todoke.benefits import service
from todoke.benefits.service import ProgramDraft
from todoke.principal import Principal
from todoke.registry.schemas import MunicipalityRead

Slug = Annotated[str, Parameter(pattern=r"^[a-z0-9-]{1,64}$")]


class CheckAnswers(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    answers: dict[str, Any]


class StaffProgramController(Controller):
    path = "/api/staff/programs"
    tags = ["staff", "benefits"]

    @get("/", operation_id="staffListPrograms")
    async def list_programs(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return {"items": await service.list_programs(principal)}

    @put("/", operation_id="staffSaveProgram", summary="Create or edit a program's draft")
    async def save(
        self, principal: NamedDependency[Principal], data: JSONBody[ProgramDraft]
    ) -> dict[str, Any]:
        return await service.save_draft(principal, data)

    @get("/{slug:str}", operation_id="staffGetProgram")
    async def get_program(self, principal: NamedDependency[Principal], slug: Slug) -> dict:
        return await service.get_program(principal, slug)

    @post("/{slug:str}/preview", operation_id="staffPreviewProgram", status_code=HTTP_200_OK)
    async def preview(self, principal: NamedDependency[Principal], slug: Slug) -> dict:
        return await service.preview(principal, slug)

    @post("/{slug:str}/submit", operation_id="staffSubmitProgram", status_code=HTTP_200_OK)
    async def submit(self, principal: NamedDependency[Principal], slug: Slug) -> dict:
        return await service.submit(principal, slug)

    @post("/{slug:str}/approve", operation_id="staffApproveProgram", status_code=HTTP_200_OK)
    async def approve(self, principal: NamedDependency[Principal], slug: Slug) -> dict:
        return await service.approve(principal, slug)

    @post("/{slug:str}/close", operation_id="staffCloseProgram", status_code=HTTP_200_OK)
    async def close(self, principal: NamedDependency[Principal], slug: Slug) -> dict:
        return await service.close(principal, slug)


class SupportController(Controller):
    path = "/api/support"
    tags = ["benefits"]

    @get(
        "/",
        operation_id="supportForMe",
        summary="あなたが受けられる支援: the programs this resident qualifies for, and why",
    )
    async def mine(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        await service.match_on_consent(principal)
        return {"items": await service.support_for(principal)}

    @get("/programs", operation_id="supportPrograms", summary="Active programs and questions")
    async def programs(self, municipality: NamedDependency[MunicipalityRead]) -> dict[str, Any]:
        return {"items": await service.public_programs(municipality.id)}

    @post(
        "/check",
        operation_id="supportCheck",
        status_code=HTTP_200_OK,
        summary="Do I qualify? Evaluated with the same rules; nothing is stored",
    )
    async def check(
        self, municipality: NamedDependency[MunicipalityRead], data: JSONBody[CheckAnswers]
    ) -> dict[str, Any]:
        return {"items": await service.anonymous_check(municipality.id, data.answers)}
