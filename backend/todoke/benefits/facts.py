"""The catalogue of facts an eligibility rule may use.

A fact is one value about one resident on one evaluation date: ``age``, ``income_yen``,
``children_under_18``… Each :class:`Fact` says, in one place, its type, its labels in
Japanese, plain Japanese (やさしい日本語) and English, how it reads in a sentence, and how it is
computed twice: in Python for one person (:meth:`Fact.compute`, fed by
:func:`load_person`) and as an SQL expression over ``person p`` (:meth:`Fact.value_sql`). The
rule compiler in :mod:`todoke.benefits.rules` relies on both giving the same value for every
person, and the agreement tests hold them to it on SQLite and on PostgreSQL.

Definitions shared by every fact:

- **Evaluation date** (``on``): a parameter, never the database's clock, so Python and SQL see
  the same day.
- **Whole years** between a date ``d`` and ``on`` (ages, years of residence):
  ``on.year - d.year``, minus one if ``(on.month, on.day) < (d.month, d.day)``. Someone born
  on 29 February turns a year older on 1 March in common years. (The 年齢計算ニ関スル法律 makes
  a person legally a year older at the end of the day before the birthday; programs that
  depend on that day must say so in their own rule, e.g. with ``age >= 65`` on a later date.)
  A date after ``on`` gives a negative number of years.
- **Household members** of a person: the *other* persons of the same household whose status
  is ``resident``. A person without a household lives alone.
- **Unknown** is ``None``: a missing date or income, an empty string for sex or district.
  Facts derived from counts or flags (``pregnant``, ``household_size``…) are never unknown.
  A fact computed from others is unknown when the registry cannot settle it
  (``child_rearing_income`` without an income on record, ``supporting_relative_over_limit``
  when a relative's income is missing); rules then "cannot tell" (see
  :func:`todoke.benefits.rules.decide`) rather than guess.
- **Relations** are each person's relation to the household head (``head``, ``spouse``,
  ``child``, ``parent``, ``grandchild``, ``grandparent``, ``sibling``, ``other``): who is
  whose parent or lineal relative is read from them by :data:`PARENTS_OF` and :data:`KIN`,
  which say what they assume.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import msgspec

from todoke.db import SqlSession
from todoke.registry.public import MATCHING_COLUMNS, matching_persons

FactType = Literal["number", "boolean", "string"]

# Columns of ``person`` the Python side reads; the SQL side reads the same columns.
PERSON_COLUMNS = (
    "id",
    "household",
    "relation",
    "birth_date",
    "sex",
    "district",
    "resident_since",
    "status",
    "income_yen",
    "tax_exempt",
    "single_parent",
    "livelihood_aid",
    "disability_certificate",
    "care_level",
    "pregnancy_due_date",
    "salary_or_pension",
    "child_support_yen",
    "deductions_yen",
    "single_parent_deduction_yen",
    "tax_dependants",
)
# The registry declares what matching may read; a fact reading anything else fails here.
assert set(PERSON_COLUMNS) <= MATCHING_COLUMNS, set(PERSON_COLUMNS) - MATCHING_COLUMNS


@dataclass(frozen=True, slots=True)
class Texts:
    """One text in the three languages of the app."""

    ja: str
    easy: str
    en: str


@dataclass(frozen=True, slots=True)
class Member:
    """What a person's facts need to know about another resident of the household."""

    birth_date: date | None
    tax_exempt: bool | None
    id: int = 0
    relation: str = ""
    income_yen: int | None = None
    salary_or_pension: bool | None = None
    deductions_yen: int | None = None
    single_parent_deduction_yen: int | None = None
    tax_dependants: int | None = None
    disability_certificate: str | None = None


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One ``person`` row, as the Python evaluator sees it, with the household's members."""

    id: int
    household: int | None
    relation: str
    birth_date: date | None
    sex: str
    district: str
    resident_since: date | None
    status: str
    income_yen: int | None
    tax_exempt: bool | None
    single_parent: bool | None
    livelihood_aid: bool | None
    disability_certificate: str | None
    care_level: str | None
    pregnancy_due_date: date | None
    salary_or_pension: bool | None = None
    child_support_yen: int | None = None
    deductions_yen: int | None = None
    single_parent_deduction_yen: int | None = None
    tax_dependants: int | None = None
    members: tuple[Member, ...] = ()


# --- date arithmetic shared by both sides -----------------------------------------------------


def whole_years(since: date | None, on: date) -> int | None:
    """Whole years from ``since`` to ``on`` (an age); ``None`` when ``since`` is unknown."""
    if since is None:
        return None
    return on.year - since.year - ((on.month, on.day) < (since.month, since.day))


def years_before(on: date, years: int) -> date:
    """The latest day ``d`` with ``whole_years(d, on) >= years``.

    So ``whole_years(d, on) >= n`` exactly when ``d <= years_before(on, n)``: the rule
    compiler turns age conditions into plain date comparisons (no per-row arithmetic, and an
    index on the date could serve them). 29 February in a common year becomes 28 February:
    no date lies between the two.
    """
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def _years_sql(column: str, on: date, postgres: bool) -> tuple[str, list[Any]]:
    # The same whole-years arithmetic as ``whole_years``, from the year and the month-day
    # parts of the date (SQLite stores dates as ISO text; PostgreSQL as dates).
    if postgres:
        year = f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
        month_day = (
            f"CAST(EXTRACT(MONTH FROM {column}) * 100 + EXTRACT(DAY FROM {column}) AS INTEGER)"
        )
    else:
        year = f"CAST(strftime('%Y', {column}) AS INTEGER)"
        month_day = f"CAST(strftime('%m%d', {column}) AS INTEGER)"
    sql = f"(? - {year} - (CASE WHEN {month_day} > ? THEN 1 ELSE 0 END))"
    return sql, [on.year, on.month * 100 + on.day]


# A household set (``set_based``) is built once per statement, uncorrelated: this parameter
# stands for the municipality being matched, which the query fills in, so the set is built
# from that municipality's persons only, not every tenant's (issue 16).
THIS_MUNICIPALITY: Any = type("ThisMunicipality", (), {"__repr__": lambda _: "THIS_MUNICIPALITY"})()


def bind_municipality(values: Sequence[Any], municipality_id: int) -> list[Any]:
    """SQL parameters with :data:`THIS_MUNICIPALITY` standing for ``municipality_id``."""
    return [municipality_id if v is THIS_MUNICIPALITY else v for v in values]


# Household members in SQL: the same definition as ``Member`` rows loaded by ``load_person``.
# Members are looked up in the municipality being matched (a parameter, not ``p``'s column):
# on PostgreSQL the planner then reads that municipality's partition only, where a
# correlated ``p.municipality`` would visit every partition for every person.
_OTHER_MEMBERS = (
    f"FROM {matching_persons('m')} "
    "WHERE m.household = p.household AND m.municipality = ? "
    "AND m.id <> p.id AND m.status = 'resident'"
)


# --- how values read ----------------------------------------------------------------------


def _yen(value: int) -> Texts:
    # 1,200,000 reads 120万円 in Japanese; an uneven amount keeps every digit.
    ja = f"{value // 10_000:,}万円" if value and value % 10_000 == 0 else f"{value:,}円"
    return Texts(ja, ja, f"¥{value:,}")


def _count(unit_ja: str, unit_easy: str) -> Callable[[Any], Texts]:
    # English labels carry the unit: "number of children under 18 is at least 1".
    def texts(value: Any) -> Texts:
        return Texts(f"{value}{unit_ja}", f"{value}{unit_easy}", str(value))

    return texts


