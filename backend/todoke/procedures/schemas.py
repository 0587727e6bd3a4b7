"""Procedure structs: the stored definition and what the API returns."""

from __future__ import annotations

from typing import Literal

import msgspec


class Localized(msgspec.Struct, frozen=True):
    """One text in each UI language: Japanese, plain Japanese (やさしい日本語), English."""

    ja: str
    easy: str
    en: str


# full: filed entirely online. booking: the law needs a counter visit; online the resident
# books it with everything pre-filled (e.g. 転居届). partial: online claim plus an interview.
OnlineMode = Literal["full", "booking", "partial"]


class ProcedureDefinition(msgspec.Struct, frozen=True, kw_only=True):
    """A procedure version as data; the stored JSON of ``procedure_version.definition``."""

    slug: str
    department: str  # department code
    title: Localized
    summary: Localized
    online: OnlineMode
    service_days: int  # service-level target, working days to a decision
    identity: Literal["none", "verified"]  # verified: linked to a registry person
    keywords: tuple[str, ...] = ()  # other words residents search with


class DepartmentRef(msgspec.Struct, frozen=True):
    code: str
    name: Localized


class ProcedureSummary(msgspec.Struct, frozen=True):
    slug: str
    version: int
    title: Localized
    summary: Localized
    department: DepartmentRef
    online: OnlineMode
    service_days: int
    identity: str
    keywords: tuple[str, ...]


class ProcedureList(msgspec.Struct, frozen=True):
    items: list[ProcedureSummary]
