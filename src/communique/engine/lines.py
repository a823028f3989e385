"""Where each line of text was laid out, read from WeasyPrint's boxes, so that a draft copy can number
the lines of each version in the margin beside them; not the lines of a letterhead (an element of class
`letterhead`: a layout's own text, whose office line in another language was numbered as a version of its
own)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from communique.engine.overflow import PT_PER_PX, unwrapped, visible_texts
from communique.model import TextLine


def text_lines(document: Any) -> tuple[TextLine, ...]:
    """Every line holding visible text on the pages of a laid-out document (those of page-margin boxes,
    the running footer, marked as such), in page and then layout order."""
    from weasyprint.formatting_structure import boxes

    found: list[TextLine] = []
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        height = float(page_box.margin_height())
        left = float(page_box.content_box_x())
        area = (round(left * PT_PER_PX, 2), round((left + float(page_box.width)) * PT_PER_PX, 2))
        for child in map(unwrapped, page_box.children):
            in_margin = isinstance(child, boxes.MarginBox)
            for version, column, line in _lines(child, "", (0.0, 0.0), boxes):
                baseline = float(line.position_y + line.baseline)
                texts = list(visible_texts(line))
                start = min(float(text.content_box_x()) for text in texts)
                end = max(float(text.content_box_x() + text.width) for text in texts)
                found.append(
                    TextLine(
                        index,
                        version,
                        round((height - baseline) * PT_PER_PX, 2),
                        (round(column[0] * PT_PER_PX, 2), round(column[1] * PT_PER_PX, 2)),
                        area,
                        in_margin,
                        (round(start * PT_PER_PX, 2), round(end * PT_PER_PX, 2)),
                    )
                )
    return tuple(found)


LETTERHEAD = "letterhead"
"""The class of a layout's own text at the head of a version (README: 'Your own layouts')."""


def _lines(
    box: Any, version: str, column: tuple[float, float], boxes: Any
) -> Iterator[tuple[str, tuple[float, float], Any]]:
    """(version, column, line box) for each line under `box` with visible text, outside any letterhead;
    a block-level box whose element sets `lang` starts a version's column."""
    element = getattr(box, "element", None)
    if element is not None and LETTERHEAD in (element.get("class") or "").split():
        return
    lang = element.get("lang") if element is not None and box.element_tag != "html" else None
    if lang and isinstance(box, boxes.BlockContainerBox):
        left = float(box.content_box_x())
        version, column = lang, (left, left + float(box.width))
    if isinstance(box, boxes.LineBox) and any(True for _ in visible_texts(box)):
        yield version, column, box
    if isinstance(box, boxes.ParentBox):
        for child in map(unwrapped, box.all_children()):
            yield from _lines(child, version, column, boxes)
