"""Procedure catalogue services: publish versions, list what residents can file."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from todoke import jp
from todoke.errors import NotFound, Text
from todoke.procedures.schemas import (
    DepartmentRef,
    Localized,
    ProcedureDefinition,
    ProcedureSummary,
)
from todoke.procedures.tables import Procedure, ProcedureVersion


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
    row = (
        await Procedure.select(Procedure.id, Procedure.published_version)
        .where((Procedure.municipality == municipality_id) & (Procedure.slug == definition.slug))
        .first()
    )
    now = datetime.now(UTC)
    department_id = department_ids[definition.department]
    if row is None:
        inserted = await Procedure.insert(
            Procedure(
                municipality=municipality_id,
                slug=definition.slug,
                department=department_id,
                sort_order=sort_order,
                created_at=now,
            )
        )
        procedure_id, current = inserted[0]["id"], None
    else:
        procedure_id, current = row["id"], row["published_version"]
    if current is not None:
        held = (
            await ProcedureVersion.select(ProcedureVersion.definition)
            .where(
                (ProcedureVersion.procedure == procedure_id) & (ProcedureVersion.version == current)
            )
            .first()
        )
        if held and msgspec.json.decode(held["definition"], type=ProcedureDefinition) == definition:
            return current
    version = (current or 0) + 1
    await ProcedureVersion.insert(
        ProcedureVersion(
            procedure=procedure_id, version=version, definition=encoded, published_at=now
        )
    )
    await Procedure.update(
        {
            Procedure.published_version: version,
            Procedure.department: department_id,
            Procedure.sort_order: sort_order,
        }
    ).where(Procedure.id == procedure_id)
    return version


def _matches(summary: ProcedureSummary, folded_query: str) -> bool:
    haystack = (
        summary.title.ja,
        summary.title.easy,
        summary.title.en,
        summary.summary.ja,
        summary.department.name.ja,
        *summary.keywords,
    )
    return any(folded_query in jp.fold_for_search(text) for text in haystack)


_PUBLISHED = (
    "SELECT pv.version, pv.definition, d.code, d.name_ja, d.name_easy, d.name_en "
    "FROM procedure p "
    "JOIN procedure_version pv ON pv.procedure = p.id AND pv.version = p.published_version "
    "JOIN department d ON d.id = p.department "
    "WHERE p.municipality = {}"
)


async def _published(municipality_id: int, slug: str | None = None) -> list[ProcedureSummary]:
    if slug is None:
        rows = await ProcedureVersion.raw(
            _PUBLISHED + " ORDER BY p.sort_order, p.id", municipality_id
        )
    else:
        rows = await ProcedureVersion.raw(_PUBLISHED + " AND p.slug = {}", municipality_id, slug)
    summaries = []
    for row in rows:
        definition = msgspec.json.decode(row["definition"], type=ProcedureDefinition)
        summaries.append(
            ProcedureSummary(
                slug=definition.slug,
                version=row["version"],
                title=definition.title,
                summary=definition.summary,
                department=DepartmentRef(
                    code=row["code"],
                    name=Localized(ja=row["name_ja"], easy=row["name_easy"], en=row["name_en"]),
                ),
                online=definition.online,
                service_days=definition.service_days,
                identity=definition.identity,
                keywords=definition.keywords,
            )
        )
    return summaries


async def list_published(municipality_id: int, query: str = "") -> list[ProcedureSummary]:
    """Published procedures of the municipality in catalogue order; ``query`` matches
    titles, summaries and keywords regardless of kana, width and case."""
    summaries = await _published(municipality_id)
    folded = jp.fold_for_search(query) if query else ""
    return [s for s in summaries if _matches(s, folded)] if folded else summaries


async def get_published(municipality_id: int, slug: str) -> ProcedureSummary:
    found = await _published(municipality_id, slug)
    if not found:
        raise NotFound(Text("この手続きはありません。", "There is no procedure with this name."))
    return found[0]
