"""Data-defined forms: the schema of a procedure's form, and the validation of answers.

A form is sections of fields. Each field has a type that Japanese forms use (kana, a date
that may be written in the Japanese era, a postal code, a yen amount, a bank account…),
validation, an optional condition on another field's answer, and an optional pre-fill
source in the registry. ``validate_answers`` checks answers against the exact schema and
returns the normalised values, or every problem at once, each naming the field in
Japanese and English.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import msgspec

from todoke import jp
from todoke.errors import FieldError, Text
from todoke.procedures.schemas import FieldSpec, FormSchema


class InvalidAnswer(Exception):
    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en = en
        self.ja = ja


_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
_DIGITS = re.compile(r"^\d+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ACCOUNT_TYPES = {"普通": "ordinary", "当座": "current", "貯蓄": "savings"}


def _text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidAnswer("must be text", "文字で入力してください")
    text = jp.normalize_text(value) if spec.type != "textarea" else value.strip()
    if len(text) > spec.max_length:
        raise InvalidAnswer(
            f"at most {spec.max_length} characters", f"{spec.max_length}文字以内で入力してください"
        )
    return text


def _kana(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidAnswer("must be text", "文字で入力してください")
    try:
        return jp.normalize_kana(value)
    except ValueError:
        raise InvalidAnswer(
            "must be kana (katakana or hiragana)", "カタカナかひらがなで入力してください"
        ) from None


def _date(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidAnswer("must be a date", "日付を入力してください")
    try:
        parsed = jp.parse_date(value)
    except ValueError:
        raise InvalidAnswer(
            "not a date", "日付として読めません（例：2024-10-01、令和6年10月1日）"
        ) from None
    if spec.min is not None and parsed.year < spec.min:
        raise InvalidAnswer(f"not before {spec.min}", f"{spec.min}年より前の日付は入力できません")
    if spec.max is not None and parsed.year > spec.max:
        raise InvalidAnswer(f"not after {spec.max}", f"{spec.max}年より後の日付は入力できません")
    return parsed.isoformat()


def _postal_code(spec: FieldSpec, value: Any) -> str:
    try:
        return jp.normalize_postal_code(str(value))
    except ValueError:
        raise InvalidAnswer(
            "7 digits (NNN-NNNN)", "7桁の数字（NNN-NNNN）で入力してください"
        ) from None


def _phone(spec: FieldSpec, value: Any) -> str:
    try:
        return jp.normalize_phone(str(value))
    except ValueError:
        raise InvalidAnswer(
            "a Japanese phone number of 10 or 11 digits", "10桁か11桁の電話番号を入力してください"
        ) from None


def _email(spec: FieldSpec, value: Any) -> str:
    text = jp.normalize_text(str(value))
    if len(text) > 254 or not _EMAIL.match(text):
        raise InvalidAnswer("not an email address", "メールアドレスの形式が正しくありません")
    return text


def _number(spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidAnswer("must be a number", "数字で入力してください")
    if isinstance(value, str):
        cleaned = jp.normalize_text(value).replace(",", "").replace("円", "").replace("¥", "")
        if not re.fullmatch(r"-?\d{1,15}", cleaned):
            raise InvalidAnswer("must be a whole number", "整数で入力してください")
        value = int(cleaned)
    if not isinstance(value, int):
        raise InvalidAnswer("must be a whole number", "整数で入力してください")
    low = spec.min if spec.min is not None else (0 if spec.type == "yen" else None)
    if low is not None and value < low:
        raise InvalidAnswer(f"at least {low}", f"{low}以上で入力してください")
    if spec.max is not None and value > spec.max:
        raise InvalidAnswer(f"at most {spec.max}", f"{spec.max}以下で入力してください")
    return value


def _choice(spec: FieldSpec, value: Any) -> str:
    allowed = {o.value for o in spec.options}
    if not isinstance(value, str) or value not in allowed:
        raise InvalidAnswer("not one of the choices", "選択肢から選んでください")
    return value


def _choices(spec: FieldSpec, value: Any) -> list[str]:
    allowed = {o.value for o in spec.options}
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise InvalidAnswer("not among the choices", "選択肢から選んでください")
    if len(set(value)) != len(value):
        raise InvalidAnswer("a choice is given twice", "同じ選択肢が重複しています")
    return [o.value for o in spec.options if o.value in value]  # in the form's order


def _bank_account(spec: FieldSpec, value: Any) -> dict[str, str]:
    """金融機関コード 4 digits, 支店コード 3, 普通/当座/貯蓄, 口座番号 up to 7 (zero-padded),
    名義 in Zengin half-width katakana."""
    if not isinstance(value, dict):
        raise InvalidAnswer("must be a bank account", "口座情報を入力してください")
    bank = jp.normalize_text(str(value.get("bank_code", "")))
    branch = jp.normalize_text(str(value.get("branch_code", "")))
    number = jp.normalize_text(str(value.get("number", "")))
    kind = ACCOUNT_TYPES.get(str(value.get("type", "")), str(value.get("type", "")))
    if not (len(bank) == 4 and _DIGITS.match(bank)):
        raise InvalidAnswer("bank code: 4 digits", "金融機関コードは4桁の数字です")
    if not (len(branch) == 3 and _DIGITS.match(branch)):
        raise InvalidAnswer("branch code: 3 digits", "支店コードは3桁の数字です")
    if not (1 <= len(number) <= 7 and _DIGITS.match(number)):
        raise InvalidAnswer("account number: up to 7 digits", "口座番号は7桁までの数字です")
    if kind not in ACCOUNT_TYPES.values():
        raise InvalidAnswer(
            "type: ordinary, current or savings", "種別は普通・当座・貯蓄から選んでください"
        )
    try:
        holder = jp.to_zengin_kana(str(value.get("holder", "")))
    except ValueError:
        raise InvalidAnswer("holder: name in kana", "名義はカナで入力してください") from None
    if not holder.strip():
        raise InvalidAnswer("holder: name in kana", "名義はカナで入力してください")
    return {
        "bank_code": bank,
        "branch_code": branch,
        "type": kind,
        "number": number.zfill(7),
        "holder": holder,
    }


def _consent(spec: FieldSpec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidAnswer("must be yes or no", "はい・いいえで答えてください")
    if spec.required and not value:
        raise InvalidAnswer("required to continue", "同意が必要です")
    return value


_PARSERS = {
    "text": _text,
    "textarea": _text,
    "kana": _kana,
    "date": _date,
    "postal_code": _postal_code,
    "phone": _phone,
    "email": _email,
    "number": _number,
    "yen": _number,
    "choice": _choice,
    "choices": _choices,
    "bank_account": _bank_account,
    "consent": _consent,
}


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _visible(spec: FieldSpec, answers: dict[str, Any]) -> bool:
    if spec.show_if is None:
        return True
    answer = answers.get(spec.show_if.field)
    if isinstance(answer, list):
        return any(a in spec.show_if.values for a in answer)
    return answer in spec.show_if.values


def validate_answers(
    schema: FormSchema,
    answers: dict[str, Any],
    *,
    household: set[str] = frozenset(),  # type: ignore[assignment]
    attachments: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[dict[str, Any], list[FieldError]]:
    """Check every answer against the form; return (normalised answers, problems).

    Unknown fields are problems; a field hidden by its condition must not be answered;
    ``household`` and ``attachments`` are the registry ids and upload ids this resident may
    name. Problems come in form order, each with the field's label in both languages.
    """
    fields = {f.name: f for f in schema.fields()}
    problems: list[FieldError] = []

    def problem(spec_or_name: FieldSpec | str, en: str, ja: str) -> None:
        if isinstance(spec_or_name, FieldSpec):
            label = Text(ja=spec_or_name.label.ja, en=spec_or_name.label.en)
            name = spec_or_name.name
        else:
            label = Text(ja=spec_or_name, en=spec_or_name)
            name = spec_or_name
        problems.append(FieldError(field=name, label=label, message=Text(ja=ja, en=en)))

    for name in answers:
        if name not in fields:
            problem(name, "not a field of this form (version)", "この様式にない項目です")
    clean: dict[str, Any] = {}
    for spec in fields.values():
        value = answers.get(spec.name)
        if not _visible(spec, answers):
            if not _is_empty(value):
                problem(spec, "must be left empty here", "この場合は入力しません")
            continue
        if _is_empty(value):
            if spec.required:
                problem(spec, "is required", "必須項目です")
            continue
        try:
            if spec.type == "household_member":
                if value not in household:
                    raise InvalidAnswer(
                        "not a member of your household", "世帯の方から選んでください"
                    )
                clean[spec.name] = value
            elif spec.type == "household_members":
                if (
                    not isinstance(value, list)
                    or not all(isinstance(v, str) and v in household for v in value)
                    or len(set(value)) != len(value)
                ):
                    raise InvalidAnswer(
                        "not members of your household", "世帯の方から選んでください"
                    )
                clean[spec.name] = value
            elif spec.type == "file":
                ids = value if isinstance(value, list) else [value]
                if not ids or not all(isinstance(i, str) and i in attachments for i in ids):
                    raise InvalidAnswer("unknown attachment", "添付ファイルが見つかりません")
                if len(ids) > spec.max_files or len(set(ids)) != len(ids):
                    raise InvalidAnswer(
                        f"at most {spec.max_files} different files",
                        f"ファイルは{spec.max_files}件までです",
                    )
                clean[spec.name] = ids
            else:
                clean[spec.name] = _PARSERS[spec.type](spec, value)
        except InvalidAnswer as invalid:
            problem(spec, invalid.en, invalid.ja)
    return clean, problems


def parse_schema(data: Any) -> FormSchema:
    """A schema from stored or designer-made JSON; rejects what a form could not render."""
    schema = msgspec.convert(data, FormSchema)
    seen: set[str] = set()
    for spec in schema.fields():
        if spec.name in seen:
            raise ValueError(f"field {spec.name!r} appears twice")
        seen.add(spec.name)
        if spec.type in ("choice", "choices") and not spec.options:
            raise ValueError(f"field {spec.name!r} needs options")
        if spec.show_if and spec.show_if.field not in seen:
            raise ValueError(f"field {spec.name!r} depends on a later or unknown field")
        if not _NAME.match(spec.name):
            raise ValueError(f"field name {spec.name!r} must be lower-case letters, digits, _")
        if spec.fills_address and spec.type != "postal_code":
            raise ValueError(f"field {spec.name!r}: only a postal code fills an address")
        if spec.appointment and spec.type != "date":
            raise ValueError(f"field {spec.name!r}: only a date can be an appointment")
    for spec in schema.fields():
        if spec.fills_address and spec.fills_address not in seen:
            raise ValueError(f"field {spec.name!r} fills an unknown field")
    return schema


def era_hint(value: str) -> str:
    """The Japanese-era form of an ISO date, shown next to the Western one."""
    return jp.to_wareki(date.fromisoformat(value))
