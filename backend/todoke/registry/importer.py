"""Registry import: CSV (UTF-8 or Shift_JIS) and JSON Lines from the core systems.

Rows are upserted by registry id in batches, each batch in one transaction (or the
whole file in one, when asked). A bad row is reported with its line number and
reason while the good rows are applied. Re-importing the same data changes nothing:
a value is written, and its provenance moved, only when it differs from what is held.

The hot path works on tuples and plain SQL: at a million rows, building ORM objects
per row would cost more than normalising and writing them.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import hashlib
import io
import json
import logging
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import IO, Any

import msgspec

from todoke import clock, jp
from todoke.db import SqlSession, read_transaction, write_transaction
from todoke.registry import change_signal
from todoke.registry.schemas import ImportReport, RowError

logger = logging.getLogger("todoke.registry.import")

BATCH_SIZE = 2000
MAX_REPORTED_ERRORS = 1000
_SNIFF_BYTES = 1 << 16


class FileRejected(Exception):
    """The file as a whole cannot be imported (header, encoding, format)."""

    def __init__(self, reason: str, reason_ja: str, line: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_ja = reason_ja
        self.line = line


class RowRejected(Exception):
    def __init__(self, field: str, reason: str, reason_ja: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.reason_ja = reason_ja


# --- the columns ---------------------------------------------------------------------

# Base-registry columns (住民基本台帳); a new person needs the required ones, an update any.
BASE_FIELDS = (
    "household_id",
    "relation",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "sex",
    "postal_code",
    "address",
    "resident_since",
    "status",
)
REQUIRED_BASE_FIELDS = BASE_FIELDS[:10]
# Facts from other registries; each keeps its own provenance.
FACT_FIELDS = (
    "income_yen",
    "tax_exempt",
    "single_parent",
    "livelihood_aid",
    "disability_certificate",
    "care_level",
    "pregnancy_due_date",
    # What the 児童扶養手当 income test reads besides 所得 (JAPAN-FACTS B), from the tax registry.
    "salary_or_pension",
    "child_support_yen",
    "deductions_yen",
    "single_parent_deduction_yen",
    "tax_dependants",
    "public_pension_yen",
    # Programmes the person already receives (受給中), from the benefit systems.
    "receiving",
)
ALL_FIELDS = ("registry_id", *BASE_FIELDS, *FACT_FIELDS, "as_of")

LABELS: dict[str, tuple[str, str]] = {
    "registry_id": ("住民コード", "registry id"),
    "household_id": ("世帯番号", "household id"),
    "relation": ("続柄", "relation to head"),
    "family_name": ("氏", "family name"),
    "given_name": ("名", "given name"),
    "family_name_kana": ("氏（フリガナ）", "family name kana"),
    "given_name_kana": ("名（フリガナ）", "given name kana"),
    "birth_date": ("生年月日", "birth date"),
    "sex": ("性別", "sex"),
    "postal_code": ("郵便番号", "postal code"),
    "address": ("住所", "address"),
    "resident_since": ("住民となった日", "resident since"),
    "status": ("住民の状態", "status"),
    "income_yen": ("前年所得", "previous-year income"),
    "tax_exempt": ("住民税非課税", "resident-tax exempt"),
    "single_parent": ("ひとり親", "single parent"),
    "livelihood_aid": ("生活保護", "livelihood aid"),
    "disability_certificate": ("障害者手帳", "disability certificate"),
    "care_level": ("要介護度", "care level"),
    "pregnancy_due_date": ("出産予定日", "pregnancy due date"),
    "salary_or_pension": ("給与・公的年金の所得", "salary or public pension income"),
    "child_support_yen": ("養育費", "child support received"),
    "deductions_yen": ("所得控除額", "deductions"),
    "single_parent_deduction_yen": ("寡婦・ひとり親控除", "widow or single-parent deduction"),
    "tax_dependants": ("扶養親族等の数", "number of dependants"),
    "public_pension_yen": ("公的年金等の収入", "public pension received"),
    "receiving": ("受給中の制度", "programmes received"),
    "as_of": ("基準日", "as-of date"),
}
# Japanese headers as core systems export them.
HEADER_ALIASES: dict[str, str] = {
    **{ja: name for name, (ja, _en) in LABELS.items()},
    "住民ID": "registry_id",
    "世帯ID": "household_id",
    "氏カナ": "family_name_kana",
    "名カナ": "given_name_kana",
    "氏フリガナ": "family_name_kana",
    "名フリガナ": "given_name_kana",
    "住定日": "resident_since",
    "所得": "income_yen",
    "所得額": "income_yen",
    "出産予定日": "pregnancy_due_date",
    "給与・年金": "salary_or_pension",
    "養育費等": "child_support_yen",
    "控除額": "deductions_yen",
    "ひとり親控除": "single_parent_deduction_yen",
    "扶養親族数": "tax_dependants",
    "扶養人数": "tax_dependants",
    "年金収入": "public_pension_yen",
    "受給中": "receiving",
}

RELATIONS = {
    "head": "head",
    "世帯主": "head",
    "本人": "head",
    "spouse": "spouse",
    "妻": "spouse",
    "夫": "spouse",
    "配偶者": "spouse",
    "child": "child",
    "子": "child",
    "parent": "parent",
    "父": "parent",
    "母": "parent",
    "grandchild": "grandchild",
    "孫": "grandchild",
    "grandparent": "grandparent",
    "祖父": "grandparent",
    "祖母": "grandparent",
    "sibling": "sibling",
    "兄": "sibling",
    "姉": "sibling",
    "弟": "sibling",
    "妹": "sibling",
    "other": "other",
    "同居人": "other",
    "縁故者": "other",
    "その他": "other",
}
for _prefix in ("長", "二", "次", "三", "四", "五"):
    RELATIONS[_prefix + "男"] = RELATIONS[_prefix + "女"] = "child"
SEXES = {
    "male": "male",
    "1": "male",
    "男": "male",
    "男性": "male",
    "female": "female",
    "2": "female",
    "女": "female",
    "女性": "female",
}
STATUSES = {
    "resident": "resident",
    "住民": "resident",
    "moved_out": "moved_out",
    "転出": "moved_out",
    "deceased": "deceased",
    "死亡": "deceased",
}
BOOLEANS = {
    "true": True,
    "1": True,
    "yes": True,
    "はい": True,
    "有": True,
    "○": True,
    "false": False,
    "0": False,
    "no": False,
    "いいえ": False,
    "無": False,
    "×": False,
}
DISABILITY_CERTIFICATES = {
    *(f"physical_{n}" for n in range(1, 7)),
    *(f"mental_{n}" for n in range(1, 4)),
    "intellectual_a",
    "intellectual_b",
}
CARE_LEVELS = {"support_1", "support_2", *(f"care_{n}" for n in range(1, 6))}
_CARE_ALIASES = {f"要支援{n}": f"support_{n}" for n in (1, 2)} | {
    f"要介護{n}": f"care_{n}" for n in range(1, 6)
}
_NONE_WORDS = {"none", "なし", "無"}


# --- parsing one value -----------------------------------------------------------------


def _reject(name: str, en: str, ja: str) -> RowRejected:
    label_ja, label_en = LABELS[name]
    return RowRejected(name, f"{label_en}: {en}", f"{label_ja}：{ja}")


def _text(name: str, max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = jp.normalize_text(value)
        if len(value) > max_length:
            raise _reject(
                name, f"longer than {max_length} characters", f"{max_length}文字を超えています"
            )
        return value

    return parse


def _kana(name: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            return jp.normalize_kana(value)
        except ValueError:
            raise _reject(
                name, "must be kana (katakana or hiragana)", "カタカナかひらがなで入力してください"
            ) from None

    return parse


def _date(name: str) -> Callable[[str], date]:
    def parse(value: str) -> date:
        try:
            # ISO dates are what core systems mostly send: take C's parser first.
            parsed = date.fromisoformat(value) if len(value) == 10 else jp.parse_date(value)
        except ValueError:
            try:
                parsed = jp.parse_date(value)
            except ValueError:
                parsed = None
        if parsed is None:
            raise _reject(
                name, f"not a date: {value[:20]!r}", f"日付として読めません（{value[:20]}）"
            ) from None
        if parsed.year < 1868 or parsed.year > 2200:
            raise _reject(name, "date out of range", "日付の範囲が正しくありません")
        return parsed

    return parse


def _choice(name: str, choices: dict[str, Any]) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        found = choices.get(value)
        if found is not None:
            return found
        key = jp.normalize_text(value)
        found = choices.get(key, choices.get(key.lower()))
        if found is None:
            raise _reject(name, f"unknown value {value[:20]!r}", f"使えない値です（{value[:20]}）")
        return found

    return parse


def _postal_code(value: str) -> str:
    try:
        return jp.normalize_postal_code(value)
    except ValueError:
        raise _reject(
            "postal_code", "must be 7 digits (NNN-NNNN)", "7桁の数字（NNN-NNNN）で入力してください"
        ) from None


def _address(value: str) -> str:
    value = jp.normalize_address(value)
    if len(value) > 255:
        raise _reject("address", "longer than 255 characters", "255文字を超えています")
    return value


def _yen(name: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        digits = (
            jp.normalize_text(value).replace(",", "").replace("円", "").replace("¥", "").strip()
        )
        # isdecimal, not isdigit: "²" is a digit int() refuses.
        if not (digits.isascii() and digits.isdecimal()) or len(digits) > 12:
            raise _reject(
                name, "must be a whole number of yen", "円単位の0以上の整数で入力してください"
            )
        return int(digits)

    return parse


_income = _yen("income_yen")
# 寡婦控除 and ひとり親控除 as the income tax assesses them (児童扶養手当 uses these amounts).
SINGLE_PARENT_DEDUCTIONS = (0, 270_000, 350_000)


def _single_parent_deduction(value: str) -> int:
    amount = _yen("single_parent_deduction_yen")(value)
    if amount not in SINGLE_PARENT_DEDUCTIONS:
        raise _reject(
            "single_parent_deduction_yen",
            "must be 0, 270000 (widow) or 350000 (single parent)",
            "0、270000（寡婦）、350000（ひとり親）のいずれかで入力してください",
        )
    return amount


def _dependants(value: str) -> int:
    digits = jp.normalize_text(value).replace("人", "").strip()
    if not (digits.isascii() and digits.isdecimal()) or int(digits) > 99:
        raise _reject(
            "tax_dependants", "must be a whole number from 0 to 99", "0〜99の整数で入力してください"
        )
    return int(digits)


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_SLUG_SEPARATORS = re.compile(r"[,、;]")


def _receiving(value: str) -> str:
    """Programme slugs, sorted and without repeats, comma-separated; "none" clears them."""
    text = jp.normalize_text(value).lower()
    if text in _NONE_WORDS:
        return ""
    # Spaces around a slug are dropped; inside one ("child allowance") they make it invalid.
    slugs = sorted({slug.strip() for slug in _SLUG_SEPARATORS.split(text) if slug.strip()})
    wrong = [slug for slug in slugs if not _SLUG.fullmatch(slug)]
    if wrong:
        raise _reject(
            "receiving",
            f"not a programme slug: {wrong[0][:20]!r} (lower-case letters, digits and -)",
            f"制度の識別子として使えません（{wrong[0][:20]}）",
        )
    joined = ",".join(slugs)
    if len(joined) > 255:
        raise _reject("receiving", "longer than 255 characters", "255文字を超えています")
    return joined


def _certificate(value: str) -> str | None:
    key = jp.normalize_text(value).lower()
    if key in _NONE_WORDS:
        return None
    if key not in DISABILITY_CERTIFICATES:
        raise _reject(
            "disability_certificate",
            f"unknown value {value[:20]!r}",
            f"使えない値です（{value[:20]}）",
        )
    return key


def _care_level(value: str) -> str | None:
    key = jp.normalize_text(value).lower()
    key = _CARE_ALIASES.get(key, key)
    if key in _NONE_WORDS:
        return None
    if key not in CARE_LEVELS:
        raise _reject(
            "care_level", f"unknown value {value[:20]!r}", f"使えない値です（{value[:20]}）"
        )
    return key


_ID = re.compile(r"[0-9A-Za-z_-]+")


def _registry_id(name: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = jp.normalize_text(value)
        if not value or len(value) > 32 or not _ID.fullmatch(value):
            raise _reject(
                name, "must be 1–32 letters or digits", "1〜32文字の英数字で入力してください"
            )
        return value

    return parse


PARSERS: dict[str, Callable[[str], Any]] = {
    "registry_id": _registry_id("registry_id"),
    "household_id": _registry_id("household_id"),
    "relation": _choice("relation", RELATIONS),
    "family_name": _text("family_name", 64),
    "given_name": _text("given_name", 64),
    "family_name_kana": _kana("family_name_kana"),
    "given_name_kana": _kana("given_name_kana"),
    "birth_date": _date("birth_date"),
    "sex": _choice("sex", SEXES),
    "postal_code": _postal_code,
    "address": _address,
    "resident_since": _date("resident_since"),
    "status": _choice("status", STATUSES),
    "income_yen": _income,
    "tax_exempt": _choice("tax_exempt", BOOLEANS),
    "single_parent": _choice("single_parent", BOOLEANS),
    "livelihood_aid": _choice("livelihood_aid", BOOLEANS),
    "disability_certificate": _certificate,
    "care_level": _care_level,
    "pregnancy_due_date": _date("pregnancy_due_date"),
    "salary_or_pension": _choice("salary_or_pension", BOOLEANS),
    "child_support_yen": _yen("child_support_yen"),
    "deductions_yen": _yen("deductions_yen"),
    "single_parent_deduction_yen": _single_parent_deduction,
    "tax_dependants": _dependants,
    "public_pension_yen": _yen("public_pension_yen"),
    "receiving": _receiving,
    "as_of": _date("as_of"),
}


@lru_cache(maxsize=4096)
def district_of(postal_code: str) -> str:
    """The town area (町域) of a postal code: the district rules and statistics group by."""
    areas = jp.lookup_postal_code(postal_code)
    return areas[0].town if len(areas) == 1 else ""


# --- reading the file ------------------------------------------------------------------


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) if the start decodes as such, else Shift_JIS (cp932)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


# Headers are compared after the same normalisation as cells (full-width brackets become
# ASCII), so "氏（フリガナ）" as written in LABELS must be looked up normalised too.
_HEADER_LOOKUP = {jp.normalize_text(alias): name for alias, name in HEADER_ALIASES.items()}


def _canonical_header(raw: list[str]) -> list[str]:
    names = []
    for cell in raw:
        key = jp.normalize_text(cell.lstrip("\ufeff"))
        names.append(_HEADER_LOOKUP.get(key, key.lower()))
    unknown = [n for n in names if n not in ALL_FIELDS]
    if unknown:
        listed = ", ".join(unknown[:5])
        raise FileRejected(f"unknown columns: {listed}", f"不明な列があります：{listed}")
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        listed = ", ".join(sorted(duplicated))
        raise FileRejected(f"columns given twice: {listed}", f"列が重複しています：{listed}")
    if "registry_id" not in names:
        raise FileRejected("the registry_id column is missing", "住民コードの列がありません")
    return names


def _csv_rows(text: IO[str]) -> Iterator[tuple[int, list[str], list[str]]]:
    reader = csv.reader(text)
    try:
        header_cells = next(reader)
    except StopIteration:
        raise FileRejected("the file is empty", "ファイルが空です") from None
    # Spreadsheets and some core systems end every line with a comma: empty cells past the
    # last named column are no column at all, in the header and in the rows.
    while len(header_cells) > 1 and not header_cells[-1].strip():
        header_cells.pop()
    header = _canonical_header(header_cells)
    width = len(header)
    for cells in reader:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
            del cells[width:]
        yield reader.line_num, header, cells


def _jsonl_rows(text: IO[str]) -> Iterator[tuple[int, list[str], list[str]]]:
    headers: dict[tuple[str, ...], list[str]] = {}
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        # A line that cannot be read is that line's problem, not the file's: the lines
        # before it may already be applied.
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # nested past Python's stack: not a record
            yield number, [], ["not valid JSON", "JSONとして読めない行です"]
            continue
        if not isinstance(record, dict):
            yield number, [], ["not a JSON object", "JSONのオブジェクトではありません"]
            continue
        keys = tuple(record)
        header = headers.get(keys)
        if header is None:
            try:
                header = headers[keys] = _canonical_header(list(keys))
            except FileRejected as problem:
                yield number, [], [problem.reason, problem.reason_ja]
                continue
        values = [_cell(v) for v in record.values()]
        yield number, header, values


def _cell(value: Any) -> str:
    """A JSON value as the text of a CSV cell; a list (``receiving``) joins with commas,
    and an empty one means "none" (an absent or null value leaves the held one)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(_cell(v) for v in value) or "none"
    return str(value)


