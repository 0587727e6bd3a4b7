"""Delegation: a resident lets someone they trust (a family member) file for them.

The principal creates an offer and hands its single-use code to the agent in person or by
message; the agent accepts it while signed in. Scope (which procedures) and period are the
principal's choice; either side can revoke at any time, and the principal sees every
filing made in their name.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from todoke.audit import service as audit
from todoke.db import aware as _aware
from todoke.db import write_transaction
from todoke.errors import Forbidden, InvalidInput, NotFound, Text
from todoke.principal import Principal

CODE_HOURS = 72
MAX_DAYS = 366
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(code: str) -> str:
    canonical = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(canonical.encode()).hexdigest()


def _resident(principal: Principal) -> None:
    if principal.is_staff:
        raise Forbidden(Text("住民のアカウントで操作してください。", "Residents only."))


async def offer(principal: Principal, scope: tuple[str, ...], days: int) -> dict[str, Any]:
    _resident(principal)
    if principal.person_id is None:
        raise Forbidden(
            Text(
                "代理人を頼むには、先に本人確認をしてください。",
                "Verify your identity before you let someone file for you.",
            )
        )
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            Text("期間は1日から366日の間で指定してください。", "Days must be 1 to 366.")
        )
    if len(scope) > 50 or any(not s or len(s) > 64 for s in scope):
        raise InvalidInput(Text("手続きの指定が正しくありません。", "Invalid scope."))
    code = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
    now = _now()
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO delegation (municipality, principal, agent, code_hash, scope, days, "
            "created_at, code_expires_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
            [
                principal.municipality_id,
                principal.account_id,
                _hash(code),
                _json_list(scope),
                days,
                now,
                now + timedelta(hours=CODE_HOURS),
            ],
        )
    return {"code": code, "expires_at": now + timedelta(hours=CODE_HOURS)}


def _json_list(values: tuple[str, ...] | list[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


async def accept(principal: Principal, code: str) -> int:
    _resident(principal)
    now = _now()
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id, principal, days, code_expires_at FROM delegation "
            "WHERE code_hash = ? AND municipality = ? AND agent IS NULL AND revoked_at IS NULL",
            [_hash(code), principal.municipality_id],
        )
        if not rows or _aware(rows[0][3]) < now:
            raise InvalidInput(
                Text(
                    "招待コードが正しくないか、期限が切れています。",
                    "The code is wrong or has expired.",
                )
            )
        delegation_id, principal_account, days, _ = rows[0]
        if principal_account == principal.account_id:
            raise InvalidInput(
                Text("自分自身を代理人にはできません。", "You cannot be your own agent.")
            )
        await sql.execute(
            "UPDATE delegation SET agent = ?, accepted_at = ?, expires_at = ? WHERE id = ?",
            [principal.account_id, now, now + timedelta(days=days), delegation_id],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="resident",
            actor_account=principal.account_id,
            action="delegation.accepted",
            purpose="proxy",
            subject_account=principal_account,
            detail={"delegation": delegation_id},
            sql=sql,
        )
    return delegation_id


async def revoke(principal: Principal, delegation_id: int) -> None:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT principal, agent FROM delegation WHERE id = ? AND revoked_at IS NULL "
            "AND (principal = ? OR agent = ?)",
            [delegation_id, principal.account_id, principal.account_id],
        )
        if not rows:
            raise NotFound(Text("代理の設定が見つかりません。", "No such delegation."))
        await sql.execute(
            "UPDATE delegation SET revoked_at = ? WHERE id = ?", [_now(), delegation_id]
        )


def _status(row: dict[str, Any], now: datetime) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["agent"] is None:
        return "pending" if _aware(row["code_expires_at"]) > now else "expired"
    return "active" if _aware(row["expires_at"]) > now else "expired"


async def list_for(principal: Principal) -> list[dict[str, Any]]:
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT d.id, d.principal, d.agent, d.scope, d.created_at, d.code_expires_at, "
            "d.expires_at, d.revoked_at, p.display_name, a.display_name FROM delegation d "
            "JOIN account p ON p.id = d.principal LEFT JOIN account a ON a.id = d.agent "
            "WHERE d.principal = ? OR d.agent = ? ORDER BY d.id DESC",
            [principal.account_id, principal.account_id],
        )
    now = _now()
    result = []
    for r in rows:
        row = {
            "id": r[0],
            "principal": r[1],
            "agent": r[2],
            "scope": tuple(json.loads(r[3]) if isinstance(r[3], str) else r[3] or ()),
            "created_at": _aware(r[4]),
            "code_expires_at": r[5],
            "expires_at": r[6],
            "revoked_at": r[7],
        }
        result.append(
            {
                "id": row["id"],
                "direction": "given" if row["principal"] == principal.account_id else "received",
                "principal_account": row["principal"],
                "principal_name": r[8],
                "agent_name": r[9] or "",
                "scope": row["scope"],
                "status": _status(row, now),
                "expires_at": _aware(row["expires_at"] or row["code_expires_at"]),
                "created_at": row["created_at"],
            }
        )
    return result


async def check_agent(sql: Any, *, agent_account: int, principal_account: int, slug: str) -> None:
    """Raise unless ``agent_account`` holds a live delegation from ``principal_account``
    that covers the procedure ``slug``."""
    rows = await sql.fetch(
        "SELECT scope, expires_at FROM delegation WHERE principal = ? AND agent = ? "
        "AND revoked_at IS NULL",
        [principal_account, agent_account],
    )
    now = _now()
    for scope, expires_at in rows:
        slugs = json.loads(scope) if isinstance(scope, str) else (scope or [])
        if _aware(expires_at) > now and (not slugs or slug in slugs):
            return
    raise Forbidden(
        Text(
            "この方の代理で申請する権限がありません。",
            "You have no delegation to file this for that person.",
        )
    )
