"""Registry import: files from core systems, by command line and over the API."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from todoke.db import read_transaction
from todoke.demo.generator import REGISTRY_COLUMNS, generate_persons
from todoke.registry.importer import REQUIRED_BASE_FIELDS, import_registry
from todoke.registry.public import receiving_persons
from todoke.registry.tables import Household, Person, RegistryChange, RegistryImport

TODAY = date(2026, 11, 1)


def _persons(count: int) -> list[dict[str, str]]:
    return list(generate_persons(count, seed=7, today=TODAY))[:count]


def _csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=REGISTRY_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


async def _import(city, data: bytes, **options):
    options.setdefault("source", "住民記録システム")
    options.setdefault("filename", "registry.csv")
    return await import_registry(io.BytesIO(data), municipality_id=city.id, today=TODAY, **options)


BREAKERS = [
    ("family_name_kana", "山田"),  # kanji where kana is required
    ("birth_date", "2024-02-30"),
    ("postal_code", "12-345"),
    ("relation", "いとこの友人"),
    ("sex", "x"),
    ("income_yen", "-5"),
    ("tax_exempt", "maybe"),
    ("given_name", ""),  # required
    ("care_level", "care_9"),
    ("registry_id", "../../etc"),
]


async def test_ten_thousand_rows_with_twenty_bad_ones(city, tmp_path: Path):
    rows = _persons(10_000)
    bad_lines = {}
    for n in range(20):
        index = 97 + n * 491
        field, value = BREAKERS[n % len(BREAKERS)]
        rows[index] = {**rows[index], field: value}
        bad_lines[index + 2] = field  # header is line 1
    path = tmp_path / "registry.csv"
    path.write_bytes(_csv_bytes(rows))

    with path.open("rb") as stream:
        report = await import_registry(
            stream,
            municipality_id=city.id,
            source="住民記録システム",
            filename=path.name,
            today=TODAY,
        )
    assert report.status == "partial"
    assert (report.rows_total, report.rows_created, report.rows_failed) == (10_000, 9_980, 20)
    assert {e.line: e.field for e in report.errors} == bad_lines
    for error in report.errors:
        assert error.reason and error.reason_ja
    assert await Person.count().where(Person.municipality == city.id) == 9_980
    assert await RegistryChange.count().where(RegistryChange.kind == "created") == 9_980

    with path.open("rb") as stream:
        again = await import_registry(
            stream,
            municipality_id=city.id,
            source="住民記録システム",
            filename=path.name,
            today=TODAY,
        )
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 9_980)
    assert again.rows_failed == 20
    assert again.same_file_as == report.id
    assert "nothing changed" in again.message
    assert await RegistryChange.count() == 9_980


async def test_values_are_normalised_on_the_way_in(city):
    row = {
        **_persons(1)[0],
        "registry_id": "0000000101",
        "family_name": "ｻﾄｳ\u3000",  # half-width kana and an ideographic space
        "given_name": "花子",
        "family_name_kana": "さとう",
        "given_name_kana": "ﾊﾅｺ",
        "postal_code": "１８１００１３",
        "address": "東京都三鷹市下連雀３丁目１２−５",
        "birth_date": "平成2年4月1日",
        "relation": "世帯主",
        "sex": "2",
    }
    report = await _import(city, _csv_bytes([row]))
    assert report.rows_created == 1, report.errors
    person = await Person.select().where(Person.registry_id == "0000000101").first()
    assert person["family_name"] == "サトウ"
    assert (person["family_name_kana"], person["given_name_kana"]) == ("サトウ", "ハナコ")
    assert person["postal_code"] == "181-0013"
    assert person["address"] == "東京都三鷹市下連雀3丁目12-5"
    assert person["birth_date"] == date(1990, 4, 1)
    assert (person["relation"], person["sex"]) == ("head", "female")
    assert person["district"] == "下連雀"
    provenance = person["provenance"]
    provenance = json.loads(provenance) if isinstance(provenance, str) else provenance
    assert provenance["base"] == ["住民記録システム", TODAY.isoformat()]


async def test_shift_jis_file_with_japanese_headers(city):
    rows = _persons(30)
    japanese = {
        "registry_id": "住民コード",
        "household_id": "世帯番号",
        "relation": "続柄",
        "family_name": "氏",
        "given_name": "名",
        "family_name_kana": "氏カナ",
        "given_name_kana": "名カナ",
        "birth_date": "生年月日",
        "sex": "性別",
        "postal_code": "郵便番号",
        "address": "住所",
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(japanese.values())
    for row in rows:
        writer.writerow([row[k] for k in japanese])
    report = await _import(city, out.getvalue().encode("cp932"))
    assert report.encoding == "cp932"
    assert report.rows_created == 30, report.errors
    first = rows[0]
    held = await Person.select().where(Person.registry_id == first["registry_id"]).first()
    assert held["family_name"] == first["family_name"]


async def test_json_lines(city):
    rows = _persons(5)
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(2, "{broken json")
    lines.insert(4, json.dumps({"registry_id": "1", "shoe_size": 27}))
    lines.insert(6, "[" * 100_000 + "]" * 100_000)  # deeper than Python's stack
    report = await _import(city, "\n".join(lines).encode(), filename="r.jsonl")
    assert report.file_format == "jsonl"
    assert report.status == "partial"
    assert report.rows_created == 5
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "not valid JSON"),
        (5, "unknown columns: shoe_size"),
        (7, "not valid JSON"),
    ]


async def test_whole_file_transaction_applies_nothing_when_a_row_is_bad(city):
    rows = _persons(50)
    rows[10] = {**rows[10], "birth_date": "not a date"}
    report = await _import(city, _csv_bytes(rows), atomic=True)
    assert report.status == "rejected"
    assert report.rows_failed == 1 and report.errors[0].line == 12
    assert await Person.count() == 0
    assert await Household.count() == 0
    assert await RegistryChange.count() == 0
    stored = await RegistryImport.select().where(RegistryImport.id == report.id).first()
    assert stored["status"] == "rejected"


async def test_fact_file_updates_facts_with_their_own_provenance_and_logs_changes(city):
    rows = _persons(20)
    await _import(city, _csv_bytes(rows))
    target = rows[3]["registry_id"]
    facts = f"registry_id,income_yen,tax_exempt,as_of\r\n{target},1234000,true,2026-06-01\r\n"
    report = await _import(city, facts.encode(), source="住民税システム")
    assert (report.rows_updated, report.rows_failed) == (1, 0), report.errors
    person = await Person.select().where(Person.registry_id == target).first()
    assert (person["income_yen"], person["tax_exempt"]) == (1_234_000, True)
    provenance = person["provenance"]
    provenance = json.loads(provenance) if isinstance(provenance, str) else provenance
    assert provenance["income_yen"] == ["住民税システム", "2026-06-01"]
    assert provenance["base"][0] == "住民記録システム"
    change = (
        await RegistryChange.select()
        .where((RegistryChange.person_registry_id == target) & (RegistryChange.kind == "updated"))
        .first()
    )
    changes = change["changes"]
    changes = json.loads(changes) if isinstance(changes, str) else changes
    assert changes["income_yen"][1] == 1_234_000
    assert change["source"] == "住民税システム"

    partial = "registry_id,family_name\r\n8888888888,新規\r\n"
    report = await _import(city, partial.encode())
    assert report.rows_failed == 1 and "creating one needs" in report.errors[0].reason

    unknown = "registry_id,income_yen\r\n9999999999,100\r\n"
    report = await _import(city, unknown.encode(), source="住民税システム")
    assert report.rows_failed == 1 and report.errors[0].registry_id == "9999999999"


async def test_a_move_updates_address_district_and_logs_old_and_new(city):
    rows = _persons(3)
    await _import(city, _csv_bytes(rows))
    moved = {**rows[0], "postal_code": "181-0001", "address": "東京都三鷹市井の頭1-1-1"}
    report = await _import(city, _csv_bytes([moved]))
    assert report.rows_updated == 1
    person = await Person.select().where(Person.registry_id == rows[0]["registry_id"]).first()
    assert person["district"] == "井の頭"
    change = await RegistryChange.select().where(RegistryChange.kind == "updated").first()
    changes = change["changes"]
    changes = json.loads(changes) if isinstance(changes, str) else changes
    assert changes["postal_code"] == [rows[0]["postal_code"], "181-0001"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"registry_id,shoe_size\r\n1,27\r\n", "unknown columns"),
        (b"family_name\r\nX\r\n", "registry_id column is missing"),
        (b"registry_id,registry_id\r\n1,1\r\n", "twice"),
    ],
)
async def test_bad_files_are_rejected_whole(city, content, reason):
    report = await _import(city, content)
    assert report.status == "rejected"
    assert reason in report.message
    assert await Person.count() == 0


async def test_rows_with_the_wrong_number_of_cells_and_duplicates(city):
    rows = _persons(4)
    data = _csv_bytes(rows).decode() + "1,2,3\r\n" + _csv_bytes([rows[0]]).decode().split("\r\n")[1]
    report = await _import(city, data.encode())
    reasons = sorted(e.reason for e in report.errors)
    assert report.rows_created == 4
    assert len(reasons) == 2
    assert any("columns" in r for r in reasons)
    assert any("earlier in the file" in r for r in reasons)


# --- the income-test facts and 受給中 ---------------------------------------------------------

INCOME_TEST_FACTS = (
    "salary_or_pension",
    "child_support_yen",
    "deductions_yen",
    "single_parent_deduction_yen",
    "tax_dependants",
    "public_pension_yen",
    "receiving",
)


def _provenance(person: dict) -> dict:
    found = person["provenance"]
    return json.loads(found) if isinstance(found, str) else found


async def test_income_test_facts_are_imported_with_their_provenance(city):
    rows = _persons(3)
    await _import(city, _csv_bytes(rows))
    first, second = rows[0]["registry_id"], rows[1]["registry_id"]
    facts = (
        "registry_id,給与・年金,養育費等,控除額,ひとり親控除,扶養親族数,年金収入,受給中,as_of\r\n"
        f'{first},有,"1,200,000円",２７００００,350000,３人,0,'
        '"child-rearing-allowance、Child-Allowance",2026-06-01\r\n'
        f"{second},false,0,0,270000,0,816000,なし,2026-06-01\r\n"
    )
    report = await _import(city, facts.encode(), source="住民税システム")
    assert (report.rows_updated, report.rows_failed) == (2, 0), report.errors
    person = await Person.select().where(Person.registry_id == first).first()
    assert {name: person[name] for name in INCOME_TEST_FACTS} == {
        "salary_or_pension": True,
        "child_support_yen": 1_200_000,
        "deductions_yen": 270_000,
        "single_parent_deduction_yen": 350_000,
        "tax_dependants": 3,
        "public_pension_yen": 0,
        # Sorted, without repeats, whatever the separator and case.
        "receiving": "child-allowance,child-rearing-allowance",
    }
    # A fact's source and date move only when its value changed (salary, the single-parent
    # deduction and the pension were already so).
    for name in ("child_support_yen", "deductions_yen", "tax_dependants", "receiving"):
        assert _provenance(person)[name] == ["住民税システム", "2026-06-01"], name
    for name in ("salary_or_pension", "single_parent_deduction_yen", "public_pension_yen"):
        assert _provenance(person)[name] == ["住民記録システム", TODAY.isoformat()], name
    other = await Person.select().where(Person.registry_id == second).first()
    assert (other["salary_or_pension"], other["single_parent_deduction_yen"]) == (False, 270_000)
    assert (other["public_pension_yen"], other["receiving"]) == (816_000, "")

    # The same values again change nothing; an empty cell leaves the held value.
    again = await _import(city, facts.encode(), source="住民税システム")
    assert (again.rows_updated, again.rows_unchanged) == (0, 2)
    blank = f"registry_id,tax_dependants,receiving\r\n{first},,\r\n"
    assert (await _import(city, blank.encode())).rows_unchanged == 1
    cleared = f"registry_id,receiving\r\n{first},none\r\n"
    assert (await _import(city, cleared.encode())).rows_updated == 1
    person = await Person.select().where(Person.registry_id == first).first()
    assert (person["receiving"], person["tax_dependants"]) == ("", 3)


async def test_new_persons_receive_nothing_until_told_otherwise(city):
    rows = [{**row, "receiving": ""} for row in _persons(2)]
    report = await _import(city, _csv_bytes(rows))
    assert report.rows_created == 2, report.errors
    assert {p["receiving"] for p in await Person.select(Person.receiving)} == {""}


HOSTILE_FACTS = [
    ("child_support_yen", "-5", "whole number of yen"),
    ("child_support_yen", "1.5", "whole number of yen"),
    ("deductions_yen", "abc", "whole number of yen"),
    ("deductions_yen", "٣", "whole number of yen"),  # a decimal digit, not an ASCII one
    ("deductions_yen", "1" * 13, "whole number of yen"),
    ("public_pension_yen", "¥-1", "whole number of yen"),
    ("single_parent_deduction_yen", "300000", "270000"),
    ("single_parent_deduction_yen", "-350000", "whole number of yen"),
    ("tax_dependants", "-1", "0 to 99"),
    ("tax_dependants", "100", "0 to 99"),
    ("tax_dependants", "two", "0 to 99"),
    ("tax_dependants", "1.0", "0 to 99"),
    ("salary_or_pension", "maybe", "unknown value"),
    ("receiving", "Child Allowance", "not a programme slug"),
    ("receiving", "child-allowance, 児童手当", "not a programme slug"),
    ("receiving", "-child", "not a programme slug"),
    ("receiving", "児童手当", "not a programme slug"),
    ("receiving", ",".join(f"programme-{n:03d}" for n in range(30)), "255"),
]


@pytest.mark.parametrize(
    ("field", "value", "reason"), HOSTILE_FACTS, ids=[f"{f}={v[:20]}" for f, v, _ in HOSTILE_FACTS]
)
async def test_hostile_income_test_facts_are_row_errors(city, field, value, reason):
    rows = _persons(3)
    rows[1] = {**rows[1], field: value}
    report = await _import(city, _csv_bytes(rows))
    assert report.status == "partial"
    assert (report.rows_created, report.rows_failed) == (2, 1)
    (error,) = report.errors
    assert (error.line, error.field, error.registry_id) == (3, field, rows[1]["registry_id"])
    assert reason in error.reason and error.reason_ja
    assert await Person.count().where(Person.registry_id == rows[1]["registry_id"]) == 0


async def test_json_lines_take_numbers_booleans_and_lists(city):
    base = _persons(1)[0]
    record = {
        **{k: v for k, v in base.items() if k not in INCOME_TEST_FACTS},
        "salary_or_pension": True,
        "child_support_yen": 360_000,
        "tax_dependants": 2,
        "receiving": ["child-rearing-allowance", "child-allowance"],
    }
    report = await _import(city, json.dumps(record).encode(), filename="r.jsonl")
    assert report.rows_created == 1, report.errors
    person = await Person.select().where(Person.registry_id == base["registry_id"]).first()
    assert person["receiving"] == "child-allowance,child-rearing-allowance"
    assert (person["child_support_yen"], person["tax_dependants"]) == (360_000, 2)
    # An empty list says "none", unlike a missing or null value, which leaves it.
    update = {"registry_id": base["registry_id"], "receiving": None, "tax_dependants": -2}
    report = await _import(city, json.dumps(update).encode(), filename="r.jsonl")
    assert report.rows_failed == 1 and report.errors[0].field == "tax_dependants"
    update = {"registry_id": base["registry_id"], "receiving": []}
    report = await _import(city, json.dumps(update).encode(), filename="r.jsonl")
    assert report.rows_updated == 1, report.errors
    person = await Person.select().where(Person.registry_id == base["registry_id"]).first()
    assert person["receiving"] == ""


async def test_receiving_persons_matches_whole_slugs_in_the_municipality(city):
    rows = _persons(4)
    receiving = ["child-allowance", "child-allowance,child-rearing-allowance", "", "child"]
    rows = [{**row, "receiving": r} for row, r in zip(rows, receiving, strict=True)]
    await _import(city, _csv_bytes(rows))
    ids = {p["registry_id"]: p["id"] for p in await Person.select(Person.id, Person.registry_id)}
    everyone = list(ids.values())
    async with read_transaction() as sql:
        allowance = await receiving_persons(sql, city.id, "child-allowance", everyone)
        rearing = await receiving_persons(sql, city.id, "child-rearing-allowance", everyone)
        child = await receiving_persons(sql, city.id, "child", everyone)
        elsewhere = await receiving_persons(sql, city.id + 1, "child-allowance", everyone)
        some = await receiving_persons(
            sql, city.id, "child-allowance", [ids[rows[1]["registry_id"]]]
        )
        none = await receiving_persons(sql, city.id, "child-allowance", [])
    by_id = {ids[row["registry_id"]]: row["receiving"] for row in rows}
    assert allowance == {i for i, r in by_id.items() if "child-allowance" in r.split(",")}
    assert len(allowance) == 2
    assert rearing == {ids[rows[1]["registry_id"]]}
    assert child == {ids[rows[3]["registry_id"]]}  # "child" is not "child-allowance"
    assert elsewhere == set() and none == set()
    assert some == {ids[rows[1]["registry_id"]]}


# --- over HTTP, for core systems -----------------------------------------------------------


@pytest.fixture
async def token(city):
    from todoke.registry.service import create_core_system_token

    return await create_core_system_token(city.id, "住民記録システム")


async def test_api_import_with_a_token(client, token):
    rows = _persons(40)
    response = await client.post(
        "/api/registry/imports",
        params={"filename": "daily.csv"},
        content=_csv_bytes(rows, "cp932"),
        headers={"authorization": f"Bearer {token}", "content-type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["rows_created"], body["encoding"], body["source"]) == (
        40,
        "cp932",
        "住民記録システム",
    )
    report = await client.get(
        f"/api/registry/imports/{body['id']}", headers={"authorization": f"Bearer {token}"}
    )
    assert report.json()["rows_created"] == 40


async def test_api_refuses_missing_wrong_and_revoked_tokens(client, token, city):
    from todoke.registry.tables import CoreSystem

    for headers in ({}, {"authorization": "Bearer tdk_guess"}, {"authorization": token}):
        response = await client.post(
            "/api/registry/imports",
            content=b"registry_id\r\n",
            headers={**headers, "content-type": "text/csv"},
        )
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    await CoreSystem.update({CoreSystem.revoked_at: CoreSystem.created_at}).where(
        CoreSystem.municipality == city.id
    )
    response = await client.get(
        "/api/registry/imports/1", headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


async def test_api_rejects_wrong_content_type_bad_charset_and_bad_header(client, token):
    auth = {"authorization": f"Bearer {token}"}
    wrong_type = await client.post(
        "/api/registry/imports", content=b"x", headers={**auth, "content-type": "application/pdf"}
    )
    assert wrong_type.status_code == 422
    bad_charset = await client.post(
        "/api/registry/imports",
        content=b"registry_id\r\n",
        headers={**auth, "content-type": "text/csv; charset=koi8-r"},
    )
    assert bad_charset.status_code == 422
    bad_header = await client.post(
        "/api/registry/imports",
        content=b"registry_id,shoe_size\r\n1,27\r\n",
        headers={**auth, "content-type": "text/csv"},
    )
    assert bad_header.status_code == 422
    assert "unknown columns" in bad_header.json()["errors"][0]["message"]["en"]


async def test_api_import_over_the_size_limit_is_413(client, token, settings):
    import msgspec

    from todoke.app import create_app

    small = msgspec.structs.replace(settings, max_import_bytes=1000)
    from todoke.db import current_engine

    assert current_engine() is not None
    async with _client_for(create_app(small)) as limited:
        response = await limited.post(
            "/api/registry/imports",
            content=b"registry_id\r\n" + b"1\r\n" * 1000,
            headers={"authorization": f"Bearer {token}", "content-type": "text/csv"},
        )
    assert response.status_code == 413
    assert await Person.count() == 0


def _client_for(app):
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost")


async def test_api_upsert_one_person(client, token):
    auth = {"authorization": f"Bearer {token}"}
    person = {k: v for k, v in _persons(1)[0].items() if k in REQUIRED_BASE_FIELDS}
    created = await client.put("/api/registry/persons/0000012345", json=person, headers=auth)
    assert created.status_code == 200, created.text
    assert created.json()["result"] == "created"
    same = await client.put("/api/registry/persons/0000012345", json=person, headers=auth)
    assert same.json()["result"] == "unchanged"
    changed = await client.put(
        "/api/registry/persons/0000012345", json={"income_yen": 2_000_000}, headers=auth
    )
    assert changed.json()["result"] == "updated"
    bad = await client.put(
        "/api/registry/persons/0000012345", json={"family_name_kana": "山田"}, headers=auth
    )
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert error["field"] == "family_name_kana"
    assert error["label"] == {"ja": "氏（フリガナ）", "en": "family name kana"}
    assert error["message"]["ja"] and error["message"]["en"]
    unknown = await client.put(
        "/api/registry/persons/0000099999", json={"income_yen": 1}, headers=auth
    )
    assert unknown.status_code == 422
    assert await Person.count() == 1

    facts = {"salary_or_pension": True, "tax_dependants": 2, "receiving": ["child-allowance"]}
    changed = await client.put("/api/registry/persons/0000012345", json=facts, headers=auth)
    assert changed.json()["result"] == "updated", changed.text
    person = await Person.select().where(Person.registry_id == "0000012345").first()
    assert (person["tax_dependants"], person["receiving"]) == (2, "child-allowance")
    # Below the schema's bound: refused as the request is read (400), naming the field.
    negative = await client.put(
        "/api/registry/persons/0000012345", json={"child_support_yen": -1}, headers=auth
    )
    assert negative.status_code == 400, negative.text
    assert "child_support_yen" in negative.text
    for hostile, field in (
        ({"single_parent_deduction_yen": 1}, "single_parent_deduction_yen"),
        ({"receiving": ["Child Allowance"]}, "receiving"),
    ):
        refused = await client.put("/api/registry/persons/0000012345", json=hostile, headers=auth)
        assert refused.status_code == 422, hostile
        assert refused.json()["errors"][0]["field"] == field
    for wrong_type in ({"tax_dependants": "two"}, {"salary_or_pension": "yes"}):
        refused = await client.put(
            "/api/registry/persons/0000012345", json=wrong_type, headers=auth
        )
        assert refused.status_code == 400, wrong_type


async def test_import_ids_beyond_the_id_column_are_a_400_not_an_overflow(client, token):
    auth = {"authorization": f"Bearer {token}"}
    for bad in ("46624068083646717952", "2147483648", "0", "-1"):
        response = await client.get(f"/api/registry/imports/{bad}", headers=auth)
        assert response.status_code == 400, bad
    # Not a number at all: no such address.
    assert (await client.get("/api/registry/imports/abc", headers=auth)).status_code == 404


# --- trailing empty columns, and a status that says when rows failed ------------------------


def _with_trailing_commas(data: bytes, *, header: bool, rows: bool, extra: int = 1) -> bytes:
    lines = data.decode().split("\r\n")
    out = []
    for number, line in enumerate(lines):
        wanted = header if number == 0 else rows
        out.append(line + "," * extra if line and wanted else line)
    return "\r\n".join(out).encode()


@pytest.mark.parametrize(
    ("header", "rows", "extra"),
    [(True, True, 1), (False, True, 1), (True, False, 1), (True, True, 3)],
)
async def test_trailing_empty_columns_are_accepted(city, header, rows, extra):
    persons = _persons(6)
    data = _with_trailing_commas(_csv_bytes(persons), header=header, rows=rows, extra=extra)
    report = await _import(city, data)
    assert (report.status, report.rows_created, report.rows_failed) == ("applied", 6, 0), (
        report.errors
    )
    assert await Person.count().where(Person.municipality == city.id) == 6


async def test_a_trailing_cell_with_a_value_is_still_a_column_count_error(city):
    persons = _persons(3)
    lines = _csv_bytes(persons).decode().split("\r\n")
    lines[2] += ",surprise"
    report = await _import(city, "\r\n".join(lines).encode())
    assert (report.rows_created, report.rows_failed) == (2, 1)
    assert "columns" in report.errors[0].reason
    # A blank header cell between named ones is not a trailing one: still refused whole.
    middle = b"registry_id,,family_name\r\n1,,X\r\n"
    assert (await _import(city, middle)).status == "rejected"


async def test_an_import_with_failed_rows_says_so_in_its_status(city):
    persons = _persons(5)
    persons[2] = {**persons[2], "birth_date": "not a date"}
    report = await _import(city, _csv_bytes(persons))
    assert (report.status, report.rows_created, report.rows_failed) == ("partial", 4, 1)
    stored = await RegistryImport.select().where(RegistryImport.id == report.id).first()
    assert stored["status"] == "partial"


async def test_api_import_whose_rows_all_fail_is_not_reported_applied(client, token):
    auth = {"authorization": f"Bearer {token}", "content-type": "text/csv"}
    persons = [{**p, "birth_date": "not a date"} for p in _persons(3)]
    response = await client.post("/api/registry/imports", content=_csv_bytes(persons), headers=auth)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert len(problem["errors"]) == 3
    stored = await RegistryImport.select().order_by(RegistryImport.id, ascending=False).first()
    assert stored["status"] == "rejected"
    assert await Person.count() == 0

    # Some rows good, some bad: 201 with a status that says rows were refused.
    persons = _persons(3)
    persons[1] = {**persons[1], "sex": "x"}
    response = await client.post("/api/registry/imports", content=_csv_bytes(persons), headers=auth)
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["rows_failed"]) == ("partial", 1)


async def test_api_import_with_trailing_commas_applies_every_row(client, token):
    auth = {"authorization": f"Bearer {token}", "content-type": "text/csv"}
    data = _with_trailing_commas(_csv_bytes(_persons(4)), header=True, rows=True)
    response = await client.post("/api/registry/imports", content=data, headers=auth)
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["rows_created"]) == ("applied", 4)
