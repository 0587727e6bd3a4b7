"""Why a staff member opens a resident's record: asked every time, kept in the audit
trail, and shown to the resident."""

from __future__ import annotations

from typing import Annotated

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
