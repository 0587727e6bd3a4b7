"""Bytes per resident on PostgreSQL, per table, after a year of activity: the measured input
of the sizing plan in deploy/README.md ("Sizing: a prefecture, the whole country").

    python tests/benchmarks/bench_sizing.py                       # 200,000 persons
    python tests/benchmarks/bench_sizing.py --persons 50000 --database-url postgresql://…

It creates a database of its own (``todoke_sizing_<pid>``) next to the one
``--database-url`` names, and drops it at the end (``--keep`` leaves it for a look).

What it writes, in order, and by which path:

1. the registry: ``--persons`` persons from the demo generator through the registry importer
   (persons, households, the change log, provenance), timed;
2. accounts for ``ACCOUNT_SHARE`` of the residents (adults), with consents, email addresses,
   passkeys, push subscriptions, a year of sessions and the audit chain's sign-in events:
   bulk inserts (COPY) of the rows sign-up and sign-in write, with values of real sizes;
   the audit events are chained with the audit service's own digest;
3. matching: every seeded programme approved and told through ``telling.match_and_notify``
   (matches, deliveries per channel, inbox notices, push and email outbox rows), timed, and
   each programme's ``match_persons`` over the whole registry timed alone;
4. other notices: ``OTHER_NOTICES_PER_ACCOUNT_PER_YEAR`` rounds of ``notices.write_notices``
   to every account (the service: inbox, push and email outbox rows);
5. applications: ``SAMPLE_FILINGS`` real filings through ``filing.file_application``, each
   opened by a caseworker and decided through ``decisions.change_status`` (application,
   its events, notices, push and email outbox rows, audit events). Those rows are then
   copied, account by account, until there are ``APPLICATIONS_PER_ACCOUNT_PER_YEAR`` per
   account: the same rows with their ids, accounts, persons, receipt numbers and idempotency
   keys renumbered (a bulk insert; the copied audit events keep their sample's hashes, so
   the copies are not a valid chain, which changes no size).

Then it reads ``pg_total_relation_size`` (table + indexes + TOAST) of every table and prints
rows, bytes per row and bytes per resident, and the total. Last, the push fan-out benchmark
(``bench_push_fanout.py``) runs in a second database of its own for the deliveries per
second of one worker on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from todoke import clock
from todoke.audit.service import GENESIS, _Chained, _digest
from todoke.benefits import telling
from todoke.benefits.rules import SEEDED_RULES, match_persons
from todoke.db import (
    configure_database,
    migrate,
    read_transaction,
    start_database,
    stop_database,
    write_transaction,
)
from todoke.demo.generator import generate_persons, write_csv
from todoke.demo.seed import DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE, seed_catalogue
from todoke.notices.service import NewNotice, write_notices
from todoke.principal import Principal
from todoke.procedures import decisions, filing
from todoke.registry.importer import import_registry
from todoke.registry.service import ensure_municipality
from todoke.settings import load_settings

HERE = Path(__file__).resolve().parent

# --- activity assumptions (one year), each with why ---------------------------------------
# Residents (all ages) with an account: a well-adopted city app after a few years, about
# half of the adults; planning on the high side, so the sizes err high.
ACCOUNT_SHARE = 0.40
# Of accounts, consented to matching (as bench_activation.py): most say yes when asked.
MATCHING_CONSENT_SHARE = 0.75
# Of consented accounts, with a confirmed email address (as bench_activation.py).
EMAIL_SHARE = 1 / 3
# Passkeys per account: one synced passkey on the phone, and about half take up the app's
# suggestion of a second device.
PASSKEYS_PER_ACCOUNT = 1.5
# Push subscriptions per account: most install the app on one phone and allow notifications
# (iOS only from the Home Screen), a few add a tablet or PC.
PUSH_SUBSCRIPTIONS_PER_ACCOUNT = 0.8
# Sign-ins a year (each a session row and an audit event; neither is pruned today): a visit
# a month, and a session idles out after 30 minutes.
SIGN_INS_PER_ACCOUNT_PER_YEAR = 12
# Online filings a year: about one certificate (住民票の写し: Japan issues roughly one a
# resident a year) plus moves, child and tax procedures now and then.
APPLICATIONS_PER_ACCOUNT_PER_YEAR = 1.5
# Inbox notices a year besides filings and programmes: reminders (現況届, due dates), city
# information, security notices.
OTHER_NOTICES_PER_ACCOUNT_PER_YEAR = 4
# Real filings (each opened by a caseworker and decided) whose rows are copied to the count.
SAMPLE_FILINGS = 40
# The seeded programmes matched and told once each: a year's worth of new programmes.
PROGRAMMES = tuple(SEEDED_RULES)

PROCEDURE = "residence-certificate"
ANSWERS = {
    "scope": "self",
    "copies": 1,
    "purpose": "work",
    "submit_to": "株式会社とどけ商事",
    "phone": "090-1234-5678",
    "declaration": True,
}
USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def b64(size: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()


def hexdigest() -> str:
    return secrets.token_hex(32)


# --- the database of its own ---------------------------------------------------------------


async def admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def database_url(url: str, name: str) -> str:
    return f"{url.rpartition('/')[0]}/{name}"


# --- 1. registry ---------------------------------------------------------------------------


async def build_registry(municipality_id: int, persons: int, folder: Path) -> float:
    path = folder / "registry.csv"
    count = write_csv(path, generate_persons(persons, seed=11, today=date.today()))
    started = time.perf_counter()
    with path.open("rb") as stream:
        report = await import_registry(
            stream, municipality_id=municipality_id, source="bench", filename=path.name
        )
    seconds = time.perf_counter() - started
    assert report.rows_created == count, (report.status, report.message, report.rows_failed)
    path.unlink()
    return seconds


# --- 2. accounts and their year of sign-ins --------------------------------------------------


async def give_accounts(municipality_id: int, persons: int) -> dict[int, int]:
    """Accounts for ``ACCOUNT_SHARE`` of the residents, taken among adults; account → person."""
    rng = random.Random(5)
    now = clock.now()
    adult = date.today().replace(year=date.today().year - 18)
    async with write_transaction() as sql:
        adults = [
            r[0]
            for r in await sql.fetch(
                "SELECT id FROM person WHERE municipality = ? AND status = 'resident' "
                "AND birth_date <= ?",
                [municipality_id, adult],
            )
        ]
        chosen = sorted(rng.sample(adults, min(round(persons * ACCOUNT_SHARE), len(adults))))
        first = (await sql.value("SELECT COALESCE(MAX(id), 0) FROM account")) + 1
        accounts = {first + i: person for i, person in enumerate(chosen)}
        await sql.insert_rows(
            "account",
            ["id", "municipality", "kind", "display_name", "user_handle", "person",
             "verified_at", "verified_by", "staff_role", "language",
             "second_passkey_suggested", "verification_failures", "created_at"],
            [[account, municipality_id, "resident", "とどけ 花子", b64(32), person, now,
              "letter", "", "ja", True, 0, now] for account, person in accounts.items()],
        )  # fmt: skip
        consented = [a for a in accounts if rng.random() < MATCHING_CONSENT_SHARE]
        await sql.insert_rows(
            "consent",
            ["municipality", "account", "purpose", "granted_at"],
            [
                [municipality_id, a, purpose, now]
                for a in consented
                for purpose in ("matching", "prefill")
            ],
        )
        emailed = [a for a in consented if rng.random() < EMAIL_SHARE]
        await sql.insert_rows(
            "email_address",
            ["municipality", "account", "address", "language", "notify", "confirmed_at",
             "bounce_reason", "created_at", "updated_at"],
            [[municipality_id, a, f"hanako.todoke{a}@example.ne.jp", "ja", True, now, "", now,
              now] for a in emailed],
        )  # fmt: skip
        passkeys = [a for a in accounts for _ in range(_count(rng, PASSKEYS_PER_ACCOUNT))]
        await sql.insert_rows(
            "passkey",
            ["municipality", "account", "credential_id", "user_handle", "public_key", "sign_count",
             "transports", "aaguid", "device_type", "backup_eligible", "backup_state", "name",
             "created_at", "last_used_at"],
            # COSE ES256 public keys are 77 bytes; synced credential ids 16–32 bytes.
            [[municipality_id, a, b64(32), b64(32), b64(77), 0, '["hybrid", "internal"]',
              "fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "multi_device", True, True, "iPhone",
              now, now] for a in passkeys],
        )  # fmt: skip
        devices = [a for a in accounts for _ in range(_count(rng, PUSH_SUBSCRIPTIONS_PER_ACCOUNT))]
        await sql.insert_rows(
            "push_subscription",
            ["municipality", "account", "endpoint", "p256dh", "auth", "user_agent", "language",
             "created_at", "last_seen_at"],
            # An FCM endpoint is ~190 characters; p256dh a 65-byte point, auth 16 bytes.
            [[municipality_id, a, f"https://fcm.googleapis.com/fcm/send/{b64(114)}", b64(65),
              b64(16), USER_AGENT, "ja", now, now] for a in devices],
        )  # fmt: skip
        await sql.execute("SELECT setval('account_id_seq', (SELECT MAX(id) FROM account))")
        await sql.analyze("account", "consent", "email_address", "passkey", "push_subscription")
    print(
        f"  accounts {len(accounts):,}, consented {len(consented):,}, emails {len(emailed):,}, "
        f"passkeys {len(passkeys):,}, push subscriptions {len(devices):,}"
    )
    return accounts


def _count(rng: random.Random, mean: float) -> int:
    """A whole number of things with the given mean (e.g. 1.5: one, and half the time two)."""
    return int(mean) + (rng.random() < mean - int(mean))


async def sign_ins(municipality_id: int, accounts: Sequence[int]) -> int:
    """A year of sign-ins: a session row each (as ``identity.service.start_session`` writes
    it) and the ``identity.signed_in`` audit event, chained with the audit service's digest."""
    now = clock.now()
    year_start = now - timedelta(days=365)
    signings = sorted(
        (year_start + timedelta(seconds=random.randrange(365 * 86400)), account)
        for account in accounts
        for _ in range(SIGN_INS_PER_ACCOUNT_PER_YEAR)
    )
    async with write_transaction() as sql:
        await sql.execute("SELECT pg_advisory_xact_lock(727274)")
        previous = await sql.value("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")
        previous = previous or GENESIS
        sessions, events = [], []
        for at, account in signings:
            sessions.append([municipality_id, hexdigest(), account, b64(24), USER_AGENT, at, at,
                             at + timedelta(hours=12)])  # fmt: skip
            fields = _Chained(
                municipality=municipality_id,
                actor_account=account,
                actor_kind="resident",
                action="identity.signed_in",
                subject_person=None,
                subject_account=account,
                purpose="sign-in",
                detail={},
                occurred_at=at.isoformat(timespec="microseconds"),
            )
            digest = _digest(previous, fields)
            events.append([municipality_id, account, "resident", "identity.signed_in", None,
                           account, "sign-in", "{}", at, previous, digest])  # fmt: skip
            previous = digest
        await sql.insert_rows(
            "session",
            ["municipality", "token_hash", "account", "csrf_token", "user_agent", "created_at",
             "last_seen_at", "expires_at"],
            sessions,
        )  # fmt: skip
        await sql.insert_rows(
            "audit_event",
            ["municipality", "actor_account", "actor_kind", "action", "subject_person",
             "subject_account", "purpose", "detail", "occurred_at", "previous_hash", "hash"],
            events,
        )  # fmt: skip
    return len(signings)


