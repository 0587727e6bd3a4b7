"""The shared standard catalogue (issue 16): the platform operator publishes a template's new
version once; each adopting municipality is offered it with a diff in words against what it
runs now, its local changes kept; one accepts, the other keeps running the old version. A
municipality changes only what the template allows; a national programme's rule lives in
the template and reaches every municipality at once."""

from __future__ import annotations

import json

import httpx
import msgspec
import pytest
from soft_authenticator import SoftAuthenticator
from test_identity import staff_client

from todoke.audit.tables import AuditEvent
from todoke.procedures.versions import load_version

PLATFORM_TOKEN = "platform-secret-for-templates"
TOWN_ORIGIN = "http://higashi.localhost:8000"  # the neighbour every `city` test has
SLUG = "residence-certificate"


@pytest.fixture
def operator_app(db):
    from todoke.app import create_app

    return create_app(msgspec.structs.replace(db, platform_token=PLATFORM_TOKEN))


def bearer(token: str = PLATFORM_TOKEN) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def town(city):
    from todoke.demo.seed import DEMO_PREFECTURE, TOWN_CODE, TOWN_NAME
    from todoke.registry.service import ensure_municipality

    return await ensure_municipality(TOWN_CODE, TOWN_NAME, DEMO_PREFECTURE)


async def town_staff(app, town, role: str = "administrator", departments=()):
    """A staff member of the town, signed in at the town's origin."""
    from todoke.identity.service import create_staff_invite

    invite = await create_staff_invite(
        municipality_id=town.id,
        display_name=f"町職員 {role}",
        role=role,
        department_codes=list(departments),
        created_by=None,
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=TOWN_ORIGIN)
    options = await client.post(
        "/api/auth/registration/options", json={"display_name": "", "invite": invite.token}
    )
    credential = SoftAuthenticator().create(options.json(), TOWN_ORIGIN)
    made = await client.post("/api/auth/registration", json={"credential": credential})
    assert made.status_code == 201, made.text
    return client, {"x-csrf-token": made.json()["csrf_token"]}


async def template(operator, slug: str, kind: str = "procedure") -> dict:
    listed = await operator.get("/api/platform/templates", headers=bearer())
    assert listed.status_code == 200, listed.text
    [found] = [t for t in listed.json()["items"] if t["slug"] == slug and t["kind"] == kind]
    return found


def new_version(current: dict) -> dict:
    """The certificate template, version 2: one question added, one relabelled."""
    definition = json.loads(json.dumps(current["definition"]))
    section = definition["form"]["sections"][0]
    relabelled = section["fields"][0]
    relabelled["label"] = {**relabelled["label"], "ja": relabelled["label"]["ja"] + "（必須）"}
    section["fields"].append(
        {
            "name": "contact_phone",
            "type": "phone",
            "label": {
                "ja": "日中の電話番号",
                "easy": "ひるまの でんわばんごう",
                "en": "Daytime phone",
            },
        }
    )
    return {
        "kind": "procedure",
        "based_on": current["version"],
        "definition": definition,
        "note": {
            "ja": "連絡先を追加",
            "easy": "れんらくさきを ふやしました",
            "en": "Contact added",
        },
    }


async def events(action: str, municipality_id: int | None = None) -> list[dict]:
    query = AuditEvent.select(AuditEvent.municipality, AuditEvent.detail).where(
        AuditEvent.action == action
    )
    if municipality_id is not None:
        query = query.where(AuditEvent.municipality == municipality_id)
    return await query


