"""RFC 9457 problem details for every failure path.

Each body has ``type``, ``title``, ``status``, ``detail``, ``instance`` plus our own
members: ``title_ja``/``detail_ja`` (the API answers in Japanese and English),
``request_id`` (to find the log line) and ``errors`` (one entry per bad field); a 403 to
staff may name what was missing: ``required_roles`` or ``required_department``.

``type`` is ``urn:todoke:problem:<kind>``, one URI per kind of error and never
``about:blank``: ``PROBLEM_TYPES`` below lists them (the OpenAPI document carries the list).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from todoke.db import is_database_unavailable
from todoke.errors import FieldError, Forbidden, RequiredDepartment, Text, TodokeError
from todoke.principal import STAFF_ROLES
from todoke.web.edge import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("todoke.web")

_KIND_STATUS = {
    "invalid": 422,
    "malformed": 400,
    "not_found": 404,
    "conflict": 409,
    "unauthenticated": 401,
    "forbidden": 403,
    "rate_limited": 429,
    "too_large": 413,
    "unsupported_media_type": 415,
}

PROBLEM_TYPE_PREFIX = "urn:todoke:problem:"
# Every kind of problem the API answers with, and what it means (the OpenAPI document lists
# them under the Problem schema's ``type``).
PROBLEM_TYPES: dict[str, str] = {
    "malformed": "400: the body, a query or a path parameter cannot be read or has the wrong "
    "shape (a number or day out of range, JSON nested too deep); `errors` names the fields",
    "unauthenticated": "401: sign in first (or the session has ended)",
    "forbidden": "403: signed in, but this account may not do this",
    "not_found": "404: nothing at this address, or nothing this account may see",
    "method_not_allowed": "405: this address does not take this method",
    "conflict": "409: the thing changed or is in another state (stale version, used key)",
    "too_large": "413: the body is larger than this route accepts",
    "unsupported_media_type": "415: the body is not of a type this route reads",
    "invalid": "422: the input was read but its meaning is refused; `errors` names the fields",
    "rate_limited": "429: too many attempts; see the Retry-After header",
    "internal": "500: our fault; the request id finds the log line",
    "not_ready": "503: the database does not answer",
    "unavailable": "503: the service cannot answer now (the database does not answer); "
    "try again after Retry-After seconds (a retried filing keeps its Idempotency-Key)",
}
# The kind of a failure Litestar raises (routing, body size, media type) by its status.
_STATUS_KIND = {
    400: "malformed",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def problem_type(kind: str) -> str:
    return PROBLEM_TYPE_PREFIX + kind


# Standard titles per status, in both languages.
_TITLES: dict[int, Text] = {
    400: Text("リクエストの形式が正しくありません", "Bad request"),
    401: Text("サインインが必要です", "Sign-in required"),
    403: Text("この操作は許可されていません", "Not allowed"),
    404: Text("見つかりません", "Not found"),
    405: Text("この方法では利用できません", "Method not allowed"),
    409: Text("現在の状態と矛盾しています", "Conflict"),
    413: Text("送信データが大きすぎます", "Request too large"),
    415: Text("このデータ形式には対応していません", "Unsupported media type"),
    422: Text("入力内容に誤りがあります", "Invalid input"),
    429: Text("リクエストが多すぎます。しばらくしてからお試しください", "Too many requests"),
    500: Text("システムで問題が発生しました", "Internal error"),
    503: Text("ただいま利用できません", "Service unavailable"),
}


class Problem(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    title_ja: str
    detail_ja: str
    instance: str = ""
    request_id: str = ""
    errors: list[FieldError] = msgspec.field(default_factory=list)
    # A staff refusal's missing role(s) or department (never in a resident's refusal).
    required_roles: list[str] = msgspec.field(default_factory=list)
    required_department: RequiredDepartment | None = None


def _title(status: int) -> Text:
    return _TITLES.get(status) or _TITLES[400 if status < 500 else 500]


def _kind_by_class(status: int) -> str:
    return "malformed" if status < 500 else "internal"


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: Text | None = None,
    *,
    slug: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    required_roles: tuple[str, ...] = (),
    required_department: RequiredDepartment | None = None,
) -> Response[bytes]:
    title = _title(status)
    detail = detail or title
    body = Problem(
        type=problem_type(slug or _STATUS_KIND.get(status) or _kind_by_class(status)),
        title=title.en,
        title_ja=title.ja,
        status=status,
        detail=detail.en,
        detail_ja=detail.ja,
        instance=request.url.path,
        request_id=current_request_id(),
        errors=errors or [],
        required_roles=list(required_roles),
        required_department=required_department,
    )
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _todoke_error(request: Request[Any, Any, Any], exc: TodokeError) -> Response[bytes]:
    # Some are module constants (a NotFound raised wherever a thing is missing). Python adds
    # each raise's frames to the traceback the exception already holds, so without this a
    # constant kept the frames (and every local: request, session, rows) of every request
    # that ever raised it: 5-6 KB more per 404 from a draft that is gone, without end.
    exc.__traceback__ = None
    status = _KIND_STATUS[exc.kind]
    retry_after = getattr(exc, "retry_after", None)
    headers = {"retry-after": str(retry_after)} if retry_after else None
    refused = exc if isinstance(exc, Forbidden) else None
    return problem_response(
        request,
        status,
        exc.message,
        slug=exc.kind,
        errors=exc.errors,
        headers=headers,
        required_roles=refused.required_roles if refused else (),
        required_department=refused.required_department if refused else None,
    )


_GENERIC_FIELD_MESSAGE = Text("この項目の値が正しくありません", "This value is not valid")


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    errors: list[FieldError] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or item.get("source") or "body")
        message = str(item.get("message") or "invalid value")
        errors.append(
            FieldError(
                field=key,
                label=Text(key, key),
                message=Text(_GENERIC_FIELD_MESSAGE.ja + f"（{message}）", message),
            )
        )
    missing = _MISSING_PARAMETER.match(str(exc.detail or ""))
    if not errors and missing:
        # Litestar names a missing required parameter only in its message: name the field,
        # so clients show it where it belongs (a case opened without a purpose).
        kind, name = missing.groups()
        errors.append(
            FieldError(
                field=name,
                label=Text(name, name),
                message=Text("この項目は必須です", f"missing required {kind} parameter"),
            )
        )
    detail = Text(
        "送信された内容を読み取れないか、形式が正しくありません。",
        "The request could not be read or does not have the expected shape.",
    )
    return problem_response(request, 400, detail, slug="malformed", errors=errors)


_MISSING_PARAMETER = re.compile(r"^Missing required (\w+) parameter '([^']+)'")


_HTTP_DETAILS: dict[int, Text] = {
    404: Text("指定されたページや項目はありません。", "There is nothing at this address."),
    405: Text(
        "このアドレスはこの方法では使えません。", "This address does not accept this method."
    ),
    413: Text(
        "送信データが上限を超えています。小さくして送ってください。",
        "The request body is larger than this endpoint accepts.",
    ),
}


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    detail = _HTTP_DETAILS.get(status)
    if detail is None and exc.detail and status < 500:
        detail = Text(_title(status).ja, str(exc.detail))
    if status >= 500:
        logger.error("http error %s: %s", status, exc.detail)
        detail = None
    return problem_response(request, status, detail, headers=headers or None)


# What a 503 asks clients to wait before trying again: a database restart takes seconds.
RETRY_AFTER_SECONDS = 2
DATABASE_UNAVAILABLE = Text(
    "ただいまデータベースに接続できません。少し待ってから、もう一度お試しください。",
    "The database does not answer right now. Please try again in a moment.",
)


def unavailable_response(request: Request[Any, Any, Any], slug: str) -> Response[bytes]:
    """503 for a database that cannot be reached now, with Retry-After."""
    return problem_response(
        request,
        503,
        DATABASE_UNAVAILABLE,
        slug=slug,
        headers={"retry-after": str(RETRY_AFTER_SECONDS)},
    )


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if is_database_unavailable(exc):
        # Not our bug and not the request's: one line, no traceback (an outage would flood
        # the log with them), and an answer that says to come back.
        logger.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
        return unavailable_response(request, "unavailable")
    # The log line has the traceback and the request id; the answer has neither internals.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    detail = Text(
        "予期しない問題が発生しました。時間をおいて、もう一度お試しください。",
        "Something went wrong on our side. Please try again later.",
    )
    return problem_response(request, HTTP_500_INTERNAL_SERVER_ERROR, detail, slug="internal")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    TodokeError: _todoke_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected_error,
}


def _struct_classes() -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = []
    pending = list(msgspec.Struct.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def document_problem_responses(app: Any) -> None:
    """Declare in the OpenAPI document what every operation may answer on failure:
    problem+json for any 4xx, 500 and 503 (so clients and fuzzers know the shape)."""
    from litestar._openapi.plugin import OpenAPIPlugin
    from litestar.openapi.spec import (
        OpenAPIHeader,
        OpenAPIResponse,
        OpenAPIType,
        Reference,
        Schema,
    )
    from litestar.openapi.spec import OpenAPIMediaType as MediaTypeSpec

    # The plugin builds the document once and keeps it: complete it in place, at start.
    openapi = app.plugins.get(OpenAPIPlugin).provide_openapi()
    # Bodies that refuse unknown fields say so, so clients (and fuzzers) know.
    strict = {
        cls.__name__ for cls in _struct_classes() if cls.__struct_config__.forbid_unknown_fields
    }
    for name, schema in (openapi.components.schemas or {}).items():
        if name in strict:
            schema.additional_properties = False
    text = Schema(type=OpenAPIType.STRING)
    field_error = Schema(
        type=OpenAPIType.OBJECT,
        properties={
            "field": text,
            "label": Schema(type=OpenAPIType.OBJECT, properties={"ja": text, "en": text}),
            "message": Schema(type=OpenAPIType.OBJECT, properties={"ja": text, "en": text}),
        },
    )
    openapi.components.schemas["Problem"] = Schema(
        type=OpenAPIType.OBJECT,
        required=["type", "title", "status", "detail", "title_ja", "detail_ja"],
        properties={
            "type": Schema(
                type=OpenAPIType.STRING,
                enum=[problem_type(kind) for kind in PROBLEM_TYPES],
                description="The kind of problem:\n"
                + "\n".join(f"- `{problem_type(k)}`: {d}" for k, d in PROBLEM_TYPES.items()),
            ),
            "title": text,
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": text,
            "title_ja": text,
            "detail_ja": text,
            "instance": text,
            "request_id": text,
            "errors": Schema(type=OpenAPIType.ARRAY, items=field_error),
            "required_roles": Schema(
                type=OpenAPIType.ARRAY,
                items=Schema(type=OpenAPIType.STRING, enum=list(STAFF_ROLES)),
                description="403 to staff: the roles that may do what was refused",
            ),
            "required_department": Schema(
                type=OpenAPIType.OBJECT,
                properties={"code": text, "name": text},
                description="403 to staff: the department whose staff may do it",
            ),
        },
    )
    content = {
        PROBLEM_MEDIA_TYPE: MediaTypeSpec(schema=Reference(ref="#/components/schemas/Problem"))
    }
    _document_optional_bodies(app, openapi)
    for path_item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is None:
                continue
            responses = operation.responses or {}
            for status in [s for s in responses if s.startswith("4")]:
                del responses[status]  # Litestar's default 400 claims application/json
            responses["4XX"] = OpenAPIResponse(description="Problem details", content=content)
            responses["500"] = OpenAPIResponse(description="Internal error", content=content)
            # Any operation may meet a database that does not answer (restarting, down).
            responses.setdefault(
                "503",
                OpenAPIResponse(
                    description="The database does not answer; try again after Retry-After",
                    content=content,
                    headers={
                        "Retry-After": OpenAPIHeader(
                            schema=Schema(type=OpenAPIType.INTEGER),
                            description="Seconds to wait before trying again",
                        )
                    },
                ),
            )
            operation.responses = responses


def _document_optional_bodies(app: Any, openapi: Any) -> None:
    """Litestar declares every request body required; a route whose ``data`` has a default
    (e.g. approving a programme without a legal basis for letters) takes none."""
    from litestar.routes import HTTPRoute

    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in (openapi.paths or {}):
            continue
        path_item = openapi.paths[route.path_format]
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None or not (data.has_default or data.is_optional):
                continue
            for method in handler.http_methods:
                operation = getattr(path_item, method.lower(), None)
                if operation is not None and operation.request_body is not None:
                    operation.request_body.required = False
