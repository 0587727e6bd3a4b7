"""Small PDFs for the upload tests, written object by object with a correct cross-reference
table, so each test file differs from a valid one only in what the test is about."""

from __future__ import annotations

import io


def build_pdf(
    catalog_extra: bytes = b"",
    page_extra: bytes = b"",
    objects: tuple[bytes, ...] = (),
    *,
    after_eof: bytes = b"\n",
    text: bytes = b"Juminhyo",
) -> bytes:
    """A one-page PDF. ``catalog_extra`` and ``page_extra`` go inside the catalogue's and the
    page's dictionaries; ``objects`` are further objects, numbered from 5 on."""
    content = b"BT /F1 24 Tf 72 720 Td (" + text + b") Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> "
        + page_extra
        + b">>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        *objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(bodies) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF".encode()
    )
    out.write(after_eof)
    return out.getvalue()


def pypdf_pdf() -> bytes:
    """A PDF as a real writer makes it: pypdf, one blank A4 page."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
