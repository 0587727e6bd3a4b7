"""The two rule evaluators agree: SQL over the registry and Python over one person's facts.

Runs on the database the suite is configured with (SQLite, or PostgreSQL when
TODOKE_DATABASE_URL is set). Random small registries (birthdays on the edges of ages, 29
February, unknown values in every fact, every relation to the head, persons who moved out)
meet random rules; three-valued: the persons ``match_persons`` finds must be exactly those for
whom ``decide`` is true, and those ``undecided_persons`` finds those for whom it is unknown.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from todoke.benefits.facts import (
    FACTS,
    born_after_for_school_year,
    facts_select_sql,
    years_before,
)
from todoke.benefits.rules import (
    SEEDED_RULES,
    compile_sql,
    decide,
    evaluate,
    explain,
    facts_for_person,
    match_persons,
    undecided_persons,
    validate_rule,
)
from todoke.db import write_transaction

DISTRICTS = ("下連雀", "上連雀", "井の頭")
EDGE_AGES = (0, 1, 2, 3, 17, 18, 19, 20, 59, 60, 64, 65, 66)
# Around the partial-payment and supporting-relative limits once the ¥100,000 adjustment and
# the ¥80,000 are taken off (2,080,000 + 180,000 = 2,260,000; 2,360,000 + 180,000 = 2,540,000).
INCOMES = (
    0, 80_000, 1_199_999, 1_200_000, 2_259_999, 2_260_000, 2_459_999, 2_460_000, 2_539_999,
    2_540_000, 2_840_000, 3_000_000,
)  # fmt: skip
RELATIONS = ("spouse", "child", "parent", "grandchild", "grandparent", "sibling", "other")
CERTIFICATES = (
    None, None, None, "", "physical_1", "physical_3", "physical_4", "mental_2", "mental_3",
    "intellectual_a", "intellectual_b",
)  # fmt: skip
PERSON_COLUMNS = (
    "municipality", "registry_id", "household", "relation", "family_name", "given_name",
    "family_name_kana", "given_name_kana", "birth_date", "sex", "postal_code", "address",
    "district", "resident_since", "status", "income_yen", "tax_exempt", "single_parent",
    "livelihood_aid", "disability_certificate", "care_level", "pregnancy_due_date",
    "salary_or_pension", "child_support_yen", "deductions_yen", "single_parent_deduction_yen",
    "tax_dependants", "public_pension_yen", "receiving", "provenance", "updated_at",
)  # fmt: skip
# What a person row holds unless a test says otherwise.
REGISTRY_DEFAULTS: dict[str, Any] = {
    "salary_or_pension": None,
    "child_support_yen": None,
    "deductions_yen": None,
    "single_parent_deduction_yen": None,
    "tax_dependants": None,
    "public_pension_yen": None,
    "receiving": "",
}
_registry_ids = count(1)


# --- registries -----------------------------------------------------------------------------


def _shift(day: date, days: int) -> date:
    return day + timedelta(days=days)


def edge_dates(on: date) -> st.SearchStrategy[date]:
    """Dates on and around the day someone turns an edge age, 29 Februaries, anything."""
    around_birthday = st.builds(
        lambda years, days: _shift(years_before(on, years), days),
        st.sampled_from(EDGE_AGES),
        st.integers(-1, 1),
    )
    # The last and first day of being counted "up to the 31 March after turning 18".
    school_year_edge = st.builds(
        lambda days: _shift(born_after_for_school_year(on, 18), days), st.integers(-1, 1)
    )
    leap_day = st.builds(
        lambda years: date(4 * ((on.year - years) // 4), 2, 29),
        st.sampled_from(EDGE_AGES),
    )
    return (
        around_birthday
        | school_year_edge
        | leap_day
        | st.dates(date(1940, 1, 1), on + timedelta(days=30))
    )


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


@st.composite
def persons(draw, on: date, relation: str) -> dict[str, Any]:
    return {
        "relation": relation,
        "birth_date": draw(maybe(edge_dates(on))),
        "sex": draw(st.sampled_from(("female", "male", ""))),
        "district": draw(st.sampled_from((*DISTRICTS, ""))),
        "resident_since": draw(maybe(edge_dates(on))),
        "status": draw(st.sampled_from(("resident", "resident", "resident", "moved_out"))),
        "income_yen": draw(maybe(st.sampled_from(INCOMES) | st.integers(0, 5_000_000))),
        "tax_exempt": draw(maybe(st.booleans())),
        "single_parent": draw(maybe(st.booleans())),
        "livelihood_aid": draw(maybe(st.booleans())),
        "disability_certificate": draw(st.sampled_from(CERTIFICATES)),
        "care_level": draw(st.sampled_from((None, None, "support_1", "care_3"))),
        "pregnancy_due_date": draw(
            maybe(st.builds(_shift, st.just(on), st.sampled_from((-1, 0, 1, 120))))
        ),
        "salary_or_pension": draw(maybe(st.booleans())),
        "child_support_yen": draw(maybe(st.sampled_from((0, 1, 99_999, 100_000, 600_000)))),
        "deductions_yen": draw(maybe(st.sampled_from((0, 1, 270_000, 400_000, 3_000_000)))),
        "single_parent_deduction_yen": draw(maybe(st.sampled_from((0, 270_000, 350_000)))),
        "tax_dependants": draw(maybe(st.integers(0, 6) | st.sampled_from((19, 20, 25)))),
        "public_pension_yen": draw(maybe(st.sampled_from((0, 800_000)))),
        "receiving": draw(st.sampled_from(("", "child-allowance"))),
    }


@st.composite
def registries(draw) -> tuple[date, list[list[dict[str, Any]]]]:
    """An evaluation date and 1–6 households of 1–5 persons; the last "household" holds the
    persons registered without one."""
    on = draw(
        st.sampled_from(
            (
                date(2024, 2, 29),
                date(2025, 2, 28),
                date(2025, 3, 1),
                date(2026, 3, 31),  # the last day of a school year, and the first
                date(2026, 4, 1),
            )
        )
        | st.dates(date(2020, 1, 1), date(2030, 12, 31))
    )
    households = []
    for _ in range(draw(st.integers(1, 6))):
        size = draw(st.integers(1, 5))
        others = st.sampled_from(RELATIONS)
        relations = ["head", *draw(st.lists(others, min_size=size - 1, max_size=size - 1))]
        households.append([draw(persons(on, relation)) for relation in relations])
    alone = draw(st.lists(persons(on, "head"), max_size=2))
    return on, [*households, alone]


async def store(municipality_id: int, households: list[list[dict[str, Any]]]) -> dict[int, dict]:
    """Insert the registry with plain SQL; return each person id with what was stored."""
    now = datetime.now(UTC)
    stored: dict[int, dict] = {}
    async with write_transaction() as sql:
        await sql.execute("DELETE FROM person WHERE municipality = ?", [municipality_id])
        await sql.execute("DELETE FROM household WHERE municipality = ?", [municipality_id])
        for index, members in enumerate(households):
            household_id = None
            if index < len(households) - 1:
                registry_id = f"H{next(_registry_ids):09d}"
                await sql.execute(
                    "INSERT INTO household (municipality, registry_id, created_at) "
                    "VALUES (?, ?, ?)",
                    [municipality_id, registry_id, now],
                )
                rows = await sql.fetch(
                    "SELECT id FROM household WHERE municipality = ? AND registry_id = ?",
                    [municipality_id, registry_id],
                )
                household_id = rows[0][0]
            for member in members:
                registry_id = f"{next(_registry_ids):010d}"
                row = {
                    **REGISTRY_DEFAULTS,
                    **member,
                    "municipality": municipality_id,
                    "registry_id": registry_id,
                    "household": household_id,
                    "family_name": "三鷹",
                    "given_name": "花子",
                    "family_name_kana": "ミタカ",
                    "given_name_kana": "ハナコ",
                    "postal_code": "181-0013",
                    "address": "東京都三鷹市下連雀1-1",
                    "provenance": json.dumps({}),
                    "updated_at": now,
                }
                await sql.execute(
                    f"INSERT INTO person ({', '.join(PERSON_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(PERSON_COLUMNS))})",
                    [row[c] for c in PERSON_COLUMNS],
                )
                rows = await sql.fetch(
                    "SELECT id FROM person WHERE municipality = ? AND registry_id = ?",
                    [municipality_id, registry_id],
                )
                stored[rows[0][0]] = row
    return stored


async def python_facts(stored: dict[int, dict], on: date) -> dict[int, dict[str, Any]]:
    async with write_transaction() as sql:
        return {person_id: await facts_for_person(sql, person_id, on) for person_id in stored}


async def sql_matches(
    municipality_id: int, rule: dict, on: date, person_ids: list[int] | None = None
) -> set[int]:
    found: list[int] = []
    async with write_transaction() as sql:
        async for batch in match_persons(sql, municipality_id, rule, on, person_ids=person_ids):
            assert batch == sorted(batch)
            found += batch
    assert len(found) == len(set(found))
    return set(found)


async def sql_undecided(
    municipality_id: int, rule: dict, on: date, person_ids: list[int] | None = None
) -> set[int]:
    found: list[int] = []
    async with write_transaction() as sql:
        async for batch in undecided_persons(sql, municipality_id, rule, on, person_ids=person_ids):
            assert batch == sorted(batch)
            found += batch
    assert len(found) == len(set(found))
    return set(found)


async def compiled_matches(
    municipality_id: int, rule: dict, on: date, *, unknown: bool = False
) -> set[int]:
    """The persons ``compile_sql``'s condition holds for (or, ``unknown``, is NULL for)."""
    where, params = compile_sql(rule, on, municipality_id)
    test = f"({where}) IS NULL" if unknown else where
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT p.id FROM person p WHERE p.municipality = ? AND p.status = 'resident' "
            f"AND {test}",
            [municipality_id, *params],
        )
    return {row[0] for row in rows}


