"""Each cluster of several glyphs drawn as one glyph, carrying the cluster's text.

HarfBuzz shapes a letter and its marks (Arabic harakat, Hebrew points, Thai vowel and tone marks) as
several glyphs, each mark positioned on the letter, and Thai SARA AM ำ as two glyphs (NIKHAHIT and
SARA AA). WeasyPrint writes each glyph at its own position -- a raised mark in a text object of its own,
with its own text rise -- and gives the cluster's text to one of the glyphs and none to the others. Text
extractors then misplace the marks (pdftotext and pdfium set them on lines of their own or after the next
letter: `انطلاقً ُ ا`) and SARA AM copies as U+0E4D U+0E32.

Here each such cluster becomes one glyph: a TrueType composite of the cluster's glyphs at the places they
were drawn, with the cluster's advance, mapped in the ToUnicode CMap to the cluster's text exactly as the
data has it. Right to left, the marks' characters go to blank glyphs of one font unit drawn just before
it (see _drawn_texts). The clusters are recorded while WeasyPrint draws each line
(`communique.engine.clusters`) and found again in the content streams (`fold_clusters`), which also fold
wide gaps around a glyph into an alias of it, as fontpack does in CFF fonts. A run of glyphs that stands for
two different texts in one document, a font drawn from a form XObject, or a stream with operators
WeasyPrint does not write is left as drawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, TypeGuard

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject

from communique.model import Cluster
from communique.pdf import access
from communique.pdf.fonts import (
    FOLDED_GAP,
    GAP_STEP,
    content_streams,
    descendant,
    font_descriptor,
    fonts_of,
    glyph_characters,
    identity_fonts,
    number,
    text_entries,
    used_in_forms,
    widths,
    with_cids,
    with_entries,
    with_replaced,
)

MAX_CID = 0xFFFF
"""Identity-H codes are two bytes: no composite beyond them (the clusters then stay as drawn)."""


@dataclass(frozen=True)
class _Composite:
    """A glyph made of others -- (glyph id, x, y in font units) each; none for a blank -- with its
    advance in font units and its ToUnicode destination (`<UTF-16BE hex>`)."""

    parts: tuple[tuple[int, int, int], ...]
    advance: int
    unicode: bytes


@dataclass
class _Font:
    """One embedded TrueType CIDFont, the clusters recorded for it and the composites drawn with it."""

    dictionary: DictionaryObject
    widths: dict[int, float]
    """CID -> advance in thousandths of an em, composites included."""
    unicode: dict[int, bytes]
    """CID -> ToUnicode destination, composites included."""
    glyph_count: int
    units: int
    clusters: list[tuple[tuple[int, ...], tuple[str, ...]]]
    """The font's clusters in drawing order: glyph ids, the text of each glyph to draw them with."""
    own: dict[int, bytes]
    """Glyphs whose ToUnicode text is another's -> the character the font's cmap gives them. WeasyPrint
    maps a glyph to the text it first drew: `(` in English copied as `)` after Arabic (a bracket drawn
    mirrored), and after น้ำ every SARA AA copied as ้ำ (ข้อตกลงการ as ข้อตกลงก้ำร) because the cluster's
    text went to one of its glyphs. Once the clusters are composites of their own, each glyph of a
    cluster that is drawn alone too copies as its own character."""
    found: int = 0
    """How many of `clusters` the content streams read so far have drawn."""
    composites: dict[_Composite, int] = field(default_factory=dict)

    def upcoming(self) -> tuple[tuple[int, ...], tuple[str, ...]] | None:
        return self.clusters[self.found] if self.found < len(self.clusters) else None

    def composite(self, parts: tuple[tuple[int, int, int], ...], advance: int, unicode: bytes) -> int:
        """The CID drawing `parts`, added if new; KeyError when no two-byte code is left or the glyph
        would not fit TrueType's fields."""
        key = _Composite(parts, advance, unicode)
        cid = self.composites.get(key)
        if cid is None:
            cid = self.glyph_count + len(self.composites)
            offsets = [offset for part in parts for offset in part[1:]]
            if (
                cid > MAX_CID
                or not 0 <= advance <= 0xFFFF
                or not all(-0x8000 <= v <= 0x7FFF for v in offsets)
            ):
                raise KeyError(cid)
            self.composites[key] = cid
            self.widths[cid] = advance * 1000 / self.units
            self.unicode[cid] = unicode
        return cid