async def test_a_new_version_is_offered_to_each_adopter_and_one_accepts(
    operator_app, client_for, city, town
):
    admin, headers = await staff_client(client_for, operator_app, city, role="administrator")
    # The city's local change: its fee (the template allows it), kept apart from the template.
    source = (await admin.get(f"/api/staff/procedures/{SLUG}")).json()
    assert source["template"]["slug"] == SLUG and "fee_yen" in source["template"]["local"]
    local = {**source["definition"], "fee_yen": 350}
    published = await admin.post("/api/staff/procedures", json={"definition": local},
                                 headers=headers)  # fmt: skip
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 2
    again = (await admin.get(f"/api/staff/procedures/{SLUG}")).json()
    assert again["template"]["local_changes"] == {"fee_yen": 350}
    assert (await admin.get("/api/staff/templates/offers")).json()["items"] == []

    async with client_for(operator_app) as operator:
        current = await template(operator, SLUG)
        assert current["version"] == 1 and current["definition"]["fee_yen"] == 300
        body = new_version(current)
        assert (
            await operator.post(f"/api/platform/templates/{SLUG}/versions", json=body)
        ).status_code == 401
        wrong = bearer("not-the-token")
        assert (
            await operator.post(f"/api/platform/templates/{SLUG}/versions", json=body,
                                headers=wrong)
        ).status_code == 401  # fmt: skip
        made = await operator.post(f"/api/platform/templates/{SLUG}/versions", json=body,
                                   headers=bearer())  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json() == {"kind": "procedure", "slug": SLUG, "version": 2,
                               "offered_to": 2, "reached": 0}  # fmt: skip
        # The same edit again: it was based on version 1, which is no longer current.
        stale = await operator.post(f"/api/platform/templates/{SLUG}/versions", json=body,
                                    headers=bearer())  # fmt: skip
        assert stale.status_code == 409
        assert stale.headers["content-type"].startswith("application/problem+json")

    # The city is offered it: the diff in words, its own fee kept.
    offers = (await admin.get("/api/staff/templates/offers")).json()["items"]
    [offer] = offers
    assert offer["slug"] == SLUG and offer["running_version"] == 1
    assert offer["offered_version"] == 2 and offer["note"]["ja"] == "連絡先を追加"
    parts = {(c["kind"], c["part"]["ja"]) for c in offer["changes"]}
    assert ("added", "項目「日中の電話番号」") in parts
    assert any(kind == "changed" and part.endswith("の見出し") for kind, part in parts)
    assert all("手数料" not in part for _, part in parts)  # 350 before, 350 after
    added = next(c for c in offer["changes"] if c["kind"] == "added")
    assert added["part"]["easy"] == "こうもく「ひるまの でんわばんごう」"
    assert added["part"]["en"] == 'Question "Daytime phone"'
    # Seen once: one event in the city's chain however often the list is read.
    await admin.get("/api/staff/templates/offers")
    assert len(await events("template.offer_seen", city.id)) == 1

    accepted = await admin.post(f"/api/staff/templates/{SLUG}/accept", json={"version": 2},
                                headers=headers)  # fmt: skip
    assert accepted.status_code == 201, accepted.text
    assert accepted.json() == {"slug": SLUG, "kind": "procedure", "template_version": 2,
                               "version": 3, "status": "published"}  # fmt: skip
    twice = await admin.post(f"/api/staff/templates/{SLUG}/accept", json={"version": 2},
                             headers=headers)  # fmt: skip
    assert twice.status_code == 409
    assert (await admin.get("/api/staff/templates/offers")).json()["items"] == []

    runs = await load_version(city.id, SLUG)
    assert runs.version == 3 and runs.definition.fee_yen == 350
    assert "contact_phone" in {f.name for f in runs.definition.form.fields()}
    # Versions already published (and the applications filed against them) stay as they were.
    assert "contact_phone" not in {
        f.name for f in (await load_version(city.id, SLUG, 2)).definition.form.fields()
    }

    # The town did not accept: it still runs the template's first version.
    town_runs = await load_version(town.id, SLUG)
    assert town_runs.version == 1 and town_runs.definition.fee_yen == 300
    assert "contact_phone" not in {f.name for f in town_runs.definition.form.fields()}
    town_admin, town_headers = await town_staff(operator_app, town)
    [town_offer] = (await town_admin.get("/api/staff/templates/offers")).json()["items"]
    assert town_offer["offered_version"] == 2 and not town_offer["declined"]
    declined = await town_admin.post(f"/api/staff/templates/{SLUG}/decline",
                                     json={"version": 2}, headers=town_headers)  # fmt: skip
    assert declined.status_code == 204, declined.text
    [town_offer] = (await town_admin.get("/api/staff/templates/offers")).json()["items"]
    assert town_offer["declined"]
    await town_admin.aclose()
    assert (await load_version(town.id, SLUG)).version == 1

    assert {e["municipality"] for e in await events("template.offered")} == {city.id, town.id}
    assert [e["municipality"] for e in await events("template.accepted")] == [city.id]
    assert [e["municipality"] for e in await events("template.declined")] == [town.id]


