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
"""

from __future__ import annotations

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


# Household members in SQL: the same definition as ``Member`` rows loaded by ``load_person``.
_OTHER_MEMBERS = (
    f"FROM {matching_persons('m')} "
    "WHERE m.household = p.household AND m.id <> p.id AND m.status = 'resident'"
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
    which it may turn into ``EXISTS`` or a household set.
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

    @property
    def household(self) -> bool:
        """Computed from the household's other members, not the person's row alone."""
        return self.members is not None

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
    the household ``size`` (the person plus them), whether there is ``any``, or for
    ``all_exempt`` that the person is tax-exempt and none of them is not."""

    shape: Literal["count", "size", "any", "all_exempt"]
    condition: Callable[[date], tuple[str, list[Any]]]

    def where(self, on: date, alias: str) -> tuple[str, list[Any]]:
        condition, params = self.condition(on)
        return condition.format(m=alias), params

    def value_sql(self, on: date, _postgres: bool = False) -> tuple[str, list[Any]]:
        condition, params = self.where(on, "m")
        others = f"{_OTHER_MEMBERS} AND {condition}"
        match self.shape:
            case "count":
                return f"(SELECT COUNT(*) {others})", params
            case "size":
                return f"(1 + (SELECT COUNT(*) {others}))", params
            case "any":
                return f"EXISTS (SELECT 1 {others})", params
            case _:
                return f"(p.tax_exempt IS TRUE AND NOT EXISTS (SELECT 1 {others}))", params

    def exists_sql(self, on: date, *, set_based: bool) -> tuple[str, list[Any]]:
        """Another resident member meets the condition: a correlated ``EXISTS``, or with
        ``set_based`` a lookup in the households that have one, which the database builds once
        per statement. The person may count among those (a baby for ``newborn``): then the
        household needs two."""
        condition, params = self.where(on, "m")
        if not set_based:
            return f"EXISTS (SELECT 1 {_OTHER_MEMBERS} AND {condition})", params
        own, own_params = self.where(on, "p")
        # The condition is the catalogue's own SQL; values travel as parameters.
        households = (
            f"SELECT m.household FROM {matching_persons('m')} "  # noqa: S608
            f"WHERE m.status = 'resident' AND m.household IS NOT NULL AND {condition}"
        )
        with_two = f"{households} GROUP BY m.household HAVING COUNT(*) > 1"
        return (
            f"(CASE WHEN p.status = 'resident' AND {own} "
            f"THEN COALESCE(p.household IN ({with_two}), FALSE) "
            f"ELSE COALESCE(p.household IN ({households}), FALSE) END)",
            [*own_params, *params, *params],
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
NOT_EXEMPT = Members("all_exempt", lambda _on: ("{m}.tax_exempt IS NOT TRUE", []))


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
                "resident tax; a member without a tax record makes it false."
            ),
            python=lambda person, _on: (
                person.tax_exempt is True and all(m.tax_exempt is True for m in person.members)
            ),
            sql=NOT_EXEMPT.value_sql,
            states=_flag(
                Texts(
                    "世帯の全員が住民税非課税です",
                    "せたいの ぜんいん じゅうみんぜいが かかりません",
                    "Everyone in your household is exempt from resident tax",
                ),
                Texts(
                    "住民税が課税されている人（または課税の記録がない人）がいる世帯です",
                    "せたいに じゅうみんぜいが かかる ひと（または きろくが ない ひと）が います",
                    "Someone in your household pays resident tax or has no tax record",
                ),
            ),
            value_texts=_yes_no,
            members=NOT_EXEMPT,
            reads=("id", "household", "tax_exempt"),
        ),
        Fact(
            name="dependants",
            type="number",
            label=Texts("扶養親族の数", "ささえている かぞくの かず", "number of dependants"),
            description=(
                "Simplified to the children up to the 31 March after they turn 18: the tax "
                "registry's 扶養親族等の数 also counts a dependent spouse, older children and "
                "supported parents, which the registry does not hold yet."
            ),
            python=_members_until_march_after(18),
            sql=UNTIL_MARCH_AFTER_18.value_sql,
            states=lambda v: Texts(
                f"扶養しているご家族（高校生年代までのお子さん）は{v}人です",
                f"ささえている かぞく（こうこうせい までの こども）は {v}にんです",
                f"You have {v} dependant{'' if v == 1 else 's'} (children up to high-school age)",
            ),
            value_texts=_PERSONS,
            members=UNTIL_MARCH_AFTER_18,
            reads=("id", "household"),
            minimum=0,
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


class _MemberRow(msgspec.Struct, frozen=True):
    household: int
    id: int
    birth_date: date | None
    tax_exempt: bool | None


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
            for member in await sql.rows(
                _MemberRow,
                "SELECT m.household AS household, m.id AS id, m.birth_date AS birth_date, "  # noqa: S608
                f"m.tax_exempt AS tax_exempt FROM {matching_persons('m')} "
                f"WHERE m.household {marks} AND m.status = 'resident'",
                args,
            ):
                members.setdefault(member.household, []).append(member)
        for person in persons:
            others = tuple(
                Member(m.birth_date, m.tax_exempt)
                for m in (members.get(person.household, []) if person.household else [])
                if m.id != person.id
            )
            loaded[person.id] = PersonRecord(**msgspec.structs.asdict(person), members=others)
    return loaded


def compute_facts(person: PersonRecord, on: date) -> dict[str, Any]:
    """Every fact of the catalogue for one loaded person on the evaluation date."""
    return {name: fact.compute(person, on) for name, fact in FACTS.items()}


def facts_select_sql(
    on: date, *, postgres: bool, names: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """A select list of fact values over ``person p`` (``AS`` the fact names), for listing
    facts of many persons in one query; the parameters come in placeholder order."""
    parts, params = [], []
    for name in names or tuple(FACTS):
        expression, values = FACTS[name].value_sql(on, postgres=postgres)
        parts.append(f"{expression} AS {name}")
        params.extend(values)
    return ", ".join(parts), params
