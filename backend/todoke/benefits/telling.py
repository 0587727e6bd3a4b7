"""Telling: from a programme's matches to a notice, an email or a letter for each person.

Every person the rule matches is recorded (``program_match``), reachable or not, with the
reason when nobody was told: ``cannot_tell`` (the rule needs a fact the registry lacks for
them), ``held_pending``/``held_approved`` (an application for the programme's procedure),
``receiving`` (the registry says they already receive it), ``no_account``, ``no_consent``,
``no_channel``. Each telling is one ``program_delivery`` row per person, programme and
channel — the unique index makes "never twice on one channel" hold whatever the version
and however many workers run.

Channels, in the programme's order:

- ``app``: the inbox notice (and the push to each device, by the notices domain) for a
  resident with an account who consented to matching;
- ``email``: the same notice announced by email, when that resident confirmed an address
  and wants notices by email (the email says only that a notice is waiting);
- ``letter``: a 勧奨通知 to the registered address, for a person no digital channel
  reaches, when the approver recorded the legal basis (``letter_basis``); the print batch
  (``benefits.letters``) turns queued letters into a PDF.

Without ``fallback_days`` every digital channel the resident has is used at once (a letter
only when there is none); with it, only the first, and the fallback pass sends the next
one to whoever has not opened the notice after that many days.

Once per programme, not per version: a person told of an earlier version carries that
telling into the new version's row and hears nothing new. The daily calendar pass matches
every active programme again, so eligibility that starts with the calendar (turning 65, a
31 March) is told that day, and marks who stopped qualifying.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from todoke import clock, tenancy
from todoke.benefits import rules
from todoke.benefits.facts import FACTS, load_persons, years_before
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.identity import public as identity
from todoke.notices import public as notices
from todoke.notices.service import NewNotice, write_notices
from todoke.principal import Principal
from todoke.procedures import public as procedures
from todoke.registry import public as registry

MATCHING = "matching"  # the consent purpose that lets the municipality tell a resident
CHANNELS = ("app", "email", "letter")
# Whom a programme tells: the person the rule matches; the household's claimant (生計中心者);
# or every adult member of the household the rule matches (a household benefit each adult
# should hear of — a letter still goes once, to the matched person).
TELLS = ("person", "claimant", "adults")
ADULT_AGE = 18
DIGITAL = ("app", "email")
# Persons planned and written per write transaction: short transactions, so an approval
# over the whole registry never holds SQLite's write lock for long.
PERSONS_PER_TRANSACTION = 2000
# A match is told when the rule holds and, for a ``claimant`` programme, when the person
# is the one who would claim for the household (生計中心者), not, say, a grandparent head.
CLAIMANT = {"==": [{"var": "is_claimant"}, True]}


def telling_rule(rule: dict[str, Any], tells: str) -> dict[str, Any]:
    """The rule a programme's matches are told by: for ``claimant``, the claimant only
    (unless the rule already says so)."""
    if tells != "claimant" or "is_claimant" in rules.facts_used(rule):
        return rule
    return {"and": [rule, CLAIMANT]}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class ActiveProgram(msgspec.Struct, frozen=True):
    id: int
    municipality: int
    slug: str
    version: int
    rule: dict[str, Any]
    title: dict[str, str]
    summary: dict[str, str]
    action: dict[str, str]
    delivery: str
    procedure_slug: str
    tells: str
    channels: list[str]
    fallback_days: int | None
    letter_basis: str

    def telling_rule(self) -> dict[str, Any]:
        return telling_rule(self.rule, self.tells)

    def letters(self) -> bool:
        return "letter" in self.channels and bool(self.letter_basis.strip())


# The rule a programme row runs: a national template's current rule, else the row's own
# (benefits/templates.py). Every SELECT of a rule from ``program`` (unaliased) uses it.
RULE_SQL = (
    "COALESCE((SELECT ptv.rule FROM program_template pt JOIN program_template_version ptv "
    "ON ptv.template = pt.id AND ptv.version = pt.current_version "
    "WHERE pt.slug = program.template_slug AND pt.national), program.rule) AS rule"
)

_ACTIVE_COLUMNS = (
    f"id, municipality, slug, version, {RULE_SQL}, title, summary, action, delivery, "
    "procedure_slug, tells, "
    "channels, fallback_days, letter_basis"
)


async def active_program(sql: SqlSession, municipality_id: int, slug: str) -> ActiveProgram | None:
    return await sql.row(
        ActiveProgram,
        f"SELECT {_ACTIVE_COLUMNS} FROM program WHERE municipality = ? AND slug = ? "
        "AND status = 'active'",
        [municipality_id, slug],
    )


async def active_programs(sql: SqlSession, municipality_id: int) -> list[ActiveProgram]:
    return await sql.rows(
        ActiveProgram,
        f"SELECT {_ACTIVE_COLUMNS} FROM program WHERE municipality = ? AND status = 'active' "
        "ORDER BY slug",
        [municipality_id],
    )


# --- what each person gets ---------------------------------------------------------------


class _Row(msgspec.Struct, frozen=True):
    """A person's match with some version of the programme."""

    id: int
    person: int
    program: int
    notice: int | None
    notified_at: datetime | None
    opened_at: datetime | None
    granted_at: datetime | None
    not_told: str | None


class _Delivered(msgspec.Struct, frozen=True):
    person: int
    channel: str
    notice: int | None


class Reach(msgspec.Struct, frozen=True):
    """Who can be reached how, and what holds a person back: worked out for a set of
    persons in one go (a few queries per few hundred persons)."""

    rows: dict[int, list[_Row]]
    delivered: dict[int, dict[str, int | None]]  # person → channel → notice
    bound: dict[int, int]  # person → live resident account
    consented: dict[int, int]  # person → account that consented to matching
    emailed: set[int]  # accounts with a confirmed address that wants notices by email
    held: dict[int, str]  # person → held_pending | held_approved
    receiving: set[int]


async def reach(
    sql: SqlSession,
    municipality_id: int,
    program: ActiveProgram,
    persons: Sequence[int],
    *,
    untold: bool = False,
) -> Reach:
    """``untold``: the programme had no match in any version when this run began, and the
    run's slices hold different persons, so there are no earlier matches or deliveries to
    look up (a race with another worker is settled by the unique indexes)."""
    rows: dict[int, list[_Row]] = {}
    delivered: dict[int, dict[str, int | None]] = {}
    # Version by version, each lookup the whole key of the unique index (program, version,
    # person): a database without statistics yet for a table an activation is filling
    # otherwise reads the programme's every match for each slice of persons.
    versions = await sql.fetch(
        "SELECT id, version FROM program WHERE municipality = ? AND slug = ?",
        [municipality_id, program.slug],
    )
    for marks, args in sql.in_batches([] if untold else persons):
        for version_id, version in versions:
            for row in await sql.rows(
                _Row,
                "SELECT id, person, program, notice, notified_at, opened_at, granted_at, "
                "not_told FROM program_match WHERE program = ? AND version = ? "
                f"AND person {marks}",
                [version_id, version, *args],
            ):
                rows.setdefault(row.person, []).append(row)
        for done in await sql.rows(
            _Delivered,
            "SELECT person, channel, notice FROM program_delivery WHERE municipality = ? "
            f"AND slug = ? AND state <> 'cancelled' AND person {marks}",
            [municipality_id, program.slug, *args],
        ):
            delivered.setdefault(done.person, {})[done.channel] = done.notice
    # One query for both: the first live account of each person, and its first that
    # consented to matching (reversed, so the lowest id wins).
    accounts = list(reversed(await identity.resident_accounts(sql, persons, MATCHING)))
    bound = {a.person_id: a.account_id for a in accounts}
    consented = {a.person_id: a.account_id for a in accounts if a.consented}
    emailed = (
        await notices.email_reachable(sql, sorted(set(consented.values())))
        if "email" in program.channels and consented
        else set()
    )
    held: dict[int, str] = {}
    if program.procedure_slug:
        held = {
            h.person_id: f"held_{h.held}"
            for h in await procedures.held_applications(
                sql, municipality_id, program.procedure_slug, persons
            )
        }
    receiving = await registry.receiving_persons(sql, municipality_id, program.slug, persons)
    return Reach(rows, delivered, bound, consented, emailed, held, receiving)


def available_channels(
    program: ActiveProgram, reach: Reach, person: int, letter: bool = True
) -> list[str]:
    """The channels that could reach this person, in the programme's order (``letter``:
    False for a household member told as an adult of a matched household: the household's
    letter goes to the matched person only)."""
    account = reach.consented.get(person)
    found = []
    for channel in program.channels:
        if (
            (channel == "app" and account is not None)
            or (channel == "email" and account is not None and account in reach.emailed)
            or (channel == "letter" and letter and program.letters())
        ):
            found.append(channel)
    return found


def first_channels(program: ActiveProgram, available: list[str]) -> list[str]:
    """What a first telling uses: every digital channel at once, a letter only for those no
    digital channel reaches; with a fallback, only the first channel."""
    if not available:
        return []
    if program.fallback_days is not None:
        return available[:1]
    digital = [c for c in available if c in DIGITAL]
    return digital or available[:1]


