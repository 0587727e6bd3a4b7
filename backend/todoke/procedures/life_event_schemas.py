"""Life events as data (issue 17): the definitions a municipality publishes, the plan a
resident's answers lead to, and the progress of an event they started."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from todoke.procedures.schemas import CounterResident, Localized, Option, ShowIf

QuestionKind = Literal["yes_no", "date", "choice", "members", "text", "phone", "postal_code"]
ItemMode = Literal["online", "counter_booking", "counter_only", "other_organisation"]
ItemState = Literal["filed", "booked", "todo", "done"]
# What the registry (or the resident's own filings) already answers: once-only.
KnownFact = Literal[
    "",
    "household",
    "child_under_15",
    "child_under_6",
    "dog",
    "aged_65",
    "phone",
    "address",
    "postal_code",
]


class EventQuestion(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: QuestionKind
    label: Localized
    help: Localized | None = None
    options: tuple[Option, ...] = ()
    required: bool = True
    known: KnownFact = ""
    show_if: ShowIf | None = None


class EventItem(msgspec.Struct, frozen=True, kw_only=True):
    """One thing the event may need. ``when``: every condition must hold (a question's
    answer among the values). ``fill``: for an online item filed here, and for the counter
    booking, each form field from ``answer:<question>``, ``registry:<value>`` or
    ``value:<literal>``; an online item without ``fill`` is a link to its form."""

    id: str
    title: Localized
    mode: ItemMode
    procedure: str = ""
    organisation: Localized | None = None
    note: Localized | None = None
    deadline_days: int | None = None  # from the event date; negative: before it
    when: tuple[ShowIf, ...] = ()
    fill: dict[str, str] = {}
    related: str = ""  # the booking's related_procedures option a counter item adds


class LifeEventDefinition(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: Localized
    summary: Localized
    questions: tuple[EventQuestion, ...]
    items: tuple[EventItem, ...]


# --- the resident's side --------------------------------------------------------------------


class LifeEventSummary(msgspec.Struct, frozen=True):
    slug: str
    version: int
    title: Localized
    summary: Localized


class LifeEventList(msgspec.Struct, frozen=True):
    items: list[LifeEventSummary]


class KnownAnswer(msgspec.Struct, frozen=True):
    """An answer the registry already holds, shown as such (the resident may change it)."""

    question: str
    value: Any
    source: str
    as_of: str


class MemberChoice(msgspec.Struct, frozen=True):
    id: str
    name: str
    relation: str
    is_self: bool


class LifeEventRead(msgspec.Struct, frozen=True):
    slug: str
    version: int
    title: Localized
    summary: Localized
    questions: list[EventQuestion]
    known: list[KnownAnswer]
    members: list[MemberChoice]


class LifeEventAnswers(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The answers, question id → value; each is checked against the event's questions
    (a bound on the values would not reach the OpenAPI document)."""

    version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    answers: Annotated[dict[str, Any], msgspec.Meta(max_length=40)]


class PlanItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: Localized
    mode: ItemMode
    procedure: str
    procedure_title: Localized | None
    organisation: Localized | None
    note: Localized | None
    deadline: date | None
    filed_here: bool  # online and filed with 「まとめて申請する」, or booked in the visit
    link: str
    # An online item filed here: its form's answers the event already gives (the event's
    # answers and the registry's values); the review shows the form with them, to complete.
    answers: dict[str, Any] = {}


class LifePlan(msgspec.Struct, frozen=True):
    slug: str
    version: int
    event_date: date
    items: list[PlanItem]
    visit: dict[str, Any] | None  # the booking's date and time, when there is one


class LifeEventFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """「まとめて申請する」: the answers again, the online items the resident kept and, for
    each, its form as the resident completed it in the review (item id → the form's
    answers; each form is checked by its procedure, as a filing of its own)."""

    version: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    answers: Annotated[dict[str, Any], msgspec.Meta(max_length=40)]
    selected: Annotated[list[str], msgspec.Meta(max_length=40)]
    idempotency_key: Annotated[str, msgspec.Meta(min_length=8, max_length=100)]
    forms: Annotated[dict[str, dict[str, Any]], msgspec.Meta(max_length=40)] = {}


class CaseItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    title: Localized
    mode: ItemMode
    state: ItemState
    deadline: date | None
    link: str
    application: int | None = None
    receipt_number: str = ""
    organisation: Localized | None = None
    note: Localized | None = None


class LifeEventCaseRead(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: Localized
    event_date: date
    created_at: datetime
    items: list[CaseItem]
    done: int
    total: int


class LifeEventCaseList(msgspec.Struct, frozen=True):
    items: list[LifeEventCaseRead]


class CaseItemDone(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    done: bool


# --- at the counter (書かない窓口) -----------------------------------------------------------


class CounterLifeEvent(msgspec.Struct, frozen=True):
    """A life event started at the counter for the resident in front of the desk: the
    questions, what the registry answers for them, their household to choose from."""

    resident: CounterResident
    event: LifeEventRead


class CounterPlanItem(msgspec.Struct, frozen=True, kw_only=True):
    """An item of the plan as the desk works it: one with a procedure opens that procedure's
    counter form with ``answers`` (what the event fills in) over the registry's values; the
    others are to-dos, at another counter or another organisation, by the deadline."""

    id: str
    title: Localized
    mode: ItemMode
    procedure: str  # empty when the municipality does not run it (or there is none)
    procedure_title: Localized | None
    organisation: Localized | None
    note: Localized | None
    deadline: date | None
    answers: dict[str, Any]


class CounterLifePlan(msgspec.Struct, frozen=True):
    slug: str
    version: int
    event_date: date
    items: list[CounterPlanItem]


# --- staff ----------------------------------------------------------------------------------


class StaffLifeEvent(msgspec.Struct, frozen=True):
    slug: str
    version: int
    title: Localized
    published_at: datetime | None
    definition: LifeEventDefinition


class StaffLifeEventList(msgspec.Struct, frozen=True):
    items: list[StaffLifeEvent]


class LifeEventPublish(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A definition as the designer sends it; decoded and checked in the service."""

    definition: dict[str, Any]


class LifeEventPreviewBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A definition being designed and sample answers: checked as publishing checks it,
    the answers each by its question's kind (none is required here)."""

    definition: dict[str, Any]
    answers: Annotated[dict[str, Any], msgspec.Meta(max_length=40)] = {}


class LifeEventPreview(msgspec.Struct, frozen=True):
    shown: list[str]  # the questions these answers show, in order
    event_date: date | None
    items: list[PlanItem]


class LifeEventVersionRead(msgspec.Struct, frozen=True):
    version: int
    published_at: datetime | None
    published_by: str | None  # from the audit trail; none for the seeded first version
    current: bool


class LifeEventVersionList(msgspec.Struct, frozen=True):
    slug: str
    items: list[LifeEventVersionRead]
