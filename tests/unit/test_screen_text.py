"""The detector the journey suite (tests/e2e/test_journeys.py) runs on every screen: it
catches each kind of leak, and the dictionaries' own words never set it off."""

from __future__ import annotations

import pytest
from screen_text import PLACEHOLDER, RESIDENT_LANGUAGES, dictionary, problems


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # A dictionary key shown instead of its words (t() returns the key it lacks)...
        (
            "申請の状況\napplication.status.title",
            "ja",
            "untranslated key: application.status.title",
        ),
        ("Status: case.decision.submit", "en", "untranslated key: case.decision.submit"),
        # ...or a key made from a code the dictionary has no entry for.
        ("home.timeline.what.brand_new", "ja", "untranslated key: home.timeline.what.brand_new"),
        # Codes the API returns, shown as they came.
        ("続柄：child", "ja", "raw code: child"),
        ("続柄child", "ja", "raw code: child"),  # Japanese letters are not ASCII words
        ("状態in_review", "ja", "raw code: in_review"),
        ("画面application.title", "ja", "untranslated key: application.title"),
        ("続柄\nspouse", "ja", "raw code: spouse"),
        ("Relationship\nhead", "en", "raw code: head"),
        ("状態：in_review", "ja", "raw code: in_review"),
        ("Status: info_requested", "en", "raw code: info_requested"),
        ("しゅるい：postal_code", "ja", "raw code: postal_code"),
        ("種類 choice", "ja", "raw code: choice"),
        ("approved", "en", "raw code: approved"),
        # What a missing value turns into.
        ("同意：true", "ja", "raw code: true"),
        ("Consent: false", "en", "raw code: false"),
        ("氏名：undefined", "ja", "raw code: undefined"),
        ("Name: null", "en", "raw code: null"),
        ("あと NaN 日", "ja", "raw code: NaN"),
        ("Your answer: [object Object]", "en", "raw code: [object Object]"),
        # A date as the API sends it, in running text; a placeholder left unfilled.
        ("期限：2026-12-06 まで", "ja", "ISO date: 2026-12-06"),
        ("住民基本台帳（2026-12-06時点）", "staff-ja", "ISO date: 2026-12-06"),
        ("Due by 2026-12-06.", "en", "ISO date: 2026-12-06"),
        ("受付番号 {receipt} を承認", "ja", "unfilled placeholder: {receipt}"),
        ("Hello {name}", "en", "unfilled placeholder: {name}"),
    ],
)
def test_it_catches_each_kind(text, language, expected):
    assert expected in problems(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Your child\nPhone number\nDate of birth", "en"),  # words that are also codes
        ("Approved on 6 December 2026", "en"),
        ("I declare that what I have entered is true and correct", "en"),
        ("受付番号 202612-ABCD1234\n令和8年12月6日", "ja"),
        ("child-rearing-allowance", "staff-ja"),  # a slug, as staff see it
        ("koseki.png\ntaro_yamada@example.jp\nhttps://city.example.lg.jp/a_b", "ja"),
        ('{"var": "age"}', "staff-ja"),
    ],
)
def test_words_and_numbers_people_read_pass(text, language):
    assert problems(text, language) == []


@pytest.mark.parametrize("name", [*RESIDENT_LANGUAGES, "staff-ja"])
def test_no_dictionary_sets_it_off(name):
    """Every message, with its placeholders filled as a screen fills them, passes."""
    for key, message in dictionary(name).items():
        filled = PLACEHOLDER.sub("X", message)
        assert problems(filled, name) == [], (key, message)


def test_a_message_naming_a_code_on_purpose_excuses_only_itself():
    hint = dictionary("staff-ja")["designer.fieldNameHint"]
    assert problems(hint, "staff-ja") == []
    assert problems(f"{hint}\n種類：phone", "staff-ja") == ["raw code: phone"]
    assert problems("yen", "en") == [] and problems("yen", "ja") == ["raw code: yen"]


def test_no_procedure_sets_it_off():
    """The words the API sends for the seeded procedures (titles, labels, options, help)
    pass in the language they are in."""
    import msgspec

    from todoke.procedures.catalogue import PROCEDURES

    for procedure in PROCEDURES:
        texts: dict[str, list[str]] = {language: [] for language in RESIDENT_LANGUAGES}

        def collect(value) -> None:
            if isinstance(value, dict):
                if set(value) == set(RESIDENT_LANGUAGES):
                    for language in RESIDENT_LANGUAGES:
                        texts[language].append(value[language])
                else:
                    for item in value.values():
                        collect(item)
            elif isinstance(value, list):
                for item in value:
                    collect(item)

        collect(msgspec.to_builtins(procedure))
        assert texts["en"], procedure.slug
        for language, lines in texts.items():
            assert problems("\n".join(lines), language) == [], (procedure.slug, language)
