"""Reading what a request carries, the same way on every route: JSON bodies under a size
and depth limit, numbers and days within bounds, raw bodies under a cap, and the
Idempotency-Key header."""

from __future__ import annotations

import array
import itertools
import re
import sqlite3
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar import Request
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import HeaderParameter, Parameter
from litestar.plugins import OpenAPISchemaPlugin
from litestar.types import Empty

from todoke.db import MAX_ID
from todoke.errors import InvalidInput, Malformed, PayloadTooLarge, Text

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

# A row id in a path: positive and within the database's integer range, so a larger number
# is a 400 problem, never an overflow inside the driver.
RowId = Annotated[int, Parameter(ge=1, le=MAX_ID)]
# A 住民コード in a staff path, and a procedure's or programme's slug.
RegistryId = Annotated[str, Parameter(pattern=r"^[0-9A-Za-z-]{1,32}$")]
Slug = Annotated[str, Parameter(pattern=r"^[a-z0-9-]{1,64}$")]
# The same in a JSON body (msgspec's constraint; the OpenAPI document shows both bounds).
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
# A procedure version a client answers: 0 is no version, a stale one (409), not malformed.
# (gt=-1, not ge=0: Litestar leaves a bound of 0 out of the OpenAPI document.)
Version = Annotated[int, msgspec.Meta(gt=-1, le=MAX_ID)]

# No form nests deeper than a handful of levels; the decoders recurse once per level, and
# thousands of levels exhaust the stack (a RecursionError, a 500) before any schema is read.
MAX_JSON_DEPTH = 32

# Days a request may name: every birth, deadline or audit window the service deals with
# lies between these, and date arithmetic near year 1 or 9999 overflows.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2200, 12, 31)
# The OpenAPI pattern of a day in range (clients and fuzzers see the bounds).
DAY_PATTERN = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class Day(date):
    """A calendar day between FIRST_DAY and LAST_DAY, in a JSON body or a query.

    A subclass of date, so services use it as one; the app decodes it with ``parse_day``
    (msgspec has no bounds for dates) and documents it with ``DAY_PATTERN``."""


# SQLite's driver adapts a date by its exact type; a Day is stored the same way.
sqlite3.register_adapter(Day, date.isoformat)


def parse_day(_: type, value: Any) -> Day:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError("Expected a date (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"Expected a date from {FIRST_DAY} to {LAST_DAY}")
    return Day(day.year, day.month, day.day)


def is_day(kind: Any) -> bool:
    return kind is Day


# Strings are skipped (their brackets are text); what remains is counted bracket by bracket.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects in a JSON text nest, counted without decoding it."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    steps = array.array("b", brackets.translate(_BRACKET_STEP))
    return max(itertools.accumulate(steps), default=0)


def check_json(body: bytes, max_bytes: int) -> None:
    """Refuse a JSON text too large (413) or nested too deep (400) before any decoder sees
    it; every JSON body of the API passes here (``LimitedRequest``)."""
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    # Fewer openings than the limit cannot nest past it: most bodies are never scanned.
    openings = body.count(b"[") + body.count(b"{")
    if openings > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
        raise Malformed(
            Text(
                f"送信データの入れ子が深すぎます（{MAX_JSON_DEPTH}段まで）。",
                f"The JSON body nests too deep (at most {MAX_JSON_DEPTH} levels).",
            )
        )


class LimitedRequest(Request[Any, Any, Any]):
    """The app's request class: its JSON body is checked before it is decoded, so no route
    can forget the limits."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            check_json(await self.body(), self.app.state.settings.max_body_bytes)
        return await super().json()


async def read_capped_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it grows past ``limit`` bytes (the
    route turns Litestar's own cap off and names its limit from the settings)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> PayloadTooLarge:
    if limit >= 1_048_576:
        size_ja, size_en = f"{limit // 1_048_576}MB", f"{limit // 1_048_576} MB"
    else:
        size_ja, size_en = f"{max(1, limit // 1024)}KB", f"{max(1, limit // 1024)} KB"
    return PayloadTooLarge(
        Text(
            f"送信データが大きすぎます（{size_ja}まで）。",
            f"The upload is too large (at most {size_en}).",
        )
    )


# 8–100 visible ASCII characters: a UUID fits, and nothing a log line could be broken with.
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{8,100}")

IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="A key the client makes once per filing and resends on every retry "
        "(8–100 visible ASCII characters, e.g. a UUID)",
        required=False,
    ),
]


def idempotency_key(value: str | None) -> str:
    """The Idempotency-Key header, checked; a filing route without one answers 422."""
    if value is None or not _IDEMPOTENCY_KEY.fullmatch(value):
        raise InvalidInput(
            Text(
                "送信番号（Idempotency-Key ヘッダー）が必要です。画面を読み込み直してください。",
                "Send an Idempotency-Key header of 8 to 100 visible ASCII characters.",
            )
        )
    return value


class DaySchema(OpenAPISchemaPlugin):
    """Documents ``Day`` as a date string with its bounds (as a pattern: JSON Schema has no
    minimum for dates)."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is Day

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        return Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.DATE,
            pattern=DAY_PATTERN,
            description=f"A day from {FIRST_DAY} to {LAST_DAY}",
        )
