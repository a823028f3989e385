"""Paragraphs broken as a whole (issue 20): justified English lines with word spaces of at most 0.6 em, and
no Japanese or Chinese paragraph ending on a line of one character.

WeasyPrint breaks a paragraph first-fit, one line after the other (`iter_line_boxes`): a line takes all
the words that fit, so a long word that does not fit leaves the line before it loose. This module keeps
WeasyPrint's lines where they are good and otherwise chooses the breaks for the whole paragraph:

1. A justified paragraph is broken first-fit, as WeasyPrint does. If its loosest word space is at most
   PLAN_EM (and, in Japanese or Chinese, its last line holds more than one character), its lines stand.
2. Otherwise the paragraph is laid out once more as one endless line: every character's position comes
   from Pango's own shaping, and the places a line may end are WeasyPrint's (Pango's break opportunities
   inside a text, WeasyPrint's rule between boxes, nowhere inside a box kept whole) plus the hyphenation
   points WeasyPrint would use (the house dictionary of `hyphenation`: no capitalised word, the CSS
   `hyphenate-limit-chars`).
3. English and other space-justified text: the breaks whose loosest line opens least past PLAN_EM (a
   line that cannot be justified counts as worst), and among those the breaks minimising the paragraph's
   demerits (Knuth and Plass: badness from the stretch of the word spaces, a penalty per hyphen and per
   hyphen after a hyphen, at most LIMIT_LINES hyphenated lines in a row, counted from the page's first
   line of the paragraph as WeasyPrint counts them). Japanese and Chinese: the line before a
   one-character last line ends at the break before, so that two or more characters go down (kinsoku
   holds: only WeasyPrint's break opportunities are used); `justify` then spreads that line to the edge.
4. The paragraph is broken again by WeasyPrint from the first line that changes, each line offered a
   width between its planned width and that of the next longer line WeasyPrint could make, so that its
   first-fit ends on the chosen break (`split_inline_box` receives that `max_x`; alignment still
   justifies to the column). The new lines replace the first-fit ones only if no more of them fall short
   of the column's edge and they are better: a narrower loosest space, a last line of two characters.

A paragraph that cannot be planned (a forced line break, a float or a positioned box in it, text laid out
otherwise than read) keeps WeasyPrint's own lines, as before, and so does one whose every plan is no
better (a loose first line whose next word is a name: no break helps, and names are never hyphenated;
`justify` then tracks that line's letters so that its spaces stay within PLAN_EM). A plan that cannot
read the engine's internals is reported (`undone`); its paragraph keeps those lines too.
"""

from __future__ import annotations

import functools
import itertools
import math
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from communique.conventions import primary
from communique.engine.hooks import Patch
from communique.engine.hyphenation import HYPHENS, LIMIT_LINES, HouseDictionary, ends_hyphenated
from communique.engine.justify import (
    ADJUSTED_LANGUAGES,
    COLLAPSING,
    EXPANDABLE,
    LOOSEST_SPACE_EM,
    is_mark,
    space_width,
    text_width,
    untracked_spacing,
)
from communique.engine.undone import ENGINE_CHANGED, excerpt, report
from communique.jlreq import CLOSING

PLAN_EM = LOOSEST_SPACE_EM
"""The loosest word space wanted in a justified line, in em of the paragraph's font size: a first-fit
paragraph with a wider one is broken as a whole, its spaces kept under this where breaks can (a little
under issue 20's 0.6 em, which a reader measures between the glyphs' boxes). Where no break can,
`justify` gives the letters of the line the slack beyond it (tracking)."""
CHARACTER_LANGUAGES = frozenset({"ja", "zh"})
"""Languages whose paragraphs must not end on a line of one character (JLReq: avoid a one-character
last line)."""
LINE_PENALTY = 10.0
"""Knuth and Plass's `linepenalty`, added to a line's badness before it is squared."""
LINE_COST = 1e8
"""Added for every line: more than the demerits of all lines within PLAN_EM together, so that a paragraph
keeps first-fit's number of lines (the fewest) wherever that can be done within PLAN_EM."""
HYPHEN_PENALTY = 50.0
"""The penalty of a break WeasyPrint hyphenates."""
DOUBLE_HYPHEN_DEMERITS = 3000.0
"""Added where a hyphenated line follows a hyphenated line."""
UNJUSTIFIED = 1e9
"""How far past PLAN_EM (px) a line counts as opening when it cannot be justified at all (no word space, or
wider than the column): worse than any line that can."""
OVERFULL = 1e9
"""The badness of a line wider than the column (a word that fits nowhere)."""
NARROWING_MARGIN = 2.0
"""Most (px) the width offered to a planned line exceeds the line's width, so that WeasyPrint keeps it."""
FLUSH_PX = 0.5
"""A justified line whose width is this close to the column's reaches its edge."""
_EPSILON = 1e-3  # px: widths from the endless line and from a line's own shaping may differ by this much
_WRAPPING = frozenset({"normal", "pre-wrap", "pre-line"})  # white-space values that let a text break
_ATOMIC = "\ufffc"  # stands for an inline-block or an image in the paragraph's flat text
_IDEOGRAPHIC = "\u2e80"  # what WeasyPrint calls an atomic box's first and last letter
SPREAD_EM = 0.25
"""Most a Japanese or Chinese line sent one character short may open between two characters, in em."""

