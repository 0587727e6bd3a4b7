"""Platform templates of programmes (issue 16): the five seeded programmes published once for
every municipality, adopted by each; a national programme's rule (児童手当, 児童扶養手当:
the law decides who qualifies and how much) lives in the template only.

A national programme's ``program.rule`` holds null: every reader selects ``telling.RULE_SQL``,
which takes the rule from the template's current version, so an amendment published once
reaches every municipality at the next read — no per-municipality copy to update, and no
municipality can change it (the designer refuses, naming the field). A local programme is
the municipality's own copy, changeable where the template allows (its texts — which state
the amounts — its rule, its channels).

Templates carry no municipality: they are the same for everyone, reference data (a Citus
reference table); what a municipality runs and changes stays on its ``program`` rows.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import msgspec

from todoke import clock, published
from todoke.audit import service as audit
from todoke.benefits import rules, telling
from todoke.benefits.catalogue import PROGRAMS
from todoke.benefits.rules import SEEDED_RULES
from todoke.db import SqlSession, write_transaction
from todoke.errors import Conflict, FieldError, InvalidInput, NotFound, Text

# The programmes whose rule and amounts the law fixes for the whole country.
NATIONAL = ("child-allowance", "child-rearing-allowance")
LOCAL_PARTS = ("title", "summary", "action", "rule", "channels", "fallback_days")
# A national programme: how and when the municipality tells residents is its own; who
# qualifies and what they get (the rule, the texts stating the amounts) is not.
NATIONAL_LOCAL = ("action", "channels", "fallback_days")

Texts = dict[str, Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]]


class ProgramTemplateDefinition(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A programme template's parts other than its rule."""

    department: str
    title: Texts
    summary: Texts
    action: Texts
    delivery: str
    procedure_slug: str = ""
    tells: str = "person"
    channels: list[str] = msgspec.field(default_factory=lambda: ["app", "email", "letter"])
    fallback_days: Annotated[int, msgspec.Meta(ge=1, le=365)] | None = None


class ProgramTemplateVersion(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    version: int
    national: bool
    definition: ProgramTemplateDefinition
    rule: dict[str, Any]
    local: tuple[str, ...]


def _seeded(program: dict[str, Any]) -> ProgramTemplateDefinition:
    return ProgramTemplateDefinition(
        department=program["department"],
        title=program["title"],
        summary=program["summary"],
        action=program["action"],
        delivery=program["delivery"],
        procedure_slug=program["procedure_slug"],
        tells=program.get("tells", "person"),
        channels=program.get("channels", ["app", "email", "letter"]),
        fallback_days=program.get("fallback_days"),
    )


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


class _Row(msgspec.Struct, frozen=True):
    slug: str
    version: int
    national: Any
    definition: Any
    rule: Any
    local: Any


_TEMPLATE = (
    "SELECT pt.slug AS slug, ptv.version AS version, pt.national AS national, "
    "ptv.definition AS definition, ptv.rule AS rule, ptv.local AS local "
    "FROM program_template pt JOIN program_template_version ptv ON ptv.template = pt.id "
)


def _template(row: _Row) -> ProgramTemplateVersion:
    return ProgramTemplateVersion(
        slug=row.slug,
        version=row.version,
        national=bool(row.national),
        definition=msgspec.convert(_decoded(row.definition), ProgramTemplateDefinition),
        rule=_decoded(row.rule),
        local=tuple(_decoded(row.local)),
    )


async def template_version(
    sql: SqlSession, slug: str, version: int | None = None
) -> ProgramTemplateVersion | None:
    if version is None:
        row = await sql.row(
            _Row, _TEMPLATE + "WHERE pt.slug = ? AND ptv.version = pt.current_version", [slug]
        )
    else:
        row = await sql.row(
            _Row, _TEMPLATE + "WHERE pt.slug = ? AND ptv.version = ?", [slug, version]
        )
    return _template(row) if row is not None else None


async def current_templates(sql: SqlSession) -> list[ProgramTemplateVersion]:
    rows = await sql.rows(_Row, _TEMPLATE + "WHERE ptv.version = pt.current_version ORDER BY pt.id")
    return [_template(r) for r in rows]


async def _insert_version(
    sql: SqlSession,
    template_id: int,
    version: int,
    definition: ProgramTemplateDefinition,
    rule: dict[str, Any],
    local: tuple[str, ...],
) -> None:
    await sql.execute(
        "INSERT INTO program_template_version (template, version, definition, rule, local, "
        "published_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            template_id,
            version,
            msgspec.json.encode(definition).decode(),
            json.dumps(rule),
            json.dumps(list(local)),
            clock.now(),
        ],
    )


