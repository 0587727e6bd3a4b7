"""The form of a procedure for one resident: pre-filled from the registry, with what
stands in the way of filing it."""

from __future__ import annotations

from typing import Any

import msgspec

from todoke import clock
from todoke.db import read_transaction
from todoke.errors import Forbidden
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures.applicants import Applicant, applicant_for, household_of
from todoke.procedures.catalogue import MOVE_DATA_LOCK
from todoke.procedures.prefill import Household, prefill_for
from todoke.procedures.schemas import FormRead, FormSchema, HouseholdMemberRead
from todoke.procedures.versions import load_version, steps_of
from todoke.registry import protection


async def form_for(
    principal: Principal | None, municipality_id: int, slug: str, on_behalf_of: int | None
) -> FormRead:
    """The current form; for a signed-in resident pre-filled (with consent) and with the
    blockers: sign_in, verify, prefill_consent, closed, proxy_not_allowed."""
    version = await load_version(municipality_id, slug)
    definition = version.definition
    blockers: list[str] = []
    prefill: dict[str, Any] = {}
    members: list[HouseholdMemberRead] = []
    household: Household | None = None
    protected = False
    if definition.closes_on is not None and definition.closes_on < clock.today():
        blockers.append("closed")
    if principal is None:
        blockers.append("sign_in")
    else:
        applicant: Applicant | None
        async with read_transaction() as sql:
            try:
                applicant = await applicant_for(sql, principal, on_behalf_of, version)
            except Forbidden:
                if principal.is_staff:
                    raise
                blockers.append("proxy_not_allowed")
                applicant = None
            consented = False
            if applicant is not None:
                household = await household_of(
                    sql, applicant, municipality_id, version.summary.slug
                )
                # Move-in data was sent by the resident's own consent, for exactly this.
                consented = bool(household and household.moved_from) or (
                    await identity.has_consent(applicant.account_id, "prefill", sql)
                )
                protected = await protection.is_protected(municipality_id, applicant.person_id, sql)
        if applicant is not None:
            if (
                definition.identity == "verified"
                and applicant.person_id is None
                and not (household and household.moved_from)
            ):
                blockers.append("verify")
            if household is not None:
                members = household.members
                if consented:
                    prefill = prefill_for(
                        definition.form,
                        household,
                        withhold=applicant.channel == "proxy" and protected,
                    )
                elif any(f.prefill for f in definition.form.fields()):
                    blockers.append("prefill_consent")
    hard = [b for b in blockers if b != "prefill_consent"]
    form = unlock_unfilled(definition.form, prefill)
    if household is not None and household.moved_from:
        form = _from_move_data(form)
    return FormRead(
        procedure=version.summary,
        version=version.version,
        help=definition.help,
        form=form,
        prefill=prefill,
        household=members,
        can_file=not hard,
        blockers=blockers,
        closes_on=definition.closes_on,
        fee_yen=definition.fee_yen,
        steps=steps_of(definition),
        corrections=not (household is not None and household.moved_from),
    )


def _from_move_data(form: FormSchema) -> FormSchema:
    """A locked value that came with a move says so: not this registry's, but the former
    municipality's data, to be put right at the counter."""
    sections = []
    for section in form.sections:
        fields = tuple(
            msgspec.structs.replace(spec, lock_reason=MOVE_DATA_LOCK) if spec.locked else spec
            for spec in section.fields
        )
        sections.append(msgspec.structs.replace(section, fields=fields))
    return FormSchema(sections=tuple(sections))


def unlock_unfilled(form: FormSchema, prefill: dict[str, Any]) -> FormSchema:
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
