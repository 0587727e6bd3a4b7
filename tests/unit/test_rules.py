"""Eligibility rules: validation, three-valued evaluation, explanations, seeded programs."""

from __future__ import annotations

import copy
import json
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from todoke.benefits.facts import (
    FACTS,
    KIN,
    PARENTS_OF,
    PERSON_COLUMNS,
    THIS_MUNICIPALITY,
    rearing_income,
    whole_years,
    years_before,
)
from todoke.benefits.rules import (
    MAX_DEPTH,
    MAX_NODES,
    SEEDED_RULES,
    InvalidRule,
    can_be_unknown,
    compile_sql,
    decide,
    evaluate,
    explain,
    facts_used,
    parse_rule,
    validate_rule,
)
from todoke.benefits.rules import _MatchQuery as MatchQuery
from todoke.registry.public import MATCHING_PERSONS

CHILD_REARING = SEEDED_RULES["child-rearing-allowance"]


def var(name: str) -> dict:
    return {"var": name}


def nested_nots(depth: int) -> dict:
    rule: dict = {"==": [var("pregnant"), True]}
    for _ in range(depth - 1):
        rule = {"!": rule}
    return rule


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEEDED_RULES))
def test_seeded_rules_are_valid(name):
    assert validate_rule(SEEDED_RULES[name]) == []


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        # not a rule at all
        (None, "exactly one operator"),
        ([], "exactly one operator"),
        ({}, "exactly one operator"),
        ({"and": [], "or": []}, "exactly one operator"),
        # unknown operators, including JsonLogic ones outside the subset
        ({"xor": [1, 2]}, "unknown operator 'xor'"),
        ({"if": [True, 1, 2]}, "unknown operator 'if'"),
        ({"!!": [{"var": "pregnant"}]}, "unknown operator '!!'"),
        # unknown facts
        ({"==": [var("salary"), 1]}, "unknown fact 'salary'"),
        ({"==": [var("household.size"), 1]}, "unknown fact 'household.size'"),
        ({"==": [{"var": ["age", 0]}, 1]}, "fact name"),
        ({"var": "age"}, "a fact alone is not a rule"),
        # arity
        ({"<": [var("age"), 1, 2]}, "'<' takes 2 arguments, got 3"),
        ({"==": [var("age")]}, "'==' takes 2 arguments, got 1"),
        ({">=": var("age")}, "'>=' takes 2 arguments"),
        ({"!": [nested_nots(1), nested_nots(1)]}, "'!' takes 1 argument, got 2"),
        ({"and": []}, "'and' takes a non-empty list"),
        ({"or": {"==": [var("age"), 1]}}, "'or' takes a non-empty list"),
        ({"in": [var("care_level"), []]}, "non-empty list of values"),
        ({"in": [var("care_level"), "care_1"]}, "non-empty list of values"),
        ({"in": [["care_1"], var("care_level")]}, "the fact first"),
        # shape of comparisons
        ({"==": [var("age"), var("years_of_residence")]}, "one fact"),
        ({"==": [1, 1]}, "one fact"),
        ({"==": [var("age"), {"+": [1, 2]}]}, "literal, not a rule"),
        # types
        ({"<": [var("single_parent"), 1]}, "compares numbers; single_parent is a boolean"),
        ({"<": [var("district"), "b"]}, "compares numbers; district is a string"),
        ({"==": [var("single_parent"), 1]}, "true or false"),
        ({"==": [var("age"), True]}, "whole number"),
        ({"==": [var("age"), "65"]}, "whole number"),
        ({">=": [var("income_yen"), 2.5]}, "whole number"),
        ({"==": [var("district"), 3]}, "non-empty string"),
        ({"==": [var("district"), ""]}, "non-empty string"),
        ({"==": [var("care_level"), "care_9"]}, "one of support_1"),
        ({"in": [var("sex"), ["female", "x"]]}, "one of female, male"),
        ({"<": [var("income_yen"), None]}, "null only compares with == or !="),
        ({"in": [var("pregnant"), [True]]}, "number or string fact"),
        ({">=": [var("age"), 151]}, "between 0 and 150"),
        ({">=": [var("income_yen"), -1]}, "between 0 and"),
        # size
        (nested_nots(MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}"),
        ({"or": [{"==": [var("age"), n]} for n in range(MAX_NODES // 3 + 1)]}, "more than 200"),
    ],
)
def test_validation_rejects(rule, complaint):
    errors = validate_rule(rule)
    assert errors, rule
    assert any(complaint in error for error in errors), errors
    with pytest.raises(InvalidRule):
        evaluate(rule, {})
    with pytest.raises(InvalidRule):
        compile_sql(rule, date(2026, 4, 1), 1)


def test_limits_are_inclusive():
    assert validate_rule(nested_nots(MAX_DEPTH)) == []
    # 1 "or" + 66 comparisons of 3 nodes each = 199 nodes
    assert validate_rule({"or": [{"==": [var("age"), n]} for n in range(66)]}) == []


def test_errors_say_where():
    rule = {"and": [{"==": [var("age"), 1]}, {"or": [{"==": [var("nope"), 1]}]}]}
    assert validate_rule(rule) == ["$.and[1].or[0].==[0]: unknown fact 'nope'"]


def test_every_problem_is_reported():
    rule = {"and": [{"==": [var("nope"), 1]}, {"<": [var("pregnant"), 1]}, {"xor": []}]}
    assert len(validate_rule(rule)) == 3


def test_validation_does_not_change_the_rule():
    before = copy.deepcopy(CHILD_REARING)
    validate_rule(CHILD_REARING)
    evaluate(CHILD_REARING, {})
    assert before == CHILD_REARING


def test_facts_used_in_first_use_order():
    assert facts_used(CHILD_REARING) == [
        "single_parent",
        "lives_with_spouse",
        "parent_or_carer",
        "children_or_disabled_under_20",
        "supporting_relative_over_limit",
        "child_rearing_income",
        "dependants",
    ]


# --- evaluation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "facts", "expected"),
    [
        ({">=": [var("age"), 65]}, {"age": 65}, True),
        ({">=": [var("age"), 65]}, {"age": 64}, False),
        ({">": [var("age"), 65]}, {"age": 65}, False),
        ({"<=": [var("age"), 65]}, {"age": 65}, True),
        ({"<": [var("age"), 65]}, {"age": 65}, False),
        ({"==": [var("district"), "下連雀"]}, {"district": "下連雀"}, True),
        ({"!=": [var("district"), "下連雀"]}, {"district": "上連雀"}, True),
        ({"in": [var("care_level"), ["care_3", "care_4"]]}, {"care_level": "care_4"}, True),
        ({"in": [var("care_level"), ["care_3", "care_4"]]}, {"care_level": "care_1"}, False),
        # literal first reads left to right: 64 < age
        ({"<": [64, var("age")]}, {"age": 65}, True),
        ({"<": [64, var("age")]}, {"age": 64}, False),
        ({"!": {"==": [var("single_parent"), True]}}, {"single_parent": False}, True),
        ({"!": [{"==": [var("single_parent"), True]}]}, {"single_parent": True}, False),
        (
            {"or": [{"==": [var("pregnant"), True]}, {">=": [var("age"), 65]}]},
            {"pregnant": False, "age": 70},
            True,
        ),
        (
            {"and": [{"==": [var("pregnant"), True]}, {">=": [var("age"), 65]}]},
            {"pregnant": False, "age": 70},
            False,
        ),
    ],
)
def test_evaluate(rule, facts, expected):
    assert evaluate(rule, facts) is expected


INCOME_UNDER = {"<": [var("income_yen"), 2_000_000]}
SINGLE = {"==": [var("single_parent"), True]}
NULL_CASES = [
    # Every comparison with an unknown fact is unknown, and so is its negation.
    ({"==": [var("income_yen"), 0]}, None),
    ({"!=": [var("income_yen"), 0]}, None),
    (INCOME_UNDER, None),
    ({">=": [var("income_yen"), 2_000_000]}, None),
    ({"in": [var("income_yen"), [0, 1]]}, None),
    ({"!": INCOME_UNDER}, None),
    ({"!": {"!": INCOME_UNDER}}, None),
    # Asking whether it is known always answers.
    ({"==": [var("income_yen"), None]}, True),
    ({"!=": [var("income_yen"), None]}, False),
    ({"!": {"==": [var("income_yen"), None]}}, False),
    # Kleene's "and" and "or": a deciding part wins over an unknown one.
    ({"and": [{"==": [var("single_parent"), False]}, INCOME_UNDER]}, False),
    ({"and": [SINGLE, INCOME_UNDER]}, None),
    ({"or": [SINGLE, INCOME_UNDER]}, True),
    ({"or": [{"==": [var("single_parent"), False]}, INCOME_UNDER]}, None),
    ({"!": {"and": [{"==": [var("single_parent"), False]}, INCOME_UNDER]}}, True),
    # Not a tautology for the unknown: "under or not under" cannot tell either.
    ({"or": [INCOME_UNDER, {"!": INCOME_UNDER}]}, None),
    ({"or": [{"<": [var("income_yen"), 1]}, {">=": [var("income_yen"), 1]}]}, None),
    # An unknown fact decided away by a check of whether it is known.
    ({"or": [{"==": [var("income_yen"), None]}, INCOME_UNDER]}, True),
]


@pytest.mark.parametrize(("rule", "expected"), NULL_CASES)
def test_unknown_facts_make_the_rule_cannot_tell_as_in_sql(rule, expected):
    facts = {"income_yen": None, "single_parent": True}
    assert decide(rule, facts) is expected
    # evaluate: definitely true, nothing else.
    assert evaluate(rule, facts) is (expected is True)
    # A fact the caller did not supply is unknown, too.
    assert decide(rule, {"single_parent": True}) is expected


def test_known_and_unknown_checks():
    assert evaluate({"==": [var("care_level"), None]}, {"care_level": "care_1"}) is False
    assert evaluate({"!=": [var("care_level"), None]}, {"care_level": "care_1"}) is True


def test_false_and_zero_are_known_values():
    assert evaluate({"==": [var("single_parent"), False]}, {"single_parent": False}) is True
    assert evaluate({"==": [var("income_yen"), None]}, {"income_yen": 0}) is False


# --- whole years ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1961, 4, 1), date(2026, 4, 1), 65),  # the birthday itself
        (date(1961, 4, 2), date(2026, 4, 1), 64),  # the day before the birthday
        (date(1960, 2, 29), date(2025, 2, 28), 64),  # common year: not yet on 28 February
        (date(1960, 2, 29), date(2025, 3, 1), 65),  # ... but on 1 March
        (date(1960, 2, 29), date(2024, 2, 29), 64),  # leap year: on the day
        (date(1960, 2, 28), date(2024, 2, 29), 64),
        (date(2024, 2, 29), date(2024, 2, 29), 0),
        (date(2024, 3, 1), date(2024, 2, 29), -1),  # not born yet
    ],
)
def test_whole_years(born, on, age):
    assert whole_years(born, on) == age


