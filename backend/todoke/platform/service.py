"""The platform operator's work: adding a municipality to the deployment (its names, origin,
departments and the standard catalogue) and listing those served. Nothing here reads what
a municipality holds about its residents."""

from __future__ import annotations

import msgspec

from todoke import jp, tenancy
from todoke.audit import service as audit
from todoke.benefits import templates as programme_templates
from todoke.db import read_transaction
from todoke.errors import Conflict, FieldError, InvalidInput, NotFound, Text
from todoke.platform.schemas import (
    MunicipalityCreate,
    MunicipalityServed,
    TemplateItem,
    TemplatePublished,
    TemplateVersionCreate,
)
from todoke.procedures import life_events
from todoke.procedures import templates as procedure_templates
from todoke.procedures.catalogue import DEPARTMENTS
from todoke.procedures.schemas import Localized
from todoke.registry import branding
from todoke.registry import public as registry_public
from todoke.registry import service as registry
from todoke.registry.schemas import BrandingRead, BrandingUpdate, MunicipalityRead


async def ensure_templates() -> None:
    """The standard catalogue as platform templates (version 1 of each that is missing):
    run at every migration and before every adoption. Idempotent."""
    await procedure_templates.ensure_templates()
    await programme_templates.ensure_templates()


async def adopt_standard_catalogue(municipality: MunicipalityRead) -> None:
    """The standard departments; the platform's procedure templates adopted and published;
    its programme templates adopted, waiting for the municipality's own approval.
    Idempotent: what is adopted already stays (new versions come as offers)."""
    await ensure_templates()
    # Written for a city: a town's departments are 町民課…, and the templates it runs read in
    # its words (registry/branding.py, in the templates' modules).
    kind = branding.kind_of(municipality.name["ja"])
    departments = [branding.in_own_words(d, kind) for d in DEPARTMENTS]
    department_ids = await registry.ensure_departments(municipality.id, departments)
    for order, slug in enumerate(await procedure_template_slugs()):
        await procedure_templates.adopt(municipality.id, department_ids, order, slug)
    await programme_templates.adopt(municipality.id, department_ids)
    await life_events.ensure_standard_events(municipality.id)


async def link_served_municipalities() -> None:
    """After an upgrade: each municipality's standard procedures and programmes from before
    templates are linked to their templates (their differences kept as local changes where
    the template allows them), so new versions are offered to them too. Nothing is created
    or published. Idempotent; run at every start, so only the municipalities with something
    left to link are visited (none, once linked: one query each for procedures and
    programmes, however many municipalities the deployment serves)."""
    slugs = await procedure_template_slugs()
    # Life events (issue 17) came after: a municipality served before them gets the standard
    # ones once (each one it has is left as it is).
    for municipality_id in await life_events.municipalities_without_events():
        await life_events.ensure_standard_events(municipality_id)
    procedures = await procedure_templates.unlinked_municipalities(slugs)
    programmes = await programme_templates.unlinked_municipalities()
    for municipality_id in sorted(procedures | programmes):
        department_ids = {d.code: d.id for d in await registry_public.departments(municipality_id)}
        if municipality_id in procedures:
            for order, slug in enumerate(slugs):
                await procedure_templates.adopt(
                    municipality_id, department_ids, order, slug, create=False
                )
        if municipality_id in programmes:
            await programme_templates.adopt(municipality_id, department_ids, create=False)


async def procedure_template_slugs() -> list[str]:
    return [t.slug for t in await list_templates() if t.kind == "procedure"]


async def list_templates() -> list[TemplateItem]:
    """Every template at its current version and which parts of it are local."""
    async with read_transaction() as sql:
        procedures = await procedure_templates.current_templates(sql)
        programmes = await programme_templates.current_templates(sql)
    items = [
        TemplateItem(
            kind="procedure",
            slug=t.slug,
            version=t.version,
            national=False,
            title=msgspec.structs.asdict(t.definition.title),
            local=list(t.local),
            definition=msgspec.to_builtins(t.definition),
        )
        for t in procedures
    ]
    items += [
        TemplateItem(
            kind="programme",
            slug=t.slug,
            version=t.version,
            national=t.national,
            title=t.definition.title,
            local=list(t.local),
            definition=msgspec.to_builtins(t.definition),
            rule=t.rule,
        )
        for t in programmes
    ]
    return items


