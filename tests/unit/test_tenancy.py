"""The data layer's scoping of statements (todoke.tenancy): what it checks, what it adds,
what it refuses. The whole suite runs every statement through it inside requests; these
pin the shapes one by one, on both dialects."""

from __future__ import annotations

import pytest

from todoke import tenancy
from todoke.tenancy import CrossedMunicipality, UnscopedQuery

TENANT = 7


@pytest.fixture(autouse=True)
def _tables(monkeypatch):
    monkeypatch.setattr(
        tenancy, "_tenant_tables", frozenset({"person", "application", "account", "audit_event"})
    )
    tenancy._plan.cache_clear()
    yield
    tenancy._plan.cache_clear()


@pytest.fixture(params=[False, True], ids=["sqlite", "postgres"])
def postgres(request):
    return request.param


def mark(postgres: bool, n: int) -> str:
    return f"${n}" if postgres else f"?{n}"


def test_a_table_no_tenant_owns_runs_as_written(postgres):
    plan = tenancy.plan("SELECT code FROM municipality WHERE origin = ?", postgres)
    assert plan == tenancy.AS_WRITTEN
    assert plan.bind(["x"], TENANT) == ["x"]


def test_a_limit_written_by_the_service_is_checked_not_repeated(postgres):
    plan = tenancy.plan("SELECT id FROM person WHERE id = ? AND municipality = ?", postgres)
    assert plan.sql is None and plan.checks == (1,)
    assert plan.bind([5, TENANT], TENANT) == [5, TENANT]
    with pytest.raises(CrossedMunicipality, match="parameter 2 names municipality 8"):
        plan.bind([5, 8], TENANT)


def test_an_unlimited_read_is_limited(postgres):
    plan = tenancy.plan("SELECT id FROM person WHERE household = ? ORDER BY id", postgres)
    assert plan.sql == (
        f"SELECT id FROM person WHERE household = {mark(postgres, 1)} "
        f"AND person.municipality = {mark(postgres, 2)} ORDER BY id"
    )
    assert plan.bind([3], TENANT) == [3, TENANT]


def test_a_statement_without_where_gets_one(postgres):
    plan = tenancy.plan("DELETE FROM account", postgres)
    assert plan.sql == f"DELETE FROM account WHERE account.municipality = {mark(postgres, 1)}"


def test_an_or_is_kept_whole(postgres):
    plan = tenancy.plan("SELECT id FROM person WHERE id = ? OR household = ?", postgres)
    assert plan.sql == (
        f"SELECT id FROM person WHERE (id = {mark(postgres, 1)} OR household = "
        f"{mark(postgres, 2)}) AND person.municipality = {mark(postgres, 3)}"
    )


def test_a_left_join_is_limited_in_its_own_on(postgres):
    plan = tenancy.plan(
        "SELECT a.id FROM application a LEFT JOIN person p ON p.id = a.person "
        "WHERE a.municipality = ?",
        postgres,
    )
    assert plan.checks == (0,)
    assert (
        f"LEFT JOIN person AS p ON p.id = a.person AND p.municipality = {mark(postgres, 2)} "
        f"WHERE a.municipality = {mark(postgres, 1)}"
    ) in plan.sql


def test_a_left_joins_on_does_not_limit_the_table_on_the_left(postgres):
    plan = tenancy.plan(
        "SELECT a.id FROM application a LEFT JOIN person p ON p.id = a.person "
        "AND a.municipality = ? AND p.municipality = ?",
        postgres,
    )
    assert plan.checks == (1,) and plan.sql.endswith(f"WHERE a.municipality = {mark(postgres, 3)}")


def test_a_join_on_the_municipality_leans_on_the_other_table(postgres):
    plan = tenancy.plan(
        "SELECT a.id FROM application a JOIN person p ON p.id = a.person "
        "AND p.municipality = a.municipality WHERE a.municipality = ?",
        postgres,
    )
    assert plan.sql is None and plan.checks == (0,)


def test_subqueries_and_correlated_ones(postgres):
    plan = tenancy.plan(
        "SELECT p.id FROM person p WHERE p.municipality = ? AND EXISTS ("
        "SELECT 1 FROM person h WHERE h.household = p.household "
        "AND h.municipality = p.municipality) AND p.id IN (SELECT person FROM application)",
        postgres,
    )
    assert plan.checks == (0,)
    assert (
        f"SELECT person FROM application WHERE application.municipality = {mark(postgres, 2)}"
        in (plan.sql)
    )
    assert "h.municipality = p.municipality)" in plan.sql


