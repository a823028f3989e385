"""Justified English word spaces and letter gaps (issue 20) of any data file, per layout, read from the PDF.

Builds the data file (the 54-page treaty by default) in each layout asked for and reads its English body
lines back by glyph geometry (measure_typography's `body_lines`: lines assigned to the data's paragraphs by
their text, a paragraph's label before its first line). A word space is the gap between the glyph boxes
either side of a space of the text; a letter gap is the gap between two neighbouring glyphs of one word
(kerning and any tracking: the font's own advances are the boxes). A paragraph's last line, set ragged,
does not count.

Usage: .venv/bin/python bench/measure_word_spaces.py [DATA ...] [--layouts L ...] [--details] [--untracked]
                                                     [--out DIR]
  --details    also list the lines with a word space over the limit and the tracked lines (page, text)
  --untracked  build without tracking (justify.TRACKING_EM = 0): the lines as line breaking alone sets them
Figures go to issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from measure_typography import EM, ROOT, Line, Paragraph, _pairs, body_lines, paragraphs

from communique.conventions import primary
from communique.engine import justify
from communique.loader import load
from communique.options import BuildOptions
from communique.pipeline import build
from communique.project import BuildContext, Project
from communique.typeset import typeset

TREATY = ROOT / "seeds/partnership-treaty-long.yaml"
LIMIT = 0.6
"""em: issue 20's widest justified word space."""
TRACKED = 0.005
"""em: a letter gap wider than this is taken for tracking (Noto Serif kerns no pair of letters apart)."""
BODY_KINDS = frozenset({"paragraph", "preamble", "clause", "item"})
"""Blocks set as body paragraphs (not headings or article captions)."""


@dataclass(frozen=True)
class Figures:
    """What one PDF's justified English lines measure."""

    lines: int
    widest_space: float
    over_limit: list[tuple[float, Line]]
    """Word spaces over LIMIT (em) and their lines."""
    widest_letter_gap: float
    tracked: list[tuple[float, Line]]
    """Lines with a letter gap over TRACKED: their widest letter gap (em)."""

    @property
    def at_the_limit(self) -> int:
        """Tracked lines whose letters took all they may (TRACKING_EM): their spaces took the rest."""
        return sum(gap >= justify.TRACKING_EM - 0.001 for gap, _ in self.tracked)


def english_paragraphs(source: Path) -> tuple[dict[str, list[Paragraph]], dict[str, int]]:
    """The body paragraphs of the data's English version, each with its label (1., (a)) before it, as the
    lines draw them (the label joined to the text), and the length of each paragraph's label, by its
    compact text (the gap after a label is neither a word space nor a letter gap)."""
    version = next(version for version in typeset(load(source)).versions if primary(version.lang) == "en")
    units = [
        ("".join(block.label.text.split()) if block.label and number == 0 else "", paragraph.text)
        for block in version.blocks
        if block.kind in BODY_KINDS
        for number, paragraph in enumerate(block.paragraphs)
    ]
    found = paragraphs({"body": [{version.lang: label + text} for label, text in units]})
    labels = {
        paragraph.compact: len(label)
        for paragraph, (label, _) in zip(found[version.lang], units, strict=True)
    }
    return found, labels


def measured(pdf: Path, source: Path, layout: str) -> Figures:
    """The word spaces and letter gaps of the full (justified) English lines of `pdf`."""
    data, labels = english_paragraphs(source)
    lines = [line for line in body_lines(pdf, data, 2 if layout == "parallel" else 1) if not line.last]
    spaces: list[tuple[float, Line]] = []
    tracked: list[tuple[float, Line]] = []
    widest_letter_gap = 0.0
    for line in lines:
        letter_gaps = [0.0]
        label = labels[line.paragraph.compact]
        for offset, (left, right, spaced) in enumerate(_pairs(line)):
            gap = (right.left - left.right) / EM
            if spaced:
                spaces.append((gap, line))
            elif line.start + offset + 1 != label:
                letter_gaps.append(gap)
        widest_letter_gap = max(widest_letter_gap, *letter_gaps)
        if max(letter_gaps) > TRACKED:
            tracked.append((max(letter_gaps), line))
    return Figures(
        len(lines),
        max((gap for gap, _ in spaces), default=0.0),
        sorted(((gap, line) for gap, line in spaces if gap > LIMIT), key=lambda item: -item[0]),
        widest_letter_gap,
        tracked,
    )


def _text(line: Line) -> str:
    return "".join(glyph.char for glyph in line.glyphs)


def run(sources: list[Path], layouts: list[str], out: Path, details: bool) -> None:
    """Build, measure and print one row per data file and layout."""
    print(
        "| data | layout | justified lines | widest word space | spaces over 0.6 em (lines) "
        "| widest letter gap | tracked lines (at the limit) |"
    )
    print("|---|---|---|---|---|---|---|")
    notes: list[str] = []
    for source in sources:
        for layout in layouts:
            context = BuildContext(Project.discover(source), BuildOptions(layout=layout))
            pdf = build(source, out / source.stem / layout, context).output
            figures = measured(pdf, source, layout)
            over_lines = len({id(line) for _, line in figures.over_limit})
            print(
                f"| {source.name} | {layout} | {figures.lines} | {figures.widest_space:.3f} em "
                f"| {len(figures.over_limit)} ({over_lines}) | {figures.widest_letter_gap:.3f} em "
                f"| {len(figures.tracked)} ({figures.at_the_limit}) |"
            )
            widest = {id(line): (gap, line) for gap, line in reversed(figures.over_limit)}
            notes += [
                f"- {source.stem}, {layout}: word space {gap:.3f} em, page {line.page + 1}: {_text(line)}"
                for gap, line in widest.values()
            ]
            notes += [
                f"- {source.stem}, {layout}: tracked {gap:.3f} em, page {line.page + 1}: {_text(line)}"
                for gap, line in figures.tracked
            ]
    if details and notes:
        print("\nDetails:\n")
        print("\n".join(notes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "data", nargs="*", type=Path, default=[TREATY], help="data files (default: the treaty)"
    )
    parser.add_argument(
        "--layouts", nargs="+", default=["sequential", "interleaved"], help="layouts to build"
    )
    parser.add_argument("--details", action="store_true", help="list the lines behind the figures")
    parser.add_argument("--untracked", action="store_true", help="build without tracking (for before/after)")
    parser.add_argument("--out", type=Path, help="keep the PDFs in this folder (rebuilt on every run)")
    args = parser.parse_args()
    if args.untracked:
        justify.TRACKING_EM = 0.0
    sources = [path.resolve() for path in args.data]
    if args.out:
        run(sources, args.layouts, args.out.resolve(), args.details)
    else:
        with tempfile.TemporaryDirectory() as out:
            run(sources, args.layouts, Path(out), args.details)


if __name__ == "__main__":
    main()