# --- rules ----------------------------------------------------------------------------------


def literals(fact):
    """Values near the generated ones: the edge ages, the income thresholds, the districts."""
    if fact.type == "boolean":
        return st.booleans()
    if fact.type == "string":
        return st.sampled_from(fact.choices or DISTRICTS)
    if fact.whole_years_of:
        return st.sampled_from(EDGE_AGES) | st.integers(0, 100)
    if fact.name == "income_yen":
        return st.sampled_from(INCOMES) | st.builds(
            lambda v, d: max(0, v + d), st.sampled_from(INCOMES), st.integers(-1, 1)
        )
    return st.integers(0, 6)


@st.composite
def comparisons(draw, on: date):
    fact = FACTS[draw(st.sampled_from(sorted(FACTS)))]
    value = literals(fact)
    ops = ["==", "!="] if fact.type != "number" else ["==", "!=", "<", "<=", ">", ">="]
    if fact.type != "boolean" and draw(st.integers(0, 4)) == 0:
        return {"in": [{"var": fact.name}, draw(st.lists(value, min_size=1, max_size=3))]}
    op = draw(st.sampled_from(ops))
    if op in ("==", "!=") and draw(st.integers(0, 7)) == 0:
        return {op: [{"var": fact.name}, None]}
    operands = [{"var": fact.name}, draw(value)]
    if draw(st.booleans()):  # literal first: "65 <= age"
        mirrored = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
        return {mirrored[op]: operands[::-1]}
    return {op: operands}


