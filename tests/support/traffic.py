"""Residents filing procedures over and over, as a careful client would through a fault:
each filing has its own Idempotency-Key and is sent again with the SAME key, on whichever
web process answers (as a proxy fails over), after a connection error or a 5xx, until it
is acknowledged (2xx). What each saw is recorded, for the fault tests to check against the
database: every acknowledged filing must exist exactly once.

    traffic = Traffic(residents, ports)
    traffic.start()
    ... the fault ...
    traffic.stop()            # each resident finishes the filing it has begun
    traffic.check()           # no 500, no refusal, nothing left unacknowledged
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

# A 5xx or a lost connection: wait this long (at most) before sending the same key again.
RETRY_PAUSE_SECONDS = 0.2
# After stop(): how long a resident may take to get its last filing acknowledged.
FINISH_SECONDS = 60.0


@dataclass
class Filer:
    """A signed-in resident: a client holding its session, its CSRF header, a filing body."""

    client: httpx.Client
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class Ack:
    key: str
    id: int
    status: int
    at: float  # time.monotonic()


@dataclass
class Seen:
    """What one resident's client saw."""

    acks: list[Ack] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    # Any 5xx that is not a 503 problem with Retry-After, or a refusal (4xx): what, and why.
    wrong: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    attempts: int = 0


def problem_503(answer: httpx.Response) -> str | None:
    """None if ``answer`` is the 503 a client can act on: an RFC 9457 problem
    (application/problem+json, type urn:todoke:problem:…) with Retry-After; else why not."""
    if answer.status_code != 503:
        return f"status {answer.status_code}"
    if not answer.headers.get("content-type", "").startswith("application/problem+json"):
        return f"content-type {answer.headers.get('content-type')!r}"
    if not answer.headers.get("retry-after", "").isdigit():
        return f"retry-after {answer.headers.get('retry-after')!r}"
    problem = answer.json()
    if problem.get("status") != 503 or not str(problem.get("type")).startswith(
        "urn:todoke:problem:"
    ):
        return f"body {problem!r}"
    return None


class Traffic:
    def __init__(
        self,
        filers: list[Filer],
        ports: list[int],
        *,
        resend_every: int = 4,
        timeout: float = 10.0,
    ) -> None:
        self.filers = filers
        self.ports = ports
        self.resend_every = resend_every  # every n-th acknowledged key is sent once more
        self.timeout = timeout
        self.seen = [Seen() for _ in filers]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.in_flight = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        for index in range(len(self.filers)):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(FINISH_SECONDS + 2 * self.timeout)
        assert not any(t.is_alive() for t in self._threads), "a resident's client hangs"

    # --- what was seen --------------------------------------------------------------------

    @property
    def acks(self) -> list[Ack]:
        return [ack for seen in self.seen for ack in seen.acks]

    def acks_since(self, moment: float) -> list[Ack]:
        return [ack for ack in self.acks if ack.at >= moment]

    def acknowledged(self) -> dict[str, int]:
        """Key → the application id its acknowledgements named (checked to be one)."""
        named: dict[str, set[int]] = {}
        for ack in self.acks:
            named.setdefault(ack.key, set()).add(ack.id)
        split = {key: ids for key, ids in named.items() if len(ids) > 1}
        assert not split, f"one Idempotency-Key acknowledged as different filings: {split}"
        return {key: ids.pop() for key, ids in named.items()}

    def summary(self) -> str:
        statuses: Counter[int] = Counter()
        errors: Counter[str] = Counter()
        for seen in self.seen:
            statuses.update(seen.statuses)
            errors.update(seen.transport_errors)
        return (
            f"{len(self.acknowledged())} filings acknowledged "
            f"({len(self.acks)} acknowledgements, {sum(s.attempts for s in self.seen)} "
            f"requests); answers {dict(sorted(statuses.items()))}; "
            f"connection errors {dict(errors)}"
        )

    def check(self) -> None:
        """No resident saw a 500 or a refusal, and each got its last filing acknowledged."""
        wrong = [w for seen in self.seen for w in seen.wrong]
        assert not wrong, f"answers a retrying client cannot act on: {wrong[:10]}"
        unfinished = [u for seen in self.seen for u in seen.unfinished]
        assert not unfinished, f"filings never acknowledged: {unfinished}"

    # --- one resident -------------------------------------------------------------------

    def _run(self, index: int) -> None:
        filer, seen = self.filers[index], self.seen[index]
        number = 0
        while not self._stop.is_set():
            key = f"fault-{index}-{number}-{uuid.uuid4().hex[:12]}"
            if not self._file(index, filer, seen, key, number):
                return
            if number % self.resend_every == self.resend_every - 1:
                # The retry of a filing whose answer was lost: the same filing again.
                self._file(index, filer, seen, key, number)
            number += 1

    def _file(self, index: int, filer: Filer, seen: Seen, key: str, number: int) -> bool:
        """Send the filing with ``key`` until acknowledged; False if it never was."""
        headers = {**filer.headers, "idempotency-key": key}
        attempt = 0
        give_up: float | None = None
        while True:
            if self._stop.is_set() and give_up is None:
                give_up = time.monotonic() + FINISH_SECONDS
            if give_up is not None and time.monotonic() > give_up:
                seen.unfinished.append(key)
                return False
            port = self.ports[(index + number + attempt) % len(self.ports)]
            attempt += 1
            seen.attempts += 1
            with self._lock:
                self.in_flight += 1
            try:
                answer = filer.client.post(
                    f"http://127.0.0.1:{port}/api/applications",
                    json=filer.body,
                    headers=headers,
                    timeout=self.timeout,
                )
            except httpx.TransportError as error:  # refused, reset, cut off mid-answer
                seen.transport_errors[type(error).__name__] += 1
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            finally:
                with self._lock:
                    self.in_flight -= 1
            seen.statuses[answer.status_code] += 1
            if answer.status_code in (200, 201):
                filed = answer.json()["id"]
                seen.acks.append(Ack(key, filed, answer.status_code, time.monotonic()))
                return True
            if answer.status_code >= 500:
                why = problem_503(answer)
                if why is not None:  # recorded, and retried as a careful client would
                    seen.wrong.append(f"{key}: {why}: {answer.text[:300]}")
                pause = int(answer.headers.get("retry-after") or 1)
                time.sleep(min(pause, RETRY_PAUSE_SECONDS))
                continue
            seen.wrong.append(f"{key}: {answer.status_code}: {answer.text[:300]}")
            return True  # refused: no retry makes it right