_CERTIFICATES: dict[str, Texts] = {
    **{
        f"physical_{n}": Texts(
            f"身体障害者手帳{n}級",
            f"しんたい しょうがいしゃ てちょう {n}きゅう",
            f"physical disability certificate, grade {n}",
        )
        for n in range(1, 7)
    },
    **{
        f"mental_{n}": Texts(
            f"精神障害者保健福祉手帳{n}級",
            f"せいしん しょうがいしゃ ほけん ふくし てちょう {n}きゅう",
            f"mental disability certificate, grade {n}",
        )
        for n in range(1, 4)
    },
    "intellectual_a": Texts(
        "療育手帳A", "りょういく てちょう A", "intellectual disability certificate, grade A"
    ),
    "intellectual_b": Texts(
        "療育手帳B", "りょういく てちょう B", "intellectual disability certificate, grade B"
    ),
}
_CARE_LEVELS: dict[str, Texts] = {
    **{
        f"support_{n}": Texts(f"要支援{n}", f"ようしえん {n}", f"support level {n}")
        for n in range(1, 3)
    },
    **{f"care_{n}": Texts(f"要介護{n}", f"ようかいご {n}", f"care level {n}") for n in range(1, 6)},
}
_SEXES: dict[str, Texts] = {
    "female": Texts("女性", "おんな", "female"),
    "male": Texts("男性", "おとこ", "male"),
}


def _choice_texts(table: dict[str, Texts]) -> Callable[[Any], Texts]:
    def texts(value: Any) -> Texts:
        return table.get(value, Texts(str(value), str(value), str(value)))

    return texts


def _plain(value: Any) -> Texts:
    text = str(value)
    return Texts(text, text, text)


def _yes_no(value: Any) -> Texts:
    return Texts("はい", "はい", "yes") if value else Texts("いいえ", "いいえ", "no")


# --- the catalogue ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact a rule may name with ``{"var": name}``.

    ``python`` computes the value for one loaded person; ``sql`` gives the value as an SQL
    expression over ``person p`` (with ``?`` placeholders and their parameters) for an
    evaluation date and a dialect (only the whole-years facts differ by dialect).
    ``whole_years_of`` names the date column of an age-like fact, which the rule compiler
    compares by date instead of computing per row; ``members`` describes a household fact,
    which it may turn into ``EXISTS`` or a household set; ``correlated`` marks a household
    fact whose SQL is its own correlated subquery (who claims, supporting relatives).
    """

    name: str
    type: FactType
    label: Texts
    description: str
    python: Callable[[PersonRecord, date], Any]
    sql: Callable[[date, bool], tuple[str, list[Any]]]
    # Sentences stating the value: (value) -> Texts; None stands for "not known".
    states: Callable[[Any], Texts]
    # The value alone, for requirements such as "less than ¥2,840,000".
    value_texts: Callable[[Any], Texts] = _plain
    nullable: bool = False
    # Set for household facts: how SQL counts the other members.
    members: Members | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    whole_years_of: str | None = None
    # The columns of ``p`` its SQL reads (for household facts: what the subquery correlates on).
    reads: tuple[str, ...] = ()
    correlated: bool = False

    @property
    def unit(self) -> Unit | None:
        """The unit of a number fact's values (yen, years, persons), if it has one."""
        return UNITS.get(self.value_texts)

    @property
    def household(self) -> bool:
        """Computed from the household's other members, not the person's row alone."""
        return self.members is not None or self.correlated

    def compute(self, person: PersonRecord, on: date) -> Any:
        return self.python(person, on)

    def value_sql(self, on: date, *, postgres: bool) -> tuple[str, list[Any]]:
        return self.sql(on, postgres)


def _column(
    name: str, *, blank_is_unknown: bool = False
) -> Callable[[date, bool], tuple[str, list]]:
    expression = f"NULLIF(p.{name}, '')" if blank_is_unknown else f"p.{name}"
    return lambda _on, _postgres: (expression, [])


def _attribute(name: str, *, blank_is_unknown: bool = False) -> Callable[[PersonRecord, date], Any]:
    def value(person: PersonRecord, _on: date) -> Any:
        found = getattr(person, name)
        return None if blank_is_unknown and found == "" else found

    return value


def born_after_for_school_year(on: date, years: int) -> date:
    """Children count "up to the 31 March after turning ``years``" (児童手当, 児童扶養手当:
    高校生年代まで) on ``on`` exactly when born after the date this returns.

    A person turns ``years`` at the end of the day before the birthday (年齢計算ニ関スル法律),
    so the school year a child leaves in is the one of that day: those born 2 April to 1 April
    share one. In the school year (April to March) holding ``on``, the children still counted
    are those born after 1 April, ``years`` years before that school year began."""
    school_year = on.year if on.month >= 4 else on.year - 1
    return date(school_year - years, 4, 1)


def _members_until_march_after(years: int) -> Callable[[PersonRecord, date], int]:
    def count(person: PersonRecord, on: date) -> int:
        earliest = born_after_for_school_year(on, years)
        return sum(
            1 for m in person.members if m.birth_date is not None and m.birth_date > earliest
        )

    return count


def _members_younger_than(years: int) -> Callable[[PersonRecord, date], int]:
    def count(person: PersonRecord, on: date) -> int:
        earliest = years_before(on, years)
        return sum(
            1 for m in person.members if m.birth_date is not None and m.birth_date > earliest
        )

    return count


@dataclass(frozen=True, slots=True)
class Members:
    """A household fact as SQL: the household's other resident members meeting ``condition``
    (SQL over the member alias ``{m}``), and what the fact makes of them: their ``count``,
    the household ``size`` (the person plus them), or whether there is ``any``. Never
    unknown (a member whose date is unknown does not meet a date condition)."""

    shape: Literal["count", "size", "any"]
    condition: Callable[[date], tuple[str, list[Any]]]

    def where(self, on: date, alias: str) -> tuple[str, list[Any]]:
        condition, params = self.condition(on)
        return condition.format(m=alias), params

    def value_sql(self, on: date, _postgres: bool = False) -> tuple[str, list[Any]]:
        condition, params = self.where(on, "m")
        others = f"{_OTHER_MEMBERS} AND {condition}"
        params = [THIS_MUNICIPALITY, *params]
        match self.shape:
            case "count":
                return f"(SELECT COUNT(*) {others})", params
            case "size":
                return f"(1 + (SELECT COUNT(*) {others}))", params
            case _:  # "any"
                return f"EXISTS (SELECT 1 {others})", params

    def exists_sql(self, on: date, *, set_based: bool) -> tuple[str, list[Any]]:
        """Another resident member meets the condition: a correlated ``EXISTS``, or with
        ``set_based`` a lookup in the households that have one, which the database builds once
        per statement. The person may count among those (a baby for ``newborn``): then the
        household needs two."""
        condition, params = self.where(on, "m")
        if not set_based:
            return (
                f"EXISTS (SELECT 1 {_OTHER_MEMBERS} AND {condition})",
                [THIS_MUNICIPALITY, *params],
            )
        own, own_params = self.where(on, "p")
        # The condition is the catalogue's own SQL; values travel as parameters.
        households = (
            f"SELECT m.household FROM {matching_persons('m')} "  # noqa: S608
            f"WHERE m.municipality = ? AND m.status = 'resident' AND m.household IS NOT NULL "
            f"AND {condition}"
        )
        with_two = f"{households} GROUP BY m.household HAVING COUNT(*) > 1"
        return (
            f"(CASE WHEN p.status = 'resident' AND {own} "
            f"THEN COALESCE(p.household IN ({with_two}), FALSE) "
            f"ELSE COALESCE(p.household IN ({households}), FALSE) END)",
            [*own_params, THIS_MUNICIPALITY, *params, THIS_MUNICIPALITY, *params],
        )


def _born_after(years: int) -> Callable[[date], tuple[str, list[Any]]]:
    # Younger than ``years`` on the evaluation date (an unknown birth date is not).
    return lambda on: ("{m}.birth_date > ?", [years_before(on, years)])


UNDER_18 = Members("count", _born_after(18))
# Up to the 31 March after turning 18 (an unknown birth date is not counted).
UNTIL_MARCH_AFTER_18 = Members(
    "count", lambda on: ("{m}.birth_date > ?", [born_after_for_school_year(on, 18)])
)
UNDER_3 = Members("count", _born_after(3))
NEWBORN = Members("any", _born_after(1))
EVERYONE = Members("size", lambda _on: ("TRUE", []))

# --- the law's figures (JAPAN-FACTS B, 児童扶養手当, from November 2024) ------------------------

