"""Registry routes: the municipality the app serves, and the import API for core systems."""

from __future__ import annotations

import io
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_201_CREATED

from todoke import jp
from todoke.errors import FieldError, InvalidInput, NotFound, Text
from todoke.registry import branding, service
from todoke.registry.hosts import request_municipality
from todoke.registry.importer import get_import_report, import_registry
from todoke.registry.schemas import (
    CoreSystemCaller,
    ImportReport,
    MunicipalityPublic,
    MunicipalityRead,
    PersonRecord,
    PersonUpsertResult,
    PostalAreaList,
)
from todoke.web import inputs
from todoke.web.inputs import RowId
from todoke.web.routing import get, post, put

REGISTRY_ID_PATTERN = r"^[0-9A-Za-z_-]{1,32}$"
# ASCII or full-width digits, with or without 〒 and a dash of any kind.
POSTAL_CODE_PATTERN = r"^〒?[0-9０-９]{3}[-‐－−ー]?[0-9０-９]{4}$"
_FORMATS = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json-seq": "jsonl",
}


class MunicipalityController(Controller):
    path = "/api/municipality"
    tags = ["municipality"]

    @get("/", operation_id="getMunicipality", summary="The municipality this app serves")
    async def read(self, municipality: NamedDependency[MunicipalityRead]) -> MunicipalityPublic:
        return MunicipalityPublic(
            id=municipality.id,
            code=municipality.code,
            name=municipality.name,
            prefecture=municipality.prefecture,
            origin=municipality.origin,
            branding=await branding.read_branding(municipality),
        )

    @get(
        "/emblem/{tag:str}",
        operation_id="getMunicipalityEmblem",
        summary="The municipality's emblem (PNG); its address changes with the image",
        media_type="image/png",
    )
    async def emblem(
        self,
        municipality: NamedDependency[MunicipalityRead],
        tag: Annotated[str, Parameter(max_length=20)],
    ) -> Response[bytes]:
        held = await branding.emblem(municipality.id)
        if held is None:
            raise NotFound(Text("紋章はありません。", "This municipality has no emblem."))
        png, current = held
        # The address names the image: the current one is kept for a year, an old address
        # (a page from before a change) gets today's image without pinning it.
        cache = "public, max-age=31536000, immutable" if tag == current else "no-cache"
        return Response(
            content=png,
            media_type="image/png",
            headers={
                "cache-control": cache,
                "etag": f'"{current}"',
                "content-security-policy": "default-src 'none'; sandbox",
                "cross-origin-resource-policy": "same-origin",
            },
        )


