"""Each municipality looks and speaks as itself (issue 16): the demo's とどけ市 keeps the
default blue and no emblem, ひがし町 is green with its emblem; each page shows its own
contact details; at ひがし町 the resident screens say 町 where they mean the municipality;
axe finds nothing with any palette."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_resident_identity import _check_console, _shoot_whole, _watch_http_errors
from test_staff_identity import assert_no_axe_violations
from viewports import DESKTOP, PHONE

from todoke.demo.branding import town_emblem
from todoke.registry.branding import PALETTES

# The main resident screens a visitor reaches without signing in (and what they show then).
RESIDENT_SCREENS = ["/", "/procedures", "/check", "/support", "/inbox", "/account", "/settings"]
# Where 市 is right at the town: the generic word for any municipality.
NOT_THE_TOWN = re.compile(r"市区町村")


def _town(url: str) -> str:
    return url.replace("//localhost:", "//higashi.localhost:")


def _header_colour(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_each_origin_shows_its_own_name_colour_emblem_and_contact(
    live_demo, make_page, shoot, viewport
):
    size = "phone" if viewport is PHONE else "desktop"
    city = make_page(viewport)
    city_errors = _watch_http_errors(city)
    city.goto("/")
    expect(city.locator("header")).to_contain_text("とどけ市")
    footer = city.locator("footer")
    expect(footer).to_contain_text("とどけ市へのお問い合わせ")
    expect(footer).to_contain_text("03-1234-5678")
    expect(footer).to_contain_text("東京都とどけ市本町一丁目1番1号")
    expect(footer.get_by_role("link", name="03-1234-5678")).to_have_attribute(
        "href", "tel:0312345678"
    )
    expect(city.locator("[data-municipality-emblem]")).to_be_hidden()
    assert _header_colour(city) == _rgb(PALETTES["blue"])
    assert "とどけ市" in city.title() and "ひがし町" not in city.title()
    _shoot_whole(city, shoot, f"branding-city-{size}")
    _check_console(city, city_errors)

    town = make_page(viewport)
    town_errors = _watch_http_errors(town)
    town.goto(f"{_town(live_demo.url)}/")
    expect(town.locator("header")).to_contain_text("ひがし町")
    expect(town.locator("header")).not_to_contain_text("とどけ市")
    emblem = town.locator("[data-municipality-emblem]")
    expect(emblem).to_be_visible()
    assert town.evaluate("document.querySelector('[data-municipality-emblem]').naturalWidth") == 96
    assert _header_colour(town) == _rgb(PALETTES["green"])
    assert "ひがし町" in town.title() and "とどけ市" not in town.title()
    footer = town.locator("footer")
    expect(footer).to_contain_text("ひがし町へのお問い合わせ")
    expect(footer).to_contain_text("042-123-4567")
    expect(footer).to_contain_text("〒182-0001")
    expect(footer).not_to_contain_text("03-1234-5678")
    expect(footer.get_by_role("link", name="https://www.town.higashi.example.jp/")).to_be_visible()
    _shoot_whole(town, shoot, f"branding-town-{size}")
    _check_console(town, town_errors)

    # The manifest a phone installs from each origin is that municipality's.
    manifest = town.evaluate("fetch('/manifest.webmanifest').then((r) => r.json())")
    assert manifest["short_name"] == "ひがし町" and manifest["theme_color"] == PALETTES["green"]
    city_manifest = city.evaluate("fetch('/manifest.webmanifest').then((r) => r.json())")
    assert city_manifest["short_name"] == "とどけ市"


def test_the_town_says_town_in_every_language(live_demo, make_page, shoot):
    """The resident screens at ひがし町 say 町 (まち, town) where they mean the municipality;
    市 is left only in other places' names and the generic 市区町村."""
    page = make_page(PHONE)
    town = _town(live_demo.url)
    found: list[str] = []
    for path in RESIDENT_SCREENS:
        page.goto(f"{town}{path}")
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        text = page.evaluate("document.body.innerText")
        leftovers = NOT_THE_TOWN.sub("", text)
        found += [f"{path}: …{leftovers[max(0, i - 12) : i + 12]}…" for i in _indexes(leftovers)]
    assert found == [], "\n".join(found)

    # The words follow the municipality into every language.
    page.goto(f"{town}/check")
    page.locator("main h1").wait_for()
    assert "町の手当" in page.locator("main").inner_text()
    page.evaluate("localStorage.setItem('todoke.lang', 'easy')")
    page.goto(f"{town}/")
    page.locator("main h1").wait_for()
    page.wait_for_load_state("networkidle")
    easy = page.locator("main").inner_text()
    assert "まちからの" in easy and "しからの" not in easy, easy
    _shoot_whole(page, shoot, "branding-town-home-easy-phone")
    page.evaluate("localStorage.setItem('todoke.lang', 'en')")
    page.goto(f"{town}/")
    page.locator("main h1").wait_for()
    page.wait_for_load_state("networkidle")
    english = page.locator("main").inner_text()
    assert "notices from the town" in english and "the city" not in english, english
    assert "Contact Higashi Town" in page.locator("footer").inner_text()

    # And the city still says 市.
    page.evaluate("localStorage.setItem('todoke.lang', 'ja')")
    page.goto(f"{live_demo.url}/check")
    page.locator("main h1").wait_for()
    assert "市の手当" in page.locator("main").inner_text()


