"""Japanese, Chinese and Thai line adjustment inside WeasyPrint's layout (JLReq 3.8, Thai distributed), and
tracking of the justified Latin-script lines whose word spaces would be too wide (issue 20).

WeasyPrint chooses the line breaks (the typeset stage's kinsoku and phrase spans guide it) but can only
widen spaces to justify, so CJK lines ended ragged. This module replaces its alignment step for lines
that hold CJK text and adjusts each line after its breaks are known:

1. Japanese-Latin gaps (the typeset stage's 1/8 em margins, the narrowest JLReq allows, so that line
   breaking may use them) move into the advance of the glyph before them, and vanish at a line's start
   or end.
2. An opening bracket that starts a line loses its leading half-em blank (house rule, JLReq 3.1.4).
3. The line's slack widens the gaps up to a quarter em, then, in a justified line that is not a
   paragraph's last, is shared by every boundary next to a CJK character, so the line ends flush.

A justified line of Latin, Greek or Cyrillic text is WeasyPrint's to justify (its spaces widen) unless its
spaces would be wider than LOOSEST_SPACE_EM: the next word is a name or too long to go up, and no break
of the paragraph (`linebreak`) helps. Then its spaces widen to that width and the letters of its words
share the rest, at most TRACKING_EM each; only what they cannot take widens the spaces further.

Every amount is added to the advance of one glyph (`Layout.set_text` applies them when the text is
drawn), so the PDF records it as part of that glyph's advance or as an adjustment right after it, never
as a new text position; `fontpack` later folds the wide ones into the glyph's own width, which keeps the
copied text free of spurious spaces.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import unicodedata
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from communique.conventions import primary
from communique.engine.hooks import Patch
from communique.engine.undone import ENGINE_CHANGED, excerpt, report
from communique.jlreq import CLOSING, GAP_END, GAP_START, HALT, OPENING

QUARTER_EM = 0.25
MAX_SPREAD = 0.5
"""Most a justified line adds at one place, in em: a line that would need more (a few characters in a
narrow column, next to an unbreakable number) stays short of the edge instead (in the four-language
columns, Chinese list lines opened 0.9 em between characters)."""
ADJUSTED_LANGUAGES = frozenset({"ja", "zh", "th"})
"""Languages whose lines are justified between characters (Korean justifies at spaces). Thai has spaces
only between phrases: widening them alone opened gaps of over an em in a line with two (and pdftotext
read such a line as three columns); Thai typesetting distributes the slack between character cells."""

LOOSEST_SPACE_EM = 0.58
"""The widest a justified line's word space is made, in em of its font size, before its letters take the
rest of the slack (a little under issue 20's 0.6 em, which a reader measures between the glyphs' boxes;
`linebreak` plans its breaks to the same width)."""
TRACKING_EM = 0.04
"""Most a justified Latin-script line adds between two letters of a word, in em: InDesign's justification
"letter spacing", which it counts in percent of a space (0.04 em is 15 % of Noto Serif's 0.26 em space),
used only past the widest word space (microtype's font expansion, 2 % of a glyph's width, is of the same
order but widens the glyphs themselves). Kept well under the 0.1 em gap that pdftotext and pdfminer read
as a space within a word, and under `fonts.FOLDED_GAP`, so the glyphs keep their own widths."""
EXPANDABLE = frozenset(" \u00a0")
"""What WeasyPrint's justification widens."""
COLLAPSING = frozenset({"normal", "nowrap", "pre-line"})
"""The white-space values whose spaces collapse: WeasyPrint justifies only such lines, and drops the
spaces where a line breaks."""
_UNTRACKED = "communique_untracked_spacing"  # a tracked text box's attribute: see `untracked_spacing`

_PANGO_UNITS = 1024  # Pango units per CSS pixel (WeasyPrint's TO_UNITS)


@dataclass
class _Glyph:
    """One character of a line and what is added to its advance."""

    box: Any
    index: int
    char: str
    halted: bool = False
    """Already set half-width (consecutive punctuation)."""
    extra: float = 0.0
    """Added after the glyph, in CSS pixels: always whole thousandths of its em, as the PDF records them."""
    shift: float = 0.0
    """Moves the glyph left within the line (a trimmed opening bracket), narrowing its advance too."""

    def grant(self, amount: float) -> float:
        """Add as much of `amount` (px) as whole thousandths of an em allow; return what was added."""
        unit = float(self.box.style["font_size"]) / 1000
        granted = math.floor(amount / unit + 1e-6) * unit if amount > 0 else 0.0
        self.extra += granted
        return granted


@dataclass
class _Gap:
    """A Japanese-Latin gap: the margin of a Latin run's span on one side."""

    span: Any
    side: str
    width: float
    owner: _Glyph | None = None
    kept: bool = False
    """Left a margin (at the start of a title phrase)."""


@dataclass
class _Line:
    glyphs: list[_Glyph] = field(default_factory=list)
    gaps: list[_Gap] = field(default_factory=list)


def patches() -> list[Patch]:
    """Route WeasyPrint's alignment of each line and its drawing of text through this module."""
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    return [
        Patch(inline, "text_align", _adjusting_text_align),
        Patch(line_break.Layout, "set_text", _adjusting_set_text),
    ]


def _adjusting_text_align(original: Any) -> Any:
    @functools.wraps(original)
    def text_align(context: Any, line: Any, available_width: float, last: bool) -> float:
        try:
            if _is_adjusted(line):
                return align(line, available_width, last)
            if line.style["direction"] == "rtl":
                _close_up_right_to_left(line)
                if _alignment(line, last) == "justify":
                    return justify_right_to_left(line, available_width)
            elif _alignment(line, last) == "justify" and track(line, available_width):
                return 0.0
        except ENGINE_CHANGED as error:
            report(
                "line adjustment", f"the line {excerpt(_line_text(line))} is set as WeasyPrint sets it", error
            )
        return float(original(context, line, available_width, last))

    return text_align


def _adjusting_set_text(original: Any) -> Any:
    @functools.wraps(original)
    def set_text(layout: Any, text: str, justify: bool = False) -> None:
        original(layout, text, justify)
        advances = getattr(layout, "communique_advances", None)
        if justify and advances:
            try:
                _apply_advances(layout, advances)
            except ENGINE_CHANGED as error:
                report(
                    "line adjustment",
                    f"the spacing worked out for the line {excerpt(text)} could not be drawn",
                    error,
                )

    return set_text


def _line_text(line: Any) -> str:
    """The line's text, as far as it can be read."""
    try:
        return "".join(str(box.text) for box in _text_boxes(line))
    except ENGINE_CHANGED:
        return ""


def trimmed_room(line: Any) -> float:
    """Up to how much narrower a laid-out line stands than when WeasyPrint broke it: an adjusted line (CJK,
    Thai) loses the half em of an opening bracket at its start and the gap after closing punctuation at
    its end (`align`), so an em of its largest text; any other line nothing."""
    if not _is_adjusted(line):
        return 0.0
    return max((float(box.style["font_size"]) for box in _text_boxes(line)), default=0.0)


def _is_adjusted(line: Any) -> bool:
    return any(primary(box.style["lang"] or "") in ADJUSTED_LANGUAGES for box in _text_boxes(line))


def _text_boxes(box: Any) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes

    for child in getattr(box, "children", ()):
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.TextBox):
            yield child
        elif isinstance(child, boxes.InlineBox):
            yield from _text_boxes(child)


