"""Programmes in the back office: drafted, previewed, approved by a second staff member,
activated and closed. The rules and the matching are the benefits domain's.

Who may do what is declared here, per route: every staff role reads programmes (support
staff answer residents' questions about them); caseworkers and up draft, preview and submit;
supervisors and administrators approve and close. The program's department is checked by
the service, as it depends on the data."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from todoke.benefits import service
from todoke.benefits.schemas import (
    ApprovalRequest,
    FactCatalogue,
    PersonsToCheck,
    ProgramApproved,
    ProgramDraft,
    ProgramList,
    ProgramPreview,
    ProgramRead,
    RuleCount,
    RuleCountRequest,
)
from todoke.principal import Permission, Principal
from todoke.web.guards import requires
from todoke.web.inputs import Slug
from todoke.web.routing import get, post, put

READ = [requires(Permission.PROGRAMS_READ)]
DRAFT = [requires(Permission.PROGRAMS_DRAFT)]
APPROVE = [requires(Permission.PROGRAMS_APPROVE)]


class StaffProgramController(Controller):
    path = "/api/staff/programs"
    tags = ["staff", "benefits"]

    @get("/", operation_id="staffListPrograms", guards=READ)
    async def list_programs(self, principal: NamedDependency[Principal]) -> ProgramList:
        return ProgramList(items=await service.list_programs(principal))

    @put(
        "/",
        operation_id="staffSaveProgram",
        summary="Create or edit a program's draft",
        guards=DRAFT,
    )
    async def save(
        self, principal: NamedDependency[Principal], data: JSONBody[ProgramDraft]
    ) -> ProgramRead:
        return await service.save_draft(principal, data)

    @get(
        "/facts",
        operation_id="staffProgramFacts",
        summary="The facts a rule may name, as the rule builder offers them",
        guards=DRAFT,
    )
    async def facts(self) -> FactCatalogue:
        return service.fact_catalogue()

    @post(
        "/rule-count",
        operation_id="staffCountRule",
        summary="How many residents a rule matches today, and how many it cannot decide",
        status_code=HTTP_200_OK,
        guards=DRAFT,
    )
    async def rule_count(
        self, principal: NamedDependency[Principal], data: JSONBody[RuleCountRequest]
    ) -> RuleCount:
        return await service.count_rule(principal, data.rule)

    @get("/{slug:str}", operation_id="staffGetProgram", guards=READ)
    async def get_program(self, principal: NamedDependency[Principal], slug: Slug) -> ProgramRead:
        return await service.get_program(principal, slug)

    @post(
        "/{slug:str}/preview",
        operation_id="staffPreviewProgram",
        status_code=HTTP_200_OK,
        guards=DRAFT,
    )
    async def preview(self, principal: NamedDependency[Principal], slug: Slug) -> ProgramPreview:
        return await service.preview(principal, slug)

    @post(
        "/{slug:str}/submit",
        operation_id="staffSubmitProgram",
        status_code=HTTP_200_OK,
        guards=DRAFT,
    )
    async def submit(self, principal: NamedDependency[Principal], slug: Slug) -> ProgramRead:
        return await service.submit(principal, slug)

    @post(
        "/{slug:str}/approve",
        operation_id="staffApproveProgram",
        status_code=HTTP_200_OK,
        guards=APPROVE,
    )
    async def approve(
        self,
        principal: NamedDependency[Principal],
        slug: Slug,
        data: JSONBody[ApprovalRequest | None] = None,
    ) -> ProgramApproved:
        return await service.approve(principal, slug, data)

    @get(
        "/{slug:str}/to-check",
        operation_id="staffProgramPersonsToCheck",
        summary="Matches staff check by hand: cannot tell (a fact missing), or stopped qualifying",
        guards=DRAFT,
    )
    async def to_check(
        self,
        principal: NamedDependency[Principal],
        slug: Slug,
        kind: Annotated[str, Parameter(pattern=r"^(cannot_tell|stopped)$")] = "cannot_tell",
    ) -> PersonsToCheck:
        return await service.persons_to_check(principal, slug, kind)

    @post(
        "/{slug:str}/close",
        operation_id="staffCloseProgram",
        status_code=HTTP_200_OK,
        guards=APPROVE,
    )
    async def close(self, principal: NamedDependency[Principal], slug: Slug) -> ProgramRead:
        return await service.close(principal, slug)
