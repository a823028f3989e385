"""The gallery of instruments: every seed (seeds/*.yaml, new ones included as they come) and every
language seed (seeds/languages/*.yaml), built once in each of the three layouts and read back from the
PDF: every block of every version there once and in order, the signature blocks in each version's order
with their offices' line breaks, and every page read for what a protocol officer would refuse to sign:
glyphs drawn over others, a page of titles, signatures or witnesses alone (the build's own page check
and a reading of the glyphs), text out of its column, a line starting or ending against the line-edge
rules, a hyphenated word keeping fewer than three letters on a side, a person's name broken across
lines."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import pytest
from conftest import LAYOUT_NAMES, ROOT, SharedBuild
from pdftools import (
    Glyph,
    compact,
    line_text,
    page_collisions,
    page_glyphs,
    page_texts,
    reading_order,
    text_lines,
)

from communique.loader import load
from communique.model import BuildResult, SignatureBlock, TypesetDocument, TypesetInstrument, Version
from communique.project import DEFAULT_LAYOUT
from communique.typeset import LONGEST_KEPT_NAME, typeset

SEEDS = sorted((ROOT / "seeds").glob("*.yaml"))
OVERFLOW = ("past its column", "outside the page's text area")
ONCE_MINIMUM = 20
"""Characters (compacted) from which a block's text is distinctive enough to be counted."""


@dataclass(frozen=True)
class Needle:
    """A piece of text expected in the PDF: `text` compacted; a `line` must be whole visual lines."""

    text: str
    what: str
    """What it is, for messages: 'ja block 12 (clause)', 'en signature 2 line 3'."""
    line: bool = False
    signature: bool = False


@dataclass
class Stream:
    """The text of a column of the PDF (all pages), compacted, with where its visual lines start and end."""

    text: str = ""
    starts: set[int] = field(default_factory=set)
    ends: set[int] = field(default_factory=set)
    pages: list[int] = field(default_factory=list)
    """The page (from 1) of every character of `text`."""

    def add(self, line: list[Glyph], page: int) -> None:
        text = line_text(line)
        if text.endswith("\u2010"):  # the hyphen WeasyPrint adds where it hyphenates a word
            text = text[:-1]
        text = compact(text.replace("\ufffe", "-"))  # pdfium's name for a hyphen-minus at a line end
        if text:
            self.starts.add(len(self.text))
            self.text += text
            self.ends.add(len(self.text))
            self.pages.extend([page] * len(text))

    def find(self, needle: Needle, start: int) -> int:
        """Where `needle` first occurs from `start` (as whole lines where it must), or -1."""
        found = self.text.find(needle.text, start)
        while (
            needle.line
            and found >= 0
            and not (found in self.starts and found + len(needle.text) in self.ends)
        ):
            found = self.text.find(needle.text, found + 1)
        return found

    def page_at(self, position: int) -> int:
        return self.pages[min(position, len(self.pages) - 1)] if self.pages else 0


@dataclass(frozen=True)
class Built:
    """A seed built in one layout, read back."""

    source: Path
    layout: str
    result: BuildResult
    document: TypesetDocument
    columns: int
    pages: list[list[list[list[Glyph]]]]
    """Per page, per column: the visual lines (footer left out)."""

    @property
    def name(self) -> str:
        return f"{self.source.name} ({self.layout})"

    @cached_property
    def streams(self) -> list[Stream]:
        """One stream per column: the parallel layout's columns, or the whole text in reading order."""
        streams = [Stream() for _ in range(self.columns)]
        for number, page in enumerate(self.pages, start=1):
            for stream, lines in zip(streams, page, strict=True):
                for line in reading_order(lines):
                    stream.add(line, number)
        return streams


@pytest.fixture(scope="module")
def gallery(shared_build: SharedBuild) -> Callable[..., Built]:
    """Build a seed in a layout (its own by default) once for the module, and read it back."""
    built: dict[tuple[Path, str], Built] = {}
    typeset_once = cache(lambda source: typeset(load(source)))

    def get(source: Path, layout: str | None = None) -> Built:
        document: TypesetDocument = typeset_once(source)
        layout = layout or document.communique.layout or DEFAULT_LAYOUT
        if (source, layout) not in built:
            result = shared_build(source, layout, document.communique.paper or "A4")
            columns = len(document.communique.languages) if layout == "parallel" else 1
            lines = text_lines(result.output, columns)
            built[source, layout] = Built(source, layout, result, document, columns, lines)
        return built[source, layout]

    return get


# What each layout prints, in order: per stream (column), the needles.


