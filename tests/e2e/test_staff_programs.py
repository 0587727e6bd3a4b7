"""Support programs (支援制度) in the staff app: a supervisor of child support previews the
seeded 児童扶養手当 and approves it (residents who qualify are told at once); a caseworker of
health drafts a new program, is told what is wrong with a bad rule, fixes it, saves,
previews and submits it, and cannot approve it.

Approving a program writes notices into residents' inboxes, so these tests run against a
demo of their own (own port, own database), as test_staff_backoffice.py does. Every screen
is checked with axe and photographed at desktop size (var/screenshots/staff-programs-*.png).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from test_staff_identity import (
    add_authenticator,
    assert_no_axe_violations,
    unexpected_console_errors,
)
from viewports import DESKTOP, PHONE

pytestmark = pytest.mark.browser


class Demo:
    def __init__(self, url: str, env: dict[str, str], data_dir: Path) -> None:
        self.url, self.env, self.data_dir = url, env, data_dir

    def todoke(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "todoke.cli", *args, "--data-dir", str(self.data_dir)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def _off_loop(coroutine) -> None:
    """Run admin SQL on a thread of its own: sync Playwright may already hold an event loop
    on this one (a module's server can start after other browser tests)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _admin_sql(sql: str, url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("programs-data")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    base_url = os.environ.get("TODOKE_DATABASE_URL", "")
    own_url = ""
    if base_url:
        prefix, _, name = base_url.rpartition("/")
        own_url = f"{prefix}/{name}_programs"
        drop = f"DROP DATABASE IF EXISTS {name}_programs WITH (FORCE)"
        _off_loop(_admin_sql(drop, f"{prefix}/postgres"))
        _off_loop(_admin_sql(f"CREATE DATABASE {name}_programs", f"{prefix}/postgres"))
        env["TODOKE_DATABASE_URL"] = own_url
    env["TODOKE_PUBLIC_ORIGINS"] = f"http://localhost:{port}"
    env["TODOKE_LOG_LEVEL"] = "WARNING"
    env["TODOKE_AUTH_RATE_LIMIT"] = "100000"
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "todoke.cli", "demo", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data_dir), "--persons", "300"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("demo did not start:\n" + (data_dir / "server.log").read_text())
            time.sleep(0.3)
        yield Demo(url, env, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if own_url:
            prefix, _, name = own_url.rpartition("/")
            drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            _off_loop(_admin_sql(drop, f"{prefix}/postgres"))


@pytest.fixture(scope="module")
def live_server(live_demo: Demo) -> str:
    return live_demo.url


def staff_in(make_page, live_demo, name: str, role: str, *departments: str):
    """A fresh browser signed in at /staff as name/role of the given departments (the
    register_staff of test_staff_identity.py, with departments)."""
    args = ["create-staff", name, "--role", role]
    for code in departments:
        args += ["--department", code]
    link = live_demo.todoke(*args).stdout.strip().splitlines()[-1].strip()
    assert link.startswith(f"{live_demo.url}/staff/invite#"), link
    page = make_page(DESKTOP)
    add_authenticator(page)
    page.goto(link)
    page.get_by_role("button", name="パスキーを作成して登録").click()
    page.wait_for_url(f"{live_demo.url}/staff")
    expect(page.locator("main h1")).to_have_text("職員メニュー")
    return page


def nav(page):
    return page.get_by_role("navigation", name="職員メニュー")


def test_a_supervisor_previews_and_approves_a_seeded_program(make_page, live_demo, shoot):
    page = staff_in(make_page, live_demo, "係長 はなこ", "supervisor", "child-support")
    # The home screen offers the place too.
    expect(page.get_by_role("link", name="支援制度").first).to_be_visible()
    nav(page).get_by_role("link", name="支援制度").click()
    expect(page.locator("main h1")).to_have_text("支援制度")
    row = page.locator('tr[data-program="child-rearing-allowance"]')
    expect(row).to_contain_text("児童扶養手当")
    expect(row).to_contain_text("承認待ち")
    expect(row).to_contain_text("申請を案内")
    expect(page.get_by_role("link", name="新しい支援制度")).to_be_visible()
    assert_no_axe_violations(page, "programs list")
    shoot(page, "staff-programs-list")

    row.get_by_role("link", name="児童扶養手当").click()
    expect(page.locator("main h1")).to_have_text("児童扶養手当")
    expect(page.locator('[data-row="status"]')).to_contain_text("承認待ち")
    expect(page.get_by_text("この試算の閲覧は記録されます")).to_be_visible()
    page.get_by_role("button", name="対象者を試算する").click()
    matched = page.locator("[data-matched] dd")
    expect(matched).to_have_text(re.compile(r"^[\d,]+人$"))
    expect(page.locator("[data-reachable] dd")).to_have_text(re.compile(r"^[\d,]+人$"))
    expect(page.get_by_role("table", name="年齢層別の対象者")).to_be_visible()
    expect(page.get_by_role("table", name="地区別の対象者")).to_be_visible()
    if int(matched.inner_text().rstrip("人").replace(",", "")) > 0:
        expect(page.locator("[data-example]").first).to_be_visible()
    assert_no_axe_violations(page, "program preview")
    shoot(page, "staff-programs-detail-preview")

    page.get_by_role("button", name="承認して開始する").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("今すぐお知らせします")
    assert_no_axe_violations(page, "approve dialog")
    dialog.get_by_role("button", name="承認して開始する").click()
    expect(page.locator(".notice--success .notice__title")).to_have_text(
        re.compile(r"\d+人にお知らせしました")
    )
    expect(page.locator('[data-row="status"]')).to_contain_text("実施中")
    expect(page.get_by_role("button", name="終了する")).to_be_visible()
    assert_no_axe_violations(page, "program approved")
    shoot(page, "staff-programs-approved")
    assert unexpected_console_errors(page) == []


def test_a_caseworker_drafts_previews_and_submits_but_cannot_approve(make_page, live_demo, shoot):
    page = staff_in(make_page, live_demo, "保健師 たろう", "caseworker", "health")
    nav(page).get_by_role("link", name="支援制度").click()
    page.get_by_role("link", name="新しい支援制度").click()
    expect(page.locator("main h1")).to_have_text("新しい支援制度")

    page.get_by_label("識別名").fill("flu-shot-60")
    expect(page.get_by_label("担当部署")).to_have_value("health")
    texts = {
        "title": (
            "60歳以上のインフルエンザ予防接種",
            "60さい いじょうの よぼうせっしゅ",
            "Flu shot 60+",
        ),
        "summary": (
            "接種費用の一部を助成します。",
            "おかねの いちぶを だします。",
            "Part of the cost.",
        ),
        "action": (
            "医療機関で接種してください。",
            "びょういんで うけて ください。",
            "Get the shot.",
        ),
    }
    for name, values in texts.items():
        for lang, value in zip(("ja", "easy", "en"), values, strict=True):
            page.locator(f"#program-{name}-{lang}").fill(value)
    expect(page.locator("#program-delivery-inform")).to_be_checked()
    # The rule as JSON, for experts: under the builder, behind 「JSONで編集（上級者向け）」.
    page.get_by_text("JSONで編集（上級者向け）").click()
    rule = page.locator("#program-rule")

    # Not JSON at all: said before anything is sent.
    rule.fill('{">=": [{"var": "age"}, 60]')
    page.get_by_role("button", name="保存").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("JSON として読めません")
    # JSON, but a fact the server does not know: the server's words, next to the rule.
    rule.fill('{">=": [{"var": "agee"}, 60]}')
    page.get_by_role("button", name="保存").click()
    expect(summary).to_contain_text("agee")
    expect(rule).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#program-rule-error")).to_contain_text("agee")
    expect(page.locator("[data-cannot-show]")).to_be_visible()  # no such fact to show
    # The live count checks the rule as saving does, and says so in the same words.
    expect(page.locator("[data-rule-count]")).to_contain_text(
        "人数を数えられませんでした：$.>=[0]: unknown fact 'agee'"
    )
    assert_no_axe_violations(page, "program editor with an error")
    shoot(page, "staff-programs-editor-error")

    rule.fill('{">=": [{"var": "age"}, 60]}')
    expect(page.locator("#program-rule-1-fact")).to_have_value("age")  # the builder follows
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_demo.url}/staff/programs/flu-shot-60")
    expect(page.locator("main h1")).to_have_text("60歳以上のインフルエンザ予防接種")
    expect(page.locator(".flash")).to_contain_text("保存しました。")
    expect(page.locator('[data-row="status"]')).to_contain_text("下書き")

    page.get_by_role("button", name="対象者を試算する").click()
    expect(page.locator("[data-matched] dd")).to_have_text(re.compile(r"^[\d,]+人$"))
    expect(page.locator("[data-example]").first).to_be_visible()

    page.get_by_role("button", name="承認を依頼する").click()
    expect(page.locator(".notice--success .notice__title")).to_have_text("承認を依頼しました。")
    expect(page.locator('[data-row="status"]')).to_contain_text("承認待ち")
    expect(page.get_by_role("button", name="承認して開始する")).to_have_count(0)
    expect(page.locator('[data-row="status"]')).to_be_visible()
    assert_no_axe_violations(page, "program submitted")
    shoot(page, "staff-programs-submitted")
    assert unexpected_console_errors(page) == []


