"""Counter work the staff domain decides itself: what a protected person's activation letter
shows to the staff member printing it."""

from __future__ import annotations

import msgspec

from todoke.principal import Principal
from todoke.registry import protection
from todoke.registry.public import LetterAddressee
from todoke.staff import need_to_know


async def addressee_for(principal: Principal, person: LetterAddressee) -> LetterAddressee:
    """Whom the counter's activation letter is addressed to. DV・ストーカー等支援措置: for staff
    without the need it is printed without the address (the citizens division addresses it,
    or hands it over in person); either way the view of a protected person is audited."""
    if not await protection.is_protected(principal.municipality_id, person.id):
        return person
    sees = await need_to_know.sees_protected_contact(principal)
    await need_to_know.record_protected_view(
        principal, person.id, seen=sees, purpose="activation_letter",
        detail={"view": "activation_letter"},
    )  # fmt: skip
    if sees:
        return person
    return msgspec.structs.replace(
        person, postal_code=protection.WITHHELD, address=protection.WITHHELD
    )
