"""Filing with a resident at the counter: staff fill in the procedure, the resident reads
it (with the code on the staff screen) and makes it their own with a fresh assertion of
their own passkey for that filing (step-up, issue 17). Until then it is no one's filing and
no staff queue shows it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from todoke import clock, codes
from todoke.audit import service as audit
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures import decisions, reading
from todoke.procedures.applicants import applicant_self
from todoke.procedures.filing import (
    attachment_tokens,
    bind_attachments,
    check_answers,
    due_date,
    dump_json,
    filing_seconds,
    notify_filed,
    receipt_number,
    request_digest,
    version_problem,
)
from todoke.procedures.prefill import load_household
from todoke.procedures.schemas import (
    AssistedAttestation,
    AssistedAttested,
    AssistedPending,
    AssistedReview,
)
from todoke.procedures.service import decode_definition
from todoke.procedures.timeline import record_event
from todoke.procedures.versions import load_version
from todoke.registry import protection
from todoke.registry import public as registry

CONFIRMATION_MINUTES = 30


async def file_assisted(
    principal: Principal,
    *,
    person_registry_id: str,
    slug: str,
    version: int,
    answers: dict[str, Any],
    idempotency_key: str,
    started_seconds_ago: int = 0,
    sees_protected: bool = False,
) -> AssistedPending:
    """Staff fill in a procedure with a resident at the counter. Nothing is filed until
    the resident confirms it with their own signed-in passkey session and the code shown
    on the staff screen. For a person under 支援措置, staff without the need
    (``sees_protected`` false) were shown 「非表示」: the address and contact filed are the
    registry's, whatever was sent."""
    started = clock.now() - timedelta(seconds=started_seconds_ago)  # bounded by the schema
    current = await load_version(principal.municipality_id, slug)
    if version != current.version:
        raise version_problem(current.version)
    digest = request_digest({"person": person_registry_id, "slug": slug, "answers": answers})
    person_id = await registry.person_id_of(principal.municipality_id, person_registry_id)
    if person_id is None:
        raise NotFound(Text("住民記録が見つかりません。", "No such registry person."))
    async with read_transaction() as sql:
        household = await load_household(sql, person_id, clock.today())
        tokens = await attachment_tokens(sql, principal.account_id, None)
        withheld = not sees_protected and await protection.is_protected(
            principal.municipality_id, person_id, sql
        )
    # At the counter the resident is present and staff read the registry with them.
    clean, record = check_answers(
        current.definition, answers, household, tokens, prefilled=True, withheld=withheld
    )
    code = codes.new_code(groups=2)
    now = clock.now()
    expires_at = now + timedelta(minutes=CONFIRMATION_MINUTES)
    receipt = receipt_number(now)
    async with write_transaction() as sql:
        again = await sql.value(
            "SELECT id FROM application WHERE filed_by = ? AND idempotency_key = ?",
            [principal.account_id, idempotency_key],
        )
        if again is not None:
            raise Conflict(
                Text("この送信はすでに受け付けています。", "This request was already made.")
            )
        application_id = await sql.value(
            "INSERT INTO application (municipality, procedure, version, department, account, "
            "person, filed_by, channel, status, answers, prefill, receipt_number, "
            "idempotency_key, request_digest, submitted_at, updated_at, due_by, "
            "confirmation_hash, confirmation_expires_at, started_at) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?, 'assisted', 'awaiting_confirmation', ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?) RETURNING id",
            [
                principal.municipality_id,
                current.procedure_id,
                current.version,
                current.department_id,
                person_id,
                principal.account_id,
                dump_json(clean),
                dump_json(record),
                receipt,
                idempotency_key,
                digest,
                now,
                now,
                due_date(now, current.definition.service_days),
                codes.code_hash(code),
                expires_at,
                started,
            ],
        )
        await bind_attachments(sql, current.definition, clean, principal.account_id, application_id)
        await record_event(
            sql,
            principal.municipality_id,
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
            subject_person=person_id,
            detail={"application": application_id, "receipt": receipt},
            sql=sql,
        )
    return AssistedPending(
        application_id=application_id,
        receipt_number=receipt,
        confirmation_code=code,
        confirm_url=f"/confirm?code={code}",
        expires_at=expires_at,
    )