def _indexes(text: str) -> list[int]:
    return [i for i, letter in enumerate(text) if letter == "市"]


@pytest.mark.parametrize("palette", sorted(PALETTES))
def test_every_palette_passes_axe(live_demo, make_page, palette):
    """Each palette, on the screens with the most key colour: the header, the navigation,
    buttons, links, the footer. The server names the palette on <html>; here it is set
    the same way, so all five are checked on one demo."""
    page = make_page(PHONE)
    for path in ("/", "/check", "/account"):
        page.goto(f"{_town(live_demo.url)}{path}")
        page.locator("main h1").first.wait_for()
        page.evaluate(f"document.documentElement.dataset.palette = {palette!r}")
        assert _header_colour(page) == _rgb(PALETTES[palette])
        assert_no_axe_violations(page, f"{palette} {path}")


def test_the_administrator_sets_palette_and_contact_in_the_staff_view(live_demo, make_page, shoot):
    from test_staff_identity import assert_field_invalid, register_staff

    page = register_staff(make_page, live_demo, "管理 見た目", "administrator")
    page.get_by_role("link", name="見た目と連絡先").first.click()
    expect(page.locator("main h1")).to_have_text("見た目と連絡先")
    expect(page.get_by_label("代表電話")).to_have_value("03-1234-5678")
    expect(page.get_by_role("radio", name="青（標準）")).to_be_checked()
    assert_no_axe_violations(page, "/staff/branding")
    shoot(page, "branding-staff-desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "branding-staff-phone")
    page.set_viewport_size(DESKTOP)

    # A phone number that is none: the field says so, nothing is saved.
    phone = page.get_by_label("代表電話")
    phone.fill("12345")
    page.get_by_role("button", name="保存する").click()
    summary = page.locator("#branding-look-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("市外局番からの電話番号")
    assert_field_invalid(page, "branding-phone", "市外局番からの電話番号")

    # Purple, new hours: the residents' app at this origin follows.
    phone.fill("０３－１２３４－５６７８")
    page.get_by_role("radio", name="紫").check()
    hours = page.get_by_label("開庁時間", exact=True)
    original_hours = hours.input_value()
    hours.fill("平日 9時〜17時（水曜は19時まで）")
    page.get_by_role("button", name="保存する").click()
    expect(
        page.locator(".flash--success").filter(has_text="配色と連絡先を保存しました")
    ).to_be_visible()
    expect(phone).to_have_value("03-1234-5678")
    resident = make_page(PHONE)
    resident.goto("/")
    expect(resident.locator("footer")).to_contain_text("水曜は19時まで")
    assert _header_colour(resident) == _rgb(PALETTES["purple"])
    _shoot_whole(resident, shoot, "branding-city-purple-phone")
    assert_no_axe_violations(resident, "/ in purple")
    # The town is not touched.
    resident.goto(f"{_town(live_demo.url)}/")
    expect(resident.locator("header")).to_contain_text("ひがし町")
    assert _header_colour(resident) == _rgb(PALETTES["green"])
    expect(resident.locator("footer")).not_to_contain_text("水曜は19時まで")

    # An emblem uploaded here is the city's header's; an SVG is refused in words.
    page.set_input_files(
        "#branding-emblem-file",
        files=[{"name": "x.svg", "mimeType": "image/svg+xml", "buffer": b"<svg></svg>"}],
    )
    page.get_by_role("button", name="画像を登録する").click()
    expect(page.locator("#branding-emblem-errors")).to_contain_text("PNG か WebP")
    page.set_input_files(
        "#branding-emblem-file",
        files=[{"name": "emblem.png", "mimeType": "image/png", "buffer": town_emblem(64)}],
    )
    page.get_by_role("button", name="画像を登録する").click()
    expect(page.get_by_role("img", name="いまの紋章")).to_be_visible()
    shoot(page, "branding-staff-emblem-desktop")
    resident.goto("/")
    expect(resident.locator("[data-municipality-emblem]")).to_be_visible()
    page.get_by_role("button", name="紋章を削除する").click()
    expect(page.locator(".flash--success").filter(has_text="紋章を削除しました")).to_be_visible()
    resident.goto("/")
    resident.locator("main h1").wait_for()
    expect(resident.locator("[data-municipality-emblem]")).to_be_hidden()

    # Back to the demo's look, for the other tests on this demo.
    page.get_by_role("radio", name="青（標準）").check()
    hours.fill(original_hours)
    page.get_by_role("button", name="保存する").click()
    expect(
        page.locator(".flash--success").filter(has_text="配色と連絡先を保存しました")
    ).to_be_visible()
    [event] = live_demo.query(
        "SELECT count(*) AS n FROM audit_event WHERE action = 'branding.updated'"
    )
    assert event["n"] >= 2


def test_the_not_found_page_at_the_town_is_the_towns(live_demo, make_page):
    page = make_page(PHONE)
    response = page.goto(f"{_town(live_demo.url)}/no-such-page")
    assert response is not None and response.status == 404
    page.locator("main h1").wait_for()
    expect(page.locator("header")).to_contain_text("ひがし町")
    expect(page.locator("footer")).to_contain_text("042-123-4567")
    expect(page.locator("html")).to_have_attribute("data-palette", "green")
    assert _header_colour(page) == _rgb(PALETTES["green"])