# 所得 as 児童扶養手当 compares it: 合計所得 − ¥100,000 when it includes salary or public pension
# (the 2020 adjustment) + 80% of child support received (the parent claiming only) − a uniform
# ¥80,000 − the deductions that apply (障害者, 勤労学生, 医療費控除…; 寡婦/ひとり親 only for a
# supporting relative), and never below 0.
SALARY_OR_PENSION_ADJUSTMENT = 100_000
UNIFORM_DEDUCTION = 80_000
CHILD_SUPPORT_PERCENT = 80
# The limits rise by ¥380,000 for each dependant (扶養親族等の数), beyond five too.
PARTIAL_PAYMENT_LIMIT = 2_080_000  # the claimant, no dependant: below it something is paid
SUPPORTING_RELATIVE_LIMIT = 2_360_000  # a supporting relative, no dependant: at it, nothing
LIMIT_PER_DEPENDANT = 380_000
# A child of 18 or 19 counts for 児童扶養手当 with a disability of moderate degree or heavier
# (施行令別表第一). The certificates taken to show one: 身体障害者手帳 grades 1–3 and 精神障害者保健
# 福祉手帳 grades 1–2 (the grades municipal guides give as equivalent), and 療育手帳 A and B: B
# covers moderate (B1) and mild (B2) in most prefectures and the registry does not tell them
# apart, so B counts and the doctor's certificate filed with the claim decides.
MODERATE_DISABILITY = (
    "physical_1",
    "physical_2",
    "physical_3",
    "mental_1",
    "mental_2",
    "intellectual_a",
    "intellectual_b",
)

# --- relations: who is whose parent, lineal relative or sibling -------------------------------

# A child's parents by the child's relation to the head: the head's children are taken to be
# the spouse's children too; a grandchild's parents are the head's children (any of them: the
# registry does not say which), and only those past high-school age, who are not the aunts and
# uncles still at school; a child who is the head, or the head's sibling, has the head's parents.
PARENTS_OF: dict[str, tuple[str, ...]] = {
    "child": ("head", "spouse"),
    "grandchild": ("child",),
    "head": ("parent",),
    "sibling": ("parent",),
}
_ADULT_PARENTS = ("grandchild",)
# Lineal relatives and siblings (扶養義務者 for 児童扶養手当) by the two persons' relations to the
# head. The head's parents, grandparents, siblings, children and grandchildren are all of the
# head's blood; among them, pairs are lineal or siblings except two parents (or two
# grandparents: a couple) and the head's sibling with the head's descendants (an aunt and a
# nephew). The spouse is related by blood only to the children and grandchildren (assumed the
# spouse's own); in-laws and "other" are nobody's. A grandchild may in truth be a nephew of a
# "child", who is then counted too: most grandchildren earn nothing, so it rarely matters.
_BLOOD = ("head", "parent", "grandparent", "sibling", "child", "grandchild")
_NOT_KIN = {
    frozenset({"parent"}),
    frozenset({"grandparent"}),
    frozenset({"sibling", "child"}),
    frozenset({"sibling", "grandchild"}),
}
KIN: dict[str, tuple[str, ...]] = {
    **{
        relation: tuple(
            other
            for other in _BLOOD
            if frozenset({relation, other}) not in _NOT_KIN and {relation, other} != {"head"}
        )
        for relation in _BLOOD
    },
    "spouse": ("child", "grandchild"),
}
KIN["child"] += ("spouse",)
KIN["grandchild"] += ("spouse",)


def _bind(sql: str, **values: Any) -> tuple[str, list[Any]]:
    """``:name`` placeholders to ``?`` with the parameters in order (the facts' SQL below
    uses the same date several times); ``:municipality`` is the one being matched."""
    values.setdefault("municipality", THIS_MUNICIPALITY)
    params: list[Any] = []

    def placeholder(match: re.Match[str]) -> str:
        params.append(values[match.group(1)])
        return "?"

    return re.sub(r":([a-z_0-9]+)\b", placeholder, sql), params


def _one_of(column: str, values: Sequence[str]) -> str:
    # Values are the catalogue's own constants, never input.
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _others(alias: str) -> str:
    """The household's other resident members, as ``alias``, for a subquery over ``p``."""
    return (
        f"FROM {matching_persons(alias)} WHERE {alias}.household = p.household "
        f"AND {alias}.municipality = :municipality "
        f"AND {alias}.id <> p.id AND {alias}.status = 'resident'"
    )


def _adult_sql(alias: str) -> str:
    """Past high-school age (not a child counted by 児童手当); an unknown birth date counts
    as grown up, as it is never counted as a child."""
    return f"({alias}.birth_date IS NULL OR {alias}.birth_date <= :school)"


def _parent_sql(parent: str, child: str) -> str:
    cases = []
    for relation, parents in PARENTS_OF.items():
        case = f"{child}.relation = {relation!r} AND {_one_of(f'{parent}.relation', parents)}"
        if relation in _ADULT_PARENTS:
            case += f" AND {_adult_sql(parent)}"
        cases.append(f"({case})")
    return "(" + " OR ".join(cases) + ")"


def _kin_sql(person: str, relative: str) -> str:
    return (
        "("
        + " OR ".join(
            f"({person}.relation = {relation!r} AND {_one_of(f'{relative}.relation', kin)})"
            for relation, kin in KIN.items()
        )
        + ")"
    )


def _rearing_income_sql(alias: str, *, claimant: bool) -> str:
    """The 児童扶養手当 所得 of ``alias`` as SQL (NULL when its income is): the claimant's
    with 80% of child support, a supporting relative's with the widow/single-parent
    deduction. Integer division: yen amounts are whole and never negative."""
    value = (
        f"{alias}.income_yen - CASE WHEN {alias}.salary_or_pension IS TRUE "
        f"THEN {SALARY_OR_PENSION_ADJUSTMENT} ELSE 0 END"
    )
    if claimant:
        value += f" + COALESCE({alias}.child_support_yen, 0) * {CHILD_SUPPORT_PERCENT} / 100"
    value += f" - {UNIFORM_DEDUCTION} - COALESCE({alias}.deductions_yen, 0)"
    if not claimant:
        value += f" - COALESCE({alias}.single_parent_deduction_yen, 0)"
    return f"(CASE WHEN {value} < 0 THEN 0 ELSE {value} END)"


def rearing_income(
    income_yen: int | None,
    salary_or_pension: bool | None,
    deductions_yen: int | None,
    *,
    child_support_yen: int | None = None,
    single_parent_deduction_yen: int | None = None,
) -> int | None:
    """所得 as 児童扶養手当 compares it (see the constants above); ``None`` without an income.
    A deduction, child support or the salary flag the registry does not hold counts as none:
    the tax registry records those it assessed."""
    if income_yen is None:
        return None
    value = (
        income_yen
        - (SALARY_OR_PENSION_ADJUSTMENT if salary_or_pension else 0)
        + (child_support_yen or 0) * CHILD_SUPPORT_PERCENT // 100
        - UNIFORM_DEDUCTION
        - (deductions_yen or 0)
        - (single_parent_deduction_yen or 0)
    )
    return max(value, 0)


def _relative_over_limit(relative: Member) -> bool | None:
    """A supporting relative's 所得 is at or above their limit (by *their* dependants)."""
    income = rearing_income(
        relative.income_yen,
        relative.salary_or_pension,
        relative.deductions_yen,
        single_parent_deduction_yen=relative.single_parent_deduction_yen,
    )
    if income is None:
        return None
    if income < SUPPORTING_RELATIVE_LIMIT:
        return False  # below the lowest limit, whatever their dependants
    if relative.tax_dependants is None:
        return None
    return income >= SUPPORTING_RELATIVE_LIMIT + LIMIT_PER_DEPENDANT * relative.tax_dependants


def _relative_over_limit_sql(alias: str) -> str:
    income = _rearing_income_sql(alias, claimant=False)
    return (
        f"(CASE WHEN {income} < {SUPPORTING_RELATIVE_LIMIT} THEN FALSE ELSE {income} >= "
        f"{SUPPORTING_RELATIVE_LIMIT} + {LIMIT_PER_DEPENDANT} * {alias}.tax_dependants END)"
    )


