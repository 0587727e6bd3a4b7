"""The OpenAPI document against what the routes do: who may call each operation (security
schemes per operation, checked by calling every one without and with the wrong credentials)
and which success statuses each answers (checked by driving the happy paths)."""

from __future__ import annotations

import contextlib
import re

import pytest
from soft_authenticator import SoftAuthenticator
from test_applications import (
    SLUG,
    complete_answers,
    file,
    hanako,  # noqa: F401 (a fixture)
    png_bytes,
    upload,
)
from test_identity import csrf, register

from todoke.web.inputs import DAY_PATTERN, Day

METHODS = ("get", "put", "post", "delete", "patch")


async def _document(client) -> dict:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _url(path: str) -> str:
    # Any id will do: the credentials are checked before the id is looked up.
    return re.sub(r"\{[^}]+\}", "1", path)


def _declared(document: dict, method: str, url: str) -> dict:
    """The operation of the document that ``method url`` reaches."""
    for path, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        if re.match(pattern, url) and method in item:
            return item[method]
    raise AssertionError(f"{method.upper()} {url} is not in the document")


def _assert_declared(document: dict, method: str, url: str, status: int) -> None:
    responses = _declared(document, method, url)["responses"]
    key = "4XX" if 400 <= status < 500 else str(status)
    declared = sorted(responses)
    assert key in responses, f"{method.upper()} {url} answered {status}, declared {declared}"


# --- security ---------------------------------------------------------------------------------


async def test_every_operation_declares_its_security_from_known_schemes(client):
    document = await _document(client)
    schemes = document["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "todoke_session",
        "description": schemes["sessionCookie"]["description"],
    }
    assert "X-CSRF-Token" in schemes["sessionCookie"]["description"]
    assert (schemes["coreSystemToken"]["type"], schemes["coreSystemToken"]["scheme"]) == (
        "http",
        "bearer",
    )
    seen: dict[str, set[str]] = {}
    for path, method, operation in _operations(document):
        assert "security" in operation, f"{method.upper()} {path} declares no security"
        for requirement in operation["security"]:
            for name, scopes in requirement.items():
                assert name in schemes and scopes == []
                seen.setdefault(name, set()).add(operation["operationId"])
    # Spot checks a reader would make.
    by_id = {op["operationId"]: op["security"] for _, _, op in _operations(document)}
    assert by_id["listProcedures"] == []
    assert by_id["login"] == []
    assert by_id["getMe"] == [{"sessionCookie": []}]
    assert by_id["staffQueue"] == [{"sessionCookie": []}]
    assert by_id["importRegistry"] == [{"coreSystemToken": []}]
    assert by_id["upsertPerson"] == [{"coreSystemToken": []}]
    assert by_id["getSession"] == [{}, {"sessionCookie": []}]
    assert "coreSystemToken" not in {n for r in by_id["staffImportRegistry"] for n in r}


async def test_the_schemes_on_https_name_the_host_cookie(db, client_for):
    import msgspec

    from todoke.app import create_app

    settings = msgspec.structs.replace(db, public_origins=("https://todoke.example.jp",))
    async with client_for(create_app(settings)) as client:
        document = await _document(client)
    assert document["components"]["securitySchemes"]["sessionCookie"]["name"] == (
        "__Host-todoke_session"
    )


async def test_declared_security_is_what_each_route_accepts(client_for, app, city):
    """Every operation, called with no credentials: those that declare a required scheme
    answer 401, those that declare none (or an optional one) do not. Then each required
    scheme is replaced by the other one: still 401."""
    from todoke.registry.service import create_core_system_token

    token = await create_core_system_token(city.id, "住民記録システム")
    checked = 0
    async with client_for(app) as anonymous, client_for(app) as resident:
        registered = await register(resident, SoftAuthenticator(), name="はなこ")
        assert registered.status_code == 201
        document = await _document(anonymous)
        for path, method, operation in _operations(document):
            url = _url(path)
            security = operation["security"]
            answer = await anonymous.request(method.upper(), url)
            required = bool(security) and {} not in security
            if required:
                assert answer.status_code == 401, f"{method.upper()} {path}: {answer.status_code}"
                assert answer.headers["content-type"].startswith("application/problem+json")
                names = {name for requirement in security for name in requirement}
                if names == {"sessionCookie"}:
                    wrong = await anonymous.request(
                        method.upper(), url, headers={"authorization": f"Bearer {token}"}
                    )
                else:
                    wrong = await resident.request(method.upper(), url, headers=csrf(registered))
                assert wrong.status_code == 401, f"{method.upper()} {path} with the wrong scheme"
                checked += 1
            else:
                assert answer.status_code != 401, f"{method.upper()} {path} declares no security"
    assert checked > 50


# --- statuses ---------------------------------------------------------------------------------


