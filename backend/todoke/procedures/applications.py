"""Applications: drafts, filing (idempotent), the timeline, messages, amendments, decisions
and their effects, counter-assisted filing and corrections of registry facts.

All writes go through one ``write_transaction`` each, so a filing, its attachments, its
first timeline event and its inbox notice commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from todoke import jp
from todoke.audit import service as audit
from todoke.db import SqlSession, is_unique_violation, write_transaction
from todoke.db import as_date as _as_date
from todoke.db import aware as _aware
from todoke.db import json_value as _load
from todoke.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.identity import delegations
from todoke.identity.service import consents
from todoke.notices.service import write_notice
from todoke.principal import Principal
from todoke.procedures import service as catalogue
from todoke.procedures.forms import validate_answers
from todoke.procedures.prefill import (
    FACT_DEPARTMENT,
    Household,
    load_household,
    prefill_for,
)
from todoke.procedures.schemas import (
    AddressEffect,
    FieldSpec,
    FormRead,
    FormSchema,
    Localized,
    ProcedureDefinition,
    ProcedureSummary,
    WorkflowStep,
)
from todoke.registry import service as registry

JST = ZoneInfo("Asia/Tokyo")
DRAFT_DAYS = 30
CONFIRMATION_MINUTES = 30
MAX_DRAFT_BYTES = 64_000
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

BASE_STEPS = {
    "awaiting_confirmation": Localized(
        ja="本人の確認待ち", easy="ほんにんの かくにん まち", en="Waiting for your confirmation"
    ),
    "submitted": Localized(ja="受付済み", easy="うけつけ しました", en="Received"),
    "in_review": Localized(ja="審査中", easy="しらべて います", en="In review"),
    "info_requested": Localized(
        ja="追加情報の依頼", easy="もっと おしえて ください", en="More information requested"
    ),
    "approved": Localized(ja="承認", easy="みとめられました", en="Approved"),
    "rejected": Localized(ja="却下", easy="みとめられませんでした", en="Rejected"),
    "withdrawn": Localized(ja="取り下げ", easy="とりさげ ました", en="Withdrawn"),
}
FINAL = {"approved", "rejected", "withdrawn"}
OPEN = {"submitted", "in_review", "info_requested"}

_NOT_FOUND = NotFound(Text("申請が見つかりません。", "There is no such application."))
_DRAFT_NOT_FOUND = NotFound(Text("下書きが見つかりません。", "There is no such draft."))


def _now() -> datetime:
    return datetime.now(UTC)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _today() -> date:
    return datetime.now(JST).date()


def add_working_days(start: date, days: int) -> date:
    """The service-level target: ``days`` working days (Monday–Friday) after ``start``.
    National holidays are not counted out yet (see the README)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def steps_of(definition: ProcedureDefinition) -> tuple[WorkflowStep, ...]:
    """The statuses in order: received, review, the procedure's own steps, then outcomes."""
    head = [WorkflowStep(s, BASE_STEPS[s]) for s in ("submitted", "in_review")]
    tail = [WorkflowStep(s, BASE_STEPS[s]) for s in ("info_requested", "approved", "rejected")]
    return (*head, *definition.steps, *tail)


def status_label(definition: ProcedureDefinition, status: str) -> Localized:
    for step in definition.steps:
        if step.id == status:
            return step.label
    return BASE_STEPS.get(status, Localized(ja=status, easy=status, en=status))


# --- loading procedures -------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    procedure_id: int
    department_id: int
    version: int
    current_version: int
    definition: ProcedureDefinition
    summary: ProcedureSummary


async def load_version(municipality_id: int, slug: str, version: int | None = None) -> Version:
    """A procedure's published version, or an older one an application was filed against."""
    summary = await catalogue.get_published(municipality_id, slug)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT p.id, p.department, p.published_version, pv.definition FROM procedure p "
            "JOIN procedure_version pv ON pv.procedure = p.id "
            "WHERE p.municipality = ? AND p.slug = ? AND pv.version = ?",
            [municipality_id, slug, version if version is not None else summary.version],
        )
    if not rows:
        raise NotFound(Text("この版の様式はありません。", "There is no such form version."))
    procedure_id, department_id, current, definition = rows[0]
    return Version(
        procedure_id=procedure_id,
        department_id=department_id,
        version=version if version is not None else summary.version,
        current_version=current,
        definition=msgspec.json.decode(
            definition if isinstance(definition, (str, bytes)) else _dump(definition),
            type=ProcedureDefinition,
        ),
        summary=summary,
    )


async def _version_by_id(procedure_id: int, version: int) -> Version:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT p.municipality, p.slug FROM procedure p WHERE p.id = ?", [procedure_id]
        )
    return await load_version(rows[0][0], rows[0][1], version)


# --- who files for whom ---------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    account_id: int
    person_id: int | None
    name: str
    channel: str  # self | proxy


async def _applicant(
    sql: SqlSession, principal: Principal, on_behalf_of: int | None, version: Version
) -> Applicant:
    if principal.is_staff:
        raise Forbidden(
            Text(
                "職員のアカウントでは住民として申請できません。窓口支援の画面を使ってください。",
                "Staff accounts cannot file as residents; use assisted filing.",
            )
        )
    if on_behalf_of is None or on_behalf_of == principal.account_id:
        return Applicant(principal.account_id, principal.person_id, principal.display_name, "self")
    if not version.definition.proxy_allowed:
        raise Forbidden(
            Text(
                "この手続きは代理人による申請ができません。",
                "This procedure cannot be filed by a proxy.",
            )
        )
    await delegations.check_agent(
        sql,
        agent_account=principal.account_id,
        principal_account=on_behalf_of,
        slug=version.summary.slug,
    )
    rows = await sql.fetch(
        "SELECT person, display_name FROM account WHERE id = ? AND municipality = ?",
        [on_behalf_of, principal.municipality_id],
    )
    if not rows:
        raise Forbidden(Text("代理の設定が見つかりません。", "No such delegation."))
    return Applicant(on_behalf_of, rows[0][0], rows[0][1], "proxy")


async def _household_of(sql: SqlSession, applicant: Applicant) -> Household | None:
    if applicant.person_id is None:
        return None
    return await load_household(sql, applicant.person_id, _today())


# --- the form for one resident -------------------------------------------------------------


