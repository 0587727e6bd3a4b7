"""A core system's token is unique within its municipality (issue 16: every unique key of a
tenant-owned table includes the municipality; the bearer is looked up with the request's)."""

from todoke.tenant_keys import TenantKeys, tenant_keys_migration

ID = "2026-12-08T15:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "core_system: the token unique by municipality"

TABLES = [
    TenantKeys(
        "core_system",
        unique_columns=("token_hash",),
        create_indexes=(
            "CREATE UNIQUE INDEX core_system_token_hash ON core_system (token_hash, municipality)",
        ),
    ),
]

forwards = tenant_keys_migration(ID, "registry", DESCRIPTION, TABLES)