@given(
    born=st.dates(date(1900, 1, 1), date(2040, 12, 31)),
    on=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    years=st.integers(0, 120),
)
def test_years_before_is_the_last_day_with_that_age(born, on, years):
    # The compiled SQL relies on this equivalence to compare birth dates instead of ages.
    assert (whole_years(born, on) >= years) == (born <= years_before(on, years))


def test_years_before_29_february():
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert years_before(date(2024, 2, 29), 4) == date(2020, 2, 29)


# --- seeded programs on typical people ------------------------------------------------------


def person(**facts) -> dict:
    base = {name: None for name in FACTS}
    base.update(
        age=40,
        pregnant=False,
        is_household_head=True,
        household_size=1,
        children_under_18=0,
        children_until_march_after_18=0,
        children_under_3=0,
        dependants=0,
        newborn_in_household=False,
        household_tax_exempt=False,
        children_or_disabled_under_20=0,
        parent_or_carer=False,
        is_claimant=False,
        lives_with_spouse=False,
        supporting_relative_over_limit=False,
        internal_impairment_grade_1=False,
    )
    base.update(facts)
    return base


SINGLE_MOTHER = person(
    sex="female", single_parent=True, children_under_18=2, children_until_march_after_18=2,
    children_or_disabled_under_20=2, parent_or_carer=True, is_claimant=True, dependants=2,
    household_size=3, income_yen=1_200_000, child_rearing_income=1_120_000,
)  # fmt: skip


