"""The application factory: ``create_app(settings)`` builds the whole Litestar app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, Router
from litestar.config.compression import CompressionConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.params import FromPath
from litestar.routes import HTTPRoute

import todoke
from todoke import published
from todoke.benefits.routes import SupportController
from todoke.benefits.telling import tell_on_consent
from todoke.benefits.worker import run_matching
from todoke.db import (
    configure_database,
    is_database_unavailable,
    single_read,
    start_database,
    stop_database,
)
from todoke.errors import TodokeError
from todoke.identity.auth import SessionAuthMiddleware, session_cookie_name
from todoke.identity.ratelimit import rate_limit
from todoke.identity.routes import AuthController, DelegationController, MeController
from todoke.identity.service import ConsentListeners
from todoke.metrics import RequestMetrics, metrics
from todoke.notices.routes import (
    EmailController,
    EmailUnsubscribeController,
    InboxController,
    PushController,
)
from todoke.notices.worker import DeliveryWorker, EmailWorker
from todoke.platform.routes import PlatformController
from todoke.procedures.attachments import LocalFileStore
from todoke.procedures.life_event_routes import (
    LifeEventController,
    MyLifeEventController,
)
from todoke.procedures.routes import (
    ApplicationController,
    AttachmentController,
    CorrectionController,
    DraftController,
    MovingController,
    ProcedureController,
    TimelineController,
)
from todoke.registry import branding as registry_branding
from todoke.registry.hosts import request_municipality
from todoke.registry.routes import (
    MunicipalityController,
    PostalCodeController,
    RegistryImportController,
    RegistryPersonController,
)
from todoke.registry.schemas import MunicipalityPublic, MunicipalityRead
from todoke.settings import Settings, load_settings
from todoke.staff.admin.routes import AdminController, BrandingController, InviteController
from todoke.staff.bereavement.routes import BereavementController
from todoke.staff.cases.routes import CaseController
from todoke.staff.counter.routes import CounterController, CounterFilingController
from todoke.staff.designer.letters import LetterController
from todoke.staff.designer.life_events import StaffLifeEventController
from todoke.staff.designer.programs import StaffProgramController
from todoke.staff.designer.routes import DesignerController
from todoke.staff.residents.routes import ResidentRecordController
from todoke.web.edge import EdgeMiddleware, configure_logging
from todoke.web.forwarded import ClientResolver, parse_networks
from todoke.web.guards import provide_optional_principal, provide_principal
from todoke.web.inputs import DaySchema, LimitedRequest, is_day, parse_day
from todoke.web.openapi import complete_on_first_build, document_security, security_schemes
from todoke.web.problems import (
    EXCEPTION_HANDLERS,
    PROBLEM_MEDIA_TYPE,
    Problem,
    document_problem_responses,
    unavailable_response,
)
from todoke.web.pwa import (
    NO_COMPRESSION,
    Dressing,
    PwaBundle,
    default_pwa_root,
    page_not_found,
    pwa_router,
)
from todoke.web.routing import get
from todoke.web.timing import ServerTiming, mark_handler_start

logger = logging.getLogger("todoke.app")


class Health(msgspec.Struct, frozen=True):
    status: str  # ok (the process is up) | ready (the database answers)


@get(
    "/healthz",
    operation_id="healthz",
    summary="The process is up",
    tags=["operations"],
    opt={"platform": True},
)
async def healthz() -> Health:
    return Health(status="ok")


@get(
    "/readyz",
    operation_id="readyz",
    opt={"platform": True},
    summary="The database answers",
    tags=["operations"],
    responses={
        503: ResponseSpec(
            Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description="The database does not answer",
            generate_examples=False,
        )
    },
)
async def readyz(request: Request[Any, Any, Any]) -> Response[Health] | Response[bytes]:
    try:
        # Through the pool the requests use: ready means they can reach the database.
        async with single_read() as sql:
            await sql.value("SELECT 1")
    except Exception as error:
        if is_database_unavailable(error):
            logger.warning("readiness check: the database does not answer (%r)", error)
        else:
            logger.exception("readiness check failed")
        return unavailable_response(request, "not_ready")
    return Response(Health(status="ready"))


def provide_consent_listeners() -> ConsentListeners:
    """Who hears of a new consent (identity cannot import the domains above it)."""
    return ConsentListeners(listeners=(tell_on_consent,))


COMPRESS_OVER_BYTES = 2048


async def provide_municipality(request: ASGIConnection[Any, Any, Any, Any]) -> MunicipalityRead:
    """The municipality this request is for, from its host (``identity.auth``)."""
    return await request_municipality(request.scope)


async def dress_shell(request: Request[Any, Any, Any]) -> Dressing | None:
    """The app shell's dress for the request's municipality (none where no one is served)."""
    try:
        municipality = await provide_municipality(request)
    except TodokeError:
        return None
    branding = await registry_branding.read_branding(municipality)
    public = MunicipalityPublic(
        id=municipality.id,
        code=municipality.code,
        name=municipality.name,
        prefecture=municipality.prefecture,
        origin=municipality.origin,
        branding=branding,
    )
    size = branding.emblem_size
    return Dressing(
        palette=branding.palette,
        theme_color=branding.theme_color,
        name=municipality.name["ja"],
        municipality=msgspec.json.encode(public),
        emblem=branding.emblem,
        emblem_size=(size[0], size[1]) if size else None,
    )


def _swagger_assets() -> Router:
    import swagger_ui

    folder = Path(swagger_ui.__file__).parent / "static"
    allowed = {
        "swagger-ui-bundle.js": "text/javascript",
        "swagger-ui-standalone-preset.js": "text/javascript",
        "swagger-ui.css": "text/css",
    }

    @get("/{name:str}", include_in_schema=False, sync_to_thread=False)
    def swagger_asset(name: FromPath[str]) -> Response[bytes]:
        if name not in allowed:
            raise NotFoundException()
        return Response(
            (folder / name).read_bytes(),
            media_type=allowed[name],
            headers={"cache-control": "public, max-age=86400"},
        )

    return Router(path="/schema-assets", route_handlers=[swagger_asset])


def create_app(settings: Settings | None = None, *, pwa_root: Path | None = None) -> Litestar:
    """Build the app for ``settings`` (from the environment when not given)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    engine = configure_database(settings)
    bundle = PwaBundle(pwa_root or default_pwa_root())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        opened = await start_database(engine)
        stop = asyncio.Event()
        # Other processes' publishes (PostgreSQL) clear this one's kept catalogue.
        workers = [asyncio.create_task(published.listen(stop))]
        if settings.embedded_worker:
            # The embedded default: push delivery and re-matching inside the web process.
            workers += [
                asyncio.create_task(DeliveryWorker(settings).run(stop)),
                asyncio.create_task(EmailWorker(settings).run(stop)),
                asyncio.create_task(run_matching(stop)),
            ]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*workers)
            if opened:
                await stop_database(engine)

    openapi = OpenAPIConfig(
        title="Todoke API",
        version=todoke.__version__,
        description="Resident super app for Japanese municipalities. Errors are RFC 9457 "
        "problem details with Japanese and English messages.",
        path="/schema",
        render_plugins=[
            SwaggerRenderPlugin(
                path="/",
                js_url="/schema-assets/swagger-ui-bundle.js",
                css_url="/schema-assets/swagger-ui.css",
                standalone_preset_js_url="/schema-assets/swagger-ui-standalone-preset.js",
                # Our own icon: Litestar's default comes from a CDN the CSP (rightly) blocks.
                favicon=(
                    f"<link rel='icon' type='image/svg+xml' "
                    f"href='/assets/{bundle.build}/icons/favicon.svg'>"
                ),
            )
        ],
        components=security_schemes(session_cookie_name(settings)),
    )
    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            metrics,
            MunicipalityController,
            AuthController,
            MeController,
            InboxController,
            ProcedureController,
            DraftController,
            MovingController,
            TimelineController,
            LifeEventController,
            MyLifeEventController,
            StaffLifeEventController,
            AttachmentController,
            ApplicationController,
            CorrectionController,
            DelegationController,
            CaseController,
            ResidentRecordController,
            BereavementController,
            CounterController,
            CounterFilingController,
            DesignerController,
            StaffProgramController,
            LetterController,
            AdminController,
            InviteController,
            PushController,
            EmailController,
            EmailUnsubscribeController,
            SupportController,
            RegistryImportController,
            RegistryPersonController,
            PostalCodeController,
            PlatformController,
            BrandingController,
            pwa_router(bundle, dress_shell),
            _swagger_assets(),
        ],
        dependencies={
            "municipality": Provide(provide_municipality),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "optional_principal": Provide(provide_optional_principal, sync_to_thread=False),
            "consent_listeners": Provide(provide_consent_listeners, sync_to_thread=False),
        },
        middleware=[SessionAuthMiddleware(settings)],
        before_request=mark_handler_start if settings.server_timing else None,
        # JSON bodies checked for size and depth before decoding; bounded days (web/inputs).
        request_class=LimitedRequest,
        type_decoders=[(is_day, parse_day)],
        plugins=[DaySchema()],
        # A page a browser asks for that does not exist: the app's own not-found screen.
        exception_handlers={**EXCEPTION_HANDLERS, 404: page_not_found(bundle)},
        openapi_config=openapi,
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "pwa_build": bundle.build,
                "file_store": LocalFileStore(settings.data_path / "attachments"),
                # notices' routes count with identity's limiter (notices sits below it).
                "rate_limit": rate_limit,
            }
        ),
        request_max_body_size=settings.max_body_bytes,
        # JSON over a few kilobytes (the catalogue, a form) goes gzipped to clients that
        # take it: most residents are on phones, often on mobile data.
        # Not the PWA's files: they are served already compressed (web/pwa.py).
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=COMPRESS_OVER_BYTES,
            gzip_compress_level=6,
            exclude_opt_key=NO_COMPRESSION,
        ),
        logging_config=None,
        debug=False,
    )
    # Requests counted inside the edge, where Litestar's routing has named the route
    # template; only where /metrics is on (a token set), not on every request for nothing.
    if settings.metrics_token:
        app.asgi_handler = RequestMetrics(app.asgi_handler)
    if settings.server_timing:
        app.asgi_handler = ServerTiming(app.asgi_handler)

    # Outside Litestar's routing, so unknown paths and wrong methods get headers and ids too.
    edge = EdgeMiddleware(
        app.asgi_handler,
        https=settings.serves_https,
        clients=ClientResolver(parse_networks(settings.trusted_proxies), settings.forwarded_header),
    )
    edge.learn_routes(
        [
            (route.path_format or "/", {str(method) for method in route.methods} - {"OPTIONS"})
            for route in app.routes
            if isinstance(route, HTTPRoute)
        ]
    )
    app.asgi_handler = edge
    complete_on_first_build(app, document_problem_responses, document_security)
    return app
