"""A municipality's own look and words (issue 16): each origin serves its own palette, kind,
emblem and contact details, never the other's; its administrator changes them (audited),
the other municipality's staff cannot; hostile input is a problem, never a partial write."""

from __future__ import annotations

import html
import io
import json
import re

import httpx
import pytest
from PIL import Image
from soft_authenticator import SoftAuthenticator
from test_identity import assert_refused, csrf, staff_client

from todoke.demo.branding import TOWN_CONTACT, brand_city, brand_town, town_emblem
from todoke.registry.service import get_municipality

TOWN_ORIGIN = "http://higashi.localhost:8000"
PLATFORM_TOKEN = "platform-secret-for-tests"


def at(app, origin: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=origin)


def png(width: int = 64, height: int = 64, colour=(200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def branded(city):
    """Both demo municipalities dressed as the demo dresses them."""
    town = await get_municipality("139971")
    await brand_city(city)
    await brand_town(town)
    return city, town


async def town_admin(app, town) -> tuple[httpx.AsyncClient, dict[str, str]]:
    from test_identity import register as _register  # noqa: F401 (same helpers, town origin)

    from todoke.identity.service import create_staff_invite

    invite = await create_staff_invite(
        municipality_id=town.id,
        display_name="町の管理者",
        role="administrator",
        department_codes=[],
        created_by=None,
    )
    client = at(app, TOWN_ORIGIN)
    options = await client.post(
        "/api/auth/registration/options", json={"display_name": "", "invite": invite.token}
    )
    credential = SoftAuthenticator().create(options.json(), TOWN_ORIGIN)
    registered = await client.post("/api/auth/registration", json={"credential": credential})
    assert registered.status_code == 201, registered.text
    return client, csrf(registered)


async def test_each_origin_serves_its_own_branding_and_never_the_others(app, client, branded):
    city_view = (await client.get("/api/municipality")).json()["branding"]
    async with at(app, TOWN_ORIGIN) as there:
        town_view = (await there.get("/api/municipality")).json()["branding"]
        emblem = await there.get(town_view["emblem"])
        manifest = (await there.get("/manifest.webmanifest")).json()
        page = (await there.get("/", headers={"accept": "text/html"})).text

    assert city_view["kind"] == {"ja": "市", "easy": "し", "en": "city"}
    assert city_view["palette"] == "blue" and city_view["emblem"] is None
    assert city_view["contact"]["phone"] == "03-1234-5678"
    assert town_view["kind"] == {"ja": "町", "easy": "まち", "en": "town"}
    assert town_view["office"]["ja"] == "町役場"
    assert town_view["office"]["easy"] == "まちの やくば"  # ひがしまち
    assert town_view["palette"] == "green" and town_view["theme_color"] == "#115a36"
    assert town_view["contact"]["phone"] == TOWN_CONTACT.phone
    assert town_view["contact"]["address"]["ja"].startswith("東京都ひがし町")
    assert town_view["emblem_size"] == [96, 96]

    # The emblem: a PNG from the town's origin, cached for good at its address.
    assert emblem.status_code == 200
    assert emblem.headers["content-type"] == "image/png"
    # Written again from its pixels: the same image, not the same bytes.
    drawn = Image.open(io.BytesIO(town_emblem())).convert("RGBA")
    assert Image.open(io.BytesIO(emblem.content)).tobytes() == drawn.tobytes()
    assert "immutable" in emblem.headers["cache-control"]
    assert emblem.headers["x-content-type-options"] == "nosniff"
    # The city has none: the town's address at the city's origin is not the town's image.
    assert (await client.get(town_view["emblem"])).status_code == 404

    # The manifest and the page are the town's: name, colour, emblem, palette.
    assert manifest["short_name"] == "ひがし町" and "ひがし町" in manifest["name"]
    assert manifest["theme_color"] == "#115a36"
    assert manifest["icons"][0]["src"] == town_view["emblem"]
    assert 'data-palette="green"' in page
    assert '<meta name="theme-color" content="#115a36">' in page
    embedded = re.search(r'<meta name="todoke-municipality" content="([^"]*)">', page)
    assert embedded and json.loads(html.unescape(embedded.group(1)))["name"]["ja"] == "ひがし町"
    assert "とどけ市" not in page

    city_page = (await client.get("/", headers={"accept": "text/html"})).text
    city_manifest = (await client.get("/manifest.webmanifest")).json()
    assert 'data-palette="blue"' in city_page and "ひがし町" not in city_page
    assert city_manifest["short_name"] == "とどけ市" and city_manifest["theme_color"] == "#0017c1"
    assert all("emblem" not in icon["src"] for icon in city_manifest["icons"])


async def test_the_page_follows_a_change_of_palette(app, client, branded, client_for, city):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    before = (await client.get("/")).headers["etag"]
    changed = await admin.put("/api/staff/branding", json={"palette": "purple"}, headers=headers)
    assert changed.status_code == 200, changed.text
    page = await client.get("/")
    assert 'data-palette="purple"' in page.text and page.headers["etag"] != before


async def test_the_administrator_sets_the_look_audited(app, client_for, city, branded):
    from todoke.audit.tables import AuditEvent

    admin, headers = await staff_client(client_for, app, city, role="administrator")
    contact = {
        "phone": "０３ー９８７６ー５４３２",  # full-width, as typed on a Japanese keyboard
        "postal_code": "1000002",
        "address": {"ja": "東京都とどけ市本町二丁目", "easy": "", "en": ""},
        "hours": {"ja": "平日 9時〜17時", "easy": "", "en": "Weekdays 9:00–17:00"},
        "email": "soudan@city.todoke.example.jp",
        "website": "https://www.city.todoke.example.jp/soudan",
    }
    saved = await admin.put(
        "/api/staff/branding", json={"palette": "orange", "contact": contact}, headers=headers
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["contact"]["phone"] == "03-9876-5432"
    assert saved.json()["contact"]["postal_code"] == "100-0002"
    emblem = await admin.put(
        "/api/staff/branding/emblem",
        content=png(),
        headers={**headers, "content-type": "image/png"},
    )
    assert emblem.status_code == 200, emblem.text
    address = emblem.json()["emblem"]
    served = await admin.get(address)
    assert Image.open(io.BytesIO(served.content)).size == (64, 64)
    removed = await admin.delete("/api/staff/branding/emblem", headers=headers)
    assert removed.status_code == 200 and removed.json()["emblem"] is None
    assert (await admin.get(address)).status_code == 404

    actions = [
        row["action"]
        for row in await AuditEvent.select(AuditEvent.action).where(
            AuditEvent.municipality == city.id
        )
    ]
    for action in ("branding.updated", "branding.emblem_set", "branding.emblem_removed"):
        assert action in actions


async def test_staff_of_one_cannot_change_the_other(app, client, client_for, city, branded):
    _city, town = branded
    town_staff, headers = await town_admin(app, town)
    # The town's session, at the city's origin, is nobody.
    cookie = town_staff.cookies.get("todoke_session")
    refused = await client.put(
        "/api/staff/branding",
        json={"palette": "purple"},
        headers={**headers, "cookie": f"todoke_session={cookie}", "origin": TOWN_ORIGIN},
    )
    assert refused.status_code in (401, 403), refused.text
    # At its own origin it changes the town only.
    own = await town_staff.put("/api/staff/branding", json={"palette": "purple"}, headers=headers)
    assert own.status_code == 200, own.text
    assert (await client.get("/api/municipality")).json()["branding"]["palette"] == "blue"

    # Staff who are not administrators change nothing.
    clerk, clerk_headers = await staff_client(client_for, app, city, role="caseworker")
    denied = await clerk.put(
        "/api/staff/branding", json={"palette": "green"}, headers=clerk_headers
    )
    assert denied.status_code == 403
    # Residents and nobody neither.
    assert (await client.put("/api/staff/branding", json={"palette": "green"})).status_code in (
        401,
        403,
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"palette": "#ff00ff"}, 422, "palette"),  # a colour of its own: only named palettes
        ({"palette": "pink"}, 422, "palette"),
        ({"contact": {"phone": "12345"}}, 422, "phone"),
        ({"contact": {"phone": "03-1234-5678<script>x</script>"}}, 400, None),  # over 20
        ({"contact": {"postal_code": "100-00"}}, 422, "postal_code"),
        ({"contact": {"email": "a@b"}}, 422, "email"),
        ({"contact": {"email": "Mayor <a@b.example.jp>"}}, 422, "email"),
        ({"contact": {"website": "javascript:alert(1)"}}, 422, "website"),
        ({"contact": {"website": "http://plain.example.jp/"}}, 422, "website"),
        ({"contact": {"address": {"ja": "あ" * 201}}}, 400, None),
        ({"contact": {"colour": "red"}}, 400, None),  # an unknown field
        ({"palette": "green", "contact": {"phone": "x"}}, 422, "phone"),  # nothing half-written
    ],
)
async def test_bad_branding_is_a_problem_and_changes_nothing(
    app, client, client_for, city, branded, body, status, field
):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    before = (await admin.get("/api/staff/branding")).json()
    answer = await admin.put("/api/staff/branding", json=body, headers=headers)
    assert_refused(answer, status)
    if field:
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert (await admin.get("/api/staff/branding")).json() == before


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), (0, 120, 60)).save(out, format="WEBP")
    return out.getvalue()