class _Pending(msgspec.Struct, frozen=True):
    id: int
    person: int | None
    account: int | None
    status: str
    confirmation_hash: str
    confirmation_expires_at: datetime
    receipt_number: str
    definition: Any
    started_at: datetime | None

    @property
    def is_booking(self) -> bool:
        """A counter visit the resident booked online and staff opened at the desk
        (``bookings``), not a filing made at the counter waiting for its resident."""
        return self.status != "awaiting_confirmation"

    def belongs_to(self, principal: Principal) -> bool:
        # A counter filing is for the person staff found; a booking is the account's own.
        if self.is_booking:
            return self.account is not None and self.account == principal.account_id
        return self.person is not None and self.person == principal.person_id


_WRONG_CODE = InvalidInput(
    Text(
        "確認コードが正しくないか、期限が切れています。窓口の職員にお尋ねください。",
        "The code is wrong or has expired. Please ask the staff at the counter.",
    )
)


def _own_resident(principal: Principal) -> None:
    if principal.is_staff or principal.person_id is None:
        raise Forbidden(
            Text(
                "本人確認済みの住民のアカウントで確認してください。",
                "Confirm with your own verified resident account.",
            )
        )


async def _pending(sql: SqlSession, principal: Principal, code: str) -> _Pending:
    """What waits for this resident's confirmation under this code: a filing made at the
    counter, or a booking of theirs opened at the desk (neither decided nor withdrawn since).
    A code for someone else's reads exactly like a wrong code."""
    pending = await sql.row(
        _Pending,
        "SELECT a.id AS id, a.person AS person, a.account AS account, a.status AS status, "
        "a.confirmation_hash AS confirmation_hash, "
        "a.confirmation_expires_at AS confirmation_expires_at, "
        "a.receipt_number AS receipt_number, pv.definition AS definition, "
        "a.started_at AS started_at "
        "FROM application a JOIN procedure_version pv "
        "ON pv.procedure = a.procedure AND pv.version = a.version "
        "WHERE a.confirmation_hash = ? AND a.municipality = ? "
        "AND a.status NOT IN ('approved', 'rejected', 'withdrawn')",
        [codes.code_hash(code), principal.municipality_id],
    )
    if (
        pending is None
        or not pending.belongs_to(principal)
        or pending.confirmation_expires_at < clock.now()
    ):
        raise _WRONG_CODE
    return pending


async def _residents_trail(
    principal: Principal, action: str, application_id: int, sql: SqlSession | None = None
) -> None:
    """A confirmation at the counter, or its refusal, in the audit trail."""
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="resident",
        actor_account=principal.account_id,
        subject_person=principal.person_id,
        subject_account=principal.account_id,
        action=action,
        purpose="counter filing",
        detail={"application": application_id},
        sql=sql,
    )


def _bound_to(pending: _Pending) -> str:
    """What a step-up confirms: this application as given under this code. A booking opened
    again at the desk (its answers corrected, maybe) has a new code, so an assertion made
    while reading it before does not confirm what the resident has not read."""
    return f"application:{pending.id}:{pending.confirmation_hash[:16]}"


async def confirmation_review(principal: Principal, code: str, *, rp_id: str) -> AssistedReview:
    """What the resident is about to make their own, as filed at the counter, and the
    options for confirming exactly this filing with their own passkey, now."""
    _own_resident(principal)
    async with read_transaction() as sql:
        pending = await _pending(sql, principal, code)
        rows = await reading.application_rows(
            sql, "WHERE a.id = ? AND a.municipality = ?", [pending.id, principal.municipality_id]
        )
    options = await identity.step_up_options(principal, rp_id=rp_id, bound_to=_bound_to(pending))
    review = await reading.read_application(
        rows[0], sees_protected=rows[0].account == principal.account_id
    )
    return AssistedReview(application=review, options=options)


