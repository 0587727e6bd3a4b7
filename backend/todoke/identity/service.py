"""Identity services: sign-up and sign-in with passkeys, sessions, identity verification,
recovery, staff accounts and consents. Plain async code; no HTTP here."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from todoke.audit import service as audit_service
from todoke.db import SqlSession, is_unique_violation, write_transaction
from todoke.db import aware as _aware
from todoke.errors import Conflict, Forbidden, InvalidInput, NotFound, Text
from todoke.identity import passkeys
from todoke.identity.tables import (
    Account,
    Consent,
    Passkey,
    Session,
    StaffDepartment,
    StaffInvite,
)
from todoke.notices.service import write_notice
from todoke.principal import STAFF_ROLES, Principal
from todoke.registry.tables import Department, Person

# sharing: departments other than the one handling a matter may see it (the 360° view).
CONSENT_PURPOSES = ("prefill", "matching", "sharing")
ACTIVATION_DAYS = 30
INVITE_DAYS = 7
VERIFICATION_MAX_FAILURES = 5
VERIFICATION_LOCK = timedelta(hours=24)
COUNTER_CODE_MINUTES = 15
# No 0/O, 1/I/L: codes are typed from paper.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- accounts and passkeys ---------------------------------------------------------------


_PASSKEY_TAKEN = Conflict(
    Text("このパスキーは登録済みです。", "This passkey is already registered.")
)


async def _insert_passkey(
    sql: SqlSession, account_id: int, stored: dict[str, Any], name: str
) -> int:
    try:
        rows = await sql.fetch(
            "INSERT INTO passkey (account, credential_id, user_handle, public_key, sign_count, "
            "transports, aaguid, device_type, backup_eligible, backup_state, name, created_at, "
            "last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                account_id,
                stored["credential_id"],
                stored["user_handle"],
                stored["public_key"],
                stored["sign_count"],
                json.dumps(stored["transports"]),
                stored["aaguid"],
                stored["device_type"],
                stored["backup_eligible"],
                stored["backup_state"],
                name[:64],
                _now(),
                _now(),  # registering is a use: the ceremony proved the resident holds it
            ],
        )
    except Exception as error:
        if is_unique_violation(error):  # the same authenticator registered twice at once
            raise _PASSKEY_TAKEN from None
        raise
    return rows[0][0]


async def create_account_with_passkey(
    *,
    municipality_id: int,
    user_handle: str,
    display_name: str,
    stored: dict[str, Any],
    passkey_name: str,
    invite: dict[str, Any] | None = None,
) -> int:
    """A new account holding its first passkey; a staff account when made from an invite."""
    kind = "staff" if invite else "resident"
    async with write_transaction() as sql:
        if invite:
            used = await sql.fetch(
                "UPDATE staff_invite SET used_at = ? WHERE id = ? AND used_at IS NULL "
                "AND expires_at > ? RETURNING id",
                [_now(), invite["id"], _now()],
            )
            if not used:
                raise InvalidInput(_INVITE_INVALID)
        rows = await sql.fetch(
            "INSERT INTO account (municipality, kind, display_name, user_handle, staff_role, "
            "language, second_passkey_suggested, verification_failures, verified_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, 'ja', ?, 0, '', ?) RETURNING id",
            [
                municipality_id,
                kind,
                display_name[:100],
                user_handle,
                invite["role"] if invite else "",
                False,
                _now(),
            ],
        )
        account_id = rows[0][0]
        await _insert_passkey(sql, account_id, stored, passkey_name)
        if invite:
            await sql.execute(
                "UPDATE staff_invite SET account = ? WHERE id = ?", [account_id, invite["id"]]
            )
            for department_id in invite["department_ids"]:
                await sql.execute(
                    "INSERT INTO staff_department (account, department) VALUES (?, ?)",
                    [account_id, department_id],
                )
            await audit_service.record(
                municipality_id=municipality_id,
                actor_kind="staff",
                actor_account=account_id,
                subject_account=account_id,
                action="staff.account_created",
                purpose="staff invite accepted",
                detail={"role": invite["role"], "invite": invite["id"]},
                sql=sql,
            )
    return account_id


async def add_passkey(principal: Principal, stored: dict[str, Any], name: str) -> int:
    async with write_transaction() as sql:
        return await _insert_passkey(sql, principal.account_id, stored, name)


async def account_credentials(account_id: int) -> list[str]:
    rows = await Passkey.select(Passkey.credential_id).where(Passkey.account == account_id)
    return [r["credential_id"] for r in rows]


async def account_kind(account_id: int) -> str:
    row = await Account.select(Account.kind).where(Account.id == account_id).first()
    return row["kind"] if row else "resident"


async def account_handle(account_id: int) -> tuple[str, str]:
    row = (
        await Account.select(Account.user_handle, Account.display_name)
        .where(Account.id == account_id)
        .first()
    )
    if row is None:
        raise NotFound(Text("アカウントがありません。", "No such account."))
    return row["user_handle"], row["display_name"]


async def sign_in_with_passkey(
    credential: dict[str, Any], *, challenge: bytes, rp_id: str, origins: list[str]
) -> int:
    """The account id whose passkey signed this assertion; refuses unknown, disabled,
    unverified or cloned-looking authenticators."""
    credential_id = passkeys.credential_id_of(credential)
    row = (
        await Passkey.select(
            Passkey.id,
            Passkey.account,
            Passkey.public_key,
            Passkey.sign_count,
            Passkey.account.disabled_at.as_alias("disabled_at"),
            Passkey.user_handle,
        )
        .where(Passkey.credential_id == credential_id)
        .first()
    )
    if row is None or row["disabled_at"] is not None:
        raise passkeys.REFUSED
    # py_webauthn does not compare the returned user handle with the credential's owner.
    user_handle = (credential.get("response") or {}).get("userHandle")
    if user_handle and passkeys.b64url(passkeys.unb64url(user_handle)) != row["user_handle"]:
        raise passkeys.REFUSED
    try:
        result = passkeys.verify_assertion(
            credential,
            challenge=challenge,
            rp_id=rp_id,
            origins=origins,
            public_key=row["public_key"],
            sign_count=row["sign_count"],
        )
    except passkeys.SignCountRegression:
        await Passkey.update({Passkey.clone_suspected_at: _now()}).where(Passkey.id == row["id"])
        raise InvalidInput(
            Text(
                "このパスキーは複製された可能性があるため使えません。窓口にご相談ください。",
                "This passkey may have been cloned and cannot be used. Please contact the city.",
            )
        ) from None
    async with write_transaction() as sql:
        # Compare-and-set: two racing sign-ins with one counter value cannot both pass.
        updated = await sql.fetch(
            "UPDATE passkey SET sign_count = ?, backup_state = ?, last_used_at = ? "
            "WHERE id = ? AND sign_count = ? RETURNING id",
            [result["sign_count"], result["backup_state"], _now(), row["id"], row["sign_count"]],
        )
    if not updated:
        raise passkeys.REFUSED
    return row["account"]


# --- sessions ------------------------------------------------------------------------------


async def start_session(
    account_id: int, *, absolute_hours: int, user_agent: str
) -> tuple[str, str]:
    """A new session (new id at every sign-in); returns (token for the cookie, CSRF token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = _now()
    await Session.insert(
        Session(
            token_hash=_hash(token),
            account=account_id,
            csrf_token=csrf,
            user_agent=user_agent[:200],
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=absolute_hours),
        )
    )
    return token, csrf