def rules(on: date, depth: int = 4):
    if depth == 1:
        return comparisons(on)
    inner = rules(on, depth - 1)
    return (
        comparisons(on)
        | st.builds(lambda rule: {"!": rule}, inner)
        | st.builds(lambda rs: {"and": rs}, st.lists(inner, min_size=1, max_size=3))
        | st.builds(lambda rs: {"or": rs}, st.lists(inner, min_size=1, max_size=3))
    )


def _same_value(fact_name: str, from_sql: Any, from_python: Any) -> bool:
    if FACTS[fact_name].type == "boolean" and from_sql is not None:
        from_sql = bool(from_sql)  # SQLite answers 0/1
    return from_sql == from_python


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_sql_and_python_agree_on_random_registries_and_rules(city, data):
    on, households = data.draw(registries(), label="registry")
    stored = await store(city.id, households)
    facts = await python_facts(stored, on)
    residents = {pid for pid, row in stored.items() if row["status"] == "resident"}

    # Every fact's SQL expression gives the Python value, for every person (ages included,
    # which SQL computes from the date's parts here).
    async with write_transaction() as sql:
        select, params = facts_select_sql(on, postgres=sql.postgres, municipality_id=city.id)
        rows = await sql.fetch(
            f"SELECT p.id, {select} FROM person p WHERE p.municipality = ?", [*params, city.id]
        )
    for person_id, *values in rows:
        for name, value in zip(FACTS, values, strict=True):
            assert _same_value(name, value, facts[person_id][name]), (name, person_id, value)

    seeded = st.sampled_from([SEEDED_RULES[name] for name in sorted(SEEDED_RULES)])
    drawn = data.draw(st.lists(rules(on) | seeded, min_size=1, max_size=4), label="rules")
    for rule in drawn:
        assert validate_rule(rule) == []
        outcomes = {pid: decide(rule, facts[pid]) for pid in residents}
        expected = {pid for pid, outcome in outcomes.items() if outcome is True}
        unknown = {pid for pid, outcome in outcomes.items() if outcome is None}
        assert expected == {pid for pid in residents if evaluate(rule, facts[pid])}
        assert await sql_matches(city.id, rule, on) == expected, rule
        assert await sql_undecided(city.id, rule, on) == unknown, rule
        assert await compiled_matches(city.id, rule, on) == expected, rule
        assert await compiled_matches(city.id, rule, on, unknown=True) == unknown, rule
        # Re-evaluating some persons only (as after a registry change) finds the same ones.
        some = sorted(data.draw(st.sets(st.sampled_from(sorted(stored)))))
        assert await sql_matches(city.id, rule, on, some) == expected & set(some), rule
        assert await sql_undecided(city.id, rule, on, some) == unknown & set(some), rule
        for person_id in stored:
            outcome = decide(rule, facts[person_id])
            conditions = explain(rule, facts[person_id])
            assert conditions and all(c.outcome == outcome for c in conditions)


