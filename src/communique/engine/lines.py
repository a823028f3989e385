"""Where each line of text was laid out, read from WeasyPrint's boxes, so that a draft copy can number
the lines of each version in the margin beside them: the lines of the instrument (its titles, text,
closing lines and signatures, as the layouts' classes say: engine/pagecheck.py), and those of the
page-margin boxes, where the draft's footer goes; not a layout's own text (a letterhead's office line,
which would have been numbered as a version of its own language)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from communique.engine.overflow import PT_PER_PX, unwrapped, visible_texts
from communique.engine.pagecheck import role_of
from communique.model import TextLine


def text_lines(document: Any) -> tuple[TextLine, ...]:
    """Every line holding visible text on the pages of a laid-out document (those of page-margin boxes,
    the running footer, marked as such), in page and then layout order."""
    from weasyprint.formatting_structure import boxes

    found: list[TextLine] = []
    roles: dict[int, str | None] = {}
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        height = float(page_box.margin_height())
        left = float(page_box.content_box_x())
        area = (round(left * PT_PER_PX, 2), round((left + float(page_box.width)) * PT_PER_PX, 2))
        for child in map(unwrapped, page_box.children):
            in_margin = isinstance(child, boxes.MarginBox)
            for version, column, line, role in _lines(child, "", (0.0, 0.0), None, boxes, roles):
                if role is None and not in_margin:
                    continue
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


def _lines(
    box: Any,
    version: str,
    column: tuple[float, float],
    role: str | None,
    boxes: Any,
    roles: dict[int, str | None],
) -> Iterator[tuple[str, tuple[float, float], Any, str | None]]:
    """(version, column, line box, role) for each line under `box` with visible text; a block-level box
    whose element sets `lang` starts a version's column; the innermost element with a role's class gives
    the line its role (None: not text of the instrument)."""
    element = getattr(box, "element", None)
    lang = element.get("lang") if element is not None and box.element_tag != "html" else None
    if lang and isinstance(box, boxes.BlockContainerBox):
        left = float(box.content_box_x())
        version, column = lang, (left, left + float(box.width))
    if element is not None:
        role = role_of(element, roles) or role
    if isinstance(box, boxes.LineBox) and any(True for _ in visible_texts(box)):
        yield version, column, box, role
    if isinstance(box, boxes.ParentBox):
        for child in map(unwrapped, box.all_children()):
            yield from _lines(child, version, column, role, boxes, roles)
