"""A draft copy's marks, drawn over the finished pages: a diagonal DRAFT under the text, the draft's label
and date at the foot of every page, and each version's lines numbered in the margin beside them.

Every mark is an artifact (marked content outside the structure tree) and is drawn as outlines, not as
text: a reader copying from a draft gets the text of the instrument, never a line number or the stamp.
The outlines come from the bundled fonts through fontTools' pens.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path

import pypdf
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from communique.errors import UsageError
from communique.model import TextLine
from communique.pdf import access

STAMP = "DRAFT"
DRAFT_KEY = "/CommuniqueDraft"
"""The document information entry a draft copy carries (its label): `sign` refuses such a file."""
STAMP_GREY = 0.86
"""The stamp's shade under the text: light enough to read every character over it."""
NUMBER_SIZE = 7.0
NUMBER_GREY = 0.35
NUMBER_GAP = 8.0
"""Points between a line number and its column."""
GUTTER_NUMBER_SIZE = 6.0
GUTTER_GAP = 3.0
"""Points between a number in a gutter (a middle column's) and its column."""
LABEL_SIZE = 8.0
SMALLEST_LABEL = 6.0
"""Points: a long label is set smaller, down to this, to end before the page number."""
SAME_LINE = NUMBER_SIZE + 1.0
"""Points within which two baselines of one version are one line (signature blocks side by side, whose
lines differ by a few points): two numbers closer than their own size would print over each other."""
FACES = ("NotoSerif-Regular.ttf", "NotoSerifCJKjp-Regular-JIS.otf")
"""The faces marks are drawn in, in order of preference: Latin, Greek and Cyrillic, then Japanese and
most Chinese characters (a label needing shaping, Arabic or Thai, is refused: see `drawable_label`)."""


@dataclass(frozen=True)
class Draft:
    """What a draft copy says it is: its label ('Draft 3') and the date it was made."""

    label: str
    date: str
    versions: tuple[tuple[str, str], ...] = ()
    """(tag as laid out, the data's language) of each version, in the document's order."""


def drawable_label(text: str, limit: int) -> str:
    """`text` with its spaces collapsed ('' if none is left: no draft), or UsageError when it is longer
    than `limit` characters or has an invisible character or one no face of FACES has."""
    label = " ".join(text.split())
    if not label:
        return ""  # no draft: what --no-draft gives, and draft = "" in communique.toml
    if label.lower().endswith((".yaml", ".yml")):
        raise UsageError(
            f"the draft label {label!r} looks like a data file",
            hint="give the data files first: communique build FILE --draft LABEL, or write --draft=LABEL",
        )
    if len(label) > limit:
        raise UsageError(f"the draft label is {len(label)} characters long", hint=f"at most {limit}")
    hidden = sorted(
        {char for char in label if unicodedata.category(char)[0] == "C" or char in "\u2028\u2029"}
    )
    if hidden:
        shown = ", ".join(f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip() for char in hidden[:5])
        raise UsageError(
            f"the draft label has invisible or control characters: {shown}",
            hint="write the label in visible characters only",
        )
    missing = sorted({char for char in label if _face_for(char) is None})
    if missing:
        shown = ", ".join(f"{char!r} (U+{ord(char):04X})" for char in missing[:5])
        raise UsageError(
            f"the draft label has characters the draft marks cannot draw: {shown}",
            hint="write the label in Latin, Greek, Cyrillic or Japanese/Chinese characters",
        )
    return label


def draft_title(title: str, draft: Draft) -> str:
    """The PDF's title for a draft copy: what a reader's window and a screen reader announce first."""
    return f"{STAMP} ({draft.label}, {draft.date}): {title}"


def draft_label_of(data: bytes) -> str | None:
    """The label of a draft copy (its document information's DRAFT_KEY), None for any other PDF."""
    try:
        info = pypdf.PdfReader(BytesIO(data)).metadata
    except (PdfReadError, ValueError, OSError):
        return None  # not a PDF pypdf reads: the caller says what is wrong with it
    value = info.get(DRAFT_KEY) if info else None
    return str(value) if value is not None else None


