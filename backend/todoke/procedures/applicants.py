"""Who an application is for: the signed-in resident themself, or the principal a
delegate files for, with the household the registry holds for them."""

from __future__ import annotations

import msgspec

from todoke import clock
from todoke.db import SqlSession
from todoke.errors import Forbidden, Text
from todoke.identity import delegations
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures.moved import FOLLOW_ON, move_household
from todoke.procedures.prefill import Household, load_household
from todoke.procedures.versions import Version


class Applicant(msgspec.Struct, frozen=True):
    account_id: int
    person_id: int | None
    name: str
    channel: str  # self | proxy


def applicant_self(principal: Principal) -> Applicant:
    return Applicant(principal.account_id, principal.person_id, principal.display_name, "self")


async def applicant_for(
    sql: SqlSession, principal: Principal, on_behalf_of: int | None, version: Version
) -> Applicant:
    """The resident filing (``on_behalf_of`` unset) or the principal they hold a delegation
    from; staff never file as residents."""
    if principal.is_staff:
        raise Forbidden(
            Text(
                "職員のアカウントでは住民として申請できません。窓口支援の画面を使ってください。",
                "Staff accounts cannot file as residents; use assisted filing.",
            )
        )
    if on_behalf_of is None or on_behalf_of == principal.account_id:
        return applicant_self(principal)
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
    account = await identity.account_person(on_behalf_of, principal.municipality_id, sql)
    if account is None:
        raise Forbidden(Text("代理の設定が見つかりません。", "No such delegation."))
    return Applicant(on_behalf_of, account.person_id, account.display_name, "proxy")


async def household_of(
    sql: SqlSession, applicant: Applicant, municipality_id: int, slug: str
) -> Household | None:
    """The registry household of a verified resident; for an account bound to an incoming
    move (no registry person here yet), the household its move data describes, for the
    procedures that follow a move only."""
    if applicant.person_id is None:
        if slug not in FOLLOW_ON:
            return None
        return await move_household(sql, applicant.account_id, municipality_id)
    return await load_household(sql, applicant.person_id, clock.today())
