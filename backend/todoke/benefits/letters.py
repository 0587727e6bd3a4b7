"""Outreach letters (勧奨通知) in print batches: the letters a programme's telling queued for
matched residents no digital channel reaches (``program_delivery`` rows, channel
``letter``, state ``queued``) become one PDF and a CSV manifest for the print shop.

A batch takes the programme's queued letters (at most ``BATCH_LIMIT``, sorted by postal
code as bulk mail is posted), gives each addressee a single-use outreach code that binds a
new account and opens the pre-filled application, renders the files, and then, in one
write transaction, records the codes, the batch (who, when, how many, the files'
checksums) and marks the letters printed. Rendering comes before that transaction, so no
write lock is held while thousands of pages are drawn; should the queued letters change
meanwhile (another batch, a resident who signed up), the batch is refused and nothing is
kept. The files are written under temporary names and take their real names only as the
transaction commits: a failure leaves no batch without its files.

The files live in the data folder (``letters/``), never served statically: staff with
``LETTERS_PRINT`` in the programme's department list and download them through the API,
and each download is audited. Who may call is declared on the routes
(``staff/designer/letters.py``); the department is checked here, as it depends on the data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import service as audit
from todoke.benefits import telling
from todoke.codes import new_code
from todoke.db import SqlSession, json_value, read_transaction, write_transaction
from todoke.errors import Conflict, NotFound, Text
from todoke.identity import public as identity
from todoke.notices import letters as printing
from todoke.principal import Principal
from todoke.registry import branding
from todoke.registry import public as registry
from todoke.settings import Settings

# One batch is what a print run takes in one go and a request renders in well under a
# minute (about 100 pages a second); more letters wait for the next batch.
BATCH_LIMIT = 2000
# Letters read, drawn and written this many at a time, so memory does not grow with a batch.
CHUNK = 500
# How long a printed code works: printing and the post take days, and the residents a letter
# is for are the ones who take longest to act.
OUTREACH_DAYS = 90
FOLDER = "letters"
FILES = {
    "pdf": ("application/pdf", "letters.pdf"),
    "csv": ("text/csv", "manifest.csv"),
}

_NO_PROGRAM = NotFound(Text("支援制度が見つかりません。", "There is no such program."))
_NO_BATCH = NotFound(Text("印刷バッチが見つかりません。", "There is no such letter batch."))
_NOT_ACTIVE = Conflict(
    Text(
        "実施中の支援制度ではないため、お知らせを印刷できません。",
        "Letters are printed for an active programme only.",
    )
)
_NO_BASIS = Conflict(
    Text(
        "お知らせの郵送について、承認時に法的根拠が記録されていません。",
        "No legal basis for letters was recorded when the programme was approved.",
    )
)
_NOTHING_QUEUED = Conflict(
    Text(
        "印刷を待っているお知らせはありません。",
        "No letters are waiting to be printed for this programme.",
    )
)
_CHANGED = Conflict(
    Text(
        "印刷中に対象のお知らせが変わりました（別の印刷、または本人の登録）。もう一度お試しください。",
        "The waiting letters changed while the batch was made (another batch, or a resident "
        "who signed up). Please try again.",
    )
)


class LetterBatchRead(msgspec.Struct, frozen=True):
    """A print batch as staff see it, with where to download its two files."""

    id: int
    reference: str  # printed on every page and in the manifest
    version: int  # the programme version whose texts were printed
    letters: int
    cancelled: int  # queued letters dropped: moved away, or has an account now
    created_by: str
    created_at: datetime
    codes_expire_at: datetime
    pdf_sha256: str
    csv_sha256: str
    pdf_url: str
    csv_url: str


class LetterOverview(msgspec.Struct, frozen=True):
    """A programme's letters: how many wait for printing, how many the next batch takes,
    and the batches printed so far (newest first)."""

    slug: str
    letter_basis: str
    waiting: int
    batch_limit: int
    batches: list[LetterBatchRead]


class BatchFile(msgspec.Struct, frozen=True):
    path: Path
    filename: str
    media_type: str


class _Program(msgspec.Struct, frozen=True):
    id: int
    version: int
    status: str
    department_id: int
    title: dict[str, str]
    summary: dict[str, str]
    action: dict[str, str]
    delivery: str
    procedure_slug: str
    letter_basis: str
    rule: dict[str, Any]
    tells: str


class _Queued(msgspec.Struct, frozen=True):
    id: int
    person: int
    match: int


class _Explanation(msgspec.Struct, frozen=True):
    id: int
    explanation: Any


class _Batch(msgspec.Struct, frozen=True):
    id: int
    slug: str
    version: int
    reference: str
    letters: int
    cancelled: int
    pdf_sha256: str
    csv_sha256: str
    codes_expire_at: datetime
    created_by: int | None
    created_at: datetime


_BATCH_COLUMNS = (
    "id, slug, version, reference, letters, cancelled, pdf_sha256, csv_sha256, "
    "codes_expire_at, created_by, created_at"
)


async def _program(sql: SqlSession, principal: Principal, slug: str) -> _Program:
    """The programme's current version (the active one, else the latest), if the caller
    works for its department."""
    program = await sql.row(
        _Program,
        "SELECT id, version, status, department AS department_id, title, summary, action, "
        f"delivery, procedure_slug, letter_basis, {telling.RULE_SQL}, tells FROM program "
        "WHERE municipality = ? "
        "AND slug = ? ORDER BY status = 'active' DESC, version DESC LIMIT 1",
        [principal.municipality_id, slug],
    )
    if program is None:
        raise _NO_PROGRAM
    await registry.require_department(principal, program.department_id, sql)
    return program


def _letter_folder(settings: Settings) -> Path:
    return settings.data_path / FOLDER


def _read_batch(batch: _Batch, names: dict[int, str]) -> LetterBatchRead:
    base = f"/api/staff/programs/{batch.slug}/letters/{batch.id}"
    return LetterBatchRead(
        id=batch.id,
        reference=batch.reference,
        version=batch.version,
        letters=batch.letters,
        cancelled=batch.cancelled,
        created_by=names.get(batch.created_by or 0, ""),
        created_at=batch.created_at,
        codes_expire_at=batch.codes_expire_at,
        pdf_sha256=batch.pdf_sha256,
        csv_sha256=batch.csv_sha256,
        pdf_url=f"{base}/pdf",
        csv_url=f"{base}/csv",
    )


async def letter_overview(principal: Principal, slug: str) -> LetterOverview:
    """How many of the programme's letters wait, and its batches so far."""
    async with read_transaction() as sql:
        program = await _program(sql, principal, slug)
        waiting = await sql.value(
            "SELECT COUNT(*) FROM program_delivery WHERE municipality = ? AND slug = ? "
            "AND channel = 'letter' AND state = 'queued'",
            [principal.municipality_id, slug],
        )
        batches = await sql.rows(
            _Batch,
            f"SELECT {_BATCH_COLUMNS} FROM letter_batch WHERE municipality = ? AND slug = ? "
            "ORDER BY id DESC",
            [principal.municipality_id, slug],
        )
        names = await identity.display_names({b.created_by for b in batches if b.created_by}, sql)
    return LetterOverview(
        slug=slug,
        letter_basis=program.letter_basis,
        waiting=int(waiting or 0),
        batch_limit=BATCH_LIMIT,
        batches=[_read_batch(b, names) for b in batches],
    )


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _reasons(explanation: Any) -> tuple[str, ...]:
    """The match's explanation in plain Japanese: one sentence per fact that decided it."""
    conditions = json_value(explanation) or []
    return tuple(
        c["sentence"]["ja"]
        for c in conditions
        if isinstance(c, dict) and isinstance(c.get("sentence"), dict) and c["sentence"].get("ja")
    )


