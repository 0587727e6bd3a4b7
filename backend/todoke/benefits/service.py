"""Proactive support: programs as data, matching over the registry, and telling those who
qualify — once per person and programme (a new version tells only the newly matched), only
with their consent to matching, and never while they have an application for the
programme's procedure pending or approved.

Lifecycle: a staff member drafts a program and previews it (how many match, by district and
age band); a *second* staff member (supervisor or administrator) approves it, which
activates it: the registry is matched and notices written. Afterwards registry changes
re-evaluate only the households they touch (``reevaluate``), so a newly qualifying person
is told once; a resident who consents to matching later is matched at that write
(``tell_on_consent``). Reading what a resident was told (``support_for``) writes nothing.

Who may draft, preview, approve or close is declared on the routes (staff/designer); the
services check only what depends on the data: the program's department.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.benefits import rules
from todoke.benefits.facts import FACTS, compute_facts, load_persons
from todoke.benefits.schemas import (
    CheckResult,
    PreviewExample,
    ProgramApproved,
    ProgramDraft,
    ProgramFigures,
    ProgramPreview,
    ProgramRead,
    PublicProgram,
    Question,
    Reason,
    SupportItem,
)
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.notices import public as notices
from todoke.notices.service import write_notice
from todoke.principal import NOT_ALLOWED, Principal
from todoke.procedures import public as procedures
from todoke.registry import public as registry

DELIVERY = ("inform", "invite", "grant")
AGE_BANDS = ((0, 17, "0–17"), (18, 39, "18–39"), (40, 64, "40–64"), (65, 200, "65+"))
MATCHING = "matching"  # the consent purpose that lets the municipality tell a resident
# Persons whose accounts and earlier matches are read per query while matching.
PERSONS_PER_QUERY = 500

_NOT_FOUND = NotFound(Text("支援制度が見つかりません。", "There is no such program."))


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _localized(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(k), str) or not value[k].strip() or len(value[k]) > 500
        for k in ("ja", "easy", "en")
    ):
        raise InvalidInput(
            Text(f"{name}を3つの言語で入力してください。", f"{name}: ja, easy and en needed."),
            errors=[
                FieldError(
                    field=name,
                    label=Text(name, name),
                    message=Text("ja・easy・en が必要です", "ja, easy and en are required"),
                )
            ],
        )
    return {k: value[k].strip() for k in ("ja", "easy", "en")}


# --- drafting ------------------------------------------------------------------------------


def _check_draft(draft: ProgramDraft) -> None:
    problems = rules.validate_rule(draft.rule)
    if problems:
        raise InvalidInput(
            Text("条件の書き方に誤りがあります。", "The eligibility rule is invalid."),
            errors=[
                FieldError(
                    field="rule",
                    label=Text("対象となる条件", "eligibility rule"),
                    message=Text(p, p),
                )
                for p in problems
            ],
        )
    if draft.delivery not in DELIVERY:
        raise InvalidInput(Text("届け方が正しくありません。", "delivery: inform, invite or grant"))
    if draft.delivery == "invite" and not draft.procedure_slug:
        raise InvalidInput(
            Text("申請を案内するには手続きを指定してください。", "invite needs a procedure_slug")
        )
    if (
        not draft.slug
        or len(draft.slug) > 64
        or not all(c.isascii() and (c.isalnum() or c == "-") for c in draft.slug)
    ):
        raise InvalidInput(Text("識別名は英数字とハイフンです。", "slug: letters, digits, '-'"))
    for name in ("title", "summary", "action"):
        _localized(getattr(draft, name), name)


class _Version(msgspec.Struct, frozen=True):
    id: int
    version: int
    status: str


async def save_draft(principal: Principal, draft: ProgramDraft) -> ProgramRead:
    """Create a program, or edit its draft; an active or closed program gets a new draft
    version (the active one keeps running until the new one is approved)."""
    _check_draft(draft)
    now = clock.now()
    async with write_transaction() as sql:
        codes = {d.code: d.id for d in await registry.departments(principal.municipality_id, sql)}
        department_id = codes.get(draft.department)
        if department_id is None:
            raise InvalidInput(Text("部署が見つかりません。", "Unknown department."))
        if not principal.in_department(department_id):
            raise Forbidden(NOT_ALLOWED)
        if draft.procedure_slug and not await procedures.procedure_exists(
            sql, principal.municipality_id, draft.procedure_slug
        ):
            raise InvalidInput(Text("手続きが見つかりません。", "Unknown procedure_slug."))
        latest = await sql.row(
            _Version,
            "SELECT id, version, status FROM program WHERE municipality = ? AND slug = ? "
            "ORDER BY version DESC LIMIT 1",
            [principal.municipality_id, draft.slug],
        )
        values = [
            department_id,
            _dump(_localized(draft.title, "title")),
            _dump(_localized(draft.summary, "summary")),
            _dump(_localized(draft.action, "action")),
            _dump(draft.rule),
            draft.delivery,
            draft.procedure_slug,
        ]
        if latest is not None and latest.status in ("draft", "pending"):
            await sql.execute(
                "UPDATE program SET department = ?, title = ?, summary = ?, action = ?, rule = ?, "
                "delivery = ?, procedure_slug = ?, status = 'draft', submitted_by = NULL, "
                "updated_at = ? WHERE id = ?",
                [*values, now, latest.id],
            )
        else:
            version = latest.version + 1 if latest is not None else 1
            await sql.execute(
                "INSERT INTO program (municipality, slug, version, department, status, title, "
                "summary, action, rule, delivery, procedure_slug, created_by, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [principal.municipality_id, draft.slug, version, *values,
                 principal.account_id, now, now],
            )  # fmt: skip
    return await get_program(principal, draft.slug)


class _Program(msgspec.Struct, frozen=True, kw_only=True):
    """A program version as stored (the department by id)."""

    id: int
    slug: str
    version: int
    status: str
    title: dict[str, str]
    summary: dict[str, str]
    action: dict[str, str]
    rule: dict[str, Any]
    delivery: str
    procedure_slug: str
    department_id: int
    created_by: int | None
    submitted_by: int | None
    approved_by: int | None
    activated_at: datetime | None
    closed_at: datetime | None


_PROGRAM_COLUMNS = (
    "id, slug, version, status, title, summary, action, rule, delivery, procedure_slug, "
    "department AS department_id, created_by, submitted_by, approved_by, activated_at, "
    "closed_at"
)


async def _latest(sql: SqlSession, municipality_id: int, slug: str) -> _Program:
    program = await sql.row(
        _Program,
        f"SELECT {_PROGRAM_COLUMNS} FROM program "
        "WHERE municipality = ? AND slug = ? ORDER BY version DESC LIMIT 1",
        [municipality_id, slug],
    )
    if program is None:
        raise _NOT_FOUND
    return program


class _Counts(msgspec.Struct, frozen=True):
    matched: int
    notified: int
    granted: int


class _Matched(msgspec.Struct, frozen=True):
    person: int
    matched_at: datetime
    notice: int | None
    opened_at: datetime | None


class _Held(msgspec.Struct, frozen=True):
    suppressed: str
    persons: int


async def _figures(sql: SqlSession, municipality_id: int, program: _Program) -> ProgramFigures:
    counts = await sql.row(
        _Counts,
        "SELECT COUNT(*) AS matched, COUNT(notified_at) AS notified, "
        "COUNT(granted_at) AS granted FROM program_match WHERE program = ?",
        [program.id],
    )
    assert counts is not None  # an aggregate always gives a row
    held = await sql.rows(
        _Held,
        "SELECT suppressed, COUNT(*) AS persons FROM program_match WHERE program = ? "
        "AND notified_at IS NULL AND suppressed IS NOT NULL GROUP BY suppressed",
        [program.id],
    )
    matches = await sql.rows(
        _Matched,
        "SELECT person, matched_at, notice, opened_at FROM program_match WHERE program = ?",
        [program.id],
    )
    # Opened: the notice telling them was opened in the inbox (never by merely reading a
    # page: a GET writes nothing).
    read = await notices.read_notice_ids(sql, [m.notice for m in matches if m.notice])
    opened = sum(1 for m in matches if m.opened_at is not None or m.notice in read)
    # Applied: the matched person filed the program's procedure after being told.
    applied = 0
    if program.procedure_slug and matches:
        filed = {
            f.person_id: f.submitted_at
            for f in await procedures.latest_filings(
                sql, municipality_id, program.procedure_slug, [m.person for m in matches]
            )
        }
        applied = sum(1 for m in matches if m.person in filed and filed[m.person] >= m.matched_at)
    return ProgramFigures(
        matched=counts.matched,
        notified=counts.notified,
        opened=opened,
        applied=applied,
        granted=counts.granted,
        delivery_rate=(
            round((applied + counts.granted) / counts.matched, 3) if counts.matched else None
        ),
        suppressed={h.suppressed: h.persons for h in held},
    )


async def _read(sql: SqlSession, municipality_id: int, slug: str) -> ProgramRead:
    program = await _latest(sql, municipality_id, slug)
    codes = {d.id: d.code for d in await registry.departments(municipality_id, sql)}
    return ProgramRead(
        id=program.id,
        slug=program.slug,
        version=program.version,
        status=program.status,
        title=program.title,
        summary=program.summary,
        action=program.action,
        rule=program.rule,
        delivery=program.delivery,
        procedure_slug=program.procedure_slug,
        department=codes[program.department_id],
        created_by=program.created_by,
        submitted_by=program.submitted_by,
        approved_by=program.approved_by,
        activated_at=program.activated_at,
        closed_at=program.closed_at,
        figures=await _figures(sql, municipality_id, program),
    )


async def get_program(principal: Principal, slug: str) -> ProgramRead:
    async with read_transaction() as sql:
        return await _read(sql, principal.municipality_id, slug)


class _Slug(msgspec.Struct, frozen=True):
    slug: str


async def list_programs(principal: Principal) -> list[ProgramRead]:
    async with read_transaction() as sql:
        slugs = await sql.rows(
            _Slug,
            "SELECT DISTINCT slug FROM program WHERE municipality = ? ORDER BY slug",
            [principal.municipality_id],
        )
        return [await _read(sql, principal.municipality_id, s.slug) for s in slugs]


# --- preview, approval, activation ---------------------------------------------------------


async def preview(principal: Principal, slug: str) -> ProgramPreview:
    """How many residents the rule matches today (and how many of them can be told: a
    verified account with consent to matching), by district and age band, with a few
    examples for staff of the program's own department (audited)."""
    today = clock.today()
    async with read_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        matched: list[int] = []
        async for batch in rules.match_persons(sql, principal.municipality_id, program.rule,
                                               today):  # fmt: skip
            matched.extend(batch)
        persons = {p.id: p for p in await registry.person_summaries(sql, matched)}
        consented = await identity.consented_accounts(sql, matched, MATCHING)
        districts = Counter(persons[i].district or "—" for i in matched if i in persons)
        bands = Counter(_band(persons[i].birth_date, today) for i in matched if i in persons)
        reachable = len({a.person_id for a in consented})
        examples: list[PreviewExample] = []
        if principal.in_department(program.department_id):
            explained = await load_persons(sql, matched[:5])
            for person_id in matched[:5]:
                person = persons[person_id]
                facts = compute_facts(explained[person_id], today)
                examples.append(
                    PreviewExample(
                        registry_id=person.registry_id,
                        name=f"{person.family_name} {person.given_name}",
                        why=[c.sentence.ja for c in rules.explain(program.rule, facts)],
                    )
                )
    if examples:
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="program.previewed",
            purpose="program_preview",
            detail={"program": slug, "examples": [e.registry_id for e in examples]},
        )
    return ProgramPreview(
        slug=slug,
        version=program.version,
        matched=len(matched),
        reachable=reachable,
        by_district=dict(districts.most_common()),
        by_age_band={label: bands.get(label, 0) for _, _, label in AGE_BANDS},
        examples=examples,
        evaluated_on=today,
    )


