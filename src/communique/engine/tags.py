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
from communique.model import READ_BY_COLUMN


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
        except ENGINE_CHANGED as error:
            report("structure order", "a table is read row by row", error)
            by_column = None
        for element in original(box, *args):
            if lang and "Lang" not in element:
                element["Lang"] = pydyf.String(lang)
            if by_column is not None and element.get("S") == "/Table":
                element[READ_BY_COLUMN.removeprefix("/")] = pydyf.String(by_column)
            yield element

    return build


def _read_by_column(box: Any) -> str | None:
    """The id of the HTML table a box was made from, when it asks to be read by column."""
    if box.element is None or box.element.get("data-read-by-column") is None:
        return None
    return str(box.element.get("id") or f"table-{id(box.element)}")


def _element_lang(box: Any) -> str | None:
    """The `lang` of the HTML element a box was made from."""
    return box.element.get("lang") if box.element is not None else None
