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
    check = await verify_chain()
    assert (check.events, check.first_broken) == (3, None)


async def test_an_edited_event_breaks_the_chain_there(city):
    ids = await _three_events(city)
    await AuditEvent.update({AuditEvent.purpose: "見ていません"}).where(AuditEvent.id == ids[1])
    assert (await verify_chain()).first_broken == ids[1]


async def test_a_deleted_event_breaks_the_chain_at_the_next(city):
    ids = await _three_events(city)
    await AuditEvent.delete().where(AuditEvent.id == ids[1])
    assert (await verify_chain()).first_broken == ids[2]


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
