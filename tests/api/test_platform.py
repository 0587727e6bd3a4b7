"""The platform edge: health, OpenAPI, security headers and problem details."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_openapi_schema_lists_the_api(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/procedures", "/api/municipality", "/api/registry/imports", "/readyz"):
        assert path in paths
    page = await client.get("/schema")
    assert page.status_code == 200
    assert "/schema-assets/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text  # nothing the CSP would block, nothing from outside
    asset = await client.get("/schema-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert (await client.get("/schema-assets/../../etc/passwd")).status_code == 404


async def test_security_headers_on_pages_and_api(client, city):
    for path in ("/", "/api/procedures"):
        response = await client.get(path)
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        # Served over plain http here: no HSTS.
        assert "strict-transport-security" not in response.headers
        assert len(response.headers["x-request-id"]) >= 8


async def test_app_files_carry_only_the_headers_a_file_obeys(client, city):
    """A script, stylesheet or dictionary is never a document: nosniff and the referrer
    policy, not the document-only set; an SVG (a document when opened alone) keeps it all."""
    import re

    page = (await client.get("/")).text
    build = re.search(r"/assets/([^/]+)/js/i18n\.js", page).group(1)
    for name in ("js/i18n.js", "css/app.css", "i18n/ja.json"):
        response = await client.get(f"/assets/{build}/{name}")
        assert response.status_code == 200, name
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        for document_only in (
            "content-security-policy",
            "x-frame-options",
            "cross-origin-opener-policy",
            "permissions-policy",
        ):
            assert document_only not in response.headers, (name, document_only)
    icon = await client.get(f"/assets/{build}/icons/favicon.svg")
    assert icon.status_code == 200
    assert "frame-ancestors 'none'" in icon.headers["content-security-policy"]
    assert icon.headers["x-frame-options"] == "DENY"
    # The service worker is a worker: its CSP applies to it.
    worker = await client.get("/sw.js")
    assert "script-src 'self';" in worker.headers["content-security-policy"]


async def test_hsts_when_the_public_origin_is_https(db, client_for):
    import msgspec

    from todoke.app import create_app

    settings = msgspec.structs.replace(db, public_origins=("https://todoke.example.jp",))
    async with client_for(create_app(settings)) as client:
        response = await client.get("/healthz")
    assert "max-age=" in response.headers["strict-transport-security"]


async def test_request_id_is_echoed_when_sane_and_replaced_when_not(client):
    kept = await client.get("/healthz", headers={"x-request-id": "abc-123-def"})
    assert kept.headers["x-request-id"] == "abc-123-def"
    hostile = await client.get("/healthz", headers={"x-request-id": "<script>\r\nx"})
    assert hostile.headers["x-request-id"] != "<script>\r\nx"


def _assert_problem(response, status: int):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["title_ja"] and body["detail"] and body["detail_ja"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


async def test_unknown_route_is_a_404_problem(client):
    body = _assert_problem(await client.get("/api/no-such-thing"), 404)
    assert body["instance"] == "/api/no-such-thing"


async def test_unknown_procedure_is_a_404_problem(client, city):
    _assert_problem(await client.get("/api/procedures/no-such-procedure"), 404)


async def test_wrong_method_is_a_405_problem(client, city):
    _assert_problem(await client.delete("/api/procedures"), 405)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1,2,3]", b'{"family_name": 12}', b'{"unknown_field": "x"}', b"\xff\xfe"],
)
async def test_malformed_json_is_a_4xx_problem(client, city, body):
    from todoke.registry.service import create_core_system_token

    token = await create_core_system_token(city.id, "住民記録システム")
    response = await client.put(
        "/api/registry/persons/0000000001",
        content=body,
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    _assert_problem(response, 400)


async def test_too_large_body_is_a_413_problem(client, city):
    from todoke.registry.service import create_core_system_token

    # The token is checked before the body is read: without one, this is a 401.
    token = await create_core_system_token(city.id, "住民記録システム")
    response = await client.put(
        "/api/registry/persons/0000000001",
        content=b'{"family_name": "' + b"x" * 2_000_000 + b'"}',
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    _assert_problem(response, 413)


async def test_search_query_too_long_is_a_400_problem(client, city):
    _assert_problem(await client.get("/api/procedures", params={"q": "あ" * 500}), 400)


async def test_unexpected_error_answers_500_without_internals(db, capsys, client_for):
    from litestar import get

    from todoke.app import create_app

    app = create_app(db)

    @get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.register(boom)
    async with client_for(app) as client:
        response = await client.get("/boom")
    body = _assert_problem(response, 500)
    assert "secret internal detail" not in response.text
    assert body["type"] == "urn:todoke:problem:internal"
    # The log line, JSON, has the traceback and the same request id as the answer.
    import json

    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    logged = [entry for entry in lines if entry.get("level") == "error"]
    assert logged and logged[0]["request_id"] == body["request_id"]
    assert "secret internal detail" in logged[0]["exception"]


async def test_head_works_wherever_get_does(client, city):
    for path in ("/", "/healthz", "/api/procedures"):
        response = await client.head(path)
        assert response.status_code == 200, path
        assert response.content == b""
        assert response.headers["x-request-id"]
    assert (await client.head("/nowhere")).status_code == 404


async def test_options_lists_every_method_of_a_path(client, city):
    response = await client.options("/api/me/passkeys")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    one = await client.options("/api/me/passkeys/12")
    assert one.headers["allow"] == "DELETE, OPTIONS, PATCH"
    assert response.headers["x-request-id"]


async def test_options_prefers_a_literal_path_over_a_template(client):
    # /api/staff/procedures/preview is POST-only; /api/staff/procedures/{slug} is GET.
    literal = await client.options("/api/staff/procedures/preview")
    assert literal.status_code == 204 and literal.headers["allow"] == "OPTIONS, POST"
    template = await client.options("/api/staff/procedures/child-allowance")
    assert "GET" in template.headers["allow"] and "POST" not in template.headers["allow"]


async def test_files_and_json_are_compressed_once(client, city):
    """The PWA's files come compressed by the server itself; API JSON by the app's
    compression: each exactly once, so a browser reads what is on disk."""
    import re
    from pathlib import Path

    page = (await client.get("/")).text
    [build] = set(re.findall(r"/assets/([0-9a-f]+)/js/app\.js", page))
    script = await client.get(f"/assets/{build}/js/app.js", headers={"accept-encoding": "gzip"})
    assert script.status_code == 200
    on_disk = Path(__file__).resolve().parents[2] / "pwa" / "assets" / "js" / "app.js"
    assert script.content == on_disk.read_bytes()
    listing = await client.get("/api/procedures", headers={"accept-encoding": "gzip"})
    assert listing.headers["content-encoding"] == "gzip"
    assert listing.json()["items"]  # decoded once: JSON


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/help", "/nowhere/at/all", "/procedures.html"])
async def test_a_mistyped_page_gets_the_app_shell_with_404(client, path):
    """A browser that asks for a page nobody serves gets the app (whose router shows its
    not-found screen in the resident's language), still with status 404."""
    response = await client.get(path, headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "problem" not in response.headers["content-type"]
    page = response.text
    assert '<main id="main"' in page
    assert "/js/app.js" in page  # the shell itself, so the router draws the screen
    # Without JavaScript: the words of the i18n files, and the way home and to the list.
    assert "ページが見つかりません" in page and "Page not found" in page
    assert '<a href="/">ホームに戻る</a>' in page
    assert '<a href="/procedures">手続きの一覧を見る</a>' in page
    assert response.headers["cache-control"] == "no-cache"
    assert "script-src 'self';" in response.headers["content-security-policy"]


def _client_routes() -> list[str]:
    """Every path the residents' router draws (pwa/assets/js/routes.js), its parameters
    given sample values."""
    import re
    from pathlib import Path

    routes = Path(__file__).resolve().parents[2] / "pwa" / "assets" / "js" / "routes.js"
    paths = re.findall(r"path: '([^']+)'", routes.read_text(encoding="utf-8"))
    assert len(paths) > 20
    return [re.sub(r":\w+", "42", path) for path in paths]


@pytest.mark.parametrize("path", _client_routes())
async def test_every_screen_of_the_router_is_a_page_on_reload(client, path):
    """A deep link or a reload on any screen the router draws gets the app shell with 200,
    not the not-found shell's 404 (which the router would draw over, but the status, a
    crawler and the browser's history would believe)."""
    response = await client.get(path, headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200, path
    assert response.headers["content-type"].startswith("text/html")
    assert "/js/app.js" in response.text


async def test_a_mistyped_page_for_a_program_is_still_a_problem(client):
    """The same path asked for by a script (JSON, or no Accept) keeps problem details."""
    for accept in ("application/json", "*/*", ""):
        response = await client.get("/help", headers={"accept": accept})
        body = _assert_problem(response, 404)
        assert body["instance"] == "/help"


@pytest.mark.parametrize("path", ["/api/nope", "/api/procedures/x/y/z", "/assets/x/nope.js"])
async def test_api_and_asset_misses_stay_problems_even_for_browsers(client, path):
    response = await client.get(path, headers={"accept": BROWSER_ACCEPT})
    _assert_problem(response, 404)


async def test_other_methods_on_an_unknown_page_stay_problems(client):
    response = await client.post("/help", headers={"accept": BROWSER_ACCEPT}, content=b"")
    assert response.status_code in (404, 405)
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_head_of_an_unknown_page_is_404_without_a_body(client):
    response = await client.head("/help", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/Account", "/account"),
        ("/SETTINGS?x=1", "/settings?x=1"),
        ("/Procedures/child-allowance", "/procedures/child-allowance"),
    ],
)
async def test_a_known_page_in_the_wrong_case_is_sent_to_its_address(client, path, location):
    response = await client.get(path, headers={"accept": BROWSER_ACCEPT}, follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == location
    followed = await client.get(location, headers={"accept": BROWSER_ACCEPT})
    assert followed.status_code == 200
    assert followed.headers["content-type"].startswith("text/html")


async def test_only_plain_paths_are_redirected(client):
    for path in ("/Procedures//evil.example", "/Procedures/../x", "/Account/.hidden"):
        response = await client.get(
            path, headers={"accept": BROWSER_ACCEPT}, follow_redirects=False
        )
        assert response.status_code != 301, path
        assert "location" not in response.headers


async def test_wrong_case_of_an_api_path_is_not_redirected(client):
    response = await client.get("/API/procedures", follow_redirects=False)
    _assert_problem(response, 404)