def align(line: Any, available_width: float, last: bool) -> float:
    """Adjust a line holding CJK text in place; return its offset for `text-align` as WeasyPrint would."""
    parts = _read(line)
    piece = "phrase" in _classes(line)  # a phrase box's line is a piece of a longer line (titles)
    slack = available_width - line.width + _settle_gaps(parts, at_edges=not piece)
    if not piece:
        _trim_opening(parts)
    slack += sum(glyph.shift for glyph in parts.glyphs)
    slack = _widen_gaps(parts, slack)
    mode = _alignment(line, last)
    if mode == "justify" and slack > 0:
        slack = _spread(parts, slack)
    _commit(line, parts)
    if mode in ("start", "justify") or slack <= 0:
        return 0.0
    return slack / 2 if mode == "center" else slack


def _close_up_right_to_left(line: Any) -> None:
    """Place a right-to-left line's boxes side by side from its left edge, each drawn without the space
    WeasyPrint stripped from it. Where a line broke before an inline box (a date kept on one line),
    WeasyPrint strips the space ending the text box before it but still draws it — on the left, right
    to left — and leaves the box where the space began: the box stood a space's width past the column."""
    for box in _text_boxes(line):
        if box.pango_layout.text != box.text and box.pango_layout.text.rstrip() == box.text.rstrip():
            box.pango_layout.text = box.text
    edge = line.position_x
    for child in _visual(line):
        if child.is_in_normal_flow():
            child.translate(edge - child.position_x, 0, ignore_floats=True)
            edge += child.margin_width()


