"""Issue 17, DV・ストーカー等支援措置: a protected resident's address, postal code and phone reach
no delegate, household member, named person or staff role without the need, on any route
(the walk below calls every GET route the app has, and fails when one is added that it does
not know); a named person is refused as anyone else is; staff with the need see the address,
and every view and attempt leaves its own audit event."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from litestar.routes import HTTPRoute
from test_applications import (
    SLUG,
    _fill_required,
    add_household,
    complete_answers,
    file,
    png_bytes,
    upload,
    verified_resident,
)
from test_identity import staff_client

from todoke import clock
from todoke.audit.tables import AuditEvent
from todoke.registry.tables import Household, Person, Protection

HER = "1000000000"  # 佐藤 花子, head of household H1
MOTHER = "1000000003"  # her mother, in the same household
NAMED = "3000000000"  # the person the protection names
DELEGATE = "2000000000"  # a resident of another household she lets file for her
ADDRESS = "東京都三鷹市井口九丁目9-9 ひまわり荘201"
POSTAL = "181-0099"
PHONE = "090-3333-4444"
# What must appear in no response to anyone but her and staff with the need.
SECRETS = (ADDRESS, "ひまわり荘", "井口九丁目", POSTAL, "1810099", PHONE, "09033334444")


def leaked(body: str) -> list[str]:
    return [s for s in SECRETS if s in body]


async def _person(city, registry_id, household_id, relation, family, given, *, address, postal):
    from datetime import UTC, datetime

    await Person.insert(
        Person(
            municipality=city.id,
            registry_id=registry_id,
            household=household_id,
            relation=relation,
            family_name=family,
            given_name=given,
            family_name_kana="カナ",
            given_name_kana="カナ",
            birth_date=date(1960, 5, 5),
            sex="male" if relation == "head" else "female",
            postal_code=postal,
            address=address,
            district="井口" if postal == POSTAL else "下連雀",
            status="resident",
            provenance='{"base": ["住民基本台帳", "2026-04-01"]}',
            updated_at=datetime.now(UTC),
        )
    )


async def _protect_her_record(city) -> None:
    """Her own record carries the address the protection is about (the household's other
    members keep theirs: what a co-resident sees of their own record is theirs)."""
    await Person.update({Person.address: ADDRESS, Person.postal_code: POSTAL}).where(
        (Person.municipality == city.id) & (Person.registry_id == HER)
    )


@pytest.fixture
async def world(client_for, app, city):
    """Her, filing 児童扶養手当 with her phone; her mother in the household; a delegate who
    files 犬の登録 for her; the named person; citizens staff who set the protection; a
    child-support caseworker and a counter (support) member of staff without the need."""
    await add_household(city)
    await add_household(city, registry_prefix="2")
    await _protect_her_record(city)
    h1 = await Household.select(Household.id).where(
        (Household.municipality == city.id) & (Household.registry_id == "H1")
    )
    await _person(
        city, MOTHER, h1[0]["id"], "parent", "佐藤", "和子",
        address="東京都三鷹市下連雀三丁目1-1", postal="181-0013",
    )  # fmt: skip
    await _person(
        city, NAMED, None, "head", "鈴木", "一郎", address="東京都三鷹市牟礼一丁目1-1",
        postal="181-0002",
    )  # fmt: skip

    her, her_headers = await verified_resident(client_for, app, city, HER)
    her_account = (await her.get("/api/me")).json()["id"]
    form = (await her.get(f"/api/procedures/{SLUG}/form")).json()
    attachment = (await upload(her, her_headers, png_bytes())).json()["id"]
    answers = {**complete_answers(form, attachment), "phone": PHONE}
    own = await file(her, her_headers, answers, form["version"])
    assert own.status_code == 201, own.text

    delegate, delegate_headers = await verified_resident(client_for, app, city, DELEGATE)
    mother, mother_headers = await verified_resident(client_for, app, city, MOTHER)
    named, named_headers = await verified_resident(client_for, app, city, NAMED)
    offer = await her.post(
        "/api/me/delegations", json={"scope": ["dog-registration"], "days": 30}, headers=her_headers
    )
    accepted = await delegate.post(
        "/api/me/delegations/accept", json={"code": offer.json()["code"]}, headers=delegate_headers
    )
    assert accepted.status_code == 200, accepted.text

    supervisor, supervisor_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["citizens"]
    )
    protected = await supervisor.put(
        f"/api/staff/residents/{HER}/protection",
        json={"named_persons": [NAMED], "named_outside": ["山田 太郎"]},
        headers=supervisor_headers,
    )
    assert protected.status_code == 200, protected.text

    # The delegate files for her once protected: the registry's address is filed, unseen.
    dog_form = (
        await delegate.get(
            "/api/procedures/dog-registration/form", params={"on_behalf_of": her_account}
        )
    ).json()
    assert "prefill" in dog_form, dog_form
    dog_answers = {name: held["value"] for name, held in dog_form["prefill"].items()}
    dog_answers.update(_fill_required(dog_form))
    proxy = await delegate.post(
        "/api/applications",
        json={"slug": "dog-registration", "version": dog_form["version"], "answers": dog_answers,
              "on_behalf_of": her_account},
        headers={**delegate_headers, "idempotency-key": "proxy-dv-0001"},
    )  # fmt: skip
    assert proxy.status_code == 201, proxy.text
    draft = await delegate.post(
        "/api/drafts",
        json={"slug": "dog-registration", "on_behalf_of": her_account},
        headers=delegate_headers,
    )
    caseworker = await staff_client(
        client_for, app, city, role="caseworker", departments=["child-support", "health"]
    )
    support = await staff_client(client_for, app, city, role="support")
    return {
        "her": (her, her_headers),
        "her_account": her_account,
        "own_id": own.json()["id"],
        "proxy_id": proxy.json()["id"],
        "proxy_body": proxy.text,
        "dog_form": dog_form,
        "token": attachment,
        "draft_id": draft.json().get("id", 1),
        "supervisor": (supervisor, supervisor_headers),
        "callers": {
            "delegate": (delegate, delegate_headers),
            "household member": (mother, mother_headers),
            "named person": (named, named_headers),
            "caseworker without the need": caseworker,
            "support without the need": support,
        },
    }


# --- the walk ----------------------------------------------------------------------------------

# Every GET route of the app, and the query strings the walk adds to it (a route that reads
# a person is called with the protected person's ids). A GET route the app gains and this
# table does not name fails the walk: decide how it is called with a protected person.
GET_ROUTES: dict[str, tuple[str, ...]] = {
    "/api/life-events": ("",),
    "/api/life-events/{slug:str}": ("",),
    "/api/me/life-events": ("",),
    "/api/me/life-events/{case_id:int}": ("",),
    "/api/staff/life-events": ("",),
    "/api/staff/life-events/{slug:str}/versions": ("",),
    "/api/applications": ("",),
    "/api/applications/{application_id:int}": ("",),
    "/api/applications/{application_id:int}/receipt": ("",),
    "/api/attachments/{token:str}": ("",),
    "/api/auth/session": ("",),
    "/api/corrections": ("",),
    "/api/drafts": ("",),
    "/api/drafts/{draft_id:int}": ("",),
    "/api/email/unsubscribe": ("",),
    "/api/me": ("",),
    "/api/me/access-log": ("",),
    "/api/me/consents": ("",),
    "/api/me/delegations": ("",),
    "/api/me/email": ("",),
    "/api/me/inbox": ("",),
    "/api/me/passkeys": ("",),
    "/api/me/timeline": ("",),
    "/api/moves/destinations": ("",),
    "/api/moves/in": ("",),
    "/api/moves/out": ("",),
    "/api/moves/out/{move_id:int}": ("",),
    "/api/municipality": ("",),
    "/api/municipality/emblem/{tag:str}": ("",),
    "/api/platform/municipalities": ("",),
    "/api/platform/templates": ("",),
    "/api/postal-codes/{code:str}": ("",),
    "/api/procedures": ("",),
    "/api/procedures/{slug:str}": ("",),
    "/api/procedures/{slug:str}/form": ("", "?on_behalf_of={her_account}"),
    "/api/push/public-key": ("",),
    "/api/registry/imports/{import_id:int}": ("",),
    "/api/staff/accounts": ("",),
    "/api/staff/applications": ("",),
    "/api/staff/applications/{application_id:int}": ("?purpose=case_handling",),
    "/api/staff/audit.csv": ("",),
    "/api/staff/audit/verify": ("",),
    "/api/staff/bereavements": ("",),
    "/api/staff/bereavements/{case_id:int}": ("",),
    "/api/staff/branding": ("",),
    "/api/staff/corrections": ("",),
    "/api/staff/counter/residents": ("?family_name_kana=サトウ&birth_date=1990-04-01",),
    "/api/staff/counter/residents/{registry_id:str}": ("",),
    "/api/staff/counter/residents/{registry_id:str}/forms/{slug:str}": ("",),
    "/api/staff/counter/residents/{registry_id:str}/life-events": ("",),
    "/api/staff/counter/residents/{registry_id:str}/life-events/{slug:str}": ("",),
    "/api/staff/departments": ("",),
    "/api/staff/follow-ups": ("",),
    "/api/staff/metrics": ("",),
    "/api/staff/metrics.csv": ("",),
    "/api/staff/moves": ("",),
    "/api/staff/need-to-know": ("",),
    "/api/staff/paper-baselines": ("",),
    "/api/staff/procedures": ("",),
    "/api/staff/procedures/{slug:str}": ("",),
    "/api/staff/programs": ("",),
    "/api/staff/programs/facts": ("",),
    "/api/staff/programs/{slug:str}": ("",),
    "/api/staff/programs/{slug:str}/letters": ("",),
    "/api/staff/programs/{slug:str}/letters/{batch_id:int}/{kind:str}": ("",),
    "/api/staff/programs/{slug:str}/to-check": ("",),
    "/api/staff/reason-openings": ("",),
    "/api/staff/residents/{registry_id:str}": (
        "?case={own_id}",
        "?reason=窓口で手続きの支援を頼まれたため&reason_category=counter_support",
    ),
    "/api/staff/residents/{registry_id:str}/protection": ("",),
    "/api/staff/templates/offers": ("",),
    "/api/support": ("",),
    "/api/support/programs": ("",),
}

# Path parameters: every value is tried (her application and the one filed for her, …).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "application_id": ("{own_id}", "{proxy_id}"),
    "token": ("{token}",),
    "draft_id": ("{draft_id}",),
    "move_id": ("1",),
    "tag": ("x",),
    "code": ("1810013",),  # a lookup echoes its code: not hers
    "slug": ("dog-registration", SLUG, "move-within-city", "moving", "bereavement"),
    "import_id": ("1",),
    "batch_id": ("1",),
    "kind": ("pdf", "csv"),
    "registry_id": (HER,),
    "case_id": ("1", "2"),
}

# Routes that answer a POST with a form, a preview or a read of a person.
POSTS: tuple[tuple[str, dict], ...] = (
    ("/api/drafts", {"slug": "dog-registration", "on_behalf_of": "{her_account}"}),
    ("/api/staff/activation-codes", {"registry_id": HER, "purpose": "recovery"}),
    ("/api/staff/applications/{own_id}/messages", {"text": "面談日のご案内です。"}),
    ("/api/staff/applications/{proxy_id}/messages", {"text": "確認しました。"}),
    ("/api/staff/programs/child-rearing-allowance/preview", {}),
    # 引越し started for her at the desk: the plan fills each procedure from the registry.
    (
        f"/api/staff/counter/residents/{HER}/life-events/moving/plan",
        {
            "version": 1,
            "answers": {
                "move_kind": "within",
                "event_date": clock.today().isoformat(),
                "movers": [HER],
                "new_postal_code": "181-0002",
                "new_address": "東京都三鷹市牟礼一丁目2-3",
                "phone": "0422-11-2222",
                "visit_date": clock.today().isoformat(),
                "visit_time": "10-11",
                "child": "no",
                "nhi": "no",
                "dog": "no",
                "licence": "no",
                "garbage": "yes",
                "garbage_item": "本棚",
                "garbage_size": "under_200",
            },
        },
    ),
)


def get_routes(app) -> set[str]:
    return {
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/api") and "GET" in route.methods
    }


def urls(path: str, world: dict) -> list[str]:
    names = re.findall(r"\{(\w+):\w+\}", path)
    filled = [path]
    for name in names:
        filled = [
            re.sub(r"\{" + name + r":\w+\}", value, url, count=1)
            for url in filled
            for value in PARAMETERS[name]
        ]
    values = {k: v for k, v in world.items() if isinstance(v, (int, str))}
    return [(url + query).format(**values) for url in filled for query in GET_ROUTES[path]]


async def test_the_walk_knows_every_get_route(app):
    """A new GET route fails here until the walk calls it with a protected person."""
    unknown = get_routes(app) - set(GET_ROUTES)
    assert not unknown, f"add these to GET_ROUTES (and the walk) in {__file__}: {sorted(unknown)}"
    assert not set(GET_ROUTES) - get_routes(app), "GET_ROUTES names a route the app lost"


async def test_her_address_reaches_no_one_without_the_need_on_any_route(app, world):
    assert not leaked(world["proxy_body"]), "the proxy's filing answer"
    assert "非表示" in str(world["dog_form"]["prefill"]), world["dog_form"]["prefill"]
    values = {k: v for k, v in world.items() if isinstance(v, (int, str))}
    walked = 0
    answered: set[tuple[str, str]] = set()
    for who, (client, headers) in world["callers"].items():
        for path in sorted(get_routes(app)):
            for url in urls(path, world):
                response = await client.get(url, headers=headers)
                walked += 1
                if response.status_code == 200:
                    answered.add((who, path))
                assert response.status_code < 500, (who, url, response.text[:300])
                assert not leaked(response.text), (who, url, leaked(response.text))
        for path, body in POSTS:
            url = path.format(**values)
            sent = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in body.items()}
            if "on_behalf_of" in sent:
                sent["on_behalf_of"] = int(sent["on_behalf_of"])
            response = await client.post(url, json=sent, headers=headers)
            walked += 1
            if response.status_code in (200, 201):
                answered.add((who, path))
            assert response.status_code < 500, (who, url, response.text[:300])
            assert not leaked(response.text), (who, url, leaked(response.text))
    assert walked >= 60 * len(world["callers"])
    # The walk is not vacuous: the screens that hold her data did answer these callers.
    assert {
        ("delegate", "/api/applications/{application_id:int}"),
        ("delegate", "/api/applications/{application_id:int}/receipt"),
        ("delegate", "/api/procedures/{slug:str}/form"),
        ("delegate", "/api/drafts"),
        ("household member", "/api/procedures/{slug:str}/form"),
        ("caseworker without the need", "/api/staff/applications/{application_id:int}"),
        ("caseworker without the need", "/api/staff/residents/{registry_id:str}"),
        ("caseworker without the need", "/api/staff/applications/{own_id}/messages"),
        ("support without the need", "/api/staff/residents/{registry_id:str}"),
        ("support without the need", "/api/staff/activation-codes"),
        ("support without the need", f"/api/staff/counter/residents/{HER}/life-events/moving/plan"),
        (
            "support without the need",
            "/api/staff/counter/residents/{registry_id:str}/life-events/{slug:str}",
        ),
    } <= answered, sorted(answered)


async def test_the_walk_would_see_the_address_where_it_is_shown(app, world):
    """The walk can fail: her own screens and the citizens supervisor's show it."""
    her, _ = world["her"]
    own = await her.get(f"/api/applications/{world['own_id']}")
    assert PHONE in own.text
    form = await her.get("/api/procedures/dog-registration/form")
    assert ADDRESS in form.text and POSTAL in form.text
    for_her = await her.get(f"/api/applications/{world['proxy_id']}")
    assert ADDRESS in for_her.text, "filed for her with the registry's address, unseen"
    stored = await Protection.count().where(Protection.lifted_at.is_null())
    assert stored == 1
    supervisor, supervisor_headers = world["supervisor"]
    path, body = next(p for p in POSTS if p[0].endswith("/life-events/moving/plan"))
    planned = await supervisor.post(path, json=body, headers=supervisor_headers)
    assert planned.status_code == 200, planned.text
    assert ADDRESS in planned.text, "the desk with the need is given her address to file"


