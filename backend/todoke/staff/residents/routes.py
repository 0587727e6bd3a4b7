"""Back-office routes under /api/staff for a resident's record: the consented 360° view
(opened for a case, consultation, follow-up or a stated reason), recording a consultation,
the departments' open follow-up tasks, supervisors' review of reason-only openings, and the
need-to-know grants (administrators). Any staff role may work with residents
(``RESIDENTS_VIEW``); what they see is decided per section by need-to-know in the service."""

from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from todoke.principal import Permission, Principal
from todoke.staff import need_to_know
from todoke.staff.purposes import BasisId, Reason, ReasonCategory, parse_basis
from todoke.staff.residents import protection, service
from todoke.staff.schemas import (
    ConsultationCreate,
    ConsultationCreated,
    DueFollowUps,
    NeedToKnowRead,
    NeedToKnowRule,
    NeedToKnowUpdate,
    ProtectionRead,
    ProtectionUpdate,
    ReasonOpeningList,
    ResidentView,
)
from todoke.web.guards import requires
from todoke.web.inputs import RegistryId, RowId
from todoke.web.routing import delete, get, post, put


class ResidentRecordController(Controller):
    path = "/api/staff"
    tags = ["staff"]
    guards = [requires(Permission.RESIDENTS_VIEW)]

    @get(
        "/residents/{registry_id:str}",
        operation_id="staffResidentView",
        summary="Open a resident's record for a case, consultation, follow-up or a reason",
    )
    async def resident(
        self,
        principal: NamedDependency[Principal],
        registry_id: RegistryId,
        case: BasisId = None,
        consultation: BasisId = None,
        follow_up: BasisId = None,
        reason: Reason = None,
        reason_category: ReasonCategory = None,
    ) -> ResidentView:
        basis = parse_basis(
            case=case,
            consultation=consultation,
            follow_up=follow_up,
            reason=reason,
            reason_category=reason_category,
        )
        return await service.resident_view(principal, registry_id, basis)

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

    @get(
        "/residents/{registry_id:str}/protection",
        operation_id="staffResidentProtection",
        summary="The resident's DV・ストーカー等支援措置, if any (audited)",
        guards=[requires(Permission.PROTECTION_MANAGE)],
    )
    async def get_protection(
        self, principal: NamedDependency[Principal], registry_id: RegistryId
    ) -> ProtectionRead:
        return await protection.read_protection(principal, registry_id)

    @put(
        "/residents/{registry_id:str}/protection",
        operation_id="staffSetResidentProtection",
        summary="Set or replace the resident's DV・ストーカー等支援措置 (audited)",
        guards=[requires(Permission.PROTECTION_MANAGE)],
    )
    async def set_protection(
        self,
        principal: NamedDependency[Principal],
        registry_id: RegistryId,
        data: JSONBody[ProtectionUpdate],
    ) -> ProtectionRead:
        return await protection.set_protection(
            principal,
            registry_id,
            named_persons=data.named_persons,
            named_outside=data.named_outside,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
        )

    @delete(
        "/residents/{registry_id:str}/protection",
        operation_id="staffLiftResidentProtection",
        summary="Lift the resident's DV・ストーカー等支援措置 (audited)",
        status_code=HTTP_204_NO_CONTENT,
        guards=[requires(Permission.PROTECTION_MANAGE)],
    )
    async def lift_protection(
        self, principal: NamedDependency[Principal], registry_id: RegistryId
    ) -> None:
        await protection.lift_protection(principal, registry_id)

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

    @get(
        "/reason-openings",
        operation_id="staffReasonOpenings",
        summary="Records opened on a reason alone by staff of my departments, for review",
        guards=[requires(Permission.REVIEW_OPENINGS)],
    )
    async def reason_openings(
        self,
        principal: NamedDependency[Principal],
        reviewed: Annotated[bool, Parameter(description="Already reviewed ones")] = False,
    ) -> ReasonOpeningList:
        return ReasonOpeningList(items=await service.reason_openings(principal, reviewed=reviewed))

    @post(
        "/reason-openings/{opening_id:int}/reviewed",
        operation_id="staffReviewOpening",
        status_code=HTTP_204_NO_CONTENT,
        guards=[requires(Permission.REVIEW_OPENINGS)],
    )
    async def review(self, principal: NamedDependency[Principal], opening_id: RowId) -> None:
        await service.review_opening(principal, opening_id)

    @get(
        "/need-to-know",
        operation_id="staffNeedToKnow",
        summary="Which sections of a resident's record each role and department may see",
        guards=[requires(Permission.ADMINISTER)],
    )
    async def grants(self, principal: NamedDependency[Principal]) -> NeedToKnowRead:
        return _grants_read(await need_to_know.grants(principal.municipality_id))

    @put(
        "/need-to-know",
        operation_id="staffSetNeedToKnow",
        summary="Replace the need-to-know grants (audited)",
        guards=[requires(Permission.ADMINISTER)],
    )
    async def set_grants(
        self, principal: NamedDependency[Principal], data: JSONBody[NeedToKnowUpdate]
    ) -> NeedToKnowRead:
        stored = await need_to_know.replace_grants(
            principal, [(r.role, r.department, r.items) for r in data.rules]
        )
        return _grants_read(stored)


def _grants_read(grants: list[need_to_know.Grant]) -> NeedToKnowRead:
    by_pair: dict[tuple[str, str], list[str]] = {}
    for g in grants:
        by_pair.setdefault((g.role, g.department), []).append(g.item)
    return NeedToKnowRead(
        items=list(need_to_know.ITEMS),
        rules=[
            NeedToKnowRule(role=role, department=department, items=sorted(items))
            for (role, department), items in sorted(by_pair.items())
        ],
    )