def justify_right_to_left(line: Any, available_width: float) -> float:
    """Justify a right-to-left line by widening its spaces (WeasyPrint's own justification misplaced such a
    line by up to 2.3 pt when it held an inline box, such as a date kept on one line)."""
    if available_width <= line.width:
        return 0.0  # a full line: nothing to share
    parts = _read(line)
    _share([glyph for glyph in parts.glyphs[:-1] if glyph.char == " "], available_width - line.width)
    _commit(line, parts)
    return 0.0


def track(line: Any, available_width: float) -> bool:
    """Justify a left-to-right line of Latin, Greek or Cyrillic text whose word spaces would be wider than
    LOOSEST_SPACE_EM: its spaces widen to that, the letters of its words (`_letter_gaps`) share the rest,
    TRACKING_EM at most each, and the spaces take what they cannot. False, with nothing changed, where
    WeasyPrint's spaces stay within LOOSEST_SPACE_EM (as `linebreak` measures them), the line holds
    another script or has no letters to track: WeasyPrint justifies it."""
    slack = available_width - line.width
    if slack <= 0 or line.style["white_space"] not in COLLAPSING:
        return False
    spaced = [box for box in _text_boxes(line) if not EXPANDABLE.isdisjoint(box.text)]
    spacing = slack / max(1, sum(char in EXPANDABLE for box in spaced for char in box.text))
    if all(space_width(box.style) + spacing <= LOOSEST_SPACE_EM * _size(box) for box in spaced):
        return False
    parts = _read(line)
    if not all(
        _is_trackable(glyph.char) or unicodedata.category(glyph.char)[0] in "ZMC" for glyph in parts.glyphs
    ):
        return False  # a letter of another script (or a wide character): not a Latin-script line
    spaces = [glyph for glyph in parts.glyphs[:-1] if glyph.char in EXPANDABLE]
    room = sum(LOOSEST_SPACE_EM * _size(glyph.box) - space_width(glyph.box.style) for glyph in spaces)
    letters = _letter_gaps(parts)
    capacity = len(letters) * min((TRACKING_EM * _size(glyph.box) for glyph in letters), default=0.0)
    if not spaces or slack <= room or capacity <= 0:
        return False
    for gap in parts.gaps:
        gap.kept = True  # a Japanese-Latin margin (none in a Latin paragraph) stays as laid out
    for box in spaced:  # what WeasyPrint would have given each space, for `linebreak`
        box.__dict__[_UNTRACKED] = spacing
    tracked = min(slack - room, capacity)
    tracked -= _share(letters, tracked)
    _share(spaces, slack - tracked)
    _commit(line, parts)
    return True


def untracked_spacing(box: Any) -> float:
    """What justification added to each space of a text box of a line, in px: what WeasyPrint would have
    added where `track` gave part of it to the letters instead."""
    return float(box.__dict__.get(_UNTRACKED, box.justification_spacing))


def _size(box: Any) -> float:
    return float(box.style["font_size"])


def _letter_gaps(parts: _Line) -> list[_Glyph]:
    """The glyphs of the line a letter gap may follow: a character of a word (`_is_trackable`) followed by
    another in the same text box, which starts a cluster of its own (never inside a ligature or a letter
    with its marks), so never the line's last glyph nor one next to a space."""
    starts: dict[int, frozenset[int]] = {}
    found = []
    for glyph, following in itertools.pairwise(parts.glyphs):
        if following.box is not glyph.box or not (
            _is_trackable(glyph.char) and _is_trackable(following.char)
        ):
            continue
        if id(glyph.box) not in starts:
            starts[id(glyph.box)] = _cluster_starts(glyph.box.pango_layout.text, glyph.box.style)
        if following.index in starts[id(glyph.box)]:
            found.append(glyph)
    return found


