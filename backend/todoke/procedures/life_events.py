"""Life events as data, filed in one go (issue 17).

A life event (引越し, 出生, 結婚, おくやみ, 65歳になったら) is a versioned definition a municipality
publishes: a few questions and the items the answers lead to, each marked online / booking for
the counter / at the counter only / another organisation, with a deadline counted from the
event's date and a link to the procedure where there is one. What the registry already knows
(the household, children's ages, a registered dog) is answered before the resident is asked,
and shown as such (once-only).

「まとめて申請する」 files every selected online item as its own application (its own receipt and
department, through the filing service) and books the counter items as one visit (the booking
item's procedure, its "other records" field naming them), all in one transaction: a failing
item leaves no other filed. The started event keeps each item's state (filed, booked, to do,
done) for the resident's progress screen and home timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from todoke import clock, codes, jp
from todoke.audit import service as audit
from todoke.db import SqlSession, is_unique_violation, read_transaction, write_transaction
from todoke.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Text,
    TodokeError,
)
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures import filing
from todoke.procedures.life_event_catalogue import STANDARD_EVENTS
from todoke.procedures.life_event_schemas import (
    CaseItem,
    EventItem,
    EventQuestion,
    ItemState,
    KnownAnswer,
    LifeEventCaseRead,
    LifeEventDefinition,
    LifeEventFile,
    LifeEventRead,
    LifeEventSummary,
    LifePlan,
    MemberChoice,
    PlanItem,
    StaffLifeEvent,
)
from todoke.procedures.prefill import Household, load_household
from todoke.procedures.schemas import Localized, ShowIf
from todoke.procedures.service import get_published
from todoke.procedures.versions import load_version

# An event's date: from a year before today to a year after (a move told ahead, a death
# dealt with late); anything else is a typo.
EVENT_WINDOW_DAYS = 366
MAX_TEXT = 200
# A deadline counted from the event: at most two years either side (a typo otherwise).
MAX_DEADLINE_DAYS = 730
MAX_MEMBERS = 20
REGISTRY_SOURCE = "住民基本台帳"
# Where each fill source may come from.
FILL_KINDS = ("answer", "registry", "value", "related")
_CHECK = Text("入力内容を確認してください。", "Some answers need your attention.")
_NO_EVENT = NotFound(Text("このくらしの出来事はありません。", "There is no such life event."))
_NO_CASE = NotFound(Text("この出来事の記録はありません。", "No such life event record."))
_UNVERIFIED = Forbidden(
    Text(
        "まとめて申請するには本人確認が必要です。",
        "Verify your identity before filing a life event's procedures.",
    )
)


def _decode(value: Any, shape: type[Any]) -> Any:
    if isinstance(value, str | bytes):
        return msgspec.json.decode(value, type=shape)
    return msgspec.convert(value, shape)


def _problem(field: str, label: Localized | Text, ja: str, en: str) -> FieldError:
    return FieldError(field=field, label=Text(label.ja, label.en), message=Text(ja, en))


# --- the definitions ------------------------------------------------------------------------


class _Published(msgspec.Struct, frozen=True):
    id: int
    slug: str
    version: int
    definition: Any
    published_at: datetime | None


_PUBLISHED = (
    "SELECT e.id AS id, e.slug AS slug, v.version AS version, v.definition AS definition, "
    "v.published_at AS published_at FROM life_event e JOIN life_event_version v "
    "ON v.life_event = e.id AND v.version = e.published_version "
    "WHERE e.municipality = ?"
)


async def ensure_standard_events(municipality_id: int) -> None:
    """The standard events at version 1 for a municipality that lacks them (idempotent:
    an event it has, at any version, is left as it is)."""
    now = clock.now()
    async with write_transaction() as sql:
        held = {
            row[0]
            for row in await sql.fetch(
                "SELECT slug FROM life_event WHERE municipality = ?", [municipality_id]
            )
        }
        for order, definition in enumerate(STANDARD_EVENTS):
            if definition.slug in held:
                continue
            event_id = await sql.value(
                "INSERT INTO life_event (municipality, slug, published_version, sort_order, "
                "created_at) VALUES (?, ?, 1, ?, ?) RETURNING id",
                [municipality_id, definition.slug, order, now],
            )
            await _insert_version(sql, municipality_id, event_id, 1, definition, now)


async def municipalities_without_events() -> list[int]:
    """The municipalities running procedures that have no life event yet (one query: none
    once each is seeded)."""
    async with read_transaction() as sql:
        rows = await sql.fetch(
            "SELECT DISTINCT p.municipality FROM procedure p WHERE NOT EXISTS "
            "(SELECT 1 FROM life_event e WHERE e.municipality = p.municipality)"
        )
    return [int(row[0]) for row in rows]


async def _insert_version(
    sql: SqlSession,
    municipality_id: int,
    event_id: int,
    version: int,
    definition: LifeEventDefinition,
    now: datetime,
) -> None:
    await sql.execute(
        "INSERT INTO life_event_version (municipality, life_event, version, definition, "
        "published_at) VALUES (?, ?, ?, ?, ?)",
        [municipality_id, event_id, version, msgspec.json.encode(definition).decode(), now],
    )


async def _all_published(municipality_id: int) -> list[tuple[_Published, LifeEventDefinition]]:
    async with read_transaction() as sql:
        rows = await sql.rows(
            _Published, _PUBLISHED + " ORDER BY e.sort_order, e.id", [municipality_id]
        )
    return [(row, _decode(row.definition, LifeEventDefinition)) for row in rows]


async def _published(municipality_id: int, slug: str) -> tuple[_Published, LifeEventDefinition]:
    async with read_transaction() as sql:
        row = await sql.row(_Published, _PUBLISHED + " AND e.slug = ?", [municipality_id, slug])
    if row is None:
        raise _NO_EVENT
    return row, _decode(row.definition, LifeEventDefinition)


async def published_event(
    municipality_id: int, slug: str
) -> tuple[_Published, LifeEventDefinition]:
    """The event's published version and its definition (404 when there is none)."""
    return await _published(municipality_id, slug)