async def confirm_assisted(
    principal: Principal,
    code: str,
    credential: dict[str, Any],
    *,
    rp_id: str,
    origins: list[str],
) -> int:
    """The resident makes a counter filing their own with a fresh assertion of their own
    passkey for this very filing (step-up: an unlocked phone in someone else's hand, a
    replayed or stale assertion, another person's passkey are refused, and audited). It
    becomes theirs, is filed, and is listed in their app where they can follow or withdraw
    it. A booking of theirs opened at the desk (``bookings``) is accepted there instead:
    approved, with its effects."""
    _own_resident(principal)
    async with read_transaction() as sql:
        waiting = await _pending(sql, principal, code)
    try:
        await identity.verify_step_up(
            principal, credential, bound_to=_bound_to(waiting), rp_id=rp_id, origins=origins
        )
    except InvalidInput:
        await _residents_trail(principal, "application.confirmation_refused", waiting.id)
        raise
    now = clock.now()
    async with write_transaction() as sql:
        pending = await _pending(sql, principal, code)  # again, in the writing transaction
        if pending.is_booking:
            await _accept_booking(sql, principal, pending)
            return pending.id
        await sql.execute(
            "UPDATE application SET account = ?, status = 'submitted', confirmed_at = ?, "
            "confirmation_hash = NULL, submitted_at = ?, updated_at = ?, filing_seconds = ? "
            "WHERE municipality = ? AND id = ?",
            [
                principal.account_id,
                now,
                now,
                now,
                filing_seconds(pending.started_at, now),
                principal.municipality_id,
                pending.id,
            ],
        )
        await record_event(
            sql,
            principal.municipality_id,
            pending.id,
            kind="confirmed",
            status="submitted",
            actor_kind="resident",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
        )
        await _residents_trail(principal, "application.confirmed_with_passkey", pending.id, sql)
        await notify_filed(
            sql,
            principal.municipality_id,
            applicant_self(principal),
            decode_definition(pending.definition),
            pending.receipt_number,
            pending.id,
            principal,
        )
    return pending.id


# What the timeline says of a booking the resident confirmed at the desk.
CONFIRMED_AT_COUNTER = "窓口で本人がパスキーで確認"


class _Opener(msgspec.Struct, frozen=True):
    actor_account: int | None
    actor_name: str


async def _accept_booking(sql: SqlSession, principal: Principal, pending: _Pending) -> None:
    """A booking opened at the desk, now confirmed by its resident's passkey: the code is
    spent, and the booking is accepted at the counter (approved with its effects, as by the
    staff member who last opened it)."""
    now = clock.now()
    await sql.execute(
        "UPDATE application SET confirmation_hash = NULL, confirmed_at = ?, updated_at = ? "
        "WHERE municipality = ? AND id = ?",
        [now, now, principal.municipality_id, pending.id],
    )
    await record_event(
        sql,
        principal.municipality_id,
        pending.id,
        kind="confirmed",
        actor_kind="resident",
        actor_account=principal.account_id,
        actor_name=principal.display_name,
        text=CONFIRMED_AT_COUNTER,
    )
    await _residents_trail(principal, "application.confirmed_with_passkey", pending.id, sql)
    opener = await sql.row(
        _Opener,
        "SELECT actor_account, actor_name FROM application_event "
        "WHERE municipality = ? AND application = ? AND kind = 'assisted' "
        "AND actor_kind = 'staff' ORDER BY id DESC LIMIT 1",
        [principal.municipality_id, pending.id],
    )
    [row] = await reading.application_rows(
        sql, "WHERE a.id = ? AND a.municipality = ?", [pending.id, principal.municipality_id]
    )
    await decisions.accept_at_counter(
        sql,
        row,
        decode_definition(pending.definition),
        staff_account=opener.actor_account if opener is not None else None,
        staff_name=opener.actor_name if opener is not None else "",
    )


