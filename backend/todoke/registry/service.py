"""Registry services: the municipality (tenant), its departments, core-system tokens."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, date, datetime
from typing import Any

from todoke.db import SqlSession
from todoke.errors import NotFound, Text, Unauthenticated
from todoke.registry.importer import district_of
from todoke.registry.schemas import DepartmentSeed, MunicipalityRead
from todoke.registry.tables import CoreSystem, Department, Municipality

API_TOKEN_PREFIX = "tdk_"  # noqa: S105 (a marker, not a secret)


def _now() -> datetime:
    return datetime.now(UTC)


def _read(row: dict) -> MunicipalityRead:
    return MunicipalityRead(
        id=row["id"],
        code=row["code"],
        name={"ja": row["name_ja"], "easy": row["name_easy"], "en": row["name_en"]},
        prefecture={
            "ja": row["prefecture_ja"],
            "easy": row["prefecture_easy"],
            "en": row["prefecture_en"],
        },
    )


async def get_municipality(code: str = "") -> MunicipalityRead:
    """The municipality with ``code``, or the only one when no code is configured."""
    query = Municipality.select().order_by(Municipality.id).limit(2)
    if code:
        query = query.where(Municipality.code == code)
    rows = await query.run()
    if not rows or (not code and len(rows) > 1):
        raise NotFound(
            Text(
                "自治体が設定されていません。",
                "No municipality is configured (set TODOKE_MUNICIPALITY_CODE or run the demo).",
            )
        )
    return _read(rows[0])


async def ensure_municipality(
    code: str, name: dict[str, str], prefecture: dict[str, str]
) -> MunicipalityRead:
    """Create the municipality if missing, or update its names; idempotent."""
    values = {
        Municipality.name_ja: name["ja"],
        Municipality.name_easy: name["easy"],
        Municipality.name_en: name["en"],
        Municipality.prefecture_ja: prefecture["ja"],
        Municipality.prefecture_easy: prefecture["easy"],
        Municipality.prefecture_en: prefecture["en"],
    }
    existing = await Municipality.select(Municipality.id).where(Municipality.code == code).first()
    if existing:
        await Municipality.update(values).where(Municipality.code == code)
    else:
        await Municipality.insert(
            Municipality(
                code=code, created_at=_now(), **{c._meta.name: v for c, v in values.items()}
            )
        )
    return await get_municipality(code)


async def ensure_departments(
    municipality_id: int, departments: list[DepartmentSeed]
) -> dict[str, int]:
    """Create or rename departments; return their ids by code."""
    ids: dict[str, int] = {}
    for seed in departments:
        row = (
            await Department.select(Department.id)
            .where((Department.municipality == municipality_id) & (Department.code == seed.code))
            .first()
        )
        names = {
            Department.name_ja: seed.name["ja"],
            Department.name_easy: seed.name["easy"],
            Department.name_en: seed.name["en"],
        }
        if row:
            await Department.update(names).where(Department.id == row["id"])
            ids[seed.code] = row["id"]
        else:
            inserted = await Department.insert(
                Department(
                    municipality=municipality_id,
                    code=seed.code,
                    name_ja=seed.name["ja"],
                    name_easy=seed.name["easy"],
                    name_en=seed.name["en"],
                )
            )
            ids[seed.code] = inserted[0]["id"]
    return ids


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_core_system_token(municipality_id: int, name: str) -> str:
    """Register a core system and return its bearer token; only its hash is kept."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    await CoreSystem.insert(
        CoreSystem(
            municipality=municipality_id,
            name=name,
            token_hash=_token_hash(token),
            created_at=_now(),
        )
    )
    return token


async def authenticate_core_system(token: str) -> tuple[int, str]:
    """(municipality id, system name) for a live token; ``Unauthenticated`` otherwise."""
    refused = Unauthenticated(
        Text("APIトークンが無効です。", "The API token is missing, unknown or revoked.")
    )
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        raise refused
    row = (
        await CoreSystem.select(CoreSystem.id, CoreSystem.municipality, CoreSystem.name)
        .where((CoreSystem.token_hash == _token_hash(token)) & CoreSystem.revoked_at.is_null())
        .first()
    )
    if not row:
        raise refused
    await CoreSystem.update({CoreSystem.last_used_at: _now()}).where(CoreSystem.id == row["id"])
    return row["municipality"], row["name"]


async def change_address(
    sql: SqlSession,
    *,
    municipality_id: int,
    person_id: int,
    postal_code: str,
    address: str,
    as_of: date,
    source: str,
) -> dict[str, list[Any]]:
    """Move a person to a new address inside the caller's transaction (an approved
    転居届): the address keeps its own provenance (source, as-of) and the change is logged
    for matching, like any import. Returns {field: [old, new]} of what changed."""
    rows = await sql.fetch(
        "SELECT p.registry_id, p.postal_code, p.address, p.provenance, h.registry_id "
        "FROM person p LEFT JOIN household h ON h.id = p.household "
        "WHERE p.id = ? AND p.municipality = ?",
        [person_id, municipality_id],
    )
    if not rows:
        raise NotFound(Text("住民記録が見つかりません。", "No such registry person."))
    registry_id, old_postal, old_address, provenance, household_registry_id = rows[0]
    changed = {
        name: [old, new]
        for name, old, new in (
            ("postal_code", old_postal, postal_code),
            ("address", old_address, address),
        )
        if old != new
    }
    if not changed:
        return {}
    held = json.loads(provenance) if isinstance(provenance, str) else dict(provenance or {})
    held["address"] = [source, as_of.isoformat()]
    now = _now()
    await sql.execute(
        "UPDATE person SET postal_code = ?, address = ?, district = ?, provenance = ?, "
        "updated_at = ? WHERE id = ?",
        [
            postal_code,
            address,
            district_of(postal_code),
            json.dumps(held, ensure_ascii=False),
            now,
            person_id,
        ],
    )
    await sql.execute(
        "INSERT INTO registry_change (municipality, person_registry_id, household_registry_id, "
        "registry_import, kind, changes, source, occurred_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
        [
            municipality_id,
            registry_id,
            household_registry_id or "",
            "updated",
            json.dumps(changed, ensure_ascii=False),
            source,
            now,
        ],
    )
    return changed
