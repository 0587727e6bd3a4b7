"""What other domains call to reach the registry domain's data: persons, households,
departments, the change log, and the persons relation eligibility matching reads.

Another domain never names this domain's tables in its SQL; it calls a function here
instead. Each function returns plain values or msgspec Structs declared beside it, and reads
in its own read transaction unless the caller passes the ``SqlSession`` of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import msgspec

from todoke.db import SqlSession, read_transaction, reading
from todoke.errors import Forbidden
from todoke.principal import NOT_ALLOWED, Principal, department_refused
from todoke.registry import service
from todoke.registry.schemas import MunicipalityRead


class HeadOfHousehold(msgspec.Struct, frozen=True):
    registry_id: str
    family_name: str
    given_name: str


async def first_household_heads(municipality_id: int, limit: int) -> list[HeadOfHousehold]:
    """The first ``limit`` resident heads of household in registry order (the demo's
    sample residents, who get activation codes at each start)."""
    async with read_transaction() as sql:
        return await sql.rows(
            HeadOfHousehold,
            "SELECT registry_id, family_name, given_name FROM person WHERE municipality = ? "
            "AND relation = 'head' AND status = 'resident' ORDER BY id LIMIT ?",
            [municipality_id, limit],
        )


# --- departments and persons, for the back office (staff) ---------------------------------


class DepartmentRow(msgspec.Struct, frozen=True):
    id: int
    code: str
    name_ja: str
    name_easy: str
    name_en: str


async def departments(municipality_id: int, sql: SqlSession | None = None) -> list[DepartmentRow]:
    """The municipality's departments in id order (a few dozen at most: callers map them by
    id or code rather than asking once per row)."""
    query = (
        "SELECT id, code, name_ja, name_easy, name_en FROM department "
        "WHERE municipality = ? ORDER BY id"
    )
    async with reading(sql) as session:
        return await session.rows(DepartmentRow, query, [municipality_id])


async def require_department(
    principal: Principal, department_id: int | None, sql: SqlSession | None = None
) -> None:
    """Refuse a staff member who does not work for ``department_id``, naming it (so they
    know whom to ask). For things whose existence a caller may know anyway: where another
    department's thing must look like no thing at all, answer not found instead."""
    if principal.in_department(department_id):
        return
    found = next(
        (d for d in await departments(principal.municipality_id, sql) if d.id == department_id),
        None,
    )
    if found is None or not principal.is_staff:
        raise Forbidden(NOT_ALLOWED)
    raise department_refused(found.code, found.name_ja)


async def person_id_of(municipality_id: int, registry_id: str) -> int | None:
    """The person with this 住民コード in the municipality, or None."""
    async with read_transaction() as sql:
        found = await sql.value(
            "SELECT id FROM person WHERE municipality = ? AND registry_id = ?",
            [municipality_id, registry_id],
        )
    return int(found) if found is not None else None


class _RegistryId(msgspec.Struct, frozen=True):
    id: int
    registry_id: str


async def registry_ids_of(person_ids: Iterable[int]) -> dict[int, str]:
    """住民コード by person id, for a batch of persons."""
    found: dict[int, str] = {}
    async with read_transaction() as sql:
        for marks, args in sql.in_batches(person_ids):
            for row in await sql.rows(
                _RegistryId, f"SELECT id, registry_id FROM person WHERE id {marks}", args
            ):
                found[row.id] = row.registry_id
    return found


class PersonRecordRow(msgspec.Struct, frozen=True):
    """A person's registry entry and the facts from other registries."""

    registry_id: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date | None
    sex: str
    postal_code: str
    address: str
    relation: str
    resident_since: date | None
    status: str
    income_yen: int | None
    tax_exempt: bool | None
    single_parent: bool | None
    livelihood_aid: bool | None
    disability_certificate: str | None
    care_level: str | None
    pregnancy_due_date: date | None
    salary_or_pension: bool | None = None
    child_support_yen: int | None = None
    deductions_yen: int | None = None
    single_parent_deduction_yen: int | None = None
    tax_dependants: int | None = None
    public_pension_yen: int | None = None
    receiving: str = ""


async def person_record(person_id: int, sql: SqlSession | None = None) -> PersonRecordRow | None:
    query = (
        "SELECT registry_id, family_name, given_name, family_name_kana, given_name_kana, "
        "birth_date, sex, postal_code, address, relation, resident_since, status, "
        "income_yen, tax_exempt, single_parent, livelihood_aid, disability_certificate, "
        "care_level, pregnancy_due_date, salary_or_pension, child_support_yen, deductions_yen, "
        "single_parent_deduction_yen, tax_dependants, public_pension_yen, receiving "
        "FROM person WHERE id = ?"
    )
    async with reading(sql) as session:
        return await session.row(PersonRecordRow, query, [person_id])