def _one_character(destination: bytes) -> bool:
    """Whether a ToUnicode destination (`<UTF-16BE hex>`) is one character."""
    return len(bytes.fromhex(destination[1:-1].decode()).decode("utf-16-be", "replace")) == 1


def _unicode(text: str) -> bytes:
    """A ToUnicode destination: `<UTF-16BE hex>`."""
    return b"<%s>" % text.encode("utf-16-be").hex().upper().encode()


def fold_clusters(writer: pypdf.PdfWriter, clusters: Sequence[Cluster]) -> list[str]:
    """Draw each recorded cluster with `writer`'s embedded TrueType CIDFonts as one composite glyph, and
    fold the wide gaps around those fonts' glyphs into aliases (fontpack does so in CFF fonts). A font
    that draws no cluster is left as it is: rewriting a Latin face cost about 0.07 s a build (profiled),
    and its justified text copied no better (measured on the language seeds). All or nothing: where a
    cluster is not found where it was drawn, none is folded (only glyphs whose text WeasyPrint took from
    a cluster get their own character back), and where anything cannot be read the PDF stays as
    WeasyPrint wrote it; what was left undone is returned (the build warns)."""

    if not any(texts for _, _, texts in clusters):
        return []
    left = "no letter is folded with its marks (they may copy apart from it)"
    try:
        fonts = _fonts(writer, clusters)
        pages = list(writer.pages)
        folded = {str(font.dictionary.get("/BaseFont", ""))[1:] for font in fonts.values()}
        unfolded = sorted({name for name, _, texts in clusters if texts and name not in folded})
        elsewhere = (
            [
                f"cluster folding: clusters drawn with {', '.join(unfolded)} (CFF fonts, or not in the PDF) "
                "are left as drawn: their marks or invisible characters may copy apart or not at all"
            ]
            if unfolded
            else []
        )
        if not fonts:
            return elsewhere
        undone = ""
        if used_in_forms(pages, fonts.keys()):
            undone = "a font that draws clusters is drawn from a form XObject too"
        else:
            rewritten = [change for page in pages for change in _folded_page(page, fonts)]
            missing = sum(len(font.clusters) - font.found for font in fonts.values())
            undone = f"{missing} clusters were not found where they were drawn" if missing else ""
        if undone:  # each glyph at least copies as its own character, never as another's cluster
            for font in fonts.values():
                font.composites.clear()
            rewritten = []
        changes = [_changed_font(font) for font in fonts.values() if font.composites or font.own]
    except access.unreadable_fonts() as error:
        return [f"cluster folding: a font or content stream could not be read ({error!r}): {left}"]
    for stream, data in rewritten:
        stream.set_data(data)
    for change in changes:
        change()
    return [*elsewhere, *([f"cluster folding: {undone}: {left}"] if undone else [])]


def _fonts(writer: pypdf.PdfWriter, clusters: Sequence[Cluster]) -> dict[int, _Font]:
    """id() of each embedded TrueType CIDFont that draws a recorded cluster -> what is known of it."""
    from fontTools.ttLib import TTFont

    recorded: dict[str, list[tuple[tuple[int, ...], tuple[str, ...]]]] = {}
    for name, glyphs, texts in clusters:
        recorded.setdefault(name, []).append((glyphs, texts))
    wanted = {name: found for name, found in recorded.items() if any(texts for _, texts in found)}
    fonts: dict[int, _Font] = {}
    for item in identity_fonts(writer):
        name = str(item.get("/BaseFont", ""))[1:]
        program = font_descriptor(item).get("/FontFile2")
        cmap = item.get("/ToUnicode")
        if name not in wanted or program is None or cmap is None:
            continue
        face = TTFont(BytesIO(program.get_object().get_data()), lazy=True)
        unicode = dict(text_entries(cmap.get_object().get_data()))
        glyph_count, units = face["maxp"].numGlyphs, face["head"].unitsPerEm
        mirrored = {glyphs[0] for glyphs, texts in wanted[name] if len(glyphs) == 1 and texts}
        members = {glyph for glyphs, texts in wanted[name] if texts for glyph in glyphs}
        own = {
            glyph: _unicode(chr(code))
            for glyph, code in glyph_characters(face).items()
            if glyph in mirrored or (glyph in members and not _one_character(unicode.get(glyph, b"<>")))
        }
        unicode.update(own)
        fonts[id(item)] = _Font(item, widths(item), unicode, glyph_count, units, wanted[name], own)
    return fonts


