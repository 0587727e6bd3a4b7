"""The operators' metrics at /metrics: off without a token, refused without the right one,
and with it the requests, the outbox by channel and state, the workers' lag, imports and
matching, as a Prometheus scraper reads them."""

from __future__ import annotations

import re
from datetime import timedelta

import msgspec
import pytest
from prometheus_client.parser import text_string_to_metric_families

from todoke import clock
from todoke.app import create_app
from todoke.benefits.tables import ProgramDelivery
from todoke.db import write_transaction
from todoke.notices.service import write_notice
from todoke.notices.tables import Delivery, EmailDelivery, PushSubscription
from todoke.registry.tables import Household, Person, RegistryChange, RegistryImport

TOKEN = "scrape-token-0123456789abcdef"
TOWN_CODE = "139971"  # the neighbour every `city` test has (conftest)


@pytest.fixture
async def scraper(db, client_for):
    app = create_app(msgspec.structs.replace(db, metrics_token=TOKEN))
    async with client_for(app) as client:
        yield client


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by name and sorted labels, parsed as Prometheus would."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client) -> dict:
    response = await client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    return samples(response.text)


async def test_metrics_are_off_without_a_token_setting(client, city):
    response = await client.get("/metrics", headers={"authorization": "Bearer anything"})
    assert response.status_code == 404
    assert "todoke_" not in response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
)
async def test_metrics_refuse_a_missing_or_wrong_token(scraper, authorization):
    headers = {"authorization": authorization} if authorization else {}
    response = await scraper.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["detail_ja"] and body["type"] == "urn:todoke:problem:metrics_token"
    assert "todoke_http_requests" not in response.text


async def test_requests_are_counted_by_route_template_never_the_raw_path(scraper, city):
    before = await scrape(scraper)
    for _ in range(3):
        assert (await scraper.get("/api/procedures/child-rearing-allowance")).status_code == 200
    assert (await scraper.get("/api/procedures/no-such-secret-slug")).status_code == 404
    assert (await scraper.get("/no/such/path/4711")).status_code == 404
    response = await scraper.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    after = samples(response.text)

    def count(found, route, status):
        labels = (("method", "GET"), ("route", route), ("status", status))
        return found.get(("todoke_http_requests_total", labels), 0)

    route = "/api/procedures/{slug}"
    assert count(after, route, "200") - count(before, route, "200") == 3
    assert count(after, route, "404") - count(before, route, "404") == 1
    assert count(after, "(unmatched)", "404") - count(before, "(unmatched)", "404") == 1
    latency = ("todoke_http_request_duration_seconds_count", (("method", "GET"), ("route", route)))
    assert after[latency] - before.get(latency, 0) == 4
    # Residents' data in paths never becomes a series (label values, not sample values: a
    # latency sum may well have 4711 among its digits).
    label_values = {value for _, labels in after for _, value in labels}
    assert not any("no-such-secret-slug" in v or "4711" in v for v in label_values)


async def _person(city) -> int:
    household = await Household.insert(
        Household(municipality=city.id, registry_id="H9", created_at=clock.now())
    )
    person = await Person.insert(
        Person(
            municipality=city.id,
            registry_id="9000000000",
            household=household[0]["id"],
            relation="head",
            family_name="山田",
            given_name="太郎",
            birth_date=clock.today() - timedelta(days=40 * 365),
            status="resident",
            updated_at=clock.now(),
        )
    )
    return person[0]["id"]


async def test_deliveries_are_counted_by_channel_and_state_with_the_lag(scraper, city):
    now = clock.now()
    for n in range(3):  # three devices of one resident
        await PushSubscription.insert(
            PushSubscription(
                municipality=city.id,
                account=7,
                endpoint=f"https://fcm.googleapis.com/fcm/send/device-{n}",
                p256dh="p",
                auth="a",
                created_at=now,
                last_seen_at=now,
            )
        )
    async with write_transaction() as sql:
        notice = await write_notice(
            sql,
            municipality_id=city.id,
            account_id=7,
            kind="application",
            title={"ja": "受付", "easy": "うけつけ", "en": "Received"},
            body={"ja": "受付", "easy": "うけつけ", "en": "Received"},
        )
    deliveries = await Delivery.select(Delivery.id).where(Delivery.notice == notice)
    assert len(deliveries) == 3
    first, second, third = (row["id"] for row in deliveries)
    await Delivery.update({Delivery.status: "delivered"}).where(Delivery.id == first)
    await Delivery.update({Delivery.status: "gone"}).where(Delivery.id == second)
    # The queued one has waited two minutes past its due time: the workers are behind.
    await Delivery.update({Delivery.next_attempt_at: now - timedelta(seconds=120)}).where(
        Delivery.id == third
    )
    await EmailDelivery.insert(
        EmailDelivery(
            municipality=city.id,
            account=7,
            email_address=1,
            address="taro@example.jp",
            status="sent",
            next_attempt_at=now,
            created_at=now,
        )
    )
    person = await _person(city)
    for n, state in enumerate(("queued", "queued", "printed")):
        await ProgramDelivery.insert(
            ProgramDelivery(
                municipality=city.id,
                slug=f"programme-{n}",  # one letter per programme and person
                person=person,
                match=1,
                channel="letter",
                state=state,
                created_at=now,
            )
        )

    found = await scrape(scraper)

    def deliveries_in(channel, state, code=city.code):
        labels = (("channel", channel), ("municipality", code), ("state", state))
        return found.get(("todoke_deliveries", labels))

    assert deliveries_in("push", "queued") == 1
    assert deliveries_in("push", "delivered") == 1
    assert deliveries_in("push", "gone") == 1
    assert deliveries_in("email", "sent") == 1
    assert deliveries_in("letter", "queued") == 2
    assert deliveries_in("letter", "printed") == 1
    tellings = (("channel", "letter"), ("municipality", city.code), ("state", "queued"))
    assert found[("todoke_program_tellings", tellings)] == 2
    # The town on the same deployment has sent nothing: none of this is counted as its.
    assert deliveries_in("push", "delivered", code=TOWN_CODE) is None
    outboxes = ("todoke_deliveries", "todoke_program_tellings")
    assert not [k for k in found if k[0] in outboxes and ("municipality", TOWN_CODE) in k[1]]
    assert found[("todoke_delivery_lag_seconds", (("channel", "push"),))] >= 120
    assert found[("todoke_delivery_lag_seconds", (("channel", "email"),))] == 0
    assert found[("todoke_database_up", ())] == 1

    # Delivered: counted under its new state, and the lag is gone with it.
    await Delivery.update({Delivery.status: "delivered"}).where(Delivery.id == third)
    found = await scrape(scraper)
    assert deliveries_in("push", "queued") is None
    assert deliveries_in("push", "delivered") == 2
    assert found[("todoke_delivery_lag_seconds", (("channel", "push"),))] == 0


