"""Titles in balanced lines: a centred title's line too long for its column wraps into lines of about one
length (CSS `text-wrap: balance`, which WeasyPrint lacks) instead of a full line and a word left over
('Agreement on Friendship and / Exchange' in a parallel column).

WeasyPrint breaks a block's lines first-fit against the block's width (`layout.block` calls
`iter_line_boxes` with the block as the containing block); each line of a title is a block of its own
(`.title-line`). For one that wraps, the hook lays its lines out again against narrower widths and keeps
the narrowest that gives no more lines, centred in the full width.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from communique.engine.hooks import Patch
from communique.engine.justify import trimmed_room
from communique.engine.undone import ENGINE_CHANGED, excerpt, report

TRIALS = 5
"""Halvings of the interval between half the column and the whole column: balanced to 1/64 of it."""
SKIP_KNOWN_FITS = True
"""Skip the trials whose lines are known (`_balanced`); the same lines either way, as a test checks."""


Relay = Callable[[list[Any], Any, Any, Callable[[], list[Any]]], list[Any]]
"""(a block's lines as WeasyPrint laid them out, the block's line box, the block, a function laying them
out again) -> the lines to keep; may raise ENGINE_CHANGED."""


def wrapped_lines_patch(
    chosen: Callable[[Any], bool], relay: Relay, hook: str, kept: Callable[[Any], str]
) -> Patch:
    """A hook on WeasyPrint's breaking of a block's lines (`layout.block` calls `iter_line_boxes` with the
    block as the containing block): for a block `chosen` says, whose lines wrap, the lines `relay` gives;
    where it cannot read WeasyPrint's boxes, WeasyPrint's lines, and `hook` reports what `kept` says."""
    from weasyprint.layout import block as block_layout

    def wrapping(original: Any) -> Any:
        @functools.wraps(original)
        def iter_line_boxes(
            context: Any,
            box: Any,
            position_y: float,
            bottom_space: float,
            skip_stack: Any,
            block: Any,
            *rest: Any,
        ) -> Iterator[Any]:
            def laid_out() -> list[Any]:
                return list(original(context, box, position_y, bottom_space, skip_stack, block, *rest))

            if skip_stack is not None or not chosen(block):
                yield from original(context, box, position_y, bottom_space, skip_stack, block, *rest)
                return
            lines = laid_out()
            if len(lines) > 1:
                try:
                    lines = relay(lines, box, block, laid_out)
                except ENGINE_CHANGED as error:
                    report(hook, kept(block), error)
            yield from lines

        return iter_line_boxes

    return Patch(block_layout, "iter_line_boxes", wrapping)


def patches() -> list[Patch]:
    """Route WeasyPrint's breaking of every title line's lines through `_balanced`."""
    return [
        wrapped_lines_patch(
            _is_title,
            lambda lines, _box, block, laid_out: _balanced(lines, block, laid_out),
            "title balancing",
            lambda block: f"the title {excerpt(_text(block))} is broken first-fit",
        )
    ]


def _is_title(block: Any) -> bool:
    """Whether `block` is a line of a layout's centred title (`.title-line`, a block of its own)."""
    element = getattr(block, "element", None)
    return (
        element is not None
        and "title-line" in (element.get("class") or "").split()
        and block.style["text_align_all"] == "center"
    )


def _balanced(lines: list[Any], block: Any, laid_out: Any) -> list[Any]:
    """`lines` ((line box, where the next starts) as laid out at the block's width) laid out again at the
    narrowest width that gives no more lines, none wider than that width and none taller (a phrase set
    as one box must not wrap inside itself), each moved to stand centred in the full width; `lines`
    themselves where the title does not wrap."""
    if len(lines) < 2:
        return lines
    full = float(block.width)
    height = _height(lines)
    narrow, wide, best, best_width = full / 2, full, lines, full
    widest = _widest_as_broken(lines)
    try:
        for _ in range(TRIALS):
            width = (narrow + wide) / 2
            if SKIP_KNOWN_FITS and widest + TOLERANCE <= width:
                # The best lines fit with room to spare, as WeasyPrint broke them: first-fit breaks them
                # alike here (a line broke where its next word did not fit the wider width), so the
                # trial would only repeat them.
                wide = width
                continue
            block.width = width
            trial = laid_out()
            fits = len(trial) <= len(lines) and _height(trial) <= height + TOLERANCE
            if fits and _widest(trial) <= width + TOLERANCE:
                wide, best, best_width, widest = width, trial, width, _widest_as_broken(trial)
            else:
                narrow = width
    finally:
        block.width = full
    if best is not lines:  # centred in the width they were laid out at: so, in the full width
        for line, _ in best:
            line.translate((full - best_width) / 2, 0)
    return best


def _widest(lines: list[Any]) -> float:
    """The widest extent (`line_extent`) of the laid-out lines."""
    return max(line_extent(line) for line, _ in lines)


def _widest_as_broken(lines: list[Any]) -> float:
    """At most how wide the widest of the lines was when WeasyPrint broke them: their extent plus what the
    line adjustment trimmed from them since (`justify.trimmed_room`)."""
    return max(line_extent(line) + trimmed_room(line) for line, _ in lines)


TOLERANCE = 0.5
"""CSS pixels a trial line may exceed its width or the title its height by (rounding)."""


def _height(lines: list[Any]) -> float:
    """The height of the laid-out lines together."""
    return sum(float(line.height) for line, _ in lines)


def line_extent(line: Any) -> float:
    """The width of what a line box holds, from its first box's left edge to its last box's right."""
    children = list(line.children)
    if not children:
        return 0.0
    left = min(float(child.position_x) for child in children)
    return max(float(child.position_x + child.margin_width()) for child in children) - left


def _text(block: Any) -> str:
    """The text of a title's element, for a warning."""
    return " ".join(block.element.itertext())
