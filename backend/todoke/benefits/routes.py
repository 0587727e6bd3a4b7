"""Proactive support routes: programs for staff (draft, preview, submit, approve, close),
"support for you" for residents, and the anonymous "do I qualify?" check."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from todoke.benefits import service
from todoke.principal import Principal
from todoke.registry.schemas import MunicipalityRead

Slug = Annotated[str, Parameter(pattern=r"^[a-z0-9-]{1,64}$")]


class CheckAnswers(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    answers: dict[str, Any]


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
