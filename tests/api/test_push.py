"""Web push through the API and the delivery worker, against a local push service that
checks the VAPID token and decrypts every payload the way a phone would."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from push_double import PushDouble
from soft_authenticator import SoftAuthenticator
from test_applications import add_household, filed_application, verified_resident
from test_identity import csrf, register

from todoke.db import aware as _aware
from todoke.db import write_transaction
from todoke.notices.service import write_notice
from todoke.notices.tables import Delivery, Notice, PushSubscription
from todoke.notices.worker import DeliveryWorker


@pytest.fixture
def double():
    with PushDouble() as running:
        yield running


@pytest.fixture
def push_settings(app):
    """The app's settings with plain-http loopback endpoints allowed (the double)."""
    settings = msgspec.structs.replace(app.state.settings, push_allow_http=True)
    app.state.settings = settings
    return settings


def body(subscription: dict, language: str = "ja") -> dict:
    return {**subscription, "language": language}


async def run_worker(settings, **overrides) -> DeliveryWorker:
    worker = DeliveryWorker(msgspec.structs.replace(settings, **overrides))
    async with worker:
        await worker.run_once()
    return worker


@pytest.fixture
async def subscribed(client_for, app, city, double, push_settings):
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, "1000000000")
    subscription = double.subscribe()
    response = await resident.put(
        "/api/push/subscription", json=body(subscription), headers=headers
    )
    assert response.status_code == 204, response.text
    return resident, headers, subscription


async def test_public_key_is_generated_once_and_kept(client, push_settings):
    first = (await client.get("/api/push/public-key")).json()["public_key"]
    second = (await client.get("/api/push/public-key")).json()["public_key"]
    assert first == second and len(first) == 87  # 65 bytes, base64url without padding
    key_file = push_settings.data_path / "vapid" / "private_key.pem"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"


async def test_a_filing_notice_reaches_the_phone_decrypted(subscribed, double, push_settings):
    resident, headers, _ = subscribed
    application = await filed_application(resident, headers)
    assert await Delivery.count() == 1  # written with the notice, in its transaction
    await run_worker(push_settings)
    [delivery] = await double.wait_for_async(1)
    payload = json.loads(delivery.payload)
    # The lock screen says only that the city has a notice; the inbox has the details.
    assert payload["title"] == "とどけ市からお知らせがあります"
    assert payload["body"] == "内容はアプリを開いてご確認ください。"
    assert application["receipt_number"] not in delivery.payload.decode()
    assert payload["link"] == f"/applications/{application['id']}"
    notice = await Notice.select().where(Notice.id == payload["id"]).first()
    assert notice is not None and json.loads(notice["title"])["ja"] == "申請を受け付けました"
    assert delivery.headers["urgency"] == "normal" and int(delivery.headers["ttl"]) > 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", delivery.headers["topic"])
    assert double.rejected() == []
    row = await Delivery.select().first()
    assert row["status"] == "delivered" and row["delivered_at"] is not None


async def test_the_payload_follows_the_devices_language(subscribed, double, push_settings):
    resident, headers, subscription = subscribed
    await resident.put("/api/push/subscription", json=body(subscription, "en"), headers=headers)
    await filed_application(resident, headers)
    await run_worker(push_settings)
    [delivery] = await double.wait_for_async(1)
    assert json.loads(delivery.payload)["title"] == "A notice from Todoke City"


async def test_gone_subscriptions_are_removed(subscribed, double, push_settings):
    resident, headers, _ = subscribed
    double.answer(410)
    await filed_application(resident, headers)
    await run_worker(push_settings)
    assert await PushSubscription.count() == 0
    assert (await Delivery.select().first())["status"] == "gone"
    assert await Notice.count() == 1  # the inbox keeps the notice


async def test_retry_after_is_honoured(subscribed, double, push_settings):
    resident, headers, _ = subscribed
    double.answer(429, retry_after=120, times=1)
    await filed_application(resident, headers)
    before = datetime.now(UTC)
    await run_worker(push_settings)
    row = await Delivery.select().first()
    assert row["status"] == "queued" and row["attempts"] == 1 and row["last_status"] == 429
    due = row["next_attempt_at"]
    due = due if due.tzinfo else due.replace(tzinfo=UTC)
    assert due >= before + timedelta(seconds=120)
    await run_worker(push_settings)  # not due yet: nothing is sent
    assert len(double.attempts()) == 1


async def test_server_errors_are_retried_then_delivered(subscribed, double, push_settings):
    resident, headers, _ = subscribed
    double.answer(500, times=2)
    await filed_application(resident, headers)
    for _ in range(3):
        await Delivery.update({Delivery.next_attempt_at: datetime.now(UTC)}).where(
            Delivery.status == "queued"
        )  # time passes
        await run_worker(push_settings)
    row = await Delivery.select().first()
    assert row["status"] == "delivered" and row["attempts"] == 3
    assert len(await double.wait_for_async(1)) == 1


async def test_after_the_last_attempt_a_delivery_is_dead(subscribed, double, push_settings):
    resident, headers, _ = subscribed
    double.answer(503)
    await filed_application(resident, headers)
    for _ in range(3):
        await Delivery.update({Delivery.next_attempt_at: datetime.now(UTC)}).where(
            Delivery.status == "queued"
        )
        await run_worker(push_settings, push_max_attempts=3)
    row = await Delivery.select().first()
    assert row["status"] == "dead" and row["last_status"] == 503


