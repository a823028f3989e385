"""The typography table of issue 11: communique against a Typst twin, per layout, measured from the PDFs.

For the seed (seeds/tokyo-helsinki-2023.yaml) and a realistic stress text
(tests/data/composition-stress.yaml),
builds each layout (sequential, parallel, interleaved) with communique, in process and timed, and compiles a
Typst twin of the same text with the same font files (system fonts off), page (A4), body size (10.5 pt),
line heights and columns, all measured from communique's PDF of that layout. Both PDFs are then read back
by glyph geometry (pypdfium2) and by four text extractors, and one markdown table per document is printed.

Usage: .venv/bin/python bench/measure_typography.py [--details] [--out DIR]
  --details  also print the columns and line heights measured, the Japanese lines not ending flush, where
             the narrowest and widest gaps are, and where each extractor's copy of a paragraph differs
  --out DIR  keep the PDFs there (default: a temporary folder); they are rebuilt on every run

Lines are assigned to the data's paragraphs by their text (spaces dropped; a line-end hyphen the text does
not have is a hyphenation), so titles, closings, signatures and footers never count, a line's language is
that of its paragraph (a Japanese line holding a long URL is mostly Latin) and a paragraph's last line is
known. Columns are found by x position (the parallel layout: either side of the page's centre), never by
page labels. Figures go to issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pdftools import Glyph, lines_of, page_glyphs, page_sizes  # noqa: E402
from typography import BODY_SIZE, EXTRACTORS, extracted_text, space_after  # noqa: E402

from communique.jlreq import is_japanese_letter  # noqa: E402
from communique.options import BuildOptions  # noqa: E402
from communique.pipeline import build  # noqa: E402
from communique.project import BuildContext, Project  # noqa: E402

DOCUMENTS = {
    "seed": ROOT / "seeds/tokyo-helsinki-2023.yaml",
    "stress": ROOT / "tests/data/composition-stress.yaml",
}
LAYOUTS = ("sequential", "parallel", "interleaved")
FONTS = ROOT / "src/communique/data/fonts"
EM = BODY_SIZE  # points: the body size, the unit of every measurement
FLUSH = 0.05  # em: a full line ending this close to the column's right edge ends flush
HYPHENS = "-\u00ad\u2010\ufffe"
"""A line-end hyphen as pdfium reports it: hyphen-minus, soft hyphen, hyphen, U+FFFE (a soft hyphen)."""
POINTS_PER_MM = 72 / 25.4
A4_WIDTH = 210 * POINTS_PER_MM
TYPST_FONTS = {"ja": ("Noto Serif CJK JP", "Noto Serif"), "en": ("Noto Serif", "Noto Serif CJK JP")}
"""The font stacks communique's font CSS gives the two languages, by the Typst names of the same files."""
PARAGRAPH_GAP_MM = {"sequential": 3.3, "parallel": 3.5, "interleaved": 2.0}
"""Space between paragraphs (the layouts' CSS: 0.9 em, 3.5 mm, 2 mm within a pair)."""
_FOOTER = re.compile(r"^[ \t]*\d+[ \t]*/[ \t]*\d+[ \t]*$", re.MULTILINE)
_LINE_BREAKS = re.compile(r"[\r\n\f]")


@dataclass(frozen=True)
class Paragraph:
    """One body paragraph of the data, as compared with the glyphs of the PDF."""

    lang: str
    text: str
    compact: str
    """The text without whitespace, as the glyphs draw it."""
    spaced: frozenset[int]
    """Indices into `compact` of characters that follow whitespace in the text (word boundaries)."""


@dataclass(frozen=True)
class Line:
    """A visual line of a body paragraph: its glyphs and where they are in the paragraph's text."""

    lang: str
    paragraph: Paragraph
    start: int
    """Index into the paragraph's `compact` text of the first glyph."""
    glyphs: tuple[Glyph, ...]
    last: bool
    """The paragraph's last line (not a full line)."""
    page: int

    @property
    def hyphenated(self) -> bool:
        """Whether the line ends in a hyphen (a hyphenation, or a break after a hyphen of the text)."""
        return not self.last and self.glyphs[-1].char in HYPHENS


