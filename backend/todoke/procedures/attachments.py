"""Files residents attach to applications: what we accept, what we strip, where we keep them.

Residents photograph their documents at home with a phone. The phone writes where the picture
was taken (GPS), the camera, the time and often a thumbnail into the file, so a photo of a
pension slip would tell the town hall — and anyone the file later reaches — where the resident
lives and when they were in. We take only PDF, JPEG and PNG, decide the type from the bytes
themselves (never from the file name or the browser's Content-Type, both of which the sender
controls), and rewrite images without their metadata before they are stored.

Each type is then checked by something that really reads it, since a file can start like a
PDF or a JPEG and still be something else to another program:

- PDFs are parsed with pypdf and refused when they do not parse, carry scripts, automatic
  actions, launches or embedded files, or have bytes after their last ``%%EOF`` (a PDF/HTML
  or PDF/ZIP polyglot). An accepted PDF is kept byte for byte.
- JPEGs are walked marker by marker to drop metadata without re-encoding (a photo of a
  document stays as sharp as taken), then decoded in full by Pillow; a file the decoder
  refuses is refused.
- PNGs are decoded by Pillow and written again from their pixels (lossless): no chunk, text
  or trailing payload of the original survives.

A file whose structure does not hold together is refused as a whole, never stored
half-cleaned. The name a file is stored and served under keeps the resident's stem, but its
extension always comes from the detected type (``stored_name``).

Storage sits behind ``FileStore`` so another store (S3, say) can replace ``LocalFileStore``.
Keys are tokens the server makes with ``new_key``; a resident's file name is only ever shown,
after ``stored_name``, and never used as a path.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import secrets
import struct
import tempfile
import unicodedata
import zlib
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

ALLOWED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class MalformedFile(ValueError):
    """The bytes claim to be an image but their structure does not hold together."""


class UploadRejected(Exception):
    """An upload we refuse, with the reason in English and Japanese for the resident."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en = en
        self.ja = ja


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show, or None when it is not one we accept."""
    if data.startswith(_PDF_MAGIC):
        return "application/pdf"
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    return None


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The file without the metadata that could identify the resident or their home.

    JPEG loses Exif, XMP, IPTC, comments and the other application segments, keeping only the
    orientation (so phone photos still display upright) and the colour profile. PNG loses its
    text, Exif and time chunks. PDF is returned unchanged: removing a PDF's document info and
    XMP needs a PDF parser, which is out of scope here.

    Raises ``MalformedFile`` when a JPEG or PNG does not parse.
    """
    if content_type == "image/jpeg":
        return _strip_jpeg(data)
    if content_type == "image/png":
        return _strip_png(data)
    if content_type == "application/pdf":
        return data
    raise ValueError(f"not an accepted content type: {content_type!r}")


def check_upload(data: bytes, *, max_bytes: int) -> tuple[str, bytes]:
    """Accept an upload or refuse it: returns (content type, the bytes to keep).

    CPU-bound (a PDF parse, an image decode): callers on the event loop run it in a thread.
    """
    if not data:
        raise UploadRejected("The file is empty", "ファイルが空です")
    if len(data) > max_bytes:
        limit = _megabytes(max_bytes)
        raise UploadRejected(
            f"The file is too large: the limit is {limit} MB",
            f"ファイルが大きすぎます（上限は{limit}MBです）",
        )
    content_type = sniff(data)
    if content_type is None:
        raise UploadRejected(
            "Attach a PDF, JPEG or PNG file", "PDF、JPEG、PNGのファイルを添付してください"
        )
    if content_type == "application/pdf":
        check_pdf(data)
        return content_type, data
    try:
        cleaned = strip_metadata(data, content_type)
    except MalformedFile as exc:
        raise _damaged_image() from exc
    return content_type, decode_image(cleaned, content_type)


def _megabytes(n: int) -> str:
    megabytes = round(n / (1024 * 1024), 1)
    return f"{megabytes:g}"


# --- JPEG -----------------------------------------------------------------------------------

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP0, _APP1, _APP2, _APP14 = 0xE0, 0xE1, 0xE2, 0xEE
_COM = 0xFE
# Markers that stand alone, without a length: restart markers RST0–RST7 and TEM.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_EXIF_HEADER = b"Exif\x00\x00"
_ICC_HEADER = b"ICC_PROFILE\x00"
_ORIENTATION_TAG = 0x0112
_TIFF_SHORT = 3


