"""Typographic measurements read back from a PDF: lines, gaps, half-width punctuation, raggedness."""

from __future__ import annotations

import functools
import itertools
import re
import statistics
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdf
from pdftools import Glyph, lines_of, page_glyphs, page_texts, text_lines

from communique.jlreq import BIND_TO_PREVIOUS, CLOSING, OPENING, is_japanese_letter
from communique.loader import load
from communique.typeset import typeset

NO_LINE_START = set(CLOSING + "・：；？！" + BIND_TO_PREVIOUS)
NO_LINE_END = set(OPENING)
BODY_SIZE = 10.5  # points: one em of body text
BODY_FONT_SIZE = 14.0  # the same, as pdfium reports it (WeasyPrint draws in CSS px, scaled by 0.75)
ARABIC_WORD = re.compile("[\u0620-\u065f\u0670-\u06d3]+")
"""Arabic letters and harakat (no punctuation, no digits)."""
BIDI_CONTROLS = re.compile("[\u202a-\u202e]")
"""Embedding marks pdftotext adds around each run of another direction: not in the PDF, not text."""


def version_paragraphs(source: Path, lang: str) -> list[str]:
    """The body paragraphs of the version in `lang` of a data file, as the data has them."""
    version = next(version for version in typeset(load(source)).versions if version.lang == lang)
    return [paragraph.text for paragraph in version.paragraphs]


@dataclass(frozen=True)
class Line:
    """A visual line of one language version."""

    lang: str
    page: int
    glyphs: tuple[Glyph, ...]
    column: int = 0

    @property
    def text(self) -> str:
        return "".join(glyph.char for glyph in self.glyphs)


def version_lines(pdf: Path) -> list[Line]:
    """Every line of text in the PDF, labelled with the language of its page (from the page labels)."""
    labels = pypdf.PdfReader(pdf).page_labels
    lines = []
    for number, glyphs in enumerate(page_glyphs(pdf)):
        lang = labels[number].split("-", 1)[0].lower()
        lines.extend(Line(lang, number, tuple(line)) for line in lines_of(glyphs))
    return lines


def body_lines(pdf: Path, lang: str) -> list[Line]:
    """Lines set at the body size (not titles, signatures or the footer)."""
    return [
        line
        for line in version_lines(pdf)
        if line.lang == lang and all(glyph.size == BODY_FONT_SIZE for glyph in line.glyphs)
    ]


def kinsoku_violations(lines: list[Line]) -> list[str]:
    """Lines that start with a character that may not start a line, or end with an opening bracket."""
    found = []
    for previous, line in itertools.pairwise(lines):
        continues = previous.page == line.page and line.glyphs[0].x < previous.glyphs[-1].x
        if continues and line.glyphs[0].char in NO_LINE_START:
            found.append(f"line starts with {line.glyphs[0].char!r}: {line.text[:12]}")
        if line.glyphs[-1].char in NO_LINE_END:
            found.append(f"line ends with {line.glyphs[-1].char!r}: {line.text[-12:]}")
    return found


def latin_boundaries(lines: list[Line]) -> list[tuple[str, float]]:
    """Every place a Japanese letter meets a Latin letter or digit on a line: (pair, gap in em), the gap
    being the space between the glyphs beyond their own advances and the line's justification step."""
    found = []
    for line in lines:
        step = justification_step(line)
        for left, right in itertools.pairwise(line.glyphs):
            pair = left.char + right.char
            japanese_latin = is_japanese_letter(left.char) and right.char.isascii() and right.char.isalnum()
            latin_japanese = left.char.isascii() and left.char.isalnum() and is_japanese_letter(right.char)
            if japanese_latin or latin_japanese:
                found.append((pair, space_after(left, right) - step))
    return found


CJK_FACES = {
    "ja": "NotoSerifCJKjp-Regular-JIS.otf",
    "zh-Hans": "NotoSerifCJKsc-Regular-GB.otf",
    "zh-Hant": "NotoSerifCJKtc-Regular-Big5.otf",
}


@functools.cache
def _advances(face_file: str = CJK_FACES["ja"]) -> dict[int, float]:
    """Code point -> advance in em in a bundled CJK face (which sets the Latin text in its language too)."""
    from conftest import FONTS
    from fontTools.ttLib import TTFont

    face = TTFont(FONTS / face_file, lazy=True)
    scale = face["head"].unitsPerEm
    metrics = face["hmtx"].metrics
    return {code: metrics[name][0] / scale for code, name in face.getBestCmap().items()}