async def ensure_templates() -> None:
    """The seeded programmes as templates, each at version 1 when missing. Idempotent."""
    async with write_transaction() as sql:
        for program in PROGRAMS:
            slug = program["slug"]
            if await sql.value("SELECT id FROM program_template WHERE slug = ?", [slug]):
                continue
            national = slug in NATIONAL
            template_id = await sql.value(
                "INSERT INTO program_template (slug, national, current_version, created_at) "
                "VALUES (?, ?, 1, ?) RETURNING id",
                [slug, national, clock.now()],
            )
            await _insert_version(
                sql,
                template_id,
                1,
                _seeded(program),
                SEEDED_RULES[slug],
                NATIONAL_LOCAL if national else LOCAL_PARTS,
            )


async def adopt(municipality_id: int, departments: dict[str, int]) -> None:
    """Each programme template once, as a programme submitted (pending) with no creator:
    any supervisor or administrator of its department can approve it. A programme the
    municipality had from before templates is linked to its template."""
    now = clock.now()
    async with write_transaction() as sql:
        for template in await current_templates(sql):
            held = await sql.value(
                "SELECT template_slug FROM program WHERE municipality = ? AND slug = ? "
                "ORDER BY version DESC LIMIT 1",
                [municipality_id, template.slug],
            )
            if held is not None:
                if not held:
                    await sql.execute(
                        "UPDATE program SET template_slug = ?, template_version = ? "
                        "WHERE municipality = ? AND slug = ?",
                        [template.slug, template.version, municipality_id, template.slug],
                    )
                continue
            d = template.definition
            await sql.execute(
                "INSERT INTO program (municipality, slug, version, department, status, title, "
                "summary, action, rule, delivery, procedure_slug, tells, channels, "
                "fallback_days, created_by, created_at, updated_at, template_slug, "
                "template_version, local_changes) "
                "VALUES (?, ?, 1, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, '{}')",
                [
                    municipality_id,
                    template.slug,
                    departments[d.department],
                    json.dumps(d.title, ensure_ascii=False),
                    json.dumps(d.summary, ensure_ascii=False),
                    json.dumps(d.action, ensure_ascii=False),
                    "null" if template.national else json.dumps(template.rule),
                    d.delivery,
                    d.procedure_slug,
                    d.tells,
                    json.dumps(d.channels),
                    d.fallback_days,
                    now,
                    now,
                    template.slug,
                    template.version,
                ],
            )


# --- the designer's changes to a templated programme ----------------------------------------

_LABELS = {
    "department": Text("担当部署", "department"),
    "title": Text("名称", "title"),
    "summary": Text("概要（金額）", "summary (amounts)"),
    "action": Text("すること", "action"),
    "rule": Text("対象となる条件", "eligibility rule"),
    "delivery": Text("届け方", "delivery"),
    "procedure_slug": Text("申請の手続き", "procedure"),
    "tells": Text("通知する相手", "whom a match tells"),
    "channels": Text("届ける手段", "channels"),
    "fallback_days": Text("次の手段までの日数", "days before the next channel"),
}


class DraftAdoption(msgspec.Struct, frozen=True):
    """What a templated programme's draft stores: the rule column, the template version
    and the local changes."""

    rule_column: str
    template_slug: str
    template_version: int | None
    local_changes: str


async def draft_adoption(
    sql: SqlSession, template_slug: str, running: int | None, draft: Any
) -> DraftAdoption:
    """A draft of a templated programme, checked against its template: a part the template
    does not let the municipality change is refused, naming the field. The municipality's
    own programme (``template_slug`` empty) is stored as drafted."""
    own = DraftAdoption(json.dumps(draft.rule), "", None, "{}")
    if not template_slug:
        return own
    template = await template_version(sql, template_slug, running)
    if template is None:
        return own
    if template.national:  # the rule is always the template's current one
        template = await template_version(sql, template_slug) or template
    d = template.definition
    theirs = {**msgspec.structs.asdict(d), "rule": template.rule}
    local: dict[str, Any] = {}
    refused = []
    for name, label in _LABELS.items():
        mine = getattr(draft, name)
        if isinstance(mine, msgspec.Struct):
            mine = msgspec.to_builtins(mine)
        if mine == theirs[name]:
            continue
        if name in template.local:
            local[name] = mine
        else:
            refused.append(
                FieldError(
                    field=name,
                    label=label,
                    message=Text(
                        "国の制度または標準テンプレートの内容で、自治体では変更できません。",
                        "Set by the national scheme or the platform template: a municipality "
                        "cannot change it.",
                    ),
                )
            )
    if refused:
        raise InvalidInput(
            Text(
                "テンプレートが認めていない変更があります。",
                "The template does not allow these changes.",
            ),
            errors=refused,
        )
    return DraftAdoption(
        "null" if template.national else json.dumps(draft.rule),
        template_slug,
        template.version,
        json.dumps(local, ensure_ascii=False),
    )


