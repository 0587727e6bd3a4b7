"""Who may call each operation, as the OpenAPI document says it: derived from what the route
actually asks for (its guards and the principal dependency), so the document cannot drift
from the code. A route that authenticates by other means (a core system's bearer token)
declares ``security`` on its controller, and that is kept as written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import Components, OpenAPI, SecurityScheme
from litestar.routes import HTTPRoute

SESSION = "sessionCookie"
CORE_SYSTEM = "coreSystemToken"
PLATFORM = "platformToken"


def security_schemes(cookie_name: str) -> Components:
    """The schemes every operation's ``security`` names, for the document's components."""
    return Components(
        security_schemes={
            SESSION: SecurityScheme(
                type="apiKey",
                security_scheme_in="cookie",
                name=cookie_name,
                description="The session a passkey sign-in sets (POST /api/auth/login). "
                "Unsafe methods with a session also need the X-CSRF-Token header (the "
                "csrf_token the sign-in answers) and, from a browser, our own Origin.",
            ),
            CORE_SYSTEM: SecurityScheme(
                type="http",
                scheme="bearer",
                description="A core system's registry API token (todoke create-api-token)",
            ),
            PLATFORM: SecurityScheme(
                type="http",
                scheme="bearer",
                description="The platform operator's token (TODOKE_PLATFORM_TOKEN): "
                "/api/platform only",
            ),
        }
    )


def _names_asked(handler: Any) -> set[str]:
    """Parameter names the handler asks for, its dependencies' included."""
    dependencies = handler.resolve_dependencies()
    asked: set[str] = set()
    pending = list(handler.parsed_fn_signature.parameters)
    while pending:
        name = pending.pop()
        if name in asked:
            continue
        asked.add(name)
        provider = dependencies.get(name)
        signature = getattr(provider, "parsed_fn_signature", None)
        if signature is not None:
            pending.extend(signature.parameters)
    return asked


def _requirement(handler: Any) -> list[dict[str, list[str]]]:
    declared = handler.resolve_security()
    if declared:
        return list(declared)
    asked = _names_asked(handler)
    # The guards as declared on each layer (resolve_guards() hands back wrapped ones).
    guards = [guard for layer in handler.ownership_layers for guard in layer.guards or ()]
    needs_session = "principal" in asked or any(
        getattr(guard, "needs_session", False) for guard in guards
    )
    if needs_session:
        return [{SESSION: []}]
    if "optional_principal" in asked:
        return [{}, {SESSION: []}]  # anyone; a session changes what is answered
    return []  # anonymous: no credentials asked for


def document_security(app: Any) -> None:
    """Write each operation's ``security`` into the app's OpenAPI document, in place."""
    openapi = app.plugins.get(OpenAPIPlugin).provide_openapi()
    paths = openapi.paths or {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path_item = paths.get(route.path_format or "/")
        if path_item is None:
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = getattr(path_item, str(method).lower(), None)
                if operation is not None:
                    operation.security = _requirement(handler)


def complete_on_first_build(app: Any, *completions: Callable[[Any], None]) -> None:
    """Run ``completions`` (each writes into the app's OpenAPI document in place) right after
    Litestar builds the document, before anyone reads it. Litestar builds it on first use
    and keeps it; building it at every start cost half a second, which each test's app paid
    (about a quarter of the API tests' time)."""

    def build(plugin: OpenAPIPlugin) -> OpenAPI:
        openapi = OpenAPIPlugin._build_openapi(plugin)
        plugin._openapi = openapi  # the completions read it through provide_openapi()
        for complete in completions:
            complete(app)
        return openapi

    plugin = app.plugins.get(OpenAPIPlugin)
    # The plugin has __slots__: its build is changed by its class, one made for this app.
    plugin.__class__ = type(
        "CompletedOpenAPIPlugin", (OpenAPIPlugin,), {"__slots__": (), "_build_openapi": build}
    )
