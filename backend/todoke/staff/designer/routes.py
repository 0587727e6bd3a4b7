"""Back-office routes under /api/staff: the procedure designer."""

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from todoke.db import MAX_ID
from todoke.principal import Principal
from todoke.staff.designer import service
from todoke.staff.purposes import PURPOSES
from todoke.staff.schemas import (
    DefinitionBody,
)

Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]
RegistryId = Annotated[str, Parameter(pattern=r"^[0-9A-Za-z-]{1,32}$")]
Purpose = Annotated[
    str,
    Parameter(
        pattern="^(" + "|".join(PURPOSES) + ")$",
        description="Why the record is opened; recorded in the audit trail",
    ),
]


class DesignerController(Controller):
    path = "/api/staff"
    tags = ["staff"]

    @get("/procedures", operation_id="designerList")
    async def designer_list(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return {"items": await service.designer_list(principal)}

    @get("/procedures/{slug:str}", operation_id="designerGet")
    async def designer_get(
        self,
        principal: NamedDependency[Principal],
        slug: Annotated[str, Parameter(max_length=64)],
    ) -> dict[str, Any]:
        return await service.designer_get(principal, slug)

    @post("/procedures/preview", operation_id="designerPreview", status_code=HTTP_200_OK)
    async def designer_preview(
        self, principal: NamedDependency[Principal], data: JSONBody[DefinitionBody]
    ) -> dict[str, Any]:
        return service.designer_preview(principal, data.definition)

    @post("/procedures", operation_id="designerPublish", status_code=HTTP_201_CREATED)
    async def designer_publish(
        self, principal: NamedDependency[Principal], data: JSONBody[DefinitionBody]
    ) -> dict[str, Any]:
        return await service.designer_publish(principal, data.definition)