_active: dict[int, _Plan] = {}
"""The plan of each paragraph being broken again, by the id of its line box."""
_broken: weakref.WeakKeyDictionary[Any, _Broken] = weakref.WeakKeyDictionary()
"""How each paragraph laid out so far was broken, by its line box: its later pages follow that."""


def patches() -> list[Patch]:
    """Break justified paragraphs as a whole: wraps WeasyPrint's line iterator (after `hyphenation`'s,
    which counts the hyphenated lines) and the splitting of a line, which a plan narrows."""
    from weasyprint.layout import block, inline

    return [
        # `block` imported iter_line_boxes by name: it is looked up there.
        Patch(block, "iter_line_boxes", _planning_iter_line_boxes),
        Patch(inline, "split_inline_box", _narrowed_split_inline_box),
    ]


class _Arguments(NamedTuple):
    """What WeasyPrint passed to `iter_line_boxes`, in its order: to break the paragraph again."""

    context: Any
    box: Any
    position_y: float
    bottom_space: float
    skip_stack: Any
    containing_block: Any
    absolute_boxes: list[Any]
    fixed_boxes: list[Any]
    first_letter_style: Any
    first_line_style: Any


Kind = Literal["spaces", "characters"]
"""How a justified paragraph's lines are justified: at word spaces, or between characters (Japanese,
Chinese)."""
Item = tuple[Any, Any]
"""(line box, resume_at), as `iter_line_boxes` yields them."""


class _UnreadableError(Exception):
    """An engine internal read by `_reading` changed shape (the ENGINE_CHANGED error is its cause)."""


@contextmanager
def _reading() -> Iterator[None]:
    """Around a read of WeasyPrint's internals (never its layout, nor our arithmetic): what a changed
    internal raises becomes `_UnreadableError`, which leaves the paragraph to WeasyPrint."""
    try:
        yield
    except ENGINE_CHANGED as error:
        raise _UnreadableError(str(error)) from error


def _planning_iter_line_boxes(original: Any) -> Any:
    @functools.wraps(original)
    def iter_line_boxes(*args: Any) -> Iterator[Item]:
        try:
            with _reading():
                arguments = _Arguments(*args)
                kind = _kind(arguments.box)
        except _UnreadableError as error:
            cause = error.__cause__
            report("line breaking", "paragraphs were broken line by line, as WeasyPrint breaks them", cause)
            kind = None
        if kind is None:
            yield from original(*args)
            return
        try:
            with _reading():
                earlier = _earlier(arguments)
        except _UnreadableError:
            earlier = None  # read again, and reported if it fails, below
        if earlier is not None:
            yield from _following(original, arguments, earlier.plan)
            return
        placed = len(arguments.absolute_boxes), len(arguments.fixed_boxes)
        first_fit: list[Item] = []
        indent: Any = 0.0
        try:
            for item in original(*arguments):
                if not first_fit:
                    with _reading():  # WeasyPrint sets it to 0 once the first line is made
                        indent = float(arguments.box.text_indent)
                first_fit.append(item)
            better = _improved(original, arguments, first_fit, indent, kind, placed)
            with _reading():
                lines, plan = better or (first_fit, None)
                starts = frozenset(_flat_offset(arguments.box, resume_at) for _, resume_at in lines[:-1])
                _broken[arguments.box] = _Broken(float(arguments.containing_block.width), starts, plan)
        except _UnreadableError as error:
            report(
                "line breaking",
                "a paragraph was broken line by line, as WeasyPrint breaks it",
                error.__cause__,
            )
            better = None
        yield from better[0] if better else first_fit

    return iter_line_boxes


@dataclass(frozen=True)
class _Broken:
    """How a paragraph's lines were broken when it was first laid out (all of them, to its end)."""

    width: float
    """The column's width then."""
    starts: frozenset[int]
    """The flat offsets (`_flat_offset`) its lines but the first started at."""
    plan: _Plan | None
    """The plan its lines followed (None: first-fit's lines stood)."""


def _earlier(arguments: _Arguments) -> _Broken | None:
    """How the paragraph was broken when laid out before, if this call continues it (on a later page)
    from one of those lines, in a column as wide."""
    if arguments.skip_stack is None:
        return None
    earlier = _broken.get(arguments.box)
    if earlier is None or earlier.width != float(arguments.containing_block.width):
        return None
    return earlier if _flat_offset(arguments.box, arguments.skip_stack) in earlier.starts else None


