"""The structure tree as a reader needs it, from WeasyPrint's: running headers, footers and page numbers as
artifacts, and tables of versions side by side read one version after the other.

WeasyPrint 70 gives the text of margin boxes (the footer, page numbers) structure elements that no
element of the tree holds: a screen reader would meet content that is neither in the reading order nor
an artifact. And it tags a table row by row, so the parallel layout would be read across languages, a
sentence of Japanese then its English. The tags hook (engine/tags.py) marks the structure elements of
tables whose HTML asks to be read by column (`data-read-by-column`); this module turns each such table
into one section per column, in its language, holding the column's cells in order over every page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pypdf
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    PdfObject,
)

from communique.model import READ_BY_COLUMN, STRUCTURE_ROLE
from communique.pdf import access
from communique.pdf.fonts import content_streams

_CONTAINERS = ("/THead", "/TBody", "/TFoot")


def tidy_structure(writer: pypdf.PdfWriter) -> list[str]:
    """Margin content made artifacts and marked tables read by column; what could not be done, as warnings
    (the PDF is then as WeasyPrint tagged it)."""
    root = writer.root_object.get("/StructTreeRoot")
    if root is None:
        return ["structure: the PDF has no structure tree; it is not tagged"]
    undone = _read_by_column(writer, access.dictionary(root))
    undone += _lists(writer, access.dictionary(root))
    undone += _margin_content_as_artifacts(writer, access.dictionary(root))
    return undone


def _kids(element: DictionaryObject) -> list[PdfObject]:
    kids = element.get("/K")
    if kids is None:
        return []
    kids = kids.get_object()
    return list(kids) if isinstance(kids, ArrayObject) else [kids]


def _elements(root: DictionaryObject) -> Iterator[tuple[IndirectObject, DictionaryObject]]:
    """Every structure element of the tree (reference and value), in tree order."""
    stack = list(reversed(_kids(root)))
    seen: set[int] = set()
    while stack:
        kid = stack.pop()
        if not isinstance(kid, IndirectObject) or kid.idnum in seen:
            continue
        seen.add(kid.idnum)
        value = kid.get_object()
        if isinstance(value, DictionaryObject) and "/MCID" not in value and "/Obj" not in value:
            yield kid, value
            stack.extend(reversed(_kids(value)))


def _margin_content_as_artifacts(writer: pypdf.PdfWriter, root: DictionaryObject) -> list[str]:
    """Marked content whose structure element is outside the tree (margin boxes) becomes a pagination
    artifact, and leaves the parent tree."""
    reachable = {reference.idnum for reference, _ in _elements(root)}
    numbers = access.dictionary(root.get("/ParentTree", DictionaryObject())).get("/Nums")
    if numbers is None:
        return ["structure: the parent tree has no /Nums; margin content is left as WeasyPrint tagged it"]
    numbers = numbers.get_object()
    pages = writer.pages
    for index in range(0, len(numbers) - 1, 2):
        key, value = int(numbers[index]), numbers[index + 1].get_object()
        if key >= len(pages) or not isinstance(value, ArrayObject):
            continue  # annotations' entries
        outside = {
            mcid
            for mcid, owner in enumerate(value)
            if isinstance(owner, IndirectObject) and owner.idnum not in reachable
        }
        if not outside:
            continue
        if not _as_artifacts(pages[key], outside):
            return [f"structure: page {key + 1}'s margin text could not be marked as an artifact"]
        for mcid in outside:
            value[mcid] = NullObject()
    return []


_MARKED = re.compile(rb"/[A-Za-z]+\s*<</MCID (\d+)>>\s*BDC")


def _as_artifacts(page: pypdf.PageObject, mcids: set[int]) -> bool:
    """Rewrite the page's marked-content sequences `mcids` as pagination artifacts; False when one of
    them is not found as WeasyPrint writes it."""
    seen: set[int] = set()

    def artifact(match: re.Match[bytes]) -> bytes:
        mcid = int(match.group(1))
        if mcid not in mcids:
            return match.group(0)
        seen.add(mcid)
        return b"/Artifact\n<</Type /Pagination>>\nBDC"

    rewritten = []
    for stream in content_streams(page):
        before = stream.get_data()
        after = _MARKED.sub(artifact, before)
        if after != before:
            rewritten.append((stream, after))
    if seen != mcids:
        return False
    for stream, data in rewritten:
        stream.set_data(data)
    return True


def _read_by_column(writer: pypdf.PdfWriter, root: DictionaryObject) -> list[str]:
    """Each marked table (its fragments over several pages) replaced by one /Sect per column."""
    tables: dict[str, list[tuple[IndirectObject, DictionaryObject]]] = {}
    for reference, element in list(_elements(root)):
        if READ_BY_COLUMN in element:
            tables.setdefault(str(element[READ_BY_COLUMN]), []).append((reference, element))
            del element[NameObject(READ_BY_COLUMN)]
    undone = []
    for name, fragments in tables.items():
        columns = _columns(fragments)
        if columns is None:
            undone.append(
                f"structure: the table {name!r} is read row by row: its rows do not all have the same "
                "number of cells"
            )
            continue
        _replace_with_sections(writer, fragments, columns)
    return undone


def _columns(
    fragments: list[tuple[IndirectObject, DictionaryObject]],
) -> list[list[IndirectObject]] | None:
    """The cells of the table's fragments, column by column, in page order; None when rows differ."""
    rows: list[list[IndirectObject]] = []
    for _, fragment in fragments:
        stack = list(reversed(_kids(fragment)))
        while stack:
            kid = stack.pop()
            value = kid.get_object()
            if not isinstance(kid, IndirectObject) or not isinstance(value, DictionaryObject):
                return None
            if value.get("/S") in _CONTAINERS:
                stack.extend(reversed(_kids(value)))
            elif value.get("/S") == "/TR":
                rows.append([cell for cell in _kids(value) if isinstance(cell, IndirectObject)])
            else:
                return None
    if not rows or len({len(row) for row in rows}) != 1:
        return None
    return [list(column) for column in zip(*rows, strict=True)]


