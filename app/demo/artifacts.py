"""Small public artifacts for the demo's learning summaries, made in code and byte-for-byte the
same every run: a PNG bar chart (zlib and struct, no imaging library) and a one-page PDF handout
(hand-built objects and cross-reference table, no timestamps)."""
from __future__ import annotations

import struct
import zlib

# -- PNG ---------------------------------------------------------------------------------------
WHITE = (255, 255, 255)
INK = (33, 37, 41)
BARS = ((31, 94, 168), (196, 98, 16))  # blue, then orange: "before" and "after"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    """An 8-bit RGB PNG of ``pixels`` (rows of (r, g, b))."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def bar_chart(pairs: list[tuple[int, int]], width: int = 320, height: int = 200) -> bytes:
    """Paired bars (before, after) for each group, values 0-100, on a white ground with an axis line."""
    pixels = [[WHITE] * width for _ in range(height)]
    base = height - 20
    for x in range(10, width - 10):  # the axis
        pixels[base][x] = INK
    slot = (width - 20) // max(1, len(pairs))
    bar = max(4, slot // 3)
    for i, pair in enumerate(pairs):
        for j, value in enumerate(pair):
            top = base - int((base - 10) * max(0, min(100, value)) / 100)
            left = 10 + i * slot + slot // 6 + j * bar
            for y in range(top, base):
                for x in range(left, min(width - 10, left + bar - 2)):
                    pixels[y][x] = BARS[j]
    return png(pixels)


# -- PDF ---------------------------------------------------------------------------------------
def _pdf_text(s: str) -> str:
    s = s.encode("latin-1", "replace").decode("latin-1")
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def handout(title: str, lines: list[str]) -> bytes:
    """A one-page US Letter PDF: a title and lines of text in Helvetica."""
    ops = ["BT", "/F1 18 Tf", "72 720 Td", f"({_pdf_text(title)}) Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        ops += [f"({_pdf_text(line)}) Tj", "0 -16 Td"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title (" + _pdf_text(title).encode("latin-1") + b") /Producer (Teacher Leadership Fund demo) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)
