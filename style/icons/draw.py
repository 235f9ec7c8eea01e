#!/usr/bin/env python3
"""Draws the app icons (public/icons/*.png) from the favicon's design: a shop awning over a
crate on the brand green. Plain Python (zlib), so any machine can redraw them:
    python3 style/icons/draw.py
"""
import struct
import zlib
from pathlib import Path

BRAND = (0x1F, 0x6F, 0x50)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis: 16 samples per pixel for smooth edges


def rounded_rect(x, y, w, h, r):
    def inside(px, py):
        if not (x <= px <= x + w and y <= py <= y + h):
            return False
        cx = min(max(px, x + r), x + w - r)
        cy = min(max(py, y + r), y + h - r)
        return (px - cx) ** 2 + (py - cy) ** 2 <= r * r
    return inside


def polygon(points):
    def inside(px, py):
        hit = False
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
            if (y1 > py) != (y2 > py) and px < (x2 - x1) * (py - y1) / (y2 - y1) + x1:
                hit = not hit
        return hit
    return inside


def glyph(scale, offset):
    """The favicon's shapes on its 32-unit grid, as (test, colour, opacity)."""
    s = lambda v: v * scale + offset
    d = lambda v: v * scale
    return [
        (rounded_rect(s(6), s(12), d(20), d(14), d(2)), WHITE, 0.35),
        (polygon([(s(8), s(12)), (s(24), s(12)), (s(22), s(7)), (s(10), s(7))]), WHITE, 1.0),
        (rounded_rect(s(10), s(16), d(12), d(3), d(1.5)), WHITE, 1.0),
    ]


def draw(size, maskable):
    if maskable:
        # Full-bleed background; the glyph inside the central 80% safe zone.
        background = lambda px, py: True
        scale = size * 0.62 / 20
        offset = size / 2 - 16 * scale
    else:
        background = rounded_rect(0, 0, size, size, size * 7 / 32)
        scale, offset = size / 32, 0
    shapes = [(background, BRAND, 1.0)] + glyph(scale, offset)
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            r = g = b = a = 0.0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    px, py = x + (sx + 0.5) / SAMPLES, y + (sy + 0.5) / SAMPLES
                    cr, cg, cb, ca = 0.0, 0.0, 0.0, 0.0
                    for test, colour, opacity in shapes:
                        if test(px, py):
                            cr = cr * (1 - opacity) + colour[0] * opacity
                            cg = cg * (1 - opacity) + colour[1] * opacity
                            cb = cb * (1 - opacity) + colour[2] * opacity
                            ca = ca * (1 - opacity) + opacity
                    r, g, b, a = r + cr * ca, g + cg * ca, b + cb * ca, a + ca
            n = SAMPLES * SAMPLES
            alpha = a / n
            if alpha > 0:
                row += bytes([round(r / a), round(g / a), round(b / a), round(alpha * 255)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[2] / "public" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-512.png", 512, True),
        ("apple-touch-icon.png", 180, True),
    ]:
        (out / name).write_bytes(draw(size, maskable))
        print("wrote", out / name)