async def publish_template_version(slug: str, data: TemplateVersionCreate) -> TemplatePublished:
    """A new version of the template ``slug`` (a procedure or a programme, as ``kind``
    says). A procedure's is offered to each adopter; a national programme's rule reaches
    every adopter at once. Audited in the chain of each municipality it reaches."""
    if data.kind == "procedure":
        definition = procedure_templates.parse_definition(data.definition)
        note = Localized(**msgspec.structs.asdict(data.note)) if data.note is not None else None
        version = await procedure_templates.publish_version(
            slug,
            data.based_on,
            definition,
            tuple(data.local) if data.local is not None else None,
            note,
        )
        reached = await procedure_templates.adopters(slug)
        for municipality_id in reached:
            await audit.record(
                municipality_id=municipality_id,
                actor_kind="system",
                action="template.offered",
                purpose="platform operator",
                detail={"template": slug, "version": version.version},
            )
        return TemplatePublished(
            kind="procedure", slug=slug, version=version.version, offered_to=len(reached), reached=0
        )
    if data.rule is None:
        raise InvalidInput(
            Text("入力内容を確認してください。", "Check the input."),
            errors=[
                FieldError(
                    field="rule",
                    label=Text("対象となる条件", "eligibility rule"),
                    message=Text("必要です", "required for a programme"),
                )
            ],
        )
    published = await programme_templates.publish_version(
        slug, data.based_on, data.definition, data.rule, data.local
    )
    return TemplatePublished(
        kind="programme",
        slug=slug,
        version=published.version,
        offered_to=0,
        reached=len(published.reached),
    )


# What each refused field is, in words (the problem names the field and says what it is).
_LABELS = {
    "code": Text("全国地方公共団体コード", "local government code"),
    "origin": Text("アドレス（オリジン）", "origin"),
}


def _refused(field: str, ja: str, en: str) -> InvalidInput:
    return InvalidInput(
        Text("入力内容を確認してください。", "Check the input."),
        errors=[FieldError(field=field, label=_LABELS[field], message=Text(ja, en))],
    )


async def add_municipality(data: MunicipalityCreate) -> MunicipalityRead:
    """A new municipality at its own origin, with the standard catalogue; audited in its own
    chain. Refused: a code with a wrong check digit, a code or an origin already served."""
    # Checked before anything is written: a refused palette or contact adds nothing.
    branding.checked_palette(data.palette)
    branding.checked_contact(data.contact)
    if not jp.is_valid_local_government_code(data.code):
        raise _refused(
            "code", "全国地方公共団体コード（検査数字つき6桁）ではありません", "not a valid code"
        )
    try:
        origin = registry.normal_origin(data.origin)
    except ValueError:
        raise _refused(
            "origin", "https://ホスト名 の形で書いてください", "scheme://host[:port] only"
        ) from None
    served = {m.code: m for m in await list_municipalities()}
    if data.code in served:
        raise Conflict(Text("この自治体はすでにあります。", "This municipality is already served."))
    if any(m.origin == origin for m in served.values()):
        raise Conflict(
            Text(
                "このアドレスはほかの自治体が使っています。",
                "Another municipality uses this origin.",
            )
        )
    await registry.ensure_municipality(
        data.code, msgspec.structs.asdict(data.name), msgspec.structs.asdict(data.prefecture)
    )
    municipality = await registry.set_municipality_origin(data.code, origin)
    # The set-up writes the new municipality's rows and no one else's (the data layer checks).
    with tenancy.scoped_to(municipality.id):
        await branding.update_branding(
            municipality, BrandingUpdate(palette=data.palette, contact=data.contact)
        )
        await adopt_standard_catalogue(municipality)
        await audit.record(
            municipality_id=municipality.id,
            actor_kind="system",
            action="platform.municipality_added",
            purpose="platform operator",
            detail={"code": data.code, "origin": origin},
        )
    return municipality


async def list_municipalities() -> list[MunicipalityServed]:
    return [
        MunicipalityServed(
            code=m.code,
            name={"ja": m.name_ja, "easy": m.name_easy, "en": m.name_en},
            origin=m.origin,
        )
        for m in await registry_public.municipality_names()
    ]


async def _served(code: str) -> MunicipalityRead:
    if not any(m.code == code for m in await list_municipalities()):
        raise NotFound(Text("この自治体はありません。", f"No municipality {code} is served."))
    return await registry.get_municipality(code)


async def update_branding(code: str, data: BrandingUpdate) -> BrandingRead:
    """The operator sets a municipality's palette and/or contact details; audited in the
    municipality's own chain, so its administrators see who changed their look."""
    municipality = await _served(code)
    changed = await branding.update_branding(municipality, data)
    if changed:
        await audit.record(
            municipality_id=municipality.id,
            actor_kind="system",
            action="branding.updated",
            purpose="platform operator",
            detail=changed,
        )
    return await branding.read_branding(municipality)


async def set_emblem(code: str, data: bytes | None) -> BrandingRead:
    """The operator uploads (or with None removes) a municipality's emblem; audited."""
    municipality = await _served(code)
    tag = await branding.set_emblem(municipality, data)
    await audit.record(
        municipality_id=municipality.id,
        actor_kind="system",
        action="branding.emblem_set" if tag else "branding.emblem_removed",
        purpose="platform operator",
        detail={"emblem": tag},
    )
    return await branding.read_branding(municipality)
