"""Filing an application: answers checked against the exact version (pre-filled values
kept as the registry holds them), one receipt number, idempotent retries, attachments
bound, the first timeline event and the resident's notice, all in one transaction."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date, datetime
from typing import Any

import msgspec

from todoke import clock, codes, jp
from todoke.audit import service as audit
from todoke.db import SqlSession, is_unique_violation, read_transaction, write_transaction
from todoke.errors import Conflict, FieldError, Forbidden, InvalidInput, Text
from todoke.identity import public as identity
from todoke.notices.service import write_notice
from todoke.principal import Principal
from todoke.procedures.applicants import Applicant, applicant_for, household_of
from todoke.procedures.forms import validate_answers
from todoke.procedures.moved import booking_problems
from todoke.procedures.prefill import Household, prefill_for, withheld_fields
from todoke.procedures.schemas import ProcedureDefinition
from todoke.procedures.timeline import record_event
from todoke.procedures.versions import load_version
from todoke.registry import protection


def dump_json(value: Any) -> str:
    """A JSON column's text, compact and with Japanese kept readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def receipt_number(now: datetime) -> str:
    """受付番号: the filing day in JST and eight characters a resident can read out."""
    day = now.astimezone(clock.JST).strftime("%y%m%d")
    return f"{day}-{''.join(secrets.choice(codes.ALPHABET) for _ in range(8))}"


def due_date(filed_at: datetime, service_days: int) -> date:
    """The service-level target: ``service_days`` working days after the filing day (JST),
    weekends, national holidays and the year-end break not counted."""
    return clock.add_working_days(filed_at.astimezone(clock.JST).date(), service_days)


def request_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def version_problem(current: int) -> Conflict:
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


class _Upload(msgspec.Struct, frozen=True):
    token: str


async def attachment_tokens(
    sql: SqlSession, account_id: int, application_id: int | None
) -> set[str]:
    """The uploads an answer may name: the account's unfiled ones, and this application's."""
    uploads = await sql.rows(
        _Upload,
        "SELECT token FROM attachment WHERE account = ? "
        "AND (application IS NULL OR application = ?)",
        [account_id, application_id or 0],
    )
    return {upload.token for upload in uploads}