def _needle(text: str, what: str, line: bool = False, signature: bool = False) -> Needle | None:
    text = compact(text)
    return Needle(text, what, line, signature) if text else None


def _title(version: Version) -> Iterator[Needle | None]:
    for number, line in enumerate(version.title_lines, start=1):
        yield _needle(line.text, f"{version.lang} title line {number}")
    if version.pending_notice:
        yield _needle(version.pending_notice.text, f"{version.lang} pending notice under the title")
    if version.closing and version.closing_position == "top":
        yield _needle(version.closing.text, f"{version.lang} date line under the title")


def _block(version: Version, index: int) -> Needle | None:
    block = version.blocks[index]
    label = block.label.text if block.label else ""
    text = label + "".join(paragraph.text for paragraph in block.paragraphs)
    return _needle(text, f"{version.lang} block {index + 1} ({block.kind})")


def _closing(version: Version) -> Iterator[Needle | None]:
    if version.closing and version.closing_position == "end":
        yield _needle(version.closing.text, f"{version.lang} closing line")


def _signature(version: Version, block: SignatureBlock, what: str) -> Iterator[Needle | None]:
    """Every line of the block as whole visual lines: an office of several lines keeps its line breaks."""
    for number, line in enumerate(block.lines, start=1):
        for part, text in enumerate(line.split("\n"), start=1):
            piece = f" part {part}" if "\n" in line else ""
            yield _needle(text, f"{version.lang} {what} {block.signer} line {number}{piece}", True, True)


def _witness_label(version: Version) -> Iterator[Needle | None]:
    if version.witnesses and version.witness_label:
        yield _needle(version.witness_label.text, f"{version.lang} witness label", signature=True)


def _version_needles(version: Version, layout: str) -> Iterator[Needle | None]:
    """A version set in full (sequential), or its column (parallel)."""
    yield from _title(version)
    for index, block in enumerate(version.blocks):
        # The sequential layout prints one notice for a run of blocks a pending version leaves out.
        if layout == "sequential" and block.pending and index and version.blocks[index - 1].pending:
            continue
        yield _block(version, index)
    yield from _closing(version)
    for signed in version.signatures:
        yield from _signature(version, signed, "signature")
    yield from _witness_label(version)
    for witness in version.witnesses:
        yield from _signature(version, witness, "witness")


def _interleaved_needles(instrument: TypesetInstrument) -> Iterator[Needle | None]:
    """Titles together, each block in every language, closings and signature sets, witnesses."""
    versions = instrument.versions
    for version in versions:
        yield from _title(version)
    for index in range(len(versions[0].blocks)):
        for version in versions:
            yield _block(version, index)
    sets = instrument.signature_orders()
    if not (sets and sets[0].lang):  # bilingual blocks: every closing line first
        for version in versions:
            yield from _closing(version)
    for order in sets:  # the alternat: each version's closing line with its own blocks
        yield from (_closing(next(v for v in versions if v.lang == order.lang)) if order.lang else ())
        for entries in order.rows:
            for version, block in entries:
                yield from _signature(version, block, "signature")
    rows = instrument.witness_rows()
    if rows:
        for version in versions:
            yield from _witness_label(version)
        for entries in rows:
            for version, block in entries:
                yield from _signature(version, block, "witness")


def expected(built: Built) -> list[list[Needle]]:
    """Per stream of `built`, what it must show, in order."""
    streams: list[list[Needle | None]] = [[] for _ in range(built.columns)]
    for instrument in built.document.instruments:
        if built.layout == "parallel":
            for column, version in enumerate(instrument.versions):
                streams[column].extend(_version_needles(version, built.layout))
        elif built.layout == "interleaved":
            streams[0].extend(_interleaved_needles(instrument))
        else:
            for version in instrument.versions:
                streams[0].extend(_version_needles(version, built.layout))
    return [[needle for needle in stream if needle] for stream in streams]


def _in_order(built: Built, signatures: bool) -> list[str]:
    """Problems with the needles (signature lines too, or not) found in order in each stream."""
    problems = []
    for column, (stream, needles) in enumerate(zip(built.streams, expected(built), strict=True)):
        position = 0
        for needle in needles:
            if needle.signature and not signatures:
                continue
            found = stream.find(needle, position)
            if found < 0:
                anywhere = stream.find(needle, 0)
                where = (
                    f"found earlier, on page {stream.page_at(anywhere)}"
                    if anywhere >= 0
                    else "not found"
                    + (" as whole lines" if needle.line and needle.text in stream.text else "")
                )
                after = f"after page {stream.page_at(position)}"
                problems.append(f"column {column + 1}: {needle.what} {needle.text[:40]!r} {where} ({after})")
                continue
            position = found + len(needle.text)
    return problems


