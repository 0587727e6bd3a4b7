"""The principal dependencies: an account is somebody only in its own municipality."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from todoke.errors import Unauthenticated
from todoke.principal import Principal
from todoke.web.guards import provide_optional_principal, provide_principal


def connection_of(principal: Principal | None) -> SimpleNamespace:
    return SimpleNamespace(scope={"user": principal})


def resident_of(municipality_id: int) -> Principal:
    return Principal(
        account_id=7,
        municipality_id=municipality_id,
        kind="resident",
        display_name="はなこ",
        person_id=11,
        staff_role="",
        session_id=3,
        csrf_token="t",
    )


SERVED = SimpleNamespace(id=1)


def test_a_resident_of_the_municipality_served_is_the_principal():
    resident = resident_of(1)
    assert provide_principal(connection_of(resident), SERVED) is resident
    assert provide_optional_principal(connection_of(resident), SERVED) is resident


def test_an_account_of_another_municipality_is_nobody_here():
    stranger = resident_of(2)
    with pytest.raises(Unauthenticated):
        provide_principal(connection_of(stranger), SERVED)
    assert provide_optional_principal(connection_of(stranger), SERVED) is None


def test_no_session_is_nobody():
    with pytest.raises(Unauthenticated):
        provide_principal(connection_of(None), SERVED)
    assert provide_optional_principal(connection_of(None), SERVED) is None
