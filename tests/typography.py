"""Typographic measurements read back from a PDF: lines, gaps, half-width punctuation, raggedness."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pypdf
from pdftools import Glyph, lines_of, page_glyphs

from communique.jlreq import BIND_TO_PREVIOUS, CLOSING, OPENING, is_japanese_letter

NO_LINE_START = set(CLOSING + "・：；？！" + BIND_TO_PREVIOUS)
NO_LINE_END = set(OPENING)
BODY_SIZE = 10.5  # points: one em of body text
BODY_FONT_SIZE = 14.0  # the same, as pdfium reports it (WeasyPrint draws in CSS px, scaled by 0.75)


@dataclass(frozen=True)
class Line:
    """A visual line of one language version."""

    lang: str
    page: int
    glyphs: tuple[Glyph, ...]

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
    """Every place a Japanese letter meets a Latin letter or digit on a line: (pair, gap in em)."""
    found = []
    for line in lines:
        for left, right in zip(line.glyphs, line.glyphs[1:], strict=False):
            pair = left.char + right.char
            japanese_latin = is_japanese_letter(left.char) and right.char.isascii() and right.char.isalnum()
            latin_japanese = left.char.isascii() and left.char.isalnum() and is_japanese_letter(right.char)
            if japanese_latin or latin_japanese:
                found.append((pair, (right.x - left.right) / BODY_SIZE))
    return found


def advance(line: Line, index: int) -> float:
    """Distance in em from a glyph's origin to the next glyph's origin."""
    return (line.glyphs[index + 1].x - line.glyphs[index].x) / BODY_SIZE


def line_shortfalls(lines: list[Line]) -> list[float]:
    """For every full line (not a paragraph's last), how far (em) it ends short of the measure."""
    lines = paragraph_lines(lines)
    measure_right = max(line.glyphs[-1].right for line in lines)
    return [
        round((measure_right - line.glyphs[-1].right) / BODY_SIZE, 3)
        for line, following in itertools.pairwise(lines)
        if following.page == line.page and following.glyphs[0].x <= line.glyphs[0].x + BODY_SIZE / 2
    ]


def paragraph_lines(lines: list[Line]) -> list[Line]:
    """Lines starting at the text block's left edge or first-line indent (not closings or signatures)."""
    left = min(line.glyphs[0].x for line in lines)
    return [line for line in lines if line.glyphs[0].x <= left + 1.1 * BODY_SIZE]


def raggedness(lines: list[Line]) -> tuple[float, float]:
    """Largest shortfall (em) of a full line's right edge from the measure: (pure Japanese lines, all lines).

    Last lines of paragraphs are not full lines; they are recognised by the next line being indented.
    """
    lines = paragraph_lines(lines)
    measure_right = max(line.glyphs[-1].right for line in lines)
    pure, mixed = 0.0, 0.0
    for line, following in itertools.pairwise(lines):
        if following.page != line.page or following.glyphs[0].x > line.glyphs[0].x + BODY_SIZE / 2:
            continue  # last line of a paragraph
        shortfall = (measure_right - line.glyphs[-1].right) / BODY_SIZE
        mixed = max(mixed, shortfall)
        if all(is_japanese_letter(glyph.char) or not glyph.char.isascii() for glyph in line.glyphs):
            pure = max(pure, shortfall)
    return pure, mixed
