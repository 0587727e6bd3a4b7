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
services check only what depends on the data: the program's department (for saving,
submitting, approving, closing and the names to check; a refusal names the department).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from typing import Any

import msgspec

from todoke import clock, published
from todoke.audit import service as audit
from todoke.benefits import rules, telling, templates
from todoke.benefits.facts import FACTS, Fact, compute_facts, load_persons
from todoke.benefits.schemas import (
    ApprovalRequest,
    CheckResult,
    FactCatalogue,
    FactChoice,
    FactUnit,
    FactValue,
    PersonsToCheck,
    PersonToCheck,
    PreviewExample,
    ProgramApproved,
    ProgramDraft,
    ProgramFigures,
    ProgramPreview,
    ProgramRead,
    PublicProgram,
    Question,
    Reason,
    RuleCount,
    SupportItem,
)
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.notices import public as notices
from todoke.principal import Principal
from todoke.procedures import public as procedures
from todoke.registry import protection
from todoke.registry import public as registry

DELIVERY = ("inform", "invite", "grant")
AGE_BANDS = ((0, 17, "0–17"), (18, 39, "18–39"), (40, 64, "40–64"), (65, 200, "65+"))
TELLS = telling.TELLS
MATCHING = telling.MATCHING

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


def _check_rule(rule: Any) -> None:
    """The rule's faults as a 422 naming the ``rule`` field, one message per fault."""
    problems = rules.validate_rule(rule)
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


# Names under /api/staff/programs/ that are routes of their own, not programmes.
RESERVED_SLUGS = ("facts", "rule-count")


def _check_draft(draft: ProgramDraft) -> None:
    _check_rule(draft.rule)
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
    if draft.slug in RESERVED_SLUGS:
        raise InvalidInput(
            Text(f"「{draft.slug}」は識別名に使えません。", f"slug: {draft.slug!r} is reserved")
        )
    for name in ("title", "summary", "action"):
        _localized(getattr(draft, name), name)
    if draft.tells not in TELLS:
        raise InvalidInput(
            Text("通知する相手が正しくありません。", "tells: person, claimant or adults")
        )
    if (
        not draft.channels
        or len(set(draft.channels)) != len(draft.channels)
        or any(c not in telling.CHANNELS for c in draft.channels)
        or ("email" in draft.channels and "app" not in draft.channels)
    ):
        raise InvalidInput(
            Text(
                "届ける手段は app・email・letter から選んでください（email は app と一緒に）。",
                "channels: app, email, letter, each once (email only with app)",
            )
        )
    if draft.fallback_days is not None and not 1 <= draft.fallback_days <= 365:
        raise InvalidInput(Text("次の手段までの日数は1〜365日です。", "fallback_days: 1 to 365"))


class _Version(msgspec.Struct, frozen=True):
    id: int
    version: int
    status: str
    template_slug: str
    template_version: int | None


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
        await registry.require_department(principal, department_id, sql)
        if draft.procedure_slug and not await procedures.procedure_exists(
            sql, principal.municipality_id, draft.procedure_slug
        ):
            raise InvalidInput(Text("手続きが見つかりません。", "Unknown procedure_slug."))
        latest = await sql.row(
            _Version,
            "SELECT id, version, status, template_slug, template_version FROM program "
            "WHERE municipality = ? AND slug = ? ORDER BY version DESC LIMIT 1",
            [principal.municipality_id, draft.slug],
        )
        # A templated programme changes only what its template allows (a national one:
        # never its rule or amounts); the municipality's own stays fully editable.
        adoption = await templates.draft_adoption(
            sql,
            principal.municipality_id,
            latest.template_slug if latest is not None else "",
            latest.template_version if latest is not None else None,
            draft,
        )
        values = [
            department_id,
            _dump(_localized(draft.title, "title")),
            _dump(_localized(draft.summary, "summary")),
            _dump(_localized(draft.action, "action")),
            adoption.rule_column,
            draft.delivery,
            draft.procedure_slug,
            draft.tells,
            _dump(draft.channels),
            draft.fallback_days,
            adoption.template_slug,
            adoption.template_version,
            adoption.local_changes,
        ]
        if latest is not None and latest.status in ("draft", "pending"):
            await sql.execute(
                "UPDATE program SET department = ?, title = ?, summary = ?, action = ?, rule = ?, "
                "delivery = ?, procedure_slug = ?, tells = ?, channels = ?, fallback_days = ?, "
                "template_slug = ?, template_version = ?, local_changes = ?, status = 'draft', "
                "submitted_by = NULL, updated_at = ? WHERE id = ?",
                [*values, now, latest.id],
            )
        else:
            version = latest.version + 1 if latest is not None else 1
            await sql.execute(
                "INSERT INTO program (municipality, slug, version, department, status, title, "
                "summary, action, rule, delivery, procedure_slug, tells, channels, "
                "fallback_days, template_slug, template_version, local_changes, created_by, "
                "created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [principal.municipality_id, draft.slug, version, *values,
                 principal.account_id, now, now],
            )  # fmt: skip
    return await get_program(principal, draft.slug)


