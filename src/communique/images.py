"""Checks on signature and seal images, before anything renders them: a PNG that decodes whole, or an SVG
without entities, outside references or an expansion bomb, each within size limits."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 8000
"""Largest width or height of a PNG, in pixels."""
MIN_PIXELS = 16
MAX_SVG_ELEMENTS = 20_000
"""Most elements an SVG may draw once every <use> is expanded (a seal has a few hundred)."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# An SVG may reference only its own elements (#id) and inline data: URLs.
_OUTSIDE_REFERENCE = re.compile(r"""url\(\s*['"]?(?!#|data:)""", re.IGNORECASE)


def image_problem(path: Path) -> str | None:
    """What is wrong with the image at `path`, or None if it is a usable PNG or SVG."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return f"is {size / 1024 / 1024:.1f} MB; images must be under {MAX_BYTES // 1024 // 1024} MB"
        data = path.read_bytes()
    except (OSError, ValueError) as error:
        return f"cannot be read ({getattr(error, 'strerror', None) or error})"
    if data.startswith(PNG_SIGNATURE):
        return _png_problem(data)
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<") and "<svg" in text:
        return _svg_problem(text)
    return "is neither a PNG nor an SVG file"


def _png_problem(data: bytes) -> str | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return "is a damaged PNG (no image header)"
    width, height = struct.unpack(">II", data[16:24])
    if not (MIN_PIXELS <= width <= MAX_PIXELS and MIN_PIXELS <= height <= MAX_PIXELS):
        return f"is {width}x{height} pixels; use {MIN_PIXELS} to {MAX_PIXELS} pixels a side"
    from io import BytesIO

    from PIL import Image, ImageFile, UnidentifiedImageError

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint turns this on when it is imported
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(BytesIO(data)) as image:
            image.load()  # decodes every pixel: a damaged body fails here, not in the renderer
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        reason = "its pixel data does not decode" if "identify" in str(error) else str(error)
        return f"is a damaged PNG ({reason})"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    return None


def _svg_problem(text: str) -> str | None:
    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        return "is an SVG that declares XML entities or a DOCTYPE, which are not allowed"
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        return f"is not a well-formed SVG ({error})"
    elements = list(root.iter())
    for element in elements:
        href = element.get(_XLINK_HREF) or element.get("href")
        if href is not None and not href.startswith(("#", "data:")):
            return f"is an SVG that refers to another file ({href[:60]!r}); embed it or use a PNG"
        style = element.get("style", "") + (element.text or "" if element.tag == f"{_SVG}style" else "")
        if _OUTSIDE_REFERENCE.search(style) or any(
            _OUTSIDE_REFERENCE.search(v) for v in element.attrib.values()
        ):
            return "is an SVG that refers to another file (url(...)); embed it or use a PNG"
    try:
        expanded = _expanded_size(root, elements)
    except RecursionError:
        return "is an SVG nested too deeply"
    if expanded > MAX_SVG_ELEMENTS:
        return f"is an SVG that expands to more than {MAX_SVG_ELEMENTS:,} elements (<use> repeated)"
    return None


def _expanded_size(root: ElementTree.Element, elements: list[ElementTree.Element]) -> int:
    """How many elements the SVG draws with every <use> replaced by what it references; a reference
    cycle counts as unbounded."""
    by_id = {element.get("id"): element for element in elements if element.get("id")}
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    limit = MAX_SVG_ELEMENTS + 1

    def size(element: ElementTree.Element) -> int:
        key = id(element)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            return limit  # a cycle
        visiting.add(key)
        total = 1 + sum(size(child) for child in element)
        if element.tag == f"{_SVG}use":
            target = by_id.get((element.get(_XLINK_HREF) or element.get("href") or "").lstrip("#"))
            total += size(target) if target is not None else 0
        visiting.discard(key)
        sizes[key] = min(total, limit)
        return sizes[key]

    return size(root)
