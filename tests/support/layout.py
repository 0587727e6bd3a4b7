"""Todoke's processes started as an operator would start them, for the tests that run the
real thing on this machine: the deploy smoke test (tests/deploy) and the fault tests
(tests/faults).

- ``Layout``: the processes of one deployment (``todoke serve``, ``todoke worker``, nginx),
  their environment as systemd gives it (``deploy/todoke.env.example`` rendered with this
  machine's values), one-off commands (``todoke migrate`` …), and what faults need: SIGKILL
  a process, start it again with the same command.
- ``prepare_deployment``: the runbook's first start — migrate, the municipality, a registry
  import — and activation codes for adults of that registry.
- ``sign_up`` and ``filing``: a resident as the PWA makes one (a passkey from the soft
  authenticator, the letter's code, consent to pre-filling) and the body of a filing built
  from the pre-filled form.
"""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from soft_authenticator import SoftAuthenticator

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ADMIN_DSN = os.environ.get("TODOKE_SMOKE_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
MUNICIPALITY_CODE = "131016"
MUNICIPALITY = [
    *("--name", "千代田区", "--name-easy", "ちよだく", "--name-en", "Chiyoda City"),
    *("--prefecture", "東京都", "--prefecture-easy", "とうきょうと", "--prefecture-en", "Tokyo"),
]
FILED_SLUG = "residence-certificate"


def say(message: str, *, tag: str = "todoke") -> None:
    print(f"[{tag} {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments and blanks skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def render_env(
    folder: Path, overrides: dict[str, str], extra: dict[str, str] | None = None
) -> Path:
    """deploy/todoke.env.example with ``overrides`` (each must be a setting the example
    has, or the example changed in a way the tests no longer follow) and ``extra`` lines
    (settings an operator would add, e.g. for this machine's local push service)."""
    values = read_env_file(DEPLOY / "todoke.env.example")
    missing = set(overrides) - set(values)
    assert not missing, f"the example environment file lacks {sorted(missing)}"
    values.update(overrides)
    values.update(extra or {})
    path = folder / "env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


async def _admin(dsn: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def admin_sql(sql: str, dsn: str = ADMIN_DSN) -> None:
    """One statement as the server's administrator (CREATE DATABASE, DROP DATABASE)."""
    asyncio.run(_admin(dsn, sql))


def server_dsn(dsn: str, database: str) -> str:
    """The same server, another database."""
    return f"{dsn.rsplit('/', 1)[0]}/{database}"


class Layout:
    """The processes of one deployment, started and stopped by a test."""

    def __init__(self, folder: Path, *, prefix: str = "todoke_test", tag: str = "todoke") -> None:
        self.folder = folder
        self.tag = tag  # what its progress lines start with
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.commands: dict[str, tuple[list[str], dict[str, str] | None]] = {}
        self.env: dict[str, str] = {}
        self.database = f"{prefix}_{os.getpid()}_{int(time.time())}"

    def environment(self, env_file: Path) -> None:
        # As systemd gives it: the environment file over a plain environment.
        base = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
        base.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.env = {**base, **read_env_file(env_file), "PYTHONPATH": str(ROOT / "backend")}

    def todoke(self, *args: str) -> str:
        """A one-off command (as an operator runs it); its output."""
        result = subprocess.run(
            [sys.executable, "-m", "todoke.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, f"todoke {args[0]}: {result.stdout}{result.stderr}"
        return result.stdout

    def todoke_each(self, commands: list[list[str]]) -> list[str]:
        """One-off commands side by side (each a process of its own); their outputs."""
        running = [
            subprocess.Popen(
                [sys.executable, "-m", "todoke.cli", *args],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in commands
        ]
        outputs = []
        for args, process in zip(commands, running, strict=True):
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, f"todoke {args[0]}: {out}{err}"
            outputs.append(out)
        return outputs

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        # Appended: a process started again after a kill writes on below its last words.
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child has its own descriptor
        self.processes[name] = process
        self.commands[name] = (command, env)

    def start_todoke(self, name: str, *args: str) -> None:
        self.start(name, [sys.executable, "-m", "todoke.cli", *args])

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no cleanup, whatever it was doing cut off."""
        process = self.processes.pop(name)
        process.kill()
        process.wait(10)

    def restart(self, name: str) -> None:
        """Start a killed process again, with the command it had."""
        assert name not in self.processes, f"{name} is still running"
        command, env = self.commands[name]
        self.start(name, command, env)

    def log(self, name: str, tail: int = 3000) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited ({process.returncode}):\n{self.log(name)}")

    def stop(self) -> None:
        running = list(self.processes.items())
        for name, process in reversed(running):
            if process.poll() is None:
                # nginx stops gracefully on SIGQUIT; the app's processes on SIGTERM (systemd's).
                process.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
        deadline = time.monotonic() + 30
        for name, process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop on its signal: killed", tag=self.tag)
                process.kill()
                process.wait(5)
        self.processes.clear()


def wait_until(what: str, check: Callable[[], Any], timeout: float, layout: Layout) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        layout.alive()
        try:
            if check():
                return
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s ({last})")


def prepare_deployment(layout: Layout, *, persons: int = 30) -> list[dict[str, str]]:
    """What todoke-migrate.service and the runbook's first start do: migrate, the
    municipality and its catalogue, a (synthetic) registry import. Returns the registry's
    adult heads of household (born before 2000), who can be sent activation letters."""
    say(layout.todoke("migrate").strip(), tag=layout.tag)
    say(
        layout.todoke("init-municipality", MUNICIPALITY_CODE, *MUNICIPALITY).strip(), tag=layout.tag
    )
    registry = layout.folder / "registry.csv"
    layout.todoke("generate-registry", str(registry), "--persons", str(persons))
    say(layout.todoke("import-registry", str(registry)).strip(), tag=layout.tag)
    with registry.open(encoding="utf-8") as rows:
        return [
            r
            for r in csv.DictReader(rows)
            if r["relation"] == "head" and date.fromisoformat(r["birth_date"]).year < 2000
        ]


def activation_codes(layout: Layout, adults: list[dict[str, str]]) -> list[str]:
    """One letter's code for each of ``adults`` (``todoke issue-activation-code``)."""
    outputs = layout.todoke_each(
        [["issue-activation-code", adult["registry_id"]] for adult in adults]
    )
    return [output.strip().splitlines()[-1] for output in outputs]


@dataclass
class Resident:
    authenticator: SoftAuthenticator
    headers: dict[str, str]  # the CSRF token of the session


def sign_up(web: httpx.Client, origin: str, code: str, name: str = "スモーク") -> Resident:
    """A resident registers with a passkey, is verified by the activation letter's code
    and consents to pre-filling; ``web`` keeps the session cookie."""
    authenticator = SoftAuthenticator()
    options = web.post("/api/auth/registration/options", json={"display_name": name})
    assert options.status_code == 200, options.text
    registered = web.post(
        "/api/auth/registration",
        json={"credential": authenticator.create(options.json(), origin)},
    )
    assert registered.status_code == 201, registered.text
    headers = {"x-csrf-token": registered.json()["csrf_token"]}
    verified = web.post("/api/me/verification", json={"code": code}, headers=headers)
    assert verified.status_code == 200, verified.text
    consent = web.post(
        "/api/me/consents", json={"purpose": "prefill", "granted": True}, headers=headers
    )
    assert consent.status_code == 200, consent.text
    return Resident(authenticator, headers)


def filing(web: httpx.Client, slug: str = FILED_SLUG) -> dict[str, Any]:
    """The body of a filing of ``slug`` (a residence certificate): the pre-filled form's
    values and the resident's answers."""
    form = web.get(f"/api/procedures/{slug}/form")
    assert form.status_code == 200 and form.json()["can_file"] is True, form.text
    return {
        "slug": slug,
        "version": form.json()["version"],
        "answers": {
            **{name: held["value"] for name, held in form.json()["prefill"].items()},
            "scope": "self",
            "copies": 1,
            "purpose": "work",
            "phone": "090-1234-5678",
            "declaration": True,
        },
    }
