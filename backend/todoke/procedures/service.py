"""Procedure catalogue services: publish versions, list what residents can file."""

from __future__ import annotations

from typing import Any

import msgspec

from todoke import clock, published
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import NotFound, Text
from todoke.procedures import search
from todoke.procedures.schemas import (
    DepartmentRef,
    Localized,
    ProcedureDefinition,
    ProcedureSummary,
)
from todoke.registry import public as registry


class _Procedure(msgspec.Struct, frozen=True):
    id: int
    published_version: int | None


def decode_definition(stored: Any) -> ProcedureDefinition:
    """A stored definition, whether the driver gave the JSON column as text or as data."""
    raw = stored if isinstance(stored, (str, bytes)) else msgspec.json.encode(stored)
    return msgspec.json.decode(raw, type=ProcedureDefinition)


async def publish(
    municipality_id: int,
    department_ids: dict[str, int],
    definition: ProcedureDefinition,
    sort_order: int = 0,
) -> int:
    """Publish ``definition`` as the procedure's next version, unless the published one
    is already identical; return the published version number. Published versions are
    never changed."""
    encoded = msgspec.json.encode(definition).decode()
    now = clock.now()
    department_id = department_ids[definition.department]
    async with write_transaction() as sql:
        procedure = await sql.row(
            _Procedure,
            "SELECT id, published_version FROM procedure WHERE municipality = ? AND slug = ?",
            [municipality_id, definition.slug],
        )
        if procedure is None:
            procedure_id = await sql.value(
                "INSERT INTO procedure (municipality, slug, department, published_version, "
                "sort_order, created_at) VALUES (?, ?, ?, NULL, ?, ?) RETURNING id",
                [municipality_id, definition.slug, department_id, sort_order, now],
            )
            current = None
        else:
            procedure_id, current = procedure.id, procedure.published_version
        if current is not None:
            held = await sql.value(
                "SELECT definition FROM procedure_version WHERE municipality = ? "
                "AND procedure = ? AND version = ?",
                [municipality_id, procedure_id, current],
            )
            if held is not None and decode_definition(held) == definition:
                return current
        version = (current or 0) + 1
        await sql.execute(
            "INSERT INTO procedure_version (municipality, procedure, version, definition, "
            "published_at) VALUES (?, ?, ?, ?, ?)",
            [municipality_id, procedure_id, version, encoded, now],
        )
        await sql.execute(
            "UPDATE procedure SET published_version = ?, department = ?, sort_order = ? "
            "WHERE id = ?",
            [version, department_id, sort_order, procedure_id],
        )
        await published.changed(sql)
    return version


async def department_refs(sql: SqlSession, municipality_id: int) -> dict[int, DepartmentRef]:
    """The municipality's departments as the API names them, by id."""
    return {
        d.id: DepartmentRef(
            code=d.code, name=Localized(ja=d.name_ja, easy=d.name_easy, en=d.name_en)
        )
        for d in await registry.departments(municipality_id, sql)
    }


class _Published(msgspec.Struct, frozen=True):
    version: int
    definition: Any
    department: int


_PUBLISHED = (
    "SELECT pv.version AS version, pv.definition AS definition, p.department AS department "
    "FROM procedure p "
    "JOIN procedure_version pv ON pv.procedure = p.id AND pv.version = p.published_version "
    "WHERE p.municipality = ?"
)


async def published_catalogue(municipality_id: int) -> published.Kept[list[ProcedureSummary]]:
    """The published procedures in catalogue order, kept in memory until a publish."""
    return await published.kept(
        "procedures", municipality_id, lambda: _load_published(municipality_id)
    )


async def _load_published(municipality_id: int) -> list[ProcedureSummary]:
    async with read_transaction() as sql:
        rows = await sql.rows(
            _Published, _PUBLISHED + " ORDER BY p.sort_order, p.id", [municipality_id]
        )
        departments = await department_refs(sql, municipality_id) if rows else {}
    summaries = []
    for row in rows:
        definition = decode_definition(row.definition)
        summaries.append(
            ProcedureSummary(
                slug=definition.slug,
                version=row.version,
                title=definition.title,
                summary=definition.summary,
                department=departments[row.department],
                online=definition.online,
                service_days=definition.service_days,
                identity=definition.identity,
                keywords=definition.keywords,
            )
        )
    return summaries


async def list_published(municipality_id: int, query: str = "") -> list[ProcedureSummary]:
    """Published procedures of the municipality in catalogue order; ``query`` matches
    titles, summaries, departments and keywords in every language (see search.py)."""
    return search.search((await published_catalogue(municipality_id)).value, query)


async def get_published(municipality_id: int, slug: str) -> ProcedureSummary:
    for summary in (await published_catalogue(municipality_id)).value:
        if summary.slug == slug:
            return summary
    raise NotFound(Text("この手続きはありません。", "There is no procedure with this name."))
