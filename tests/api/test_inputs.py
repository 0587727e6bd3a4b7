"""No request can cause a 500: JSON bodies under a depth and size limit before decoding,
every integer and day a request names within bounds, one problem `type` URI per kind of
error, and one charset per Content-Type."""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path

import pytest
from soft_authenticator import SoftAuthenticator
from test_applications import add_household, filed_application, verified_resident
from test_identity import ORIGIN, login_options, register, staff_client

from todoke import clock
from todoke.audit.tables import AuditEvent
from todoke.db import MAX_ID
from todoke.errors import TodokeError
from todoke.procedures.tables import Draft
from todoke.staff.tables import Consultation
from todoke.web.inputs import MAX_JSON_DEPTH, json_depth
from todoke.web.problems import PROBLEM_TYPES, problem_type

HUGE = 2**63  # one past PostgreSQL's bigint; the drivers overflowed on it
JSON = {"content-type": "application/json"}


def nested(depth: int) -> bytes:
    return b'{"answers": ' + b"[" * depth + b"]" * depth + b"}"


def assert_problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == problem_type(kind), body
    assert body["detail_ja"] and body["detail"]
    return body


# --- JSON depth and size --------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
async def test_json_nested_ten_thousand_deep_is_a_400_for_anyone(client, city, content_type):
    """The review's finding: POST /api/support/check needs no sign-in and answered 500
    (RecursionError) — whatever the Content-Type said, the body was decoded as JSON."""
    headers = {"content-type": content_type} if content_type else {}
    for body in (b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000):
        response = await client.post("/api/support/check", content=body, headers=headers)
        problem = assert_problem(response, 400, "malformed")
        assert str(MAX_JSON_DEPTH) in problem["detail"]


async def test_the_depth_limit_is_exact_and_a_real_form_passes(client, city):
    ok = await client.post("/api/support/check", json={"answers": {}})
    assert ok.status_code == 200, ok.text
    # At the limit the body is read (and refused for its shape, not its depth) ...
    at_limit = await client.post(
        "/api/support/check", content=nested(MAX_JSON_DEPTH - 1), headers=JSON
    )
    assert at_limit.status_code == 400
    assert "nests too deep" not in at_limit.json()["detail"]
    # ... one level more is refused before decoding.
    over = await client.post("/api/support/check", content=nested(MAX_JSON_DEPTH), headers=JSON)
    assert "nests too deep" in assert_problem(over, 400, "malformed")["detail"]


async def test_brackets_inside_strings_are_text_not_depth(client, city):
    text = '[[[[{{{{"\\"' * 40
    response = await client.post("/api/support/check", json={"answers": {"q": text}})
    # Read, then refused for its meaning (no such question), not for its depth.
    assert_problem(response, 422, "invalid")


def test_json_depth_counts_without_decoding():
    assert json_depth(b"[]") == 1
    assert json_depth(b'{"a": [1, {"b": []}], "c": {}}') == 4
    assert json_depth(b'["[[[[", "\\"[[["]') == 1
    assert json_depth(b"[" * 5000) == 5000
    assert json_depth(b"1") == 0


async def test_a_json_body_over_the_size_limit_is_413(client_for, settings, db, city):
    from todoke.app import create_app

    small = create_app(settings.__class__(**{**_fields(settings), "max_body_bytes": 2048}))
    async with client_for(small) as client:
        response = await client.post("/api/support/check", json={"answers": {"q": "x" * 4000}})
        assert_problem(response, 413, "too_large")


def _fields(settings) -> dict:
    return {name: getattr(settings, name) for name in settings.__struct_fields__}


async def test_a_deep_client_data_json_inside_a_passkey_is_refused(client, city):
    """clientDataJSON is JSON inside base64 inside the JSON body: decoded on its own."""
    authenticator = SoftAuthenticator()
    registered = await register(client, authenticator, name="はなこ")
    assert registered.status_code == 201
    credential = copy.deepcopy(authenticator.get(await login_options(client), ORIGIN))
    deep = base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).rstrip(b"=").decode()
    credential["response"]["clientDataJSON"] = deep
    response = await client.post("/api/auth/login", json={"credential": credential})
    assert 400 <= response.status_code < 500, response.text


# --- integers -------------------------------------------------------------------------------


@pytest.fixture
async def hanako(client_for, app, city):
    await add_household(city)
    return await verified_resident(client_for, app, city, "1000000000")