async def test_a_push_service_down_for_a_while_loses_nothing(subscribed, double, push_settings):
    """The push service goes away (its kept-alive connections with it), notices keep coming,
    then it is back: every queued notice reaches every device once, decrypted intact."""
    resident, headers, _ = subscribed
    for _ in range(2):  # the resident's tablet and PC
        added = await resident.put(
            "/api/push/subscription", json=body(double.subscribe()), headers=headers
        )
        assert added.status_code == 204
    device = await PushSubscription.select().first()

    async def notify(first: int, last: int) -> None:
        async with write_transaction() as sql:
            for n in range(first, last + 1):
                await write_notice(
                    sql,
                    municipality_id=device["municipality"],
                    account_id=device["account"],
                    kind="information",  # shown as written: the titles tell them apart
                    title={"ja": f"お知らせ {n}"},
                    body={"ja": f"本文 {n}"},
                )

    async def time_passes() -> None:
        await Delivery.update({Delivery.next_attempt_at: datetime.now(UTC)}).where(
            Delivery.status == "queued"
        )

    worker = DeliveryWorker(push_settings)
    async with worker:
        await notify(1, 5)
        assert await worker.run_once() == 15
        assert worker.sender.connections() > 0  # kept alive for what comes next
        double.stop()
        await notify(6, 30)
        assert await worker.run_once() == 75
        rows = await Delivery.select().where(Delivery.status != "delivered")
        assert len(rows) == 75
        assert {(r["status"], r["attempts"], r["last_status"]) for r in rows} == {("queued", 1, 0)}
        assert all(_aware(r["next_attempt_at"]) > datetime.now(UTC) for r in rows)  # backing off
        assert await Notice.count() == 30  # the inbox had them all along

        double.start()  # same address, same subscriptions
        await time_passes()
        assert await worker.run_once() == 75
    assert await Delivery.count() == await Delivery.count().where(Delivery.status == "delivered")
    received = await double.wait_for_async(90)
    titles = sorted((d.subscription_id, json.loads(d.payload)["title"]) for d in received)
    expected = sorted(
        (double.id_of(s["endpoint"]), f"お知らせ {n}")
        for s in await PushSubscription.select(PushSubscription.endpoint)
        for n in range(1, 31)
    )
    assert titles == expected  # each device, each notice, exactly once
    assert double.rejected() == []


async def test_rejections_are_failed_with_the_reason_kept(subscribed, double, push_settings):
    resident, headers, _ = subscribed
    double.answer(413, text="payload too large")
    await filed_application(resident, headers)
    await run_worker(push_settings)
    row = await Delivery.select().first()
    assert row["status"] == "failed" and "too large" in row["last_error"]


async def test_quiet_hours_hold_back_all_but_urgent_pushes(subscribed, double, push_settings):
    resident, headers, _ = subscribed
    await filed_application(resident, headers)
    always_quiet = "00:00-23:59"
    await run_worker(push_settings, quiet_hours=always_quiet)
    assert double.attempts() == [] and (await Delivery.select().first())["status"] == "queued"
    await Delivery.update({Delivery.urgency: "high"}).where(Delivery.id > 0)
    await run_worker(push_settings, quiet_hours=always_quiet)
    assert len(await double.wait_for_async(1)) == 1


async def test_signing_out_removes_this_devices_subscription(subscribed, push_settings):
    resident, headers, _ = subscribed
    assert await PushSubscription.count() == 1
    assert (await resident.post("/api/auth/logout", headers=headers)).status_code == 204
    assert await PushSubscription.count() == 0


async def test_one_device_one_subscription_and_hostile_ones_refused(
    client_for, app, city, double, push_settings
):
    resident = client_for(app)
    registered = await register(resident, SoftAuthenticator(), name="たろう")
    headers = csrf(registered)
    subscription = double.subscribe()
    for _ in range(2):
        response = await resident.put(
            "/api/push/subscription", json=body(subscription), headers=headers
        )
        assert response.status_code == 204
    assert await PushSubscription.count() == 1
    bad = [
        {**subscription, "endpoint": "http://push.example.com/x"},
        {**subscription, "endpoint": "https://169.254.169.254/latest/meta-data"},
        {**subscription, "endpoint": "https://evil.example/fcm.googleapis.com/x"},
        {**subscription, "endpoint": "https://fcm.googleapis.com.evil.example/x"},
        {**subscription, "endpoint": "javascript:alert(1)"},
        {**subscription, "keys": {"p256dh": "AAAA", "auth": subscription["keys"]["auth"]}},
        {**subscription, "keys": {"p256dh": subscription["keys"]["p256dh"], "auth": "AA"}},
    ]
    for hostile in bad:
        response = await resident.put("/api/push/subscription", json=hostile, headers=headers)
        assert response.status_code == 422, hostile
    allowed = await resident.put(
        "/api/push/subscription",
        json={**subscription, "endpoint": "https://fcm.googleapis.com/fcm/send/abc123"},
        headers=headers,
    )
    assert allowed.status_code == 204
    anonymous = client_for(app)
    refused = await anonymous.put("/api/push/subscription", json=subscription)
    assert refused.status_code == 401
