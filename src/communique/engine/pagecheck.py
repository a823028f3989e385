"""Pages not fit to sign, found in WeasyPrint's laid-out pages: text drawn over text, a page stranded
without text of the instrument, and a blank page.

A protocol officer signs every page as it is: a line drawn over another (a negative margin pulling one
block over the one before), a page holding only the titles, only the closing line and signatures or only
a heading, a page ending with a heading (or title) whose text is on the next, or a page with nothing in
its text area, spoil the copy as much as text run off the page (engine/overflow.py). This module reads
the boxes after layout, before drawing, in one walk per page.

Text over text: glyph boxes shrunk for kerning miss it, so two lines are compared by their baselines and
font sizes — lines whose extents overlap horizontally and whose baselines are closer than COLLISION
times the larger font size are drawn over each other (lines of a paragraph stand a whole line-height
apart; lines side by side in two columns do not overlap horizontally).

What a line is comes from the HTML classes of its element and their ancestors (the layouts' templates):
`.title`, `.dateline`, `.pending-notice` are titles; `.closing`, `.signatures`, `.witnesses` the ending;
`.heading`, `.article` headings; the body blocks (`.paragraph`, `.clause`, …, everything in `.body`) text
of the instrument; the innermost class decides, but the witnesses' signature blocks are witnesses. Any
other text (a letterhead) keeps a page from standing alone; a document without text of the instrument
has no stranded page. Page-margin boxes (the page number, a running footer) never count.

Signature blocks too many for one page must continue on the next: a page holding only the rest of the
closing, signatures and witnesses the page before ends with is not stranded where the parts on the two
pages and the text's last block before them are together taller than a page (where they would have
fitted on one page with it, the page holding their rest is stranded); the pages after it may go on with
them. The page where they start is judged like any other: without text of the instrument it is stranded.
An image of the text (a map, a plan) counts as text of the instrument; a page left blank whose margin
boxes say so in words the first page's do not ('This page is intentionally left blank', set by an
`@page :blank` rule) is not a blank page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from communique.engine.overflow import PT_PER_PX, TOLERANCE, unwrapped, visible_texts
from communique.engine.undone import excerpt

COLLISION = 0.75
"""Lines overlapping horizontally whose baselines are closer than this many times the larger font size
are drawn over each other (DESIGN.md; lines set solid, line-height 1, stand a whole font size apart)."""

TITLE, DATE_LINE, NOTICE = "the title", "the date line", "the pending-translation notice"
CLOSING, SIGNATURES, WITNESSES = "the closing line", "the signature blocks", "the witnesses"
HEADING, BODY, OTHER = "the heading", "text of the instrument", "other text"
TITLE_PARTS = frozenset({TITLE, DATE_LINE, NOTICE})
ENDING_PARTS = frozenset({CLOSING, SIGNATURES, WITNESSES})
APART_FROM_TEXT = TITLE_PARTS | ENDING_PARTS | {HEADING}
"""What a page may not hold alone, without text of the instrument."""

_CLASS_ROLES = (
    ("dateline", DATE_LINE),  # before `closing`: the date line is a closing line under the title
    ("pending-notice", NOTICE),
    ("title", TITLE),
    ("titles", TITLE),
    ("title-row", TITLE),
    ("heading", HEADING),
    ("article", HEADING),
    ("witness-label", WITNESSES),
    ("witnesses", WITNESSES),
    ("signature", SIGNATURES),
    ("signatures", SIGNATURES),
    ("signature-set", SIGNATURES),
    ("signature-row", SIGNATURES),
    ("closing", CLOSING),
    ("ending", CLOSING),
    ("ending-row", CLOSING),
    ("paragraph", BODY),
    ("preamble", BODY),
    ("clause", BODY),
    ("item", BODY),
    ("pending", BODY),
    ("body", BODY),
    ("pair", BODY),
    ("paragraph-row", BODY),
)
"""What an element's class makes the text in it, the first class listed winning; the innermost
element with one of these classes decides."""


@dataclass(frozen=True)
class PageFault:
    """A page not fit to sign."""

    page: int
    """From 1, as printed."""
    what: str
    """What is wrong, quoting the text involved."""

    def __str__(self) -> str:
        return f"page {self.page}: {self.what}"


def page_faults(document: Any) -> list[str]:
    """A message for every page of a laid-out WeasyPrint document that is not fit to sign, in page
    order: "page 1: 'English translation in pre…' is drawn over 'and Shiomi Gakuin University'
    (baselines 9.2 pt apart)"."""
    return [str(fault) for fault in faults(document)]


