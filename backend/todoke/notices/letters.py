"""Outreach letters (勧奨通知) as print files: one A4 PDF with a page per letter, and a CSV
manifest for the print shop. Rendering only: who gets a letter, and the codes, are decided
by the caller.

A page is laid out for A4 folded in three into a 長形3号 window envelope (120 × 235 mm): the
top third carries the address block where the window is (〒 and postal code, the registered
address, the name with 様) and the municipality as sender; the middle third says why in
plain words and what to do; the bottom third holds the personal single-use code, printed
large, beside a QR code that opens ``/activate?code=…``. No fold crosses the code or the QR.

fpdf2 draws each page; the file around the pages is written here, page by page, so memory
stays the same for ten letters or ten thousand. fpdf2 itself keeps every page and builds the
whole file in memory when it is saved: for a batch of 10,000 that grows to hundreds of
megabytes. The font (a Japanese font from a system package, embedded as a subset of the
glyphs the batch uses; a second one only if a name needs a glyph the first lacks) is written
at the end by fpdf2's own font writer, so glyph encoding and embedding stay the library's.
That writer and the page list are fpdf2 internals: the version is pinned to a minor release
and the tests read every batch back with pypdf.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zlib
from array import array
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import msgspec
import segno
from fpdf import FPDF
from fpdf.output import OutputProducer
from fpdf.syntax import PDFObject

from todoke import jp

# Debian's fonts-ipaexfont-gothic first (IPAex ゴシック: JIS X 0213 kanji, made for Japanese
# documents), Noto Sans CJK (fonts-noto-cjk) as the fallback.
FONT_CANDIDATES: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"), 0),
    (Path("/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf"), 0),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 0),  # face 0: JP
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf"), 0),
)
FONT_PACKAGE = "fonts-ipaexfont-gothic"

# The page, in millimetres. A4 folds in three at 99 and 198 mm.
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0
FOLD = 99.0
MARGIN = 20.0
# Where a 長形3号 window envelope's window falls on the top third (a common window: about
# 90 × 45 mm, 20 mm from the left edge and 12 mm from the top): the address block stays
# inside it, with a few millimetres to spare for the sheet moving in the envelope.
WINDOW_X, WINDOW_Y, WINDOW_WIDTH, WINDOW_HEIGHT = 24.0, 16.0, 82.0, 36.0
QR_SIZE = 34.0
MAX_REASONS = 6
MANIFEST_COLUMNS = ("batch", "sequence", "page", "postal_code", "address", "name")


class LetterFontMissing(Exception):
    """No Japanese font to embed: letters cannot be printed until one is installed."""


class LetterSender(msgspec.Struct, frozen=True, kw_only=True):
    """What every letter of a batch shares: who sends it, about which programme, and when."""

    municipality: str  # とどけ市
    department: str  # the programme's department, for questions and the counter
    batch: str  # the batch reference, printed on each page and in the manifest
    issued_on: date
    expires_on: date  # the last day the codes work
    origin: str  # the canonical public origin: the QR and the address to type
    title: str  # the programme, in Japanese
    summary: str
    action: str  # the one thing to do
    opens_application: bool  # the code opens a pre-filled application (else the support page)
    letter_basis: str  # the legal basis the approver recorded
    kind: str = "市"  # 市, 町, 村 or 区: what the letter calls the municipality
    contact: str = ""  # its phone and office hours, for questions


class LetterRecipient(msgspec.Struct, frozen=True, kw_only=True):
    """One letter: to whom, why, and the personal code."""

    sequence: int  # 1, 2, 3… in print order (also the page number)
    postal_code: str  # NNN-NNNN
    address: str  # the registered address (住民基本台帳)
    name: str  # family and given name
    reasons: tuple[str, ...]  # plain-word sentences, one fact each (the match's explanation)
    code: str  # the single-use code, XXXX-XXXX-XXXX


class PrintedFiles(msgspec.Struct, frozen=True):
    pages: int
    pdf_sha256: str
    csv_sha256: str


def letter_font(configured: str = "") -> tuple[Path, int]:
    """The font file to embed (and its face in a collection): ``TODOKE_LETTER_FONT`` when
    set, else the first system font found. Raises ``LetterFontMissing`` saying what to do."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise LetterFontMissing(
                f"TODOKE_LETTER_FONT names {configured}, which is not a file: "
                "point it at a Japanese TrueType/OpenType font"
            )
        return path, 0
    for path, face in FONT_CANDIDATES:
        if path.is_file():
            return path, face
    raise LetterFontMissing(
        f"no Japanese font for letters: install {FONT_PACKAGE} (or fonts-noto-cjk), "
        "or set TODOKE_LETTER_FONT to a TrueType/OpenType font file"
    )


