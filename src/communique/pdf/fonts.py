"""Embedded CFF fonts cut down to the glyphs a document draws, their CIDs numbered anew.

WeasyPrint's subsets of the bundled CJK faces keep every glyph slot of the source face (14,000 of them,
empty but for the ones drawn), its vertical metrics and its layout tables: in the reference seed the two
Japanese faces were 99 KiB of 127. Here each such font keeps only its drawn glyphs, numbered 1, 2, 3, …
in their original order (CID = glyph id, as validators assume), and every place that names a CID is
renumbered with it: the text of the content streams, the widths (/W), the ToUnicode map and the CIDSet.
A font used anywhere this module does not rewrite (a form XObject) is left as it is.

A space drawn as an adjustment right after a glyph (`[<0012> -250 <0013>] TJ`: a Japanese-Latin gap, a
wide justification step; justify.py) is read by pdftotext and pdfminer as a word space from about 0.1 em.
Such a gap is folded into the glyph: a copy of it (an alias with the same outline and Unicode value) whose
advance includes the gap, so the text holds no positioning offset there and copies exactly.
"""

from __future__ import annotations

import binascii
import re
import struct
from collections.abc import Collection, Iterable, Iterator
from io import BytesIO
from typing import TYPE_CHECKING

import pypdf
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from communique.pdf import access

if TYPE_CHECKING:
    from fontTools.misc.psCharStrings import T2CharString
    from fontTools.ttLib import TTFont

_BFCHAR_ENTRY = re.compile(rb"<([0-9A-Fa-f]{4})>(\s*<[0-9A-Fa-f]*>)")
FOLDED_GAP = 50
"""Gaps after a glyph from this many thousandths of an em are folded into an alias (extractors read a space
from about 100; justification steps below this stay adjustments, to keep the aliases few)."""
GAP_STEP = 5
"""Folded gaps are rounded down to this step (thousandths of an em); the rest stays an adjustment."""

MAX_CID = 0xFFFF
"""Identity-H codes are two bytes: no alias beyond them (the gap then stays an adjustment)."""

Aliases = dict[tuple[int, int], int]
"""(CID, added advance in thousandths of an em) -> the CID of the glyph's alias."""


def compact_fonts(writer: pypdf.PdfWriter, compact: bool = True) -> list[str]:
    """Renumber and cut every embedded OpenType CFF CIDFont of `writer` that only pages draw with, and fold
    the gaps after its glyphs into aliases; with `compact` False, leave every font as it is. Returns what
    was left undone (the build warns): a font left whole, or gaps left as adjustments."""
    if not compact:
        return []
    unreadable = access.unreadable_fonts()
    fonts = _candidates(writer)
    if not fonts:
        return []
    pages = list(writer.pages)
    if used_in_forms(pages, fonts):
        return ["font compaction: a font is drawn from a form XObject, so no font is cut"]
    if any(b"(" in stream.get_data() for page in pages for stream in content_streams(page)):
        return ["font compaction: a content stream holds a literal string, so no font is cut"]
    blank = {key: _blank_cids(font) for key, font in fonts.items()}
    undone: list[str] = []
    numbering: dict[int, dict[int, int]] = {}
    for key, font in fonts.items():
        cmap = font.get("/ToUnicode")
        if cmap is not None and b"beginbfrange" in cmap.get_object().get_data():
            name = str(font.get("/BaseFont", "?"))[1:]
            undone.append(f"font compaction: {name} has ranges in its ToUnicode map and is left whole")
            continue  # ranges would need splitting; WeasyPrint writes single entries
        numbering[key] = {old: new for new, old in enumerate(sorted(widths(font).keys() | {0}))}
    aliases: dict[int, Aliases] = {key: {} for key in numbering}
    # Every stream and font worked out before any is changed: all or nothing.
    try:
        rewritten = [
            change for page in pages for change in _renumbered_text(page, fonts, numbering, aliases, blank)
        ]
    except unreadable as error:
        return [*undone, f"font compaction: the text could not be renumbered ({error!r}), so no font is cut"]
    programs: dict[int, bytes] = {}
    for key, mapping in numbering.items():
        try:
            programs[key] = _cut(_program(fonts[key]).get_data(), list(mapping), aliases[key])
        except unreadable as error:
            name = str(fonts[key].get("/BaseFont", "?"))[1:]
            return [*undone, f"font compaction: {name} could not be cut ({error}), so no font is cut"]
    for stream, data in rewritten:
        stream.set_data(data)
    for key, mapping in numbering.items():
        _renumber_font(fonts[key], mapping, programs[key], aliases[key])
    return undone


