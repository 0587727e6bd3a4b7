"""A municipality's own look and words (issue 16): its kind (市, 町, 村, 区) from its name,
a palette of the design tokens, its emblem and its contact details.

Colours are named palettes, never a colour of the municipality's own: each maps the app's key
colour scale to another hue of the Digital Agency design tokens (pwa/assets/css/tokens.css),
and tests/unit/test_palettes.py checks every pair the screens use for WCAG AA contrast.

The emblem is a PNG or WebP, decoded and written again as a PNG from its pixels: nothing of
the upload but its pixels is ever served (no metadata, no second file hidden after the image,
no SVG with script in it — SVG is refused, since sanitising it safely needs more than we have).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from PIL import Image

from todoke import jp, published
from todoke.db import SqlSession, read_transaction, reading, write_transaction
from todoke.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Text,
    UnsupportedMediaType,
)
from todoke.registry.schemas import (
    BrandingRead,
    BrandingUpdate,
    Contact,
    ContactWords,
    MunicipalityRead,
)

# Palette name → its key colour (key-900): the manifest's and the browser bar's theme colour.
PALETTES: dict[str, str] = {
    "blue": "#0017c1",
    "green": "#115a36",
    "light-blue": "#0055ad",
    "purple": "#5109ad",
    "orange": "#ac3e00",
}
DEFAULT_PALETTE = "blue"

# What each kind of municipality is called where a screen means it, in each language.
KINDS: dict[str, dict[str, str]] = {
    "市": {"ja": "市", "easy": "し", "en": "city"},
    "町": {"ja": "町", "easy": "まち", "en": "town"},
    "村": {"ja": "村", "easy": "むら", "en": "village"},
    "区": {"ja": "区", "easy": "く", "en": "ward"},
}
# Its office: 市役所, 町役場, 村役場, 区役所 (a screen says "come to the ... counter").
OFFICES: dict[str, dict[str, str]] = {
    "市": {"ja": "市役所", "easy": "しやくしょ", "en": "city office"},
    "町": {"ja": "町役場", "easy": "まちの やくば", "en": "town office"},
    "村": {"ja": "村役場", "easy": "むらの やくば", "en": "village office"},
    "区": {"ja": "区役所", "easy": "くやくしょ", "en": "ward office"},
}

MAX_EMBLEM_BYTES = 256 * 1024
MIN_EMBLEM_SIDE = 32
MAX_EMBLEM_SIDE = 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_EMBLEM_PATH = "/api/municipality/emblem/"

_LABELS = {
    "palette": Text("配色", "palette"),
    "phone": Text("代表電話", "main phone number"),
    "postal_code": Text("郵便番号", "postal code"),
    "email": Text("メールアドレス", "email address"),
    "website": Text("ウェブサイト", "website"),
}
# One address, no display name, no spaces: what a mailto: link may carry as it is.
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")


# 町 and 村 are read two ways (ひがしまち, にしちょう; みなみむら, きたそん): in やさしい日本語 a
# town is called as its own name says it.
_OTHER_READINGS = {"町": "ちょう", "村": "そん"}


def _read_as_named(kind: str, name_easy: str) -> tuple[dict[str, str], dict[str, str]]:
    """The kind and office words, the やさしい日本語 ones read as the easy name reads them."""
    reading = _OTHER_READINGS.get(kind)
    if reading and name_easy.replace(" ", "").endswith(reading):
        return {**KINDS[kind], "easy": reading}, {**OFFICES[kind], "easy": "やくば"}
    return KINDS[kind], OFFICES[kind]


# The 市 words of the platform's standard catalogue (written for a city), as a town, village
# or ward says them: 市民課 → 町民課 (ちょうみんか), 市内 → 町内, "within the city" → "…town".
_CITIZENS_EASY = {"町": "ちょうみんか", "村": "そんみんか", "区": "くみんか"}


def _template_words(kind: str) -> dict[str, str]:
    words = KINDS[kind]
    return {
        "市民課": f"{kind}民課",
        "市内": f"{kind}内",
        "市外": f"{kind}外",
        "しみんか": _CITIZENS_EASY[kind],
        "しの なかで": f"{words['easy']}の なかで",
        "within the city": f"within the {words['en']}",
        "the city": f"the {words['en']}",
    }


T = TypeVar("T")


def in_own_words(template: T, kind: str) -> T:
    """A standard-catalogue template (a department, a procedure, a programme) with its
    city words said as the municipality's kind says them; a city's stays as it is."""
    if kind not in _CITIZENS_EASY:
        return template
    words = _template_words(kind)

    def reword(value: Any) -> Any:
        if isinstance(value, str):
            for city_word, own_word in words.items():
                value = value.replace(city_word, own_word)
            return value
        if isinstance(value, dict):
            return {key: reword(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(reword(item) for item in value)
        return value

    if isinstance(template, msgspec.Struct):
        reworded = reword(msgspec.to_builtins(template))
        return msgspec.convert(reworded, type(template))
    result: T = reword(template)
    return result


async def own_words_of(municipality_id: int, sql: SqlSession | None = None) -> Callable[[Any], Any]:
    """How the municipality says what the standard catalogue says in a city's words
    (:func:`in_own_words` for its kind): a platform template reads so wherever it becomes
    the municipality's (adopted, offered, accepted, compared with a designer's change)."""
    async with reading(sql) as session:
        name = await session.value(
            "SELECT name_ja FROM municipality WHERE id = ?", [municipality_id]
        )
    kind = kind_of(name or "")
    return lambda template: in_own_words(template, kind)


def kind_of(name_ja: str) -> str:
    """市, 町, 村 or 区, from the last letter of the municipality's Japanese name (市 when the
    name ends otherwise: the words the screens had before)."""
    last = unicodedata.normalize("NFKC", name_ja.strip())[-1:]
    return last if last in KINDS else "市"


class _BrandingRow(msgspec.Struct):
    palette: str
    contact: str
    emblem_tag: str
    emblem: bytes | None


async def read_branding(municipality: MunicipalityRead) -> BrandingRead:
    """What the app shows for the municipality: kind, palette, emblem address, contact;
    kept in memory until a change (every page, manifest and start of the app reads it)."""
    return (
        await published.kept("branding", municipality.id, lambda: _load_branding(municipality))
    ).value


async def _load_branding(municipality: MunicipalityRead) -> BrandingRead:
    async with read_transaction() as sql:
        row = await sql.row(
            _BrandingRow,
            "SELECT palette, contact, emblem_tag, emblem FROM municipality WHERE id = ?",
            [municipality.id],
        )
    if row is None:
        raise NotFound(Text("自治体が見つかりません。", "No such municipality."))
    kind = kind_of(municipality.name["ja"])
    palette = row.palette if row.palette in PALETTES else DEFAULT_PALETTE
    kind_words, office_words = _read_as_named(kind, municipality.name.get("easy", ""))
    return BrandingRead(
        kind=kind_words,
        office=office_words,
        palette=palette,
        theme_color=PALETTES[palette],
        emblem=_EMBLEM_PATH + row.emblem_tag if row.emblem_tag else None,
        # A PNG's width and height are the IHDR chunk's first eight bytes (big-endian).
        emblem_size=(
            [int.from_bytes(row.emblem[16:20]), int.from_bytes(row.emblem[20:24])]
            if row.emblem and row.emblem_tag
            else None
        ),
        contact=msgspec.json.decode(row.contact or "{}", type=Contact),
    )


def _refused(field: str, ja: str, en: str) -> InvalidInput:
    label = _LABELS.get(field) or Text(field, field)
    return InvalidInput(
        Text("入力内容を確認してください。", "Check the input."),
        errors=[FieldError(field=field, label=label, message=Text(ja, en))],
    )


def checked_contact(contact: Contact) -> Contact:
    """The contact details as they are kept: phone and postal code written the usual way,
    text trimmed. Refuses (InvalidInput, naming the field) what cannot be a phone number,
    a postal code, an email address or an https website."""
    phone = contact.phone.strip()
    if phone:
        try:
            jp.normalize_phone(phone)
            # Grouped as written where the number alone does not say how (most landlines).
            written = re.sub(r"[‐‑–—―−ー－\s]+", "-", unicodedata.normalize("NFKC", phone))
            phone = jp.display_phone(written)
        except ValueError:
            raise _refused(
                "phone",
                "市外局番からの電話番号を書いてください（例 03-1234-5678）",
                "a Japanese phone number with its area code (e.g. 03-1234-5678)",
            ) from None
    postal = contact.postal_code.strip()
    if postal:
        try:
            postal = jp.normalize_postal_code(postal)
        except ValueError:
            raise _refused(
                "postal_code", "7桁の郵便番号を書いてください（例 180-0001）", "NNN-NNNN"
            ) from None
    email = contact.email.strip()
    if email and not _EMAIL.match(email):
        raise _refused("email", "メールアドレスの形ではありません", "not an email address")
    website = contact.website.strip()
    if website and not re.match(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s<>\"']*)?$", website):
        raise _refused(
            "website", "https:// で始まるアドレスを書いてください", "an https:// address only"
        )

    def words(value: ContactWords) -> ContactWords:
        return ContactWords(ja=value.ja.strip(), easy=value.easy.strip(), en=value.en.strip())

    return Contact(
        phone=phone,
        postal_code=postal,
        address=words(contact.address),
        hours=words(contact.hours),
        email=email,
        website=website,
    )


def checked_palette(palette: str) -> str:
    if palette not in PALETTES:
        raise _refused(
            "palette",
            "用意された配色から選んでください：" + "、".join(PALETTES),
            "one of the palettes: " + ", ".join(PALETTES),
        )
    return palette


async def update_branding(municipality: MunicipalityRead, data: BrandingUpdate) -> dict[str, Any]:
    """Change the palette and/or the contact details (what is not given stays). Everything
    is checked before anything is written. Returns what changed, for the caller's audit."""
    changes: dict[str, Any] = {}
    if data.palette is not msgspec.UNSET:
        changes["palette"] = checked_palette(data.palette)
    if data.contact is not msgspec.UNSET:
        changes["contact"] = msgspec.json.encode(checked_contact(data.contact)).decode()
    if not changes:
        return {}
    assignments = ", ".join(f"{column} = ?" for column in changes)
    async with write_transaction() as sql:
        await sql.execute(
            f"UPDATE municipality SET {assignments} WHERE id = ?",  # noqa: S608 (names above)
            [*changes.values(), municipality.id],
        )
        await published.changed(sql)  # every process serves the new page and manifest
    return {key: ("changed" if key == "contact" else value) for key, value in changes.items()}


