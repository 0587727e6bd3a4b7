"""Soak: minutes of a mixed resident workload; every error counted, throughput and latency per
minute, and the memory of every process of the app sampled throughout.

    python tests/benchmarks/bench_soak.py [--minutes 10] [--residents 50] [--connections 20]
    python tests/benchmarks/bench_soak.py --seconds 60 --interval 15     # a quick run
    TODOKE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/soak \\
        python tests/benchmarks/bench_soak.py

The app runs as a user runs it. On SQLite: ``todoke demo``, one process serving the web and
running the worker (push and email delivery, re-matching) inside it (the embedded default).
On PostgreSQL as production runs: ``todoke demo`` seeds the database named by
TODOKE_DATABASE_URL and is stopped, then one ``todoke serve`` (TODOKE_EMBEDDED_WORKER=false)
and one ``todoke worker`` run. Push notices go to a local push service (the tests' double, in
its own process), so the worker really delivers; quiet hours are off for the run, so it
delivers whatever the time of day.

``--residents`` residents sign up with a passkey and are verified with activation codes the
demo issues (``demo_credentials``, what ``todoke demo`` prints), consent to pre-fill and
matching, and subscribe to push. Then ``wrk`` (Debian's package) drives ``--connections``
connections, one wrk thread each, so that each connection's script runs one request after
another and can follow a resident's flow: each connection owns residents ``i, i + C, ...``
(no two connections act for the same resident, so no draft is raced by design) and, for one
resident at a time (switching to its next one about every eighth pick), picks from a table
weighted like real use (reads dominate):

    home (/api/me) 16, procedure list 14, procedure detail 14, inbox 14 (then one in five
    marks the newest notice read), pre-filled form of a random procedure 10, my applications
    10, support list 6, public programme list 4, and 4 for a draft: open it, save it once or
    twice, and one in three is filed with an Idempotency-Key (from the form's pre-fill, as
    the PWA does), one filing in five retried with the same key (must give the same one),
    and one in two followed by a GET of the draft it consumed (404 expected: the draft
    became the application; an error answered again and again must cost no memory);
    every resident re-sends its push subscription at most once every 90 s, as the PWA does
    at each start (well under the 60 an hour the app allows).

GETs send If-None-Match with the ETag last seen half the time (the browser's cache), and
``Accept-Encoding: gzip`` except where the script reads the body (inbox, draft, filing).

Errors, every one counted (exit status 1 if any): wrk's socket errors (connect, read, write)
and timeouts (a request slower than ``--timeout``), any status other than the step's expected
ones (200/304 for cacheable GETs with If-None-Match, 201/200 opening a draft, 201 filing,
200 for the retried filing, 204 for push and mark-read, 404 for the consumed draft), a
response the script cannot follow (no id) or a retried filing that answers another
application, a request that got no response, a push message the push service refused, and
ERROR/CRITICAL lines or tracebacks in the app's logs.

The run is cut into ``--interval`` second wrk runs (a minute by default) to see drift: each
one's requests, req/s, p50/p95/p99 and errors; overall percentiles come from the merged
latency histograms of all of them (exact, as wrk records them, in microseconds). The RSS of
every process of the app (VmRSS of it and its child processes, from /proc) is sampled every
``--sample`` seconds; printed at start, end and max, with the growth as a ratio. Start is
taken after the first interval (warm-up): a fresh process fills caches on first use (kept
SQLite connections and their page caches, the catalogue cache, lazily imported modules,
msgspec's and Litestar's per-type caches, the allocator's arenas), which is growth once, not
with time. "memory flat: yes" when end <= start x 1.10 for every process (the bar: a leak
of even 100 bytes a request grows a process by tens of MB in ten minutes); the slope over
the second half of the run is printed too. The CPU seconds of each process and of wrk are
printed so the client can be seen not to be the bottleneck (2 cores, shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "support"))

from bench_http import free_port, sign_in, wait_ready  # noqa: E402
from push_double import PushDouble  # noqa: E402

FLAT_BAR = 1.10
FILED_SLUG = "residence-certificate"
PUSH_EVERY = 90  # seconds between one resident's push subscription updates, at most
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The app logs JSON lines (todoke.web.edge); anything else on its output is a crash's traceback.
LOG_ERROR = re.compile(r'"level":"(error|critical)"|^Traceback')
LOG_WARNING = re.compile(r'"level":"warning"')

# The connection's script. Python prepends RESIDENTS, SLUGS, CONNECTIONS, ORIGIN, PUSH_EVERY.
# One wrk thread per connection: request() and response() alternate for one connection.
LUA = r"""
local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