def _band(born: date | None, today: date) -> str:
    if born is None:
        return "—"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


async def submit(principal: Principal, slug: str) -> ProgramRead:
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        if program.status != "draft":
            raise Conflict(Text("下書きではありません。", "Only a draft can be submitted."))
        await sql.execute(
            "UPDATE program SET status = 'pending', submitted_by = ?, updated_at = ? WHERE id = ?",
            [principal.account_id, clock.now(), program.id],
        )
    return await get_program(principal, slug)


async def approve(principal: Principal, slug: str) -> ProgramApproved:
    """A second staff member approves: the program becomes active (closing the version it
    replaces), the registry is matched and every reachable match is told."""
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        if program.status != "pending":
            raise Conflict(
                Text("承認待ちではありません。", "Only a submitted program can be approved.")
            )
        if principal.account_id in (program.created_by, program.submitted_by):
            raise Forbidden(
                Text(
                    "作成・申請した本人は承認できません。別の職員が承認してください。",
                    "A second staff member must approve: not the one who drafted or submitted.",
                )
            )
        if not principal.in_department(program.department_id):
            raise Forbidden(NOT_ALLOWED)
        now = clock.now()
        await sql.execute(
            "UPDATE program SET status = 'closed', closed_at = ? WHERE municipality = ? "
            "AND slug = ? AND status = 'active'",
            [now, principal.municipality_id, slug],
        )
        await sql.execute(
            "UPDATE program SET status = 'active', approved_by = ?, activated_at = ?, "
            "updated_at = ? WHERE id = ?",
            [principal.account_id, now, now, program.id],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="program.approved",
            purpose="administration",
            detail={"program": slug, "version": program.version},
            sql=sql,
        )
        # Changes logged before activation are already reflected in this full match.
        await _set_cursor(
            sql,
            principal.municipality_id,
            await registry.last_change_id(sql, principal.municipality_id),
        )
    told = await match_and_notify(principal.municipality_id, slug)
    approved = await get_program(principal, slug)
    return ProgramApproved(**msgspec.structs.asdict(approved), told=told)


