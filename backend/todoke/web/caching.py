"""Public answers a browser may keep and revalidate: the published catalogue and the active
programmes. Each carries an ETag; ``Cache-Control: no-cache`` makes the browser ask every
time (a publish shows at once), and a copy that is still current costs a ``304`` with no
body. Personal answers are never cached (``no-store``, set at the edge)."""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec

T = TypeVar("T")

NOT_MODIFIED = {
    304: ResponseSpec(
        None, description="Not Modified: the client's copy (If-None-Match) is current"
    )
}


def variant(etag: str, *parts: str) -> str:
    """The ETag of an answer derived from a kept value (a search of it, one of its items)."""
    if not any(parts):
        return etag
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=6).hexdigest()
    return f'{etag[:-1]}-{digest}"'


def revalidated(request: Request[Any, Any, Any], content: T, etag: str) -> Response[T]:
    """``content`` with its ETag, or ``304 Not Modified`` when the client holds it."""
    headers = {"ETag": etag, "Cache-Control": "public, no-cache"}
    held = request.headers.get("if-none-match", "")
    if held.strip() == "*" or etag in (tag.strip().removeprefix("W/") for tag in held.split(",")):
        return Response(content=None, status_code=304, headers=headers)  # type: ignore[arg-type]
    return Response(content=content, headers=headers)
