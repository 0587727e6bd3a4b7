"""Pre-fill: what the municipality already holds about the applicant, mapped onto a form.

Every value carries where it came from and as of when, so the resident can see it and say
"この情報が違う"; the department that owns the fact is who hears about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from todoke.db import SqlSession
from todoke.db import as_date as _as_date
from todoke.procedures.schemas import FormSchema, HouseholdMemberRead, PrefilledValue

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
}
FACT_LABELS = {
    "name": {"ja": "氏名", "easy": "なまえ", "en": "Name"},
    "kana": {"ja": "フリガナ", "easy": "なまえの よみかた", "en": "Name in kana"},
    "birth_date": {"ja": "生年月日", "easy": "うまれた ひ", "en": "Date of birth"},
    "sex": {"ja": "性別", "easy": "せいべつ", "en": "Sex"},
    "address": {"ja": "住所", "easy": "じゅうしょ", "en": "Address"},
    "household": {"ja": "世帯", "easy": "いっしょに すむ かぞく", "en": "Household"},
}
# Base-registry facts (住民基本台帳) are kept by the citizens division.
FACT_DEPARTMENT = dict.fromkeys(FACT_LABELS, "citizens")
CHILD_AGE_LIMIT = 18


@dataclass(frozen=True)
class Household:
    """The applicant and their household as the registry holds them."""

    person_id: int
    registry_id: str
    values: dict[str, Any]  # every pre-fill source → value
    provenance: dict[str, list[str]]  # fact group → [source, as_of]
    members: list[HouseholdMemberRead]

    @property
    def member_ids(self) -> set[str]:
        return {m.id for m in self.members}

    def name_of(self, registry_id: str) -> str:
        return next((m.name for m in self.members if m.id == registry_id), registry_id)


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


async def load_household(sql: SqlSession, person_id: int, today: date) -> Household | None:
    rows = await sql.fetch(
        "SELECT p.id, p.registry_id, p.family_name, p.given_name, p.family_name_kana, "
        "p.given_name_kana, p.birth_date, p.sex, p.postal_code, p.address, p.relation, "
        "p.provenance, p.household FROM person p WHERE p.id = ?",
        [person_id],
    )
    if not rows:
        return None
    (pid, registry_id, family, given, family_kana, given_kana, birth, sex, postal, address,
     relation, provenance, household_id) = rows[0]  # fmt: skip
    people = (
        await sql.fetch(
            "SELECT registry_id, family_name, given_name, family_name_kana, given_name_kana, "
            "birth_date, relation FROM person WHERE household = ? AND status = 'resident' "
            "ORDER BY birth_date, id",
            [household_id],
        )
        if household_id is not None
        else []
    )
    if not any(p[0] == registry_id for p in people):
        people = [(registry_id, family, given, family_kana, given_kana, birth, relation), *people]
    members = [
        HouseholdMemberRead(
            id=p[0],
            name=f"{p[1]} {p[2]}",
            kana=f"{p[3]} {p[4]}",
            birth_date=_as_date(p[5]).isoformat() if p[5] else None,
            relation=p[6],
            is_self=p[0] == registry_id,
        )
        for p in people
    ]
    children = [
        m.id
        for m in members
        if not m.is_self
        and (age := _age(_as_date(m.birth_date), today)) is not None
        and age < CHILD_AGE_LIMIT
    ]
    held = json.loads(provenance) if isinstance(provenance, str) else dict(provenance or {})
    base = held.get("base") or ["住民基本台帳", ""]
    stamps = {fact: base for fact in FACT_LABELS}
    if held.get("address"):
        stamps["address"] = held["address"]
    birth_date = _as_date(birth)
    return Household(
        person_id=pid,
        registry_id=registry_id,
        values={
            "family_name": family,
            "given_name": given,
            "full_name": f"{family} {given}",
            "family_name_kana": family_kana,
            "given_name_kana": given_kana,
            "full_name_kana": f"{family_kana} {given_kana}",
            "birth_date": birth_date.isoformat() if birth_date else None,
            "sex": sex,
            "postal_code": postal,
            "address": address,
            "relation": relation,
            "household": [m.id for m in members],
            "children": children,
        },
        provenance=stamps,
        members=members,
    )


def prefill_for(form: FormSchema, household: Household) -> dict[str, PrefilledValue]:
    """The form's mapped fields filled from the registry, each with its provenance."""
    filled: dict[str, PrefilledValue] = {}
    for spec in form.fields():
        if spec.prefill is None:
            continue
        value = household.values.get(spec.prefill)
        if value is None or value == "" or value == []:
            continue
        fact = FACT_OF_SOURCE[spec.prefill]
        source, as_of = (household.provenance.get(fact) or ["住民基本台帳", ""])[:2]
        filled[spec.name] = PrefilledValue(
            value=value, source=source, as_of=as_of, locked=spec.locked, fact=fact
        )
    return filled