async def resolve_session(token: str, *, idle_minutes: int) -> Principal | None:
    """The principal of a live session, or None. Idle and absolute timeouts are enforced
    here, on the server; the last-seen time is refreshed at most once a minute."""
    if not token or len(token) > 100:
        return None
    row = (
        await Session.select(
            Session.id,
            Session.account,
            Session.csrf_token,
            Session.last_seen_at,
            Session.expires_at,
            Session.revoked_at,
            Session.account.municipality.as_alias("municipality"),
            Session.account.kind.as_alias("kind"),
            Session.account.display_name.as_alias("display_name"),
            Session.account.person.as_alias("person"),
            Session.account.staff_role.as_alias("staff_role"),
            Session.account.disabled_at.as_alias("disabled_at"),
        )
        .where(Session.token_hash == _hash(token))
        .first()
    )
    if row is None or row["revoked_at"] is not None or row["disabled_at"] is not None:
        return None
    now = _now()
    last_seen = _aware(row["last_seen_at"])
    if _aware(row["expires_at"]) <= now or last_seen + timedelta(minutes=idle_minutes) <= now:
        await Session.update({Session.revoked_at: now}).where(Session.id == row["id"])
        return None
    if now - last_seen > timedelta(minutes=1):
        await Session.update({Session.last_seen_at: now}).where(Session.id == row["id"])
    departments: list[int] = []
    if row["kind"] == "staff":
        departments = [
            r["department"]
            for r in await StaffDepartment.select(StaffDepartment.department).where(
                StaffDepartment.account == row["account"]
            )
        ]
    return Principal(
        account_id=row["account"],
        municipality_id=row["municipality"],
        kind=row["kind"],
        display_name=row["display_name"],
        person_id=row["person"],
        staff_role=row["staff_role"],
        session_id=row["id"],
        csrf_token=row["csrf_token"],
        departments=departments,
    )


