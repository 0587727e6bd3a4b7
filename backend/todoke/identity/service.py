"""Identity services: sign-up and sign-in with passkeys, sessions, identity verification,
recovery, staff accounts and consents. Plain async code; no HTTP here."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit_service
from todoke.codes import b64url_encode, code_hash, new_code, secret_hash
from todoke.db import (
    SqlSession,
    is_unique_violation,
    read_transaction,
    single_read,
    write_transaction,
)
from todoke.errors import Conflict, InvalidInput, NotFound, Text
from todoke.identity import passkeys
from todoke.identity.schemas import (
    AccountRead,
    ActivationCodeIssued,
    Consents,
    CounterCode,
    PasskeyRead,
    StaffInviteIssued,
    StaffInviteOpened,
    StoredPasskey,
    VerificationResult,
)
from todoke.notices.service import write_notice
from todoke.principal import STAFF_ROLES, Principal
from todoke.registry import branding
from todoke.registry import public as registry
from todoke.settings import Settings

# What a resident may consent to: the fields of ``Consents``.
CONSENT_PURPOSES: tuple[str, ...] = Consents.__struct_fields__
logger = logging.getLogger("todoke.identity")

ACTIVATION_DAYS = 30
# The purpose of codes printed on outreach letters (勧奨通知): they bind a new account only.
OUTREACH = "outreach"
INVITE_DAYS = 7
# A recovery letter's code works only after this long (the settings' recovery_hold_hours):
# the account it would take over is told at once, on every channel, and can cancel it.
RECOVERY_HOLD = timedelta(hours=72)
VERIFICATION_MAX_FAILURES = 5


def recovery_hold(settings: Settings) -> timedelta:
    return timedelta(hours=max(settings.recovery_hold_hours, 0))


VERIFICATION_LOCK = timedelta(hours=24)
COUNTER_CODE_MINUTES = 15
# The last-seen time is refreshed at most this often: not a write on every request.
SESSION_TOUCH = timedelta(minutes=1)

NO_ACCOUNT = Text("アカウントがありません。", "No such account.")
NO_PASSKEY = Text("パスキーがありません。", "No such passkey.")
NO_RESIDENT = Text("該当する住民がいません。", "No resident with this registry id.")


# --- accounts and passkeys ---------------------------------------------------------------


_PASSKEY_TAKEN = Conflict(
    Text("このパスキーは登録済みです。", "This passkey is already registered.")
)


async def _insert_passkey(
    sql: SqlSession, municipality_id: int, account_id: int, stored: StoredPasskey, name: str
) -> int:
    now = clock.now()
    try:
        passkey_id = await sql.value(
            "INSERT INTO passkey (municipality, account, credential_id, user_handle, public_key, "
            "sign_count, transports, aaguid, device_type, backup_eligible, backup_state, name, "
            "created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            [
                municipality_id,
                account_id,
                stored.credential_id,
                stored.user_handle,
                stored.public_key,
                stored.sign_count,
                json.dumps(stored.transports),
                stored.aaguid,
                stored.device_type,
                stored.backup_eligible,
                stored.backup_state,
                name[:64],
                now,
                now,  # registering is a use: the ceremony proved the resident holds it
            ],
        )
    except Exception as error:
        if is_unique_violation(error):  # the same authenticator registered twice at once
            raise _PASSKEY_TAKEN from None
        raise
    return int(passkey_id)


async def create_account_with_passkey(
    *,
    municipality_id: int,
    user_handle: str,
    display_name: str,
    stored: StoredPasskey,
    passkey_name: str,
    invite: StaffInviteOpened | None = None,
) -> int:
    """A new account holding its first passkey; a staff account when made from an invite."""
    kind = "staff" if invite else "resident"
    now = clock.now()
    async with write_transaction() as sql:
        if invite:
            used = await sql.value(
                "UPDATE staff_invite SET used_at = ? WHERE id = ? AND used_at IS NULL "
                "AND expires_at > ? RETURNING id",
                [now, invite.id, now],
            )
            if used is None:
                raise InvalidInput(_INVITE_INVALID)
        account_id = int(
            await sql.value(
                "INSERT INTO account (municipality, kind, display_name, user_handle, "
                "staff_role, language, second_passkey_suggested, verification_failures, "
                "verified_by, created_at) VALUES (?, ?, ?, ?, ?, 'ja', ?, 0, '', ?) RETURNING id",
                [
                    municipality_id,
                    kind,
                    display_name[:100],
                    user_handle,
                    invite.role if invite else "",
                    False,
                    now,
                ],
            )
        )
        await _insert_passkey(sql, municipality_id, account_id, stored, passkey_name)
        if invite:
            await sql.execute(
                "UPDATE staff_invite SET account = ? WHERE id = ?", [account_id, invite.id]
            )
            await sql.executemany(
                "INSERT INTO staff_department (municipality, account, department) VALUES (?, ?, ?)",
                [(municipality_id, account_id, d) for d in invite.department_ids],
            )
            await audit_service.record(
                municipality_id=municipality_id,
                actor_kind="staff",
                actor_account=account_id,
                subject_account=account_id,
                action="staff.account_created",
                purpose="staff invite accepted",
                detail={"role": invite.role, "invite": invite.id},
                sql=sql,
            )
    return account_id


async def add_passkey(principal: Principal, stored: StoredPasskey, name: str) -> int:
    async with write_transaction() as sql:
        return await _insert_passkey(
            sql, principal.municipality_id, principal.account_id, stored, name
        )


class _CredentialId(msgspec.Struct, frozen=True):
    credential_id: str


async def account_credentials(account_id: int) -> list[str]:
    """The base64url ids of the account's passkeys (excluded when adding another)."""
    async with read_transaction() as sql:
        rows = await sql.rows(
            _CredentialId, "SELECT credential_id FROM passkey WHERE account = ?", [account_id]
        )
    return [r.credential_id for r in rows]