def _supporting_relative_over_limit(person: PersonRecord, on: date) -> bool | None:
    # True as soon as one relative is over; unknown if none is but one cannot be told.
    kin = KIN.get(person.relation, ())
    school = born_after_for_school_year(on, 18)
    found: bool | None = False
    for member in person.members:
        if member.relation in kin and _adult(member, school):
            over = _relative_over_limit(member)
            if over:
                return True
            if over is None:
                found = None
    return found


def _supporting_relative_over_limit_sql(on: date, _postgres: bool) -> tuple[str, list[Any]]:
    relatives = f"SELECT 1 {_others('r')} AND {_kin_sql('p', 'r')} AND {_adult_sql('r')}"
    over = _relative_over_limit_sql("r")
    return _bind(
        f"(CASE WHEN EXISTS ({relatives} AND {over} IS TRUE) THEN TRUE "
        f"WHEN EXISTS ({relatives} AND {over} IS NULL) THEN NULL ELSE FALSE END)",
        school=born_after_for_school_year(on, 18),
    )


def _lives_with_spouse(person: PersonRecord, _on: date) -> bool:
    partner = {"head": "spouse", "spouse": "head"}.get(person.relation)
    return partner is not None and any(m.relation == partner for m in person.members)


def _lives_with_spouse_sql(_on: date, _postgres: bool) -> tuple[str, list[Any]]:
    return _bind(
        f"((p.relation = 'head' AND EXISTS (SELECT 1 {_others('m')} AND m.relation = 'spouse')) "
        f"OR (p.relation = 'spouse' AND EXISTS (SELECT 1 {_others('m')} AND m.relation = 'head')))"
    )


def _household_tax_exempt(person: PersonRecord, _on: date) -> bool | None:
    flags = [person.tax_exempt, *(m.tax_exempt for m in person.members)]
    if False in flags:
        return False
    return None if None in flags else True


def _household_tax_exempt_sql(_on: date, _postgres: bool) -> tuple[str, list[Any]]:
    return _bind(
        "(CASE WHEN p.tax_exempt IS FALSE OR EXISTS "
        f"(SELECT 1 {_others('m')} AND m.tax_exempt IS FALSE) THEN FALSE "
        "WHEN p.tax_exempt IS NULL OR EXISTS "
        f"(SELECT 1 {_others('m')} AND m.tax_exempt IS NULL) THEN NULL ELSE TRUE END)"
    )


# --- who claims for a child ----------------------------------------------------------------


def _as_member(person: PersonRecord) -> Member:
    return Member(
        person.birth_date,
        person.tax_exempt,
        id=person.id,
        relation=person.relation,
        income_yen=person.income_yen,
    )


def _adult(member: Member, school: date) -> bool:
    return member.birth_date is None or member.birth_date <= school


def _is_parent(parent: Member, child: Member, school: date) -> bool:
    if parent.relation not in PARENTS_OF.get(child.relation, ()):
        return False
    return child.relation not in _ADULT_PARENTS or _adult(parent, school)


def _income_first(member: Member) -> tuple[int, int, int]:
    # The higher income first (none on record below ¥0), then the head, then the lower id.
    income = -1 if member.income_yen is None else member.income_yen
    return (-income, member.relation != "head", member.id)


def _head_first(member: Member) -> tuple[int, int, int]:
    income = -1 if member.income_yen is None else member.income_yen
    return (member.relation != "head", -income, member.id)


def _is_claimant(person: PersonRecord, on: date) -> bool:
    school = born_after_for_school_year(on, 18)
    everyone = (_as_member(person), *person.members)
    for child in person.members:
        if child.birth_date is None or child.birth_date <= school:
            continue
        others = [m for m in everyone if m.id != child.id]
        parents = [m for m in others if _is_parent(m, child, school)]
        if parents:
            claimant = min(parents, key=_income_first)
        else:
            carers = [m for m in others if _adult(m, school)]
            if not carers:
                continue
            claimant = min(carers, key=_head_first)
        if claimant.id == person.id:
            return True
    return False


def _ranks_above(key: Literal["income", "head"]) -> str:
    """SQL: the rival ``q`` comes before the person ``p`` in the claimant order."""
    income_q, income_p = "COALESCE(q.income_yen, -1)", "COALESCE(p.income_yen, -1)"
    head_q = "(CASE WHEN q.relation = 'head' THEN 1 ELSE 0 END)"
    head_p = "(CASE WHEN p.relation = 'head' THEN 1 ELSE 0 END)"
    first, second = ((income_q, income_p), (head_q, head_p))[:: 1 if key == "income" else -1]
    return (
        f"({first[0]} > {first[1]} OR ({first[0]} = {first[1]} AND ({second[0]} > {second[1]} "
        f"OR ({second[0]} = {second[1]} AND q.id < p.id))))"
    )


def _is_claimant_sql(on: date, _postgres: bool) -> tuple[str, list[Any]]:
    rivals = f"SELECT 1 {_others('q')} AND q.id <> c.id"
    no_parent = (
        f"NOT EXISTS (SELECT 1 FROM {matching_persons('y')} WHERE y.household = p.household "  # noqa: S608
        "AND y.municipality = :municipality AND y.id <> c.id AND y.status = 'resident' "
        f"AND {_parent_sql('y', 'c')})"
    )
    sql = (
        f"EXISTS (SELECT 1 {_others('c')} AND c.birth_date > :school AND ("
        f"({_parent_sql('p', 'c')} AND NOT EXISTS ({rivals} AND {_parent_sql('q', 'c')} "
        f"AND {_ranks_above('income')})) "
        f"OR ({_adult_sql('p')} AND {no_parent} AND NOT EXISTS ({rivals} AND {_adult_sql('q')} "
        f"AND {_ranks_above('head')}))))"
    )
    return _bind(sql, school=born_after_for_school_year(on, 18))


def _rearing_child(member: Member, on: date) -> bool:
    """Counted for 児童扶養手当: up to the 31 March after 18, or under 20 with a disability of
    moderate degree or heavier."""
    born = member.birth_date
    if born is None:
        return False
    if born > born_after_for_school_year(on, 18):
        return True
    return born > years_before(on, 20) and member.disability_certificate in MODERATE_DISABILITY


def _rearing_child_sql(alias: str) -> str:
    return (
        f"({alias}.birth_date > :school OR ({alias}.birth_date > :twenty AND "
        f"{_one_of(f'{alias}.disability_certificate', MODERATE_DISABILITY)}))"
    )


def _rearing_dates(on: date) -> dict[str, date]:
    return {"school": born_after_for_school_year(on, 18), "twenty": years_before(on, 20)}


REARING_CHILDREN = Members(
    "count", lambda on: _bind(_rearing_child_sql("{m}"), **_rearing_dates(on))
)


def _parent_or_carer(person: PersonRecord, on: date) -> bool:
    school = born_after_for_school_year(on, 18)
    me = _as_member(person)
    everyone = (me, *person.members)
    for child in person.members:
        if not _rearing_child(child, on):
            continue
        if _is_parent(me, child, school):
            return True
        if _adult(me, school) and not any(
            _is_parent(m, child, school) for m in everyone if m.id != child.id
        ):
            return True
    return False


def _parent_or_carer_sql(on: date, _postgres: bool) -> tuple[str, list[Any]]:
    sql = (
        f"EXISTS (SELECT 1 {_others('c')} AND {_rearing_child_sql('c')} "  # noqa: S608
        f"AND ({_parent_sql('p', 'c')} "
        f"OR ({_adult_sql('p')} AND NOT EXISTS (SELECT 1 FROM {matching_persons('y')} "
        "WHERE y.household = p.household AND y.municipality = :municipality "
        "AND y.id <> c.id AND y.status = 'resident' "
        f"AND {_parent_sql('y', 'c')}))))"
    )
    return _bind(sql, **_rearing_dates(on))


def _states(known: Callable[[Any], Texts], unknown: Texts) -> Callable[[Any], Texts]:
    return lambda value: unknown if value is None else known(value)


