"""Reading applications: one application with its answers as filed, timeline, files and
tracker; the summaries a resident lists. Residents see only what they applied for or
filed as a proxy; anything else reads exactly like a missing id."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

import msgspec

from todoke import clock, jp
from todoke.db import SqlSession, read_transaction
from todoke.errors import NotFound, Text
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures.moved import move_household
from todoke.procedures.prefill import load_household
from todoke.procedures.schemas import (
    AnsweredField,
    ApplicationRead,
    ApplicationSummary,
    AttachmentRead,
    FieldSpec,
    InfoRequest,
    Localized,
    MemberName,
    TimelineEvent,
    TrackerRow,
)
from todoke.procedures.service import department_refs
from todoke.procedures.versions import (
    OPEN,
    definitions_of,
    status_label,
    steps_of,
    version_by_id,
)
from todoke.registry import protection
from todoke.registry import public as registry

NOT_FOUND = NotFound(Text("申請が見つかりません。", "There is no such application."))


class ApplicationRow(msgspec.Struct, frozen=True, kw_only=True):
    """An application as stored, with the names of its applicant and filer."""

    id: int
    receipt_number: str
    procedure_id: int
    version: int
    status: str
    channel: str
    account: int | None
    filed_by: int
    submitted_at: datetime
    updated_at: datetime
    due_by: date
    answers: dict[str, Any] | None = None  # not read for lists (SUMMARY_SELECT)
    prefill: dict[str, Any] | None = None
    department: int
    person: int | None
    municipality: int
    applicant_name: str = ""
    filer_name: str = ""


_COLUMNS = (
    "SELECT a.id AS id, a.receipt_number AS receipt_number, a.procedure AS procedure_id, "
    "a.version AS version, a.status AS status, a.channel AS channel, a.account AS account, "
    "a.filed_by AS filed_by, a.submitted_at AS submitted_at, a.updated_at AS updated_at, "
    "a.due_by AS due_by, a.department AS department, a.person AS person, "
    "a.municipality AS municipality"
)
APPLICATION_SELECT = _COLUMNS + ", a.answers AS answers, a.prefill AS prefill FROM application a "
# A list of summaries without the answers and the pre-fill record: two JSON documents decoded
# per row that no summary shows (half of a long list's cost, measured by the soak benchmark).
SUMMARY_SELECT = _COLUMNS + " FROM application a "


async def application_rows(
    sql: SqlSession, where: str, args: list[Any], *, select: str = APPLICATION_SELECT
) -> list[ApplicationRow]:
    """Applications matching ``where`` (on alias ``a``), named: the applicant by their
    registry name (their account's name before a person is linked), the filer likewise by
    their account (a verified resident's registry name, else the account's name)."""
    rows = await sql.rows(ApplicationRow, select + where, args)
    if not rows:
        return []
    people = await registry.person_names([r.person for r in rows if r.person is not None], sql)
    accounts = await identity.names_as_filed(
        [r.filed_by for r in rows] + [r.account for r in rows if r.account is not None], sql
    )
    return [
        msgspec.structs.replace(
            row,
            answers=row.answers or {},
            prefill=row.prefill or {},
            applicant_name=(people.get(row.person) if row.person is not None else None)
            or (accounts.get(row.account) if row.account is not None else None)
            or "",
            filer_name=accounts.get(row.filed_by, ""),
        )
        for row in rows
    ]


async def resident_row(principal: Principal, application_id: int) -> ApplicationRow:
    """The application if this resident is its applicant or filed it; otherwise the same
    not-found a missing id gets (no hint that it exists)."""
    async with read_transaction() as sql:
        rows = await application_rows(
            sql,
            "WHERE a.id = ? AND a.municipality = ? "
            "AND (a.account = ? OR (a.filed_by = ? AND a.channel = 'proxy'))",
            [application_id, principal.municipality_id, principal.account_id,
             principal.account_id],
        )  # fmt: skip
    if not rows:
        raise NOT_FOUND
    return rows[0]


def _display(spec: FieldSpec, value: Any, household: dict[str, str], files: dict[str, str]) -> str:
    if value is None:
        return ""
    if spec.type in ("choice", "choices"):
        labels = {o.value: o.label.ja for o in spec.options}
        values = value if isinstance(value, list) else [value]
        return "、".join(str(labels.get(v, v)) for v in values)
    if spec.type == "date":
        try:
            return jp.display_date(date.fromisoformat(value))
        except ValueError:
            return str(value)
    if spec.type == "phone":
        return jp.display_phone(str(value))
    if spec.type == "kana":
        # Registry kana may be half width (ﾅｶﾑﾗ); printed in full width as it is read.
        return unicodedata.normalize("NFKC", str(value))
    if spec.type == "yen":
        return f"{value:,}円"
    if spec.type == "consent":
        return "はい" if value else "いいえ"
    if spec.type in ("household_member", "household_members"):
        values = value if isinstance(value, list) else [value]
        return "、".join(str(household.get(v, v)) for v in values)
    if spec.type == "file":
        return "、".join(files.get(v, v) for v in value)
    if spec.type == "bank_account":
        kinds = {"ordinary": "普通", "current": "当座", "savings": "貯蓄"}
        return (
            f"{value['bank_code']}-{value['branch_code']} {kinds.get(value['type'], '')} "
            f"{value['number']} {value['holder']}"
        )
    if spec.type == "postal_code":
        return f"〒{value}"
    return str(value)


class _Event(msgspec.Struct, frozen=True):
    """A timeline event as stored: the name it was written with, and whose account."""

    id: int
    kind: str
    status: str | None
    actor: str
    actor_account: int | None
    actor_name: str
    text: str
    created_at: datetime
    document: str


_RESIDENT_ACTORS = frozenset({"resident", "proxy"})


class _Reach(msgspec.Struct, frozen=True):
    department: int
    reached_at: datetime


# Field types that say where someone lives or how to reach them.
_CONTACT_TYPES = frozenset({"postal_code", "phone", "email"})


def says_contact(spec: FieldSpec) -> bool:
    """Whether an answer to ``spec`` is an address, postal code or contact: what
    DV・ストーカー等支援措置 withholds."""
    return (
        spec.type in _CONTACT_TYPES
        or spec.name.endswith("address")
        or (spec.prefill is not None and spec.prefill in protection.WITHHELD_SOURCES)
    )


async def read_application(row: ApplicationRow, *, sees_protected: bool) -> ApplicationRead:
    """The application as its resident and its staff read it. When the applicant is under
    DV・ストーカー等支援措置 and the reader is neither the applicant nor staff with the need
    (``sees_protected``), the address, postal code and contact answers read 「非表示」."""
    version = await version_by_id(row.procedure_id, row.version)
    definition = version.definition
    withhold = not sees_protected and await protection.is_protected(row.municipality, row.person)
    async with read_transaction() as sql:
        events = await sql.rows(
            _Event,
            "SELECT id, kind, status, actor_kind AS actor, actor_account, actor_name, text, "
            "document, created_at FROM application_event WHERE application = ? ORDER BY id",
            [row.id],
        )
        # A resident or proxy by the name they have now: verified, their registry name, not
        # the nickname the event was written with. Staff keep the name stored.
        residents = await identity.names_as_filed(
            [e.actor_account for e in events if e.actor in _RESIDENT_ACTORS and e.actor_account],
            sql,
        )
        files = await sql.rows(
            AttachmentRead,
            "SELECT token AS id, filename, content_type, size, created_at FROM attachment "
            "WHERE application = ? ORDER BY id",
            [row.id],
        )
        reach = await sql.rows(
            _Reach,
            "SELECT department, reached_at FROM application_reach "
            "WHERE application = ? ORDER BY id",
            [row.id],
        )
        departments = await department_refs(sql, row.municipality) if reach else {}
        if row.person is not None:
            household = await load_household(sql, row.person, clock.today())
        elif row.account is not None:  # filed with move-in data, before the 転入届 is done
            household = await move_household(sql, row.account, row.municipality)
        else:
            household = None
    timeline = [
        TimelineEvent(
            id=e.id,
            kind=e.kind,
            status=e.status,
            actor=e.actor,
            actor_name=(
                residents.get(e.actor_account, e.actor_name)
                if e.actor in _RESIDENT_ACTORS and e.actor_account is not None
                else e.actor_name
            ),
            text=e.text,
            created_at=e.created_at,
            document=e.document,
        )
        for e in events
    ]
    asked = next(
        (e for e in reversed(timeline) if e.kind == "status" and e.status == "info_requested"),
        None,
    )
    request = (
        InfoRequest(
            message=asked.text,
            document=asked.document,
            asked_at=asked.created_at,
            asked_by=asked.actor_name,
        )
        if asked is not None and row.status == "info_requested"
        else None
    )
    names = {m.id: m.name for m in household.members} if household else {}
    file_names = {f.id: f.filename for f in files}
    filed = row.answers or {}
    prefill = row.prefill or {}
    answers = []
    named: dict[str, str] = {}
    for spec in definition.form.fields():
        if spec.name not in filed:
            continue
        held = prefill.get(spec.name)
        value = filed[spec.name]
        hidden = withhold and says_contact(spec)
        answers.append(
            AnsweredField(
                name=spec.name,
                label=spec.label,
                value=protection.WITHHELD if hidden else value,
                display=protection.WITHHELD if hidden else _display(spec, value, names, file_names),
                prefilled=held is not None,
                changed=bool(held and held.get("changed")),
                source=held.get("source") if held else None,
                as_of=held.get("as_of") if held else None,
                type=spec.type,
                options=spec.options,
            )
        )
        if spec.type in ("household_member", "household_members"):
            for member in value if isinstance(value, list) else [value]:
                if member in names:
                    named[member] = names[member]
    tracker = [
        TrackerRow(department=departments[reached.department], reached_at=reached.reached_at)
        for reached in reach
    ]
    return ApplicationRead(
        id=row.id,
        receipt_number=row.receipt_number,
        procedure=version.summary,
        version=row.version,
        status=row.status,
        status_label=status_label(definition, row.status),
        channel=row.channel,
        applicant_name=row.applicant_name,
        filed_by_name=row.filer_name,
        on_behalf_of=row.account if row.channel == "proxy" else None,
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
        due_by=row.due_by,
        answers=answers,
        attachments=files,
        timeline=timeline,
        tracker=tracker,
        can_amend=row.status == "info_requested",
        can_withdraw=row.status in OPEN,
        steps=steps_of(definition),
        household=tuple(MemberName(id=id, name=name) for id, name in named.items()),
        request=request,
    )


async def get_for_resident(principal: Principal, application_id: int) -> ApplicationRead:
    row = await resident_row(principal, application_id)
    # A delegate reads what they filed; the applicant's own contact only the applicant.
    return await read_application(row, sees_protected=row.account == principal.account_id)


async def list_for_resident(principal: Principal) -> list[ApplicationSummary]:
    """What the resident applied for or filed as a proxy, newest first."""
    async with read_transaction() as sql:
        rows = await application_rows(
            sql,
            "WHERE a.municipality = ? AND (a.account = ? OR (a.filed_by = ? "
            "AND a.channel = 'proxy')) ORDER BY a.submitted_at DESC, a.id DESC LIMIT 500",
            [principal.municipality_id, principal.account_id, principal.account_id],
            select=SUMMARY_SELECT,
        )
        definitions = await definitions_of(sql, {(r.procedure_id, r.version) for r in rows})
    summaries = []
    for row in rows:
        definition = definitions[(row.procedure_id, row.version)]
        summaries.append(
            ApplicationSummary(
                id=row.id,
                receipt_number=row.receipt_number,
                title=definition.title,
                status=row.status,
                status_label=status_label(definition, row.status),
                channel=row.channel,
                applicant_name=row.applicant_name,
                submitted_at=row.submitted_at,
                updated_at=row.updated_at,
            )
        )
    return summaries


class Appointment(msgspec.Struct, frozen=True):
    """A day booked in one of the resident's applications (a field marked appointment)."""

    application_id: int
    title: Localized
    label: Localized  # what the day is: 来庁希望日, 面談の希望日, 収集希望日…
    on: date
    updated_at: datetime


# An application refused or withdrawn keeps no appointment; an approved one may (the
# collection day of 粗大ごみ comes after the approval).
_NO_APPOINTMENT = ("rejected", "withdrawn")


async def appointments_for_resident(principal: Principal, today: date) -> list[Appointment]:
    """The days booked in the resident's applications, from today on, soonest first."""
    async with read_transaction() as sql:
        rows = await sql.rows(
            ApplicationRow,
            APPLICATION_SELECT
            + "WHERE a.municipality = ? AND (a.account = ? OR (a.filed_by = ? "
            "AND a.channel = 'proxy')) AND a.status NOT IN (?, ?) "
            "ORDER BY a.submitted_at DESC, a.id DESC LIMIT 500",
            [principal.municipality_id, principal.account_id, principal.account_id,
             *_NO_APPOINTMENT],
        )  # fmt: skip
        definitions = await definitions_of(sql, {(r.procedure_id, r.version) for r in rows})
    found = []
    for row in rows:
        definition = definitions[(row.procedure_id, row.version)]
        for spec in definition.form.fields():
            if not spec.appointment:
                continue
            try:
                day = date.fromisoformat(str((row.answers or {}).get(spec.name, "")))
            except ValueError:
                continue  # not answered (an optional day), or a definition changed since
            if day >= today:
                found.append(
                    Appointment(
                        application_id=row.id,
                        title=definition.title,
                        label=spec.label,
                        on=day,
                        updated_at=row.updated_at,
                    )
                )
    return sorted(found, key=lambda item: (item.on, item.application_id))
