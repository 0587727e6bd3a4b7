"""What the benefits domain takes and gives: programme drafts, programmes with their delivery
figures, previews, "support for you", and the anonymous check. Field order is the JSON's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

# {ja, easy, en}: every text a resident reads comes in the app's three languages.
Localized = dict[str, str]


class ProgramDraft(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: str
    department: str  # the department's code
    title: Localized
    summary: Localized
    action: Localized
    rule: dict[str, Any]
    delivery: str
    procedure_slug: str = ""
    # Whom a match tells: the matched person, only the household's claimant (生計中心者), or
    # every adult of the matched household ("adults").
    tells: str = "person"
    # Channels in the order they are tried: app, email, letter (email needs app: it only
    # announces the inbox notice).
    channels: list[str] = msgspec.field(default_factory=lambda: ["app", "email", "letter"])
    # Not opened within this many days → the next channel; null: every channel at once.
    fallback_days: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None


class ApprovalRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the approver confirms: the legal basis for letters to residents who never
    signed up (個人情報保護法 §69(2)(ii)); empty: no letters."""

    letter_basis: str = ""


class ProgramFigures(msgspec.Struct, frozen=True):
    """The funnel of the programme's current version: ``matched`` (the rule holds),
    ``cannot_tell`` (the rule needs a fact the registry lacks: staff check by hand),
    ``told`` (on at least one channel) and ``by_channel`` (app, email, letter: letters
    ``queued`` until printed), ``opened`` (the notice opened in the inbox), ``applied``
    (filed the programme's procedure after being told), ``granted``; ``not_told`` counts
    matches nobody told, by reason (held_pending, held_approved, receiving, no_account,
    no_consent, no_channel); ``stopped``: no longer qualify (the daily pass)."""

    matched: int
    notified: int
    opened: int
    applied: int
    granted: int
    delivery_rate: float | None
    cannot_tell: int = 0
    by_channel: dict[str, int] = msgspec.field(default_factory=dict)
    letters_queued: int = 0
    not_told: dict[str, int] = msgspec.field(default_factory=dict)
    stopped: int = 0


class ProgramRead(msgspec.Struct, frozen=True, kw_only=True):
    """A programme's latest version."""

    id: int
    slug: str
    version: int
    status: str
    title: Localized
    summary: Localized
    action: Localized
    rule: dict[str, Any]
    delivery: str
    procedure_slug: str
    tells: str
    channels: list[str]
    fallback_days: int | None
    letter_basis: str
    department: str  # the department's code
    created_by: int | None
    submitted_by: int | None
    approved_by: int | None
    # The staff accounts' display names (programmes are only drafted and approved by staff).
    created_by_name: str | None = None
    submitted_by_name: str | None = None
    approved_by_name: str | None = None
    activated_at: datetime | None
    closed_at: datetime | None
    figures: ProgramFigures


class ProgramApproved(ProgramRead, frozen=True, kw_only=True):
    """An approved programme, and how many residents its activation told."""

    told: int


class ProgramList(msgspec.Struct, frozen=True):
    items: list[ProgramRead]


class PreviewExample(msgspec.Struct, frozen=True):
    registry_id: str
    name: str
    why: list[str]


class ProgramPreview(msgspec.Struct, frozen=True):
    """How many residents the rule matches today, and how many of them can be told."""

    slug: str
    version: int
    matched: int
    reachable: int
    # What approving would do now: how many would be told in the app, by email, by letter
    # (if the approver records a basis), and how many not: cannot tell, held back, no way.
    forecast: dict[str, int]
    by_district: dict[str, int]
    by_age_band: dict[str, int]
    examples: list[PreviewExample]
    evaluated_on: date


class PersonToCheck(msgspec.Struct, frozen=True):
    registry_id: str
    name: str
    why: list[str]  # the rule's conditions for this person, in Japanese; unknown ones say so
    since: date  # evaluated on (cannot tell) or stopped on


class PersonsToCheck(msgspec.Struct, frozen=True):
    """Matches a person at the municipality checks by hand (their department only)."""

    slug: str
    kind: str  # cannot_tell | stopped
    total: int
    items: list[PersonToCheck]  # the first 200


class Reason(msgspec.Struct, frozen=True):
    """One condition of a rule as the resident reads it, and whether it went their way."""

    sentence: Localized
    held: bool


class SupportItem(msgspec.Struct, frozen=True):
    """A programme this resident was matched with."""

    slug: str
    title: Localized
    summary: Localized
    action: Localized
    delivery: str
    apply_url: str | None
    why: list[Reason]
    matched_at: datetime
    granted: bool


class SupportList(msgspec.Struct, frozen=True):
    items: list[SupportItem]


class Question(msgspec.Struct, frozen=True):
    fact: str
    type: str
    label: Localized


class PublicProgram(msgspec.Struct, frozen=True):
    """An active programme and the questions the anonymous check asks for it."""

    slug: str
    title: Localized
    summary: Localized
    delivery: str
    procedure_slug: str | None
    questions: list[Question]


class PublicProgramList(msgspec.Struct, frozen=True):
    items: list[PublicProgram]


class CheckAnswers(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    answers: dict[str, Any]


class CheckResult(msgspec.Struct, frozen=True):
    """``eligible``: None when the answers given do not decide the rule (then ``missing``
    lists the questions left)."""

    slug: str
    title: Localized
    eligible: bool | None
    missing: list[str]
    why: list[Reason]
    procedure_slug: str | None


class CheckResults(msgspec.Struct, frozen=True):
    items: list[CheckResult]


# --- the rule builder ---------------------------------------------------------------------


class FactValue(msgspec.Struct, frozen=True):
    """One value a choice fact may take, with its words."""

    value: str
    label: dict[str, str]  # {ja, en}


class FactUnit(msgspec.Struct, frozen=True):
    code: str  # yen | years | persons
    label: dict[str, str]  # the word after a value: {ja, en}


class FactChoice(msgspec.Struct, frozen=True):
    """A fact as staff pick it for a condition: ``kind`` number (whole numbers between
    ``minimum`` and ``maximum``, in ``unit``), boolean, choice (one of ``values``) or text
    (a word such as a district); ``nullable``: the registry may not know it (cannot tell)."""

    name: str
    label: dict[str, str]  # {ja, en}
    kind: str
    unit: FactUnit | None
    values: list[FactValue]
    minimum: int | None
    maximum: int | None
    nullable: bool


class FactCatalogue(msgspec.Struct, frozen=True):
    items: list[FactChoice]


class RuleCountRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rule: dict[str, Any]


class RuleCount(msgspec.Struct, frozen=True):
    """How many residents of the municipality a rule matches today, and how many it cannot
    decide (a fact it needs is unknown): counts only."""

    matched: int
    undecided: int
    evaluated_on: date