# --- 3. matching -----------------------------------------------------------------------------


async def match_alone(municipality_id: int, persons: int) -> None:
    """Each programme's rule over the whole registry, nothing written: persons per second."""
    for slug, rule in SEEDED_RULES.items():
        started = time.perf_counter()
        found = 0
        async with read_transaction(bulk=True) as sql:
            async for batch in match_persons(sql, municipality_id, rule, date.today()):
                found += len(batch)
        seconds = time.perf_counter() - started
        print(
            f"  match_persons {slug:24s} {found:>8,} matched in {seconds:6.2f} s "
            f"= {persons / seconds:>10,.0f} persons/s"
        )


async def tell_programmes(municipality_id: int) -> None:
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE program SET status = 'active', activated_at = ?, letter_basis = ? "
            "WHERE municipality = ?",
            [clock.now(), "個人情報保護法第69条第2項第2号", municipality_id],
        )
    for slug in PROGRAMMES:
        started = time.perf_counter()
        told = await telling.match_and_notify(municipality_id, slug)
        seconds = time.perf_counter() - started
        print(f"  match_and_notify {slug:24s} told {told:>7,} in {seconds:6.2f} s")


# --- 4. other notices ------------------------------------------------------------------------


async def other_notices(municipality_id: int, accounts: Sequence[int]) -> None:
    with_email = await _accounts_with_email()
    title = {"ja": "市からのお知らせ", "easy": "しからの おしらせ", "en": "News from the city"}
    body = {
        "ja": "児童手当の現況届の受付が始まりました。期限は6月30日です。",
        "easy": "じどうてあての げんきょうとどけの うけつけが はじまりました。"
        "きげんは 6がつ30にちです。",
        "en": "Child allowance status reports can now be filed. The deadline is 30 June.",
    }
    for round_ in range(OTHER_NOTICES_PER_ACCOUNT_PER_YEAR):
        for start in range(0, len(accounts), 5_000):
            part = accounts[start : start + 5_000]
            async with write_transaction() as sql:
                await write_notices(
                    sql,
                    municipality_id=municipality_id,
                    kind="information",
                    link="/inbox",
                    thread=f"information-{round_}",
                    notices=[
                        NewNotice(account_id=a, title=title, body=body, email=a in with_email)
                        for a in part
                    ],
                )


