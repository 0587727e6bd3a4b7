"""What a lock screen shows: pushes of personal kinds say only that the city has a notice,
in the device's language; urgency follows the kind; a thread shares one Topic, which names
no one. Every payload is read as the phone reads it, decrypted by the push double."""

from __future__ import annotations

import json
import re

import pytest
from test_applications import filed_application
from test_identity import staff_client
from test_push import body, double, push_settings, run_worker, subscribed  # noqa: F401

from todoke.db import write_transaction
from todoke.notices.service import write_notice
from todoke.notices.tables import Delivery, PushSubscription

NEUTRAL_TITLE = {
    "ja": "とどけ市からお知らせがあります",
    "easy": "とどけしから おしらせが あります",
    "en": "A notice from Todoke City",
}
NEUTRAL_BODY = {
    "ja": "内容はアプリを開いてご確認ください。",
    "easy": "アプリを ひらいて みてください。",
    "en": "Open the app to read it.",
}
# What the inbox holds: a programme that tells who the resident is, a name, an amount.
TITLE = {
    "ja": "受けられる支援があります：児童扶養手当",
    "easy": "もらえる しえん：じどうふようてあて",
    "en": "Support for you: Child Rearing Allowance",
}
BODY = {
    "ja": "山田花子さん、世帯全員の住民税が非課税です。月額45,500円。",
    "easy": "やまだ はなこさん、45,500えん もらえます。",
    "en": "Hanako Yamada, your household is tax-exempt: 45,500 yen a month.",
}
LINK = "/support#child-rearing"
PERSONAL_KINDS = [
    "support.matched",
    "support.granted",
    "application.received",
    "application.approved",
    "application.info_requested",
    "application.message",
    "correction.resolved",
    "tax",
    "welfare.decision",
]
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


# A piece of Japanese text says something of its own when it holds more than hiragana and
# punctuation ("があります" is how any notice ends; "児童扶養" or "500円" is a detail).
_DETAIL = re.compile(r"[^\u3040-\u309f\s、。：「」（）]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9,'-]{3,}")


def leaks(shown: str, texts: dict[str, str]) -> list[str]:
    """The details of the inbox text that also appear in what is shown: every four
    characters of the Japanese that are more than kana, every English word of four or
    more letters."""
    found: set[str] = set()
    for language, text in texts.items():
        if language == "en":
            found |= {w for w in _WORD.findall(text) if w.lower() in shown.lower()}
            continue
        pieces = {text[i : i + 4] for i in range(len(text) - 3)}
        found |= {p for p in pieces if _DETAIL.search(p) and p in shown}
    return sorted(found)


async def devices_in_every_language(resident, headers, double) -> None:  # noqa: F811
    for language in ("easy", "en"):
        added = await resident.put(
            "/api/push/subscription", json=body(double.subscribe(), language), headers=headers
        )
        assert added.status_code == 204


async def write(kind: str, *, thread: str = "", title=TITLE, text=BODY, link=LINK) -> int:
    device = await PushSubscription.select().first()
    async with write_transaction() as sql:
        return await write_notice(
            sql,
            municipality_id=device["municipality"],
            account_id=device["account"],
            kind=kind,
            title=title,
            body=text,
            link=link,
            thread=thread,
        )


async def languages_of(double) -> dict[str, str]:  # noqa: F811
    return {
        double.id_of(s["endpoint"]): s["language"]
        for s in await PushSubscription.select(PushSubscription.endpoint, PushSubscription.language)
    }


@pytest.mark.parametrize("kind", [*PERSONAL_KINDS, "no-such-kind", "someday.new"])
async def test_personal_kinds_push_only_the_neutral_text(
    subscribed,  # noqa: F811
    double,  # noqa: F811
    push_settings,  # noqa: F811
    kind,
):
    resident, headers, _ = subscribed
    await devices_in_every_language(resident, headers, double)
    notice_id = await write(kind, thread="child-rearing")
    await run_worker(push_settings)
    received = await double.wait_for_async(3)
    languages = await languages_of(double)
    assert sorted(languages[d.subscription_id] for d in received) == ["easy", "en", "ja"]
    for delivery in received:
        language = languages[delivery.subscription_id]
        payload = json.loads(delivery.payload)
        assert payload == {
            "id": notice_id,
            "title": NEUTRAL_TITLE[language],
            "body": NEUTRAL_BODY[language],
            "link": LINK,
            # The device groups by the same keyed digest the Topic header carries.
            "thread": delivery.headers["topic"],
        }
        shown = payload["title"] + payload["body"]
        assert leaks(shown, TITLE) == [] and leaks(shown, BODY) == []
        assert delivery.headers["urgency"] == "normal"
    assert double.rejected() == []