async def list_events(municipality_id: int) -> list[LifeEventSummary]:
    """The published life events, in the municipality's order."""
    return [
        LifeEventSummary(row.slug, row.version, definition.title, definition.summary)
        for row, definition in await _all_published(municipality_id)
    ]


# --- what the registry already knows --------------------------------------------------------


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


async def _household(principal: Principal) -> Household | None:
    if principal.person_id is None:
        return None
    async with read_transaction() as sql:
        return await load_household(sql, principal.person_id, clock.today())


async def _dog_registered(municipality_id: int, account_id: int | None) -> bool:
    """Whether the account has registered a dog here (an approved 犬の登録)."""
    if account_id is None:
        return False
    async with read_transaction() as sql:
        found = await sql.value(
            "SELECT a.id FROM application a JOIN procedure p ON p.id = a.procedure "
            "WHERE a.municipality = ? AND a.account = ? AND p.slug = 'dog-registration' "
            "AND a.status = 'approved' LIMIT 1",
            [municipality_id, account_id],
        )
    return found is not None


async def known_answers(
    principal: Principal, definition: LifeEventDefinition, household: Household | None
) -> list[KnownAnswer]:
    """The questions the registry (or the resident's own filings) already answers — for a
    resident who consented to pre-fill, as every form asks."""
    if household is None or not await identity.has_consent(principal.account_id, "prefill"):
        return []
    return await registry_answers(
        principal.municipality_id, definition, household, account_id=principal.account_id
    )


async def registry_answers(
    municipality_id: int,
    definition: LifeEventDefinition,
    household: Household,
    *,
    account_id: int | None,
) -> list[KnownAnswer]:
    """The questions the registry answers for the person of ``household`` (and, for a dog,
    the filings of ``account_id``, the person's own account if they have one). Whether it
    may be used — the resident's consent, or staff at the counter — is the caller's."""
    today = clock.today()
    as_of = (household.provenance.get("household") or [REGISTRY_SOURCE, ""])[1]
    ages = [
        _age(date.fromisoformat(m.birth_date), today)
        for m in household.members
        if not m.is_self and m.birth_date
    ]
    me = household.values.get("birth_date")
    known: list[KnownAnswer] = []
    for question in definition.questions:
        value: Any = None
        source = REGISTRY_SOURCE
        if question.known == "household":
            value = sorted(household.member_ids)
        elif question.known == "child_under_15":
            value = "yes" if any(age < 15 for age in ages) else "no"
        elif question.known == "child_under_6":
            value = "yes" if any(age < 6 for age in ages) else "no"
        elif question.known == "aged_65":
            value = "yes" if me and _age(date.fromisoformat(me), today) >= 65 else "no"
        elif question.known == "dog":
            registered = await _dog_registered(municipality_id, account_id)
            if not registered:
                continue  # no registration held: not known (the dog may be unregistered)
            value, source = "yes", "犬の登録"
        if value is not None:
            known.append(KnownAnswer(question.id, value, source, as_of))
    return known