# --- applying a batch ------------------------------------------------------------------

_PERSON_COLUMNS = (*BASE_FIELDS[1:], "district", *FACT_FIELDS)  # household_id is a foreign key
_INSERT_PERSON_COLUMNS = (
    "municipality",
    "registry_id",
    "household",
    *_PERSON_COLUMNS,
    "provenance",
    "updated_at",
)
_NEW_PERSON: dict[str, Any] = {
    **dict.fromkeys(_PERSON_COLUMNS),
    "status": "resident",
    "receiving": "",
}
_person_values = operator.itemgetter(*_PERSON_COLUMNS)
_SELECT_HELD = (
    "SELECT p.registry_id, p.id, p.household, h.registry_id, "
    + ", ".join(f"p.{c}" for c in _PERSON_COLUMNS)
    + ", p.provenance FROM person p LEFT JOIN household h ON h.id = p.household"
    " WHERE p.municipality = ? AND p.registry_id "
)
_UPDATE_PERSON = (
    "UPDATE person SET household = ?, "
    + ", ".join(f"{c} = ?" for c in _PERSON_COLUMNS)
    + ", provenance = ?, updated_at = ? WHERE id = ?"
)
_CHANGE_COLUMNS = (
    "municipality",
    "person_registry_id",
    "household_registry_id",
    "registry_import",
    "kind",
    "changes",
    "source",
    "occurred_at",
)
_DATE_FIELDS = {"birth_date", "resident_since", "pregnancy_due_date"}
_BOOL_FIELDS = {"tax_exempt", "single_parent", "livelihood_aid", "salary_or_pension"}
_INT_FIELDS = {
    "income_yen",
    "child_support_yen",
    "deductions_yen",
    "single_parent_deduction_yen",
    "tax_dependants",
    "public_pension_yen",
}