def test_single_mother_of_two_with_low_income_gets_child_rearing_allowance():
    assert evaluate(CHILD_REARING, SINGLE_MOTHER) is True
    assert evaluate(SEEDED_RULES["child-allowance"], SINGLE_MOTHER) is True


@pytest.mark.parametrize(
    ("dependants", "income", "expected"),
    [
        (1, 3_000_000, False),
        (0, 2_079_999, True),
        (0, 2_080_000, False),
        (1, 2_459_999, True),
        (1, 2_460_000, False),  # "below" the limit
        (2, 2_839_999, True),
        (3, 3_219_999, True),
        (5, 3_979_999, True),
        (5, 3_980_000, False),
        (6, 4_359_999, True),  # ¥380,000 per further dependant
        (19, 9_299_999, True),
        (19, 9_300_000, False),
        (25, 9_679_999, True),  # 20 and more share the 20-dependant limit
        (25, 9_680_000, False),
        (2, None, None),  # no income on record: cannot tell
        (None, 2_080_000, None),  # no dependants on record: cannot tell …
        (None, 10_000_000, False),  # … unless over every limit
        (None, 2_079_999, True),  # … or below every limit
    ],
)
def test_child_rearing_income_limits(dependants, income, expected):
    facts = {**SINGLE_MOTHER, "dependants": dependants, "child_rearing_income": income}
    assert decide(CHILD_REARING, facts) is expected


