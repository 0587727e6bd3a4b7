"""Platform templates of procedures (issue 16): the standard catalogue published once for
every municipality on the deployment, adopted by each with its own local changes, and each
new template version offered to the adopters with a diff in words.

A template version is immutable: a definition and the parts a municipality may change
(``local``). A municipality's procedure records the template slug, the version it runs and
its local changes apart from the template, so its effective definition is always
``merge(template version, local changes)`` and a new version merges under the same changes.
Templates carry no municipality: they are the same for everyone, reference data (in Citus
terms a reference table, copied to every node so a distributed ``procedure`` joins it
locally); what belongs to a municipality — its procedure and its changes — stays on its rows.
"""

from __future__ import annotations

from typing import Any

import msgspec

from todoke import clock
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.errors import Conflict, FieldError, InvalidInput, NotFound, Text
from todoke.procedures import service
from todoke.procedures.catalogue import PROCEDURES
from todoke.procedures.forms import parse_schema
from todoke.procedures.schemas import (
    CLOSES_ON_RANGE,
    FieldSpec,
    FormSchema,
    Localized,
    ProcedureDefinition,
    Section,
)
from todoke.registry import branding

# The parts a template may let a municipality change: the fee, the guidance text that names
# its counter and contact (``help``), the words residents search with, and questions of its
# own in a marked section at the end of the form (``local_fields``).
LOCAL_PARTS = ("fee_yen", "help", "keywords", "local_fields")
LOCAL_SECTION = "local"
LOCAL_SECTION_TITLE = Localized(ja="地域の項目", easy="この まちの こうもく", en="Local questions")

# What each seeded template lets a municipality change. 児童手当 and 児童扶養手当 use the
# national standard forms (認定請求書): only the guidance (where to go, whom to ask) is local.
_DEFAULT_LOCAL = ("help", "keywords", "local_fields")
SEEDED_LOCAL: dict[str, tuple[str, ...]] = {
    "residence-certificate": LOCAL_PARTS,
    "dog-registration": LOCAL_PARTS,
    "child-allowance": ("help",),
    "child-rearing-allowance": ("help",),
}


def seeded_local(slug: str) -> tuple[str, ...]:
    return SEEDED_LOCAL.get(slug, _DEFAULT_LOCAL)


