"""Registry structs at the HTTP edge and between services."""

from __future__ import annotations

from typing import Annotated

import msgspec

from todoke.jp import PostalArea

# Whole yen, at most 12 digits: the registry import's own bound for amounts.
# (gt=-1, not ge=0: Litestar leaves a bound of 0 out of the OpenAPI document.)
Yen = Annotated[int, msgspec.Meta(gt=-1, le=999_999_999_999)]


class MunicipalityRead(msgspec.Struct):
    id: int
    code: str
    name: dict[str, str]
    prefecture: dict[str, str]
    # Its own origin when the deployment serves several municipalities, else None.
    origin: str | None = None


Words = Annotated[str, msgspec.Meta(max_length=200)]


class ContactWords(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A contact text in the app's three languages (empty: not given)."""

    ja: Words = ""
    easy: Words = ""
    en: Words = ""


class Contact(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where a resident reaches the municipality: 代表電話, 住所, 開庁時間, email, website."""

    phone: Annotated[str, msgspec.Meta(max_length=20)] = ""
    postal_code: Annotated[str, msgspec.Meta(max_length=10)] = ""
    address: ContactWords = ContactWords()
    hours: ContactWords = ContactWords()
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    website: Annotated[str, msgspec.Meta(max_length=200)] = ""


class BrandingRead(msgspec.Struct, frozen=True):
    """The municipality's own look and words, as the app shows them."""

    kind: dict[str, str]  # 市/町/村/区 in each language: {"ja": "町", "easy": "まち", …}
    office: dict[str, str]  # 市役所/町役場… in each language
    palette: str  # a named palette of the design tokens
    theme_color: str  # the palette's key colour
    emblem: str | None  # the emblem's address on this origin, or None
    emblem_size: list[int] | None  # [width, height] in pixels
    contact: Contact


class BrandingUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A change of palette and/or contact details; what is not given stays."""

    palette: Annotated[str, msgspec.Meta(max_length=30)] | msgspec.UnsetType = msgspec.UNSET
    contact: Contact | msgspec.UnsetType = msgspec.UNSET


class MunicipalityPublic(msgspec.Struct, frozen=True):
    """The municipality as anyone at its origin sees it: who it is and how it looks."""

    id: int
    code: str
    name: dict[str, str]
    prefecture: dict[str, str]
    origin: str | None
    branding: BrandingRead


class CoreSystemCaller(msgspec.Struct, frozen=True):
    """Who is calling the registry API: a core system of one municipality."""

    municipality_id: int
    name: str


class FieldChange(msgspec.Struct, frozen=True):
    """One field of a registry record that changed, as logged in ``registry_change``."""

    field: str
    old: str
    new: str


class DepartmentSeed(msgspec.Struct, frozen=True):
    code: str
    name: dict[str, str]


class RowError(msgspec.Struct, frozen=True):
    """One rejected row: where it is in the file and why, in both languages."""

    line: int
    registry_id: str
    field: str
    reason: str
    reason_ja: str


class ImportReport(msgspec.Struct):
    id: int
    status: str  # applied | partial (some rows refused) | rejected | failed
    source: str
    filename: str
    file_format: str
    encoding: str
    atomic: bool
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_failed: int
    errors: list[RowError]
    message: str
    # The id of an earlier import of byte-for-byte the same file, if any.
    same_file_as: int | None = None


class PersonRecord(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One person as a core system sends it in real time; the columns of an import row.

    Absent fields are left as held. Text is normalised exactly as on file import.
    """

    household_id: str | None = None
    relation: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    family_name_kana: str | None = None
    given_name_kana: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    postal_code: str | None = None
    address: str | None = None
    resident_since: str | None = None
    status: str | None = None
    income_yen: Yen | None = None
    tax_exempt: bool | None = None
    single_parent: bool | None = None
    livelihood_aid: bool | None = None
    disability_certificate: str | None = None
    care_level: str | None = None
    pregnancy_due_date: str | None = None
    salary_or_pension: bool | None = None
    child_support_yen: Yen | None = None
    deductions_yen: Yen | None = None
    single_parent_deduction_yen: Yen | None = None
    tax_dependants: Annotated[int, msgspec.Meta(gt=-1, le=99)] | None = None
    public_pension_yen: Yen | None = None
    # Programme slugs already received: a list, or one comma-separated string; [] clears.
    receiving: list[str] | str | None = None
    as_of: str | None = None


class PersonUpsertResult(msgspec.Struct):
    registry_id: str
    result: str  # created | updated | unchanged
    import_id: int


class PostalAreaList(msgspec.Struct):
    items: list[PostalArea]