async def close(principal: Principal, slug: str) -> ProgramRead:
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        if program.status != "active":
            raise Conflict(Text("実施中ではありません。", "Only an active program closes."))
        await sql.execute(
            "UPDATE program SET status = 'closed', closed_at = ? WHERE id = ?",
            [clock.now(), program.id],
        )
    return await get_program(principal, slug)


# --- matching and telling ----------------------------------------------------------------------


class _Active(msgspec.Struct, frozen=True):
    id: int
    version: int
    rule: dict[str, Any]
    title: dict[str, str]
    summary: dict[str, str]
    action: dict[str, str]
    delivery: str
    procedure_slug: str


class _Telling(msgspec.Struct, frozen=True):
    """A person's match with some version of the programme, as far as telling goes."""

    person: int
    program: int
    notice: int | None
    notified_at: datetime | None
    opened_at: datetime | None
    granted_at: datetime | None
    suppressed: str | None


class _Triage(msgspec.Struct):
    """What to do for each reachable person the rule matches (person → account, and whether
    the person already has a row for this version). Persons told of any version of the
    programme are not told again: their telling is carried over into this version's row."""

    tell: dict[int, tuple[int, bool]] = msgspec.field(default_factory=dict)
    hold: dict[int, tuple[int, bool, str]] = msgspec.field(default_factory=dict)
    carry: dict[int, tuple[int, _Telling]] = msgspec.field(default_factory=dict)

    def persons(self) -> list[int]:
        return sorted({*self.tell, *self.hold, *self.carry})