@dataclass(frozen=True)
class Column:
    """The horizontal extent of a language's text, in points from the page's left edge."""

    left: float
    right: float


@dataclass(frozen=True)
class Geometry:
    """What the Typst twin copies from communique's PDF: each language's column and line height (em)."""

    columns: dict[str, Column]
    line_heights: dict[str, float]

    def __str__(self) -> str:
        return "; ".join(
            f"{lang} column {column.left:.2f}–{column.right:.2f} pt, line height {self.line_heights[lang]} em"
            for lang, column in self.columns.items()
        )


def paragraphs(data: dict[str, object]) -> dict[str, list[Paragraph]]:
    """The body paragraphs of the data, per language."""
    found: dict[str, list[Paragraph]] = {}
    for block in data["body"]:  # type: ignore[attr-defined]
        for lang, text in block.items():
            if isinstance(text, str):
                compact, spaced, space = "", set(), False
                for char in text:
                    if char.isspace():
                        space = True
                        continue
                    if space and compact:
                        spaced.add(len(compact))
                    compact, space = compact + char, False
                found.setdefault(lang, []).append(Paragraph(lang, text, compact, frozenset(spaced)))
    return found


def _matched(text: str, paragraph: Paragraph, cursor: int) -> int | None:
    """How many characters of the paragraph, from `cursor`, a line drawing `text` covers; None if it is
    not the paragraph's next line. A line-end hyphen stands for a hyphen of the text there (pdfium may
    report it as U+FFFE), or else is a hyphenation."""
    if text[-1] in HYPHENS and paragraph.compact.startswith(text[:-1], cursor):
        end = cursor + len(text) - 1
        return (
            len(text) if end < len(paragraph.compact) and paragraph.compact[end] in HYPHENS else len(text) - 1
        )
    return len(text) if paragraph.compact.startswith(text, cursor) else None


def body_lines(pdf: Path, data: dict[str, list[Paragraph]], columns: int) -> list[Line]:
    """The lines of the PDF that draw the data's body paragraphs, column by column in reading order.

    Only lines set wholly at the body size (the most common glyph size) count. Each language's paragraphs
    are followed in data order: a line is the next line of the paragraph in progress, or the first of the
    next one; other lines (titles, closings, signatures, footers) are left out. A paragraph not found
    to its end is reported on stderr.
    """
    pages = page_glyphs(pdf)
    body_size = Counter(glyph.size for glyphs in pages for glyph in glyphs).most_common(1)[0][0]
    widths = [width for width, _ in page_sizes(pdf)]
    streams: list[list[tuple[int, list[Glyph]]]] = [[] for _ in range(columns)]
    for number, (glyphs, width) in enumerate(zip(pages, widths, strict=True)):
        for column, stream in enumerate(streams):
            own = [g for g in glyphs if columns == 1 or ((g.left + g.right) / 2 > width / 2) == bool(column)]
            lines = [line for line in lines_of(own) if all(glyph.size == body_size for glyph in line)]
            stream.extend((number, line) for line in sorted(lines, key=lambda line: (-line[0].y, line[0].x)))
    progress = dict.fromkeys(data, (0, 0))  # per language: (paragraph in progress, characters matched)
    found = []
    for stream in streams:
        for page, glyphs in stream:
            text = "".join(glyph.char for glyph in glyphs)
            for lang, (index, cursor) in progress.items():
                if index >= len(data[lang]):
                    continue
                paragraph = data[lang][index]
                length = _matched(text, paragraph, cursor)
                if length is None:
                    continue
                last = cursor + length == len(paragraph.compact)
                progress[lang] = (index + 1, 0) if last else (index, cursor + length)
                found.append(Line(lang, paragraph, cursor, tuple(glyphs), last, page))
                break
    for lang, (index, _) in progress.items():
        if index < len(data[lang]):
            print(f"warning: {pdf.name}: {lang} paragraph {index + 1} not found to its end", file=sys.stderr)
    return found


