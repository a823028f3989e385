"""Reading PDFs the way a reader sees them: extracted text per page, page images."""

from __future__ import annotations

import contextlib
import ctypes
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from communique.paper import A4_MARGIN_MM, PAPER_SIZES_MM, POINTS_PER_MM


@contextlib.contextmanager
def _pdfium_pages(path: Path) -> Iterator[Iterator[pdfium.PdfPage]]:
    """The pages of the PDF at `path`, each closed (with what was opened on it) before the next is
    opened and the document closed after them: pdfium objects left to the garbage collector may be
    finalized after their document."""
    document = pdfium.PdfDocument(path)

    def pages() -> Iterator[pdfium.PdfPage]:
        for index in range(len(document)):
            page = document[index]
            try:
                yield page
            finally:
                page.close()

    try:
        yield pages()
    finally:
        document.close()


def page_texts(path: Path) -> list[str]:
    """The text of every page, as a PDF viewer would copy it."""
    with _pdfium_pages(path) as pages:
        texts = []
        for page in pages:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return texts


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
    """Text with line-end hyphenation, all whitespace and variation selectors removed, for
    order-and-content comparison (a glyph read back from the page is its base character alone; the text
    layer's selectors are checked by tests/test_variants.py)."""
    text = re.sub(r"[\u00ad\u2010-](?:\r?\n)", "", text)
    return re.sub(r"[\s\ufffe\u00ad\ufe00-\ufe0f\U000e0100-\U000e01ef]+", "", text)


def page_images(path: Path, dpi: int) -> list[Image.Image]:
    """Every page rendered to an RGB image."""
    with _pdfium_pages(path) as pages:
        images = []
        for page in pages:
            bitmap = page.render(scale=dpi / 72)
            images.append(bitmap.to_pil().convert("RGB"))
            bitmap.close()
        return images


@dataclass(frozen=True)
class Glyph:
    """One character drawn on a page: its origin, font size and advance box, in points."""

    char: str
    x: float
    y: float
    size: float
    left: float
    right: float
    ink: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """The box the glyph draws in: (left, bottom, right, top), in points from the page's lower left."""


def page_glyphs(path: Path) -> list[list[Glyph]]:
    """Every drawn character of every page, in content order (spaces and generated characters dropped)."""
    found = []
    with _pdfium_pages(path) as pages:
        for page in pages:
            textpage = page.get_textpage()
            glyphs = []
            x, y = ctypes.c_double(), ctypes.c_double()
            count = textpage.count_chars()
            for index in range(count):
                unit = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
                if 0xDC00 <= unit <= 0xDFFF:  # a character past U+FFFF's second half: read with the first
                    continue
                astral = 0xD800 <= unit <= 0xDBFF and index + 1 < count
                char = textpage.get_text_range(index, 2 if astral else 1)
                if not char or char.isspace() or pdfium_c.FPDFText_IsGenerated(textpage.raw, index):
                    continue
                if unicodedata.name(char[0], "").startswith("VARIATION SELECTOR"):  # drawn with its base
                    continue
                pdfium_c.FPDFText_GetCharOrigin(textpage.raw, index, ctypes.byref(x), ctypes.byref(y))
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index)
                left, _, right, _ = textpage.get_charbox(index, loose=True)
                ink = textpage.get_charbox(index)
                glyphs.append(Glyph(char, x.value, y.value, round(size, 2), left, right, ink))
            textpage.close()
            found.append(glyphs)
    return found


def lines_of(glyphs: list[Glyph], tolerance: float = 0.5) -> list[list[Glyph]]:
    """Group glyphs into visual lines: glyphs on the same baseline, left to right."""
    lines: list[list[Glyph]] = []
    for glyph in glyphs:
        if lines and abs(glyph.y - lines[-1][-1].y) <= tolerance and glyph.x >= lines[-1][-1].x:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return lines


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """The width and height of every page, in points."""
    with _pdfium_pages(path) as pages:
        return [page.get_size() for page in pages]


def page_margin(width: float) -> float:
    """The page margin of the built-in layouts on a page `width` points wide (25 mm on A4, scaled with the
    paper's width as communique.paper sets it), in points."""
    width_mm = width / POINTS_PER_MM
    return round(A4_MARGIN_MM * width_mm / PAPER_SIZES_MM["A4"][0], 1) * POINTS_PER_MM