# Facts read from the other members of a household, where who is whose parent, claimant or
# supporting relative is worked out from relations and incomes.
HOUSEHOLD_FACTS = sorted(name for name, fact in FACTS.items() if fact.household)


@st.composite
def crowded_households(draw) -> tuple[date, list[list[dict[str, Any]]]]:
    """An evaluation date and 1–4 households of 2–7 persons, every relation to the head,
    incomes from a few values (so that parents tie), children and adults near the edges."""
    on = draw(st.sampled_from((date(2026, 3, 31), date(2026, 4, 1), date(2027, 1, 15))))
    households = []
    for _ in range(draw(st.integers(1, 4))):
        relations = ["head", *draw(st.lists(st.sampled_from(RELATIONS), min_size=1, max_size=6))]
        members = []
        for relation in relations:
            person = draw(persons(on, relation))
            person["income_yen"] = draw(maybe(st.sampled_from(INCOMES[:6])))
            person["status"] = draw(st.sampled_from(("resident",) * 5 + ("deceased",)))
            members.append(person)
        households.append(members)
    return on, [*households, []]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_household_facts_agree_in_crowded_households(city, data):
    on, households = data.draw(crowded_households(), label="registry")
    stored = await store(city.id, households)
    facts = await python_facts(stored, on)
    async with write_transaction() as sql:
        select, params = facts_select_sql(
            on, postgres=sql.postgres, municipality_id=city.id, names=tuple(HOUSEHOLD_FACTS)
        )
        rows = await sql.fetch(
            f"SELECT p.id, {select} FROM person p WHERE p.municipality = ?", [*params, city.id]
        )
    for person_id, *values in rows:
        for name, value in zip(HOUSEHOLD_FACTS, values, strict=True):
            assert _same_value(name, value, facts[person_id][name]), (name, person_id, value)
    # A claimant claims for a child of the household: never more claimants than children.
    school = born_after_for_school_year(on, 18)
    by_household: dict[int, list[int]] = {}
    for person_id, row in stored.items():
        if row["household"] is not None:
            by_household.setdefault(row["household"], []).append(person_id)
    for ids in by_household.values():
        # (Facts of a person who moved out or died are computed too, but never matched.)
        claimants = [
            pid for pid in ids if facts[pid]["is_claimant"] and stored[pid]["status"] == "resident"
        ]
        children = [
            pid
            for pid in ids
            if stored[pid]["status"] == "resident"
            and stored[pid]["birth_date"] is not None
            and stored[pid]["birth_date"] > school
        ]
        assert len(claimants) <= len(children), [
            (pid, stored[pid]["relation"], stored[pid]["birth_date"], stored[pid]["status"])
            for pid in ids
        ]