def measured_geometry(lines: list[Line], layout: str) -> Geometry:
    """Each language's column and line height (em), as communique set them.

    The left edge is the median start of the lines after a paragraph's first (an opening bracket that
    starts a line is set half-width, further left). The right edge is the median end of the full lines
    within FLUSH of the furthest end that two of them reach, so that one overflowing line does not widen
    the column; lines ending in a full-width punctuation mark are left out (Typst trims it, see
    `shortfall`). In the parallel layout the English column is as wide as the Japanese (communique's table
    has equal columns) and starts where its lines start: set ragged right, its lines tell nothing of its
    right edge. The line height is the median baseline step within a paragraph.
    """
    columns, heights = {}, {}
    for lang in dict.fromkeys(line.lang for line in lines):
        own = [line for line in lines if line.lang == lang]
        starts = [line.glyphs[0].left for line in own if line.start > 0] or [
            line.glyphs[0].left for line in own
        ]
        ends = [line.glyphs[-1] for line in own if not line.last] or [line.glyphs[-1] for line in own]
        plain = [glyph.right for glyph in ends if not _is_wide_punctuation(glyph.char)]
        rights = sorted(plain or [glyph.right for glyph in ends], reverse=True)
        top = next((r for r, below in itertools.pairwise(rights) if r - below <= FLUSH * EM), rights[0])
        right = statistics.median(r for r in rights if top - r <= FLUSH * EM)
        columns[lang] = Column(statistics.median(starts), right)
        steps = [
            (line.glyphs[0].y - following.glyphs[0].y) / EM
            for line, following in itertools.pairwise(own)
            if following.paragraph is line.paragraph and following.page == line.page
        ]
        heights[lang] = round(statistics.median(steps), 3) if steps else 1.5
    if layout == "parallel" and {"ja", "en"} <= columns.keys():
        japanese, english = columns["ja"], columns["en"]
        columns["en"] = Column(english.left, english.left + japanese.right - japanese.left)
    return Geometry(columns, heights)


def _is_wide_punctuation(char: str) -> bool:
    """A full-width punctuation mark (、。「」（）・ ...)."""
    return unicodedata.east_asian_width(char) in "WF" and unicodedata.category(char).startswith("P")


def _pairs(line: Line) -> Iterable[tuple[Glyph, Glyph, bool]]:
    """Neighbouring glyphs of a line: (left, right, whether the text has whitespace between them)."""
    for offset, (left, right) in enumerate(itertools.pairwise(line.glyphs)):
        yield left, right, line.start + offset + 1 in line.paragraph.spaced


def shortfall(line: Line, edge: float) -> float:
    """How far (em) a line ends short of the column's right edge; negative when it reaches past it.

    A line ending in a full-width punctuation mark whose em box reaches at most half an em past the edge
    ends flush: Typst sets line-end punctuation narrower by positioning alone, which the PDF does not
    record (pdfium's box is the font's full advance).
    """
    last = line.glyphs[-1]
    over = float(last.right - edge) / EM
    if FLUSH < over <= 0.5 + FLUSH and _is_wide_punctuation(last.char):
        return 0.0
    return -over


def extracted(pdf: Path) -> dict[str, str]:
    """The PDF's text as each extractor gives it, page footers ('1 / 2') and line breaks removed."""
    return {name: _LINE_BREAKS.sub("", _FOOTER.sub("", extracted_text(pdf, name))) for name in EXTRACTORS}


def difference(paragraph: str, text: str) -> str:
    """Where `text` stops holding the paragraph: the paragraph's characters there and the text's."""
    low, high = 0, len(paragraph)
    while low < high:  # the longest prefix of the paragraph found in the text
        middle = (low + high + 1) // 2
        low, high = (middle, high) if paragraph[:middle] in text else (low, middle - 1)
    at = text.find(paragraph[:low]) + low if low else 0
    return f"expected {paragraph[max(0, low - 8) : low + 8]!r}, got {text[max(0, at - 8) : at + 8]!r}"


