"""Schemathesis against the running demo's own OpenAPI document, with every check (named in
schemathesis.toml), three times at once: as a stranger, as a signed-in resident and as a
signed-in administrator (sessions made with the software authenticator, as a browser would).
No request it can build gets a 500, and every answer is what the schema promises
(problem+json for every failure, documented statuses and types)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from soft_authenticator import SoftAuthenticator

from conftest import CITY

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Operations that end the fuzzer's own session (changing an account's access ends its sessions,
# and the fuzzer's own id is among those it tries): the stranger's run covers them.
ENDS_THE_SESSION = "^(logout|logoutEverywhere|staffDeactivateAccount|staffUpdateAccount)$"


def _signed_in(fuzz_demo, *, invite: str = "", activation_code: str = "") -> dict[str, str]:
    """Headers of a browser signed in through a passkey: session cookie, CSRF token, Origin."""
    with httpx.Client(base_url=fuzz_demo.url, timeout=20) as client:
        options = client.post(
            "/api/auth/registration/options", json={"display_name": "検査", "invite": invite}
        )
        assert options.status_code == 200, options.text
        credential = SoftAuthenticator().create(options.json(), fuzz_demo.url)
        registered = client.post("/api/auth/registration", json={"credential": credential})
        assert registered.status_code == 201, registered.text
        headers = {"x-csrf-token": registered.json()["csrf_token"], "origin": fuzz_demo.url}
        if activation_code:
            verified = client.post(
                "/api/me/verification", json={"code": activation_code}, headers=headers
            )
            assert verified.status_code == 200, verified.text
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return {**headers, "cookie": cookies}


def _a_resident_without_account(fuzz_demo) -> str:
    rows = fuzz_demo.query(
        "SELECT p.registry_id FROM person p WHERE p.relation = 'head' AND p.status = 'resident' "
        f"AND p.municipality = {CITY} "
        "AND NOT EXISTS (SELECT 1 FROM account a WHERE a.person = p.id) "
        "ORDER BY p.id DESC LIMIT 1"
    )
    assert rows, "the demo registry has no resident left without an account"
    return rows[0]["registry_id"]


def _identity(fuzz_demo, who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    if who == "resident":
        registry_id = _a_resident_without_account(fuzz_demo)
        code = fuzz_demo.todoke("issue-activation-code", registry_id).stdout.split()[-1]
        return _signed_in(fuzz_demo, activation_code=code)
    link = fuzz_demo.todoke("create-staff", "検査 職員", "--role", "administrator").stdout
    invite = link.strip().splitlines()[-1].split("#", 1)[1]
    headers = _signed_in(fuzz_demo, invite=invite)
    # The registry API's operations take a core system's token (the session is ignored there).
    token = fuzz_demo.todoke("create-api-token", "fuzzing").stdout.strip().splitlines()[-1]
    return {**headers, "authorization": f"Bearer {token}"}


WHO = ("anonymous", "resident", "staff")


def _config_for(headers: dict[str, str], folder: Path) -> Path:
    """The shared configuration, with the caller's credentials given as the OpenAPI
    security schemes they are (not as plain headers): Schemathesis then knows which request
    carries them, and a request it makes without them really goes without."""
    auth = []
    session = next(
        (part.split("=", 1)[1] for part in headers.get("cookie", "").split("; ")
         if part.startswith("todoke_session=")),
        "",
    )  # fmt: skip
    if session:
        auth.append(f'[auth.openapi.sessionCookie]\napi_key = "{session}"\n')
    bearer = headers.get("authorization", "").removeprefix("Bearer ")
    if bearer:
        auth.append(f'[auth.openapi.coreSystemToken]\nbearer = "{bearer}"\n')
    path = folder / f"schemathesis-{len(list(folder.iterdir()))}.toml"
    path.write_text(CONFIG.read_text() + "\n" + "\n".join(auth))
    return path


@pytest.fixture(scope="module")
def fuzzed(fuzz_demo, tmp_path_factory) -> dict[str, tuple[dict[str, str], int, str]]:
    """The three runs side by side (the server mostly waits on them): headers, exit code and
    output of each."""
    identities = {who: _identity(fuzz_demo, who) for who in WHO}
    folder = tmp_path_factory.mktemp("schemathesis")
    runs = {}
    for who, headers in identities.items():
        config = _config_for(headers, folder)
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
            "run", f"{fuzz_demo.url}/schema/openapi.json",
            "--max-examples", "20",
            "--seed", "20261122",
        ]  # fmt: skip
        for name, value in headers.items():
            if name not in ("cookie", "authorization"):  # given as security schemes above
                command += ["--header", f"{name}: {value}"]
        if headers:
            command += ["--exclude-operation-id-regex", ENDS_THE_SESSION]
        runs[who] = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    results = {}
    for who, run in runs.items():
        output, _ = run.communicate(timeout=600)
        results[who] = (identities[who], run.returncode, output)
    return results


@pytest.mark.parametrize("who", WHO)
def test_api_conforms_to_its_schema(fuzz_demo, fuzzed, who):
    headers, returncode, output = fuzzed[who]
    assert returncode == 0, output[-8000:]
    assert "passed" in output
    if headers:
        # Still signed in at the end: the run tested what a signed-in caller meets.
        me = httpx.get(f"{fuzz_demo.url}/api/me", headers={"cookie": headers["cookie"]})
        assert me.status_code == 200, me.text
