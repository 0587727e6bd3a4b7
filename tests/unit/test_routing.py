"""Every route is declared with ``todoke.web.routing``'s decorators, whose guards are
handed the handler itself rather than a copy made per guard per request."""

from __future__ import annotations

from litestar.routes import HTTPRoute

from todoke.app import create_app
from todoke.settings import load_settings
from todoke.web.routing import RouteHandler


def test_every_route_handler_skips_the_per_request_copy(tmp_path):
    app = create_app(
        load_settings({"TODOKE_DATA_DIR": str(tmp_path), "TODOKE_PUBLIC_ORIGINS": "http://x.test"})
    )
    handlers = [
        handler
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        # Litestar's own OPTIONS handlers: the edge answers OPTIONS before them.
        if handler.resolve_guards() and handler.http_methods != {"OPTIONS"}
    ]
    assert len(handlers) > 50  # the guarded API, all of it
    copied = sorted(str(handler) for handler in handlers if not isinstance(handler, RouteHandler))
    assert copied == [], "declare these with todoke.web.routing's get/post/put/patch/delete"