async def end_session(session_id: int) -> None:
    await Session.update({Session.revoked_at: _now()}).where(
        (Session.id == session_id) & Session.revoked_at.is_null()
    )


async def end_all_sessions(account_id: int, sql: SqlSession | None = None) -> None:
    statement = "UPDATE session SET revoked_at = ? WHERE account = ? AND revoked_at IS NULL"
    if sql is not None:
        await sql.execute(statement, [_now(), account_id])
        return
    async with write_transaction() as own:
        await own.execute(statement, [_now(), account_id])


# --- what the resident sees of their account ----------------------------------------------


async def describe_account(principal: Principal) -> dict[str, Any]:
    account = await Account.select().where(Account.id == principal.account_id).first()
    person = None
    if account["person"] is not None:
        person = (
            await Person.select(
                Person.family_name,
                Person.given_name,
                Person.family_name_kana,
                Person.given_name_kana,
            )
            .where(Person.id == account["person"])
            .first()
        )
    count = await Passkey.count().where(Passkey.account == principal.account_id)
    return {
        "id": principal.account_id,
        "kind": principal.kind,
        "display_name": account["display_name"],
        "verified": account["person"] is not None,
        "verified_by": account["verified_by"] or None,
        "name": (
            {
                "family_name": person["family_name"],
                "given_name": person["given_name"],
                "family_name_kana": person["family_name_kana"],
                "given_name_kana": person["given_name_kana"],
            }
            if person
            else None
        ),
        "staff_role": principal.staff_role or None,
        "passkey_count": count,
        # Suggested once, never at every sign-in.
        "suggest_second_passkey": count == 1 and not account["second_passkey_suggested"],
        "csrf_token": principal.csrf_token,
    }


async def mark_second_passkey_suggested(account_id: int) -> None:
    await Account.update({Account.second_passkey_suggested: True}).where(Account.id == account_id)


async def list_passkeys(account_id: int) -> list[dict[str, Any]]:
    return (
        await Passkey.select(
            Passkey.id,
            Passkey.name,
            Passkey.created_at,
            Passkey.last_used_at,
            Passkey.device_type,
            Passkey.backup_state,
            Passkey.clone_suspected_at,
        )
        .where(Passkey.account == account_id)
        .order_by(Passkey.id)
    )


async def rename_passkey(account_id: int, passkey_id: int, name: str) -> None:
    name = name.strip()
    if not name or len(name) > 64:
        raise InvalidInput(
            Text("名前は1〜64文字にしてください。", "Use a name of 1 to 64 characters.")
        )
    found = await Passkey.exists().where(
        (Passkey.id == passkey_id) & (Passkey.account == account_id)
    )
    if not found:
        raise NotFound(Text("パスキーがありません。", "No such passkey."))
    await Passkey.update({Passkey.name: name}).where(Passkey.id == passkey_id)