async def _triage(
    sql: SqlSession, municipality_id: int, slug: str, program: _Active, person_ids: list[int]
) -> _Triage:
    """Of these matched persons, the reachable ones (a live resident account that consented
    to matching) sorted into: to tell (never told of this programme, in any version, and
    nothing held), to hold back (an application for the programme's procedure is pending or
    approved: recorded with the reason, told later if it is rejected or withdrawn), and to
    carry over (told of an earlier version; this version records that telling)."""
    triage = _Triage()
    for start in range(0, len(person_ids), PERSONS_PER_QUERY):
        chunk = person_ids[start : start + PERSONS_PER_QUERY]
        accounts = {
            a.person_id: a.account_id
            for a in await identity.consented_accounts(sql, chunk, MATCHING)
            if a.kind == "resident"
        }
        if not accounts:
            continue
        marks, args = sql.in_list(list(accounts))
        tellings: dict[int, list[_Telling]] = {}
        for row in await sql.rows(
            _Telling,
            "SELECT m.person AS person, m.program AS program, m.notice AS notice, "
            "m.notified_at AS notified_at, m.opened_at AS opened_at, "
            "m.granted_at AS granted_at, m.suppressed AS suppressed "
            "FROM program_match m JOIN program p ON p.id = m.program "
            f"WHERE p.municipality = ? AND p.slug = ? AND m.person {marks}",
            [municipality_id, slug, *args],
        ):
            tellings.setdefault(row.person, []).append(row)
        told: dict[int, _Telling] = {}
        for person, rows in tellings.items():
            earlier = [r for r in rows if r.notified_at is not None]
            if earlier:
                told[person] = min(earlier, key=lambda r: r.program)  # the first version's
        held: dict[int, str] = {}
        if program.procedure_slug:
            held = {
                h.person_id: f"held_{h.held}"
                for h in await procedures.held_applications(
                    sql,
                    municipality_id,
                    program.procedure_slug,
                    [p for p in accounts if p not in told],
                )
            }
        for person, account in accounts.items():
            current = next((r for r in tellings.get(person, []) if r.program == program.id), None)
            if person in told:
                if current is None:
                    triage.carry[person] = (account, told[person])
            elif person in held:
                if current is None or current.suppressed != held[person]:
                    triage.hold[person] = (account, current is not None, held[person])
            else:
                triage.tell[person] = (account, current is not None)
    return triage