# --- staff with the need --------------------------------------------------------------------


async def test_citizens_staff_see_it_and_the_view_is_audited(world, city):
    supervisor, _ = world["supervisor"]
    view = await supervisor.get(
        f"/api/staff/residents/{HER}",
        params={
            "reason": "支援措置の申出を受けて記録を確認するため",
            "reason_category": "resident_inquiry",
        },
    )
    assert view.status_code == 200, view.text
    assert view.json()["person"]["address"] == ADDRESS
    assert view.json()["person"]["postal_code"] == POSTAL
    seen = await AuditEvent.select(AuditEvent.actor_account).where(
        AuditEvent.action == "protection.contact_viewed"
    )
    assert len(seen) == 1


async def test_staff_without_the_need_are_told_it_is_withheld_and_audited(world):
    caseworker, _ = world["callers"]["caseworker without the need"]
    view = await caseworker.get(f"/api/staff/residents/{HER}", params={"case": world["own_id"]})
    assert view.status_code == 200, view.text
    assert "address" not in view.json()["person"]
    assert {"section": "contact", "reason": "protection"} in view.json()["withheld"]
    case = await caseworker.get(
        f"/api/staff/applications/{world['own_id']}", params={"purpose": "case_handling"}
    )
    phone = next(a for a in case.json()["answers"] if a["name"] == "phone")
    assert phone["value"] == phone["display"] == "非表示"
    withheld = await AuditEvent.select(AuditEvent.detail).where(
        AuditEvent.action == "protection.contact_withheld"
    )
    assert len(withheld) == 2