def test_child_rearing_conditions_beside_income():
    assert decide(CHILD_REARING, SINGLE_MOTHER) is True
    for fact, value, expected in [
        ("single_parent", False, False),  # remarried
        ("single_parent", None, None),  # no tax record
        ("lives_with_spouse", True, False),  # a spouse registered here
        ("parent_or_carer", False, False),  # a sibling of the children
        ("children_or_disabled_under_20", 0, False),
        ("supporting_relative_over_limit", True, False),
        ("supporting_relative_over_limit", None, None),
    ]:
        assert decide(CHILD_REARING, {**SINGLE_MOTHER, fact: value}) is expected, (fact, value)
    # A known "no" decides even when the income is missing.
    assert decide(CHILD_REARING, {**SINGLE_MOTHER, "single_parent": False,
                                  "child_rearing_income": None}) is False  # fmt: skip


@pytest.mark.parametrize(
    ("income", "salary", "child_support", "deductions", "widow", "expected"),
    [
        (1_200_000, None, None, None, None, 1_120_000),  # − the uniform ¥80,000
        (1_200_000, True, 0, 0, 0, 1_020_000),  # − ¥100,000 with salary or pension
        (1_200_000, False, 100_001, 0, 0, 1_200_000),  # + 80% of child support, rounded down
        (1_200_000, False, 100_002, 0, 0, 1_200_001),
        (1_200_000, False, 0, 270_000, 0, 850_000),  # − 障害者控除
        (1_200_000, False, 0, 0, 350_000, 770_000),  # − ひとり親控除 (supporting relatives)
        (50_000, True, 0, 0, 0, 0),  # never below 0
        (None, True, 500_000, 0, 0, None),  # no income on record
    ],
)
def test_rearing_income(income, salary, child_support, deductions, widow, expected):
    assert (
        rearing_income(
            income,
            salary,
            deductions,
            child_support_yen=child_support,
            single_parent_deduction_yen=widow,
        )
        == expected
    )