async def account_kind(account_id: int) -> str:
    async with read_transaction() as sql:
        kind = await sql.value("SELECT kind FROM account WHERE id = ?", [account_id])
    return str(kind) if kind is not None else "resident"


class _Handle(msgspec.Struct, frozen=True):
    user_handle: str
    display_name: str


async def account_handle(account_id: int) -> tuple[str, str]:
    """(WebAuthn user handle, display name) of the account, for adding a passkey."""
    async with read_transaction() as sql:
        found = await sql.row(
            _Handle, "SELECT user_handle, display_name FROM account WHERE id = ?", [account_id]
        )
    if found is None:
        raise NotFound(NO_ACCOUNT)
    return found.user_handle, found.display_name


class _SigningPasskey(msgspec.Struct, frozen=True):
    id: int
    account: int
    public_key: str
    sign_count: int
    user_handle: str
    disabled_at: datetime | None  # the account's


async def sign_in_with_passkey(
    credential: dict[str, Any],
    *,
    municipality_id: int,
    challenge: bytes,
    rp_id: str,
    origins: list[str],
) -> int:
    """The account id whose passkey signed this assertion; refuses unknown, disabled,
    unverified or cloned-looking authenticators."""
    credential_id = passkeys.credential_id_of(credential)
    async with read_transaction() as sql:
        passkey = await sql.row(
            _SigningPasskey,
            "SELECT p.id AS id, p.account AS account, p.public_key AS public_key, "
            "p.sign_count AS sign_count, p.user_handle AS user_handle, "
            "a.disabled_at AS disabled_at FROM passkey p JOIN account a ON a.id = p.account "
            "WHERE p.municipality = ? AND p.credential_id = ?",
            [municipality_id, credential_id],
        )
    if passkey is None or passkey.disabled_at is not None:
        raise passkeys.REFUSED
    # py_webauthn does not compare the returned user handle with the credential's owner.
    response = credential.get("response")
    user_handle = response.get("userHandle") if isinstance(response, dict) else None
    if user_handle and b64url_encode(passkeys.decoded(user_handle)) != passkey.user_handle:
        raise passkeys.REFUSED
    try:
        result = passkeys.verify_assertion(
            credential,
            challenge=challenge,
            rp_id=rp_id,
            origins=origins,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
        )
    except passkeys.SignCountRegression:
        async with write_transaction() as sql:
            await sql.execute(
                "UPDATE passkey SET clone_suspected_at = ? WHERE id = ?",
                [clock.now(), passkey.id],
            )
        raise InvalidInput(
            Text(
                "このパスキーは複製された可能性があるため使えません。窓口にご相談ください。",
                "This passkey may have been cloned and cannot be used. Please ask at the counter.",
            )
        ) from None
    async with write_transaction() as sql:
        # Compare-and-set: two racing sign-ins with one counter value cannot both pass.
        updated = await sql.value(
            "UPDATE passkey SET sign_count = ?, backup_state = ?, last_used_at = ? "
            "WHERE id = ? AND sign_count = ? RETURNING id",
            [result.sign_count, result.backup_state, clock.now(), passkey.id, passkey.sign_count],
        )
    if updated is None:
        raise passkeys.REFUSED
    return passkey.account


# --- step-up: one action confirmed with the account's own passkey -------------------------

STEP_UP_REFUSED = InvalidInput(
    Text(
        "ご本人のパスキーで確認できませんでした。もう一度お試しください。",
        "This was not confirmed with your own passkey. Please try again.",
    )
)


def _step_up_binding(principal: Principal) -> str:
    # The session that asked: the assertion cannot be finished from another one.
    return f"step-up:{principal.session_id}"


async def step_up_options(principal: Principal, *, rp_id: str, bound_to: str) -> msgspec.Raw:
    """Options for confirming ``bound_to`` (one action, e.g. ``application:42``) with a
    fresh assertion of one of this account's own passkeys."""
    async with read_transaction() as sql:
        credential_ids = [
            row[0]
            for row in await sql.fetch(
                "SELECT credential_id FROM passkey WHERE municipality = ? AND account = ? "
                "AND clone_suspected_at IS NULL ORDER BY id",
                [principal.municipality_id, principal.account_id],
            )
        ]
    if not credential_ids:
        raise Conflict(
            Text(
                "このアカウントには使えるパスキーがありません。窓口の職員にお伝えください。",
                "This account has no passkey to confirm with. Please tell the staff.",
            )
        )
    return await passkeys.step_up_options(
        municipality_id=principal.municipality_id,
        rp_id=rp_id,
        binding=_step_up_binding(principal),
        account=principal.account_id,
        credential_ids=credential_ids,
        bound_to=bound_to,
    )