def _candidates(writer: pypdf.PdfWriter) -> dict[int, DictionaryObject]:
    """id() of each Type0 font dictionary whose CIDFont is CFF in an OpenType wrapper -> the dictionary."""
    found: dict[int, DictionaryObject] = {}
    for font in identity_fonts(writer):
        program = font_descriptor(font).get("/FontFile3")
        if program is not None and program.get_object().get("/Subtype") == "/OpenType":
            found[id(font)] = font
    return found


def identity_fonts(writer: pypdf.PdfWriter) -> Iterator[DictionaryObject]:
    """Each Type0 font dictionary of `writer` with two-byte codes that are glyph ids (Identity-H), as
    WeasyPrint writes every font."""
    for item in access.objects(writer):
        if (
            isinstance(item, DictionaryObject)
            and item.get("/Subtype") == "/Type0"
            and item.get("/Encoding") == "/Identity-H"
        ):
            yield item


def descendant(font: DictionaryObject) -> DictionaryObject:
    """A Type0 font's CIDFont; TypeError, KeyError or IndexError when it has none."""
    return access.dictionary(font["/DescendantFonts"].get_object()[0])  # type: ignore[index]


def font_descriptor(font: DictionaryObject) -> DictionaryObject:
    """The font descriptor of a Type0 font's CIDFont."""
    return access.dictionary(descendant(font)["/FontDescriptor"])