class Plan(msgspec.Struct, frozen=True):
    person: int
    account: int | None
    channels: list[str]  # to deliver now
    not_told: str | None
    carried: _Row | None  # told of an earlier version: this version records that telling
    current: _Row | None  # this version's row, if any
    add_only: bool = False  # a further channel for a row already told: the row stays


def plan(
    program: ActiveProgram, reach: Reach, person: int, undecided: bool, letter: bool = True
) -> Plan | None:
    """What this person gets now; None when their row for this version is settled."""
    rows = reach.rows.get(person, [])
    current = next((r for r in rows if r.program == program.id), None)
    account = reach.bound.get(person)
    told = [r for r in rows if r.notified_at is not None]
    delivered = reach.delivered.get(person, {})
    if told or delivered:
        # Told before. Only someone a letter reached, who has since joined and consented,
        # hears again: in the app, once (a channel they never had).
        if delivered and not any(c in DIGITAL for c in delivered) and current is not None:
            joined = [c for c in available_channels(program, reach, person, letter) if c in DIGITAL]
            if joined and current.notified_at is not None:
                return Plan(person, account, joined, None, None, current, add_only=True)
        if current is not None:
            return None
        earliest = min(told, key=lambda r: r.program) if told else None
        return Plan(person, account, [], None, earliest, None)
    if undecided:
        reason: str | None = "cannot_tell"
    else:
        reason = reach.held.get(person) or ("receiving" if person in reach.receiving else None)
    channels: list[str] = []
    if reason is None:
        channels = first_channels(program, available_channels(program, reach, person, letter))
        if not channels:
            if account is None:
                reason = "no_account"
            elif person not in reach.consented:
                reason = "no_consent"
            else:
                reason = "no_channel"
    if current is not None and current.not_told == reason and not channels:
        return None  # nothing changed for them
    return Plan(person, account, channels, reason, None, current)


# --- matching and telling -------------------------------------------------------------------


async def told_persons(
    sql: SqlSession, program: ActiveProgram, matched: Sequence[int], on: date
) -> dict[int, int]:
    """Whom the matches tell, each mapped to the match it comes from: the matched persons
    themselves, or for an ``adults`` programme every adult of their households."""
    if program.tells != "adults":
        return {person: person for person in matched}
    return await registry.household_members(sql, matched, years_before(on, ADULT_AGE))


async def _matching_scope(
    sql: SqlSession, program: ActiveProgram, person_ids: list[int] | None
) -> list[int] | None:
    """The persons a targeted run matches over: for an ``adults`` programme, whole
    households (a member who consents is told through the head the rule matches)."""
    if person_ids is None or program.tells != "adults":
        return person_ids
    return sorted(await registry.household_members(sql, person_ids))


async def match_and_notify(
    municipality_id: int, slug: str, person_ids: list[int] | None = None
) -> int:
    """Match the active version of a programme (over the whole registry, or over
    ``person_ids``), record every match, and tell each matched person on the channels that
    reach them. Returns how many persons were told now (on any channel).

    The rule and the explanations are worked out in a read transaction (over a large
    registry that takes seconds, and SQLite's write lock would stop every other writer
    meanwhile); the writes follow 2,000 persons per transaction, each slice planned
    again under the lock (so each person hears once however many workers run)."""
    today = clock.today()
    async with read_transaction(bulk=True) as sql:
        program = await active_program(sql, municipality_id, slug)
        if program is None:
            return 0
        rule = program.telling_rule()
        scope = await _matching_scope(sql, program, person_ids)
        matched: list[int] = []
        async for batch in rules.match_persons(sql, municipality_id, rule, today, scope):
            matched.extend(batch)
        undecided: set[int] = set()
        async for batch in rules.undecided_persons(sql, municipality_id, rule, today, scope):
            undecided.update(batch)
        via = await told_persons(sql, program, matched, today)
        # A whole-registry run skips rows already told; a targeted one (a consent, a
        # registry change) looks at each, since a letter reader may have joined since.
        settled = (
            set() if person_ids is not None else await _settled(sql, program, [*via, *undecided])
        )
        candidates = sorted({*via, *undecided} - settled)
        members = {person for person, source in via.items() if person != source}
        untold = person_ids is None and not await _told_any(sql, program)
    told = 0
    for start in range(0, len(candidates), PERSONS_PER_TRANSACTION):
        chunk = candidates[start : start + PERSONS_PER_TRANSACTION]
        # The explanation goes into the notice, so it is worked out now for whoever may be
        # told in the app; for the rest (a letter, or nobody yet) it is worked out when it
        # is read (the letter printed, the list staff check), from the facts of that day.
        async with read_transaction(bulk=True) as sql:
            in_app = [
                a.person_id
                for a in await identity.consented_accounts(sql, chunk, MATCHING)
                if a.kind == "resident"
            ]
            # A household member is told why their household qualifies.
            sources = await explain_persons(
                sql, rule, sorted({via.get(p, p) for p in in_app}), today
            )
            reasons = {p: sources[via.get(p, p)] for p in in_app if via.get(p, p) in sources}
        told += await _tell(
            municipality_id, program, chunk, undecided, reasons, today, untold, members
        )
    return told