@functools.lru_cache(maxsize=4096)
def _is_trackable(char: str) -> bool:
    """A character letter spacing may set apart from its neighbours: a Latin, Greek or Cyrillic letter, or
    a digit, punctuation mark or symbol that is not East Asian wide."""
    category = unicodedata.category(char)[0]
    if category == "L":
        code = ord(char)
        return any(low <= code <= high for low, high in _LATIN_GREEK_CYRILLIC)
    return category in "NPS" and not _is_wide(char)


_LATIN_GREEK_CYRILLIC = (
    (0x0000, 0x052F),  # Latin, IPA, Greek and Coptic, Cyrillic and its supplement
    (0x1D00, 0x1FFF),  # phonetic extensions, Latin Extended Additional, Greek Extended
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0xFB00, 0xFB06),  # Latin ligatures
)
"""The blocks whose letters may be tracked."""


def _cluster_starts(text: str, style: Any) -> frozenset[int]:
    """The indices of the characters of `text` that start a cluster when Pango shapes it in `style`."""
    from weasyprint.text.line_break import create_layout

    byte_starts = _clusters(create_layout(text, style, None, None, 0))
    return frozenset(
        index
        for index, offset in enumerate(itertools.accumulate((len(char.encode()) for char in text), initial=0))
        if offset in byte_starts and index < len(text)
    )


_space_widths: weakref.WeakKeyDictionary[Any, dict[str, float]] = weakref.WeakKeyDictionary()
"""Per font configuration: the width of a space in each font and size."""


_SHAPING = (
    "font_family",
    "font_style",
    "font_stretch",
    "font_weight",
    "font_size",
    "font_kerning",
    "font_variant_ligatures",
    "font_variant_caps",
    "font_feature_settings",
    "font_variation_settings",
    "lang",
    "letter_spacing",
    "word_spacing",
)
"""The style properties a space's width depends on."""


def space_width(style: Any) -> float:
    """The width of a space in the style's font, from Pango."""
    widths = _space_widths.setdefault(style.font_config, {})
    key = repr(tuple(style[name] for name in _SHAPING))
    if key not in widths:
        widths[key] = text_width("a a", style) - text_width("aa", style)
    return widths[key]


def text_width(text: str, style: Any) -> float:
    """The width of `text` set on one line in `style`, from Pango."""
    from weasyprint.text.line_break import create_layout, line_size

    layout = create_layout(text, style, None, None, 0)
    width, _ = line_size(layout.get_first_line()[0], style)
    return float(width)


def _alignment(line: Any, last: bool) -> str:
    """'start', 'end', 'center' or 'justify', as WeasyPrint's `text_align` decides it."""
    mode = str(line.style["text_align_all"])
    if last and line.style["text_align_last"] != "auto":
        mode = str(line.style["text_align_last"])
    elif last and mode == "justify":
        mode = "start"
    if mode in ("left", "right"):
        mode = "start" if (mode == "left") ^ (line.style["direction"] == "rtl") else "end"
    return mode


def _read(line: Any) -> _Line:
    """The line's characters and gaps in order."""
    from weasyprint.formatting_structure import boxes

    parts = _Line()

    def walk(box: Any, halted: bool) -> None:
        for child in box.children:
            if not child.is_in_normal_flow():
                continue
            if isinstance(child, boxes.TextBox):
                parts.glyphs.extend(
                    _Glyph(child, index, char, halted) for index, char in enumerate(child.text)
                )
            elif isinstance(child, boxes.InlineBox):
                classes = _classes(child)
                if GAP_START in classes and child.margin_left:
                    parts.gaps.append(_Gap(child, "left", child.margin_left, _last(parts)))
                walk(child, halted or HALT in classes)
                if GAP_END in classes and child.margin_right:
                    parts.gaps.append(_Gap(child, "right", child.margin_right, _last(parts)))

    walk(line, False)
    return parts