def activate_url(origin: str, code: str) -> str:
    """What the QR code opens: the app's activation screen with the code filled in."""
    return f"{origin.rstrip('/')}/activate?code={code}"


def qr_modules(text: str) -> list[bytes]:
    """The QR code's dark (1) and light (0) modules, row by row, without the quiet zone."""
    return [bytes(row) for row in segno.make(text, error="m", micro=False).matrix]


def qr_rows(text: str) -> list[str]:
    """The same modules as text, "1" dark and "0" light, for a screen to draw."""
    return ["".join("1" if module else "0" for module in row) for row in qr_modules(text)]


class LetterPdf(FPDF):
    """An fpdf2 document set up for letters: A4 in millimetres, the Japanese font, no
    automatic page breaks (a letter is one page by construction). A character the font
    lacks (a rare kanji in a registered name, say 𠮷) is drawn from the other system font
    when there is one, loaded the first time it is needed."""

    def __init__(self, font: tuple[Path, int]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        path, face = font
        self.add_font("letter", fname=str(path), collection_font_number=face)
        self.set_font("letter", size=10.5)
        self.set_creator("Todoke")
        self.spare = next(
            ((p, f) for p, f in FONT_CANDIDATES if p.is_file() and p.resolve() != path.resolve()),
            None,
        )
        self.spare_loaded = False

    def widths(self, family: str) -> dict[int, int]:
        """Advance widths by code point, in 1/1000 em (fpdf2's table for a loaded font)."""
        font = self.fonts.get(family)
        return getattr(font, "cw", {}) if font is not None else {}

    def spare_family(self) -> str | None:
        """The family for characters the letter font lacks, loading it once; None if the
        system has no other font."""
        if self.spare is None:
            return None
        if not self.spare_loaded:
            path, face = self.spare
            self.add_font("spare", fname=str(path), collection_font_number=face)
            self.spare_loaded = True
        return "spare"


def new_letter_pdf(font: tuple[Path, int]) -> LetterPdf:
    """A document ready for ``draw_letter`` (the benchmark draws with it too)."""
    return LetterPdf(font)


def draw_letter(
    pdf: LetterPdf, sender: LetterSender, recipient: LetterRecipient, qr: list[bytes]
) -> None:
    """Draw one letter on the current page of ``pdf`` (an A4 page from ``new_letter_pdf``)."""
    page = _Page(pdf)
    # The top third: the address in the envelope's window, the sender, the title.
    page.text(WINDOW_X, WINDOW_Y + 4, f"〒{recipient.postal_code}", 11)
    y = WINDOW_Y + 10
    # The building (after the first space) starts a line of its own; a long address gets
    # smaller type rather than leaving the window.
    parts = recipient.address.replace("\u3000", " ").split(" ", 1)
    for size in (11.0, 10.0, 9.0, 8.0):
        lines = [line for part in parts for line in page.wrap(part.strip(), WINDOW_WIDTH, size)]
        if len(lines) <= 3:
            break
    for line in lines[:4]:
        page.text(WINDOW_X, y, line, size)
        y += size * 0.45
    page.text(WINDOW_X + 4, y + 5, f"{recipient.name}　様", 15)
    page.text(WINDOW_X, WINDOW_Y + WINDOW_HEIGHT, f"{sender.batch}-{recipient.sequence:05d}", 7)
    right = PAGE_WIDTH - MARGIN
    page.text_right(right, 24, jp.to_wareki(sender.issued_on), 9.5)
    page.text_right(right, 33, sender.municipality, 13)
    page.text_right(right, 40, sender.department, 10)
    page.text_centred(PAGE_WIDTH / 2, 76, f"{sender.title}のご案内", 17)
    page.y = 84
    page.paragraph(
        f"{sender.municipality}が持っている情報から、あなたが「{sender.title}」を受けられる"
        "可能性があることがわかりましたので、お知らせします。"
    )

    # The middle third: why, and what to do, in the largest type that fits in it.
    _middle_third(page, sender, recipient)

    # The bottom third: the code and the QR code, then how to get help.
    top = 2 * FOLD + 6
    pdf.set_draw_color(0)
    pdf.set_line_width(0.4)
    pdf.rect(MARGIN, top, PAGE_WIDTH - 2 * MARGIN, QR_SIZE + 8)
    page.text(MARGIN + 6, top + 9, "あなたの確認コード", 10.5)
    page.text(MARGIN + 6, top + 23, recipient.code, 24)
    expiry = f"有効期限：{jp.to_wareki(sender.expires_on)}まで（1回限り有効）"
    page.text(MARGIN + 6, top + 33, expiry, 10.5)
    _draw_qr(pdf, qr, PAGE_WIDTH - MARGIN - QR_SIZE - 4, top + 4, QR_SIZE)
    page.y = top + QR_SIZE + 14
    small = 9.0
    page.paragraph(
        f"このコードは他の人に教えないでください。{sender.kind}の職員が電話などでコードを尋ねることは"
        "ありません。スマートフォンをお持ちでない方、ご不明な点がある方は、このお知らせを"
        f"お持ちのうえ{sender.municipality} {sender.department}の窓口へお越しください。",
        size=small,
    )
    asked = f"お問い合わせ：{sender.municipality} {sender.department}"
    page.paragraph(f"{asked}（{sender.contact}）" if sender.contact else asked, size=small)
    if sender.letter_basis:
        page.paragraph(
            f"このお知らせは、{sender.letter_basis}に基づき、{sender.kind}が保有する情報を利用してお送り"
            "しています。",
            size=7.5,
        )
    page.text_right(right, PAGE_HEIGHT - 8, f"{sender.batch}-{recipient.sequence:05d}", 7)


# The middle third's text, from the fold to just above the code box.
MIDDLE_TOP, MIDDLE_BOTTOM = FOLD + 8, 2 * FOLD + 3
MIDDLE_SIZES = (10.5, 10.0, 9.5, 9.0, 8.5)


def _middle_third(page: _Page, sender: LetterSender, recipient: LetterRecipient) -> None:
    """Why, and what to do. Long explanations get smaller type, down to 8.5 pt; past that
    the last reasons are left out rather than run into the code under the fold."""
    reasons = recipient.reasons[:MAX_REASONS]
    for size in MIDDLE_SIZES:
        if _middle_text(page, sender, reasons, size, draw=False) <= MIDDLE_BOTTOM:
            break
    while reasons and _middle_text(page, sender, reasons, size, draw=False) > MIDDLE_BOTTOM:
        reasons = reasons[:-1]
    _middle_text(page, sender, reasons, size, draw=True)


def _middle_text(
    page: _Page, sender: LetterSender, reasons: tuple[str, ...], size: float, *, draw: bool
) -> float:
    """Lay out (and with ``draw``, draw) the middle third; returns where it ends."""
    page.y, page.drawing = MIDDLE_TOP, draw
    page.heading("お知らせする理由", size + 1.5)
    for reason in reasons:
        page.paragraph(reason, indent=3, size=size, hang="・")
    if sender.summary:
        page.y += 1.5
        page.paragraph(sender.summary, size=size)
    page.y += 2
    page.heading("お手続きの方法", size + 1.5)
    if sender.action:
        page.paragraph(sender.action, size=size)
    opened = (
        "記入済みの申請書が開きます。内容を確かめて送ってください。"
        if sender.opens_application
        else "支援の内容と、次にすることが表示されます。"
    )
    address = activate_url(sender.origin, "").removesuffix("?code=")
    steps = (
        f"スマートフォンで下のQRコードを読み取るか、{address} を開きます。",
        "「とどけ」でパスキーを作り、確認コードを入力します（QRコードからは入力済み）。",
        opened,
    )
    for number, step in enumerate(steps, start=1):
        page.paragraph(step, indent=3, size=size, hang=f"{number}. ")
    page.drawing = True
    return page.y


# Characters a line may not start with (行頭禁則): they hang at the end of the line before.
_NO_LINE_START = frozenset(
    "、。，．・：；？！ー）」』】〕｝〉》”’ゝゞヽヾ々"
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.)]}:;!?%"
)


