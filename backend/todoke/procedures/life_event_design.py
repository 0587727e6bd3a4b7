"""The life event designer's side (issue 17): a definition checked field by field, so the
designer screen can put each problem beside the input it names (``questions.2.show_if.field``,
``items.4.fill.phone``); a preview of the plan sample answers lead to, by the residents' own
rules and without a write; and an event's versions with who published each.

Publishing stays ``life_events.publish``; this module checks first, with finer names, and
its checks are a superset of that function's, so a definition it passes publishes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import msgspec

from todoke import clock
from todoke.audit import public as audit
from todoke.db import read_transaction
from todoke.errors import FieldError, InvalidInput, NotFound, Text
from todoke.identity import public as identity
from todoke.principal import Principal
from todoke.procedures import life_events
from todoke.procedures.life_event_schemas import (
    EventQuestion,
    LifeEventDefinition,
    LifeEventPreview,
    LifeEventVersionList,
    LifeEventVersionRead,
    StaffLifeEvent,
)
from todoke.procedures.life_events import (  # the plan's own rules: a preview cannot drift
    MAX_DEADLINE_DAYS,
    check_answers,
    holds,
    is_shown,
    plan_items,
)
from todoke.procedures.prefill import FACT_OF_SOURCE
from todoke.procedures.schemas import Localized
from todoke.procedures.versions import load_version

MAX_QUESTIONS = 60
MAX_ITEMS = 60
LANGS = ("ja", "easy", "en")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLUG = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# A known fact answers a question of one kind only.
_KNOWN_KIND = {
    "household": "members",
    "child_under_15": "yes_no",
    "child_under_6": "yes_no",
    "dog": "yes_no",
    "aged_65": "yes_no",
}
_YES_NO = ("yes", "no")
_CHECK = Text("定義を確認してください。", "The definition needs attention.")
_PATH = re.compile(r"`\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\[[^\]]*\])*)`")


def _error(field: str, ja: str, en: str) -> FieldError:
    return FieldError(field=field, label=Text(field, field), message=Text(ja, en))


def _decode_path(message: str) -> str:
    """msgspec's ``$.questions[2].show_if`` as the designer's ``questions.2.show_if``."""
    found = _PATH.search(message)
    if found is None or not found.group(1):
        return "definition"
    path = re.sub(r"\[(\d+)\]", r".\1", found.group(1))
    path = re.sub(r"\[\"?([^\]\"]*)\"?\]", r".\1", path)
    return path.lstrip(".")


def decode_definition(raw: dict[str, Any]) -> LifeEventDefinition:
    """The definition, or a 422 naming the part that is not of its shape."""
    try:
        return msgspec.convert(raw, LifeEventDefinition)
    except msgspec.ValidationError as error:
        text = str(error)[:200]
        raise InvalidInput(
            Text("定義の形が正しくありません。", "The definition is not well-formed."),
            errors=[_error(_decode_path(text), text, text)],
        ) from None


def _texts(problems: list[FieldError], text: Localized | None, where: str, what: str) -> None:
    for lang in LANGS:
        if text is None or not getattr(text, lang).strip():
            problems.append(_error(f"{where}.{lang}", f"{what}を入力してください", "is empty"))


def _values_of(question: EventQuestion) -> tuple[str, ...] | None:
    """The answers a condition on the question may name; None: not a question to name."""
    if question.kind == "yes_no":
        return _YES_NO
    if question.kind == "choice":
        return tuple(o.value for o in question.options)
    return None


def _condition_problems(
    problems: list[FieldError],
    where: str,
    field: str,
    values: tuple[str, ...],
    earlier: dict[str, EventQuestion],
) -> None:
    target = earlier.get(field)
    allowed = _values_of(target) if target is not None else None
    if allowed is None:
        problems.append(
            _error(
                f"{where}.field",
                "前の「はい・いいえ」か選択肢の質問を選んでください",
                "choose an earlier yes/no or choice question",
            )
        )
        return
    if not values or not set(values) <= set(allowed):
        problems.append(
            _error(
                f"{where}.values",
                "その質問の答えから1つ以上選んでください",
                "choose one or more of that question's answers",
            )
        )


def _question_problems(definition: LifeEventDefinition) -> list[FieldError]:
    problems: list[FieldError] = []
    if not 0 < len(definition.questions) <= MAX_QUESTIONS:
        problems.append(
            _error("questions", f"質問は1〜{MAX_QUESTIONS}問で", f"1 to {MAX_QUESTIONS} questions")
        )
    earlier: dict[str, EventQuestion] = {}
    for index, question in enumerate(definition.questions):
        where = f"questions.{index}"
        if not _ID.match(question.id):
            problems.append(
                _error(
                    f"{where}.id",
                    "英小文字で始まる英小文字・数字・_で",
                    "a lowercase letter, then lowercase letters, digits or _",
                )
            )
        elif question.id in earlier:
            problems.append(
                _error(
                    f"{where}.id",
                    f"質問のID「{question.id}」が重複しています",
                    f"the question id {question.id} repeats",
                )
            )
        _texts(problems, question.label, f"{where}.label", "質問文")
        if question.kind == "choice":
            if not question.options:
                problems.append(
                    _error(f"{where}.options", "選択肢を追加してください", "add the options")
                )
            codes: set[str] = set()
            for at, option in enumerate(question.options):
                if not _CODE.match(option.value) or option.value in codes:
                    problems.append(
                        _error(
                            f"{where}.options.{at}.value",
                            "英数字・_・-で、重複しないコードを",
                            "a code of letters, digits, _ or -, not repeated",
                        )
                    )
                codes.add(option.value)
                _texts(problems, option.label, f"{where}.options.{at}.label", "選択肢の文言")
        wanted = _KNOWN_KIND.get(question.known)
        if wanted is not None and question.kind != wanted:
            problems.append(
                _error(
                    f"{where}.known",
                    "この登録情報はこの種類の質問には答えられません",
                    "this registry fact cannot answer a question of this kind",
                )
            )
        if question.id == "event_date":
            if question.kind != "date":
                problems.append(
                    _error(f"{where}.kind", "event_dateは日付の質問です", "event_date is a date")
                )
            if not question.required:
                problems.append(
                    _error(f"{where}.required", "event_dateは必須です", "event_date is required")
                )
            if question.show_if is not None:
                problems.append(
                    _error(
                        f"{where}.show_if.field",
                        "event_dateはいつも尋ねます",
                        "event_date is always asked",
                    )
                )
        elif question.show_if is not None:
            _condition_problems(
                problems,
                f"{where}.show_if",
                question.show_if.field,
                question.show_if.values,
                earlier,
            )
        earlier.setdefault(question.id, question)
    if "event_date" not in earlier:
        problems.append(
            _error(
                "questions",
                "出来事の日の質問（ID：event_date、日付、必須）を入れてください",
                "add the event's date question (id event_date, a date, required)",
            )
        )
    return problems


async def _fields_of(municipality_id: int, slug: str) -> set[str] | None:
    try:
        version = await load_version(municipality_id, slug)
    except NotFound:
        return None
    return {f.name for f in version.definition.form.fields()}


async def _item_problems(municipality_id: int, definition: LifeEventDefinition) -> list[FieldError]:
    problems: list[FieldError] = []
    if not 0 < len(definition.items) <= MAX_ITEMS:
        problems.append(_error("items", f"項目は1〜{MAX_ITEMS}件で", f"1 to {MAX_ITEMS} items"))
    questions = {q.id: q for q in definition.questions}
    seen: set[str] = set()
    for index, item in enumerate(definition.items):
        where = f"items.{index}"
        if not _ITEM_ID.match(item.id) or item.id in seen:
            problems.append(
                _error(
                    f"{where}.id",
                    f"英小文字・数字・-・_で、重複しないIDを（{item.id[:40]}）",
                    f"lowercase letters, digits, - or _, not repeated ({item.id[:40]})",
                )
            )
        seen.add(item.id)
        _texts(problems, item.title, f"{where}.title", "項目名")
        days = item.deadline_days
        if days is not None and not -MAX_DEADLINE_DAYS <= days <= MAX_DEADLINE_DAYS:
            problems.append(
                _error(
                    f"{where}.deadline_days",
                    f"期限は前後{MAX_DEADLINE_DAYS}日以内で",
                    f"within {MAX_DEADLINE_DAYS} days either side",
                )
            )
        if item.mode == "other_organisation" and (
            item.organisation is None or not item.organisation.ja.strip()
        ):
            problems.append(
                _error(f"{where}.organisation.ja", "届け先を入力してください", "name it")
            )
        for at, condition in enumerate(item.when):
            _condition_problems(
                problems, f"{where}.when.{at}", condition.field, condition.values, questions
            )
        fields = await _fields_of(municipality_id, item.procedure) if item.procedure else None
        if item.procedure and fields is None:
            problems.append(
                _error(
                    f"{where}.procedure",
                    "公開中の手続きから選んでください",
                    "choose a published procedure",
                )
            )
        if item.fill and not item.procedure:
            problems.append(
                _error(f"{where}.fill", "入力元は手続きを選んでから", "choose the procedure first")
            )
        for name, source in item.fill.items():
            kind, _, value = source.partition(":")
            wrong = (
                (fields is not None and name not in fields)
                or kind not in life_events.FILL_KINDS
                or (kind == "answer" and value not in questions)
                or (kind == "registry" and value not in FACT_OF_SOURCE)
                or (kind == "related" and value not in ("list", "text"))
            )
            if wrong:
                problems.append(
                    _error(
                        f"{where}.fill.{name[:64]}",
                        f"手続きの項目か入力元が正しくありません（{source[:40]}）",
                        f"no such form field, or an unknown source ({source[:40]})",
                    )
                )
    return problems


async def design_problems(
    municipality_id: int, definition: LifeEventDefinition
) -> list[FieldError]:
    """Everything that keeps a definition from being published, each named by its path in
    the definition; the publishing checks (``life_events.definition_problems``) last."""
    problems: list[FieldError] = []
    if not _SLUG.match(definition.slug):
        problems.append(_error("slug", "英数字とハイフンで", "letters, digits and hyphens"))
    _texts(problems, definition.title, "title", "出来事の名前")
    _texts(problems, definition.summary, "summary", "説明")
    problems += _question_problems(definition)
    problems += await _item_problems(municipality_id, definition)
    if not problems:
        problems = await life_events.definition_problems(municipality_id, definition)
    return problems


async def check_definition(municipality_id: int, raw: dict[str, Any]) -> LifeEventDefinition:
    definition = decode_definition(raw)
    problems = await design_problems(municipality_id, definition)
    if problems:
        raise InvalidInput(_CHECK, errors=problems)
    return definition


async def publish(principal: Principal, raw: dict[str, Any]) -> StaffLifeEvent:
    """Publish after the designer's checks (each problem named by its field)."""
    await check_definition(principal.municipality_id, raw)
    return await life_events.publish(principal, raw)