class _Program(msgspec.Struct, frozen=True, kw_only=True):
    """A program version as stored (the department by id)."""

    id: int
    municipality: int
    slug: str
    version: int
    status: str
    title: dict[str, str]
    summary: dict[str, str]
    action: dict[str, str]
    rule: dict[str, Any]
    delivery: str
    procedure_slug: str
    tells: str
    channels: list[str]
    fallback_days: int | None
    letter_basis: str
    department_id: int
    created_by: int | None
    submitted_by: int | None
    approved_by: int | None
    activated_at: datetime | None
    closed_at: datetime | None


_PROGRAM_COLUMNS = (
    f"id, municipality, slug, version, status, title, summary, action, {telling.RULE_SQL}, "
    "delivery, "
    "procedure_slug, tells, channels, fallback_days, letter_basis, department AS department_id, "
    "created_by, submitted_by, approved_by, activated_at, closed_at"
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
    stopped: int


class _Reason(msgspec.Struct, frozen=True):
    not_told: str
    persons: int


class _ByChannel(msgspec.Struct, frozen=True):
    channel: str
    state: str
    persons: int


class _Matched(msgspec.Struct, frozen=True):
    person: int
    matched_at: datetime
    notice: int | None
    opened_at: datetime | None


async def _figures(sql: SqlSession, municipality_id: int, program: _Program) -> ProgramFigures:
    """The version's funnel: matched → told (per channel) → opened → applied → granted,
    and why the rest were not told."""
    counts = await sql.row(
        _Counts,
        "SELECT COUNT(*) AS matched, COUNT(notified_at) AS notified, "
        "COUNT(granted_at) AS granted, COUNT(stopped_on) AS stopped FROM program_match "
        "WHERE program = ? AND (not_told IS NULL OR not_told <> 'cannot_tell')",
        [program.id],
    )
    assert counts is not None  # an aggregate always gives a row
    reasons = {
        r.not_told: r.persons
        for r in await sql.rows(
            _Reason,
            "SELECT not_told, COUNT(*) AS persons FROM program_match WHERE program = ? "
            "AND notified_at IS NULL AND not_told IS NOT NULL GROUP BY not_told",
            [program.id],
        )
    }
    cannot_tell = reasons.pop("cannot_tell", 0)
    by_channel: dict[str, int] = {}
    queued = 0
    for row in await sql.rows(
        _ByChannel,
        "SELECT d.channel AS channel, d.state AS state, COUNT(*) AS persons "
        "FROM program_delivery d JOIN program_match m ON m.person = d.person "
        "AND m.program = ? WHERE d.municipality = ? AND d.slug = ? AND d.state <> 'cancelled' "
        "GROUP BY d.channel, d.state",
        [program.id, municipality_id, program.slug],
    ):
        by_channel[row.channel] = by_channel.get(row.channel, 0) + row.persons
        if row.channel == "letter" and row.state == "queued":
            queued += row.persons
    matches = await sql.rows(
        _Matched,
        "SELECT person, matched_at, notice, opened_at FROM program_match WHERE program = ? "
        "AND notified_at IS NOT NULL",
        [program.id],
    )
    # Opened: the notice telling them was opened in the inbox (never by merely reading a
    # page: a GET writes nothing), or the code on their letter was redeemed since the match.
    read = await notices.read_notice_ids(sql, [m.notice for m in matches if m.notice])
    redeemed = await identity.outreach_codes_used(
        sql, [m.person for m in matches if m.opened_at is None and m.notice not in read]
    )
    opened = sum(
        1
        for m in matches
        if m.opened_at is not None
        or m.notice in read
        or redeemed.get(m.person, m.matched_at) > m.matched_at
    )
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
        cannot_tell=cannot_tell,
        by_channel={c: by_channel.get(c, 0) for c in telling.CHANNELS},
        letters_queued=queued,
        not_told=reasons,
        stopped=counts.stopped,
    )