async def remove_passkey(account_id: int, passkey_id: int) -> None:
    """Remove one passkey, never the last: that would lock the resident out with no way
    back but a letter. Removal is atomic with the count check."""
    async with write_transaction() as sql:
        owned = await sql.fetch(
            "SELECT id FROM passkey WHERE account = ? ORDER BY id", [account_id]
        )
        ids = [r[0] for r in owned]
        if passkey_id not in ids:
            raise NotFound(Text("パスキーがありません。", "No such passkey."))
        if len(ids) == 1:
            raise Conflict(
                Text(
                    "最後のパスキーは削除できません。先に別のパスキーを追加してください。",
                    "You cannot remove your last passkey. Add another one first.",
                )
            )
        await sql.execute("DELETE FROM passkey WHERE id = ?", [passkey_id])


# --- identity verification and recovery ----------------------------------------------------


def _new_code(groups: int = 3) -> str:
    return "-".join(
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(groups)
    )


def _canonical_code(code: str) -> str:
    cleaned = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


async def issue_activation_code(
    *, municipality_id: int, registry_id: str, purpose: str, issued_by: int | None
) -> dict[str, Any]:
    """A single-use code for the letter sent to the person's registered address."""
    if purpose not in ("verify", "recovery"):
        raise InvalidInput(Text("用途が正しくありません。", "Unknown purpose."))
    person = (
        await Person.select(
            Person.id,
            Person.family_name,
            Person.given_name,
            Person.postal_code,
            Person.address,
            Person.status,
        )
        .where((Person.municipality == municipality_id) & (Person.registry_id == registry_id))
        .first()
    )
    if person is None or person["status"] != "resident":
        raise NotFound(Text("該当する住民がいません。", "No resident with this registry id."))
    code = _new_code()
    expires = _now() + timedelta(days=ACTIVATION_DAYS)
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO activation_code (municipality, person, code_hash, purpose, issued_by, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [municipality_id, person["id"], _hash(code), purpose, issued_by, _now(), expires],
        )
        await audit_service.record(
            municipality_id=municipality_id,
            actor_kind="staff" if issued_by else "system",
            actor_account=issued_by,
            subject_person=person["id"],
            action="identity.activation_code_issued",
            purpose=f"activation letter ({purpose})",
            sql=sql,
        )
    return {"code": code, "expires_at": expires, "person": person}


_CODE_REFUSED = InvalidInput(
    Text(
        "確認コードが正しくないか、有効期限が切れています。",
        "The activation code is wrong or has expired.",
    )
)


@dataclass
class VerificationResult:
    account_id: int  # the account the browser is signed in to afterwards
    recovered: bool


async def redeem_activation_code(principal: Principal, code: str) -> VerificationResult:
    """Bind the signed-in resident account to the person the code was issued for.

    If that person already has an account (the resident lost every passkey), this is a
    recovery: the new passkeys move to the old account, its other sessions end, and the
    resident is told in their inbox that a passkey was added.
    """
    if principal.is_staff:
        raise Forbidden(Text("職員アカウントでは使えません。", "Not for staff accounts."))
    account = (
        await Account.select(
            Account.person, Account.verification_failures, Account.verification_locked_until
        )
        .where(Account.id == principal.account_id)
        .first()
    )
    locked_until = _aware(account["verification_locked_until"])
    if locked_until and locked_until > _now():
        raise VerificationLocked(locked_until)
    now = _now()
    canonical = _canonical_code(code or "")
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "UPDATE activation_code SET used_at = ?, used_by = ? WHERE code_hash = ? "
            "AND municipality = ? AND used_at IS NULL AND expires_at > ? RETURNING person",
            [now, principal.account_id, _hash(canonical), principal.municipality_id, now],
        )
        if not rows:
            failures = account["verification_failures"] + 1
            lock = now + VERIFICATION_LOCK if failures >= VERIFICATION_MAX_FAILURES else None
            await sql.execute(
                "UPDATE account SET verification_failures = ?, verification_locked_until = ? "
                "WHERE id = ?",
                [0 if lock else failures, lock, principal.account_id],
            )
            refused = True
        else:
            refused = False
            person_id = rows[0][0]
            result = await _bind_person(sql, principal, person_id, method="letter")
    if refused:
        raise _CODE_REFUSED
    return result


