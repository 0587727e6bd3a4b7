"""Registry services: the municipality (tenant), its departments, core-system tokens."""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import msgspec

from todoke import clock, published
from todoke.codes import secret_hash
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import NotFound, Text, Unauthenticated
from todoke.registry import change_signal
from todoke.registry.importer import district_of
from todoke.registry.schemas import (
    CoreSystemCaller,
    DepartmentSeed,
    FieldChange,
    MunicipalityRead,
)

API_TOKEN_PREFIX = "tdk_"  # noqa: S105 (a marker, not a secret)


class _MunicipalityRow(msgspec.Struct):
    id: int
    code: str
    name_ja: str
    name_easy: str
    name_en: str
    prefecture_ja: str
    prefecture_easy: str
    prefecture_en: str
    origin: str | None = None


_MUNICIPALITY_COLUMNS = (
    "id, code, name_ja, name_easy, name_en, prefecture_ja, prefecture_easy, prefecture_en, origin"
)


def _read(row: _MunicipalityRow) -> MunicipalityRead:
    return MunicipalityRead(
        id=row.id,
        code=row.code,
        name={"ja": row.name_ja, "easy": row.name_easy, "en": row.name_en},
        prefecture={
            "ja": row.prefecture_ja,
            "easy": row.prefecture_easy,
            "en": row.prefecture_en,
        },
        origin=row.origin,
    )


async def get_municipality(code: str = "") -> MunicipalityRead:
    """The municipality with ``code``, or — when no code is configured — the only one
    reached at the deployment's own origins (those with an origin of their own aside)."""
    async with read_transaction() as sql:
        rows = await sql.rows(
            _MunicipalityRow,
            f"SELECT {_MUNICIPALITY_COLUMNS} FROM municipality "  # noqa: S608 (constant)
            "WHERE (? = '' AND origin IS NULL) OR code = ? ORDER BY id LIMIT 2",
            [code, code],
        )
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
    names = [name["ja"], name["easy"], name["en"]]
    names += [prefecture["ja"], prefecture["easy"], prefecture["en"]]
    async with write_transaction() as sql:
        existing = await sql.value("SELECT id FROM municipality WHERE code = ?", [code])
        if existing is not None:
            await sql.execute(
                "UPDATE municipality SET name_ja = ?, name_easy = ?, name_en = ?, "
                "prefecture_ja = ?, prefecture_easy = ?, prefecture_en = ? WHERE id = ?",
                [*names, existing],
            )
        else:
            await sql.execute(
                "INSERT INTO municipality (code, name_ja, name_easy, name_en, prefecture_ja, "
                "prefecture_easy, prefecture_en, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [code, *names, clock.now()],
            )
    return await get_municipality(code)


def normal_origin(origin: str) -> str:
    """An origin as browsers send it: scheme://host[:port], lower case, no path or slash.
    Raises ValueError for anything else (a path, a query, credentials, another scheme)."""
    parts = urlsplit(origin.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"not an origin: {origin!r} (scheme://host[:port])")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


async def set_municipality_origin(code: str, origin: str | None) -> MunicipalityRead:
    """Reach the municipality at its own origin (None: at the deployment's own origins)."""
    value = normal_origin(origin) if origin else None
    async with write_transaction() as sql:
        taken = await sql.value(
            "SELECT code FROM municipality WHERE origin = ? AND code <> ?", [value, code]
        )
        if value is not None and taken is not None:
            raise ValueError(f"{value} already serves municipality {taken}")
        changed = await sql.value(
            "UPDATE municipality SET origin = ? WHERE code = ? RETURNING id", [value, code]
        )
        if changed is not None:
            await published.changed(sql)  # every process forgets the origins it keeps
    if changed is None:
        raise NotFound(Text("自治体が見つかりません。", f"No municipality {code}."))
    return await get_municipality(code)


async def municipalities_by_origin() -> dict[str, MunicipalityRead]:
    """Every municipality that has an origin of its own, by that origin: kept in memory
    until one is changed (a handful of rows, asked on every request)."""
    return (await published.kept("origins", 0, _load_origins)).value


async def _load_origins() -> dict[str, MunicipalityRead]:
    async with read_transaction() as sql:
        rows = await sql.rows(
            _MunicipalityRow,
            f"SELECT {_MUNICIPALITY_COLUMNS} FROM municipality "  # noqa: S608 (constant)
            "WHERE origin IS NOT NULL",
        )
    return {row.origin: _read(row) for row in rows if row.origin}


class _DepartmentId(msgspec.Struct):
    id: int
    code: str


