"""Proactive support routes for residents and visitors: "support for you" and the anonymous
"do I qualify?" check. The staff side (drafting, preview, approval) is staff/designer's."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from todoke.benefits import service
from todoke.benefits.schemas import CheckAnswers, CheckResults, PublicProgramList, SupportList
from todoke.principal import Principal
from todoke.registry.schemas import MunicipalityRead
from todoke.web.caching import NOT_MODIFIED, revalidated
from todoke.web.routing import get, post


class SupportController(Controller):
    path = "/api/support"
    tags = ["benefits"]

    @get(
        "/",
        operation_id="supportForMe",
        summary="あなたが受けられる支援: the programs this resident qualifies for, and why",
    )
    async def mine(self, principal: NamedDependency[Principal]) -> SupportList:
        # A read, and only a read: matching happens when consent is given (identity's
        # consent listener) or the registry changes, never because a page was opened.
        return SupportList(items=await service.support_for(principal))

    @get(
        "/programs",
        operation_id="supportPrograms",
        summary="Active programs and questions",
        responses=NOT_MODIFIED,
    )
    async def programs(
        self, request: Request[Any, Any, Any], municipality: NamedDependency[MunicipalityRead]
    ) -> Response[PublicProgramList]:
        active = await service.public_programs(municipality.id)
        return revalidated(request, PublicProgramList(items=active.value), active.etag)

    @post(
        "/check",
        operation_id="supportCheck",
        status_code=HTTP_200_OK,
        summary="Do I qualify? Evaluated with the same rules; nothing is stored",
    )
    async def check(
        self, municipality: NamedDependency[MunicipalityRead], data: JSONBody[CheckAnswers]
    ) -> CheckResults:
        return CheckResults(items=await service.anonymous_check(municipality.id, data.answers))