_TOKEN = re.compile(
    rb"(\s+)|(<<)|(>>)|<([0-9A-Fa-f]*)>|\[([^\]]*)\]|(/[^\s/\[\]<>()%{}]+)"
    rb"|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([A-Za-z'\"*]+)"
)
"""What WeasyPrint writes in a content stream, an array read whole; a literal string or a comment
matches nothing."""
_ARRAY_ITEM = re.compile(rb"<([0-9A-Fa-f]*)>|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(\S)")
"""An element of a TJ array: a hex string, a number; anything else is not read here."""
_SPACING = {b"Tc", b"Tw", b"Tz", b"'", b'"'}
"""Operators that move glyphs beyond their widths and TJ adjustments (WeasyPrint writes none)."""


@dataclass
class _Glyph:
    code: int
    rise: float


@dataclass
class _Shift:
    """A number as written: a TJ adjustment (thousandths of an em, positive to the left) or an operand."""

    amount: float
    written: bytes

    @property
    def is_offset(self) -> bool:
        """Whether WeasyPrint wrote it as a glyph's own offset (a float) rather than a kerning (an int)."""
        return not self.written.lstrip(b"-+").isdigit()


@dataclass
class _Instruction:
    operator: bytes
    operands: list[Any]
    start: int
    end: int


def _instructions(data: bytes) -> list[_Instruction] | None:
    """The operators of a content stream with their operands (a TJ array as glyph codes and shifts) and
    where each instruction starts and ends; None for a stream not read here."""
    result: list[_Instruction] = []
    operands: list[Any] = []
    start: int | None = None
    depth = 0
    position = 0
    while position < len(data):
        token = _TOKEN.match(data, position)
        if token is None:
            return None
        position = token.end()
        space, opened, closed, hexadecimal, array, name, numeral, operator = token.groups()
        if space is not None:
            continue
        if start is None:
            start = token.start()
        if opened is not None or closed is not None:
            depth += 1 if opened is not None else -1
        elif depth:
            continue
        elif array is not None:
            elements = _array(array)
            if elements is None:
                return None
            operands.append(elements)
        elif hexadecimal is not None:
            operands.append(hexadecimal)
        elif numeral is not None:
            operands.append(_Shift(float(numeral), numeral))
        elif name is not None:
            operands.append(name)
        else:
            if operator in _SPACING or not _well_formed(operator, operands):
                return None
            result.append(_Instruction(operator, operands, start, position))
            operands, start = [], None
    return result


def _array(content: bytes) -> list[int | _Shift] | None:
    """A TJ array's glyph codes (two bytes each) and numbers; None for anything else in it."""
    elements: list[int | _Shift] = []
    for hexadecimal, numeral, other in _ARRAY_ITEM.findall(content):
        if other or len(hexadecimal) % 4:
            return None
        if numeral:
            elements.append(_Shift(float(numeral), numeral))
        else:
            elements += [int(hexadecimal[index : index + 4], 16) for index in range(0, len(hexadecimal), 4)]
    return elements


def _well_formed(operator: bytes, operands: list[Any]) -> bool:
    """Whether a TJ has one array and a Ts one number, as WeasyPrint writes them."""
    if operator == b"TJ":
        return len(operands) == 1 and isinstance(operands[0], list)
    if operator == b"Ts":
        return len(operands) == 1 and isinstance(operands[0], _Shift)
    return True


def _folded_page(page: pypdf.PageObject, fonts: dict[int, _Font]) -> list[tuple[StreamObject, bytes]]:
    """Each content stream of `page` that draws a recorded cluster, with it drawn as one glyph."""
    names = fonts_of(page.get("/Resources"))
    by_name = {name: fonts[key] for name, key in names.items() if key in fonts}
    if not by_name:
        return []
    changes = []
    for stream in content_streams(page):
        data = stream.get_data()
        folded = _folded_stream(data, by_name)
        if folded != data:
            changes.append((stream, folded))
    return changes