# --- the seeded programs on a fixed registry ------------------------------------------------

ON = date(2026, 4, 1)


def _resident(relation: str, born: date | None, **facts) -> dict[str, Any]:
    person = {
        "relation": relation,
        "birth_date": born,
        "sex": "female",
        "district": "下連雀",
        "resident_since": date(2015, 4, 1),
        "status": "resident",
        "income_yen": 0,
        "tax_exempt": None,
        "single_parent": None,
        "livelihood_aid": False,
        "disability_certificate": None,
        "care_level": None,
        "pregnancy_due_date": None,
        "salary_or_pension": False,
        "child_support_yen": 0,
        "deductions_yen": 0,
        "single_parent_deduction_yen": 0,
        "tax_dependants": 0,
    }
    person.update(facts)
    return person


FIXED_REGISTRY = [
    # A single mother of two with ¥1,200,000: 児童扶養手当 and 児童手当.
    [
        _resident(
            "head",
            date(1990, 6, 1),
            single_parent=True,
            income_yen=1_200_000,
            tax_exempt=False,
            tax_dependants=2,
            single_parent_deduction_yen=350_000,
            name="mother",
        ),
        _resident("child", date(2015, 5, 5), tax_exempt=False, name="son"),
        _resident("child", date(2019, 9, 9), tax_exempt=False, name="daughter"),
    ],
    # A single father with one child and ¥3,000,000: 児童手当 only.
    [
        _resident(
            "head",
            date(1985, 1, 1),
            sex="male",
            single_parent=True,
            income_yen=3_000_000,
            tax_exempt=False,
            tax_dependants=1,
            name="father",
        ),
        _resident("child", date(2012, 3, 3), name="teen"),
    ],
    # A single mother with no income on record, living with her parents: 児童扶養手当 cannot
    # tell; her father (the head, ¥2,000,000) is below the supporting relatives' limit. 児童手当
    # goes to her, not to the grandparent head.
    [
        _resident(
            "head",
            date(1958, 5, 5),
            sex="male",
            income_yen=2_000_000,
            tax_exempt=False,
            name="grandpa",
        ),
        _resident(
            "child",
            date(1988, 8, 8),
            single_parent=True,
            income_yen=None,
            tax_dependants=None,
            name="undeclared-mother",
        ),
        _resident("grandchild", date(2016, 6, 6), name="grandchild"),
    ],
    # Turning 65 on the evaluation date, and the day after; both tax-exempt.
    [
        _resident("head", date(1961, 4, 1), tax_exempt=True, name="turns-65"),
        _resident("spouse", date(1961, 4, 2), tax_exempt=True, name="still-64"),
    ],
    # A baby born within the year, an expectant mother, a sibling; one member moved out.
    [
        _resident(
            "head",
            date(1992, 2, 29),
            sex="male",
            income_yen=4_000_000,
            tax_exempt=False,
            name="new-father",
        ),
        _resident(
            "spouse", date(1994, 7, 7), pregnancy_due_date=date(2026, 4, 1), name="expecting"
        ),
        _resident("child", date(2025, 4, 2), name="baby"),
        _resident("child", date(2020, 1, 1), name="sibling"),
        _resident("other", date(1950, 1, 1), status="moved_out", tax_exempt=True, name="gone"),
    ],
    # Tax-exempt household but one member without a tax record.
    [
        _resident("head", date(1950, 1, 1), tax_exempt=True, name="unknown-tax-household"),
        _resident("spouse", date(1952, 1, 1), tax_exempt=None, name="no-tax-record"),
    ],
    # Without a household.
    [_resident("head", None, tax_exempt=True, name="no-birth-date")],
]
EXPECTED = {
    "child-rearing-allowance": {"mother"},
    "child-allowance": {"mother", "father", "new-father", "undeclared-mother"},
    "flu-shot-65": {"turns-65", "unknown-tax-household", "no-tax-record", "grandpa"},
    "birth-support": {"expecting", "new-father"},
    "tax-exempt-benefit": {"turns-65", "no-birth-date"},
}
# Cannot tell: a fact the rule needs is missing.
UNDECIDED = {
    "child-rearing-allowance": {"undeclared-mother"},
    "child-allowance": set(),
    "flu-shot-65": {"no-birth-date"},
    "birth-support": set(),
    "tax-exempt-benefit": {"unknown-tax-household"},
}