def _following(original: Any, arguments: _Arguments, plan: _Plan | None) -> Iterator[Item]:
    """The paragraph's remaining lines, laid out one at a time as its page asks for them, along `plan`:
    laying out and planning every remaining line again on each page took time quadratic in its pages."""
    lines = original(*arguments)
    key = id(arguments.box)
    while True:
        if plan is not None:
            _active[key] = plan
        try:
            item = next(lines)
        except StopIteration:
            return
        finally:
            _active.pop(key, None)
        yield item


def _narrowed_split_inline_box(original: Any) -> Any:
    @functools.wraps(original)
    def split_inline_box(context: Any, box: Any, position_x: float, max_x: float, *rest: Any) -> Any:
        plan = _active.get(id(box))
        if plan is not None and plan.paragraph.box is box:
            with _reading():
                width = plan.width_for(rest[1])  # rest: bottom_space, skip_stack, ...
            if width is not None:
                max_x = position_x + width
        return original(context, box, position_x, max_x, *rest)

    return split_inline_box


def _kind(box: Any) -> Kind | None:
    """'spaces' for a justified paragraph whose lines are justified at word spaces, 'characters' for a
    justified Japanese or Chinese one, None for any other box (left to WeasyPrint, line by line): one
    right to left, or holding a float or a positioned box (breaking it places them)."""
    style = box.style
    if style["text_align_all"] != "justify" or style["direction"] != "ltr" or _flat_text(box) is None:
        return None
    lang = primary(style["lang"] or "")
    if lang in CHARACTER_LANGUAGES:
        return "characters"
    return None if lang in ADJUSTED_LANGUAGES else "spaces"


def _improved(
    original: Any,
    arguments: _Arguments,
    first_fit: list[Item],
    indent: float,
    kind: Kind,
    placed: tuple[int, int],
) -> tuple[list[Item], _Plan] | None:
    """Better lines than WeasyPrint's `first_fit` ones for the paragraph and the plan they follow, or None
    where these stand: always
    where breaking it placed positioned boxes (`placed`: how many there were before) or floats narrow its
    lines."""
    with _reading():
        moved = placed != (len(arguments.absolute_boxes), len(arguments.fixed_boxes))
        floats = bool(arguments.context.excluded_shapes)
        loosest = _loosest_space(first_fit) if kind == "spaces" else 0.0
        single = (
            kind == "characters" and bool(first_fit) and _visible_characters(first_fit[-1][0], CLOSING) == 1
        )
    if len(first_fit) < 2 or moved or floats:
        return None
    if kind == "spaces":
        if loosest <= PLAN_EM:
            return None
        return _planned_by_demerits(original, arguments, first_fit, indent)
    if first_fit[-1][1] is not None or not single:
        return None
    return _one_more_character_down(original, arguments, first_fit, indent)


def _planned_by_demerits(
    original: Any, arguments: _Arguments, first_fit: list[Item], indent: float
) -> tuple[list[Item], _Plan] | None:
    """The paragraph broken along the plan of `plan_by_demerits`, if its loosest word space is then
    narrower."""
    paragraph = _Paragraph.read(arguments, arguments.skip_stack)
    if paragraph is None:
        return None
    width = float(arguments.containing_block.width)
    first_width = width - indent if arguments.skip_stack is None else width
    plan = paragraph.plan_by_demerits(width, first_width)

    def score(lines: list[Item]) -> tuple[int, float]:
        return _unjustified(lines, width), _loosest_space(lines)

    return _broken_again(original, arguments, first_fit, plan, score)


def _one_more_character_down(
    original: Any, arguments: _Arguments, first_fit: list[Item], indent: float
) -> tuple[list[Item], _Plan] | None:
    """The paragraph with the line before its one-character last line ending at an earlier break."""
    before_last = len(first_fit) - 2
    start = first_fit[before_last - 1][1] if before_last else arguments.skip_stack
    paragraph = _Paragraph.read(arguments, start)
    if paragraph is None:
        return None
    width = float(arguments.containing_block.width)
    first_width = width - indent if arguments.skip_stack is None else width
    available = first_width if before_last == 0 else width
    with _reading():
        last_start = paragraph.flat_start(first_fit[before_last][1])
    plan = None if last_start is None else paragraph.plan_one_more_down(available, width, last_start)
    if plan is None:
        return None

    def score(lines: list[Item]) -> tuple[int, float]:
        return _unjustified(lines, width), float(_visible_characters(lines[-1][0], CLOSING) <= 1)

    return _broken_again(original, arguments, first_fit, plan, score)


Score = Callable[[list[Item]], tuple[int, float]]
"""How bad a paragraph's lines are: lines not justified to the edge, then what the plan improves (reads
the line boxes: called inside `_reading`)."""