# --- the registry as eligibility matching reads it (benefits) --------------------------------
# Matching compiles a programme's rule into ONE statement over the persons relation: asking
# this module person by person would be orders of magnitude slower over a million residents.
# So the registry declares here what that statement may read, and benefits builds its SQL from
# this declaration (never spelling the table itself).


MATCHING_PERSONS = "person"
"""One row per registered person: ``id`` (the primary key, SQLite's rowid, so an id range is a
plain slice of the relation), ``municipality``, ``status`` (``'resident'`` for those living
here), ``household`` (shared by its members; NULL for a person registered alone)."""

MATCHING_COLUMNS = frozenset(
    {
        "id", "municipality", "status", "household", "relation", "birth_date", "sex",
        "district", "resident_since", "income_yen", "tax_exempt", "single_parent",
        "livelihood_aid", "disability_certificate", "care_level", "pregnancy_due_date",
        "salary_or_pension", "child_support_yen", "deductions_yen",
        "single_parent_deduction_yen", "tax_dependants", "public_pension_yen",
    }
)  # fmt: skip
"""The columns of :data:`MATCHING_PERSONS` eligibility facts may read."""


def matching_persons(alias: str) -> str:
    """The ``FROM`` item for the persons relation under ``alias`` (``person p``)."""
    return f"{MATCHING_PERSONS} {alias}"


class PersonSummary(msgspec.Struct, frozen=True):
    """Who a person is, where they live and their birth date: a programme preview's figures
    and examples."""

    id: int
    registry_id: str
    family_name: str
    given_name: str
    district: str
    birth_date: date | None


async def person_summaries(sql: SqlSession, person_ids: Iterable[int]) -> list[PersonSummary]:
    """The persons with these ids (any number), in no particular order."""
    found: list[PersonSummary] = []
    for marks, args in sql.in_batches(person_ids):
        found += await sql.rows(
            PersonSummary,
            "SELECT id, registry_id, family_name, given_name, district, birth_date "
            f"FROM person WHERE id {marks}",
            args,
        )
    return found


async def receiving_persons(
    sql: SqlSession, municipality_id: int, slug: str, person_ids: Iterable[int]
) -> set[int]:
    """The persons among ``person_ids`` (of the municipality) whose registry record says they
    already receive the programme ``slug`` (受給中), any number of ids."""
    found: set[int] = set()
    for marks, args in sql.in_batches(person_ids):
        # "+municipality": by the primary key, not by SQLite's (municipality, registry_id)
        # index, which without statistics it would walk through the whole municipality.
        rows = await sql.fetch(
            f"SELECT id, receiving FROM person WHERE +municipality = ? AND id {marks} "
            "AND receiving <> ''",
            [municipality_id, *args],
        )
        # Compared whole, in Python: a slug is not a LIKE pattern ("-" and "_" are safe, but
        # "child" must not match "child-allowance").
        found.update(person_id for person_id, receiving in rows if slug in receiving.split(","))
    return found


async def household_members(
    sql: SqlSession, person_ids: Iterable[int], born_by: date | None = None
) -> dict[int, int]:
    """Every resident in the households of ``person_ids`` (only those born on or before
    ``born_by`` when given: the adults, for the caller's date), each mapped to the person of
    ``person_ids`` whose household it is (the lowest id when two share one). A person without
    a household counts as a household of one."""
    born = "AND m.birth_date <= ?" if born_by is not None else ""
    own = "AND p.birth_date <= ?" if born_by is not None else ""
    by = [born_by] if born_by is not None else []
    found: dict[int, int] = {}
    for marks, args in sql.in_batches(person_ids):
        rows = await sql.fetch(
            "SELECT m.id, p.id FROM person p JOIN person m ON m.household = p.household "
            f"WHERE p.id {marks} AND m.status = 'resident' {born} "
            f"UNION ALL SELECT p.id, p.id FROM person p WHERE p.id {marks} "
            f"AND p.household IS NULL {own}",
            [*args, *by, *args, *by],
        )
        for member, via in rows:
            found[member] = min(via, found.get(member, via))
    return found


class RegistryChangeRef(msgspec.Struct, frozen=True):
    """One entry of the registry change log: whose record changed, in which household."""

    id: int
    person_registry_id: str
    household_registry_id: str | None


async def changes_after(
    sql: SqlSession, municipality_id: int, after_id: int, limit: int
) -> list[RegistryChangeRef]:
    """The change log of the municipality after ``after_id``, oldest first, at most ``limit``
    entries (a reader keeps ``after_id`` as its cursor)."""
    return await sql.rows(
        RegistryChangeRef,
        "SELECT id, person_registry_id, household_registry_id FROM registry_change "
        "WHERE municipality = ? AND id > ? ORDER BY id LIMIT ?",
        [municipality_id, after_id, limit],
    )


