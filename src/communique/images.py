"""Checks on signature and seal images: a real PNG or SVG of sensible size, before anything renders it."""

from __future__ import annotations

import struct
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 8000
MIN_PIXELS = 16
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_problem(path: Path) -> str | None:
    """What is wrong with the image at `path`, or None if it is a usable PNG or SVG."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if size > MAX_BYTES:
        return f"is {size / 1024 / 1024:.1f} MB; images must be under {MAX_BYTES // 1024 // 1024} MB"
    if head.startswith(PNG_SIGNATURE):
        if len(head) < 24 or head[12:16] != b"IHDR":
            return "is a damaged PNG (no image header)"
        width, height = struct.unpack(">II", head[16:24])
        if not (MIN_PIXELS <= width <= MAX_PIXELS and MIN_PIXELS <= height <= MAX_PIXELS):
            return f"is {width}x{height} pixels; use {MIN_PIXELS} to {MAX_PIXELS} pixels a side"
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<") and "<svg" in text:
        if "<!ENTITY" in text:
            return "is an SVG that declares XML entities, which are not allowed"
        return None
    return "is neither a PNG nor an SVG file"
