"""Proactive support: programs as data, matching over the registry, and telling those who
qualify — once per person and program version, only with their consent to matching.

Lifecycle: a staff member drafts a program and previews it (how many match, by district and
age band); a *second* staff member (supervisor or administrator) approves it, which
activates it: the registry is matched and notices written. Afterwards registry changes
re-evaluate only the households they touch (``reevaluate``), so a newly qualifying person
is told once.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from todoke.audit import service as audit
from todoke.benefits import rules
from todoke.benefits.facts import FACTS
from todoke.db import SqlSession, write_transaction
from todoke.db import aware as _aware
from todoke.db import json_value as _load
from todoke.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.notices.service import write_notice
from todoke.principal import Principal

JST = ZoneInfo("Asia/Tokyo")
DELIVERY = ("inform", "invite", "grant")
DRAFTING_ROLES = {"caseworker", "supervisor", "administrator"}
APPROVING_ROLES = {"supervisor", "administrator"}
AGE_BANDS = ((0, 17, "0–17"), (18, 39, "18–39"), (40, 64, "40–64"), (65, 200, "65+"))

_NOT_FOUND = NotFound(Text("支援制度が見つかりません。", "There is no such program."))
_DENIED = Forbidden(Text("この操作の権限がありません。", "You are not allowed to do this."))


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return datetime.now(JST).date()


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _require(principal: Principal, roles: set[str]) -> None:
    if not principal.is_staff or principal.staff_role not in roles:
        raise _DENIED


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


class ProgramDraft(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    slug: str
    department: str
    title: dict[str, str]
    summary: dict[str, str]
    action: dict[str, str]
    rule: dict[str, Any]
    delivery: str
    procedure_slug: str = ""


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


async def save_draft(principal: Principal, draft: ProgramDraft) -> dict[str, Any]:
    """Create a program, or edit its draft; an active or closed program gets a new draft
    version (the active one keeps running until the new one is approved)."""
    _require(principal, DRAFTING_ROLES)
    _check_draft(draft)
    now = _now()
    async with write_transaction() as sql:
        department = await sql.fetch(
            "SELECT id FROM department WHERE municipality = ? AND code = ?",
            [principal.municipality_id, draft.department],
        )
        if not department:
            raise InvalidInput(Text("部署が見つかりません。", "Unknown department."))
        if principal.staff_role != "administrator" and department[0][0] not in (
            principal.departments
        ):
            raise _DENIED
        if draft.procedure_slug:
            found = await sql.fetch(
                "SELECT 1 FROM procedure WHERE municipality = ? AND slug = ?",
                [principal.municipality_id, draft.procedure_slug],
            )
            if not found:
                raise InvalidInput(Text("手続きが見つかりません。", "Unknown procedure_slug."))
        latest = await sql.fetch(
            "SELECT id, version, status FROM program WHERE municipality = ? AND slug = ? "
            "ORDER BY version DESC LIMIT 1",
            [principal.municipality_id, draft.slug],
        )
        values = [
            department[0][0],
            _dump(_localized(draft.title, "title")),
            _dump(_localized(draft.summary, "summary")),
            _dump(_localized(draft.action, "action")),
            _dump(draft.rule),
            draft.delivery,
            draft.procedure_slug,
        ]
        if latest and latest[0][2] in ("draft", "pending"):
            await sql.execute(
                "UPDATE program SET department = ?, title = ?, summary = ?, action = ?, rule = ?, "
                "delivery = ?, procedure_slug = ?, status = 'draft', submitted_by = NULL, "
                "updated_at = ? WHERE id = ?",
                [*values, now, latest[0][0]],
            )
        else:
            version = latest[0][1] + 1 if latest else 1
            await sql.execute(
                "INSERT INTO program (municipality, slug, version, department, status, title, "
                "summary, action, rule, delivery, procedure_slug, created_by, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [principal.municipality_id, draft.slug, version, *values,
                 principal.account_id, now, now],
            )  # fmt: skip
    return await get_program(principal, draft.slug)


async def _latest(sql: SqlSession, municipality_id: int, slug: str) -> dict[str, Any]:
    rows = await sql.fetch(
        "SELECT p.id, p.slug, p.version, p.status, p.title, p.summary, p.action, p.rule, "
        "p.delivery, p.procedure_slug, d.code, p.department, p.created_by, p.submitted_by, "
        "p.approved_by, p.activated_at, p.closed_at FROM program p "
        "JOIN department d ON d.id = p.department "
        "WHERE p.municipality = ? AND p.slug = ? ORDER BY p.version DESC LIMIT 1",
        [municipality_id, slug],
    )
    if not rows:
        raise _NOT_FOUND
    r = rows[0]
    return {
        "id": r[0],
        "slug": r[1],
        "version": r[2],
        "status": r[3],
        "title": _load(r[4]),
        "summary": _load(r[5]),
        "action": _load(r[6]),
        "rule": _load(r[7]),
        "delivery": r[8],
        "procedure_slug": r[9],
        "department": r[10],
        "department_id": r[11],
        "created_by": r[12],
        "submitted_by": r[13],
        "approved_by": r[14],
        "activated_at": _aware(r[15]),
        "closed_at": _aware(r[16]),
    }


async def get_program(principal: Principal, slug: str) -> dict[str, Any]:
    _require(principal, DRAFTING_ROLES | {"support"})
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        # Applied: the matched person filed the program's procedure after being told.
        counts = await sql.fetch(
            "SELECT COUNT(*), COUNT(m.notified_at), COUNT(m.opened_at), "
            "COUNT(CASE WHEN EXISTS (SELECT 1 FROM application a JOIN procedure pr "
            "ON pr.id = a.procedure WHERE a.person = m.person AND pr.slug = ? "
            "AND a.submitted_at >= m.matched_at) THEN 1 END), COUNT(m.granted_at) "
            "FROM program_match m WHERE m.program = ?",
            [program["procedure_slug"], program["id"]],
        )
    matched, notified, opened, applied, granted = counts[0]
    program["figures"] = {
        "matched": matched,
        "notified": notified,
        "opened": opened,
        "applied": applied,
        "granted": granted,
        "delivery_rate": round((applied + granted) / matched, 3) if matched else None,
    }
    program.pop("department_id")
    return program


async def list_programs(principal: Principal) -> list[dict[str, Any]]:
    _require(principal, DRAFTING_ROLES | {"support"})
    async with write_transaction() as sql:
        slugs = await sql.fetch(
            "SELECT DISTINCT slug FROM program WHERE municipality = ? ORDER BY slug",
            [principal.municipality_id],
        )
    return [await get_program(principal, s[0]) for s in slugs]


# --- preview, approval, activation ---------------------------------------------------------


async def preview(principal: Principal, slug: str) -> dict[str, Any]:
    """How many residents the rule matches today (and how many of them can be told: a
    verified account with consent to matching), by district and age band, with a few
    examples for staff of the program's own department (audited)."""
    _require(principal, DRAFTING_ROLES)
    today = _today()
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        matched: list[int] = []
        async for batch in rules.match_persons(sql, principal.municipality_id, program["rule"],
                                               today):  # fmt: skip
            matched.extend(batch)
        districts: Counter[str] = Counter()
        bands: Counter[str] = Counter()
        reachable = 0
        for start in range(0, len(matched), 1000):
            chunk = matched[start : start + 1000]
            clause, args = sql.in_list(chunk)
            rows = await sql.fetch(
                "SELECT p.district, p.birth_date, (SELECT COUNT(*) FROM account a "
                "JOIN consent c ON c.account = a.id AND c.purpose = 'matching' "
                "AND c.revoked_at IS NULL WHERE a.person = p.id AND a.disabled_at IS NULL) "
                "FROM person p WHERE p.id " + clause,
                args,
            )
            for district, birth, accounts in rows:
                districts[district or "—"] += 1
                bands[_band(birth, today)] += 1
                reachable += accounts > 0
        entitled = principal.staff_role == "administrator" or (
            program["department_id"] in principal.departments
        )
        examples = []
        if entitled and matched:
            clause, args = sql.in_list(matched[:5])
            people = await sql.fetch(
                "SELECT id, registry_id, family_name, given_name FROM person WHERE id " + clause,
                args,
            )
            for person_id, registry_id, family, given in people:
                facts = await rules.facts_for_person(sql, person_id, today)
                examples.append(
                    {
                        "registry_id": registry_id,
                        "name": f"{family} {given}",
                        "why": [c.sentence.ja for c in rules.explain(program["rule"], facts)],
                    }
                )
            await audit.record(
                municipality_id=principal.municipality_id,
                actor_kind="staff",
                actor_account=principal.account_id,
                action="program.previewed",
                purpose="program_preview",
                detail={"program": slug, "examples": [e["registry_id"] for e in examples]},
                sql=sql,
            )
    return {
        "slug": slug,
        "version": program["version"],
        "matched": len(matched),
        "reachable": reachable,
        "by_district": dict(districts.most_common()),
        "by_age_band": {label: bands.get(label, 0) for _, _, label in AGE_BANDS},
        "examples": examples,
        "evaluated_on": today,
    }