class TemplateVersion(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    version: int
    current_version: int
    definition: ProcedureDefinition
    local: tuple[str, ...]
    note: Localized | None = None


class Adoption(msgspec.Struct, frozen=True):
    """What a municipality's procedure is built on: template, version, local changes."""

    slug: str
    version: int
    local_changes: dict[str, Any]


# --- the words of a refusal -------------------------------------------------------------------

PART_LABELS: dict[str, Localized] = {
    "slug": Localized(ja="識別名", easy="なまえ（えいご）", en="Identifier"),
    "department": Localized(ja="担当部署", easy="たんとうの か", en="Department"),
    "title": Localized(ja="名称", easy="なまえ", en="Name"),
    "summary": Localized(ja="概要", easy="せつめい", en="Summary"),
    "online": Localized(ja="受付の方法", easy="うけつけの しかた", en="How it is filed"),
    "service_days": Localized(ja="処理の目安", easy="おわるまでの ひにち", en="Service target"),
    "identity": Localized(ja="本人確認", easy="ほんにんの かくにん", en="Identity check"),
    "keywords": Localized(ja="検索語", easy="さがす ことば", en="Search words"),
    "help": Localized(
        ja="案内・問い合わせ先", easy="あんない・といあわせ", en="Guidance and contact"
    ),
    "form": Localized(ja="様式（項目）", easy="しょるいの こうもく", en="Form questions"),
    "steps": Localized(ja="手順", easy="てじゅん", en="Steps"),
    "effects": Localized(
        ja="承認後の反映", easy="みとめた あとの へんこう", en="Effects on approval"
    ),
    "eligibility": Localized(ja="対象の条件", easy="たいしょうの じょうけん", en="Eligibility"),
    "proxy_allowed": Localized(ja="代理申請", easy="だいりの しんせい", en="Filing by a delegate"),
    "fee_yen": Localized(ja="手数料", easy="てすうりょう", en="Fee"),
    "closes_on": Localized(ja="受付の締切", easy="しめきり", en="Last day to file"),
    "local_fields": Localized(ja="地域の項目", easy="この まちの こうもく", en="Local questions"),
}


def _refused(part: str) -> FieldError:
    label = PART_LABELS[part]
    return FieldError(
        field=f"definition.{part}",
        label=Text(label.ja, label.en),
        message=Text(
            f"「{label.ja}」は標準の手続き（テンプレート）の内容で、自治体では変えられません。",
            f"{label.en}: set by the platform template; a municipality cannot change it.",
        ),
    )


def _local_refused(parts: list[str]) -> InvalidInput:
    return InvalidInput(
        Text(
            "テンプレートが認めていない変更があります。",
            "The template does not allow these changes.",
        ),
        errors=[_refused(p) for p in parts],
    )


# --- the effective definition -----------------------------------------------------------------


def merge(definition: ProcedureDefinition, local_changes: dict[str, Any]) -> ProcedureDefinition:
    """The template's definition with the municipality's local changes applied."""
    changes: dict[str, Any] = {}
    if "fee_yen" in local_changes:
        changes["fee_yen"] = int(local_changes["fee_yen"])
    if "help" in local_changes:
        changes["help"] = msgspec.convert(local_changes["help"], Localized | None)
    if "keywords" in local_changes:
        changes["keywords"] = tuple(msgspec.convert(local_changes["keywords"], list[str]))
    fields = msgspec.convert(local_changes.get("local_fields", []), tuple[FieldSpec, ...])
    if fields:
        local = Section(id=LOCAL_SECTION, title=LOCAL_SECTION_TITLE, fields=fields)
        changes["form"] = FormSchema(sections=(*definition.form.sections, local))
    return msgspec.structs.replace(definition, **changes)


def _without_local(form: FormSchema) -> tuple[Section, ...]:
    return tuple(s for s in form.sections if s.id != LOCAL_SECTION)


def local_changes_of(template: TemplateVersion, submitted: ProcedureDefinition) -> dict[str, Any]:
    """The municipality's changes that ``submitted`` makes to the template version, or a
    problem naming every part it changes that the template does not let it change."""
    base = template.definition
    allowed = set(template.local)
    local: dict[str, Any] = {}
    refused: list[str] = []
    for name in base.__struct_fields__:
        mine, theirs = getattr(submitted, name), getattr(base, name)
        if name == "form":
            if _without_local(mine) != _without_local(theirs):
                refused.append("form")
            fields = [f for s in mine.sections if s.id == LOCAL_SECTION for f in s.fields]
            if fields:
                if "local_fields" in allowed:
                    local["local_fields"] = msgspec.to_builtins(fields)
                else:
                    refused.append("local_fields")
            continue
        if mine == theirs:
            continue
        if name in allowed:
            local[name] = msgspec.to_builtins(mine)
        else:
            refused.append(name)
    if refused:
        raise _local_refused(refused)
    return local


def kept_local(local_changes: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The local changes a template version still allows (a newer version may allow less)."""
    return {k: v for k, v in local_changes.items() if k in allowed}


# --- reading and seeding templates ----------------------------------------------------------


class _TemplateRow(msgspec.Struct, frozen=True):
    slug: str
    version: int
    current_version: int
    definition: Any
    local: Any
    note: Any


def _decoded(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


def _template(row: _TemplateRow) -> TemplateVersion:
    note = _decoded(row.note) or None
    return TemplateVersion(
        slug=row.slug,
        version=row.version,
        current_version=row.current_version,
        definition=service.decode_definition(row.definition),
        local=tuple(_decoded(row.local)),
        note=msgspec.convert(note, Localized) if note else None,
    )


_TEMPLATE = (
    "SELECT t.slug AS slug, v.version AS version, t.current_version AS current_version, "
    "v.definition AS definition, v.local AS local, v.note AS note "
    "FROM procedure_template t JOIN procedure_template_version v ON v.template = t.id "
)


async def template_version(
    sql: SqlSession, slug: str, version: int | None = None
) -> TemplateVersion | None:
    """A template's version ``version`` (its current one when None)."""
    if version is None:
        row = await sql.row(
            _TemplateRow, _TEMPLATE + "WHERE t.slug = ? AND v.version = t.current_version", [slug]
        )
    else:
        row = await sql.row(
            _TemplateRow, _TEMPLATE + "WHERE t.slug = ? AND v.version = ?", [slug, version]
        )
    return _template(row) if row is not None else None


async def current_templates(sql: SqlSession) -> list[TemplateVersion]:
    rows = await sql.rows(
        _TemplateRow, _TEMPLATE + "WHERE v.version = t.current_version ORDER BY t.id"
    )
    return [_template(r) for r in rows]


async def _insert_version(
    sql: SqlSession,
    template_id: int,
    version: int,
    definition: ProcedureDefinition,
    local: tuple[str, ...],
    note: Localized | None,
) -> None:
    await sql.execute(
        "INSERT INTO procedure_template_version (template, version, definition, local, note, "
        "published_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            template_id,
            version,
            msgspec.json.encode(definition).decode(),
            msgspec.json.encode(list(local)).decode(),
            msgspec.json.encode(note or {}).decode(),
            clock.now(),
        ],
    )


async def ensure_templates(definitions: list[ProcedureDefinition] | None = None) -> None:
    """The standard catalogue as templates, each at version 1 when it is missing.
    Idempotent: a template already there (at any version) is left as it is."""
    async with write_transaction() as sql:
        for definition in PROCEDURES if definitions is None else definitions:
            held = await sql.value(
                "SELECT id FROM procedure_template WHERE slug = ?", [definition.slug]
            )
            if held is not None:
                continue
            template_id = await sql.value(
                "INSERT INTO procedure_template (slug, current_version, created_at) "
                "VALUES (?, 1, ?) RETURNING id",
                [definition.slug, clock.now()],
            )
            await _insert_version(
                sql, template_id, 1, definition, seeded_local(definition.slug), None
            )


# --- a municipality adopts the templates ------------------------------------------------------


class _Held(msgspec.Struct, frozen=True):
    id: int
    published_version: int | None
    template_slug: str
    definition: Any


async def _in_words_of(
    sql: SqlSession, municipality_id: int, template: TemplateVersion | None
) -> TemplateVersion | None:
    """The template as the municipality reads it: the standard catalogue is written for a
    city, a town's says 町民課 and 町内 (registry/branding.py) — not a local change."""
    if template is None:
        return None
    worded = await branding.own_words_of(municipality_id, sql)
    return msgspec.structs.replace(template, definition=worded(template.definition))


async def adopt(
    municipality_id: int,
    department_ids: dict[str, int],
    sort_order: int,
    slug: str,
    *,
    create: bool = True,
) -> None:
    """The municipality runs the template ``slug`` (its current version) with no local
    changes. A procedure it already has under that slug from before templates is linked
    to the template at the version it matches, its allowed differences kept as local
    changes; one that differs where the template allows nothing stays its own. With
    ``create`` false, only that linking is done."""
    async with read_transaction() as sql:
        template = await template_version(sql, slug)
        if template is None:
            raise NotFound(Text("このテンプレートはありません。", "There is no such template."))
        held = await sql.row(
            _Held,
            "SELECT p.id AS id, p.published_version AS published_version, "
            "p.template_slug AS template_slug, pv.definition AS definition FROM procedure p "
            "LEFT JOIN procedure_version pv ON pv.procedure = p.id "
            "AND pv.version = p.published_version WHERE p.municipality = ? AND p.slug = ?",
            [municipality_id, slug],
        )
        first = await template_version(sql, slug, 1)
        template = await _in_words_of(sql, municipality_id, template)
        first = await _in_words_of(sql, municipality_id, first)
    assert template is not None
    if held is not None and held.template_slug:
        return  # adopted already: new versions come as offers
    if held is not None and held.definition is not None:
        running = service.decode_definition(held.definition)
        for base in (template, first):
            if base is None:
                continue
            try:
                local = local_changes_of(base, running)
            except InvalidInput:
                continue
            await _link(municipality_id, held.id, Adoption(slug, base.version, local))
            return
        return  # its own procedure now: the designer's changes went beyond the template
    if not create:
        return  # linking only (an upgrade): nothing is published that was not there
    await service.publish(
        municipality_id,
        department_ids,
        template.definition,
        sort_order=sort_order,
        template=Adoption(slug, template.version, {}),
    )


async def unlinked_municipalities(slugs: list[str]) -> set[int]:
    """The municipalities holding a procedure under a template's slug that is not linked to
    it yet (from before templates, or its own since): what an upgrade may still link."""
    if not slugs:
        return set()
    async with read_transaction() as sql:
        marks, params = sql.in_list(slugs)
        rows = await sql.fetch(
            "SELECT DISTINCT municipality FROM procedure "  # noqa: S608 -- marks are "?"s
            f"WHERE template_slug = '' AND slug {marks}",
            params,
        )
    return {row[0] for row in rows}


async def _link(municipality_id: int, procedure_id: int, adoption: Adoption) -> None:
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE procedure SET template_slug = ?, template_version = ?, local_changes = ? "
            "WHERE id = ? AND municipality = ?",
            [
                adoption.slug,
                adoption.version,
                msgspec.json.encode(adoption.local_changes).decode(),
                procedure_id,
                municipality_id,
            ],
        )


