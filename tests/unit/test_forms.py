"""Form schemas and answer validation: Japanese field types, conditions, hostile input."""

from __future__ import annotations

import pytest

from todoke.procedures.forms import era_hint, parse_schema, validate_answers
from todoke.procedures.schemas import FieldSpec, FormSchema, Localized, Option, Section, ShowIf


def L(ja: str, en: str) -> Localized:
    return Localized(ja=ja, easy=ja, en=en)


SCHEMA = FormSchema(
    sections=(
        Section(
            id="claimant",
            title=L("請求者", "Claimant"),
            fields=(
                FieldSpec(
                    name="family_name",
                    type="text",
                    label=L("氏", "Family name"),
                    required=True,
                    prefill="family_name",
                    locked=True,
                ),
                FieldSpec(
                    name="family_name_kana",
                    type="kana",
                    label=L("氏（フリガナ）", "Family name kana"),
                    required=True,
                ),
                FieldSpec(
                    name="birth_date",
                    type="date",
                    label=L("生年月日", "Birth date"),
                    required=True,
                    min=1900,
                ),
                FieldSpec(
                    name="postal_code", type="postal_code", label=L("郵便番号", "Postal code")
                ),
                FieldSpec(name="phone", type="phone", label=L("電話番号", "Phone")),
                FieldSpec(name="email", type="email", label=L("メール", "Email")),
                FieldSpec(name="income", type="yen", label=L("所得", "Income"), max=100_000_000),
                FieldSpec(
                    name="reason",
                    type="choice",
                    label=L("支給要件", "Reason"),
                    required=True,
                    options=(
                        Option("divorce", L("離婚", "Divorce")),
                        Option("other", L("その他", "Other")),
                    ),
                ),
                FieldSpec(
                    name="reason_detail",
                    type="text",
                    label=L("その他の理由", "Other reason"),
                    required=True,
                    show_if=ShowIf(field="reason", values=("other",)),
                ),
                FieldSpec(
                    name="child",
                    type="household_member",
                    label=L("対象児童", "Child"),
                    required=True,
                ),
                FieldSpec(name="account", type="bank_account", label=L("振込口座", "Bank account")),
                FieldSpec(name="documents", type="file", label=L("添付書類", "Documents")),
                FieldSpec(name="agree", type="consent", label=L("同意", "Consent"), required=True),
            ),
        ),
    )
)
GOOD = {
    "family_name": "佐藤",
    "family_name_kana": "さとう",
    "birth_date": "平成2年4月1日",
    "postal_code": "１８１００１３",
    "phone": "090-1234-5678",
    "email": "hanako@example.jp",
    "income": "1,234,000円",
    "reason": "divorce",
    "child": "0000000002",
    "account": {
        "bank_code": "9900",
        "branch_code": "008",
        "type": "普通",
        "number": "1234",
        "holder": "サトウ ハナコ",
    },
    "documents": ["att-1"],
    "agree": True,
}


def _validate(answers):
    return validate_answers(SCHEMA, answers, household={"0000000002"}, attachments={"att-1"})


def test_good_answers_come_back_normalised():
    clean, problems = _validate(GOOD)
    assert problems == []
    assert clean["family_name_kana"] == "サトウ"
    assert clean["birth_date"] == "1990-04-01"
    assert clean["postal_code"] == "181-0013"
    assert clean["phone"] == "09012345678"
    assert clean["income"] == 1_234_000
    assert clean["account"] == {
        "bank_code": "9900", "branch_code": "008", "type": "ordinary",
        "number": "0001234", "holder": "ｻﾄｳ ﾊﾅｺ",
    }  # fmt: skip
    assert "reason_detail" not in clean


@pytest.mark.parametrize(
    ("change", "field", "ja_fragment"),
    [
        ({"family_name_kana": "佐藤"}, "family_name_kana", "カタカナ"),
        ({"birth_date": "2024-02-30"}, "birth_date", "日付"),
        ({"birth_date": "1850-01-01"}, "birth_date", "1900"),
        ({"postal_code": "12345"}, "postal_code", "7桁"),
        ({"phone": "12"}, "phone", "電話番号"),
        ({"email": "not-an-email"}, "email", "メール"),
        ({"income": -5}, "income", "0以上"),
        ({"income": True}, "income", "数字"),
        ({"reason": "invented"}, "reason", "選択肢"),
        ({"reason": "other"}, "reason_detail", "必須"),
        ({"child": "9999999999"}, "child", "世帯"),
        ({"documents": ["att-2"]}, "documents", "添付"),
        ({"agree": False}, "agree", "同意"),
        ({"account": {**GOOD["account"], "bank_code": "99"}}, "account", "金融機関コード"),
        ({"account": {**GOOD["account"], "holder": "佐藤"}}, "account", "名義"),
        ({"family_name": None}, "family_name", "必須"),
        ({"family_name": 12}, "family_name", "文字"),
    ],
)
def test_each_bad_answer_is_named_in_both_languages(change, field, ja_fragment):
    _, problems = _validate({**GOOD, **change})
    named = [p for p in problems if p.field == field]
    assert len(named) == 1, problems
    assert ja_fragment in named[0].message.ja
    assert named[0].message.en
    assert named[0].label.ja and named[0].label.en


def test_unknown_fields_and_answers_to_hidden_fields_are_refused():
    _, problems = _validate({**GOOD, "my_number": "123456789012", "reason_detail": "x"})
    assert {p.field for p in problems} == {"my_number", "reason_detail"}


def test_every_problem_at_once():
    _, problems = _validate({})
    assert [p.field for p in problems] == [
        "family_name", "family_name_kana", "birth_date", "reason", "child", "agree",
    ]  # fmt: skip


def test_schema_parsing_refuses_what_a_form_cannot_render():
    data = msgspec_builtins(SCHEMA)
    assert parse_schema(data) == SCHEMA
    twice = msgspec_builtins(SCHEMA)
    twice["sections"][0]["fields"].append(twice["sections"][0]["fields"][0])
    with pytest.raises(ValueError, match="twice"):
        parse_schema(twice)
    forward = msgspec_builtins(SCHEMA)
    forward["sections"][0]["fields"][8]["show_if"]["field"] = "agree"
    with pytest.raises(ValueError, match="later or unknown"):
        parse_schema(forward)


def msgspec_builtins(value):
    import msgspec

    return msgspec.json.decode(msgspec.json.encode(value))  # lists, as stored JSON has


def test_era_hint():
    assert era_hint("2019-05-01") == "令和元年5月1日"