async def verify_step_up(
    principal: Principal,
    credential: dict[str, Any],
    *,
    bound_to: str,
    rp_id: str,
    origins: list[str],
) -> None:
    """The assertion answers options made for ``bound_to`` in this session, within
    STEP_UP_MINUTES, once (a replay finds the ceremony used), and was signed, with user
    verification, by one of this account's passkeys — not another person's."""
    ceremony = await passkeys.take_ceremony(
        principal.municipality_id, credential, "step_up", _step_up_binding(principal)
    )
    if ceremony.account != principal.account_id or ceremony.data.bound_to != bound_to:
        raise STEP_UP_REFUSED
    signer = await sign_in_with_passkey(
        credential,
        municipality_id=principal.municipality_id,
        challenge=ceremony.challenge,
        rp_id=rp_id,
        origins=origins,
    )
    if signer != principal.account_id:
        raise STEP_UP_REFUSED


# --- sessions ------------------------------------------------------------------------------


async def start_session(
    account_id: int, *, municipality_id: int, absolute_hours: int, user_agent: str
) -> tuple[str, str]:
    """A new session (new id at every sign-in); returns (token for the cookie, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = clock.now()
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO session (municipality, token_hash, account, csrf_token, user_agent, "
            "created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                municipality_id,
                secret_hash(token),
                account_id,
                csrf,
                user_agent[:200],
                now,
                now,
                now + timedelta(hours=absolute_hours),
            ],
        )
    return token, csrf


class _LiveSession(msgspec.Struct, frozen=True):
    """A session with its account, once per department the staff member works in."""

    session_id: int
    account_id: int
    csrf_token: str
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    municipality_id: int
    kind: str
    display_name: str
    person_id: int | None
    staff_role: str
    disabled_at: datetime | None
    department: int | None


async def resolve_session(
    token: str, *, municipality_id: int, idle_minutes: int
) -> Principal | None:
    """The principal of a live session at the request's municipality, or None (a cookie of
    another municipality's session is not found here). Idle and absolute timeouts are
    enforced here, on the server; the last-seen time is refreshed at most once a minute.

    Runs on every API request: one read (session, account and a staff member's
    departments together), and a write only when the session ends or is touched."""
    if not token or len(token) > 100:
        return None
    async with single_read() as sql:
        rows = await sql.rows(
            _LiveSession,
            "SELECT s.id AS session_id, s.account AS account_id, s.csrf_token AS csrf_token, "
            "s.last_seen_at AS last_seen_at, s.expires_at AS expires_at, "
            "s.revoked_at AS revoked_at, a.municipality AS municipality_id, a.kind AS kind, "
            "a.display_name AS display_name, a.person AS person_id, "
            "a.staff_role AS staff_role, a.disabled_at AS disabled_at, "
            "d.department AS department FROM session s JOIN account a ON a.id = s.account "
            "LEFT JOIN staff_department d ON d.account = a.id AND a.kind = 'staff' "
            "WHERE s.municipality = ? AND s.token_hash = ? ORDER BY d.id",
            [municipality_id, secret_hash(token)],
        )
    if not rows:
        return None
    live = rows[0]
    if live.revoked_at is not None or live.disabled_at is not None:
        return None
    now = clock.now()
    if live.expires_at <= now or live.last_seen_at + timedelta(minutes=idle_minutes) <= now:
        async with write_transaction() as sql:
            await sql.execute(
                "UPDATE session SET revoked_at = ? WHERE id = ?", [now, live.session_id]
            )
        return None
    if now - live.last_seen_at > SESSION_TOUCH:
        async with write_transaction() as sql:
            await sql.execute(
                "UPDATE session SET last_seen_at = ? WHERE id = ?", [now, live.session_id]
            )
    return Principal(
        account_id=live.account_id,
        municipality_id=live.municipality_id,
        kind=live.kind,
        display_name=live.display_name,
        person_id=live.person_id,
        staff_role=live.staff_role,
        session_id=live.session_id,
        csrf_token=live.csrf_token,
        departments=[r.department for r in rows if r.department is not None],
    )


async def end_session(session_id: int) -> None:
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE session SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            [clock.now(), session_id],
        )


async def end_all_sessions(account_id: int, sql: SqlSession | None = None) -> None:
    statement = "UPDATE session SET revoked_at = ? WHERE account = ? AND revoked_at IS NULL"
    if sql is not None:
        await sql.execute(statement, [clock.now(), account_id])
        return
    async with write_transaction() as own:
        await own.execute(statement, [clock.now(), account_id])


# --- what the resident sees of their account ----------------------------------------------


class _AccountState(msgspec.Struct, frozen=True):
    display_name: str
    person: int | None
    verified_by: str
    second_passkey_suggested: bool
    passkey_count: int


async def describe_account(principal: Principal) -> AccountRead:
    async with read_transaction() as sql:
        account = await sql.row(
            _AccountState,
            "SELECT display_name, person, verified_by, second_passkey_suggested, "
            "(SELECT COUNT(*) FROM passkey p WHERE p.account = a.id) AS passkey_count "
            "FROM account a WHERE id = ?",
            [principal.account_id],
        )
        if account is None:
            raise NotFound(NO_ACCOUNT)
        name = None
        recovery_pending = False
        if account.person is not None:
            name = await registry.person_name(account.person, sql)
            recovery_pending = bool(
                await sql.value(
                    "SELECT COUNT(*) FROM activation_code WHERE person = ? "
                    "AND purpose = 'recovery' AND used_at IS NULL AND expires_at > ?",
                    [account.person, clock.now()],
                )
            )
    return AccountRead(
        id=principal.account_id,
        kind=principal.kind,
        display_name=account.display_name,
        verified=account.person is not None,
        verified_by=account.verified_by or None,
        name=name,
        staff_role=principal.staff_role or None,
        passkey_count=account.passkey_count,
        recovery_pending=recovery_pending,
        # Suggested once, never at every sign-in.
        suggest_second_passkey=account.passkey_count == 1 and not account.second_passkey_suggested,
        csrf_token=principal.csrf_token,
    )


async def mark_second_passkey_suggested(account_id: int) -> None:
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE account SET second_passkey_suggested = ? WHERE id = ?", [True, account_id]
        )


class _PasskeyRow(msgspec.Struct, frozen=True):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    device_type: str
    backup_state: bool
    clone_suspected_at: datetime | None

    def read(self) -> PasskeyRead:
        return PasskeyRead(
            id=self.id,
            name=self.name,
            created_at=self.created_at,
            last_used_at=self.last_used_at,
            synced=self.device_type == "multi_device" or self.backup_state,
            clone_suspected=self.clone_suspected_at is not None,
        )


async def list_passkeys(account_id: int) -> list[PasskeyRead]:
    async with read_transaction() as sql:
        rows = await sql.rows(
            _PasskeyRow,
            "SELECT id, name, created_at, last_used_at, device_type, backup_state, "
            "clone_suspected_at FROM passkey WHERE account = ? ORDER BY id",
            [account_id],
        )
    return [row.read() for row in rows]


async def rename_passkey(account_id: int, passkey_id: int, name: str) -> None:
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput(
            Text("名前は1〜64文字にしてください。", "Use a name of 1 to 64 characters.")
        )
    async with write_transaction() as sql:
        renamed = await sql.value(
            "UPDATE passkey SET name = ? WHERE id = ? AND account = ? RETURNING id",
            [name, passkey_id, account_id],
        )
    if renamed is None:
        raise NotFound(NO_PASSKEY)


class _Id(msgspec.Struct, frozen=True):
    id: int


async def remove_passkey(account_id: int, passkey_id: int) -> None:
    """Remove one passkey, never the last: that would lock the resident out with no way
    back but a letter. Removal is atomic with the count check."""
    async with write_transaction() as sql:
        owned = await sql.rows(
            _Id, "SELECT id FROM passkey WHERE account = ? ORDER BY id", [account_id]
        )
        ids = [r.id for r in owned]
        if passkey_id not in ids:
            raise NotFound(NO_PASSKEY)
        if len(ids) == 1:
            raise Conflict(
                Text(
                    "最後のパスキーは削除できません。先に別のパスキーを追加してください。",
                    "You cannot remove your last passkey. Add another one first.",
                )
            )
        await sql.execute("DELETE FROM passkey WHERE id = ?", [passkey_id])


# --- identity verification and recovery ----------------------------------------------------


_ALREADY_HAS_ACCOUNT = Conflict(
    Text(
        "この方はすでにアカウントをお持ちです。本人確認コードではアカウントを引き継げません。"
        "パスキーをなくされた場合は、用途「アカウント回復」の通知を発行するか、"
        "窓口で本人確認書類を確認して回復してください。",
        "This resident already has an account, which a verification code cannot take over. "
        "For a lost passkey, issue a recovery letter (purpose: recovery) or recover the "
        "account at the counter with an identity document.",
    )
)
_NOTHING_TO_RECOVER = Conflict(
    Text(
        "この方のアカウントはありません。用途「本人確認」のコードを発行してください。",
        "This resident has no account to recover: issue a verification code instead.",
    )
)


async def _live_account(sql: SqlSession, person_id: int) -> int | None:
    """The live resident account bound to the person, if any."""
    account = await sql.value(
        "SELECT id FROM account WHERE person = ? AND kind = 'resident' AND disabled_at IS NULL "
        "ORDER BY id",
        [person_id],
    )
    return int(account) if account is not None else None


async def issue_activation_code(
    *,
    municipality_id: int,
    registry_id: str,
    purpose: str,
    issued_by: int | None,
    recovery_hold: timedelta = RECOVERY_HOLD,
) -> ActivationCodeIssued:
    """A single-use code for the letter sent to the person's registered address.

    A ``verify`` code binds a new account to a person who has none; it is refused for a
    person who has one (it would hand that account to whoever holds the letter). A
    ``recovery`` code is for a person who has one: the account is told at once, on every
    channel, and the code works only after ``recovery_hold`` (time to cancel it).
    """
    if purpose not in ("verify", "recovery"):
        raise InvalidInput(Text("用途が正しくありません。", "Unknown purpose."))
    code = new_code()
    now = clock.now()
    expires = now + timedelta(days=ACTIVATION_DAYS)
    async with write_transaction() as sql:
        person = await registry.resident_by_registry_id(municipality_id, registry_id, sql)
        if person is None:
            raise NotFound(NO_RESIDENT)
        holder = await _live_account(sql, person.id)
        if purpose == "verify" and holder is not None:
            raise _ALREADY_HAS_ACCOUNT
        if purpose == "recovery":
            if holder is None:
                raise _NOTHING_TO_RECOVER
            await _tell_recovery_issued(sql, municipality_id, holder, now + recovery_hold)
        await sql.execute(
            "INSERT INTO activation_code (municipality, person, code_hash, purpose, issued_by, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [municipality_id, person.id, code_hash(code), purpose, issued_by, now, expires],
        )
        await audit_service.record(
            municipality_id=municipality_id,
            actor_kind="staff" if issued_by else "system",
            actor_account=issued_by,
            subject_person=person.id,
            action="identity.activation_code_issued",
            purpose=f"activation letter ({purpose})",
            sql=sql,
        )
    usable_from = now + recovery_hold if purpose == "recovery" else None
    return ActivationCodeIssued(
        code=code, expires_at=expires, person=person, usable_from=usable_from
    )


def _jst(at: datetime) -> str:
    return at.astimezone(clock.JST).strftime("%Y-%m-%d %H:%M")


async def _tell_recovery_issued(
    sql: SqlSession, municipality_id: int, account_id: int, usable_from: datetime
) -> None:
    when = _jst(usable_from)
    office = await branding.office_of(municipality_id, sql)
    await write_notice(
        sql,
        municipality_id=municipality_id,
        account_id=account_id,
        kind="security",
        title={
            "ja": "アカウント回復の通知を発行しました",
            "easy": "アカウントを とりもどす ための てがみを だしました",
            "en": "An account recovery letter was issued",
        },
        body={
            "ja": f"パスキーをなくされた方のための回復コードを、ご登録の住所へ郵送します。"
            f"コードは{when}から使えるようになり、使われるとこのアカウントの今のパスキーは"
            "使えなくなります。お申し込みに心当たりがない場合は、アカウント画面で取り消すか、"
            f"すぐに{office['ja']}へご連絡ください。",
            "easy": f"パスキーを なくした ひとの ための コードを、いえに ゆうびんで おくります。"
            f"コードは {when} から つかえます。つかうと、いまの パスキーは つかえなく なります。"
            "しらない ときは、アカウントの がめんで とりけすか、"
            f"{office['easy']}に れんらくしてください。",
            "en": "A recovery code for a lost passkey is being posted to your registered "
            f"address. It works from {when} (Japan time); once used, this account's current "
            "passkeys stop working. If you did not ask for it, cancel it on the account "
            f"screen or contact the {office['en']} at once.",
        },
        link="/account",
    )


async def cancel_recovery_codes(principal: Principal) -> int:
    """The account holder voids every unused recovery code issued for their person (they
    still hold a passkey: nobody needs to recover this account). Returns how many."""
    principal.require_resident()
    if principal.person_id is None:
        return 0
    now = clock.now()
    async with write_transaction() as sql:
        cancelled = await sql.fetch(
            "UPDATE activation_code SET expires_at = ? WHERE person = ? AND municipality = ? "
            "AND purpose = 'recovery' AND used_at IS NULL AND expires_at > ? RETURNING id",
            [now, principal.person_id, principal.municipality_id, now],
        )
        if cancelled:
            await audit_service.record(
                municipality_id=principal.municipality_id,
                actor_kind="resident",
                actor_account=principal.account_id,
                subject_person=principal.person_id,
                subject_account=principal.account_id,
                action="identity.recovery_cancelled",
                purpose="account recovery cancelled by the account holder",
                detail={"codes": len(cancelled)},
                sql=sql,
            )
    return len(cancelled)


_CODE_REFUSED = InvalidInput(
    Text(
        "確認コードが正しくないか、有効期限が切れています。",
        "The activation code is wrong or has expired.",
    )
)


class VerificationLocked(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__("verification locked")
        self.until = until


class _Attempts(msgspec.Struct, frozen=True):
    verification_failures: int
    verification_locked_until: datetime | None


class _Redeemed(msgspec.Struct, frozen=True):
    person: int
    purpose: str
    next_path: str
    created_at: datetime


def _holder_exists(office: dict[str, str]) -> Conflict:
    return Conflict(
        Text(
            "このコードは使えません。この方のアカウントはすでにあります。"
            "お持ちのアカウントでサインインしてください。"
            f"パスキーをなくされた場合は、{office['ja']}でアカウント回復の手続きをしてください。",
            "This code cannot be used: this resident already has an account. Please sign in "
            f"with it. If you lost your passkey, ask the {office['en']} to recover your account.",
        )
    )


def _recovery_not_yet(usable_from: datetime) -> Conflict:
    when = _jst(usable_from)
    return Conflict(
        Text(
            f"この回復コードは{when}から使えます。その時刻を過ぎてから、もう一度入力してください。",
            f"This recovery code works from {when} (Japan time). Please enter it again then.",
        )
    )


async def redeem_activation_code(
    principal: Principal, code: str, *, recovery_hold: timedelta = RECOVERY_HOLD
) -> VerificationResult:
    """Bind the signed-in resident account to the person the code was issued for.

    If that person already has an account (the resident lost every passkey), only a
    recovery code, and only after ``recovery_hold`` since it was issued, recovers it: the
    new passkeys move to the old account, its other sessions end, and the resident is told
    that a passkey was added. Any other code for such a person is refused.
    """
    now = clock.now()
    async with write_transaction() as sql:
        attempts = await sql.row(
            _Attempts,
            "SELECT verification_failures, verification_locked_until FROM account WHERE id = ?",
            [principal.account_id],
        )
        if attempts is None:
            raise NotFound(NO_ACCOUNT)
        locked_until = attempts.verification_locked_until
        if locked_until and locked_until > now:
            raise VerificationLocked(locked_until)
        redeemed = await sql.row(
            _Redeemed,
            "UPDATE activation_code SET used_at = ?, used_by = ? WHERE code_hash = ? "
            "AND municipality = ? AND used_at IS NULL AND expires_at > ? "
            "RETURNING person, purpose, next_path, created_at",
            [now, principal.account_id, code_hash(code or ""), principal.municipality_id, now],
        )
        if redeemed is None:
            # The failure is counted (and committed) before the code is refused.
            failures = attempts.verification_failures + 1
            lock = now + VERIFICATION_LOCK if failures >= VERIFICATION_MAX_FAILURES else None
            await sql.execute(
                "UPDATE account SET verification_failures = ?, verification_locked_until = ? "
                "WHERE id = ?",
                [0 if lock else failures, lock, principal.account_id],
            )
            result = None
        else:
            holder = await _holder(sql, redeemed.person, principal)
            if holder is not None and redeemed.purpose != "recovery":
                # A verification or outreach letter went to someone with no account; if they
                # have one now, its code must not hand it over (only a recovery letter may).
                raise _holder_exists(await branding.office_of(principal.municipality_id, sql))
            usable_from = redeemed.created_at + recovery_hold
            if holder is not None and usable_from > now:
                raise _recovery_not_yet(usable_from)
            result = await _bind_person(sql, principal, redeemed.person, method="letter")
            if redeemed.purpose == OUTREACH and redeemed.next_path:
                result = msgspec.structs.replace(result, next_path=redeemed.next_path)
    if result is None:
        raise _CODE_REFUSED
    return result


async def _holder(sql: SqlSession, person_id: int, principal: Principal) -> int | None:
    """The live resident account bound to the person, other than the caller's."""
    holder = await sql.value(
        "SELECT id FROM account WHERE person = ? AND kind = 'resident' AND disabled_at IS NULL "
        "AND id <> ? ORDER BY id",
        [person_id, principal.account_id],
    )
    return int(holder) if holder is not None else None


