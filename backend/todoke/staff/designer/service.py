"""The procedure designer: list, read, preview and publish procedure versions."""

from __future__ import annotations

from typing import Any

import msgspec

from todoke.audit import service as audit
from todoke.db import aware as _aware
from todoke.db import write_transaction
from todoke.errors import FieldError, Forbidden, InvalidInput, Text
from todoke.principal import NOT_ALLOWED, Permission, Principal
from todoke.procedures import applications
from todoke.procedures import service as catalogue
from todoke.procedures.forms import parse_schema
from todoke.procedures.schemas import ProcedureDefinition

# --- the procedure designer ------------------------------------------------------------------


async def designer_list(principal: Principal) -> list[dict[str, Any]]:
    principal.require(Permission.DESIGN_PROCEDURES)
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT p.slug, p.published_version, d.code, p.department FROM procedure p "
            "JOIN department d ON d.id = p.department WHERE p.municipality = ? "
            "ORDER BY p.sort_order, p.id",
            [principal.municipality_id],
        )
    return [
        {
            "slug": r[0],
            "version": r[1],
            "department": r[2],
            "editable": principal.in_department(r[3]),
        }
        for r in rows
    ]


async def designer_get(principal: Principal, slug: str) -> dict[str, Any]:
    principal.require(Permission.DESIGN_PROCEDURES)
    version = await applications.load_version(principal.municipality_id, slug)
    async with write_transaction() as sql:
        versions = await sql.fetch(
            "SELECT version, published_at FROM procedure_version WHERE procedure = ? "
            "ORDER BY version DESC",
            [version.procedure_id],
        )
    return {
        "definition": msgspec.to_builtins(version.definition),
        "version": version.version,
        "versions": [{"version": v[0], "published_at": _aware(v[1])} for v in versions],
    }


def check_definition(raw: dict[str, Any]) -> ProcedureDefinition:
    """A designer's definition, checked as strictly as a seeded one."""
    try:
        definition = msgspec.convert(raw, ProcedureDefinition)
        parse_schema(msgspec.to_builtins(definition.form))
    except (msgspec.ValidationError, ValueError) as error:
        raise InvalidInput(
            Text("手続きの定義に誤りがあります。", "The procedure definition is invalid."),
            errors=[
                FieldError(
                    field="definition",
                    label=Text("手続きの定義", "definition"),
                    message=Text(str(error), str(error)),
                )
            ],
        ) from None
    if (
        not definition.slug
        or len(definition.slug) > 64
        or not all(c.isascii() and (c.isalnum() or c == "-") for c in definition.slug)
    ):
        raise InvalidInput(
            Text("識別名は英数字とハイフンで入力してください。", "Slug: letters, digits, '-'.")
        )
    return definition


async def designer_publish(principal: Principal, raw: dict[str, Any]) -> dict[str, Any]:
    """Publish a definition as the procedure's next version (a new procedure when the slug
    is new). Published versions never change; applications keep the version they were
    filed against; residents see the new one at once, without a restart."""
    principal.require(Permission.DESIGN_PROCEDURES)
    definition = check_definition(raw)
    async with write_transaction() as sql:
        departments_rows = await sql.fetch(
            "SELECT code, id FROM department WHERE municipality = ?", [principal.municipality_id]
        )
        existing = await sql.fetch(
            "SELECT department, sort_order FROM procedure WHERE municipality = ? AND slug = ?",
            [principal.municipality_id, definition.slug],
        )
    department_ids = dict(departments_rows)
    target = department_ids.get(definition.department)
    if target is None:
        raise InvalidInput(Text("部署が見つかりません。", "Unknown department code."))
    if not principal.in_department(target) or (
        existing and not principal.in_department(existing[0][0])
    ):
        raise Forbidden(NOT_ALLOWED)
    sort_order = existing[0][1] if existing else 1000
    version = await catalogue.publish(
        principal.municipality_id, department_ids, definition, sort_order=sort_order
    )
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="procedure.published",
        purpose="administration",
        detail={"slug": definition.slug, "version": version},
    )
    return {"slug": definition.slug, "version": version}


def designer_preview(principal: Principal, raw: dict[str, Any]) -> dict[str, Any]:
    """The form exactly as residents will get it (without anyone's registry data)."""
    principal.require(Permission.DESIGN_PROCEDURES)
    definition = check_definition(raw)
    return {
        "form": msgspec.to_builtins(definition.form),
        "steps": msgspec.to_builtins(applications.steps_of(definition)),
        "title": msgspec.to_builtins(definition.title),
        "summary": msgspec.to_builtins(definition.summary),
        "help": msgspec.to_builtins(definition.help),
    }