def faults(document: Any) -> list[PageFault]:
    """Text over text, stranded and blank pages in `document` (a rendered WeasyPrint Document)."""
    from weasyprint.formatting_structure import boxes  # the renderer loads WeasyPrint its own way

    roles: dict[int, str | None] = {}
    pages = [
        _read_page(number, page._page_box, boxes, roles)
        for number, page in enumerate(document.pages, start=1)
    ]
    has_text = any(line.role == BODY for page in pages for line in page.lines)
    found: list[PageFault] = []
    continued = False
    for index, page in enumerate(pages):
        found.extend(_collisions(page, boxes))
        if not page.lines and not page.images and not page.margin_words - pages[0].margin_words:
            found.append(PageFault(page.number, "blank, nothing is drawn in its text area"))
        elif has_text and len(pages) > 1:
            before = pages[index - 1] if index else None
            stranded = _stranded(page, before, boxes, continued)
            found.extend([stranded] if stranded else [])
            continued = not stranded and _ending_only(page) and page.lines[-1].role in ENDING_PARTS
    return found


def _ending_only(page: _Page) -> bool:
    """Whether the page holds only a closing, signatures and witnesses."""
    return bool(page.lines) and all(line.role in ENDING_PARTS for line in page.lines)


@dataclass(frozen=True, slots=True)
class _Line:
    """A line box holding visible text (a line inside an inline-block is a line of its own)."""

    order: int
    """Its place on the page in the order of the box tree (the order of drawing)."""
    role: str
    block: int
    """The identity of the element of the block-level box holding it."""
    root: Any
    """The outermost line box it is drawn on (itself, unless inside an inline-block)."""
    baseline: float
    size: float
    """The largest font size on it."""
    left: float
    right: float


@dataclass
class _Page:
    """What the page check reads of one laid-out page (CSS pixels)."""

    number: int
    height: float
    """Of the page's content area."""
    lines: list[_Line] = field(default_factory=list)
    images: int = 0
    figures: int = 0
    """Images of the text (a map, a plan): text of the instrument as much as its lines."""
    margin_words: frozenset[str] = frozenset()
    """The words in its margin boxes (a running header; 'This page is intentionally left blank')."""
    ending_top: float = float("inf")
    ending_bottom: float = float("-inf")
    """Where the closing, signatures and witnesses on the page begin and end (their boxes)."""

    @property
    def ending_height(self) -> float:
        return max(0.0, self.ending_bottom - self.ending_top)


def _read_page(number: int, page_box: Any, boxes: Any, roles: dict[int, str | None]) -> _Page:
    """The lines and images of the page's text area (its margin boxes left out)."""
    page = _Page(number, float(page_box.height))
    margins = []
    for child in map(unwrapped, page_box.children):
        if isinstance(child, boxes.MarginBox):
            margins.append(_drawn_text(child, boxes))
        else:
            _read(child, _Context(OTHER, 0, None), page, boxes, roles)
    page.margin_words = frozenset(re.findall(r"[^\W\d_]+", " ".join(margins)))
    return page


@dataclass(frozen=True, slots=True)
class _Context:
    """What a box inherits from the boxes around it."""

    role: str
    block: int
    root: Any
    """The line box holding the box, if any."""


def _read(box: Any, context: _Context, page: _Page, boxes: Any, roles: dict[int, str | None]) -> None:
    """Record the lines and images under `box`, and where the ending on the page begins and ends."""
    element = getattr(box, "element", None)
    if element is not None:
        own = _role(element, roles)
        if own in ENDING_PARTS and context.role not in ENDING_PARTS:
            top = float(box.border_box_y())
            page.ending_top = min(page.ending_top, top)
            page.ending_bottom = max(page.ending_bottom, top + float(box.border_height()))
        if own is not None and own != context.role and context.role != WITNESSES:  # their blocks too
            context = _Context(own, context.block, context.root)
        if isinstance(box, boxes.BlockLevelBox) and id(element) != context.block:
            context = _Context(context.role, id(element), context.root)
    if isinstance(box, boxes.ReplacedBox):
        page.images += 1
        page.figures += context.role not in APART_FROM_TEXT
    elif isinstance(box, boxes.LineBox):
        root = context.root if context.root is not None else box
        texts = list(visible_texts(box))
        if texts:
            page.lines.append(
                _Line(
                    len(page.lines),
                    context.role,
                    context.block,
                    root,
                    float(box.position_y + box.baseline),
                    max(float(text.style["font_size"]) for text in texts),
                    min(float(text.content_box_x()) for text in texts),
                    max(float(text.content_box_x() + text.width) for text in texts),
                )
            )
        context = _Context(context.role, context.block, root)
    if isinstance(box, boxes.ParentBox):
        for child in map(unwrapped, box.all_children()):
            _read(child, context, page, boxes, roles)