async def _bind_person(
    sql: SqlSession, principal: Principal, person_id: int, *, method: str, staff: int | None = None
) -> VerificationResult:
    holder = await _holder(sql, person_id, principal)
    now = clock.now()
    if principal.person_id is not None and principal.person_id != person_id:
        raise Conflict(
            Text("このアカウントは別の方で確認済みです。", "This account belongs to someone else.")
        )
    if holder is not None:
        # Recovery: the lost account lives on with the new passkey; this one is retired.
        # The passkeys it had are the lost (maybe stolen) ones: they stop working now.
        old = holder
        await sql.execute("DELETE FROM passkey WHERE account = ?", [old])
        await sql.execute(
            "UPDATE passkey SET account = ? WHERE account = ?", [old, principal.account_id]
        )
        await end_all_sessions(old, sql)
        await sql.execute(
            "UPDATE session SET account = ? WHERE id = ?", [old, principal.session_id]
        )
        await sql.execute(
            "UPDATE account SET disabled_at = ?, verification_failures = 0 WHERE id = ?",
            [now, principal.account_id],
        )
        office = await branding.office_of(principal.municipality_id, sql)
        await write_notice(
            sql,
            municipality_id=principal.municipality_id,
            account_id=old,
            kind="security",
            title={
                "ja": "新しいパスキーが追加されました",
                "easy": "あたらしい パスキーが ふえました",
                "en": "A new passkey was added",
            },
            body={
                "ja": "本人確認のうえ、アカウントに新しいパスキーが追加されました。"
                "以前のパスキーは使えなくなり、ほかの端末はサインアウトしました。"
                f"心当たりがない場合は、すぐに{office['ja']}へご連絡ください。",
                "easy": "あなたの アカウントに あたらしい パスキーが ふえました。"
                "まえの パスキーは つかえません。ほかの たんまつは サインアウトしました。"
                f"しらない ときは、{office['easy']}に れんらくしてください。",
                "en": "After an identity check a new passkey was added to your account; your "
                "earlier passkeys no longer work and other devices were signed out. "
                f"If this was not you, contact the {office['en']} at once.",
            },
            link="/account",
        )
        await audit_service.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff" if staff else "resident",
            actor_account=staff or principal.account_id,
            subject_person=person_id,
            subject_account=old,
            action="identity.recovered",
            purpose=f"account recovery by {method}",
            sql=sql,
        )
        return VerificationResult(account_id=old, recovered=True)
    await sql.execute(
        "UPDATE account SET person = ?, verified_at = ?, verified_by = ?, "
        "verification_failures = 0 WHERE id = ?",
        [person_id, now, method, principal.account_id],
    )
    await audit_service.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff" if staff else "resident",
        actor_account=staff or principal.account_id,
        subject_person=person_id,
        subject_account=principal.account_id,
        action="identity.verified",
        purpose=f"identity verification by {method}",
        sql=sql,
    )
    return VerificationResult(account_id=principal.account_id, recovered=False)