def _next_path(program: _Program, slug: str) -> str:
    """Where a redeemed code leads: the programme's application, pre-filled, when it
    invites to apply; otherwise the resident's support page."""
    if program.delivery == "invite" and program.procedure_slug:
        return f"/procedures/{program.procedure_slug}/apply"
    return "/support"


def _new_reference(today: Any) -> str:
    return f"L{today:%Y%m%d}-{new_code(2).replace('-', '')}"


async def create_batch(
    principal: Principal, slug: str, settings: Settings, *, limit: int = BATCH_LIMIT
) -> LetterBatchRead:
    """Print the programme's queued letters (at most ``limit``) as one batch: a PDF with a
    page per letter and the CSV manifest, each letter with a new outreach code. Letters to
    persons who moved away, or who have an account by now, are cancelled, not printed.
    Raises ``Conflict`` when nothing waits, and ``LetterFontMissing`` (before anything is
    done) when no Japanese font is installed."""
    font = printing.letter_font(settings.letter_font)
    municipality_id = principal.municipality_id
    async with read_transaction(bulk=True) as sql:
        program = await _program(sql, principal, slug)
        if program.status != "active":
            raise _NOT_ACTIVE
        if not program.letter_basis.strip():
            raise _NO_BASIS
        queued = await sql.rows(
            _Queued,
            "SELECT id, person, match FROM program_delivery WHERE municipality = ? AND slug = ? "
            "AND channel = 'letter' AND state = 'queued' ORDER BY id LIMIT ?",
            [municipality_id, slug, max(1, limit)],
        )
        if not queued:
            raise _NOTHING_QUEUED
        persons = [q.person for q in queued]
        with_account = {a.person_id for a in await identity.resident_accounts(sql, persons)}
        postal: dict[int, str] = {}
        for chunk in _chunks(persons):
            for person_id, addressee in (
                await registry.letter_addressees(sql, municipality_id, chunk)
            ).items():
                postal[person_id] = addressee.postal_code
        department = next(
            (d.name_ja for d in await registry.departments(municipality_id, sql)
             if d.id == program.department_id),
            "",
        )  # fmt: skip
    held = next((m for m in await registry.municipality_names() if m.id == municipality_id), None)
    city = held.name_ja if held else ""
    kind = branding.kind_of(city) if city else "市"
    contact = await branding.contact_line(municipality_id)
    # The letter's address for signing up: the municipality's own origin, or the deployment's.
    origin = (held.origin if held else None) or settings.public_origins[0]
    # Bulk mail goes out sorted by postal code; the manifest's sequence follows the pages.
    printable = sorted(
        ((postal[q.person], q.id, q.person, q.match) for q in queued
         if q.person in postal and q.person not in with_account),
    )  # fmt: skip
    dropped = [q.id for q in queued if q.person not in postal or q.person in with_account]
    if not printable:
        await _cancel(municipality_id, dropped)
        raise _NOTHING_QUEUED

    now = clock.now()
    expires_at = now + timedelta(days=OUTREACH_DAYS)
    reference = _new_reference(clock.today())
    codes = {person: new_code() for _, _, person, _ in printable}
    sender = printing.LetterSender(
        municipality=city,
        department=department,
        batch=reference,
        issued_on=clock.today(),
        expires_on=expires_at.astimezone(clock.JST).date(),
        origin=origin,
        title=program.title.get("ja", ""),
        summary=program.summary.get("ja", ""),
        action=program.action.get("ja", ""),
        opens_application=program.delivery == "invite" and bool(program.procedure_slug),
        letter_basis=program.letter_basis.strip(),
        kind=kind,
        contact=contact,
    )
    folder = _letter_folder(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = {kind: folder / f"{reference}.{kind}" for kind in FILES}
    temporary = {kind: folder / f".{reference}.{kind}.tmp" for kind in FILES}
    renamed: list[Path] = []
    try:
        rule = telling.telling_rule(program.rule, program.tells)
        files = await _render(municipality_id, sender, printable, codes, temporary, font, rule)
        async with write_transaction() as sql:
            batch_id = await sql.value(
                "INSERT INTO letter_batch (municipality, slug, version, reference, letters, "
                "cancelled, pdf_sha256, csv_sha256, codes_expire_at, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [municipality_id, slug, program.version, reference, files.pages, len(dropped),
                 files.pdf_sha256, files.csv_sha256, expires_at, principal.account_id, now],
            )  # fmt: skip
            claimed = 0
            for chunk in _chunks([delivery for _, delivery, _, _ in printable]):
                marks, args = sql.in_list(list(chunk))
                claimed += len(
                    await sql.fetch(
                        "UPDATE program_delivery SET state = 'printed', batch = ?, sent_at = ? "
                        f"WHERE state = 'queued' AND id {marks} RETURNING id",
                        [batch_id, now, *args],
                    )
                )
            next_path = _next_path(program, slug)
            issued = await identity.issue_outreach_codes(
                sql,
                municipality_id,
                {person: next_path for _, _, person, _ in printable},
                expires_at,
                codes=codes,
                issued_by=principal.account_id,
            )
            if claimed != len(printable) or len(issued) != len(printable):
                raise _CHANGED
            await _cancel(municipality_id, dropped, sql)
            await audit.record(
                municipality_id=municipality_id,
                actor_kind="staff",
                actor_account=principal.account_id,
                action="letters.printed",
                purpose="outreach letters (勧奨通知)",
                detail={"program": slug, "version": program.version, "batch": reference,
                        "letters": files.pages, "cancelled": len(dropped),
                        "pdf_sha256": files.pdf_sha256, "csv_sha256": files.csv_sha256},
                sql=sql,
            )  # fmt: skip
            # Last, so a failure before the commit leaves no batch without its files.
            for kind in FILES:
                os.replace(temporary[kind], final[kind])
                renamed.append(final[kind])
    except BaseException:
        for path in [*temporary.values(), *renamed]:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        raise
    names = await identity.display_names([principal.account_id])
    async with read_transaction() as sql:
        batch = await sql.row(
            _Batch, f"SELECT {_BATCH_COLUMNS} FROM letter_batch WHERE id = ?", [batch_id]
        )
    assert batch is not None
    return _read_batch(batch, names)


