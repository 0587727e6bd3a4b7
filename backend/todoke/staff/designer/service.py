"""The procedure designer: list the municipality's procedures, read one with its versions,
preview a definition as residents will get it, and publish it as the next version.

Procedures are the procedures domain's: this module checks a designer's definition, scopes
it to the designer's departments and asks that domain to store it. Who may design is
declared on the routes."""

from __future__ import annotations

from typing import Any

import msgspec

from todoke.audit import service as audit
from todoke.benefits import templates as programme_templates
from todoke.errors import FieldError, InvalidInput, Text
from todoke.principal import Principal
from todoke.procedures import public as procedures
from todoke.procedures import service as catalogue
from todoke.procedures import templates
from todoke.procedures.forms import parse_schema
from todoke.procedures.schemas import CLOSES_ON_RANGE, Localized, ProcedureDefinition
from todoke.procedures.versions import load_version, steps_of
from todoke.registry import public as registry
from todoke.staff.schemas import (
    DesignerItem,
    DesignerPreview,
    DesignerPublished,
    DesignerRead,
    DesignerTemplate,
    DesignerVersion,
    OfferAccepted,
    OfferAnswer,
    TemplateChange,
    TemplateOffer,
)


async def designer_list(principal: Principal) -> list[DesignerItem]:
    codes = {d.id: d.code for d in await registry.departments(principal.municipality_id)}
    return [
        DesignerItem(
            slug=p.slug,
            version=p.published_version,
            department=codes.get(p.department, ""),
            editable=principal.in_department(p.department),
        )
        for p in await procedures.procedure_listing(principal.municipality_id)
    ]


async def designer_get(principal: Principal, slug: str) -> DesignerRead:
    version = await load_version(principal.municipality_id, slug)
    history = await procedures.procedure_versions(version.procedure_id)
    adoption = await templates.adoption_of(principal.municipality_id, slug)
    template = None
    if adoption is not None:
        allowed = await templates.allowed_parts(adoption)
        template = DesignerTemplate(
            slug=adoption.slug,
            version=adoption.version,
            local=list(allowed),
            local_changes=adoption.local_changes,
        )
    return DesignerRead(
        definition=version.definition,
        version=version.version,
        versions=[DesignerVersion(version=v.version, published_at=v.published_at) for v in history],
        template=template,
    )


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
    earliest, latest = CLOSES_ON_RANGE
    if definition.closes_on is not None and not earliest <= definition.closes_on <= latest:
        raise InvalidInput(
            Text(
                f"受付の締切日は{earliest.year}年から{latest.year}年の日付にしてください。",
                f"closes_on: a day from {earliest.year} to {latest.year}.",
            )
        )
    if (
        not definition.slug
        or len(definition.slug) > 64
        or not all(c.isascii() and (c.isalnum() or c == "-") for c in definition.slug)
    ):
        raise InvalidInput(
            Text("識別名は英数字とハイフンで入力してください。", "Slug: letters, digits, '-'.")
        )
    return definition


async def designer_publish(principal: Principal, raw: dict[str, Any]) -> DesignerPublished:
    """Publish a definition as the procedure's next version (a new procedure when the slug
    is new). Published versions never change; applications keep the version they were
    filed against; residents see the new one at once, without a restart."""
    definition = check_definition(raw)
    department_ids = {d.code: d.id for d in await registry.departments(principal.municipality_id)}
    existing = await procedures.procedure_placement(principal.municipality_id, definition.slug)
    target = department_ids.get(definition.department)
    if target is None:
        raise InvalidInput(Text("部署が見つかりません。", "Unknown department code."))
    # Designers publish for their own departments, and never take over another's procedure.
    await registry.require_department(principal, target)
    if existing is not None:
        await registry.require_department(principal, existing.department)
    sort_order = existing.sort_order if existing is not None else 1000
    # A procedure adopted from a platform template changes only what the template allows
    # (refused naming the part otherwise); its changes are kept apart from the template.
    adoption = await templates.designer_changes(principal.municipality_id, definition)
    if adoption is not None:
        definition = await templates.effective(principal.municipality_id, adoption)
    version = await catalogue.publish(
        principal.municipality_id,
        department_ids,
        definition,
        sort_order=sort_order,
        template=adoption,
    )
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="procedure.published",
        purpose="administration",
        detail={"slug": definition.slug, "version": version},
    )
    return DesignerPublished(slug=definition.slug, version=version)