def test_relation_tables_are_symmetric_and_exclude_in_laws():
    for relation, kin in KIN.items():
        for other in kin:
            assert relation in KIN[other], (relation, other)
    assert "spouse" not in KIN["head"]  # a spouse is not a supporting relative
    assert "parent" not in KIN["spouse"]  # the head's parents are the spouse's in-laws
    assert "sibling" not in KIN["child"]  # the head's sibling is the child's aunt
    assert "other" not in KIN and all("other" not in kin for kin in KIN.values())
    assert PARENTS_OF["child"] == ("head", "spouse")


def test_a_rule_parsed_once_serves_many_persons():
    parsed = parse_rule(CHILD_REARING)
    assert parse_rule(parsed) is parsed
    for facts in (SINGLE_MOTHER, {**SINGLE_MOTHER, "child_rearing_income": None}):
        assert decide(parsed, facts) is decide(CHILD_REARING, facts)
        assert evaluate(parsed, facts) is evaluate(CHILD_REARING, facts)
        assert explain(parsed, facts) == explain(CHILD_REARING, facts)
    assert facts_used(parsed) == facts_used(CHILD_REARING)


def test_only_rules_over_facts_that_may_be_unknown_can_be_undecided():
    assert can_be_unknown(CHILD_REARING)
    assert can_be_unknown(SEEDED_RULES["flu-shot-65"])  # no birth date on record
    assert not can_be_unknown(SEEDED_RULES["child-allowance"])  # counts and relations
    assert not can_be_unknown({"==": [var("income_yen"), None]})
    assert not can_be_unknown({"!": {"==": [var("pregnant"), True]}})


def test_seeded_programs_on_typical_people():
    flu = SEEDED_RULES["flu-shot-65"]
    retired = person(age=65, income_yen=1_000_000)
    assert decide(flu, retired) is True
    assert decide(flu, person(age=64)) is False
    assert decide(flu, person(age=None)) is None
    # 60–64 with a grade-1 impairment of heart, kidney, breathing or immunity: the registry
    # cannot say which organ, a visitor can.
    assert decide(flu, person(age=60, internal_impairment_grade_1=None)) is None
    assert decide(flu, person(age=60, internal_impairment_grade_1=True)) is True
    assert decide(flu, person(age=59, internal_impairment_grade_1=None)) is False

    expecting = person(sex="female", pregnant=True, age=31)
    parent = person(age=33, newborn_in_household=True, children_under_3=1)
    big_sister = person(age=6, newborn_in_household=True, is_household_head=False)
    assert evaluate(SEEDED_RULES["birth-support"], expecting) is True
    assert evaluate(SEEDED_RULES["birth-support"], parent) is True
    assert evaluate(SEEDED_RULES["birth-support"], big_sister) is False

    exempt_head = person(tax_exempt=True, household_tax_exempt=True)
    assert evaluate(SEEDED_RULES["tax-exempt-benefit"], exempt_head) is True
    assert (
        evaluate(SEEDED_RULES["tax-exempt-benefit"], {**exempt_head, "is_household_head": False})
        is False
    )
    assert (
        evaluate(SEEDED_RULES["tax-exempt-benefit"], {**exempt_head, "household_tax_exempt": False})
        is False
    )
    unknown = {**exempt_head, "household_tax_exempt": None}
    assert decide(SEEDED_RULES["tax-exempt-benefit"], unknown) is None

    allowance = SEEDED_RULES["child-allowance"]
    assert evaluate(allowance, person(children_until_march_after_18=0)) is False
    # The claimant, not the head: a single mother living in her parents' household.
    assert evaluate(allowance, {**SINGLE_MOTHER, "is_household_head": False}) is True
    assert evaluate(allowance, {**SINGLE_MOTHER, "is_claimant": False}) is False


# --- explanations ---------------------------------------------------------------------------