local MIX = {
  {"home", 16}, {"procedures", 14}, {"procedure", 14}, {"inbox", 14}, {"form", 10},
  {"applications", 10}, {"support", 6}, {"programs", 4}, {"draft", 4},
}
local EXPECTED = {
  home = {[200] = true}, procedures = {[200] = true}, procedure = {[200] = true},
  inbox = {[200] = true}, read = {[204] = true}, form = {[200] = true},
  applications = {[200] = true}, support = {[200] = true}, programs = {[200] = true},
  draft = {[200] = true, [201] = true}, save = {[200] = true}, file = {[201] = true},
  refile = {[200] = true}, push = {[204] = true}, gone = {[404] = true},
}
local READS_BODY = {inbox = true}

function init(args)
  mine = {}
  for i = thread_id, #RESIDENTS, CONNECTIONS do
    local r = RESIDENTS[i]
    r.etags = {}
    r.slot = math.floor((os.time() + r.phase) / PUSH_EVERY)
    table.insert(mine, r)
  end
  turn = 1
  who = mine[turn]
  queue = {}
  pending = nil
  seen = 0
  sequence = 0
  counts = {}    -- "step status" -> responses
  failures = {}  -- reason -> count
  samples = {}   -- reason -> the first body seen
  total = 0
  for _, m in ipairs(MIX) do total = total + m[2] end
  math.randomseed(thread_id * 7919 + os.time())
end

local function fail(reason, body)
  failures[reason] = (failures[reason] or 0) + 1
  if samples[reason] == nil then
    samples[reason] = string.gsub(string.sub(body or "", 1, 300), "%s", " ")
  end
  queue = {}
end

local function plan()
  if #mine > 1 and math.random(8) == 1 then
    turn = turn % #mine + 1
    who = mine[turn]
  end
  local slot = math.floor((os.time() + who.phase) / PUSH_EVERY)
  if slot > who.slot then
    who.slot = slot
    queue = {"push"}
    return
  end
  local r = math.random(total)
  for _, m in ipairs(MIX) do
    r = r - m[2]
    if r <= 0 then
      local step = m[1]
      if step == "draft" then
        queue = {"draft", "save"}
        if math.random(2) == 1 then table.insert(queue, "save") end
        if math.random(3) == 1 then
          table.insert(queue, "file")
          if math.random(5) == 1 then table.insert(queue, "refile") end
          if math.random(2) == 1 then table.insert(queue, "gone") end
        end
      elseif step == "inbox" and math.random(5) == 1 then
        queue = {"inbox", "read"}
      else
        queue = {step}
      end
      return
    end
  end
end

local function headers(step)
  local h = {Cookie = who.cookie, Accept = "application/json"}
  if not READS_BODY[step] then h["Accept-Encoding"] = "gzip" end
  return h
end

local function get(step, path)
  local h = headers(step)
  sent_tag = false
  local tag = who.etags[path]
  if tag and math.random(2) == 1 then
    h["If-None-Match"] = tag
    sent_tag = true
  end
  asked = path
  return wrk.format("GET", path, h)
end

local function send(step, method, path, body, key)
  local h = {Cookie = who.cookie, Accept = "application/json", Origin = ORIGIN,
             ["X-CSRF-Token"] = who.csrf}
  if body then h["Content-Type"] = "application/json" end
  if key then h["Idempotency-Key"] = key end
  sent_tag = false
  asked = nil
  return wrk.format(method, path, h, body)
end

