"""Delegation: a resident lets someone they trust (a family member) file for them.

The principal creates an offer and hands its single-use code to the agent in person or by
message; the agent accepts it while signed in. Scope (which procedures) and period are the
principal's choice; either side can revoke at any time, and the principal sees every
filing made in their name.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.codes import canonical_code, code_hash, new_code, secret_hash
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Forbidden, InvalidInput, NotFound, Text
from todoke.identity.schemas import DelegationOffer, DelegationRead
from todoke.principal import Principal
from todoke.registry import protection

CODE_HOURS = 72
MAX_DAYS = 366


def _code_hashes(code: str) -> list[str]:
    # Offers made before codes were unified were hashed without their hyphens; they stay
    # valid for CODE_HOURS, so both forms are looked up until then.
    return [code_hash(code), secret_hash(canonical_code(code).replace("-", ""))]


async def offer(principal: Principal, scope: tuple[str, ...], days: int) -> DelegationOffer:
    """A single-use code for the agent; only a verified resident may offer (the route lets
    residents only through)."""
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
    code = new_code()
    now = clock.now()
    expires = now + timedelta(hours=CODE_HOURS)
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO delegation (municipality, principal, agent, code_hash, scope, days, "
            "created_at, code_expires_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
            [
                principal.municipality_id,
                principal.account_id,
                code_hash(code),
                json.dumps(list(scope), ensure_ascii=False),
                days,
                now,
                expires,
            ],
        )
    return DelegationOffer(code=code, expires_at=expires)


class _Offer(msgspec.Struct, frozen=True):
    id: int
    principal: int
    days: int
    code_expires_at: datetime


async def accept(principal: Principal, code: str) -> int:
    """The agent (a resident, as the route lets through) takes up an offer; its id. A person
    a protection of the offering resident names gets the wrong-code answer (and the attempt
    is audited apart)."""
    now = clock.now()
    async with write_transaction() as sql:
        marks, hashes = sql.in_list(_code_hashes(code))
        found = await sql.row(
            _Offer,
            "SELECT id, principal, days, code_expires_at FROM delegation "  # noqa: S608
            f"WHERE code_hash {marks} AND municipality = ? AND agent IS NULL "
            "AND revoked_at IS NULL",
            [*hashes, principal.municipality_id],
        )
        if found is None or found.code_expires_at < now:
            raise _wrong_code()
        if found.principal == principal.account_id:
            raise InvalidInput(
                Text("自分自身を代理人にはできません。", "You cannot be your own agent.")
            )
        refused = await _named_against(sql, principal, found.principal)
        if refused:
            await audit.record(
                municipality_id=principal.municipality_id,
                actor_kind="resident",
                actor_account=principal.account_id,
                action="protection.delegation_refused",
                purpose="proxy",
                subject_account=found.principal,
                detail={"delegation": found.id},
                sql=sql,
            )
        else:
            await sql.execute(
                "UPDATE delegation SET agent = ?, accepted_at = ?, expires_at = ? WHERE id = ?",
                [principal.account_id, now, now + timedelta(days=found.days), found.id],
            )
            await audit.record(
                municipality_id=principal.municipality_id,
                actor_kind="resident",
                actor_account=principal.account_id,
                action="delegation.accepted",
                purpose="proxy",
                subject_account=found.principal,
                detail={"delegation": found.id},
                sql=sql,
            )
            if await _is_protected_principal(sql, principal.municipality_id, found.principal):
                await audit.record(
                    municipality_id=principal.municipality_id,
                    actor_kind="resident",
                    actor_account=principal.account_id,
                    action="protection.delegation_accepted",
                    purpose="proxy",
                    subject_account=found.principal,
                    detail={"delegation": found.id},
                    sql=sql,
                )
    if refused:
        # Committed with its audit event, then answered as a wrong code is.
        raise _wrong_code()
    return found.id


def _wrong_code() -> InvalidInput:
    return InvalidInput(
        Text(
            "招待コードが正しくないか、期限が切れています。",
            "The code is wrong or has expired.",
        )
    )


async def _person_of(sql: SqlSession, municipality_id: int, account_id: int) -> int | None:
    found = await sql.value(
        "SELECT person FROM account WHERE id = ? AND municipality = ?",
        [account_id, municipality_id],
    )
    return int(found) if found is not None else None


async def _is_protected_principal(sql: SqlSession, municipality_id: int, account_id: int) -> bool:
    person = await _person_of(sql, municipality_id, account_id)
    return await protection.is_protected(municipality_id, person, sql)


async def _named_against(sql: SqlSession, agent: Principal, principal_account: int) -> bool:
    """Whether a protection of the offering resident names the accepting one."""
    offering = await _person_of(sql, agent.municipality_id, principal_account)
    return offering is not None and offering in await protection.protected_from(
        agent.municipality_id, agent.person_id, sql
    )


async def revoke(principal: Principal, delegation_id: int) -> None:
    async with write_transaction() as sql:
        held = await sql.value(
            "SELECT id FROM delegation WHERE id = ? AND revoked_at IS NULL "
            "AND (principal = ? OR agent = ?)",
            [delegation_id, principal.account_id, principal.account_id],
        )
        if held is None:
            raise NotFound(Text("代理の設定が見つかりません。", "No such delegation."))
        await sql.execute(
            "UPDATE delegation SET revoked_at = ? WHERE id = ?", [clock.now(), delegation_id]
        )


class _Listed(msgspec.Struct, frozen=True):
    id: int
    principal: int
    agent: int | None
    scope: list[str]
    created_at: datetime
    code_expires_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    principal_name: str
    agent_name: str | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.agent is None:
            return "pending" if self.code_expires_at > now else "expired"
        return "active" if self.expires_at is not None and self.expires_at > now else "expired"


async def list_for(principal: Principal) -> list[DelegationRead]:
    """Delegations the account gave or received, newest first."""
    async with read_transaction() as sql:
        rows = await sql.rows(
            _Listed,
            "SELECT d.id AS id, d.principal AS principal, d.agent AS agent, d.scope AS scope, "
            "d.created_at AS created_at, d.code_expires_at AS code_expires_at, "
            "d.expires_at AS expires_at, d.revoked_at AS revoked_at, "
            "p.display_name AS principal_name, a.display_name AS agent_name FROM delegation d "
            "JOIN account p ON p.id = d.principal LEFT JOIN account a ON a.id = d.agent "
            "WHERE d.principal = ? OR d.agent = ? ORDER BY d.id DESC",
            [principal.account_id, principal.account_id],
        )
    now = clock.now()
    return [
        DelegationRead(
            id=row.id,
            direction="given" if row.principal == principal.account_id else "received",
            principal_account=row.principal,
            principal_name=row.principal_name,
            agent_name=row.agent_name or "",
            scope=tuple(row.scope or ()),
            status=row.status(now),
            expires_at=row.expires_at or row.code_expires_at,
            created_at=row.created_at,
        )
        for row in rows
    ]


class _Grant(msgspec.Struct, frozen=True):
    scope: list[str]
    expires_at: datetime


async def check_agent(
    sql: SqlSession, *, agent_account: int, principal_account: int, slug: str
) -> None:
    """Raise unless ``agent_account`` holds a live delegation from ``principal_account``
    that covers the procedure ``slug``."""
    grants = await sql.rows(
        _Grant,
        "SELECT scope, expires_at FROM delegation WHERE principal = ? AND agent = ? "
        "AND revoked_at IS NULL",
        [principal_account, agent_account],
    )
    now = clock.now()
    for grant in grants:
        if grant.expires_at > now and (not grant.scope or slug in grant.scope):
            return
    raise no_delegation()


def no_delegation() -> Forbidden:
    """The one refusal of a delegate: no delegation, an expired one, or a protection that
    names them all read the same."""
    return Forbidden(
        Text(
            "この方の代理で申請する権限がありません。",
            "You have no delegation to file this for that person.",
        )
    )
