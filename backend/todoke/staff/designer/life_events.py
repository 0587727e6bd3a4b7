"""Back-office routes for life events (issue 17): list each event at its published version
and publish a new one (``DESIGN_PROCEDURES``, as procedures). A started event keeps the
version it was started with. No designer screen yet: the definition is sent as JSON."""

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from todoke.principal import Permission, Principal
from todoke.procedures import life_events
from todoke.procedures.life_event_schemas import (
    LifeEventPublish,
    StaffLifeEvent,
    StaffLifeEventList,
)
from todoke.web.guards import requires
from todoke.web.routing import get, post


class StaffLifeEventController(Controller):
    """The designer's life events: each published version, and a new one published."""

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
        return await life_events.publish(principal, data.definition)
