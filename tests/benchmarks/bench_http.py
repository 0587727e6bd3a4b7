"""Resident endpoints over HTTP against a bare Litestar endpoint, same server, same minute.

    python tests/benchmarks/bench_http.py [--seconds 10] [--connections 20]
    TODOKE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
        python tests/benchmarks/bench_http.py

Starts ``todoke demo`` as a user would (uvicorn, the embedded database unless
TODOKE_DATABASE_URL says otherwise) and ``bare_app.py`` (a bare Litestar app returning a
msgspec list of the procedure list's size, served with the same uvicorn options), signs a
resident up with a passkey (a software authenticator) and verifies them with an activation
code, then drives each endpoint with ``wrk`` (Debian's package) on loopback at
``--connections`` connections for ``--seconds`` seconds: anonymous endpoints, the signed-in
home, inbox, support list and pre-filled form, and saving a draft. Prints requests per second,
the ratio to the bare endpoint (measured before and after, the mean taken) and p50/p95/p99.
Also the floor (``bare_app.py``'s ``/floor``): the least a signed-in endpoint can do in
Litestar, a session lookup and four indexed reads with the raw drivers, to tell the cost of
the statements themselves from Todoke's own.
Quality bar (issue 14): the main resident endpoints >= 0.5 of bare, p99 < 50 ms.

Then where the time goes, per endpoint: the server process's CPU time per request during
its wrk run (read from /proc: steadier than a rate on a noisy machine), and, from the
``Server-Timing`` header of sequential requests after it (the server runs with
TODOKE_SERVER_TIMING on, a few µs a request), the server's time to the first byte split
into the session lookup (its statement included), the database beyond it (time and
statements, thread hand-offs included), the handler's own code (its dependencies resolved,
its database time taken out), the encoding of its answer, and the rest (middleware,
routing, guards).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import fmean

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))

from bare_app import FLOOR_TOKEN  # noqa: E402
from soft_authenticator import SoftAuthenticator  # noqa: E402

# wrk prints one RESULT line: requests, socket errors, non-2xx/3xx, duration (µs), latency
# p50/p95/p99 (µs), requests per second.
WRK_SCRIPT = """
local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v
end
wrk.method = env("BENCH_METHOD") or "GET"
wrk.body = env("BENCH_BODY")
wrk.headers["Accept"] = "application/json"
if wrk.body then wrk.headers["Content-Type"] = "application/json" end
if env("BENCH_COOKIE") then wrk.headers["Cookie"] = env("BENCH_COOKIE") end
if env("BENCH_CSRF") then wrk.headers["X-CSRF-Token"] = env("BENCH_CSRF") end
if env("BENCH_ORIGIN") then wrk.headers["Origin"] = env("BENCH_ORIGIN") end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %.1f\\n", summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests / (summary.duration / 1e6)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server not ready:\n{log.read_text()[-3000:]}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


TIMING = re.compile(r'(\w+);dur=([\d.]+)(?:;desc="(\d+) statements")?')


def time_split(url: str, extra: dict[str, str], count: int = 200) -> dict[str, float]:
    """Mean Server-Timing parts (µs) and statements over ``count`` sequential requests."""
    # As wrk asks: no compression (httpx would ask for gzip, and time it).
    headers = {"accept": "application/json", "accept-encoding": "identity"}
    if "cookie" in extra:
        headers["cookie"] = extra["cookie"]
    if "csrf" in extra:
        headers["x-csrf-token"] = extra["csrf"]
    if "origin" in extra:
        headers["origin"] = extra["origin"]
    samples: dict[str, list[float]] = {
        "total": [], "db": [], "session": [], "handler": [], "encode": [], "statements": []
    }  # fmt: skip
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(count):
            response = client.request(extra.get("method", "GET"), url, content=extra.get("body"))
            for name, duration, statements in TIMING.findall(response.headers["server-timing"]):
                samples[name].append(float(duration) * 1000)
                if statements:
                    samples["statements"].append(int(statements))
    return {name: fmean(values) for name, values in samples.items()}