async def test_a_lifted_protection_shows_the_address_again(world):
    supervisor, headers = world["supervisor"]
    lifted = await supervisor.delete(f"/api/staff/residents/{HER}/protection", headers=headers)
    assert lifted.status_code == 204, lifted.text
    delegate, _ = world["callers"]["delegate"]
    form = await delegate.get(
        "/api/procedures/dog-registration/form", params={"on_behalf_of": world["her_account"]}
    )
    assert ADDRESS in form.text
    read = await supervisor.get(f"/api/staff/residents/{HER}/protection")
    assert read.json()["protected"] is False
    actions = {r["action"] for r in await AuditEvent.select(AuditEvent.action)}
    assert {"protection.set", "protection.lifted", "protection.read"} <= actions
    again = await supervisor.delete(f"/api/staff/residents/{HER}/protection", headers=headers)
    assert again.status_code == 404


# --- refusals -------------------------------------------------------------------------------


def _same_refusal(a, b) -> None:
    assert a.status_code == b.status_code, (a.text, b.text)
    pick = ("type", "title", "status", "detail", "detail_ja", "errors")
    ja, jb = a.json(), b.json()
    assert {k: ja.get(k) for k in pick} == {k: jb.get(k) for k in pick}


async def test_a_named_person_accepting_her_code_is_told_the_code_is_wrong(world):
    her, her_headers = world["her"]
    named, named_headers = world["callers"]["named person"]
    offer = await her.post(
        "/api/me/delegations", json={"scope": [], "days": 7}, headers=her_headers
    )
    refused = await named.post(
        "/api/me/delegations/accept", json={"code": offer.json()["code"]}, headers=named_headers
    )
    wrong = await named.post(
        "/api/me/delegations/accept", json={"code": "ABCD-EFGH-JKMN"}, headers=named_headers
    )
    _same_refusal(refused, wrong)
    given = (await her.get("/api/me/delegations")).json()["items"]
    assert given[0]["status"] == "pending", "the code is still hers to give"
    events = await AuditEvent.select(AuditEvent.actor_account).where(
        AuditEvent.action == "protection.delegation_refused"
    )
    assert len(events) == 1


