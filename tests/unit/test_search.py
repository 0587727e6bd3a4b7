"""The catalogue's search (procedures/search.py) over the seeded procedures, no database:
the words residents type in all three languages find the procedure they mean."""

from __future__ import annotations

import pytest

from todoke import jp
from todoke.procedures import search
from todoke.procedures.catalogue import PROCEDURES
from todoke.procedures.schemas import DepartmentRef, Localized, ProcedureSummary
from todoke.procedures.synonyms import SYNONYMS

DEPARTMENT = DepartmentRef(
    code="citizens", name=Localized(ja="市民課", easy="しみんか", en="Citizens")
)
SUMMARIES = [
    ProcedureSummary(
        slug=d.slug,
        version=1,
        title=d.title,
        summary=d.summary,
        department=DEPARTMENT,
        online=d.online,
        service_days=d.service_days,
        identity=d.identity,
        keywords=d.keywords,
    )
    for d in PROCEDURES
]


def _found(query: str) -> list[str]:
    return [s.slug for s in search.search(SUMMARIES, query)]


@pytest.mark.parametrize(
    "query",
    [
        "引越し",
        "引っ越し",
        "引越",
        "ひっこし",
        "ヒッコシ",
        "ﾋｯｺｼ",
        "ひっこす",
        "引っ越した",
        "moving",
        "MOVING",
        "転居",
        "てんきょ",
    ],
)
def test_every_way_of_writing_moving_finds_the_move(query: str) -> None:
    found = _found(query)
    # 転居 within the city first; moving out and in (issue 16) are moving too.
    assert found[0] == "move-within-city"
    assert set(found) <= {"move-within-city", "move-out", "move-in"}
    if query in ("転居", "てんきょ"):
        assert found == ["move-within-city"]


@pytest.mark.parametrize("query", ["子ども", "子供", "こども", "コドモ", "children"])
def test_child_spellings_find_the_same_procedures(query: str) -> None:
    assert _found(query) == _found("子ども")
    assert {"child-allowance", "nursery-admission"} <= set(_found(query))


@pytest.mark.parametrize("query", ["住民票", "じゅうみんひょう", "ｼﾞｭｳﾐﾝﾋｮｳ", "Certificate"])
def test_residence_certificate(query: str) -> None:
    assert _found(query) == ["residence-certificate"]


def test_easy_japanese_and_english_words() -> None:
    assert _found("いぬ") == _found("dog") == ["dog-registration"]
    assert _found("おおきな ごみ") == ["oversized-garbage"]  # words of the easy title
    assert _found("single parent") == ["child-rearing-allowance"]


def test_every_word_must_match_and_order_is_the_catalogues() -> None:
    assert _found("じどう てあて") == ["child-allowance", "child-rearing-allowance"]
    assert _found("じどう ふよう") == ["child-rearing-allowance"]
    assert _found("住民票 いぬ") == []


def test_department_names_are_searched_in_every_language() -> None:
    assert len(_found("しみんか")) == len(SUMMARIES)
    assert len(_found("Citizens")) == len(SUMMARIES)


def test_no_words_lists_everything_and_nonsense_finds_nothing() -> None:
    for query in ("", "   ", "\u3000", "\x00\x1b", "\u200b"):
        assert _found(query) == [s.slug for s in SUMMARIES], repr(query)
    assert _found("存在しない") == []
    assert _found("x" * 100) == []


def test_spellings_stay_bounded() -> None:
    every_group = "".join(group[0] for group in SYNONYMS)
    assert len(search.spellings(jp.fold_for_search(every_group))) <= search.MAX_SPELLINGS
    assert search.spellings("ヒッコシ") >= {"引越シ", "引ッ越", "moving"}


def test_every_synonym_group_has_distinct_words_after_folding() -> None:
    for group in SYNONYMS:
        folded = [jp.fold_for_search(word) for word in group]
        assert all(folded), group
        assert len(set(folded)) == len(folded), f"{group}: two words fold alike"