async def core_system_token(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
    """A guard: the caller shows a live core-system token, checked before the body is read
    (so a caller without one learns nothing about what it sent)."""
    authorization = connection.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    municipality = await request_municipality(connection.scope, any_host=True)
    connection.state.core_system = await service.authenticate_core_system(
        token.strip() if scheme.lower() == "bearer" else "", municipality.id
    )


def _core_system(request: Request[Any, Any, Any]) -> CoreSystemCaller:
    caller: CoreSystemCaller = request.state.core_system
    return caller


# What the OpenAPI document says these controllers accept (and nothing else).
CORE_SYSTEM_ONLY: list[dict[str, list[str]]] = [{"coreSystemToken": []}]


class RegistryImportController(Controller):
    """For the municipality's core systems, authenticated by a per-system bearer token."""

    path = "/api/registry/imports"
    tags = ["registry"]
    guards = [core_system_token]
    opt = {"any_host": True}  # core systems call at whatever name reaches the server
    security = CORE_SYSTEM_ONLY

    @post(
        "/",
        operation_id="importRegistry",
        summary="Import a registry file (CSV in UTF-8 or Shift_JIS, or JSON Lines)",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,  # capped below by the settings' import limit
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        atomic: Annotated[bool, Parameter(description="All rows or none")] = False,
        filename: Annotated[str, Parameter(max_length=255)] = "upload",
        charset: Annotated[
            str | None, Parameter(description="utf-8 or shift_jis; detected when absent")
        ] = None,
    ) -> ImportReport:
        caller = _core_system(request)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        file_format = _FORMATS.get(content_type)
        if file_format is None:
            raise InvalidInput(
                Text(
                    "Content-Type は text/csv か application/x-ndjson にしてください。",
                    "Send the file as text/csv or application/x-ndjson.",
                )
            )
        encoding = _encoding(charset or _charset_of(request.headers.get("content-type", "")))
        body = await inputs.read_capped_body(request, request.app.state.settings.max_import_bytes)
        report = await import_registry(
            io.BytesIO(body),
            municipality_id=caller.municipality_id,
            source=caller.name,
            filename=filename,
            file_format=file_format,
            encoding=encoding,
            atomic=atomic,
        )
        if report.status == "rejected":
            raise InvalidInput(
                Text(
                    f"取り込みを中止しました（取込番号 {report.id}）。何も反映していません。",
                    f"Import {report.id} rejected; nothing was applied. {report.message}",
                ),
                errors=[
                    FieldError(
                        field=f"line {e.line}" + (f": {e.field}" if e.field else ""),
                        label=Text(f"{e.line}行目", f"line {e.line}"),
                        message=Text(e.reason_ja, e.reason),
                    )
                    for e in report.errors
                ],
            )
        return report

    @get("/{import_id:int}", operation_id="getRegistryImport", summary="An import's report")
    async def read(self, request: Request[Any, Any, Any], import_id: RowId) -> ImportReport:
        caller = _core_system(request)
        report = await get_import_report(caller.municipality_id, import_id)
        if report is None:
            raise NotFound(Text("この取込はありません。", "There is no such import."))
        return report


class RegistryPersonController(Controller):
    """Real-time updates of one person from a core system (異動連携)."""

    path = "/api/registry/persons"
    tags = ["registry"]
    guards = [core_system_token]
    opt = {"any_host": True}  # core systems call at whatever name reaches the server
    security = CORE_SYSTEM_ONLY

    @put(
        "/{registry_id:str}",
        operation_id="upsertPerson",
        summary="Create or update one person in real time (same rules as a file import)",
    )
    async def upsert_person(
        self,
        request: Request[Any, Any, Any],
        registry_id: Annotated[str, Parameter(pattern=REGISTRY_ID_PATTERN, max_length=32)],
        data: Annotated[PersonRecord, Body(schema_extra={"additionalProperties": False})],
    ) -> PersonUpsertResult:
        caller = _core_system(request)
        record = {"registry_id": registry_id, **msgspec.to_builtins(data)}
        report = await import_registry(
            io.BytesIO(msgspec.json.encode(record) + b"\n"),
            municipality_id=caller.municipality_id,
            source=caller.name,
            filename=f"api:{registry_id[:40]}",
            file_format="jsonl",
            atomic=True,
        )
        if report.errors:
            raise InvalidInput(
                Text("入力内容に誤りがあります。", "The record has invalid fields."),
                errors=[
                    FieldError(
                        field=e.field or "body",
                        label=Text(*_label(e.field)),
                        message=Text(e.reason_ja, e.reason),
                    )
                    for e in report.errors
                ],
            )
        result = (
            "created" if report.rows_created else "updated" if report.rows_updated else "unchanged"
        )
        return PersonUpsertResult(registry_id=registry_id, result=result, import_id=report.id)


def _label(field: str) -> tuple[str, str]:
    from todoke.registry.importer import LABELS

    return LABELS.get(field, (field or "本文", field or "body"))


class PostalCodeController(Controller):
    path = "/api/postal-codes"
    tags = ["addresses"]

    @get("/{code:str}", operation_id="lookupPostalCode", summary="Addresses for a postal code")
    async def lookup(
        self, code: Annotated[str, Parameter(pattern=POSTAL_CODE_PATTERN, max_length=12)]
    ) -> PostalAreaList:
        try:
            normalised = jp.normalize_postal_code(code)
        except ValueError:
            raise InvalidInput(
                Text("郵便番号は7桁の数字で入力してください。", "A postal code has 7 digits."),
                errors=[
                    FieldError(
                        field="code",
                        label=Text("郵便番号", "postal code"),
                        message=Text("7桁の数字（NNN-NNNN）", "7 digits (NNN-NNNN)"),
                    )
                ],
            ) from None
        areas = jp.lookup_postal_code(normalised)
        if not areas:
            raise NotFound(
                Text("この郵便番号は見つかりません。", "No address has this postal code.")
            )
        return PostalAreaList(items=areas)


def _charset_of(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset":
            return value.strip('"')
    return None


def _encoding(charset: str | None) -> str | None:
    if not charset:
        return None
    normalised = charset.lower().replace("_", "-")
    if normalised in ("utf-8", "utf8"):
        return "utf-8"
    if normalised in ("shift-jis", "sjis", "cp932", "windows-31j", "ms932"):
        return "cp932"
    raise InvalidInput(
        Text("文字コードは UTF-8 か Shift_JIS にしてください。", "Use UTF-8 or Shift_JIS."),
    )
