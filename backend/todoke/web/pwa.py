"""Serves the progressive web app from ``pwa/``: plain files, no build step.

Every file is read and gzip-compressed once at start. The four entry files carry the
literal ``__BUILD__``, replaced by a hash of the whole app, so assets live under
``/assets/<build>/`` and can be cached for a year while the entry files revalidate.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import mimetypes
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath

from todoke.web.problems import EXCEPTION_HANDLERS
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
    "/moving",
    "/moving/{rest:path}",
    "/life-events",
    "/life-events/{rest:path}",
]
STAFF_ROUTES = ["/staff/{rest:path}"]
# Paths that are never pages: a miss there stays a problem+json 404 whatever Accept says.
_NOT_PAGES = re.compile(r"^/(api|assets|schema|schema-assets)(/|$)")
_APP_PATHS = [
    re.compile("^" + re.sub(r"\\\{rest:path\\\}", ".+", re.escape(route)) + "/?$")
    for route in [*ENTRY_FILES, *APP_ROUTES]
]

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


# Each file's gzip, by its content's digest: an app built again in the same process (each
# test builds its own) compresses nothing it compressed before.
_GZIPPED: dict[str, bytes] = {}


class StaticFile:
    __slots__ = ("body", "content_type", "etag", "gzipped")

    def __init__(self, name: str, body: bytes) -> None:
        suffix = Path(name).suffix
        digest = hashlib.sha256(body).hexdigest()
        self.body = body
        self.content_type = _TYPES.get(suffix) or (
            mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        self.gzipped = None
        if suffix in _COMPRESSIBLE:
            self.gzipped = _GZIPPED.get(digest)
            if self.gzipped is None:
                self.gzipped = _GZIPPED[digest] = gzip.compress(body, 9, mtime=0)
        self.etag = '"' + digest[:20] + '"'


# Where sw.js takes the list of files to precache (an empty list until the server fills it).
PRECACHE_TOKEN = b"/* __PRECACHE__ */ []"


class Dressing(msgspec.Struct, frozen=True):
    """What makes the app shell and manifest one municipality's own (issue 16): its palette
    on <html>, its name in the title and manifest, its emblem among the icons, and its
    public description embedded, so the first screen needs no request to name it."""

    palette: str
    theme_color: str
    name: str  # in Japanese, as the manifest and the title show it
    municipality: bytes  # JSON of GET /api/municipality
    emblem: str | None = None  # its address on this origin
    emblem_size: tuple[int, int] | None = None

    @property
    def key(self) -> str:
        return hashlib.sha256(msgspec.json.encode(self)).hexdigest()[:20]


# The app's own hook: the dressing for a request's municipality (None: the plain shell).
Dresser = Callable[[Request[Any, Any, Any]], Awaitable[Dressing | None]]
_DRESSED_ROUTES = ("/", "/staff", "/manifest.webmanifest")
DRESSED_KEPT = 512  # dressed files kept (three per municipality; each a few KB)


def dress_page(body: bytes, dressing: Dressing, *, staff: bool) -> bytes:
    """The app shell with the municipality's palette, theme colour, title and data."""
    text = body.decode()
    palette = html.escape(dressing.palette, quote=True)
    text = text.replace("<html ", f'<html data-palette="{palette}" ', 1)
    if not staff:  # the staff app keeps its own dark browser bar
        text = re.sub(
            r'<meta name="theme-color" content="[^"]*">',
            f'<meta name="theme-color" content="{html.escape(dressing.theme_color)}">',
            text,
            count=1,
        )
    text = re.sub(
        r"(<title[^>]*>)(</title>)", rf"\g<1>{html.escape(dressing.name)}\g<2>", text, count=1
    )
    # In an attribute, not an inline script: the page's CSP allows no inline script at all.
    data = html.escape(dressing.municipality.decode(), quote=True)
    embedded = f'<meta name="todoke-municipality" content="{data}">\n'
    return text.replace("</head>", embedded + "</head>", 1).encode()


def dress_manifest(body: bytes, dressing: Dressing) -> bytes:
    """The web app manifest under the municipality's name, colour and emblem."""
    manifest = json.loads(body)
    manifest["name"] = f"とどけ：{dressing.name}"
    manifest["short_name"] = dressing.name[:12]
    manifest["theme_color"] = dressing.theme_color
    if dressing.emblem and dressing.emblem_size:
        width, height = dressing.emblem_size
        icon = {"src": dressing.emblem, "sizes": f"{width}x{height}", "type": "image/png"}
        manifest["icons"] = [{**icon, "purpose": "any"}, *manifest["icons"]]
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode()