def _flag(yes: Texts, no: Texts, unknown: Texts | None = None) -> Callable[[Any], Texts]:
    def texts(value: Any) -> Texts:
        if value is None and unknown is not None:
            return unknown
        return yes if value else no

    return texts


def _children_states(years: int) -> Callable[[Any], Texts]:
    def texts(value: Any) -> Texts:
        if value == 0:
            return Texts(
                f"{years}歳未満のお子さんはいない世帯です",
                f"{years}さいより したの こどもは いません",
                f"There are no children under {years} in your household",
            )
        noun = "child" if value == 1 else "children"
        return Texts(
            f"{years}歳未満のお子さんが{value}人いる世帯です",
            f"{years}さいより したの こどもが {value}にん います",
            f"Your household has {value} {noun} under {years}",
        )

    return texts


_AGE = _count("歳", "さい")
_YEARS = _count("年", "ねん")
_PERSONS = _count("人", "にん")


@dataclass(frozen=True, slots=True)
class Unit:
    """What a number fact counts: ``code`` (yen, years, persons) and the word after a value."""

    code: str
    word: Texts


# The unit of a number fact follows from how its values read (``value_texts``).
UNITS: dict[Callable[[Any], Texts], Unit] = {
    _yen: Unit("yen", Texts("円", "えん", "yen")),
    _AGE: Unit("years", Texts("歳", "さい", "years old")),
    _YEARS: Unit("years", Texts("年", "ねん", "years")),
    _PERSONS: Unit("persons", Texts("人", "にん", "persons")),
}