async def last_change_id(sql: SqlSession, municipality_id: int) -> int:
    """The newest change log entry of the municipality (0 when there is none)."""
    found = await sql.value(
        "SELECT COALESCE(MAX(id), 0) FROM registry_change WHERE municipality = ?",
        [municipality_id],
    )
    return int(found or 0)


class _PersonInHousehold(msgspec.Struct, frozen=True):
    id: int
    household: int | None


class _Id(msgspec.Struct, frozen=True):
    id: int


async def persons_touched(
    sql: SqlSession,
    municipality_id: int,
    person_registry_ids: Iterable[str],
    household_registry_ids: Iterable[str],
) -> set[int]:
    """Ids of the persons with these 住民コード, everyone in their households, and everyone
    in the households with these 世帯番号 (a child's birth changes the parent's facts)."""
    persons: set[int] = set()
    for marks, args in sql.in_batches(person_registry_ids):
        named = await sql.rows(
            _PersonInHousehold,
            f"SELECT id, household FROM person WHERE municipality = ? AND registry_id {marks}",
            [municipality_id, *args],
        )
        persons |= {p.id for p in named}
        for marks, args in sql.in_batches(p.household for p in named if p.household is not None):
            members = await sql.rows(_Id, f"SELECT id FROM person WHERE household {marks}", args)
            persons |= {m.id for m in members}
    for marks, args in sql.in_batches(household_registry_ids):
        members = await sql.rows(
            _Id,
            "SELECT p.id AS id FROM person p JOIN household h ON h.id = p.household "
            f"WHERE h.municipality = ? AND h.registry_id {marks}",
            [municipality_id, *args],
        )
        persons |= {m.id for m in members}
    return persons


async def municipality_ids() -> list[int]:
    """Every municipality served, in id order."""
    async with read_transaction() as sql:
        return [m.id for m in await sql.rows(_Id, "SELECT id FROM municipality ORDER BY id")]


class MunicipalityName(msgspec.Struct, frozen=True):
    id: int
    code: str
    name_ja: str
    name_easy: str
    name_en: str
    origin: str | None = None  # its own origin, where the deployment serves several


async def municipality_names() -> list[MunicipalityName]:
    """Every municipality's name in each language, in id order (a handful of rows: the push
    worker keeps them for the neutral "<市>からお知らせがあります")."""
    async with read_transaction() as sql:
        return await sql.rows(
            MunicipalityName,
            "SELECT id, code, name_ja, name_easy, name_en, origin FROM municipality ORDER BY id",
        )


# --- persons as the procedures domain sees them (pre-fill, applicant names, effects) -------


class _PersonName(msgspec.Struct, frozen=True):
    id: int
    name: str


async def person_names(person_ids: Iterable[int], sql: SqlSession | None = None) -> dict[int, str]:
    """ "family given" names by person id, for a batch of persons (applicants)."""
    names: dict[int, str] = {}
    async with reading(sql) as session:
        for marks, args in session.in_batches(person_ids):
            for row in await session.rows(
                _PersonName,
                f"SELECT id, family_name || ' ' || given_name AS name FROM person WHERE id {marks}",
                args,
            ):
                names[row.id] = row.name
    return names


class HouseholdPerson(msgspec.Struct, frozen=True):
    """A person as a form is pre-filled from: names, birth, address, household place and
    where each fact came from (``provenance``: fact group → [source, as-of])."""

    id: int
    registry_id: str
    household: int | None
    relation: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date | None
    sex: str
    postal_code: str
    address: str
    status: str
    provenance: dict[str, Any] | None


_HOUSEHOLD_PERSON = (
    "SELECT id, registry_id, household, relation, family_name, given_name, family_name_kana, "
    "given_name_kana, birth_date, sex, postal_code, address, status, provenance FROM person "
)


async def person_and_household(
    person_id: int, sql: SqlSession | None = None
) -> tuple[HouseholdPerson, list[HouseholdPerson]] | None:
    """The person and everyone registered in their household (any status, the person
    included), oldest first; None if there is no such person."""
    async with reading(sql) as session:
        person = await session.row(HouseholdPerson, _HOUSEHOLD_PERSON + "WHERE id = ?", [person_id])
        if person is None:
            return None
        if person.household is None:
            return person, []
        members = await session.rows(
            HouseholdPerson,
            _HOUSEHOLD_PERSON + "WHERE household = ? ORDER BY birth_date, id",
            [person.household],
        )
    return person, members


# --- persons as identity sees them (account names, activation letters, counter checks) -----


class PersonName(msgspec.Struct, frozen=True):
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str


async def person_name(person_id: int, sql: SqlSession | None = None) -> PersonName | None:
    """The registered name (kanji and kana) of a person, or None."""
    query = (
        "SELECT family_name, given_name, family_name_kana, given_name_kana FROM person WHERE id = ?"
    )
    async with reading(sql) as session:
        return await session.row(PersonName, query, [person_id])