async def test_imports_and_matching_are_counted(scraper, city):
    from todoke.benefits.worker import drain

    now = clock.now()
    registry_import = await RegistryImport.insert(
        RegistryImport(
            municipality=city.id,
            source="住民記録システム",
            filename="r.csv",
            file_format="csv",
            encoding="utf-8",
            file_sha256="0" * 64,
            status="applied",
            started_at=now,
            rows_total=12,
            rows_created=10,
            rows_updated=1,
            rows_failed=1,
        )
    )
    await RegistryChange.insert(
        RegistryChange(
            municipality=city.id,
            person_registry_id="9000000000",
            household_registry_id="H9",
            registry_import=registry_import[0]["id"],
            kind="created",
            source="住民記録システム",
            occurred_at=now,
        )
    )
    before = await scrape(scraper)
    city_label = ("municipality", city.code)
    rows = "todoke_registry_import_rows_total"
    assert before[(rows, (city_label, ("outcome", "created")))] == 10
    assert before[(rows, (city_label, ("outcome", "rejected")))] == 1
    assert before[("todoke_registry_imports", (city_label, ("status", "applied")))] == 1
    assert before[("todoke_matching_backlog_changes", (city_label,))] == 1
    # The town imported nothing and has nothing to match.
    assert before[("todoke_matching_backlog_changes", (("municipality", TOWN_CODE),))] == 0
    assert not [key for key in before if key[0] == rows and ("municipality", TOWN_CODE) in key[1]]

    await drain()  # what a worker's matching round runs

    after = await scrape(scraper)
    passes = ("todoke_matching_passes_total", ())
    assert after[passes] - before[passes] >= 1
    assert after[("todoke_matching_backlog_changes", (city_label,))] == 0
    last_pass = "todoke_matching_last_pass_timestamp_seconds"
    assert after[(last_pass, (city_label,))] >= now.timestamp() - 1


async def test_a_database_that_fails_still_gives_the_process_metrics(scraper, monkeypatch):
    from todoke.notices import metrics as notices_metrics

    async def broken():
        raise ConnectionError("database down")

    monkeypatch.setattr(notices_metrics, "outbox_counts", broken)
    response = await scraper.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert re.search(r"^todoke_database_up 0\.0$", response.text, re.M)
    assert "todoke_http_requests_total" in response.text


async def test_one_off_commands_leave_nothing_in_the_multiprocess_folder(db, tmp_path):
    """Only serve, demo and worker count into PROMETHEUS_MULTIPROC_DIR; a nightly `todoke
    backup` or an operator's `todoke migrate` would otherwise leave files there at each run
    (and fail where the folder is not theirs to make)."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "metrics"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODOKE_")}
    env.update(TODOKE_DATA_DIR=db.data_dir, PROMETHEUS_MULTIPROC_DIR=str(folder))
    if db.database_url:
        env["TODOKE_DATABASE_URL"] = db.database_url

    def run(prelude: str) -> None:
        # What the command does first, then what any later code of that process counts.
        script = f"import todoke.cli\n{prelude}\nfrom todoke.benefits.worker import PASSES\n"
        result = subprocess.run(
            [sys.executable, "-c", script + "PASSES.inc()\n"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr

    run("assert todoke.cli.main(['migrate']) == 0")
    assert not folder.exists() or list(folder.iterdir()) == []
    run("todoke.cli._metrics_folder('worker')")  # how `todoke worker` starts
    assert any(name.startswith("counter_") for name in os.listdir(folder))