async def test_a_change_the_template_does_not_allow_is_refused_naming_the_part(
    app, client_for, city
):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    source = (await admin.get(f"/api/staff/procedures/{SLUG}")).json()["definition"]
    title = {**source, "title": {**source["title"], "ja": "住民票（市の独自）"}}
    refused = await admin.post("/api/staff/procedures", json={"definition": title},
                               headers=headers)  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    [error] = refused.json()["errors"]
    assert error["field"] == "definition.title" and error["label"]["ja"] == "名称"

    # 児童手当 is filed on the national form: only its guidance is local, not a fee.
    national = (await admin.get("/api/staff/procedures/child-allowance")).json()
    assert national["template"]["local"] == ["help"]
    fee = {**national["definition"], "fee_yen": 100}
    refused = await admin.post("/api/staff/procedures", json={"definition": fee},
                               headers=headers)  # fmt: skip
    assert [e["field"] for e in refused.json()["errors"]] == ["definition.fee_yen"]
    # Its guidance may name the city's own counter.
    helped = {
        **national["definition"],
        "help": {"ja": "子育て支援課 2番窓口", "easy": "2ばん まどぐち", "en": "Desk 2"},
    }
    assert (await admin.post("/api/staff/procedures", json={"definition": helped},
                             headers=headers)).status_code == 201  # fmt: skip

    # Local questions go in the marked section, when the template allows them.
    fields = [
        {
            "name": "pickup",
            "type": "text",
            "label": {"ja": "受取窓口", "easy": "うけとる ところ", "en": "Pick-up desk"},
        }
    ]
    local = {**source, "form": {"sections": [*source["form"]["sections"],
             {"id": "local", "title": source["title"], "fields": fields}]}}  # fmt: skip
    made = await admin.post("/api/staff/procedures", json={"definition": local}, headers=headers)
    assert made.status_code == 201, made.text
    again = (await admin.get(f"/api/staff/procedures/{SLUG}")).json()
    assert [f["name"] for f in again["template"]["local_changes"]["local_fields"]] == ["pickup"]
    assert again["definition"]["form"]["sections"][-1]["title"]["ja"] == "地域の項目"
    no_local = {**national["definition"], "form": local["form"]}
    refused = await admin.post("/api/staff/procedures", json={"definition": no_local},
                               headers=headers)  # fmt: skip
    assert {e["field"] for e in refused.json()["errors"]} >= {"definition.form"}

    # The municipality's own procedure (no template) stays fully editable.
    own = {
        **source,
        "slug": "cat-registration",
        "title": {"ja": "猫の登録", "easy": "ねこの とうろく", "en": "Cat registration"},
    }
    assert (await admin.post("/api/staff/procedures", json={"definition": own},
                             headers=headers)).status_code == 201  # fmt: skip
    own["title"] = {**own["title"], "ja": "ねこの登録"}
    own["fee_yen"] = 10
    assert (await admin.post("/api/staff/procedures", json={"definition": own},
                             headers=headers)).status_code == 201  # fmt: skip
    assert (await admin.get("/api/staff/procedures/cat-registration")).json()["template"] is None


async def rule_of(municipality_id: int, slug: str):
    from todoke.benefits.telling import RULE_SQL
    from todoke.db import read_transaction

    async with read_transaction() as sql:
        held = await sql.value(
            f"SELECT {RULE_SQL} FROM program WHERE municipality = ? AND slug = ? "
            "ORDER BY version DESC LIMIT 1",
            [municipality_id, slug],
        )
    return json.loads(held) if isinstance(held, str) else held


