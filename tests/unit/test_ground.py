"""The ground floor every domain shares: the clock and working days, one-time codes,
base64url, and the role → permission table."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from todoke import clock, codes
from todoke.errors import Forbidden
from todoke.principal import PERMISSIONS, Permission, Principal, Role


def _staff(role: str, departments: list[int] | None = None) -> Principal:
    return Principal(
        account_id=1,
        municipality_id=1,
        kind="staff",
        display_name="職員",
        person_id=None,
        staff_role=role,
        session_id=1,
        csrf_token="x",
        departments=departments or [],
    )


# --- clock -------------------------------------------------------------------------------


def test_today_is_japans_date_not_the_servers() -> None:
    # 2026-03-31 16:00 UTC is already 1 April in Japan: the 31 March rules turn over here.
    with clock.frozen(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)):
        assert clock.today() == date(2026, 4, 1)
        assert clock.now() == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert clock.now() > datetime(2026, 4, 1, tzinfo=UTC)


def test_freezing_needs_an_aware_time() -> None:
    with pytest.raises(ValueError), clock.frozen(datetime(2026, 1, 1)):
        pass


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 12, 4), 1, date(2026, 12, 7)),  # Friday → Monday
        (date(2027, 1, 8), 1, date(2027, 1, 12)),  # Monday 11 Jan 2027 is 成人の日
        (date(2026, 12, 25), 1, date(2026, 12, 28)),  # 28 Dec is the last working day
        (date(2026, 12, 28), 1, date(2027, 1, 4)),  # 29 Dec – 3 Jan: the offices are closed
        (date(2026, 4, 28), 3, date(2026, 5, 7)),  # 30 Apr, 1 May, then 3–6 May are off
        (date(2026, 9, 18), 1, date(2026, 9, 24)),  # 敬老の日 21, 国民の休日 22, 秋分の日 23
    ],
)
def test_working_days_skip_weekends_national_holidays_and_the_year_end(
    start: date, days: int, due: date
) -> None:
    assert clock.add_working_days(start, days) == due


# --- one-time codes ----------------------------------------------------------------------


def test_new_codes_use_only_unambiguous_characters() -> None:
    for _ in range(200):
        code = codes.new_code()
        assert len(code) == 14 and code.count("-") == 2
        assert set(code.replace("-", "")) <= set(codes.ALPHABET)
    assert not set("01OIL") & set(codes.ALPHABET)


@pytest.mark.parametrize(
    "typed",
    [
        "k7qp-3mzx-9tra",
        "K7QP 3MZX 9TRA",
        "K7QP3MZX9TRA",
        "Ｋ７ＱＰ－３ＭＺＸ－９ＴＲＡ",
        " K7QP-3MZX-9TRA\n",
    ],
)
def test_a_code_typed_any_way_reads_the_same(typed: str) -> None:
    assert codes.canonical_code(typed) == "K7QP-3MZX-9TRA"
    assert codes.code_hash(typed) == codes.code_hash("K7QP-3MZX-9TRA")


def test_different_codes_hash_differently() -> None:
    assert codes.code_hash("K7QP-3MZX-9TRA") != codes.code_hash("K7QP-3MZX-9TRB")


# --- base64url ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\x00", b"\xff\xfe", b"todoke", bytes(range(256))])
def test_base64url_round_trips(data: bytes) -> None:
    text = codes.b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert codes.b64url_decode(text) == data


def test_base64url_accepts_its_padding() -> None:
    assert codes.b64url_decode("dG9kb2tl") == b"todoke"
    assert codes.b64url_decode("dG9kbw==") == b"todo"


@pytest.mark.parametrize(
    "bad", ["dG9k+2tl", "dG9k/2tl", "dG9k b2tl", "dG9kbw=", "a", "dG9k=b2tl", 5]
)
def test_base64url_refuses_everything_else(bad: object) -> None:
    with pytest.raises(ValueError):
        codes.b64url_decode(bad)  # type: ignore[arg-type]


# --- who may do what ---------------------------------------------------------------------


def test_every_role_has_a_row_and_administrators_may_do_everything() -> None:
    assert set(PERMISSIONS) == {role.value for role in Role}
    assert PERMISSIONS[Role.ADMINISTRATOR] == frozenset(Permission)


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("supervisor", Permission.PROGRAMS_APPROVE, Permission.ADMINISTER),
        ("caseworker", Permission.CASES_WORK, Permission.CASES_ASSIGN),
        ("caseworker", Permission.PROGRAMS_DRAFT, Permission.COUNTER_VERIFY),
        ("support", Permission.COUNTER_VERIFY, Permission.CASES_WORK),
        ("support", Permission.RESIDENTS_VIEW, Permission.PROGRAMS_DRAFT),
    ],
)
def test_roles_may_what_their_job_needs(
    role: str, allowed: Permission, refused: Permission
) -> None:
    staff = _staff(role)
    assert staff.may(allowed)
    assert not staff.may(refused)
    with pytest.raises(Forbidden):
        staff.require(refused)


def test_a_resident_has_no_staff_permission() -> None:
    resident = Principal(
        account_id=2,
        municipality_id=1,
        kind="resident",
        display_name="住民",
        person_id=5,
        staff_role="administrator",  # a stray value never makes a resident staff
        session_id=2,
        csrf_token="y",
    )
    assert not any(resident.may(p) for p in Permission)
    resident.require_resident()


def test_departments_scope_staff_but_not_administrators() -> None:
    caseworker = _staff("caseworker", [3, 4])
    assert caseworker.in_department(3) and not caseworker.in_department(5)
    assert caseworker.department_clause("a.department") == (
        " AND a.department IN (?, ?)",
        [3, 4],
    )
    assert _staff("caseworker").department_clause("x") == (" AND 1 = 0", [])
    administrator = _staff("administrator")
    assert administrator.in_department(99)
    assert administrator.department_clause("a.department") == ("", [])