def _replace_with_sections(
    writer: pypdf.PdfWriter,
    fragments: list[tuple[IndirectObject, DictionaryObject]],
    columns: list[list[IndirectObject]],
) -> None:
    """The fragments taken out of their parent's kids, the column sections put where the first was."""
    parent_ref = fragments[0][1]["/P"]
    parent = access.dictionary(parent_ref)
    sections = []
    for cells in columns:
        section = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/StructElem"),
                NameObject("/S"): NameObject("/Sect"),
                NameObject("/P"): parent_ref,
            }
        )
        first = access.dictionary(cells[0])
        if "/Lang" in first:
            section[NameObject("/Lang")] = first["/Lang"]
        reference = access.add_object(writer, section)
        held: list[PdfObject] = []
        for cell in cells:
            value = access.dictionary(cell)
            inner = _kids(value)
            if all(isinstance(kid, IndirectObject) for kid in inner):  # the cell dissolves into its blocks
                for kid in inner:
                    access.dictionary(kid)[NameObject("/P")] = reference
                held.extend(inner)
                continue
            value[NameObject("/S")] = NameObject("/Div")  # content of its own: the cell stays, as a Div
            value[NameObject("/P")] = reference
            if "/A" in value:
                del value[NameObject("/A")]
            held.append(cell)
        section[NameObject("/K")] = ArrayObject(held)
        sections.append(reference)
    fragment_numbers = {reference.idnum for reference, _ in fragments}
    kids: list[PdfObject] = []
    for kid in _kids(parent):
        if isinstance(kid, IndirectObject) and kid.idnum in fragment_numbers:
            kids.extend(sections)
            sections = []
        else:
            kids.append(kid)
    parent[NameObject("/K")] = ArrayObject(kids)


_NUMBERING = {
    "bullet": "/Disc",
    "decimal": "/Decimal",
    "parenthesized": "/Decimal",
    "alpha": "/LowerAlpha",
    "letter": "/LowerAlpha",
}
"""How each list style numbers its items, as the /List attribute's ListNumbering says it."""