def _counter_key(municipality_id: int, code: str) -> str:
    return secret_hash(f"counter:{municipality_id}:{code}")


async def issue_counter_code(principal: Principal) -> CounterCode:
    """A short-lived code the resident shows at the counter, so staff can find their account."""
    # Digits only: read out at a counter and typed on a keypad.
    code = "".join(secrets.choice("0123456789") for _ in range(8))
    now = clock.now()
    expires = now + timedelta(minutes=COUNTER_CODE_MINUTES)
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO ceremony (municipality, challenge, purpose, binding_hash, account, data, "
            "created_at, expires_at) VALUES (?, ?, 'counter', '', ?, '{}', ?, ?)",
            [principal.municipality_id, _counter_key(principal.municipality_id, code),
             principal.account_id, now, expires],
        )  # fmt: skip
    return CounterCode(code=code, expires_at=expires)


async def verify_at_counter(
    staff: Principal, *, counter_code: str, registry_id: str, document: str
) -> VerificationResult:
    """Support staff checked an identity document at the counter (the route lets only
    roles that may through): bind the account that shows ``counter_code`` to the person.
    Audit-logged with the staff member and document."""
    if not document.strip():
        raise InvalidInput(
            Text("確認した本人確認書類を選んでください。", "Name the identity document checked.")
        )
    now = clock.now()
    key = _counter_key(staff.municipality_id, counter_code.strip())
    async with write_transaction() as sql:
        account_id = await sql.value(
            "UPDATE ceremony SET used_at = ? WHERE municipality = ? AND challenge = ? "
            "AND purpose = 'counter' AND used_at IS NULL AND expires_at > ? RETURNING account",
            [now, staff.municipality_id, key, now],
        )
        if account_id is None:
            raise InvalidInput(
                Text(
                    "受付番号が正しくないか期限切れです。", "The counter code is wrong or expired."
                )
            )
        person = await registry.resident_by_registry_id(staff.municipality_id, registry_id, sql)
        if person is None:
            raise NotFound(NO_RESIDENT)
        bound_person = await sql.value("SELECT person FROM account WHERE id = ?", [account_id])
        session_id = await sql.value(
            "SELECT id FROM session WHERE account = ? AND revoked_at IS NULL "
            "ORDER BY id DESC LIMIT 1",
            [account_id],
        )
        resident = Principal(
            account_id=account_id,
            municipality_id=staff.municipality_id,
            kind="resident",
            display_name="",
            person_id=bound_person,
            staff_role="",
            session_id=session_id or 0,
            csrf_token="",
        )
        result = await _bind_person(
            sql, resident, person.id, method="counter", staff=staff.account_id
        )
        await audit_service.record(
            municipality_id=staff.municipality_id,
            actor_kind="staff",
            actor_account=staff.account_id,
            subject_person=person.id,
            subject_account=result.account_id,
            action="identity.counter_check",
            purpose="identity document checked at the counter",
            detail={"document": document.strip()[:50]},
            sql=sql,
        )
    return result