def _canonical(name: str, value: Any) -> Any:
    """Held values as comparable Python values, whatever the driver returned."""
    if value is None:
        return None
    if name in _DATE_FIELDS:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if name in _BOOL_FIELDS:
        return bool(value)
    if name in _INT_FIELDS:
        return int(value)
    return value


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)

    def reject(
        self, line: int, registry_id: str, field_name: str, reason: str, reason_ja: str
    ) -> None:
        self.failed += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line, registry_id, field_name, reason, reason_ja))


@dataclass
class _Row:
    line: int
    registry_id: str
    values: dict[str, Any]


@dataclass
class _Progress:
    """What one import knows between batches."""

    # No person of this municipality existed when the import began: nothing in the file
    # can be held already, so batches skip looking for held rows.
    fresh: bool
    # The previous batch's households: members of one household often straddle a batch edge.
    households: dict[str, int] = field(default_factory=dict)


async def _household_ids(
    sql: SqlSession,
    municipality_id: int,
    registry_ids: set[str],
    now: datetime,
    progress: _Progress,
) -> dict[str, int]:
    found = {r: progress.households[r] for r in registry_ids if r in progress.households}
    wanted = sorted(r for r in registry_ids if r not in found)
    select = "SELECT registry_id, id FROM household WHERE municipality = ? AND registry_id "
    if wanted and not progress.fresh:
        condition, args = sql.in_list(wanted)
        found.update(await sql.fetch(select + condition, [municipality_id, *args]))
    missing = [r for r in wanted if r not in found]
    if missing:
        await sql.executemany(
            "INSERT INTO household (municipality, registry_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [(municipality_id, r, now) for r in missing],
        )
        condition, args = sql.in_list(missing)
        found.update(await sql.fetch(select + condition, [municipality_id, *args]))
    progress.households = found
    return found


