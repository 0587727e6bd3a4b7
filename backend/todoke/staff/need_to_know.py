"""Need-to-know: which sections of a resident's record each staff role, in each department,
may see, as data a municipality reads and changes (``need_to_know`` rows; administrators,
audited). The resident view (``staff.residents.service``) shows a section only when a grant
names it; everything else is left out and said to be withheld.

A grant is (role, department, item). ``department`` is a department code, or ``*`` for
staff of any department (and administrators, who belong to none). A staff member sees the
union of the grants for their role in each of their departments and ``*``. An item is a
section of the record, or ``open_by_reason``: may open a record on a stated reason alone,
without a case, consultation or follow-up of their department (supervisors review those).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from todoke.audit import service as audit
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import FieldError, InvalidInput, Text
from todoke.principal import STAFF_ROLES, Principal, Role
from todoke.registry import public as registry

ANY_DEPARTMENT = "*"

# The record's sections, in the order the screen shows them.
IDENTITY = "identity"  # name, kana, birth date, sex, relation, resident since, status
CONTACT = "contact"  # postal code and address
HOUSEHOLD = "household"  # the members of the household (names, birth dates)
INCOME = "income"
TAX_EXEMPT = "tax_exempt"  # 住民税非課税
SINGLE_PARENT = "single_parent"  # ひとり親
LIVELIHOOD_AID = "livelihood_aid"  # 生活保護
DISABILITY = "disability"  # 障害者手帳
CARE_LEVEL = "care_level"  # 要介護度
PREGNANCY = "pregnancy"  # 出産予定日
APPLICATIONS = "applications"
CONSULTATIONS = "consultations"
NOTICES = "notices"

SECTIONS: tuple[str, ...] = (
    IDENTITY, CONTACT, HOUSEHOLD, INCOME, TAX_EXEMPT, SINGLE_PARENT, LIVELIHOOD_AID,
    DISABILITY, CARE_LEVEL, PREGNANCY, APPLICATIONS, CONSULTATIONS, NOTICES,
)  # fmt: skip

# Welfare and tax facts from other registries: besides a grant, they need the resident's
# consent to sharing and an opening tied to the department's work (not a reason alone).
FACT_SECTIONS = frozenset(
    {INCOME, TAX_EXEMPT, SINGLE_PARENT, LIVELIHOOD_AID, DISABILITY, CARE_LEVEL, PREGNANCY}
)

OPEN_BY_REASON = "open_by_reason"
# The contact section (and the address in case views) of a person under
# DV・ストーカー等支援措置: only staff whose work is the register or the support itself see it,
# and every such view is audited (``protection.contact_viewed``).
PROTECTED_CONTACT = "protected_contact"
ITEMS: tuple[str, ...] = (*SECTIONS, OPEN_BY_REASON, PROTECTED_CONTACT)
# The departments whose caseworkers and supervisors see a protected person's contact by
# default: the register (市民課) and the support (福祉相談課).
_PROTECTED_CONTACT_DEPARTMENTS = ("citizens", "welfare")

# --- the defaults a municipality starts from -------------------------------------------------
# Every role sees who the resident is and where they live: identity and contact. Beyond that,
# only what the department's own work uses:
#   citizens 市民課       the resident register, certificates, moves: the household is theirs;
#                         no welfare or tax fact.
#   child-support 子育て支援課 児童手当・児童扶養手当: income limits, ひとり親, adjustment with
#                         生活保護, and pregnancy (出産・子育て応援).
#   nursery 保育課        保育料 is set from the municipal tax; ひとり親 and 生活保護 lower it;
#                         a disability gives priority for a place.
#   welfare 福祉相談課    生活保護, disability welfare, 生活困窮 consultations: the whole picture.
#   elderly 高齢者支援課  介護保険: the premium tier follows tax status and income; 要介護度;
#                         生活保護 and disability change fees.
#   tax 税務課            住民税: income, non-taxation, ひとり親控除, 障害者控除, dependants.
#   waste ごみ対策課, health 生活衛生課: pickups, dog registration, hygiene: identity and
#                         contact, and their own applications and consultations.
# Notices (the resident's inbox, every department's) go to the person-centred departments.
# Supervisors see what their department's caseworkers see. The counter role (support) and
# administrators see identity and contact only; administrators run the service and do not
# serve residents, so they cannot open a record on a reason alone.
_BASIC = (IDENTITY, CONTACT)
_OWN_RECORDS = (APPLICATIONS, CONSULTATIONS)
_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "citizens": (HOUSEHOLD, *_OWN_RECORDS, NOTICES),
    "child-support": (
        HOUSEHOLD, INCOME, TAX_EXEMPT, SINGLE_PARENT, LIVELIHOOD_AID, PREGNANCY,
        *_OWN_RECORDS, NOTICES,
    ),
    "nursery": (
        HOUSEHOLD, INCOME, TAX_EXEMPT, SINGLE_PARENT, LIVELIHOOD_AID, DISABILITY,
        *_OWN_RECORDS, NOTICES,
    ),
    "welfare": (
        HOUSEHOLD, INCOME, TAX_EXEMPT, SINGLE_PARENT, LIVELIHOOD_AID, DISABILITY, CARE_LEVEL,
        PREGNANCY, *_OWN_RECORDS, NOTICES,
    ),
    "elderly": (
        HOUSEHOLD, INCOME, TAX_EXEMPT, LIVELIHOOD_AID, DISABILITY, CARE_LEVEL,
        *_OWN_RECORDS, NOTICES,
    ),
    "tax": (HOUSEHOLD, INCOME, TAX_EXEMPT, SINGLE_PARENT, DISABILITY, *_OWN_RECORDS),
    "waste": _OWN_RECORDS,
    "health": _OWN_RECORDS,
}  # fmt: skip


def default_grants() -> set[tuple[str, str, str]]:
    grants = {(Role.ADMINISTRATOR.value, ANY_DEPARTMENT, item) for item in _BASIC}
    grants |= {(Role.SUPPORT.value, ANY_DEPARTMENT, item) for item in (*_BASIC, OPEN_BY_REASON)}
    for role in (Role.SUPERVISOR.value, Role.CASEWORKER.value):
        grants |= {(role, ANY_DEPARTMENT, item) for item in (*_BASIC, OPEN_BY_REASON)}
        for department, items in _DEPARTMENTS.items():
            grants |= {(role, department, item) for item in items}
        grants |= {(role, d, PROTECTED_CONTACT) for d in _PROTECTED_CONTACT_DEPARTMENTS}
    return grants


# --- reading ---------------------------------------------------------------------------------


class Grant(msgspec.Struct, frozen=True, order=True):
    role: str
    department: str
    item: str


async def _seed_defaults(municipality_id: int) -> None:
    """A municipality without any grant starts from the defaults (once: the unique index
    makes a second or concurrent seeding add nothing)."""
    async with write_transaction() as sql:
        await sql.executemany(
            "INSERT INTO need_to_know (municipality, role, department, item) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (municipality, role, department, item) DO NOTHING",
            [(municipality_id, *grant) for grant in sorted(default_grants())],
        )


async def _stored(municipality_id: int, sql: SqlSession) -> list[Grant]:
    return await sql.rows(
        Grant,
        "SELECT role, department, item FROM need_to_know WHERE municipality = ? "
        "ORDER BY role, department, item",
        [municipality_id],
    )


async def grants(municipality_id: int) -> list[Grant]:
    """The municipality's grants (the defaults, the first time)."""
    async with read_transaction() as sql:
        found = await _stored(municipality_id, sql)
    if found:
        return found
    await _seed_defaults(municipality_id)
    async with read_transaction() as sql:
        return await _stored(municipality_id, sql)