class _Page:
    """Text laid out on one page in a line's time: fpdf2's own line breaking measures the
    whole line again for every character (most of a page's time for Japanese text), so
    lines are broken here from the font's widths and drawn with ``FPDF.text``."""

    def __init__(self, pdf: LetterPdf) -> None:
        self.pdf = pdf
        self.y = MARGIN
        self.drawing = True  # False: lay out only, to see where the text would end
        self._widths = pdf.widths("letter")
        self._missing = 1000

    def width(self, text: str, size: float) -> float:
        """Width in millimetres at ``size`` points."""
        widths = self._widths
        return sum(widths.get(ord(c), self._missing) for c in text) * size / 1000 / self.pdf.k

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """Lines of at most ``width`` mm: Japanese breaks between any two characters, a
        Latin word or number (a web address, a code) only where it must."""
        limit = width * 1000 * self.pdf.k / size
        widths, missing = self._widths, self._missing
        lines: list[str] = []
        line: list[str] = []
        used = 0.0
        for unit in _units(text):
            unit_width = sum(widths.get(ord(c), missing) for c in unit)
            if line and used + unit_width > limit and unit[0] not in _NO_LINE_START:
                lines.append("".join(line).rstrip())
                line, used = [], 0.0
                unit = unit.lstrip()
                unit_width = sum(widths.get(ord(c), missing) for c in unit)
            line.append(unit)
            used += unit_width
        if line:
            lines.append("".join(line).rstrip())
        return lines

    def text(self, x: float, baseline: float, text: str, size: float) -> None:
        if not self.drawing:
            return
        pdf = self.pdf
        widths = self._widths
        if all(ord(c) in widths for c in text):
            pdf.set_font("letter", size=size)
            pdf.text(x, baseline, text)
            return
        # Runs of characters the letter font has, and of those it lacks (from the spare).
        spare = pdf.spare_family()
        for run, own in _runs(text, widths):
            family = "letter" if own or spare is None else spare
            pdf.set_font(family, size=size)
            pdf.text(x, baseline, run)
            run_widths = pdf.widths(family)
            x += sum(run_widths.get(ord(c), self._missing) for c in run) * size / 1000 / pdf.k

    def text_right(self, right: float, baseline: float, text: str, size: float) -> None:
        self.text(right - self.width(text, size), baseline, text, size)

    def text_centred(self, centre: float, baseline: float, text: str, size: float) -> None:
        self.text(centre - self.width(text, size) / 2, baseline, text, size)

    def heading(self, text: str, size: float = 12) -> None:
        self.y += size * 0.42
        self.text(MARGIN, self.y, f"■ {text}", size)
        self.y += size * 0.2

    def paragraph(
        self, text: str, *, indent: float = 0, size: float = 10.5, hang: str = ""
    ) -> None:
        """Wrapped lines from the cursor down; ``hang`` (a bullet, "1. ") stands to the left
        of the first line and the lines after it align with the text."""
        leading = size * 0.53
        left = MARGIN + indent
        hanging = self.width(hang, size)
        for number, line in enumerate(self.wrap(text, PAGE_WIDTH - MARGIN - left - hanging, size)):
            self.y += leading
            if number == 0 and hang:
                self.text(left, self.y, hang, size)
            self.text(left + hanging, self.y, line, size)
        self.y += leading * 0.25