class _Adopted(msgspec.Struct, frozen=True):
    id: int
    slug: str
    department: int
    sort_order: int
    published_version: int | None
    template_slug: str
    template_version: int | None
    local_changes: Any
    offer_seen: int | None
    offer_declined: int | None


_ADOPTED = (
    "SELECT id, slug, department, sort_order, published_version, template_slug, "
    "template_version, local_changes, offer_seen, offer_declined FROM procedure "
)


async def adoption_of(municipality_id: int, slug: str) -> Adoption | None:
    """What the municipality's procedure ``slug`` is built on (None: its own procedure)."""
    async with read_transaction() as sql:
        row = await sql.row(
            _Adopted, _ADOPTED + "WHERE municipality = ? AND slug = ?", [municipality_id, slug]
        )
    if row is None or not row.template_slug or row.template_version is None:
        return None
    return Adoption(row.template_slug, row.template_version, _decoded(row.local_changes) or {})


async def designer_changes(
    municipality_id: int, definition: ProcedureDefinition
) -> Adoption | None:
    """For a templated procedure, the local changes a designer's definition makes (refused,
    naming each part, where the template does not allow them); None for the
    municipality's own procedure, which stays fully editable."""
    adoption = await adoption_of(municipality_id, definition.slug)
    if adoption is None:
        return None
    async with read_transaction() as sql:
        template = await template_version(sql, adoption.slug, adoption.version)
        template = await _in_words_of(sql, municipality_id, template)
    if template is None:
        return None
    return Adoption(adoption.slug, adoption.version, local_changes_of(template, definition))


