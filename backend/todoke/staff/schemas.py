"""The back office's request bodies and responses. Responses keep the JSON the staff PWA
reads (pwa/assets/js/staff/*.js): field names, order and null-vs-missing as they were."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

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


# What need-to-know (staff.need_to_know) leaves out of a resident's record is absent from
# the JSON (UNSET), never null: null keeps meaning "the registry does not know".


class ResidentPerson(msgspec.Struct, frozen=True):
    registry_id: str
    name: str | UnsetType = UNSET  # identity
    kana: str | UnsetType = UNSET
    birth_date: date | UnsetType | None = UNSET
    sex: str | UnsetType = UNSET
    postal_code: str | UnsetType = UNSET  # contact
    address: str | UnsetType = UNSET
    relation: str | UnsetType = UNSET  # identity
    resident_since: date | UnsetType | None = UNSET
    status: str | UnsetType = UNSET


class ResidentFacts(msgspec.Struct, frozen=True):
    """Facts from other registries: each only to the departments whose work uses it, with
    the resident's consent to sharing, on an opening tied to that work."""

    income_yen: int | UnsetType | None = UNSET
    tax_exempt: bool | UnsetType | None = UNSET
    single_parent: bool | UnsetType | None = UNSET
    livelihood_aid: bool | UnsetType | None = UNSET
    disability_certificate: str | UnsetType | None = UNSET
    care_level: str | UnsetType | None = UNSET
    pregnancy_due_date: date | UnsetType | None = UNSET


class Withheld(msgspec.Struct, frozen=True):
    """A section of the record left out of this view, and why."""

    section: str
    # need_to_know: not this role's and department's work; consent: the resident has not
    # consented to sharing; basis: opened on a reason alone, not on the department's work
    reason: str


class OpeningBasis(msgspec.Struct, frozen=True):
    """What this opening was recorded as belonging to (and the resident is shown)."""

    kind: str  # case | consultation | follow_up | reason
    id: int | UnsetType = UNSET  # the case, consultation or follow-up
    receipt_number: str | UnsetType = UNSET  # case
    held_on: date | UnsetType = UNSET  # consultation, follow-up
    department: str | UnsetType = UNSET  # code
    category: str | UnsetType = UNSET  # reason


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


class ResidentView(msgspec.Struct, frozen=True, kw_only=True):
    """What the municipality holds about one resident that this staff member may see: a
    section they may not see is absent and named in ``withheld``."""

    person: ResidentPerson
    facts: ResidentFacts | UnsetType = UNSET
    household: list[HouseholdMemberRead] | UnsetType = UNSET
    has_account: bool
    sharing_consent: bool
    applications: list[ResidentApplication] | UnsetType = UNSET
    consultations: list[ConsultationRead] | UnsetType = UNSET
    notices: list[ResidentNotice] | UnsetType = UNSET
    basis: OpeningBasis
    sections: list[str]  # the sections shown
    withheld: list[Withheld]


class NeedToKnowRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What staff of one role in one department ("*": any) may see."""

    role: str
    department: str
    items: list[str]


class NeedToKnowUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rules: list[NeedToKnowRule]


class NeedToKnowRead(msgspec.Struct, frozen=True):
    items: list[str]  # every section (and open_by_reason) a rule may name
    rules: list[NeedToKnowRule]


class ReasonOpeningRead(msgspec.Struct, frozen=True):
    """A record opened on a reason alone, for a supervisor to review."""

    id: int
    opened_at: datetime
    staff_id: int
    staff_name: str
    registry_id: str
    category: str
    reason: str
    reviewed_at: datetime | None
    reviewed_by_name: str | None


class ReasonOpeningList(msgspec.Struct, frozen=True):
    items: list[ReasonOpeningRead]


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


class DesignerTemplate(msgspec.Struct, frozen=True):
    """The platform template a procedure is built on: which version, which parts the
    municipality may change, and its changes so far."""

    slug: str
    version: int
    local: list[str]
    local_changes: dict[str, Any]


class DesignerRead(msgspec.Struct, frozen=True):
    definition: ProcedureDefinition
    version: int
    versions: list[DesignerVersion]
    template: DesignerTemplate | None = None  # null: the municipality's own procedure


# --- platform templates offered to the municipality (issue 16) -------------------------------


class TemplateChange(msgspec.Struct, frozen=True):
    kind: str  # added | removed | changed
    part: Localized
    before: Localized | None = None
    after: Localized | None = None


class TemplateOffer(msgspec.Struct, frozen=True, kw_only=True):
    """A newer template version a templated procedure (or local programme) could run, and
    what would change (its local changes kept)."""

    kind: str  # procedure | programme
    slug: str
    title: Localized
    department: str  # code
    editable: bool  # the caller designs for its department
    running_version: int
    offered_version: int
    note: Localized | None
    changes: list[TemplateChange]
    dropped: list[str]  # local changes the new version no longer allows
    declined: bool


class TemplateOfferList(msgspec.Struct, frozen=True):
    items: list[TemplateOffer]


class OfferAnswer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]  # the offered version
    kind: Literal["procedure", "programme"] = "procedure"


class OfferAccepted(msgspec.Struct, frozen=True):
    """A procedure's new version is published at once; a programme's is a draft that runs
    once a second staff member approves it, like any change to a programme."""

    slug: str
    kind: str
    template_version: int
    version: int
    status: str  # published | draft


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


class TimeSavedProcedure(msgspec.Struct, frozen=True):
    """One procedure's filing durations (minutes, median of the spans counted) and the
    municipality's paper baseline."""

    slug: str
    title: dict[str, str]
    online_minutes: float | None  # filed by the resident (or a proxy) from a draft
    online_timed: int  # spans counted
    counter_minutes: float | None  # at the counter with Todoke (staff start → confirmation)
    counter_timed: int
    resumed_later: int  # spans over the cap: left and resumed later, not counted
    paper_minutes: int | None  # the municipality's baseline; None until entered
    hours_saved: float  # over the months shown