def _folded_stream(data: bytes, fonts: dict[str, _Font]) -> bytes:
    """`data` with the recorded clusters of `fonts` (by resource name) drawn as composites."""
    instructions = _instructions(data)
    if instructions is None:
        return data
    pieces: list[bytes] = []
    kept = 0  # data before this offset is in `pieces`
    font: _Font | None = None
    size = rise = 0.0
    saved: list[tuple[_Font | None, float, float]] = []
    run: list[_Instruction] = []  # consecutive TJ and Ts instructions
    for instruction in [*instructions, _Instruction(b"", [], len(data), len(data))]:
        operator, operands = instruction.operator, instruction.operands
        if operator in (b"TJ", b"Ts") and operands:
            run.append(instruction)
            continue
        after = _rise_after(run, rise)
        if run and font is not None and size:
            folded = _folded_items(_items(run, rise), font, size)
            if folded is not None:
                pieces += [data[kept : run[0].start], _written(folded, rise, after)]
                kept = run[-1].end
        rise = after
        run = []
        if operator == b"Tf" and len(operands) == 2 and isinstance(operands[1], _Shift):
            font, size = fonts.get(operands[0].decode("latin-1")), operands[1].amount
        elif operator == b"q":
            saved.append((font, size, rise))
        elif operator == b"Q" and saved:
            font, size, rise = saved.pop()
    pieces.append(data[kept:])
    return b"".join(pieces)


def _rise_after(run: list[_Instruction], rise: float) -> float:
    for instruction in run:
        if instruction.operator == b"Ts":
            rise = instruction.operands[0].amount
    return rise


def _items(run: list[_Instruction], rise: float) -> list[_Glyph | _Shift]:
    """The glyphs (each with its text rise) and adjustments a run of TJ and Ts draws from text rise
    `rise`."""
    items: list[_Glyph | _Shift] = []
    for instruction in run:
        if instruction.operator == b"Ts":
            rise = instruction.operands[0].amount
            continue
        for element in instruction.operands[0] if isinstance(instruction.operands[0], list) else ():
            items.append(_Glyph(element, rise) if isinstance(element, int) else element)
    return items


def _folded_items(items: list[_Glyph | _Shift], font: _Font, size: float) -> list[_Glyph | _Shift] | None:
    """`items` with each recorded cluster drawn as a composite and each gap after a glyph folded into an
    alias of it; None if nothing changed."""
    folded = _gaps_folded(_clusters_folded(items, font, size), font)
    return None if folded == items else folded


def _clusters_folded(items: list[_Glyph | _Shift], font: _Font, size: float) -> list[_Glyph | _Shift]:
    """`items` with each recorded cluster, in the order drawn, replaced by the glyphs that draw it as one:
    a composite as wide as its glyphs' own advances (what offsets and kerning inside it add stays an
    adjustment after it, folded in from FOLDED_GAP only, so that composites stay few), and right to left
    a blank of one font unit for each character it does not carry."""
    pen = [0.0]
    for item in items:
        pen.append(pen[-1] + (font.widths[item.code] if isinstance(item, _Glyph) else -item.amount))
    glyphs = [index for index, item in enumerate(items) if isinstance(item, _Glyph)]
    codes = [item.code for item in items if isinstance(item, _Glyph)]
    result: list[_Glyph | _Shift] = []
    consumed = 0
    index = 0
    scale = font.units / 1000
    while index < len(glyphs):
        upcoming = font.upcoming()
        if upcoming is None or tuple(codes[index : index + len(upcoming[0])]) != upcoming[0]:
            index += 1
            continue
        cluster, texts = upcoming
        font.found += 1
        if not texts:  # a bracket drawn left to right, as it is
            index += 1
            continue
        first, last = glyphs[index], glyphs[index + len(cluster) - 1]
        begin = first - 1 if first > consumed and _is_shift(items[first - 1], offset=True) else first
        end = last + 2 if last + 1 < len(items) and _is_shift(items[last + 1], offset=False) else last + 1
        members = [(pen[position], items[position]) for position in range(first, last + 1)]
        drawn = [(position, item) for position, item in members if isinstance(item, _Glyph)]
        base = max((item for _, item in drawn), key=lambda glyph: font.widths[glyph.code])
        blanks = texts[:-1]
        parts = tuple(
            (
                item.code,
                round((position - pen[begin]) * scale) - len(blanks),
                round((item.rise - base.rise) / size * font.units),
            )
            for position, item in drawn
        )
        moved = pen[end] - pen[begin]
        natural = sum(font.widths[item.code] for _, item in drawn)
        gap = int(moved - natural) // GAP_STEP * GAP_STEP if moved - natural >= FOLDED_GAP else 0
        advance = round((natural + gap) * scale) - len(blanks)
        result += items[consumed:begin]
        result += [_Glyph(font.composite((), 1, _unicode(text)), base.rise) for text in blanks]
        result.append(_Glyph(font.composite(parts, advance, _unicode(texts[-1])), base.rise))
        _append_shift(result, (advance + len(blanks)) / scale - moved)
        consumed = end
        index += len(cluster)
    return [*result, *items[consumed:]]


