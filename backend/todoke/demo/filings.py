"""Demo filings with recorded durations (issue 17, time saved): six months of 住民票の写し,
粗大ごみ and 犬の登録 filed by the demo residents who use the app, online (more each month)
and at the counter with Todoke, each with the span from its start to its confirmation as
Todoke records it, some left and resumed later; and the city's paper baseline for them. The
metrics screen computes its minutes and hours saved from these rows, as from real ones.

All decided (approved) long enough ago that no queue holds them; procedures without effects
on the registry or on benefit matching, so the other demo flows see the city as before.
Deterministic, and once: a second run finds them and adds nothing."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import datetime, timedelta

from todoke import clock, codes
from todoke.db import write_transaction

SEED = 17
# slug: (median online minutes, median counter minutes, paper baseline minutes)
PROCEDURES = {
    "residence-certificate": (4.0, 8.0, 20),
    "oversized-garbage": (5.0, 9.0, 15),
    "dog-registration": (9.0, 14.0, 30),
}
MONTHS = 6
RESUMED_LATER = 0.07  # of online filings: the draft left and finished hours or days later


def _minutes(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def _receipt(rng: random.Random, at: datetime) -> str:
    day = at.astimezone(clock.JST).strftime("%y%m%d")
    return f"{day}-{''.join(rng.choice(codes.ALPHABET) for _ in range(8))}"


async def seed_demo_filings(municipality_id: int) -> int:
    """The timed filings and the paper baseline, once; returns how many filings were made."""
    rng = random.Random(SEED)
    now = clock.now()
    made = 0
    async with write_transaction() as sql:
        seeded = await sql.value(
            "SELECT COUNT(*) FROM application WHERE municipality = ? "
            "AND idempotency_key LIKE 'demo-timed-%'",
            [municipality_id],
        )
        if seeded:
            return 0
        residents = [
            (row[0], row[1])
            for row in await sql.fetch(
                "SELECT id, person FROM account WHERE municipality = ? AND verified_by = 'demo' "
                "ORDER BY id",
                [municipality_id],
            )
        ]
        if not residents:
            return 0
        procedures = {
            row[0]: (row[1], row[2], row[3])
            for row in await sql.fetch(
                "SELECT slug, id, published_version, department FROM procedure "
                "WHERE municipality = ? AND published_version IS NOT NULL",
                [municipality_id],
            )
        }
        for slug, (_, _, paper) in PROCEDURES.items():
            if slug in procedures:
                await sql.execute(
                    "INSERT INTO paper_baseline (municipality, procedure, minutes, updated_by, "
                    "updated_at) VALUES (?, ?, ?, NULL, ?)",
                    [municipality_id, slug, paper, now],
                )
        for back in range(MONTHS - 1, -1, -1):
            # More filings and a larger online share as the city gets used to the app.
            age = MONTHS - 1 - back
            count = 14 + 6 * age
            online_share = 0.45 + 0.07 * age
            for _ in range(count):
                slug = rng.choice(list(PROCEDURES))
                if slug not in procedures:
                    continue
                procedure_id, version, department = procedures[slug]
                online_median, counter_median, _paper = PROCEDURES[slug]
                filed_at = now - timedelta(days=30 * back + rng.uniform(0.5, 29.5))
                online = rng.random() < online_share
                if online and rng.random() < RESUMED_LATER:
                    span = rng.uniform(3 * 60, 4 * 24 * 60)
                elif online:
                    span = _minutes(rng, online_median, 0.45)
                else:
                    span = _minutes(rng, counter_median, 0.3)
                seconds = round(span * 60)
                account_id, person_id = rng.choice(residents)
                made += 1
                key = f"demo-timed-{made:05d}"
                decided = min(now, filed_at + timedelta(days=rng.uniform(0.2, 3)))
                await sql.execute(
                    "INSERT INTO application (municipality, procedure, version, department, "
                    "account, person, filed_by, channel, status, answers, prefill, "
                    "receipt_number, idempotency_key, request_digest, submitted_at, updated_at, "
                    "decided_at, due_by, confirmed_at, started_at, filing_seconds) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'approved', '{}', '{}', ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?)",
                    [municipality_id, procedure_id, version, department, account_id, person_id,
                     account_id, "self" if online else "assisted", _receipt(rng, filed_at), key,
                     hashlib.sha256(key.encode()).hexdigest(), filed_at, decided, decided,
                     clock.add_working_days(filed_at.astimezone(clock.JST).date(), 5),
                     None if online else filed_at, filed_at - timedelta(seconds=seconds),
                     seconds],
                )  # fmt: skip
    return made