class TimeSavedMonth(msgspec.Struct, frozen=True):
    month: str  # YYYY-MM, Japan time
    hours_saved: float
    filings: int  # filings counted (timed, under the cap, with a baseline)


class TimeSaved(msgspec.Struct, frozen=True):
    cap_minutes: int  # spans longer than this are "resumed later" and not counted
    months: list[TimeSavedMonth]  # oldest first
    procedures: list[TimeSavedProcedure]


class Metrics(msgspec.Struct, frozen=True):
    procedures: list[ProcedureFigures]
    push: DeliveryFigures | None  # the whole service's, for those who may see it
    as_of: datetime
    time_saved: TimeSaved


# One to 1,440 minutes (a whole day) per procedure on paper; null removes the baseline.
PaperMinutes = Annotated[int, msgspec.Meta(ge=1, le=1440)]


class PaperBaselineItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    minutes: PaperMinutes | None


class PaperBaselineUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    items: Annotated[list[PaperBaselineItem], msgspec.Meta(max_length=200)]


class PaperBaselineRead(msgspec.Struct, frozen=True):
    slug: str
    minutes: int
    updated_at: datetime


class PaperBaselineList(msgspec.Struct, frozen=True):
    items: list[PaperBaselineRead]


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


class ProtectionUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """DV・ストーカー等支援措置 for one resident: the registry persons it protects against
    (住民コード), names of persons outside the registry, its period (no end: open-ended)."""

    named_persons: Annotated[list[str], msgspec.Meta(max_length=20)] = []
    named_outside: Annotated[list[str], msgspec.Meta(max_length=20)] = []
    valid_from: Day | None = None  # today when left out
    valid_until: Day | None = None


class ProtectionRead(msgspec.Struct, frozen=True):
    """The resident's protection as staff who may set it read it (``protected`` false: none)."""

    registry_id: str
    protected: bool
    named_persons: list[str] = []  # 住民コード
    named_outside: list[str] = []
    valid_from: date | None = None
    valid_until: date | None = None
    in_force: bool = False  # today within its period
    created_at: datetime | None = None


# --- おくやみ (bereavement) ----------------------------------------------------------------------

ReporterRelation = Literal[
    "spouse", "child", "parent", "sibling", "relative", "funeral_company", "other"
]
TaskState = Literal["todo", "done", "not_needed"]


class DeathRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A resident's death as the citizens division records it: the date, who reported it and
    the 死亡届's acceptance number when one is known."""

    died_on: Day
    reported_by: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    reporter_relation: ReporterRelation = "relative"
    death_notice_number: Annotated[str, msgspec.Meta(max_length=32)] = ""


class BereavementTaskUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A task marked done, not needed or back to do, with a note (left out: kept)."""

    state: TaskState
    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class BereavementPerson(msgspec.Struct, frozen=True):
    registry_id: str
    name: str


class BereavementTaskRead(msgspec.Struct, frozen=True):
    id: int
    item: str  # the task's code (staff words: bereavement.item.<code>)
    department: DepartmentRef
    kind: str  # counter | online | other_organisation
    procedure: str  # the seeded procedure's slug, for online ones
    organisation: str  # pension_office …, for other_organisation
    subject: BereavementPerson | None  # whom it is for, when not the deceased
    state: TaskState
    note: str
    updated_by: str | None
    updated_at: datetime | None
    mine: bool  # the reader's department: they may mark it


class BereavementCaseRead(msgspec.Struct, frozen=True):
    id: int
    deceased: BereavementPerson
    died_on: date
    reported_by: str
    reporter_relation: str
    death_notice_number: str
    surviving_parent: BereavementPerson | None
    created_by: str | None
    created_at: datetime
    remaining: int
    tasks: list[BereavementTaskRead]


class BereavementCaseSummary(msgspec.Struct, frozen=True):
    id: int
    deceased: BereavementPerson
    died_on: date
    created_at: datetime
    remaining: int  # every department's tasks still to do
    mine: int  # of them, the reader's departments'


class BereavementReport(msgspec.Struct, frozen=True):
    """A death a resident told the app of (their おくやみ life event), not recorded in the
    registry yet: staff record it once the 死亡届 is accepted."""

    life_event_case: int
    deceased: BereavementPerson
    died_on: date  # as the resident gave it
    reported_by: str  # the resident's registered name (or their account's name)
    reported_at: datetime


class BereavementCaseList(msgspec.Struct, frozen=True):
    items: list[BereavementCaseSummary]
    reported: list[BereavementReport] = msgspec.field(default_factory=list)