def check_blocks(built: Built) -> None:
    """Check 1: every block of every version (and titles, pending notices, closings) once and in order."""
    problems = _in_order(built, signatures=False)
    for stream, needles in zip(built.streams, expected(built), strict=True):
        for needle in needles:
            if needle.signature or len(needle.text) < ONCE_MINIMUM:
                continue
            printed = stream.text.count(needle.text)
            wanted = sum(other.text.count(needle.text) for other in needles)
            if printed != wanted:
                problems.append(f"{needle.what} {needle.text[:40]!r} printed {printed} times, not {wanted}")
    assert not problems, f"{built.name}:\n" + "\n".join(problems)


def check_signatures(built: Built) -> None:
    """Checks 2 and 5: the signature blocks in each version's order, after its text, each office line on
    lines of its own (an office of several lines keeps its line breaks)."""
    problems = _in_order(built, signatures=True)
    assert not problems, f"{built.name}:\n" + "\n".join(problems)


def check_collisions(built: Built) -> None:
    """Check 3: no glyph's drawn box overlaps one of another line or column (by more than 0.5 pt²)."""
    problems = []
    for number, page in enumerate(built.pages, start=1):
        for glyph, other, area in page_collisions(page):
            problems.append(
                f"page {number}: {glyph.char!r} at ({glyph.x:.1f}, {glyph.y:.1f}) and {other.char!r} at "
                f"({other.x:.1f}, {other.y:.1f}) overlap by {area:.1f} pt²"
            )
    assert not problems, f"{built.name}:\n" + "\n".join(problems[:20])


def _signature_lines(document: TypesetDocument) -> set[str]:
    """The compacted lines of every signature and witness block and witness label."""
    lines: set[str] = set()
    for version in document.versions:
        for block in (*version.signatures, *version.witnesses):
            lines.update(compact(part) for line in block.lines for part in line.split("\n"))
        if version.witness_label:
            lines.add(compact(version.witness_label.text))
    return {line for line in lines if line}


def check_no_signatures_alone(built: Built) -> None:
    """Check 4: a page with signature blocks on it also has some of the text or a closing line, but for
    the rest of blocks too many for the page before, which holds text and ends with blocks (the build's
    page check judges whether they could have stood on one page)."""
    signature_lines = _signature_lines(built.document)
    problems = []
    continued = False
    for number, page in enumerate(built.pages, start=1):
        texts = [compact(line_text(line)) for lines in page for line in lines]
        texts = [text for text in texts if text]
        # A line of a signature block, or part of one where a long office wraps.
        signed = [text for text in texts if any(text in line for line in signature_lines)]
        if signed and len(signed) == len(texts) and not continued:
            problems.append(f"page {number} holds only signature blocks: {' / '.join(texts)[:200]}")
        continued = bool(texts) and texts[-1] in signed and (len(signed) < len(texts) or continued)
    assert not problems, f"{built.name}:\n" + "\n".join(problems)


NO_LINE_START = set("、。，．：；？！）］｝」』】〕〉》”’·・…‥～")
NO_LINE_END = set("（［｛「『【〔〈《“‘")
"""Punctuation no line may start or end with (JLReq, CLREQ, KLREQ line-edge rules; English alike)."""


def check_line_edges(built: Built) -> None:
    markers = {  # a list item's marker (・ as a bullet) starts its line
        block.label.text.strip()
        for instrument in built.document.instruments
        for version in instrument.versions
        for block in version.blocks
        if block.label
    }
    found = []
    for line in (line for page in built.pages for lines in page for line in lines):
        text = line_text(line)
        starts_wrong = line[0].char in NO_LINE_START and not text.startswith(tuple(markers))
        if starts_wrong or line[-1].char in NO_LINE_END:
            found.append(text[:12])
    assert not found, f"{built.name}: lines starting or ending against the rules: {found}"


def check_no_overflow(built: Built) -> None:
    """No text out of its column or off the page (communique.engine.overflow's warnings)."""
    overflowing = [
        warning for warning in built.result.warnings if any(words in warning for words in OVERFLOW)
    ]
    assert not overflowing, f"{built.name}:\n" + "\n".join(overflowing)


def _column_lines(built: Built) -> list[list[str]]:
    """Per column, the text of every visual line of every page in reading order (spaces dropped)."""
    columns: list[list[str]] = [[] for _ in range(built.columns)]
    for page in built.pages:
        for column, lines in zip(columns, page, strict=True):
            column += [line_text(line) for line in reading_order(lines)]
    return columns