# --- staff accounts --------------------------------------------------------------------------

_INVITE_INVALID = Text(
    "招待リンクが無効か期限切れです。管理者に新しい招待を依頼してください。",
    "This invite link is invalid or has expired. Ask an administrator for a new one.",
)


async def create_staff_invite(
    *,
    municipality_id: int,
    display_name: str,
    role: str,
    department_codes: list[str],
    created_by: int | None,
) -> StaffInviteIssued:
    if role not in STAFF_ROLES:
        raise InvalidInput(
            Text("役割が正しくありません。", f"Role must be one of {', '.join(STAFF_ROLES)}.")
        )
    if not display_name.strip() or len(display_name) > 100:
        raise InvalidInput(Text("氏名を入力してください。", "Give the staff member's name."))
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires = now + timedelta(days=INVITE_DAYS)
    async with write_transaction() as sql:
        known = {d.code for d in await registry.departments(municipality_id, sql)}
        unknown = [c for c in department_codes if c not in known]
        if unknown:
            raise InvalidInput(
                Text("部署が見つかりません。", f"Unknown departments: {', '.join(unknown)}")
            )
        await sql.execute(
            "INSERT INTO staff_invite (municipality, token_hash, display_name, role, "
            "departments, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                municipality_id,
                secret_hash(token),
                display_name.strip(),
                role,
                json.dumps(department_codes),
                created_by,
                now,
                expires,
            ],
        )
    return StaffInviteIssued(token=token, expires_at=expires)


