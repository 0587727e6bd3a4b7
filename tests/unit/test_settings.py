"""Settings come from TODOKE_* variables; a bad one stops the start with its name."""

from __future__ import annotations

import pytest

from todoke.settings import load_settings


def test_defaults_are_the_embedded_demo():
    settings = load_settings({})
    assert settings.database_url == ""
    assert str(settings.database_path) == "var/todoke.sqlite3"
    assert settings.public_origins == ("http://localhost:8000",)
    assert settings.rp_id == "localhost"
    assert not settings.serves_https and not settings.is_postgres


def test_environment_values_are_typed_and_origins_split():
    settings = load_settings(
        {
            "TODOKE_PORT": "9000",
            "TODOKE_PUBLIC_ORIGINS": "https://todoke.city.example.jp/, http://localhost:8000",
            "TODOKE_DATABASE_URL": "postgresql://todoke@db:5432/todoke",
            "TODOKE_SESSION_IDLE_MINUTES": "15",
        }
    )
    assert settings.port == 9000
    assert settings.public_origins == ("https://todoke.city.example.jp", "http://localhost:8000")
    assert settings.rp_id == "todoke.city.example.jp"
    assert settings.serves_https and settings.is_postgres
    assert settings.session_idle_minutes == 15


def test_overrides_beat_the_environment():
    settings = load_settings({"TODOKE_PORT": "9000"}, port=8123, data_dir="/tmp/x")
    assert (settings.port, settings.data_dir) == (8123, "/tmp/x")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TODOKE_PORT", "eighty"),
        ("TODOKE_DATABASE_URL", "mysql://root@localhost/todoke"),
        ("TODOKE_SESSION_IDLE_MINUTES", "1.5"),
    ],
)
def test_bad_values_are_refused_by_name(variable, value):
    with pytest.raises(ValueError) as refused:
        load_settings({variable: value})
    assert "TODOKE" in str(refused.value)