def _lists(writer: pypdf.PdfWriter, root: DictionaryObject) -> list[str]:
    """Runs of sibling list items (paragraphs marked LI, their labels Lbl, further paragraphs LBody)
    become an /L of /LI, each an /Lbl and an /LBody; fragments of one item on several pages join it.
    Nothing is left undone: an item that cannot be grouped stays the paragraph it was."""
    marked: dict[int, tuple[str, str, str]] = {}
    parents: dict[int, IndirectObject] = {}
    for reference, element in list(_elements(root)):
        if STRUCTURE_ROLE in element:
            role, *rest = str(element[STRUCTURE_ROLE]).split()
            del element[NameObject(STRUCTURE_ROLE)]
            style, identity = (rest[0], rest[-1]) if len(rest) == 2 else ("", rest[-1] if rest else "")
            marked[reference.idnum] = (role, style, identity)
            parent = element.raw_get("/P") if "/P" in element else None
            if role in ("LI", "LBody") and isinstance(parent, IndirectObject):
                parents[parent.idnum] = parent
    for parent in parents.values():
        _group_items(writer, parent, marked)
    return []


@dataclass
class _OpenList:
    """The list being filled while walking a parent's kids."""

    reference: IndirectObject
    element: DictionaryObject
    style: str
    lang: object


def _group_items(
    writer: pypdf.PdfWriter, parent_ref: IndirectObject, marked: dict[int, tuple[str, str, str]]
) -> None:
    """Replace `parent`'s runs of marked list items by lists: a new list where the style or the
    language changes or anything else comes between; fragments of an item join its body."""
    parent = access.dictionary(parent_ref)
    kids: list[PdfObject] = []
    bodies: dict[str, tuple[IndirectObject, DictionaryObject]] = {}  # an item's identity -> its LBody
    open_list: _OpenList | None = None
    for kid in _kids(parent):
        role, style, identity = (
            marked.get(kid.idnum, ("", "", "")) if isinstance(kid, IndirectObject) else ("",) * 3
        )
        if role not in ("LI", "LBody"):
            kids.append(kid)
            open_list = None
            continue
        value = access.dictionary(kid)
        lang = value.get("/Lang")
        fresh = role == "LI" and identity not in bodies
        if open_list is None or (fresh and (style, lang) != (open_list.style, open_list.lang)):
            reference, element = _element(writer, "/L", parent_ref)
            open_list = _OpenList(reference, element, style, lang)
            element[NameObject("/A")] = DictionaryObject(
                {
                    NameObject("/O"): NameObject("/List"),
                    NameObject("/ListNumbering"): NameObject(_NUMBERING.get(style, "/None")),
                }
            )
            kids.append(reference)
        found = bodies.get(identity) if role == "LI" else next(reversed(bodies.values()), None)
        if found is None:  # a new item: an LI holding its label (below) and its body
            item_ref, item = _element(writer, "/LI", open_list.reference)
            access.array(open_list.element["/K"]).append(item_ref)
            body_ref, body = _element(writer, "/LBody", item_ref)
            access.array(item["/K"]).append(body_ref)
            bodies[identity] = (body_ref, body)
            inner = _kids(value)
            label = inner[0] if inner and isinstance(inner[0], IndirectObject) else None
            if label is not None and marked.get(label.idnum, ("",))[0] == "Lbl":
                access.dictionary(label)[NameObject("/S")] = NameObject("/Lbl")
                access.dictionary(label)[NameObject("/P")] = item_ref
                access.array(item["/K"]).insert(0, label)
                value[NameObject("/K")] = ArrayObject(inner[1:])
        body_ref, body = bodies[identity] if role == "LI" else found or bodies[identity]
        value[NameObject("/P")] = body_ref
        access.array(body["/K"]).append(kid)
    parent[NameObject("/K")] = ArrayObject(kids)


def _element(
    writer: pypdf.PdfWriter, kind: str, parent: IndirectObject
) -> tuple[IndirectObject, DictionaryObject]:
    """A new structure element of type `kind` under `parent`, with no kids yet."""
    element = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/StructElem"),
            NameObject("/S"): NameObject(kind),
            NameObject("/P"): parent,
            NameObject("/K"): ArrayObject(),
        }
    )
    return access.add_object(writer, element), element