def column_of(glyph: Glyph, width: float, columns: int) -> int:
    """Which of `columns` equal columns across the text width of a page `width` points wide holds `glyph`
    (by its centre), from 0 at the left; 0 when there is one column."""
    margin = page_margin(width)
    measure = (width - 2 * margin) / columns
    return min(columns - 1, max(0, int(((glyph.left + glyph.right) / 2 - margin) // measure)))


def text_lines(path: Path, columns: int = 1) -> list[list[list[list[Glyph]]]]:
    """Per page, per column (`columns` equal columns, as in the parallel layout): the visual lines, each
    its glyphs left to right, in content order; the page footer (in the bottom margin) left out."""
    pages = []
    for glyphs, (width, _) in zip(page_glyphs(path), page_sizes(path), strict=True):
        body = [glyph for glyph in glyphs if glyph.y > page_margin(width)]
        pages.append(
            [
                lines_of([glyph for glyph in body if column_of(glyph, width, columns) == column])
                for column in range(columns)
            ]
        )
    return pages


def reading_order(lines: list[list[Glyph]], row_tolerance: float = 6.0) -> list[list[Glyph]]:
    """Visual lines of one page (or column) in reading order. Content order is reading order but for what
    WeasyPrint paints later (a positioned block, such as a signature block, after the flow around it): the
    lines are cut into runs that go down the page line by line in content order (never up, nor across a
    gap of more than 2.5 lines, nor to a line clear of the one before across), the runs sorted top to
    bottom, runs side by side left to right: their first baselines within `row_tolerance` points, or a run
    starting beside a taller one (above its last line, clear of it across: signature blocks whose names
    share a baseline under offices of different heights)."""
    runs: list[list[list[Glyph]]] = []
    for line in lines:
        previous = runs[-1][-1] if runs else None
        step = previous[0].y - line[0].y if previous else 0.0
        if (
            previous
            and 0.5 < step <= 2.5 * max(glyph.size for glyph in (*previous, *line))
            and not _clear(_across([previous]), _across([line]))
        ):
            runs[-1].append(line)
        else:
            runs.append([line])
    runs.sort(key=lambda run: -run[0][0].y)
    rows: list[list[list[list[Glyph]]]] = []
    for run in runs:
        if rows and (rows[-1][0][0][0].y - run[0][0].y <= row_tolerance or _beside(run, rows[-1])):
            rows[-1].append(run)
        else:
            rows.append([run])
    return [
        line
        for row in rows
        for run in sorted(row, key=lambda run: min(glyph.left for glyph in run[0]))
        for line in run
    ]


def _beside(run: list[list[Glyph]], row: list[list[list[Glyph]]]) -> bool:
    """Whether `run` starts above the lowest line of `row` and is clear of each of its runs across."""
    lowest = min(line[0].y for other in row for line in other)
    return run[0][0].y >= lowest and all(_clear(_across(run), _across(other)) for other in row)


def _across(run: list[list[Glyph]]) -> tuple[float, float]:
    """(left, right) of the glyphs of `run`."""
    glyphs = [glyph for line in run for glyph in line]
    return min(glyph.left for glyph in glyphs), max(glyph.right for glyph in glyphs)


def _clear(one: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether two (left, right) extents do not overlap."""
    return one[1] <= other[0] or one[0] >= other[1]


def line_text(line: list[Glyph]) -> str:
    """The characters of a visual line (spaces dropped)."""
    return "".join(glyph.char for glyph in line)


def column_texts(path: Path, columns: int = 2) -> list[str]:
    """The text of each of `columns` equal columns, pages in order, each line of it ending in '\n'; the page
    footers left out."""
    texts = ["" for _ in range(columns)]
    for page in text_lines(path, columns):
        for column, lines in enumerate(page):
            texts[column] += "".join(line_text(line) + "\n" for line in lines)
    return texts


def page_collisions(
    columns: list[list[list[Glyph]]], minimum: float = 0.5, baseline_tolerance: float = 0.5
) -> list[tuple[Glyph, Glyph, float]]:
    """`ink_collisions` of one page of `text_lines`: glyphs on different baselines, or in different columns,
    whose drawn boxes overlap by more than `minimum` square points."""
    tagged = [(column, line) for column, lines in enumerate(columns) for line in lines]
    return _collisions(tagged, minimum, baseline_tolerance)


def _collisions(
    tagged: list[tuple[int, list[Glyph]]], minimum: float, baseline_tolerance: float
) -> list[tuple[Glyph, Glyph, float]]:
    def box(line: list[Glyph]) -> tuple[float, float, float, float]:
        inks = [glyph.ink for glyph in line]
        return (
            min(ink[0] for ink in inks),
            min(ink[1] for ink in inks),
            max(ink[2] for ink in inks),
            max(ink[3] for ink in inks),
        )

    found = []
    boxes = [(column, line, box(line)) for column, line in tagged if line]
    for index, (column, line, outer) in enumerate(boxes):
        for other_column, other, other_outer in boxes[index + 1 :]:
            if _overlap(outer, other_outer) <= 0:
                continue
            for glyph in line:
                for neighbour in other:
                    same_line = abs(glyph.y - neighbour.y) <= baseline_tolerance
                    if same_line and column == other_column:
                        continue
                    if column == other_column and _is_mark(glyph.char) != _is_mark(neighbour.char):
                        continue  # a mark off the baseline (Arabic harakat) sits on its base

                    area = _overlap(glyph.ink, neighbour.ink)
                    if area > minimum:
                        found.append((glyph, neighbour, area))
    return found


def _is_mark(char: str) -> bool:
    return bool(char) and unicodedata.category(char[0]) in ("Mn", "Me")


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


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