async def get_event(principal: Principal, slug: str) -> LifeEventRead:
    """The event's questions, with what the registry already answers for this resident."""
    row, definition = await _published(principal.municipality_id, slug)
    household = await _household(principal) if principal.is_resident else None
    known = await known_answers(principal, definition, household)
    return event_read(row, definition, household, known)


def event_read(
    row: _Published,
    definition: LifeEventDefinition,
    household: Household | None,
    known: list[KnownAnswer],
) -> LifeEventRead:
    """The event's questions, the known answers, and the household to choose from."""
    members = (
        [MemberChoice(m.id, m.name, m.relation, m.is_self) for m in household.members]
        if household
        else []
    )
    return LifeEventRead(
        slug=row.slug,
        version=row.version,
        title=definition.title,
        summary=definition.summary,
        questions=list(definition.questions),
        known=known,
        members=members,
    )


# --- answers --------------------------------------------------------------------------------


def is_shown(condition: ShowIf | None, answers: dict[str, Any]) -> bool:
    return condition is None or str(answers.get(condition.field)) in condition.values


def _check_one(
    question: EventQuestion, given: Any, members: set[str], today: date
) -> tuple[Any, tuple[str, str] | None]:
    """(the clean value, None) or (None, (ja, en) of what is wrong)."""
    kind = question.kind
    if kind == "yes_no":
        if isinstance(given, str) and given in ("yes", "no"):
            return given, None
        return None, ("はい・いいえで", "yes or no")
    if kind == "choice":
        allowed = {o.value for o in question.options}
        if isinstance(given, str) and given in allowed:
            return given, None
        return None, ("選択肢から選んで", "unknown")
    if kind == "date":
        try:
            day = date.fromisoformat(given) if isinstance(given, str) and len(given) == 10 else None
        except ValueError:
            day = None
        if day is None:
            return None, ("日付（YYYY-MM-DD）で", "a date (YYYY-MM-DD)")
        window = timedelta(days=EVENT_WINDOW_DAYS)
        if not today - window <= day <= today + window:
            return None, ("前後1年以内の日付で", "within a year of today")
        return day.isoformat(), None
    if kind == "members":
        if (
            not isinstance(given, list)
            or not given
            or len(given) > MAX_MEMBERS
            or not all(isinstance(m, str) for m in given)
            or len(set(given)) != len(given)
            or not set(given) <= members
        ):
            return None, ("世帯の方から選んで", "choose from your household")
        return given, None
    if kind == "phone":
        try:
            return jp.normalize_phone(given if isinstance(given, str) else ""), None
        except ValueError:
            return None, ("電話番号を正しく", "a Japanese phone number")
    if kind == "postal_code":
        try:
            code = jp.normalize_postal_code(given if isinstance(given, str) else "")
        except ValueError:
            return None, ("7桁の郵便番号で", "7 digits")
        if not jp.lookup_postal_code(code):
            return None, ("この郵便番号は見つかりません", "no such postal code")
        return code, None
    text = jp.normalize_text(given).strip() if isinstance(given, str) else ""
    if not text or len(text) > MAX_TEXT:
        return None, (f"1〜{MAX_TEXT}文字で", f"1 to {MAX_TEXT} characters")
    return text, None


def check_answers(
    definition: LifeEventDefinition, answers: dict[str, Any], members: set[str], today: date
) -> dict[str, Any]:
    """The answers to the questions shown (in order: a question shows when an earlier
    answer says so), each checked by its kind; an answer to no question, a missing
    required answer or a bad one is a 422 naming it. Hidden questions' answers are dropped."""
    questions = {q.id: q for q in definition.questions}
    problems = [
        _problem(
            key, Localized(ja=key, easy=key, en=key), "この質問はありません", "no such question"
        )
        for key in answers
        if key not in questions
    ]
    clean: dict[str, Any] = {}
    for question in definition.questions:
        if not is_shown(question.show_if, clean):
            continue
        given = answers.get(question.id)
        if given is None or given == "" or given == []:
            if question.required:
                problems.append(
                    _problem(question.id, question.label, "必須項目です", "is required")
                )
            continue
        value, wrong = _check_one(question, given, members, today)
        if wrong is not None:
            problems.append(_problem(question.id, question.label, *wrong))
        else:
            clean[question.id] = value
    if problems:
        raise InvalidInput(_CHECK, errors=problems)
    return clean


def holds(item: EventItem, answers: dict[str, Any]) -> bool:
    return all(is_shown(condition, answers) for condition in item.when)


def deadline_of(item: EventItem, event_date: date) -> date | None:
    return (
        event_date + timedelta(days=item.deadline_days) if item.deadline_days is not None else None
    )