def checked_emblem(data: bytes) -> bytes:
    """The emblem as it is kept and served: a PNG written again from the upload's pixels.
    Refused: a too large upload (413), anything but a PNG or WebP by its bytes (415), an
    empty upload, an image that does not decode, or that is smaller than 32 or larger than
    1024 pixels a side (422)."""
    if len(data) > MAX_EMBLEM_BYTES:
        raise PayloadTooLarge(
            Text(
                f"紋章の画像は{MAX_EMBLEM_BYTES // 1024}KBまでです。",
                f"The emblem may be at most {MAX_EMBLEM_BYTES // 1024} KB.",
            )
        )
    if not data:
        raise InvalidInput(
            Text("紋章の画像ファイルを送ってください。", "Send the emblem image as the body.")
        )
    is_png = data.startswith(_PNG_MAGIC)
    is_webp = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if not (is_png or is_webp):
        raise UnsupportedMediaType(
            Text(
                "紋章の画像は PNG か WebP にしてください（SVG は受け付けません）。",
                "The emblem must be a PNG or WebP image (SVG is not accepted).",
            )
        )
    damaged = InvalidInput(
        Text("画像を読み取れませんでした。", "The image could not be read."),
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG", "WEBP"])
            width, height = image.size
            if not (
                MIN_EMBLEM_SIDE <= width <= MAX_EMBLEM_SIDE
                and MIN_EMBLEM_SIDE <= height <= MAX_EMBLEM_SIDE
            ):
                raise InvalidInput(
                    Text(
                        f"画像は一辺{MIN_EMBLEM_SIDE}〜{MAX_EMBLEM_SIDE}ピクセルにしてください。",
                        f"The image must be {MIN_EMBLEM_SIDE} to {MAX_EMBLEM_SIDE} pixels a side.",
                    )
                )
            image.load()
            pixels = image.convert("RGBA")
    except InvalidInput:
        raise
    except Exception as exc:  # Pillow raises many kinds for a damaged file
        raise damaged from exc
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()


async def set_emblem(municipality: MunicipalityRead, data: bytes | None) -> str | None:
    """Keep the (checked) emblem, or remove it with None. Returns its tag (None: removed)."""
    png = checked_emblem(data) if data is not None else None
    tag = hashlib.sha256(png).hexdigest()[:16] if png is not None else ""
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE municipality SET emblem = ?, emblem_tag = ? WHERE id = ?",
            [png, tag, municipality.id],
        )
        await published.changed(sql)
    return tag or None