class Run:
    def __init__(self, folder: Path, seconds: int, connections: int) -> None:
        self.folder = folder
        self.seconds = seconds
        self.connections = connections
        self.script = folder / "bench.lua"
        self.script.write_text(WRK_SCRIPT)

    def wrk(self, url: str, pid: int, **env: str) -> dict[str, float]:
        cpu_before = cpu_seconds(pid)
        result = subprocess.run(
            ["wrk", "-t2", f"-c{self.connections}", f"-d{self.seconds}s", "-s", str(self.script),
             url],
            env={**os.environ, **{f"BENCH_{k.upper()}": v for k, v in env.items()}},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        line = next(ln for ln in result.stdout.splitlines() if ln.startswith("RESULT "))
        requests, errors, bad, _, p50, p95, p99, rate = line.split()[1:]
        cpu = (cpu_seconds(pid) - cpu_before) / max(1, int(requests)) * 1e6
        return {
            "cpu": cpu,
            "requests": int(requests), "errors": int(errors), "bad": int(bad),
            "p50": int(p50) / 1000, "p95": int(p95) / 1000, "p99": int(p99) / 1000,
            "rate": float(rate),
        }  # fmt: skip


def sign_in(base: str, data_dir: Path, env: dict[str, str], codes: list[str]) -> httpx.Client:
    """A resident with a passkey, verified by the demo's first activation code."""
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=30)
    authenticator = SoftAuthenticator()
    options = client.post("/api/auth/registration/options", json={"display_name": "ベンチ"})
    options.raise_for_status()
    registered = client.post(
        "/api/auth/registration", json={"credential": authenticator.create(options.json(), base)}
    )
    registered.raise_for_status()
    client.headers["X-CSRF-Token"] = registered.json()["csrf_token"]
    for code in codes:
        verified = client.post("/api/me/verification", json={"code": code})
        if verified.status_code == 200:
            break
    else:
        raise RuntimeError("no demo activation code verified the bench resident")
    consent = client.post("/api/me/consents", json={"purpose": "matching", "granted": True})
    consent.raise_for_status()
    return client


