"""The back office's request bodies and responses. Responses keep the JSON the staff PWA
reads (pwa/assets/js/staff/*.js): field names, order and null-vs-missing as they were."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from todoke.notices.schemas import DeliveryFigures
from todoke.procedures.schemas import (
    ApplicationRead,
    DepartmentRef,
    FormSchema,
    HouseholdMemberRead,
    Localized,
    ProcedureDefinition,
    WorkflowStep,
)
from todoke.web.inputs import Day, Id

# --- request bodies ---------------------------------------------------------------------------


class Assignment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    assignee: Id | None  # an account id; null releases the case


class NoteCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: str


class FollowUpCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    task: str
    due_on: Day


class ConsultationCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    department: str  # code, one of the staff member's departments
    topics: list[str]
    summary: str
    held_on: Day
    follow_ups: list[FollowUpCreate] = []


class DefinitionBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    definition: dict[str, Any]


class StaffUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: str
    departments: list[str]


# --- cases ------------------------------------------------------------------------------------


class StaffDepartment(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: Localized
    mine: bool  # one of the caller's departments


class QueueItem(msgspec.Struct, frozen=True):
    """A case in the queue: no personal data (opening the case shows, and audits, that)."""

    id: int
    receipt_number: str
    procedure: str  # slug
    title: Localized
    status: str
    status_label: Localized
    channel: str
    submitted_at: datetime
    due_by: date
    age_days: int
    breached: bool  # past the service target (open and overdue, or decided late)
    assignee_id: int | None
    assignee_name: str | None
    department_id: int


class CaseQueue(msgspec.Struct, frozen=True):
    items: list[QueueItem]


class CaseNoteRead(msgspec.Struct, frozen=True):
    id: int
    text: str
    author_name: str
    created_at: datetime


class CaseWork(msgspec.Struct, frozen=True):
    """The staff-only parts of a case: notes and who works it."""

    notes: list[CaseNoteRead]
    assignee_id: int | None
    assignee_name: str | None
    person_registry_id: str | None


class StaffCase(ApplicationRead, frozen=True, kw_only=True):
    """The application as staff open it: the resident's view plus the staff-only parts."""

    notes: list[CaseNoteRead]
    assignee_id: int | None
    assignee_name: str | None
    person_registry_id: str | None


class CounterVerified(msgspec.Struct, frozen=True):
    verified: bool
    recovered: bool  # the resident's account was recovered onto a new passkey


# --- residents --------------------------------------------------------------------------------


class ResidentPerson(msgspec.Struct, frozen=True):
    registry_id: str
    name: str
    kana: str
    birth_date: date | None
    sex: str
    postal_code: str
    address: str
    relation: str
    resident_since: date | None
    status: str


class ResidentFacts(msgspec.Struct, frozen=True):
    """Facts from other registries: shown only with the resident's consent to sharing."""

    income_yen: int | None
    tax_exempt: bool | None
    single_parent: bool | None
    livelihood_aid: bool | None
    disability_certificate: str | None
    care_level: str | None
    pregnancy_due_date: date | None


class ResidentApplication(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    status: str
    channel: str
    submitted_at: datetime
    department: DepartmentRef
    title: Localized


class FollowUpRead(msgspec.Struct, frozen=True):
    id: int
    task: str
    due_on: date
    done: bool


class ConsultationRead(msgspec.Struct, frozen=True):
    id: int
    topics: list[str]
    summary: str
    held_on: date
    department: DepartmentRef
    staff_name: str
    created_at: datetime
    follow_ups: list[FollowUpRead]


class ResidentNotice(msgspec.Struct, frozen=True):
    kind: str
    title: dict[str, Any]
    created_at: datetime
    read: bool


class ResidentView(msgspec.Struct, frozen=True):
    """What the municipality holds about one resident that this staff member may see."""

    person: ResidentPerson
    facts: ResidentFacts | None
    household: list[HouseholdMemberRead]
    has_account: bool
    sharing_consent: bool
    applications: list[ResidentApplication]
    consultations: list[ConsultationRead]
    notices: list[ResidentNotice]


class ConsultationCreated(msgspec.Struct, frozen=True):
    id: int


class DueFollowUp(msgspec.Struct, frozen=True):
    id: int
    task: str
    due_on: date
    overdue: bool
    consultation_id: int
    held_on: date
    department: str  # code


class DueFollowUps(msgspec.Struct, frozen=True):
    items: list[DueFollowUp]


# --- the procedure designer -------------------------------------------------------------------


class DesignerItem(msgspec.Struct, frozen=True):
    slug: str
    version: int | None  # the published version; null before the first publication
    department: str  # code
    editable: bool  # the caller works for its department


class DesignerList(msgspec.Struct, frozen=True):
    items: list[DesignerItem]


class DesignerVersion(msgspec.Struct, frozen=True):
    version: int
    published_at: datetime | None


class DesignerRead(msgspec.Struct, frozen=True):
    definition: ProcedureDefinition
    version: int
    versions: list[DesignerVersion]


class DesignerPreview(msgspec.Struct, frozen=True):
    form: FormSchema
    steps: tuple[WorkflowStep, ...]
    title: Localized
    summary: Localized
    help: Localized | None


class DesignerPublished(msgspec.Struct, frozen=True):
    slug: str
    version: int


# --- administration ---------------------------------------------------------------------------


class ProcedureFigures(msgspec.Struct, frozen=True):
    slug: str
    title: dict[str, str]  # {ja, easy, en}; {ja, en} = the slug for an unpublished one
    received: int
    open: int
    median_days: float | None
    p90_days: float | None
    breaches: int
    online_share: float
    assisted_share: float


class Metrics(msgspec.Struct, frozen=True):
    procedures: list[ProcedureFigures]
    push: DeliveryFigures | None  # the whole service's, for those who may see it
    as_of: datetime


class AuditCheck(msgspec.Struct, frozen=True):
    ok: bool
    events: int
    first_broken: int | None  # the first event whose hash does not follow


class StaffAccountRead(msgspec.Struct, frozen=True):
    id: int
    display_name: str
    role: str
    departments: list[str]  # codes
    created_at: datetime
    active: bool


class StaffAccountList(msgspec.Struct, frozen=True):
    items: list[StaffAccountRead]