async def match_and_notify(
    municipality_id: int, slug: str, person_ids: list[int] | None = None
) -> int:
    """Match the active version of a program (over the whole registry, or over
    ``person_ids``), record the matches and tell each matched, reachable resident who was
    never told of this programme. Returns how many were told.

    Once per programme, not per version: a new version with the same rule tells nobody
    again, and tells only persons newly matched. Nobody is told while an application for
    the programme's procedure is pending or approved: the match is recorded as suppressed,
    with the reason, and told by a later evaluation if the application is rejected or
    withdrawn.

    The match and the explanations are worked out in a read transaction (over a large
    registry that takes seconds, and SQLite's write lock would stop every other writer
    meanwhile); the write transaction after it sorts the persons again (the unique index on
    program, version and person, and the claim on an untold row, back this up), so each
    person hears once however many workers run."""
    today = clock.today()
    async with read_transaction() as sql:
        program = await sql.row(
            _Active,
            "SELECT id, version, rule, title, summary, action, delivery, procedure_slug "
            "FROM program WHERE municipality = ? AND slug = ? AND status = 'active'",
            [municipality_id, slug],
        )
        if program is None:
            return 0
        found: list[int] = []
        async for batch in rules.match_persons(sql, municipality_id, program.rule, today,
                                               person_ids):  # fmt: skip
            found.extend(batch)
        candidates = (await _triage(sql, municipality_id, slug, program, found)).persons()
        if not candidates:
            return 0
        records = await load_persons(sql, candidates)
        reasons = {
            person_id: [
                msgspec.to_builtins(c)
                for c in rules.explain(program.rule, compute_facts(record, today))
            ]
            for person_id, record in records.items()
        }
    told = 0
    kind = "support.granted" if program.delivery == "grant" else "support.matched"
    title = _notice_title(program.title, program.delivery)
    async with write_transaction() as sql:
        still_active = await sql.value(
            "SELECT 1 FROM program WHERE id = ? AND status = 'active'", [program.id]
        )
        if still_active is None:
            return 0
        triage = await _triage(sql, municipality_id, slug, program, sorted(reasons))
        now = clock.now()
        for person_id, (account_id, recorded) in triage.tell.items():
            why = reasons[person_id]
            granted_at = now if program.delivery == "grant" else None
            claimed = None
            if recorded:
                claimed = await sql.value(
                    "UPDATE program_match SET account = ?, explanation = ?, notified_at = ?, "
                    "granted_at = ?, suppressed = NULL, evaluated_on = ? WHERE program = ? "
                    "AND version = ? AND person = ? AND notified_at IS NULL RETURNING id",
                    [account_id, _dump(why), now, granted_at, today, program.id,
                     program.version, person_id],
                )  # fmt: skip
                if claimed is None:  # another worker told them meanwhile
                    continue
            notice_id = await write_notice(
                sql,
                municipality_id=municipality_id,
                account_id=account_id,
                kind=kind,
                title=title,
                body=_notice_body(program.summary, program.action, why),
                link=f"/support#{slug}",
                thread=slug,
            )
            if recorded:
                await sql.execute(
                    "UPDATE program_match SET notice = ? WHERE id = ?", [notice_id, claimed]
                )
            else:
                await sql.execute(
                    "INSERT INTO program_match (program, version, person, account, explanation, "
                    "matched_at, notice, notified_at, granted_at, evaluated_on) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [program.id, program.version, person_id, account_id, _dump(why), now,
                     notice_id, now, granted_at, today],
                )  # fmt: skip
            told += 1
        for person_id, (account_id, recorded, reason) in triage.hold.items():
            if recorded:
                await sql.execute(
                    "UPDATE program_match SET account = ?, explanation = ?, suppressed = ?, "
                    "evaluated_on = ? WHERE program = ? AND version = ? AND person = ? "
                    "AND notified_at IS NULL",
                    [account_id, _dump(reasons[person_id]), reason, today, program.id,
                     program.version, person_id],
                )  # fmt: skip
            else:
                await sql.execute(
                    "INSERT INTO program_match (program, version, person, account, explanation, "
                    "matched_at, evaluated_on, suppressed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [program.id, program.version, person_id, account_id,
                     _dump(reasons[person_id]), now, today, reason],
                )  # fmt: skip
        for person_id, (account_id, earlier) in triage.carry.items():
            await sql.execute(
                "INSERT INTO program_match (program, version, person, account, explanation, "
                "matched_at, notice, notified_at, opened_at, granted_at, evaluated_on) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [program.id, program.version, person_id, account_id, _dump(reasons[person_id]),
                 now, earlier.notice, earlier.notified_at, earlier.opened_at, earlier.granted_at,
                 today],
            )  # fmt: skip
    return told