class VerificationLocked(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__("verification locked")
        self.until = until


async def _bind_person(
    sql: SqlSession, principal: Principal, person_id: int, *, method: str, staff: int | None = None
) -> VerificationResult:
    holder = await sql.fetch(
        "SELECT id FROM account WHERE person = ? AND kind = 'resident' AND disabled_at IS NULL "
        "AND id <> ?",
        [person_id, principal.account_id],
    )
    now = _now()
    if principal.person_id is not None and principal.person_id != person_id:
        raise Conflict(
            Text("このアカウントは別の方で確認済みです。", "This account belongs to someone else.")
        )
    if holder:
        # Recovery: the lost account lives on with the new passkey; this one is retired.
        # The passkeys it had are the lost (maybe stolen) ones: they stop working now.
        old = holder[0][0]
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
                "心当たりがない場合は、すぐに市役所へご連絡ください。",
                "easy": "あなたの アカウントに あたらしい パスキーが ふえました。"
                "まえの パスキーは つかえません。ほかの たんまつは サインアウトしました。"
                "しらない ときは、しやくしょに れんらくしてください。",
                "en": "After an identity check a new passkey was added to your account; your "
                "earlier passkeys no longer work and other devices were signed out. "
                "If this was not you, contact the city at once.",
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


async def issue_counter_code(principal: Principal) -> dict[str, Any]:
    """A short-lived code the resident shows at the counter, so staff can find their account."""
    code = "".join(secrets.choice("0123456789") for _ in range(8))
    expires = _now() + timedelta(minutes=COUNTER_CODE_MINUTES)
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO ceremony (challenge, purpose, binding_hash, account, data, created_at, "
            "expires_at) VALUES (?, 'counter', '', ?, '{}', ?, ?)",
            [
                _hash(f"counter:{principal.municipality_id}:{code}"),
                principal.account_id,
                _now(),
                expires,
            ],
        )
    return {"code": code, "expires_at": expires}


async def verify_at_counter(
    staff: Principal, *, counter_code: str, registry_id: str, document: str
) -> VerificationResult:
    """Support staff checked an identity document at the counter: bind the account that
    shows ``counter_code`` to the person. Audit-logged with the staff member and document."""
    if staff.staff_role not in ("support", "supervisor", "administrator"):
        raise Forbidden(Text("この操作の権限がありません。", "Your role cannot do this."))
    if not document.strip():
        raise InvalidInput(
            Text("確認した本人確認書類を選んでください。", "Name the identity document checked.")
        )
    now = _now()
    key = _hash(f"counter:{staff.municipality_id}:{counter_code.strip()}")
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "UPDATE ceremony SET used_at = ? WHERE challenge = ? AND purpose = 'counter' "
            "AND used_at IS NULL AND expires_at > ? RETURNING account",
            [now, key, now],
        )
        if not rows:
            raise InvalidInput(
                Text(
                    "受付番号が正しくないか期限切れです。", "The counter code is wrong or expired."
                )
            )
        account_id = rows[0][0]
        person = await sql.fetch(
            "SELECT id FROM person WHERE municipality = ? AND registry_id = ? "
            "AND status = 'resident'",
            [staff.municipality_id, registry_id],
        )
        if not person:
            raise NotFound(Text("該当する住民がいません。", "No resident with this registry id."))
        account = await sql.fetch("SELECT person FROM account WHERE id = ?", [account_id])
        sessions = await sql.fetch(
            "SELECT id FROM session WHERE account = ? AND revoked_at IS NULL "
            "ORDER BY id DESC LIMIT 1",
            [account_id],
        )
        resident = Principal(
            account_id=account_id,
            municipality_id=staff.municipality_id,
            kind="resident",
            display_name="",
            person_id=account[0][0],
            staff_role="",
            session_id=sessions[0][0] if sessions else 0,
            csrf_token="",
        )
        result = await _bind_person(
            sql, resident, person[0][0], method="counter", staff=staff.account_id
        )
        await audit_service.record(
            municipality_id=staff.municipality_id,
            actor_kind="staff",
            actor_account=staff.account_id,
            subject_person=person[0][0],
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
) -> dict[str, Any]:
    if role not in STAFF_ROLES:
        raise InvalidInput(
            Text("役割が正しくありません。", f"Role must be one of {', '.join(STAFF_ROLES)}.")
        )
    if not display_name.strip() or len(display_name) > 100:
        raise InvalidInput(Text("氏名を入力してください。", "Give the staff member's name."))
    known = {
        r["code"]
        for r in await Department.select(Department.code).where(
            Department.municipality == municipality_id
        )
    }
    unknown = [c for c in department_codes if c not in known]
    if unknown:
        raise InvalidInput(
            Text("部署が見つかりません。", f"Unknown departments: {', '.join(unknown)}")
        )
    token = secrets.token_urlsafe(32)
    expires = _now() + timedelta(days=INVITE_DAYS)
    await StaffInvite.insert(
        StaffInvite(
            municipality=municipality_id,
            token_hash=_hash(token),
            display_name=display_name.strip(),
            role=role,
            departments=json.dumps(department_codes),
            created_by=created_by,
            created_at=_now(),
            expires_at=expires,
        )
    )
    return {"token": token, "expires_at": expires}


