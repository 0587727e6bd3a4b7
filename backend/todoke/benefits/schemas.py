"""What the benefits domain takes and gives: programme drafts, programmes with their delivery
figures, previews, "support for you", and the anonymous check. Field order is the JSON's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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


class ProgramFigures(msgspec.Struct, frozen=True):
    """How far delivery got for the programme's matches; ``opened``: the notice was opened
    in the inbox; ``applied``: the matched person filed the programme's procedure after
    being told; ``suppressed``: reachable matches not told, by reason (``held_pending``,
    ``held_approved``: an application for the programme's procedure is pending or
    approved)."""

    matched: int
    notified: int
    opened: int
    applied: int
    granted: int
    delivery_rate: float | None
    suppressed: dict[str, int] = msgspec.field(default_factory=dict)


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
    department: str  # the department's code
    created_by: int | None
    submitted_by: int | None
    approved_by: int | None
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
    by_district: dict[str, int]
    by_age_band: dict[str, int]
    examples: list[PreviewExample]
    evaluated_on: date


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