class _Invite(msgspec.Struct, frozen=True):
    id: int
    display_name: str
    role: str
    departments: list[str]  # department codes
    expires_at: datetime
    used_at: datetime | None


async def open_staff_invite(municipality_id: int, token: str) -> StaffInviteOpened:
    async with read_transaction() as sql:
        invite = await sql.row(
            _Invite,
            "SELECT id, display_name, role, departments, expires_at, used_at FROM staff_invite "
            "WHERE token_hash = ? AND municipality = ?",
            [secret_hash(token or ""), municipality_id],
        )
        if invite is None or invite.used_at is not None or invite.expires_at <= clock.now():
            raise InvalidInput(_INVITE_INVALID)
        departments = await registry.departments(municipality_id, sql)
    codes = set(invite.departments or ())
    return StaffInviteOpened(
        id=invite.id,
        display_name=invite.display_name,
        role=invite.role,
        department_ids=[d.id for d in departments if d.code in codes],
    )


# --- consents --------------------------------------------------------------------------------


class _Purpose(msgspec.Struct, frozen=True):
    purpose: str


async def consents(account_id: int, sql: SqlSession | None = None) -> Consents:
    """Each purpose and whether the account consents to it now."""
    if sql is None:
        async with read_transaction() as own:
            return await consents(account_id, own)
    rows = await sql.rows(
        _Purpose,
        "SELECT purpose FROM consent WHERE account = ? AND revoked_at IS NULL",
        [account_id],
    )
    granted = {r.purpose for r in rows}
    return Consents(**{purpose: purpose in granted for purpose in CONSENT_PURPOSES})


