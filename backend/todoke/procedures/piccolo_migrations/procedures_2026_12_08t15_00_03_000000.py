"""Every procedures table keyed by municipality (issue 16): procedure versions, the timeline,
the reach tracker and the upload quota carry it (from their procedure, application or
account), and the unique keys (a version number, a receipt number, an attachment token, a
filing's idempotency key, one draft per author, one quota row a day) include it."""

from todoke.tenant_keys import TenantKeys, tenant_keys_migration

ID = "2026-12-08T15:00:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "procedures: every table and unique key by municipality"

FROM_APPLICATION = "(SELECT a.municipality FROM application a WHERE a.id = t.application)"

TABLES = [
    TenantKeys(
        "procedure_version",
        backfill="(SELECT p.municipality FROM procedure p WHERE p.id = t.procedure)",
        drop_indexes=("procedure_version_procedure_version",),
        create_indexes=(
            "CREATE UNIQUE INDEX procedure_version_procedure_version "
            "ON procedure_version (procedure, version, municipality)",
        ),
    ),
    TenantKeys(
        "draft",
        drop_indexes=("draft_author_procedure_principal",),
        create_indexes=(
            "CREATE UNIQUE INDEX draft_author_procedure_principal "
            "ON draft (author, procedure, principal, municipality)",
        ),
    ),
    TenantKeys(
        "application",
        unique_columns=("receipt_number",),
        drop_indexes=("application_filed_by_idempotency_key",),
        create_indexes=(
            "CREATE UNIQUE INDEX application_receipt_number "
            "ON application (receipt_number, municipality)",
            "CREATE UNIQUE INDEX application_filed_by_idempotency_key "
            "ON application (filed_by, idempotency_key, municipality)",
        ),
    ),
    TenantKeys("application_event", backfill=FROM_APPLICATION),
    TenantKeys("application_reach", backfill=FROM_APPLICATION),
    TenantKeys(
        "attachment",
        unique_columns=("token",),
        create_indexes=("CREATE UNIQUE INDEX attachment_token ON attachment (token, municipality)",),
    ),
    TenantKeys(
        "upload_usage",
        backfill="(SELECT a.municipality FROM account a WHERE a.id = t.account)",
        drop_indexes=("upload_usage_account_day",),
        create_indexes=(
            "CREATE UNIQUE INDEX upload_usage_account_day "
            "ON upload_usage (account, day, municipality)",
        ),
    ),
]

forwards = tenant_keys_migration(ID, "procedures", DESCRIPTION, TABLES)
