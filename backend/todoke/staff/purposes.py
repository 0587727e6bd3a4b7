"""Why a staff member opens a record: asked every time, kept in the audit trail, and shown
to the resident. A case is opened with a purpose (``PURPOSES``); a resident's record with
the work it belongs to (``parse_basis``)."""

from __future__ import annotations

import unicodedata
from typing import Annotated

import msgspec
from litestar.params import Parameter

from todoke.errors import FieldError, InvalidInput, Text

PURPOSES = {
    "case_handling": {"ja": "申請の審査", "en": "handling an application"},
    "consultation": {"ja": "相談対応", "en": "a consultation"},
    "counter_support": {"ja": "窓口での手続き支援", "en": "helping at the counter"},
    "resident_inquiry": {"ja": "本人からの問い合わせ", "en": "the resident's own inquiry"},
}

# The purpose as a query parameter: one of PURPOSES, declared so the OpenAPI document says so.
Purpose = Annotated[
    str,
    Parameter(
        pattern="^(" + "|".join(PURPOSES) + ")$",
        description="Why the record is opened; recorded in the audit trail",
    ),
]


def check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput(
            Text("閲覧の目的を選んでください。", "Choose why you open this record."),
            errors=[
                FieldError(
                    field="purpose",
                    label=Text("目的", "purpose"),
                    message=Text("選択肢から選んでください", ", ".join(PURPOSES)),
                )
            ],
        )


# --- what opening a resident's record belongs to ----------------------------------------------
# A resident's record is opened for a piece of work: a case (application) of the viewer's
# department, a consultation or a follow-up; or, failing those, a written reason that
# supervisors review. The resident's access log shows the basis (which case, the reason's
# category), never the staff member's words.

REASON_CATEGORIES = {
    "counter_support": {"ja": "窓口での手続き支援", "en": "helping at the counter"},
    "resident_inquiry": {"ja": "本人からの問い合わせ", "en": "the resident's own inquiry"},
    "new_consultation": {"ja": "新しい相談の受付", "en": "taking a new consultation"},
    "agency_inquiry": {"ja": "関係機関からの照会", "en": "an inquiry from another agency"},
    "other": {"ja": "その他", "en": "other"},
}
REASON_MIN = 10  # characters: a sentence a supervisor can judge, not "確認"
REASON_MAX = 500

BASIS_KINDS = ("case", "consultation", "follow_up", "reason")

BasisId = Annotated[
    int | None,
    Parameter(ge=1, le=2**31 - 1, description="The case, consultation or follow-up opened for"),
]
Reason = Annotated[
    str | None,
    Parameter(
        min_length=1,
        max_length=REASON_MAX,
        description=f"Why, when no case, consultation or follow-up applies ({REASON_MIN}+ "
        "characters); supervisors review these openings",
    ),
]
ReasonCategory = Annotated[
    str | None,
    Parameter(
        pattern="^(" + "|".join(REASON_CATEGORIES) + ")$",
        description="The reason's category: the resident's access log shows this",
    ),
]


class Basis(msgspec.Struct, frozen=True):
    kind: str  # case | consultation | follow_up | reason
    ref: int | None = None  # the case, consultation or follow-up id
    category: str | None = None  # reason only
    reason: str | None = None  # reason only: the staff member's words


def _basis_problem(field: str, ja: str, en: str) -> InvalidInput:
    return InvalidInput(
        Text("記録を開く根拠を指定してください。", "Say what this record is opened for."),
        errors=[FieldError(field=field, label=Text("閲覧の根拠", "basis"), message=Text(ja, en))],
    )


def parse_basis(
    *,
    case: int | None,
    consultation: int | None,
    follow_up: int | None,
    reason: str | None,
    reason_category: str | None,
) -> Basis:
    """Exactly one of a case, a consultation, a follow-up or a reason (with its category)."""
    given = [
        kind
        for kind, value in (
            ("case", case), ("consultation", consultation), ("follow_up", follow_up),
            ("reason", reason),
        )
        if value is not None
    ]  # fmt: skip
    if len(given) != 1:
        raise _basis_problem(
            "basis",
            "申請・相談・フォローアップのいずれか、または理由を1つ指定してください",
            "give exactly one of case, consultation, follow_up or reason",
        )
    if case is not None:
        return Basis(kind="case", ref=case)
    if consultation is not None:
        return Basis(kind="consultation", ref=consultation)
    if follow_up is not None:
        return Basis(kind="follow_up", ref=follow_up)
    text = " ".join((reason or "").split())
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        # NUL and friends: no database stores them as text, and no reason needs them.
        raise _basis_problem("reason", "使えない文字が含まれています", "control characters")
    if reason_category not in REASON_CATEGORIES:
        raise _basis_problem(
            "reason_category", "理由の種類を選んでください", ", ".join(REASON_CATEGORIES)
        )
    if not REASON_MIN <= len(text) <= REASON_MAX:
        raise _basis_problem(
            "reason",
            f"理由を{REASON_MIN}〜{REASON_MAX}文字で書いてください",
            f"a reason of {REASON_MIN} to {REASON_MAX} characters",
        )
    return Basis(kind="reason", category=reason_category, reason=text)