def space_after(left: Glyph, right: Glyph, face_file: str = CJK_FACES["ja"]) -> float:
    """Space (em) between two neighbouring glyphs beyond the left one's own advance in the font."""
    return (right.x - left.x) / BODY_SIZE - _advances(face_file).get(ord(left.char), 1.0)


def justification_step(line: Line) -> float:
    """What justification added (em) between two Japanese letters of the line (median), 0 if none meet."""
    steps = [
        space_after(left, right)
        for left, right in itertools.pairwise(line.glyphs)
        if is_japanese_letter(left.char) and is_japanese_letter(right.char)
    ]
    return max(0.0, statistics.median(steps)) if steps else 0.0


def is_cjk_line(glyphs: list[Glyph] | tuple[Glyph, ...]) -> bool:
    """Mostly East Asian wide characters (kanji, kana, CJK punctuation)."""
    return is_cjk_text("".join(glyph.char for glyph in glyphs))


def cjk_body_lines(pdf: Path, columns: int = 1) -> list[Line]:
    """Lines of Japanese or Chinese text at the body size, per page and column, top to bottom."""
    return [
        Line("cjk", page, tuple(line), column)
        for page, per_column in enumerate(text_lines(pdf, columns))
        for column, lines in enumerate(per_column)
        for line in lines
        if all(glyph.size == BODY_FONT_SIZE for glyph in line) and is_cjk_line(line)
    ]


def full_line_shortfalls(lines: list[Line], paragraphs: Sequence[str] = ()) -> list[tuple[str, float]]:
    """(text, em short of the column's right edge) for every line followed by another line of its
    paragraph (the next line of the column, one line pitch below) — not one that ends one of
    `paragraphs` (list items follow each other at the line pitch)."""
    ends = ["".join(paragraph.split()) for paragraph in paragraphs]
    found = []
    for column in {line.column for line in lines}:
        own = [line for line in lines if line.column == column]
        edge = max(line.glyphs[-1].right for line in own)
        drops = [
            (above, below, above.glyphs[0].y - below.glyphs[0].y)
            for above, below in itertools.pairwise(own)
            if above.page == below.page and above.glyphs[0].y - below.glyphs[0].y > 1
        ]
        pitch = statistics.mode(round(drop, 1) for _, _, drop in drops) if drops else 0.0  # the body's
        found += [
            (above.text, (edge - above.glyphs[-1].right) / BODY_SIZE)
            for above, _, drop in drops
            if drop <= 1.2 * pitch and not any(above.text.endswith(end[-8:]) for end in ends)
        ]
    return found


EXTRACTORS = ("pdftotext", "pdfminer.six", "pypdf", "pdfium")


def extracted_text(pdf: Path, extractor: str) -> str:
    """The whole text of `pdf` as a reader copies it with `extractor` (one of EXTRACTORS)."""
    if extractor == "pdftotext":
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
    if extractor == "pdfminer.six":
        from pdfminer.high_level import extract_text

        return str(extract_text(str(pdf)))
    if extractor == "pypdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert extractor == "pdfium", extractor
    return "\n".join(page_texts(pdf))


def advance(line: Line, index: int) -> float:
    """Distance in em from a glyph's origin to the next glyph's origin."""
    return (line.glyphs[index + 1].x - line.glyphs[index].x) / BODY_SIZE


_FOOTER = re.compile(r"^\s*\d+\s*/\s*\d+\s*$", re.MULTILINE)
"""A page footer as extractors give it: "1 / 4", or "1/4" (pdftotext)."""


def found_exactly(paragraph: str, text: str) -> bool:
    """Whether `paragraph` is in the extracted `text` character for character: a line break may come
    between any two characters (or stand for a space where the line broke), nothing else may."""
    text = _FOOTER.sub("", text.replace("\f", "\n"))
    pattern = r"(?:\s*\n\s*)?".join(
        r"(?: |\s*\n\s*)" if char == " " else re.escape(char) for char in paragraph
    )
    return re.search(pattern, text) is not None


def foreign_lines(text: str, paragraphs: list[str]) -> list[str]:
    """The lines of extracted `text` that are mostly CJK but not found in any of `paragraphs` as they
    stand (a space inserted, a character changed)."""
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip()
        and is_cjk_text(line.strip())
        and not any(line.strip() in paragraph for paragraph in paragraphs)
    ]


def is_cjk_text(text: str) -> bool:
    """Mostly East Asian wide characters."""
    return sum(unicodedata.east_asian_width(char) in "WF" for char in text) >= 0.5 * len(text)
