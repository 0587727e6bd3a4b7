"""Registry services: the municipality (tenant), its departments, core-system tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from todoke.errors import NotFound, Text, Unauthenticated
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