def _last(parts: _Line) -> _Glyph | None:
    return parts.glyphs[-1] if parts.glyphs else None


def _classes(box: Any) -> frozenset[str]:
    element = box.element
    if element is None or box.element_tag.endswith(("::before", "::after")):
        return frozenset()
    return frozenset((element.get("class") or "").split())


def _settle_gaps(parts: _Line, at_edges: bool = True) -> float:
    """Each gap moves into the glyph before it; with `at_edges`, one at the line's start or end goes,
    else one at the end stays in the last glyph and one at the start stays a margin. Return the width
    freed."""
    last = parts.glyphs[-1] if parts.glyphs else None
    freed = 0.0
    for gap in parts.gaps:
        if gap.side == "right" and gap.owner is last and at_edges:
            gap.owner = None
        if gap.owner is None and not at_edges:
            gap.kept = True
            continue
        freed += gap.width - (gap.owner.grant(gap.width) if gap.owner is not None else 0.0)
    return freed


def _trim_opening(parts: _Line) -> None:
    """An opening bracket at the start of a line is set flush: its leading half-em blank goes."""
    first = parts.glyphs[0] if parts.glyphs else None
    if first is not None and first.char in OPENING and not first.halted:
        first.shift = first.box.style["font_size"] / 2


def _widen_gaps(parts: _Line, slack: float) -> float:
    """Widen the gaps towards a quarter em, evenly, as far as the slack allows; return what is left."""
    kept = [gap for gap in parts.gaps if gap.owner is not None]
    room = [max(0.0, QUARTER_EM * float(gap.span.style["font_size"]) - gap.width) for gap in kept]
    if not kept or slack <= 0 or not any(room):
        return slack
    share = min(1.0, slack / sum(room))
    for gap, extra in zip(kept, room, strict=True):
        if gap.owner is not None:
            slack -= gap.owner.grant(extra * share)
    return slack


def _spread(parts: _Line, slack: float) -> float:
    """Share the slack, at most MAX_SPREAD at each place, among the boundaries after each glyph next to a
    CJK character or a Thai letter and the spaces between Latin words (JLReq widens those too): never
    before a combining mark, a selector or SARA AM, and inside a bracket's or a stop's own blank (after
    an opening bracket, before a closing one or 、。) only where the line has no other place. Returns the
    slack left."""
    gapped = {id(gap.owner) for gap in parts.gaps if gap.owner is not None}
    boundaries: list[_Glyph] = []
    last_resort: list[_Glyph] = []
    for previous, glyph, following in zip(
        [None, *parts.glyphs], parts.glyphs, parts.glyphs[1:], strict=False
    ):
        if is_mark(following.char):
            continue  # a mark stays on its base
        if glyph.char == " ":
            between_words = previous is not None and not (_is_wide(previous.char) or _is_wide(following.char))
            if between_words:
                boundaries.append(glyph)
        elif (
            not glyph.char.isspace()
            and not following.char.isspace()
            and (id(glyph) in gapped or _is_cell(glyph.char) or _is_cell(following.char))
            and following.char not in _DRAWN_ON_PREVIOUS
        ):
            # A bracket's or stop's own blank is its side's spacing: widened only if nothing else can be.
            bracketed = following.char in CLOSING or glyph.char in OPENING
            (last_resort if bracketed else boundaries).append(glyph)
    chosen = boundaries or last_resort
    if not chosen:
        return slack
    most = sum(MAX_SPREAD * float(glyph.box.style["font_size"]) for glyph in chosen)
    return _share(chosen, min(slack, most)) + max(slack - most, 0.0)


def _share(glyphs: list[_Glyph], slack: float) -> float:
    """Add `slack` evenly after `glyphs`, in whole thousandths of an em; return what could not be added."""
    if not glyphs or slack <= 0:
        return slack
    share = slack / len(glyphs)
    slack -= sum(glyph.grant(share) for glyph in glyphs)
    for glyph in glyphs:  # what rounding to thousandths left, a thousandth at a time
        slack -= glyph.grant(min(slack, float(glyph.box.style["font_size"]) / 1000))
    return slack