def _notice_title(title: dict[str, str], delivery: str) -> dict[str, str]:
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


def _notice_body(
    summary: dict[str, str], action: dict[str, str], why: list[dict[str, Any]]
) -> dict[str, str]:
    body = {}
    for language in ("ja", "easy", "en"):
        reasons = "".join(f"\n・{c['sentence'][language]}" for c in why[:3])
        body[language] = f"{summary[language]}{reasons}\n{action[language]}"
    return body


async def _set_cursor(sql: SqlSession, municipality_id: int, change_id: int) -> None:
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


async def _active_slugs(sql: SqlSession, municipality_id: int) -> list[str]:
    found = await sql.rows(
        _Slug,
        "SELECT slug FROM program WHERE municipality = ? AND status = 'active' ORDER BY slug",
        [municipality_id],
    )
    return [s.slug for s in found]


async def reevaluate(municipality_id: int, limit: int = 5000) -> int:
    """Read registry changes since the cursor; re-match the active programs over the
    households they touched (a child's birth changes the parent's household facts).
    Returns how many residents were newly told. Safe to run from any number of workers:
    the cursor row is locked while a slice is taken."""
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
        await _set_cursor(sql, municipality_id, changes[-1].id)
        active = await _active_slugs(sql, municipality_id)
    told = 0
    for slug in active:
        told += await match_and_notify(municipality_id, slug, sorted(persons))
    return told


async def reevaluate_all() -> int:
    return sum([await reevaluate(m) for m in await registry.municipality_ids()])


async def match_on_consent(principal: Principal) -> int:
    """A resident who turns matching on is checked against every active program at once."""
    if principal.person_id is None:
        return 0
    async with read_transaction() as sql:
        active = await _active_slugs(sql, principal.municipality_id)
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


# --- what residents see ------------------------------------------------------------------------


class _Support(msgspec.Struct, frozen=True):
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    action: dict[str, str]
    delivery: str
    procedure_slug: str
    explanation: list[dict[str, Any]]
    matched_at: datetime
    granted_at: datetime | None


async def support_for(principal: Principal) -> list[SupportItem]:
    """Each active program this resident was told of: why, and the one thing to do. A read:
    matching happens when consent is given or the registry changes, never here, and the
    figures' "opened" comes from the notice opened in the inbox."""
    if principal.is_staff or principal.person_id is None:
        return []
    async with read_transaction() as sql:
        if not await identity.has_consent(principal.account_id, MATCHING, sql):
            return []
        rows = await sql.rows(
            _Support,
            "SELECT p.slug AS slug, p.title AS title, p.summary AS summary, "
            "p.action AS action, p.delivery AS delivery, p.procedure_slug AS procedure_slug, "
            "m.explanation AS explanation, m.matched_at AS matched_at, "
            "m.granted_at AS granted_at FROM program_match m "
            "JOIN program p ON p.id = m.program AND p.version = m.version "
            "WHERE m.person = ? AND p.status = 'active' AND m.notified_at IS NOT NULL "
            "ORDER BY m.matched_at DESC",
            [principal.person_id],
        )
    return [
        SupportItem(
            slug=r.slug,
            title=r.title,
            summary=r.summary,
            action=r.action,
            delivery=r.delivery,
            apply_url=(
                f"/procedures/{r.procedure_slug}/apply"
                if r.delivery == "invite" and r.procedure_slug
                else None
            ),
            why=[
                Reason(sentence=c["sentence"], held=c["held"] != c["negated"])
                for c in r.explanation
            ],
            matched_at=r.matched_at,
            granted=r.granted_at is not None,
        )
        for r in rows
    ]


