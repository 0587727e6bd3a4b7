"""Uniqueness that makes drafts and idempotent submissions safe, and the lookups residents
and staff make on every screen."""

from todoke.db import index_migration

ID = "2026-11-22T07:23:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one draft per author, procedure and principal; one filing per idempotency key"

STATEMENTS = [
    "CREATE UNIQUE INDEX draft_author_procedure_principal "
    "ON draft (author, procedure, principal)",
    "CREATE UNIQUE INDEX application_filed_by_idempotency_key "
    "ON application (filed_by, idempotency_key)",
    "CREATE INDEX application_account ON application (account)",
    "CREATE INDEX application_department_status ON application (department, status)",
    "CREATE INDEX application_event_application ON application_event (application)",
    "CREATE INDEX application_reach_application ON application_reach (application)",
    "CREATE INDEX attachment_application ON attachment (application)",
    "CREATE INDEX correction_request_account ON correction_request (account)",
    "CREATE INDEX delegation_principal ON delegation (principal)",
    "CREATE INDEX delegation_agent ON delegation (agent)",
]

forwards = index_migration(ID, "procedures", DESCRIPTION, STATEMENTS)