async def _told_any(sql: SqlSession, program: ActiveProgram) -> bool:
    """Whether any version of the programme has a match recorded (a first activation has
    none: its slices need not look up earlier matches)."""
    return (
        await sql.value(
            "SELECT 1 FROM program_match WHERE program IN "
            "(SELECT id FROM program WHERE municipality = (SELECT municipality FROM program "
            "WHERE id = ?) AND slug = ?) LIMIT 1",
            [program.id, program.slug],
        )
        is not None
    )


async def explain_persons(
    sql: SqlSession, rule: dict[str, Any], person_ids: Sequence[int], on: date
) -> dict[int, list[dict[str, Any]]]:
    """Why the rule decides as it does for each person (the Conditions, as stored in a
    match's ``explanation``), computing only the facts the rule reads."""
    if not person_ids:
        return {}
    parsed = rules.parse_rule(rule)
    used = rules.facts_used(rule)
    records = await load_persons(sql, person_ids)
    explained: dict[int, list[dict[str, Any]]] = {}
    for person_id, record in records.items():
        facts = {name: FACTS[name].compute(record, on) for name in used}
        explained[person_id] = [msgspec.to_builtins(c) for c in rules.explain(parsed, facts)]
    return explained


async def _settled(sql: SqlSession, program: ActiveProgram, persons: list[int]) -> set[int]:
    """Persons whose row for this version is already told (nothing more to work out)."""
    settled: set[int] = set()
    for marks, args in sql.in_batches(persons):
        for row in await sql.fetch(
            "SELECT person FROM program_match WHERE program = ? AND notified_at IS NOT NULL "
            f"AND person {marks}",
            [program.id, *args],
        ):
            settled.add(row[0])
    return settled


async def _tell(
    municipality_id: int,
    program: ActiveProgram,
    persons: list[int],
    undecided: set[int],
    reasons: dict[int, list[dict[str, Any]]],
    today: date,
    untold: bool = False,
    members: set[int] | frozenset[int] = frozenset(),
) -> int:
    """Plan and write one slice of persons in one write transaction: the match rows in one
    statement, the delivery rows in one more, then the notices of those told in the app."""
    async with write_transaction() as sql:
        if (
            await sql.value(
                "SELECT 1 FROM program WHERE id = ? AND status = 'active'", [program.id]
            )
            is None
        ):
            return 0
        seen = await reach(sql, municipality_id, program, persons, untold=untold)
        plans = [
            p
            for person in persons
            if (p := plan(program, seen, person, person in undecided, person not in members))
            is not None
        ]
        now = clock.now()
        match_ids = await _record(sql, program, plans, reasons, now, today)
        wanted = [
            (p.person, match_ids[p.person], p.channels)
            for p in plans
            if p.channels and p.person in match_ids
        ]
        claimed = await _claim(sql, municipality_id, program, wanted, None, now)
        await _write_notices(sql, municipality_id, program, claimed, seen, reasons, match_ids)
        return len(claimed)


def _values(rows: int, columns: int) -> str:
    one = "(" + ", ".join("?" * columns) + ")"
    return ", ".join([one] * rows)


_MATCH_COLUMNS = ("municipality", "program", "version", "person", "account", "explanation",
                  "matched_at", "notice", "notified_at", "opened_at", "granted_at", "evaluated_on",
                  "not_told")  # fmt: skip


