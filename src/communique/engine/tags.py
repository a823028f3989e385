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
from communique.model import CHANGE_CLASSES, HTML_ELEMENT, READ_BY_COLUMN, STRUCTURE_ROLE


def patches() -> list[Patch]:
    """Give each tagged structure element made from an HTML element with `lang` its own /Lang, mark
    tables read by column and list parts, and fold single-content spans into their parents."""
    import weasyprint.pdf
    from weasyprint.pdf import tags

    return [
        Patch(tags, "_build_box_tree", _with_languages),
        Patch(weasyprint.pdf, "add_tags", _with_spans_folded),
    ]


_PLAIN_SPAN_KEYS = frozenset({"Type", "S", "K", "Pg", "P", HTML_ELEMENT.removeprefix("/")})
_MOST_NESTED_SPANS = 8
"""Passes of folding; each leaves a whole tree, so stopping early only leaves some spans."""


def _with_spans_folded(original: Any) -> Any:
    """WeasyPrint wraps each run of text in a /Span holding one marked-content id and nothing else: over
    half of a document's structure elements (2,958 of 5,222 in the 54-page treaty), each an object every
    later step reads and writes; and a span of the typesetting's own (a date kept on one line) holds the
    ids of its runs and nothing else. The parent takes the ids itself (its /Pg is the same page), the
    parent tree points at the parent, and the span is freed; what it would have said is said by its
    parent."""

    @functools.wraps(original)
    def add_tags(pdf: Any, *args: Any) -> Any:
        result = original(pdf, *args)
        try:
            elements, pages = _structure(pdf)
        except ENGINE_CHANGED as error:
            report("structure", "text runs keep a structure element each", error)
            return result
        for _ in range(_MOST_NESTED_SPANS):  # a span holding a span holding a run folds in turns
            try:
                folded = _foldable_spans(elements)
            except ENGINE_CHANGED as error:
                report("structure", "text runs keep a structure element each", error)
                return result
            if not folded:
                break
            _fold(folded, pages)
            for reference in folded:
                del elements[reference]
        return result

    return add_tags


Folded = dict[bytes, tuple[Any, Any, list[int]]]
"""A span's reference -> the span, its parent and its marked-content ids."""


def _structure(pdf: Any) -> tuple[dict[bytes, Any], list[list[Any]]]:
    """Every structure element (by reference) and the parent tree's arrays of pages."""
    import pydyf

    def dereferenced(reference: bytes) -> Any:
        return pdf.objects[int(reference.split()[0])]

    root = dereferenced(pdf.catalog["StructTreeRoot"])
    numbers = dereferenced(root["ParentTree"])["Nums"]
    pages = [entry for entry in numbers[1::2] if isinstance(entry, list)]
    elements = {
        item.reference: item
        for item in pdf.objects
        if isinstance(item, pydyf.Dictionary) and item.get("Type") == "/StructElem"
    }
    return elements, pages


def _foldable_spans(elements: dict[bytes, Any]) -> Folded:
    """Every span of the structure `elements` that can be folded; nothing is changed here, so that a
    changed engine (a KeyError, a reference of another form) leaves the tree whole."""
    folded: Folded = {}
    for reference, element in elements.items():
        kids = element.get("K")
        if element.get("S") != "/Span" or set(element) - _PLAIN_SPAN_KEYS:
            continue
        if not isinstance(kids, list) or not kids or not all(isinstance(kid, int) for kid in kids):
            continue
        parent = elements.get(element.get("P"))
        if parent is None or parent.get("Pg") != element.get("Pg") or reference not in parent["K"]:
            continue
        folded[reference] = (element, parent, kids)
    return folded


def _fold(folded: Folded, pages: list[list[Any]]) -> None:
    """Apply what `_foldable_spans` found: the ids into the parent in the span's place, the parent tree to
    the parents, the spans freed (pydyf writes a free object as a free entry of the cross-reference
    table)."""
    for reference, (element, parent, mcids) in folded.items():
        kids = parent["K"]
        at = kids.index(reference)
        kids[at : at + 1] = mcids
        element.free = "f"
    for entries in pages:
        entries[:] = [folded[entry][1].reference if entry in folded else entry for entry in entries]


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
            identity = _identity(box)
        except ENGINE_CHANGED as error:
            report(
                "structure order",
                "a table is read row by row, lists as paragraphs, an element split by pages as parts",
                error,
            )
            by_column = role = identity = None
        try:
            change = _change(box)
        except ENGINE_CHANGED as error:
            report("structure changes", "a redline's insertions and deletions are not told apart", error)
            change = None
        for element in original(box, *args):
            if change is not None and element.get("S") == "/Span" and "Alt" not in element:
                element["Alt"] = pydyf.String(change)
            if identity is not None and HTML_ELEMENT.removeprefix("/") not in element:
                element[HTML_ELEMENT.removeprefix("/")] = pydyf.String(identity)
            if lang and "Lang" not in element:
                element["Lang"] = pydyf.String(lang)
            if by_column is not None and element.get("S") == "/Table":
                element[READ_BY_COLUMN.removeprefix("/")] = pydyf.String(by_column)
            if role is not None and element.get("S") in ("/P", "/Span", "/Div"):
                element[STRUCTURE_ROLE.removeprefix("/")] = pydyf.String(role)
                role = None  # the element itself, not what an anonymous box inside it makes
            yield element

    return build


def _change(box: Any) -> str | None:
    """What a screen reader says of a redline's changed text ('inserted: …', 'deleted: …'), where the
    box's HTML element is such a span: the whole change at its first line, nothing at its others."""
    if box.element is None:
        return None
    classes = (box.element.get("class") or "").split()
    kind = next((CHANGE_CLASSES[name] for name in classes if name in CHANGE_CLASSES), None)
    if kind is None:
        return None
    if box.element.get(_TOLD) is not None:  # the span's later lines: said once, with its first
        return ""
    box.element.set(_TOLD, "")
    return f"{kind}: {''.join(box.element.itertext())}"


_TOLD = "data-communique-told"
"""Set on a changed span's HTML element once its first structure element has its /Alt."""


def _identity(box: Any) -> str | None:
    """The identity of the HTML element a box was made from, the same for its boxes on every page."""
    return str(id(box.element)) if box.element is not None else None


def _read_by_column(box: Any) -> str | None:
    """The id of the HTML table a box was made from, when it asks to be read by column."""
    if box.element is None or box.element.get("data-read-by-column") is None:
        return None
    return str(box.element.get("id") or f"table-{id(box.element)}")


def _structure_role(box: Any) -> str | None:
    """`data-structure` of the HTML element a box was made from ('LI alpha', 'Lbl')."""
    if box.element is None or box.element.get("data-structure") is None:
        return None
    return str(box.element.get("data-structure"))


def _element_lang(box: Any) -> str | None:
    """The `lang` of the HTML element a box was made from."""
    return box.element.get("lang") if box.element is not None else None