@pytest.mark.parametrize(
    ("upload", "status"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415),
        (b"GIF89a" + b"\0" * 64, 415),
        (b"", 422),
        (png()[:40], 422),  # a PNG cut short
        (png(16, 16), 422),  # too small to read
        (png(2000, 40), 422),  # too large a side
        (png() + b"\0" * (256 * 1024), 413),  # over 256 KB
    ],
)
async def test_a_bad_emblem_is_refused_and_the_old_one_stays(
    app, client_for, city, branded, upload, status
):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    first = await admin.put("/api/staff/branding/emblem", content=png(), headers=headers)
    assert first.status_code == 200
    answer = await admin.put("/api/staff/branding/emblem", content=upload, headers=headers)
    assert_refused(answer, status)
    assert (await admin.get("/api/staff/branding")).json()["emblem"] == first.json()["emblem"]


async def test_a_webp_emblem_is_served_as_a_png_without_what_followed_it(
    app, client_for, city, branded
):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    # Bytes after the image (a second file smuggled in) do not survive the rewrite.
    saved = await admin.put(
        "/api/staff/branding/emblem", content=webp() + b"<html>hidden</html>", headers=headers
    )
    assert saved.status_code == 200, saved.text
    served = await admin.get(saved.json()["emblem"])
    assert served.content.startswith(b"\x89PNG") and b"hidden" not in served.content
    assert Image.open(io.BytesIO(served.content)).size == (48, 48)