def _gaps_folded(items: list[_Glyph | _Shift], font: _Font) -> list[_Glyph | _Shift]:
    """`items` with the gaps of FOLDED_GAP or more around a glyph that has text (rounded down to
    GAP_STEP) folded into an alias of it, a composite of that glyph alone: the gap after it widens it, the
    offset before it (Pango puts half of a justified space's extra width there) moves it within a wider
    advance. Extractors then read no gap there."""
    if not any(isinstance(item, _Shift) and -item.amount >= FOLDED_GAP for item in items):
        return items
    result: list[_Glyph | _Shift] = []
    scale = font.units / 1000
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        lead = _gap(result[-1], offset=True) if result else None
        trail = _gap(items[index], offset=False) if index < len(items) else None
        if (
            not isinstance(item, _Glyph)
            or (lead is None and trail is None)
            or font.unicode.get(item.code, b"<>") == b"<>"
        ):
            result.append(item)
            continue
        lead_gap, trail_gap = _folded_gap(lead), _folded_gap(trail)
        width = font.widths[item.code]
        advance = round((width + lead_gap + trail_gap) * scale)
        if lead is not None:
            result.pop()
            _append_shift(result, lead.amount + lead_gap)
        part = (item.code, round(lead_gap * scale), 0)
        result.append(_Glyph(font.composite((part,), advance, font.unicode[item.code]), item.rise))
        if trail is not None:
            index += 1
        _append_shift(
            result, advance / scale - lead_gap - width + (trail.amount if trail is not None else 0.0)
        )
    return result


def _is_shift(item: _Glyph | _Shift, offset: bool) -> TypeGuard[_Shift]:
    """Whether `item` is a shift written as a glyph's offset (`offset`) or as a kerning (not)."""
    return isinstance(item, _Shift) and item.is_offset == offset


def _gap(item: _Glyph | _Shift, offset: bool) -> _Shift | None:
    """`item` if it is a shift to the right of FOLDED_GAP or more, written as an offset or a kerning."""
    return (
        item if isinstance(item, _Shift) and _is_shift(item, offset) and -item.amount >= FOLDED_GAP else None
    )


def _folded_gap(shift: _Shift | None) -> int:
    return 0 if shift is None else int(-shift.amount) // GAP_STEP * GAP_STEP


def _append_shift(items: list[_Glyph | _Shift], amount: float) -> None:
    if round(amount, 3):
        items.append(_Shift(amount, _numeral(amount, 3)))


def _written(items: list[_Glyph | _Shift], rise: float, final_rise: float) -> bytes:
    """TJ and Ts instructions drawing `items` from text rise `rise`, leaving the rise at `final_rise`."""
    out: list[bytes] = []
    array: list[bytes] = []

    def flush() -> None:
        if array:
            out.append(b"[" + b"".join(array) + b"] TJ\n")
            array.clear()

    for item in items:
        if isinstance(item, _Glyph):
            if item.rise != rise:
                flush()
                rise = item.rise
                out.append(b"%s Ts\n" % _numeral(rise))
            if array and array[-1].endswith(b">"):
                array[-1] = array[-1][:-1] + b"%04x>" % item.code
            else:
                array.append(b"<%04x>" % item.code)
        else:
            if array and not array[-1].endswith(b">"):
                array.append(b" ")
            array.append(item.written)
    flush()
    if rise != final_rise:
        out.append(b"%s Ts\n" % _numeral(final_rise))
    return b"".join(out)


def _numeral(value: float, places: int = 4) -> bytes:
    return (b"%.*f" % (places, value)).rstrip(b"0").rstrip(b".") or b"0"