async def _record(
    sql: SqlSession,
    program: ActiveProgram,
    plans: list[Plan],
    reasons: dict[int, list[dict[str, Any]]],
    now: datetime,
    today: date,
) -> dict[int, int]:
    """Write this version's row for each planned person; person → row id for the rows this
    transaction wrote or may deliver for (another worker's row is left alone)."""
    ids: dict[int, int] = {}
    fresh: list[list[Any]] = []
    for decided in plans:
        explained = reasons.get(decided.person)
        why = _dump(explained) if explained else "[]"
        told_at = now if decided.channels else None
        granted_at = now if decided.channels and program.delivery == "grant" else None
        if decided.add_only and decided.current is not None:
            ids[decided.person] = decided.current.id
        elif decided.carried is not None:
            earlier = decided.carried
            fresh.append([program.municipality, program.id, program.version, decided.person,
                          decided.account, why, now, earlier.notice, earlier.notified_at,
                          earlier.opened_at, earlier.granted_at, today, None])  # fmt: skip
        elif decided.current is not None:
            claimed = await sql.value(
                "UPDATE program_match SET account = ?, explanation = ?, notified_at = ?, "
                "granted_at = ?, not_told = ?, stopped_on = NULL, evaluated_on = ? "
                "WHERE id = ? AND notified_at IS NULL RETURNING id",
                [decided.account, why, told_at, granted_at, decided.not_told, today,
                 decided.current.id],
            )  # fmt: skip
            if claimed is not None:
                ids[decided.person] = claimed
        else:
            fresh.append([program.municipality, program.id, program.version, decided.person,
                          decided.account, why, now, None, told_at, None, granted_at, today,
                          decided.not_told])  # fmt: skip
    insert = (
        f"INSERT INTO program_match ({', '.join(_MATCH_COLUMNS)}) "
        "VALUES {values} ON CONFLICT (municipality, program, version, person) DO NOTHING"
    )
    if sql.postgres:
        # Workers write side by side: the rows this one wrote are the ones it returns.
        returned = await sql.insert_unnest(
            "program_match", _MATCH_COLUMNS, fresh,
            skip_conflicts_on="municipality, program, version, person", returning="person, id",
        )  # fmt: skip
        ids.update({person: match_id for person, match_id in returned})
    elif fresh:
        # SQLite's write transaction holds the only write lock, and the plan was made under
        # it: nothing conflicts. One prepared INSERT run per row is its fastest bulk insert.
        written = [values[3] for values in fresh]
        numbered = await _insert_numbered(
            sql, "program_match", insert.format(values=_values(1, 13)), fresh
        )
        if numbered is not None:
            ids.update(zip(written, numbered, strict=True))
            return ids
        for marks, args in sql.in_batches(written):
            rows = await sql.fetch(
                "SELECT person, id FROM program_match WHERE program = ? AND version = ? "
                f"AND person {marks}",
                [program.id, program.version, *args],
            )
            ids.update({person: match_id for person, match_id in rows})
    return ids


