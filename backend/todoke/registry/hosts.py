"""Which municipality a request is for: known from its host before anything is looked up
(sessions, codes and tokens are unique only within their municipality, issue 16)."""

from __future__ import annotations

from typing import Any

from litestar.types import Scope

from todoke.errors import NotFound, Text
from todoke.registry import service
from todoke.registry.schemas import MunicipalityRead
from todoke.settings import Settings
from todoke.web.forwarded import request_origin

NO_MUNICIPALITY_HERE = NotFound(
    Text("このアドレスで利用できる自治体はありません。", "No municipality is served here.")
)
_MUNICIPALITY = "todoke.municipality"


async def request_municipality(scope: Scope, *, any_host: bool = False) -> MunicipalityRead:
    """The municipality this request is for, known from its host before anything is looked
    up (sessions, codes and tokens are unique only within their municipality). One
    deployment may serve several, each at its own origin (municipality.origin); the rest
    of the requests are the default one's (TODOKE_MUNICIPALITY_CODE, or the only one without
    an origin of its own), at the deployment's own origins. Where municipalities have
    origins, a host that is neither theirs nor ours serves nobody (404) — unless
    ``any_host``: core systems call from inside the network at whatever name reaches the
    server, and a host that is no municipality's own is the default one's. Asked once per
    request (kept in the request's state)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    found: MunicipalityRead | None = state.get(_MUNICIPALITY)
    if found is not None:
        return found
    app_state = scope["app"].state
    settings: Settings = app_state.settings
    tenants = await service.municipalities_by_origin()
    known_host = True
    if tenants:
        origin = request_origin(scope)
        found = tenants.get(origin)
        if found is None and origin not in settings.public_origins:
            if not any_host:
                raise NO_MUNICIPALITY_HERE
            known_host = False
    if found is None:
        found = app_state.get("municipality")
        if found is None:
            found = await service.get_municipality(settings.municipality_code)
            app_state.municipality = found
    if known_host:  # an unknown host's answer is kept for nobody: other routes refuse it
        state[_MUNICIPALITY] = found
    return found