def test_a_cte_name_is_not_a_table(postgres):
    plan = tenancy.plan(
        "WITH person AS (SELECT 1 AS id) SELECT id FROM person",
        postgres,
    )
    assert plan == tenancy.AS_WRITTEN


def test_inserted_rows_carry_the_request_s_municipality(postgres):
    plan = tenancy.plan(
        "INSERT INTO person (municipality, family_name) VALUES (?, ?), (?, ?)", postgres
    )
    assert plan.sql is None and plan.checks == (0, 2)
    plan.bind([TENANT, "佐藤", TENANT, "鈴木"], TENANT)
    with pytest.raises(CrossedMunicipality):
        plan.bind([TENANT, "佐藤", 8, "鈴木"], TENANT)


def test_an_insert_without_its_municipality_is_refused(postgres):
    with pytest.raises(UnscopedQuery, match="without its municipality"):
        tenancy.plan("INSERT INTO person (family_name) VALUES (?)", postgres)
    with pytest.raises(UnscopedQuery, match="as an expression"):
        tenancy.plan("INSERT INTO person (municipality, family_name) VALUES (3, ?)", postgres)


def test_an_insert_copying_rows_limits_what_it_copies(postgres):
    plan = tenancy.plan(
        "INSERT INTO audit_event (municipality, action) "
        "SELECT p.municipality, 'x' FROM person p WHERE p.id = ?",
        postgres,
    )
    assert plan.sql.endswith(
        f"WHERE p.id = {mark(postgres, 1)} AND p.municipality = {mark(postgres, 2)}"
    )


def test_what_cannot_be_read_is_refused(postgres):
    with pytest.raises(UnscopedQuery):
        tenancy.plan("SELECT id FROM person WHERE (", postgres)
    with pytest.raises(UnscopedQuery, match="one statement"):
        tenancy.plan("SELECT id FROM person; SELECT 1", postgres)


def test_bulk_rows_are_checked():
    assert tenancy.insert_position("municipality", ["code"]) is None
    position = tenancy.insert_position("person", ["family_name", "municipality"])
    assert position == 1
    tenancy.check_rows([("佐藤", TENANT)], position, TENANT)
    with pytest.raises(CrossedMunicipality):
        tenancy.check_rows([("佐藤", TENANT), ("鈴木", 8)], position, TENANT)
    with pytest.raises(UnscopedQuery):
        tenancy.insert_position("person", ["family_name"])


def test_the_scope_is_the_innermost_one():
    assert tenancy.current() is None
    with tenancy.scoped_to(3):
        with tenancy.scoped_to(4):
            assert tenancy.current() == 4
        assert tenancy.current() == 3
        with tenancy.unscoped():
            assert tenancy.current() is None
    assert tenancy.current() is None


def test_a_cursor_is_planned_by_its_query():
    plan = tenancy.plan(
        "DECLARE c NO SCROLL CURSOR FOR SELECT p.id FROM person p WHERE p.id > ?", True
    )
    assert plan.sql == (
        "DECLARE c NO SCROLL CURSOR FOR SELECT p.id FROM person AS p WHERE p.id > $1 "
        "AND p.municipality = $2"
    )
    checked = tenancy.plan(
        "DECLARE c CURSOR FOR SELECT id FROM person WHERE municipality = ?", True
    )
    assert checked.sql is None and checked.checks == (0,)


def test_a_command_it_cannot_look_into_is_refused(postgres):
    with pytest.raises(UnscopedQuery):
        tenancy.plan("LOCK TABLE person IN SHARE MODE", postgres)


def test_two_tables_leaning_on_each_other_are_not_limited(postgres):
    plan = tenancy.plan(
        "SELECT a.id FROM person a JOIN person b ON b.municipality = a.municipality WHERE a.id = ?",
        postgres,
    )
    # One is limited, the other equal to it: neither reads another municipality's rows.
    assert plan.sql.endswith(
        f"ON b.municipality = a.municipality WHERE a.id = {mark(postgres, 1)} "
        f"AND a.municipality = {mark(postgres, 2)}"
    )
    assert plan.checks == ()


def test_a_row_moved_to_another_municipality_is_checked(postgres):
    plan = tenancy.plan("UPDATE person SET municipality = ? WHERE id = ?", postgres)
    assert 0 in plan.checks
    with pytest.raises(UnscopedQuery):
        tenancy.plan("UPDATE person SET municipality = municipality + 1 WHERE id = ?", postgres)


def test_a_schema_qualified_name_is_no_way_around(postgres):
    plan = tenancy.plan("SELECT id FROM public.person WHERE id = ?", postgres)
    assert plan.sql is not None and plan.sql.endswith(f"person.municipality = {mark(postgres, 2)}")