def items_of(principal: Principal, found: Iterable[Grant], codes: dict[int, str]) -> frozenset[str]:
    """What ``principal`` may see, given the grants and the department codes by id."""
    mine = {codes[d] for d in principal.departments if d in codes} | {ANY_DEPARTMENT}
    return frozenset(
        g.item for g in found if g.role == principal.staff_role and g.department in mine
    )


async def items_for(principal: Principal, codes: dict[int, str]) -> frozenset[str]:
    return items_of(principal, await grants(principal.municipality_id), codes)


async def sees_protected_contact(principal: Principal) -> bool:
    """Whether this staff member's role and departments have the need to see the address and
    contact of a person under DV・ストーカー等支援措置 (in the 360° view and in case views)."""
    if not principal.is_staff:
        return False
    codes = {d.id: d.code for d in await registry.departments(principal.municipality_id)}
    return PROTECTED_CONTACT in await items_for(principal, codes)


async def record_protected_view(
    principal: Principal,
    person_id: int,
    *,
    seen: bool,
    purpose: str,
    detail: dict[str, object],
    sql: SqlSession | None = None,
) -> None:
    """A protected person's contact seen (or withheld) by staff: its own audit event, which
    supervisors review apart from other openings."""
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="protection.contact_viewed" if seen else "protection.contact_withheld",
        purpose=purpose,
        subject_person=person_id,
        detail=detail,
        sql=sql,
    )