def booking_of(items: list[EventItem]) -> EventItem | None:
    return next((i for i in items if i.mode == "counter_booking" and i.fill), None)


def link_of(item: EventItem) -> str:
    if item.procedure == "move-out":
        return "/moving"
    return f"/procedures/{item.procedure}" if item.procedure else ""


async def procedure_title(municipality_id: int, slug: str) -> Localized | None:
    if not slug:
        return None
    try:
        return (await get_published(municipality_id, slug)).title
    except NotFound:
        return None  # not run here: the item stays, without a link


class _Planned(msgspec.Struct, frozen=True):
    slug: str
    version: int
    definition: LifeEventDefinition
    answers: dict[str, Any]
    event_date: date
    items: list[EventItem]
    household: Household | None
    # Whether the registry's values may fill the online items' forms: a resident's pre-fill
    # consent, as on every form (at the counter, staff file with the registry's values).
    prefill: bool = True

    def form_source(self, item: EventItem) -> Household | None:
        """Where ``registry:`` values of the item's form come from (None: nowhere)."""
        return self.household if self.prefill or item.mode != "online" else None


async def _planned(
    principal: Principal, slug: str, version: int, given: dict[str, Any]
) -> _Planned:
    principal.require_resident()
    planned = await planned_for(
        principal.municipality_id, slug, version, given, await _household(principal)
    )
    consented = await identity.has_consent(principal.account_id, "prefill")
    return msgspec.structs.replace(planned, prefill=consented)


async def planned_for(
    municipality_id: int,
    slug: str,
    version: int,
    given: dict[str, Any],
    household: Household | None,
) -> _Planned:
    """The answers checked against the published version (409 when it moved on) and the
    items they lead to, for the person of ``household``."""
    row, definition = await _published(municipality_id, slug)
    if version != row.version:
        raise Conflict(
            Text(
                "この出来事の質問が新しくなりました。読み込み直してください。",
                "This life event has changed; reload it.",
            ),
            errors=[
                FieldError(
                    field="version",
                    label=Text("版", "version"),
                    message=Text(
                        f"現在の版は{row.version}です", f"the current version is {row.version}"
                    ),
                )
            ],
        )
    answers = check_answers(
        definition, given, household.member_ids if household else set(), clock.today()
    )
    if "event_date" not in answers:  # a definition that hides it: the day is still needed
        raise InvalidInput(
            _CHECK,
            errors=[
                _problem(
                    "event_date",
                    Localized(ja="日付", easy="ひ", en="date"),
                    "必須項目です",
                    "is required",
                )
            ],
        )
    event_date = date.fromisoformat(answers["event_date"])
    items = [item for item in definition.items if holds(item, answers)]
    return _Planned(row.slug, row.version, definition, answers, event_date, items, household)


async def plan(principal: Principal, slug: str, version: int, given: dict[str, Any]) -> LifePlan:
    """The items this resident's answers lead to, each with its mark and deadline."""
    planned = await _planned(principal, slug, version, given)
    # Filing here needs a registry person (one verified at the counter or with a code).
    return await plan_of(
        principal.municipality_id, planned, registered=principal.person_id is not None
    )


async def plan_items(
    municipality_id: int,
    items: list[EventItem],
    event_date: date | None,
    *,
    registered: bool = True,
    form_answers: Callable[[EventItem], dict[str, Any]] | None = None,
) -> list[PlanItem]:
    """Each item as a plan shows it: its procedure where the municipality runs it, its
    deadline from the event's date, whether 「まとめて申請する」 files or books it here
    (``registered``: for a registry person here) and, for an online item filed here, the
    answers its form starts with (``form_answers``). The residents' plan, the desk's and the
    designer's preview all read items this way."""
    booking = booking_of(items)
    out: list[PlanItem] = []
    for item in items:
        title = await procedure_title(municipality_id, item.procedure)
        offered = title is not None or not item.procedure
        here = registered and is_filed_here(item, booking) and offered
        out.append(
            PlanItem(
                id=item.id,
                title=item.title,
                mode=item.mode,
                procedure=item.procedure if title else "",
                procedure_title=title,
                organisation=item.organisation,
                note=item.note,
                deadline=deadline_of(item, event_date) if event_date else None,
                filed_here=here,
                link=link_of(item) if title else "",
                answers=(
                    form_answers(item)
                    if form_answers is not None and here and item.mode == "online"
                    else {}
                ),
            )
        )
    return out


