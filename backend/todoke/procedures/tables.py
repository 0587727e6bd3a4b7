"""Procedure tables. A published version never changes; an edit publishes a new one."""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from todoke.registry.tables import Department, Municipality


class Procedure(Table):
    municipality = ForeignKey(references=Municipality, null=False)
    slug = Varchar(length=64)
    department = ForeignKey(references=Department, null=False)
    # The version residents file against; null until the first publication.
    published_version = Integer(null=True, default=None)
    sort_order = Integer(default=0)
    created_at = Timestamptz()


class ProcedureVersion(Table):
    procedure = ForeignKey(references=Procedure, null=False)
    version = Integer()
    definition = JSON()  # a ProcedureDefinition, encoded
    published_at = Timestamptz(null=True, default=None)
