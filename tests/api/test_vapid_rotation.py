"""`todoke rotate-vapid`: a new web push key for new subscriptions, while the devices that
subscribed with the old one keep receiving until they subscribe again; email links and push
topics (keyed on the VAPID key) are not broken by it."""

from __future__ import annotations

import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from push_double import PushDouble
from test_applications import add_household, verified_resident
from test_backup import _todoke

from todoke import clock
from todoke.db import write_transaction
from todoke.notices.email import LINK_KEY_LABEL
from todoke.notices.service import write_notice
from todoke.notices.tables import Delivery, PushSubscription
from todoke.notices.vapid import Keyring, rotate
from todoke.notices.webpush import VapidKeys
from todoke.notices.worker import TOPIC_KEY_LABEL, DeliveryWorker


@pytest.fixture
def vapid_folder(db, tmp_path):
    """The session's key folder, put back as it was after the test."""
    folder = Path(db.data_dir) / "vapid"
    VapidKeys.load_or_create(folder)
    saved = tmp_path / "saved-vapid"
    shutil.copytree(folder, saved)
    yield folder
    shutil.rmtree(folder)
    shutil.copytree(saved, folder)
    folder.chmod(0o700)


@pytest.fixture
def double():
    with PushDouble() as running:
        yield running


async def _notify_the_subscriber(city) -> None:
    """One notice for the account that subscribed (a push to each of its devices)."""
    async with write_transaction() as sql:
        await write_notice(
            sql,
            municipality_id=city.id,
            account_id=(await PushSubscription.select().first())["account"],
            kind="information",
            title={"ja": "お知らせ"},
            body={"ja": "本文"},
        )


async def test_old_subscriptions_keep_the_old_key_and_new_ones_get_the_new(
    client_for, app, city, double, vapid_folder
):
    settings = msgspec.structs.replace(app.state.settings, push_allow_http=True)
    app.state.settings = settings
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    old_key = (await resident.get("/api/push/public-key")).json()["public_key"]
    derived_before = VapidKeys.load_or_create(vapid_folder).derived_key(LINK_KEY_LABEL)
    topics_before = VapidKeys.load_or_create(vapid_folder).derived_key(TOPIC_KEY_LABEL)
    # A phone that subscribed before the rotation (the double refuses any other key for it).
    phone = double.subscribe(server_key=old_key)
    put = await resident.put("/api/push/subscription", json=phone, headers=headers)
    assert put.status_code == 204, put.text
    # A worker already running when the operator rotates: it must follow without a restart.
    worker = DeliveryWorker(settings)

    rotated = _todoke(settings, "rotate-vapid")
    assert rotated.returncode == 0, rotated.stderr
    new_key = (await resident.get("/api/push/public-key")).json()["public_key"]
    assert new_key != old_key
    assert f"new public key:     {new_key}" in rotated.stdout
    assert old_key in rotated.stdout

    # A tablet that subscribes now gets the new key.
    tablet = double.subscribe(server_key=new_key)
    put = await resident.put("/api/push/subscription", json=tablet, headers=headers)
    assert put.status_code == 204, put.text
    await _notify_the_subscriber(city)
    async with worker:
        assert await worker.run_once() == 2
    received = double.wait_for(2, timeout=10)
    assert double.rejected() == []
    signed_with = {
        d.subscription_id: d.headers["authorization"].rsplit("k=", 1)[1] for d in received
    }
    assert signed_with == {
        PushDouble.id_of(phone): old_key,
        PushDouble.id_of(tablet): new_key,
    }
    assert {row["status"] for row in await Delivery.select(Delivery.status)} == {"delivered"}

    # Email links and push topics are keyed as before; the keys on disk are the operator's.
    assert VapidKeys.load_or_create(vapid_folder).derived_key(LINK_KEY_LABEL) == derived_before
    assert worker.topic_key == topics_before
    first = VapidKeys.from_pem((vapid_folder / "first_key.pem").read_bytes())
    assert first.public_key_b64url == old_key
    [retired] = (vapid_folder / "retired").iterdir()
    assert VapidKeys.from_pem(retired.read_bytes()).public_key_b64url == old_key
    for path in (vapid_folder / "private_key.pem", vapid_folder / "first_key.pem", retired):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_each_era_of_subscriptions_is_signed_with_its_own_key(vapid_folder):
    def at(hour: int) -> datetime:
        return datetime(2026, 12, 1, hour, 0, tzinfo=UTC)

    original = VapidKeys.load_or_create(vapid_folder).public_key_b64url
    with clock.frozen(at(10)):
        first = rotate(vapid_folder)
    with clock.frozen(at(12)):
        second = rotate(vapid_folder)
    assert first.retired_public_key == original
    assert second.retired_public_key == first.new_public_key
    keyring = Keyring(vapid_folder, "mailto:ops@example.jp")

    def key_for(created_at) -> str:
        return keyring.signer_for(created_at).keys.public_key_b64url

    assert key_for(at(9)) == original
    assert key_for(at(9).isoformat(sep=" ")) == original  # as SQLite hands it back
    assert key_for(at(11)) == first.new_public_key
    assert key_for(at(13)) == second.new_public_key
    assert key_for(None) == second.new_public_key
    # The derived secrets still come from the very first key.
    assert keyring.current.derived_key("x") == VapidKeys.from_pem(
        (vapid_folder / "first_key.pem").read_bytes()
    ).derived_key("x")
    assert first.new_public_key not in (original, second.new_public_key)


async def test_a_device_that_subscribed_with_a_cached_old_key_still_receives(
    client_for, app, city, double, vapid_folder
):
    """The public key may be cached (a browser, a proxy) around a rotation: a device that
    subscribes after it with the old key is refused once with the new key, then served with
    the old one at once."""
    settings = msgspec.structs.replace(app.state.settings, push_allow_http=True)
    app.state.settings = settings
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    cached_key = (await resident.get("/api/push/public-key")).json()["public_key"]
    rotation = rotate(vapid_folder)
    late = double.subscribe(server_key=cached_key)
    put = await resident.put("/api/push/subscription", json=late, headers=headers)
    assert put.status_code == 204, put.text
    await _notify_the_subscriber(city)
    async with DeliveryWorker(settings) as worker:
        assert await worker.run_once() == 1
    [received] = double.wait_for(1, timeout=10)
    assert received.headers["authorization"].endswith(f"k={rotation.retired_public_key}")
    [refused] = double.rejected()  # the one try with the new key
    assert refused.status == 403
    assert refused.headers["authorization"].endswith(f"k={rotation.new_public_key}")
    row = await Delivery.select().first()
    assert row["status"] == "delivered" and row["attempts"] == 1


async def test_without_a_rotation_a_refused_key_is_not_retried(
    client_for, app, city, double, vapid_folder
):
    settings = msgspec.structs.replace(app.state.settings, push_allow_http=True)
    app.state.settings = settings
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    stranger = double.subscribe(server_key=VapidKeys.generate().public_key_b64url)
    put = await resident.put("/api/push/subscription", json=stranger, headers=headers)
    assert put.status_code == 204, put.text
    await _notify_the_subscriber(city)
    async with DeliveryWorker(settings) as worker:
        await worker.run_once()
    assert [r.status for r in double.rejected()] == [403]
    row = await Delivery.select().first()
    assert row["status"] == "failed" and row["last_status"] == 403
