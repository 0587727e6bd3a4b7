"""The command line, run as an operator would: a separate process on the same database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

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


# --- the demo keeps its invite and codes across restarts ----------------------------------


async def test_demo_credentials_are_kept_until_used(city, client_for, app, tmp_path):
    from soft_authenticator import SoftAuthenticator
    from test_identity import csrf, register

    from todoke.demo.seed import CREDENTIALS_FILE, demo_credentials
    from todoke.identity.tables import ActivationCode, StaffInvite

    await _three_households(city)
    first = await demo_credentials(city, tmp_path)
    again = await demo_credentials(city, tmp_path)
    assert len(first.codes) == 3 and first.invite
    assert (again.invite, again.codes) == (first.invite, first.codes)
    assert await StaffInvite.count() == 1 and await ActivationCode.count() == 3
    stored = tmp_path / CREDENTIALS_FILE
    assert stored.stat().st_mode & 0o077 == 0  # a live administrator invite: private

    # A resident uses one code: the next start keeps the other two and adds one.
    async with client_for(app) as resident:
        registered = await register(resident, SoftAuthenticator(), name="デモ")
        used = first.codes[0]
        verified = await resident.post(
            "/api/me/verification", json={"code": used.code}, headers=csrf(registered)
        )
        assert verified.status_code == 200, verified.text
    # The administrator signs up with the invite: it is not replaced by a fresh one.
    async with client_for(app) as admin:
        signed_up = await register(admin, SoftAuthenticator(), invite=first.invite)
        assert signed_up.status_code == 201, signed_up.text
    later = await demo_credentials(city, tmp_path)
    assert later.invite_used and later.invite == first.invite
    assert await StaffInvite.count() == 1
    assert later.codes[:2] == first.codes[1:] and later.used_codes == 1
    assert later.codes[2].registry_id not in {c.registry_id for c in first.codes}

    # The file is lost (or unreadable): new ones, never a crash.
    stored.write_text("{not json")
    fresh = await demo_credentials(city, tmp_path)
    assert fresh.invite != first.invite and len(fresh.codes) == 3


async def _three_households(city) -> None:
    from todoke.demo.generator import generate_persons, write_csv
    from todoke.registry.importer import import_registry

    path = Path(tempfile.mkdtemp()) / "r.csv"
    write_csv(path, generate_persons(40, seed=3))
    with path.open("rb") as stream:
        report = await import_registry(
            stream, municipality_id=city.id, source="test", filename="r.csv"
        )
    assert report.rows_created >= 40


def _start_demo(data_dir: Path, *extra: str) -> str:
    """`todoke demo` on a free port; returns what it printed before serving, then stops it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    env["TODOKE_LOG_LEVEL"] = "WARNING"
    process = subprocess.Popen(
        [sys.executable, "-m", "todoke.cli", "demo", "--data-dir", str(data_dir),
         "--port", str(port), "--persons", "40", *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Open http"):
                break
    finally:
        process.terminate()
        process.wait(timeout=30)
    return "".join(lines)


def _printed(output: str) -> tuple[str, list[str]]:
    invite = re.search(r"/staff/invite#(\S+)", output)
    codes = re.findall(r"^  ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})  ", output, re.MULTILINE)
    assert invite and len(codes) == 3, output
    return invite.group(1), codes


def test_demo_prints_the_same_invite_and_codes_on_restart_until_reset(tmp_path):
    data_dir = tmp_path / "var"
    first = _printed(_start_demo(data_dir))
    assert _printed(_start_demo(data_dir)) == first
    (data_dir / "notes.txt").write_text("mine")  # not the demo's: a reset leaves it

    reset = _start_demo(data_dir, "--reset")
    assert "Reset: removed" in reset and "todoke.sqlite3" in reset
    assert "imported from a synthetic registry" in reset  # seeded afresh
    invite, codes = _printed(reset)
    assert invite != first[0] and not set(codes) & set(first[1])
    assert (data_dir / "notes.txt").read_text() == "mine"


def test_demo_reset_refuses_a_postgresql_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    env["TODOKE_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    result = subprocess.run(
        [sys.executable, "-m", "todoke.cli", "demo", "--reset", "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--reset" in result.stderr and "Traceback" not in result.stderr
