"""Every benefits table keyed by municipality (issue 16): a match carries its programme's,
one match per programme version and person and a letter batch's reference are unique within
the municipality."""

from todoke.tenant_keys import TenantKeys, tenant_keys_migration

ID = "2026-12-08T15:00:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "benefits: every table and unique key by municipality"

TABLES = [
    TenantKeys(
        "program_match",
        backfill="(SELECT p.municipality FROM program p WHERE p.id = t.program)",
        drop_indexes=("program_match_once",),
        create_indexes=(
            "CREATE UNIQUE INDEX program_match_once "
            "ON program_match (program, version, person, municipality)",
        ),
    ),
    TenantKeys(
        "letter_batch",
        unique_columns=("reference",),
        create_indexes=(
            "CREATE UNIQUE INDEX letter_batch_reference ON letter_batch (reference, municipality)",
        ),
    ),
]

forwards = tenant_keys_migration(ID, "benefits", DESCRIPTION, TABLES)
