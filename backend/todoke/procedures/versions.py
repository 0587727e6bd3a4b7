"""Procedure versions as applications use them: the exact definition an application was
filed against, and the statuses of its workflow in order."""

from __future__ import annotations

from typing import Any

import msgspec

from todoke import published
from todoke.db import SqlSession, read_transaction
from todoke.errors import NotFound, Text
from todoke.procedures import service as catalogue
from todoke.procedures.schemas import (
    Localized,
    ProcedureDefinition,
    ProcedureSummary,
    WorkflowStep,
)
from todoke.procedures.service import decode_definition

BASE_STEPS = {
    "awaiting_confirmation": Localized(
        ja="本人の確認待ち", easy="ほんにんの かくにん まち", en="Waiting for your confirmation"
    ),
    "submitted": Localized(ja="受付済み", easy="うけつけ しました", en="Received"),
    "in_review": Localized(ja="審査中", easy="しらべて います", en="In review"),
    "info_requested": Localized(
        ja="追加情報の依頼", easy="もっと おしえて ください", en="More information requested"
    ),
    "approved": Localized(ja="承認", easy="みとめられました", en="Approved"),
    "rejected": Localized(ja="却下", easy="みとめられませんでした", en="Rejected"),
    "withdrawn": Localized(ja="取り下げ", easy="とりさげ ました", en="Withdrawn"),
}
FINAL = {"approved", "rejected", "withdrawn"}
OPEN = {"submitted", "in_review", "info_requested"}


def steps_of(definition: ProcedureDefinition) -> tuple[WorkflowStep, ...]:
    """The statuses in order: received, review, the procedure's own steps, then outcomes."""
    head = [WorkflowStep(s, BASE_STEPS[s]) for s in ("submitted", "in_review")]
    tail = [WorkflowStep(s, BASE_STEPS[s]) for s in ("info_requested", "approved", "rejected")]
    return (*head, *definition.steps, *tail)


def status_label(definition: ProcedureDefinition, status: str) -> Localized:
    for step in definition.steps:
        if step.id == status:
            return step.label
    return BASE_STEPS.get(status, Localized(ja=status, easy=status, en=status))


class Version(msgspec.Struct, frozen=True, kw_only=True):
    procedure_id: int
    department_id: int
    version: int
    current_version: int
    definition: ProcedureDefinition
    summary: ProcedureSummary


class _VersionRow(msgspec.Struct, frozen=True):
    procedure_id: int
    department_id: int
    current_version: int
    definition: Any


class _ProcedureName(msgspec.Struct, frozen=True):
    municipality_id: int
    slug: str


async def load_version(municipality_id: int, slug: str, version: int | None = None) -> Version:
    """A procedure's published version, or an older one an application was filed against
    (kept in memory until the next publish: every form and filing reads one)."""
    summary = await catalogue.get_published(municipality_id, slug)
    wanted = version if version is not None else summary.version
    kept = await published.kept(
        f"version:{slug}:{wanted}",
        municipality_id,
        lambda: _load_version(municipality_id, slug, wanted, summary),
    )
    return kept.value


async def _load_version(
    municipality_id: int, slug: str, wanted: int, summary: ProcedureSummary
) -> Version:
    async with read_transaction() as sql:
        row = await sql.row(
            _VersionRow,
            "SELECT p.id AS procedure_id, p.department AS department_id, "
            "p.published_version AS current_version, pv.definition AS definition "
            "FROM procedure p JOIN procedure_version pv ON pv.procedure = p.id "
            "WHERE p.municipality = ? AND p.slug = ? AND pv.version = ?",
            [municipality_id, slug, wanted],
        )
    if row is None:
        raise NotFound(Text("この版の様式はありません。", "There is no such form version."))
    return Version(
        procedure_id=row.procedure_id,
        department_id=row.department_id,
        version=wanted,
        current_version=row.current_version,
        definition=decode_definition(row.definition),
        summary=summary,
    )


async def version_by_id(procedure_id: int, version: int) -> Version:
    """The version ``version`` of the procedure with this id (an application's own)."""
    async with read_transaction() as sql:
        name = await sql.row(
            _ProcedureName,
            "SELECT municipality AS municipality_id, slug FROM procedure WHERE id = ?",
            [procedure_id],
        )
    if name is None:
        raise NotFound(Text("この版の様式はありません。", "There is no such form version."))
    return await load_version(name.municipality_id, name.slug, version)


class _StoredDefinition(msgspec.Struct, frozen=True):
    procedure: int
    version: int
    definition: Any  # JSON text or the decoded value, by driver


async def definitions_of(
    sql: SqlSession, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], ProcedureDefinition]:
    """The definitions of these (procedure, version) pairs — the versions a list of
    applications was filed against — each decoded once."""
    found: dict[tuple[int, int], ProcedureDefinition] = {}
    for marks, args in sql.in_batches(procedure for procedure, _ in pairs):
        for row in await sql.rows(
            _StoredDefinition,
            "SELECT procedure, version, definition FROM procedure_version "  # noqa: S608
            f"WHERE procedure {marks}",  # marks: "?" placeholders only
            args,
        ):
            if (row.procedure, row.version) in pairs:
                found[(row.procedure, row.version)] = decode_definition(row.definition)
    return found
