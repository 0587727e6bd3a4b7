"""Procedure catalogue routes, public: anyone may see what can be done online."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from todoke.procedures import service
from todoke.procedures.schemas import ProcedureList, ProcedureSummary
from todoke.registry.schemas import MunicipalityRead


class ProcedureController(Controller):
    path = "/api/procedures"
    tags = ["procedures"]

    @get("/", operation_id="listProcedures", summary="Published procedures, optionally searched")
    async def list_procedures(
        self,
        municipality: NamedDependency[MunicipalityRead],
        q: Annotated[str, Parameter(max_length=100, description="Search words")] = "",
    ) -> ProcedureList:
        return ProcedureList(items=await service.list_published(municipality.id, q))

    @get("/{slug:str}", operation_id="getProcedure", summary="One published procedure")
    async def get_procedure(
        self, municipality: NamedDependency[MunicipalityRead], slug: FromPath[str]
    ) -> ProcedureSummary:
        return await service.get_published(municipality.id, slug)