def test_explanation_of_a_match_in_three_languages():
    conditions = explain(CHILD_REARING, SINGLE_MOTHER)
    assert [(c.fact, c.operator, c.expected, c.actual) for c in conditions] == [
        ("single_parent", "==", True, True),
        ("lives_with_spouse", "==", False, False),
        ("parent_or_carer", "==", True, True),
        ("children_or_disabled_under_20", ">=", 1, 2),
        ("supporting_relative_over_limit", "==", False, False),
        # Only the branch that held: below the lowest limit, whatever the dependants.
        ("child_rearing_income", "<", 2_080_000, 1_120_000),
    ]
    assert all(c.held and not c.negated and not c.unknown for c in conditions)
    children = conditions[3]
    assert (
        children.sentence.ja == "高校生年代まで（障害があれば20歳未満）のお子さんが2人いる世帯です"
    )
    assert children.sentence.en == (
        "Your household has 2 children the child-rearing allowance counts"
    )
    assert children.requirement.ja == "児童扶養手当の対象となるお子さんの数が1人以上"
    income = conditions[5]
    assert income.sentence.ja == "児童扶養手当の計算での所得は112万円です"
    assert income.sentence.en == (
        "Your income as the child-rearing allowance counts it is ¥1,120,000"
    )
    assert income.requirement.ja == "児童扶養手当の所得が208万円未満"
    assert income.requirement.en == (
        "Income as the child-rearing allowance counts it is less than ¥2,080,000"
    )
    # Above the lowest limit, the branch for the person's own dependants.
    higher = explain(CHILD_REARING, {**SINGLE_MOTHER, "child_rearing_income": 2_500_000})
    assert [(c.fact, c.expected) for c in higher[-2:]] == [
        ("dependants", 2),
        ("child_rearing_income", 2_840_000),
    ]
    assert conditions[0].sentence.ja == "ひとり親です"
    assert conditions[0].sentence.en == "You are a single parent"
    assert conditions[4].requirement.ja == "同居の扶養義務者の所得が限度額以上に該当しない"


def test_explanation_of_a_miss_names_the_nearest_branch():
    facts = {**SINGLE_MOTHER, "children_or_disabled_under_20": 1, "dependants": 1,
             "child_rearing_income": 3_000_000}  # fmt: skip
    assert evaluate(CHILD_REARING, facts) is False
    conditions = explain(CHILD_REARING, facts)
    # Not twenty-one branches: the one for one dependant, which failed on income alone.
    assert [(c.fact, c.expected, c.actual, c.held) for c in conditions] == [
        ("child_rearing_income", 2_460_000, 3_000_000, False)
    ]
    assert conditions[0].sentence.ja == "児童扶養手当の計算での所得は300万円です"
    assert conditions[0].requirement.ja == "児童扶養手当の所得が246万円未満"


def test_explanation_of_cannot_tell_names_each_missing_fact_once():
    facts = {**SINGLE_MOTHER, "dependants": None, "child_rearing_income": None}
    assert decide(CHILD_REARING, facts) is None
    conditions = explain(CHILD_REARING, facts)
    assert [c.fact for c in conditions] == ["child_rearing_income", "dependants"]
    assert all(c.unknown and not c.held and c.outcome is None for c in conditions)
    assert not any(c.supports for c in conditions)
    assert conditions[1].sentence.ja == "扶養親族等の数の記録がありません"
    # Known dependants: only the income is missing.
    conditions = explain(CHILD_REARING, {**SINGLE_MOTHER, "child_rearing_income": None})
    assert [(c.fact, c.expected) for c in conditions] == [("child_rearing_income", 2_080_000)]
    # An income between the limits: the dependants decide, and they are missing.
    between = {**SINGLE_MOTHER, "child_rearing_income": 2_500_000, "dependants": None}
    assert [c.fact for c in explain(CHILD_REARING, between)] == ["dependants"]
    # A fact left out by whoever asked (the anonymous check) reads as not known.
    (left_out,) = explain({"==": [var("parent_or_carer"), True]}, {})
    assert left_out.unknown
    assert left_out.sentence.en == "Parent or carer of a child: not known"


def test_explanation_under_not_turns_the_requirement_around():
    rule = {"!": {"<": [var("income_yen"), 2_000_000]}}
    (condition,) = explain(rule, {"income_yen": 2_500_000})
    assert (condition.held, condition.negated, condition.supports) == (False, True, True)
    assert condition.requirement.ja == "前年の所得が200万円以上"
    assert condition.requirement.en == "Income last year is at least ¥2,000,000"
    (unknown,) = explain(rule, {"income_yen": None})
    assert unknown.sentence.en == "We have no record of your income last year"
    assert unknown.unknown and unknown.outcome is None and not unknown.supports


