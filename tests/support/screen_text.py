"""What a screen must never show a person: a dictionary key where its words should be, or a
code the API sent that the screen forgot to put into words.

Built from the dictionaries themselves (pwa/assets/i18n/*.json: every key, and every key's
first part) and from the codes the API returns (relations, application statuses, field
types, the JavaScript values a missing word turns into). tests/unit/test_screen_text.py
shows it catches each kind, and that no dictionary's own words set it off.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import get_args

I18N = Path(__file__).resolve().parents[2] / "pwa" / "assets" / "i18n"
RESIDENT_LANGUAGES = ("ja", "easy", "en")


@cache
def dictionary(name: str) -> dict[str, str]:
    """One dictionary: "ja", "easy", "en" or "staff-ja"."""
    return json.loads((I18N / f"{name}.json").read_text(encoding="utf-8"))


# The words every resident message may use for its municipality, as i18n.js says them for a
# city (the demo's とどけ市): {kind}, {Kind}, {office}.
_CITY = {
    "ja": {"kind": "市", "Kind": "市", "office": "市役所"},
    "easy": {"kind": "し", "Kind": "し", "office": "しやくしょ"},
    "en": {"kind": "city", "Kind": "City", "office": "city office"},
}


@cache
def city_words(language: str) -> dict[str, str]:
    """A resident dictionary as the city's screens read it: the municipality's words filled
    in, the other placeholders left for the screen's own values."""
    fill = _CITY[language]
    return {
        key: re.sub(r"\{(kind|Kind|office)\}", lambda m: fill[m.group(1)], text)
        for key, text in dictionary(language).items()
    }


@cache
def _keys() -> frozenset[str]:
    keys: set[str] = set()
    for name in (*RESIDENT_LANGUAGES, "staff-ja"):
        keys |= dictionary(name).keys()
    return frozenset(keys)


@cache
def _namespaces() -> frozenset[str]:
    return frozenset(key.split(".")[0] for key in _keys())


@cache
def api_codes() -> frozenset[str]:
    """Codes the API sends where a screen shows words (each has a label in the API's answer
    or in the dictionaries)."""
    from todoke.procedures.schemas import FieldType
    from todoke.procedures.versions import BASE_STEPS
    from todoke.registry.importer import RELATIONS

    return frozenset({*RELATIONS.values(), *BASE_STEPS, *get_args(FieldType), "draft"})


# What a template or a missing value turns into on the way to the page.
JS_LEAKS = ("undefined", "null", "NaN", "true", "false")
# ASCII word characters only: a code or a date stands right next to Japanese text
# (「2026-12-06時点」), which Unicode counts as word characters.
DOTTED = re.compile(r"(?<![\w@/:.-])[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+(?![\w@/-])", re.ASCII)
SNAKE = re.compile(r"(?<![\w@/.-])[a-z]+(?:_[a-z0-9]+)+(?![\w@/.-])", re.ASCII)
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])", re.ASCII)
PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}")
ENGLISH_WORDS = ("true", "false", "null")
AS_VALUE = r"(?:^|[:：]\s*){}\s*$"
# An ASCII word on its own: not part of a slug, an address, a file name or a longer word.
WORD = r"(?<![\w@/.:-]){}(?![\w@/:-]|\.\w)"


@cache
def _meant(language: str) -> tuple[re.Pattern[str], ...]:
    """The dictionary's own messages that name a code on purpose (the designer's hint
    "例：phone", the English unit "yen"): a line that is one of them is not a leak."""
    patterns = []
    for message in dictionary(language).values():
        if _scan(PLACEHOLDER.sub("X", message), language):
            pattern = ".*?".join(re.escape(part) for part in PLACEHOLDER.split(message))
            patterns.append(re.compile(pattern))
    return tuple(patterns)


def problems(text: str, language: str = "ja") -> list[str]:
    """Each thing in text (a screen's visible words, one line per element or attribute)
    that should have been words, as "kind: what". language: "ja", "easy", "en" or
    "staff-ja". In English, ordinary words that are also codes ("child", "date") are
    flagged only as a line of their own, where a label or a value would be."""
    lines = [line.strip() for line in text.splitlines()]
    meant = _meant(language)
    kept = [line for line in lines if not any(p.fullmatch(line) for p in meant)]
    return _scan("\n".join(kept), language)


def _scan(text: str, language: str) -> list[str]:
    english = language == "en"
    found: list[str] = []
    for token in DOTTED.findall(text):
        if token in _keys() or token.split(".")[0] in _namespaces():
            found.append(f"untranslated key: {token}")
    found += [f"raw code: {token}" for token in SNAKE.findall(text)]
    if "[object Object]" in text:
        found.append("raw code: [object Object]")
    for leak in JS_LEAKS:
        # English prose says "true and correct": there, a value is a line of its own or
        # follows a colon.
        where = AS_VALUE if english and leak in ENGLISH_WORDS else WORD
        if re.search(where.format(re.escape(leak)), text, re.MULTILINE | re.ASCII):
            found.append(f"raw code: {leak}")
    lines = {line.strip() for line in text.splitlines()}
    for code in sorted(api_codes()):
        if "_" in code:
            continue  # the snake_case search above has it
        if english:
            if code in lines:
                found.append(f"raw code: {code}")
        elif re.search(WORD.format(re.escape(code)), text, re.ASCII):
            found.append(f"raw code: {code}")
    found += [f"ISO date: {date}" for date in ISO_DATE.findall(text)]
    found += [f"unfilled placeholder: {brace}" for brace in PLACEHOLDER.findall(text)]
    return found