async def test_integers_past_the_database_are_400_not_500(client, hanako):
    resident, headers = hanako
    response = await resident.get(
        f"/api/procedures/child-rearing-allowance/form?on_behalf_of={HUGE}"
    )
    assert_problem(response, 400, "malformed")

    for on_behalf_of in (HUGE, MAX_ID + 1, 0, -1):
        response = await resident.post(
            "/api/drafts",
            json={"slug": "child-rearing-allowance", "on_behalf_of": on_behalf_of},
            headers=headers,
        )
        body = assert_problem(response, 400, "malformed")
        assert body["errors"][0]["field"] == "on_behalf_of"
    assert await Draft.count() == 0

    draft = await resident.post(
        "/api/drafts", json={"slug": "child-rearing-allowance"}, headers=headers
    )
    assert draft.status_code == 201, draft.text
    saved = await resident.put(
        f"/api/drafts/{draft.json()['id']}",
        json={"version": HUGE, "answers": {}},
        headers=headers,
    )
    assert_problem(saved, 400, "malformed")
    filed = await resident.post(
        "/api/applications",
        json={"slug": "child-rearing-allowance", "version": HUGE, "answers": {}, "draft_id": HUGE},
        headers={**headers, "idempotency-key": "key-00000001"},
    )
    assert_problem(filed, 400, "malformed")
    huge_path = await resident.get(f"/api/drafts/{HUGE}")
    assert_problem(huge_path, 400, "malformed")


async def test_an_assignee_past_the_database_is_400_and_nothing_changes(
    client_for, app, city, hanako
):
    resident, headers = hanako
    application = await filed_application(resident, headers)
    staff, staff_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["child-support"]
    )
    path = f"/api/staff/applications/{application['id']}/assignee"
    for assignee in (HUGE, -HUGE, MAX_ID + 1):
        refused = await staff.put(path, json={"assignee": assignee}, headers=staff_headers)
        assert_problem(refused, 400, "malformed")
    me = (await staff.get("/api/me")).json()["id"]
    taken = await staff.put(path, json={"assignee": me}, headers=staff_headers)
    assert taken.status_code == 200, taken.text
    listed = await staff.get(f"/api/staff/applications?older_than_days={HUGE}")
    assert_problem(listed, 400, "malformed")


# --- days -----------------------------------------------------------------------------------


async def test_audit_export_since_year_one_is_400_and_a_real_window_is_a_csv(client_for, app, city):
    admin, _ = await staff_client(client_for, app, city, role="administrator")
    for since in ("0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"):
        response = await admin.get(f"/api/staff/audit.csv?since={since}")
        body = assert_problem(response, 400, "malformed")
        assert body["errors"][0]["field"] == "since"
    until = await admin.get("/api/staff/audit.csv?until=0001-01-01")
    assert_problem(until, 400, "malformed")
    exported = await admin.get(f"/api/staff/audit.csv?since=1900-01-01&until={clock.today()}")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"


async def test_a_consultation_dated_out_of_range_is_400_and_not_written(client_for, app, city):
    await add_household(city)
    staff, headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    good = {"department": "child-support", "topics": ["money"], "summary": "家計の相談",
            "held_on": str(clock.today()), "follow_ups": []}  # fmt: skip
    path = "/api/staff/residents/1000000000/consultations"
    events = await AuditEvent.count()
    for bad in (
        {**good, "held_on": "0001-01-01"},
        {**good, "follow_ups": [{"task": "再連絡", "due_on": "9999-12-31"}]},
    ):
        response = await staff.post(path, json=bad, headers=headers)
        assert_problem(response, 400, "malformed")
    assert await Consultation.count() == 0
    assert await AuditEvent.count() == events
    written = await staff.post(path, json=good, headers=headers)
    assert written.status_code == 201, written.text
    assert await Consultation.count() == 1


# --- the OpenAPI document says every bound --------------------------------------------------