async def plan_of(municipality_id: int, planned: _Planned, *, registered: bool = True) -> LifePlan:
    """The planned items as the plan shows them, one for each of ``planned.items``;
    ``registered``: whether the one it is for is a registry person here (who can file)."""
    booking = booking_of(planned.items)
    out = await plan_items(
        municipality_id,
        planned.items,
        planned.event_date,
        registered=registered,
        form_answers=lambda item: item_answers(
            item, planned.answers, planned.form_source(item), []
        ),
    )
    visit = None
    if booking is not None:
        visit = {
            "date": planned.answers.get("visit_date") or planned.answers.get("consult_date"),
            "time": planned.answers.get("visit_time") or planned.answers.get("consult_time"),
        }
    return LifePlan(planned.slug, planned.version, planned.event_date, out, visit)


def booked_with(items: list[EventItem]) -> list[EventItem]:
    """The counter-only items the counter booking among ``items`` names (its related
    procedures): the ones done at that one visit."""
    booking = booking_of(items)
    return [i for i in items if is_filed_here(i, booking) and i.mode == "counter_only"]


def is_filed_here(item: EventItem, booking: EventItem | None) -> bool:
    """Whether 「まとめて申請する」 files or books the item: every online item (its form
    completed in the review where the event does not fill it all), the booking, and the
    counter items the booking's visit takes in."""
    if item.mode == "online":
        return bool(item.procedure)
    if item.mode == "counter_booking":
        return bool(item.fill)
    return item.mode == "counter_only" and bool(item.related) and booking is not None


def item_answers(
    item: EventItem,
    answers: dict[str, Any],
    household: Household | None,
    related: list[EventItem],
) -> dict[str, Any]:
    """The procedure form's answers for ``item``, from its ``fill`` sources."""
    values = household.values if household else {}
    out: dict[str, Any] = {}
    for field, source in item.fill.items():
        kind, _, name = source.partition(":")
        value: Any
        if kind == "answer":
            value = answers.get(name)
        elif kind == "registry":
            value = values.get(name)
        elif kind == "related":
            value = (
                [r.related for r in related]
                if name == "list"
                else "窓口でまとめて行う手続き：" + "、".join(r.title.ja for r in related)
                if related
                else ""
            )
        else:
            value = True if name == "true" else False if name == "false" else name
        if value is not None and value != "":
            out[field] = value
    return out


# --- filing in one go -----------------------------------------------------------------------


class _CaseRow(msgspec.Struct, frozen=True):
    id: int
    slug: str
    version: int
    event_date: date
    items: Any
    visit_application: int | None
    created_at: datetime
    definition: Any


_CASE_SELECT = (
    "SELECT c.id AS id, e.slug AS slug, c.version AS version, c.event_date AS event_date, "
    "c.items AS items, c.visit_application AS visit_application, c.created_at AS created_at, "
    "v.definition AS definition FROM life_event_case c JOIN life_event e ON e.id = c.life_event "
    "JOIN life_event_version v ON v.life_event = c.life_event AND v.version = c.version "
    "WHERE c.municipality = ? AND c.account = ?"
)


class _StoredItem(msgspec.Struct, kw_only=True):
    id: str
    state: str
    application: int | None = None


def _prefixed(error: TodokeError, item: EventItem) -> TodokeError:
    """A filing's problem (422 or 409, as the filing said), named by the item it is about."""
    errors = [
        msgspec.structs.replace(e, field=f"items.{item.id}.{e.field}") for e in error.errors
    ] or [
        FieldError(
            field=f"items.{item.id}",
            label=Text(item.title.ja, item.title.en),
            message=error.message,
        )
    ]
    found = type(error)(
        Text(
            f"「{item.title.ja}」: {error.message.ja}",
            f"“{item.title.en}”: {error.message.en}",
        ),
        errors=errors,
    )
    return found