def main(seconds: int, connections: int, persons: int) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_http needs wrk (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="todoke-http-"))
    port, bare_port = free_port(), free_port()
    base = f"http://localhost:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    database = os.environ.get("TODOKE_DATABASE_URL", "")
    if database:
        env["TODOKE_DATABASE_URL"] = database
    env.update(
        TODOKE_PUBLIC_ORIGINS=base, TODOKE_LOG_LEVEL="WARNING",
        TODOKE_AUTH_RATE_LIMIT="1000000", TODOKE_VERIFICATION_RATE_LIMIT="1000000",
        TODOKE_SERVER_TIMING="true",
    )  # fmt: skip
    log, bare_log = folder / "todoke.log", folder / "bare.log"
    todoke = subprocess.Popen(
        [sys.executable, "-m", "todoke.cli", "demo", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(folder / "data"), "--persons", str(persons)],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    bare = subprocess.Popen(
        [sys.executable, str(HERE / "bare_app.py"), str(bare_port), str(folder)],
        env=env, stdout=bare_log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_ready(f"{base}/readyz", todoke, log)
        wait_ready(f"http://127.0.0.1:{bare_port}/bare", bare, bare_log)
        codes = re.findall(r"^\s+([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\s", log.read_text(), re.M)
        client = sign_in(base, folder / "data", env, codes)
        procedures = client.get("/api/procedures").json()["items"]
        slug = procedures[0]["slug"]
        online = next(p["slug"] for p in procedures if p.get("online", True))
        draft = client.post("/api/drafts", json={"slug": online}).json()
        form = client.get(f"/api/procedures/{online}/form")
        form.raise_for_status()
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        signed = {"cookie": cookie, "origin": base}
        save = {
            "method": "PUT",
            "body": json.dumps({"version": draft["version"], "answers": {"note": "ベンチ"}}),
            "csrf": client.headers["X-CSRF-Token"],
            **signed,
        }
        endpoints: list[tuple[str, str, dict[str, str]]] = [
            ("/healthz (middleware only)", "/healthz", {}),
            ("/readyz", "/readyz", {}),
            ("/api/procedures", "/api/procedures", {}),
            ("/api/procedures/{slug}", f"/api/procedures/{slug}", {}),
            ("/api/support/programs", "/api/support/programs", {}),
            ("home: /api/me", "/api/me", signed),
            ("inbox: /api/me/inbox", "/api/me/inbox", signed),
            ("support: /api/support", "/api/support", signed),
            ("pre-filled form", f"/api/procedures/{online}/form", signed),
            ("save a draft (PUT)", f"/api/drafts/{draft['id']}", save),
        ]
        run = Run(folder, seconds, connections)
        name = "PostgreSQL" if database else "SQLite"
        print(f"{name}: wrk, {connections} connections, {seconds} s per endpoint, "
              f"{persons} demo persons")  # fmt: skip
        before = run.wrk(f"http://127.0.0.1:{bare_port}/bare", bare.pid)
        floor = run.wrk(f"http://127.0.0.1:{bare_port}/floor", bare.pid, cookie=f"s={FLOOR_TOKEN}")
        results, splits = [], []
        for label, path, extra in endpoints:
            results.append((label, run.wrk(f"{base}{path}", todoke.pid, **extra)))
            splits.append((label, time_split(f"{base}{path}", extra)))
        after = run.wrk(f"http://127.0.0.1:{bare_port}/bare", bare.pid)
        baseline = (before["rate"] + after["rate"]) / 2
        print(f"{'endpoint':32s} {'req/s':>8s} {'ratio':>6s} {'p50':>7s} {'p95':>7s} "
              f"{'p99':>7s}  errors")  # fmt: skip
        rows = [
            ("bare Litestar JSON (before)", before),
            ("bare Litestar JSON (after)", after),
            ("floor: bare + session + 4 reads", floor),
        ]
        for label, r in rows + results:
            print(
                f"{label:32s} {r['rate']:8.0f} {r['rate'] / baseline:6.2f} {r['p50']:6.1f}ms "
                f"{r['p95']:6.1f}ms {r['p99']:6.1f}ms  {r['errors'] + r['bad']}"
            )
        bare_cpu = (before["cpu"] + after["cpu"]) / 2
        print(
            f"\nwhere the time goes (µs per request; the bare endpoint's CPU: {bare_cpu:.0f}, "
            f"the floor's: {floor['cpu']:.0f})"
        )
        print(f"{'endpoint':32s} {'CPU':>6s} {'server':>7s} {'session':>7s} {'db':>6s} "
              f"{'stmts':>5s} {'handler':>7s} {'encode':>6s} {'rest':>6s}")  # fmt: skip
        for (label, r), (_, split) in zip(results, splits, strict=True):
            # The handler's own code: its time less its statements'; the rest: middleware,
            # routing and guards.
            own = split["handler"] - split["db"] if split["handler"] else 0.0
            rest = split["total"] - split["session"] - split["handler"] - split["encode"]
            if not split["handler"]:
                rest -= split["db"]
            print(
                f"{label:32s} {r['cpu']:6.0f} {split['total']:7.0f} {split['session']:7.0f} "
                f"{split['db']:6.0f} {split['statements']:5.1f} {own:7.0f} "
                f"{split['encode']:6.0f} {rest:6.0f}"
            )
    finally:
        for process in (todoke, bare):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--persons", type=int, default=1000)
    args = parser.parse_args()
    main(args.seconds, args.connections, args.persons)