def _band(birth: Any, today: date) -> str:
    if birth is None:
        return "—"
    born = birth if isinstance(birth, date) else date.fromisoformat(str(birth)[:10])
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


async def submit(principal: Principal, slug: str) -> dict[str, Any]:
    _require(principal, DRAFTING_ROLES)
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        if program["status"] != "draft":
            raise Conflict(Text("下書きではありません。", "Only a draft can be submitted."))
        await sql.execute(
            "UPDATE program SET status = 'pending', submitted_by = ?, updated_at = ? WHERE id = ?",
            [principal.account_id, _now(), program["id"]],
        )
    return await get_program(principal, slug)


async def approve(principal: Principal, slug: str) -> dict[str, Any]:
    """A second staff member approves: the program becomes active (closing the version it
    replaces), the registry is matched and every reachable match is told."""
    _require(principal, APPROVING_ROLES)
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        if program["status"] != "pending":
            raise Conflict(
                Text("承認待ちではありません。", "Only a submitted program can be approved.")
            )
        if principal.account_id in (program["created_by"], program["submitted_by"]):
            raise Forbidden(
                Text(
                    "作成・申請した本人は承認できません。別の職員が承認してください。",
                    "A second staff member must approve: not the one who drafted or submitted.",
                )
            )
        if principal.staff_role != "administrator" and program["department_id"] not in (
            principal.departments
        ):
            raise _DENIED
        now = _now()
        await sql.execute(
            "UPDATE program SET status = 'closed', closed_at = ? WHERE municipality = ? "
            "AND slug = ? AND status = 'active'",
            [now, principal.municipality_id, slug],
        )
        await sql.execute(
            "UPDATE program SET status = 'active', approved_by = ?, activated_at = ?, "
            "updated_at = ? WHERE id = ?",
            [principal.account_id, now, now, program["id"]],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="program.approved",
            purpose="administration",
            detail={"program": slug, "version": program["version"]},
            sql=sql,
        )
        # Changes logged before activation are already reflected in this full match.
        await _advance_cursor(sql, principal.municipality_id)
    told = await match_and_notify(principal.municipality_id, slug)
    result = await get_program(principal, slug)
    result["told"] = told
    return result