class LetterAddressee(msgspec.Struct, frozen=True):
    """A resident as an activation letter is addressed to them."""

    id: int
    family_name: str
    given_name: str
    postal_code: str
    address: str


async def letter_addressees(
    sql: SqlSession, municipality_id: int, person_ids: Iterable[int]
) -> dict[int, LetterAddressee]:
    """The persons among ``person_ids`` who live in the municipality (status resident), as
    a letter is addressed to them, by id; anyone moved away or deceased is left out (any
    number of ids)."""
    found: dict[int, LetterAddressee] = {}
    for marks, args in sql.in_batches(person_ids):
        for addressee in await sql.rows(
            LetterAddressee,
            "SELECT id, family_name, given_name, postal_code, address FROM person "
            f"WHERE +municipality = ? AND status = 'resident' AND id {marks}",  # by id: see above
            [municipality_id, *args],
        ):
            found[addressee.id] = addressee
    return found


async def resident_by_registry_id(
    municipality_id: int, registry_id: str, sql: SqlSession | None = None
) -> LetterAddressee | None:
    """The person with this 住民コード who lives in the municipality (status resident)."""
    query = (
        "SELECT id, family_name, given_name, postal_code, address FROM person "
        "WHERE municipality = ? AND registry_id = ? AND status = 'resident' ORDER BY id"
    )
    async with reading(sql) as session:
        return await session.row(LetterAddressee, query, [municipality_id, registry_id])


class ResidentByCode(msgspec.Struct, frozen=True):
    id: int
    registry_id: str
    family_name: str
    given_name: str


async def residents_by_registry_id(
    municipality_id: int, registry_ids: Iterable[str], sql: SqlSession | None = None
) -> dict[str, ResidentByCode]:
    """The persons with these 住民コード who live in the municipality (status resident), by
    住民コード (any number of codes, one query a batch)."""
    found: dict[str, ResidentByCode] = {}
    async with reading(sql) as session:
        for marks, args in session.in_batches(sorted(set(registry_ids))):
            for person in await session.rows(
                ResidentByCode,
                "SELECT id, registry_id, family_name, given_name FROM person "
                f"WHERE municipality = ? AND status = 'resident' AND registry_id {marks}",
                [municipality_id, *args],
            ):
                found.setdefault(person.registry_id, person)
    return found


# --- whether a municipality has a registry yet (the demo seeds one only once) ---------------


async def has_persons(municipality_id: int) -> bool:
    """True once any person is registered in the municipality."""
    async with read_transaction() as sql:
        found = await sql.value(
            "SELECT EXISTS (SELECT 1 FROM person WHERE municipality = ?)", [municipality_id]
        )
    return bool(found)


async def municipalities_by_origin() -> dict[str, MunicipalityRead]:
    """Municipalities reached at an origin of their own, by origin (kept in memory)."""
    return await service.municipalities_by_origin()


# --- finding a resident at the counter ----------------------------------------------------------


class CounterPerson(msgspec.Struct, frozen=True):
    """A resident as the counter finds them: enough to tell namesakes apart against the
    identity document in hand (the district, not the address)."""

    id: int
    registry_id: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: date | None
    district: str


COUNTER_MATCHES = 20  # more than this many namesakes born the same day: narrow by given name

_COUNTER_PERSON = (
    "SELECT id, registry_id, family_name, given_name, family_name_kana, given_name_kana, "
    "birth_date, district FROM person "
)


async def counter_person(municipality_id: int, registry_id: str) -> CounterPerson | None:
    """The resident with this 住民コード (living here), as the counter shows them."""
    async with read_transaction() as sql:
        return await sql.row(
            CounterPerson,
            _COUNTER_PERSON + "WHERE municipality = ? AND registry_id = ? "
            "AND status = 'resident' ORDER BY id",
            [municipality_id, registry_id],
        )


async def find_at_counter(
    municipality_id: int, *, family_name_kana: str, given_name_kana: str, birth_date: date
) -> list[CounterPerson]:
    """Residents living here born that day whose reading matches (katakana, already
    normalised; the given name may be left empty), as on the identity document shown."""
    condition = "AND given_name_kana = ? " if given_name_kana else ""
    args: list[Any] = [municipality_id, birth_date, family_name_kana]
    if given_name_kana:
        args.append(given_name_kana)
    async with read_transaction() as sql:
        return await sql.rows(
            CounterPerson,
            _COUNTER_PERSON + "WHERE municipality = ? AND birth_date = ? "
            "AND status = 'resident' AND family_name_kana = ? "
            f"{condition}ORDER BY given_name_kana, registry_id LIMIT {COUNTER_MATCHES + 1}",
            args,
        )