async def preview(
    municipality_id: int, raw: dict[str, Any], given: dict[str, Any]
) -> LifeEventPreview:
    """The questions sample answers show and the items they lead to, by the residents'
    rules: each answer checked by its question's kind (a bad one is a 422 naming
    ``answers.<question>``), none required, nothing written. Chosen members are samples."""
    definition = await check_definition(municipality_id, raw)
    relaxed = msgspec.structs.replace(
        definition,
        questions=tuple(msgspec.structs.replace(q, required=False) for q in definition.questions),
    )
    samples = {m for v in given.values() if isinstance(v, list) for m in v if isinstance(m, str)}
    try:
        answers = check_answers(relaxed, given, samples, clock.today())
    except InvalidInput as error:
        raise InvalidInput(
            error.message,
            errors=[msgspec.structs.replace(e, field=f"answers.{e.field}") for e in error.errors],
        ) from None
    shown = [q.id for q in definition.questions if is_shown(q.show_if, answers)]
    event_date = date.fromisoformat(answers["event_date"]) if "event_date" in answers else None
    items = [item for item in definition.items if holds(item, answers)]
    out = await plan_items(municipality_id, items, event_date)
    return LifeEventPreview(shown=shown, event_date=event_date, items=out)


class _VersionRow(msgspec.Struct, frozen=True):
    version: int
    published_at: datetime | None
    current: int


