"""Names on one line: a signatory's name wider than its signature column (four columns of ~36 mm in the
`parallel` layout) is set smaller, just enough to fit, instead of being broken between its parts
('ガンボルド・ / エンフトゥヤ'), as a typesetter would set it; below SMALLEST of its size it keeps that break.

Each name is a block of its own (`.signatory-name`). For one whose lines wrap, the hook lays its lines out
again with its inline boxes given copies of their styles with `font_size` (and a length `line_height`)
scaled, in steps, and keeps the largest size that takes one line. Only the inline content shrinks: the line
box keeps the block's own strut, so the line keeps its height and its baseline, and the names of a
signature row still share one baseline. The box tree's styles are put back after every trial; the laid-out
boxes keep the copies they were laid out with.
"""

from __future__ import annotations

from typing import Any

from communique.engine.hooks import Patch
from communique.engine.titles import TOLERANCE, line_extent, wrapped_lines_patch
from communique.engine.undone import excerpt

SCALES = (0.95, 0.90, 0.85, 0.80, 0.75)
"""The sizes a wrapping name is tried at, largest first, as fractions of its own."""
SMALLEST = SCALES[-1]
"""Below this fraction of its size a name is not set: it keeps its break between parts."""


def patches() -> list[Patch]:
    """Route WeasyPrint's breaking of every signatory name's lines through `_on_one_line`."""
    return [
        wrapped_lines_patch(
            _is_name,
            lambda lines, box, block, laid_out: _on_one_line(lines, box, float(block.width), laid_out),
            "name fitting",
            lambda block: f"the name {excerpt(_text(block))} is broken between its parts",
        )
    ]


def _is_name(block: Any) -> bool:
    """Whether `block` is a signatory's name in a signature block (`.signatory-name`)."""
    element = getattr(block, "element", None)
    return element is not None and "signatory-name" in (element.get("class") or "").split()


def _on_one_line(lines: list[Any], line_box: Any, width: float, laid_out: Any) -> list[Any]:
    """The lines of `line_box` laid out again at the largest of SCALES that takes one line no wider than
    `width`; `lines` (as WeasyPrint laid them out) where none does."""
    inline = _inline_boxes(line_box)
    styles = [box.style for box in inline]
    try:
        for scale in SCALES:
            for box, style in zip(inline, styles, strict=True):
                box.style = _scaled(style, scale)
            trial: list[Any] = laid_out()
            if len(trial) == 1 and line_extent(trial[0][0]) <= width + TOLERANCE:
                return trial
    finally:
        for box, style in zip(inline, styles, strict=True):
            box.style = style
    return lines


def _inline_boxes(line_box: Any) -> list[Any]:
    """The inline-level boxes inside `line_box` (text and the inline boxes around it), depth first."""
    from weasyprint.formatting_structure import boxes

    found = []
    pending = list(line_box.children)
    while pending:
        box = pending.pop()
        found.append(box)
        if isinstance(box, boxes.InlineBox):
            pending.extend(box.children)
    return found


def _scaled(style: Any, scale: float) -> Any:
    """A copy of `style` (styles are shared between boxes: never changed in place) with its font size, and
    its line height where that is a length, times `scale`; a unitless or `normal` line height follows the
    font size by itself."""
    from weasyprint.css.properties import Dimension

    copy = style.copy()
    copy["font_size"] = style["font_size"] * scale
    height = style["line_height"]
    if isinstance(height, Dimension) and height.unit == "px":
        copy["line_height"] = Dimension(height.value * scale, "px")
    return copy


def _text(block: Any) -> str:
    """The text of a name's element, for a warning."""
    return "".join(block.element.itertext())