def _role(element: Any, roles: dict[int, str | None]) -> str | None:
    """What the element's own classes make the text in it (None: what its parent's make it)."""
    key = id(element)
    if key not in roles:
        classes = set((element.get("class") or "").split())
        roles[key] = next((role for name, role in _CLASS_ROLES if name in classes), None)
    return roles[key]


def _collisions(page: _Page, boxes: Any) -> list[PageFault]:
    """One fault for each pair of blocks with lines drawn over each other, quoting the first such pair
    (the line drawn later first)."""
    lines = sorted(page.lines, key=lambda line: line.baseline)
    reach = COLLISION * max((line.size for line in lines), default=0.0)
    pairs: dict[tuple[int, int], tuple[_Line, _Line]] = {}
    for index, upper in enumerate(lines):
        for lower in lines[index + 1 :]:
            distance = lower.baseline - upper.baseline
            if distance >= reach:
                break
            if (
                lower.root is upper.root
                or distance >= COLLISION * max(upper.size, lower.size)
                or (min(upper.right, lower.right) - max(upper.left, lower.left)) * PT_PER_PX <= TOLERANCE
            ):
                continue
            later, earlier = (lower, upper) if lower.order > upper.order else (upper, lower)
            pairs.setdefault((earlier.block, later.block), (later, earlier))
    return [
        PageFault(
            page.number,
            f"{excerpt(_drawn_text(later.root, boxes))} is drawn over "
            f"{excerpt(_drawn_text(earlier.root, boxes))} "
            f"(baselines {abs(later.baseline - earlier.baseline) * PT_PER_PX:.1f} pt apart)",
        )
        for later, earlier in sorted(pairs.values(), key=lambda pair: pair[0].order)
    ]


def _drawn_text(box: Any, boxes: Any) -> str:
    """All the text drawn on a line, inline-blocks (phrases, labels) included."""
    if isinstance(box, boxes.TextBox):
        return str(box.text)
    if isinstance(box, boxes.ParentBox):
        return "".join(_drawn_text(unwrapped(child), boxes) for child in box.children)
    return ""


def _stranded(page: _Page, before: _Page | None, boxes: Any, continued: bool) -> PageFault | None:
    """Whether the page holds only titles, the ending or a heading, without text of the instrument, or
    ends with a heading or title whose text is on another page. `continued`: the page before holds
    only the rest of a long ending, which this page may go on with."""
    roles = [line.role for line in page.lines]
    if roles and all(role in APART_FROM_TEXT for role in roles) and not page.figures:
        if _ending_only(page) and (continued or _continues_a_long_ending(page, before)):
            return None
        kinds = list(dict.fromkeys(roles))
        listed = ", ".join(kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]
        verb = "stand" if len(kinds) > 1 or kinds[0] in (SIGNATURES, WITNESSES) else "stands"
        return PageFault(
            page.number,
            f"{listed} {verb} alone, without text of the instrument "
            f"({excerpt(_drawn_text(page.lines[0].root, boxes))})",
        )
    trailing = len(roles)
    while trailing and roles[trailing - 1] in TITLE_PARTS | {HEADING}:
        trailing -= 1
    if trailing < len(roles):
        first = page.lines[trailing]
        kind = HEADING if first.role == HEADING else TITLE
        return PageFault(
            page.number,
            f"{kind} {excerpt(_block_text(page.lines[trailing:], first.block, boxes))} ends the page, "
            "apart from the text it heads",
        )
    return None


def _continues_a_long_ending(page: _Page, before: _Page | None) -> bool:
    """Whether the page holds the rest of a closing, signatures and witnesses that the page before ends
    with and that could not stand on one page with the text's last block (their parts on the two pages
    and that block are taller than a page: four signature columns after a long last row)."""
    if before is None or not before.lines or before.lines[-1].role not in ENDING_PARTS:
        return False
    text = [line for line in before.lines if line.role not in APART_FROM_TEXT]
    last_block = [line for line in text if text and line.block == text[-1].block]
    block_height = before.ending_top - min(
        (line.baseline - line.size for line in last_block), default=before.ending_top
    )
    return before.ending_height + page.ending_height + block_height > page.height


def _block_text(lines: list[_Line], block: int, boxes: Any) -> str:
    """The text drawn on the lines of `block` among `lines`, line after line."""
    roots = dict.fromkeys(line.root for line in lines if line.block == block)
    return " ".join(_drawn_text(root, boxes) for root in roots)
