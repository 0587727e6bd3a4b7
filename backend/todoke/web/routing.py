"""The route decorators every domain uses (``get``, ``post``, ``put``, ``patch``,
``delete``): Litestar's, except that guards are handed the route handler itself.

Litestar gives each guard a shallow copy of the handler (``copy(handler)``, in case a
guard changes it): 30–70 µs a guard, a tenth of a signed-in request, for nothing — our
guards read the connection's principal and never touch the handler
(``tests/unit/test_routing.py`` checks every route is declared with these)."""

from __future__ import annotations

from typing import Any

from litestar import delete as _delete
from litestar import get as _get
from litestar import patch as _patch
from litestar import post as _post
from litestar import put as _put
from litestar.connection import ASGIConnection


class _GuardsSeeTheHandler:
    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        for guard in self.resolve_guards():  # type: ignore[attr-defined]
            await guard(connection, self)


class get(_GuardsSeeTheHandler, _get):
    pass


class post(_GuardsSeeTheHandler, _post):
    pass


class put(_GuardsSeeTheHandler, _put):
    pass


class patch(_GuardsSeeTheHandler, _patch):
    pass


class delete(_GuardsSeeTheHandler, _delete):
    pass