def _runs(text: str, widths: dict[int, int]) -> list[tuple[str, bool]]:
    """The text cut where it goes from characters the font has to ones it lacks."""
    runs: list[tuple[str, bool]] = []
    for c in text:
        own = ord(c) in widths
        if runs and runs[-1][1] == own:
            runs[-1] = (runs[-1][0] + c, own)
        else:
            runs.append((c, own))
    return runs


def _units(text: str) -> list[str]:
    """Break opportunities: each Japanese character alone; Latin letters, digits and the
    signs inside addresses and codes kept together, with the space after them."""
    units: list[str] = []
    word = ""
    for c in text:
        if c.isascii() and not c.isspace():
            word += c
            continue
        if word:
            units.append(word)
            word = ""
        if c == " " and units:
            units[-1] += c
        else:
            units.append(c)
    if word:
        units.append(word)
    return units


def _draw_qr(pdf: LetterPdf, modules: list[bytes], x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules in a row (a few hundred
    rectangles rather than a thousand squares), with the quiet zone left white. Written as
    one path: through ``FPDF.rect`` each rectangle would cost as much as a line of text."""
    quiet = 4
    k = pdf.k
    module = size / (len(modules) + 2 * quiet) * k
    left = (x + quiet * size / (len(modules) + 2 * quiet)) * k
    top = (pdf.h - y) * k - quiet * module
    path = ["q 0 g"]
    for row_index, row in enumerate(modules):
        bottom = top - (row_index + 1) * module
        column, width = 0, len(row)
        while column < width:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            path.append(
                f"{left + start * module:.3f} {bottom:.3f} {(column - start) * module:.3f} "
                f"{module:.3f} re"
            )
    path.append("f Q")
    pdf._out("\n".join(path))


class LetterPrint:
    """A batch's print files being written: ``add`` a letter at a time, then ``close``.

    Both files are written to the paths given (the caller's temporary names); nothing here
    decides where they end up. Use as a context manager: leaving it by an exception removes
    the half-written files."""

    def __init__(
        self, pdf_path: Path, csv_path: Path, sender: LetterSender, font: tuple[Path, int]
    ) -> None:
        self.sender = sender
        self.pdf_path, self.csv_path = pdf_path, csv_path
        self._pdf = _StreamingPdf(pdf_path, font)
        self._csv_file = csv_path.open("w", encoding="utf-8-sig", newline="")
        self._manifest = csv.writer(self._csv_file)
        self._manifest.writerow(MANIFEST_COLUMNS)

    def add(self, recipient: LetterRecipient) -> int:
        """Draw the recipient's letter as the next page; returns its page number."""
        qr = qr_modules(activate_url(self.sender.origin, recipient.code))
        page = self._pdf.add_page(lambda pdf: draw_letter(pdf, self.sender, recipient, qr))
        self._manifest.writerow(
            (self.sender.batch, recipient.sequence, page, recipient.postal_code,
             recipient.address, recipient.name)
        )  # fmt: skip
        return page

    def add_all(self, recipients: Iterable[LetterRecipient]) -> None:
        for recipient in recipients:
            self.add(recipient)

    def close(self) -> PrintedFiles:
        """Finish both files (the font, the page tree) and return their checksums."""
        pages = self._pdf.close()
        self._csv_file.close()
        return PrintedFiles(
            pages=pages, pdf_sha256=_sha256(self.pdf_path), csv_sha256=_sha256(self.csv_path)
        )

    def discard(self) -> None:
        self._pdf.abort()
        self._csv_file.close()
        for path in (self.pdf_path, self.csv_path):
            path.unlink(missing_ok=True)

    def __enter__(self) -> LetterPrint:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.discard()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Object numbers reserved for what is only known at the end: the catalogue, the page tree and
# the resources every page shares (the font). Page n is objects 4 + 2(n-1) (its content) and
# 5 + 2(n-1) (the page).
_CATALOG, _PAGES, _RESOURCES, _FIRST_PAGE_OBJECT = 1, 2, 3, 4


class _StreamingPdf:
    """A PDF written as it is drawn: each page's content goes to the file once drawn, and
    only its offset stays in memory. fpdf2 draws every page as page 1 of one document whose
    page list is emptied between pages, so it keeps the font (and the glyphs used so far),
    not the pages."""

    def __init__(self, path: Path, font: tuple[Path, int]) -> None:
        self._fpdf = new_letter_pdf(font)
        self._file: IO[bytes] = path.open("wb")
        self._offsets = array("Q", [0] * _FIRST_PAGE_OBJECT)  # by object number; 0 is free
        self._pages = 0
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self._file.write(data)

    def _mark(self, number: int) -> None:
        if number >= len(self._offsets):
            self._offsets.extend([0] * (number + 1 - len(self._offsets)))
        self._offsets[number] = self._file.tell()

    def _object(self, number: int, body: bytes) -> None:
        self._mark(number)
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def add_page(self, draw: Any) -> int:
        fpdf = self._fpdf
        # A fresh page 1 each time: fpdf2 keeps nothing of the pages already written.
        fpdf.pages.clear()
        fpdf.page = 0
        fpdf._resource_catalog.resources_per_page.clear()
        fpdf.add_page()
        draw(fpdf)
        drawn = fpdf.pages[1].contents
        assert isinstance(drawn, bytearray)  # fpdf2 turns it into a stream object only on output
        content = zlib.compress(drawn)
        self._pages += 1
        number = _FIRST_PAGE_OBJECT + 2 * (self._pages - 1)
        self._object(
            number,
            b"<</Filter /FlateDecode /Length %d>>\nstream\n" % len(content)
            + content
            + b"\nendstream",
        )
        self._object(
            number + 1,
            b"<</Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources %d 0 R "
            b"/Contents %d 0 R>>" % (_PAGES, fpdf.w_pt, fpdf.h_pt, _RESOURCES, number),
        )
        return self._pages

    def close(self) -> int:
        if self._pages == 0:
            raise ValueError("a letter batch needs at least one letter")
        fpdf = self._fpdf
        fpdf.pages.clear()
        fpdf.page = 0
        # fpdf2's own font writer: the subset of the glyphs drawn, its widths and the
        # ToUnicode map (so the text can be searched and copied), numbered after the pages.
        producer = OutputProducer(fpdf)
        producer.obj_id = _FIRST_PAGE_OBJECT + 2 * self._pages - 1
        fonts = producer._add_fonts({}, {}, {})
        for pdf_object in producer.pdf_objs:  # each serializes as "n 0 obj … endobj"
            assert isinstance(pdf_object, PDFObject)
            self._mark(pdf_object.id)
            self._write(_latin1(pdf_object.serialize()) + b"\n")
        font_refs = b"".join(
            b"/F%d %d 0 R " % (index, font.id) for index, font in sorted(fonts.items())
        )
        self._object(_RESOURCES, b"<< /ProcSet [/PDF /Text] /Font << " + font_refs + b">> >>")
        kids = io.BytesIO()
        for page in range(self._pages):
            kids.write(b"%d 0 R " % (_FIRST_PAGE_OBJECT + 2 * page + 1))
        self._object(
            _PAGES,
            b"<</Type /Pages /Count %d /Kids [%s]>>" % (self._pages, kids.getvalue().rstrip()),
        )
        self._object(_CATALOG, b"<</Type /Catalog /Pages %d 0 R>>" % _PAGES)
        self._write_xref()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._pages

    def _write_xref(self) -> None:
        start = self._file.tell()
        count = len(self._offsets)
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        for number in range(1, count):
            self._write(b"%010d 00000 n \n" % self._offsets[number])
        self._write(
            b"trailer\n<</Size %d /Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n"
            % (count, _CATALOG, start)
        )

    def abort(self) -> None:
        self._file.close()


def _latin1(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("latin-1")