async def form_for(
    principal: Principal | None, municipality_id: int, slug: str, on_behalf_of: int | None
) -> FormRead:
    version = await load_version(municipality_id, slug)
    definition = version.definition
    blockers: list[str] = []
    prefill: dict[str, Any] = {}
    members: list[Any] = []
    if definition.closes_on is not None and definition.closes_on < _today():
        blockers.append("closed")
    if principal is None:
        blockers.append("sign_in")
    else:
        async with write_transaction() as sql:
            try:
                applicant = await _applicant(sql, principal, on_behalf_of, version)
            except Forbidden:
                if principal.is_staff:
                    raise
                blockers.append("proxy_not_allowed")
                applicant = None
            household = await _household_of(sql, applicant) if applicant else None
        if applicant is not None:
            if definition.identity == "verified" and applicant.person_id is None:
                blockers.append("verify")
            if household is not None:
                members = household.members
                if (await consents(applicant.account_id))["prefill"]:
                    prefill = prefill_for(definition.form, household)
                elif any(f.prefill for f in definition.form.fields()):
                    blockers.append("prefill_consent")
    hard = [b for b in blockers if b != "prefill_consent"]
    return FormRead(
        procedure=version.summary,
        version=version.version,
        help=definition.help,
        form=_unlock_unfilled(definition.form, prefill),
        prefill=prefill,
        household=members,
        can_file=not hard,
        blockers=blockers,
        closes_on=definition.closes_on,
        fee_yen=definition.fee_yen,
        steps=steps_of(definition),
    )


def _unlock_unfilled(form: FormSchema, prefill: dict[str, Any]) -> FormSchema:
    """A locked field the registry has no value for (or may not share without consent) is
    the resident's to fill in: locking it empty would block the filing."""
    sections = []
    for section in form.sections:
        fields = tuple(
            msgspec.structs.replace(spec, locked=False, lock_reason=None)
            if spec.locked and spec.name not in prefill
            else spec
            for spec in section.fields
        )
        sections.append(msgspec.structs.replace(section, fields=fields))
    return FormSchema(sections=tuple(sections))


# --- drafts -------------------------------------------------------------------------------


_DRAFT_SELECT = (
    "SELECT d.id, p.slug, d.version, p.published_version, d.answers, d.principal, "
    "a.display_name, d.updated_at, d.expires_at, pv.definition "
    "FROM draft d JOIN procedure p ON p.id = d.procedure "
    "JOIN procedure_version pv ON pv.procedure = p.id AND pv.version = p.published_version "
    "JOIN account a ON a.id = d.principal "
)


def _draft_read(row: tuple[Any, ...], author: int) -> dict[str, Any]:
    definition = msgspec.json.decode(
        row[9] if isinstance(row[9], (str, bytes)) else _dump(row[9]), type=ProcedureDefinition
    )
    return {
        "id": row[0],
        "slug": row[1],
        "title": definition.title,
        "version": row[2],
        "current_version": row[3],
        "answers": _load(row[4]) or {},
        "on_behalf_of": row[5] if row[5] != author else None,
        "on_behalf_of_name": row[6] if row[5] != author else None,
        "updated_at": _aware(row[7]),
        "expires_at": _aware(row[8]),
        "closes_on": definition.closes_on,
    }


async def list_drafts(principal: Principal) -> list[dict[str, Any]]:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            _DRAFT_SELECT + "WHERE d.author = ? AND d.expires_at > ? ORDER BY d.updated_at DESC",
            [principal.account_id, _now()],
        )
        drafts = [_draft_read(r, principal.account_id) for r in rows]
        for draft in drafts:
            draft["attachments"] = await _draft_files(sql, principal.account_id, draft)
    return drafts


async def get_draft(principal: Principal, draft_id: int) -> dict[str, Any]:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            _DRAFT_SELECT + "WHERE d.id = ? AND d.author = ? AND d.expires_at > ?",
            [draft_id, principal.account_id, _now()],
        )
        if not rows:
            raise _DRAFT_NOT_FOUND
        draft = _draft_read(rows[0], principal.account_id)
        draft["attachments"] = await _draft_files(sql, principal.account_id, draft)
    return draft


async def _draft_files(sql: SqlSession, account_id: int, draft: dict) -> list[dict[str, Any]]:
    """The author's not-yet-filed uploads that the draft's answers name."""
    named = {
        value
        for answer in draft["answers"].values()
        for value in (answer if isinstance(answer, list) else [answer])
        if isinstance(value, str) and 16 <= len(value) <= 64
    }
    if not named:
        return []
    clause, args = sql.in_list(sorted(named))
    query = "SELECT token, filename, content_type, size, created_at FROM attachment "
    query += "WHERE account = ? AND application IS NULL AND token " + clause
    rows = await sql.fetch(query, [account_id, *args])
    return [
        {"id": r[0], "filename": r[1], "content_type": r[2], "size": r[3],
         "created_at": _aware(r[4])}
        for r in rows
    ]  # fmt: skip


async def open_draft(
    principal: Principal, slug: str, on_behalf_of: int | None
) -> tuple[dict[str, Any], bool]:
    """The author's draft for this procedure and principal, created when there is none.
    Returns (draft, created)."""
    version = await load_version(principal.municipality_id, slug)
    now = _now()
    async with write_transaction() as sql:
        applicant = await _applicant(sql, principal, on_behalf_of, version)
        rows = await sql.fetch(
            "SELECT id, expires_at FROM draft WHERE author = ? AND procedure = ? AND principal = ?",
            [principal.account_id, version.procedure_id, applicant.account_id],
        )
        created = False
        if rows and _aware(rows[0][1]) <= now:
            await sql.execute("DELETE FROM draft WHERE id = ?", [rows[0][0]])
            rows = []
        if not rows:
            await sql.execute(
                "INSERT INTO draft (municipality, procedure, version, author, principal, "
                "answers, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    principal.municipality_id,
                    version.procedure_id,
                    version.version,
                    principal.account_id,
                    applicant.account_id,
                    "{}",
                    now,
                    now,
                    now + timedelta(days=DRAFT_DAYS),
                ],
            )
            created = True
        rows = await sql.fetch(
            "SELECT id FROM draft WHERE author = ? AND procedure = ? AND principal = ?",
            [principal.account_id, version.procedure_id, applicant.account_id],
        )
    return await get_draft(principal, rows[0][0]), created


async def save_draft(
    principal: Principal, draft_id: int, version: int, answers: dict[str, Any]
) -> dict[str, Any]:
    """Keep what was typed as is (a draft may be incomplete or wrong); only its size and
    shape are limited. Saving pushes the expiry forward."""
    encoded = _dump(answers)
    if len(encoded.encode()) > MAX_DRAFT_BYTES or len(answers) > 200:
        raise InvalidInput(
            Text("下書きが大きすぎます。", f"A draft is limited to {MAX_DRAFT_BYTES} bytes.")
        )
    now = _now()
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id FROM draft WHERE id = ? AND author = ? AND expires_at > ?",
            [draft_id, principal.account_id, now],
        )
        if not rows:
            raise _DRAFT_NOT_FOUND
        await sql.execute(
            "UPDATE draft SET version = ?, answers = ?, updated_at = ?, expires_at = ? "
            "WHERE id = ?",
            [version, encoded, now, now + timedelta(days=DRAFT_DAYS), draft_id],
        )
    return await get_draft(principal, draft_id)