def check_answers(
    definition: ProcedureDefinition,
    answers: dict[str, Any],
    household: Household | None,
    attachments: set[str],
    *,
    prefilled: bool,
    withheld: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate against the exact version; return (clean answers, pre-fill record with
    the resident's changes flagged). Locked pre-filled values cannot be changed; left out,
    they are taken from the registry (never ask for what is already held). With
    ``withheld`` (a delegate filing for a protected person, who was shown 「非表示」), the
    address and contact answers are the registry's whatever was sent: no answer may tell
    the delegate whether a guess was right."""
    held_values = (
        prefill_for(definition.form, household) if household is not None and prefilled else {}
    )
    answers = dict(answers)
    if withheld:
        for name in withheld_fields(definition.form):
            answers.pop(name, None)
            if name in held_values and not held_values[name].locked:
                answers[name] = held_values[name].value
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


def same_answer(first: Any, second: Any) -> bool:
    """Whether two answers say the same, whatever the width, spacing or order they were
    written in."""
    return bool(_normalised(first) == _normalised(second))


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        return jp.normalize_text(value).replace(" ", "").replace("\u3000", "")
    if isinstance(value, list):
        return sorted(_normalised(v) for v in value)
    return value


async def bind_attachments(
    sql: SqlSession,
    definition: ProcedureDefinition,
    clean: dict[str, Any],
    account_id: int,
    application_id: int,
) -> None:
    """The uploads the answers name become the application's (and readable by its staff)."""
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


async def notify_filed(
    sql: SqlSession,
    municipality_id: int,
    applicant: Applicant,
    definition: ProcedureDefinition,
    receipt: str,
    application_id: int,
    filer: Principal,
) -> None:
    """The applicant's inbox notice of a filing, naming the delegate who filed it."""
    title = definition.title
    body = {
        "ja": f"「{title.ja}」を受け付けました。受付番号は {receipt} です。",
        "easy": f"「{title.easy}」を うけつけ ました。うけつけ ばんごうは {receipt} です。",
        "en": f"We received your “{title.en}”. Your receipt number is {receipt}.",
    }
    if applicant.channel == "proxy":
        # The delegate as the application names them (verified: their registry name).
        named = await identity.names_as_filed([filer.account_id], sql)
        agent = named.get(filer.account_id, filer.display_name)
        body = {
            "ja": body["ja"] + f"（代理人 {agent} さんによる申請）",
            "easy": body["easy"] + f"（だいりにん {agent} さんが しんせい しました）",
            "en": body["en"] + f" (filed for you by {agent})",
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
        thread=str(application_id),
    )


# --- time saved -----------------------------------------------------------------------------


class _Started(msgspec.Struct, frozen=True):
    created_at: datetime


def filing_seconds(started_at: datetime | None, confirmed_at: datetime) -> int | None:
    """The raw span from a filing's start to its confirmation, in whole seconds (None when
    no start is known). Kept raw: a draft left for days is what happened; the statistic
    decides what to count (staff metrics leave out spans over their cap)."""
    if started_at is None:
        return None
    return max(0, int((confirmed_at - started_at).total_seconds()))


async def draft_started(
    sql: SqlSession, municipality_id: int, author: int, draft_id: int | None
) -> datetime | None:
    """When the resident started this filing: their draft's creation (None without one)."""
    if draft_id is None:
        return None
    started = await sql.row(
        _Started,
        "SELECT created_at FROM draft WHERE municipality = ? AND id = ? AND author = ?",
        [municipality_id, draft_id, author],
    )
    return started.created_at if started is not None else None


# --- idempotency ----------------------------------------------------------------------------


class _Filed(msgspec.Struct, frozen=True):
    id: int
    request_digest: str


_FILED_WITH_KEY = (
    "SELECT id, request_digest FROM application WHERE filed_by = ? AND idempotency_key = ?"
)


def _same_request(filed: _Filed, digest: str) -> int:
    if filed.request_digest != digest:
        raise InvalidInput(
            Text(
                "同じ送信番号で別の内容が送られました。画面を読み込み直してください。",
                "This Idempotency-Key was already used for a different request.",
            )
        )
    return filed.id


async def _by_idempotency_key(account_id: int, key: str, digest: str) -> int | None:
    async with read_transaction() as sql:
        filed = await sql.row(_Filed, _FILED_WITH_KEY, [account_id, key])
    return _same_request(filed, digest) if filed is not None else None


# --- filing ---------------------------------------------------------------------------------


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
    digest = request_digest(
        {"slug": slug, "version": version, "answers": answers, "on_behalf_of": on_behalf_of}
    )
    existing = await _by_idempotency_key(principal.account_id, idempotency_key, digest)
    if existing is not None:
        return existing, False
    current = await load_version(principal.municipality_id, slug)
    if version != current.version:
        raise version_problem(current.version)
    definition = current.definition
    if definition.closes_on is not None and definition.closes_on < clock.today():
        raise Conflict(
            Text("この手続きの受付は終了しました。", "This procedure is closed for filing.")
        )
    async with read_transaction() as sql:
        applicant = await applicant_for(sql, principal, on_behalf_of, current)
        household = await household_of(sql, applicant, principal.municipality_id, slug)
        moved = household is not None and bool(household.moved_from)
        if definition.identity == "verified" and applicant.person_id is None and not moved:
            raise Forbidden(
                Text(
                    "申請するには本人確認が必要です。",
                    "Verify your identity before filing this procedure.",
                )
            )
        tokens = await attachment_tokens(sql, principal.account_id, None)
        withheld = applicant.channel == "proxy" and await protection.is_protected(
            principal.municipality_id, applicant.person_id, sql
        )
    prefilled = moved or await identity.has_consent(applicant.account_id, "prefill")
    try:
        clean, record = check_answers(
            definition, answers, household, tokens, prefilled=prefilled, withheld=withheld
        )
        booking_problems(slug, clean, clock.today())
    except InvalidInput:
        # A concurrent twin may have just filed (and taken the attachments): answer as it did.
        twin = await _by_idempotency_key(principal.account_id, idempotency_key, digest)
        if twin is not None:
            return twin, False
        raise
    now = clock.now()
    receipt = receipt_number(now)
    try:
        async with write_transaction() as sql:
            # Checked again inside the transaction: on SQLite the write lock serialises
            # this; on PostgreSQL the unique index catches a concurrent twin below.
            again = await sql.row(_Filed, _FILED_WITH_KEY, [principal.account_id, idempotency_key])
            if again is not None:
                return _same_request(again, digest), False
            started_at = await draft_started(
                sql, principal.municipality_id, principal.account_id, draft_id
            )
            application_id = await sql.value(
                "INSERT INTO application (municipality, procedure, version, department, account, "
                "person, filed_by, channel, status, answers, prefill, receipt_number, "
                "idempotency_key, request_digest, submitted_at, updated_at, due_by, "
                "started_at, filing_seconds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                    dump_json(clean),
                    dump_json(record),
                    receipt,
                    idempotency_key,
                    digest,
                    now,
                    now,
                    due_date(now, definition.service_days),
                    started_at,
                    filing_seconds(started_at, now),
                ],
            )
            await bind_attachments(sql, definition, clean, principal.account_id, application_id)
            await record_event(
                sql,
                principal.municipality_id,
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
            await notify_filed(
                sql,
                principal.municipality_id,
                applicant,
                definition,
                receipt,
                application_id,
                principal,
            )
            if moved:
                await audit.record(
                    municipality_id=principal.municipality_id,
                    actor_kind="resident",
                    actor_account=principal.account_id,
                    action="move.prefilled_filed",
                    purpose="moving",
                    subject_account=applicant.account_id,
                    detail={"application": application_id, "procedure": slug},
                    sql=sql,
                )
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