def mark_draft(writer: pypdf.PdfWriter, lines: Iterable[TextLine], draft: Draft) -> list[str]:
    """Draw the draft marks on every page of `writer`; what could not be drawn comes back as warnings."""
    by_page: dict[int, list[TextLine]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    undone = [] if by_page else ["draft: no line of text was found on the pages; no line is numbered"]
    stamps: dict[tuple[float, ...], IndirectObject] = {}
    sides: dict[str, str] = {}
    placed = [
        _placed(
            [line for line in by_page.get(index, []) if not line.in_margin],
            float(page.trimbox[0]),
            float(page.trimbox[2]),
            draft.versions,
            sides,
        )
        for index, page in enumerate(writer.pages)
    ]
    numbers = _numbers(placed, draft.versions)
    for index, page in enumerate(writer.pages):
        box = tuple(float(value) for value in page.trimbox)
        left, bottom, right, top = box
        on_page = by_page.get(index, [])
        if box not in stamps:  # one stamp for every page of a size
            stamps[box] = access.add_object(writer, _stamp_form(left, bottom, right, top))
        name = _use_stamp(page, stamps[box], len(stamps) - 1)
        under = _artifact(f"q {name} Do Q\n".encode(), "/Watermark")
        text_left = min((line.area[0] for line in on_page), default=left + (right - left) * 0.12)
        over = _artifact(_footer(draft, text_left, (left + right) / 2, on_page, bottom), "/Footer")
        over += _artifact(numbers[index], "/Layout")
        _wrap_contents(writer, page, under, over)
    return undone


def _footer(draft: Draft, left: float, middle: float, lines: list[TextLine], bottom: float) -> bytes:
    """The label and date at the foot of the page from `left`, on the running footer's baseline (else 24 pt
    up), or a line below it where the layout's own footer text stands there; set smaller where it would
    reach the page number in the middle, and the label (never the date) cut short where even the
    smallest size would."""
    margin = [line for line in lines if line.in_margin]
    baseline = min((line.baseline for line in margin), default=bottom + 24.0)
    room = middle - 36.0 - left
    date = f" · {draft.date}"
    text = draft.label + date
    size = max(SMALLEST_LABEL, min(LABEL_SIZE, room / (_width(text, 1.0) or 1.0)))
    label = draft.label
    while label and _width(text, size) > room:
        label = label[:-1]
        text = label + "…" + date
    reach = (left, left + _width(text, size))
    if any(abs(line.baseline - baseline) < SAME_LINE and _overlap(line.extent, reach) for line in margin):
        baseline -= size + 3.0
    return _words(text, left, baseline, size, NUMBER_GREY)


def _overlap(first: tuple[float, float], second: tuple[float, float]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


@dataclass(frozen=True)
class _Series:
    """One version's lines on one page and where their numbers go."""

    version: str
    lines: list[TextLine]
    baselines: list[float]
    place: str
    """'left' or 'right' margin, or 'gutter' before its column."""
    crowded: bool = False
    """Its margin holds another version's numbers on this page (or the columns')."""


def _placed(
    lines: list[TextLine],
    page_left: float,
    page_right: float,
    order: tuple[tuple[str, str], ...],
    sides: dict[str, str],
) -> list[_Series]:
    """Where each version's lines on this page are numbered. Versions side by side (parallel columns):
    the leftmost in the left margin, the rightmost in the right, any between in the gutter before its
    column. Versions one after the other (interleaved blocks) take a margin each in the document's
    order, the first page a version is on choosing its margin (`sides`, shared by the pages of a
    document), so each keeps it from page to page."""
    versions: dict[str, list[TextLine]] = {}
    for line in lines:
        versions.setdefault(_version_of(line.version, order), []).append(line)
    rank = {tag: index for index, (tag, _) in enumerate(order)}
    baselines = {version: _baselines(own) for version, own in versions.items()}
    beside = [
        version
        for version in versions
        if any(_share_lines(baselines[version], baselines[other]) for other in versions if other != version)
    ]
    placed: list[_Series] = []
    if beside:
        leftmost = min(beside, key=lambda version: min(line.column[0] for line in versions[version]))
        rightmost = max(beside, key=lambda version: max(line.column[1] for line in versions[version]))
        for version in beside:
            place = "left" if version == leftmost else "right" if version == rightmost else "gutter"
            placed.append(_Series(version, versions[version], baselines[version], place))
    middle = (page_left + page_right) / 2
    taken = {"left": bool(beside), "right": bool(beside)}  # margins the columns took
    for version in sorted(set(versions) - set(beside), key=lambda tag: (rank.get(tag, len(rank)), tag)):
        own = versions[version]
        if version not in sides:
            side = "right" if all(line.column[0] >= middle for line in own) else "left"
            other = "left" if side == "right" else "right"
            sides[version] = other if taken[side] and not taken[other] else side
        taken[sides[version]] = True
        placed.append(_Series(version, own, baselines[version], sides[version]))
    count = {place: sum(series.place == place for series in placed) for place in ("left", "right")}
    columns = {series.place for series in placed if series.version in beside}
    return [
        dataclasses.replace(
            series,
            crowded=series.place != "gutter"
            and (count[series.place] > 1 or (series.version not in beside and series.place in columns)),
        )
        for series in placed
    ]


def _numbers(pages: list[list[_Series]], order: tuple[tuple[str, str], ...]) -> list[bytes]:
    """Each page's line numbers, each version's from 1. A margin that holds the numbers of more than one
    version on a page, of this page or another, carries their language ('zh-Hans 3') on every page."""
    names = dict(order)
    shared = {series.place for page in pages for series in page if series.crowded}
    return [
        b"".join(
            _numbered(
                series.lines,
                series.baselines,
                series.place,
                names.get(series.version, series.version) if series.place in shared else "",
            )
            for series in page
        )
        for page in pages
    ]


def _numbered(own: list[TextLine], baselines: list[float], place: str, prefix: str) -> bytes:
    """The numbers of one version's lines: in the left or right margin (beyond its column and the text
    area), or in the gutter just before its column (smaller)."""
    drawn = b""
    size = GUTTER_NUMBER_SIZE if place == "gutter" else NUMBER_SIZE
    for number, baseline in enumerate(baselines, 1):
        label = f"{prefix} {number}" if prefix else str(number)
        if place == "right":
            x = max(max(line.column[1] for line in own), own[0].area[1]) + NUMBER_GAP
        elif place == "left":
            x = min(min(line.column[0] for line in own), own[0].area[0]) - NUMBER_GAP - _width(label, size)
        else:
            x = min(line.column[0] for line in own) - GUTTER_GAP - _width(label, size)
        drawn += _words(label, x, baseline, size, NUMBER_GREY)
    return drawn


def _version_of(tag: str, order: tuple[tuple[str, str], ...]) -> str:
    """The version a line's `lang` belongs to: its own, or the version of the same language where a
    layout's text names it differently (a letterhead's lang="en" in a document whose version is en-US)."""
    if tag in dict(order) or not tag:
        return tag
    primary = tag.split("-")[0].lower()
    return next((known for known, lang in order if lang.split("-")[0].lower() == primary), tag)


def _share_lines(first: list[float], second: list[float]) -> bool:
    """Whether two versions have lines at the same height (columns side by side)."""
    return any(abs(one - other) < SAME_LINE for one in first for other in second)


def _baselines(lines: list[TextLine]) -> list[float]:
    """The distinct baselines of `lines`, top first: lines side by side within SAME_LINE are one."""
    found: list[float] = []
    for baseline in sorted((line.baseline for line in lines), reverse=True):
        if not found or found[-1] - baseline > SAME_LINE:
            found.append(baseline)
    return found


def _stamp_form(left: float, bottom: float, right: float, top: float) -> StreamObject:
    """A form XObject of STAMP across the page's diagonal, centred, as wide as 70 % of the diagonal."""
    width, height = right - left, top - bottom
    angle = math.atan2(height, width)
    size = 0.7 * math.hypot(width, height) / (_width(STAMP, 1.0) or 1.0)
    cos, sin = math.cos(angle), math.sin(angle)
    text_width = _width(STAMP, size)
    cap = 0.35 * size  # half a capital's height: the letters' middle on the diagonal
    x = left + width / 2 - cos * text_width / 2 + sin * cap
    y = bottom + height / 2 - sin * text_width / 2 - cos * cap
    content = (
        f"q {cos:.5f} {sin:.5f} {-sin:.5f} {cos:.5f} {x:.2f} {y:.2f} cm ".encode()
        + _words(STAMP, 0.0, 0.0, size, STAMP_GREY)
        + b"Q\n"
    )
    form = _stream(content)
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(FloatObject(value) for value in (left, bottom, right, top))
    return form


def _use_stamp(page: pypdf.PageObject, stamp: IndirectObject, number: int) -> str:
    """The name under which `page` draws `stamp`, added to its resources (of its own: shared resource
    dictionaries are copied first, so that no other page gains a name it does not use)."""
    resources = page.get("/Resources")
    own = DictionaryObject(resources.get_object()) if resources is not None else DictionaryObject()
    forms = own.get("/XObject")
    forms = DictionaryObject(forms.get_object()) if forms is not None else DictionaryObject()
    name = f"/CommuniqueDraft{number}"
    forms[NameObject(name)] = stamp
    own[NameObject("/XObject")] = forms
    page[NameObject("/Resources")] = own
    return name


def _words(text: str, x: float, baseline: float, size: float, grey: float) -> bytes:
    """`text` drawn as filled outlines from (x, baseline), `size` points, in `grey` (DeviceGray)."""
    out = [f"q {grey:.2f} g\n".encode()]
    for char in text:
        face = _face_for(char)
        if face is None:
            continue
        outline = _outline(face, char)
        scale = size / face.units_per_em
        if outline.path:
            out.append(f"q {scale:.6f} 0 0 {scale:.6f} {x:.2f} {baseline:.2f} cm\n".encode())
            out.append(outline.path + b"f\nQ\n")
        x += outline.advance * scale
    out.append(b"Q\n")
    return b"".join(out)


def _width(text: str, size: float) -> float:
    total = 0.0
    for char in text:
        face = _face_for(char)
        if face is not None:
            total += _outline(face, char).advance * size / face.units_per_em
    return total


def _artifact(content: bytes, subtype: str) -> bytes:
    """`content` as an artifact of pagination (a watermark, footer) or layout (line numbers)."""
    if not content:
        return b""
    kind = "/Layout" if subtype == "/Layout" else f"/Pagination /Subtype {subtype}"
    return f"/Artifact <</Type {kind}>> BDC\n".encode() + content + b"EMC\n"


def _wrap_contents(writer: pypdf.PdfWriter, page: pypdf.PageObject, under: bytes, over: bytes) -> None:
    """The page's contents between `under` and `over`, the page's own drawing in a saved graphics state
    so that nothing it leaves set reaches the marks."""
    existing = page.raw_get("/Contents")
    own = list(existing) if isinstance(existing, ArrayObject) else [existing]
    before = access.add_object(writer, _stream(under + b"q\n"))
    after = access.add_object(writer, _stream(b"Q\n" + over))
    page[NameObject("/Contents")] = ArrayObject([before, *own, after])


def _stream(data: bytes) -> StreamObject:
    """A Flate-compressed stream of `data` (the outlines of a page's marks: tens of kilobytes as text)."""
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream.flate_encode(level=9)


@dataclass(frozen=True)
class _Outline:
    path: bytes
    """PDF path operators in font units (empty for a space)."""
    advance: int


@dataclass(frozen=True, eq=False)
class _Face:
    font: TTFont
    units_per_em: int
    cmap: dict[int, str]


@cache
def _loaded(name: str) -> _Face:
    path = Path(str(resources.files("communique").joinpath("data", "fonts", name)))
    font = TTFont(path, lazy=True)
    return _Face(font, int(font["head"].unitsPerEm), dict(font.getBestCmap()))


def _face_for(char: str) -> _Face | None:
    """The first of FACES that has `char` (Japanese and Chinese only when no Latin face has it)."""
    for name in FACES:
        face = _loaded(name)
        if ord(char) in face.cmap:
            return face
    return None


@cache
def _outline(face: _Face, char: str) -> _Outline:
    name = face.cmap[ord(char)]
    glyphs = face.font.getGlyphSet()
    pen = _PdfPathPen(glyphs)
    glyphs[name].draw(pen)
    return _Outline(b"".join(pen.operators), int(face.font["hmtx"][name][0]))


class _PdfPathPen(BasePen):  # type: ignore[misc]
    """fontTools pen writing a glyph's outline as PDF path operators (quadratic curves made cubic)."""

    def __init__(self, glyph_set: object):
        super().__init__(glyph_set)
        self.operators: list[bytes] = []

    def _moveTo(self, point: tuple[float, float]) -> None:  # noqa: N802 (the names fontTools calls)
        self.operators.append(f"{point[0]:.1f} {point[1]:.1f} m\n".encode())

    def _lineTo(self, point: tuple[float, float]) -> None:  # noqa: N802 (the names fontTools calls)
        self.operators.append(f"{point[0]:.1f} {point[1]:.1f} l\n".encode())

    def _curveToOne(  # noqa: N802
        self, first: tuple[float, float], second: tuple[float, float], end: tuple[float, float]
    ) -> None:
        numbers = (*first, *second, *end)
        self.operators.append((" ".join(f"{value:.1f}" for value in numbers) + " c\n").encode())

    def _closePath(self) -> None:  # noqa: N802 (the names fontTools calls)
        self.operators.append(b"h\n")
