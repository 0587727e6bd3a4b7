"""One usage row per account and day: the upload quota's upsert conflicts on it."""

from todoke.db import index_migration

ID = "2026-12-07T09:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "upload_usage: one row per account and day"

STATEMENTS = [
    "CREATE UNIQUE INDEX upload_usage_account_day ON upload_usage (account, day)",
]

forwards = index_migration(ID, "procedures", DESCRIPTION, STATEMENTS)
