"""A minimal one-page PDF writer: text in the standard Helvetica fonts and filled rectangles.

Enough for the status certificate (text plus a QR code drawn as vector squares) without a PDF
library: the output is a plain PDF 1.4 file with a correct cross-reference table, readable by every
viewer. The standard fonts need no embedding but cover WinAnsi (Latin) text only; the certificate is
therefore printed in English with the Latin (passport) spelling of names, and the verification page
shows the same statement in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

A4 = (595, 842)  # points
_FONTS = {"regular": "F1", "bold": "F2"}


def _escape(text: str) -> bytes:
    encoded = text.encode("cp1252", errors="replace")
    return encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


@dataclass
class Page:
    width: int = A4[0]
    height: int = A4[1]
    _ops: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, *, size: float = 11, bold: bool = False) -> None:
        """Write one line with its baseline at (x, y) from the bottom-left corner."""
        font = _FONTS["bold" if bold else "regular"]
        self._ops.append(b"BT /%s %.1f Tf %.2f %.2f Td (%s) Tj ET" % (font.encode(), size, x, y, _escape(text)))

    def rect(self, x: float, y: float, width: float, height: float, *, gray: float = 0.0) -> None:
        self._ops.append(b"%.3f g %.3f %.3f %.3f %.3f re f" % (gray, x, y, width, height))

    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5) -> None:
        self._ops.append(b"0 G %.2f w %.2f %.2f m %.2f %.2f l S" % (width, x1, y1, x2, y2))

    def matrix(self, x: float, y: float, modules: list[list[bool]], *, module: float) -> None:
        """Draw a QR-style matrix with its top-left corner at (x, y); runs of dark modules become one rectangle."""
        ops = [b"0 g"]
        for row_index, row in enumerate(modules):
            top = y - (row_index + 1) * module
            start = None
            for col_index, dark in enumerate([*row, False]):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    ops.append(
                        b"%.3f %.3f %.3f %.3f re" % (x + start * module, top, (col_index - start) * module, module)
                    )
                    start = None
        ops.append(b"f")
        self._ops.append(b"\n".join(ops))

    def render(self, *, title: str = "") -> bytes:
        content = b"\n".join(self._ops)
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>" % (self.width, self.height),
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
            b"<< /Title (%s) /Producer (migrant-platform) >>" % _escape(title),
        ]
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1,
            len(objects),
            xref,
        )
        return bytes(out)


def wrap(text: str, *, width: int) -> list[str]:
    """Split text into lines of at most `width` characters at spaces (Helvetica 10 pt: ~95 per line)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines
