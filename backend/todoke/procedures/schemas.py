"""Procedure structs: the stored definition (form schema included) and what the API returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from todoke.web.inputs import Day, Id, Version


class Localized(msgspec.Struct, frozen=True):
    """One text in each UI language: Japanese, plain Japanese (やさしい日本語), English."""

    ja: str
    easy: str
    en: str


# full: filed entirely online. booking: the law needs a counter visit; online the resident
# books it with everything pre-filled (e.g. 転居届). partial: online claim plus an interview.
OnlineMode = Literal["full", "booking", "partial"]

# --- the form ------------------------------------------------------------------------------

FieldType = Literal[
    "text",
    "textarea",
    "kana",
    "date",
    "postal_code",
    "phone",
    "email",
    "number",
    "yen",
    "choice",
    "choices",
    "household_member",
    "household_members",
    "bank_account",
    "file",
    "consent",
]

# Registry values a field can be pre-filled from. Person values of the applicant, except
# "children" / "household" (ids of household members) which pre-select household members.
PrefillSource = Literal[
    "family_name",
    "given_name",
    "full_name",
    "family_name_kana",
    "given_name_kana",
    "full_name_kana",
    "birth_date",
    "sex",
    "postal_code",
    "address",
    "relation",
    "household",
    "children",
    # from move-in data a former municipality sent (procedures/moving.py)
    "previous_address",
    "move_date",
]


class Option(msgspec.Struct, frozen=True):
    value: str
    label: Localized


class ShowIf(msgspec.Struct, frozen=True):
    """Show the field only when another field's answer is one of ``values``."""

    field: str
    values: tuple[str, ...]


