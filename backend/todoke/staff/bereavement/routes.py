"""Back-office routes under /api/staff for おくやみ: the citizens division records a resident's
death (caseworkers and supervisors of 市民課, administrators), and staff who work cases see
the open おくやみ cases and mark their own department's tasks."""

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from todoke.principal import Permission, Principal
from todoke.staff.bereavement import service
from todoke.staff.schemas import (
    BereavementCaseList,
    BereavementCaseRead,
    BereavementTaskUpdate,
    DeathRecord,
)
from todoke.web.guards import requires
from todoke.web.inputs import RegistryId, RowId
from todoke.web.routing import get, post, put


class BereavementController(Controller):
    path = "/api/staff"
    tags = ["staff"]
    guards = [requires(Permission.CASES_WORK)]

    @post(
        "/residents/{registry_id:str}/death",
        operation_id="staffRecordDeath",
        summary="Record a resident's death and open its おくやみ case (audited)",
        status_code=HTTP_201_CREATED,
        guards=[requires(Permission.DEATHS_RECORD)],
    )
    async def record_death(
        self,
        principal: NamedDependency[Principal],
        registry_id: RegistryId,
        data: JSONBody[DeathRecord],
    ) -> BereavementCaseRead:
        case_id = await service.record_death(principal, registry_id, data)
        return await service.read_case(principal, case_id, audited=False)

    @get(
        "/bereavements",
        operation_id="staffBereavements",
        summary="The おくやみ cases with tasks still to do, and deaths residents told the app "
        "of that are not recorded yet",
    )
    async def cases(self, principal: NamedDependency[Principal]) -> BereavementCaseList:
        return BereavementCaseList(
            items=await service.open_cases(principal),
            reported=await service.reported_deaths(principal),
        )

    @get(
        "/bereavements/{case_id:int}",
        operation_id="staffBereavement",
        summary="One おくやみ case and every department's tasks (audited)",
    )
    async def case(
        self, principal: NamedDependency[Principal], case_id: RowId
    ) -> BereavementCaseRead:
        return await service.read_case(principal, case_id)

    @put(
        "/bereavements/{case_id:int}/tasks/{task_id:int}",
        operation_id="staffBereavementTask",
        summary="Mark a task of my department done, not needed or to do (audited)",
    )
    async def task(
        self,
        principal: NamedDependency[Principal],
        case_id: RowId,
        task_id: RowId,
        data: JSONBody[BereavementTaskUpdate],
    ) -> BereavementCaseRead:
        return await service.update_task(principal, case_id, task_id, data.state, data.note)
