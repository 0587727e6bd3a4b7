"""The seeded programmes against the law's boundaries (JAPAN-FACTS.md, section B), on a real
registry: each case is a household, an evaluation day, whose outcome it checks and what the law
says of them: true (qualifies), false (does not) or None (cannot tell: the registry lacks a
fact, and staff must ask). Both evaluators must say so: Python (``decide`` over the person's
facts) and SQL (``match_persons`` and ``undecided_persons`` over the registry rows, for the
whole registry and for the person alone, as after a registry change).

Each case's id quotes the line of JAPAN-FACTS.md section B it checks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_rules_agree import python_facts, sql_matches, sql_undecided, store

from todoke.benefits.rules import SEEDED_RULES, decide, explain

ON = date(2026, 8, 1)  # school year 2026: children born after 1 April 2007 still count

_BASE: dict[str, Any] = {
    "sex": "female",
    "district": "下連雀",
    "resident_since": date(2010, 4, 1),
    "status": "resident",
    "tax_exempt": False,
    "livelihood_aid": False,
    "disability_certificate": None,
    "care_level": None,
    "pregnancy_due_date": None,
    "income_yen": 0,
    "single_parent": False,
    "salary_or_pension": False,
    "child_support_yen": 0,
    "deductions_yen": 0,
    "single_parent_deduction_yen": 0,
    "tax_dependants": 0,
    "public_pension_yen": 0,
    "receiving": "",
}


def adult(name: str, relation: str = "head", born: date = date(1988, 6, 1), **facts) -> dict:
    return {**_BASE, "name": name, "relation": relation, "birth_date": born, **facts}


def minor(name: str, born: date, relation: str = "child", **facts) -> dict:
    # A child has no tax record of their own: the ひとり親 flag is unknown, as in a registry.
    return {**_BASE, "name": name, "relation": relation, "birth_date": born,
            "single_parent": None, **facts}  # fmt: skip


def mother(income: int | None = 1_000_000, dependants: int | None = 1, **facts) -> dict:
    """A single mother, head of household, with the ひとり親控除 on her tax record."""
    recorded = {"single_parent": True, "single_parent_deduction_yen": 350_000}
    return adult("mother", income_yen=income, tax_dependants=dependants, **{**recorded, **facts})


async def outcome(
    city, program: str, households: list[list[dict]], who: str, on: date = ON
) -> bool | None:
    """What both evaluators say of ``who``; fails if they disagree."""
    rows = [[{k: v for k, v in p.items() if k != "name"} for p in h] for h in households]
    stored = await store(city.id, [*rows, []])
    names = [p["name"] for h in households for p in h]
    person = dict(zip(names, stored, strict=True))[who]
    rule = SEEDED_RULES[program]
    facts = (await python_facts(stored, on))[person]
    python = decide(rule, facts)
    matched = await sql_matches(city.id, rule, on)
    undecided = await sql_undecided(city.id, rule, on)
    assert not matched & undecided
    sql = True if person in matched else None if person in undecided else False
    # The same for the person alone (a registry change touched them).
    alone = (
        True
        if await sql_matches(city.id, rule, on, [person])
        else None
        if await sql_undecided(city.id, rule, on, [person])
        else False
    )
    assert python is sql is alone, (python, sql, alone, facts)
    if python is None:  # staff see which facts are missing
        assert all(c.unknown for c in explain(rule, facts))
    return python


def cases(table: list[tuple]) -> Any:
    return pytest.mark.parametrize(
        ("case", "households", "who", "on", "expected"),
        table,
        ids=[row[0] for row in table],
    )


# --- 児童手当 ------------------------------------------------------------------------------------

TWO_PARENTS = [
    adult("father", sex="male", income_yen=4_000_000),
    adult("mother", "spouse", income_yen=1_000_000),
    minor("child", date(2015, 5, 5)),
]


def _couple(father: int | None, mother_: int | None) -> list[dict]:
    return [
        adult("father", sex="male", income_yen=father),
        adult("mother", "spouse", income_yen=mother_),
        minor("child", date(2015, 5, 5)),
    ]


CHILD_ALLOWANCE = [
    # "Eligible up to the 31 March after the child turns 18 (高校生年代) — a child of 18 in the
    # third year of high school still counts." A child turns 18 at the end of the day before the
    # birthday, so a child born 1 April leaves a school year earlier than one born 2 April.
    ("B 児童手当 'up to the 31 March after the child turns 18': born 2 Apr 2008, 31 Mar 2027",
     [[adult("parent", income_yen=3_000_000), minor("child", date(2008, 4, 2))]], "parent",
     date(2027, 3, 31), True),
    ("B 児童手当 'up to the 31 March after the child turns 18': born 2 Apr 2008, 1 Apr 2027",
     [[adult("parent", income_yen=3_000_000), minor("child", date(2008, 4, 2))]], "parent",
     date(2027, 4, 1), False),
    ("B 児童手当 'up to the 31 March after …': born 1 Apr 2008 (早生まれ), 31 Mar 2026",
     [[adult("parent", income_yen=3_000_000), minor("child", date(2008, 4, 1))]], "parent",
     date(2026, 3, 31), True),
    ("B 児童手当 'up to the 31 March after …': born 1 Apr 2008 (早生まれ), 1 Apr 2026",
     [[adult("parent", income_yen=3_000_000), minor("child", date(2008, 4, 1))]], "parent",
     date(2026, 4, 1), False),
    ("B 児童手当 'a child of 18 in the third year of high school still counts': 18 in January",
     [[adult("parent", income_yen=3_000_000), minor("child", date(2009, 1, 15))]], "parent",
     date(2027, 1, 20), True),
    ("B 児童手当 table 'under 3': a newborn the day after birth",
     [[adult("parent", income_yen=3_000_000), minor("baby", date(2026, 6, 3))]], "parent",
     date(2026, 6, 4), True),
    ("B 児童手当 'No income limit (abolished)': ¥20,000,000",
     [[adult("parent", income_yen=20_000_000), minor("child", date(2015, 5, 5))]], "parent",
     ON, True),
    ("B 児童手当 'the parent who mainly supports … normally the higher income': the father",
     [TWO_PARENTS], "father", ON, True),
    ("B 児童手当 'the parent … (生計中心者, normally the higher income)': not the mother",
     [TWO_PARENTS], "mother", ON, False),
    ("B 児童手当 '… normally the higher income': the spouse earns more, the spouse claims",
     [_couple(1_000_000, 4_000_000)], "mother", ON, True),
    ("B 児童手当 '… normally the higher income': the head earning less does not",
     [_couple(1_000_000, 4_000_000)], "father", ON, False),
    ("B 児童手当 '生計中心者': equal incomes, the head claims",
     [_couple(3_000_000, 3_000_000)], "father", ON, True),
    ("B 児童手当 '生計中心者': equal incomes, the spouse does not",
     [_couple(3_000_000, 3_000_000)], "mother", ON, False),
    ("B 児童手当 '生計中心者': an income not on record ranks below any",
     [_couple(None, 500_000)], "mother", ON, True),
    ("B 児童手当 'a grandparent head of household is not the claimant while a parent lives there'",
     [[adult("grandpa", born=date(1960, 1, 1), sex="male", income_yen=6_000_000),
       adult("mother", "child", income_yen=1_500_000, single_parent=True),
       minor("grandchild", date(2018, 2, 2), "grandchild")]], "grandpa", ON, False),
    ("B 児童手当 '… while a parent lives there': the parent claims",
     [[adult("grandpa", born=date(1960, 1, 1), sex="male", income_yen=6_000_000),
       adult("mother", "child", income_yen=1_500_000, single_parent=True),
       minor("grandchild", date(2018, 2, 2), "grandchild")]], "mother", ON, True),
    ("B 児童手当 'a grandparent head …': with no parent there, the head (carer) claims",
     [[adult("grandma", born=date(1962, 1, 1), income_yen=1_000_000),
       minor("grandchild", date(2018, 2, 2), "grandchild")]], "grandma", ON, True),
    ("B 児童手当 '… the parent the child lives with when the parents live apart': a father",
     [[adult("father", sex="male", income_yen=3_000_000, single_parent=True),
       minor("child", date(2012, 3, 3))]], "father", ON, True),
    ("B 児童手当 '… the parent the child lives with': the child moved out, not here",
     [[adult("father", sex="male", income_yen=3_000_000),
       minor("child", date(2012, 3, 3), status="moved_out")]], "father", ON, False),
    ("B 児童手当 'a child … still counted' when the head has died: the surviving parent",
     [[adult("late-father", sex="male", income_yen=5_000_000, status="deceased"),
       adult("mother", "spouse", income_yen=800_000, single_parent=True),
       minor("child", date(2016, 1, 1))]], "mother", ON, True),
    ("B 児童手当 'up to the 31 March after … 18': an elder sister of 16 claims nothing",
     [[*TWO_PARENTS, minor("sister", date(2010, 1, 1))]], "sister", ON, False),
]  # fmt: skip


@cases(CHILD_ALLOWANCE)
async def test_child_allowance(city, case, households, who, on, expected):
    assert await outcome(city, "child-allowance", households, who, on) is expected, case


# --- 児童扶養手当 ------------------------------------------------------------------------------


# The partial-payment limit for n dependants (the table's second column, "+¥380,000 per
# further dependant"), and the 所得 that meets it with nothing else on record: 合計所得 minus
# the uniform ¥80,000.
def partial_limit(dependants: int) -> int:
    return 2_080_000 + 380_000 * dependants


def relative_limit(dependants: int) -> int:
    return 2_360_000 + 380_000 * dependants


def _children(count: int) -> list[dict]:
    return [minor(f"child-{i}", date(2012 + i, 5, 5)) for i in range(max(count, 1))]


def _limit_cases() -> list[tuple]:
    rows = []
    for n in range(7):
        line = (
            f"B 児童扶養手当 table 'dependants {n} | partial payment below ¥{partial_limit(n):,}'"
            if n <= 5
            else f"B 児童扶養手当 'Add ¥380,000 per further dependant': {n}, ¥{partial_limit(n):,}"
        )
        for delta, expected in ((-1, True), (0, False), (1, False)):
            income = partial_limit(n) + 80_000 + delta
            household = [mother(income=income, dependants=n), *_children(n)]
            rows.append((f"{line}, 所得 {delta:+d} yen", [household], "mother", ON, expected))
    return rows


def _grandparents_home(grandpa: dict, **mother_facts) -> list[list[dict]]:
    """A single mother (the head's child) back with her parents, and her son."""
    facts = {"income_yen": 1_000_000, "tax_dependants": 1, "single_parent": True,
             "single_parent_deduction_yen": 350_000, **mother_facts}  # fmt: skip
    return [
        [grandpa, adult("mother", "child", **facts), minor("son", date(2017, 7, 7), "grandchild")]
    ]


def _grandpa(income: int | None, dependants: int | None = 1, **facts) -> dict:
    return adult(
        "grandpa", born=date(1960, 3, 3), sex="male", income_yen=income,
        tax_dependants=dependants, **facts,
    )  # fmt: skip


LIMIT = partial_limit(1) + 80_000  # 合計所得 at which one dependant's limit is met: not below

CHILD_REARING = [
    *_limit_cases(),
    # "For whoever cares for a child up to the 31 March after turning 18 …"
    ("B 児童扶養手当 'up to the 31 March after turning 18': 18, third year of high school",
     [[mother(), minor("son", date(2008, 4, 2))]], "mother", date(2027, 3, 31), True),
    ("B 児童扶養手当 'up to the 31 March after turning 18': the next day, not",
     [[mother(), minor("son", date(2008, 4, 2))]], "mother", date(2027, 4, 1), False),
    # "… (under 20 with a moderate or heavier disability)"
    ("B 児童扶養手当 '(under 20 with a moderate or heavier disability)': 19, 身体2級",
     [[mother(), minor("son", date(2007, 2, 1), disability_certificate="physical_2")]],
     "mother", ON, True),
    ("B 児童扶養手当 '(under 20 with a moderate …)': 20 today, 身体2級",
     [[mother(), minor("son", date(2006, 8, 1), disability_certificate="physical_2")]],
     "mother", ON, False),
    ("B 児童扶養手当 '(under 20 with a moderate …)': 19 until tomorrow, 身体2級",
     [[mother(), minor("son", date(2006, 8, 2), disability_certificate="physical_2")]],
     "mother", ON, True),
    ("B 児童扶養手当 '(under 20 …)': 19, 療育手帳B (moderate or mild: counted, the claim decides)",
     [[mother(), minor("son", date(2007, 2, 1), disability_certificate="intellectual_b")]],
     "mother", ON, True),
    ("B 児童扶養手当 '(… a moderate or heavier disability)': 19, 身体4級 is lighter",
     [[mother(), minor("son", date(2007, 2, 1), disability_certificate="physical_4")]],
     "mother", ON, False),
    ("B 児童扶養手当 '(… a moderate or heavier disability)': 19, 精神3級 is lighter",
     [[mother(), minor("son", date(2007, 2, 1), disability_certificate="mental_3")]],
     "mother", ON, False),
    ("B 児童扶養手当 '(under 20 …)': 19 without a disability",
     [[mother(), minor("son", date(2007, 2, 1))]], "mother", ON, False),
    # "Not paid on remarriage or de-facto marriage …"
    ("B 児童扶養手当 'Not paid on remarriage': the ひとり親 flag says no",
     [[mother(single_parent=False), minor("son", date(2015, 1, 1))]], "mother", ON, False),
    ("B 児童扶養手当 'Not paid on remarriage': a new husband registered, the flag not yet changed",
     [[mother(), adult("husband", "spouse", sex="male", income_yen=0),
       minor("son", date(2015, 1, 1))]], "mother", ON, False),
    ("B 児童扶養手当 '… in one of the situations listed above' (death): a deceased spouse",
     [[mother(), adult("late-husband", "spouse", sex="male", income_yen=4_000_000,
                       status="deceased"), minor("son", date(2015, 1, 1))]], "mother", ON, True),
    ("B 児童扶養手当 'The claimant is the parent … not the household head': the head has died",
     [[adult("late-husband", sex="male", income_yen=4_000_000, status="deceased"),
       adult("mother", "spouse", single_parent=True, income_yen=1_000_000, tax_dependants=1),
       minor("son", date(2015, 1, 1))]], "mother", ON, True),
    ("B 児童扶養手当 'The claimant is the parent (or the carer) …': a sister of 16 is not",
     [[mother(), minor("son", date(2015, 1, 1)), minor("daughter", date(2010, 1, 1))]],
     "daughter", ON, False),
    # "Which income is compared": the computation, each term at its boundary.
    ("B 児童扶養手当 '− ¥100,000 when it includes salary or public-pension income': -1 yen",
     [[mother(income=LIMIT + 100_000 - 1, salary_or_pension=True), *_children(1)]],
     "mother", ON, True),
    ("B 児童扶養手当 '− ¥100,000 when it includes salary …': at the limit",
     [[mother(income=LIMIT + 100_000, salary_or_pension=True), *_children(1)]],
     "mother", ON, False),
    ("B 児童扶養手当 '− ¥100,000 when it includes salary …': not without salary or pension",
     [[mother(income=LIMIT + 100_000 - 1, salary_or_pension=False), *_children(1)]],
     "mother", ON, False),
    ("B 児童扶養手当 '+ 80% of child support received': ¥100,001 adds ¥80,000 (rounded down)",
     [[mother(income=LIMIT - 80_000 - 1, child_support_yen=100_001), *_children(1)]],
     "mother", ON, True),
    ("B 児童扶養手当 '+ 80% of child support received': ¥100,002 adds ¥80,001",
     [[mother(income=LIMIT - 80_000 - 1, child_support_yen=100_002), *_children(1)]],
     "mother", ON, False),
    ("B 児童扶養手当 '− … 障害者 ¥270,000 …': -1 yen",
     [[mother(income=LIMIT + 270_000 - 1, deductions_yen=270_000), *_children(1)]],
     "mother", ON, True),
    ("B 児童扶養手当 '− … 特別障害者 ¥400,000 …': at the limit",
     [[mother(income=LIMIT + 400_000, deductions_yen=400_000), *_children(1)]],
     "mother", ON, False),
    ("B 児童扶養手当 '寡婦 … and ひとり親 ¥350,000 … never for the parent claiming'",
     [[mother(income=LIMIT + 350_000 - 1, single_parent_deduction_yen=350_000), *_children(1)]],
     "mother", ON, False),
    ("B 児童扶養手当 '扶養親族等の数 counts every dependant … not only the children under 18'",
     [[mother(income=partial_limit(2) + 80_000 - 1, dependants=2), *_children(1),
       adult("student", "child", born=date(2005, 1, 1), income_yen=0)]], "mother", ON, True),
    ("B 児童扶養手当 '扶養親族等の数 …': one dependant, the same income is over",
     [[mother(income=partial_limit(2) + 80_000 - 1, dependants=1), *_children(1)]],
     "mother", ON, False),
    # "Supporting relatives (扶養義務者) … If any of them has 所得 at or above the third column
    # (by *their* dependants), nothing is paid, whatever the claimant earns."
    ("B 児童扶養手当 'Supporting relatives … at or above the third column': grandpa 1 dep., -1 yen",
     _grandparents_home(_grandpa(relative_limit(1) + 80_000 - 1)), "mother", ON, True),
    ("B 児童扶養手当 'Supporting relatives … at or above the third column': grandpa at the limit",
     _grandparents_home(_grandpa(relative_limit(1) + 80_000)), "mother", ON, False),
    ("B 児童扶養手当 '… (by *their* dependants)': grandpa with 3 dependants, -1 yen",
     _grandparents_home(_grandpa(relative_limit(3) + 80_000 - 1, dependants=3)),
     "mother", ON, True),
    ("B 児童扶養手当 '… (by *their* dependants)': 0 dependants, the lowest limit",
     _grandparents_home(_grandpa(relative_limit(0) + 80_000, dependants=0)),
     "mother", ON, False),
    ("B 児童扶養手当 '寡婦 ¥270,000 … only for supporting relatives': a widowed grandmother",
     _grandparents_home(adult("grandma", born=date(1961, 1, 1), income_yen=relative_limit(1)
                              + 80_000 + 270_000 - 1, tax_dependants=1,
                              single_parent_deduction_yen=270_000)), "mother", ON, True),
    ("B 児童扶養手当 '− ¥100,000 … salary or public-pension': a pensioner grandpa, at the limit",
     _grandparents_home(_grandpa(relative_limit(1) + 180_000, salary_or_pension=True)),
     "mother", ON, False),
    ("B 児童扶養手当 '… whatever the claimant earns': grandpa over, the mother earns nothing",
     _grandparents_home(_grandpa(9_000_000), income_yen=0), "mother", ON, False),
    ("B 児童扶養手当 'lineal relatives and siblings': a brother at home over his limit",
     [[adult("grandma", born=date(1961, 1, 1), income_yen=0),
       adult("mother", "child", single_parent=True, income_yen=1_000_000, tax_dependants=1),
       adult("uncle", "child", born=date(1990, 1, 1), sex="male", income_yen=5_000_000),
       minor("son", date(2017, 7, 7), "grandchild")]], "mother", ON, False),
    ("B 児童扶養手当 'lineal relatives and siblings': a lodger is neither",
     [[mother(), adult("lodger", "other", income_yen=9_000_000), minor("son", date(2015, 1, 1))]],
     "mother", ON, True),
    ("B 児童扶養手当 'Supporting relatives …': a relative with no income on record, cannot tell",
     _grandparents_home(_grandpa(None)), "mother", ON, None),
    ("B 児童扶養手当 '… (by *their* dependants)': over the lowest limit, dependants unknown",
     _grandparents_home(_grandpa(relative_limit(0) + 80_000, dependants=None)),
     "mother", ON, None),
    ("B 児童扶養手当 '… (by *their* dependants)': under the lowest limit, dependants unknown",
     _grandparents_home(_grandpa(relative_limit(0) + 80_000 - 1, dependants=None)),
     "mother", ON, True),
    # "No income on record … rules must report such persons as 'cannot tell'."
    ("B 児童扶養手当 'No income on record … cannot tell'",
     [[mother(income=None), minor("son", date(2015, 1, 1))]], "mother", ON, None),
    ("B 児童扶養手当 '扶養親族等の数' not on record, 所得 between the limits: cannot tell",
     [[mother(income=partial_limit(0) + 80_000, dependants=None), *_children(1)]],
     "mother", ON, None),
    ("B 児童扶養手当 '扶養親族等の数' not on record, 所得 below every limit",
     [[mother(income=partial_limit(0) + 80_000 - 1, dependants=None), *_children(1)]],
     "mother", ON, True),
    ("B 児童扶養手当 '扶養親族等の数' not on record, 所得 over the 20-dependant limit",
     [[mother(income=partial_limit(20) + 80_000, dependants=None), *_children(1)]],
     "mother", ON, False),
    ("B 児童扶養手当 'lineal relatives …': a child's income not on record (no tax record)",
     [[mother(), minor("son", date(2015, 1, 1), income_yen=None, tax_dependants=None)]],
     "mother", ON, True),
    ("B 児童扶養手当 'No income on record …' but remarried: not (a known fact decides)",
     [[mother(income=None, single_parent=False), minor("son", date(2015, 1, 1))]],
     "mother", ON, False),
]  # fmt: skip


@cases(CHILD_REARING)
async def test_child_rearing_allowance(city, case, households, who, on, expected):
    assert await outcome(city, "child-rearing-allowance", households, who, on) is expected, case


# --- 高齢者インフルエンザ定期接種 ----------------------------------------------------------

FLU_SHOT = [
    ("B flu '65 and over on the day of the shot': 65th birthday today",
     [[adult("elder", born=date(1961, 8, 1))]], "elder", ON, True),
    ("B flu '65 and over on the day of the shot': 65 tomorrow",
     [[adult("elder", born=date(1961, 8, 2))]], "elder", ON, False),
    ("B flu '65 and over …': born 29 February, 65 on 1 March in a common year",
     [[adult("elder", born=date(1960, 2, 29))]], "elder", date(2025, 3, 1), True),
    ("B flu '65 and over …': born 29 February, still 64 on 28 February",
     [[adult("elder", born=date(1960, 2, 29))]], "elder", date(2025, 2, 28), False),
    ("B flu '60–64 with a grade-1 impairment of heart, kidney …': 60, 身体1級, which organ unknown",
     [[adult("elder", born=date(1966, 8, 1), disability_certificate="physical_1")]],
     "elder", ON, None),
    ("B flu '60–64 with a grade-1 impairment …': 59 with 身体1級",
     [[adult("elder", born=date(1966, 8, 2), disability_certificate="physical_1")]],
     "elder", ON, False),
    ("B flu '60–64 with a grade-1 impairment …': 64 with 身体2級",
     [[adult("elder", born=date(1962, 1, 1), disability_certificate="physical_2")]],
     "elder", ON, False),
    ("B flu '60–64 with a grade-1 impairment …': 62 without a certificate",
     [[adult("elder", born=date(1964, 1, 1))]], "elder", ON, False),
    ("B flu '65 and over': 65 with 身体1級 qualifies whatever the organ",
     [[adult("elder", born=date(1961, 1, 1), disability_certificate="physical_1")]],
     "elder", ON, True),
    ("B flu '65 and over on the day …': no birth date on record, cannot tell",
     [[adult("elder", born=None)]], "elder", ON, None),
]  # fmt: skip


@cases(FLU_SHOT)
async def test_flu_shot(city, case, households, who, on, expected):
    assert await outcome(city, "flu-shot-65", households, who, on) is expected, case


# --- 住民税非課税世帯への給付金 ------------------------------------------------------------

TAX_EXEMPT = [
    ("B 非課税世帯 'Every member of the household exempt from the 均等割': to the head",
     [[adult("head", tax_exempt=True), adult("spouse", "spouse", tax_exempt=True),
       minor("child", date(2015, 1, 1), tax_exempt=True)]], "head", ON, True),
    ("B 非課税世帯 '… per tax-exempt household': once, not to the spouse",
     [[adult("head", tax_exempt=True), adult("spouse", "spouse", tax_exempt=True)]],
     "spouse", ON, False),
    ("B 非課税世帯 'Every member …': one member taxed",
     [[adult("head", tax_exempt=True), adult("spouse", "spouse", tax_exempt=False)]],
     "head", ON, False),
    ("B 非課税世帯 'Every member …': the head taxed",
     [[adult("head", tax_exempt=False), adult("spouse", "spouse", tax_exempt=True)]],
     "head", ON, False),
    ("B 非課税世帯 'Every member …': a member without a tax record, nobody taxed: cannot tell",
     [[adult("head", tax_exempt=True), adult("spouse", "spouse", tax_exempt=None)]],
     "head", ON, None),
    ("B 非課税世帯 'Every member …': one taxed decides though another has no record",
     [[adult("head", tax_exempt=True), adult("spouse", "spouse", tax_exempt=None),
       adult("son", "child", born=date(2000, 1, 1), tax_exempt=False)]], "head", ON, False),
    ("B 非課税世帯 'Every member of the household': a taxed member who moved out is not one",
     [[adult("head", tax_exempt=True),
       adult("son", "child", born=date(2000, 1, 1), tax_exempt=False, status="moved_out")]],
     "head", ON, True),
    ("B 非課税世帯 'livelihood aid recipients' are exempt: a household on 生活保護",
     [[adult("head", tax_exempt=True, livelihood_aid=True)]], "head", ON, True),
    ("B 非課税世帯 'A single person's line is about ¥450,000 of income': alone, exempt",
     [[adult("head", born=date(1950, 1, 1), income_yen=450_000, tax_exempt=True)]],
     "head", ON, True),
]  # fmt: skip


@cases(TAX_EXEMPT)
async def test_tax_exempt_benefit(city, case, households, who, on, expected):
    assert await outcome(city, "tax-exempt-benefit", households, who, on) is expected, case


def test_every_case_cites_section_b():
    for table in (CHILD_ALLOWANCE, CHILD_REARING, FLU_SHOT, TAX_EXEMPT):
        for case, *_rest in table:
            assert case.startswith("B ") and "'" in case, case
    # Each dependants count from 0 to 6 meets its limit from both sides.
    limits = [c for c in CHILD_REARING if "partial payment below" in c[0] or "per further" in c[0]]
    assert len(limits) == 7 * 3