# --- the anonymous check ----------------------------------------------------------------------


class _Public(msgspec.Struct, frozen=True):
    slug: str
    title: dict[str, str]
    summary: dict[str, str]
    rule: dict[str, Any]
    delivery: str
    procedure_slug: str


async def _active_programs(municipality_id: int) -> list[_Public]:
    async with read_transaction() as sql:
        return await sql.rows(
            _Public,
            "SELECT slug, title, summary, rule, delivery, procedure_slug FROM program "
            "WHERE municipality = ? AND status = 'active' ORDER BY slug",
            [municipality_id],
        )


def _public(program: _Public) -> PublicProgram:
    return PublicProgram(
        slug=program.slug,
        title=program.title,
        summary=program.summary,
        delivery=program.delivery,
        procedure_slug=program.procedure_slug or None,
        questions=[_question(name) for name in rules.facts_used(program.rule)],
    )


async def public_programs(municipality_id: int) -> list[PublicProgram]:
    """Active programs and the questions (facts) their rules use, for the anonymous check."""
    return [_public(program) for program in await _active_programs(municipality_id)]


def _question(name: str) -> Question:
    fact = FACTS[name]
    return Question(
        fact=name,
        type=fact.type,
        label={"ja": fact.label.ja, "easy": fact.label.easy, "en": fact.label.en},
    )


async def anonymous_check(municipality_id: int, answers: dict[str, Any]) -> list[CheckResult]:
    """The same rules over facts a visitor states; nothing is stored. A program whose rule
    needs a fact the visitor left out says so instead of guessing."""
    unknown = [name for name in answers if name not in FACTS]
    if unknown or len(answers) > len(FACTS):
        raise InvalidInput(
            Text("質問にない項目があります。", f"Unknown facts: {', '.join(unknown[:5])}")
        )
    for name, value in answers.items():
        expected = FACTS[name].type
        ok = value is None or (
            (expected == "number" and isinstance(value, int) and not isinstance(value, bool))
            or (expected == "boolean" and isinstance(value, bool))
            or (expected in ("string", "date") and isinstance(value, str) and len(value) < 100)
        )
        if not ok:
            raise InvalidInput(
                Text("回答の形式が正しくありません。", f"{name} must be a {expected}"),
                errors=[
                    FieldError(
                        field=name,
                        label=Text(FACTS[name].label.ja, FACTS[name].label.en),
                        message=Text("形式が正しくありません", f"must be a {expected}"),
                    )
                ],
            )
    results = []
    for stored in await _active_programs(municipality_id):
        program = _public(stored)
        missing = [q.fact for q in program.questions if q.fact not in answers]
        # Decided by what was answered? (ひとり親: いいえ already rules 児童扶養手当 out.)
        eligible = _decide(rules.parse_rule(stored.rule), answers)
        why = (
            [
                Reason(sentence=msgspec.to_builtins(c.sentence), held=c.supports)
                for c in rules.explain(stored.rule, answers)
                if c.fact in answers
            ]
            if eligible is not None
            else []
        )
        if eligible is not None:
            missing = []
        results.append(
            CheckResult(
                slug=program.slug,
                title=program.title,
                eligible=eligible,
                missing=missing,
                why=why,
                procedure_slug=program.procedure_slug,
            )
        )
    return results


def _decide(node: rules.Node, answers: dict[str, Any]) -> bool | None:
    """Three-valued evaluation: True or False when the answers given decide the rule
    whatever the unanswered facts are, None when they do not."""
    if isinstance(node, rules.Test):
        if node.fact.name not in answers:
            return None
        return rules._holds(node, answers[node.fact.name])  # the evaluator's own test
    if isinstance(node, rules.Not):
        inner = _decide(node.child, answers)
        return None if inner is None else not inner
    results = [_decide(child, answers) for child in node.children]
    if isinstance(node, rules.AllOf):
        if False in results:
            return False
        return True if all(r is True for r in results) else None
    if True in results:
        return True
    return False if all(r is False for r in results) else None