@pytest.mark.parametrize("name", sorted(FACTS))
def test_every_fact_reads_in_three_languages(name):
    fact = FACTS[name]
    assert fact.type in ("number", "boolean", "string")
    assert fact.label.ja and fact.label.easy and fact.label.en and fact.description
    samples = {"number": [0, 1, 2], "boolean": [True, False], "string": [*fact.choices[:2], "x"]}
    values = samples[fact.type] + ([None] if fact.nullable else [])
    sentences = [fact.states(value) for value in values]
    for sentence in sentences:
        assert sentence.ja and sentence.easy and sentence.en
        assert sentence.en[0].isupper()
    # Different values read differently, in every language.
    for language in ("ja", "easy", "en"):
        assert len({getattr(s, language) for s in sentences}) == len(values)


@pytest.mark.parametrize("name", sorted(FACTS))
def test_every_fact_declares_the_person_columns_its_sql_reads(name):
    """The matching query carries exactly these columns into its outer query."""
    fact = FACTS[name]
    sql, _params = fact.value_sql(date(2026, 4, 1), postgres=True)
    read = set(re.findall(r"\bp\.([a-z_]+)", sql))
    if fact.whole_years_of:
        read.add(fact.whole_years_of.removeprefix("p."))
    assert read <= set(fact.reads), read - set(fact.reads)
    assert set(fact.reads) <= set(PERSON_COLUMNS)


@pytest.mark.parametrize("name", sorted(FACTS))
def test_household_subqueries_name_the_municipality_not_the_persons_column(name):
    """A household subquery looks members up in the municipality being matched (a
    parameter): on PostgreSQL that is what lets it read one partition, not all (issue 16)."""
    sql, params = FACTS[name].value_sql(date(2026, 4, 1), postgres=True)
    assert "p.municipality" not in sql
    assert sql.count(".municipality = ?") == params.count(THIS_MUNICIPALITY)


def test_requirements_read_for_every_operator():
    rules = [
        {">": [var("age"), 64]},
        {"<=": [var("household_size"), 2]},
        {"!=": [var("district"), "下連雀"]},
        {"in": [var("care_level"), ["care_1", "care_2"]]},
        {"!": {"in": [var("care_level"), ["care_1", "care_2"]]}},
        {"==": [var("disability_certificate"), None]},
        {"!=": [var("disability_certificate"), None]},
        {"==": [var("livelihood_aid"), False]},
        {"!=": [var("livelihood_aid"), False]},
    ]
    texts = set()
    for rule in rules:
        (condition,) = explain(rule, {})
        requirement = condition.requirement
        assert requirement.ja and requirement.easy and requirement.en
        texts.add(requirement.en)
    assert len(texts) == len(rules)
    assert explain(rules[-2], {})[0].requirement.en == "Livelihood aid: no"
    assert explain(rules[-1], {})[0].requirement.en == "Livelihood aid: yes"
    assert explain({"!": rules[-1]}, {})[0].requirement.ja == "生活保護に該当しない"
    (care,) = explain(rules[3], {"care_level": "care_2"})
    assert care.requirement.ja == "要介護度が要介護1、要介護2のいずれか"
    assert care.sentence.ja == "要介護2の認定を受けています"


# --- explain agrees with evaluate, on random rules and facts --------------------------------

NUMBER_VALUES = st.integers(0, 70) | st.sampled_from([1_200_000, 2_460_000, 2_840_000])


def _literal(fact):
    if fact.type == "boolean":
        return st.booleans()
    if fact.type == "string":
        return st.sampled_from(fact.choices or ("下連雀", "上連雀"))
    return NUMBER_VALUES.filter(lambda n: n <= (fact.maximum or n))