async def test_a_named_person_holding_a_delegation_is_refused_as_one_without(
    world, client_for, app, city
):
    """Her delegation to the named person, accepted before the protection was set, is dead
    once it names them: the refusal reads as that of a resident with no delegation."""
    from todoke.registry.protection import protection_of

    her, her_headers = world["her"]
    named, named_headers = world["callers"]["named person"]
    mother, mother_headers = world["callers"]["household member"]
    supervisor, supervisor_headers = world["supervisor"]
    # Lift, let the named person accept, protect again.
    await supervisor.delete(f"/api/staff/residents/{HER}/protection", headers=supervisor_headers)
    offer = await her.post(
        "/api/me/delegations", json={"scope": ["dog-registration"], "days": 7}, headers=her_headers
    )
    ok = await named.post(
        "/api/me/delegations/accept", json={"code": offer.json()["code"]}, headers=named_headers
    )
    assert ok.status_code == 200, ok.text
    again = await supervisor.put(
        f"/api/staff/residents/{HER}/protection",
        json={"named_persons": [NAMED]},
        headers=supervisor_headers,
    )
    assert again.status_code == 200, again.text
    person = (await Person.select(Person.id).where(Person.registry_id == HER))[0]["id"]
    assert await protection_of(city.id, person) is not None

    who = world["her_account"]
    form = await named.get("/api/procedures/dog-registration/form", params={"on_behalf_of": who})
    no_delegation = await mother.get(
        "/api/procedures/dog-registration/form", params={"on_behalf_of": who}
    )
    assert form.json()["blockers"] == no_delegation.json()["blockers"] == ["proxy_not_allowed"]
    assert not leaked(form.text)
    version = world["dog_form"]["version"]
    body = {"slug": "dog-registration", "version": version, "answers": {}, "on_behalf_of": who}
    filed = await named.post(
        "/api/applications",
        json=body,
        headers={**named_headers, "idempotency-key": "dv-named-0001"},
    )
    other = await mother.post(
        "/api/applications",
        json=body,
        headers={**mother_headers, "idempotency-key": "dv-mother-0001"},
    )
    assert filed.status_code == 403, filed.text
    _same_refusal(filed, other)
    refused = await AuditEvent.select(AuditEvent.actor_account).where(
        AuditEvent.action == "protection.proxy_refused"
    )
    # The named person twice (form, filing), her mother twice (no delegation at all).
    assert len(refused) == 4
    attempts = await AuditEvent.count().where(AuditEvent.action == "protection.proxy_attempt")
    assert attempts >= 2  # the delegate's form and filing in the fixture


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"named_persons": [HER]}, "named_persons[0]"),
        ({"named_persons": ["9999999999"]}, "named_persons[0]"),
        ({"named_persons": [""]}, "named_persons[0]"),
        ({"named_persons": ["x" * 33]}, "named_persons[0]"),
        ({"named_outside": [" "]}, "named_outside[0]"),
        ({"named_outside": ["a\x00b"]}, "named_outside[0]"),
        ({"named_outside": ["名" * 101]}, "named_outside[0]"),
        ({"valid_from": "2026-12-10", "valid_until": "2026-12-01"}, "valid_until"),
        ({"named_persons": [NAMED] * 21}, None),
        ({"named_outside": "山田"}, None),
        ({"valid_from": "not a day"}, None),
        ({"named_persons": [NAMED], "extra": 1}, None),
    ],
)
async def test_hostile_protection_bodies_are_refused_and_write_nothing(
    client_for, app, city, body, field
):
    await add_household(city)
    await _person(city, NAMED, None, "head", "鈴木", "一郎", address="牟礼", postal="181-0002")
    supervisor, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["citizens"]
    )
    response = await supervisor.put(
        f"/api/staff/residents/{HER}/protection", json=body, headers=headers
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await Protection.count() == 0
    assert await AuditEvent.count().where(AuditEvent.action == "protection.set") == 0


@pytest.mark.parametrize(
    ("role", "departments", "status"),
    [
        ("caseworker", ["citizens"], 403),  # no permission
        ("supervisor", ["child-support"], 403),  # not the register's department
        ("support", [], 403),
        ("administrator", [], 200),
    ],
)
async def test_who_may_set_a_protection(client_for, app, city, role, departments, status):
    await add_household(city)
    staff, headers = await staff_client(client_for, app, city, role=role, departments=departments)
    response = await staff.put(f"/api/staff/residents/{HER}/protection", json={}, headers=headers)
    assert response.status_code == status, response.text
    assert await Protection.count() == (1 if status == 200 else 0)


async def test_residents_and_odd_paths_cannot_reach_protections(client_for, app, city):
    await add_household(city)
    resident, headers = await verified_resident(client_for, app, city, HER)
    assert (
        await resident.put(f"/api/staff/residents/{HER}/protection", json={}, headers=headers)
    ).status_code == 403
    supervisor, staff_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["citizens"]
    )
    for path in ("..%2F..%2Fme", "%00", "x" * 40, "9999999999"):
        response = await supervisor.put(
            f"/api/staff/residents/{path}/protection", json={}, headers=staff_headers
        )
        assert response.status_code in (400, 404), (path, response.text)
    assert await Protection.count() == 0