# --- for a resident without a passkey: a signature or the staff member's attestation ------


class _Waiting(msgspec.Struct, frozen=True):
    id: int
    person: int
    confirmation_expires_at: datetime
    started_at: datetime | None


_NO_SUCH_FILING = NotFound(
    Text(
        "確認を待っているあなたの窓口申請はありません。",
        "No counter filing of yours is waiting for a confirmation.",
    )
)


async def attest_assisted(
    principal: Principal, application_id: int, data: AssistedAttestation
) -> AssistedAttested:
    """The staff member who filed it at the counter confirms it for a resident who has no
    passkey (no account to confirm with): the resident's signature on the pad, or the staff
    member's attestation of the identity document they checked. Recorded as such (the
    application's timeline, the audit trail), never as the resident's own confirmation; a
    resident with an account confirms with their passkey instead."""
    if data.method == "signature" and not data.signature:
        raise InvalidInput(Text("署名の画像がありません。", "The signature image is missing."))
    if data.method == "staff_attestation" and not data.document.strip():
        raise InvalidInput(
            Text("確認した本人確認書類を書いてください。", "Name the identity document checked.")
        )
    now = clock.now()
    async with write_transaction() as sql:
        waiting = await sql.row(
            _Waiting,
            "SELECT id, person, confirmation_expires_at, started_at FROM application "
            "WHERE id = ? AND municipality = ? AND filed_by = ? AND channel = 'assisted' "
            "AND status = 'awaiting_confirmation'",
            [application_id, principal.municipality_id, principal.account_id],
        )
        if waiting is None:
            raise _NO_SUCH_FILING
        if waiting.confirmation_expires_at < now:
            raise Conflict(
                Text(
                    "確認の期限が過ぎました。もう一度入力してください。",
                    "The time to confirm has passed. Please file it again.",
                )
            )
        if await identity.resident_account_of(waiting.person, sql) is not None:
            raise Conflict(
                Text(
                    "このかたはアカウントをお持ちです。ご本人のパスキーで確認してください。",
                    "This resident has an account: they confirm with their own passkey.",
                )
            )
        if data.method == "signature":
            bound = await sql.value(
                "UPDATE attachment SET application = ? WHERE municipality = ? AND token = ? "
                "AND account = ? AND application IS NULL "
                "AND content_type IN ('image/png', 'image/jpeg', 'image/webp') RETURNING id",
                [waiting.id, principal.municipality_id, data.signature, principal.account_id],
            )
            if bound is None:
                raise InvalidInput(
                    Text(
                        "署名の画像が見つかりません。もう一度署名してください。",
                        "The signature image was not found. Please sign again.",
                    )
                )
        await sql.execute(
            "UPDATE application SET status = 'submitted', confirmed_at = ?, "
            "confirmation_hash = NULL, submitted_at = ?, updated_at = ?, filing_seconds = ? "
            "WHERE municipality = ? AND id = ?",
            [now, now, now, filing_seconds(waiting.started_at, now), principal.municipality_id,
             waiting.id],
        )  # fmt: skip
        said = (
            "窓口の署名パッドでの署名により確認"
            if data.method == "signature"
            else f"職員が本人確認書類（{data.document.strip()}）を確認"
        )
        await record_event(
            sql,
            principal.municipality_id,
            waiting.id,
            kind="confirmed",
            status="submitted",
            actor_kind="staff",
            actor_account=principal.account_id,
            actor_name=principal.display_name,
            text=said,
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            subject_person=waiting.person,
            action="application.confirmed_by_attestation",
            purpose="counter filing",
            detail={"application": waiting.id, "method": data.method,
                    "document": data.document.strip(), "signature": data.signature},
            sql=sql,
        )  # fmt: skip
    return AssistedAttested(id=waiting.id, status="submitted", method=data.method, confirmed_at=now)