def _raced(error: BaseException) -> bool:
    """Whether a unique index refused a write (here or in what the error arose from)."""
    seen: BaseException | None = error
    while seen is not None:
        if is_unique_violation(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def file_event(principal: Principal, slug: str, data: LifeEventFile) -> LifeEventCaseRead:
    """File the selected online items, each its own application, and book the counter
    items as one visit; record the started event. All or nothing: one transaction. With
    nothing to file or book (a move into the city, before the 転入届 makes the resident a
    registry person here), the event is kept as a checklist of links."""
    principal.require_resident()
    async with read_transaction() as sql:
        again = await sql.value(
            "SELECT id FROM life_event_case WHERE municipality = ? AND account = ? "
            "AND idempotency_key = ?",
            [principal.municipality_id, principal.account_id, data.idempotency_key],
        )
    if again is not None:
        return await get_case(principal, int(again))
    planned = await _planned(principal, slug, data.version, data.answers)
    booking = booking_of(planned.items)
    online = {i.id: i for i in planned.items if i.mode == "online" and i.procedure}
    selected = list(dict.fromkeys(data.selected))
    if len(selected) != len(data.selected) or not set(selected) <= set(online):
        raise InvalidInput(
            _CHECK,
            errors=[
                _problem(
                    "selected",
                    Text("まとめて申請するもの", "Items to file"),
                    "この出来事のオンライン手続きから選んでください",
                    "choose among this event's online items",
                )
            ],
        )
    if not set(data.forms) <= set(selected):
        raise InvalidInput(
            _CHECK,
            errors=[
                _problem(
                    "forms",
                    Text("申請の内容", "Forms"),
                    "申請する手続きの内容だけを送ってください",
                    "send forms only for the items you file",
                )
            ],
        )
    related = booked_with(planned.items)
    to_file = [online[i] for i in selected] + ([booking] if booking is not None else [])
    versions = {}
    for item in to_file:
        try:
            versions[item.id] = (
                await load_version(principal.municipality_id, item.procedure)
            ).version
        except NotFound:
            raise _prefixed(
                InvalidInput(Text("この手続きは受け付けていません。", "Not offered here.")), item
            ) from None
    if to_file and principal.person_id is None:
        raise _UNVERIFIED
    now = clock.now()
    stored: list[_StoredItem] = []
    key = codes.secret_hash(f"{principal.account_id}:{data.idempotency_key}")[:40]
    try:
        async with write_transaction() as sql:
            applications: dict[str, int] = {}
            for item in to_file:
                answers = item_answers(item, planned.answers, planned.form_source(item), related)
                # The form as the resident completed it in the review: what they wrote there
                # stands (the event's values were shown in it and could be changed).
                answers.update(data.forms.get(item.id, {}))
                try:
                    applications[item.id], _ = await filing.file_application(
                        principal,
                        slug=item.procedure,
                        version=versions[item.id],
                        answers=answers,
                        idempotency_key=f"life-{key}-{item.id}"[:100],
                    )
                except (InvalidInput, Conflict) as error:
                    raise _prefixed(error, item) from None
            visit = applications.get(booking.id) if booking is not None else None
            for item in planned.items:
                if item.id in applications:
                    state = "booked" if item is booking else "filed"
                    stored.append(
                        _StoredItem(id=item.id, state=state, application=applications[item.id])
                    )
                elif item in related:
                    stored.append(_StoredItem(id=item.id, state="booked", application=visit))
                else:
                    stored.append(_StoredItem(id=item.id, state="todo"))
            event_id = await sql.value(
                "SELECT id FROM life_event WHERE municipality = ? AND slug = ?",
                [principal.municipality_id, slug],
            )
            case_id = await sql.value(
                "INSERT INTO life_event_case (municipality, account, person, life_event, version, "
                "event_date, answers, items, visit_application, idempotency_key, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [
                    principal.municipality_id,
                    principal.account_id,
                    principal.person_id,
                    event_id,
                    data.version,
                    planned.event_date,
                    filing.dump_json(planned.answers),
                    msgspec.json.encode(stored).decode(),
                    visit,
                    data.idempotency_key,
                    now,
                    now,
                ],
            )
            await audit.record(
                municipality_id=principal.municipality_id,
                actor_kind="resident",
                actor_account=principal.account_id,
                subject_person=principal.person_id,
                subject_account=principal.account_id,
                action="life_event.filed",
                purpose="life_event",
                detail={
                    "case": case_id,
                    "event": slug,
                    "applications": sorted(applications.values()),
                },
                sql=sql,
            )
    except Exception as error:
        if not _raced(error):
            raise
        # A twin with the same key committed first: answer as it did.
        async with read_transaction() as sql:
            twin = await sql.value(
                "SELECT id FROM life_event_case WHERE municipality = ? AND account = ? "
                "AND idempotency_key = ?",
                [principal.municipality_id, principal.account_id, data.idempotency_key],
            )
        if twin is None:
            raise
        return await get_case(principal, int(twin))
    return await get_case(principal, int(case_id))


# --- progress -------------------------------------------------------------------------------


class _AppState(msgspec.Struct, frozen=True):
    id: int
    status: str
    receipt_number: str


