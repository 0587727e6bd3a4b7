"""The command line, run as an operator would: a separate process on the same database."""

from __future__ import annotations

import os
import subprocess
import sys

from todoke.registry.tables import Person


def _todoke(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    env["TODOKE_DATA_DIR"] = settings.data_dir
    if settings.database_url:
        env["TODOKE_DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "todoke.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_generate_then_import_then_import_again(db, city, tmp_path):
    path = tmp_path / "registry.csv"
    generated = _todoke(
        db, "generate-registry", str(path), "--persons", "120", "--encoding", "cp932"
    )
    assert generated.returncode == 0, generated.stderr
    count = int(generated.stdout.split()[1])
    assert count >= 120

    first = _todoke(db, "import-registry", str(path), "--source", "住民記録システム")
    assert first.returncode == 0, first.stderr
    assert f"{count} created" in first.stdout
    assert await Person.count().where(Person.municipality == city.id) == count

    second = _todoke(db, "import-registry", str(path))
    assert second.returncode == 0
    assert "0 created, 0 updated" in second.stdout
    assert "nothing changed" in second.stdout


async def test_import_of_a_bad_file_exits_non_zero_and_says_why(db, city, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("registry_id,shoe_size\n1,27\n", encoding="utf-8")
    result = _todoke(db, "import-registry", str(path))
    assert result.returncode == 1
    assert "unknown columns: shoe_size" in result.stdout + result.stderr
    missing = _todoke(db, "import-registry", str(tmp_path / "missing.csv"))
    assert missing.returncode == 2


async def test_bad_setting_is_named_without_a_traceback(db):
    env_port = _todoke(db, "migrate", "--data-dir", db.data_dir)
    assert env_port.returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "todoke.cli", "migrate"],
        env={**os.environ, "TODOKE_PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "TODOKE" in result.stderr and "Traceback" not in result.stderr


async def test_api_token_is_printed_once_and_works(db, city, client):
    result = _todoke(db, "create-api-token", "税務システム")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("tdk_")
    response = await client.get(
        "/api/registry/imports/999999", headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404  # authenticated; the import simply does not exist


async def test_create_staff_prints_a_working_invite(db, city, client):
    result = _todoke(db, "create-staff", "山田 管理者", "--role", "administrator")
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip().splitlines()[-1]
    assert "/staff/invite#" in link
    token = link.split("#", 1)[1]
    options = await client.post("/api/auth/registration/options", json={"invite": token})
    assert options.status_code == 200
    assert options.json()["user"]["displayName"] == "山田 管理者"
