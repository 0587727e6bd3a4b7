"""Back-office routes under /api/staff for the procedure designer: list, read, preview and
publish procedure definitions, and answer the platform template versions offered
(``DESIGN_PROCEDURES``; publishing and answering are further limited to the designer's
departments). Programmes have their own routes (``programs.py``)."""

from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.principal import Permission, Principal
from todoke.staff.designer import service
from todoke.staff.schemas import (
    DefinitionBody,
    DesignerList,
    DesignerPreview,
    DesignerPublished,
    DesignerRead,
    OfferAccepted,
    OfferAnswer,
    TemplateOfferList,
)
from todoke.web.guards import requires
from todoke.web.routing import get, post


class DesignerController(Controller):
    path = "/api/staff"
    tags = ["staff"]
    guards = [requires(Permission.DESIGN_PROCEDURES)]

    @get("/procedures", operation_id="designerList")
    async def designer_list(self, principal: NamedDependency[Principal]) -> DesignerList:
        return DesignerList(items=await service.designer_list(principal))

    @get("/procedures/{slug:str}", operation_id="designerGet")
    async def designer_get(
        self,
        principal: NamedDependency[Principal],
        slug: Annotated[str, Parameter(max_length=64)],
    ) -> DesignerRead:
        return await service.designer_get(principal, slug)

    @post("/procedures/preview", operation_id="designerPreview", status_code=HTTP_200_OK)
    async def designer_preview(self, data: JSONBody[DefinitionBody]) -> DesignerPreview:
        return service.designer_preview(data.definition)

    @post("/procedures", operation_id="designerPublish", status_code=HTTP_201_CREATED)
    async def designer_publish(
        self, principal: NamedDependency[Principal], data: JSONBody[DefinitionBody]
    ) -> DesignerPublished:
        return await service.designer_publish(principal, data.definition)

    @get("/templates/offers", operation_id="designerTemplateOffers")
    async def template_offers(self, principal: NamedDependency[Principal]) -> TemplateOfferList:
        return TemplateOfferList(items=await service.template_offers(principal))

    @post(
        "/templates/{slug:str}/accept",
        operation_id="designerAcceptTemplate",
        status_code=HTTP_201_CREATED,
    )
    async def accept_template(
        self,
        principal: NamedDependency[Principal],
        slug: Annotated[str, Parameter(pattern=r"^[a-z0-9-]{1,64}$")],
        data: JSONBody[OfferAnswer],
    ) -> OfferAccepted:
        return await service.accept_offer(principal, slug, data)

    @post(
        "/templates/{slug:str}/decline",
        operation_id="designerDeclineTemplate",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def decline_template(
        self,
        principal: NamedDependency[Principal],
        slug: Annotated[str, Parameter(pattern=r"^[a-z0-9-]{1,64}$")],
        data: JSONBody[OfferAnswer],
    ) -> None:
        await service.decline_offer(principal, slug, data)