async def _apply_batch(
    sql: SqlSession,
    rows: list[_Row],
    *,
    municipality_id: int,
    import_id: int,
    source: str,
    import_day: date,
    counts: _Counts,
    progress: _Progress,
) -> None:
    now = clock.now()
    held_rows: list[tuple[Any, ...]] = []
    if not progress.fresh:
        condition, args = sql.in_list([r.registry_id for r in rows])
        held_rows = await sql.fetch(_SELECT_HELD + condition, [municipality_id, *args])
    held: dict[str, dict[str, Any]] = {}
    for registry_id, person_pk, household_pk, household_id, *facts, provenance in held_rows:
        values = {"id": person_pk, "household_pk": household_pk, "household_id": household_id}
        for name, value in zip(_PERSON_COLUMNS, facts, strict=True):
            values[name] = _canonical(name, value)
        values["provenance"] = (
            json.loads(provenance) if isinstance(provenance, str) else (provenance or {})
        )
        held[registry_id] = values

    household_ids = await _household_ids(
        sql,
        municipality_id,
        {r.values["household_id"] for r in rows if "household_id" in r.values},
        now,
        progress,
    )
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    provenance_cache: dict[tuple[str, ...], str] = {}
    for row in rows:
        as_of = row.values.pop("as_of", None) or import_day
        stamp = [source, as_of.isoformat()]
        current = held.get(row.registry_id)
        if current is None:
            missing = [f for f in REQUIRED_BASE_FIELDS if f not in row.values]
            if missing:
                counts.reject(
                    row.line,
                    row.registry_id,
                    "registry_id",
                    "unknown person; creating one needs " + ", ".join(missing),
                    "住民基本台帳にない住民コードです（新規登録には基本項目が必要です）",
                )
                continue
            values = {**_NEW_PERSON, **row.values}
            values["district"] = district_of(values["postal_code"])
            # Rows of one file mostly carry the same facts: encode each provenance shape once.
            shape = (stamp[1], *(f for f in FACT_FIELDS if f in row.values))
            provenance = provenance_cache.get(shape)
            if provenance is None:
                provenance = provenance_cache[shape] = json.dumps(
                    {"base": stamp, **{f: stamp for f in shape[1:]}}, ensure_ascii=False
                )
            household = household_ids[values["household_id"]]
            inserts.append(
                (
                    municipality_id,
                    row.registry_id,
                    household,
                    *_person_values(values),
                    provenance,
                    now,
                )
            )
            changes.append(
                (
                    municipality_id,
                    row.registry_id,
                    values["household_id"],
                    import_id,
                    "created",
                    "{}",
                    source,
                    now,
                )
            )
            counts.created += 1
            continue
        changed: dict[str, list[Any]] = {}
        for name, value in row.values.items():
            if current[name] != value:
                changed[name] = [_json_value(current[name]), _json_value(value)]
        if not changed:
            counts.unchanged += 1
            continue
        merged = {**current, **row.values}
        if "postal_code" in changed:
            merged["district"] = district_of(merged["postal_code"])
        provenance = dict(current["provenance"])
        for name in changed:
            provenance["base" if name in BASE_FIELDS else name] = stamp
        if "postal_code" in changed or "address" in changed:
            provenance.pop("address", None)  # an approved move's stamp yields to newer data
        household = (
            household_ids[merged["household_id"]]
            if "household_id" in changed
            else current["household_pk"]
        )
        updates.append(
            (
                household,
                *_person_values(merged),
                json.dumps(provenance, ensure_ascii=False),
                now,
                current["id"],
            )
        )
        changes.append(
            (
                municipality_id,
                row.registry_id,
                merged["household_id"],
                import_id,
                "updated",
                json.dumps(changed, ensure_ascii=False),
                source,
                now,
            )
        )
        counts.updated += 1
    await sql.insert_rows("person", _INSERT_PERSON_COLUMNS, inserts)
    await sql.executemany(_UPDATE_PERSON, updates)
    await sql.insert_rows("registry_change", _CHANGE_COLUMNS, changes)
    if changes:
        await change_signal.logged(sql)  # delivered at this batch's commit