async def close(principal: Principal, slug: str) -> dict[str, Any]:
    _require(principal, APPROVING_ROLES)
    async with write_transaction() as sql:
        program = await _latest(sql, principal.municipality_id, slug)
        if program["status"] != "active":
            raise Conflict(Text("実施中ではありません。", "Only an active program closes."))
        await sql.execute(
            "UPDATE program SET status = 'closed', closed_at = ? WHERE id = ?",
            [_now(), program["id"]],
        )
    return await get_program(principal, slug)


# --- matching and telling ----------------------------------------------------------------------


async def match_and_notify(
    municipality_id: int, slug: str, person_ids: list[int] | None = None
) -> int:
    """Match the active version of a program (over the whole registry, or over
    ``person_ids``), record new matches and tell each newly matched, reachable resident
    once. Returns how many were told."""
    today = _today()
    told = 0
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id, version, rule, title, summary, action, delivery, procedure_slug "
            "FROM program WHERE municipality = ? AND slug = ? AND status = 'active'",
            [municipality_id, slug],
        )
        if not rows:
            return 0
        program_id, version, rule, title, summary, action, delivery, _ = rows[0]
        rule = _load(rule)
        found: list[int] = []
        async for batch in rules.match_persons(sql, municipality_id, rule, today, person_ids):
            found.extend(batch)
        for start in range(0, len(found), 500):
            chunk = found[start : start + 500]
            clause, args = sql.in_list(chunk)
            # Reachable: a verified account that consented to proactive matching.
            reachable = await sql.fetch(
                "SELECT a.person, a.id FROM account a JOIN consent c ON c.account = a.id "
                "AND c.purpose = 'matching' AND c.revoked_at IS NULL "
                "WHERE a.disabled_at IS NULL AND a.kind = 'resident' AND a.person " + clause,
                args,
            )
            accounts = dict(reachable)
            if not accounts:
                continue
            clause, args = sql.in_list(list(accounts))
            already = await sql.fetch(
                "SELECT person FROM program_match WHERE program = ? AND version = ? "
                "AND person " + clause,
                [program_id, version, *args],
            )
            done = {r[0] for r in already}
            for person_id, account_id in accounts.items():
                if person_id in done:
                    continue
                facts = await rules.facts_for_person(sql, person_id, today)
                why = [msgspec.to_builtins(c) for c in rules.explain(rule, facts)]
                now = _now()
                notice_id = await write_notice(
                    sql,
                    municipality_id=municipality_id,
                    account_id=account_id,
                    kind="support.granted" if delivery == "grant" else "support.matched",
                    title=_notice_title(_load(title), delivery),
                    body=_notice_body(_load(summary), _load(action), why),
                    link=f"/support#{slug}",
                )
                await sql.execute(
                    "INSERT INTO program_match (program, version, person, account, explanation, "
                    "matched_at, notice, notified_at, granted_at, evaluated_on) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [program_id, version, person_id, account_id, _dump(why), now, notice_id,
                     now, now if delivery == "grant" else None, today],
                )  # fmt: skip
                told += 1
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