async def delete_draft(principal: Principal, draft_id: int) -> None:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id FROM draft WHERE id = ? AND author = ?", [draft_id, principal.account_id]
        )
        if not rows:
            raise _DRAFT_NOT_FOUND
        await sql.execute("DELETE FROM draft WHERE id = ?", [draft_id])


# --- filing ---------------------------------------------------------------------------------


def _receipt_number(now: datetime) -> str:
    day = now.astimezone(JST).strftime("%y%m%d")
    return f"{day}-{''.join(secrets.choice(_ALPHABET) for _ in range(8))}"


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _version_problem(current: int) -> Conflict:
    return Conflict(
        Text(
            "申請様式が新しくなりました。画面を読み込み直して、内容を確かめてから申請してください。",
            "The form has changed since you started. Reload it, check your answers and file again.",
        ),
        errors=[
            FieldError(
                field="version",
                label=Text("様式の版", "form version"),
                message=Text(f"現在の版は{current}です", f"the current version is {current}"),
            )
        ],
    )


async def _attachment_tokens(
    sql: SqlSession, account_id: int, application_id: int | None
) -> set[str]:
    rows = await sql.fetch(
        "SELECT token FROM attachment WHERE account = ? "
        "AND (application IS NULL OR application = ?)",
        [account_id, application_id or 0],
    )
    return {r[0] for r in rows}