async def allowed_parts(adoption: Adoption) -> tuple[str, ...]:
    async with read_transaction() as sql:
        template = await template_version(sql, adoption.slug, adoption.version)
    return template.local if template is not None else ()


async def effective(municipality_id: int, adoption: Adoption) -> ProcedureDefinition:
    """The definition a templated procedure runs: its template version, its changes."""
    async with read_transaction() as sql:
        template = await template_version(sql, adoption.slug, adoption.version)
        template = await _in_words_of(sql, municipality_id, template)
    if template is None:
        raise NotFound(Text("このテンプレートはありません。", "There is no such template."))
    return merge(template.definition, adoption.local_changes)


# --- the platform operator publishes a new version ---------------------------------------------


def parse_definition(raw: Any) -> ProcedureDefinition:
    """A template definition, checked as strictly as a designer's: the form must render,
    the last day to file be a plausible one, and no section may use the local id."""
    try:
        definition = msgspec.convert(raw, ProcedureDefinition)
        parse_schema(msgspec.to_builtins(definition.form))
    except (msgspec.ValidationError, ValueError) as error:
        raise _invalid("definition", str(error)) from None
    earliest, latest = CLOSES_ON_RANGE
    if definition.closes_on is not None and not earliest <= definition.closes_on <= latest:
        raise _invalid("definition.closes_on", f"a day from {earliest.year} to {latest.year}")
    if any(s.id == LOCAL_SECTION for s in definition.form.sections):
        raise _invalid("definition.form", f"section id {LOCAL_SECTION!r} is the municipality's")
    return definition


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


