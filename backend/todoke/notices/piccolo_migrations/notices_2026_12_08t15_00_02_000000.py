"""Every notices table keyed by municipality (issue 16): the push outbox carries the notice's
municipality, and the unique keys (a subscription's endpoint, one address per account, a
confirmation link, one email per notice) include it."""

from todoke.tenant_keys import TenantKeys, tenant_keys_migration

ID = "2026-12-08T15:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "notices: every table and unique key by municipality"

TABLES = [
    TenantKeys("delivery", backfill="(SELECT n.municipality FROM notice n WHERE n.id = t.notice)"),
    TenantKeys(
        "push_subscription",
        unique_columns=("endpoint",),
        create_indexes=(
            "CREATE UNIQUE INDEX push_subscription_endpoint "
            "ON push_subscription (endpoint, municipality)",
        ),
    ),
    TenantKeys(
        "email_address",
        unique_columns=("account", "confirm_hash"),
        create_indexes=(
            "CREATE UNIQUE INDEX email_address_account ON email_address (account, municipality)",
            "CREATE UNIQUE INDEX email_address_confirm_hash "
            "ON email_address (confirm_hash, municipality)",
        ),
    ),
    TenantKeys(
        "email_delivery",
        unique_columns=("notice",),
        create_indexes=(
            "CREATE UNIQUE INDEX email_delivery_notice ON email_delivery (notice, municipality)",
        ),
    ),
]

forwards = tenant_keys_migration(ID, "notices", DESCRIPTION, TABLES)