async def _cases(principal: Principal, case_id: int | None = None) -> list[LifeEventCaseRead]:
    principal.require_resident()
    async with read_transaction() as sql:
        rows = await sql.rows(
            _CaseRow,
            _CASE_SELECT + (" AND c.id = ?" if case_id is not None else "") + " ORDER BY c.id DESC",
            [principal.municipality_id, principal.account_id]
            + ([case_id] if case_id is not None else []),
        )
        stored_by_case = {row.id: _decode(row.items, list[_StoredItem]) for row in rows}
        ids = {s.application for items in stored_by_case.values() for s in items if s.application}
        states: dict[int, _AppState] = {}
        if ids:
            marks, args = sql.in_list(sorted(ids))
            for row_state in await sql.rows(
                _AppState,
                "SELECT id, status, receipt_number FROM application "  # noqa: S608
                f"WHERE municipality = ? AND account = ? AND id {marks}",  # marks: "?" only
                [principal.municipality_id, principal.account_id, *args],
            ):
                states[row_state.id] = row_state
    found = []
    for row in rows:
        definition = _decode(row.definition, LifeEventDefinition)
        by_id = {i.id: i for i in definition.items}
        items: list[CaseItem] = []
        for stored in stored_by_case[row.id]:
            item = by_id.get(stored.id)
            if item is None:
                continue
            app = states.get(stored.application) if stored.application else None
            state: ItemState = "todo"
            if stored.state in ("filed", "booked", "done"):
                state = stored.state
            if app is not None and app.status == "approved":
                state = "done"  # the department finished it (the visit, for a booked item)
            link = (
                f"/applications/{app.id}"
                if app is not None
                else link_of(item)
                if item.mode != "other_organisation"
                else ""
            )
            items.append(
                CaseItem(
                    id=item.id,
                    title=item.title,
                    mode=item.mode,
                    state=state,
                    deadline=deadline_of(item, row.event_date),
                    link=link,
                    application=app.id if app else None,
                    receipt_number=app.receipt_number if app else "",
                    organisation=item.organisation,
                    note=item.note,
                )
            )
        found.append(
            LifeEventCaseRead(
                id=row.id,
                slug=row.slug,
                title=definition.title,
                event_date=row.event_date,
                created_at=row.created_at,
                items=items,
                done=sum(1 for i in items if i.state == "done"),
                total=len(items),
            )
        )
    return found


async def list_cases(principal: Principal) -> list[LifeEventCaseRead]:
    """Every life event the resident started, newest first, with each item's state."""
    return await _cases(principal)


async def get_case(principal: Principal, case_id: int) -> LifeEventCaseRead:
    found = await _cases(principal, case_id)
    if not found:
        raise _NO_CASE
    return found[0]


async def mark_item(
    principal: Principal, case_id: int, item_id: str, done: bool
) -> LifeEventCaseRead:
    """The resident ticks a to-do item (a counter task, another organisation's) as done, or
    not. Filed and booked items follow their application instead."""
    principal.require_resident()
    async with write_transaction() as sql:
        row = await sql.row(
            _CaseRow,
            _CASE_SELECT + " AND c.id = ?",
            [principal.municipality_id, principal.account_id, case_id],
        )
        if row is None:
            raise _NO_CASE
        stored = _decode(row.items, list[_StoredItem])
        target = next((s for s in stored if s.id == item_id), None)
        if target is None or target.state not in ("todo", "done"):
            raise InvalidInput(
                _CHECK,
                errors=[
                    FieldError(
                        field="item",
                        label=Text("項目", "item"),
                        message=Text(
                            "自分で済ませる項目だけ完了にできます",
                            "only a to-do item can be marked done",
                        ),
                    )
                ],
            )
        target.state = "done" if done else "todo"
        await sql.execute(
            "UPDATE life_event_case SET items = ?, updated_at = ? WHERE municipality = ? "
            "AND account = ? AND id = ?",
            [
                msgspec.json.encode(stored).decode(),
                clock.now(),
                principal.municipality_id,
                principal.account_id,
                case_id,
            ],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="resident",
            actor_account=principal.account_id,
            subject_person=principal.person_id,
            subject_account=principal.account_id,
            action="life_event.item_done" if done else "life_event.item_reopened",
            purpose="life_event",
            detail={"case": case_id, "item": item_id},
            sql=sql,
        )
    return await get_case(principal, case_id)


# --- staff: list and publish ----------------------------------------------------------------


async def staff_list(municipality_id: int) -> list[StaffLifeEvent]:
    return [
        StaffLifeEvent(row.slug, row.version, definition.title, row.published_at, definition)
        for row, definition in await _all_published(municipality_id)
    ]


