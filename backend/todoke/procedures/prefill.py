"""Pre-fill: what the municipality already holds about the applicant, mapped onto a form.

Every value carries where it came from and as of when, so the resident can see it and say
"この情報が違う"; the department that owns the fact is who hears about it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from todoke.db import SqlSession
from todoke.procedures.schemas import FormSchema, HouseholdMemberRead, PrefilledValue
from todoke.registry import protection
from todoke.registry import public as registry

# The registry fact group a pre-fill source belongs to; provenance is kept per group and a
# correction goes to the department that owns the group.
FACT_OF_SOURCE = {
    "family_name": "name",
    "given_name": "name",
    "full_name": "name",
    "family_name_kana": "kana",
    "given_name_kana": "kana",
    "full_name_kana": "kana",
    "birth_date": "birth_date",
    "sex": "sex",
    "postal_code": "address",
    "address": "address",
    "relation": "household",
    "household": "household",
    "children": "household",
    "previous_address": "move",
    "move_date": "move",
}
FACT_LABELS = {
    "name": {"ja": "氏名", "easy": "なまえ", "en": "Name"},
    "kana": {"ja": "フリガナ", "easy": "なまえの よみかた", "en": "Name in kana"},
    "birth_date": {"ja": "生年月日", "easy": "うまれた ひ", "en": "Date of birth"},
    "sex": {"ja": "性別", "easy": "せいべつ", "en": "Sex"},
    "address": {"ja": "住所", "easy": "じゅうしょ", "en": "Address"},
    "household": {"ja": "世帯", "easy": "いっしょに すむ かぞく", "en": "Household"},
    "move": {"ja": "引っ越し", "easy": "ひっこし", "en": "Move"},
}
# Base-registry facts (住民基本台帳) are kept by the citizens division.
FACT_DEPARTMENT = dict.fromkeys(FACT_LABELS, "citizens")
CHILD_AGE_LIMIT = 18


class Household(msgspec.Struct, frozen=True):
    """The applicant and their household as the registry holds them."""

    person_id: int
    registry_id: str
    values: dict[str, Any]  # every pre-fill source → value
    provenance: dict[str, list[str]]  # fact group → [source, as_of]
    members: list[HouseholdMemberRead]
    # Set when the household comes from move-in data a former municipality sent (with the
    # resident's consent) rather than from this municipality's registry: its name.
    moved_from: str = ""

    @property
    def member_ids(self) -> set[str]:
        return {m.id for m in self.members}

    def name_of(self, registry_id: str) -> str:
        return next((m.name for m in self.members if m.id == registry_id), registry_id)


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


async def load_household(sql: SqlSession, person_id: int, today: date) -> Household | None:
    """The person and the residents of their household, as pre-fill reads them."""
    found = await registry.person_and_household(person_id, sql)
    if found is None:
        return None
    person, household = found
    people = [p for p in household if p.status == "resident"]
    if not any(p.registry_id == person.registry_id for p in people):
        people = [person, *people]
    members = [
        HouseholdMemberRead(
            id=p.registry_id,
            name=f"{p.family_name} {p.given_name}",
            kana=f"{p.family_name_kana} {p.given_name_kana}",
            birth_date=p.birth_date.isoformat() if p.birth_date else None,
            relation=p.relation,
            is_self=p.registry_id == person.registry_id,
        )
        for p in people
    ]
    children = [
        m.id
        for m in members
        if not m.is_self
        and m.birth_date is not None
        and _age(date.fromisoformat(m.birth_date), today) < CHILD_AGE_LIMIT
    ]
    held: dict[str, Any] = dict(person.provenance or {})
    base = held.get("base") or ["住民基本台帳", ""]
    stamps = {fact: base for fact in FACT_LABELS}
    if held.get("address"):
        stamps["address"] = held["address"]
    return Household(
        person_id=person.id,
        registry_id=person.registry_id,
        values={
            "family_name": person.family_name,
            "given_name": person.given_name,
            "full_name": f"{person.family_name} {person.given_name}",
            "family_name_kana": person.family_name_kana,
            "given_name_kana": person.given_name_kana,
            "full_name_kana": f"{person.family_name_kana} {person.given_name_kana}",
            "birth_date": person.birth_date.isoformat() if person.birth_date else None,
            "sex": person.sex,
            "postal_code": person.postal_code,
            "address": person.address,
            "relation": person.relation,
            "household": [m.id for m in members],
            "children": children,
        },
        provenance=stamps,
        members=members,
    )


def withheld_fields(form: FormSchema) -> frozenset[str]:
    """The form's fields pre-filled with an address, postal code or contact: what a delegate
    filing for a person under DV・ストーカー等支援措置 never sees (the registry's value is filed
    in their place, whatever the delegate sends)."""
    return frozenset(
        spec.name
        for spec in form.fields()
        if spec.prefill is not None and spec.prefill in protection.WITHHELD_SOURCES
    )


def prefill_for(
    form: FormSchema, household: Household, *, withhold: bool = False
) -> dict[str, PrefilledValue]:
    """The form's mapped fields filled from the registry, each with its provenance; with
    ``withhold``, the address and contact ones read 「非表示」."""
    filled: dict[str, PrefilledValue] = {}
    hidden = withheld_fields(form) if withhold else frozenset()
    for spec in form.fields():
        if spec.prefill is None:
            continue
        value = household.values.get(spec.prefill)
        if value is None or value == "" or value == []:
            continue
        if spec.name in hidden:
            value = protection.WITHHELD
        fact = FACT_OF_SOURCE[spec.prefill]
        source, as_of = (household.provenance.get(fact) or ["住民基本台帳", ""])[:2]
        filled[spec.name] = PrefilledValue(
            value=value, source=source, as_of=as_of, locked=spec.locked, fact=fact
        )
    return filled