async def open_staff_invite(municipality_id: int, token: str) -> dict[str, Any]:
    row = (
        await StaffInvite.select()
        .where(
            (StaffInvite.token_hash == _hash(token or ""))
            & (StaffInvite.municipality == municipality_id)
        )
        .first()
    )
    if row is None or row["used_at"] is not None or _aware(row["expires_at"]) <= _now():
        raise InvalidInput(_INVITE_INVALID)
    codes = (
        json.loads(row["departments"])
        if isinstance(row["departments"], str)
        else row["departments"]
    )
    ids = [
        r["id"]
        for r in await Department.select(Department.id).where(
            (Department.municipality == municipality_id) & Department.code.is_in(codes or [""])
        )
    ]
    return {
        "id": row["id"],
        "display_name": row["display_name"],
        "role": row["role"],
        "department_ids": ids,
    }


# --- consents --------------------------------------------------------------------------------


async def consents(account_id: int) -> dict[str, bool]:
    rows = await Consent.select(Consent.purpose).where(
        (Consent.account == account_id) & Consent.revoked_at.is_null()
    )
    granted = {r["purpose"] for r in rows}
    return {purpose: purpose in granted for purpose in CONSENT_PURPOSES}


async def set_consent(principal: Principal, purpose: str, granted: bool) -> dict[str, bool]:
    """Grant or withdraw one purpose; history is kept (granted and revoked times)."""
    if purpose not in CONSENT_PURPOSES:
        raise InvalidInput(Text("同意の種類が正しくありません。", "Unknown consent purpose."))
    async with write_transaction() as sql:
        live = await sql.fetch(
            "SELECT id FROM consent WHERE account = ? AND purpose = ? AND revoked_at IS NULL",
            [principal.account_id, purpose],
        )
        if granted and not live:
            await sql.execute(
                "INSERT INTO consent (account, purpose, granted_at) VALUES (?, ?, ?)",
                [principal.account_id, purpose, _now()],
            )
        elif not granted and live:
            await sql.execute(
                "UPDATE consent SET revoked_at = ? WHERE id = ?", [_now(), live[0][0]]
            )
    return await consents(principal.account_id)
