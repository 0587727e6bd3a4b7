"""Moving between municipalities once (issue 16, JAPAN-FACTS 引越しワンストップ).

At the municipality left (A) a verified resident tells of the move: where to, when, the new
address, who moves, and how the 転出 is done — at A's counter (a pre-filled ``move-out``
booking is filed) or already through マイナポータル (only noted: a signed 転出 online is
the law's マイナポータル alone, nothing is signed here). Nothing about the person leaves A
until they say yes on the consent screen, which lists every field that crosses; then a
``move_in`` row owned by the destination (B) holds the data, and A shows a one-time
transfer code (引越しコード) the resident enters at B after signing up there with a passkey.
The code binds that new account to the incoming move: B pre-fills the 転入 booking and the
procedures that follow (児童手当, nursery, dog registration) from it.

The consent can be withdrawn at A while B has not used the data (the code is unredeemed):
the row at B is emptied and the code stops working. Once redeemed, B holds the data as the
basis of the resident's own filings there; withdrawing is then a matter for B, not A.

Every step is recorded in the audit chain of the municipality where it happens.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec

from todoke import clock, codes, jp, tenancy
from todoke.audit import service as audit
from todoke.db import read_transaction, write_transaction
from todoke.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Text
from todoke.principal import Principal
from todoke.procedures import filing
from todoke.procedures.moved import follow_on_slugs, municipality_name
from todoke.procedures.prefill import CHILD_AGE_LIMIT, load_household
from todoke.procedures.schemas import (
    MOVE_FIELDS,
    FollowOn,
    MoveData,
    MoveDestination,
    MovedMember,
    MoveInRead,
    MoveOutCreate,
    MoveOutRead,
    StaffMove,
)
from todoke.procedures.service import get_published
from todoke.procedures.versions import load_version
from todoke.registry import public as registry

MYNA_PORTAL_URL = "https://myna.go.jp/"
# マイナポータル takes a 転出 from 30 days before the move to 10 days after it.
MYNA_PORTAL_BEFORE, MYNA_PORTAL_AFTER = 30, 10
# At the counter: told up to 30 days ahead, and within 14 days after the move.
COUNTER_BEFORE, COUNTER_AFTER = 30, 14
# The transfer code works until 30 days after the move date (転入届 is due within 14).
CODE_DAYS_AFTER_MOVE = 30

_UNVERIFIED = Forbidden(
    Text(
        "引っ越しの手続きには本人確認が必要です。",
        "Verify your identity before telling us of a move.",
    )
)
_NO_MOVE = NotFound(Text("この引っ越しの届出は見つかりません。", "No such move."))
_CODE_REFUSED = InvalidInput(
    Text(
        "引越しコードが正しくないか、有効期限が切れています。",
        "The transfer code is wrong or has expired.",
    )
)
_SENT_ALREADY = Conflict(
    Text("この引っ越しのデータはすでに送りました。", "This move's data was sent already.")
)
_CHECK = Text("入力内容を確認してください。", "Some answers need your attention.")


def _problem(field: str, label: tuple[str, str], message: tuple[str, str]) -> FieldError:
    return FieldError(field=field, label=Text(*label), message=Text(*message))


class _MoveOutRow(msgspec.Struct, frozen=True):
    id: int
    person: int
    destination: int | None
    destination_name: str
    move_date: date
    new_postal_code: str
    new_address: str
    movers: str
    dog: str
    method: str
    application: int | None
    consented_at: datetime | None
    sent_to: int | None
    withdrawn_at: datetime | None


_MOVE_OUT_SELECT = (
    "SELECT id, person, destination, destination_name, move_date, new_postal_code, "
    "new_address, movers, dog, method, application, consented_at, sent_to, withdrawn_at "
    "FROM move_out"
)


class _Sent(msgspec.Struct, frozen=True):
    bound_at: datetime | None
    code_expires_at: datetime


async def destinations(municipality_id: int) -> list[MoveDestination]:
    """The municipalities on this platform a resident here can move to."""
    return [
        MoveDestination(m.id, m.code, {"ja": m.name_ja, "easy": m.name_easy, "en": m.name_en})
        for m in await registry.municipality_names()
        if m.id != municipality_id
    ]


def _verified(principal: Principal) -> int:
    principal.require_resident()
    if principal.person_id is None:
        raise _UNVERIFIED
    return principal.person_id


def _window_problems(data: MoveOutCreate, today: date) -> list[FieldError]:
    before, after = (
        (MYNA_PORTAL_BEFORE, MYNA_PORTAL_AFTER)
        if data.method == "myna_portal"
        else (COUNTER_BEFORE, COUNTER_AFTER)
    )
    if today - timedelta(days=after) <= data.move_date <= today + timedelta(days=before):
        return []
    if data.method == "myna_portal":
        message = (
            "マイナポータルでの転出届は、引っ越しの30日前から10日後までです",
            "Mynaportal takes a move-out from 30 days before the move to 10 days after it",
        )
    else:
        message = (
            "引っ越しの日は、今日から30日後まで、または14日前までの日にしてください",
            "the move date must be at most 30 days ahead or 14 days past",
        )
    return [_problem("move_date", ("引っ越しの日", "Date of the move"), message)]


async def _check_destination(
    municipality_id: int, data: MoveOutCreate
) -> tuple[MoveDestination | None, str, list[FieldError]]:
    label = ("転出先", "Moving to")
    if data.destination is None:
        name = jp.normalize_text(data.destination_name).strip()
        if not name:
            return None, "", [_problem("destination", label, ("必須項目です", "is required"))]
        return None, name, []
    if data.destination == municipality_id:
        message = (
            "同じ市区町村の中での引っ越しは転居届です",
            "a move within the same municipality is a 転居届, not a move-out",
        )
        return None, "", [_problem("destination", label, message)]
    found = next((d for d in await destinations(municipality_id) if d.id == data.destination), None)
    if found is None:
        return None, "", [_problem("destination", label, ("選択肢から選んでください", "unknown"))]
    return found, found.name["ja"], []


def _postal_problems(code: str) -> tuple[str, list[FieldError]]:
    label = ("新しい住所の郵便番号", "New postal code")
    try:
        normal = jp.normalize_postal_code(code)
    except ValueError:
        return "", [_problem("new_postal_code", label, ("7桁で入力してください", "7 digits"))]
    if not jp.lookup_postal_code(normal):
        message = ("この郵便番号は見つかりません", "no such postal code")
        return "", [_problem("new_postal_code", label, message)]
    return normal, []


async def tell_move_out(principal: Principal, data: MoveOutCreate) -> MoveOutRead:
    """Record the move the resident tells of; for a 転出 at the counter, file the pre-filled
    ``move-out`` booking. Nothing is sent anywhere (that needs ``give_consent``)."""
    person_id = _verified(principal)
    today = clock.today()
    destination, destination_name, problems = await _check_destination(
        principal.municipality_id, data
    )
    problems += _window_problems(data, today)
    postal_code, postal = _postal_problems(data.new_postal_code)
    problems += postal
    new_address = jp.normalize_text(data.new_address).strip()
    async with read_transaction() as sql:
        household = await load_household(sql, person_id, today)
    if household is None:
        raise _UNVERIFIED
    movers = list(dict.fromkeys(data.movers))
    if (
        not movers
        or household.registry_id not in movers
        or not set(movers) <= household.member_ids
        or len(movers) != len(data.movers)
    ):
        problems.append(
            _problem(
                "movers",
                ("引っ越す人", "People moving"),
                ("ご自身を含め、世帯の方から選んでください", "choose from your household, you too"),
            )
        )
    if data.method == "counter" and not data.visit_date:
        problems.append(
            _problem(
                "visit_date",
                ("来庁希望日", "Preferred visit date"),
                ("必須項目です", "is required"),
            )
        )
    if problems:
        raise InvalidInput(_CHECK, errors=problems)
    application: int | None = None
    if data.method == "counter":
        version = await load_version(principal.municipality_id, "move-out")
        values = household.values
        answers: dict[str, Any] = {
            "notifier_name": values["full_name"],
            "notifier_kana": values["full_name_kana"],
            "phone": data.phone,
            "current_postal_code": values["postal_code"],
            "current_address": values["address"],
            "destination": destination_name,
            "move_date": data.move_date.isoformat(),
            "new_postal_code": postal_code,
            "new_address": new_address,
            "household_members": movers,
            "visit_date": data.visit_date.isoformat() if data.visit_date else None,
            "visit_time": data.visit_time,
            "declaration": True,
        }
        key = (
            "move-out-"
            + codes.secret_hash(
                f"{principal.account_id}:{data.move_date}:{destination_name}:{new_address}"
            )[:40]
        )
        application, _ = await filing.file_application(
            principal,
            slug="move-out",
            version=version.version,
            answers=answers,
            idempotency_key=key,
        )
    now = clock.now()
    async with write_transaction() as sql:
        move_id = await sql.value(
            "INSERT INTO move_out (municipality, account, person, destination, destination_name, "
            "move_date, new_postal_code, new_address, movers, dog, method, application, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                principal.municipality_id,
                principal.account_id,
                person_id,
                destination.id if destination else None,
                destination_name,
                date(data.move_date.year, data.move_date.month, data.move_date.day),
                postal_code,
                new_address,
                filing.dump_json(movers),
                "yes" if data.dog else "",
                data.method,
                application,
                now,
            ],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="resident",
            actor_account=principal.account_id,
            subject_person=person_id,
            subject_account=principal.account_id,
            action="move.out_told",
            purpose="moving",
            detail={"move": move_id, "method": data.method, "application": application},
            sql=sql,
        )
    return await get_move_out(principal, int(move_id))


async def _row(principal: Principal, move_id: int) -> _MoveOutRow:
    async with read_transaction() as sql:
        row = await sql.row(
            _MoveOutRow,
            _MOVE_OUT_SELECT + " WHERE id = ? AND municipality = ? AND account = ?",
            [move_id, principal.municipality_id, principal.account_id],
        )
    if row is None:
        raise _NO_MOVE
    return row


async def _crossing(row: _MoveOutRow) -> MoveData:
    """What would cross (or crossed) for this move: the movers as the registry holds them."""
    async with read_transaction() as sql:
        household = await load_household(sql, row.person, clock.today())
    if household is None:
        raise _NO_MOVE
    movers: list[str] = msgspec.json.decode(row.movers)
    people = {p.registry_id: p for p in (await _people(row.person))}
    members = []
    for index, registry_id in enumerate(movers, start=1):
        p = people.get(registry_id)
        if p is None:
            continue
        born = p.birth_date
        members.append(
            MovedMember(
                id=f"M{index}",
                family_name=p.family_name,
                given_name=p.given_name,
                family_name_kana=p.family_name_kana,
                given_name_kana=p.given_name_kana,
                birth_date=born.isoformat() if born else None,
                sex=p.sex,
                relation=p.relation,
                is_self=registry_id == household.registry_id,
                child=registry_id != household.registry_id
                and born is not None
                and _age(born, row.move_date) < CHILD_AGE_LIMIT,
            )
        )
    return MoveData(
        members=members,
        previous_postal_code=str(household.values.get("postal_code") or ""),
        previous_address=str(household.values.get("address") or ""),
        new_postal_code=row.new_postal_code,
        new_address=row.new_address,
        move_date=row.move_date.isoformat(),
        dog=row.dog == "yes",
    )


async def _people(person_id: int) -> list[Any]:
    async with read_transaction() as sql:
        found = await registry.person_and_household(person_id, sql)
    if found is None:
        return []
    person, household = found
    return [person, *[p for p in household if p.registry_id != person.registry_id]]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


async def _read(row: _MoveOutRow, code: str | None = None) -> MoveOutRead:
    destination = None
    if row.destination is not None:
        destination = next((d for d in await destinations(0) if d.id == row.destination), None)
    sent = None
    if row.sent_to is not None and row.destination is not None:
        # Whether the destination has used the code: read there, for this move only.
        with tenancy.scoped_to(row.destination):
            async with read_transaction() as sql:
                sent = await sql.row(
                    _Sent,
                    "SELECT bound_at, code_expires_at FROM move_in "
                    "WHERE id = ? AND municipality = ?",
                    [row.sent_to, row.destination],
                )
    return MoveOutRead(
        id=row.id,
        destination=destination,
        destination_name=row.destination_name,
        move_date=row.move_date,
        method="myna_portal" if row.method == "myna_portal" else "counter",
        application=row.application,
        myna_portal_url=MYNA_PORTAL_URL,
        crossing=await _crossing(row),
        fields=MOVE_FIELDS,
        can_send=row.destination is not None,
        consented_at=row.consented_at,
        withdrawn_at=row.withdrawn_at,
        used_at_destination=sent is not None and sent.bound_at is not None,
        code_expires_at=sent.code_expires_at if sent and row.withdrawn_at is None else None,
        transfer_code=code,
    )


async def get_move_out(principal: Principal, move_id: int) -> MoveOutRead:
    """One move the signed-in resident told of, with what would cross (or crossed)."""
    _verified(principal)
    return await _read(await _row(principal, move_id))


async def list_move_outs(principal: Principal) -> list[MoveOutRead]:
    _verified(principal)
    async with read_transaction() as sql:
        rows = await sql.rows(
            _MoveOutRow,
            _MOVE_OUT_SELECT + " WHERE municipality = ? AND account = ? ORDER BY id DESC",
            [principal.municipality_id, principal.account_id],
        )
    return [await _read(row) for row in rows]


def code_expiry(move_date: date) -> datetime:
    """The end of the 30th day after the move, Japan time."""
    last = move_date + timedelta(days=CODE_DAYS_AFTER_MOVE + 1)
    return datetime.combine(last, time(), tzinfo=clock.JST).astimezone(UTC)


async def give_consent(principal: Principal, move_id: int, granted: bool) -> MoveOutRead:
    """Send the move-in data to the destination on the resident's explicit yes; returns the
    transfer code once. ``granted`` false sends nothing and records nothing."""
    person_id = _verified(principal)
    row = await _row(principal, move_id)
    if not granted:
        return await _read(row)
    if row.destination is None:
        raise Conflict(
            Text(
                "転出先がこのサービスにない市区町村のため、データを送れません。",
                "The destination is not on this platform: nothing can be sent ahead.",
            )
        )
    if row.consented_at is not None:
        raise _SENT_ALREADY
    data = await _crossing(row)
    encoded = msgspec.json.encode(data).decode()
    code = codes.new_code(3)
    now = clock.now()
    expires = code_expiry(row.move_date)
    async with write_transaction() as sql:
        updated = await sql.value(
            "UPDATE move_out SET consented_at = ? WHERE id = ? AND municipality = ? "
            "AND consented_at IS NULL RETURNING id",
            [now, row.id, principal.municipality_id],
        )
        if updated is None:  # a twin request consented first
            raise _SENT_ALREADY
        with tenancy.scoped_to(row.destination):  # given to the destination, consented
            sent_to = await sql.value(
                "INSERT INTO move_in (municipality, origin, origin_move, code_hash, "
                "code_expires_at, data, consented_at, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [row.destination, principal.municipality_id, row.id, codes.code_hash(code),
                 expires, encoded, now, now],
            )  # fmt: skip
        await sql.execute(
            "UPDATE move_out SET sent_to = ? WHERE id = ? AND municipality = ?",
            [sent_to, row.id, principal.municipality_id],
        )
        told = {"move": row.id, "to": row.destination, "fields": list(MOVE_FIELDS)}
        for action in ("move.consent_given", "move.data_sent"):
            await audit.record(
                municipality_id=principal.municipality_id,
                actor_kind="resident",
                actor_account=principal.account_id,
                subject_person=person_id,
                subject_account=principal.account_id,
                action=action,
                purpose="moving",
                detail=told,
                sql=sql,
            )
        # The destination's own trail: it received data about someone not yet its resident.
        with tenancy.scoped_to(row.destination):
            await audit.record(
                municipality_id=row.destination,
                actor_kind="system",
                action="move.data_received",
                purpose="moving",
                detail={"move_in": sent_to, "from": principal.municipality_id,
                        "members": len(data.members)},
                sql=sql,
            )  # fmt: skip
    fresh = await _row(principal, move_id)
    return await _read(fresh, code)


async def withdraw_consent(principal: Principal, move_id: int) -> MoveOutRead:
    """Take back the data sent, while the destination has not used it."""
    person_id = _verified(principal)
    row = await _row(principal, move_id)
    if (
        row.consented_at is None
        or row.sent_to is None
        or row.destination is None
        or row.withdrawn_at is not None
    ):
        raise Conflict(Text("取り消す同意はありません。", "There is no consent to withdraw."))
    now = clock.now()
    async with write_transaction() as sql:
        with tenancy.scoped_to(row.destination):  # what was given is taken back there
            emptied = await sql.value(
                "UPDATE move_in SET data = ?, withdrawn_at = ?, code_hash = ? WHERE id = ? "
                "AND municipality = ? AND account IS NULL AND withdrawn_at IS NULL RETURNING id",
                ["{}", now, f"withdrawn:{row.sent_to}", row.sent_to, row.destination],
            )
        if emptied is None:
            raise Conflict(
                Text(
                    "転入先ですでに使われたため、ここでは取り消せません。転入先の窓口にご相談ください。",
                    "The new municipality has already used the data; ask it, not us.",
                )
            )
        await sql.execute(
            "UPDATE move_out SET withdrawn_at = ? WHERE id = ? AND municipality = ?",
            [now, row.id, principal.municipality_id],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="resident",
            actor_account=principal.account_id,
            subject_person=person_id,
            subject_account=principal.account_id,
            action="move.consent_withdrawn",
            purpose="moving",
            detail={"move": row.id},
            sql=sql,
        )
        with tenancy.scoped_to(row.destination):
            await audit.record(
                municipality_id=row.destination,
                actor_kind="system",
                action="move.data_withdrawn",
                purpose="moving",
                detail={"move_in": row.sent_to},
                sql=sql,
            )
    return await _read(await _row(principal, move_id))


# --- at the destination ------------------------------------------------------------------


class _MoveInRow(msgspec.Struct, frozen=True):
    id: int
    origin: int
    data: str
    consented_at: datetime
    received_at: datetime
    bound_at: datetime | None


async def redeem_transfer_code(principal: Principal, code: str) -> MoveInRead:
    """Bind the signed-in new account here to the incoming move the code was issued for."""
    principal.require_resident()
    if principal.person_id is not None:
        raise Conflict(
            Text(
                "このアカウントはすでにこの市区町村の住民として確認済みです。",
                "This account is already a verified resident here.",
            )
        )
    now = clock.now()
    async with write_transaction() as sql:
        already = await sql.value(
            "SELECT id FROM move_in WHERE municipality = ? AND account = ?",
            [principal.municipality_id, principal.account_id],
        )
        if already is not None:
            raise Conflict(
                Text(
                    "このアカウントはすでに引っ越しのデータと結び付いています。",
                    "This account is already bound to a move.",
                )
            )
        bound = await sql.value(
            "UPDATE move_in SET account = ?, bound_at = ? WHERE municipality = ? "
            "AND code_hash = ? AND account IS NULL AND withdrawn_at IS NULL "
            "AND code_expires_at > ? RETURNING id",
            [principal.account_id, now, principal.municipality_id, codes.code_hash(code), now],
        )
        if bound is None:
            result = None
        else:
            for action in ("move.code_used", "move.account_bound"):
                await audit.record(
                    municipality_id=principal.municipality_id,
                    actor_kind="resident",
                    actor_account=principal.account_id,
                    subject_account=principal.account_id,
                    action=action,
                    purpose="moving",
                    detail={"move_in": bound},
                    sql=sql,
                )
            result = bound
    if result is None:
        raise _CODE_REFUSED
    found = await incoming_move(principal)
    if found is None:  # withdrawn in the instant between the two
        raise _CODE_REFUSED
    return found


async def incoming_move(principal: Principal) -> MoveInRead | None:
    """The incoming move bound to the signed-in account (None before a code is entered):
    what was received, from whom and when, and the procedures it pre-fills here."""
    principal.require_resident()
    async with read_transaction() as sql:
        row = await sql.row(
            _MoveInRow,
            "SELECT id, origin, data, consented_at, received_at, bound_at FROM move_in "
            "WHERE municipality = ? AND account = ? AND withdrawn_at IS NULL",
            [principal.municipality_id, principal.account_id],
        )
        if row is None:
            return None
        filed = dict(
            await sql.fetch(
                "SELECT p.slug, MAX(a.id) FROM application a JOIN procedure p "
                "ON p.id = a.procedure WHERE a.municipality = ? AND a.account = ? "
                "AND a.status <> 'withdrawn' GROUP BY p.slug",
                [principal.municipality_id, principal.account_id],
            )
        )
    data = msgspec.json.decode(row.data, type=MoveData)
    names = {d.id: d for d in await destinations(0)}
    procedures = []
    for slug, reason in follow_on_slugs(data):
        summary = await get_published(principal.municipality_id, slug)
        procedures.append(FollowOn(slug, summary.title, reason, filed.get(slug)))
    return MoveInRead(
        id=row.id,
        origin=names[row.origin],
        consented_at=row.consented_at,
        received_at=row.received_at,
        bound_at=row.bound_at,
        fields=MOVE_FIELDS,
        data=data,
        procedures=procedures,
    )


# --- staff --------------------------------------------------------------------------------


class _StaffOut(msgspec.Struct, frozen=True):
    id: int
    person: int
    destination: int | None
    destination_name: str
    move_date: date
    method: str
    consented_at: datetime | None
    withdrawn_at: datetime | None
    application: int | None


class _StaffIn(msgspec.Struct, frozen=True):
    id: int
    origin: int
    data: str
    consented_at: datetime
    withdrawn_at: datetime | None
    bound_at: datetime | None
    account: int | None


async def moves_for_staff(municipality_id: int) -> list[StaffMove]:
    """The moves out of and into this municipality, newest first (the citizens division's
    counter list). Withdrawn incoming data shows as such, with no name."""
    async with read_transaction() as sql:
        outs = await sql.rows(
            _StaffOut,
            "SELECT id, person, destination, destination_name, move_date, method, consented_at, "
            "withdrawn_at, application FROM move_out WHERE municipality = ? ORDER BY id DESC",
            [municipality_id],
        )
        ins = await sql.rows(
            _StaffIn,
            "SELECT id, origin, data, consented_at, withdrawn_at, bound_at, account FROM move_in "
            "WHERE municipality = ? ORDER BY id DESC",
            [municipality_id],
        )
        names = await registry.person_names({o.person for o in outs}, sql)
        filed = dict(
            await sql.fetch(
                "SELECT a.account, MAX(a.id) FROM application a JOIN procedure p "
                "ON p.id = a.procedure WHERE a.municipality = ? AND p.slug = 'move-in' "
                "GROUP BY a.account",
                [municipality_id],
            )
        )
    places = {d.id: d for d in await destinations(0)}
    found = [
        StaffMove(
            id=o.id,
            direction="out",
            name=names.get(o.person, ""),
            other=places.get(o.destination) if o.destination else None,
            other_name=o.destination_name,
            move_date=o.move_date.isoformat(),
            method=o.method,
            consented_at=o.consented_at,
            withdrawn_at=o.withdrawn_at,
            bound_at=None,
            application=o.application,
        )
        for o in outs
    ]
    for i in ins:
        data = msgspec.json.decode(i.data, type=MoveData) if i.withdrawn_at is None else None
        me = next((m for m in data.members if m.is_self), None) if data else None
        found.append(
            StaffMove(
                id=i.id,
                direction="in",
                name=f"{me.family_name} {me.given_name}" if me else "",
                other=places.get(i.origin),
                other_name=await municipality_name(i.origin),
                move_date=data.move_date if data else "",
                method="",
                consented_at=i.consented_at,
                withdrawn_at=i.withdrawn_at,
                bound_at=i.bound_at,
                application=filed.get(i.account) if i.account else None,
            )
        )
    return found
