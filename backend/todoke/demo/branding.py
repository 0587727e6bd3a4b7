"""The demo municipalities' look: ひがし町 in its own palette with an emblem drawn here at
seed time (no image file in the repository), とどけ市 in the default look; both with
contact details, so the app shows where a resident asks for help."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from todoke.registry import branding
from todoke.registry.schemas import BrandingUpdate, Contact, ContactWords, MunicipalityRead

CITY_CONTACT = Contact(
    phone="03-1234-5678",
    postal_code="100-0001",
    address=ContactWords(
        ja="東京都とどけ市本町一丁目1番1号",
        easy="とうきょうと とどけし ほんちょう 1-1-1",
        en="1-1-1 Honcho, Todoke City, Tokyo",
    ),
    hours=ContactWords(
        ja="平日 8時30分〜17時15分（土日祝日・年末年始は休み）",
        easy="へいじつ 8じ30ぷん〜17じ15ふん（どようび・にちようび・しゅくじつは やすみ）",
        en="Weekdays 8:30–17:15 (closed at weekends, on public holidays and at New Year)",
    ),
    email="info@city.todoke.example.jp",
    website="https://www.city.todoke.example.jp/",
)

TOWN_PALETTE = "green"
TOWN_CONTACT = Contact(
    phone="042-123-4567",
    postal_code="182-0001",
    address=ContactWords(
        ja="東京都ひがし町中央二丁目3番4号",
        easy="とうきょうと ひがしまち ちゅうおう 2-3-4",
        en="2-3-4 Chuo, Higashi Town, Tokyo",
    ),
    hours=ContactWords(
        ja="平日 8時30分〜17時（第2・第4土曜日は9時〜12時も開庁）",
        easy="へいじつ 8じ30ぷん〜17じ（だい2・だい4 どようびは 9じ〜12じ も あいて います）",
        en="Weekdays 8:30–17:00 (also 9:00–12:00 on the 2nd and 4th Saturday)",
    ),
    email="madoguchi@town.higashi.example.jp",
    website="https://www.town.higashi.example.jp/",
)


def town_emblem(size: int = 96) -> bytes:
    """ひがし町's emblem (町章), drawn: a sun rising in the east over three waves, in the
    town's green on white. Drawn four times larger, then reduced, for smooth edges."""
    big = size * 4
    green, white = (17, 90, 54, 255), (255, 255, 255, 255)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, big - 1, big - 1), fill=green)
    inset = big // 16
    draw.ellipse((inset, inset, big - 1 - inset, big - 1 - inset), fill=white)
    # The rising sun: a half disc above the horizon.
    sun = big // 4
    centre_x, horizon = big // 2, big * 11 // 20
    draw.pieslice(
        (centre_x - sun, horizon - sun, centre_x + sun, horizon + sun), 180, 360, fill=green
    )
    # Three waves below it, each a band narrower than the one above.
    band = big // 18
    for row in range(3):
        top = horizon + band // 2 + row * band * 2
        half = big * (7 - row * 2) // 20
        draw.rounded_rectangle(
            (centre_x - half, top, centre_x + half, top + band), radius=band // 2, fill=green
        )
    out = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()


async def brand_city(city: MunicipalityRead) -> None:
    """とどけ市: the default palette, no emblem, its contact details."""
    await branding.update_branding(city, BrandingUpdate(palette="blue", contact=CITY_CONTACT))


async def brand_town(town: MunicipalityRead) -> None:
    """ひがし町: green, its emblem, its contact details (the same each run)."""
    await branding.update_branding(town, BrandingUpdate(palette=TOWN_PALETTE, contact=TOWN_CONTACT))
    await branding.set_emblem(town, town_emblem())