async def test_the_operator_brands_a_municipality_it_adds(db, client_for, city):
    import msgspec

    from todoke.app import create_app

    operator = create_app(msgspec.structs.replace(db, platform_token=PLATFORM_TOKEN))
    bearer = {"authorization": f"Bearer {PLATFORM_TOKEN}"}
    new = {
        "code": "139963",
        "name": {"ja": "みなみ村", "easy": "みなみむら", "en": "Minami Village"},
        "prefecture": {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"},
        "origin": "https://todoke.minami.example.jp",
        "palette": "light-blue",
        "contact": {"phone": "04992-1-2345", "hours": {"ja": "平日 9時〜16時"}},
    }
    async with client_for(operator) as client:
        bad = await client.post(
            "/api/platform/municipalities",
            json={**new, "palette": "neon"},
            headers=bearer,
        )
        assert_refused(bad, 422)
        listed = (await client.get("/api/platform/municipalities", headers=bearer)).json()
        assert "139963" not in {m["code"] for m in listed["items"]}  # refused: nothing added

        added = await client.post("/api/platform/municipalities", json=new, headers=bearer)
        assert added.status_code == 201, added.text
        emblem = await client.put(
            "/api/platform/municipalities/139963/emblem", content=png(), headers=bearer
        )
        assert emblem.status_code == 200, emblem.text
        unknown = await client.put(
            "/api/platform/municipalities/139955/branding",
            json={"palette": "green"},
            headers=bearer,
        )
        assert_refused(unknown, 404)
        no_token = await client.put(
            "/api/platform/municipalities/139963/branding", json={"palette": "green"}
        )
        assert no_token.status_code == 401
    async with at(operator, "https://todoke.minami.example.jp") as there:
        view = (await there.get("/api/municipality")).json()["branding"]
    assert view["kind"]["ja"] == "村" and view["office"]["ja"] == "村役場"
    assert view["kind"]["easy"] == "むら"  # みなみむら: read as its name is
    assert view["palette"] == "light-blue" and view["emblem"]
    assert view["contact"]["phone"] == "04992-1-2345"


async def test_what_is_written_to_a_resident_names_the_towns_office(branded):
    from datetime import UTC, datetime

    from todoke.identity.letters import activation_letter_html
    from todoke.registry.branding import office_of
    from todoke.registry.public import LetterAddressee

    city, town = branded
    assert (await office_of(town.id))["ja"] == "町役場"
    assert (await office_of(city.id))["en"] == "city office"
    person = LetterAddressee(
        id=1, family_name="東", given_name="花子", postal_code="182-0001", address="東京都ひがし町"
    )
    letter = activation_letter_html(
        municipality=town,
        person=person,
        code="ABCD-EFGH-JKLM",
        expires_at=datetime(2027, 3, 1, tzinfo=UTC),
        purpose="verify",
    )
    assert "町の職員" in letter and "市の職員" not in letter


async def test_a_town_read_as_chou_is_called_so_in_easy_japanese(city):
    from todoke.registry.branding import read_branding
    from todoke.registry.service import ensure_municipality

    names = {"ja": "にし町", "easy": "にしちょう", "en": "Nishi Town"}
    prefecture = {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"}
    town = await ensure_municipality("139947", names, prefecture)
    branding = await read_branding(town)
    assert branding.kind == {"ja": "町", "easy": "ちょう", "en": "town"}
    assert branding.office["easy"] == "やくば" and branding.office["ja"] == "町役場"
