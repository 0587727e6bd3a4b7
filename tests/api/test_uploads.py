"""Uploads that hold: per-account daily quotas counted in the database, verified accounts
only, names and types decided by the content, PDFs parsed and refused when they carry
actions or another format, images decoded for real before they are kept."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from pdfs import build_pdf, pypdf_pdf
from PIL import Image
from soft_authenticator import SoftAuthenticator
from test_applications import add_household, png_bytes, upload, verified_resident
from test_identity import csrf, register

from todoke import clock
from todoke.procedures.tables import Attachment, UploadUsage


@pytest.fixture
async def hanako(client_for, app, city):
    await add_household(city)
    return await verified_resident(client_for, app, city, "1000000000", prefill=False)


def limits(app, **changes) -> None:
    """Change the running app's settings (the route reads them on every request)."""
    settings = app.state.settings
    app.state.settings = settings.__class__(**{**msgspec.structs.asdict(settings), **changes})


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["detail"] and problem["detail_ja"]
    return problem


async def usage_rows() -> list[dict]:
    return await UploadUsage.select(
        UploadUsage.account, UploadUsage.day, UploadUsage.files, UploadUsage.bytes
    )


def jpeg_bytes(*, description: str = "", size: tuple[int, int] = (32, 24)) -> bytes:
    """A real JPEG (Pillow) with an Exif description, the kind of text phones write."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = image.getexif()
    if description:
        exif[0x010E] = description
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


# --- quotas -----------------------------------------------------------------------------------


async def test_the_daily_file_count_is_kept_in_the_database(app, hanako):
    resident, headers = hanako
    limits(app, upload_daily_files=3)
    data = png_bytes()
    for _ in range(3):
        assert (await upload(resident, headers, data)).status_code == 201
    refused = await upload(resident, headers, data)

    problem = assert_problem(refused, 429)
    assert "3" in problem["detail"] and "3" in problem["detail_ja"]
    # Until midnight in Japan, when the day's count starts again.
    midnight = datetime.combine(
        clock.today() + timedelta(days=1), datetime.min.time(), tzinfo=clock.JST
    )
    wait = int(refused.headers["retry-after"])
    assert 0 < wait <= (midnight - clock.now()).total_seconds() + 1
    assert await Attachment.count() == 3
    (row,) = await usage_rows()
    assert row["files"] == 3 and row["day"] == clock.today()
    stored = await Attachment.select(Attachment.size)
    assert row["bytes"] == sum(r["size"] for r in stored)


async def test_the_daily_bytes_are_kept_in_the_database(app, hanako):
    resident, headers = hanako
    first = await upload(resident, headers, jpeg_bytes())
    assert first.status_code == 201
    size = first.json()["size"]
    limits(app, upload_daily_bytes=size * 2 + size // 2)
    assert (await upload(resident, headers, jpeg_bytes())).status_code == 201

    refused = await upload(resident, headers, jpeg_bytes())

    problem = assert_problem(refused, 429)
    assert "MB" in problem["detail"]
    assert int(refused.headers["retry-after"]) > 0
    assert await Attachment.count() == 2
    (row,) = await usage_rows()
    assert (row["files"], row["bytes"]) == (2, size * 2)


async def test_a_burst_of_uploads_stops_at_the_quota(app, hanako):
    """30 uploads at once, as in the finding: the database lets exactly the quota through."""
    resident, headers = hanako
    limits(app, upload_daily_files=5)
    answers = await asyncio.gather(*(upload(resident, headers, png_bytes()) for _ in range(30)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 5 + [429] * 25
    assert await Attachment.count() == 5
    assert [r["files"] for r in await usage_rows()] == [5]


async def test_the_default_quota_is_fifty_files_and_fifty_megabytes_a_day(app, hanako):
    resident, headers = hanako
    settings = app.state.settings
    assert (settings.upload_daily_files, settings.upload_daily_bytes) == (50, 50 * 1_048_576)
    data = png_bytes()
    for _ in range(50):
        assert (await upload(resident, headers, data)).status_code == 201
    assert_problem(await upload(resident, headers, data), 429)
    assert [r["files"] for r in await usage_rows()] == [50]


async def test_the_quota_starts_again_the_next_day_in_japan(app, hanako):
    resident, headers = hanako
    limits(app, upload_daily_files=1)
    evening = datetime(2026, 12, 1, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo
    with clock.frozen(evening):
        assert (await upload(resident, headers, png_bytes())).status_code == 201
        refused = await upload(resident, headers, png_bytes())
        assert_problem(refused, 429)
        assert 1 <= int(refused.headers["retry-after"]) <= 61
    with clock.frozen(evening + timedelta(minutes=2)):
        assert (await upload(resident, headers, png_bytes())).status_code == 201
    rows = sorted(await usage_rows(), key=lambda r: r["day"])
    assert [(str(r["day"]), r["files"]) for r in rows] == [("2026-12-01", 1), ("2026-12-02", 1)]


async def test_refused_files_do_not_count(app, hanako):
    resident, headers = hanako
    limits(app, upload_daily_files=1)
    html = await upload(resident, headers, b"<html><script>alert(1)</script></html>", "x.pdf")
    assert_problem(html, 422)
    assert await usage_rows() == []
    assert (await upload(resident, headers, png_bytes())).status_code == 201


# --- verified accounts only -------------------------------------------------------------------


async def test_an_unverified_account_cannot_upload(client, city):
    registered = await register(client, SoftAuthenticator(), name="ななし")
    assert registered.status_code == 201, registered.text

    refused = await upload(client, csrf(registered), png_bytes())

    problem = assert_problem(refused, 403)
    assert "本人確認" in problem["detail_ja"] and "verify" in problem["detail"].lower()
    assert await Attachment.count() == 0
    assert await usage_rows() == []


# --- names and types from the content ---------------------------------------------------------


async def test_an_html_name_is_stored_and_served_as_pdf(hanako):
    resident, headers = hanako
    pdf = pypdf_pdf()
    stored = await upload(resident, headers, pdf, "x.html")
    assert stored.status_code == 201, stored.text
    body = stored.json()
    assert (body["filename"], body["content_type"]) == ("x.pdf", "application/pdf")
    (row,) = await Attachment.select(Attachment.filename, Attachment.content_type)
    assert row == {"filename": "x.pdf", "content_type": "application/pdf"}

    served = await resident.get(f"/api/attachments/{body['id']}")

    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == (
        "attachment; filename=\"x.pdf\"; filename*=UTF-8''x.pdf"
    )
    assert served.content == pdf  # byte for byte what was sent


@pytest.mark.parametrize(
    ("given", "stored", "disposition"),
    [
        (
            "invoice.exe",
            "invoice.pdf",
            "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf",
        ),
        (
            "請求書.exe",
            "請求書.pdf",
            "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf",
        ),
        (
            "invoice.pdf.exe",
            "invoice.pdf.pdf",
            "attachment; filename=\"invoice.pdf.pdf\"; filename*=UTF-8''invoice.pdf.pdf",
        ),
        (
            'a"b%c;d.html',
            "ab%c;d.pdf",
            "attachment; filename=\"abcd.pdf\"; filename*=UTF-8''ab%25c%3Bd.pdf",
        ),
        (
            "no extension",
            "no extension.pdf",
            "attachment; filename=\"no extension.pdf\"; filename*=UTF-8''no%20extension.pdf",
        ),
    ],
)
async def test_the_resident_s_extension_is_dropped(hanako, given, stored, disposition):
    resident, headers = hanako
    response = await upload(resident, headers, pypdf_pdf(), given)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == stored
    served = await resident.get(f"/api/attachments/{response.json()['id']}")
    assert served.headers["content-disposition"] == disposition
    assert served.headers["content-type"] == "application/pdf"


async def test_a_png_named_pdf_is_served_as_png(hanako):
    resident, headers = hanako
    stored = await upload(resident, headers, png_bytes(), "scan.pdf")
    assert stored.json()["filename"] == "scan.png"
    served = await resident.get(f"/api/attachments/{stored.json()['id']}")
    assert served.headers["content-type"] == "image/png"
    assert 'filename="scan.png"' in served.headers["content-disposition"]


# --- PDFs -------------------------------------------------------------------------------------

HTML = b"<html><body><script>fetch('/api/me').then(r=>r.text()).then(alert)</script></body></html>"


@pytest.mark.parametrize(
    "data",
    [
        build_pdf(after_eof=b"\n" + HTML),  # HTML after %%EOF
        build_pdf(after_eof=b"\nPK\x03\x04\x14\x00\x00\x00"),  # a ZIP after it
        HTML + b"\n" + build_pdf(),  # HTML before %PDF-
    ],
)
async def test_a_polyglot_pdf_is_refused(hanako, data):
    resident, headers = hanako
    assert_problem(await upload(resident, headers, data, "scan.pdf"), 422)
    assert await Attachment.count() == 0


async def test_a_pdf_with_javascript_is_refused(hanako):
    resident, headers = hanako
    script = build_pdf(
        b"/OpenAction 5 0 R", objects=(b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>",)
    )
    problem = assert_problem(await upload(resident, headers, script, "scan.pdf"), 422)
    assert "スクリプト" in problem["detail_ja"]
    assert await Attachment.count() == 0
    assert await usage_rows() == []


async def test_a_file_that_only_starts_like_a_pdf_is_refused(hanako):
    resident, headers = hanako
    fake = b"%PDF-1.7\n" + HTML + b"\n%%EOF\n"
    assert_problem(await upload(resident, headers, fake, "scan.pdf"), 422)
    assert await Attachment.count() == 0


# --- images -----------------------------------------------------------------------------------


async def test_a_jpeg_is_decoded_and_kept_without_metadata_or_trailer(hanako):
    resident, headers = hanako
    photo = jpeg_bytes(description="Taken at home, Chiyoda 1-9-1") + HTML
    stored = await upload(resident, headers, photo, "photo.html")
    assert stored.status_code == 201, stored.text
    assert stored.json()["filename"] == "photo.jpg"
    served = await resident.get(f"/api/attachments/{stored.json()['id']}")
    assert b"Chiyoda" not in served.content and b"<script" not in served.content
    image = Image.open(io.BytesIO(served.content))
    image.load()
    assert (image.format, image.size) == ("JPEG", (32, 24))


async def test_a_png_is_re_encoded_from_its_pixels(hanako):
    resident, headers = hanako
    original = Image.new("RGB", (5, 4), (10, 20, 30))
    out = io.BytesIO()
    original.save(out, "PNG")
    hostile = out.getvalue() + HTML  # a payload after IEND
    stored = await upload(resident, headers, hostile, "p.png")
    assert stored.status_code == 201, stored.text
    served = await resident.get(f"/api/attachments/{stored.json()['id']}")
    assert b"<script" not in served.content
    decoded = Image.open(io.BytesIO(served.content))
    assert decoded.format == "PNG" and decoded.convert("RGB").tobytes() == original.tobytes()


async def test_an_image_that_does_not_decode_is_refused(hanako):
    resident, headers = hanako
    photo = jpeg_bytes()
    # Every marker and length holds, so the structure walk passes; but the quantisation
    # table names table 15 (there are four), which only a real decoder notices.
    table = photo.index(b"\xff\xdb") + 4
    broken = photo[:table] + b"\x0f" + photo[table + 1 :]
    problem = assert_problem(await upload(resident, headers, broken, "p.jpg"), 422)
    assert "画像" in problem["detail_ja"]
    assert await Attachment.count() == 0