async def _read(sql: SqlSession, municipality_id: int, slug: str) -> ProgramRead:
    program = await _latest(sql, municipality_id, slug)
    codes = {d.id: d.code for d in await registry.departments(municipality_id, sql)}
    actors = [program.created_by, program.submitted_by, program.approved_by]
    names = await identity.display_names({a for a in actors if a is not None}, sql)
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
        tells=program.tells,
        channels=program.channels,
        fallback_days=program.fallback_days,
        letter_basis=program.letter_basis,
        department=codes[program.department_id],
        created_by=program.created_by,
        submitted_by=program.submitted_by,
        approved_by=program.approved_by,
        created_by_name=names.get(program.created_by) if program.created_by else None,
        submitted_by_name=names.get(program.submitted_by) if program.submitted_by else None,
        approved_by_name=names.get(program.approved_by) if program.approved_by else None,
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


# --- the rule builder ---------------------------------------------------------------------


def _kind(fact: Fact) -> str:
    if fact.type == "string":
        return "choice" if fact.choices else "text"
    return fact.type


def fact_catalogue() -> FactCatalogue:
    """The facts a rule may name, as staff pick them for a condition (catalogue order)."""
    items = []
    for fact in FACTS.values():
        unit = fact.unit
        items.append(
            FactChoice(
                name=fact.name,
                label={"ja": fact.label.ja, "en": fact.label.en},
                kind=_kind(fact),
                unit=(
                    FactUnit(code=unit.code, label={"ja": unit.word.ja, "en": unit.word.en})
                    if unit is not None and fact.type == "number"
                    else None
                ),
                values=[
                    FactValue(
                        value=value,
                        label={"ja": fact.value_texts(value).ja, "en": fact.value_texts(value).en},
                    )
                    for value in fact.choices
                ],
                minimum=fact.minimum,
                maximum=fact.maximum,
                nullable=fact.nullable,
            )
        )
    return FactCatalogue(items=items)


async def count_rule(principal: Principal, rule: Any) -> RuleCount:
    """How many residents of the staff member's municipality the rule matches today and how
    many it cannot decide, checked exactly as saving a programme checks it. Counts only."""
    _check_rule(rule)
    today = clock.today()
    matched = undecided = 0
    # Over the whole registry: a long read, kept off the event loop's inline reader.
    async with read_transaction(bulk=True) as sql:
        async for batch in rules.match_persons(sql, principal.municipality_id, rule, today):
            matched += len(batch)
        async for batch in rules.undecided_persons(sql, principal.municipality_id, rule, today):
            undecided += len(batch)
    return RuleCount(matched=matched, undecided=undecided, evaluated_on=today)


# --- preview, approval, activation ---------------------------------------------------------