def test_the_leak_check_would_see_a_detail() -> None:
    """The check above is not blind: the inbox text itself, or a piece of it, is caught."""
    assert "児童扶養" in leaks(TITLE["ja"], TITLE)
    assert {"500円", "45,500"} <= set(leaks("お知らせ：45,500円", BODY))
    assert leaks("Support for Hanako", BODY) == ["Hanako"]
    assert leaks("がありますです。", TITLE | BODY) == []


@pytest.mark.parametrize(
    ("kind", "urgency"), [("security", "high"), ("security.passkey_added", "high"),
                          ("information", "low")]
)  # fmt: skip
async def test_kinds_with_nothing_personal_keep_their_text(
    subscribed,  # noqa: F811
    double,  # noqa: F811
    push_settings,  # noqa: F811
    kind,
    urgency,
):
    title = {"ja": "新しいパスキーが追加されました", "en": "A new passkey was added"}
    text = {"ja": "心当たりがない場合は、すぐに市役所へご連絡ください。"}
    notice_id = await write(kind, title=title, text=text, link="/account")
    await run_worker(push_settings)
    [delivery] = await double.wait_for_async(1)
    assert json.loads(delivery.payload) == {
        "id": notice_id,
        "title": title["ja"],
        "body": text["ja"],
        "link": "/account",
        "thread": delivery.headers["topic"],
    }
    assert delivery.headers["urgency"] == urgency
    assert (await Delivery.select().first())["urgency"] == urgency


async def test_quiet_hours_let_security_through_and_hold_the_rest(
    subscribed,  # noqa: F811
    double,  # noqa: F811
    push_settings,  # noqa: F811
):
    security = await write("security", title={"ja": "新しいパスキーが追加されました"})
    await write("support.matched")
    await write("information", title={"ja": "図書館は月曜休館です"})
    await run_worker(push_settings, quiet_hours="00:00-23:59")
    [delivery] = await double.wait_for_async(1)
    assert json.loads(delivery.payload)["id"] == security
    assert await Delivery.count().where(Delivery.status == "queued") == 2


async def test_one_thread_one_topic_that_names_no_one(
    subscribed,  # noqa: F811
    double,  # noqa: F811
    push_settings,  # noqa: F811
):
    first = await write("application.received", thread="42")
    second = await write("application.approved", thread="42")
    other = await write("application.received", thread="43")
    programme = await write("support.matched", thread="42")  # another family, same key
    lone = [await write("security"), await write("security")]
    await run_worker(push_settings)
    received = await double.wait_for_async(6)
    topic = {json.loads(d.payload)["id"]: d.headers["topic"] for d in received}
    assert all(json.loads(d.payload)["thread"] == d.headers["topic"] for d in received)
    assert topic[first] == topic[second]
    distinct = [topic[first], topic[other], topic[programme], *(topic[n] for n in lone)]
    assert len(set(distinct)) == len(distinct)
    for sent in topic.values():
        assert TOPIC.fullmatch(sent) and len(sent) <= 32
    # What leaves is keyed by the worker: not the digest kept in the row, which anyone
    # could compute from guessed account ids and programme slugs.
    stored = {r["topic"] for r in await Delivery.select(Delivery.topic)}
    assert stored.isdisjoint(topic.values())
    assert double.rejected() == []


async def test_filing_decision_and_staff_message_reach_the_lock_screen_neutral(
    subscribed,  # noqa: F811
    double,  # noqa: F811
    push_settings,  # noqa: F811
    client_for,
    app,
    city,
):
    """Through the real call sites: what the staff wrote stays in the inbox."""
    resident, headers, _ = subscribed
    application = await filed_application(resident, headers)
    staff, staff_headers = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support"]
    )
    asked = await staff.post(
        f"/api/staff/applications/{application['id']}/status",
        json={"status": "info_requested", "message": "別居中の夫の住所を教えてください。"},
        headers=staff_headers,
    )
    assert asked.status_code == 200, asked.text
    told = await staff.post(
        f"/api/staff/applications/{application['id']}/messages",
        json={"text": "養育費の取り決めの書類をお持ちください。"},
        headers=staff_headers,
    )
    assert told.status_code == 200, told.text
    inbox = (await resident.get("/api/me/inbox")).json()["items"]
    assert len(inbox) == 3
    await run_worker(push_settings)
    received = await double.wait_for_async(3)
    payloads = [json.loads(d.payload) for d in received]
    assert sorted(p["id"] for p in payloads) == sorted(n["id"] for n in inbox)
    for payload in payloads:
        assert payload["title"] == NEUTRAL_TITLE["ja"] and payload["body"] == NEUTRAL_BODY["ja"]
        assert payload["link"] == f"/applications/{application['id']}"
        shown = payload["title"] + payload["body"]
        for notice in inbox:
            assert leaks(shown, notice["title"]) == [] and leaks(shown, notice["body"]) == []
        assert application["receipt_number"] not in json.dumps(payload)
    assert {d.headers["urgency"] for d in received} == {"normal"}
    assert len({d.headers["topic"] for d in received}) == 1  # one application, one thread
