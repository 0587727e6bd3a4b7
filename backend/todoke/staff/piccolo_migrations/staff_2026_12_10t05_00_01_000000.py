"""DV・ストーカー等支援措置 (issue 17): municipalities whose need-to-know grants were seeded
before the ``protected_contact`` item existed get its defaults (the caseworkers and
supervisors of 市民課 and 福祉相談課); one never seeded gets them with the rest on first use."""

from todoke.db import index_migration

ID = "2026-12-10T05:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "need_to_know: protected_contact for citizens and welfare"

STATEMENTS = [
    "INSERT INTO need_to_know (municipality, role, department, item) "
    f"SELECT DISTINCT municipality, '{role}', '{department}', 'protected_contact' "
    # "WHERE true": SQLite reads ON CONFLICT after a bare SELECT ... FROM as a join.
    "FROM need_to_know WHERE true ON CONFLICT (municipality, role, department, item) DO NOTHING"
    for role in ("caseworker", "supervisor")
    for department in ("citizens", "welfare")
]

forwards = index_migration(ID, "staff", DESCRIPTION, STATEMENTS)