async def ensure_departments(
    municipality_id: int, departments: list[DepartmentSeed]
) -> dict[str, int]:
    """Create or rename departments; return their ids by code."""
    async with write_transaction() as sql:
        held = await sql.rows(
            _DepartmentId,
            "SELECT id, code FROM department WHERE municipality = ?",
            [municipality_id],
        )
        ids = {d.code: d.id for d in held}
        for seed in departments:
            names = [seed.name["ja"], seed.name["easy"], seed.name["en"]]
            if seed.code in ids:
                await sql.execute(
                    "UPDATE department SET name_ja = ?, name_easy = ?, name_en = ? WHERE id = ?",
                    [*names, ids[seed.code]],
                )
            else:
                ids[seed.code] = await sql.value(
                    "INSERT INTO department (municipality, code, name_ja, name_easy, name_en) "
                    "VALUES (?, ?, ?, ?, ?) RETURNING id",
                    [municipality_id, seed.code, *names],
                )
        await published.changed(sql)  # the catalogue names each procedure's department
    return {seed.code: ids[seed.code] for seed in departments}


async def create_core_system_token(municipality_id: int, name: str) -> str:
    """Register a core system and return its bearer token; only its hash is kept."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction() as sql:
        await sql.execute(
            "INSERT INTO core_system (municipality, name, token_hash, created_at) "
            "VALUES (?, ?, ?, ?)",
            [municipality_id, name, secret_hash(token), clock.now()],
        )
    return token


async def authenticate_core_system(token: str, municipality_id: int) -> CoreSystemCaller:
    """The municipality and name of the system holding a live token of the municipality
    the request's host serves (``registry.hosts``); ``Unauthenticated`` otherwise. A token
    is one municipality's system, and a host is one municipality's: a municipality with an
    origin of its own is reached there only, and the others only elsewhere."""
    refused = Unauthenticated(
        Text("APIトークンが無効です。", "The API token is missing, unknown or revoked.")
    )
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        raise refused
    async with write_transaction() as sql:
        caller = await sql.row(
            CoreSystemCaller,
            "UPDATE core_system SET last_used_at = ? WHERE municipality = ? AND token_hash = ? "
            "AND revoked_at IS NULL RETURNING municipality AS municipality_id, name",
            [clock.now(), municipality_id, secret_hash(token)],
        )
    if caller is None:
        raise refused
    return caller


class _HeldAddress(msgspec.Struct):
    registry_id: str
    postal_code: str
    address: str
    provenance: dict[str, Any] | None
    household_registry_id: str | None


async def change_address(
    sql: SqlSession,
    *,
    municipality_id: int,
    person_id: int,
    postal_code: str,
    address: str,
    as_of: date,
    source: str,
) -> list[FieldChange]:
    """Move a person to a new address inside the caller's transaction (an approved
    転居届): the address keeps its own provenance (source, as-of) and the change is logged
    for matching, like any import. Returns what changed (empty when nothing did)."""
    held = await sql.row(
        _HeldAddress,
        "SELECT p.registry_id, p.postal_code, p.address, p.provenance, "
        "h.registry_id AS household_registry_id "
        "FROM person p LEFT JOIN household h ON h.id = p.household "
        "WHERE p.id = ? AND p.municipality = ?",
        [person_id, municipality_id],
    )
    if held is None:
        raise NotFound(Text("住民記録が見つかりません。", "No such registry person."))
    changed = [
        FieldChange(field=name, old=old, new=new)
        for name, old, new in (
            ("postal_code", held.postal_code, postal_code),
            ("address", held.address, address),
        )
        if old != new
    ]
    if not changed:
        return []
    provenance = dict(held.provenance or {})
    provenance["address"] = [source, as_of.isoformat()]
    now = clock.now()
    await sql.execute(
        "UPDATE person SET postal_code = ?, address = ?, district = ?, provenance = ?, "
        "updated_at = ? WHERE id = ?",
        [
            postal_code,
            address,
            district_of(postal_code),
            json.dumps(provenance, ensure_ascii=False),
            now,
            person_id,
        ],
    )
    await sql.execute(
        "INSERT INTO registry_change (municipality, person_registry_id, household_registry_id, "
        "registry_import, kind, changes, source, occurred_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?)",
        [
            municipality_id,
            held.registry_id,
            held.household_registry_id or "",
            "updated",
            json.dumps({c.field: [c.old, c.new] for c in changed}, ensure_ascii=False),
            source,
            now,
        ],
    )
    await change_signal.logged(sql)  # delivered when the caller's transaction commits
    return changed