async def publish_version(
    slug: str,
    based_on: int,
    definition: ProcedureDefinition,
    local: tuple[str, ...] | None,
    note: Localized | None,
) -> TemplateVersion:
    """The template's next version. ``based_on`` is the version the operator edited: if
    another was published since, this one is refused (409) rather than silently undoing
    it. An identical definition and local parts publish nothing (409)."""
    if local is not None and (bad := [p for p in local if p not in LOCAL_PARTS]):
        raise _invalid("local", f"unknown parts {bad}; allowed: {list(LOCAL_PARTS)}")
    async with write_transaction() as sql:
        current = await template_version(sql, slug)
        if current is None:
            raise NotFound(Text("このテンプレートはありません。", "There is no such template."))
        if definition.slug != slug:
            raise _invalid("definition.slug", f"the template is {slug!r}")
        if based_on != current.version:
            raise Conflict(
                Text(
                    f"テンプレートは第{current.version}版になっています。最新版から編集してください。",
                    f"The template is at version {current.version}: edit the latest one.",
                )
            )
        parts = current.local if local is None else tuple(dict.fromkeys(local))
        if definition == current.definition and parts == current.local:
            raise Conflict(
                Text("前の版と同じ内容です。", "Nothing differs from the current version.")
            )
        template_id = await sql.value("SELECT id FROM procedure_template WHERE slug = ?", [slug])
        version = current.version + 1
        await _insert_version(sql, template_id, version, definition, parts, note)
        await sql.execute(
            "UPDATE procedure_template SET current_version = ? WHERE id = ?", [version, template_id]
        )
    return TemplateVersion(
        slug=slug,
        version=version,
        current_version=version,
        definition=definition,
        local=parts,
        note=note,
    )


class _Municipality(msgspec.Struct, frozen=True):
    municipality: int


async def adopters(slug: str) -> list[int]:
    """The municipalities whose procedure is built on the template (ids)."""
    async with read_transaction() as sql:
        rows = await sql.rows(
            _Municipality,
            "SELECT municipality FROM procedure WHERE template_slug = ? ORDER BY municipality",
            [slug],
        )
    return [r.municipality for r in rows]


# --- what a new version offers a municipality ------------------------------------------------


class Change(msgspec.Struct, frozen=True, omit_defaults=True):
    """One difference, in words: what (``part``), and what it was and becomes."""

    kind: str  # added | removed | changed
    part: Localized
    before: Localized | None = None
    after: Localized | None = None


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    title: Localized
    department_id: int
    running_version: int  # the template version the municipality runs
    offered_version: int
    note: Localized | None
    changes: list[Change]
    dropped: list[str]  # local changes the new version no longer allows
    declined: bool
    first_seen: bool  # not seen before this reading (audited once)


def _same(text: str) -> Localized:
    return Localized(ja=text, easy=text, en=text)


