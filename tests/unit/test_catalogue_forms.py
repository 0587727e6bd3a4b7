"""The seeded catalogue's forms: valid schemas, three languages, no My Number, and the
field names other code (the 転居届 address effect, the browser tests) relies on."""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec
import pytest

from todoke.procedures.catalogue import PROCEDURES
from todoke.procedures.forms import parse_schema, validate_answers
from todoke.procedures.schemas import (
    AddressEffect,
    FieldSpec,
    Localized,
    ProcedureDefinition,
)

BY_SLUG = {d.slug: d for d in PROCEDURES}
IDS = [d.slug for d in PROCEDURES]
KANJI = re.compile(r"[\u3400-\u9fff]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def texts(value: object, path: str = "") -> Iterator[tuple[str, Localized]]:
    """Every Localized inside ``value`` with where it is."""
    if isinstance(value, Localized):
        yield path, value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from texts(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from texts(item, f"{path}[{i}]")


def field(slug: str, name: str) -> FieldSpec:
    return next(f for f in BY_SLUG[slug].form.fields() if f.name == name)


def test_slugs_are_unique():
    assert len(IDS) == len(set(IDS)) == 10


@pytest.mark.parametrize("definition", PROCEDURES, ids=IDS)
def test_definition_round_trips_and_its_form_is_valid(definition):
    decoded = msgspec.json.decode(msgspec.json.encode(definition), type=ProcedureDefinition)
    assert decoded == definition
    schema = parse_schema(msgspec.to_builtins(definition.form))
    assert schema == definition.form
    assert 2 <= len(schema.sections) <= 5
    assert all(section.fields for section in schema.sections)
    assert 8 <= len(schema.fields()) <= 20
    assert definition.help is not None


@pytest.mark.parametrize("definition", PROCEDURES, ids=IDS)
def test_every_text_is_in_three_languages(definition):
    found = list(texts((definition.help, definition.form, definition.steps)))
    assert len(found) > 20
    for path, text in found:
        assert text.ja.strip() and text.easy.strip() and text.en.strip(), path
        # やさしい日本語 here is written in kana, with spaces between phrases.
        assert not KANJI.search(text.easy), (path, text.easy)
        assert not JAPANESE.search(text.en), (path, text.en)
        if KANJI.search(text.ja):
            assert text.easy != text.ja, path
        if text.easy == text.ja:
            # Only short kana words such as はい / いいえ may read the same in both.
            assert len(text.ja) <= 5, path


def test_plain_japanese_differs_from_japanese_in_most_labels():
    labels = [
        text
        for definition in PROCEDURES
        for path, text in texts(definition.form)
        if path.endswith((".label", ".title"))
    ]
    same = [text.ja for text in labels if text.easy == text.ja]
    assert len(labels) > 200
    assert len(same) <= len(labels) // 20, same


@pytest.mark.parametrize("definition", PROCEDURES, ids=IDS)
def test_no_field_asks_for_a_my_number(definition):
    for spec in definition.form.fields():
        assert "マイナンバー" not in spec.label.ja, spec.name
        assert "個人番号" not in spec.label.ja, spec.name
        assert "my_number" not in spec.name
        for option in spec.options:
            assert "マイナンバー" not in option.label.ja
            assert "個人番号" not in option.label.ja
            assert "住民票コード" not in option.label.ja


@pytest.mark.parametrize("definition", PROCEDURES, ids=IDS)
def test_locked_fields_come_from_the_registry(definition):
    for spec in definition.form.fields():
        if spec.locked:
            assert spec.prefill is not None, spec.name
            assert spec.lock_reason is not None, spec.name
        if spec.type in ("phone", "email"):
            assert spec.prefill is None, spec.name  # the registry holds neither
        if spec.prefill == "sex":
            assert {o.value for o in spec.options} == {"male", "female"}


@pytest.mark.parametrize("definition", PROCEDURES, ids=IDS)
def test_every_form_ends_with_a_declaration(definition):
    last = definition.form.sections[-1].fields[-1]
    assert last.name == "declaration"
    assert last.type == "consent"
    assert last.required is (definition.slug != "consultation-booking")


def test_fees_steps_and_proxies():
    assert BY_SLUG["residence-certificate"].fee_yen == 300
    assert BY_SLUG["dog-registration"].fee_yen == 3000
    assert BY_SLUG["oversized-garbage"].fee_yen == 0
    assert [d.slug for d in PROCEDURES if not d.proxy_allowed] == ["child-rearing-allowance"]
    assert [s.id for s in BY_SLUG["child-rearing-allowance"].steps] == ["interview"]
    assert [s.id for s in BY_SLUG["move-within-city"].steps] == ["visit_booked"]
    assert [s.id for s in BY_SLUG["oversized-garbage"].steps] == ["scheduled"]


def test_residence_certificate_offers_no_my_number_item():
    items = field("residence-certificate", "include_items")
    assert {o.value for o in items.options} == {"head_relation", "domicile"}
    assert field("residence-certificate", "members").show_if.values == ("some",)
    copies = field("residence-certificate", "copies")
    assert (copies.min, copies.max) == (1, 10)


# --- 転居届 -----------------------------------------------------------------------------------


def test_move_within_city_changes_the_registry_address():
    moving = BY_SLUG["move-within-city"]
    assert moving.online == "booking"
    assert moving.effects == (
        AddressEffect(
            postal_code_field="new_postal_code",
            address_field="new_address",
            date_field="move_date",
            movers_field="household_members",
        ),
    )
    move_date = field("move-within-city", "move_date")
    postal = field("move-within-city", "new_postal_code")
    address = field("move-within-city", "new_address")
    assert (move_date.type, move_date.required) == ("date", True)
    assert (postal.type, postal.required, postal.fills_address) == (
        "postal_code",
        True,
        "new_address",
    )
    assert (address.type, address.required) == ("text", True)
    current = field("move-within-city", "current_address")
    assert (current.prefill, current.locked) == ("address", True)
    members = field("move-within-city", "household_members")
    assert (members.type, members.prefill) == ("household_members", "household")
    assert {o.value for o in field("move-within-city", "notifier_role").options} == {
        "self",
        "head",
    }


# --- 児童扶養手当 -------------------------------------------------------------------------------

REARING = BY_SLUG["child-rearing-allowance"].form
COMPLETE = {
    "claimant_name": "戸所 花子",
    "claimant_kana": "トドケ ハナコ",
    "claimant_birth_date": "1990-04-01",
    "claimant_postal_code": "181-0013",
    "claimant_address": "東京都とどけ市下連雀1-2-3",
    "phone": "090-1234-5678",
    "occupation": "スーパー店員（パート）",
    "children": ["H2"],
    "children_living_apart": "no",
    "reason": "divorce",
    "other_parent_name": "戸所 太郎",
    "other_parent_birth_date": "1988-07-07",
    "public_pension": "none",
    "bank_account": {
        "bank_code": "0001",
        "branch_code": "123",
        "type": "普通",
        "number": "1234567",
        "holder": "ﾄﾄﾞｹ ﾊﾅｺ",
    },
    "family_register": ["a1"],
    "interview_wish": "2026-12-01",
    "declaration": True,
}


def check(answers: dict) -> tuple[dict, list]:
    return validate_answers(REARING, answers, household={"H1", "H2"}, attachments={"a1"})


def test_child_rearing_field_names_in_sections():
    names = [[f.name for f in s.fields] for s in REARING.sections]
    assert names == [
        [
            "claimant_name",
            "claimant_kana",
            "claimant_birth_date",
            "claimant_postal_code",
            "claimant_address",
            "phone",
            "occupation",
        ],
        ["children", "children_living_apart", "children_apart_detail"],
        [
            "reason",
            "other_parent_name",
            "other_parent_birth_date",
            "public_pension",
            "pension_detail",
        ],
        ["bank_account", "family_register", "interview_wish", "declaration"],
    ]
    reasons = {o.value for o in field("child-rearing-allowance", "reason").options}
    assert reasons == {
        "divorce",
        "death",
        "disability",
        "missing",
        "abandonment",
        "dv_order",
        "detention",
        "unmarried",
    }
    assert field("child-rearing-allowance", "children").prefill == "children"
    for name, source in (
        ("claimant_name", "full_name"),
        ("claimant_kana", "full_name_kana"),
        ("claimant_birth_date", "birth_date"),
        ("claimant_postal_code", "postal_code"),
        ("claimant_address", "address"),
    ):
        spec = field("child-rearing-allowance", name)
        assert (spec.prefill, spec.locked) == (source, True)


def test_child_rearing_complete_answers_pass():
    clean, problems = check(COMPLETE)
    assert problems == []
    assert clean["phone"] == "09012345678"
    assert clean["bank_account"]["type"] == "ordinary"
    assert clean["children"] == ["H2"]


def test_child_rearing_without_a_phone_names_the_field():
    _, problems = check({k: v for k, v in COMPLETE.items() if k != "phone"})
    assert [p.field for p in problems] == ["phone"]


def test_child_rearing_conditions():
    _, problems = check({**COMPLETE, "children_apart_detail": "祖父母宅で養育"})
    assert [p.field for p in problems] == ["children_apart_detail"]
    _, problems = check(
        {**COMPLETE, "children_living_apart": "yes", "children_apart_detail": "祖父母宅で養育"}
    )
    assert problems == []
    _, problems = check({**COMPLETE, "public_pension": "receiving", "pension_detail": "遺族年金"})
    assert problems == []
    _, problems = check({**COMPLETE, "pension_detail": "遺族年金"})
    assert [p.field for p in problems] == ["pension_detail"]


def test_child_rearing_needs_the_declaration_and_a_household_child():
    _, problems = check({**COMPLETE, "declaration": False})
    assert [p.field for p in problems] == ["declaration"]
    _, problems = check({**COMPLETE, "children": ["X9"]})
    assert [p.field for p in problems] == ["children"]


# --- conditional fields elsewhere ---------------------------------------------------------------


def test_garbage_items_show_by_count():
    schema = BY_SLUG["oversized-garbage"].form
    one = {
        "phone": "0312345678",
        "item_kinds": "1",
        "item_1": "たんす",
        "item_1_size": "under_200",
        "item_1_count": 1,
        "place": "entrance",
        "declaration": True,
    }
    assert validate_answers(schema, one)[1] == []
    _, problems = validate_answers(schema, {**one, "item_kinds": "2"})
    assert [p.field for p in problems] == ["item_2", "item_2_size", "item_2_count"]
    _, problems = validate_answers(schema, {**one, "item_3": "自転車"})
    assert [p.field for p in problems] == ["item_3"]


def test_nursery_work_needs_hours_and_certificate():
    schema = BY_SLUG["nursery-admission"].form
    answers = {
        "child": "H2",
        "start_date": "2027-04-01",
        "care_hours": "standard",
        "facility_1": "とどけ保育園",
        "phone": "0312345678",
        "need_reason": "work",
        "partner_need_reason": "no_partner",
        "declaration": True,
    }
    _, problems = validate_answers(schema, answers, household={"H2"}, attachments={"a1"})
    assert [p.field for p in problems] == ["work_hours", "employment_certificate"]
    answers |= {"work_hours": 160, "employment_certificate": ["a1"]}
    assert validate_answers(schema, answers, household={"H2"}, attachments={"a1"})[1] == []
