"""Registry tables. The registry knows no procedure, program or screen."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Municipality(Table):
    """The tenant. Every tenant-owned row points here."""

    code = Varchar(length=6, unique=True)  # 全国地方公共団体コード with check digit
    name_ja = Varchar(length=100)
    name_easy = Varchar(length=100)
    name_en = Varchar(length=100)
    prefecture_ja = Varchar(length=10)
    prefecture_easy = Varchar(length=30)
    prefecture_en = Varchar(length=30)
    created_at = Timestamptz()
    # Where its residents and staff reach it (scheme://host[:port]) when one deployment
    # serves several; none: the deployment's own origins (TODOKE_PUBLIC_ORIGINS).
    origin = Varchar(length=200, null=True, default=None, unique=True)
    # Its own look (registry/branding.py): a named palette of the design tokens, contact
    # details (JSON of registry.schemas.Contact), and its emblem, a PNG written by us.
    palette = Varchar(length=20, default="blue")
    contact = Text(default="{}")
    emblem = Bytea(null=True, default=None)
    emblem_tag = Varchar(length=20, default="")


class Department(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    code = Varchar(length=32)
    name_ja = Varchar(length=100)
    name_easy = Varchar(length=100)
    name_en = Varchar(length=100)


class Household(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    registry_id = Varchar(length=32)  # 世帯番号
    created_at = Timestamptz()


class Person(Table):
    """A base-registry record plus facts from other registries.

    Facts are columns (not key/value rows) so eligibility rules compile to plain SQL
    over one table; ``provenance`` keeps, per field group, the source and as-of date.
    """

    municipality = ForeignKey(references=Municipality, null=False)
    registry_id = Varchar(length=32)  # 住民コード
    household = ForeignKey(references=Household, null=True)
    relation = Varchar(length=16)  # to the household head
    family_name = Varchar(length=64)
    given_name = Varchar(length=64)
    family_name_kana = Varchar(length=128)
    given_name_kana = Varchar(length=128)
    birth_date = Date(null=True, default=None)
    sex = Varchar(length=8)
    postal_code = Varchar(length=8)
    address = Varchar(length=255)
    district = Varchar(length=64)  # 町域, from the postal code
    resident_since = Date(null=True, default=None)
    status = Varchar(length=16, default="resident")
    income_yen = BigInt(null=True, default=None)
    tax_exempt = Boolean(null=True, default=None)
    single_parent = Boolean(null=True, default=None)
    livelihood_aid = Boolean(null=True, default=None)
    disability_certificate = Varchar(length=24, null=True, default=None)
    care_level = Varchar(length=16, null=True, default=None)
    pregnancy_due_date = Date(null=True, default=None)
    # Tax-registry detail the 児童扶養手当 income test needs (JAPAN-FACTS B); null: not recorded.
    salary_or_pension = Boolean(null=True, default=None)  # income includes salary or pension
    child_support_yen = BigInt(null=True, default=None)  # 養育費 received last year
    deductions_yen = BigInt(null=True, default=None)  # 障害者・勤労学生・医療費控除… as assessed
    single_parent_deduction_yen = BigInt(null=True, default=None)  # 寡婦 270,000 / ひとり親 350,000
    tax_dependants = Integer(null=True, default=None)  # 扶養親族等の数
    public_pension_yen = BigInt(null=True, default=None)  # public pensions received last year
    # Programme slugs the person already receives (受給中), comma-separated, sorted; "" none.
    receiving = Varchar(length=255, default="")
    provenance = JSON(default="{}")
    updated_at = Timestamptz()


class CoreSystem(Table):
    """A municipal core system allowed to feed the registry over the API."""

    municipality = ForeignKey(references=Municipality, null=False)
    name = Varchar(length=100)
    token_hash = Varchar(length=64)  # sha256 of the bearer token
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class RegistryImport(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    source = Varchar(length=100)  # which system the data came from
    filename = Varchar(length=255)
    file_format = Varchar(length=8)  # csv | jsonl
    encoding = Varchar(length=16)
    file_sha256 = Varchar(length=64, index=True)
    atomic = Boolean(default=False)
    # running | applied | partial (some rows refused) | rejected | failed
    status = Varchar(length=16, default="running")
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    rows_total = Integer(default=0)
    rows_created = Integer(default=0)
    rows_updated = Integer(default=0)
    rows_unchanged = Integer(default=0)
    rows_failed = Integer(default=0)
    errors = JSON(default="[]")
    message = Text(default="")


class RegistryChange(Table):
    """Append-only log of registry changes; consumers keep their own cursor (the id)."""

    municipality = ForeignKey(references=Municipality, null=False)
    person_registry_id = Varchar(length=32, index=True)
    household_registry_id = Varchar(length=32)
    registry_import = ForeignKey(references=RegistryImport, null=True)
    kind = Varchar(length=16)  # created | updated
    changes = JSON(default="{}")  # {field: [old, new]}
    source = Varchar(length=100)
    occurred_at = Timestamptz()


class Protection(Table):
    """DV・ストーカー等支援措置: the person's address and contact are withheld from everyone but
    themself and staff with the need, and the named persons may not act for them.

    ``named_persons`` are registry persons of this municipality (ids), ``named_outside`` the
    names of persons the registry does not hold. One live row per person (``lifted_at`` null);
    a lifted one stays as the record of what was. Accounts are not the registry's: who set
    and lifted it is an account id without a reference."""

    municipality = ForeignKey(references=Municipality, null=False)
    person = ForeignKey(references=Person, null=False)
    named_persons = JSON(default="[]")
    named_outside = JSON(default="[]")
    valid_from = Date()
    valid_until = Date(null=True, default=None)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
    lifted_by = Integer(null=True, default=None)
    lifted_at = Timestamptz(null=True, default=None)