def _unbounded(document: dict) -> list[str]:
    """Every integer without both bounds and every date without the range pattern that a
    request may carry (parameters and bodies, through $refs and unions)."""
    components = document["components"]["schemas"]
    found: list[str] = []

    def walk(schema, where: str, inherited: dict, seen: frozenset[str]) -> None:
        if isinstance(schema, list):
            for item in schema:
                walk(item, where, inherited, seen)
            return
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                walk(components[name], f"{where}→{name}", {}, seen | {name})
            return
        # Litestar puts an optional number's bounds beside its oneOf: they apply inside.
        named = {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"}
        bounds = {
            **inherited,
            **{k.removeprefix("exclusive").lower(): 1 for k in named & schema.keys()},
        }
        if schema.get("type") == "integer" and not {"minimum", "maximum"} <= bounds.keys():
            found.append(f"{where}: integer without bounds")
        if schema.get("format") in ("date", "date-time") and "pattern" not in schema:
            found.append(f"{where}: {schema['format']} without bounds")
        for key, value in schema.items():
            if key == "properties":
                for name, item in value.items():
                    walk(item, f"{where}.{name}", {}, seen)
            elif key in ("oneOf", "anyOf", "allOf"):
                walk(value, where, bounds, seen)
            elif key in ("items", "additionalProperties", "prefixItems"):
                walk(value, f"{where}[]", {}, seen)

    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                walk(parameter.get("schema", {}), where, {}, frozenset())
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                walk(media.get("schema", {}), f"{method.upper()} {path} body", {}, frozenset())
    return found


async def test_every_integer_and_day_a_request_carries_is_bounded(client):
    document = (await client.get("/schema/openapi.json")).json()
    assert _unbounded(document) == []


def test_the_walker_finds_what_it_looks_for():
    date_parameter = {"in": "query", "name": "d", "schema": {"type": "string", "format": "date"}}
    optional_bounded = {
        "oneOf": [{"type": "integer"}, {"type": "null"}],
        "minimum": 1,
        "maximum": 2,
    }
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/B"}}}
    operation = {
        "responses": {},
        "parameters": [date_parameter, {"in": "query", "name": "ok", "schema": optional_bounded}],
        "requestBody": {"content": body},
    }
    document = {
        "components": {"schemas": {"B": {"properties": {"n": {"type": "integer"}}}}},
        "paths": {"/x": {"post": operation}},
    }
    assert _unbounded(document) == [
        "POST /x query d: date without bounds",
        "POST /x body→B.n: integer without bounds",
    ]


# --- problem types and content types --------------------------------------------------------


def _kinds(cls: type[TodokeError]) -> set[str]:
    return {cls.kind} | {kind for sub in cls.__subclasses__() for kind in _kinds(sub)}


def test_every_kind_of_error_has_a_documented_type():
    assert _kinds(TodokeError) <= PROBLEM_TYPES.keys()
    assert all(problem_type(kind).startswith("urn:todoke:problem:") for kind in PROBLEM_TYPES)


async def test_no_problem_is_about_blank(client, city):
    cases = [
        (await client.get("/api/no-such-thing"), 404, "not_found"),
        (await client.delete("/api/procedures"), 405, "method_not_allowed"),
        (await client.get("/api/me"), 401, "unauthenticated"),
        (await client.post("/api/support/check", content=b"{", headers=JSON), 400, "malformed"),
        (await client.get("/api/staff/applications/1"), 401, "unauthenticated"),
    ]
    for response, status, kind in cases:
        assert_problem(response, status, kind)
    document = (await client.get("/schema/openapi.json")).json()
    documented = document["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
    assert set(documented) == {problem_type(kind) for kind in PROBLEM_TYPES}


async def test_every_content_type_names_its_charset_once(client, city):
    pages = ["/", "/staff/", "/schema-assets/swagger-ui.css", "/schema-assets/swagger-ui-bundle.js"]
    home = await client.get("/")
    pages += re.findall(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"', home.text)[:3]
    for page in pages:
        response = await client.get(page)
        assert response.status_code == 200, page
        content_type = response.headers["content-type"]
        assert content_type.count("charset") <= 1, (page, content_type)
        if content_type.startswith("text/"):
            assert content_type.endswith("; charset=utf-8"), (page, content_type)


def test_no_media_type_in_the_code_names_a_charset():
    """Litestar adds "; charset=utf-8" to every text/* type itself: naming it doubles it."""
    backend = Path(__file__).resolve().parents[2] / "backend" / "todoke"
    offenders = [
        f"{path.relative_to(backend)}: {match.group(0)}"
        for path in backend.rglob("*.py")
        for match in re.finditer(r"[\"']text/[a-z+.-]+;\s*charset=[^\"']*[\"']", path.read_text())
    ]
    assert offenders == []


async def test_a_body_a_route_can_do_without_is_not_documented_as_required(client):
    """Schemathesis (staff session): approving a programme without a body (no letters) was
    "a schema-violating request accepted"; Litestar marks every body required."""
    document = (await client.get("/schema/openapi.json")).json()
    approve = document["paths"]["/api/staff/programs/{slug}/approve"]["post"]
    assert approve["requestBody"]["required"] is False
    filing = document["paths"]["/api/applications"]["post"]
    assert filing["requestBody"]["required"] is True


async def test_an_unsubscribe_token_naming_an_id_past_the_database_is_404(client, city):
    """Schemathesis (PostgreSQL): the token's ten-digit address id overflowed the id column."""
    for address_id in (MAX_ID + 1, 9_999_999_999):
        response = await client.post(f"/api/email/unsubscribe?token={address_id}.{'A' * 24}")
        assert_problem(response, 404, "not_found")