class _Emblem(msgspec.Struct):
    emblem: bytes | None
    emblem_tag: str


async def emblem(municipality_id: int) -> tuple[bytes, str] | None:
    """The municipality's emblem (a PNG) and its tag, or None."""
    async with read_transaction() as sql:
        row = await sql.row(
            _Emblem, "SELECT emblem, emblem_tag FROM municipality WHERE id = ?", [municipality_id]
        )
    if row is None or row.emblem is None or not row.emblem_tag:
        return None
    return bytes(row.emblem), row.emblem_tag


async def contact_line(municipality_id: int) -> str:
    """The phone number and office hours in one line of Japanese, for a printed letter
    ("代表電話 042-123-4567・平日 8時30分〜17時"); empty when neither is given."""
    async with read_transaction() as sql:
        held = await sql.value("SELECT contact FROM municipality WHERE id = ?", [municipality_id])
    contact = msgspec.json.decode(held or "{}", type=Contact)
    parts = [f"代表電話 {contact.phone}" if contact.phone else "", contact.hours.ja]
    return "・".join(part for part in parts if part)


async def office_of(municipality_id: int, sql: SqlSession | None = None) -> dict[str, str]:
    """Its office in each language (市役所, 町役場, 村役場, 区役所): what a notice tells a
    resident to contact. Reads in the caller's transaction when given one."""
    async with reading(sql) as session:
        name = await session.value(
            "SELECT name_ja FROM municipality WHERE id = ?", [municipality_id]
        )
    return OFFICES[kind_of(name or "")]
