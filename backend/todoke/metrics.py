"""Operators' metrics: Prometheus text at ``GET /metrics``, for a scraper that holds
``TODOKE_METRICS_TOKEN`` (a bearer token). Without the setting the endpoint does not exist
(404); with it, a request without the right token is a 401 problem. The proxy refuses the
path from outside in any case (``deploy/nginx.conf``).

Two kinds of numbers:

- counted by the processes as they work: HTTP requests (by route template, never the raw
  path, so residents' ids do not become series), their latency, and matching rounds
  (``benefits.worker``);
- read from the database at scrape time, cheaply: deliveries by channel and state (push and
  email from the notices outbox, letters and every programme telling from benefits), the
  workers' lag (how long the oldest due delivery has waited), registry import rows, and the
  matching backlog. These are the deployment's, whichever process answers, each labelled
  with its municipality's code (``municipality="131016"``) but the workers' lag.

Several processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (the production environment file
does), every process — web and worker — writes its counters into that folder and whichever
web process is scraped sums them all (prometheus-client's multiprocess mode), so one scrape
target sees the whole machine. Without it, each process reports its own counters.

This module composes the domains' readers (like the app factory, it may import any domain).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import NotFoundException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from todoke import clock
from todoke.benefits import metrics as benefits_metrics
from todoke.errors import Text
from todoke.notices import metrics as notices_metrics
from todoke.registry import metrics as registry_metrics
from todoke.registry import public as registry_public
from todoke.settings import Settings
from todoke.web.problems import problem_response
from todoke.web.routing import get

logger = logging.getLogger("todoke.metrics")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "(unmatched)"  # no route: one series for every unknown path
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "todoke_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "todoke_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class RequestMetrics:
    """ASGI middleware inside the router's reach: after the call the scope carries the
    route template Litestar matched (``path_template``)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        # Labelled children, kept: .labels() takes a lock and builds a key every call.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]  # an exception that escapes everything is what the client sees as 500

        async def send_status(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("path_template") or UNMATCHED
            method = scope.get("method", "")
            method = method if method in _METHODS else "other"
            self._observe(route, method, status[0], time.perf_counter() - started)

    def _observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = REQUESTS.labels(route, method, str(status))
        counter.inc()
        histogram = self._histograms.get(key[:2])
        if histogram is None:
            histogram = self._histograms[key[:2]] = LATENCY.labels(route, method)
        histogram.observe(seconds)


class _Families(Collector):
    """Families already read (from the database), handed to a registry for one scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


async def database_families(settings: Settings) -> list[Metric]:
    """The deployment's numbers, read now. If the database does not answer, the scrape
    still succeeds and says so (``todoke_database_up 0``): the process metrics matter most
    exactly then."""
    up = GaugeMetricFamily("todoke_database_up", "Whether the metrics' database reads worked")
    try:
        outbox = await notices_metrics.outbox_counts()
        lag = await notices_metrics.oldest_due_seconds(clock.now(), settings.quiet_hours)
        tellings = await benefits_metrics.telling_counts()
        matching = await benefits_metrics.matching_lag()
        imports = await registry_metrics.import_totals()
    except Exception:
        logger.exception("metrics: the database reads failed")
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)

    # Each municipality's numbers under its 全国地方公共団体コード (a deployment may serve many);
    # the workers' lag is the deployment's, as the workers are.
    codes = {m.id: m.code for m in await registry_public.municipality_names()}

    def code(municipality_id: int) -> str:
        return codes.get(municipality_id, str(municipality_id))

    deliveries = GaugeMetricFamily(
        "todoke_deliveries",
        "Deliveries in the outboxes by municipality, channel (push, email, letter) and state",
        labels=["municipality", "channel", "state"],
    )
    for row in outbox:
        deliveries.add_metric([code(row.municipality), row.channel, row.state], row.count)
    for telling in tellings:
        if telling.channel == "letter":  # app and email tellings go out as push and email
            deliveries.add_metric(
                [code(telling.municipality), "letter", telling.state], telling.count
            )
    told = GaugeMetricFamily(
        "todoke_program_tellings",
        "Programme tellings by municipality, channel (app, email, letter) and state",
        labels=["municipality", "channel", "state"],
    )
    for telling in tellings:
        told.add_metric([code(telling.municipality), telling.channel, telling.state], telling.count)
    oldest = GaugeMetricFamily(
        "todoke_delivery_lag_seconds",
        "How long the oldest delivery that is due (quiet hours respected) has waited",
        labels=["channel"],
    )
    for channel, seconds in sorted(lag.items()):
        oldest.add_metric([channel], seconds)
    backlog = GaugeMetricFamily(
        "todoke_matching_backlog_changes",
        "Registry changes no matching pass has read yet, by municipality",
        labels=["municipality"],
    )
    last_pass = GaugeMetricFamily(
        "todoke_matching_last_pass_timestamp_seconds",
        "When matching last moved past registry changes (Unix time; 0: never), by municipality",
        labels=["municipality"],
    )
    for each in matching:
        backlog.add_metric([code(each.municipality)], each.changes)
        moved = each.last_pass_at.timestamp() if each.last_pass_at else 0
        last_pass.add_metric([code(each.municipality)], moved)
    runs = GaugeMetricFamily(
        "todoke_registry_imports",
        "Registry imports by municipality and status",
        labels=["municipality", "status"],
    )
    rows = CounterMetricFamily(
        "todoke_registry_import_rows",
        "Registry import rows by municipality and outcome",
        labels=["municipality", "outcome"],
    )
    for totals in imports:
        for status, count in sorted(totals.imports.items()):
            runs.add_metric([code(totals.municipality), status], count)
        for outcome, count in totals.rows.items():
            rows.add_metric([code(totals.municipality), outcome], count)
    return [up, deliveries, told, oldest, backlog, last_pass, runs, rows]


def process_registry() -> CollectorRegistry:
    """Every process's counters (multiprocess mode), or this process's."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@get("/metrics", include_in_schema=False, opt={"platform": True})
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    settings: Settings = request.app.state.settings
    if not settings.metrics_token:
        raise NotFoundException()  # metrics are off: nothing here
    sent = request.headers.get("authorization", "")
    scheme, _, token = sent.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), settings.metrics_token.encode()
    ):
        return problem_response(
            request,
            401,
            Text("メトリクスにはトークンが必要です。", "Metrics need the operators' token."),
            slug="metrics_token",
            headers={"www-authenticate": 'Bearer realm="todoke-metrics"'},
        )
    body = generate_latest(process_registry()) + generate_latest(
        _registry_of(await database_families(settings))
    )
    return Response(
        body,
        media_type=CONTENT_TYPE_LATEST,
        headers={"cache-control": "no-store"},
    )


def _registry_of(families: list[Metric]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return registry
