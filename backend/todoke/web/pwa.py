"""Serves the progressive web app from ``pwa/``: plain files, no build step.

Every file is read and gzip-compressed once at start. The four entry files carry the
literal ``__BUILD__``, replaced by a hash of the whole app, so assets live under
``/assets/<build>/`` and can be cached for a year while the entry files revalidate.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from todoke.web.routing import get

ENTRY_FILES = {
    "/": "index.html",
    "/staff": "staff/index.html",
    "/sw.js": "sw.js",
    "/manifest.webmanifest": "manifest.webmanifest",
    "/offline.html": "offline.html",
}
# Client-side routes: a reload or a deep link there gets the app shell (or the staff shell).
APP_ROUTES = [
    "/procedures",
    "/procedures/{rest:path}",
    "/applications",
    "/applications/{rest:path}",
    "/confirm",
    "/corrections",
    "/support",
    "/check",
    "/settings",
    "/account",
    "/account/{rest:path}",
    "/activate",
    "/inbox",
]
STAFF_ROUTES = ["/staff/{rest:path}"]

# Litestar adds "; charset=utf-8" to text/* types itself (naming it here doubled it).
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".html": "text/html",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_COMPRESSIBLE = (".js", ".css", ".json", ".html", ".webmanifest", ".svg")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def default_pwa_root() -> Path:
    return Path(__file__).resolve().parents[3] / "pwa"


class StaticFile:
    __slots__ = ("body", "content_type", "etag", "gzipped")

    def __init__(self, name: str, body: bytes) -> None:
        suffix = Path(name).suffix
        self.body = body
        self.content_type = _TYPES.get(suffix) or (
            mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        self.gzipped = gzip.compress(body, 9, mtime=0) if suffix in _COMPRESSIBLE else None
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


class PwaBundle:
    """The app's files in memory; only these exact paths are ever served."""

    def __init__(self, root: Path) -> None:
        if not (root / "index.html").is_file():
            raise FileNotFoundError(f"PWA not found at {root}")
        digest = hashlib.sha256()
        raw: dict[str, bytes] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            raw[relative] = path.read_bytes()
            digest.update(relative.encode() + b"\0" + raw[relative])
        self.build = digest.hexdigest()[:12]
        self.entries = {
            route: StaticFile(name, raw[name].replace(b"__BUILD__", self.build.encode()))
            for route, name in ENTRY_FILES.items()
            if name in raw
        }
        self.assets = {
            name.removeprefix("assets/"): StaticFile(name, body)
            for name, body in raw.items()
            if name.startswith("assets/")
        }


def _serve(request: Request[Any, Any, Any], item: StaticFile, cache: str) -> Response[bytes]:
    headers = {"cache-control": cache, "etag": item.etag, "vary": "accept-encoding"}
    if request.headers.get("if-none-match") == item.etag:
        return Response(content=b"", status_code=304, headers=headers)
    body = item.body
    if item.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body = item.gzipped
        headers["content-encoding"] = "gzip"
    return Response(content=body, media_type=item.content_type, headers=headers)


# The route option that keeps the app's compression middleware off a route.
NO_COMPRESSION = "no_compression"


def pwa_router(bundle: PwaBundle) -> Router:
    """Routes for the app shell, its entry files and its versioned assets."""

    @get(
        [*ENTRY_FILES, *APP_ROUTES, *STAFF_ROUTES],
        include_in_schema=False,
        sync_to_thread=False,
    )
    def entry(request: Request[Any, Any, Any]) -> Response[bytes]:
        path = request.url.path
        shell = "/staff" if path.startswith("/staff") else "/"
        item = bundle.entries.get(path) or bundle.entries.get(shell)
        if item is None:
            raise NotFoundException()
        response = _serve(request, item, REVALIDATE)
        if path == "/sw.js":
            response.headers["service-worker-allowed"] = "/"
        return response

    @get("/assets/{build:str}/{path:path}", include_in_schema=False, sync_to_thread=False)
    def asset(
        request: Request[Any, Any, Any], build: FromPath[str], path: FromPath[str]
    ) -> Response[bytes]:
        item = bundle.assets.get(path.lstrip("/"))
        if item is None:
            raise NotFoundException()
        # An old page asking for an old build gets today's file, but must not pin it.
        return _serve(request, item, IMMUTABLE if build == bundle.build else REVALIDATE)

    # Served already compressed (gzipped once, at start): the app's compression leaves them.
    return Router(path="/", route_handlers=[entry, asset], opt={NO_COMPRESSION: True})
