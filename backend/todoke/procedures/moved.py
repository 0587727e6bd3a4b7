"""A household as move-in data describes it: what a former municipality sent, with the
resident's consent, to the municipality they move to (issue 16). Until the 転入届 is done
at the counter the resident is no registry person here; the procedures that follow a move
are pre-filled from this, each value saying it came from the former municipality's data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from todoke import clock
from todoke.db import SqlSession
from todoke.errors import FieldError, InvalidInput, Text
from todoke.procedures.prefill import FACT_LABELS, Household
from todoke.procedures.schemas import HouseholdMemberRead, MoveData
from todoke.registry import public as registry

# The procedures at the new municipality that move-in data may pre-fill.
FOLLOW_ON = ("move-in", "child-allowance", "nursery-admission", "dog-registration")
# 転入届 within 14 days of moving in; 転出届 at the counter within 14 days either side.
BOOKING_DAYS = 14
NURSERY_AGE = 6


class _Incoming(msgspec.Struct, frozen=True):
    id: int
    data: str
    consented_at: datetime
    origin: int


def source_of(origin_name: str) -> str:
    """The provenance shown beside a value that came with the move."""
    return f"{origin_name}の転出データ"


async def move_household(
    sql: SqlSession, account_id: int, municipality_id: int
) -> Household | None:
    """The household of the incoming move bound to ``account_id`` here, or None."""
    found = await sql.row(
        _Incoming,
        "SELECT id, data, consented_at, origin FROM move_in "
        "WHERE municipality = ? AND account = ? AND withdrawn_at IS NULL",
        [municipality_id, account_id],
    )
    if found is None:
        return None
    data = msgspec.json.decode(found.data, type=MoveData)
    as_of = found.consented_at.astimezone(clock.JST).date().isoformat()
    return household_from(data, await municipality_name(found.origin), as_of)


async def municipality_name(municipality_id: int) -> str:
    names = await registry.municipality_names()
    return next((m.name_ja for m in names if m.id == municipality_id), "")


def household_from(data: MoveData, origin_name: str, as_of: str) -> Household:
    """Move data as pre-fill reads a household."""
    me = next(m for m in data.members if m.is_self)
    members = [
        HouseholdMemberRead(
            id=m.id,
            name=f"{m.family_name} {m.given_name}",
            kana=f"{m.family_name_kana} {m.given_name_kana}",
            birth_date=m.birth_date,
            relation=m.relation,
            is_self=m.is_self,
        )
        for m in data.members
    ]
    stamp = [source_of(origin_name), as_of]
    return Household(
        person_id=0,
        registry_id="",
        values={
            "family_name": me.family_name,
            "given_name": me.given_name,
            "full_name": f"{me.family_name} {me.given_name}",
            "family_name_kana": me.family_name_kana,
            "given_name_kana": me.given_name_kana,
            "full_name_kana": f"{me.family_name_kana} {me.given_name_kana}",
            "birth_date": me.birth_date,
            "sex": me.sex,
            # Where they live from the move on: the new municipality's address.
            "postal_code": data.new_postal_code,
            "address": data.new_address,
            "previous_address": f"〒{data.previous_postal_code} {data.previous_address}",
            "move_date": data.move_date,
            "relation": me.relation,
            "household": [m.id for m in data.members],
            "children": [m.id for m in data.members if m.child],
        },
        provenance={fact: stamp for fact in FACT_LABELS},
        members=members,
        moved_from=origin_name,
    )


def follow_on_slugs(data: MoveData) -> list[tuple[str, str]]:
    """(slug, reason) of the procedures this move leads to at the new municipality."""
    moved = date.fromisoformat(data.move_date)
    found = [("move-in", "move_in")]
    children = [m for m in data.members if m.child]
    if children:
        found.append(("child-allowance", "child"))
    if any(_age(m.birth_date, moved) < NURSERY_AGE for m in children if m.birth_date):
        found.append(("nursery-admission", "nursery"))
    if data.dog:
        found.append(("dog-registration", "dog"))
    return found


def _age(birth: str, on: date) -> int:
    born = date.fromisoformat(birth)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _field_error(field: str, ja_label: str, en_label: str, ja: str, en: str) -> FieldError:
    return FieldError(field=field, label=Text(ja_label, en_label), message=Text(ja, en))


def booking_problems(slug: str, answers: dict[str, Any], today: date) -> None:
    """Refuse a 転入 / 転出 counter booking on a day the law does not allow: 転入届 from the
    move date to 14 days after it; 転出届 within 14 days either side of it; never in the
    past."""
    if slug not in ("move-in", "move-out"):
        return
    try:
        moved = date.fromisoformat(str(answers.get("move_date")))
        visit = date.fromisoformat(str(answers.get("visit_date")))
    except ValueError:
        return  # the form's own validation has said what is missing
    earliest = moved if slug == "move-in" else moved - timedelta(days=BOOKING_DAYS)
    latest = moved + timedelta(days=BOOKING_DAYS)
    if visit < today or not earliest <= visit <= latest:
        if slug == "move-in":
            ja = "来庁日は引っ越した日から14日以内（今日以降）の日を選んでください"
            en = "choose a day from the move date to 14 days after it, not in the past"
        else:
            ja = "来庁日は引っ越しの日の前後14日以内（今日以降）の日を選んでください"
            en = "choose a day within 14 days of the move date, not in the past"
        raise InvalidInput(
            Text("入力内容を確認してください。", "Some answers need your attention."),
            errors=[_field_error("visit_date", "来庁希望日", "Preferred visit date", ja, en)],
        )