async def _render(
    municipality_id: int,
    sender: printing.LetterSender,
    printable: list[tuple[str, int, int, int]],
    codes: dict[int, str],
    paths: dict[str, Path],
    font: tuple[Path, int],
    rule: dict[str, Any],
) -> printing.PrintedFiles:
    """Draw the letters a chunk at a time: each chunk's addresses and explanations are read,
    then drawn on a worker thread (the event loop keeps serving meanwhile)."""
    with printing.LetterPrint(paths["pdf"], paths["csv"], sender, font) as files:
        sequence = 0
        for chunk in _chunks(printable):
            persons = [person for _, _, person, _ in chunk]
            async with read_transaction(bulk=True) as sql:
                addressees = await registry.letter_addressees(sql, municipality_id, persons)
                marks, args = sql.in_list([match for _, _, _, match in chunk])
                explanations = {
                    row.id: row.explanation
                    for row in await sql.rows(
                        _Explanation,
                        f"SELECT id, explanation FROM program_match WHERE id {marks}",
                        args,
                    )
                }
                # Telling keeps the explanation only of those told in the app: a letter's is
                # worked out as it is printed, from that day's facts.
                fresh = await telling.explain_persons(sql, rule, persons, clock.today())
                by_person = {match: person for _, _, person, match in chunk}
                explanations = {
                    match: fresh.get(by_person[match]) or held
                    for match, held in explanations.items()
                }
            recipients = []
            for _, _, person, match in chunk:
                addressee = addressees.get(person)
                if addressee is None:  # moved away this very minute: the batch is refused
                    raise _CHANGED
                sequence += 1
                recipients.append(
                    printing.LetterRecipient(
                        sequence=sequence,
                        postal_code=addressee.postal_code,
                        address=addressee.address,
                        name=f"{addressee.family_name} {addressee.given_name}",
                        reasons=_reasons(explanations.get(match)),
                        code=codes[person],
                    )
                )
            await asyncio.to_thread(files.add_all, recipients)
        return await asyncio.to_thread(files.close)