async def _advance_cursor(sql: SqlSession, municipality_id: int) -> None:
    last = await sql.fetch(
        "SELECT COALESCE(MAX(id), 0) FROM registry_change WHERE municipality = ?",
        [municipality_id],
    )
    await _set_cursor(sql, municipality_id, last[0][0])


async def _set_cursor(sql: SqlSession, municipality_id: int, change_id: int) -> None:
    held = await sql.fetch(
        "SELECT last_change FROM matching_cursor WHERE municipality = ?", [municipality_id]
    )
    if held:
        await sql.execute(
            "UPDATE matching_cursor SET last_change = ?, updated_at = ? WHERE municipality = ? "
            "AND last_change < ?",
            [change_id, _now(), municipality_id, change_id],
        )
    else:
        await sql.execute(
            "INSERT INTO matching_cursor (municipality, last_change, updated_at) VALUES (?, ?, ?)",
            [municipality_id, change_id, _now()],
        )


async def reevaluate(municipality_id: int, limit: int = 5000) -> int:
    """Read registry changes since the cursor; re-match the active programs over the
    households they touched (a child's birth changes the parent's household facts).
    Returns how many residents were newly told. Safe to run from any number of workers:
    the cursor row is locked while a slice is taken."""
    async with write_transaction() as sql:
        lock = " FOR UPDATE" if sql.postgres else ""
        held = await sql.fetch(
            "SELECT last_change FROM matching_cursor WHERE municipality = ?" + lock,
            [municipality_id],
        )
        start = held[0][0] if held else 0
        changes = await sql.fetch(
            "SELECT id, person_registry_id, household_registry_id FROM registry_change "
            "WHERE municipality = ? AND id > ? ORDER BY id LIMIT ?",
            [municipality_id, start, limit],
        )
        if not changes:
            return 0
        registry_ids = sorted({c[1] for c in changes})
        households = sorted({c[2] for c in changes if c[2]})
        persons: set[int] = set()
        for chunk_start in range(0, len(registry_ids), 1000):
            clause, args = sql.in_list(registry_ids[chunk_start : chunk_start + 1000])
            rows = await sql.fetch(
                "SELECT id, household FROM person WHERE municipality = ? AND registry_id " + clause,
                [municipality_id, *args],
            )
            persons |= {r[0] for r in rows}
            household_pks = sorted({r[1] for r in rows if r[1] is not None})
            if household_pks:
                clause, args = sql.in_list(household_pks)
                members = await sql.fetch("SELECT id FROM person WHERE household " + clause, args)
                persons |= {m[0] for m in members}
        for chunk_start in range(0, len(households), 1000):
            clause, args = sql.in_list(households[chunk_start : chunk_start + 1000])
            members = await sql.fetch(
                "SELECT p.id FROM person p JOIN household h ON h.id = p.household "
                "WHERE h.municipality = ? AND h.registry_id " + clause,
                [municipality_id, *args],
            )
            persons |= {m[0] for m in members}
        await _set_cursor(sql, municipality_id, changes[-1][0])
        active = await sql.fetch(
            "SELECT slug FROM program WHERE municipality = ? AND status = 'active'",
            [municipality_id],
        )
    told = 0
    for (slug,) in active:
        told += await match_and_notify(municipality_id, slug, sorted(persons))
    return told


async def reevaluate_all() -> int:
    async with write_transaction() as sql:
        municipalities = await sql.fetch("SELECT id FROM municipality")
    return sum([await reevaluate(m[0]) for m in municipalities])