def _keep_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == _APP2:
        # APP2 also carries MPF, an index of extra images appended after EOI (depth maps,
        # previews) that we cut off; only the ICC colour profile is worth keeping.
        return payload.startswith(_ICC_HEADER)
    if marker in (_APP0, _APP14):
        return True  # JFIF and Adobe: how to read the colours, nothing about the resident
    # Other APPn (Exif and XMP with GPS, IPTC, vendor blobs) and comments go; tables, frame
    # and scan headers stay: they are the picture itself.
    is_metadata = 0xE0 <= marker <= 0xEF or marker == _COM
    return not is_metadata


def _strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise MalformedFile("JPEG does not start with SOI")
    pieces: list[bytes] = []
    orientation = 1
    seen_exif = False
    seen_scan = False
    position = 2
    while True:
        marker, position = _read_marker(data, position)
        if marker in _STANDALONE:
            pieces.append(bytes((0xFF, marker)))
            continue
        if marker == _EOI:
            if not seen_scan:
                raise MalformedFile("JPEG ends before any image data (SOS)")
            pieces.append(b"\xff\xd9")
            break  # anything after EOI (a phone's trailer, a motion photo's video) is dropped
        if marker in (_SOI, 0x00):
            raise MalformedFile(f"unexpected JPEG marker FF{marker:02X}")
        segment_end = _segment_end(data, position)
        payload = data[position + 2 : segment_end]
        if marker == _APP1 and not seen_exif and payload.startswith(_EXIF_HEADER):
            seen_exif = True
            orientation = _exif_orientation(payload[len(_EXIF_HEADER) :])
        if marker == _SOS:
            # The entropy-coded data runs until the next real marker; progressive JPEGs
            # then continue with more tables and scans, which the loop walks the same way.
            seen_scan = True
            segment_end = _scan_end(data, segment_end)
        if _keep_jpeg_segment(marker, payload):
            pieces.append(b"\xff" + bytes((marker,)) + data[position:segment_end])
        position = segment_end
    if orientation != 1:
        # Exif goes right after SOI, or after the JFIF APP0 when there is one.
        at = 1 if pieces and pieces[0][1] == _APP0 else 0
        pieces.insert(at, _orientation_segment(orientation))
    return b"\xff\xd8" + b"".join(pieces)


def _read_marker(data: bytes, position: int) -> tuple[int, int]:
    """The marker at ``position`` (after any fill bytes) and the position just after it."""
    if position >= len(data) or data[position] != 0xFF:
        raise MalformedFile(f"JPEG has no marker where one must be (offset {position})")
    position += 1
    while position < len(data) and data[position] == 0xFF:
        position += 1  # fill bytes: any number of FF may precede a marker
    if position >= len(data):
        raise MalformedFile("JPEG is cut off inside a marker")
    return data[position], position + 1


def _segment_end(data: bytes, position: int) -> int:
    """Where the segment whose 2-byte length starts at ``position`` ends."""
    if position + 2 > len(data):
        raise MalformedFile("JPEG is cut off inside a segment length")
    (length,) = struct.unpack_from(">H", data, position)
    if length < 2:
        raise MalformedFile(f"JPEG segment length {length} is too small")
    end = position + length
    if end > len(data):
        raise MalformedFile("JPEG segment runs past the end of the file")
    return end


def _scan_end(data: bytes, position: int) -> int:
    """Where the entropy-coded data starting at ``position`` ends: at the next real marker.

    Inside the data FF is followed by 00 (a stuffed FF byte) or RSTn; anything else begins
    a marker. ``find`` keeps this fast on photos of several megabytes.
    """
    while True:
        ff = data.find(b"\xff", position)
        if ff < 0 or ff + 1 >= len(data):
            raise MalformedFile("JPEG image data ends without EOI")
        follower = data[ff + 1]
        if follower == 0x00 or 0xD0 <= follower <= 0xD7:
            position = ff + 2
            continue
        return ff