def _check_answers(
    definition: ProcedureDefinition,
    answers: dict[str, Any],
    household: Household | None,
    attachments: set[str],
    *,
    prefilled: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate against the exact version; return (clean answers, pre-fill record with
    the resident's changes flagged). Locked pre-filled values cannot be changed; left out,
    they are taken from the registry (never ask for what is already held)."""
    held_values = (
        prefill_for(definition.form, household) if household is not None and prefilled else {}
    )
    answers = dict(answers)
    for name, held in held_values.items():
        if held.locked and name not in answers:
            answers[name] = held.value
    clean, problems = validate_answers(
        definition.form,
        answers,
        household=household.member_ids if household else set(),
        attachments=attachments,
    )
    record: dict[str, Any] = {}
    if held_values:
        fields = {f.name: f for f in definition.form.fields()}
        for name, held in held_values.items():
            given = clean.get(name)
            changed = given is not None and _normalised(held.value) != _normalised(given)
            if changed and held.locked:
                spec = fields[name]
                problems.append(
                    FieldError(
                        field=name,
                        label=Text(spec.label.ja, spec.label.en),
                        message=Text(
                            "登録情報のため変更できません（違う場合は「この情報が違う」から）",
                            "comes from the registry and cannot be changed here",
                        ),
                    )
                )
            record[name] = {
                "value": held.value,
                "source": held.source,
                "as_of": held.as_of,
                "fact": held.fact,
                "changed": changed,
            }
    if problems:
        raise InvalidInput(
            Text(
                "入力内容を確認してください。",
                "Some answers need your attention.",
            ),
            errors=problems,
        )
    return clean, record


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        return jp.normalize_text(value).replace(" ", "").replace("\u3000", "")
    if isinstance(value, list):
        return sorted(_normalised(v) for v in value)
    return value


async def file_application(
    principal: Principal,
    *,
    slug: str,
    version: int,
    answers: dict[str, Any],
    idempotency_key: str,
    draft_id: int | None = None,
    on_behalf_of: int | None = None,
) -> tuple[int, bool]:
    """File an application; returns (application id, created). The same idempotency key
    with the same request returns the first application; with a different one, a problem."""
    digest = _digest(
        {"slug": slug, "version": version, "answers": answers, "on_behalf_of": on_behalf_of}
    )
    existing = await _by_idempotency_key(principal.account_id, idempotency_key, digest)
    if existing is not None:
        return existing, False
    current = await load_version(principal.municipality_id, slug)
    if version != current.version:
        raise _version_problem(current.version)
    definition = current.definition
    if definition.closes_on is not None and definition.closes_on < _today():
        raise Conflict(
            Text("この手続きの受付は終了しました。", "This procedure is closed for filing.")
        )
    async with write_transaction() as sql:
        applicant = await _applicant(sql, principal, on_behalf_of, current)
        if definition.identity == "verified" and applicant.person_id is None:
            raise Forbidden(
                Text(
                    "申請するには本人確認が必要です。",
                    "Verify your identity before filing this procedure.",
                )
            )
        household = await _household_of(sql, applicant)
        tokens = await _attachment_tokens(sql, principal.account_id, None)
    prefilled = (await consents(applicant.account_id))["prefill"]
    try:
        clean, record = _check_answers(definition, answers, household, tokens, prefilled=prefilled)
    except InvalidInput:
        # A concurrent twin may have just filed (and taken the attachments): answer as it did.
        twin = await _by_idempotency_key(principal.account_id, idempotency_key, digest)
        if twin is not None:
            return twin, False
        raise
    now = _now()
    receipt = _receipt_number(now)
    try:
        async with write_transaction() as sql:
            # Checked again inside the transaction: on SQLite the write lock serialises
            # this; on PostgreSQL the unique index catches a concurrent twin below.
            again = await sql.fetch(
                "SELECT id, request_digest FROM application WHERE filed_by = ? "
                "AND idempotency_key = ?",
                [principal.account_id, idempotency_key],
            )
            if again:
                return _same_request(again[0], digest), False
            rows = await sql.fetch(
                "INSERT INTO application (municipality, procedure, version, department, account, "
                "person, filed_by, channel, status, answers, prefill, receipt_number, "
                "idempotency_key, request_digest, submitted_at, updated_at, due_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [
                    principal.municipality_id,
                    current.procedure_id,
                    current.version,
                    current.department_id,
                    applicant.account_id,
                    applicant.person_id,
                    principal.account_id,
                    applicant.channel,
                    "submitted",
                    _dump(clean),
                    _dump(record),
                    receipt,
                    idempotency_key,
                    digest,
                    now,
                    now,
                    add_working_days(now.astimezone(JST).date(), definition.service_days),
                ],
            )
            application_id = rows[0][0]
            await _bind_attachments(sql, definition, clean, principal.account_id, application_id)
            await _event(
                sql,
                application_id,
                kind="submitted",
                status="submitted",
                actor_kind="resident" if applicant.channel == "self" else "proxy",
                actor_account=principal.account_id,
                actor_name=principal.display_name,
            )
            if draft_id is not None:
                await sql.execute(
                    "DELETE FROM draft WHERE id = ? AND author = ?",
                    [draft_id, principal.account_id],
                )
            await _notify_filed(sql, principal.municipality_id, applicant, definition, receipt,
                                application_id, principal)  # fmt: skip
            if applicant.channel == "proxy":
                await audit.record(
                    municipality_id=principal.municipality_id,
                    actor_kind="resident",
                    actor_account=principal.account_id,
                    action="application.filed_by_proxy",
                    purpose="proxy",
                    subject_person=applicant.person_id,
                    subject_account=applicant.account_id,
                    detail={"application": application_id, "receipt": receipt},
                    sql=sql,
                )
    except Exception as error:
        if not is_unique_violation(error):
            raise
        found = await _by_idempotency_key(principal.account_id, idempotency_key, digest)
        if found is None:
            raise
        return found, False
    return application_id, True


def _same_request(row: tuple[Any, ...], digest: str) -> int:
    if row[1] != digest:
        raise InvalidInput(
            Text(
                "同じ送信番号で別の内容が送られました。画面を読み込み直してください。",
                "This Idempotency-Key was already used for a different request.",
            )
        )
    return row[0]


async def _by_idempotency_key(account_id: int, key: str, digest: str) -> int | None:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id, request_digest FROM application WHERE filed_by = ? AND idempotency_key = ?",
            [account_id, key],
        )
    return _same_request(rows[0], digest) if rows else None


async def _bind_attachments(
    sql: SqlSession,
    definition: ProcedureDefinition,
    clean: dict[str, Any],
    account_id: int,
    application_id: int,
) -> None:
    tokens = [
        token
        for spec in definition.form.fields()
        if spec.type == "file"
        for token in clean.get(spec.name, [])
    ]
    for token in tokens:
        await sql.execute(
            "UPDATE attachment SET application = ? WHERE token = ? AND account = ? "
            "AND (application IS NULL OR application = ?)",
            [application_id, token, account_id, application_id],
        )


async def _event(
    sql: SqlSession,
    application_id: int,
    *,
    kind: str,
    actor_kind: str,
    actor_name: str,
    status: str | None = None,
    actor_account: int | None = None,
    text: str = "",
) -> None:
    await sql.execute(
        "INSERT INTO application_event (application, kind, status, actor_kind, actor_account, "
        "actor_name, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [application_id, kind, status, actor_kind, actor_account, actor_name, text, _now()],
    )


async def _notify_filed(
    sql: SqlSession,
    municipality_id: int,
    applicant: Applicant,
    definition: ProcedureDefinition,
    receipt: str,
    application_id: int,
    filer: Principal,
) -> None:
    title = definition.title
    body = {
        "ja": f"「{title.ja}」を受け付けました。受付番号は {receipt} です。",
        "easy": f"「{title.easy}」を うけつけ ました。うけつけ ばんごうは {receipt} です。",
        "en": f"We received your “{title.en}”. Your receipt number is {receipt}.",
    }
    if applicant.channel == "proxy":
        body = {
            "ja": body["ja"] + f"（代理人 {filer.display_name} さんによる申請）",
            "easy": body["easy"] + f"（だいりにん {filer.display_name} さんが しんせい しました）",
            "en": body["en"] + f" (filed for you by {filer.display_name})",
        }
    await write_notice(
        sql,
        municipality_id=municipality_id,
        account_id=applicant.account_id,
        kind="application.received",
        title={
            "ja": "申請を受け付けました",
            "easy": "しんせいを うけつけ ました",
            "en": "Application received",
        },
        body=body,
        link=f"/applications/{application_id}",
    )


# --- reading ---------------------------------------------------------------------------------


_APPLICATION_SELECT = (
    "SELECT a.id, a.receipt_number, a.procedure, a.version, a.status, a.channel, a.account, "
    "a.filed_by, a.submitted_at, a.updated_at, a.due_by, a.answers, a.prefill, a.department, "
    "a.person, COALESCE(pe.family_name || ' ' || pe.given_name, ap.display_name), "
    "f.display_name, a.municipality, a.decided_at "
    "FROM application a LEFT JOIN account ap ON ap.id = a.account "
    "LEFT JOIN person pe ON pe.id = a.person "
    "JOIN account f ON f.id = a.filed_by "
)


@dataclass(frozen=True)
class Row:
    id: int
    receipt_number: str
    procedure_id: int
    version: int
    status: str
    channel: str
    account: int | None
    filed_by: int
    submitted_at: datetime
    updated_at: datetime
    due_by: date
    answers: dict[str, Any]
    prefill: dict[str, Any]
    department: int
    person: int | None
    applicant_name: str
    filer_name: str
    municipality: int


def _row(r: tuple[Any, ...]) -> Row:
    return Row(
        id=r[0],
        receipt_number=r[1],
        procedure_id=r[2],
        version=r[3],
        status=r[4],
        channel=r[5],
        account=r[6],
        filed_by=r[7],
        submitted_at=_aware(r[8]),
        updated_at=_aware(r[9]),
        due_by=_as_date(r[10]),
        answers=_load(r[11]) or {},
        prefill=_load(r[12]) or {},
        department=r[13],
        person=r[14],
        applicant_name=r[15] or "",
        filer_name=r[16],
        municipality=r[17],
    )


async def _resident_row(principal: Principal, application_id: int) -> Row:
    """The application if this resident is its applicant or filed it; otherwise the same
    not-found a missing id gets (no hint that it exists)."""
    async with write_transaction() as sql:
        rows = await sql.fetch(
            _APPLICATION_SELECT + "WHERE a.id = ? AND a.municipality = ? "
            "AND (a.account = ? OR (a.filed_by = ? AND a.channel = 'proxy'))",
            [application_id, principal.municipality_id, principal.account_id,
             principal.account_id],
        )  # fmt: skip
    if not rows:
        raise _NOT_FOUND
    return _row(rows[0])


def _display(spec: FieldSpec, value: Any, household: dict[str, str], files: dict[str, str]) -> str:
    if value is None:
        return ""
    if spec.type in ("choice", "choices"):
        labels = {o.value: o.label.ja for o in spec.options}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(v, v) for v in values)
    if spec.type == "date":
        try:
            return f"{value}（{jp.to_wareki(date.fromisoformat(value))}）"
        except ValueError:
            return str(value)
    if spec.type == "yen":
        return f"{value:,}円"
    if spec.type == "consent":
        return "はい" if value else "いいえ"
    if spec.type in ("household_member", "household_members"):
        values = value if isinstance(value, list) else [value]
        return "、".join(household.get(v, v) for v in values)
    if spec.type == "file":
        return "、".join(files.get(v, v) for v in value)
    if spec.type == "bank_account":
        kinds = {"ordinary": "普通", "current": "当座", "savings": "貯蓄"}
        return (
            f"{value['bank_code']}-{value['branch_code']} {kinds.get(value['type'], '')} "
            f"{value['number']} {value['holder']}"
        )
    if spec.type == "postal_code":
        return f"〒{value}"
    return str(value)


async def read_application(row: Row) -> dict[str, Any]:
    version = await _version_by_id(row.procedure_id, row.version)
    definition = version.definition
    async with write_transaction() as sql:
        events = await sql.fetch(
            "SELECT id, kind, status, actor_kind, actor_name, text, created_at "
            "FROM application_event WHERE application = ? ORDER BY id",
            [row.id],
        )
        files = await sql.fetch(
            "SELECT token, filename, content_type, size, created_at FROM attachment "
            "WHERE application = ? ORDER BY id",
            [row.id],
        )
        reach = await sql.fetch(
            "SELECT d.code, d.name_ja, d.name_easy, d.name_en, r.reached_at "
            "FROM application_reach r JOIN department d ON d.id = r.department "
            "WHERE r.application = ? ORDER BY r.id",
            [row.id],
        )
        household = (
            await load_household(sql, row.person, _today()) if row.person is not None else None
        )
    names = {m.id: m.name for m in household.members} if household else {}
    file_names = {f[0]: f[1] for f in files}
    answers = []
    for spec in definition.form.fields():
        if spec.name not in row.answers:
            continue
        held = row.prefill.get(spec.name)
        value = row.answers[spec.name]
        answers.append(
            {
                "name": spec.name,
                "label": spec.label,
                "value": value,
                "display": _display(spec, value, names, file_names),
                "prefilled": held is not None,
                "changed": bool(held and held.get("changed")),
                "source": held.get("source") if held else None,
                "as_of": held.get("as_of") if held else None,
            }
        )
    return {
        "id": row.id,
        "receipt_number": row.receipt_number,
        "procedure": version.summary,
        "version": row.version,
        "status": row.status,
        "status_label": status_label(definition, row.status),
        "channel": row.channel,
        "applicant_name": row.applicant_name,
        "filed_by_name": row.filer_name,
        "on_behalf_of": row.account if row.channel == "proxy" else None,
        "submitted_at": row.submitted_at,
        "updated_at": row.updated_at,
        "due_by": row.due_by,
        "answers": answers,
        "attachments": [
            {
                "id": f[0],
                "filename": f[1],
                "content_type": f[2],
                "size": f[3],
                "created_at": _aware(f[4]),
            }
            for f in files
        ],
        "timeline": [
            {
                "id": e[0],
                "kind": e[1],
                "status": e[2],
                "actor": e[3],
                "actor_name": e[4],
                "text": e[5],
                "created_at": _aware(e[6]),
            }
            for e in events
        ],
        "tracker": [
            {
                "department": {
                    "code": t[0],
                    "name": Localized(ja=t[1], easy=t[2], en=t[3]),
                },
                "reached_at": _aware(t[4]),
            }
            for t in reach
        ],
        "can_amend": row.status == "info_requested",
        "can_withdraw": row.status in OPEN,
        "steps": steps_of(definition),
    }


async def get_for_resident(principal: Principal, application_id: int) -> dict[str, Any]:
    return await read_application(await _resident_row(principal, application_id))


async def _summaries(where: str, args: list[Any]) -> list[dict[str, Any]]:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            _APPLICATION_SELECT + where + " ORDER BY a.submitted_at DESC, a.id DESC LIMIT 500",
            args,
        )
        procedures = await sql.fetch(
            "SELECT pv.procedure, pv.version, pv.definition FROM procedure_version pv "
            "JOIN procedure p ON p.id = pv.procedure WHERE p.municipality = ?",
            [args[0]],
        )
    definitions = {
        (p[0], p[1]): msgspec.json.decode(
            p[2] if isinstance(p[2], (str, bytes)) else _dump(p[2]), type=ProcedureDefinition
        )
        for p in procedures
    }
    result = []
    for r in rows:
        row = _row(r)
        definition = definitions[(row.procedure_id, row.version)]
        result.append(
            {
                "id": row.id,
                "receipt_number": row.receipt_number,
                "title": definition.title,
                "status": row.status,
                "status_label": status_label(definition, row.status),
                "channel": row.channel,
                "applicant_name": row.applicant_name,
                "submitted_at": row.submitted_at,
                "updated_at": row.updated_at,
            }
        )
    return result


async def list_for_resident(principal: Principal) -> list[dict[str, Any]]:
    return await _summaries(
        "WHERE a.municipality = ? AND (a.account = ? OR (a.filed_by = ? AND a.channel = 'proxy'))",
        [principal.municipality_id, principal.account_id, principal.account_id],
    )


# --- resident actions ------------------------------------------------------------------------


def _check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 2000:
        raise InvalidInput(
            Text("メッセージは1文字以上2000文字以内で入力してください。", "1 to 2000 characters."),
            errors=[
                FieldError(
                    field="text",
                    label=Text("メッセージ", "message"),
                    message=Text("1〜2000文字", "1 to 2000 characters"),
                )
            ],
        )
    return cleaned


async def post_message(principal: Principal, application_id: int, text: str) -> dict[str, Any]:
    row = await _resident_row(principal, application_id)
    cleaned = _check_text(text)
    if row.status in FINAL:
        raise Conflict(
            Text(
                "完了した申請にはメッセージを送れません。",
                "This application is closed for messages.",
            )
        )
    async with write_transaction() as sql:
        await _event(
            sql,
            row.id,
            kind="message",
            actor_kind="resident" if row.account == principal.account_id else "proxy",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=cleaned,
        )
        await sql.execute("UPDATE application SET updated_at = ? WHERE id = ?", [_now(), row.id])
    return await get_for_resident(principal, application_id)


async def amend(
    principal: Principal, application_id: int, version: int, answers: dict[str, Any], message: str
) -> dict[str, Any]:
    """Answer a request for more information: the whole form again, against the version the
    application was filed with; the caseworker gets it back for review."""
    row = await _resident_row(principal, application_id)
    if row.status != "info_requested":
        raise Conflict(
            Text("この申請は今は変更できません。", "This application cannot be amended now.")
        )
    if version != row.version:
        raise _version_problem(row.version)
    filed = await _version_by_id(row.procedure_id, row.version)
    async with write_transaction() as sql:
        household = (
            await load_household(sql, row.person, _today()) if row.person is not None else None
        )
        tokens = await _attachment_tokens(sql, principal.account_id, row.id)
    prefilled = row.account is not None and (await consents(row.account))["prefill"]
    clean, record = _check_answers(
        filed.definition, answers, household, tokens, prefilled=prefilled or bool(row.prefill)
    )
    note = message.strip()[:2000]
    async with write_transaction() as sql:
        updated = await sql.fetch(
            "UPDATE application SET answers = ?, prefill = ?, status = 'in_review', "
            "updated_at = ? WHERE id = ? AND status = 'info_requested' RETURNING id",
            [_dump(clean), _dump(record), _now(), row.id],
        )
        if not updated:
            raise Conflict(Text("この申請は今は変更できません。", "Cannot be amended now."))
        await _bind_attachments(sql, filed.definition, clean, principal.account_id, row.id)
        await _event(
            sql,
            row.id,
            kind="amended",
            status="in_review",
            actor_kind="resident" if row.account == principal.account_id else "proxy",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=note,
        )
    return await get_for_resident(principal, application_id)


async def withdraw(principal: Principal, application_id: int) -> dict[str, Any]:
    row = await _resident_row(principal, application_id)
    async with write_transaction() as sql:
        updated = await sql.fetch(
            "UPDATE application SET status = 'withdrawn', updated_at = ?, decided_at = ? "
            "WHERE id = ? AND status IN ('submitted', 'in_review', 'info_requested') "
            "RETURNING id",
            [_now(), _now(), row.id],
        )
        if not updated:
            raise Conflict(
                Text(
                    "この申請は取り下げられません。", "This application can no longer be withdrawn."
                )
            )
        await _event(
            sql,
            row.id,
            kind="withdrawn",
            status="withdrawn",
            actor_kind="resident" if row.account == principal.account_id else "proxy",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
        )
    return await get_for_resident(principal, application_id)


# --- staff: reading and deciding ---------------------------------------------------------------

DECIDING_ROLES = {"caseworker", "supervisor", "administrator"}


def _staff_only(principal: Principal, roles: set[str] | None = None) -> None:
    if not principal.is_staff or (roles is not None and principal.staff_role not in roles):
        raise Forbidden(Text("この操作の権限がありません。", "You are not allowed to do this."))


async def _staff_row(principal: Principal, application_id: int) -> Row:
    _staff_only(principal)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            _APPLICATION_SELECT + "WHERE a.id = ? AND a.municipality = ? "
            "AND a.status != 'awaiting_confirmation'",
            [application_id, principal.municipality_id],
        )
    if not rows:
        raise _NOT_FOUND
    row = _row(rows[0])
    if principal.staff_role != "administrator" and row.department not in principal.departments:
        raise _NOT_FOUND
    return row


async def get_for_staff(principal: Principal, application_id: int, purpose: str) -> dict[str, Any]:
    row = await _staff_row(principal, application_id)
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="application.opened",
        purpose=purpose,
        subject_person=row.person,
        subject_account=row.account,
        detail={"application": row.id, "receipt": row.receipt_number},
    )
    return await read_application(row)


async def change_status(
    principal: Principal, application_id: int, status: str, message: str
) -> dict[str, Any]:
    _staff_only(principal, DECIDING_ROLES)
    row = await _staff_row(principal, application_id)
    filed = await _version_by_id(row.procedure_id, row.version)
    definition = filed.definition
    allowed = {"in_review", "info_requested", "approved", "rejected"} | {
        s.id for s in definition.steps
    }
    if status not in allowed:
        raise InvalidInput(
            Text(
                "この状態にはできません。", f"Status must be one of {', '.join(sorted(allowed))}."
            ),
            errors=[
                FieldError(
                    field="status",
                    label=Text("状態", "status"),
                    message=Text("選べない状態です", "not a status of this procedure"),
                )
            ],
        )
    note = message.strip()
    if status in ("rejected", "info_requested") and not note:
        raise InvalidInput(
            Text("理由または依頼内容を書いてください。", "Say why (or what is needed)."),
            errors=[
                FieldError(
                    field="message",
                    label=Text("理由・依頼内容", "reason or request"),
                    message=Text("必須項目です", "is required"),
                )
            ],
        )
    if len(note) > 2000:
        raise InvalidInput(Text("2000文字以内で書いてください。", "At most 2000 characters."))
    now = _now()
    async with write_transaction() as sql:
        updated = await sql.fetch(
            "UPDATE application SET status = ?, updated_at = ?, decided_at = ? "
            "WHERE id = ? AND status NOT IN ('approved', 'rejected', 'withdrawn') RETURNING id",
            [status, now, now if status in FINAL else None, row.id],
        )
        if not updated:
            raise Conflict(
                Text("この申請はすでに完了しています。", "This application is already decided.")
            )
        await _event(
            sql,
            row.id,
            kind="status",
            status=status,
            actor_kind="staff",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=note,
        )
        if status == "approved":
            await _apply_effects(sql, row, definition)
        if row.account is not None:
            label = status_label(definition, status)
            await write_notice(
                sql,
                municipality_id=row.municipality,
                account_id=row.account,
                kind=f"application.{status}",
                title={
                    "ja": f"{definition.title.ja}：{label.ja}",
                    "easy": f"{definition.title.easy}：{label.easy}",
                    "en": f"{definition.title.en}: {label.en}",
                },
                body={
                    "ja": note
                    or f"受付番号 {row.receipt_number} の状況が「{label.ja}」になりました。",
                    "easy": note or f"うけつけ ばんごう {row.receipt_number}：{label.easy}",
                    "en": note or f"Application {row.receipt_number} is now: {label.en}.",
                },
                link=f"/applications/{row.id}",
            )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action=f"application.{status}",
            purpose="case_handling",
            subject_person=row.person,
            subject_account=row.account,
            detail={"application": row.id, "receipt": row.receipt_number},
            sql=sql,
        )
    return await read_application(await _staff_row(principal, application_id))


async def _apply_effects(sql: SqlSession, row: Row, definition: ProcedureDefinition) -> None:
    """What an approval changes beyond the application: for a move, the registry address
    (so every later form pre-fills it) and the tracker of where the change reached."""
    for effect in definition.effects:
        if isinstance(effect, AddressEffect) and row.person is not None:
            postal = row.answers.get(effect.postal_code_field)
            address = row.answers.get(effect.address_field)
            moved = row.answers.get(effect.date_field)
            if not (postal and address and moved):
                continue
            movers = {row.person}
            chosen = row.answers.get(effect.movers_field) if effect.movers_field else None
            if chosen:
                # Only members of the applicant's own household can be moved by this filing.
                found = await sql.fetch(
                    "SELECT p.id, p.registry_id FROM person p JOIN person me "
                    "ON me.household = p.household WHERE me.id = ?",
                    [row.person],
                )
                movers |= {pid for pid, registry_id in found if registry_id in chosen}
            changed = False
            for person_id in sorted(movers):
                changed |= bool(
                    await registry.change_address(
                        sql,
                        municipality_id=row.municipality,
                        person_id=person_id,
                        postal_code=postal,
                        address=address,
                        as_of=date.fromisoformat(moved),
                        source=f"転居届 {row.receipt_number}",
                    )
                )
            reached = await _departments_using_address(sql, row.municipality)
            now = _now()
            for department_id in reached:
                await sql.execute(
                    "INSERT INTO application_reach (application, department, reached_at) "
                    "VALUES (?, ?, ?)",
                    [row.id, department_id, now],
                )
            await _event(
                sql,
                row.id,
                kind="effect",
                actor_kind="system",
                actor_name="",
                text="住所を更新しました" if changed else "住所は登録済みでした",
            )


async def _departments_using_address(sql: SqlSession, municipality_id: int) -> list[int]:
    """The base registry's keeper, and every department whose published forms pre-fill
    the address: from now on each of them sees the new one."""
    rows = await sql.fetch(
        "SELECT p.department, pv.definition FROM procedure p JOIN procedure_version pv "
        "ON pv.procedure = p.id AND pv.version = p.published_version WHERE p.municipality = ?",
        [municipality_id],
    )
    keeper = await sql.fetch(
        "SELECT id FROM department WHERE municipality = ? AND code = ?",
        [municipality_id, FACT_DEPARTMENT["address"]],
    )
    departments = [keeper[0][0]] if keeper else []
    for department_id, raw in rows:
        definition = msgspec.json.decode(
            raw if isinstance(raw, (str, bytes)) else _dump(raw), type=ProcedureDefinition
        )
        uses = any(f.prefill in ("address", "postal_code") for f in definition.form.fields())
        if uses and department_id not in departments:
            departments.append(department_id)
    return departments


async def staff_message(principal: Principal, application_id: int, text: str) -> dict[str, Any]:
    _staff_only(principal)
    row = await _staff_row(principal, application_id)
    cleaned = _check_text(text)
    async with write_transaction() as sql:
        await _event(
            sql,
            row.id,
            kind="message",
            actor_kind="staff",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=cleaned,
        )
        if row.account is not None:
            await write_notice(
                sql,
                municipality_id=row.municipality,
                account_id=row.account,
                kind="application.message",
                title={
                    "ja": "申請についてメッセージが届きました",
                    "easy": "しんせいに ついて メッセージが きました",
                    "en": "A message about your application",
                },
                body={"ja": cleaned, "easy": cleaned, "en": cleaned},
                link=f"/applications/{row.id}",
            )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="application.message",
            purpose="case_handling",
            subject_person=row.person,
            subject_account=row.account,
            detail={"application": row.id, "receipt": row.receipt_number},
            sql=sql,
        )
    return await read_application(row)


# --- assisted filing at a counter ----------------------------------------------------------------

ASSISTING_ROLES = {"support", "caseworker", "supervisor", "administrator"}


def _code_hash(code: str) -> str:
    canonical = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(canonical.encode()).hexdigest()


async def file_assisted(
    principal: Principal,
    *,
    person_registry_id: str,
    slug: str,
    version: int,
    answers: dict[str, Any],
    idempotency_key: str,
) -> dict[str, Any]:
    """Support staff fill in a procedure with a resident at the counter. Nothing is filed
    until the resident confirms it with their own signed-in passkey session and the code
    shown on the staff screen; until then staff queues do not see it."""
    _staff_only(principal, ASSISTING_ROLES)
    current = await load_version(principal.municipality_id, slug)
    if version != current.version:
        raise _version_problem(current.version)
    digest = _digest({"person": person_registry_id, "slug": slug, "answers": answers})
    async with write_transaction() as sql:
        people = await sql.fetch(
            "SELECT id FROM person WHERE municipality = ? AND registry_id = ?",
            [principal.municipality_id, person_registry_id],
        )
        if not people:
            raise NotFound(Text("住民記録が見つかりません。", "No such registry person."))
        household = await load_household(sql, people[0][0], _today())
        tokens = await _attachment_tokens(sql, principal.account_id, None)
    # At the counter the resident is present and staff read the registry with them.
    clean, record = _check_answers(current.definition, answers, household, tokens, prefilled=True)
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    now = _now()
    receipt = _receipt_number(now)
    async with write_transaction() as sql:
        again = await sql.fetch(
            "SELECT id FROM application WHERE filed_by = ? AND idempotency_key = ?",
            [principal.account_id, idempotency_key],
        )
        if again:
            raise Conflict(
                Text("この送信はすでに受け付けています。", "This request was already made.")
            )
        rows = await sql.fetch(
            "INSERT INTO application (municipality, procedure, version, department, account, "
            "person, filed_by, channel, status, answers, prefill, receipt_number, "
            "idempotency_key, request_digest, submitted_at, updated_at, due_by, "
            "confirmation_hash, confirmation_expires_at) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?, 'assisted', 'awaiting_confirmation', ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?) RETURNING id",
            [
                principal.municipality_id,
                current.procedure_id,
                current.version,
                current.department_id,
                people[0][0],
                principal.account_id,
                _dump(clean),
                _dump(record),
                receipt,
                idempotency_key,
                digest,
                now,
                now,
                add_working_days(now.astimezone(JST).date(), current.definition.service_days),
                _code_hash(code),
                now + timedelta(minutes=CONFIRMATION_MINUTES),
            ],
        )
        application_id = rows[0][0]
        await _bind_attachments(
            sql, current.definition, clean, principal.account_id, application_id
        )
        await _event(
            sql,
            application_id,
            kind="assisted",
            status="awaiting_confirmation",
            actor_kind="staff",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="application.assisted",
            purpose="counter_support",
            subject_person=people[0][0],
            detail={"application": application_id, "receipt": receipt},
            sql=sql,
        )
    return {
        "application_id": application_id,
        "receipt_number": receipt,
        "confirmation_code": f"{code[:4]}-{code[4:]}",
        "confirm_url": f"/confirm?code={code[:4]}-{code[4:]}",
        "expires_at": now + timedelta(minutes=CONFIRMATION_MINUTES),
    }


async def confirm_assisted(principal: Principal, code: str) -> int:
    """The resident makes a counter filing their own: it becomes theirs, is filed, and is
    listed in their app where they can follow or withdraw it."""
    if principal.is_staff or principal.person_id is None:
        raise Forbidden(
            Text(
                "本人確認済みの住民のアカウントで確認してください。",
                "Confirm with your own verified resident account.",
            )
        )
    now = _now()
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id, person, confirmation_expires_at, procedure, version, receipt_number "
            "FROM application WHERE confirmation_hash = ? AND municipality = ? "
            "AND status = 'awaiting_confirmation'",
            [_code_hash(code), principal.municipality_id],
        )
        # A code for someone else's filing reads exactly like a wrong code.
        if not rows or rows[0][1] != principal.person_id or _aware(rows[0][2]) < now:
            raise InvalidInput(
                Text(
                    "確認コードが正しくないか、期限が切れています。窓口の職員にお尋ねください。",
                    "The code is wrong or has expired. Please ask the staff at the counter.",
                )
            )
        application_id = rows[0][0]
        await sql.execute(
            "UPDATE application SET account = ?, status = 'submitted', confirmed_at = ?, "
            "confirmation_hash = NULL, submitted_at = ?, updated_at = ? WHERE id = ?",
            [principal.account_id, now, now, now, application_id],
        )
        await _event(
            sql,
            application_id,
            kind="confirmed",
            status="submitted",
            actor_kind="resident",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
        )
        definitions = await sql.fetch(
            "SELECT definition FROM procedure_version WHERE procedure = ? AND version = ?",
            [rows[0][3], rows[0][4]],
        )
        definition = msgspec.json.decode(
            definitions[0][0]
            if isinstance(definitions[0][0], (str, bytes))
            else _dump(definitions[0][0]),
            type=ProcedureDefinition,
        )
        await _notify_filed(
            sql,
            principal.municipality_id,
            Applicant(principal.account_id, principal.person_id, principal.display_name, "self"),
            definition,
            rows[0][5],
            application_id,
            principal,
        )
    return application_id


# --- corrections ("この情報が違う") ---------------------------------------------------------


async def request_correction(
    principal: Principal, *, slug: str, field: str, note: str
) -> dict[str, Any]:
    if principal.is_staff or principal.person_id is None:
        raise Forbidden(
            Text("本人確認済みの住民のみ依頼できます。", "Only verified residents can ask.")
        )
    if len(note) > 1000:
        raise InvalidInput(Text("1000文字以内で書いてください。", "At most 1000 characters."))
    version = await load_version(principal.municipality_id, slug)
    spec = next((f for f in version.definition.form.fields() if f.name == field), None)
    if spec is None or spec.prefill is None:
        raise InvalidInput(
            Text("登録情報から入力された項目ではありません。", "That field is not pre-filled."),
            errors=[
                FieldError(
                    field="field",
                    label=Text("項目", "field"),
                    message=Text("この様式の登録情報の項目を指定してください", "unknown field"),
                )
            ],
        )
    async with write_transaction() as sql:
        household = await load_household(sql, principal.person_id, _today())
        held = prefill_for(version.definition.form, household).get(field) if household else None
        fact = held.fact if held else "name"
        current = held.value if held else ""
        if isinstance(current, list):
            current = "、".join(household.name_of(v) for v in current)  # type: ignore[union-attr]
        department = await sql.fetch(
            "SELECT id FROM department WHERE municipality = ? AND code = ?",
            [principal.municipality_id, FACT_DEPARTMENT.get(fact, "citizens")],
        )
        department_id = department[0][0] if department else version.department_id
        rows = await sql.fetch(
            "INSERT INTO correction_request (municipality, account, person, department, fact, "
            "field_label, current_value, note, status, reply, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', '', ?) RETURNING id",
            [
                principal.municipality_id,
                principal.account_id,
                principal.person_id,
                department_id,
                fact,
                _dump(msgspec.to_builtins(spec.label)),
                str(current),
                note.strip(),
                _now(),
            ],
        )
    return (await list_corrections(principal, correction_id=rows[0][0]))[0]


_CORRECTION_SELECT = (
    "SELECT c.id, c.fact, c.field_label, c.current_value, c.note, d.code, d.name_ja, "
    "d.name_easy, d.name_en, c.status, c.reply, c.created_at, c.resolved_at, c.account "
    "FROM correction_request c JOIN department d ON d.id = c.department "
)


def _correction(r: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "id": r[0],
        "fact": r[1],
        "fact_label": Localized(**_load(r[2])),
        "current_value": r[3],
        "note": r[4],
        "department": {"code": r[5], "name": Localized(ja=r[6], easy=r[7], en=r[8])},
        "status": r[9],
        "reply": r[10],
        "created_at": _aware(r[11]),
        "resolved_at": _aware(r[12]),
    }


async def list_corrections(
    principal: Principal, correction_id: int | None = None
) -> list[dict[str, Any]]:
    where = "WHERE c.account = ?"
    args: list[Any] = [principal.account_id]
    if correction_id is not None:
        where += " AND c.id = ?"
        args.append(correction_id)
    async with write_transaction() as sql:
        rows = await sql.fetch(_CORRECTION_SELECT + where + " ORDER BY c.id DESC", args)
    return [_correction(r) for r in rows]


async def list_corrections_for_staff(principal: Principal) -> list[dict[str, Any]]:
    _staff_only(principal)
    where = "WHERE c.municipality = ?"
    args: list[Any] = [principal.municipality_id]
    if principal.staff_role != "administrator":
        if not principal.departments:
            return []
        where += f" AND c.department IN ({', '.join('?' * len(principal.departments))})"
        args += principal.departments
    async with write_transaction() as sql:
        rows = await sql.fetch(_CORRECTION_SELECT + where + " ORDER BY c.id DESC LIMIT 500", args)
    return [_correction(r) for r in rows]


async def resolve_correction(
    principal: Principal, correction_id: int, status: str, reply: str
) -> dict[str, Any]:
    _staff_only(principal, DECIDING_ROLES)
    if status not in ("resolved", "rejected") or len(reply) > 2000:
        raise InvalidInput(
            Text("状態は resolved か rejected です。", "Status must be resolved or rejected.")
        )
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT department, account FROM correction_request WHERE id = ? AND municipality = ? "
            "AND status = 'open'",
            [correction_id, principal.municipality_id],
        )
        if not rows or (
            principal.staff_role != "administrator" and rows[0][0] not in principal.departments
        ):
            raise NotFound(Text("訂正の依頼が見つかりません。", "No such open correction request."))
        await sql.execute(
            "UPDATE correction_request SET status = ?, reply = ?, resolved_at = ? WHERE id = ?",
            [status, reply.strip(), _now(), correction_id],
        )
        await write_notice(
            sql,
            municipality_id=principal.municipality_id,
            account_id=rows[0][1],
            kind="correction." + status,
            title={
                "ja": "登録情報の訂正依頼に回答がありました",
                "easy": "じょうほうの なおしに こたえが きました",
                "en": "Your correction request was answered",
            },
            body={"ja": reply or status, "easy": reply or status, "en": reply or status},
            link="/corrections",
        )
        rows = await sql.fetch(_CORRECTION_SELECT + "WHERE c.id = ?", [correction_id])
    return _correction(rows[0])
