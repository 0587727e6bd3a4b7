"""Outreach letters (勧奨通知): a print batch, as a ratio to the PDF library drawing the same
pages in the same run, and its memory at two sizes.

    python tests/benchmarks/bench_letters.py --letters 10000
    TODOKE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        python tests/benchmarks/bench_letters.py --letters 10000

Builds a registry with the demo generator and the registry importer, then a programme whose
telling queued a letter for each of ``--letters`` persons (matches with their explanation,
``program_delivery`` rows; written directly, as the matcher would), and prints:

(a) pages per second of ``benefits.letters.create_batch`` end to end (read the queue, the
    addresses and the explanations, make the codes, draw and stream the PDF, write the CSV,
    hash both, record codes, batch and deliveries in one transaction) against the libraries
    alone drawing the same pages: segno makes each QR code, fpdf2 draws each page with the
    same drawing code and saves the document its own way (``FPDF.output``). Quality bar:
    ratio >= 0.5 (DESIGN.md). Also against fpdf2 alone with every QR code made beforehand.
(b) Python memory at its peak (tracemalloc) while printing ``--small`` and ``--letters``
    letters, for the batch and for the library's own way: the batch's stays flat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from todoke import clock
from todoke.benefits import letters
from todoke.db import configure_database, migrate, start_database, stop_database, write_transaction
from todoke.demo.generator import generate_persons, write_csv
from todoke.demo.seed import DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE, seed_catalogue
from todoke.notices import letters as printing
from todoke.principal import Principal
from todoke.registry.importer import import_registry
from todoke.registry.service import ensure_municipality
from todoke.settings import Settings, load_settings

ON = date.today()
# What a 児童扶養手当 match explains (the sentences a letter prints), kept the same for all.
EXPLANATION = [
    {"fact": fact, "operator": "==", "expected": True, "actual": True, "held": True,
     "negated": False, "sentence": {"ja": ja, "easy": ja, "en": ja},
     "requirement": {"ja": ja, "easy": ja, "en": ja}}
    for fact, ja in (
        ("single_parent", "ひとり親です"),
        ("children_until_march_after_18", "高校生年代までのお子さんが2人いる世帯です"),
        ("child_rearing_income", "所得が限度額未満です（扶養親族等2人）"),
        ("supporting_relative_over_limit", "同居のご家族に、所得が限度額以上の方はいません"),
    )
]  # fmt: skip
TEXTS = {
    "title": {"ja": "児童扶養手当", "easy": "ひとりおやの てあて", "en": "Child-rearing allowance"},
    "summary": {
        "ja": "ひとり親家庭などでお子さんを育てている方に、月額最大46,690円（第1子）が"
        "支給されます。",
        "easy": "ひとりおやの かていの おかねです。",
        "en": "A monthly allowance for parents raising children alone.",
    },
    "action": {
        "ja": "事前入力済みの請求書を確認して、面談を予約してください。",
        "easy": "しょるいを みて、めんだんを よやく して ください。",
        "en": "Check the pre-filled claim and book the interview.",
    },
}


async def build_registry(municipality_id: int, persons: int, folder: Path) -> list[int]:
    path = folder / f"registry-{persons}.csv"
    count = write_csv(path, generate_persons(persons, seed=5, today=ON))
    started = time.perf_counter()
    with path.open("rb") as stream:
        report = await import_registry(
            stream, municipality_id=municipality_id, source="bench", filename=path.name, today=ON
        )
    assert report.rows_created == count, (report.status, report.message)
    print(f"  registry of {count:,} persons imported in {time.perf_counter() - started:.1f} s")
    path.unlink()
    async with write_transaction() as sql:
        rows = await sql.fetch(
            "SELECT id FROM person WHERE municipality = ? AND status = 'resident' ORDER BY id",
            [municipality_id],
        )
    return [person for (person,) in rows]


async def queue_letters(municipality_id: int, slug: str, persons: list[int]) -> None:
    """An active programme with a letter basis, and a queued letter for each person."""
    now = clock.now()
    async with write_transaction() as sql:
        department = await sql.value(
            "SELECT id FROM department WHERE municipality = ? AND code = 'child-support'",
            [municipality_id],
        )
        program = await sql.value(
            "INSERT INTO program (municipality, slug, version, department, status, title, "
            "summary, action, rule, delivery, procedure_slug, tells, channels, letter_basis, "
            "created_at, updated_at, activated_at) VALUES (?, ?, 1, ?, 'active', ?, ?, ?, ?, "
            "'invite', 'child-rearing-allowance', 'person', ?, ?, ?, ?, ?) RETURNING id",
            [municipality_id, slug, department, json.dumps(TEXTS["title"]),
             json.dumps(TEXTS["summary"]), json.dumps(TEXTS["action"]),
             json.dumps({"==": [{"var": "single_parent"}, True]}),
             json.dumps(["app", "email", "letter"]), "個人情報保護法第69条第2項第2号", now,
             now, now],
        )  # fmt: skip
        explanation = json.dumps(EXPLANATION, ensure_ascii=False)
        await sql.executemany(
            "INSERT INTO program_match (municipality, program, version, person, explanation, "
            "matched_at, evaluated_on, not_told) VALUES (?, ?, 1, ?, ?, ?, ?, NULL)",
            [(municipality_id, program, person, explanation, now, ON) for person in persons],
        )
        matches = await sql.fetch(
            "SELECT id, person FROM program_match WHERE program = ?", [program]
        )
        await sql.executemany(
            "INSERT INTO program_delivery (municipality, slug, person, match, channel, state, "
            "created_at) VALUES (?, ?, ?, ?, 'letter', 'queued', ?)",
            [(municipality_id, slug, person, match, now) for match, person in matches],
        )


async def staff_principal(municipality_id: int) -> Principal:
    async with write_transaction() as sql:
        account = await sql.value(
            "INSERT INTO account (municipality, kind, display_name, user_handle, staff_role, "
            "language, second_passkey_suggested, verification_failures, created_at) "
            "VALUES (?, 'staff', '印刷 担当', ?, 'administrator', 'ja', ?, 0, ?) RETURNING id",
            [municipality_id, secrets.token_urlsafe(16), False, clock.now()],
        )
    return Principal(
        account_id=account, municipality_id=municipality_id, kind="staff",
        display_name="印刷 担当", person_id=None, staff_role="administrator", session_id=0,
        csrf_token="",
    )  # fmt: skip


def library_alone(
    recipients: list[printing.LetterRecipient],
    sender: printing.LetterSender,
    path: Path,
    *,
    qr_codes: list[list[bytes]] | None = None,
) -> None:
    """The same pages as the library would make them: segno for each QR code (unless made
    beforehand), fpdf2 drawing with the same code, the document saved by fpdf2."""
    pdf = printing.new_letter_pdf(printing.letter_font())
    for index, recipient in enumerate(recipients):
        qr = (
            qr_codes[index]
            if qr_codes is not None
            else printing.qr_modules(printing.activate_url(sender.origin, recipient.code))
        )
        pdf.add_page()
        printing.draw_letter(pdf, sender, recipient, qr)
    pdf.output(str(path))


def sample_letters(
    count: int, settings: Settings
) -> tuple[printing.LetterSender, list[printing.LetterRecipient]]:
    """Pages like the batch's: a generated person's name and address, the same reasons."""
    sender = printing.LetterSender(
        municipality=DEMO_NAME["ja"], department="子育て支援課", batch="L00000000-BENCHMRK",
        issued_on=ON, expires_on=ON + timedelta(days=90), origin=settings.public_origins[0],
        title=TEXTS["title"]["ja"], summary=TEXTS["summary"]["ja"],
        action=TEXTS["action"]["ja"], opens_application=True,
        letter_basis="個人情報保護法第69条第2項第2号",
    )  # fmt: skip
    from todoke.codes import new_code

    reasons = tuple(c["sentence"]["ja"] for c in EXPLANATION)
    recipients = [
        printing.LetterRecipient(
            sequence=index + 1,
            postal_code=person["postal_code"],
            address=person["address"],
            name=f"{person['family_name']} {person['given_name']}",
            reasons=reasons,
            code=new_code(),
        )
        for index, person in enumerate(generate_persons(count, seed=5, today=ON))
        if index < count
    ]
    return sender, recipients


async def timed_batch(principal: Principal, slug: str, settings: Settings, limit: int) -> float:
    started = time.perf_counter()
    batch = await letters.create_batch(principal, slug, settings, limit=limit)
    seconds = time.perf_counter() - started
    assert batch.letters == limit, batch
    return seconds


async def batch_peak(principal: Principal, slug: str, settings: Settings, limit: int) -> int:
    tracemalloc.start()
    try:
        batch = await letters.create_batch(principal, slug, settings, limit=limit)
        assert batch.letters == limit
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def library_peak(count: int, settings: Settings, folder: Path) -> int:
    sender, recipients = sample_letters(count, settings)
    tracemalloc.start()
    try:
        library_alone(recipients, sender, folder / "library.pdf")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def main(count: int, small: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="todoke-bench-"))
    settings = load_settings(
        {
            "TODOKE_DATA_DIR": str(folder),
            "TODOKE_DATABASE_URL": os.environ.get("TODOKE_DATABASE_URL", ""),
        }
    )
    engine = configure_database(settings)
    await start_database(engine)
    await migrate()
    print(f"{'PostgreSQL' if settings.is_postgres else 'SQLite'}: {os.cpu_count()} CPUs")
    municipality = await ensure_municipality(DEMO_CODE, DEMO_NAME, DEMO_PREFECTURE)
    await seed_catalogue(municipality)
    # Some generated persons have moved away or died: a tenth more than the letters.
    persons = await build_registry(municipality.id, count + count // 10 + 10, folder)
    assert len(persons) >= count, f"{len(persons)} residents for {count} letters"
    principal = await staff_principal(municipality.id)
    for slug, size in (("bench-time", count), ("bench-small", small), ("bench-large", count)):
        await queue_letters(municipality.id, slug, persons[:size])
    printing.letter_font()  # the font is found (or the error said) before anything is timed

    print(f"(a) {count:,} letters")
    batch_seconds = await timed_batch(principal, "bench-time", settings, count)
    sender, recipients = sample_letters(count, settings)
    started = time.perf_counter()
    library_alone(recipients, sender, folder / "library.pdf")
    library_seconds = time.perf_counter() - started
    qr_codes = [
        printing.qr_modules(printing.activate_url(sender.origin, r.code)) for r in recipients
    ]
    started = time.perf_counter()
    library_alone(recipients, sender, folder / "library-no-qr.pdf", qr_codes=qr_codes)
    drawing_seconds = time.perf_counter() - started
    batch_rate, library_rate = count / batch_seconds, count / library_seconds
    print(f"  batch (create_batch, end to end):     {batch_rate:8.1f} pages/s")
    print(f"  segno + fpdf2 alone, same pages:      {library_rate:8.1f} pages/s")
    print(f"  fpdf2 alone, QR codes made before:    {count / drawing_seconds:8.1f} pages/s")
    ratio = batch_rate / library_rate
    print(f"  ratio batch / library: {ratio:.2f}  (against fpdf2 alone: "
          f"{batch_seconds and drawing_seconds / batch_seconds:.2f})")  # fmt: skip

    print("(b) peak Python memory (tracemalloc)")
    batch_small = await batch_peak(principal, "bench-small", settings, small)
    batch_large = await batch_peak(principal, "bench-large", settings, count)
    library_small = library_peak(small, settings, folder)
    library_large = library_peak(count, settings, folder)
    print(
        f"  batch:   {batch_small / 2**20:7.1f} MiB at {small:,}, "
        f"{batch_large / 2**20:7.1f} MiB at {count:,}  ratio {batch_large / batch_small:.2f}"
    )
    print(f"  library: {library_small / 2**20:7.1f} MiB at {small:,}, "
          f"{library_large / 2**20:7.1f} MiB at {count:,}  "
          f"ratio {library_large / library_small:.2f}")  # fmt: skip
    print(f"bar (batch at least half the library's pages per second): "
          f"{'met' if ratio >= 0.5 else 'NOT met'}")  # fmt: skip
    await stop_database(engine)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    args = parser.parse_args()
    asyncio.run(main(args.letters, args.small))