def _is_staff_file(name: str) -> bool:
    """The staff app's files (assets/js/staff/, staff-ja.json, staff.css): not the residents'."""
    return any(part.startswith("staff") for part in name.split("/"))


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
        # The service worker precaches every file of the resident app (not the staff app's).
        self.precached = [
            name.removeprefix("assets/")
            for name in sorted(raw)
            if name.startswith("assets/") and not _is_staff_file(name)
        ]
        entries = dict(raw)
        if "sw.js" in entries:
            entries["sw.js"] = entries["sw.js"].replace(
                PRECACHE_TOKEN, json.dumps(self.precached).encode()
            )
        self.entries = {
            route: StaticFile(name, entries[name].replace(b"__BUILD__", self.build.encode()))
            for route, name in ENTRY_FILES.items()
            if name in entries
        }
        self.assets = {
            name.removeprefix("assets/"): StaticFile(name, body)
            for name, body in raw.items()
            if name.startswith("assets/")
        }
        shell = self.entries.get("/")
        self.not_found_page = _not_found_shell(shell.body, raw) if shell else None
        self._dressed: dict[tuple[str, str], StaticFile] = {}

    def dressed(self, route: str, dressing: Dressing) -> StaticFile | None:
        """The entry file at route in the municipality's dress, made once per dressing."""
        plain = self.entries.get(route)
        if plain is None:
            return None
        key = (route, dressing.key)
        found = self._dressed.pop(key, None)
        if found is None:
            if route == "/manifest.webmanifest":
                body = dress_manifest(plain.body, dressing)
            else:
                body = dress_page(plain.body, dressing, staff=route == "/staff")
            found = StaticFile(ENTRY_FILES[route], body)
            # The least recently served go first: a deployment of many municipalities keeps
            # its busy ones made, instead of making every one again after each clear-out.
            while len(self._dressed) >= DRESSED_KEPT:
                del self._dressed[next(iter(self._dressed))]
        self._dressed[key] = found  # (re)inserted last: the most recently served
        return found


def _not_found_shell(shell: bytes, raw: dict[str, bytes]) -> bytes:
    """The app shell for a path no screen claims: the router shows its not-found screen in
    the resident's language. Without JavaScript, the <noscript> says so in Japanese and
    English (the i18n files' words) with the links home and to the procedures."""
    lines = []
    for language in ("ja", "en"):
        words = json.loads(raw.get(f"assets/i18n/{language}.json", b"{}"))
        say = {key: html.escape(str(words.get(key, ""))) for key in _NOT_FOUND_KEYS}
        lang = f' lang="{language}"'
        lines.append(
            f'<p class="noscript"{lang}><strong>{say["notFound.title"]}</strong> '
            f'{say["notFound.body"]} <a href="/">{say["notFound.home"]}</a> / '
            f'<a href="/procedures">{say["notFound.procedures"]}</a></p>'
        )
    fallback = "<noscript>" + "".join(lines) + "</noscript>"
    return re.sub(rb"<noscript>.*?</noscript>", fallback.encode(), shell, count=1, flags=re.S)


_NOT_FOUND_KEYS = ("notFound.title", "notFound.body", "notFound.home", "notFound.procedures")


def _accepts_html(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "").lower()
    return "text/html" in accept or "application/xhtml+xml" in accept


def page_not_found(bundle: PwaBundle) -> Any:
    """The app's handler for a 404 that Litestar raises (no route, no such asset).

    A page a browser asks for (GET, Accept: text/html, not under /api, /assets, /schema)
    gets the app shell with status 404, and its router shows the not-found screen in the
    resident's language. A known page typed in another case (/Account) is sent to its
    address (301). Everything else, and every API path, keeps the problem+json answer."""
    problem = EXCEPTION_HANDLERS[HTTPException]

    def handle(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        path = request.url.path
        if request.method != "GET" or _NOT_PAGES.match(path):
            return problem(request, exc)
        lowered = path.lower()
        # Only a plain path: nothing a browser would resolve to elsewhere ("//", "/..").
        plain = "//" not in lowered and "/." not in lowered
        if lowered != path and plain and any(p.match(lowered) for p in _APP_PATHS):
            query = request.url.query
            location = lowered + (f"?{query}" if query else "")
            return Response(
                content=b"",
                status_code=301,
                headers={"location": location, "cache-control": "no-cache"},
            )
        if bundle.not_found_page is None or not _accepts_html(request):
            return problem(request, exc)
        return Response(
            content=bundle.not_found_page,
            status_code=404,
            media_type="text/html",
            headers={"cache-control": REVALIDATE, "vary": "accept"},
        )

    return handle


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
# The route option of files every municipality shares (identity/auth.py resolves none).
SHARED_FILES = "shared_files"


def pwa_router(bundle: PwaBundle, dress: Dresser | None = None) -> Router:
    """Routes for the app shell, its entry files and its versioned assets. With ``dress``,
    the shell and the manifest are the request's municipality's own."""

    @get([*ENTRY_FILES, *APP_ROUTES, *STAFF_ROUTES], include_in_schema=False)
    async def entry(request: Request[Any, Any, Any]) -> Response[bytes]:
        path = request.url.path
        shell = "/staff" if path.startswith("/staff") else "/"
        route = path if path in bundle.entries else shell
        item = bundle.entries.get(route)
        if item is None:
            raise NotFoundException()
        if dress is not None and route in _DRESSED_ROUTES:
            dressing = await dress(request)
            if dressing is not None:
                item = bundle.dressed(route, dressing) or item
        response = _serve(request, item, REVALIDATE)
        if path == "/sw.js":
            response.headers["service-worker-allowed"] = "/"
        return response

    # The same bytes for every municipality: no municipality is resolved for them (a server
    # started while the database is down still serves the app and its offline page).
    @get(
        "/assets/{build:str}/{path:path}",
        include_in_schema=False,
        sync_to_thread=False,
        opt={SHARED_FILES: True},
    )
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