async def _accounts_with_email() -> set[int]:
    async with read_transaction() as sql:
        return {r[0] for r in await sql.fetch("SELECT account FROM email_address")}


# --- 5. applications: real filings, then copies of their rows --------------------------------


def resident(account: int, person: int, municipality_id: int) -> Principal:
    return Principal(
        account_id=account,
        municipality_id=municipality_id,
        kind="resident",
        display_name="とどけ 花子",
        person_id=person,
        staff_role="",
        session_id=0,
        csrf_token="",
    )


async def staff_member(municipality_id: int) -> Principal:
    now = clock.now()
    async with write_transaction() as sql:
        account = await sql.value(
            "INSERT INTO account (municipality, kind, display_name, user_handle, staff_role, "
            "language, second_passkey_suggested, verification_failures, created_at, "
            "verified_by) VALUES (?, 'staff', '市民課 職員', ?, 'administrator', 'ja', TRUE, 0, "
            "?, '') RETURNING id",
            [municipality_id, b64(32), now],
        )
    return Principal(
        account_id=account,
        municipality_id=municipality_id,
        kind="staff",
        display_name="市民課 職員",
        person_id=None,
        staff_role="administrator",
        session_id=0,
        csrf_token="",
    )


async def table_counts() -> dict[str, int]:
    async with read_transaction() as sql:
        tables = [
            r[0]
            for r in await sql.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return {
            t: await sql.value(f"SELECT MAX(id) FROM {t}") or 0
            for t in tables
            if await _has_id(sql, t)
        }


async def _has_id(sql, table: str) -> bool:
    return bool(
        await sql.value(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = ? "
            "AND column_name = 'id'",
            [table],
        )
    )


async def sample_filings(
    municipality_id: int, accounts: dict[int, int], staff: Principal
) -> tuple[dict[str, list[dict[str, Any]]], list[int]]:
    """``SAMPLE_FILINGS`` filings through the services; returns the rows they wrote, by
    table, and the sample's accounts."""
    before = await table_counts()
    async with read_transaction() as sql:
        # Consented to pre-fill: the form arrives filled from the registry, as most will.
        prefilled = [
            r[0]
            for r in await sql.fetch(
                "SELECT account FROM consent WHERE purpose = 'prefill' ORDER BY account"
            )
        ]
        sample = prefilled[:: max(1, len(prefilled) // SAMPLE_FILINGS)][:SAMPLE_FILINGS]
        version = await sql.value(
            "SELECT published_version FROM procedure WHERE municipality = ? AND slug = ?",
            [municipality_id, PROCEDURE],
        )
    for n, account in enumerate(sample):
        application, created = await filing.file_application(
            resident(account, accounts[account], municipality_id),
            slug=PROCEDURE,
            version=version,
            answers=ANSWERS,
            idempotency_key=f"sizing-{n:08d}",
        )
        assert created
        await decisions.get_for_staff(staff, application, "case")
        await decisions.change_status(staff, application, "in_review", "")
        await decisions.change_status(staff, application, "approved", "本日発送しました。")
    after = await table_counts()
    written: dict[str, list[dict[str, Any]]] = {}
    async with read_transaction() as sql:
        for table, last in after.items():
            if last > before.get(table, 0):
                columns = await _columns(sql, table)
                rows = await sql.fetch(
                    f"SELECT {', '.join(columns)} FROM {table} WHERE id > ? ORDER BY id",
                    [before.get(table, 0)],
                )
                written[table] = [dict(zip(columns, r, strict=True)) for r in rows]
    return written, sample


async def _columns(sql, table: str) -> list[str]:
    rows = await sql.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = 'public' ORDER BY ordinal_position",
        [table],
    )
    return [r[0] for r in rows]


ACCOUNT_COLUMNS = {"account", "filed_by", "actor_account", "subject_account", "principal", "author"}
PERSON_COLUMNS = {"person", "subject_person"}
# Tables copied in this order, so that what a row refers to is already there.
COPY_ORDER = (
    "application",
    "application_event",
    "application_reach",
    "notice",
    "delivery",
    "email_delivery",
    "audit_event",
)


async def copy_filings(
    written: dict[str, list[dict[str, Any]]],
    sample: list[int],
    accounts: dict[int, int],
    copies: int,
) -> None:
    """The sample's rows again ``copies`` times, each time for the next ``len(sample)``
    accounts: ids, accounts, persons, links, receipt numbers and idempotency keys
    renumbered, everything else as the services wrote it."""
    unknown = set(written) - set(COPY_ORDER)
    assert not unknown, f"the sample wrote tables the copy does not know: {unknown}"
    pool = [a for a in accounts if a not in sample]
    async with write_transaction() as sql:
        next_id = {t: (await sql.value(f"SELECT MAX(id) FROM {t}")) + 1 for t in written}
        by_table: dict[str, list[list[Any]]] = {t: [] for t in written}
        for copy in range(copies):
            account_of = {
                a: pool[(copy * len(sample) + i) % len(pool)] for i, a in enumerate(sample)
            }
            person_of = {accounts[a]: accounts[b] for a, b in account_of.items()}
            new_id: dict[str, dict[int, int]] = {t: {} for t in written}
            for table in COPY_ORDER:
                for row in written.get(table, []):
                    new_id[table][row["id"]] = next_id[table]
                    next_id[table] += 1
                    by_table[table].append(
                        _renumbered(table, row, new_id, account_of, person_of, copy)
                    )
        for table in COPY_ORDER:
            if table in by_table:
                columns = list(written[table][0])
                await sql.insert_rows(table, columns, by_table[table])
                await sql.execute(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")


def _renumbered(
    table: str,
    row: dict[str, Any],
    new_id: dict[str, dict[int, int]],
    account_of: dict[int, int],
    person_of: dict[int, int],
    copy: int,
) -> list[Any]:
    out = []
    for column, value in row.items():
        if column == "id":
            value = new_id[table][value]
        elif column in ACCOUNT_COLUMNS and value in account_of:
            value = account_of[value]
        elif column in PERSON_COLUMNS and value in person_of:
            value = person_of[value]
        elif column in ("application", "notice") and value is not None:
            value = new_id[column].get(value, value)
        elif column == "receipt_number":
            value = _receipt(value)
        elif column == "idempotency_key":
            value = f"{value}-{copy}"
        elif column == "link" and value:
            value = re.sub(
                r"/applications/(\d+)",
                lambda m: f"/applications/{new_id['application'].get(int(m[1]), m[1])}",
                value,
            )
        out.append(value)
    return out


def _receipt(value: str) -> str:
    """A new receipt number of the same shape (day, dash, eight characters)."""
    return value[:7] + secrets.token_hex(4).upper()


# --- sizes -----------------------------------------------------------------------------------


async def sizes(persons: int) -> None:
    async with write_transaction() as sql:
        # A partitioned table (person, by municipality) counts once, with its partitions.
        listed = (
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "ORDER BY c.relname"
        )
        tables = [r[0] for r in await sql.fetch(listed)]
        await sql.analyze(*tables)
        measured = []
        for table in tables:
            rows = await sql.value(f"SELECT COUNT(*) FROM {table}")
            total, heap, indexes = (
                await sql.fetch(
                    "SELECT SUM(pg_total_relation_size(t)), SUM(pg_table_size(t)), "
                    "SUM(pg_indexes_size(t)) FROM (SELECT ?::regclass AS t UNION "
                    "SELECT relid FROM pg_partition_tree(?::regclass)) tree",
                    [table, table],
                )
            )[0]
            measured.append((total, table, rows, heap, indexes))
    measured.sort(reverse=True)
    print(f"sizes (pg_total_relation_size: table + indexes + TOAST), {persons:,} persons")
    print(
        f"  {'table':22s} {'rows':>11s} {'rows/res.':>9s} {'MB':>8s} {'idx MB':>7s} "
        f"{'B/row':>6s} {'B/resident':>10s}"
    )
    all_rows = all_bytes = 0
    for total, table, rows, _heap, indexes in measured:
        all_rows += rows
        all_bytes += total
        if rows == 0 and total < 100_000:
            continue
        per_row = total / rows if rows else 0
        print(
            f"  {table:22s} {rows:>11,} {rows / persons:>9.2f} {total / 1e6:>8.1f} "
            f"{indexes / 1e6:>7.1f} {per_row:>6.0f} {total / persons:>10.0f}"
        )
    print(
        f"  {'all tables':22s} {all_rows:>11,} {all_rows / persons:>9.2f} {all_bytes / 1e6:>8.1f} "
        f"{'':>7s} {'':>6s} {all_bytes / persons:>10.0f}"
    )
    async with read_transaction() as sql:
        database = await sql.value("SELECT pg_database_size(current_database())")
    print(
        f"  database on disk (pg_database_size): {database / 1e6:,.1f} MB "
        f"= {database / persons:,.0f} B per resident"
    )


# --- push fan-out ----------------------------------------------------------------------------


async def push_fanout(url: str, notices: int) -> None:
    """bench_push_fanout.py in a database of its own (it empties the outbox it uses)."""
    name = f"todoke_sizing_{os.getpid()}_push"
    await admin(url, f"CREATE DATABASE {name}")
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / "bench_push_fanout.py"), "--notices", str(notices)],
            env={**os.environ, "TODOKE_DATABASE_URL": database_url(url, name)},
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [
            line for line in done.stdout.splitlines() if "deliveries/s" in line or "ratio" in line
        ]
        print(f"push fan-out, {notices:,} notices, one worker (bench_push_fanout.py):")
        for line in lines or done.stderr.splitlines()[-5:]:
            print(f"  {line.strip()}")
    finally:
        await admin(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- run -------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    name = f"todoke_sizing_{os.getpid()}"
    await admin(args.database_url, f"CREATE DATABASE {name}")
    folder = Path(tempfile.mkdtemp(prefix="todoke-sizing-"))
    try:
        await run(args, database_url(args.database_url, name), folder)
        if args.push_notices:
            await push_fanout(args.database_url, args.push_notices)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if not args.keep:
            await admin(args.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            print(f"kept database {name}")


async def run(args: argparse.Namespace, url: str, folder: Path) -> None:
    settings = load_settings(
        {"TODOKE_DATA_DIR": str(folder), "TODOKE_DATABASE_URL": url, "TODOKE_LOG_LEVEL": "WARNING"}
    )
    engine = configure_database(settings)
    await start_database(engine)
    try:
        await migrate()
        print(f"PostgreSQL, {os.cpu_count()} CPUs, {date.today()}: {args.persons:,} persons")
        municipality = await ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)
        mid = municipality.id
        await seed_catalogue(municipality)

        seconds = await build_registry(mid, args.persons, folder)
        print(f"1. registry import: {seconds:.1f} s = {args.persons / seconds:,.0f} persons/s")

        started = time.perf_counter()
        accounts = await give_accounts(mid, args.persons)
        signed = await sign_ins(mid, list(accounts))
        print(f"2. accounts and {signed:,} sign-ins in {time.perf_counter() - started:.1f} s")

        print("3. matching")
        await match_alone(mid, args.persons)
        started = time.perf_counter()
        await tell_programmes(mid)
        print(f"  all programmes told in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        await other_notices(mid, list(accounts))
        print(
            f"4. {OTHER_NOTICES_PER_ACCOUNT_PER_YEAR} other notices per account "
            f"in {time.perf_counter() - started:.1f} s"
        )

        staff = await staff_member(mid)
        started = time.perf_counter()
        written, sample = await sample_filings(mid, accounts, staff)
        filed_seconds = time.perf_counter() - started
        target = round(len(accounts) * APPLICATIONS_PER_ACCOUNT_PER_YEAR)
        copies = max(0, round(target / len(sample)) - 1)
        shape = ", ".join(f"{t} {len(r) / len(sample):.1f}" for t, r in written.items())
        print(
            f"5. {len(sample)} filings through the services in {filed_seconds:.1f} s "
            f"({filed_seconds / len(sample) * 1000:.0f} ms each, opened and decided); rows per "
            f"filing: {shape}"
        )
        started = time.perf_counter()
        await copy_filings(written, sample, accounts, copies)
        print(
            f"  copied {copies:,} times to {(copies + 1) * len(sample):,} applications "
            f"in {time.perf_counter() - started:.1f} s"
        )
        await sizes(args.persons)
    finally:
        await stop_database(engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a database on the server to connect to for CREATE/DROP DATABASE",
    )  # fmt: skip
    parser.add_argument("--push-notices", type=int, default=20_000, help="0: skip the fan-out")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    asyncio.run(main(parser.parse_args()))