def _exif_orientation(tiff: bytes) -> int:
    """The Orientation tag of IFD0 in Exif TIFF data, or 1 when absent or unreadable.

    Broken Exif is not a reason to refuse a photo: it is dropped anyway.
    """
    if tiff.startswith(b"II*\x00"):
        order = "<"
    elif tiff.startswith(b"MM\x00*"):
        order = ">"
    else:
        return 1
    try:
        (ifd0,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd0)
        for index in range(count):
            entry = ifd0 + 2 + 12 * index
            tag, field_type, values = struct.unpack_from(order + "HHI", tiff, entry)
            if tag == _ORIENTATION_TAG:
                if field_type != _TIFF_SHORT or values != 1:
                    return 1
                (orientation,) = struct.unpack_from(order + "H", tiff, entry + 8)
                return orientation if 1 <= orientation <= 8 else 1
    except struct.error:
        return 1
    return 1


def _orientation_segment(orientation: int) -> bytes:
    """An APP1 Exif segment holding the Orientation tag and nothing else."""
    tiff = (
        b"MM\x00*"
        + struct.pack(">I", 8)  # IFD0 follows the 8-byte header
        + struct.pack(">H", 1)  # one entry
        + struct.pack(">HHIHH", _ORIENTATION_TAG, _TIFF_SHORT, 1, orientation, 0)
        + struct.pack(">I", 0)  # no next IFD: no IFD1 thumbnail
    )
    payload = _EXIF_HEADER + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


# --- PNG ------------------------------------------------------------------------------------

# Text chunks (where tools put comments, authors, locations), Exif, and the modification time.
_PNG_DROPPED = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})
_PNG_MAX_LENGTH = 2**31 - 1


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_MAGIC):
        raise MalformedFile("PNG signature missing")
    pieces = [_PNG_MAGIC]
    position = len(_PNG_MAGIC)
    first = True
    while True:
        if position + 12 > len(data):
            raise MalformedFile("PNG ends without IEND")
        length, chunk_type = struct.unpack_from(">I4s", data, position)
        end = position + 12 + length
        if length > _PNG_MAX_LENGTH or end > len(data):
            raise MalformedFile(f"PNG chunk length {length} runs past the end of the file")
        if not chunk_type.isalpha():
            raise MalformedFile(f"PNG chunk type {chunk_type!r} is not four letters")
        if first and chunk_type != b"IHDR":
            raise MalformedFile("PNG does not start with IHDR")
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[position + 4 : end - 4]) != crc:
            raise MalformedFile(f"PNG chunk {chunk_type.decode()} has a wrong CRC")
        if chunk_type not in _PNG_DROPPED:
            pieces.append(data[position:end])
        first = False
        position = end
        if chunk_type == b"IEND":
            return b"".join(pieces)  # anything after IEND is dropped


# --- PDF ------------------------------------------------------------------------------------

_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_PDF_EOF = b"%%EOF"
# What may follow the last %%EOF: the end-of-line writers put there, and the NUL or space
# padding some scanners add. Anything else is another file riding on the PDF.
_PDF_TRAILING_OK = b" \t\r\n\f\x00"
# Keys that make a reader act on its own or carry another file: scripts (JS, JavaScript in
# the name tree), additional actions on open, close, page or field events (AA), embedded
# files (EmbeddedFiles name tree, EF in a file specification), Flash-era rich media, and XFA
# forms (which carry their own scripts).
_PDF_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/Launch", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
)
# Action types that run something, fetch or send data, or open an embedded or other file.
# Links (/URI) and moves inside the document (/GoTo) stay allowed: ordinary PDFs have them.
_PDF_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Sound",
        "/Movie",
    }
)
_PDF_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/RichMedia"})
_PDF_MAX_DEPTH = 64  # nesting inside one object; deeper is not a document a person made


def _pdf_unreadable() -> UploadRejected:
    return UploadRejected(
        "The file is not a readable PDF; save it as a PDF again, or attach a photo of the document",
        "PDFとして読み取れません。もう一度PDFとして保存するか、書類を撮影して添付してください",
    )