async def test_a_national_rule_is_kept_once_and_reaches_every_municipality(
    operator_app, client_for, city, town
):
    supervisor, headers = await staff_client(
        client_for, operator_app, city, role="supervisor", departments=["child-support"]
    )
    approved = await supervisor.post("/api/staff/programs/child-allowance/approve",
                                     headers=headers)  # fmt: skip
    assert approved.status_code == 200, approved.text
    program = (await supervisor.get("/api/staff/programs/child-allowance")).json()
    before = program["rule"]
    assert before == await rule_of(town.id, "child-allowance")

    # The city may not change who qualifies or the amounts; it may change what to do.
    draft = {k: program[k] for k in ("slug", "department", "title", "summary", "action",
                                     "rule", "delivery", "procedure_slug", "tells",
                                     "channels", "fallback_days")}  # fmt: skip
    changed = {**draft, "rule": {"and": [before, {">=": [{"var": "age"}, 20]}]}}
    refused = await supervisor.put("/api/staff/programs", json=changed, headers=headers)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["rule"]
    amounts = {**draft, "summary": {**draft["summary"], "ja": "月額2万円を支給します。"}}
    refused = await supervisor.put("/api/staff/programs", json=amounts, headers=headers)
    assert [e["field"] for e in refused.json()["errors"]] == ["summary"]
    own_words = {**draft, "action": {**draft["action"], "ja": "子育て支援課でご相談ください。"}}
    saved = await supervisor.put("/api/staff/programs", json=own_words, headers=headers)
    assert saved.status_code == 200, saved.text

    # An amendment, published once by the operator, is the rule of both municipalities.
    async with client_for(operator_app) as operator:
        current = await template(operator, "child-allowance", kind="programme")
        assert current["national"] and "rule" not in current["local"]
        amended = {"and": [current["rule"], {">=": [{"var": "age"}, 18]}]}
        body = {"kind": "programme", "based_on": current["version"],
                "definition": current["definition"], "rule": amended}  # fmt: skip
        made = await operator.post("/api/platform/templates/child-allowance/versions",
                                   json=body, headers=bearer())  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json()["version"] == 2 and made.json()["reached"] == 1  # the city's active
    assert await rule_of(city.id, "child-allowance") == amended
    assert await rule_of(town.id, "child-allowance") == amended
    program = (await supervisor.get("/api/staff/programs/child-allowance")).json()
    assert program["rule"] == amended
    # No municipality holds a copy of it.
    from todoke.benefits.tables import Program

    copies = await Program.select(Program.rule).where(Program.slug == "child-allowance")
    assert {json.dumps(json.loads(c["rule"]) if isinstance(c["rule"], str) else c["rule"])
            for c in copies} == {"null"}  # fmt: skip
    assert [e["municipality"] for e in await events("program.national_rule_updated")] == [city.id]

    # A local programme's amounts are the municipality's: the flu shot's self-pay here.
    flu = (await supervisor.get("/api/staff/programs/flu-shot-65")).json()
    flu_draft = {k: flu[k] for k in draft}
    flu_draft["summary"] = {**flu["summary"], "ja": "65歳以上の方は自己負担1,000円で接種できます。"}
    health, health_headers = await staff_client(
        client_for, operator_app, city, role="supervisor", departments=["health"]
    )
    saved = await health.put("/api/staff/programs", json=flu_draft, headers=health_headers)
    assert saved.status_code == 200, saved.text
    assert await rule_of(town.id, "flu-shot-65") == flu["rule"]


def deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/platform/templates/no-such-template/versions",
         {"kind": "procedure", "based_on": 1, "definition": {}}, 422),
        ("/api/platform/templates/no-such-template/versions", "VALID", 404),
        (f"/api/platform/templates/{SLUG}/versions",
         {"kind": "procedure", "based_on": 1, "definition": {"slug": SLUG}}, 422),
        (f"/api/platform/templates/{SLUG}/versions",
         {"kind": "procedure", "based_on": 7, "definition": "VALID"}, 409),
        (f"/api/platform/templates/{SLUG}/versions",
         {"kind": "procedure", "based_on": 1, "definition": "VALID", "local": ["title"]}, 422),
        (f"/api/platform/templates/{SLUG}/versions",
         {"kind": "procedure", "based_on": 1, "definition": "VALID"}, 409),  # nothing differs
        (f"/api/platform/templates/{SLUG}/versions",
         {"kind": "widget", "based_on": 1, "definition": {}}, 400),
        (f"/api/platform/templates/{SLUG}/versions",
         {"kind": "procedure", "based_on": 1, "definition": {}, "extra": 1}, 400),
        ("/api/platform/templates/child-allowance/versions",
         {"kind": "programme", "based_on": 1, "definition": "VALID_PROGRAMME",
          "rule": {"??": [1]}}, 422),
        ("/api/platform/templates/child-allowance/versions",
         {"kind": "programme", "based_on": 1, "definition": "VALID_PROGRAMME"}, 422),
        ("/api/platform/templates/child-allowance/versions",
         {"kind": "programme", "based_on": 1, "definition": "VALID_PROGRAMME",
          "rule": "VALID_RULE", "local": ["rule"]}, 422),  # a national rule is never local
        ("/api/platform/templates/Bad_Slug/versions",
         {"kind": "procedure", "based_on": 1, "definition": {}}, 400),
        (f"/api/platform/templates/{SLUG}/versions", '{"kind": "procedure", "based_on": 1,}', 400),
        (f"/api/platform/templates/{SLUG}/versions", deep(5000), 400),
    ],
)  # fmt: skip
async def test_hostile_template_versions_are_refused_without_a_write(
    operator_app, client_for, city, path, body, status
):
    async with client_for(operator_app) as operator:
        procedure = await template(operator, SLUG)
        programme = await template(operator, "child-allowance", kind="programme")
        if body == "VALID":
            body = {"kind": "procedure", "based_on": 1, "definition": procedure["definition"]}
            body["definition"] = {**body["definition"], "fee_yen": 999}
        if isinstance(body, dict) and body.get("definition") == "VALID":
            body = {**body, "definition": procedure["definition"]}
        if isinstance(body, dict) and body.get("definition") == "VALID_PROGRAMME":
            body = {**body, "definition": programme["definition"]}
        if isinstance(body, dict) and body.get("rule") == "VALID_RULE":
            body = {**body, "rule": programme["rule"]}
        raw = body if isinstance(body, str) else json.dumps(body)
        answer = await operator.post(path, content=raw, headers={
            **bearer(), "content-type": "application/json"})  # fmt: skip
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert (await template(operator, SLUG))["version"] == 1
        assert (await template(operator, "child-allowance", kind="programme"))["version"] == 1


async def test_answers_to_an_offer_that_is_not_there_are_refused(app, client_for, city):
    admin, headers = await staff_client(client_for, app, city, role="administrator")
    for path, body, status in [
        (f"/api/staff/templates/{SLUG}/accept", {"version": 1}, 409),  # running it already
        (f"/api/staff/templates/{SLUG}/accept", {"version": 2}, 409),  # no such version
        (f"/api/staff/templates/{SLUG}/decline", {"version": 2}, 409),
        ("/api/staff/templates/no-such/accept", {"version": 2}, 404),
        (f"/api/staff/templates/{SLUG}/accept", {"version": 0}, 400),
        (f"/api/staff/templates/{SLUG}/accept", {}, 400),
    ]:
        answer = await admin.post(path, json=body, headers=headers)
        assert answer.status_code == status, (path, body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await load_version(city.id, SLUG)).version == 1
    # A designer of another department may not answer for the certificate's.
    other, other_headers = await staff_client(
        client_for, app, city, role="supervisor", departments=["health"]
    )
    answer = await other.post(f"/api/staff/templates/{SLUG}/decline", json={"version": 2},
                              headers=other_headers)  # fmt: skip
    assert answer.status_code == 403, answer.text