HYPHEN_LIMIT = 3
"""Letters a hyphenated word keeps at least on each side of the line end (hyphenate-limit-chars)."""


def check_hyphen_fragments(built: Built) -> None:
    """No word hyphenated with fewer than HYPHEN_LIMIT letters before or after the break (deep-en,
    prosperi-ty, par-ty)."""
    found = []
    for lines in _column_lines(built):
        for line, following in itertools.pairwise(lines):
            before = re.search(r"(\w+)\u2010$", line)
            after = re.match(r"\w+", following)
            if before and after and min(len(before[1]), len(after[0])) < HYPHEN_LIMIT:
                found.append(f"{before[1]}-{after[0]}")
    assert not found, f"{built.name}: hyphenated with fewer than {HYPHEN_LIMIT} letters: {found}"


def _name_cuts(name: str) -> set[int]:
    """Where, in `name` compacted, one of its parts ends (a word, or up to a middle dot)."""
    parts = re.findall(r"[^ \t\n・·‧･]+[・·‧･]?[ \t\n]*", name)
    return {len(compact(part)) for part in itertools.accumulate(parts)}


def check_names_whole(built: Built) -> None:
    """No person's name broken across lines, in any script (小池百合 / 子, Koike / Yuriko), but for one
    wider than its column (four signature columns), which starts a line and breaks between its parts
    (ガンボルド・ / エンフトゥヤ)."""
    communique = built.document.communique
    names = {name for lang in communique.languages for name in communique.person_names(lang)}
    names = {name for name in names if 1 < len(compact(name)) <= LONGEST_KEPT_NAME}
    found = [
        f"{line[-12:]} / {following[:12]}"
        for lines in _column_lines(built)
        for line, following in itertools.pairwise(lines)
        for name, whole in ((name, compact(name)) for name in names)
        for cut in range(1, len(whole))
        if line.endswith(whole[:cut])
        and following.startswith(whole[cut:])
        and not (line == whole[:cut] and cut in _name_cuts(name))
    ]
    assert not found, f"{built.name}: names broken across lines: {found}"


CLOSING_PUNCTUATION = "）」』】〕〉》］｝、。，．"


def check_no_one_character_lines(built: Built) -> None:
    """No line of one Chinese character or kana, with its closing punctuation or not (締結す / る。): the
    last line of a Japanese or Chinese paragraph takes two at least (JLReq)."""
    found = [
        line
        for lines in _column_lines(built)
        for line in lines
        if len(line.rstrip(CLOSING_PUNCTUATION)) == 1 and unicodedata.east_asian_width(line[0]) == "W"
    ]
    assert not found, f"{built.name}: lines of one character: {found}"


def check_page_findings(built: Built) -> None:
    """The build's page check found nothing: no text over text, no page of titles, of a closing and
    signatures or of a heading alone, no blank page (communique.engine.pagecheck's warnings)."""
    findings = [warning for warning in built.result.warnings if warning.startswith("page ")]
    assert not findings, f"{built.name}:\n" + "\n".join(findings)


PAGE_CHECKS = (
    check_collisions,
    check_no_signatures_alone,
    check_no_overflow,
    check_line_edges,
    check_hyphen_fragments,
    check_names_whole,
    check_no_one_character_lines,
    check_page_findings,
)
"""What every page of every seed is read for, in every layout."""


def _seed_id(path: Path) -> str:
    return path.stem


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize("seed", SEEDS, ids=_seed_id)
def test_every_seed_in_every_layout(gallery: Callable[..., Built], seed: Path, layout: str) -> None:
    """Every gallery seed in every layout: every block of every version once and in order, the signature
    blocks in each version's order, and every page read for what a signing ceremony would refuse: text
    over text, a stranded page, text out of its column, a line-edge fault, a short hyphen fragment, a
    name broken across lines."""
    built = gallery(seed, layout)
    failures = []
    for check in (check_blocks, check_signatures, *PAGE_CHECKS):
        try:
            check(built)
        except AssertionError as error:
            failures.append(f"{check.__name__}: {str(error)[:400]}")
    assert not failures, "\n".join(failures)


