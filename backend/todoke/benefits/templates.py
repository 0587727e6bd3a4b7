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
from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any

import msgspec

from todoke import clock, published
from todoke.audit import service as audit
from todoke.benefits import rules, telling
from todoke.benefits.catalogue import PROGRAMS
from todoke.benefits.rules import SEEDED_RULES
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, FieldError, InvalidInput, NotFound, Text
from todoke.registry import branding

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


async def unlinked_municipalities() -> set[int]:
    """The municipalities holding a programme under a template's slug not linked to it."""
    async with read_transaction() as sql:
        rows = await sql.fetch(
            "SELECT DISTINCT p.municipality FROM program p JOIN program_template t "
            "ON t.slug = p.slug WHERE p.template_slug = ''"
        )
    return {row[0] for row in rows}


async def adopt(municipality_id: int, departments: dict[str, int], *, create: bool = True) -> None:
    """Each programme template once, as a programme submitted (pending) with no creator:
    any supervisor or administrator of its department can approve it. A programme the
    municipality had from before templates is linked to its template (with ``create``
    false, only that)."""
    now = clock.now()
    async with write_transaction() as sql:
        worded = await branding.own_words_of(municipality_id, sql)
        for template in await current_templates(sql):
            held = await sql.value(
                "SELECT template_slug FROM program WHERE municipality = ? AND slug = ? "
                "ORDER BY version DESC LIMIT 1",
                [municipality_id, template.slug],
            )
            if held is not None:
                if not held:
                    # A national programme's rule is the template's from now on: no copy.
                    national = ", rule = 'null'" if template.national else ""
                    await sql.execute(
                        "UPDATE program SET template_slug = ?, template_version = ?"  # noqa: S608
                        f"{national} WHERE municipality = ? AND slug = ?",
                        [template.slug, template.version, municipality_id, template.slug],
                    )
                continue
            if not create:
                continue
            d = worded(template.definition)
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
    sql: SqlSession, municipality_id: int, template_slug: str, running: int | None, draft: Any
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
    theirs = _effective(template, {}, await branding.own_words_of(municipality_id, sql))
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
                        f"「{label.ja}」は国の制度または標準テンプレートの内容で、自治体では"
                        "変えられません。",
                        f"{label.en}: set by the national scheme or the platform template; a "
                        "municipality cannot change it.",
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


# --- a new version of a local programme's template, offered --------------------------------


class Change(msgspec.Struct, frozen=True, omit_defaults=True):
    """One difference in words (each text {ja, easy, en})."""

    kind: str  # added | removed | changed
    part: dict[str, str]
    before: dict[str, str] | None = None
    after: dict[str, str] | None = None


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: dict[str, str]
    department_id: int
    running_version: int
    offered_version: int
    changes: list[Change]
    dropped: list[str]
    declined: bool
    first_seen: bool


def _l(ja: str, easy: str, en: str) -> dict[str, str]:
    return {"ja": ja, "easy": easy, "en": en}


_PARTS = {
    "title": _l("名称", "なまえ", "Name"),
    "summary": _l("概要（金額）", "せつめい（きんがく）", "Summary (amounts)"),
    "action": _l("すること", "すること", "What to do"),
    "delivery": _l("届け方", "とどけかた", "Delivery"),
    "channels": _l("届ける手段", "とどける ほうほう", "Channels"),
    "fallback_days": _l(
        "次の手段までの日数", "つぎの ほうほうまでの ひにち", "Days before the next channel"
    ),
    "tells": _l("通知する相手", "しらせる ひと", "Whom a match tells"),
    "procedure_slug": _l("申請の手続き", "しんせいの てつづき", "Procedure"),
    "rule": _l("対象の条件", "たいしょうの じょうけん", "Eligibility"),
}
_DELIVERY = {
    "inform": _l("お知らせ", "おしらせ", "inform"),
    "invite": _l("申請の案内", "しんせいの あんない", "invite to apply"),
    "grant": _l("申請なしで支給", "しんせい しなくても もらえる", "granted without applying"),
}
_CHANNELS = {
    "app": _l("アプリ", "アプリ", "app"),
    "email": _l("メール", "メール", "email"),
    "letter": _l("郵送", "てがみ", "letter"),
}


def _same(text: str) -> dict[str, str]:
    return _l(text, text, text)