@pytest.mark.parametrize("program", sorted(SEEDED_RULES))
async def test_seeded_programs_on_a_fixed_registry(city, program):
    households = [[{k: v for k, v in p.items() if k != "name"} for p in h] for h in FIXED_REGISTRY]
    names = [p["name"] for h in FIXED_REGISTRY for p in h]
    stored = await store(city.id, households)
    by_id = dict(zip(stored, names, strict=True))
    rule = SEEDED_RULES[program]

    matched = await sql_matches(city.id, rule, ON)
    assert {by_id[pid] for pid in matched} == EXPECTED[program]
    undecided = await sql_undecided(city.id, rule, ON)
    assert {by_id[pid] for pid in undecided} == UNDECIDED[program]

    facts = await python_facts(stored, ON)
    residents = {pid for pid, row in stored.items() if row["status"] == "resident"}
    assert {pid for pid in residents if evaluate(rule, facts[pid])} == matched
    assert {pid for pid in residents if decide(rule, facts[pid]) is None} == undecided
    for person_id in matched:
        conditions = explain(rule, facts[person_id])
        assert all(c.held != c.negated for c in conditions)
        assert all(c.sentence.ja and c.sentence.easy and c.sentence.en for c in conditions)
    for person_id in undecided:
        conditions = explain(rule, facts[person_id])
        assert conditions and all(c.unknown for c in conditions)


async def test_explain_names_the_missing_facts(city):
    households = [[{k: v for k, v in p.items() if k != "name"} for p in FIXED_REGISTRY[2]]]
    stored = await store(city.id, [*households, []])
    mother = next(pid for pid, row in stored.items() if row["single_parent"])
    facts = await python_facts(stored, ON)
    conditions = explain(SEEDED_RULES["child-rearing-allowance"], facts[mother])
    # Once per fact, though twenty income branches are open.
    assert [c.fact for c in conditions] == ["child_rearing_income", "dependants"]
    assert conditions[0].sentence.en == "We have no record of your income last year to work it out"
    assert conditions[1].sentence.ja == "扶養親族等の数の記録がありません"
    assert all(c.unknown and not c.held and c.outcome is None for c in conditions)


async def test_facts_of_the_single_mother(city):
    mother_and_children = [{k: v for k, v in p.items() if k != "name"} for p in FIXED_REGISTRY[0]]
    stored = await store(city.id, [mother_and_children, []])
    mother = next(iter(stored))
    async with write_transaction() as sql:
        facts = await facts_for_person(sql, mother, ON)
        with pytest.raises(LookupError):
            await facts_for_person(sql, max(stored) + 1000, ON)
    assert facts == {
        "child_rearing_income": 1_200_000 - 80_000,  # no salary flag, no child support
        "children_or_disabled_under_20": 2,
        "parent_or_carer": True,
        "is_claimant": True,
        "supporting_relative_over_limit": False,
        "internal_impairment_grade_1": False,
        "lives_with_spouse": False,
        "age": 35,
        "sex": "female",
        "district": "下連雀",
        "years_of_residence": 11,
        "income_yen": 1_200_000,
        "tax_exempt": False,
        "single_parent": True,
        "livelihood_aid": False,
        "disability_certificate": None,
        "care_level": None,
        "pregnant": False,
        "is_household_head": True,
        "household_size": 3,
        "children_under_18": 2,
        "children_until_march_after_18": 2,
        "children_under_3": 0,
        "newborn_in_household": False,
        "household_tax_exempt": False,
        "dependants": 2,
    }


