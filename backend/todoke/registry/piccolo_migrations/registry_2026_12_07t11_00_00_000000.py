"""person: one municipality's persons in id order, found without reading its neighbours'.

Matching on SQLite reads a municipality's registry in id ranges; on a deployment of several
municipalities (issue 16) a range of the whole table is mostly the neighbours' rows. This
index gives the municipality's own id bounds and ranges (in SQLite it is (municipality,
rowid): its entries point at the rows in table order, so walking it is no random read)."""

from todoke.db import index_migration

ID = "2026-12-07T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "person: a municipality's persons by id"

STATEMENTS = ["CREATE INDEX person_municipality_id ON person (municipality, id)"]

forwards = index_migration(ID, "registry", DESCRIPTION, STATEMENTS)