LANGUAGE_SEEDS = sorted((ROOT / "seeds" / "languages").glob("*.yaml"))
UNREADABLE_ORDER = {"ar-en"}
"""Seeds whose text cannot be read back in order from the glyphs: Arabic is drawn right to left (its
order is checked by test_arabic_is_set_right_to_left, its words by test_clusters)."""


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize("seed", LANGUAGE_SEEDS, ids=_seed_id)
def test_every_language_seed_in_every_layout(gallery: Callable[..., Built], seed: Path, layout: str) -> None:
    """The language gallery (issue 12): every block in order, signatures in each version's order, no
    collision, no page of signatures alone, nothing out of its column, no line starting or ending with
    punctuation against the line-edge rules, in every layout."""
    built = gallery(seed, layout)
    ordered = (check_blocks, check_signatures) if seed.stem not in UNREADABLE_ORDER else ()
    failures = []
    for check in (*ordered, *PAGE_CHECKS):
        try:
            check(built)
        except AssertionError as error:
            failures.append(f"{check.__name__}: {str(error)[:300]}")
    assert not failures, "\n".join(failures)


THAI_NO_LINE_START = set("ะาำิีึืุู\u0e31\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4cๅ")
THAI_NO_LINE_END = set("เแโใไ")


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_thai_lines_break_between_syllables(gallery: Callable[..., Built], layout: str) -> None:
    """Thai has no spaces between words; Pango breaks it with libthai's dictionary. No line starts with a
    following vowel or tone mark, none ends with a leading vowel (a syllable torn apart). Lines as pdfium
    reads them (the marks sit off the baseline, which glyph rows by baseline would split)."""
    built = gallery(ROOT / "seeds" / "languages" / "th-en.yaml", layout)
    lines = [line.strip() for text in page_texts(built.result.output) for line in text.splitlines()]
    thai = [line for line in lines if any("\u0e01" <= char <= "\u0e5b" for char in line)]
    assert len(thai) >= 15
    torn = [line[:12] for line in thai if line[0] in THAI_NO_LINE_START or line[-1] in THAI_NO_LINE_END]
    assert not torn


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_arabic_dates_stay_on_one_line(gallery: Callable[..., Built], layout: str) -> None:
    """'5 نوفمبر 2024' (CLDR's Arabic month name) is kept on one line, right to left as elsewhere
    (WeasyPrint misplaced such a line by a space's width: justify.py)."""
    built = gallery(ROOT / "seeds" / "languages" / "ar-en.yaml", layout)
    rows: dict[tuple[int, int], list[Glyph]] = {}
    for number, glyphs in enumerate(page_glyphs(built.result.output)):
        for glyph in glyphs:
            rows.setdefault((number, round(glyph.y)), []).append(glyph)
    dated = [
        row for row in rows.values() if "نوفمبر" in "".join(g.char for g in sorted(row, key=lambda g: -g.x))
    ]
    assert dated, "the date is not found"
    for row in dated:
        drawn = "".join(glyph.char for glyph in sorted(row, key=lambda glyph: glyph.x))
        assert "5" in drawn and "2024" in drawn, drawn  # digits run left to right inside the Arabic


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_arabic_is_set_right_to_left(gallery: Callable[..., Built], layout: str) -> None:
    """Each Arabic word's letters run from right to left, Arabic lines end flush on the right of their
    column, and the English ones on the left."""
    built = gallery(ROOT / "seeds" / "languages" / "ar-en.yaml", layout)
    arabic = built.document.versions[0]
    words = {
        word for block in arabic.blocks for p in block.paragraphs for word in p.text.split() if len(word) > 4
    }
    checked = 0
    rights: list[float] = []
    for glyphs in page_glyphs(built.result.output):
        # Naskh joins its letters by cursive attachment, which moves them off one baseline: a line is the
        # letters within 4 pt of each other vertically.
        letters = sorted(
            (glyph for glyph in glyphs if "\u0621" <= glyph.char <= "\u064a"), key=lambda g: -g.y
        )
        lines: list[list[Glyph]] = []
        for glyph in letters:
            if lines and abs(lines[-1][0].y - glyph.y) < 4:
                lines[-1].append(glyph)
            else:
                lines.append([glyph])
        for line in (line for line in lines if len(line) >= 8):
            rights.append(max(glyph.right for glyph in line))
            drawn = "".join(glyph.char for glyph in sorted(line, key=lambda glyph: -glyph.x))
            checked += sum("".join(c for c in word if "\u0621" <= c <= "\u064a") in drawn for word in words)
    assert checked > 20, "Arabic words not found in right-to-left order"
    if layout == "sequential":  # one column: the text's lines end at its right edge (titles are centred)
        flush = [right for right in rights if max(rights) - right < 1.0]
        assert len(flush) >= 10, sorted(rights)  # the body's lines, justified; centred title and blocks aside