FLU = {
    "slug": "eye-check-70",
    "department": "health",
    "title": {"ja": "70歳以上の眼科検診", "easy": "70さい いじょうの めの けんしん",
              "en": "Eyes 70+"},
    "summary": {"ja": "費用を助成します。", "easy": "おかねを だします。", "en": "Subsidised."},
    "action": {"ja": "医療機関で受けてください。", "easy": "びょういんで うけて ください。",
               "en": "Get a check-up."},
    "rule": {">=": [{"var": "age"}, 70]},
    "delivery": "inform",
}  # fmt: skip


def _as_staff(page, method: str, path: str, body=None) -> int:
    """Call the API as the page's signed-in staff member (with its CSRF token)."""
    return page.evaluate(
        """async ([method, path, body]) => {
          const me = await (await fetch('/api/me')).json();
          const response = await fetch(path, {
            method,
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
            body: body === null ? undefined : JSON.stringify(body),
          });
          return response.status;
        }""",
        [method, path, body],
    )


def _no_sideways_scroll(page) -> None:
    """Every table box on the page fits its width: nothing scrolls sideways inside it."""
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.staff-table-scroll')]
              .filter((box) => box.offsetParent !== null)
              .map((box) => [box.scrollWidth, box.clientWidth])"""
    )
    assert all(scroll <= client for scroll, client in boxes), boxes
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_submitter_is_not_offered_approval_and_colleagues_are_named(
    make_page, live_demo, shoot
):
    # A supervisor of 生活衛生課 drafts and submits: no approve button for them, and why.
    drafter = staff_in(make_page, live_demo, "衛生 さくら", "supervisor", "health")
    assert _as_staff(drafter, "PUT", "/api/staff/programs", FLU) == 200
    assert _as_staff(drafter, "POST", "/api/staff/programs/eye-check-70/submit") == 200
    drafter.goto("/staff/programs/eye-check-70")
    expect(drafter.locator('[data-row="status"]')).to_contain_text("承認待ち")
    expect(drafter.get_by_role("button", name="承認して開始する")).to_have_count(0)
    expect(drafter.locator("[data-own-program]")).to_contain_text(
        "あなたは承認できません。承認は、この制度の担当部署のほかの係長・監督者または管理者が行います"
    )
    about = drafter.locator("section[aria-labelledby=program-about]")
    expect(drafter.locator('[data-row="created-by"] dd')).to_have_text("衛生 さくら")
    expect(drafter.locator('[data-row="submitted-by"] dd')).to_have_text("衛生 さくら")
    expect(about).not_to_contain_text("職員#")
    assert_no_axe_violations(drafter, "own pending program")
    shoot(drafter, "staff-programs-own-pending-desktop")
    drafter.screenshot(path="/tmp/staff-program-own-1280.png", full_page=True)
    drafter.set_viewport_size(PHONE)
    expect(drafter.locator("[data-own-program]")).to_be_visible()
    assert drafter.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(drafter, "own pending program (phone)")
    drafter.screenshot(path="/tmp/staff-program-own-390.png", full_page=True)
    assert unexpected_console_errors(drafter) == []

    # A supervisor of another department is not offered the step either: told whose it is
    # (the API refuses them, naming the department: tests/api/test_staff_refusals.py).
    other = staff_in(make_page, live_demo, "子育て もも", "supervisor", "child-support")
    other.goto("/staff/programs/eye-check-70")
    expect(other.locator('[data-row="status"]')).to_contain_text("承認待ち")
    expect(other.get_by_role("button", name="承認して開始する")).to_have_count(0)
    expect(other.locator("[data-other-department]")).to_contain_text(
        "この制度の担当部署は「生活衛生課」です。承認は、その部署の係長・監督者または管理者が行います。"
    )
    assert_no_axe_violations(other, "program of another department")
    other.screenshot(path="/tmp/staff-program-other-1280.png", full_page=True)

    # A colleague of the drafter's department approves; every step shows a name.
    second = staff_in(make_page, live_demo, "衛生 かえで", "supervisor", "health")
    second.goto("/staff/programs/eye-check-70")
    expect(second.locator("[data-own-program]")).to_have_count(0)
    second.get_by_role("button", name="承認して開始する").click()
    second.get_by_role("dialog").get_by_role("button", name="承認して開始する").click()
    expect(second.locator('[data-row="status"]')).to_contain_text("実施中")
    about = second.locator("section[aria-labelledby=program-about]")
    expect(second.locator('[data-row="created-by"] dd')).to_have_text("衛生 さくら")
    expect(second.locator('[data-row="approved-by"] dd')).to_have_text("衛生 かえで")
    expect(about).not_to_contain_text("職員#")
    assert_no_axe_violations(second, "program approved by a colleague")
    second.screenshot(path="/tmp/staff-program-names-1280.png", full_page=True)
    second.set_viewport_size(PHONE)
    assert_no_axe_violations(second, "program approved by a colleague (phone)")
    second.screenshot(path="/tmp/staff-program-names-390.png", full_page=True)

    # The programmes list on a phone: rows as cards, nothing scrolls sideways.
    second.goto("/staff/programs")
    row = second.locator('tr[data-program="eye-check-70"]')
    expect(row).to_contain_text("実施中")
    _no_sideways_scroll(second)
    assert_no_axe_violations(second, "programs list (phone)")
    second.screenshot(path="/tmp/staff-programs-list-390.png", full_page=True)
    assert unexpected_console_errors(second) == []


# --- the rule builder ---------------------------------------------------------------------

COUNT = re.compile(r"^この条件に合う住民：([\d,]+)人（判断できない人：([\d,]+)人）$")


def _count(page) -> str:
    """The live count once it says one (it is asked 600 ms after the last change)."""
    line = page.locator("[data-rule-count]")
    expect(line).to_have_text(COUNT)
    return line.inner_text()


def _rule_json(page) -> dict:
    import json

    return json.loads(page.locator("#program-rule").input_value())


def test_a_supervisor_builds_a_rule_from_conditions_with_a_live_count(make_page, live_demo, shoot):
    page = staff_in(make_page, live_demo, "衛生 みどり", "supervisor", "health")
    page.goto("/staff/programs/new")
    expect(page.locator("main h1")).to_have_text("新しい支援制度")
    page.get_by_label("識別名").fill("senior-support-65")
    texts = {
        "title": ("65歳以上の非課税世帯の見守り", "65さい いじょうの みまもり", "Care 65+"),
        "summary": ("ご自宅を訪問します。", "いえに いきます。", "We visit you."),
        "action": ("日程をご連絡ください。", "ひを おしえて ください。", "Tell us a day."),
    }
    for name, values in texts.items():
        for lang, value in zip(("ja", "easy", "en"), values, strict=True):
            page.locator(f"#program-{name}-{lang}").fill(value)

    builder = page.locator("[data-rule-builder]")
    expect(builder.get_by_role("group", name="条件1")).to_be_visible()
    expect(page.locator("[data-rule-count]")).to_have_text(
        "条件を入れると、合う住民の人数がここに表示されます。"
    )
    # 条件1: 年齢 65 歳以上 — the comparison offered for a number, the unit next to the value.
    page.locator("#program-rule-1-fact").select_option(label="年齢")
    expect(page.locator("#program-rule-1-op")).to_have_value(">=")
    expect(page.locator("#program-rule-1-unit")).to_have_text("歳")
    page.locator("#program-rule-1-value").fill("65")
    first = _count(page)
    assert _rule_json(page) == {">=": [{"var": "age"}, 65]}

    # 条件2: 住民税非課税 はい — the count follows, the JSON too.
    page.get_by_role("button", name="条件を追加").click()
    expect(page.locator("#program-rule-2-fact")).to_be_focused()
    page.locator("#program-rule-2-fact").select_option(label="住民税非課税")
    expect(page.locator("#program-rule-2-op")).to_have_value("yes")
    expect(page.locator("[data-rule-count]")).not_to_have_text(first)
    second = _count(page)
    assert second != first
    assert _rule_json(page) == {
        "and": [{">=": [{"var": "age"}, 65]}, {"==": [{"var": "tax_exempt"}, True]}]
    }
    # The JSON is there for experts, in sync with the conditions.
    page.get_by_text("JSONで編集（上級者向け）").click()
    expect(page.locator("#program-rule")).to_be_visible()
    assert_no_axe_violations(page, "rule builder (desktop)")
    page.screenshot(path="/tmp/rules-builder-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    expect(builder).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(page, "rule builder (phone)")
    page.screenshot(path="/tmp/rules-builder-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    # An incomplete condition is named next to its field before anything is sent.
    page.get_by_role("button", name="条件を追加").click()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error-summary")).to_contain_text("条件3の項目を選んでください")
    expect(page.locator("#program-rule-3-fact")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#program-rule-3-fact-error")).to_contain_text("条件3の項目")
    page.get_by_role("button", name="条件3を削除").click()
    expect(page.locator("#program-rule-3-fact")).to_have_count(0)
    expect(page.locator("#program-rule-2-fact")).to_be_focused()  # the condition before it

    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_demo.url}/staff/programs/senior-support-65")
    expect(page.locator(".flash")).to_contain_text("保存しました。")
    page.reload()
    expect(page.locator("main h1")).to_have_text("65歳以上の非課税世帯の見守り")
    # The saved rule, back in the builder.
    expect(page.locator("#program-rule-combinator-and")).to_be_checked()
    expect(page.locator("#program-rule-1-fact")).to_have_value("age")
    expect(page.locator("#program-rule-1-op")).to_have_value(">=")
    expect(page.locator("#program-rule-1-value")).to_have_value("65")
    expect(page.locator("#program-rule-2-fact")).to_have_value("tax_exempt")
    expect(page.locator("#program-rule-2-op")).to_have_value("yes")
    assert _count(page) == second

    # JSON edited by hand: the builder follows (an "or", a choice fact's values ticked).
    page.get_by_text("JSONで編集（上級者向け）").click()
    page.locator("#program-rule").fill(
        '{"or": [{"<": [{"var": "age"}, 6]},'
        ' {"in": [{"var": "care_level"}, ["care_3", "care_4"]]}]}'
    )
    expect(page.locator("#program-rule-combinator-or")).to_be_checked()
    expect(page.locator("#program-rule-1-op")).to_have_value("<")
    expect(page.locator("#program-rule-1-value")).to_have_value("6")
    expect(page.locator("#program-rule-2-fact")).to_have_value("care_level")
    values = page.get_by_role("group", name="当てはまる値")
    expect(values.get_by_label("要介護3")).to_be_checked()
    expect(values.get_by_label("要介護4")).to_be_checked()
    expect(values.get_by_label("要介護5")).not_to_be_checked()
    expect(page.locator("[data-rule-count]")).not_to_have_text(second)
    by_hand = _count(page)
    # Ticking one more in the builder writes it into the JSON.
    values.get_by_label("要介護5").check()
    expect(page.locator("#program-rule")).to_have_value(re.compile(r'"care_5"'))
    expect(page.locator("[data-rule-count]")).not_to_have_text(by_hand)
    by_hand = _count(page)
    assert_no_axe_violations(page, "rule builder following the JSON")
    shoot(page, "staff-programs-rule-builder")
    page.screenshot(path="/tmp/rules-json-1280.png", full_page=True)

    # A rule the builder cannot show stays JSON, and the JSON is what is saved.
    page.locator("#program-rule").fill('{"!": {"==": [{"var": "income_yen"}, null]}}')
    expect(page.locator("[data-cannot-show]")).to_contain_text("組み立て画面では表示できません")
    expect(page.locator("#program-rule-1-fact")).to_be_hidden()
    expect(page.locator("[data-rule-count]")).not_to_have_text(by_hand)
    _count(page)  # the JSON's rule is counted: whoever has an income on record
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page, "rule the builder cannot show (phone)")
    page.screenshot(path="/tmp/rules-cannot-show-390.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".notice--success .notice__title")).to_have_text("保存しました。")
    saved = page.evaluate(
        "async () => (await (await fetch('/api/staff/programs/senior-support-65')).json()).rule"
    )
    assert saved == {"!": {"==": [{"var": "income_yen"}, None]}}
    assert unexpected_console_errors(page) == []


def test_a_rule_the_builder_cannot_show_and_a_catalogue_that_does_not_load_leave_the_json(
    make_page, live_demo
):
    page = staff_in(make_page, live_demo, "衛生 あおい", "supervisor", "health")
    # The seeded flu-shot rule nests an "and" in an "or": JSON, said so, and counted.
    page.goto("/staff/programs/flu-shot-65")
    expect(page.locator("[data-cannot-show]")).to_contain_text("組み立て画面では表示できません")
    expect(page.locator("#program-rule")).to_be_visible()
    expect(page.locator("#program-rule")).to_have_value(re.compile(r'"or"'))
    _count(page)
    # Keyboard only: 「条件を組み立て直す」, then 「条件を追加」 and 「条件2を削除」 by Enter.
    page.get_by_role("button", name="条件を組み立て直す").press("Enter")
    expect(page.locator("#program-rule-1-fact")).to_be_focused()
    page.get_by_role("button", name="条件を追加").press("Enter")
    expect(page.locator("#program-rule-2-fact")).to_be_focused()
    page.get_by_role("button", name="条件2を削除").press("Enter")
    expect(page.locator("#program-rule-2-fact")).to_have_count(0)
    expect(page.locator("#program-rule-1-fact")).to_be_focused()
    assert_no_axe_violations(page, "rule builder rebuilt")

    # Without the fact catalogue the rule is still there to edit, as JSON.
    page.route(
        "**/api/staff/programs/facts",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body='{"title": "Unavailable", "status": 503, "detail_ja": "一時的に使えません。"}',
        ),
    )
    page.reload()
    expect(page.locator("[data-facts-failed]")).to_contain_text("項目の一覧を読み込めませんでした")
    expect(page.locator("#program-rule")).to_be_visible()
    expect(page.locator("#program-rule-1-fact")).to_have_count(0)
    _count(page)
    assert_no_axe_violations(page, "rule as JSON without the catalogue")
    page.screenshot(path="/tmp/rules-no-catalogue-1280.png", full_page=True)


def test_the_programmes_list_recovers_in_place_and_a_lapsed_session_signs_in_again(
    make_page, live_demo
):
    """The shared load frame (frame.js) on a staff screen: while the list loads the page
    says so; a server failure shows the API's words, the request id and a retry that
    reloads the list only; a 401 sends the member back to sign-in, saying why."""
    page = staff_in(make_page, live_demo, "係長 ふみ", "supervisor", "child-support")
    # One i18n module loads staff-ja.json for the staff app; it leaves the resident app's
    # language choice on this device alone.
    page.evaluate("localStorage.setItem('todoke.lang', 'en')")
    page.reload()
    expect(page.locator("main h1")).to_have_text("職員メニュー")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert page.evaluate("localStorage.getItem('todoke.lang')") == "en"
    answers: list[int] = []
    held = []  # the retry's answer, let through once the loading state was seen

    def programs(route):
        answers.append(len(answers))
        if len(answers) == 1:
            route.fulfill(
                status=503,
                content_type="application/problem+json",
                body=json.dumps(
                    {
                        "title": "Service Unavailable",
                        "status": 503,
                        "detail": "Busy",
                        "detail_ja": "ただいま混み合っています。",
                        "request_id": "req-frame-e2e",
                    }
                ),
            )
        elif len(answers) == 2:
            held.append(route)
        elif len(answers) == 3:
            route.fulfill(
                status=401,
                content_type="application/problem+json",
                body=json.dumps({"title": "Unauthorized", "status": 401, "detail_ja": "x"}),
            )
        else:
            route.continue_()

    page.route("**/api/staff/programs", programs)
    nav(page).get_by_role("link", name="支援制度").click()
    expect(page.locator("main h1")).to_have_text("支援制度")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("画面を表示できませんでした")
    expect(alert).to_contain_text("ただいま混み合っています。")
    expect(alert).to_contain_text("問い合わせ番号：req-frame-e2e")
    expect(page.get_by_role("table", name="支援制度の一覧")).to_have_count(0)
    assert_no_axe_violations(page, "programs list failed")
    page.screenshot(path="/tmp/core-frame-failed-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page, "programs list failed (phone)")
    page.screenshot(path="/tmp/core-frame-failed-390.png", full_page=True)

    # The retry reloads the list in place: same address, same heading, one more request.
    page.locator("main h1").evaluate("(h1) => h1.setAttribute('data-kept', '')")
    alert.get_by_role("button", name="もう一度読み込む").click()
    busy = page.locator("main [aria-busy=true]")
    expect(busy.get_by_role("status")).to_have_text("読み込み中です…")
    expect(page.get_by_role("alert")).to_have_count(0)
    for _ in range(100):  # the route handler runs when Playwright next hears the browser
        if held:
            break
        page.wait_for_timeout(50)
    held.pop().continue_()
    expect(page.locator('tr[data-program="child-rearing-allowance"]')).to_contain_text(
        "児童扶養手当"
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("main [aria-busy]")).to_have_count(0)
    expect(page.locator("main h1[data-kept]")).to_have_count(1)
    assert len(answers) == 2
    page.set_viewport_size(DESKTOP)
    assert_no_axe_violations(page, "programs list after retry")

    # The server says the session is over: sign in again, told why.
    nav(page).get_by_role("link", name="支援制度").click()
    expect(page.locator("main h1")).to_have_text("職員サインイン")
    expect(page.locator("main")).to_contain_text(
        "サインインの有効期限が切れました。もう一度サインインしてください。"
    )
    expect(page.get_by_role("navigation", name="職員メニュー")).to_be_hidden()
    assert_no_axe_violations(page, "signed out by a 401")
    page.screenshot(path="/tmp/core-frame-401-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page, "signed out by a 401 (phone)")
    page.screenshot(path="/tmp/core-frame-401-390.png", full_page=True)
    # The failure of the first answer is the only error the browser logged (besides 4xx).
    errors = [e for e in unexpected_console_errors(page) if "status of 503" not in e]
    assert errors == []