def _yen(value: int) -> Localized:
    if value == 0:
        return Localized(ja="無料", easy="むりょう", en="free")
    return Localized(ja=f"{value:,}円", easy=f"{value:,}えん", en=f"{value:,} yen")


def _days(value: int) -> Localized:
    return Localized(ja=f"{value}日", easy=f"{value}にち", en=f"{value} working days")


def _yes_no(value: bool) -> Localized:
    if value:
        return Localized(ja="できる", easy="できます", en="allowed")
    return Localized(ja="できない", easy="できません", en="not allowed")


_TYPE_WORDS = {
    "text": ("文字", "もじ", "text"),
    "textarea": ("長い文章", "ながい ぶん", "long text"),
    "kana": ("フリガナ", "ふりがな", "kana"),
    "date": ("日付", "ひづけ", "date"),
    "postal_code": ("郵便番号", "ゆうびん ばんごう", "postal code"),
    "phone": ("電話番号", "でんわ ばんごう", "phone number"),
    "email": ("メールアドレス", "メール", "email address"),
    "number": ("数字", "すうじ", "number"),
    "yen": ("金額", "きんがく", "amount in yen"),
    "choice": ("選択", "ひとつ えらぶ", "one choice"),
    "choices": ("複数選択", "いくつか えらぶ", "several choices"),
    "household_member": ("世帯の人", "いっしょに すむ ひと", "household member"),
    "household_members": ("世帯の人（複数）", "いっしょに すむ ひとたち", "household members"),
    "bank_account": ("口座", "ぎんこうの こうざ", "bank account"),
    "file": ("ファイル", "ファイル", "file"),
    "consent": ("同意", "どうい", "consent"),
}


def _type(value: str) -> Localized:
    ja, easy, en = _TYPE_WORDS.get(value, (value, value, value))
    return Localized(ja=ja, easy=easy, en=en)


def _question(spec: FieldSpec) -> Localized:
    """A question in a few words: required or not, and what kind of answer."""
    kind = _type(spec.type)
    if spec.required:
        return Localized(
            ja=f"必須の項目（{kind.ja}）",
            easy=f"かならず こたえる（{kind.easy}）",
            en=f"required question ({kind.en})",
        )
    return Localized(
        ja=f"任意の項目（{kind.ja}）",
        easy=f"こたえなくても よい（{kind.easy}）",
        en=f"optional question ({kind.en})",
    )


def _required(value: bool) -> Localized:
    if value:
        return Localized(ja="必須", easy="かならず こたえる", en="required")
    return Localized(ja="任意", easy="こたえなくても よい", en="optional")


def _joined(values: list[Localized]) -> Localized:
    return Localized(
        ja="、".join(v.ja for v in values) or "なし",
        easy="、".join(v.easy for v in values) or "なし",
        en=", ".join(v.en for v in values) or "none",
    )


_ONLINE = {
    "full": Localized(ja="オンラインで完結", easy="ネットで おわります", en="fully online"),
    "booking": Localized(ja="窓口の予約", easy="まどぐちの よやく", en="counter booking"),
    "partial": Localized(
        ja="オンライン申請と面談", easy="ネットと めんだん", en="online and interview"
    ),
}


def _field_part(label: Localized, what: Localized | None = None) -> Localized:
    if what is None:
        return Localized(
            ja=f"項目「{label.ja}」", easy=f"こうもく「{label.easy}」", en=f'Question "{label.en}"'
        )
    return Localized(
        ja=f"項目「{label.ja}」の{what.ja}",
        easy=f"こうもく「{label.easy}」の {what.easy}",
        en=f'{what.en} of question "{label.en}"',
    )


_LABEL = Localized(ja="見出し", easy="みだし", en="Label")
_REQUIRED = Localized(ja="必須・任意", easy="かならず こたえるか", en="Required or not")
_OPTIONS = Localized(ja="選択肢", easy="えらぶ もの", en="Choices")
_HELP = Localized(ja="説明", easy="せつめい", en="Help text")
_TYPE = Localized(ja="入力の種類", easy="かきかた", en="Answer type")