def designer_preview(raw: dict[str, Any]) -> DesignerPreview:
    """The form exactly as residents will get it (without anyone's registry data)."""
    definition = check_definition(raw)
    return DesignerPreview(
        form=definition.form,
        steps=steps_of(definition),
        title=definition.title,
        summary=definition.summary,
        help=definition.help,
    )


# --- platform templates: new versions offered (issue 16) ------------------------------------


def _localized(value: Any) -> Localized:
    if isinstance(value, Localized):
        return value
    return Localized(ja=value["ja"], easy=value["easy"], en=value["en"])


def _change(change: Any) -> TemplateChange:
    return TemplateChange(
        kind=change.kind,
        part=_localized(change.part),
        before=_localized(change.before) if change.before is not None else None,
        after=_localized(change.after) if change.after is not None else None,
    )


async def template_offers(principal: Principal) -> list[TemplateOffer]:
    """Each newer template version the municipality's templated procedures and local
    programmes could run, with what would change against what they run now (local changes
    kept). The first reading of an offer is recorded in the municipality's audit chain."""
    municipality_id = principal.municipality_id
    codes = {d.id: d.code for d in await registry.departments(municipality_id)}
    found: list[TemplateOffer] = []
    procedure_offers = await templates.offers(municipality_id)
    programme_offers = await programme_templates.offers(municipality_id)
    offered: list[tuple[str, Any]] = [("procedure", o) for o in procedure_offers]
    offered += [("programme", o) for o in programme_offers]
    for kind, offer in offered:
        if offer.first_seen:
            mark = templates.mark_seen if kind == "procedure" else programme_templates.mark_seen
            await mark(municipality_id, offer.slug, offer.offered_version)
            await audit.record(
                municipality_id=municipality_id,
                actor_kind="staff",
                actor_account=principal.account_id,
                action="template.offer_seen",
                purpose="administration",
                detail={"template": offer.slug, "kind": kind, "version": offer.offered_version},
            )
        found.append(
            TemplateOffer(
                kind=kind,
                slug=offer.slug,
                title=_localized(offer.title),
                department=codes.get(offer.department_id, ""),
                editable=principal.in_department(offer.department_id),
                running_version=offer.running_version,
                offered_version=offer.offered_version,
                note=getattr(offer, "note", None),
                changes=[_change(c) for c in offer.changes],
                dropped=offer.dropped,
                declined=offer.declined,
            )
        )
    return found


async def accept_offer(principal: Principal, slug: str, answer: OfferAnswer) -> OfferAccepted:
    """Run the offered template version, for the designer's own departments only; audited.
    A procedure: a new version at once (applications already filed keep theirs). A local
    programme: its next draft, which a second staff member approves as any other."""
    municipality_id = principal.municipality_id
    if answer.kind == "procedure":
        department = await templates.department_of(municipality_id, slug)
    else:
        department = await programme_templates.department_of(municipality_id, slug)
    await registry.require_department(principal, department)
    if answer.kind == "procedure":
        department_ids = {d.code: d.id for d in await registry.departments(municipality_id)}
        done = await templates.accept(municipality_id, department_ids, slug, answer.version)
        accepted = OfferAccepted(
            slug=slug,
            kind="procedure",
            template_version=answer.version,
            version=done.procedure_version,
            status="published",
        )
    else:
        draft = await programme_templates.accept(
            municipality_id, principal.account_id, slug, answer.version
        )
        accepted = OfferAccepted(
            slug=slug,
            kind="programme",
            template_version=answer.version,
            version=draft,
            status="draft",
        )
    await audit.record(
        municipality_id=municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="template.accepted",
        purpose="administration",
        detail={
            "template": slug,
            "kind": answer.kind,
            "version": answer.version,
            "own_version": accepted.version,
        },
    )
    return accepted


async def decline_offer(principal: Principal, slug: str, answer: OfferAnswer) -> None:
    """Keep running the current version; audited."""
    municipality_id = principal.municipality_id
    if answer.kind == "procedure":
        department = await templates.department_of(municipality_id, slug)
        await registry.require_department(principal, department)
        await templates.decline(municipality_id, slug, answer.version)
    else:
        department = await programme_templates.department_of(municipality_id, slug)
        await registry.require_department(principal, department)
        await programme_templates.decline(municipality_id, slug, answer.version)
    await audit.record(
        municipality_id=municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="template.declined",
        purpose="administration",
        detail={"template": slug, "kind": answer.kind, "version": answer.version},
    )
