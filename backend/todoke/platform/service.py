"""The platform operator's work: adding a municipality to the deployment (its names, origin,
departments and the standard catalogue) and listing those served. Nothing here reads what
a municipality holds about its residents."""

from __future__ import annotations

import msgspec

from todoke import jp
from todoke.audit import service as audit
from todoke.benefits.catalogue import seed_programs
from todoke.errors import Conflict, FieldError, InvalidInput, NotFound, Text
from todoke.platform.schemas import MunicipalityCreate, MunicipalityServed
from todoke.procedures import service as procedures
from todoke.procedures.catalogue import DEPARTMENTS, PROCEDURES
from todoke.registry import branding
from todoke.registry import public as registry_public
from todoke.registry import service as registry
from todoke.registry.schemas import BrandingRead, BrandingUpdate, MunicipalityRead


async def adopt_standard_catalogue(municipality: MunicipalityRead) -> None:
    """The standard departments and procedures, published, and the support programmes,
    waiting for the municipality's own approval. Idempotent."""
    # Written for a city: a town's catalogue says 町民課 and 町内 (registry/branding.py).
    kind = branding.kind_of(municipality.name["ja"])
    departments = [branding.in_own_words(d, kind) for d in DEPARTMENTS]
    department_ids = await registry.ensure_departments(municipality.id, departments)
    for order, definition in enumerate(PROCEDURES):
        own = branding.in_own_words(definition, kind)
        await procedures.publish(municipality.id, department_ids, own, sort_order=order)
    await seed_programs(municipality.id, reword=lambda text: branding.in_own_words(text, kind))


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