async def test_the_operator_publishes_a_version_from_the_command_line(operator_app, client_for,
                                                                      city, tmp_path):  # fmt: skip
    from test_cli import _todoke

    async with client_for(operator_app) as operator:
        current = await template(operator, SLUG)
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(new_version(current), ensure_ascii=False), encoding="utf-8")
    done = _todoke(city_settings := operator_app.state.settings, "publish-template", SLUG,
                   str(path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "version 2: offered to 2" in done.stdout
    again = _todoke(city_settings, "publish-template", SLUG, str(path))  # based on version 1
    assert again.returncode == 2 and "edit the latest one" in again.stderr
    path.write_text('{"kind": "procedure", "based_on": 2,}', encoding="utf-8")
    broken = _todoke(city_settings, "publish-template", SLUG, str(path))
    assert broken.returncode == 2 and "v2.json" in broken.stderr
    async with client_for(operator_app) as operator:
        assert (await template(operator, SLUG))["version"] == 2


async def test_a_local_programme_is_offered_its_new_version_as_a_draft_to_approve(
    operator_app, client_for, city, town
):
    health, headers = await staff_client(
        client_for, operator_app, city, role="supervisor", departments=["health"]
    )
    flu = (await health.get("/api/staff/programs/flu-shot-65")).json()
    fields = ("slug", "department", "title", "summary", "action", "rule", "delivery",
              "procedure_slug", "tells", "channels", "fallback_days")  # fmt: skip
    own = "市内の協力医療機関（一覧は市報）に予約してください。"
    mine = {**{k: flu[k] for k in fields}, "action": {**flu["action"], "ja": own}}
    assert (await health.put("/api/staff/programs", json=mine, headers=headers)).status_code == 200

    async with client_for(operator_app) as operator:
        current = await template(operator, "flu-shot-65", kind="programme")
        assert not current["national"] and "rule" in current["local"]
        summary = {**current["definition"]["summary"],
                   "ja": "65歳以上の方は、自己負担2,000円で接種できます。"}  # fmt: skip
        rule = {"and": [current["rule"], {">=": [{"var": "age"}, 60]}]}
        body = {"kind": "programme", "based_on": 1, "rule": rule,
                "definition": {**current["definition"], "summary": summary}}  # fmt: skip
        made = await operator.post("/api/platform/templates/flu-shot-65/versions", json=body,
                                   headers=bearer())  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json()["reached"] == 0  # a local programme's rule is each one's own

    [offer] = [o for o in (await health.get("/api/staff/templates/offers")).json()["items"]
               if o["kind"] == "programme"]  # fmt: skip
    assert offer["slug"] == "flu-shot-65" and offer["offered_version"] == 2
    words = {(c["kind"], c["part"]["ja"]): c for c in offer["changes"]}
    assert words[("changed", "概要（金額）")]["after"]["ja"].endswith(
        "自己負担2,000円で接種できます。"
    )
    assert words[("added", "対象の条件")]["after"]["ja"] == "年齢が60歳以上"
    rule_words = words[("changed", "対象の条件")]
    assert rule_words["before"]["ja"].startswith("年齢が65歳以上、または（年齢が60歳以上、かつ")
    assert rule_words["after"]["en"].endswith(" and Age is at least 60")
    assert ("changed", "すること") not in words  # the city's own words are kept

    answer = {"version": 2, "kind": "programme"}
    accepted = await health.post("/api/staff/templates/flu-shot-65/accept", json=answer,
                                 headers=headers)  # fmt: skip
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "draft"
    draft = (await health.get("/api/staff/programs/flu-shot-65")).json()
    assert draft["status"] == "draft" and draft["rule"] == rule
    assert draft["summary"]["ja"] == summary["ja"]
    assert draft["action"]["ja"].startswith("市内の協力医療機関（一覧は市報）")
    assert [o for o in (await health.get("/api/staff/templates/offers")).json()["items"]
            if o["kind"] == "programme"] == []  # fmt: skip
    # The town did not accept: its programme keeps the first version's rule and words.
    assert await rule_of(town.id, "flu-shot-65") == current["rule"]


async def test_an_upgrade_links_what_municipalities_ran_before_templates(city, town):
    """A deployment from before templates: its procedures and programmes are linked to their
    templates at the next migration, their allowed differences kept as local changes; a
    procedure changed beyond what its template allows stays the municipality's own."""
    from todoke.benefits.rules import SEEDED_RULES
    from todoke.benefits.tables import Program
    from todoke.platform.service import link_served_municipalities
    from todoke.procedures import service
    from todoke.procedures.tables import Procedure
    from todoke.procedures.templates import Adoption, adoption_of
    from todoke.registry.public import departments

    await Procedure.update({Procedure.template_slug: "", Procedure.template_version: None}).where(
        Procedure.municipality == city.id
    )
    await Program.update({Program.template_slug: "", Program.template_version: None,
                          Program.rule: json.dumps(SEEDED_RULES["child-allowance"])}).where(
        (Program.municipality == city.id) & (Program.slug == "child-allowance")
    )  # fmt: skip
    ids = {d.code: d.id for d in await departments(city.id)}
    certificate = (await load_version(city.id, SLUG)).definition
    await service.publish(city.id, ids, msgspec.structs.replace(certificate, fee_yen=350))
    dog = (await load_version(city.id, "dog-registration")).definition
    await service.publish(city.id, ids, msgspec.structs.replace(dog, service_days=1))
    assert await adoption_of(city.id, SLUG) is None

    await link_served_municipalities()
    await link_served_municipalities()  # idempotent

    assert await adoption_of(city.id, SLUG) == Adoption(SLUG, 1, {"fee_yen": 350})
    assert await adoption_of(city.id, "dog-registration") is None  # its own now
    assert await adoption_of(town.id, SLUG) == Adoption(SLUG, 1, {})
    [program] = await Program.select(Program.template_slug, Program.rule).where(
        (Program.municipality == city.id) & (Program.slug == "child-allowance")
    )
    assert program["template_slug"] == "child-allowance"
    held = program["rule"]
    assert (json.loads(held) if isinstance(held, str) else held) is None  # no copy kept
    assert await rule_of(city.id, "child-allowance") == SEEDED_RULES["child-allowance"]
    assert (await load_version(city.id, SLUG)).version == 2  # nothing published


async def test_a_town_runs_the_templates_in_its_own_words(operator_app, client_for, city, town):
    """The standard catalogue is written for a city (市内での引っ越し); the town runs it as
    町内 — its words, not a local change: none is recorded, its designer publishes it as it
    is, and a new version's diff shows only what the platform changed."""
    slug = "move-within-city"
    runs = await load_version(town.id, slug)
    assert "町内" in runs.definition.title.ja and "市" not in runs.definition.title.ja
    assert "市内" in (await load_version(city.id, slug)).definition.title.ja
    admin, headers = await town_staff(operator_app, town)
    source = (await admin.get(f"/api/staff/procedures/{slug}")).json()
    assert source["template"]["local_changes"] == {}
    same = await admin.post("/api/staff/procedures", json={"definition": source["definition"]},
                            headers=headers)  # fmt: skip
    assert same.status_code == 201, same.text
    again = (await admin.get(f"/api/staff/procedures/{slug}")).json()
    assert again["template"]["local_changes"] == {}

    async with client_for(operator_app) as operator:
        current = await template(operator, slug)
        assert "市内" in current["definition"]["title"]["ja"]
        made = await operator.post(f"/api/platform/templates/{slug}/versions",
                                   json=new_version(current), headers=bearer())  # fmt: skip
        assert made.status_code == 201, made.text
    [offer] = [o for o in (await admin.get("/api/staff/templates/offers")).json()["items"]
               if o["slug"] == slug]  # fmt: skip
    # The question added and the one relabelled: nothing about 市 and 町.
    assert len(offer["changes"]) == 2, offer["changes"]
    accepted = await admin.post(f"/api/staff/templates/{slug}/accept", json={"version": 2},
                                headers=headers)  # fmt: skip
    assert accepted.status_code == 201, accepted.text
    runs = await load_version(town.id, slug)
    assert "町内" in runs.definition.title.ja
    assert "contact_phone" in {f.name for f in runs.definition.form.fields()}
    await admin.aclose()
