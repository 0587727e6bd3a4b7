"""Demo residents who already use the app: about a tenth of the adults have a verified
account, with mixed consents and email addresses, so approving a programme in the demo
tells some in the app, some by email too (the demo's mail goes to the local mail folder
and the log) and leaves the rest to the letter batch.

These accounts have no passkey: nobody signs in as them. They stand for the residents a
municipality already has, so the funnel on the approval screen looks like a real one.
Deterministic: the same registry gives the same accounts."""

from __future__ import annotations

import random
import secrets

from todoke import clock
from todoke.db import write_transaction

SHARE_WITH_ACCOUNT = 0.10
SHARE_CONSENTED = 0.75  # of those with an account: consented to matching
SHARE_WITH_EMAIL = 0.40  # of those who consented: a confirmed address, notices by email
SEED = 12


async def seed_demo_accounts(municipality_id: int) -> int:
    """Create the accounts once (a second run finds them and does nothing); returns how many
    were created."""
    rng = random.Random(SEED)
    now = clock.now()
    created = 0
    async with write_transaction() as sql:
        seeded = await sql.value(
            "SELECT COUNT(*) FROM account WHERE municipality = ? AND verified_by = 'demo'",
            [municipality_id],
        )
        if seeded:
            return 0
        adults = [
            row[0]
            for row in await sql.fetch(
                "SELECT id FROM person WHERE municipality = ? AND status = 'resident' "
                "AND birth_date <= ? ORDER BY id",
                [municipality_id, clock.today().replace(year=clock.today().year - 18)],
            )
        ]
        bound = {
            row[0]
            for row in await sql.fetch(
                "SELECT person FROM account WHERE municipality = ? AND person IS NOT NULL",
                [municipality_id],
            )
        }
        for person_id in adults:
            if person_id in bound or rng.random() >= SHARE_WITH_ACCOUNT:
                continue
            account_id = await sql.value(
                "INSERT INTO account (municipality, kind, display_name, user_handle, person, "
                "verified_at, verified_by, staff_role, language, second_passkey_suggested, "
                "verification_failures, created_at) "
                "VALUES (?, 'resident', ?, ?, ?, ?, 'demo', '', ?, FALSE, 0, ?) RETURNING id",
                [municipality_id, f"デモ住民{person_id}", secrets.token_urlsafe(16), person_id,
                 now, rng.choice(("ja", "ja", "ja", "easy", "en")), now],
            )  # fmt: skip
            created += 1
            if rng.random() >= SHARE_CONSENTED:
                continue
            await sql.execute(
                "INSERT INTO consent (municipality, account, purpose, granted_at) "
                "VALUES (?, ?, 'matching', ?)",
                [municipality_id, account_id, now],
            )
            if rng.random() < SHARE_WITH_EMAIL:
                await sql.execute(
                    "INSERT INTO email_address (municipality, account, address, language, "
                    "notify, confirmed_at, bounce_reason, created_at, updated_at) "
                    "VALUES (?, ?, ?, 'ja', TRUE, ?, '', ?, ?)",
                    [municipality_id, account_id, f"resident{person_id}@demo.todoke.example",
                     now, now, now],
                )  # fmt: skip
    return created