# --- household conditions under "or" and "!" ------------------------------------------------

HOUSEHOLD_TESTS = [
    {"==": [{"var": "newborn_in_household"}, True]},
    {"!=": [{"var": "newborn_in_household"}, True]},
    {">=": [{"var": "household_size"}, 2]},
    {"==": [{"var": "household_size"}, 1]},
    {">": [{"var": "children_under_3"}, 0]},
    {"in": [{"var": "children_under_18"}, [0]]},
    {">=": [{"var": "children_until_march_after_18"}, 1]},
    {"==": [{"var": "household_tax_exempt"}, True]},
    {"==": [{"var": "household_tax_exempt"}, False]},
]
BABY, ADULT = date(2025, 10, 1), date(1990, 1, 1)
TRICKY_HOUSEHOLDS = [
    [_resident("head", ADULT, name="mother"), _resident("child", BABY, name="baby")],
    [
        _resident("head", ADULT, name="father"),
        _resident("child", BABY, name="twin-1"),
        _resident("child", BABY, name="twin-2"),
    ],
    [_resident("head", BABY, name="baby-alone")],
    [_resident("head", ADULT, tax_exempt=True, name="exempt-alone")],
    [
        _resident("head", ADULT, tax_exempt=True, name="exempt-head"),
        _resident("spouse", ADULT, tax_exempt=True, name="exempt-spouse"),
    ],
    [
        _resident("head", ADULT, tax_exempt=True, name="exempt-with-payer"),
        _resident("spouse", ADULT, tax_exempt=False, name="payer"),
    ],
    [
        _resident("head", ADULT, tax_exempt=True, name="with-baby-moved-out"),
        _resident("child", BABY, status="moved_out", tax_exempt=False, name="moved-baby"),
    ],
    # Without a household.
    [
        _resident("head", BABY, tax_exempt=True, name="baby-no-household"),
        _resident("head", ADULT, name="adult-no-household"),
    ],
]


async def test_household_conditions_under_or_and_not(city):
    """The members who count are the *other* residents: a baby alone has no baby in its
    household, twins each have one. PostgreSQL answers these from household sets built once
    per statement (not a subquery per person), which must count the same way."""
    households = [
        [{k: v for k, v in p.items() if k != "name"} for p in h] for h in TRICKY_HOUSEHOLDS
    ]
    stored = await store(city.id, households)
    names = dict(zip(stored, [p["name"] for h in TRICKY_HOUSEHOLDS for p in h], strict=True))
    facts = await python_facts(stored, ON)
    residents = {pid for pid, row in stored.items() if row["status"] == "resident"}
    newborn = {names[pid] for pid in residents if facts[pid]["newborn_in_household"]}
    assert newborn == {"mother", "father", "twin-1", "twin-2"}
    exempt = {names[pid] for pid in residents if facts[pid]["household_tax_exempt"]}
    assert exempt == {
        "exempt-alone",
        "exempt-head",
        "exempt-spouse",
        "with-baby-moved-out",
        "baby-no-household",
    }
    for test in HOUSEHOLD_TESTS:
        for rule in ({"or": [test, {"==": [{"var": "pregnant"}, True]}]}, {"!": test}, test):
            expected = {pid for pid in residents if evaluate(rule, facts[pid])}
            assert await sql_matches(city.id, rule, ON) == expected, rule
            assert await compiled_matches(city.id, rule, ON) == expected, rule