# Called after a consent is newly granted and committed, with the resident and the purpose.
# identity knows nothing of who listens (imports only go downward): the app factory hands
# the route the listeners of the domains above (benefits tells a resident who consents to
# matching, at once).
ConsentListener = Callable[[Principal, str], Awaitable[None]]


@dataclass(frozen=True)
class ConsentListeners:
    """What the consents route is given (the dependency ``consent_listeners``)."""

    listeners: tuple[ConsentListener, ...] = ()


async def set_consent(
    principal: Principal,
    purpose: str,
    granted: bool,
    listeners: Sequence[ConsentListener] = (),
) -> Consents:
    """Grant or withdraw one purpose; history is kept (granted and revoked times). A grant
    that was not already live is passed to each of ``listeners`` once it is committed; a
    listener that fails is logged, and the consent stands."""
    if purpose not in CONSENT_PURPOSES:
        raise InvalidInput(Text("同意の種類が正しくありません。", "Unknown consent purpose."))
    newly_granted = False
    async with write_transaction() as sql:
        live = await sql.value(
            "SELECT id FROM consent WHERE account = ? AND purpose = ? AND revoked_at IS NULL",
            [principal.account_id, purpose],
        )
        if granted and live is None:
            await sql.execute(
                "INSERT INTO consent (municipality, account, purpose, granted_at) "
                "VALUES (?, ?, ?, ?)",
                [principal.municipality_id, principal.account_id, purpose, clock.now()],
            )
            newly_granted = True
        elif not granted and live is not None:
            await sql.execute("UPDATE consent SET revoked_at = ? WHERE id = ?", [clock.now(), live])
        now_held = await consents(principal.account_id, sql)
    if newly_granted:
        await _announce(principal, purpose, listeners)
    return now_held


async def _announce(
    principal: Principal, purpose: str, listeners: Sequence[ConsentListener]
) -> None:
    for listener in listeners:
        try:
            await listener(principal, purpose)
        except Exception:
            logger.exception("consent listener failed; the consent is recorded")


class _Bound(msgspec.Struct, frozen=True):
    municipality: int
    person: int | None


async def pass_consents_on(account_id: int, listeners: Sequence[ConsentListener]) -> None:
    """After verification binds a resident account to a person: each consent the account
    already holds is passed to ``listeners`` as if just granted, since only now can it
    reach the person (a resident may consent before verifying)."""
    if not listeners:
        return
    async with read_transaction() as sql:
        bound = await sql.row(
            _Bound,
            "SELECT municipality, person FROM account WHERE id = ? AND kind = 'resident' "
            "AND disabled_at IS NULL",
            [account_id],
        )
        if bound is None or bound.person is None:
            return
        held = await consents(account_id, sql)
    resident = Principal(
        account_id=account_id,
        municipality_id=bound.municipality,
        kind="resident",
        display_name="",
        person_id=bound.person,
        staff_role="",
        session_id=0,
        csrf_token="",
    )
    for purpose in CONSENT_PURPOSES:
        if getattr(held, purpose):
            await _announce(resident, purpose, listeners)