async def _insert_numbered(
    sql: SqlSession, table: str, insert: str, rows: list[list[Any]]
) -> range | None:
    """SQLite only: run a prepared INSERT per row and give the new rows' ids, in order,
    without reading them back. Under the write lock each new row takes the highest id plus
    one; when every row went in (nothing skipped by a conflict) the ids are the range after
    the highest id before. None when some row was skipped: read them back then."""
    before = await sql.value(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    await sql.executemany(insert, rows)
    after = await sql.value(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    if after - before != len(rows):
        return None
    return range(before + 1, after + 1)


class _Claimed(msgspec.Struct):
    """The deliveries this transaction claimed for one person: channel → delivery id."""

    person: int
    match: int
    channels: dict[str, int]
    notice: int | None = None


_DELIVERY_COLUMNS = ("municipality", "slug", "person", "match", "channel", "state", "notice",
                     "created_at", "sent_at")  # fmt: skip


async def _claim(
    sql: SqlSession,
    municipality_id: int,
    program: ActiveProgram,
    wanted: list[tuple[int, int, list[str]]],
    notice_id: int | None,
    now: datetime,
) -> dict[int, _Claimed]:
    """Insert a delivery row per person and channel in one statement; the unique index
    skips a channel already used for this programme and person. Returns what was claimed."""
    rows = [
        [municipality_id, program.slug, person, match_id, channel,
         "queued" if channel == "letter" else "sent", notice_id, now,
         None if channel == "letter" else now]
        for person, match_id, channels in wanted
        for channel in channels
    ]  # fmt: skip
    claimed: dict[int, _Claimed] = {}
    if not rows:
        return claimed
    matches = {person: match_id for person, match_id, _ in wanted}
    insert = (
        f"INSERT INTO program_delivery ({', '.join(_DELIVERY_COLUMNS)}) VALUES {{values}} "
        "ON CONFLICT (municipality, slug, person, channel) DO NOTHING"
    )
    found: list[tuple[int, str, int]] = []
    if sql.postgres:
        found = await sql.insert_unnest(
            "program_delivery", _DELIVERY_COLUMNS, rows,
            skip_conflicts_on="municipality, slug, person, channel",
            returning="person, channel, id",
        )  # fmt: skip
    else:
        # As in _record: under SQLite's one write lock nothing conflicts.
        numbered = await _insert_numbered(
            sql, "program_delivery", insert.format(values=_values(1, 9)), rows
        )
        wanted_pairs = [(person, channel) for person, _, channels in wanted for channel in channels]
        if numbered is not None:
            found = [
                (person, channel, delivery_id)
                for (person, channel), delivery_id in zip(wanted_pairs, numbered, strict=True)
            ]
        asked = set(wanted_pairs)
        for marks, args in sql.in_batches(matches) if numbered is None else ():
            found += [
                (person, channel, delivery_id)
                for person, channel, delivery_id in await sql.fetch(
                    "SELECT person, channel, id FROM program_delivery WHERE municipality = ? "
                    f"AND slug = ? AND person {marks}",
                    [municipality_id, program.slug, *args],
                )
                if (person, channel) in asked
            ]
    for person, channel, delivery_id in found:
        entry = claimed.setdefault(person, _Claimed(person, matches[person], {}, notice_id))
        entry.channels[channel] = delivery_id
    return claimed


async def _write_notices(
    sql: SqlSession,
    municipality_id: int,
    program: ActiveProgram,
    claimed: dict[int, _Claimed],
    seen: Reach,
    reasons: dict[int, list[dict[str, Any]]],
    match_ids: dict[int, int],
) -> None:
    """The inbox notice (with its push, and its email when that channel was claimed) for
    each person claimed in the app; a later email announces the notice already written."""
    delivery_notices: list[tuple[int, int]] = []
    match_notices: list[tuple[int, int]] = []
    in_app = {
        account: entry
        for entry in claimed.values()
        if "app" in entry.channels and (account := seen.consented.get(entry.person)) is not None
    }
    if in_app:
        written = await write_notices(
            sql,
            municipality_id=municipality_id,
            kind="support.granted" if program.delivery == "grant" else "support.matched",
            link=f"/support#{program.slug}",
            thread=program.slug,
            notices=[
                NewNotice(
                    account_id=account,
                    title=notice_title(program.title, program.delivery),
                    body=notice_body(
                        program.summary, program.action, reasons.get(entry.person, [])
                    ),
                    email="email" in entry.channels,
                )
                for account, entry in in_app.items()
            ],
        )
        for account, entry in in_app.items():
            entry.notice = written[account]
            match_notices.append((entry.notice, match_ids[entry.person]))
    for entry in claimed.values():
        if "app" not in entry.channels and "email" in entry.channels and entry.notice:
            await notices.queue_email(sql, entry.notice)
        if entry.notice is not None:
            delivery_notices += [(entry.notice, entry.channels[c]) for c in DIGITAL
                                 if c in entry.channels]  # fmt: skip
    if match_notices:
        await sql.executemany("UPDATE program_match SET notice = ? WHERE id = ?", match_notices)
    if delivery_notices:
        await sql.executemany(
            "UPDATE program_delivery SET notice = ? WHERE id = ?", delivery_notices
        )


def notice_title(title: dict[str, str], delivery: str) -> dict[str, str]:
    if delivery == "grant":
        return {
            "ja": f"{title['ja']}を支給します",
            "easy": f"{title['easy']}を もらえます",
            "en": f"You will receive: {title['en']}",
        }
    return {
        "ja": f"受けられる支援があります：{title['ja']}",
        "easy": f"もらえる しえんが あります：{title['easy']}",
        "en": f"Support for you: {title['en']}",
    }


def notice_body(
    summary: dict[str, str], action: dict[str, str], why: list[dict[str, Any]]
) -> dict[str, str]:
    body = {}
    for language in ("ja", "easy", "en"):
        reasons = "".join(f"\n・{c['sentence'][language]}" for c in why[:3])
        body[language] = f"{summary[language]}{reasons}\n{action[language]}"
    return body


# --- the fallback: the next channel for whoever has not opened ------------------------------


async def fallback_pass(municipality_id: int) -> int:
    """For each active programme with ``fallback_days``, send the next channel to every
    person told at least that many days ago on their latest channel who has not opened
    the notice. Returns how many deliveries were added."""
    now = clock.now()
    async with read_transaction() as sql:
        programs = [p for p in await active_programs(sql, municipality_id) if p.fallback_days]
    added = 0
    for program in programs:
        assert program.fallback_days is not None
        cutoff = now - timedelta(days=program.fallback_days)
        async with read_transaction() as sql:
            due = [
                row[0]
                for row in await sql.fetch(
                    "SELECT person FROM program_delivery WHERE municipality = ? AND slug = ? "
                    "AND state <> 'cancelled' GROUP BY person HAVING MAX(created_at) <= ? "
                    "AND COUNT(*) < ?",
                    [municipality_id, program.slug, cutoff, len(program.channels)],
                )
            ]
        for start in range(0, len(due), PERSONS_PER_TRANSACTION):
            added += await _fall_back(
                municipality_id, program, due[start : start + PERSONS_PER_TRANSACTION], now
            )
    return added


async def _fall_back(
    municipality_id: int, program: ActiveProgram, persons: list[int], now: datetime
) -> int:
    async with write_transaction() as sql:
        seen = await reach(sql, municipality_id, program, persons)
        sent = {n for channels in seen.delivered.values() for n in channels.values() if n}
        opened = await notices.read_notice_ids(sql, sent)
        lettered = await _letter_persons(sql, municipality_id, program, persons, clock.today())
        wanted: dict[int | None, list[tuple[int, int, list[str]]]] = {}
        for person in persons:
            rows = seen.rows.get(person, [])
            current = next((r for r in rows if r.program == program.id), None)
            delivered = seen.delivered.get(person, {})
            if current is None or any(r.opened_at for r in rows):
                continue
            if any(n in opened for n in delivered.values() if n is not None):
                continue
            if seen.held.get(person) or person in seen.receiving:
                continue
            following = next(
                (
                    c
                    for c in available_channels(program, seen, person, person in lettered)
                    if c not in delivered
                ),
                None,
            )
            if following is not None:
                notice_id = next((n for n in delivered.values() if n is not None), None)
                wanted.setdefault(notice_id, []).append((person, current.id, [following]))
        added = 0
        for notice_id, items in wanted.items():
            claimed = await _claim(sql, municipality_id, program, items, notice_id, now)
            match_ids = {person: match_id for person, match_id, _ in items}
            await _write_notices(sql, municipality_id, program, claimed, seen, {}, match_ids)
            added += len(claimed)
        return added


async def _letter_persons(
    sql: SqlSession, municipality_id: int, program: ActiveProgram, persons: list[int], on: date
) -> set[int]:
    """Who of ``persons`` may be sent a letter: all, except for an ``adults`` programme,
    where the household's letter goes only to the person the rule matches."""
    if program.tells != "adults":
        return set(persons)
    found: set[int] = set()
    async for batch in rules.match_persons(
        sql, municipality_id, program.telling_rule(), on, persons
    ):
        found.update(batch)
    return found


# --- the calendar: a daily pass over every active programme --------------------------------


async def calendar_pass(municipality_id: int, force: bool = False) -> int:
    """Once a day (Japan time): match every active programme over the whole registry, so
    eligibility that starts by the calendar (an age, a 31 March) is told that day, and mark
    the matches of persons who no longer qualify (``stopped_on``) for staff to see. Runs
    the fallback pass too. Returns how many persons were newly told."""
    today = clock.today()
    if not force:
        # A look first: most rounds find today's pass done, and a look takes no write lock.
        async with read_transaction() as sql:
            ran_on = await sql.value(
                "SELECT calendar_on FROM matching_cursor WHERE municipality = ?",
                [municipality_id],
            )
        if ran_on is not None and _as_date(ran_on) >= today:
            return 0
    async with write_transaction() as sql:
        lock = " FOR UPDATE" if sql.postgres else ""
        ran_on = await sql.value(
            "SELECT calendar_on FROM matching_cursor WHERE municipality = ?" + lock,
            [municipality_id],
        )
        if (
            ran_on is None
            and await sql.value(
                "SELECT 1 FROM matching_cursor WHERE municipality = ?", [municipality_id]
            )
            is None
        ):
            await sql.execute(
                "INSERT INTO matching_cursor (municipality, last_change, updated_at, "
                "calendar_on) VALUES (?, 0, ?, NULL)",
                [municipality_id, clock.now()],
            )
        if not force and ran_on is not None and _as_date(ran_on) >= today:
            return 0
        # Claimed for today before the work: a second worker does not run it again; a
        # crash part-way leaves the rest to the registry re-evaluation and tomorrow.
        await sql.execute(
            "UPDATE matching_cursor SET calendar_on = ? WHERE municipality = ?",
            [today, municipality_id],
        )
        programs = await active_programs(sql, municipality_id)
    told = 0
    for program in programs:
        told += await match_and_notify(municipality_id, program.slug)
        await _mark_stopped(municipality_id, program, today)
    await fallback_pass(municipality_id)
    return told


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


async def _mark_stopped(municipality_id: int, program: ActiveProgram, today: date) -> None:
    rule = program.telling_rule()
    async with read_transaction() as sql:
        matched: list[int] = []
        async for batch in rules.match_persons(sql, municipality_id, rule, today):
            matched.extend(batch)
        qualifying = set(await told_persons(sql, program, matched, today))
        async for batch in rules.undecided_persons(sql, municipality_id, rule, today):
            qualifying.update(batch)
        recorded = {
            row[0]: row[1]
            for row in await sql.fetch(
                "SELECT person, stopped_on FROM program_match WHERE program = ?", [program.id]
            )
        }
    stopped = sorted(p for p, on in recorded.items() if on is None and p not in qualifying)
    again = sorted(p for p, on in recorded.items() if on is not None and p in qualifying)
    async with write_transaction() as sql:
        for marks, args in sql.in_batches(stopped):
            await sql.execute(
                f"UPDATE program_match SET stopped_on = ? WHERE program = ? AND person {marks}",
                [today, program.id, *args],
            )
        for marks, args in sql.in_batches(again):
            await sql.execute(
                f"UPDATE program_match SET stopped_on = NULL WHERE program = ? AND person {marks}",
                [program.id, *args],
            )


# --- registry changes and consent ------------------------------------------------------------


async def set_cursor(sql: SqlSession, municipality_id: int, change_id: int) -> None:
    held = await sql.value(
        "SELECT last_change FROM matching_cursor WHERE municipality = ?", [municipality_id]
    )
    if held is not None:
        await sql.execute(
            "UPDATE matching_cursor SET last_change = ?, updated_at = ? WHERE municipality = ? "
            "AND last_change < ?",
            [change_id, clock.now(), municipality_id, change_id],
        )
    else:
        await sql.execute(
            "INSERT INTO matching_cursor (municipality, last_change, updated_at) VALUES (?, ?, ?)",
            [municipality_id, change_id, clock.now()],
        )


async def reevaluate(municipality_id: int, limit: int = 5000) -> int:
    """Read registry changes since the cursor; re-match the active programs over the
    households they touched (a child's birth changes the parent's household facts).
    Returns how many residents were newly told. Safe to run from any number of workers:
    the cursor row is locked while a slice is taken."""
    async with read_transaction() as sql:
        # A look first: most rounds find nothing new, and a look takes no write lock.
        seen = await sql.value(
            "SELECT last_change FROM matching_cursor WHERE municipality = ?", [municipality_id]
        )
        if not await registry.changes_after(sql, municipality_id, seen or 0, 1):
            return 0
    async with write_transaction() as sql:
        lock = " FOR UPDATE" if sql.postgres else ""
        start = await sql.value(
            "SELECT last_change FROM matching_cursor WHERE municipality = ?" + lock,
            [municipality_id],
        )
        changes = await registry.changes_after(sql, municipality_id, start or 0, limit)
        if not changes:
            return 0
        persons = await registry.persons_touched(
            sql,
            municipality_id,
            [c.person_registry_id for c in changes],
            [c.household_registry_id for c in changes if c.household_registry_id],
        )
        await set_cursor(sql, municipality_id, changes[-1].id)
        active = [p.slug for p in await active_programs(sql, municipality_id)]
    told = 0
    for slug in active:
        told += await match_and_notify(municipality_id, slug, sorted(persons))
    return told


async def reevaluate_all() -> int:
    told = 0
    for municipality_id in await registry.municipality_ids():
        with tenancy.scoped_to(municipality_id):  # each pass checked like a request
            told += await reevaluate(municipality_id)
    return told


async def daily_all() -> int:
    told = 0
    for municipality_id in await registry.municipality_ids():
        with tenancy.scoped_to(municipality_id):
            told += await calendar_pass(municipality_id)
    return told


async def match_on_consent(principal: Principal) -> int:
    """A resident who turns matching on is checked against every active program at once."""
    if principal.person_id is None:
        return 0
    async with read_transaction() as sql:
        active = [p.slug for p in await active_programs(sql, principal.municipality_id)]
    return sum(
        [
            await match_and_notify(principal.municipality_id, slug, [principal.person_id])
            for slug in active
        ]
    )


async def tell_on_consent(principal: Principal, purpose: str) -> None:
    """identity's consent listener (wired in ``create_app``): once a resident's consent to
    matching is written, every active programme they match tells them, within the same
    request. (identity cannot import benefits; the app hands it this function.)"""
    if purpose == MATCHING and not principal.is_staff:
        await match_on_consent(principal)
