"""Text that runs out of its column or off the page, found in WeasyPrint's laid-out box tree.

WeasyPrint never refuses to lay out: a word too long for its column (a URL, a long number, a run kept
together by `white-space: nowrap`) is drawn past the column's edge, over the next column or off the paper,
and a block that cannot be split (an inline-block taller than a page) runs below the page's content area.
Either leaves a PDF that looks built but is not fit to sign; this module finds them after layout.

Every line of text is checked horizontally against every block that holds it (the content box of each:
table cells, flex items, inline-blocks included), where a first line with a negative `text-indent` may
hang into the block's padding (hanging clause numbers and list markers), and vertically against the page's
content area. Text in page-margin boxes (the page number) is checked against its own box only; an
absolutely positioned block is checked against its own box, wherever it was placed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

TOLERANCE = 0.5
"""Points text may stand past an edge before it counts (rounding, justification, a hair of kerning)."""
EXCERPT = 40
"""Characters of the overflowing text quoted in a message."""
PT_PER_PX = 0.75
"""WeasyPrint lays out in CSS pixels (1/96 in); findings are in points (1/72 in)."""


@dataclass(frozen=True)
class Overflow:
    """A line of text drawn past the edge of its column, or outside the page's content area."""

    page: int
    """From 1."""
    text: str
    """The line's text from the first piece that runs over, whitespace collapsed."""
    horizontal: float
    """Points past the edge of the narrowest block that holds the text (0 if within)."""
    vertical: float
    """Points above or below the page's content area (0 if within)."""
    more_lines: int = 0
    """Further lines of the same page that run outside its content area (counted, not quoted)."""

    def __str__(self) -> str:
        excerpt = self.text if len(self.text) <= EXCERPT else self.text[: EXCERPT - 1] + "…"
        subject = f"page {self.page}: {excerpt!r}"
        if self.more_lines:
            subject += f" and {self.more_lines} more line{'s' if self.more_lines > 1 else ''}"
        verb = "run" if self.more_lines else "runs"
        where = []
        if self.horizontal:
            where.append(f"{verb} {self.horizontal:.1f} pt past its column")
        if self.vertical:
            where.append(f"{verb} {self.vertical:.1f} pt outside the page's text area")
        return f"{subject} " + " and ".join(where)


def overflowing_text(document: Any) -> list[str]:
    """A message for every line of a laid-out WeasyPrint document that runs past its column or outside
    the page's content area, in page order: "page 2: 'ヘルシンキ市長…' runs 12.3 pt past its column"."""
    return [str(finding) for finding in overflows(document)]


def overflows(document: Any) -> list[Overflow]:
    """What runs over in `document` (a rendered WeasyPrint Document), in page order: each line past its
    column; on each page, the lines only outside its content area together (a block too tall for a page
    puts dozens of lines there)."""
    boxes = _boxes()
    found: list[Overflow] = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        area = _Bounds(*_content_edges(page_box), page_box.content_box_y(), _bottom(page_box))
        lines: list[Overflow] = []
        for child in map(unwrapped, page_box.children):
            lines.extend(_lines(number, child, area, area, vertical=not isinstance(child, boxes.MarginBox)))
        beyond = [line for line in lines if not line.horizontal]
        if len(beyond) > 1:
            merged = replace(
                beyond[0],
                vertical=max(line.vertical for line in beyond),
                more_lines=len(beyond) - 1,
            )
            lines = [
                merged if line is beyond[0] else line
                for line in lines
                if line.horizontal or line is beyond[0]
            ]
        found.extend(lines)
    return found


def _boxes() -> Any:
    """WeasyPrint's box classes, imported when needed: the renderer loads
    WeasyPrint its own way."""
    from weasyprint.formatting_structure import boxes

    return boxes


@dataclass(frozen=True)
class _Bounds:
    """Where text may be drawn, in CSS pixels: from left to right, from top to bottom."""

    left: float
    right: float
    top: float
    bottom: float


def _content_edges(box: Any) -> tuple[float, float]:
    left = float(box.content_box_x())
    return left, left + box.width


def _bottom(box: Any) -> float:
    return float(box.content_box_y() + box.height)


def unwrapped(box: Any) -> Any:
    """The box itself where WeasyPrint left a placeholder for an absolutely positioned box."""
    return box if isinstance(box, _boxes().Box) else box._box


def _lines(number: int, box: Any, bounds: _Bounds, page: _Bounds, vertical: bool) -> Iterator[Overflow]:
    """The lines under `box` that run over: their text must stay within `bounds` horizontally and, where
    `vertical`, within `page` vertically."""
    boxes = _boxes()
    if isinstance(box, boxes.MarginBox) or (
        box.style["position"] in ("absolute", "fixed") and not isinstance(box, boxes.InlineLevelBox)
    ):
        bounds = replace(bounds, left=_content_edges(box)[0], right=_content_edges(box)[1])
    elif isinstance(box, boxes.BlockContainerBox | boxes.FlexContainerBox | boxes.GridContainerBox):
        left, right = _content_edges(box)
        bounds = replace(bounds, left=max(bounds.left, left), right=min(bounds.right, right))
    if isinstance(box, boxes.LineBox):
        # A first line with a negative text-indent hangs into the block's padding, with what is on it.
        indent = min(0.0, getattr(box, "text_indent", 0) or 0)
        bounds = replace(bounds, left=bounds.left + indent)
        finding = _line_overflow(number, box, bounds, page, vertical)
        if finding:
            yield finding
    if isinstance(box, boxes.ParentBox):
        for child in map(unwrapped, box.all_children()):
            yield from _lines(number, child, bounds, page, vertical)


def _line_overflow(number: int, line: Any, bounds: _Bounds, page: _Bounds, vertical: bool) -> Overflow | None:
    """How far the text on `line` runs over (text in an inline-block is checked with the block's lines)."""
    pieces = list(visible_texts(line))
    first = None
    horizontal = outside = 0.0
    # Vertically the line box counts, not its text boxes: a face with tall ascenders (Naskh, Thai with
    # its marks) has a content area taller than the line, whose ink stays within it.
    top = line.content_box_y()
    off = max(page.top - top, top + line.height - page.bottom) * PT_PER_PX if vertical else 0.0
    for index, piece in enumerate(pieces):
        start = piece.content_box_x()
        past = max(bounds.left - start, start + piece.width - bounds.right) * PT_PER_PX
        if past > TOLERANCE or off > TOLERANCE:
            first = index if first is None else first
            horizontal = max(horizontal, past if past > TOLERANCE else 0.0)
            outside = max(outside, off if off > TOLERANCE else 0.0)
    if first is None:
        return None
    # From the start of the word the first piece over the edge belongs to (a span may split a word).
    line_text = "".join(piece.text for piece in pieces)
    offset = sum(len(piece.text) for piece in pieces[:first])
    start = max(line_text.rfind(space, 0, offset) for space in (" ", "\u3000", "\t", "\n")) + 1
    text = " ".join(line_text[start:].split())
    return Overflow(number, text, round(horizontal, 1), round(outside, 1))


def visible_texts(box: Any) -> Iterator[Any]:
    """The text boxes with visible text on a line, in order, through inline boxes (spans) but not into
    atomic inline boxes (inline-blocks: their own lines are checked against them)."""
    boxes = _boxes()
    for child in map(unwrapped, box.children):
        if isinstance(child, boxes.TextBox):
            if child.text.strip():
                yield child
        elif isinstance(child, boxes.InlineBox):
            yield from visible_texts(child)