def _broken_again(
    original: Any, arguments: _Arguments, first_fit: list[Item], plan: _Plan, score: Score
) -> tuple[list[Item], _Plan] | None:
    """The paragraph broken by WeasyPrint along `plan` from the first line the plan changes (or from the
    line after the last unhyphenated line before it, so that WeasyPrint's count of hyphenated lines in a
    row starts right), if `score` finds it better than `first_fit`. Lines WeasyPrint ends elsewhere than
    planned are reported: its line breaking no longer follows the width offered (`_narrow`)."""
    paragraph = plan.paragraph
    with _reading():
        run_start = paragraph.normalised(paragraph.flat_offset(arguments.skip_stack))
        ends = [paragraph.flat_start(resume_at) for _, resume_at in first_fit]
    changed = next(
        (
            index
            for index, (start, end) in enumerate(zip([run_start, *ends], ends, strict=False))
            if start in plan.ends and plan.ends[start] != end
        ),
        None,
    )
    if changed is None:
        return None
    while changed > 0 and ends_hyphenated(first_fit[changed - 1][0]):
        changed -= 1
    again = arguments
    if changed:
        with _reading():
            position_y = float(first_fit[changed][0].position_y)
        again = arguments._replace(
            position_y=position_y,
            skip_stack=first_fit[changed - 1][1],
            first_letter_style=None,
            first_line_style=None,
        )
    _active[id(arguments.box)] = plan
    try:
        lines = first_fit[:changed] + list(original(*again))
    finally:
        del _active[id(arguments.box)]
    with _reading():
        new_ends = [paragraph.flat_start(resume_at) for _, resume_at in lines]
        better = score(lines) < score(first_fit)
    for start, end in zip([run_start, *new_ends], new_ends, strict=False):
        if start in plan.ends and plan.ends[start] != end:
            report(
                "line breaking",
                f"a line of the paragraph {excerpt(paragraph.text)} ended elsewhere than planned "
                "(WeasyPrint's line breaking changed?)",
            )
            break
    return (lines, plan) if better else None


def _unjustified(lines: list[Item], width: float) -> int:
    """How many lines but the last do not reach the column's edge (a line of one word that cannot be
    justified, or one that runs past the edge). A line box spans the text indent too."""
    return sum(abs(float(line.width) - width) > FLUSH_PX for line, _ in lines[:-1])


def _loosest_space(lines: list[Item]) -> float:
    """The widest word space of the lines, in em: a space's own width plus what justification added, or
    would have added where `justify` tracked the line's letters instead (breaking again may spare them)."""
    widest = 0.0
    for line, _ in lines:
        for box in _text_boxes(line):
            size = float(box.style["font_size"])
            if size and not EXPANDABLE.isdisjoint(box.text):
                widest = max(widest, (space_width(box.style) + untracked_spacing(box)) / size)
    return widest


def _visible_characters(line: Any, uncounted: str = "") -> int:
    """How many characters the line shows (spaces, combining marks and the `uncounted` not counted: a
    last line of one kana and its 。 is a line of one character)."""
    return sum(
        not char.isspace() and not is_mark(char) and char not in uncounted
        for box in _text_boxes(line)
        for char in str(box.text)
    )


def _text_boxes(box: Any) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes

    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.TextBox):
            yield child
        elif isinstance(child, boxes.ParentBox):
            yield from _text_boxes(child)


@dataclass
class _Break:
    """A place where a line may end, in the paragraph's flat text (every text box's characters in order,
    one character for an atomic box)."""

    at: int
    """Where the next line starts: the first character after the break that is not a collapsing space."""
    end_x: float
    """Where the line's content ends (trailing spaces left out), before any hyphen WeasyPrint adds."""
    start_x: float
    """Where the next line's content starts (with the opening margin of a box starting there)."""
    resume_x: float
    """Where the next line's first character starts: the end of the spaces the line leaves out."""
    spaces: int
    """Expandable spaces before the line's end (counted from where the paragraph is read)."""
    spaces_after: int
    """Expandable spaces before the next line's start."""
    hyphen: float = 0.0
    """The width of the hyphen WeasyPrint adds at this break (0: none)."""
    hyphenated: bool = False
    """The line ends with a hyphen, added or the text's own: both count towards LIMIT_LINES."""

    @property
    def line_end(self) -> float:
        """Where the line's last glyph ends, an added hyphen included."""
        return self.end_x + self.hyphen


@dataclass
class _Plan:
    """Where the lines of a paragraph are to end, and how wide a line WeasyPrint must be offered for each."""

    paragraph: _Paragraph
    ends: dict[int, int | None] = field(default_factory=dict)
    """Flat start of a planned line -> the next line's flat start (None: the paragraph's end)."""
    widths: dict[int, float] = field(default_factory=dict)
    """Flat start of a planned line -> the width to offer it (absent: the full width)."""
    fallback: Callable[[int], float | None] = lambda _start: None
    """The width to offer a line starting elsewhere than planned (WeasyPrint broke otherwise)."""

    def width_for(self, skip_stack: Any) -> float | None:
        """The width to offer the line that starts at `skip_stack`, if the plan narrows it."""
        start = self.paragraph.normalised(self.paragraph.flat_offset(skip_stack))
        return self.widths[start] if start in self.widths else self.fallback(start)