def _field_changes(before: FieldSpec, after: FieldSpec) -> list[Change]:
    changes = []
    if before.label != after.label:
        changes.append(
            Change("changed", _field_part(before.label, _LABEL), before.label, after.label)
        )
    if before.required != after.required:
        changes.append(
            Change(
                "changed",
                _field_part(after.label, _REQUIRED),
                _required(before.required),
                _required(after.required),
            )
        )
    if before.options != after.options:
        changes.append(
            Change(
                "changed",
                _field_part(after.label, _OPTIONS),
                _joined([o.label for o in before.options]),
                _joined([o.label for o in after.options]),
            )
        )
    if before.type != after.type:
        changes.append(
            Change(
                "changed", _field_part(after.label, _TYPE), _type(before.type), _type(after.type)
            )
        )
    if before.help != after.help:
        changes.append(Change("changed", _field_part(after.label, _HELP), before.help, after.help))
    rest = ("min", "max", "max_length", "show_if", "prefill", "locked", "widget", "max_files")
    if any(getattr(before, n) != getattr(after, n) for n in rest) and not changes:
        changes.append(Change("changed", _field_part(after.label)))
    return changes


def diff(before: ProcedureDefinition, after: ProcedureDefinition) -> list[Change]:
    """What changes from ``before`` to ``after``, in words (ja, easy, en): texts, the fee,
    the service target, steps, and each question of the form added, removed or changed."""
    changes: list[Change] = []
    for name in ("title", "summary", "help"):
        if getattr(before, name) != getattr(after, name):
            changes.append(
                Change("changed", PART_LABELS[name], getattr(before, name), getattr(after, name))
            )
    scalar = {
        "fee_yen": _yen,
        "service_days": _days,
        "proxy_allowed": _yes_no,
        "online": lambda v: _ONLINE[v],
        "identity": _same,
        "department": _same,
        "closes_on": lambda v: _same(v.isoformat() if v else "—"),
    }
    for name, words in scalar.items():
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changes.append(Change("changed", PART_LABELS[name], words(old), words(new)))
    if before.keywords != after.keywords:
        changes.append(
            Change(
                "changed",
                PART_LABELS["keywords"],
                _same("、".join(before.keywords)),
                _same("、".join(after.keywords)),
            )
        )
    old_steps = {s.id: s.label for s in before.steps}
    new_steps = {s.id: s.label for s in after.steps}
    for step, label in new_steps.items():
        if step not in old_steps:
            changes.append(Change("added", PART_LABELS["steps"], None, label))
        elif old_steps[step] != label:
            changes.append(Change("changed", PART_LABELS["steps"], old_steps[step], label))
    changes += [
        Change("removed", PART_LABELS["steps"], label, None)
        for step, label in old_steps.items()
        if step not in new_steps
    ]
    for name in ("eligibility", "effects"):
        if getattr(before, name) != getattr(after, name):
            changes.append(Change("changed", PART_LABELS[name]))
    old_fields = {f.name: f for f in before.form.fields()}
    new_fields = {f.name: f for f in after.form.fields()}
    for name, spec in new_fields.items():
        if name not in old_fields:
            changes.append(Change("added", _field_part(spec.label), None, _question(spec)))
        else:
            changes += _field_changes(old_fields[name], spec)
    changes += [
        Change("removed", _field_part(spec.label), _question(spec), None)
        for name, spec in old_fields.items()
        if name not in new_fields
    ]
    return changes


async def _running(sql: SqlSession, row: _Adopted) -> ProcedureDefinition | None:
    held = await sql.value(
        "SELECT definition FROM procedure_version WHERE procedure = ? AND version = ?",
        [row.id, row.published_version],
    )
    return service.decode_definition(held) if held is not None else None