class FieldSpec(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    name: str  # [a-z][a-z0-9_]*, unique in the form
    type: FieldType
    label: Localized
    help: Localized | None = None
    required: bool = False
    options: tuple[Option, ...] = ()  # choice / choices
    widget: Literal["select", "radio", "checkbox", ""] = ""  # how a choice is shown
    min: int | None = None  # number / yen; earliest year for dates
    max: int | None = None
    max_length: int = 200
    max_files: int = 3  # file
    show_if: ShowIf | None = None
    prefill: PrefillSource | None = None
    locked: bool = False  # pre-filled and not for the resident to change
    lock_reason: Localized | None = None
    fills_address: str = ""  # postal_code: the field the looked-up address goes into
    # date: the day the resident books (a counter visit, an interview, a collection); it
    # stands on their home timeline until it has passed.
    appointment: bool = False


class Section(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str
    title: Localized
    fields: tuple[FieldSpec, ...]
    help: Localized | None = None


class FormSchema(msgspec.Struct, frozen=True):
    sections: tuple[Section, ...] = ()

    def fields(self) -> list[FieldSpec]:
        return [f for section in self.sections for f in section.fields]


class WorkflowStep(msgspec.Struct, frozen=True):
    """A status an application can be in. Every workflow has submitted, in_review,
    info_requested, approved, rejected and withdrawn; a procedure adds its own steps
    (an interview, a counter visit) between review and decision."""

    id: str
    label: Localized


class AddressEffect(msgspec.Struct, frozen=True, tag="registry_address"):
    """On approval, the applicant's registry address becomes the answered one, as of the
    answered date (an approved 転居届)."""

    postal_code_field: str
    address_field: str
    date_field: str
    movers_field: str = ""  # household members who move with the applicant


Effect = AddressEffect


class ProcedureDefinition(msgspec.Struct, frozen=True, kw_only=True):
    """A procedure version as data; the stored JSON of ``procedure_version.definition``."""

    slug: str
    department: str  # department code
    title: Localized
    summary: Localized
    online: OnlineMode
    # Service-level target, working days to a decision (a year at most: a due date far past
    # the calendar's end would overflow the date arithmetic).
    service_days: Annotated[int, msgspec.Meta(ge=0, le=366)]
    identity: Literal["none", "verified"]  # verified: linked to a registry person
    keywords: tuple[str, ...] = ()  # other words residents search with
    help: Localized | None = None  # what to prepare, what happens next
    form: FormSchema = FormSchema()
    steps: tuple[WorkflowStep, ...] = ()  # extra statuses between review and decision
    effects: tuple[Effect, ...] = ()
    eligibility: dict[str, Any] | None = None  # a JsonLogic rule over registry facts
    proxy_allowed: bool = True  # a delegate may file (not for 児童扶養手当)
    fee_yen: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] = 0
    closes_on: date | None = None  # last day to file; drafts are warned before it


# A definition's last day to file: within the years a municipality plans for.
CLOSES_ON_RANGE = (date(2000, 1, 1), date(2200, 12, 31))


class DepartmentRef(msgspec.Struct, frozen=True):
    code: str
    name: Localized


class ProcedureSummary(msgspec.Struct, frozen=True):
    slug: str
    version: int
    title: Localized
    summary: Localized
    department: DepartmentRef
    online: OnlineMode
    service_days: int
    identity: str
    keywords: tuple[str, ...]


class ProcedureList(msgspec.Struct, frozen=True):
    items: list[ProcedureSummary]


# --- forms as a resident sees them --------------------------------------------------------


class PrefilledValue(msgspec.Struct, frozen=True):
    value: Any
    source: str  # e.g. "住民基本台帳"
    as_of: str  # ISO date
    locked: bool
    fact: str  # the registry fact group, for "この情報が違う"


class HouseholdMemberRead(msgspec.Struct, frozen=True):
    id: str  # the member's registry id
    name: str
    kana: str
    birth_date: str | None
    relation: str
    is_self: bool


class FormRead(msgspec.Struct, frozen=True):
    """A procedure's current form for one resident: the schema, the pre-filled values with
    their provenance, the household to choose from, and what stands in the way of filing."""

    procedure: ProcedureSummary
    version: int
    help: Localized | None
    form: FormSchema
    prefill: dict[str, PrefilledValue]
    household: list[HouseholdMemberRead]
    can_file: bool
    blockers: list[str]  # sign_in | verify | prefill_consent | closed | proxy_not_allowed
    closes_on: date | None
    fee_yen: int
    steps: tuple[WorkflowStep, ...]
    # Whether "この情報が違う" may be asked of a pre-filled value: not for values that came with
    # a move (the registry here holds none yet; the counter puts them right).
    corrections: bool = True


# --- drafts ------------------------------------------------------------------------------


class AttachmentRead(msgspec.Struct, frozen=True):
    id: str
    filename: str
    content_type: str
    size: int
    created_at: datetime


class DraftCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: str
    on_behalf_of: Id | None = None  # the principal's account id, for a delegate


class DraftSave(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: Version
    answers: dict[str, Any]


class DraftRead(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: Localized
    version: int
    current_version: int  # differs when the procedure changed since the draft began
    answers: dict[str, Any]
    on_behalf_of: int | None
    on_behalf_of_name: str | None
    updated_at: datetime
    expires_at: datetime
    closes_on: date | None
    attachments: list[AttachmentRead] = []  # files the answers name, for another device


class DraftList(msgspec.Struct, frozen=True):
    items: list[DraftRead]


# --- applications --------------------------------------------------------------------------


class ApplicationCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: str
    version: Version
    answers: dict[str, Any]
    draft_id: Id | None = None
    on_behalf_of: Id | None = None


class Amendment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: Version
    answers: dict[str, Any]
    message: str = ""


class MessageCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: str


class TimelineEvent(msgspec.Struct, frozen=True):
    id: int
    kind: str  # submitted | status | message | amended | effect | confirmed | withdrawn
    status: str | None
    actor: str  # resident | proxy | staff | system
    actor_name: str
    text: str
    created_at: datetime
    document: str = ""  # a request for information: the document it names


class InfoRequest(msgspec.Struct, frozen=True):
    """What the department asks for now (the status is info_requested): its words, the
    document it names, when — for the status card, above everything else."""

    message: str
    document: str
    asked_at: datetime
    asked_by: str


class TrackerRow(msgspec.Struct, frozen=True):
    """Where an approved change reached: one row per department."""

    department: DepartmentRef
    reached_at: datetime


class AnsweredField(msgspec.Struct, frozen=True):
    """One answer as filed, with where a pre-filled value came from and whether the
    resident changed it (flagged for staff)."""

    name: str
    label: Localized
    value: Any
    display: str
    prefilled: bool
    changed: bool
    source: str | None
    as_of: str | None
    # What the PWA needs to write the value in the reader's language, as the review before
    # filing did: the field's type and its choices' labels (``display`` is the Japanese
    # text the printed receipt and CSV use).
    type: str = "text"
    options: tuple[Option, ...] = ()


class MemberName(msgspec.Struct, frozen=True):
    """A household member an answer names (by registry id), with their name."""

    id: str
    name: str


class ApplicationRead(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    procedure: ProcedureSummary
    version: int
    status: str
    status_label: Localized
    channel: str  # self | proxy | assisted
    applicant_name: str
    filed_by_name: str
    on_behalf_of: int | None  # the applicant's account when a delegate filed it
    submitted_at: datetime
    updated_at: datetime
    due_by: date  # the service-level target
    answers: list[AnsweredField]
    attachments: list[AttachmentRead]
    timeline: list[TimelineEvent]
    tracker: list[TrackerRow]
    can_amend: bool
    can_withdraw: bool
    steps: tuple[WorkflowStep, ...]
    # The members the answers name, and no one else of the household.
    household: tuple[MemberName, ...] = ()
    request: InfoRequest | None = None  # while the department waits for the resident


class ApplicationSummary(msgspec.Struct, frozen=True):
    id: int
    receipt_number: str
    title: Localized
    status: str
    status_label: Localized
    channel: str
    applicant_name: str
    submitted_at: datetime
    updated_at: datetime


class ApplicationList(msgspec.Struct, frozen=True):
    items: list[ApplicationSummary]


class StatusChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A caseworker's decision or step: approved, rejected (reason required),
    info_requested (message required), in_review, or a procedure's own step."""

    status: str
    message: str = ""
    # With info_requested: the document the department needs, by name (戸籍謄本…).
    document: str = ""


# --- corrections (この情報が違う) -------------------------------------------------------------


class CorrectionCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    field: str  # the form field whose pre-filled value is wrong
    slug: str  # the procedure the resident was filling in
    note: str = ""  # what is right, in the resident's words


class CorrectionRead(msgspec.Struct, frozen=True):
    id: int
    fact: str
    fact_label: Localized
    current_value: str
    note: str
    department: DepartmentRef
    status: str  # open | resolved | rejected
    reply: str
    created_at: datetime
    resolved_at: datetime | None


class CorrectionList(msgspec.Struct, frozen=True):
    items: list[CorrectionRead]


# --- delegation and assisted filing -------------------------------------------------------


class AssistedCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Support staff filing with a resident at the counter."""

    person_registry_id: str
    slug: str
    version: Version
    answers: dict[str, Any]
    # How long ago staff started the procedure with the resident (their screen opened it),
    # for the time-saved figures: seconds, at most four hours (a whole morning's visit).
    # Counted on the server's clock, so a staff screen's wrong clock cannot skew it. Left
    # out: the visit started now.
    started_seconds_ago: Annotated[int, msgspec.Meta(ge=0, le=4 * 3600)] = 0


class CounterResident(msgspec.Struct, frozen=True):
    """A resident as counter staff see them beside the identity document in hand."""

    registry_id: str
    name: str
    kana: str
    birth_date: date | None
    district: str  # 町域: tells namesakes apart; the address itself is on the form
    has_account: bool  # confirms with their own passkey; without one, signature or attestation


class CounterPeople(msgspec.Struct, frozen=True):
    items: list[CounterResident]
    more: bool  # more matched than are shown: add the given name


class CounterForm(msgspec.Struct, frozen=True):
    """A procedure's form filled from the registry for the resident at the counter."""

    resident: CounterResident
    form: FormRead


CounterState = Literal["waiting", "expired", "confirmed"]


class CounterFiling(msgspec.Struct, frozen=True):
    """One procedure filed at the counter for the resident today."""

    application_id: int
    receipt_number: str
    slug: str
    title: Localized
    state: CounterState  # waiting for the resident, their time ran out, or confirmed
    status: str
    status_label: Localized
    filed_at: datetime
    expires_at: datetime | None  # while waiting
    confirmed_at: datetime | None
    filed_by: str
    mine: bool  # filed by the staff member reading (only they may attest it)


class CounterBooking(msgspec.Struct, frozen=True):
    """A counter visit the resident booked online (a procedure whose online mode is
    ``booking``, e.g. 転居届) and that is not decided or withdrawn: what the desk opens."""

    application_id: int
    receipt_number: str
    slug: str
    version: int  # the version it was filed against: corrected answers are checked by it
    title: Localized
    status: str
    status_label: Localized
    visit_date: date | None  # the booked day (the form's appointment field)
    visit_time: str | None  # the booked hour as filed ("09-10")
    visit_time_label: Localized | None  # its words (9時〜10時)
    booked_at: datetime
    # While a code the desk gave waits for the resident's passkey (null otherwise).
    expires_at: datetime | None


class CounterVisit(msgspec.Struct, frozen=True):
    resident: CounterResident
    filings: list[CounterFiling]
    waiting: int  # filings the resident still has to confirm
    # The resident's open counter bookings, soonest booked day first.
    bookings: list[CounterBooking]


class BookingOpening(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Support staff open a resident's booking at the counter. Left out, the answers are
    what the resident filed; given, the whole form again (corrected with the resident),
    checked against the version the booking was filed with."""

    answers: dict[str, Any] | None = None


class AssistedPending(msgspec.Struct, frozen=True):
    application_id: int
    receipt_number: str
    confirmation_code: str  # the resident enters (or scans) it and confirms with a passkey
    confirm_url: str
    expires_at: datetime
    # The QR code of the confirmation page's address on this origin, for the resident's phone
    # camera: its modules row by row ("1" dark, "0" light), without the quiet zone.
    confirm_qr: list[str] = msgspec.field(default_factory=list)


class AssistedAttestation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """For a resident without a passkey: the counter filing confirmed by their signature on
    the counter's pad (``signature``: the attachment token of its image, uploaded by the
    same staff member) or by the staff member's attestation that they checked the person
    (``document``: the identity document seen), recorded as such."""

    method: Literal["signature", "staff_attestation"]
    signature: Annotated[str, msgspec.Meta(max_length=64)] = ""
    document: Annotated[str, msgspec.Meta(max_length=60)] = ""


class AssistedAttested(msgspec.Struct, frozen=True):
    id: int
    status: str
    method: str
    confirmed_at: datetime


class AssistedCode(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: str


class AssistedReview(msgspec.Struct, frozen=True):
    """A counter filing as the resident reads it before confirming, and the WebAuthn
    options (navigator.credentials.get) for confirming exactly that filing with their own
    passkey within two minutes."""

    application: ApplicationRead
    options: msgspec.Raw


class AssistedConfirm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The code shown at the counter and the resident's passkey assertion (the browser's
    ``credential.toJSON()``) answering the options made for that filing."""

    code: str
    credential: dict[str, Any]


# --- the resident's timeline on home -----------------------------------------------------


class TimelineItem(msgspec.Struct, frozen=True):
    """One line of the timeline. kind: action (the resident must do something), deadline,
    application (under way), notice (not read yet). what: info_requested, in_progress,
    draft_expires, status_report (現況届), appointment, notice — the PWA words each in the reader's
    language."""

    kind: str
    what: str
    title: Localized
    status_label: Localized | None
    at: datetime  # when it happened or was last changed (the order within a kind)
    due: date | None  # the last day, for deadlines
    link: str  # the app's screen for it
    opens: date | None = None  # the first day, for a deadline with a window (現況届)
    detail: Localized | None = None  # what the date is, for an appointment (来庁希望日)


class Timeline(msgspec.Struct, frozen=True):
    items: list[TimelineItem]
    unread_notices: int  # among the latest 50 notices; the inbox holds them all


# --- moving between municipalities (procedures/moving.py) -----------------------------------

MoveMethod = Literal["counter", "myna_portal"]


class MoveDestination(msgspec.Struct, frozen=True):
    """A municipality on this platform a resident can move to (their own is not one)."""

    id: int
    code: str
    name: dict[str, str]


class MoveDestinationList(msgspec.Struct, frozen=True):
    items: list[MoveDestination]


class MoveOutCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A resident tells their municipality they are moving out. ``destination`` is a
    municipality on this platform; any other is named in ``destination_name`` (and then
    nothing can be sent ahead: only the counter form is made)."""

    destination: Id | None = None
    destination_name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    move_date: Day
    new_postal_code: Annotated[str, msgspec.Meta(max_length=16)]
    new_address: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # Each item is checked against the household's registry ids (422 otherwise); a bound
    # on the items' length would not reach the OpenAPI document, which Litestar writes
    # without list items' constraints.
    movers: Annotated[list[str], msgspec.Meta(max_length=20)]
    method: MoveMethod
    dog: bool = False
    # counter: the 転出届 booking
    visit_date: Day | None = None
    visit_time: Annotated[str, msgspec.Meta(max_length=8)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=20)] = ""


class MoveConsentGiven(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The resident's explicit yes to sending the listed move-in data to the destination."""

    granted: bool


class MovedMember(msgspec.Struct, frozen=True):
    """One person moving, as the data that crosses holds them."""

    id: str  # M1, M2, … (no registry id of the former municipality crosses)
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: str | None
    sex: str
    relation: str
    is_self: bool
    child: bool  # under 18 on the move date (児童手当 at the new municipality)


class MoveData(msgspec.Struct, frozen=True):
    """Exactly what crosses to the new municipality with consent."""

    members: list[MovedMember]
    previous_postal_code: str
    previous_address: str
    new_postal_code: str
    new_address: str
    move_date: str
    dog: bool


# The fields that cross, in the order the consent screen lists them (words in the app).
MOVE_FIELDS: tuple[str, ...] = (
    "names",
    "kana",
    "birth_dates",
    "sex",
    "relation",
    "previous_address",
    "new_address",
    "move_date",
    "children",
    "dog",
)


class MoveOutRead(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    destination: MoveDestination | None
    destination_name: str
    move_date: date
    method: MoveMethod
    application: int | None  # the 転出届 counter booking
    myna_portal_url: str
    # what would cross (before consent) or crossed (after), field by field
    crossing: MoveData
    fields: tuple[str, ...]
    can_send: bool  # the destination is on this platform
    consented_at: datetime | None
    withdrawn_at: datetime | None
    used_at_destination: bool
    code_expires_at: datetime | None
    transfer_code: str | None = None  # shown once, when consent is given


class MoveOutList(msgspec.Struct, frozen=True):
    items: list[MoveOutRead]


class TransferCode(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class FollowOn(msgspec.Struct, frozen=True):
    """A procedure at the new municipality the move data pre-fills."""

    slug: str
    title: Localized
    reason: str  # move_in | child | nursery | dog
    application: int | None  # filed already


class MoveInRead(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    origin: MoveDestination
    consented_at: datetime
    received_at: datetime
    bound_at: datetime | None
    fields: tuple[str, ...]
    data: MoveData
    procedures: list[FollowOn]


class MoveInState(msgspec.Struct, frozen=True):
    """The incoming move bound to the signed-in account here, if any (none before the
    transfer code is entered)."""

    move: MoveInRead | None


class StaffMove(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    direction: Literal["out", "in"]
    name: str
    other: MoveDestination | None  # the other municipality, when on this platform
    other_name: str
    move_date: str
    method: str  # counter | myna_portal | "" (incoming)
    consented_at: datetime | None
    withdrawn_at: datetime | None
    bound_at: datetime | None
    application: int | None


class StaffMoveList(msgspec.Struct, frozen=True):
    items: list[StaffMove]