# --- the platform operator publishes a new version ---------------------------------------------


def _invalid(field: str, why: str) -> InvalidInput:
    return InvalidInput(
        Text("テンプレートの定義に誤りがあります。", "The template definition is invalid."),
        errors=[
            FieldError(
                field=field,
                label=Text("テンプレートの定義", "template definition"),
                message=Text(why, why),
            )
        ],
    )


def parse_definition(raw: Any) -> ProgramTemplateDefinition:
    try:
        definition = msgspec.convert(raw, ProgramTemplateDefinition)
    except msgspec.ValidationError as error:
        raise _invalid("definition", str(error)) from None
    for name in ("title", "summary", "action"):
        if set(getattr(definition, name)) != {"ja", "easy", "en"}:
            raise _invalid(f"definition.{name}", "ja, easy and en")
    if definition.delivery not in ("inform", "invite", "grant"):
        raise _invalid("definition.delivery", "inform, invite or grant")
    if definition.tells not in telling.TELLS:
        raise _invalid("definition.tells", "person, claimant or adults")
    if not definition.channels or any(c not in telling.CHANNELS for c in definition.channels):
        raise _invalid("definition.channels", "app, email, letter")
    return definition


class _Municipality(msgspec.Struct, frozen=True):
    municipality: int


class Published(msgspec.Struct, frozen=True):
    version: int
    national: bool
    reached: list[int]  # municipalities whose active programme runs the new rule now


async def publish_version(
    slug: str, based_on: int, raw_definition: Any, rule: Any, local: list[str] | None
) -> Published:
    """The template's next version. A national one reaches every adopting municipality at
    once (the rule is read from here): each is re-matched and its chain records it."""
    definition = parse_definition(raw_definition)
    problems = rules.validate_rule(rule)
    if problems:
        raise _invalid("rule", "; ".join(problems))
    if local is not None and (bad := [p for p in local if p not in LOCAL_PARTS]):
        raise _invalid("local", f"unknown parts {bad}; allowed: {list(LOCAL_PARTS)}")
    async with write_transaction() as sql:
        current = await template_version(sql, slug)
        if current is None:
            raise NotFound(Text("このテンプレートはありません。", "There is no such template."))
        if based_on != current.version:
            raise Conflict(
                Text(
                    f"テンプレートは第{current.version}版になっています。最新版から編集してください。",
                    f"The template is at version {current.version}: edit the latest one.",
                )
            )
        parts = current.local if local is None else tuple(dict.fromkeys(local))
        if current.national and "rule" in parts:
            raise _invalid("local", "a national programme's rule is not local")
        if (definition, rule, parts) == (current.definition, current.rule, current.local):
            raise Conflict(
                Text("前の版と同じ内容です。", "Nothing differs from the current version.")
            )
        template_id = await sql.value("SELECT id FROM program_template WHERE slug = ?", [slug])
        version = current.version + 1
        await _insert_version(sql, template_id, version, definition, rule, parts)
        await sql.execute(
            "UPDATE program_template SET current_version = ? WHERE id = ?", [version, template_id]
        )
        reached: list[int] = []
        if current.national:
            rows = await sql.rows(
                _Municipality,
                "SELECT DISTINCT municipality FROM program WHERE template_slug = ? "
                "AND status = 'active' ORDER BY municipality",
                [slug],
            )
            reached = [r.municipality for r in rows]
            for municipality_id in reached:
                await audit.record(
                    municipality_id=municipality_id,
                    actor_kind="system",
                    action="program.national_rule_updated",
                    purpose="administration",
                    detail={"program": slug, "template_version": version},
                    sql=sql,
                )
            await published.changed(sql)
    for municipality_id in reached:
        await telling.match_and_notify(municipality_id, slug)
    return Published(version, current.national, reached)