FACTS: dict[str, Fact] = {
    fact.name: fact
    for fact in (
        Fact(
            name="age",
            reads=("birth_date",),
            type="number",
            label=Texts("年齢", "ねんれい（なんさい）", "age"),
            description="Whole years from birth_date to the evaluation date.",
            python=lambda person, on: whole_years(person.birth_date, on),
            sql=lambda on, postgres: _years_sql("p.birth_date", on, postgres),
            states=_states(
                lambda v: Texts(f"{v}歳です", f"{v}さいです", f"You are {v} years old"),
                Texts(
                    "生年月日の記録がありません",
                    "うまれた ひが わかりません",
                    "We have no record of your date of birth",
                ),
            ),
            value_texts=_AGE,
            nullable=True,
            minimum=0,
            maximum=150,
            whole_years_of="p.birth_date",
        ),
        Fact(
            name="sex",
            reads=("sex",),
            type="string",
            label=Texts("性別", "せいべつ", "sex"),
            description="'female' or 'male' as registered; unknown when blank.",
            python=_attribute("sex", blank_is_unknown=True),
            sql=_column("sex", blank_is_unknown=True),
            states=_states(
                lambda v: Texts(
                    f"性別は{_SEXES[v].ja if v in _SEXES else v}です",
                    f"せいべつは {_SEXES[v].easy if v in _SEXES else v}です",
                    f"Your registered sex is {_SEXES[v].en if v in _SEXES else v}",
                ),
                Texts(
                    "性別の記録がありません",
                    "せいべつが わかりません",
                    "We have no record of your sex",
                ),
            ),
            value_texts=_choice_texts(_SEXES),
            nullable=True,
            choices=("female", "male"),
        ),
        Fact(
            name="district",
            reads=("district",),
            type="string",
            label=Texts("お住まいの地域", "すんでいる ところ", "district"),
            description="The town area (町域) of the registered address; unknown when blank.",
            python=_attribute("district", blank_is_unknown=True),
            sql=_column("district", blank_is_unknown=True),
            states=_states(
                lambda v: Texts(
                    f"お住まいの地域は{v}です", f"すんでいる ところは {v}です", f"You live in {v}"
                ),
                Texts(
                    "お住まいの地域の記録がありません",
                    "すんでいる ところが わかりません",
                    "We have no record of your district",
                ),
            ),
            nullable=True,
        ),
        Fact(
            name="years_of_residence",
            reads=("resident_since",),
            type="number",
            label=Texts("居住年数", "この まちに すんでいる ねんすう", "years of residence"),
            description="Whole years from resident_since to the evaluation date.",
            python=lambda person, on: whole_years(person.resident_since, on),
            sql=lambda on, postgres: _years_sql("p.resident_since", on, postgres),
            states=_states(
                lambda v: Texts(
                    f"この市に住んで{v}年です",
                    f"この まちに すんで {v}ねんです",
                    f"You have lived here for {v} year{'' if v == 1 else 's'}",
                ),
                Texts(
                    "住み始めた日の記録がありません",
                    "すみはじめた ひが わかりません",
                    "We have no record of when you moved here",
                ),
            ),
            value_texts=_YEARS,
            nullable=True,
            minimum=0,
            maximum=150,
            whole_years_of="p.resident_since",
        ),
        Fact(
            name="income_yen",
            reads=("income_yen",),
            type="number",
            label=Texts("前年の所得", "きょねんの しょとく（はいった おかね）", "income last year"),
            description="Previous-year income (所得) in yen; unknown when not declared.",
            python=_attribute("income_yen"),
            sql=_column("income_yen"),
            states=_states(
                lambda v: Texts(
                    f"前年の所得は{_yen(v).ja}です",
                    f"きょねんの しょとくは {_yen(v).easy}です",
                    f"Your income last year was {_yen(v).en}",
                ),
                Texts(
                    "前年の所得の記録がありません",
                    "きょねんの しょとくが わかりません",
                    "We have no record of your income last year",
                ),
            ),
            value_texts=_yen,
            nullable=True,
            minimum=0,
        ),
        Fact(
            name="tax_exempt",
            reads=("tax_exempt",),
            type="boolean",
            label=Texts("住民税非課税", "じゅうみんぜいが かからない", "exempt from resident tax"),
            description="Exempt from the per-capita resident tax (均等割).",
            python=_attribute("tax_exempt"),
            sql=_column("tax_exempt"),
            states=_flag(
                Texts(
                    "住民税が非課税です",
                    "じゅうみんぜいは かかりません",
                    "You are exempt from resident tax",
                ),
                Texts(
                    "住民税が課税されています",
                    "じゅうみんぜいが かかります",
                    "You pay resident tax",
                ),
                Texts(
                    "住民税の課税の記録がありません",
                    "じゅうみんぜいの きろくが ありません",
                    "We have no resident tax record for you",
                ),
            ),
            value_texts=_yes_no,
            nullable=True,
        ),
        Fact(
            name="single_parent",
            reads=("single_parent",),
            type="boolean",
            label=Texts("ひとり親", "ひとりで こどもを そだてている", "single parent"),
            description="Registered as a single parent (ひとり親); unknown when not recorded.",
            python=_attribute("single_parent"),
            sql=_column("single_parent"),
            states=_flag(
                Texts(
                    "ひとり親です", "ひとりで こどもを そだてて います", "You are a single parent"
                ),
                Texts(
                    "ひとり親ではありません",
                    "ひとりで こどもを そだてて いません",
                    "You are not registered as a single parent",
                ),
                Texts(
                    "ひとり親かどうかの記録がありません",
                    "ひとりで こどもを そだてて いるか わかりません",
                    "We have no record of whether you are a single parent",
                ),
            ),
            value_texts=_yes_no,
            nullable=True,
        ),
        Fact(
            name="livelihood_aid",
            reads=("livelihood_aid",),
            type="boolean",
            label=Texts("生活保護", "せいかつほご", "livelihood aid"),
            description="Receives livelihood aid (生活保護); unknown when not recorded.",
            python=_attribute("livelihood_aid"),
            sql=_column("livelihood_aid"),
            states=_flag(
                Texts(
                    "生活保護を受けています",
                    "せいかつほごを うけて います",
                    "You receive livelihood aid",
                ),
                Texts(
                    "生活保護を受けていません",
                    "せいかつほごを うけて いません",
                    "You do not receive livelihood aid",
                ),
                Texts(
                    "生活保護の記録がありません",
                    "せいかつほごの きろくが ありません",
                    "We have no livelihood aid record for you",
                ),
            ),
            value_texts=_yes_no,
            nullable=True,
        ),
        Fact(
            name="disability_certificate",
            reads=("disability_certificate",),
            type="string",
            label=Texts("障害者手帳", "しょうがいしゃ てちょう", "disability certificate"),
            description="physical_1..6, mental_1..3, intellectual_a or _b; unknown if none.",
            python=_attribute("disability_certificate", blank_is_unknown=True),
            sql=_column("disability_certificate", blank_is_unknown=True),
            states=_states(
                lambda v: Texts(
                    f"{_choice_texts(_CERTIFICATES)(v).ja}をお持ちです",
                    f"{_choice_texts(_CERTIFICATES)(v).easy}を もって います",
                    f"You hold a {_choice_texts(_CERTIFICATES)(v).en}",
                ),
                Texts(
                    "障害者手帳の記録はありません",
                    "しょうがいしゃ てちょうの きろくは ありません",
                    "We have no disability certificate on record for you",
                ),
            ),
            value_texts=_choice_texts(_CERTIFICATES),
            nullable=True,
            choices=tuple(_CERTIFICATES),
        ),
        Fact(
            name="care_level",
            reads=("care_level",),
            type="string",
            label=Texts("要介護度", "かいごの ひつような ていど", "care level"),
            description="Long-term care certification (support_1..2, care_1..5); unknown if none.",
            python=_attribute("care_level", blank_is_unknown=True),
            sql=_column("care_level", blank_is_unknown=True),
            states=_states(
                lambda v: Texts(
                    f"{_choice_texts(_CARE_LEVELS)(v).ja}の認定を受けています",
                    f"{_choice_texts(_CARE_LEVELS)(v).easy}の にんていを うけて います",
                    f"You are certified at {_choice_texts(_CARE_LEVELS)(v).en}",
                ),
                Texts(
                    "要介護認定の記録はありません",
                    "かいごの にんていの きろくは ありません",
                    "We have no long-term care certification on record for you",
                ),
            ),
            value_texts=_choice_texts(_CARE_LEVELS),
            nullable=True,
            choices=tuple(_CARE_LEVELS),
        ),
        Fact(
            name="pregnant",
            reads=("pregnancy_due_date",),
            type="boolean",
            label=Texts("妊娠中", "おなかに あかちゃんが いる", "expecting a baby"),
            description="A pregnancy due date is recorded and is on or after the evaluation date.",
            python=lambda person, on: (
                person.pregnancy_due_date is not None and person.pregnancy_due_date >= on
            ),
            sql=lambda on, _postgres: ("COALESCE(p.pregnancy_due_date >= ?, FALSE)", [on]),
            states=_flag(
                Texts(
                    "妊娠中です（出産予定日の届出があります）",
                    "おなかに あかちゃんが います",
                    "You are expecting a baby",
                ),
                Texts(
                    "妊娠の届出はありません",
                    "おなかの あかちゃんの とどけは ありません",
                    "No pregnancy has been reported for you",
                ),
            ),
            value_texts=_yes_no,
        ),
        Fact(
            name="is_household_head",
            reads=("relation",),
            type="boolean",
            label=Texts("世帯主", "せたいぬし（いえの だいひょう）", "head of household"),
            description="The person's relation to the household head is 'head'.",
            python=lambda person, _on: person.relation == "head",
            sql=lambda _on, _postgres: ("(p.relation = 'head')", []),
            states=_flag(
                Texts("世帯主です", "せたいぬしです", "You are the head of your household"),
                Texts(
                    "世帯主ではありません",
                    "せたいぬしでは ありません",
                    "You are not the head of your household",
                ),
            ),
            value_texts=_yes_no,
        ),
        Fact(
            name="household_size",
            type="number",
            label=Texts(
                "世帯の人数", "いっしょに すんでいる ひとの かず", "number of household members"
            ),
            description="The person plus the household's other resident members.",
            python=lambda person, _on: 1 + len(person.members),
            sql=EVERYONE.value_sql,
            states=lambda v: Texts(
                f"{v}人の世帯です",
                f"{v}にんで くらして います",
                f"Your household has {v} member{'' if v == 1 else 's'}",
            ),
            value_texts=_PERSONS,
            members=EVERYONE,
            reads=("id", "household"),
            minimum=0,
        ),
        Fact(
            name="children_under_18",
            type="number",
            label=Texts(
                "18歳未満のお子さんの数",
                "18さいより したの こどもの かず",
                "number of children under 18",
            ),
            description="Other resident household members aged under 18 on the evaluation date.",
            python=_members_younger_than(18),
            sql=UNDER_18.value_sql,
            states=_children_states(18),
            value_texts=_PERSONS,
            members=UNDER_18,
            reads=("id", "household"),
            minimum=0,
        ),
        Fact(
            name="children_until_march_after_18",
            type="number",
            label=Texts(
                "高校生年代までのお子さんの数",
                "こうこうせい までの こどもの かず",
                "number of children up to high-school age",
            ),
            description=(
                "Other resident household members up to the 31 March after they turn 18 "
                "(高校生年代まで: born after 1 April, 18 years before the current school year "
                "began), as 児童手当 and 児童扶養手当 count children."
            ),
            python=_members_until_march_after(18),
            sql=UNTIL_MARCH_AFTER_18.value_sql,
            states=lambda v: (
                Texts(
                    "高校生年代までのお子さんはいない世帯です",
                    "こうこうせい までの こどもは いません",
                    "There are no children up to high-school age in your household",
                )
                if v == 0
                else Texts(
                    f"高校生年代までのお子さんが{v}人いる世帯です",
                    f"こうこうせい までの こどもが {v}にん います",
                    f"Your household has {v} "
                    f"{'child' if v == 1 else 'children'} up to high-school age",
                )
            ),
            value_texts=_PERSONS,
            members=UNTIL_MARCH_AFTER_18,
            reads=("id", "household"),
            minimum=0,
        ),
        Fact(
            name="children_under_3",
            type="number",
            label=Texts(
                "3歳未満のお子さんの数",
                "3さいより したの こどもの かず",
                "number of children under 3",
            ),
            description="Other resident household members aged under 3 on the evaluation date.",
            python=_members_younger_than(3),
            sql=UNDER_3.value_sql,
            states=_children_states(3),
            value_texts=_PERSONS,
            members=UNDER_3,
            reads=("id", "household"),
            minimum=0,
        ),
        Fact(
            name="newborn_in_household",
            type="boolean",
            label=Texts(
                "1歳未満の赤ちゃんがいる世帯",
                "1さいより したの あかちゃんが いる",
                "baby under 1 in the household",
            ),
            description=(
                "Another resident household member was born after the evaluation date minus "
                "one year (so is under 1; 29 February minus a year is 28 February)."
            ),
            python=lambda person, on: _members_younger_than(1)(person, on) > 0,
            sql=NEWBORN.value_sql,
            states=_flag(
                Texts(
                    "1歳未満の赤ちゃんがいる世帯です",
                    "1さいより したの あかちゃんが います",
                    "There is a baby under 1 in your household",
                ),
                Texts(
                    "1歳未満の赤ちゃんはいない世帯です",
                    "1さいより したの あかちゃんは いません",
                    "There is no baby under 1 in your household",
                ),
            ),
            value_texts=_yes_no,
            members=NEWBORN,
            reads=("id", "household"),
        ),
        Fact(
            name="household_tax_exempt",
            type="boolean",
            label=Texts(
                "住民税非課税世帯",
                "せたい ぜんいんに じゅうみんぜいが かからない",
                "tax-exempt household",
            ),
            description=(
                "The person and every other resident household member are exempt from "
                "resident tax; false when anyone is taxed; unknown when nobody is but someone "
                "has no tax record."
            ),
            python=_household_tax_exempt,
            sql=_household_tax_exempt_sql,
            states=_flag(
                Texts(
                    "世帯の全員が住民税非課税です",
                    "せたいの ぜんいん じゅうみんぜいが かかりません",
                    "Everyone in your household is exempt from resident tax",
                ),
                Texts(
                    "住民税が課税されている人がいる世帯です",
                    "せたいに じゅうみんぜいが かかる ひとが います",
                    "Someone in your household pays resident tax",
                ),
                Texts(
                    "世帯に住民税の課税の記録がない人がいます",
                    "せたいに じゅうみんぜいの きろくが ない ひとが います",
                    "Someone in your household has no resident tax record",
                ),
            ),
            value_texts=_yes_no,
            nullable=True,
            correlated=True,
            reads=("id", "household", "tax_exempt"),
        ),
        Fact(
            name="dependants",
            reads=("tax_dependants",),
            type="number",
            label=Texts(
                "扶養親族等の数", "ささえている かぞくの かず（ぜいきん）", "number of dependants"
            ),
            description=(
                "扶養親族等の数 as the tax registry assessed it: every dependant the person "
                "supports for tax (a spouse, children of any age, a parent), not only the "
                "children at home. Unknown without a tax record (nobody filed a return): "
                "income limits by dependants then cannot be told, and the household's "
                "children are not taken as a guess (a child may be the other parent's "
                "dependant, and missing dependants would lower the limit)."
            ),
            python=_attribute("tax_dependants"),
            sql=_column("tax_dependants"),
            states=_states(
                lambda v: Texts(
                    f"扶養親族等の数は{v}人です",
                    f"ぜいきんで ささえている かぞくは {v}にんです",
                    f"You have {v} dependant{'' if v == 1 else 's'} for tax",
                ),
                Texts(
                    "扶養親族等の数の記録がありません",
                    "ぜいきんで ささえている かぞくの かずが わかりません",
                    "We have no record of your number of dependants",
                ),
            ),
            value_texts=_PERSONS,
            nullable=True,
            minimum=0,
        ),
        Fact(
            name="child_rearing_income",
            reads=("income_yen", "salary_or_pension", "child_support_yen", "deductions_yen"),
            type="number",
            label=Texts(
                "児童扶養手当の所得",
                "じどう ふよう てあての ための しょとく",
                "income as the child-rearing allowance counts it",
            ),
            description=(
                "所得 as 児童扶養手当 compares it with its limits: previous-year income "
                "(income_yen, after the employment and pension deductions) − ¥100,000 when "
                "it includes salary or public pension + 80% of child support received − "
                "¥80,000 − the deductions assessed (障害者, 勤労学生, 医療費控除…; never the "
                "widow or single-parent deduction of the parent claiming), floored at 0 "
                "(integer yen, rounded down). Unknown when income_yen is unknown; missing "
                "child support, deductions or salary flag count as none."
            ),
            python=lambda person, _on: rearing_income(
                person.income_yen,
                person.salary_or_pension,
                person.deductions_yen,
                child_support_yen=person.child_support_yen,
            ),
            sql=lambda _on, _postgres: (_rearing_income_sql("p", claimant=True), []),
            states=_states(
                lambda v: Texts(
                    f"児童扶養手当の計算での所得は{_yen(v).ja}です",
                    f"じどう ふよう てあての けいさんでの しょとくは {_yen(v).easy}です",
                    f"Your income as the child-rearing allowance counts it is {_yen(v).en}",
                ),
                Texts(
                    "前年の所得の記録がないため、児童扶養手当の所得を計算できません",
                    "きょねんの しょとくが わからないので、けいさん できません",
                    "We have no record of your income last year to work it out",
                ),
            ),
            value_texts=_yen,
            nullable=True,
            minimum=0,
        ),
        Fact(
            name="children_or_disabled_under_20",
            type="number",
            label=Texts(
                "児童扶養手当の対象となるお子さんの数",
                "じどう ふよう てあての たいしょうの こどもの かず",
                "number of children the child-rearing allowance counts",
            ),
            description=(
                "Other resident household members up to the 31 March after they turn 18, "
                "or under 20 with a disability of moderate degree or heavier (certificates: "
                + ", ".join(MODERATE_DISABILITY)
                + "), as 児童扶養手当 counts children."
            ),
            python=lambda person, on: sum(1 for m in person.members if _rearing_child(m, on)),
            sql=REARING_CHILDREN.value_sql,
            states=lambda v: (
                Texts(
                    "高校生年代まで（障害があれば20歳未満）のお子さんはいない世帯です",
                    "こうこうせい まで（しょうがいが あれば 20さい まで）の こどもは いません",
                    "There are no children the child-rearing allowance counts in your household",
                )
                if v == 0
                else Texts(
                    f"高校生年代まで（障害があれば20歳未満）のお子さんが{v}人いる世帯です",
                    "こうこうせい まで（しょうがいが あれば 20さい まで）の こどもが "
                    f"{v}にん います",
                    f"Your household has {v} "
                    f"{'child' if v == 1 else 'children'} the child-rearing allowance counts",
                )
            ),
            value_texts=_PERSONS,
            members=REARING_CHILDREN,
            reads=("id", "household"),
            minimum=0,
        ),
        Fact(
            name="parent_or_carer",
            type="boolean",
            label=Texts(
                "お子さんの親または養育者",
                "こどもの おや または そだてて いる ひと",
                "parent or carer of a child",
            ),
            description=(
                "A parent (by relation, see PARENTS_OF) of a household member the "
                "child-rearing allowance counts (children_or_disabled_under_20); or, for "
                "such a child with no parent in the household, a member past high-school "
                "age who lives with them (a grandparent, an aunt). Not a sibling of school age."
            ),
            python=_parent_or_carer,
            sql=_parent_or_carer_sql,
            states=_flag(
                Texts(
                    "同じ世帯のお子さんの親（または養育者）です",
                    "いっしょに すむ こどもの おや（または そだてて いる ひと）です",
                    "You are the parent (or carer) of a child in your household",
                ),
                Texts(
                    "同じ世帯のお子さんの親（または養育者）ではありません",
                    "いっしょに すむ こどもの おや では ありません",
                    "You are not the parent (or carer) of a child in your household",
                ),
            ),
            value_texts=_yes_no,
            correlated=True,
            reads=("id", "household", "relation", "birth_date"),
        ),
        Fact(
            name="is_claimant",
            type="boolean",
            label=Texts(
                "児童手当の受給者（生計中心者）",
                "じどう てあてを うけとる ひと",
                "the parent who claims the child allowance",
            ),
            description=(
                "For a household member up to the 31 March after turning 18, the person who "
                "claims 児童手当: of the child's parents living there (PARENTS_OF) the one "
                "with the higher income (生計中心者; none on record ranks below ¥0), then the "
                "household head, then the lower person id; with no parent there, of the "
                "members past high-school age the household head first, then the higher "
                "income, then the lower id. True when the person is that claimant for any "
                "child; a grandparent head is not while a parent lives there."
            ),
            python=_is_claimant,
            sql=_is_claimant_sql,
            states=_flag(
                Texts(
                    "お子さんの児童手当を受け取る方（生計中心者）です",
                    "こどもの じどう てあてを うけとる ひとです",
                    "You are the one who claims the child allowance for a child here",
                ),
                Texts(
                    "お子さんの児童手当を受け取る方（生計中心者）ではありません",
                    "こどもの じどう てあてを うけとる ひと では ありません",
                    "You are not the one who claims the child allowance here",
                ),
            ),
            value_texts=_yes_no,
            correlated=True,
            reads=("id", "household", "relation", "birth_date", "income_yen"),
        ),
        Fact(
            name="lives_with_spouse",
            type="boolean",
            label=Texts("配偶者と同居", "つれあいと いっしょに すんでいる", "living with a spouse"),
            description=(
                "The person is the household head and the head's spouse lives there too, or "
                "is that spouse (the registry records spouses of the head only). A marriage "
                "shows here on the day it is registered, before any tax flag changes."
            ),
            python=_lives_with_spouse,
            sql=_lives_with_spouse_sql,
            states=_flag(
                Texts(
                    "配偶者と同じ世帯に住んでいます",
                    "つれあいと いっしょに すんで います",
                    "You live with your spouse",
                ),
                Texts(
                    "配偶者と同じ世帯には住んでいません",
                    "つれあいとは いっしょに すんで いません",
                    "You do not live with a spouse",
                ),
            ),
            value_texts=_yes_no,
            correlated=True,
            reads=("id", "household", "relation"),
        ),
        Fact(
            name="supporting_relative_over_limit",
            type="boolean",
            label=Texts(
                "同居の扶養義務者の所得が限度額以上",
                "いっしょに すむ かぞくの しょとくが おおい",
                "a supporting relative's income is over the limit",
            ),
            description=(
                "A lineal relative or sibling past high-school age living in the household "
                "(扶養義務者, see KIN; the children the allowance is for, whose income is "
                "seldom on record, are not) has 所得 at or above the supporting relatives' "
                "limit for their own "
                "dependants (¥2,360,000 + ¥380,000 per dependant): their 所得 is computed as "
                "child_rearing_income is, without child support and minus their widow or "
                "single-parent deduction. Unknown when none is over but one has no income "
                "on record, or is at or above ¥2,360,000 with no number of dependants."
            ),
            python=_supporting_relative_over_limit,
            sql=_supporting_relative_over_limit_sql,
            states=_flag(
                Texts(
                    "同居のご家族（扶養義務者）に、所得が限度額以上の方がいます",
                    "いっしょに すむ かぞくに、しょとくが きまりより おおい ひとが います",
                    "A relative you live with has income at or over the supporting-relative limit",
                ),
                Texts(
                    "同居のご家族（扶養義務者）に、所得が限度額以上の方はいません",
                    "いっしょに すむ かぞくに、しょとくが きまりより おおい ひとは いません",
                    "No relative you live with has income over the supporting-relative limit",
                ),
                Texts(
                    "同居のご家族（扶養義務者）に、所得の記録がない方がいます",
                    "いっしょに すむ かぞくに、しょとくが わからない ひとが います",
                    "A relative you live with has no income on record",
                ),
            ),
            value_texts=_yes_no,
            nullable=True,
            correlated=True,
            reads=("id", "household", "relation"),
        ),
        Fact(
            name="internal_impairment_grade_1",
            reads=("disability_certificate",),
            type="boolean",
            label=Texts(
                "心臓・腎臓・呼吸器・免疫の機能障害（1級）",
                "しんぞう・じんぞう・こきゅう・めんえきの しょうがい（1きゅう）",
                "grade-1 impairment of heart, kidney, breathing or immunity",
            ),
            description=(
                "A grade-1 impairment of heart, kidney or respiratory function or an "
                "HIV-related immune impairment (the flu-shot subsidy from 60). The registry "
                "holds the certificate's grade, not the function impaired: false without a "
                "grade-1 physical certificate, unknown ('cannot tell') with one, never true "
                "from the registry (a visitor may answer yes)."
            ),
            python=lambda person, _on: (
                None if person.disability_certificate == "physical_1" else False
            ),
            sql=lambda _on, _postgres: (
                "(CASE WHEN p.disability_certificate = 'physical_1' THEN NULL ELSE FALSE END)",
                [],
            ),
            states=_flag(
                Texts(
                    "心臓・腎臓・呼吸器・免疫のいずれかの機能障害（1級）があります",
                    "しんぞう・じんぞう・こきゅう・めんえきの しょうがい（1きゅう）が あります",
                    "You have a grade-1 impairment of heart, kidney, breathing or immunity",
                ),
                Texts(
                    "1級の身体障害者手帳の記録はありません",
                    "1きゅうの しんたい しょうがいしゃ てちょうの きろくは ありません",
                    "We have no grade-1 physical disability certificate on record for you",
                ),
                Texts(
                    "1級の身体障害者手帳がありますが、どの機能の障害かは記録にありません",
                    "1きゅうの てちょうが ありますが、どこの しょうがいか わかりません",
                    "You hold a grade-1 certificate; the record does not say which function",
                ),
            ),
            value_texts=_yes_no,
            nullable=True,
        ),
    )
}