# --- changing --------------------------------------------------------------------------------

INVALID_GRANTS = Text("閲覧範囲の設定を確認してください。", "Check the need-to-know grants.")


def _problem(field: str, ja: str, en: str) -> InvalidInput:
    return InvalidInput(
        INVALID_GRANTS,
        errors=[FieldError(field=field, label=Text("閲覧範囲", "grants"), message=Text(ja, en))],
    )


async def replace_grants(
    principal: Principal, rules: Sequence[tuple[str, str, Sequence[str]]]
) -> list[Grant]:
    """Replace the municipality's grants with ``rules`` ((role, department, items) each).
    Checked whole before anything is written; the change is one audit event naming what
    was added and removed."""
    if len(rules) > 1000:
        raise _problem("rules", "設定が多すぎます", "at most 1000 rules")
    codes = {d.code for d in await registry.departments(principal.municipality_id)}
    wanted: set[tuple[str, str, str]] = set()
    seen: set[tuple[str, str]] = set()
    for index, (role, department, items) in enumerate(rules):
        where = f"rules[{index}]"
        if role not in STAFF_ROLES:
            raise _problem(f"{where}.role", "職員の役割を指定してください", "unknown role")
        if department != ANY_DEPARTMENT and department not in codes:
            raise _problem(f"{where}.department", "部署が見つかりません", "unknown department")
        if (role, department) in seen:
            raise _problem(where, "役割と部署の組が重複しています", "duplicate role and department")
        seen.add((role, department))
        unknown = sorted(set(items) - set(ITEMS))
        if unknown:
            raise _problem(
                f"{where}.items", "項目が正しくありません", "unknown items: " + ", ".join(unknown)
            )
        wanted |= {(role, department, item) for item in items}
    if not wanted:
        # No grant at all would be read as "never configured" and the defaults come back.
        raise _problem("rules", "1つ以上の項目を許可してください", "grant at least one item")
    before = {(g.role, g.department, g.item) for g in await grants(principal.municipality_id)}
    async with write_transaction() as sql:
        await sql.execute(
            "DELETE FROM need_to_know WHERE municipality = ?", [principal.municipality_id]
        )
        await sql.executemany(
            "INSERT INTO need_to_know (municipality, role, department, item) VALUES (?, ?, ?, ?)",
            [(principal.municipality_id, *grant) for grant in sorted(wanted)],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="need_to_know.changed",
            purpose="administration",
            detail={
                "added": ["/".join(g) for g in sorted(wanted - before)],
                "removed": ["/".join(g) for g in sorted(before - wanted)],
            },
            sql=sql,
        )
        return await _stored(principal.municipality_id, sql)