class _Paragraph:
    """A paragraph (from a line's start on) laid out as one endless line: where each of its characters is
    and where lines may end."""

    def __init__(self, box: Any, base: int, text: str) -> None:
        self._box = weakref.ref(box)
        self.base = base
        """The flat index of the first character read (the start of the lines being planned)."""
        self.text = text
        """The flat text from `base` on."""
        self.end = base + len(text)
        self.left = [0.0] * len(text)
        self.right = [0.0] * len(text)
        self.opening: dict[int, float] = {}
        """Flat index -> the leftmost edge of the boxes starting there (their margins included)."""
        self.closing: dict[int, float] = {}
        """Flat index -> the rightmost edge of the boxes ending there."""
        self.collapsing = [False] * len(text)
        """A space WeasyPrint removes at a line's start or end."""
        self.breaks: set[int] = set()
        """Flat indices before which a line may end."""
        self.hyphens: dict[int, float] = {}
        """Flat index before which a line may end with a hyphen WeasyPrint adds -> the hyphen's width."""
        self.spaces = [0] * (len(text) + 1)
        """Expandable spaces before each flat index (from `base`)."""
        self.space_width = 0.0
        self.font_size = float(box.style["font_size"])

    @property
    def box(self) -> Any:
        """The paragraph's box, held weakly: `_broken`'s record of how a box was broken holds its plan,
        and a plan holding its box kept every planned box (and its document) alive for the process."""
        return self._box()

    @classmethod
    def read(cls, arguments: _Arguments, skip_stack: Any) -> _Paragraph | None:
        """The paragraph from `skip_stack` on, or None if it cannot be planned (nothing left, a box out of
        the flow, a forced line break). Laid out otherwise than read, it is reported, and None too."""
        from weasyprint.layout import inline

        box = arguments.box
        with _reading():
            stack = inline.skip_first_whitespace(box, skip_stack)
            flat = _flat_text(box)
            base = 0 if stack == "continue" or flat is None else _flat_offset(box, stack)
        if stack == "continue" or flat is None:
            return None
        laid, resume_at, *_ = inline.split_inline_box(
            arguments.context,
            box,
            0.0,
            math.inf,
            arguments.bottom_space,
            stack,
            arguments.containing_block,
            [],
            [],
            [],
            [],
            [],
            None,
            None,
        )
        if resume_at is not None:
            return None  # a forced line break
        paragraph = cls(box, base, flat[base:])
        with _reading():
            read = paragraph._read_boxes(laid)
        if not read:
            report(
                "line breaking",
                f"the paragraph {excerpt(paragraph.text)} was laid out otherwise than read, and broken line "
                "by line",
            )
            return None
        for index, char in enumerate(paragraph.text):
            paragraph.spaces[index + 1] = paragraph.spaces[index] + (char in EXPANDABLE)
        return paragraph

    def _read_boxes(self, line: Any) -> bool:
        """Read the laid-out boxes of the endless line; False if they do not hold the flat text."""
        from weasyprint.formatting_structure import boxes

        cursor = self.base

        def walk(parent: Any) -> bool:
            nonlocal cursor
            last: Any = None
            for child in parent.children:
                start = cursor
                if isinstance(child, boxes.TextBox):
                    if not self._read_text(child, start):
                        return False
                    cursor += len(child.text)
                elif isinstance(child, boxes.InlineBox):
                    if not walk(child):
                        return False
                elif self.text[start - self.base : start - self.base + 1] == _ATOMIC:
                    self.left[start - self.base] = float(child.position_x)
                    self.right[start - self.base] = float(child.position_x + child.margin_width())
                    cursor += 1
                else:
                    return False
                self.opening[start] = min(self.opening.get(start, math.inf), float(child.position_x))
                edge = float(child.position_x + child.margin_width())
                self.closing[cursor] = max(self.closing.get(cursor, -math.inf), edge)
                first, child_last = _edge_letters(child)
                if last is not None and start > self.base and _can_break(parent, last, first, child):
                    self.breaks.add(start)
                last = True if child.trailing_collapsible_space else child_last
            return True

        return walk(line) and cursor == self.end

    def _read_text(self, box: Any, start: int) -> bool:
        """Read a text box: where its characters are, where Pango may break it, where its words may be
        hyphenated. False if its text is not the flat text there."""
        from weasyprint.text.ffi import ffi, pango
        from weasyprint.text.line_break import create_layout

        text = str(box.text)
        offset = start - self.base
        if self.text[offset : offset + len(text)] != text:
            return False
        layout = create_layout(text, box.style, None, None, 0)
        self._read_positions(layout, text, offset, float(box.position_x))
        wraps = box.style["white_space"] in _WRAPPING
        collapsing = box.style["white_space"] in COLLAPSING
        count = ffi.new("gint *")
        attributes = pango.pango_layout_get_log_attrs_readonly(layout.layout, count)
        breaking = [
            wraps and 0 < index < count[0] and bool(attributes[index].is_line_break)
            for index in range(len(text))
        ]
        hyphens = box.style["hyphens"]
        hyphenates = wraps and (hyphens == "auto" or (hyphens == "manual" and "\u00ad" in text))
        hyphen = text_width(box.style["hyphenate_character"], box.style) if hyphenates else 0.0
        for index, char in enumerate(text):
            self.collapsing[offset + index] = collapsing and char == " "
            if char == " ":
                self.space_width = max(
                    self.space_width, self.right[offset + index] - self.left[offset + index]
                )
            if breaking[index]:
                self.breaks.add(start + index)
                if text[index - 1] == "\u00ad" and hyphenates:
                    self.hyphens[start + index] = hyphen
        if wraps and hyphens == "auto":
            for point in _hyphenation_points(box.style, text, breaking):
                self.hyphens[start + point] = hyphen
        return True

    def _read_positions(self, layout: Any, text: str, offset: int, origin: float) -> None:
        """Where each character of a one-line Pango layout of `text` starts and ends, from its glyphs
        (the characters of a ligature all start where it starts)."""
        from weasyprint.text.ffi import FROM_UNITS, pango

        line = pango.pango_layout_get_line_readonly(layout.layout, 0)
        byte_at = list(itertools.accumulate((len(char.encode()) for char in text), initial=0))
        cluster_x: dict[int, float] = {}
        x = 0.0
        run = line.runs
        while run:
            glyphs = run.data.glyphs
            item_offset = run.data.item.offset
            for number in range(glyphs.num_glyphs):
                cluster_x.setdefault(item_offset + glyphs.log_clusters[number], x)
                x += glyphs.glyphs[number].geometry.width * FROM_UNITS
            run = run.next
        left = 0.0
        for index in range(len(text)):
            left = cluster_x.get(byte_at[index], left)
            self.left[offset + index] = origin + left
            if index:
                self.right[offset + index - 1] = origin + left
        if text:
            self.right[offset + len(text) - 1] = origin + x

    def normalised(self, flat: int) -> int:
        """The flat index of the first character at or after `flat` that is not a collapsing space."""
        while self.base <= flat < self.end and self.collapsing[flat - self.base]:
            flat += 1
        return flat

    def flat_offset(self, skip_stack: Any) -> int:
        return _flat_offset(self.box, skip_stack)

    def flat_start(self, resume_at: Any) -> int | None:
        """The flat start of the line after one that stopped at `resume_at` (None: the paragraph ended)."""
        return None if resume_at is None else self.normalised(self.flat_offset(resume_at))

    def _break(self, at: int) -> _Break:
        """The break before flat index `at`."""
        end = at
        while end > self.base and self.collapsing[end - 1 - self.base]:
            end -= 1
        content_end = self.right[end - 1 - self.base] if end > self.base else -math.inf
        end_x = max(content_end, self.closing.get(end, -math.inf))
        start = self.normalised(at)
        start_x = (
            min(self.left[start - self.base], self.opening.get(start, math.inf))
            if start < self.end
            else end_x
        )
        hyphen = self.hyphens.get(at, 0.0)
        previous = self.text[end - 1 - self.base] if end > self.base else ""
        return _Break(
            start,
            end_x if end > self.base else start_x,
            start_x,
            self.left[start - self.base] if start < self.end else end_x,
            self.spaces[end - self.base],
            self.spaces[start - self.base],
            hyphen,
            hyphenated=bool(hyphen) or (previous != "" and previous in HYPHENS),
        )

    def candidates(self) -> list[_Break]:
        """The paragraph's start, every place a line may end after it, and its end, in order (one per
        line start)."""
        found = [self._break(self.base)]
        for at in sorted({*self.breaks, *self.hyphens}):
            if self.base < at < self.end:
                candidate = self._break(at)
                if candidate.at > found[-1].at and candidate.at < self.end:
                    found.append(candidate)
        found.append(self._break(self.end))
        return found

    def plan_by_demerits(self, width: float, first_width: float) -> _Plan:
        """The breaks whose loosest line is least loose (what `_broken_again` accepts a plan by), and among
        those the breaks of least total demerits (Knuth and Plass), both found backwards from the
        paragraph's end so that a line WeasyPrint ends elsewhere than planned still finds the best
        continuation."""
        breaks = self.candidates()
        last = len(breaks) - 1
        room = max(PLAN_EM * self.font_size - self.space_width, _EPSILON)
        lines = self._lines(breaks, width, first_width, room)
        # First pass: the least worst excess over PLAN_EM from each break on (a minimax path).
        worst = [[math.inf] * (LIMIT_LINES + 1) for _ in breaks]
        worst[last] = [0.0] * (LIMIT_LINES + 1)
        for start in range(last - 1, -1, -1):
            for end, excess, _ in lines[start]:
                for in_a_row in range(LIMIT_LINES + 1):
                    after = _hyphenated_in_a_row(breaks[end], in_a_row, end == last)
                    if after is not None:
                        worst[start][in_a_row] = min(worst[start][in_a_row], max(excess, worst[end][after]))
        # Second pass: the least demerits among the lines within that worst excess (on the best path, the
        # paragraph's; elsewhere, the continuation's own).
        bound = worst[0][0]
        best = [[math.inf] * (LIMIT_LINES + 1) for _ in breaks]
        best[last] = [0.0] * (LIMIT_LINES + 1)
        chosen: dict[tuple[int, int], int] = {}
        for start in range(last - 1, -1, -1):
            for end, excess, demerits in lines[start]:
                for in_a_row in range(LIMIT_LINES + 1):
                    after = _hyphenated_in_a_row(breaks[end], in_a_row, end == last)
                    within = max(bound, worst[start][in_a_row]) + _EPSILON
                    if after is None or excess > within or worst[end][after] > within:
                        continue
                    total = demerits + (DOUBLE_HYPHEN_DEMERITS if after > 1 else 0.0) + best[end][after]
                    if total < best[start][in_a_row]:
                        best[start][in_a_row] = total
                        chosen[start, in_a_row] = end
        plan = _Plan(self)
        index, in_a_row = 0, 0
        while (index, in_a_row) in chosen:
            end = chosen[index, in_a_row]
            self._narrow(plan, breaks, index, end)
            in_a_row = in_a_row + 1 if breaks[end].hyphenated else 0
            index = end
        starts = {candidate.at: index for index, candidate in enumerate(breaks)}

        def fallback(start: int) -> float | None:
            index = starts.get(start)
            if index is None or (index, 0) not in chosen:
                return None
            own = _Plan(self)
            self._narrow(own, breaks, index, chosen[index, 0])
            return own.widths.get(start)

        plan.fallback = fallback
        return plan

    def _lines(
        self, breaks: list[_Break], width: float, first_width: float, room: float
    ) -> list[list[tuple[int, float, float]]]:
        """For each break, the lines that may start there: (the break it ends at, how far (px) its word
        spaces would open past PLAN_EM, its demerits but for hyphens in a row)."""
        last = len(breaks) - 1
        found: list[list[tuple[int, float, float]]] = [[] for _ in breaks]
        for start in range(last):
            available = first_width if start == 0 else width
            origin = breaks[start]
            for end in range(start + 1, last + 1):
                target = breaks[end]
                if target.end_x - origin.start_x > available + _EPSILON and end > start + 1:
                    break
                slack = available - (target.line_end - origin.start_x)
                spaces = target.spaces - origin.spaces_after
                excess = self._excess(slack, spaces, room, end == last)
                badness = self._badness(slack, spaces, room, end == last)
                demerits = (
                    LINE_COST + (LINE_PENALTY + badness) ** 2 + (HYPHEN_PENALTY**2 if target.hyphen else 0.0)
                )
                found[start].append((end, excess, demerits))
        return found

    @staticmethod
    def _excess(slack: float, spaces: int, room: float, last: bool) -> float:
        """How far (px) each word space of a line would open past PLAN_EM: what `_broken_again` compares
        plans by; UNJUSTIFIED for a line that cannot reach the column's edge (no space to widen, or wider
        than the column)."""
        if slack < -_EPSILON:
            return UNJUSTIFIED
        if last:
            return 0.0
        if not spaces:
            return UNJUSTIFIED if slack > FLUSH_PX else 0.0
        return max(slack / spaces - room, 0.0)

    def _badness(self, slack: float, spaces: int, room: float, last: bool) -> float:
        """Knuth and Plass's badness of a line with `slack` px to spread over `spaces` word spaces, each of
        which may widen by `room` px before it is wider than PLAN_EM."""
        if slack < -_EPSILON:
            return OVERFULL
        if last or slack <= _EPSILON:
            return 0.0
        # A line without a space (one long word) cannot be justified: it is as bad as one with a space.
        return 100 * (slack / max(spaces, 1) / room) ** 3

    @staticmethod
    def _narrow(plan: _Plan, breaks: list[_Break], start: int, end: int) -> None:
        """Plan the line from break `start` to break `end`: offer it a width from that of the line with
        the spaces after it to less than that of the next longer line WeasyPrint could make. Where a text
        box fits but for its trailing space, WeasyPrint 70 ends the line after the box's first word (Pango
        lets the space overhang; WeasyPrint reads the line as too wide): word spaces of 2.4 em followed.
        The width may exceed the column's: the spaces at the line's end are removed before alignment."""
        origin, target = breaks[start], breaks[end]
        plan.ends[origin.at] = None if end == len(breaks) - 1 else target.at
        if end == len(breaks) - 1:
            return
        own = target.line_end - origin.start_x
        floor = own if target.hyphen else max(own, target.resume_x - origin.start_x)
        longer = math.inf
        for following in breaks[end + 1 :]:
            if following.end_x - origin.start_x >= longer:
                break  # lines only grow from here (but for an added hyphen)
            if following.line_end - origin.start_x > floor + _EPSILON:
                longer = min(longer, following.line_end - origin.start_x)
        plan.widths[origin.at] = floor + min((longer - floor) / 2, NARROWING_MARGIN)

    def plan_one_more_down(self, available: float, width: float, last_start: int) -> _Plan | None:
        """A plan for the last two lines (read from the start of the first of them): the first ends at the
        latest break before `last_start` after which the rest still fits one line, if its slack can be
        spread between its characters."""
        breaks = self.candidates()
        earlier = [index for index in range(1, len(breaks) - 1) if breaks[index].at < last_start]
        if not earlier:
            return None
        index = earlier[-1]
        candidate, end = breaks[index], breaks[-1]
        characters = sum(not char.isspace() for char in self.text[: candidate.at - self.base])
        slack = available - (candidate.line_end - breaks[0].start_x)
        if end.end_x - candidate.start_x > width + _EPSILON or slack > SPREAD_EM * self.font_size * max(
            characters - 1, 0
        ):
            return None
        plan = _Plan(self)
        self._narrow(plan, breaks, 0, index)
        return plan