def with_cids(cidset: bytes, cids: Iterable[int]) -> bytes:
    """A CIDSet stream's bits `cidset` with the bits of `cids` set too (one bit a CID, first CID highest)."""
    bits = bytearray(cidset)
    for cid in cids:
        bits += bytes(max(cid // 8 + 1 - len(bits), 0))
        bits[cid // 8] |= 0x80 >> (cid % 8)
    return bytes(bits)


def widths(font: DictionaryObject) -> dict[int, float]:
    """CID -> width from the CIDFont's /W array: every glyph drawn (WeasyPrint lists each)."""
    listed = list(descendant(font).get("/W", ArrayObject()))
    result: dict[int, float] = {}
    index = 0
    while index < len(listed):
        first = int(listed[index])
        following = listed[index + 1].get_object()
        if isinstance(following, ArrayObject):
            result.update({first + offset: float(width) for offset, width in enumerate(following)})
            index += 2
        else:
            result.update(dict.fromkeys(range(first, int(following) + 1), float(listed[index + 2])))
            index += 3
    return result


def fonts_of(resources: object) -> dict[str, int]:
    """Resource name -> id() of the font dictionary, for a resources dictionary (or a reference to one)."""
    if isinstance(resources, IndirectObject):
        resources = resources.get_object()
    if not isinstance(resources, DictionaryObject) or "/Font" not in resources:
        return {}
    table = access.dictionary(resources["/Font"])
    return {str(name): id(font.get_object()) for name, font in table.items()}


def used_in_forms(pages: list[pypdf.PageObject], fonts: Collection[int]) -> bool:
    """Whether a form XObject of a page draws with one of `fonts` (its text is not rewritten here)."""
    pending = [page.get("/Resources") for page in pages]
    seen: set[int] = set()
    while pending:
        resources = pending.pop()
        resources = resources.get_object() if resources is not None else None
        if not isinstance(resources, DictionaryObject):
            continue
        for form in resources.get("/XObject", DictionaryObject()).get_object().values():
            form = form.get_object()
            if id(form) in seen or form.get("/Subtype") != "/Form":
                continue
            seen.add(id(form))
            inner = form.get("/Resources")
            names = fonts_of(inner.get_object() if inner is not None else None)
            mine = {name for name, font in names.items() if font in set(fonts)}
            if mine and _selects_font(form, mine):
                return True
            pending.append(inner)
    return False


_FONT_SELECTION = re.compile(rb"/([^\s/\[\]<>()%]+)\s+[-+\d.]+\s+Tf")


def _selects_font(form: StreamObject, names: set[str]) -> bool:
    """Whether the form's content selects one of the fonts `names` (WeasyPrint's crop marks and bleed
    share the page's resources, fonts included, but draw no text)."""
    selected = {"/" + match.group(1).decode("latin-1") for match in _FONT_SELECTION.finditer(form.get_data())}
    return bool(selected & names)


_STATE = re.compile(rb"/([^\s/\[\]<>()%]+)\s+[-+\d.]+\s+Tf|(?<!\S)([qQ])(?!\S)")
"""What selects the font in a content stream: a font selection, a save or restore of the graphics state
(which holds the font)."""
_DRAWN = re.compile(rb"<([0-9A-Fa-f]*)>(-[\d.]+)?")
"""A hex string (in a TJ array), with the adjustment after it if it is a gap. WeasyPrint writes text in
these forms only."""


def _renumbered_text(
    page: pypdf.PageObject,
    fonts: dict[int, DictionaryObject],
    numbering: dict[int, dict[int, int]],
    aliases: dict[int, Aliases],
    blank: dict[int, set[int]],
) -> list[tuple[StreamObject, bytes]]:
    """Each content stream of the page with the text drawn with one of `fonts` renumbered and its gaps
    folded (new aliases added to `aliases`; never after a code in `blank`, which maps to no text);
    KeyError for a code the font's numbering lacks. Only the stretches drawn with one of `fonts` are read
    glyph by glyph."""
    names = fonts_of(page.get("/Resources", DictionaryObject()).get_object())
    if not set(names.values()) & set(fonts):
        return []
    current: int | None = None
    saved: list[int | None] = []

    def renumbered(stretch: bytes) -> bytes:
        if current not in numbering:
            return stretch
        mapping, table, empty = numbering[current], aliases[current], blank[current]

        def recoded(token: re.Match[bytes]) -> bytes:
            hexadecimal, gap = token.groups()
            if len(hexadecimal) % 4:
                return token.group(0)
            drawn = two_byte_codes(hexadecimal)
            codes = [mapping[code] for code in drawn]
            rest = gap or b""
            if (
                codes
                and codes[-1]
                and drawn[-1] not in empty  # an alias needs text of its own to copy as
                and gap
                and -float(gap) >= FOLDED_GAP
                and len(mapping) + len(table) < MAX_CID
            ):
                folded = int(-float(gap)) // GAP_STEP * GAP_STEP
                codes[-1] = table.setdefault((codes[-1], folded), len(mapping) + len(table))
                remainder = float(gap) + folded
                rest = b"%g" % round(remainder, 3) if remainder else b""
            return b"<%s>%s" % (binascii.hexlify(struct.pack(f">{len(codes)}H", *codes)), rest)

        return _DRAWN.sub(recoded, stretch)

    def rewritten(data: bytes) -> bytes:
        nonlocal current
        pieces: list[bytes] = []
        kept = 0  # data before this offset is in `pieces`
        for token in _STATE.finditer(data):
            pieces += [renumbered(data[kept : token.start()]), token.group(0)]
            kept = token.end()
            font, state = token.groups()
            if font is not None:
                current = names.get("/" + font.decode("latin-1"))
            elif state == b"q":
                saved.append(current)
            else:
                current = saved.pop() if saved else current
        pieces.append(renumbered(data[kept:]))
        return b"".join(pieces)

    return [(stream, rewritten(stream.get_data())) for stream in content_streams(page)]


def two_byte_codes(hexadecimal: bytes) -> tuple[int, ...]:
    """The two-byte codes (Identity-H CIDs) a hex string of a content stream draws (its digits a multiple
    of four)."""
    return struct.unpack(f">{len(hexadecimal) // 4}H", binascii.unhexlify(hexadecimal))


def _blank_cids(font: DictionaryObject) -> set[int]:
    """CIDs the font's ToUnicode maps to no text (a glyph drawn within another's cluster)."""
    cmap = font.get("/ToUnicode")
    data = cmap.get_object().get_data() if cmap is not None else b""
    return {cid for cid, text in text_entries(data) if text == b"<>"}


def content_streams(page: pypdf.PageObject) -> list[StreamObject]:
    """The page's content streams."""
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else ArrayObject()
    parts = list(contents) if isinstance(contents, ArrayObject) else [contents]
    streams = [part.get_object() for part in parts]
    return [stream for stream in streams if isinstance(stream, StreamObject)]


def _program(font: DictionaryObject) -> StreamObject:
    return access.stream(font_descriptor(font)["/FontFile3"])


def _renumber_font(font: DictionaryObject, mapping: dict[int, int], cut: bytes, aliases: Aliases) -> None:
    """The font's program replaced by `cut` (its glyphs in the new numbering, then `aliases`), with /W,
    ToUnicode and CIDSet renumbered."""
    cid_font = descendant(font)
    program = _program(font)
    program.set_data(cut)
    old_widths = widths(font)
    kept = sorted(mapping.items(), key=lambda item: item[1])
    new_widths = [old_widths.get(old, 0.0) for old, new in kept if new]
    new_widths += [
        new_widths[cid - 1] + gap for (cid, gap), _ in sorted(aliases.items(), key=lambda item: item[1])
    ]
    cid_font[NameObject("/W")] = ArrayObject(
        [NumberObject(1), ArrayObject(number(width) for width in new_widths)]
    )
    cmap = font.get("/ToUnicode")
    if cmap is not None:
        stream = cmap.get_object()
        data = _BFCHAR_ENTRY.sub(lambda entry: _recoded_entry(entry, mapping), stream.get_data())
        stream.set_data(_with_alias_entries(data, aliases))
    cidset = font_descriptor(font).get("/CIDSet")
    if cidset is not None:
        cidset.get_object().set_data(with_cids(b"", range(len(mapping) + len(aliases))))


def number(width: float) -> NumberObject | FloatObject:
    return NumberObject(int(width)) if width == int(width) else FloatObject(round(width, 3))


def _recoded_entry(entry: re.Match[bytes], mapping: dict[int, int]) -> bytes:
    old = int(entry.group(1), 16)
    return b"<%04X>%s" % (mapping.get(old, old), entry.group(2))


def _cut(data: bytes, cids: list[int], aliases: Aliases) -> bytes:
    """The OpenType CFF font with only `cids`, glyph i being CID i, then each alias; without layout
    tables or vertical metrics; reproducible (no new timestamp).

    The HarfBuzz subsetter (uharfbuzz) drops the glyphs: 1-4 ms a face where fontTools took 20-230 ms
    (it recompiles every outline of a 14,000-slot subset in Python). HarfBuzz keeps each glyph's CID in
    the CFF charset; fontTools then names the few glyphs left so that glyph i is CID i, as viewers and
    validators assume, and appends the aliases, in one pass."""
    import uharfbuzz
    from fontTools.ttLib import TTFont

    request = uharfbuzz.SubsetInput()
    request.glyph_set.update(cids)
    request.flags = uharfbuzz.SubsetFlags.NOTDEF_OUTLINE
    request.sets(uharfbuzz.SubsetInputSets.DROP_TABLE_TAG).update(_tag(tag) for tag in _DROPPED_TABLES)
    cut = uharfbuzz.subset(uharfbuzz.Face(data), request)
    if cut is None:
        raise ValueError("the HarfBuzz subsetter refused the font")
    face = TTFont(BytesIO(cut.blob.data), recalcTimestamp=False, recalcBBoxes=False)
    top = face["CFF "].cff.topDictIndex[0]
    order = list(face.getGlyphOrder())
    if len(order) != len(cids):
        raise ValueError(f"{len(cids)} glyphs were asked for and {len(order)} kept")
    # Glyph i named cid<i>: the CFF charset maps CID i to glyph i. The other tables refer to glyphs by
    # index, so they are left unread and are written as HarfBuzz cut them (unless aliases are added).
    renamed = [".notdef", *(f"cid{number:05d}" for number in range(1, len(order)))]
    names = dict(zip(order, renamed, strict=True))
    strings = top.CharStrings
    strings.charStrings = {names[old]: index for old, index in strings.charStrings.items()}
    top.charset = renamed
    face.setGlyphOrder(renamed)
    _append_aliases(face, renamed, aliases)
    output = BytesIO()
    face.save(output)
    return output.getvalue()


_DROPPED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "meta")
"""Tables a PDF viewer never reads from an embedded font: layout, vertical metrics, signatures."""


def _tag(name: str) -> int:
    """An OpenType table tag as HarfBuzz numbers it."""
    return int.from_bytes(name.encode("ascii"), "big")


def _with_alias_entries(cmap: bytes, aliases: Aliases) -> bytes:
    """The ToUnicode CMap `cmap` with each alias mapped to its glyph's text."""
    text = dict(text_entries(cmap))
    ordered = sorted(aliases.items(), key=lambda item: item[1])
    return with_entries(cmap, [(alias, text[cid]) for (cid, _), alias in ordered])


def glyph_characters(face: TTFont) -> dict[int, int]:
    """Glyph id -> the character the font's own cmap gives it (the lowest, where several share one)."""
    characters: dict[int, int] = {}
    for code, name in sorted((face.getBestCmap() or {}).items()):
        characters.setdefault(face.getGlyphID(name), code)
    return characters


def text_entries(cmap: bytes) -> Iterator[tuple[int, bytes]]:
    """(CID, `<UTF-16BE hex>`) for each entry of a ToUnicode CMap WeasyPrint wrote (single entries)."""
    for match in _BFCHAR_ENTRY.finditer(cmap):
        yield int(match.group(1), 16), match.group(2).strip()


def with_replaced(cmap: bytes, texts: dict[int, bytes]) -> bytes:
    """The ToUnicode CMap `cmap` with the entries of the CIDs in `texts` mapped to their text there."""
    if not texts:
        return cmap

    def replaced(entry: re.Match[bytes]) -> bytes:
        text = texts.get(int(entry.group(1), 16))
        return entry.group(0) if text is None else b"<%s> %s" % (entry.group(1), text)

    return _BFCHAR_ENTRY.sub(replaced, cmap)


def with_entries(cmap: bytes, entries: list[tuple[int, bytes]]) -> bytes:
    """The ToUnicode CMap `cmap` with each (CID, `<UTF-16BE hex>`) of `entries` added."""
    if not entries:
        return cmap
    lines = [b"<%04X> %s" % entry for entry in entries]
    blocks = b"".join(
        b"%d beginbfchar\n%s\nendbfchar\n" % (len(chunk), b"\n".join(chunk))
        for chunk in (lines[start : start + 100] for start in range(0, len(lines), 100))
    )
    end = cmap.rindex(b"endcmap")
    return cmap[:end] + blocks + cmap[end:]


def _append_aliases(face: TTFont, order: list[str], aliases: Aliases) -> None:
    """Append each alias to the OpenType CFF `face` whose glyphs are `order` (extended here): the glyph's
    outline, its advance widened by the gap (in the hmtx table and the charstring alike)."""
    if not aliases:
        return
    scale = face["head"].unitsPerEm / 1000
    top = face["CFF "].cff.topDictIndex[0]
    strings = top.CharStrings
    metrics = face["hmtx"].metrics
    for (cid, gap), alias in sorted(aliases.items(), key=lambda item: item[1]):
        if alias != len(order):
            raise ValueError(f"alias {alias} would be glyph {len(order)}")
        source = order[cid]
        advance, bearing = metrics[source]
        advance += round(gap * scale)
        name = f"cid{alias:05d}"
        strings.charStringsIndex.append(_with_width(strings[source], advance))
        strings.charStrings[name] = len(strings.charStringsIndex) - 1
        if hasattr(top, "FDSelect"):
            top.FDSelect.append(top.FDSelect[cid])
        metrics[name] = (advance, bearing)
        order.append(name)
    top.charset = order
    face.setGlyphOrder(order)


_WIDTH_PARITY = frozenset({"hstem", "vstem", "hstemhm", "vstemhm", "hintmask", "cntrmask"})
"""Type 2 operators that may open a charstring and take operands in pairs: an odd count before one of
them starts with the glyph's width (Adobe TN 5177, section 4)."""
_WIDTH_COUNTS = {"rmoveto": {3}, "hmoveto": {2}, "vmoveto": {2}, "endchar": {1, 5}}
"""Opening operators with a fixed number of operands -> the counts that include a width."""


def _with_width(original: T2CharString, advance: int) -> T2CharString:
    """A copy of the Type 2 charstring `original` drawing the same outline with advance `advance`.

    The width is the optional first operand before the charstring's first operator, so the copy is the
    same bytecode with that operand written anew: nothing is decompiled, and the subroutines the glyph
    calls stay as they are (drawing it through a pen decompiled them, to be compiled again: most of the
    cut's time). A charstring that opens with a subroutine call hides where its width is: it is drawn."""
    from fontTools.misc.psCharStrings import T2CharString, encodeFixed, encodeIntT2

    private = original.private
    bytecode = original.bytecode
    if bytecode is None:
        return _drawn_with_width(original, advance)
    operands: list[int] = []  # where each operand starts
    index = 0
    while True:
        start = index
        token, is_operator, index = original.getToken(index)
        if token is None or is_operator:
            break
        operands.append(start)
    count = len(operands)
    if token in _WIDTH_PARITY:
        has_width = count % 2 == 1
    elif token in _WIDTH_COUNTS:
        has_width = count in _WIDTH_COUNTS[token]
    else:  # a subroutine call (or nothing): the width may be in it
        return _drawn_with_width(original, advance)
    # What follows the width: the next operand, or the operator where the width was the only one.
    following = (operands[1] if count > 1 else start) if has_width else 0
    rest = bytecode[following:]
    width = advance - private.nominalWidthX
    encoded = encodeIntT2(int(width)) if width == int(width) else encodeFixed(width)
    return T2CharString(bytecode=encoded + rest, private=private, globalSubrs=original.globalSubrs)


def _drawn_with_width(original: T2CharString, advance: int) -> T2CharString:
    """A copy of `original` drawn through a pen with advance `advance`."""
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    private = original.private
    pen = T2CharStringPen(advance - private.nominalWidthX, None)
    original.draw(pen)
    copy: T2CharString = pen.getCharString(private=private, globalSubrs=original.globalSubrs)
    return copy