def _channels(value: list[str]) -> dict[str, str]:
    shown = [_CHANNELS.get(c, _same(c)) for c in value]
    return _l(
        "→".join(s["ja"] for s in shown),
        "→".join(s["easy"] for s in shown),
        " → ".join(s["en"] for s in shown),
    )


def _days(value: int | None) -> dict[str, str]:
    if value is None:
        return _l("すべての手段で一度に", "ぜんぶ いっしょに", "every channel at once")
    return _l(f"{value}日", f"{value}にち", f"{value} days")


def _key(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple(_texts(value).items())


def _texts(value: Any) -> dict[str, str]:
    return {"ja": value.ja, "easy": value.easy, "en": value.en}


def _effective(
    template: ProgramTemplateVersion, local: dict[str, Any], worded: Callable[[Any], Any]
) -> dict[str, Any]:
    """The template's parts, its texts in the municipality's words (a town's 町内, not the
    standard catalogue's 市内), with the local changes it still allows."""
    merged = {**msgspec.structs.asdict(template.definition), "rule": template.rule}
    merged.update({k: worded(merged[k]) for k in _TEXTS})
    merged.update({k: v for k, v in local.items() if k in template.local})
    return merged


_TEXTS = ("title", "summary", "action")


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What changes between two programme versions, in words: texts, delivery, channels,
    and each condition of the rule added or removed."""
    changes: list[Change] = []
    words: dict[str, Any] = {
        "title": dict,
        "summary": dict,
        "action": dict,
        "delivery": lambda v: _DELIVERY.get(v, _same(v)),
        "channels": _channels,
        "fallback_days": _days,
        "tells": _same,
        "procedure_slug": _same,
    }
    for name, shown in words.items():
        if before.get(name) != after.get(name):
            changes.append(
                Change("changed", _PARTS[name], shown(before.get(name)), shown(after.get(name)))
            )
    if before.get("rule") != after.get("rule"):
        # The conditions added or removed, then the whole rule before and after in words.
        old = Counter(_key(t) for t in rules.requirements(before["rule"]))
        new = Counter(_key(t) for t in rules.requirements(after["rule"]))
        changes += [
            Change("removed", _PARTS["rule"], dict(t), None) for t in (old - new).elements()
        ]
        changes += [Change("added", _PARTS["rule"], None, dict(t)) for t in (new - old).elements()]
        changes.append(
            Change(
                "changed",
                _PARTS["rule"],
                _texts(rules.describe(before["rule"])),
                _texts(rules.describe(after["rule"])),
            )
        )
    return changes


class _Latest(msgspec.Struct, frozen=True):
    id: int
    slug: str
    version: int
    status: str
    department: int
    title: Any
    summary: Any
    action: Any
    rule: Any
    delivery: str
    procedure_slug: str
    tells: str
    channels: Any
    fallback_days: int | None
    template_slug: str
    template_version: int | None
    local_changes: Any
    offer_seen: int | None
    offer_declined: int | None


_LATEST = (
    "SELECT id, slug, version, status, department, title, summary, action, rule, delivery, "
    "procedure_slug, tells, channels, fallback_days, template_slug, template_version, "
    "local_changes, offer_seen, offer_declined FROM program p WHERE p.municipality = ? "
    "AND p.template_slug <> '' AND p.version = (SELECT MAX(q.version) FROM program q "
    "WHERE q.municipality = p.municipality AND q.slug = p.slug)"
)


def _running(row: _Latest) -> dict[str, Any]:
    return {
        "title": _decoded(row.title),
        "summary": _decoded(row.summary),
        "action": _decoded(row.action),
        "rule": _decoded(row.rule),
        "delivery": row.delivery,
        "procedure_slug": row.procedure_slug,
        "tells": row.tells,
        "channels": _decoded(row.channels),
        "fallback_days": row.fallback_days,
    }


async def offers(municipality_id: int) -> list[Offer]:
    """Each local programme of the municipality whose template has a newer version than the
    one it is built on: what would change against its latest version, local changes kept.
    (A national programme is never offered: its rule is the template's already.)"""
    found: list[Offer] = []
    async with read_transaction() as sql:
        worded = await branding.own_words_of(municipality_id, sql)
        rows = await sql.rows(_Latest, _LATEST + " ORDER BY p.slug", [municipality_id])
        for row in rows:
            latest = await template_version(sql, row.template_slug)
            if latest is None or latest.national or row.template_version is None:
                continue
            if latest.version <= row.template_version:
                continue
            local = _decoded(row.local_changes) or {}
            after = _effective(latest, local, worded)
            found.append(
                Offer(
                    slug=row.slug,
                    title=_decoded(row.title),
                    department_id=row.department,
                    running_version=row.template_version,
                    offered_version=latest.version,
                    changes=diff(_running(row), after),
                    dropped=sorted(k for k in local if k not in latest.local),
                    declined=row.offer_declined == latest.version,
                    first_seen=(row.offer_seen or 0) < latest.version,
                )
            )
    return found


async def _latest_row(sql: SqlSession, municipality_id: int, slug: str) -> _Latest:
    row = await sql.row(_Latest, _LATEST + " AND p.slug = ?", [municipality_id, slug])
    if row is None or row.template_version is None:
        raise NotFound(
            Text(
                "テンプレートによる支援制度ではありません。",
                "This programme is not from a template.",
            )
        )
    return row


async def department_of(municipality_id: int, slug: str) -> int:
    async with read_transaction() as sql:
        return (await _latest_row(sql, municipality_id, slug)).department


async def mark_seen(municipality_id: int, slug: str, version: int) -> None:
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE program SET offer_seen = ? WHERE municipality = ? AND slug = ?",
            [version, municipality_id, slug],
        )


_NOT_OFFERED = Conflict(
    Text(
        "この版は受け入れられません（すでに受け入れたか、より新しい版があります）。",
        "This version cannot be accepted: already running, or a newer one exists.",
    )
)


async def accept(municipality_id: int, account_id: int, slug: str, version: int) -> int:
    """The offered version, with the local changes it still allows, as the programme's next
    draft (a draft or a submitted version waiting is replaced): like any change to a
    programme, it runs once a second staff member approves it. Returns the draft's version."""
    now = clock.now()
    async with write_transaction() as sql:
        row = await _latest_row(sql, municipality_id, slug)
        latest = await template_version(sql, row.template_slug)
        if latest is None or latest.national or latest.version != version:
            raise _NOT_OFFERED
        if row.template_version == version:
            raise _NOT_OFFERED
        local = {k: v for k, v in (_decoded(row.local_changes) or {}).items() if k in latest.local}
        after = _effective(latest, local, await branding.own_words_of(municipality_id, sql))
        values = [
            json.dumps(after["title"], ensure_ascii=False),
            json.dumps(after["summary"], ensure_ascii=False),
            json.dumps(after["action"], ensure_ascii=False),
            json.dumps(after["rule"]),
            after["delivery"],
            after["procedure_slug"],
            after["tells"],
            json.dumps(after["channels"]),
            after["fallback_days"],
            version,
            json.dumps(local, ensure_ascii=False),
        ]
        if row.status in ("draft", "pending"):
            await sql.execute(
                "UPDATE program SET title = ?, summary = ?, action = ?, rule = ?, delivery = ?, "
                "procedure_slug = ?, tells = ?, channels = ?, fallback_days = ?, "
                "template_version = ?, local_changes = ?, status = 'draft', created_by = ?, "
                "submitted_by = NULL, updated_at = ? WHERE id = ?",
                [*values, account_id, now, row.id],
            )
            return row.version
        await sql.execute(
            "INSERT INTO program (municipality, slug, version, department, status, title, "
            "summary, action, rule, delivery, procedure_slug, tells, channels, fallback_days, "
            "template_version, local_changes, template_slug, created_by, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            [
                municipality_id,
                slug,
                row.version + 1,
                row.department,
                *values,
                row.template_slug,
                account_id,
                now,
                now,
            ],
        )
        return row.version + 1


async def decline(municipality_id: int, slug: str, version: int) -> None:
    async with write_transaction() as sql:
        row = await _latest_row(sql, municipality_id, slug)
        latest = await template_version(sql, row.template_slug)
        if latest is None or latest.version != version or row.template_version == version:
            raise Conflict(Text("この版は提案されていません。", "This version is not on offer."))
        await sql.execute(
            "UPDATE program SET offer_declined = ? WHERE municipality = ? AND slug = ?",
            [version, municipality_id, slug],
        )
