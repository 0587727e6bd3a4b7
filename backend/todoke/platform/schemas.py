"""What the platform operator sends and reads: municipalities, never their residents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from todoke.registry.schemas import Contact

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Names(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ja: Name
    easy: Name
    en: Name


class MunicipalityCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A municipality added to this deployment, reached at an origin of its own."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")]  # 全国地方公共団体コード
    name: Names
    prefecture: Names
    origin: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # Its look from the start (the municipality's administrator may change both later).
    palette: Annotated[str, msgspec.Meta(max_length=30)] = "blue"
    contact: Contact = Contact()


class MunicipalityServed(msgspec.Struct, frozen=True):
    """A municipality as the operator sees it: who it is and where; nothing it holds."""

    code: str
    name: dict[str, str]
    origin: str | None  # None: served at the deployment's own origins


class MunicipalityList(msgspec.Struct, frozen=True):
    items: list[MunicipalityServed]


class TemplateVersionCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new version of a platform template. ``based_on``: the version the operator edited
    (refused with 409 if another was published since). ``local``: the parts municipalities
    may change (omitted: as before). A programme also sends its ``rule``."""

    kind: Literal["procedure", "programme"]
    based_on: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    definition: dict[str, Any]
    rule: dict[str, Any] | None = None
    local: Annotated[list[str], msgspec.Meta(max_length=10)] | None = None
    note: Names | None = None  # what changed, in words (ja, easy, en)


class TemplatePublished(msgspec.Struct, frozen=True):
    kind: str
    slug: str
    version: int
    offered_to: int  # municipalities now offered the new procedure version
    reached: int  # municipalities whose active national programme runs the new rule


class TemplateItem(msgspec.Struct, frozen=True, kw_only=True):
    kind: str  # procedure | programme
    slug: str
    version: int
    national: bool
    title: dict[str, str]
    local: list[str]
    definition: dict[str, Any]
    rule: dict[str, Any] | None = None


class TemplateList(msgspec.Struct, frozen=True):
    items: list[TemplateItem]
