"""Per-element /Lang in WeasyPrint's structure tree, and tables marked to be read by column.

WeasyPrint 70 writes /Lang only on the catalog, so a screen reader would read the English version with
Japanese rules. Its tag builder is a recursive generator looked up by module name; wrapping it sees every
(box, structure element) pair it makes. An element keeps a /Lang already set by a deeper call, so the
nearest `lang` wins, as in HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from communique.engine.hooks import Patch
from communique.engine.undone import ENGINE_CHANGED, report
from communique.model import READ_BY_COLUMN, STRUCTURE_ROLE


def patches() -> list[Patch]:
    """Give each tagged structure element made from an HTML element with `lang` its own /Lang."""
    from weasyprint.pdf import tags

    return [Patch(tags, "_build_box_tree", _with_languages)]


def _with_languages(original: Any) -> Any:
    import pydyf

    @functools.wraps(original)
    def build(box: Any, *args: Any) -> Iterator[Any]:
        try:
            lang = _element_lang(box)
        except ENGINE_CHANGED as error:
            report("structure languages", "a structure element has no /Lang of its own", error)
            lang = None
        try:
            by_column = _read_by_column(box)
            role = _structure_role(box)
        except ENGINE_CHANGED as error:
            report("structure order", "a table is read row by row and lists as paragraphs", error)
            by_column = role = None
        for element in original(box, *args):
            if lang and "Lang" not in element:
                element["Lang"] = pydyf.String(lang)
            if by_column is not None and element.get("S") == "/Table":
                element[READ_BY_COLUMN.removeprefix("/")] = pydyf.String(by_column)
            if role is not None and element.get("S") in ("/P", "/Span"):
                element[STRUCTURE_ROLE.removeprefix("/")] = pydyf.String(role)
                role = None  # the element itself, not what an anonymous box inside it makes
            yield element

    return build


def _read_by_column(box: Any) -> str | None:
    """The id of the HTML table a box was made from, when it asks to be read by column."""
    if box.element is None or box.element.get("data-read-by-column") is None:
        return None
    return str(box.element.get("id") or f"table-{id(box.element)}")


def _structure_role(box: Any) -> str | None:
    """`data-structure` of the HTML element a box was made from, with the element's identity."""
    if box.element is None or box.element.get("data-structure") is None:
        return None
    return f"{box.element.get('data-structure')} {id(box.element)}"


def _element_lang(box: Any) -> str | None:
    """The `lang` of the HTML element a box was made from."""
    return box.element.get("lang") if box.element is not None else None
