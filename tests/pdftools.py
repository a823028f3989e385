"""Reading PDFs the way a reader sees them: extracted text per page, page images."""

from __future__ import annotations

import ctypes
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image


def page_texts(path: Path) -> list[str]:
    """The text of every page, as a PDF viewer would copy it."""
    document = pdfium.PdfDocument(path)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def drawn_texts(path: Path) -> list[str]:
    """The text of every page as its glyphs map to characters, in content order, without a viewer's
    guesses (pdfium merges a run of spaces into one and skips a piece of text that draws nothing)."""
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def unwrapped(text: str) -> str:
    """Extracted text with the line breaks of wrapped lines undone: a word hyphenated at a line end joined,
    a line break between two narrow characters read as the space it replaced, none between wide ones."""
    text = re.sub(r"(?<=\w)[\u00ad\u2010-]\r?\n(?=\w)", "", text)

    def join(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        wide = any(unicodedata.east_asian_width(char) in ("W", "F") for char in (before, after))
        return before + ("" if wide else " ") + after

    return re.sub(r"(\S)\r?\n(\S)", join, text)


def find_glyphs(glyphs: list[Glyph], needle: str) -> list[Glyph]:
    """The glyphs that draw `needle` (compared compacted) on a page, or [] if it is not there."""
    drawn = "".join(glyph.char for glyph in glyphs)
    start = drawn.find(compact(needle))
    return glyphs[start : start + len(compact(needle))] if start >= 0 else []


def assert_in_order(text: str, needles: list[str]) -> None:
    """Every needle occurs in `text` (compared compacted), each after the one before."""
    position = 0
    for needle in needles:
        found = text.find(compact(needle), position)
        assert found >= 0, f"missing or out of order: {needle[:30]}"
        position = found + len(compact(needle))


def compact(text: str) -> str:
    """Text with line-end hyphenation and all whitespace removed, for order-and-content comparison."""
    text = re.sub(r"[\u00ad\u2010-](?:\r?\n)", "", text)
    return re.sub(r"[\s\ufffe\u00ad]+", "", text)


def page_images(path: Path, dpi: int) -> list[Image.Image]:
    """Every page rendered to an RGB image."""
    document = pdfium.PdfDocument(path)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


@dataclass(frozen=True)
class Glyph:
    """One character drawn on a page: its origin, font size and advance box, in points."""

    char: str
    x: float
    y: float
    size: float
    left: float
    right: float


def page_glyphs(path: Path) -> list[list[Glyph]]:
    """Every drawn character of every page, in content order (spaces and generated characters dropped)."""
    document = pdfium.PdfDocument(path)
    pages = []
    try:
        for page in document:
            textpage = page.get_textpage()
            glyphs = []
            x, y = ctypes.c_double(), ctypes.c_double()
            for index in range(textpage.count_chars()):
                char = textpage.get_text_range(index, 1)
                if not char or char.isspace() or pdfium_c.FPDFText_IsGenerated(textpage.raw, index):
                    continue
                pdfium_c.FPDFText_GetCharOrigin(textpage.raw, index, ctypes.byref(x), ctypes.byref(y))
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index)
                left, _, right, _ = textpage.get_charbox(index, loose=True)
                glyphs.append(Glyph(char, x.value, y.value, round(size, 2), left, right))
            pages.append(glyphs)
    finally:
        document.close()
    return pages


def lines_of(glyphs: list[Glyph], tolerance: float = 0.5) -> list[list[Glyph]]:
    """Group glyphs into visual lines: glyphs on the same baseline, left to right."""
    lines: list[list[Glyph]] = []
    for glyph in glyphs:
        if lines and abs(glyph.y - lines[-1][-1].y) <= tolerance and glyph.x >= lines[-1][-1].x:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return lines


_FOOTER = re.compile(r"\s*\d+\s*/\s*\d+\s*$")


def running_text(path: Path) -> str:
    """The text of all pages joined, without the page footers ('n / N') between them."""
    return "\n".join(_FOOTER.sub("", text) for text in page_texts(path))


def marked_texts(path: Path) -> dict[tuple[int, int], str]:
    """The text of every marked-content sequence: (page index, MCID) -> text, as pypdf decodes it."""
    reader = pypdf.PdfReader(path)
    return {
        (index, mcid): text
        for index, page in enumerate(reader.pages)
        for mcid, text in _marked_page_texts(page).items()
    }


def _marked_page_texts(page: pypdf.PageObject) -> dict[int, str]:
    open_ids: list[int | None] = []
    texts: dict[int, str] = {}

    def before(operator: bytes, operands: list[Any], *_: Any) -> None:
        if operator in (b"BDC", b"BMC"):
            properties = operands[1] if operator == b"BDC" and len(operands) > 1 else None
            open_ids.append(properties.get("/MCID") if isinstance(properties, dict) else None)
        elif operator == b"EMC" and open_ids:
            open_ids.pop()

    def text(content: str, *_: Any) -> None:
        current = next((mcid for mcid in reversed(open_ids) if mcid is not None), None)
        if current is not None:
            texts[int(current)] = texts.get(int(current), "") + content

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def language_texts(path: Path) -> list[tuple[str, str]]:
    """(/Lang of the nearest structure element that sets one, or '', text) for every marked-content
    item of the structure tree, in tree order. The catalog's /Lang is not taken into account."""
    reader = pypdf.PdfReader(path)
    page_index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}  # type: ignore[union-attr]
    texts = marked_texts(path)
    found: list[tuple[str, str]] = []

    def walk(element: Any, lang: str, page: int | None) -> None:
        element = element.get_object()
        if isinstance(element, int):
            if page is not None:
                found.append((lang, texts.get((page, element), "")))
            return
        if not isinstance(element, dict):
            return
        lang = str(element.get("/Lang", lang))
        if "/Pg" in element:
            page = page_index[element.raw_get("/Pg").idnum]
        kids = element.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid, lang, page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], "", None)
    return found
