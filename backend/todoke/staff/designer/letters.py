"""Outreach letters (勧奨通知) of a programme in the back office: how many wait for printing,
making a print batch (one PDF, one CSV manifest for the print shop), and downloading a
batch's files. The work is the benefits domain's (``benefits/letters.py``).

The files carry live sign-up codes and registered addresses: only supervisors and
administrators (``LETTERS_PRINT``) of the programme's department reach them, and every
download is audited. They are never served as static files."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from litestar import Controller, Request
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from litestar.params import Parameter
from litestar.response import File
from litestar.status_codes import HTTP_201_CREATED

from todoke.benefits import letters
from todoke.notices.letters import LetterFontMissing
from todoke.principal import Permission, Principal
from todoke.settings import Settings
from todoke.web.guards import requires
from todoke.web.inputs import RowId, Slug
from todoke.web.routing import get, post

logger = logging.getLogger("todoke.staff")


class LetterController(Controller):
    path = "/api/staff/programs"
    tags = ["staff", "benefits"]
    guards = [requires(Permission.LETTERS_PRINT)]

    @get("/{slug:str}/letters", operation_id="staffProgramLetters")
    async def overview(
        self, principal: NamedDependency[Principal], slug: Slug
    ) -> letters.LetterOverview:
        return await letters.letter_overview(principal, slug)

    @post(
        "/{slug:str}/letters",
        operation_id="staffPrintLetters",
        summary="Print the programme's waiting letters as one batch (PDF + CSV manifest)",
        status_code=HTTP_201_CREATED,
    )
    async def create_batch(
        self, request: Request, principal: NamedDependency[Principal], slug: Slug
    ) -> letters.LetterBatchRead:
        settings: Settings = request.app.state.settings
        try:
            return await letters.create_batch(principal, slug, settings)
        except LetterFontMissing as missing:
            # The operator's to fix: said in the log, a plain 503 to the caller.
            raise ServiceUnavailableException(detail=str(missing)) from None

    @get(
        "/{slug:str}/letters/{batch_id:int}/{kind:str}",
        operation_id="staffDownloadLetters",
        summary="Download a batch's PDF or CSV manifest (audited)",
        media_type="application/octet-stream",
    )
    async def download(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        slug: Slug,
        batch_id: RowId,
        kind: Annotated[Literal["pdf", "csv"], Parameter(description="pdf or csv")],
    ) -> File:
        settings: Settings = request.app.state.settings
        found = await letters.batch_file(principal, slug, batch_id, kind, settings)
        return File(
            path=found.path,
            filename=found.filename,
            media_type=found.media_type,
            headers={"cache-control": "no-store"},
        )