async def test_a_draft_opened_again_and_a_filing_retried_answer_declared_statuses(client, hanako):  # noqa: F811
    resident, headers = hanako
    document = await _document(client)
    first = await resident.post("/api/drafts", json={"slug": SLUG}, headers=headers)
    again = await resident.post("/api/drafts", json={"slug": SLUG}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    for answer in (first, again):
        _assert_declared(document, "post", "/api/drafts", answer.status_code)
    openapi_draft = _declared(document, "post", "/api/drafts")["responses"]["200"]
    assert (
        openapi_draft["content"]["application/json"]["schema"]
        == (
            _declared(document, "post", "/api/drafts")["responses"]["201"]["content"][
                "application/json"
            ]["schema"]
        )
    )

    form = (await resident.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(resident, headers, png_bytes())).json()["id"]
    answers = complete_answers(form, attachment)
    filed = await file(resident, headers, answers, form["version"], key="key-contract-1")
    retried = await file(resident, headers, answers, form["version"], key="key-contract-1")
    assert (filed.status_code, retried.status_code) == (201, 200)
    assert retried.json()["id"] == filed.json()["id"]
    for answer in (filed, retried):
        _assert_declared(document, "post", "/api/applications", answer.status_code)


async def test_readiness_declares_the_503_it_answers(client, monkeypatch):
    import todoke.app

    @contextlib.asynccontextmanager
    async def down():
        raise OSError("connection refused")
        yield

    document = await _document(client)
    monkeypatch.setattr(todoke.app, "single_read", down)
    answer = await client.get("/readyz")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")
    _assert_declared(document, "get", "/readyz", 503)
    declared = _declared(document, "get", "/readyz")["responses"]["503"]
    assert "application/problem+json" in declared["content"]


@pytest.mark.parametrize("who", ["anonymous", "resident"])
async def test_every_parameterless_read_answers_a_declared_status(client_for, app, city, who):
    """The happy path of every GET that needs no id, as a visitor and as a resident."""
    caller = client_for(app)
    async with caller:
        if who == "resident":
            registered = await register(caller, SoftAuthenticator(), name="はなこ")
            assert registered.status_code == 201
        document = await _document(caller)
        for path, method, _ in _operations(document):
            if method != "get" or "{" in path:
                continue
            answer = await caller.get(path)
            assert answer.status_code < 500, f"GET {path}: {answer.status_code}"
            _assert_declared(document, "get", path, answer.status_code)


# --- request bodies -----------------------------------------------------------------------------

CONSTRAINTS = (
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
)


def _constraints(schema, components: dict, at: str = "", seen: frozenset = frozenset()):
    """Every (place, keyword, value) a JSON schema constrains, references followed."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _constraints(item, components, f"{at}[{index}]", seen)
        return
    if not isinstance(schema, dict):
        return
    reference = schema.get("$ref")
    if reference:
        name = reference.rsplit("/", 1)[-1]
        if name not in seen:
            yield from _constraints(components[name], components, at, seen | {name})
        return
    for keyword in CONSTRAINTS:
        if keyword in schema:
            yield at, keyword, schema[keyword]
    for key in ("items", "anyOf", "oneOf", "allOf", "prefixItems", "additionalProperties"):
        if key in schema:
            yield from _constraints(schema[key], components, f"{at}.{key}", seen)
    for name, sub in schema.get("properties", {}).items():
        yield from _constraints(sub, components, f"{at}/{name}", seen)


def _normal(found) -> set:
    # anyOf/oneOf orders and positions differ between generators; what matters is that the
    # same property carries the same bound.
    return {
        (re.sub(r"\.(anyOf|oneOf)\[\d+\]", "", at), keyword, value) for at, keyword, value in found
    }


def _day_as_parsed(kind: type) -> dict:
    # Day is decoded by parse_day, whose bounds the document gives as DAY_PATTERN.
    assert kind is Day, kind
    return {"type": "string", "format": "date", "pattern": DAY_PATTERN}


def test_every_request_body_bound_the_server_enforces_is_in_the_document(app):
    """Schemathesis (test_api_fuzz) sends what the document allows; a bound msgspec enforces
    but the document leaves out (a list item's length did) makes it a 400 for a valid body."""
    import msgspec

    document = app.openapi_schema.to_schema()
    checked = 0
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None or not isinstance(data.annotation, type):
                continue
            if not issubclass(data.annotation, msgspec.Struct):
                continue
            (enforced,), own = msgspec.json.schema_components(
                [data.annotation], schema_hook=_day_as_parsed
            )
            for method in handler.http_methods:
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                operation = document["paths"][path][method.lower()]
                declared = operation["requestBody"]["content"]["application/json"]["schema"]
                missing = _normal(_constraints(enforced, own)) - _normal(
                    _constraints(declared, document["components"]["schemas"])
                )
                assert not missing, f"{method} {route.path}: enforced, not declared: {missing}"
                checked += 1
    assert checked > 40
