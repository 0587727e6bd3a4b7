"""Back-office routes under /api/staff for the procedure designer: list, read, preview and
publish procedure definitions (``DESIGN_PROCEDURES``; publishing is further limited to the
designer's departments). Programmes have their own routes (``programs.py``)."""

from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from todoke.principal import Permission, Principal
from todoke.staff.designer import service
from todoke.staff.schemas import (
    DefinitionBody,
    DesignerList,
    DesignerPreview,
    DesignerPublished,
    DesignerRead,
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