_Plan = tuple[int, tuple[tuple[int, str, Callable[[str], Any], bool], ...]]
_plans: dict[tuple[str, ...], _Plan] = {}


def _plan(header: list[str]) -> _Plan:
    """Per header: where the registry id is, and for every other column its parser."""
    key = tuple(header)
    plan = _plans.get(key)
    if plan is None:
        columns = tuple(
            (index, name, PARSERS[name], name in REQUIRED_BASE_FIELDS)
            for index, name in enumerate(header)
            if name != "registry_id"
        )
        plan = _plans[key] = (header.index("registry_id"), columns)
    return plan


def _parse_row(
    line: int, header: list[str], cells: list[str], counts: _Counts, seen: set[str]
) -> _Row | None:
    if not header:  # a line the reader could not make into a row: (reason, reason_ja)
        counts.reject(line, "", "", cells[0], cells[1])
        return None
    if len(cells) != len(header):
        counts.reject(
            line,
            "",
            "",
            f"expected {len(header)} columns, found {len(cells)}",
            f"列の数が違います（{len(header)}列のはずが{len(cells)}列）",
        )
        return None
    id_index, columns = _plan(header)
    registry_id = cells[id_index].strip()
    values: dict[str, Any] = {}
    try:
        registry_id = PARSERS["registry_id"](registry_id)
        for index, name, parse, required in columns:
            cell = cells[index]
            if not cell or cell.isspace():
                if required:
                    raise _reject(name, "is required", "必須です")
                continue  # not given by this file: the held value stays
            values[name] = parse(cell)
    except RowRejected as problem:
        counts.reject(line, registry_id[:32], problem.field, problem.reason, problem.reason_ja)
        return None
    if registry_id in seen:
        counts.reject(
            line,
            registry_id,
            "registry_id",
            "this registry id appears earlier in the file",
            "同じ住民コードがファイル内で先に出ています",
        )
        return None
    seen.add(registry_id)
    return _Row(line, registry_id, values)


