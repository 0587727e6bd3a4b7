"""Life events (issue 17): one event per slug and one version per number in a municipality;
a resident's started events read by account (home's timeline, on every visit); one started
event per idempotency key (a retried 「まとめて申請する」 finds the first)."""

from todoke.db import index_migration

ID = "2026-12-09T05:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "life_event, life_event_version, life_event_case: unique keys and the account index"

STATEMENTS = [
    "CREATE UNIQUE INDEX life_event_slug_once ON life_event (municipality, slug)",
    "CREATE UNIQUE INDEX life_event_version_once "
    "ON life_event_version (municipality, life_event, version)",
    "CREATE UNIQUE INDEX life_event_case_key_once "
    "ON life_event_case (municipality, account, idempotency_key)",
]

forwards = index_migration(ID, "procedures", DESCRIPTION, STATEMENTS)