def _changed_font(font: _Font) -> Callable[[], None]:
    """Work out the font with its composites -- program, /W, ToUnicode, CIDSet, bounding box -- and return
    what puts them in place (nothing is changed before every font is worked out)."""
    if not font.composites:  # only glyphs given their own text back
        text_map = access.stream(font.dictionary["/ToUnicode"])
        own_mapped = with_replaced(text_map.get_data(), font.own)
        return lambda: text_map.set_data(own_mapped)
    cid_font = descendant(font.dictionary)
    descriptor = font_descriptor(font.dictionary)
    stream = access.stream(descriptor["/FontFile2"])
    program, box = _with_composites(stream.get_data(), font)
    added = sorted(font.composites.items(), key=lambda entry: entry[1])
    listed = list(cid_font.get("/W", ArrayObject()).get_object())
    for composite, cid in added:
        listed += [NumberObject(cid), ArrayObject([number(composite.advance * 1000 / font.units)])]
    cmap = access.stream(font.dictionary["/ToUnicode"])
    entries = [(cid, composite.unicode) for composite, cid in added]
    mapped = with_entries(with_replaced(cmap.get_data(), font.own), entries)
    cidset = access.stream(descriptor["/CIDSet"]) if "/CIDSet" in descriptor else None
    bits = with_cids(cidset.get_data(), (cid for _, cid in added)) if cidset is not None else b""
    bounds = [float(value) for value in descriptor.get("/FontBBox", ArrayObject([0, 0, 0, 0]))]
    scale = 1000 / font.units
    widened = [min(bounds[0], box[0] * scale), min(bounds[1], box[1] * scale)]
    widened += [max(bounds[2], box[2] * scale), max(bounds[3], box[3] * scale)]

    def change() -> None:
        stream.set_data(program)
        stream[NameObject("/Length1")] = NumberObject(len(program))
        cid_font[NameObject("/W")] = ArrayObject(listed)
        cmap.set_data(mapped)
        if cidset is not None:
            cidset.set_data(bits)
        descriptor[NameObject("/FontBBox")] = ArrayObject(number(round(value)) for value in widened)

    return change


def _with_composites(data: bytes, font: _Font) -> tuple[bytes, tuple[int, int, int, int]]:
    """The TrueType program `data` with the font's composites appended (glyph id = CID), and its bounding
    box. Bounds and maxp figures are worked out for the new glyphs alone: recomputing them for the whole
    font took some 60 ms a face (profiled)."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphComponent

    face = TTFont(BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    order = list(face.getGlyphOrder())
    table = face["glyf"]
    metrics = face["hmtx"].metrics
    head, limits, header = face["head"], face["maxp"], face["hhea"]
    for composite, cid in sorted(font.composites.items(), key=lambda entry: entry[1]):
        if cid != len(order):
            raise ValueError(f"composite {cid} would be glyph {len(order)}")
        glyph = Glyph()
        if composite.parts:
            glyph.numberOfContours = -1
            glyph.components = []
            for code, x, y in composite.parts:
                component = GlyphComponent()
                component.glyphName = order[code]
                component.x, component.y = x, y
                component.flags = 0
                glyph.components.append(component)
        name = f"cluster{cid:05d}"
        order.append(name)
        table.glyphs[name] = glyph
        table.glyphOrder = order
        glyph.recalcBounds(table)
        metrics[name] = (composite.advance, getattr(glyph, "xMin", 0))
        header.advanceWidthMax = max(header.advanceWidthMax, composite.advance)
        if composite.parts:
            points, contours, depth = glyph.getCompositeMaxpValues(table)
            limits.maxCompositePoints = max(limits.maxCompositePoints, points)
            limits.maxCompositeContours = max(limits.maxCompositeContours, contours)
            limits.maxComponentDepth = max(limits.maxComponentDepth, depth)
            limits.maxComponentElements = max(limits.maxComponentElements, len(composite.parts))
            head.xMin, head.yMin = min(head.xMin, glyph.xMin), min(head.yMin, glyph.yMin)
            head.xMax, head.yMax = max(head.xMax, glyph.xMax), max(head.yMax, glyph.yMax)
            header.xMaxExtent = max(header.xMaxExtent, glyph.xMax)
    limits.numGlyphs = len(order)
    face.setGlyphOrder(order)
    output = BytesIO()
    face.save(output)
    return output.getvalue(), (head.xMin, head.yMin, head.xMax, head.yMax)
