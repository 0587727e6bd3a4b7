"""The outreach letters' print files without a database: the streamed PDF opens and has a page
per letter with its text; long explanations never run past the fold into the code; a name
the font lacks a glyph for still prints; the manifest lists the letters and no codes; a
missing font is said plainly; and a failed batch leaves no file behind."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from todoke.notices import letters
from todoke.notices.letters import (
    MIDDLE_BOTTOM,
    LetterFontMissing,
    LetterPrint,
    LetterRecipient,
    LetterSender,
)

SENDER = LetterSender(
    municipality="とどけ市",
    department="子育て支援課",
    batch="L20261206-TEST0001",
    issued_on=date(2026, 12, 6),
    expires_on=date(2027, 3, 6),
    origin="https://todoke.example.jp",
    title="児童扶養手当",
    summary="ひとり親家庭などでお子さんを育てている方に支給されます。",
    action="記入済みの請求書を確かめて送ってください。",
    opens_application=True,
    letter_basis="個人情報保護法第69条第2項第2号",
)


def _recipient(sequence: int, **given) -> LetterRecipient:
    fields = {
        "sequence": sequence,
        "postal_code": "181-0013",
        "address": "東京都三鷹市下連雀三丁目1番1号 とどけハイツ101",
        "name": f"試験 花子{sequence}",
        "reasons": ("ひとり親です", "高校生年代までのお子さんが1人いる世帯です"),
        "code": f"ABCD-EFGH-{sequence:04d}",
    }
    return LetterRecipient(**{**fields, **given})


def _print(tmp_path: Path, recipients: list[LetterRecipient]) -> tuple[PdfReader, list[dict]]:
    pdf, manifest = tmp_path / "batch.pdf", tmp_path / "batch.csv"
    with LetterPrint(pdf, manifest, SENDER, letters.letter_font()) as printing:
        printing.add_all(recipients)
        files = printing.close()
    assert files.pages == len(recipients)
    rows = list(csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8-sig"))))
    return PdfReader(pdf, strict=True), rows


def test_a_streamed_batch_opens_with_a_page_per_letter_and_its_text(tmp_path):
    reader, rows = _print(tmp_path, [_recipient(n) for n in range(1, 31)])
    assert len(reader.pages) == 30
    last = reader.pages[29].extract_text()
    for text in (
        "〒181-0013",
        "試験 花子30　様",
        "ABCD-EFGH-0030",
        "児童扶養手当のご案内",
        "ひとり親です",
        "令和9年3月6日まで",
        "https://todoke.example.jp/activate",
    ):
        assert text in last, text  # fmt: skip
    assert "東京都三鷹市下連雀三丁目1番1号" in last and "とどけハイツ101" in last
    assert [r["page"] for r in rows] == [str(n) for n in range(1, 31)]
    assert rows[0] == {"batch": SENDER.batch, "sequence": "1", "page": "1",
                       "postal_code": "181-0013", "address": _recipient(1).address,
                       "name": "試験 花子1"}  # fmt: skip
    assert "ABCD" not in (tmp_path / "batch.csv").read_text(encoding="utf-8-sig")


def test_long_explanations_shrink_and_never_cross_into_the_code(tmp_path):
    long_reasons = tuple(f"{n}番目の理由は、とても長い説明で二行にわたって続きます。" * 3
                         for n in range(1, 7))  # fmt: skip
    pdf = letters.new_letter_pdf(letters.letter_font())
    pdf.add_page()
    page = letters._Page(pdf)
    letters._middle_third(page, SENDER, _recipient(1, reasons=long_reasons))
    assert page.y <= MIDDLE_BOTTOM
    reader, _ = _print(tmp_path, [_recipient(1, reasons=long_reasons)])
    text = reader.pages[0].extract_text()
    assert "1番目の理由" in text and "ABCD-EFGH-0001" in text


def test_a_name_the_font_lacks_a_glyph_for_still_prints(tmp_path):
    font, _ = letters.letter_font()
    spare = letters.LetterPdf(letters.letter_font()).spare
    if spare is None:
        pytest.skip(f"only {font} is installed: no second font to draw 𠮷 from")
    reader, rows = _print(tmp_path, [_recipient(1, name="髙橋 𠮷子")])
    assert "𠮷子" in reader.pages[0].extract_text()
    assert rows[0]["name"] == "髙橋 𠮷子"


def test_a_missing_font_is_said_plainly(tmp_path, monkeypatch):
    with pytest.raises(LetterFontMissing, match="TODOKE_LETTER_FONT"):
        letters.letter_font(str(tmp_path / "nothing.ttf"))
    monkeypatch.setattr(letters, "FONT_CANDIDATES", ((tmp_path / "none.ttf", 0),))
    with pytest.raises(LetterFontMissing, match="fonts-ipaexfont-gothic"):
        letters.letter_font()


def test_a_batch_that_fails_leaves_no_file(tmp_path):
    pdf, manifest = tmp_path / "batch.pdf", tmp_path / "batch.csv"
    font = letters.letter_font()
    with pytest.raises(RuntimeError), LetterPrint(pdf, manifest, SENDER, font) as printing:
        printing.add(_recipient(1))
        raise RuntimeError("the database went away")
    assert not pdf.exists() and not manifest.exists()


def test_a_towns_letter_says_town_and_gives_its_phone_and_hours(tmp_path):
    import msgspec

    town = msgspec.structs.replace(
        SENDER,
        municipality="ひがし町",
        kind="町",
        contact="代表電話 042-123-4567・平日 8時30分〜17時",
    )
    pdf, manifest = tmp_path / "town.pdf", tmp_path / "town.csv"
    with LetterPrint(pdf, manifest, town, letters.letter_font()) as printing:
        printing.add_all([_recipient(1)])
        printing.close()
    text = "".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "町の職員" in text and "町が保有する情報" in text
    assert "市の職員" not in text and "市が保有" not in text
    assert "042-123-4567" in text and "8時30分〜17時" in text
