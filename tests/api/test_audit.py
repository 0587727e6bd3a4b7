"""The audit chain: appends link each event to the one before; tampering is found."""

from __future__ import annotations

import os
import subprocess
import sys

from todoke.audit.service import record, verify_chain
from todoke.audit.tables import AuditEvent


async def _three_events(city):
    for n in range(3):
        await record(
            municipality_id=city.id,
            actor_kind="staff",
            actor_account=1,
            subject_person=100 + n,
            action="registry.person_viewed",
            purpose="相談対応",
            detail={"n": n},
        )
    return [r["id"] for r in await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)]


async def test_an_intact_chain_verifies(city):
    await _three_events(city)
    check = await verify_chain(city.id)
    assert (check.events, check.first_broken) == (3, None)


async def test_an_edited_event_breaks_the_chain_there(city):
    ids = await _three_events(city)
    await AuditEvent.update({AuditEvent.purpose: "見ていません"}).where(AuditEvent.id == ids[1])
    assert (await verify_chain(city.id)).first_broken == ids[1]


async def test_a_deleted_event_breaks_the_chain_at_the_next(city):
    ids = await _three_events(city)
    await AuditEvent.delete().where(AuditEvent.id == ids[1])
    assert (await verify_chain(city.id)).first_broken == ids[2]


async def test_the_command_reports_the_first_broken_link(db, city):
    ids = await _three_events(city)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    env["TODOKE_DATA_DIR"] = db.data_dir
    if db.database_url:
        env["TODOKE_DATABASE_URL"] = db.database_url

    def run():
        return subprocess.run(
            [sys.executable, "-m", "todoke.cli", "verify-audit"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    intact = run()
    assert intact.returncode == 0 and "intact: 3 events" in intact.stdout
    await AuditEvent.update({AuditEvent.detail: '{"n": 99}'}).where(AuditEvent.id == ids[0])
    broken = run()
    assert broken.returncode == 1
    assert f"BROKEN at event {ids[0]}" in broken.stdout


async def test_each_municipality_has_a_chain_of_its_own(city):
    """Issue 16: a municipality's trail is verified from its own events alone, and another's
    events, interleaved, neither join nor break it."""
    from todoke.registry.service import ensure_municipality

    town = await ensure_municipality(
        "139971",
        {"ja": "ひがし町", "easy": "ひがしまち", "en": "Higashi Town"},
        {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"},
    )
    for n in range(6):
        await record(
            municipality_id=(city.id, town.id)[n % 2],
            actor_kind="staff",
            action="registry.person_viewed",
            purpose="相談対応",
            detail={"n": n},
        )
    rows = await AuditEvent.select().order_by(AuditEvent.id)
    for municipality in (city.id, town.id):
        chain = [r for r in rows if r["municipality"] == municipality]
        # Each event links to the one before it in its own municipality, the first to genesis.
        assert chain[0]["previous_hash"] == "0" * 64
        assert [r["previous_hash"] for r in chain[1:]] == [r["hash"] for r in chain[:-1]]
        assert (await verify_chain(municipality)).events == 3
    # The town's events edited: the city's chain is untouched, the town's broken.
    town_ids = [r["id"] for r in rows if r["municipality"] == town.id]
    await AuditEvent.update({AuditEvent.purpose: "見ていません"}).where(
        AuditEvent.id == town_ids[1]
    )
    assert (await verify_chain(city.id)).first_broken is None
    assert (await verify_chain(town.id)).first_broken == town_ids[1]


async def test_one_municipalitys_events_do_not_verify_in_anothers_chain(city):
    """The town's chain copied into the city's (its events relabelled, even a whole chain
    that links up by itself) does not verify there: each event's hash covers its
    municipality."""
    from todoke.registry.service import ensure_municipality

    town = await ensure_municipality(
        "139971",
        {"ja": "ひがし町", "easy": "ひがしまち", "en": "Higashi Town"},
        {"ja": "東京都", "easy": "とうきょうと", "en": "Tokyo"},
    )
    for n in range(2):
        await record(
            municipality_id=town.id,
            actor_kind="staff",
            action="registry.person_viewed",
            purpose="相談対応",
            detail={"n": n},
        )
    town_ids = [r["id"] for r in await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)]
    assert (await verify_chain(city.id)).events == 0
    await AuditEvent.update({AuditEvent.municipality: city.id}).where(
        AuditEvent.municipality == town.id
    )
    check = await verify_chain(city.id)
    assert check.first_broken == town_ids[0]
