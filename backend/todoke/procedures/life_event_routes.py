"""Life events (issue 17): the resident's questions, plan and one-go filing, and their
progress. The designer's side is under staff/designer/life_events.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from todoke.principal import Principal
from todoke.procedures import life_events
from todoke.procedures.life_event_schemas import (
    CaseItemDone,
    LifeEventAnswers,
    LifeEventCaseList,
    LifeEventCaseRead,
    LifeEventFile,
    LifeEventList,
    LifeEventRead,
    LifePlan,
)
from todoke.registry.schemas import MunicipalityRead
from todoke.web.guards import residents_only
from todoke.web.inputs import RowId
from todoke.web.routing import get, post, put

Slug = Annotated[str, Parameter(max_length=64)]
ItemId = Annotated[str, Parameter(max_length=64)]


class LifeEventController(Controller):
    path = "/api/life-events"
    tags = ["life events"]

    @get("/", operation_id="listLifeEvents", summary="The published life events")
    async def list_events(self, municipality: NamedDependency[MunicipalityRead]) -> LifeEventList:
        return LifeEventList(items=await life_events.list_events(municipality.id))

    @get(
        "/{slug:str}",
        operation_id="getLifeEvent",
        summary="One event's questions, with what the registry already answers",
        guards=[residents_only],
    )
    async def get_event(self, principal: NamedDependency[Principal], slug: Slug) -> LifeEventRead:
        return await life_events.get_event(principal, slug)

    @post(
        "/{slug:str}/plan",
        operation_id="planLifeEvent",
        summary="The items the answers lead to, each with its mark and deadline",
        status_code=HTTP_200_OK,
        guards=[residents_only],
    )
    async def plan(
        self,
        principal: NamedDependency[Principal],
        slug: Slug,
        data: JSONBody[LifeEventAnswers],
    ) -> LifePlan:
        return await life_events.plan(principal, slug, data.version, data.answers)

    @post(
        "/{slug:str}/file",
        operation_id="fileLifeEvent",
        summary="File the selected online items and book the counter visit, all or nothing",
        status_code=HTTP_201_CREATED,
        guards=[residents_only],
    )
    async def file(
        self,
        principal: NamedDependency[Principal],
        slug: Slug,
        data: JSONBody[LifeEventFile],
    ) -> LifeEventCaseRead:
        return await life_events.file_event(principal, slug, data)


class MyLifeEventController(Controller):
    path = "/api/me/life-events"
    tags = ["life events"]
    guards = [residents_only]

    @get("/", operation_id="listMyLifeEvents", summary="Started life events and their items")
    async def list_cases(self, principal: NamedDependency[Principal]) -> LifeEventCaseList:
        return LifeEventCaseList(items=await life_events.list_cases(principal))

    @get("/{case_id:int}", operation_id="getMyLifeEvent")
    async def get_case(
        self, principal: NamedDependency[Principal], case_id: RowId
    ) -> LifeEventCaseRead:
        return await life_events.get_case(principal, case_id)

    @put(
        "/{case_id:int}/items/{item_id:str}",
        operation_id="markMyLifeEventItem",
        summary="Tick a to-do item done (or not)",
        status_code=HTTP_200_OK,
    )
    async def mark_item(
        self,
        principal: NamedDependency[Principal],
        case_id: RowId,
        item_id: ItemId,
        data: JSONBody[CaseItemDone],
    ) -> LifeEventCaseRead:
        return await life_events.mark_item(principal, case_id, item_id, data.done)