def _pdf_active() -> UploadRejected:
    return UploadRejected(
        "PDFs with scripts, automatic actions or embedded files are not accepted; print the "
        "document to a new PDF (Print → Save as PDF) and attach that",
        "スクリプト、自動で動く操作、埋め込みファイルを含むPDFは受け付けられません。"
        "「印刷」→「PDFとして保存」で新しいPDFを作って添付してください",
    )


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is not one, that is also another format, or that can act.

    The type was decided by ``%PDF-`` at byte 0, so nothing can stand before it; a file that
    also reads as HTML, a ZIP or a script needs bytes after the last ``%%EOF``, which are
    refused. The rest is pypdf's parse: every object of the cross-reference table (those in
    object streams too, and those no page refers to) is looked at for actions.
    """
    if not _PDF_HEADER.match(data):
        raise _pdf_unreadable()
    end = data.rfind(_PDF_EOF)
    if end < 0:
        raise _pdf_unreadable()
    if data[end + len(_PDF_EOF) :].strip(_PDF_TRAILING_OK):
        raise UploadRejected(
            "The PDF has other data after its end; save it as a PDF again and attach the new file",
            "PDFの終わりの後に別のデータが付いています。もう一度PDFとして保存して添付してください",
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRejected(
                "Password-protected PDFs cannot be read by the office; remove the password "
                "and attach the file again",
                "パスワード付きのPDFは受け付けられません。パスワードを外して添付してください",
            )
        if len(reader.pages) == 0:
            raise _pdf_unreadable()
        active = any(_pdf_acts(item) for item in _pdf_objects(reader))
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many kinds on hostile input; each is a refusal
        raise _pdf_unreadable() from exc
    if active:
        raise _pdf_active()


def _pdf_objects(reader: PdfReader) -> list[Any]:
    """The trailer and every object the cross-reference table names."""
    found: list[Any] = [reader.trailer]
    for generation, table in reader.xref.items():
        for number in table:
            found.append(reader.get_object(IndirectObject(number, generation, reader)))
    for number in reader.xref_objStm:
        found.append(reader.get_object(IndirectObject(number, 0, reader)))
    return found


def _pdf_acts(item: Any) -> bool:
    """Whether one object, with what it holds directly, is an action, a script or a file.

    References are not followed: every indirect object is looked at on its own."""
    stack = [(item, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > _PDF_MAX_DEPTH:
            return True
        if isinstance(current, DictionaryObject):
            keys = {str(key) for key in current}
            if keys & _PDF_ACTIVE_KEYS:
                return True
            if _raw_name(current, "/S") in _PDF_ACTIVE_ACTIONS:
                return True
            if _raw_name(current, "/Type") in _PDF_ACTIVE_TYPES:
                return True
            if "/OpenAction" in keys and not _harmless_open_action(current):
                return True
            stack.extend((value, depth + 1) for value in current.values())
        elif isinstance(current, ArrayObject):
            stack.extend((value, depth + 1) for value in current)
    return False


def _raw_name(dictionary: DictionaryObject, key: str) -> str | None:
    value = dictionary.get(key)  # raw: an IndirectObject stays one, and is looked at itself
    return str(value) if value is not None and not isinstance(value, IndirectObject) else None


def _harmless_open_action(catalog: DictionaryObject) -> bool:
    """An OpenAction that only says where to open (a destination array, as office suites
    write, or a plain GoTo); anything else it could do is refused."""
    action = catalog.get("/OpenAction")
    if isinstance(action, IndirectObject):
        action = action.get_object()
    if isinstance(action, ArrayObject):
        return True
    return (
        isinstance(action, DictionaryObject)
        and _raw_name(action, "/S") == "/GoTo"
        and "/Next" not in action
    )


# --- Images: a real decoder -----------------------------------------------------------------

# Phones take 12-50 megapixel photos; above this the decode alone would hold hundreds of MB.
MAX_PIXELS = 50_000_000
# Modes Pillow's PNG writer takes as they are; anything else is converted to RGBA first.
_PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"})


def _damaged_image() -> UploadRejected:
    return UploadRejected(
        "The image file is damaged or incomplete; please take or save it again",
        "画像ファイルが壊れているか、途中で切れています。もう一度保存して添付してください",
    )


def decode_image(data: bytes, content_type: str) -> bytes:
    """Decode the whole picture with Pillow; a PNG comes back written again from its pixels.

    A JPEG comes back as given (``strip_metadata`` has cleaned it, and re-encoding would blur
    the text of a photographed document); the decode proves it is a picture.
    """
    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels()
            image.load()
            if content_type == "image/jpeg":
                return data
            return _png_from_pixels(image)
    except UploadRejected:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own ceiling, above ours
        raise _too_many_pixels() from exc
    except Exception as exc:  # a decoder meeting hostile bytes raises many kinds: all refusals
        raise _damaged_image() from exc


def _too_many_pixels() -> UploadRejected:
    return UploadRejected(
        "The picture has too many pixels; take it at a lower resolution",
        "画像の画素数が多すぎます。解像度を下げて撮影してください",
    )


def _png_from_pixels(image: Image.Image) -> bytes:
    """The picture as a new PNG: pixels, palette, transparency, colour profile and
    resolution; nothing else of the original file."""
    keep: dict[str, Any] = {}
    for key in ("transparency", "icc_profile", "dpi"):
        if key in image.info:
            keep[key] = image.info[key]
    if image.mode not in _PNG_MODES:
        image = image.convert("RGBA")
        keep.pop("transparency", None)
    out = io.BytesIO()
    image.save(out, "PNG", **keep)
    return out.getvalue()


# --- File names -----------------------------------------------------------------------------

_MAX_NAME = 100
_FORBIDDEN = set('<>:"|?*')
# Bidirectional controls can make "invoice\u202eFDP.exe" display as "invoiceexe.PDF".
_BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def safe_filename(name: str) -> str:
    """The name a resident gave their file, safe to show and to offer as a download name."""
    name = unicodedata.normalize("NFC", name)
    parts = [part for part in re.split(r"[/\\]", name) if part.strip()]
    name = parts[-1] if parts else ""
    name = "".join(
        char
        for char in name
        if char not in _FORBIDDEN
        and char not in _BIDI_CONTROLS
        and unicodedata.category(char) != "Cc"
    )
    name = name.strip().lstrip(".").strip()
    if len(name) > _MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 10:
            suffix = dot + extension
            name = name[: _MAX_NAME - len(suffix)].rstrip() + suffix
        else:
            name = name[:_MAX_NAME]
    return name or "file"


def stored_name(given: str, content_type: str) -> str:
    """The name a file is kept and offered under: the resident's stem, made safe, with the
    extension of the type its bytes showed. ``x.html`` holding a PDF is ``x.pdf``; so is
    ``x.pdf.exe`` (as ``x.pdf.pdf``): the last extension is always ours."""
    extension = ALLOWED[content_type]
    name = safe_filename(given)
    stem, dot, _ = name.rpartition(".")
    if not dot or not stem.strip(". "):
        stem = name
    stem = stem.rstrip(". ") or "file"
    return stem[: _MAX_NAME - len(extension)].rstrip() + extension


def content_disposition(filename: str) -> str:
    """``attachment`` with the name twice (RFC 6266): a plain-ASCII ``filename`` for old
    clients, and the real one as UTF-8 in ``filename*`` (RFC 8187, formerly 5987)."""
    stem, _, extension = filename.rpartition(".")
    # Printable ASCII without the quote, backslash and percent (some clients decode %XX).
    plain = "".join(c for c in stem if " " <= c <= "~" and c not in '"\\%;').strip(" .")
    fallback = f"{plain or 'file'}.{extension}" if stem else "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- Storage --------------------------------------------------------------------------------

_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_key() -> str:
    """A fresh storage key: unguessable, and safe as a file name."""
    return secrets.token_urlsafe(24)


@runtime_checkable
class FileStore(Protocol):
    """Where attachment bytes live, addressed by keys from ``new_key``."""

    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes:
        """The stored bytes; raises ``KeyError`` when the key is absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the bytes; an absent key is not an error."""
        ...


class LocalFileStore:
    """Files on the local disk, under ``root/<first two characters of key>/<key>``.

    Only server-made keys are accepted, so no key can name a path outside ``root``. Writes go
    to a temporary file that is renamed into place, so a crash never leaves half a file.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        # fullmatch, not ``^...$``: ``$`` would also accept a key ending in a newline.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        await asyncio.to_thread(self._write, path, data)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise KeyError(key) from None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)

    def _write(self, path: Path, data: bytes) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # mkstemp creates the file with mode 0o600; the dot keeps it apart from real keys.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every platform can open a directory for this."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