async def definition_problems(
    municipality_id: int, definition: LifeEventDefinition
) -> list[FieldError]:
    """What makes a definition unpublishable: duplicate or missing ids, conditions on no
    question, a procedure the municipality does not run, a fill source of an unknown kind."""
    label = Localized(ja="定義", easy="ていぎ", en="definition")
    problems: list[FieldError] = []
    ids = [q.id for q in definition.questions]
    day = next((q for q in definition.questions if q.id == "event_date"), None)
    if (
        len(set(ids)) != len(ids)
        or day is None
        or day.kind != "date"
        or not day.required
        or day.show_if is not None
    ):
        problems.append(
            _problem(
                "questions",
                label,
                "質問のidが重複しているか、event_dateがありません",
                "question ids repeat or event_date is missing",
            )
        )
    asked = set(ids)
    item_ids = [i.id for i in definition.items]
    if not item_ids or len(set(item_ids)) != len(item_ids):
        problems.append(
            _problem("items", label, "項目のidが空か重複しています", "item ids are empty or repeat")
        )
    for index, item in enumerate(definition.items):
        where = f"items.{index}"
        days = item.deadline_days
        if days is not None and not -MAX_DEADLINE_DAYS <= days <= MAX_DEADLINE_DAYS:
            problems.append(
                _problem(where, label, "期限は前後2年以内で", "a deadline within 2 years")
            )
        if any(c.field not in asked for c in item.when):
            problems.append(
                _problem(
                    where, label, "条件が質問を指していません", "a condition names no question"
                )
            )
        if item.procedure:
            try:
                await get_published(municipality_id, item.procedure)
            except NotFound:
                problems.append(
                    _problem(where, label, "この手続きはありません", "no such procedure")
                )
        for source in item.fill.values():
            kind, _, name = source.partition(":")
            if kind not in FILL_KINDS or (kind == "answer" and name not in asked):
                problems.append(
                    _problem(
                        where, label, f"不明な入力元 {source[:40]}", f"unknown source {source[:40]}"
                    )
                )
    for question in definition.questions:
        if question.kind == "choice" and not question.options:
            problems.append(
                _problem(f"questions.{question.id}", label, "選択肢がありません", "no options")
            )
    return problems


async def publish(principal: Principal, raw: dict[str, Any]) -> StaffLifeEvent:
    """Publish a new version of an event (or its first): the resident's next plan uses it,
    an event already started keeps the version it was started with."""
    try:
        definition = msgspec.convert(raw, LifeEventDefinition)
    except msgspec.ValidationError as error:
        raise InvalidInput(
            Text("定義の形が正しくありません。", "The definition is not well-formed."),
            errors=[
                FieldError(
                    field="definition",
                    label=Text("定義", "definition"),
                    message=Text(str(error)[:200], str(error)[:200]),
                )
            ],
        ) from None
    slug = definition.slug
    if not (0 < len(slug) <= 64) or not (slug.isascii() and slug.replace("-", "").isalnum()):
        raise InvalidInput(
            _CHECK,
            errors=[
                _problem(
                    "definition.slug",
                    Localized(ja="スラッグ", easy="すらっぐ", en="slug"),
                    "英数字とハイフンで",
                    "letters, digits and hyphens",
                )
            ],
        )
    problems = await definition_problems(principal.municipality_id, definition)
    if problems:
        raise InvalidInput(_CHECK, errors=problems)
    now = clock.now()
    async with write_transaction() as sql:
        event_id = await sql.value(
            "SELECT id FROM life_event WHERE municipality = ? AND slug = ?",
            [principal.municipality_id, definition.slug],
        )
        if event_id is None:
            count = await sql.value(
                "SELECT COUNT(*) FROM life_event WHERE municipality = ?",
                [principal.municipality_id],
            )
            event_id = await sql.value(
                "INSERT INTO life_event (municipality, slug, published_version, sort_order, "
                "created_at) VALUES (?, ?, NULL, ?, ?) RETURNING id",
                [principal.municipality_id, definition.slug, int(count), now],
            )
        version = int(
            await sql.value(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM life_event_version "
                "WHERE municipality = ? AND life_event = ?",
                [principal.municipality_id, event_id],
            )
        )
        await _insert_version(sql, principal.municipality_id, event_id, version, definition, now)
        await sql.execute(
            "UPDATE life_event SET published_version = ? WHERE municipality = ? AND id = ?",
            [version, principal.municipality_id, event_id],
        )
        await audit.record(
            municipality_id=principal.municipality_id,
            actor_kind="staff",
            actor_account=principal.account_id,
            action="life_event.published",
            purpose="administration",
            detail={"event": definition.slug, "version": version},
            sql=sql,
        )
    return StaffLifeEvent(definition.slug, version, definition.title, now, definition)
