"""Every identity table keyed by municipality (issue 16, "ready for a distributed engine"):
sessions, passkeys, ceremonies, consents, staff departments and rate counters carry their
municipality (from the account; a ceremony without an account and the rate counters cannot
be attributed and are dropped — they live minutes), and each unique key includes it. The
request's municipality is known from its host before any of these is looked up."""

from todoke.tenant_keys import TenantKeys, tenant_keys_migration

ID = "2026-12-08T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "identity: every table and unique key by municipality"

FROM_ACCOUNT = "(SELECT a.municipality FROM account a WHERE a.id = t.account)"

TABLES = [
    TenantKeys(
        "account",
        unique_columns=("user_handle",),
        create_indexes=(
            "CREATE UNIQUE INDEX account_user_handle ON account (user_handle, municipality)",
        ),
    ),
    TenantKeys("staff_department", backfill=FROM_ACCOUNT),
    TenantKeys(
        "passkey",
        backfill=FROM_ACCOUNT,
        unique_columns=("credential_id",),
        create_indexes=(
            "CREATE UNIQUE INDEX passkey_credential_id ON passkey (credential_id, municipality)",
        ),
    ),
    TenantKeys(
        "ceremony",
        backfill=FROM_ACCOUNT,
        transient=True,
        unique_columns=("challenge",),
        create_indexes=(
            "CREATE UNIQUE INDEX ceremony_challenge ON ceremony (challenge, municipality)",
        ),
    ),
    TenantKeys(
        "session",
        backfill=FROM_ACCOUNT,
        unique_columns=("token_hash",),
        create_indexes=(
            "CREATE UNIQUE INDEX session_token_hash ON session (token_hash, municipality)",
        ),
    ),
    TenantKeys(
        "activation_code",
        unique_columns=("code_hash",),
        create_indexes=(
            "CREATE UNIQUE INDEX activation_code_code_hash "
            "ON activation_code (code_hash, municipality)",
        ),
    ),
    TenantKeys(
        "staff_invite",
        unique_columns=("token_hash",),
        create_indexes=(
            "CREATE UNIQUE INDEX staff_invite_token_hash ON staff_invite (token_hash, municipality)",
        ),
    ),
    TenantKeys("consent", backfill=FROM_ACCOUNT),
    TenantKeys(
        "rate_counter",
        backfill="NULL",
        transient=True,
        unique_columns=("key",),
        create_indexes=("CREATE UNIQUE INDEX rate_counter_key ON rate_counter (key, municipality)",),
    ),
    TenantKeys(
        "delegation",
        unique_columns=("code_hash",),
        create_indexes=(
            "CREATE UNIQUE INDEX delegation_code_hash ON delegation (code_hash, municipality)",
        ),
    ),
]

forwards = tenant_keys_migration(ID, "identity", DESCRIPTION, TABLES)