async def match_on_consent(principal: Principal) -> int:
    """A resident who turns matching on is checked against every active program at once."""
    if principal.person_id is None:
        return 0
    async with write_transaction() as sql:
        active = await sql.fetch(
            "SELECT slug FROM program WHERE municipality = ? AND status = 'active'",
            [principal.municipality_id],
        )
    return sum(
        [
            await match_and_notify(principal.municipality_id, slug, [principal.person_id])
            for (slug,) in active
        ]
    )


# --- what residents see ------------------------------------------------------------------------


async def support_for(principal: Principal) -> list[dict[str, Any]]:
    """Each active program this resident was matched with: why, and the one thing to do.
    Opening the screen counts as the notice opened (the delivery rate's "opened")."""
    if principal.is_staff or principal.person_id is None:
        return []
    async with write_transaction() as sql:
        consent = await sql.fetch(
            "SELECT 1 FROM consent WHERE account = ? AND purpose = 'matching' "
            "AND revoked_at IS NULL",
            [principal.account_id],
        )
        if not consent:
            return []
        rows = await sql.fetch(
            "SELECT m.id, p.slug, p.title, p.summary, p.action, p.delivery, p.procedure_slug, "
            "m.explanation, m.matched_at, m.granted_at FROM program_match m "
            "JOIN program p ON p.id = m.program AND p.version = m.version "
            "WHERE m.person = ? AND p.status = 'active' ORDER BY m.matched_at DESC",
            [principal.person_id],
        )
        await sql.execute(
            "UPDATE program_match SET opened_at = ? WHERE person = ? AND opened_at IS NULL",
            [_now(), principal.person_id],
        )
    return [
        {
            "slug": r[1],
            "title": _load(r[2]),
            "summary": _load(r[3]),
            "action": _load(r[4]),
            "delivery": r[5],
            "apply_url": f"/procedures/{r[6]}/apply" if r[5] == "invite" and r[6] else None,
            "why": [
                {"sentence": c["sentence"], "held": c["held"] != c["negated"]} for c in _load(r[7])
            ],
            "matched_at": _aware(r[8]),
            "granted": r[9] is not None,
        }
        for r in rows
    ]


# --- the anonymous check ----------------------------------------------------------------------


async def public_programs(municipality_id: int) -> list[dict[str, Any]]:
    """Active programs and the questions (facts) their rules use, for the anonymous check."""
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT slug, title, summary, rule, delivery, procedure_slug FROM program "
            "WHERE municipality = ? AND status = 'active' ORDER BY slug",
            [municipality_id],
        )
    result = []
    for slug, title, summary, rule, delivery, procedure in rows:
        used = rules.facts_used(_load(rule))
        result.append(
            {
                "slug": slug,
                "title": _load(title),
                "summary": _load(summary),
                "delivery": delivery,
                "procedure_slug": procedure or None,
                "questions": [_question(name) for name in used],
            }
        )
    return result


def _question(name: str) -> dict[str, Any]:
    fact = FACTS[name]
    return {
        "fact": name,
        "type": fact.type,
        "label": {"ja": fact.label.ja, "easy": fact.label.easy, "en": fact.label.en},
    }


async def anonymous_check(municipality_id: int, answers: dict[str, Any]) -> list[dict[str, Any]]:
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
    for program in await public_programs(municipality_id):
        async with write_transaction() as sql:
            rows = await sql.fetch(
                "SELECT rule FROM program WHERE municipality = ? AND slug = ? "
                "AND status = 'active'",
                [municipality_id, program["slug"]],
            )
        rule = _load(rows[0][0])
        missing = [q["fact"] for q in program["questions"] if q["fact"] not in answers]
        # Decided by what was answered? (ひとり親: いいえ already rules 児童扶養手当 out.)
        eligible = _decide(rules.parse_rule(rule), answers)
        why = (
            [
                {"sentence": msgspec.to_builtins(c.sentence), "held": c.supports}
                for c in rules.explain(rule, answers)
                if c.fact in answers
            ]
            if eligible is not None
            else []
        )
        if eligible is not None:
            missing = []
        results.append(
            {
                "slug": program["slug"],
                "title": program["title"],
                "eligible": eligible,
                "missing": missing,
                "why": why,
                "procedure_slug": program["procedure_slug"],
            }
        )
    return results


def _decide(node: Any, answers: dict[str, Any]) -> bool | None:
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
