"""Programmes in the back office: drafted, previewed, approved by a second staff member,
activated and closed. The rules and the matching are the benefits domain's."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from todoke.benefits import service
from todoke.benefits.service import ProgramDraft
from todoke.principal import Principal

Slug = Annotated[str, Parameter(pattern=r"^[a-z0-9-]{1,64}$")]


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