def _context(line: Line, index: int) -> str:
    """The characters of a line around glyph `index`, for --details."""
    return "".join(glyph.char for glyph in line.glyphs[max(0, index - 6) : index + 7])


Measured = tuple[float, Line, int]
"""A gap (em), the line it is on and the index of the glyph before it."""


def _range(label: str, found: list[Measured], notes: list[str]) -> tuple[float, float] | None:
    """The least and greatest of the gaps `found` (None if there are none), each noted with its place."""
    if not found:
        return None
    low, high = min(found, key=lambda item: item[0]), max(found, key=lambda item: item[0])
    notes += [
        f"{label} {which} {value:.3f} em: {_context(line, index)}"
        for which, (value, line, index) in (("min", low), ("max", high))
    ]
    return low[0], high[0]


def measure(
    pdf: Path, lines: list[Line], data: dict[str, list[Paragraph]], geometry: Geometry
) -> tuple[dict[str, str], list[str]]:
    """The table's figures for one PDF, and what lies behind them (for --details)."""
    japanese = [line for line in lines if line.lang == "ja"]
    english = [line for line in lines if line.lang == "en"]
    edge = geometry.columns["ja"].right
    full = [(shortfall(line, edge), line) for line in japanese if not line.last]
    flush = sum(abs(value) <= FLUSH for value, _ in full)
    past = sum(value < -FLUSH for value, _ in full)
    notes = [
        f"JA line {'short' if value > 0 else 'past the edge'} by {abs(value):.2f} em: "
        f"…{_context(line, len(line.glyphs) - 1)}"
        for value, line in full
        if abs(value) > FLUSH
    ]
    gaps = [
        (space_after(left, right), line, index)
        for line in japanese
        for index, (left, right, spaced) in enumerate(_pairs(line))
        if not spaced
        and (
            (is_japanese_letter(left.char) and right.char.isascii() and right.char.isalnum())
            or (left.char.isascii() and left.char.isalnum() and is_japanese_letter(right.char))
        )
    ]
    spaces = [
        ((right.left - left.right) / EM, line, index)
        for line in english
        for index, (left, right, spaced) in enumerate(_pairs(line))
        if spaced
    ]
    gap_range, space_range = _range("JA-Latin gap", gaps, notes), _range("EN word space", spaces, notes)
    run = longest = hyphenated = 0
    for line in english:
        run = run + 1 if line.hyphenated else 0
        longest, hyphenated = max(longest, run), hyphenated + line.hyphenated
    figures = {
        "JA full lines ending flush": f"{flush} of {len(full)}"
        + (f" ({past} past the edge)" if past else ""),
        "JA largest shortfall": f"{max(0.0, *(value for value, _ in full)):.2f} em",
        "JA–Latin/digit gap": f"{gap_range[0]:.2f}–{gap_range[1]:.2f} em" if gap_range else "none",
    }
    texts = extracted(pdf)
    for name in EXTRACTORS:
        exact = [paragraph.text in texts[name] for paragraph in data["ja"]]
        figures[f"copy exact, JA: {name}"] = f"{sum(exact)}/{len(exact)}"
        notes += [
            f"{name} copies JA paragraph {number} inexactly: {difference(paragraph.text, texts[name])}"
            for number, (paragraph, ok) in enumerate(zip(data["ja"], exact, strict=True), 1)
            if not ok
        ]
    figures["EN widest word space"] = f"{space_range[1]:.2f} em" if space_range else "none"
    figures["EN hyphenated lines in a row (max)"] = f"{longest} (of {hyphenated})"
    figures["pages"] = str(len(pypdf.PdfReader(pdf).pages))
    return figures, notes