class _Abort(Exception):
    """Rolls back a whole-file transaction that met a bad row."""


def _file_digest(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


async def import_registry(
    stream: IO[bytes],
    *,
    municipality_id: int,
    source: str,
    filename: str,
    file_format: str | None = None,
    encoding: str | None = None,
    atomic: bool = False,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import one registry file from a seekable binary stream and report what happened.

    ``atomic`` applies the whole file in one transaction, and nothing at all if any row
    is bad. Otherwise each batch commits on its own and bad rows are skipped. ``dry_run``
    runs the whole file in one transaction and rolls it back: the report says what would
    be created, updated and refused (status "validated"), and nothing changes.
    """
    file_format = file_format or ("jsonl" if filename.endswith((".jsonl", ".ndjson")) else "csv")
    if file_format not in ("csv", "jsonl"):
        raise ValueError("file_format must be csv or jsonl")
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    encoding = encoding or ("utf-8" if file_format == "jsonl" else detect_encoding(head))
    digest = _file_digest(stream)
    import_day = today or clock.today()
    async with write_transaction() as sql:
        earlier: int | None = await sql.value(
            "SELECT id FROM registry_import WHERE municipality = ? AND file_sha256 = ? "
            "AND status IN ('applied', 'partial') ORDER BY id LIMIT 1",
            [municipality_id, digest],
        )
        fresh = not await sql.value(
            "SELECT EXISTS (SELECT 1 FROM person WHERE municipality = ?)", [municipality_id]
        )
        import_id: int = await sql.value(
            "INSERT INTO registry_import (municipality, source, filename, file_format, "
            "encoding, file_sha256, atomic, status, started_at, finished_at, rows_total, "
            "rows_created, rows_updated, rows_unchanged, rows_failed, errors, message) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, NULL, 0, 0, 0, 0, 0, '[]', '') "
            "RETURNING id",
            [municipality_id, source, filename[:255], file_format, encoding, digest, atomic,
             clock.now()],
        )  # fmt: skip
    counts = _Counts()
    total = 0
    status = "applied"
    message = ""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    rows_source = _csv_rows(text) if file_format == "csv" else _jsonl_rows(text)
    seen: set[str] = set()
    progress = _Progress(fresh=fresh)
    context: dict[str, Any] = dict(
        municipality_id=municipality_id,
        import_id=import_id,
        source=source,
        import_day=import_day,
        counts=counts,
        progress=progress,
    )

    async def run_batches(sql: SqlSession | None) -> None:
        """Parse the next batch while the database writes the last one (a pipeline of
        depth one, so batches still commit in file order)."""
        nonlocal total
        batch: list[_Row] = []
        writing: asyncio.Task[None] | None = None
        try:
            for line, header, cells in rows_source:
                total += 1
                row = _parse_row(line, header, cells, counts, seen)
                if row is not None:
                    batch.append(row)
                if len(batch) >= BATCH_SIZE:
                    if writing is not None:
                        await writing
                    writing = asyncio.create_task(_flush(sql, batch))
                    batch = []
                elif total % 32 == 0:
                    await asyncio.sleep(0)  # let the write in flight make progress
            if writing is not None:
                await writing
                writing = None
            if batch:
                await _flush(sql, batch)
        finally:
            if writing is not None and not writing.done():
                await asyncio.wait([writing])

    flushed = 0

    async def _flush(sql: SqlSession | None, batch: list[_Row]) -> None:
        nonlocal flushed
        flushed += 1
        # PostgreSQL plans lookups from table statistics; while a first load grows the table
        # a hundredfold those go stale and lookups turn into scans. Refresh them as it grows.
        refresh = flushed & (flushed - 1) == 0 and counts.created > 0
        if sql is not None:
            await _apply_batch(sql, batch, **context)
            if refresh:
                await sql.analyze("person", "household", municipality=municipality_id)
            return
        async with write_transaction() as own:
            await _apply_batch(own, batch, **context)
            if refresh:
                await own.analyze("person", "household", municipality=municipality_id)

    try:
        if atomic or dry_run:
            try:
                async with write_transaction() as sql:
                    await run_batches(sql)
                    if counts.failed or dry_run:
                        raise _Abort
            except _Abort:
                if dry_run:
                    status = "validated"
                    message = "checked only: nothing was applied"
                else:
                    status = "rejected"
                    message = "nothing applied: the whole-file import met bad rows"
                    counts.created = counts.updated = counts.unchanged = 0
        else:
            await run_batches(None)
    except FileRejected as problem:
        status = "rejected"
        message = problem.reason
        counts.reject(problem.line, "", "", problem.reason, problem.reason_ja)
    except UnicodeDecodeError:
        status = "rejected" if atomic or total == 0 else "failed"
        message = f"the file is not valid {encoding} after line {total + 1}"
        counts.reject(total + 1, "", "", message, f"{encoding} として読めない文字があります")
    except Exception:
        logger.exception("registry import %s failed", import_id)
        status = "failed"
        message = "the import stopped on an internal error; rows reported as created or updated were applied"  # noqa: E501
    if status == "applied" and counts.failed:
        # Say so when rows were refused: "applied" is for a file applied as a whole.
        if counts.created + counts.updated + counts.unchanged == 0:
            status = "rejected"
            message = "nothing applied: every row was refused"
        else:
            status = "partial"
            message = f"{counts.failed} rows refused, the others applied"
    if status in ("applied", "partial") and counts.created + counts.updated == 0:
        unchanged = f"same file as import {earlier}: nothing changed" if earlier else ""
        message = "; ".join(filter(None, (message, unchanged or "nothing changed")))
    report = ImportReport(
        id=import_id,
        status=status,
        source=source,
        filename=filename,
        file_format=file_format,
        encoding=encoding,
        atomic=atomic,
        rows_total=total,
        rows_created=counts.created,
        rows_updated=counts.updated,
        rows_unchanged=counts.unchanged,
        rows_failed=counts.failed,
        errors=counts.errors,
        message=message,
        same_file_as=earlier,
    )
    async with write_transaction() as sql:
        await sql.execute(
            "UPDATE registry_import SET status = ?, finished_at = ?, rows_total = ?, "
            "rows_created = ?, rows_updated = ?, rows_unchanged = ?, rows_failed = ?, "
            "errors = ?, message = ? WHERE id = ?",
            [status, clock.now(), total, counts.created, counts.updated, counts.unchanged,
             counts.failed, msgspec.json.encode(counts.errors).decode(), message, import_id],
        )  # fmt: skip
    return report


class _ImportRow(msgspec.Struct):
    id: int
    status: str
    source: str
    filename: str
    file_format: str
    encoding: str
    atomic: bool
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_failed: int
    errors: list[Any]
    message: str


async def get_import_report(municipality_id: int, import_id: int) -> ImportReport | None:
    """An import's report as it was recorded, or None if it is not this municipality's."""
    async with read_transaction() as sql:
        row = await sql.row(
            _ImportRow,
            "SELECT id, status, source, filename, file_format, encoding, atomic, rows_total, "
            "rows_created, rows_updated, rows_unchanged, rows_failed, errors, message "
            "FROM registry_import WHERE id = ? AND municipality = ?",
            [import_id, municipality_id],
        )
    if row is None:
        return None
    return ImportReport(
        id=row.id,
        status=row.status,
        source=row.source,
        filename=row.filename,
        file_format=row.file_format,
        encoding=row.encoding,
        atomic=row.atomic,
        rows_total=row.rows_total,
        rows_created=row.rows_created,
        rows_updated=row.rows_updated,
        rows_unchanged=row.rows_unchanged,
        rows_failed=row.rows_failed,
        errors=msgspec.convert(row.errors, list[RowError]),
        message=row.message,
    )