async def preview(principal: Principal, slug: str) -> ProgramPreview:
    """How many residents the rule matches today, by district and age band, and what
    approving would do now (the forecast: told in the app, by email, by letter if the
    approver records a basis; not told, and why), with a few examples for staff of the
    program's own department (audited)."""
    today = clock.today()
    async with read_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        candidate = _as_active(program)
        rule = candidate.telling_rule()
        matched: list[int] = []
        async for batch in rules.match_persons(sql, principal.municipality_id, rule, today):
            matched.extend(batch)
        undecided: list[int] = []
        async for batch in rules.undecided_persons(sql, principal.municipality_id, rule, today):
            undecided.extend(batch)
        forecast, told = await _forecast(
            sql, principal.municipality_id, candidate, matched, undecided
        )
        persons = {p.id: p for p in await registry.person_summaries(sql, matched)}
        # A person under DV・ストーカー等支援措置 counts without a district: a district of one
        # would say where they live.
        hidden = await protection.protected_persons(principal.municipality_id, sql)
        districts = Counter(
            "—" if i in hidden else persons[i].district or "—" for i in matched if i in persons
        )
        bands = Counter(_band(persons[i].birth_date, today) for i in matched if i in persons)
        examples: list[PreviewExample] = []
        if principal.in_department(program.department_id):
            # Examples of whom approving would tell (else of the matches): what staff check.
            shown = (told or matched)[:5]
            explained = await load_persons(sql, shown)
            for person_id in shown:
                person = persons[person_id]
                facts = compute_facts(explained[person_id], today)
                examples.append(
                    PreviewExample(
                        registry_id=person.registry_id,
                        name=f"{person.family_name} {person.given_name}",
                        why=[c.sentence.ja for c in rules.explain(rule, facts)],
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
        reachable=forecast.get("app", 0),
        forecast=forecast,
        by_district=dict(districts.most_common()),
        by_age_band={label: bands.get(label, 0) for _, _, label in AGE_BANDS},
        examples=examples,
        evaluated_on=today,
    )


def _as_active(
    program: _Program, letter_basis: str = "(to be recorded at approval)"
) -> telling.ActiveProgram:
    """A version as telling would see it once approved (a basis for letters assumed, so
    the forecast can say how many letters it would take)."""
    return telling.ActiveProgram(
        id=program.id,
        municipality=program.municipality,
        slug=program.slug,
        version=program.version,
        rule=program.rule,
        title=program.title,
        summary=program.summary,
        action=program.action,
        delivery=program.delivery,
        procedure_slug=program.procedure_slug,
        tells=program.tells,
        channels=program.channels,
        fallback_days=program.fallback_days,
        letter_basis=program.letter_basis or letter_basis,
    )


async def _forecast(
    sql: SqlSession,
    municipality_id: int,
    program: telling.ActiveProgram,
    matched: list[int],
    undecided: list[int],
) -> tuple[dict[str, int], list[int]]:
    """What approving would do for each person now, counted: each channel, ``told_before``
    (an earlier version told them), and each reason for not telling; and who would be told
    (in id order)."""
    forecast: Counter[str] = Counter()
    told: list[int] = []
    via = await telling.told_persons(sql, program, matched, clock.today())
    members = {person for person, source in via.items() if person != source}
    everyone = sorted({*via, *undecided})
    unknown = set(undecided)
    for start in range(0, len(everyone), telling.PERSONS_PER_TRANSACTION):
        chunk = everyone[start : start + telling.PERSONS_PER_TRANSACTION]
        seen = await telling.reach(sql, municipality_id, program, chunk)
        for person in chunk:
            decided = telling.plan(program, seen, person, person in unknown, person not in members)
            if decided is None or decided.carried is not None or decided.add_only:
                forecast["told_before"] += 1
            elif decided.channels:
                forecast.update(decided.channels)
                told.append(person)
            elif decided.not_told:
                forecast[decided.not_told] += 1
    keys = ("app", "email", "letter", "told_before", "cannot_tell", "held_pending",
            "held_approved", "receiving", "no_account", "no_consent", "no_channel")  # fmt: skip
    return {key: forecast.get(key, 0) for key in keys}, told


class _ToCheck(msgspec.Struct, frozen=True):
    person: int
    explanation: list[dict[str, Any]]
    evaluated_on: date
    stopped_on: date | None


async def persons_to_check(principal: Principal, slug: str, kind: str) -> PersonsToCheck:
    """The current version's matches staff check by hand: ``cannot_tell`` (the rule needs a
    fact the registry lacks for them: ask them, 所得の申告) or ``stopped`` (no longer
    qualify). Names are personal data: the programme's department only, audited."""
    async with read_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        await registry.require_department(principal, program.department_id, sql)
        where = "not_told = 'cannot_tell'" if kind == "cannot_tell" else "stopped_on IS NOT NULL"
        total = await sql.value(
            f"SELECT COUNT(*) FROM program_match WHERE program = ? AND {where}", [program.id]
        )
        rows = await sql.rows(
            _ToCheck,
            "SELECT person, explanation, evaluated_on, stopped_on FROM program_match "
            f"WHERE program = ? AND {where} ORDER BY person LIMIT 200",
            [program.id],
        )
        persons = {p.id: p for p in await registry.person_summaries(sql, [r.person for r in rows])}
        # Why, as of today (which fact is missing, what changed): matches nobody was told
        # keep no explanation of their own.
        why = await telling.explain_persons(
            sql, _as_active(program).telling_rule(), [r.person for r in rows], clock.today()
        )
    items = [
        PersonToCheck(
            registry_id=persons[r.person].registry_id,
            name=f"{persons[r.person].family_name} {persons[r.person].given_name}",
            why=[c["sentence"]["ja"] for c in why.get(r.person) or r.explanation],
            since=r.stopped_on or r.evaluated_on,
        )
        for r in rows
        if r.person in persons
    ]
    if items:
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="program.persons_checked",
            purpose="program_preview",
            detail={"program": slug, "kind": kind, "persons": [i.registry_id for i in items]},
        )
    return PersonsToCheck(slug=slug, kind=kind, total=total or 0, items=items)