def _hyphenated_in_a_row(target: _Break, in_a_row: int, last: bool) -> int | None:
    """How many hyphenated lines in a row end at `target` after `in_a_row` of them (None: more than
    LIMIT_LINES)."""
    after = in_a_row + 1 if target.hyphenated and not last else 0
    return None if after > LIMIT_LINES else after


def _hyphenation_points(style: Any, text: str, breaking: list[bool]) -> Iterator[int]:
    """Where WeasyPrint may hyphenate a text in `style` (indices into `text`): in the text up to each
    break opportunity, the first word of `hyphenate-limit-chars` letters or more, at the house
    dictionary's points (none in a capitalised word)."""
    import pyphen
    from weasyprint.text.line_break import get_next_word_boundaries

    lang = style["lang"] and pyphen.language_fallback(style["lang"])
    if not lang:
        return
    total, left, right = style["hyphenate_limit_chars"]
    dictionary = _dictionary(lang, left, right)
    starts = [0, *(index for index in range(1, len(text)) if breaking[index])]
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        position = start
        while position < end:
            bounds = get_next_word_boundaries(text[position:end], lang)
            if not bounds:
                break
            word_start, word_end = position + bounds[0], position + bounds[1]
            if word_end - word_start >= total:
                word = text[word_start:word_end]
                if not dictionary.is_a_name(word):
                    yield from (word_start + point for point in dictionary.positions(word))
                break
            position = word_end