async def test_a_protection_can_start_later_and_end(client_for, app, city, world):
    """Only a protection in force withholds: one that starts tomorrow does not yet."""
    supervisor, headers = world["supervisor"]
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    later = await supervisor.put(
        f"/api/staff/residents/{HER}/protection",
        json={"named_persons": [NAMED], "valid_from": tomorrow},
        headers=headers,
    )
    assert later.status_code == 200, later.text
    assert later.json()["in_force"] is False
    delegate, _ = world["callers"]["delegate"]
    form = await delegate.get(
        "/api/procedures/dog-registration/form", params={"on_behalf_of": world["her_account"]}
    )
    assert ADDRESS in form.text


async def test_a_named_member_of_her_household_does_not_see_her_in_it(client_for, app, city):
    """The protection names someone still registered in her household: his forms list the
    household without her (and the children stay his to name)."""
    await add_household(city)
    await _protect_her_record(city)
    h1 = await Household.select(Household.id).where(
        (Household.municipality == city.id) & (Household.registry_id == "H1")
    )
    await _person(
        city, NAMED, h1[0]["id"], "husband", "佐藤", "一郎",
        address="東京都三鷹市下連雀三丁目1-1", postal="181-0013",
    )  # fmt: skip
    named, _ = await verified_resident(client_for, app, city, NAMED)
    before = (await named.get("/api/procedures/child-allowance/form")).json()
    assert HER in [m["id"] for m in before["household"]]
    supervisor, headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["citizens"]
    )
    await supervisor.put(
        f"/api/staff/residents/{HER}/protection", json={"named_persons": [NAMED]}, headers=headers
    )
    after = (await named.get("/api/procedures/child-allowance/form")).json()
    members = [m["id"] for m in after["household"]]
    assert HER not in members and "1000000001" in members
    assert HER not in str(after["prefill"]) and not leaked(str(after))


