"""Back-office routes for life events (issue 17): list each event at its published version,
check a definition being designed and preview the plan sample answers lead to, publish a new
version, and list an event's versions (``DESIGN_PROCEDURES``, as procedures). A started
event keeps the version it was started with."""

from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from todoke.principal import Permission, Principal
from todoke.procedures import life_event_design, life_events
from todoke.procedures.life_event_schemas import (
    LifeEventPreview,
    LifeEventPreviewBody,
    LifeEventPublish,
    LifeEventVersionList,
    StaffLifeEvent,
    StaffLifeEventList,
)
from todoke.web.guards import requires
from todoke.web.routing import get, post

Slug = Annotated[str, Parameter(max_length=64)]


class StaffLifeEventController(Controller):
    """The designer's life events: each published version, a preview, and a new version."""

    path = "/api/staff/life-events"
    tags = ["staff"]
    guards = [requires(Permission.DESIGN_PROCEDURES)]

    @get("/", operation_id="staffListLifeEvents")
    async def list_events(self, principal: NamedDependency[Principal]) -> StaffLifeEventList:
        return StaffLifeEventList(items=await life_events.staff_list(principal.municipality_id))

    @post("/", operation_id="staffPublishLifeEvent", status_code=HTTP_201_CREATED)
    async def publish(
        self, principal: NamedDependency[Principal], data: JSONBody[LifeEventPublish]
    ) -> StaffLifeEvent:
        return await life_event_design.publish(principal, data.definition)

    @post(
        "/preview",
        operation_id="staffPreviewLifeEvent",
        summary="Check a definition as publishing does and plan sample answers; no write",
        status_code=HTTP_200_OK,
    )
    async def preview(
        self, principal: NamedDependency[Principal], data: JSONBody[LifeEventPreviewBody]
    ) -> LifeEventPreview:
        return await life_event_design.preview(
            principal.municipality_id, data.definition, data.answers
        )

    @get(
        "/{slug:str}/versions",
        operation_id="staffLifeEventVersions",
        summary="An event's published versions, newest first, with who published each",
    )
    async def versions(
        self, principal: NamedDependency[Principal], slug: Slug
    ) -> LifeEventVersionList:
        return await life_event_design.versions(principal.municipality_id, slug)