def _detail(value: object) -> dict[str, Any]:
    if isinstance(value, str | bytes):
        value = msgspec.json.decode(value)
    return value if isinstance(value, dict) else {}


async def versions(municipality_id: int, slug: str) -> LifeEventVersionList:
    """Every published version of an event, newest first, with who published it where the
    audit trail says (the seeded first version has no author)."""
    async with read_transaction() as sql:
        rows = await sql.rows(
            _VersionRow,
            "SELECT v.version AS version, v.published_at AS published_at, "
            "CASE WHEN v.version = e.published_version THEN 1 ELSE 0 END AS current "
            "FROM life_event_version v JOIN life_event e ON e.id = v.life_event "
            "WHERE e.municipality = ? AND e.slug = ? ORDER BY v.version DESC",
            [municipality_id, slug],
        )
    if not rows:
        raise NotFound(Text("このくらしの出来事はありません。", "There is no such life event."))
    authors: dict[int, int] = {}
    for event in await audit.actions_recorded(municipality_id, "life_event.published"):
        detail = _detail(event.detail)
        if detail.get("event") == slug and event.actor_account is not None:
            authors[int(detail.get("version", 0))] = event.actor_account
    names = await identity.display_names(set(authors.values()))
    return LifeEventVersionList(
        slug=slug,
        items=[
            LifeEventVersionRead(
                version=row.version,
                published_at=row.published_at,
                published_by=names.get(authors[row.version]) if row.version in authors else None,
                current=bool(row.current),
            )
            for row in rows
        ],
    )