async def _cancel(
    municipality_id: int, delivery_ids: list[int], sql: SqlSession | None = None
) -> None:
    """Queued letters nobody will print: the person moved away (or died), or can be told
    in the app by now."""
    if not delivery_ids:
        return
    if sql is None:
        async with write_transaction() as own:
            await _cancel(municipality_id, delivery_ids, own)
        return
    for chunk in _chunks(delivery_ids):
        marks, args = sql.in_list(list(chunk))
        await sql.execute(
            "UPDATE program_delivery SET state = 'cancelled' WHERE municipality = ? "
            f"AND channel = 'letter' AND state = 'queued' AND id {marks}",
            [municipality_id, *args],
        )


async def batch_file(
    principal: Principal, slug: str, batch_id: int, kind: str, settings: Settings
) -> BatchFile:
    """One of a batch's files for download (``pdf`` or ``csv``); the download is audited."""
    if kind not in FILES:
        raise _NO_BATCH
    async with read_transaction() as sql:
        await _program(sql, principal, slug)
        batch = await sql.row(
            _Batch,
            f"SELECT {_BATCH_COLUMNS} FROM letter_batch WHERE id = ? AND municipality = ? "
            "AND slug = ?",
            [batch_id, principal.municipality_id, slug],
        )
    if batch is None:
        raise _NO_BATCH
    path = _letter_folder(settings) / f"{batch.reference}.{kind}"
    if not path.is_file():
        raise NotFound(
            Text(
                "印刷ファイルがデータフォルダにありません。管理者に連絡してください。",
                "The batch's file is missing from the data folder. Contact an administrator.",
            )
        )
    await audit.record(
        municipality_id=principal.municipality_id,
        actor_kind="staff",
        actor_account=principal.account_id,
        action="letters.downloaded",
        purpose="outreach letters (勧奨通知)",
        detail={"program": slug, "batch": batch.reference, "file": kind,
                "letters": batch.letters},
    )  # fmt: skip
    media_type, name = FILES[kind]
    return BatchFile(path=path, filename=f"{batch.reference}-{name}", media_type=media_type)