# --- loading one person --------------------------------------------------------------------


async def load_person(sql: SqlSession, person_id: int) -> PersonRecord | None:
    """One person and the other resident members of their household."""
    return (await load_persons(sql, [person_id])).get(person_id)


# Persons (and their households' members) read per query when explaining many matches.
PERSONS_PER_QUERY = 1_000


class _PersonRow(msgspec.Struct, frozen=True):
    """One row of the persons relation, the columns of ``PERSON_COLUMNS``."""

    id: int
    household: int | None
    relation: str
    birth_date: date | None
    sex: str
    district: str
    resident_since: date | None
    status: str
    income_yen: int | None
    tax_exempt: bool | None
    single_parent: bool | None
    livelihood_aid: bool | None
    disability_certificate: str | None
    care_level: str | None
    pregnancy_due_date: date | None
    salary_or_pension: bool | None
    child_support_yen: int | None
    deductions_yen: int | None
    single_parent_deduction_yen: int | None
    tax_dependants: int | None


_MEMBER_COLUMNS = (
    "household",
    "id",
    "birth_date",
    "tax_exempt",
    "relation",
    "income_yen",
    "salary_or_pension",
    "deductions_yen",
    "single_parent_deduction_yen",
    "tax_dependants",
    "disability_certificate",
)


