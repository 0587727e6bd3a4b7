"""The platform operator's API (/api/platform): add a municipality to this deployment and list
those served. Its bearer token (TODOKE_PLATFORM_TOKEN) opens these routes and nothing else:
it is no one's session, so every other route treats it as nobody."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from litestar import Controller, Request
from litestar.connection import ASGIConnection
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED

from todoke.errors import Text, Unauthenticated
from todoke.platform import service
from todoke.platform.schemas import (
    MunicipalityCreate,
    MunicipalityList,
    MunicipalityServed,
    TemplateList,
    TemplatePublished,
    TemplateVersionCreate,
)
from todoke.registry import branding
from todoke.registry.schemas import BrandingRead, BrandingUpdate
from todoke.web import inputs
from todoke.web.routing import get, post, put

MunicipalityCode = Annotated[str, Parameter(pattern=r"^[0-9]{6}$")]
PLATFORM_ONLY: list[dict[str, list[str]]] = [{"platformToken": []}]


async def platform_token(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
    """A guard: the operator's bearer token; without TODOKE_PLATFORM_TOKEN no token opens
    the API (it answers 401 like any missing credential, as the OpenAPI document says)."""
    expected: str = connection.app.state.settings.platform_token
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.strip().encode(), expected.encode())
    ):
        raise Unauthenticated(
            Text("運用者のトークンが必要です。", "The platform operator's token is needed.")
        )


class PlatformController(Controller):
    path = "/api/platform"
    tags = ["platform"]
    guards = [platform_token]
    security = PLATFORM_ONLY
    opt = {"platform": True}  # the deployment's own work, for no one municipality

    @get("/municipalities", operation_id="platformMunicipalities")
    async def municipalities(self) -> MunicipalityList:
        return MunicipalityList(items=await service.list_municipalities())

    @post("/municipalities", operation_id="platformAddMunicipality", status_code=HTTP_201_CREATED)
    async def add(self, data: JSONBody[MunicipalityCreate]) -> MunicipalityServed:
        added = await service.add_municipality(data)
        return MunicipalityServed(code=added.code, name=added.name, origin=added.origin)

    @put("/municipalities/{code:str}/branding", operation_id="platformUpdateBranding")
    async def update_branding(
        self, code: MunicipalityCode, data: JSONBody[BrandingUpdate]
    ) -> BrandingRead:
        return await service.update_branding(code, data)

    @put(
        "/municipalities/{code:str}/emblem",
        operation_id="platformSetEmblem",
        summary="Upload the emblem as the raw body: a PNG or WebP, 32-1024 px, 256 KB at most",
        request_max_body_size=None,  # capped below, with a problem that says the limit
    )
    async def set_emblem(
        self, request: Request[Any, Any, Any], code: MunicipalityCode
    ) -> BrandingRead:
        body = await inputs.read_capped_body(request, branding.MAX_EMBLEM_BYTES)
        return await service.set_emblem(code, body)

    @get("/templates", operation_id="platformTemplates")
    async def templates(self) -> TemplateList:
        return TemplateList(items=await service.list_templates())

    @post(
        "/templates/{slug:str}/versions",
        operation_id="platformPublishTemplateVersion",
        status_code=HTTP_201_CREATED,
    )
    async def publish_template_version(
        self,
        slug: Annotated[str, Parameter(pattern=r"^[a-z0-9-]{1,64}$")],
        data: JSONBody[TemplateVersionCreate],
    ) -> TemplatePublished:
        return await service.publish_template_version(slug, data)
