"""The seeded programmes against the law's boundaries (JAPAN-FACTS.md, section B), on a real
registry: each case is a household, an evaluation day and whether the parent qualifies, and
both evaluators (SQL over the registry, Python over one person's facts) must say so.

Each case names the line of JAPAN-FACTS.md it checks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_rules_agree import python_facts, sql_matches, store

from todoke.benefits.rules import SEEDED_RULES, evaluate

_BASE = {
    "sex": "female",
    "district": "下連雀",
    "resident_since": date(2010, 4, 1),
    "status": "resident",
    "tax_exempt": False,
    "livelihood_aid": False,
    "disability_certificate": None,
    "care_level": None,
    "pregnancy_due_date": None,
}


def _parent(**facts: Any) -> dict[str, Any]:
    return {**_BASE, "relation": "head", "birth_date": date(1985, 6, 1), **facts}


def _child(born: date) -> dict[str, Any]:
    return {
        **_BASE,
        "relation": "child",
        "birth_date": born,
        "income_yen": 0,
        "single_parent": False,
    }


# 児童手当 "Eligible up to the 31 March after the child turns 18 (高校生年代) — a child of 18 in
# the third year of high school still counts." A child turns 18 at the end of the day before
# the birthday, so a child born 1 April leaves a school year earlier than one born 2 April.
CHILD_ALLOWANCE = [
    (
        "born 2 Apr 2008, 31 Mar 2027: 18, third year of high school",
        date(2008, 4, 2),
        date(2027, 3, 31),
        True,
    ),
    ("born 2 Apr 2008, 1 Apr 2027: left high school", date(2008, 4, 2), date(2027, 4, 1), False),
    ("born 1 Apr 2008, 31 Mar 2026: still counted", date(2008, 4, 1), date(2026, 3, 31), True),
    (
        "born 1 Apr 2008, 1 Apr 2026: a year earlier (早生まれ)",
        date(2008, 4, 1),
        date(2026, 4, 1),
        False,
    ),
    (
        "born 15 Jan 2009, 20 Jan 2027: turned 18 this school year",
        date(2009, 1, 15),
        date(2027, 1, 20),
        True,
    ),
    ("born 3 Jun 2026, 4 Jun 2026: a newborn", date(2026, 6, 3), date(2026, 6, 4), True),
]


@pytest.mark.parametrize(
    ("case", "born", "on", "expected"), CHILD_ALLOWANCE, ids=[c[0] for c in CHILD_ALLOWANCE]
)
async def test_child_allowance_counts_children_to_the_31_march_after_18(
    city, case: str, born: date, on: date, expected: bool
) -> None:
    household = [_parent(income_yen=4_000_000, single_parent=False), _child(born)]
    stored = await store(city.id, [household, []])
    parent = next(i for i, row in stored.items() if row["relation"] == "head")
    rule = SEEDED_RULES["child-allowance"]
    assert evaluate(rule, (await python_facts(stored, on))[parent]) is expected, case
    assert (parent in await sql_matches(city.id, rule, on)) is expected, case


# 児童扶養手当 "For whoever cares for a child up to the 31 March after turning 18", with the
# partial-payment limit for one dependant (¥2,460,000: "below").
CHILD_REARING = [
    (
        "18, third year of high school, income under the limit",
        date(2008, 4, 2),
        date(2027, 3, 31),
        2_459_999,
        True,
    ),
    ("the next day: no child counted", date(2008, 4, 2), date(2027, 4, 1), 2_459_999, False),
    ("at the limit: not below it", date(2010, 5, 5), date(2027, 3, 31), 2_460_000, False),
]


@pytest.mark.parametrize(
    ("case", "born", "on", "income", "expected"),
    CHILD_REARING,
    ids=[c[0] for c in CHILD_REARING],
)
async def test_child_rearing_allowance_counts_children_to_the_31_march_after_18(
    city, case: str, born: date, on: date, income: int, expected: bool
) -> None:
    household = [_parent(income_yen=income, single_parent=True), _child(born)]
    stored = await store(city.id, [household, []])
    parent = next(i for i, row in stored.items() if row["relation"] == "head")
    rule = SEEDED_RULES["child-rearing-allowance"]
    assert evaluate(rule, (await python_facts(stored, on))[parent]) is expected, case
    assert (parent in await sql_matches(city.id, rule, on)) is expected, case