class _MemberRow(msgspec.Struct, frozen=True):
    household: int
    id: int
    birth_date: date | None
    tax_exempt: bool | None
    relation: str
    income_yen: int | None
    salary_or_pension: bool | None
    deductions_yen: int | None
    single_parent_deduction_yen: int | None
    tax_dependants: int | None
    disability_certificate: str | None


async def load_persons(sql: SqlSession, person_ids: Sequence[int]) -> dict[int, PersonRecord]:
    """These persons by id, each with the other resident members of their household: two
    queries per :data:`PERSONS_PER_QUERY` persons, however many there are. A person that
    does not exist is left out."""
    wanted = sorted(set(person_ids))
    loaded: dict[int, PersonRecord] = {}
    columns = ", ".join(f"p.{name} AS {name}" for name in PERSON_COLUMNS)
    for start in range(0, len(wanted), PERSONS_PER_QUERY):
        marks, args = sql.in_list(wanted[start : start + PERSONS_PER_QUERY])
        persons = await sql.rows(
            _PersonRow,
            f"SELECT {columns} FROM {matching_persons('p')} WHERE p.id {marks}",  # noqa: S608
            args,
        )
        households = sorted({p.household for p in persons if p.household is not None})
        members: dict[int, list[_MemberRow]] = {}
        if households:
            marks, args = sql.in_list(households)
            member_columns = ", ".join(f"m.{name} AS {name}" for name in _MEMBER_COLUMNS)
            for member in await sql.rows(
                _MemberRow,
                f"SELECT {member_columns} FROM {matching_persons('m')} "  # noqa: S608
                f"WHERE m.household {marks} AND m.status = 'resident'",
                args,
            ):
                members.setdefault(member.household, []).append(member)
        for person in persons:
            others = tuple(
                Member(
                    m.birth_date,
                    m.tax_exempt,
                    id=m.id,
                    relation=m.relation,
                    income_yen=m.income_yen,
                    salary_or_pension=m.salary_or_pension,
                    deductions_yen=m.deductions_yen,
                    single_parent_deduction_yen=m.single_parent_deduction_yen,
                    tax_dependants=m.tax_dependants,
                    disability_certificate=m.disability_certificate,
                )
                for m in (members.get(person.household, []) if person.household else [])
                if m.id != person.id
            )
            loaded[person.id] = PersonRecord(**msgspec.structs.asdict(person), members=others)
    return loaded


def compute_facts(person: PersonRecord, on: date) -> dict[str, Any]:
    """Every fact of the catalogue for one loaded person on the evaluation date."""
    return {name: fact.compute(person, on) for name, fact in FACTS.items()}


def facts_select_sql(
    on: date, *, postgres: bool, municipality_id: int, names: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """A select list of fact values over ``person p`` (``AS`` the fact names) of the
    municipality's persons, for listing facts of many persons in one query; the parameters
    come in placeholder order."""
    parts: list[str] = []
    params: list[Any] = []
    for name in names or tuple(FACTS):
        expression, values = FACTS[name].value_sql(on, postgres=postgres)
        parts.append(f"{expression} AS {name}")
        params.extend(bind_municipality(values, municipality_id))
    return ", ".join(parts), params
