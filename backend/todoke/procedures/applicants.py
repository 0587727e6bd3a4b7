"""Who an application is for: the signed-in resident themself, or the principal a
delegate files for, with the household the registry holds for them."""

from __future__ import annotations

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.db import SqlSession, separate_write_transaction
from todoke.errors import Forbidden, Text
from todoke.identity import delegations
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures.moved import FOLLOW_ON, move_household
from todoke.procedures.prefill import Household, load_household
from todoke.procedures.versions import Version
from todoke.registry import protection


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
    account = await identity.account_person(on_behalf_of, principal.municipality_id, sql)
    protected = account is not None and await protection.is_protected(
        principal.municipality_id, account.person_id, sql
    )
    refused = True
    try:
        await delegations.check_agent(
            sql,
            agent_account=principal.account_id,
            principal_account=on_behalf_of,
            slug=version.summary.slug,
        )
        if account is None:
            raise Forbidden(Text("代理の設定が見つかりません。", "No such delegation."))
        if protected and account.person_id in await protection.protected_from(
            principal.municipality_id, principal.person_id, sql
        ):
            # A person the protection names: refused as any delegate without a delegation
            # is, so the refusal says nothing of why.
            raise delegations.no_delegation()
        refused = False
    finally:
        if protected and account is not None:
            await _audit_proxy_attempt(
                principal,
                account.person_id,
                on_behalf_of,
                slug=version.summary.slug,
                refused=refused,
            )
    return Applicant(on_behalf_of, account.person_id, account.display_name, "proxy")


async def _audit_proxy_attempt(
    principal: Principal, person_id: int | None, account_id: int, *, slug: str, refused: bool
) -> None:
    """Every attempt to act for a protected person, refused or not, in its own transaction
    (a refusal must leave its trace; the caller's is often a read-only one)."""
    async with separate_write_transaction() as own:
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="resident",
            actor_account=principal.account_id,
            action="protection.proxy_refused" if refused else "protection.proxy_attempt",
            purpose="proxy",
            subject_person=person_id,
            subject_account=account_id,
            detail={"procedure": slug},
            sql=own,
        )


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
    household = await load_household(sql, applicant.person_id, clock.today())
    if household is None:
        return None
    return await _without_protected_from(sql, household, municipality_id, applicant.person_id)


async def _without_protected_from(
    sql: SqlSession, household: Household, municipality_id: int, person_id: int
) -> Household:
    """The household as a person named by a protection sees it: without the protected
    members (not listed, not pre-selected, and not a member an answer may name)."""
    protecting = await protection.protected_from(municipality_id, person_id, sql)
    if not protecting:
        return household
    hidden = set((await protection.registry_ids(municipality_id, protecting, sql)).values())
    if not hidden & household.member_ids:
        return household
    values = dict(household.values)
    for source in ("household", "children"):
        values[source] = [m for m in values.get(source) or [] if m not in hidden]
    return msgspec.structs.replace(
        household,
        values=values,
        members=[m for m in household.members if m.id not in hidden],
    )
