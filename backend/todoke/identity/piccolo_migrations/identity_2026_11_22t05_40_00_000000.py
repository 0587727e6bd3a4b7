"""Indexes for the lookups every request makes (sessions, passkeys) and for staff lists."""

from todoke.db import index_migration

ID = "2026-11-22T05:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "identity lookup indexes"

STATEMENTS = [
    "CREATE INDEX session_account ON session (account)",
    "CREATE INDEX passkey_account ON passkey (account)",
    "CREATE INDEX account_person ON account (person)",
    "CREATE INDEX staff_department_account ON staff_department (account)",
    "CREATE INDEX consent_account_purpose ON consent (account, purpose)",
    "CREATE INDEX ceremony_expires_at ON ceremony (expires_at)",
    "CREATE INDEX audit_event_subject_person ON audit_event (subject_person)",
    "CREATE INDEX audit_event_subject_account ON audit_event (subject_account)",
]

forwards = index_migration(ID, "identity", DESCRIPTION, STATEMENTS)