local function build(step)
  if step == "home" then return get(step, "/api/me") end
  if step == "procedures" then return get(step, "/api/procedures") end
  if step == "procedure" then return get(step, "/api/procedures/" .. SLUGS[math.random(#SLUGS)]) end
  if step == "inbox" then return get(step, "/api/me/inbox") end
  if step == "form" then
    return get(step, "/api/procedures/" .. SLUGS[math.random(#SLUGS)] .. "/form")
  end
  if step == "applications" then return get(step, "/api/applications") end
  if step == "support" then return get(step, "/api/support") end
  if step == "programs" then return get(step, "/api/support/programs") end
  if step == "read" then
    return send(step, "POST", "/api/me/inbox/" .. who.notice .. "/read")
  end
  if step == "draft" then
    return send(step, "POST", "/api/drafts", '{"slug":"' .. FILED_SLUG .. '"}')
  end
  if step == "save" then
    who.saves = (who.saves or 0) + 1
    local body = who.saves % 2 == 1 and who.save1 or who.save2
    return send(step, "PUT", "/api/drafts/" .. who.draft, body)
  end
  if step == "file" then
    sequence = sequence + 1
    who.key = string.format("soak-%d-%d-%d", thread_id, os.time(), sequence)
    who.filing = who.filing_prefix .. ',"draft_id":' .. who.draft .. "}"
    return send(step, "POST", "/api/applications", who.filing, who.key)
  end
  if step == "refile" then return send(step, "POST", "/api/applications", who.filing, who.key) end
  if step == "gone" then return get(step, "/api/drafts/" .. who.filed_draft) end
  if step == "push" then return send(step, "PUT", "/api/push/subscription", who.subscription) end
  error("no step " .. step)
end

function request()
  if pending ~= nil then
    -- The previous request got no response: wrk reconnected (counted), or this is the
    -- call wrk makes once before connecting, to check the script (not counted). Either
    -- way a flow cannot go on without its answer: drop it.
    if seen > 0 then fail("no response to " .. pending) end
    queue = {}
    pending = nil
  end
  if #queue == 0 then plan() end
  local step = table.remove(queue, 1)
  if step == "read" and who.notice == nil then step = "inbox" end
  pending = step
  return build(step)
end

function response(status, headers, body)
  local step = pending
  pending = nil
  seen = seen + 1
  if step == nil then return end
  local key = step .. " " .. status
  counts[key] = (counts[key] or 0) + 1
  local ok = EXPECTED[step][status] or (status == 304 and sent_tag)
  if not ok then
    fail(key, body)
    return
  end
  if asked ~= nil and status == 200 then
    local tag = headers["etag"] or headers["ETag"]
    if tag then who.etags[asked] = tag end
  end
  if step == "inbox" and status == 200 then
    who.notice = string.match(body, '^{"items":%[{"id":(%d+)')
  elseif step == "draft" then
    who.draft = string.match(body, '^{"id":(%d+)')
    if who.draft == nil then fail("draft answered without an id", body) end
  elseif step == "file" then
    who.filed = string.match(body, '^{"id":(%d+)')
    who.filed_draft = who.draft
    if who.filed == nil then fail("filing answered without an id", body) end
  elseif step == "refile" then
    local again = string.match(body, '^{"id":(%d+)')
    if again ~= who.filed then
      fail("a retry with the same Idempotency-Key answered another application", body)
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests, e.connect,
    e.read, e.write, e.timeout, e.status, summary.duration))
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("H %d %d\n", value, count))
  end
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("counts")) do
      io.write(string.format("N %s %d\n", key, count))
    end
    local samples = thread:get("samples")
    for reason, count in pairs(thread:get("failures")) do
      io.write(string.format("F %d %s\t%s\n", count, reason, samples[reason] or ""))
    end
  end
end
"""


def lua_string(text: str) -> str:
    if "]==]" in text or "\n" in text:
        raise ValueError(f"cannot quote for Lua: {text[:80]!r}")
    return f"[==[{text}]==]"


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- the processes and their memory ---------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    """The process and every descendant it has now."""
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def rss_kib(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(match.group(1)) if match else 0
    return total


def cpu_seconds(pid: int) -> float:
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


@dataclass
class App:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Sampler:
    """RSS of each app process every ``every`` seconds, in a thread."""

    apps: list[App]
    every: float
    started: float = field(default_factory=time.monotonic)
    samples: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> dict[str, int]:
        taken = {app.name: rss_kib(app.process.pid) for app in self.apps}
        self.samples.append((time.monotonic() - self.started, taken))
        return taken

    def start(self) -> None:
        def run() -> None:
            while not self._stop.wait(self.every):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=run, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()


def start_app(name: str, args: list[str], env: dict[str, str], folder: Path) -> App:
    log = folder / f"{name.split()[0]}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "todoke.cli", *args],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return App(name, process, log)


def stop_app(app: App) -> None:
    if app.process.poll() is None:
        app.process.terminate()
        try:
            app.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.process.kill()
            app.process.wait()


def log_lines(apps: list[App], pattern: re.Pattern[str]) -> list[str]:
    found = []
    for app in apps:
        for line in app.log.read_text(errors="replace").splitlines():
            if pattern.search(line):
                found.append(f"{app.name}: {line[:400]}")
    return found


# --- residents ------------------------------------------------------------------------


def issue_codes(env: dict[str, str], data_dir: Path, count: int) -> list[str]:
    """Activation codes for ``count`` residents, as ``todoke demo`` issues and prints them
    (``demo_credentials``; it keeps the ones printed before and tops them up)."""
    from todoke.db import configure_database, start_database, stop_database
    from todoke.demo.seed import demo_credentials
    from todoke.registry.service import get_municipality
    from todoke.settings import load_settings

    settings = load_settings(environ=env, data_dir=str(data_dir))

    async def run() -> list[str]:
        engine = configure_database(settings)
        await start_database(engine)
        try:
            municipality = await get_municipality(settings.municipality_code)
            held = await demo_credentials(municipality, settings.data_path, residents=count)
            return [code.code for code in held.codes]
        finally:
            await stop_database(engine)

    codes = asyncio.run(run())
    if len(codes) < count:
        raise SystemExit(
            f"the demo has codes for {len(codes)} residents, not {count}: raise --persons"
        )
    return codes


def resident(
    base: str, data_dir: Path, env: dict[str, str], code: str, push: Any, index: int
) -> dict[str, Any]:
    """Sign up, verify, consent, subscribe to push; what the connection's script needs."""
    client = sign_in(base, data_dir, env, [code])
    try:
        client.post("/api/me/consents", json={"purpose": "prefill", "granted": True})
        subscription = compact({**push.subscribe(), "language": "ja"})
        subscribed = client.put(
            "/api/push/subscription",
            content=subscription,
            headers={"Content-Type": "application/json"},
        )
        subscribed.raise_for_status()
        form = client.get(f"/api/procedures/{FILED_SLUG}/form")
        form.raise_for_status()
        if not form.json()["can_file"]:
            raise RuntimeError(f"resident {index} cannot file {FILED_SLUG}: {form.text[:300]}")
        version = form.json()["version"]
        answers = {
            **{name: held["value"] for name, held in form.json()["prefill"].items()},
            "scope": "self",
            "copies": 1,
            "purpose": "work",
            "phone": "090-1234-5678",
            "declaration": True,
        }
        filing = compact({"slug": FILED_SLUG, "version": version, "answers": answers})
        return {
            "cookie": "; ".join(f"{name}={value}" for name, value in client.cookies.items()),
            "csrf": client.headers["X-CSRF-Token"],
            "phase": (index * 37) % PUSH_EVERY,
            "filing_prefix": filing[:-1],
            "save1": compact({"version": version, "answers": {"scope": "self", "copies": 1}}),
            "save2": compact(
                {
                    "version": version,
                    "answers": {k: answers[k] for k in ("scope", "copies", "purpose", "phone")},
                }
            ),
            "subscription": subscription,
        }
    finally:
        client.close()


def lua_script(
    residents: list[dict[str, Any]], slugs: list[str], connections: int, origin: str
) -> str:
    rows = []
    for held in residents:
        members = []
        for key, value in held.items():
            members.append(
                f"{key} = {value}" if isinstance(value, int) else f"{key} = {lua_string(value)}"
            )
        rows.append("  {" + ", ".join(members) + "},")
    return "\n".join(
        [
            "RESIDENTS = {",
            *rows,
            "}",
            "SLUGS = {" + ", ".join(lua_string(slug) for slug in slugs) + "}",
            f"CONNECTIONS = {connections}",
            f"ORIGIN = {lua_string(origin)}",
            f"PUSH_EVERY = {PUSH_EVERY}",
            f"FILED_SLUG = {lua_string(FILED_SLUG)}",
            LUA,
        ]
    )


# --- the load and its figures ---------------------------------------------------------


@dataclass
class Interval:
    number: int
    requests: int = 0
    seconds: float = 0.0
    socket_errors: int = 0
    timeouts: int = 0
    status_errors: int = 0  # wrk's own count of statuses over 399 (included in unexpected)
    histogram: Counter[int] = field(default_factory=Counter)
    steps: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)
    wrk_cpu: float = 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.timeouts + sum(self.failures.values())


def percentile(histogram: Counter[int], p: float) -> float:
    """The latency (ms) at percentile p of a wrk histogram {microseconds: count}."""
    total = sum(histogram.values())
    if not total:
        return float("nan")
    rank, seen = p / 100 * total, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value / 1000
    return max(histogram) / 1000


def run_wrk(
    number: int, url: str, script: Path, connections: int, seconds: int, timeout: int
) -> Interval:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(
        [
            "wrk",
            f"-t{connections}",
            f"-c{connections}",
            f"-d{seconds}s",
            f"--timeout={timeout}s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    interval = Interval(number, seconds=time.monotonic() - started)
    interval.wrk_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0 or "RESULT " not in done.stdout:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    for line in done.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "RESULT":
            numbers = [int(n) for n in rest.split()]
            interval.requests = numbers[0]
            interval.socket_errors = numbers[1] + numbers[2] + numbers[3]
            interval.timeouts = numbers[4]
            interval.status_errors = numbers[5]
            interval.seconds = numbers[6] / 1e6
        elif kind == "H":
            value, count = rest.split()
            interval.histogram[int(value)] += int(count)
        elif kind == "N":
            step, status, count = rest.rsplit(" ", 2)
            interval.steps[f"{step} {status}"] += int(count)
        elif kind == "F":
            count, _, text = rest.partition(" ")
            reason, _, sample = text.partition("\t")
            interval.failures[reason] += int(count)
            interval.samples.setdefault(reason, sample)
    return interval


def columns(histogram: Counter[int]) -> str:
    return " ".join(f"{percentile(histogram, p):6.1f}ms" for p in (50, 95, 99))


def mib(kib: int) -> str:
    return f"{kib / 1024:7.1f} MiB"


def slope(points: list[tuple[float, int]]) -> float:
    """Least-squares growth in MiB per minute of (seconds, KiB) points."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if not spread:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread * 60 / 1024


def report(
    intervals: list[Interval],
    sampler: Sampler,
    apps: list[App],
    warm_up_end: float,
    cpu: dict[str, float],
    push_stats: dict[str, int],
    logged: list[str],
    warnings: list[str],
) -> int:
    histogram: Counter[int] = Counter()
    steps: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    samples: dict[str, str] = {}
    for interval in intervals:
        histogram.update(interval.histogram)
        steps.update(interval.steps)
        failures.update(interval.failures)
        for reason, sample in interval.samples.items():
            samples.setdefault(reason, sample)
    requests = sum(i.requests for i in intervals)
    seconds = sum(i.seconds for i in intervals)
    names = [app.name for app in apps]

    def rss_at(moment: float) -> dict[str, int]:
        return next((s for t, s in sampler.samples if t >= moment), sampler.samples[-1][1])

    print(
        f"\n{'interval':>8s} {'requests':>9s} {'req/s':>7s} {'p50':>8s} {'p95':>8s} {'p99':>8s}"
        f" {'errors':>6s}  " + "  ".join(f"RSS {name}" for name in names)
    )
    elapsed = 0.0
    for interval in intervals:
        elapsed += interval.seconds
        at = rss_at(elapsed)
        rate = interval.requests / interval.seconds
        print(
            f"{interval.number:8d} {interval.requests:9d} {rate:7.0f} "
            f"{columns(interval.histogram)} {interval.errors:6d}  "
            + "  ".join(f"{mib(at[name])}" for name in names)
        )
    print(f"{'all':>8s} {requests:9d} {requests / seconds:7.0f} {columns(histogram)}")
    print(
        f"total requests: {requests} in {seconds:.0f} s ({requests / seconds:.0f} req/s); "
        f"latency p50 {percentile(histogram, 50):.1f}ms p95 {percentile(histogram, 95):.1f}ms "
        f"p99 {percentile(histogram, 99):.1f}ms"
    )
    print(
        "mix (step status: responses): "
        + ", ".join(f"{key}: {count}" for key, count in sorted(steps.items()))
    )
    filed = steps.get("file 201", 0)
    print(
        f"filings acknowledged: {filed} (retries with the same key: {steps.get('refile 200', 0)})"
        f"; push messages accepted by the push service: {push_stats.get('delivered', 0)}, "
        f"refused: {push_stats.get('rejected', 0)}"
    )

    socket_errors = sum(i.socket_errors for i in intervals)
    timeouts = sum(i.timeouts for i in intervals)
    unexpected = sum(failures.values())
    refused = push_stats.get("rejected", 0)
    errors = socket_errors + timeouts + unexpected + refused + len(logged)
    print(
        f"errors: {errors} (bar: 0) — socket errors {socket_errors}, timeouts {timeouts}, "
        f"unexpected answers {unexpected}, push refused {refused}, "
        f"error lines in the logs {len(logged)} (warnings, not counted: {len(warnings)})"
    )
    for reason, count in failures.most_common():
        print(f"   {count:6d}  {reason}: {samples.get(reason, '')[:200]}")
    for line in (logged + warnings)[:20]:
        print(f"   log: {line}")

    print(
        f"\nmemory (RSS, every process of the app with its children; start = after the "
        f"warm-up interval, at {warm_up_end:.0f} s):"
    )
    flat = True
    before_load = sampler.samples[0][1]
    start = rss_at(warm_up_end)
    end = sampler.samples[-1][1]
    half = warm_up_end + (sampler.samples[-1][0] - warm_up_end) / 2
    for name in names:
        peak = max(s[name] for _, s in sampler.samples)
        ratio = end[name] / start[name] if start[name] else float("inf")
        trend = slope([(t, s[name]) for t, s in sampler.samples if t >= half])
        flat = flat and ratio <= FLAT_BAR
        print(
            f"   {name}: before load {mib(before_load[name]).strip()}, start "
            f"{mib(start[name]).strip()}, end {mib(end[name]).strip()}, max "
            f"{mib(peak).strip()}; growth ratio end/start {ratio:.3f}; "
            f"second half {trend:+.2f} MiB/min"
        )
    print(
        f"memory flat: {'yes' if flat else 'no'} (bar: end/start ratio <= {FLAT_BAR:.2f} "
        "for every process)"
    )
    wall = seconds or 1
    print(
        "CPU seconds during the load (of the wall-clock seconds x 2 cores): "
        + ", ".join(f"{name} {used:.0f} s ({used / wall:.2f} cores)" for name, used in cpu.items())
    )
    return 1 if errors or not flat else 0


def main(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_soak needs wrk (apt-get install wrk)")
    seconds = args.seconds or args.minutes * 60
    interval = min(args.interval, seconds)
    if args.residents < args.connections:
        raise SystemExit("--residents must be at least --connections (one connection each)")
    folder = Path(tempfile.mkdtemp(prefix="todoke-soak-"))
    data_dir = folder / "data"
    port = free_port()
    base = f"http://localhost:{port}"
    database = os.environ.get("TODOKE_DATABASE_URL", "")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if database:
        env["TODOKE_DATABASE_URL"] = database
    env.update(
        TODOKE_PUBLIC_ORIGINS=base,
        TODOKE_LOG_LEVEL="WARNING",
        TODOKE_DATA_DIR=str(data_dir),
        TODOKE_AUTH_RATE_LIMIT="1000000",
        TODOKE_VERIFICATION_RATE_LIMIT="1000000",
        TODOKE_PUSH_ALLOW_HTTP="true",
        TODOKE_QUIET_HOURS="00:00-00:00",
    )
    serve = ["--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    apps: list[App] = []
    push = PushDouble.spawn(decrypt="deferred")
    try:
        demo = start_app(
            "todoke demo", ["demo", *serve, "--persons", str(args.persons)], env, folder
        )
        apps.append(demo)
        wait_ready(f"{base}/readyz", demo.process, demo.log)
        codes = issue_codes(env, data_dir, args.residents)
        if database:
            # Production's layout: the web process and a worker process (demo only seeded).
            stop_app(demo)
            apps.clear()
            web_env = {**env, "TODOKE_EMBEDDED_WORKER": "false"}
            apps.append(start_app("web (todoke serve)", ["serve", *serve], web_env, folder))
            apps.append(
                start_app(
                    "worker (todoke worker)",
                    ["worker", "--name", "soak", "--data-dir", str(data_dir)],
                    env,
                    folder,
                )
            )
            wait_ready(f"{base}/readyz", apps[0].process, apps[0].log)
        else:
            demo.name = "web+worker (todoke demo)"
        layout = ", ".join(f"{app.name} pid {app.process.pid}" for app in apps)
        print(f"{'PostgreSQL' if database else 'SQLite'}: {layout}", flush=True)

        started = time.monotonic()
        residents = [
            resident(base, data_dir, env, code, push, index)
            for index, code in enumerate(codes[: args.residents])
        ]
        slugs = [item["slug"] for item in httpx.get(f"{base}/api/procedures").json()["items"]]
        print(
            f"{len(residents)} residents signed up, verified, consented and subscribed in "
            f"{time.monotonic() - started:.0f} s; {len(slugs)} procedures",
            flush=True,
        )
        script = folder / "soak.lua"
        script.write_text(lua_script(residents, slugs, args.connections, base), encoding="utf-8")

        count = -(-seconds // interval)
        print(
            f"wrk: {args.connections} connections (one thread each), {seconds} s as {count} "
            f"intervals of {interval} s, timeout {args.timeout} s; RSS every {args.sample} s; "
            f"the first interval is the warm-up",
            flush=True,
        )
        sampler = Sampler(apps, args.sample)
        sampler.start()
        cpu_before = {app.name: cpu_seconds(app.process.pid) for app in apps}
        intervals = []
        warm_up_end = 0.0
        for number in range(1, count + 1):
            length = min(interval, seconds - (number - 1) * interval)
            result = run_wrk(number, f"{base}/", script, args.connections, length, args.timeout)
            intervals.append(result)
            if number == 1:
                warm_up_end = time.monotonic() - sampler.started
            print(
                f"  interval {number}: {result.requests} requests, {result.errors} errors",
                flush=True,
            )
            for app in apps:
                if app.process.poll() is not None:
                    raise RuntimeError(f"{app.name} exited:\n{app.log.read_text()[-3000:]}")
        cpu = {app.name: cpu_seconds(app.process.pid) - cpu_before[app.name] for app in apps}
        cpu["wrk"] = sum(i.wrk_cpu for i in intervals)
        sampler.stop()
        time.sleep(3)  # the worker sends the last filings' notices
        stats = push.stats()
        cpu["push service (test double)"] = stats["cpu_ms"] / 1000
        for app in apps:
            stop_app(app)
        return report(
            intervals,
            sampler,
            apps,
            warm_up_end,
            cpu,
            stats,
            log_lines(apps, LOG_ERROR),
            log_lines(apps, LOG_WARNING),
        )
    finally:
        for app in apps:
            stop_app(app)
        push.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept: {folder}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=0, help="instead of --minutes")
    parser.add_argument("--interval", type=int, default=60, help="seconds per wrk run (a row)")
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--persons", type=int, default=1000, help="demo registry size")
    parser.add_argument("--timeout", type=int, default=5, help="wrk: slower is an error")
    parser.add_argument("--sample", type=float, default=10, help="seconds between RSS samples")
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, script)")
    sys.exit(main(parser.parse_args()))