@functools.lru_cache(maxsize=4096)
def is_mark(char: str) -> bool:
    """A combining mark or a variation selector: drawn with the character before it."""
    return (
        unicodedata.category(char) in ("Mn", "Me")
        or "\ufe00" <= char <= "\ufe0f"
        or "\U000e0100" <= char <= "\U000e01ef"
    )


@functools.lru_cache(maxsize=4096)
def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _is_cell(char: str) -> bool:
    """A character justification may set apart from its neighbours: CJK, or a Thai letter or sign."""
    return _is_wide(char) or "\u0e01" <= char <= "\u0e5b"


_DRAWN_ON_PREVIOUS = "\u0e33"
"""Thai SARA AM: HarfBuzz draws its NIKHAHIT over the character before it, which must not move away."""


def _commit(line: Any, parts: _Line) -> None:
    """Move the boxes by what was added, and record each glyph's change for drawing."""
    from weasyprint.formatting_structure import boxes

    added: dict[int, float] = {}
    for glyph in parts.glyphs:
        if glyph.extra or glyph.shift:
            advances = glyph.box.pango_layout.__dict__.setdefault("communique_advances", {})
            advances[glyph.index] = (glyph.extra - glyph.shift, -glyph.shift)
            added[id(glyph.box)] = added.get(id(glyph.box), 0.0) + glyph.extra - glyph.shift
    margins = {(id(gap.span), gap.side): gap.width for gap in parts.gaps if not gap.kept}

    def move(box: Any, advance: float) -> float:
        if isinstance(box, boxes.TextBox):
            box.position_x += advance
            grown = added.get(id(box), 0.0)
            box.width += grown
            return advance + grown
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            box.position_x += advance
            left = margins.get((id(box), "left"), 0.0)
            box.margin_left -= left
            advance -= left
            start = advance
            for child in _visual(box):
                if child.is_in_normal_flow():
                    advance = move(child, advance)
            box.width += advance - start
            right = margins.get((id(box), "right"), 0.0)
            box.margin_right -= right
            return advance - right
        box.translate(advance, 0)
        return advance

    start = 0.0
    for child in _visual(line):
        if child.is_in_normal_flow():
            start = move(child, start)
    line.width += start


def _visual(box: Any) -> list[Any]:
    """The box's children from left to right (WeasyPrint places a right-to-left box's children in
    reverse)."""
    return list(box.children[::-1] if box.style["direction"] == "rtl" else box.children)


def _apply_advances(layout: Any, advances: dict[int, tuple[float, float]]) -> None:
    """Add the recorded advances to the glyphs of the layout's (single) line, as it is about to be drawn."""
    from weasyprint.text.ffi import pango

    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)  # drawing sets it; it would re-lay out
    byte_at = list(itertools.accumulate((len(char.encode()) for char in layout.text), initial=0))
    clusters = _clusters(layout)
    starts = sorted(clusters)
    if not starts:
        return
    # WeasyPrint writes the difference from the font's advance truncated to a whole thousandth of an em:
    # a tenth of a thousandth more keeps a whole number of thousandths from losing one to rounding.
    margin = float(layout.style["font_size"]) / 10000
    for index, (width, shift) in advances.items():
        if index >= len(layout.text):  # a space WeasyPrint stripped
            continue
        # The cluster that draws the character (a base and its combining mark draw as one).
        cluster = clusters[starts[max(0, bisect.bisect_right(starts, byte_at[index]) - 1)]]
        cluster[-1].geometry.width += round((width + margin) * _PANGO_UNITS)
        if shift:  # WeasyPrint reads an offset in units of 1/1000 px, not Pango's
            cluster[0].geometry.x_offset += round(shift * 1000)


def _clusters(layout: Any) -> dict[int, list[Any]]:
    """The glyphs of the layout's first line by the UTF-8 offset where their cluster starts."""
    from weasyprint.text.ffi import pango

    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    run = line.runs
    clusters: dict[int, list[Any]] = {}
    while run:
        item = run.data
        glyphs = item.glyphs
        for number in range(glyphs.num_glyphs):
            clusters.setdefault(item.item.offset + glyphs.log_clusters[number], []).append(
                glyphs.glyphs[number]
            )
        run = run.next
    return clusters
