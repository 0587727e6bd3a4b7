"""Back-office routes under /api/staff for a resident's record: the consented 360° view,
recording a consultation, and the departments' open follow-up tasks. Any staff role may work
with residents (``RESIDENTS_VIEW``); what they see is scoped by department below."""

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.principal import Permission, Principal
from todoke.staff.purposes import Purpose
from todoke.staff.residents import service
from todoke.staff.schemas import (
    ConsultationCreate,
    ConsultationCreated,
    DueFollowUps,
    ResidentView,
)
from todoke.web.guards import requires
from todoke.web.inputs import RowId

RegistryId = Annotated[str, Parameter(pattern=r"^[0-9A-Za-z-]{1,32}$")]


class ResidentRecordController(Controller):
    path = "/api/staff"
    tags = ["staff"]
    guards = [requires(Permission.RESIDENTS_VIEW)]

    @get("/residents/{registry_id:str}", operation_id="staffResidentView")
    async def resident(
        self, principal: NamedDependency[Principal], registry_id: RegistryId, purpose: Purpose
    ) -> ResidentView:
        return await service.resident_view(principal, registry_id, purpose)

    @post(
        "/residents/{registry_id:str}/consultations",
        operation_id="staffRecordConsultation",
        status_code=HTTP_201_CREATED,
    )
    async def consultation(
        self,
        principal: NamedDependency[Principal],
        registry_id: RegistryId,
        data: JSONBody[ConsultationCreate],
    ) -> ConsultationCreated:
        consultation_id = await service.record_consultation(
            principal,
            registry_id=registry_id,
            department_code=data.department,
            topics=data.topics,
            summary=data.summary,
            held_on=data.held_on,
            follow_ups=[(f.task, f.due_on) for f in data.follow_ups],
        )
        return ConsultationCreated(id=consultation_id)

    @get("/follow-ups", operation_id="staffFollowUps")
    async def follow_ups(self, principal: NamedDependency[Principal]) -> DueFollowUps:
        return DueFollowUps(items=await service.follow_ups_due(principal))

    @post(
        "/follow-ups/{follow_up_id:int}/done",
        operation_id="staffCompleteFollowUp",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def complete(self, principal: NamedDependency[Principal], follow_up_id: RowId) -> None:
        await service.complete_follow_up(principal, follow_up_id)