def _string(text: str) -> str:
    """A Typst string literal: set as plain text, no markup, no smart quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lines(text: str) -> str:
    """Typst code for text whose line breaks are kept (titles, offices)."""
    return "(" + ", ".join(_string(line) for line in text.splitlines()) + ",).join(linebreak())"


def _fonts(lang: str) -> str:
    """The Typst array of the font families a language is set in."""
    return "(" + ", ".join(_string(font) for font in TYPST_FONTS.get(lang, TYPST_FONTS["en"])) + ")"


def typst_source(data: dict[str, object], layout: str, geometry: Geometry) -> bytes:
    """The Typst twin: titles, body paragraphs, closings and signatories, set like communique's layout.

    Japanese: text(lang: "ja"), justified; English: text(lang: "en", region: "US"), justified and
    hyphenated. The line boxes are one em high, so that the leading sets communique's line height. The
    columns are communique's: one column per version page (sequential), the two versions in a grid of two
    columns (parallel), the paragraphs of the two languages alternating in one column (interleaved).
    """
    langs: list[str] = data["languages"]  # type: ignore[assignment]
    columns, heights = geometry.columns, geometry.line_heights
    date: datetime.date = data["date"]  # type: ignore[assignment]
    place: dict[str, str] = data["place"]  # type: ignore[assignment]
    closings = {
        "ja": f"{date.year}年{date.month}月{date.day}日",
        "en": f"Signed in {place['en']} on {date:%B} {date.day}, {date.year}",
    }
    gap = PARAGRAPH_GAP_MM[layout]
    head = [
        '#set page(paper: "a4", margin: (y: 25mm), footer: context align(center, '
        'text(size: 9pt, counter(page).display("1 / 1", both: true))))',
        f"#set text(size: 10.5pt, top-edge: 0.8em, bottom-edge: -0.2em, font: {_fonts('en')})",
        f"#set par(spacing: {gap}mm)",
    ]
    for lang in langs:
        language = 'lang: "ja"' if lang == "ja" else f'lang: "{lang}", region: "US", hyphenate: true'
        indent = "(amount: 1em, all: true)" if lang == "ja" else "0pt"
        head.append(
            f"#let {lang}(body) = {{ set text({language}, font: {_fonts(lang)}); "
            f"set par(justify: true, leading: {heights.get(lang, 1.5) - 1:.3f}em, "
            f"first-line-indent: {indent}); "
            "body }"
        )

    def title(lang: str) -> str:
        text: str = data["title"][lang]  # type: ignore[index]
        size = 14 if layout != "parallel" else 12
        return f'{lang}(align(center, text(size: {size}pt, weight: "bold", {_lines(text)})))'

    def body(lang: str, index: int) -> str:
        text = data["body"][index][lang]  # type: ignore[index]
        return f"{lang}(par({_string(text)}))"

    def ending(lang: str, width: str) -> str:
        signatories = [
            f"{lang}({_lines(signatory['title'][lang])} + linebreak() + {_lines(signatory['name'][lang])})"
            for party in data["parties"]  # type: ignore[attr-defined]
            for signatory in party["signatories"]
        ]
        align = "right" if lang == "ja" else "left"
        return (
            f"#v(10mm)\n#{lang}(align({align}, {_string(closings[lang])}))\n#v(14mm)\n"
            f"#grid(columns: {width}, gutter: 12mm, align: center, {', '.join(signatories)})"
        )

    count = len(data["body"])  # type: ignore[arg-type]
    parts = head
    if layout == "sequential":
        for lang in langs:
            column = columns[lang]
            parts.append(
                f"#page(margin: (left: {column.left:.2f}pt, right: {A4_WIDTH - column.right:.2f}pt))["
            )
            parts += [f"#{title(lang)}", "#v(8mm)", *(f"#{body(lang, index)}" for index in range(count))]
            parts += [ending(lang, "(1fr, 1fr)"), "]"]
    elif layout == "parallel":
        first, second = (columns[lang] for lang in langs)
        parts.append(f"#set page(margin: (left: {first.left:.2f}pt, right: {A4_WIDTH - second.right:.2f}pt))")
        cells = [title(lang) for lang in langs]
        cells += [body(lang, index) for index in range(count) for lang in langs]
        parts.append(
            f"#grid(columns: ({first.right - first.left:.2f}pt, {second.right - second.left:.2f}pt), "
            f"column-gutter: {second.left - first.right:.2f}pt, row-gutter: {gap}mm, {', '.join(cells)})"
        )
        parts.append(
            f"#grid(columns: ({first.right - first.left:.2f}pt, {second.right - second.left:.2f}pt), "
            f"column-gutter: {second.left - first.right:.2f}pt, "
            + ", ".join(f"[{ending(lang, '(1fr,)')}]" for lang in langs)
            + ")"
        )
    else:
        left = min(columns[lang].left for lang in langs)
        right = max(columns[lang].right for lang in langs)
        parts.append(f"#set page(margin: (left: {left:.2f}pt, right: {A4_WIDTH - right:.2f}pt))")
        parts += [f"#{title(lang)}\n#v(4mm)" for lang in langs]
        for index in range(count):
            parts += [f"#{body(lang, index)}" for lang in langs]
            parts.append("#v(3mm)")
        parts += [ending(lang, "(1fr, 1fr)") for lang in langs]
    return "\n".join(parts).encode()


def typst_compiler() -> Callable[[bytes], bytes]:
    """Compile Typst source to PDF with the bundled font files only."""
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONTS)])
    compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)

    def compile_pdf(source: bytes) -> bytes:
        pdf = compiler.compile(input=source)
        assert isinstance(pdf, bytes)  # one PDF, not one image per page
        return pdf

    return compile_pdf


def run(out: Path, details: bool) -> None:
    """Build, compile, measure and print the tables."""
    compile_pdf = typst_compiler()
    seed = DOCUMENTS["seed"]
    build(seed, out / "warm-up", BuildContext(Project.discover(seed)))  # imports and caches: not timed
    tables: dict[str, dict[str, dict[str, str]]] = {}
    notes: list[str] = []
    for name, source in DOCUMENTS.items():
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
        data = paragraphs(raw)
        for layout in LAYOUTS:
            columns = 2 if layout == "parallel" else 1
            folder = out / name / layout
            context = BuildContext(Project.discover(source), BuildOptions(layout=layout))
            start = time.perf_counter()
            ours = build(source, folder, context).output
            seconds = {"communique": time.perf_counter() - start}
            lines = {"communique": body_lines(ours, data, columns)}
            geometry = measured_geometry(lines["communique"], layout)
            notes.append(f"- {name}, {layout}, communique: {geometry}")
            twin = folder / f"{source.stem}.typst.pdf"
            start = time.perf_counter()
            twin.write_bytes(compile_pdf(typst_source(raw, layout, geometry)))
            seconds["Typst"] = time.perf_counter() - start
            lines["Typst"] = body_lines(twin, data, columns)
            notes.append(f"- {name}, {layout}, Typst: {measured_geometry(lines['Typst'], layout)}")
            for engine, pdf in (("communique", ours), ("Typst", twin)):
                figures, found = measure(pdf, lines[engine], data, geometry)
                figures["build time"] = f"{seconds[engine]:.2f} s"
                tables.setdefault(name, {})[f"{layout} {engine}"] = figures
                notes += [f"- {name}, {layout}, {engine}: {note}" for note in found]
    for name, table in tables.items():
        print(f"\n### {name}: {DOCUMENTS[name].relative_to(ROOT)}\n")
        print("| metric | " + " | ".join(table) + " |")
        print("|---|" + "---|" * len(table))
        for metric in next(iter(table.values())):
            print(f"| {metric} | " + " | ".join(figures[metric] for figures in table.values()) + " |")
    if details and notes:
        print("\nDetails:\n")
        print("\n".join(notes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print what lies behind the figures")
    parser.add_argument("--out", type=Path, help="keep the PDFs in this folder (rebuilt on every run)")
    args = parser.parse_args()
    if args.out:
        run(args.out.resolve(), args.details)
    else:
        with tempfile.TemporaryDirectory() as out:
            run(Path(out), args.details)


if __name__ == "__main__":
    main()