def _band(born: date | None, today: date) -> str:
    if born is None:
        return "—"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


async def submit(principal: Principal, slug: str) -> ProgramRead:
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        await registry.require_department(principal, program.department_id, sql)
        if program.status != "draft":
            raise Conflict(Text("下書きではありません。", "Only a draft can be submitted."))
        await sql.execute(
            "UPDATE program SET status = 'pending', submitted_by = ?, updated_at = ? WHERE id = ?",
            [principal.account_id, clock.now(), program.id],
        )
    return await get_program(principal, slug)


async def approve(
    principal: Principal, slug: str, request: ApprovalRequest | None = None
) -> ProgramApproved:
    """A second staff member approves: the program becomes active (closing the version it
    replaces), the registry is matched and every match told on the channels that reach
    them. Letters go only where the approver recorded their legal basis."""
    basis = (request.letter_basis if request is not None else "").strip()
    if len(basis) > 500:
        raise InvalidInput(
            Text("法的根拠は500文字以内です。", "letter_basis: 500 characters at most")
        )
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
        await registry.require_department(principal, program.department_id, sql)
        now = clock.now()
        await sql.execute(
            "UPDATE program SET status = 'closed', closed_at = ? WHERE municipality = ? "
            "AND slug = ? AND status = 'active'",
            [now, principal.municipality_id, slug],
        )
        await sql.execute(
            "UPDATE program SET status = 'active', approved_by = ?, activated_at = ?, "
            "updated_at = ?, letter_basis = ? WHERE id = ?",
            [principal.account_id, now, now, basis, program.id],
        )
        await published.changed(sql)
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="program.approved",
            purpose="administration",
            detail={"program": slug, "version": program.version, "letter_basis": basis},
            sql=sql,
        )
        # Changes logged before activation are already reflected in this full match.
        await telling.set_cursor(
            sql,
            principal.municipality_id,
            await registry.last_change_id(sql, principal.municipality_id),
        )
    told = await telling.match_and_notify(principal.municipality_id, slug)
    approved = await get_program(principal, slug)
    return ProgramApproved(**msgspec.structs.asdict(approved), told=told)


async def close(principal: Principal, slug: str) -> ProgramRead:
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        await registry.require_department(principal, program.department_id, sql)
        if program.status != "active":
            raise Conflict(Text("実施中ではありません。", "Only an active program closes."))
        await sql.execute(
            "UPDATE program SET status = 'closed', closed_at = ? WHERE id = ?",
            [clock.now(), program.id],
        )
        await published.changed(sql)
    return await get_program(principal, slug)


# --- what a resident was told ----------------------------------------------------------------


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
    """The active programmes' public parts, kept in memory until the next approval or
    closing."""
    found = await published.kept(
        "programs", municipality_id, lambda: _load_active_programs(municipality_id)
    )
    return found.value


async def _load_active_programs(municipality_id: int) -> list[_Public]:
    async with read_transaction() as sql:
        return await sql.rows(
            _Public,
            f"SELECT slug, title, summary, {telling.RULE_SQL}, delivery, procedure_slug "
            "FROM program "
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


async def public_programs(municipality_id: int) -> published.Kept[list[PublicProgram]]:
    """Active programs and the questions (facts) their rules use, for the anonymous check
    (kept in memory, with its ETag, until the next approval or closing)."""

    async def load() -> list[PublicProgram]:
        return [_public(program) for program in await _active_programs(municipality_id)]

    return await published.kept("public-programs", municipality_id, load)


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
