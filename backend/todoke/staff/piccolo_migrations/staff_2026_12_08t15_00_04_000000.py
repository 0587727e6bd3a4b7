"""Every back-office table keyed by municipality (issue 16): case assignments and notes carry
their application's, follow-ups their consultation's, and one assignment per application is
unique within the municipality."""

from todoke.tenant_keys import TenantKeys, tenant_keys_migration

ID = "2026-12-08T15:00:04:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff: every table and unique key by municipality"

FROM_APPLICATION = "(SELECT a.municipality FROM application a WHERE a.id = t.application)"

TABLES = [
    TenantKeys(
        "case_assignment",
        backfill=FROM_APPLICATION,
        unique_columns=("application",),
        create_indexes=(
            "CREATE UNIQUE INDEX case_assignment_application "
            "ON case_assignment (application, municipality)",
        ),
    ),
    TenantKeys("case_note", backfill=FROM_APPLICATION),
    TenantKeys(
        "follow_up",
        backfill="(SELECT c.municipality FROM consultation c WHERE c.id = t.consultation)",
    ),
]

forwards = tenant_keys_migration(ID, "staff", DESCRIPTION, TABLES)