async def test_the_trail_of_it_is_read_by_auditors_as_any_other(client_for, app, city, world):
    caseworker, _ = world["callers"]["caseworker without the need"]
    await caseworker.get(f"/api/staff/residents/{HER}", params={"case": world["own_id"]})
    admin, _ = await staff_client(client_for, app, city, role="administrator")
    trail = await admin.get("/api/staff/audit.csv")
    assert trail.status_code == 200, trail.text
    for action in ("protection.set", "protection.proxy_attempt", "protection.contact_withheld"):
        assert action in trail.text, action
    # Who is named is the protection's, not the trail's.
    assert "山田 太郎" not in trail.text and NAMED not in trail.text
    assert not leaked(trail.text)


async def test_grants_seeded_before_the_item_get_its_defaults(city):
    """The migration for municipalities seeded earlier: their citizens and welfare staff get
    ``protected_contact``; a second run adds nothing; other grants stay as they were."""
    import importlib

    from todoke.db import write_transaction
    from todoke.staff import need_to_know

    before = await need_to_know.grants(city.id)  # seeds the defaults
    async with write_transaction() as sql:
        await sql.execute(
            "DELETE FROM need_to_know WHERE municipality = ? AND item = 'protected_contact'",
            [city.id],
        )
    migration = importlib.import_module(
        "todoke.staff.piccolo_migrations.staff_2026_12_10t05_00_01_000000"
    )
    for _ in range(2):
        async with write_transaction() as sql:
            for statement in migration.STATEMENTS:
                await sql.execute(statement)
    assert await need_to_know.grants(city.id) == before
    granted = {(g.role, g.department) for g in before if g.item == "protected_contact"}
    assert granted == {
        (role, department)
        for role in ("caseworker", "supervisor")
        for department in ("citizens", "welfare")
    }
