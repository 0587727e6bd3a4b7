"""Reading what a request carries beyond its JSON body, the same way on every route:
raw bodies under a cap, and the Idempotency-Key header."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request
from litestar.params import HeaderParameter, Parameter

from todoke.db import MAX_ID
from todoke.errors import InvalidInput, PayloadTooLarge, Text

# A row id in a path: positive and within the database's integer range, so a larger number
# is a 400 problem, never an overflow inside the driver.
RowId = Annotated[int, Parameter(ge=1, le=MAX_ID)]


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