@st.composite
def comparisons(draw):
    fact = FACTS[draw(st.sampled_from(sorted(FACTS)))]
    ops = ["==", "!="] if fact.type != "number" else ["==", "!=", "<", "<=", ">", ">="]
    if draw(st.booleans()) and fact.type != "boolean":
        return {"in": [var(fact.name), draw(st.lists(_literal(fact), min_size=1, max_size=3))]}
    op = draw(st.sampled_from(ops))
    if op in ("==", "!=") and draw(st.integers(0, 9)) == 0:
        return {op: [var(fact.name), None]}
    return {op: [var(fact.name), draw(_literal(fact))]}


def random_rules(depth: int = 4):
    if depth == 1:
        return comparisons()
    inner = random_rules(depth - 1)
    return (
        comparisons()
        | st.builds(lambda r: {"!": r}, inner)
        | st.builds(lambda rs: {"and": rs}, st.lists(inner, min_size=1, max_size=3))
        | st.builds(lambda rs: {"or": rs}, st.lists(inner, min_size=1, max_size=3))
    )


@st.composite
def fact_values(draw):
    values = {}
    for name, fact in FACTS.items():
        if fact.nullable and draw(st.booleans()):
            values[name] = None
        else:
            values[name] = draw(_literal(fact))
    return values


@settings(max_examples=300)
@given(rule=random_rules(), facts=fact_values())
def test_explain_agrees_with_decide(rule, facts):
    assert validate_rule(rule) == []
    outcome = decide(rule, facts)
    assert evaluate(rule, facts) is (outcome is True)
    conditions = explain(rule, facts)
    assert conditions
    assert all(c.outcome == outcome for c in conditions)
    assert all(c.supports == (outcome is True) for c in conditions)
    for condition in conditions:
        assert condition.actual == facts[condition.fact]
        assert condition.sentence.ja and condition.requirement.en
    if outcome is None:  # each missing fact once
        assert len({c.fact for c in conditions}) == len(conditions)


@settings(max_examples=300)
@given(rule=random_rules(), facts=fact_values())
def test_decide_is_kleene_logic(rule, facts):
    """Unknown means "true or false, we do not know which": a rule is decided exactly when
    every way of filling in the unknown facts gives the same outcome it says — checked by
    filling them in with values near those the rules compare with. (Not for rules that ask
    whether a fact is known: those answer about the unknown itself.)"""
    outcome = decide(rule, facts)
    if outcome is not None and "null" not in json.dumps(rule):
        unknown = [name for name, value in facts.items() if value is None]
        for name in unknown:
            fact = FACTS[name]
            samples = (
                [True, False]
                if fact.type == "boolean"
                else [*(fact.choices[:3] or ("下連雀",)), None]
                if fact.type == "string"
                else [0, 1, 64, 65, 2_460_000, None]
            )
            for value in samples:
                assert decide(rule, {**facts, name: value}) is outcome, (name, value)


@pytest.mark.parametrize("slug", sorted(SEEDED_RULES))
@pytest.mark.parametrize(
    ("postgres", "set_based", "undecided"),
    [(False, False, False), (True, False, False), (True, True, False), (True, True, True)],
)
def test_every_persons_subquery_stays_in_the_municipality(slug, postgres, set_based, undecided):
    """On a deployment of many municipalities, a household subquery without the municipality
    reads every tenant's persons (PostgreSQL hashed them all: 出産・子育て応援給付 9× slower
    among 49 neighbours, issue 16). Each persons alias in the matching SQL is bound to it, and
    the municipality parameter is the one matched."""
    query = MatchQuery(SEEDED_RULES[slug], date(2026, 4, 1), postgres, set_based, undecided)
    sql, params = query.sql("TRUE", [], 4242)
    aliases = re.findall(rf"\bFROM {MATCHING_PERSONS} (\w+)", sql)
    assert aliases
    for alias in set(aliases):
        bound = re.findall(rf"\b{alias}\.municipality = (?:\?|p\.municipality)", sql)
        assert len(bound) >= aliases.count(alias), f"{slug}: a persons {alias} is not bound"
    assert all(type(value).__name__ != "ThisMunicipality" for value in params)
    if set_based and "?" in sql and re.search(r"\bm\.municipality = \?", sql):
        assert params.count(4242) >= 2