async def offers(municipality_id: int) -> list[Offer]:
    """Each templated procedure of the municipality with a newer template version than the
    one it runs: the diff against what it runs now, its local changes kept."""
    found: list[Offer] = []
    async with read_transaction() as sql:
        rows = await sql.rows(
            _Adopted,
            _ADOPTED + "WHERE municipality = ? AND template_slug <> '' ORDER BY sort_order, id",
            [municipality_id],
        )
        for row in rows:
            latest = await _in_words_of(
                sql, municipality_id, await template_version(sql, row.template_slug)
            )
            running = await _running(sql, row)
            if latest is None or running is None or row.template_version is None:
                continue
            if latest.version <= row.template_version:
                continue
            local = _decoded(row.local_changes) or {}
            kept = kept_local(local, latest.local)
            found.append(
                Offer(
                    slug=row.slug,
                    title=running.title,
                    department_id=row.department,
                    running_version=row.template_version,
                    offered_version=latest.version,
                    note=latest.note,
                    changes=diff(running, merge(latest.definition, kept)),
                    dropped=sorted(set(local) - set(kept)),
                    declined=row.offer_declined == latest.version,
                    first_seen=(row.offer_seen or 0) < latest.version,
                )
            )
    return found


async def mark_seen(municipality_id: int, slug: str, version: int) -> None:
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE procedure SET offer_seen = ? WHERE municipality = ? AND slug = ?",
            [version, municipality_id, slug],
        )


async def _adopted(sql: SqlSession, municipality_id: int, slug: str) -> _Adopted:
    row = await sql.row(
        _Adopted, _ADOPTED + "WHERE municipality = ? AND slug = ?", [municipality_id, slug]
    )
    if row is None or not row.template_slug or row.template_version is None:
        raise NotFound(
            Text(
                "テンプレートによる手続きではありません。", "This procedure is not from a template."
            )
        )
    return row


class Accepted(msgspec.Struct, frozen=True):
    slug: str
    template_version: int
    procedure_version: int
    department_id: int


async def accept(
    municipality_id: int, department_ids: dict[str, int], slug: str, version: int
) -> Accepted:
    """Run the template's version ``version`` with the municipality's local changes (those
    it still allows): a new procedure version; applications filed keep theirs. Refused if
    that is not the newest version (another was published meanwhile) or already run."""
    async with read_transaction() as sql:
        row = await _adopted(sql, municipality_id, slug)
        latest = await _in_words_of(
            sql, municipality_id, await template_version(sql, row.template_slug)
        )
    if latest is None or latest.version != version or row.template_version == version:
        raise Conflict(
            Text(
                "この版は受け入れられません（すでに受け入れたか、より新しい版があります）。",
                "This version cannot be accepted: already running, or a newer one exists.",
            )
        )
    department = latest.definition.department
    if department not in department_ids:
        raise Conflict(
            Text(
                f"この版の担当部署（{department}）がこの自治体にありません。",
                f"This version's department ({department}) does not exist here.",
            )
        )
    local = kept_local(_decoded(row.local_changes) or {}, latest.local)
    published = await service.publish(
        municipality_id,
        department_ids,
        merge(latest.definition, local),
        sort_order=row.sort_order,
        template=Adoption(row.template_slug, version, local),
    )
    return Accepted(slug, version, published, department_ids[department])


async def decline(municipality_id: int, slug: str, version: int) -> None:
    """Keep running the current version; this offer is no longer put first (a newer one is)."""
    async with write_transaction() as sql:
        row = await _adopted(sql, municipality_id, slug)
        current = await template_version(sql, row.template_slug)
        if current is None or current.version != version or row.template_version == version:
            raise Conflict(Text("この版は提案されていません。", "This version is not on offer."))
        await sql.execute("UPDATE procedure SET offer_declined = ? WHERE id = ?", [version, row.id])


async def department_of(municipality_id: int, slug: str) -> int:
    async with read_transaction() as sql:
        return (await _adopted(sql, municipality_id, slug)).department