@functools.lru_cache(maxsize=32)
def _dictionary(lang: str, left: int, right: int) -> HouseDictionary:
    return HouseDictionary(lang, left=left, right=right)


def _edge_letters(box: Any) -> tuple[Any, Any]:
    """The first and last letter of a box as WeasyPrint's `split_inline_box` reports them (None for an
    empty box, True or False for a leader's edges)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return (box.text[0], box.text[-1]) if box.text else (None, None)
    if isinstance(box, boxes.InlineBox):
        if box.is_leader:
            return True, False
        first = last = None
        for child in box.children:
            if not child.is_in_normal_flow():
                continue
            child_first, child_last = _edge_letters(child)
            first = child_first if first is None else first
            last = True if child.trailing_collapsible_space else child_last
        return first, last
    return _IDEOGRAPHIC, _IDEOGRAPHIC


def _can_break(parent: Any, last: Any, first: Any, child: Any) -> bool:
    """Whether WeasyPrint may break a line between two children of `parent` (`split_inline_box`)."""
    from weasyprint.text.line_break import can_break_text

    if last is True or last is False:
        last = " "
    elif parent.style["white_space"] in ("pre", "nowrap"):
        return False
    if last is None or first is None:
        return False
    if first is True or first is False:
        return bool(first)
    return bool(can_break_text(last + first, child.style["lang"]))


def _flat_text(box: Any) -> str | None:
    """The paragraph's flat text (an atomic box as one character); None if it holds a box out of the
    normal flow (a float, a positioned box, a running element)."""
    from weasyprint.formatting_structure import boxes

    parts: list[str] = []

    def walk(parent: Any) -> bool:
        for child in parent.children:
            if not child.is_in_normal_flow():
                return False
            if isinstance(child, boxes.TextBox):
                parts.append(child.text)
            elif isinstance(child, boxes.InlineBox):
                if not walk(child):
                    return False
            else:
                parts.append(_ATOMIC)
        return True

    return "".join(parts) if walk(box) else None


def _flat_length(box: Any) -> int:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return len(box.text)
    if isinstance(box, boxes.InlineBox):
        return sum(_flat_length(child) for child in box.children)
    return 1


def _flat_offset(box: Any, skip_stack: Any) -> int:
    """The flat index a WeasyPrint skip stack (child index -> inner stack; a text's byte offset) points
    to."""
    from weasyprint.formatting_structure import boxes

    if not skip_stack:
        return 0
    ((index, inner),) = skip_stack.items()
    if isinstance(box, boxes.TextBox):
        return len(box.text.encode()[:index].decode())
    children = box.children
    before = sum(_flat_length(child) for child in children[:index])
    return before + (_flat_offset(children[index], inner) if index < len(children) else 0)
