"""The structure tree as a reader needs it, from WeasyPrint's: one element per HTML element (not one per
page it appears on), running headers, footers and page numbers as artifacts, tables of versions side by
side read one version after the other, and lists as lists.

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
    NumberObject,
    PdfObject,
)

from communique.model import HTML_ELEMENT, READ_BY_COLUMN, STRUCTURE_ROLE
from communique.pdf import access
from communique.pdf.fonts import content_streams

_CONTAINERS = ("/THead", "/TBody", "/TFoot")


def tidy_structure(writer: pypdf.PdfWriter) -> list[str]:
    """Page fragments joined, marked tables read by column, lists made lists, margin content made
    artifacts, elements left out of the tree left out of the file; what could not be done, as warnings
    (that part is then as WeasyPrint tagged it)."""
    root = writer.root_object.get("/StructTreeRoot")
    if root is None:
        return ["structure: the PDF has no structure tree; it is not tagged"]
    tree = access.dictionary(root)
    pages = {
        page.indirect_reference.idnum: index
        for index, page in enumerate(writer.pages)
        if page.indirect_reference is not None
    }
    _join_fragments(tree, pages)
    undone = _read_by_column(writer, tree)
    undone += _lists(writer, tree)
    undone += _margin_content_as_artifacts(writer, tree)
    _free_unreachable(writer, tree)
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
    """The fragments taken out of their parents' kids, the column sections put where the first was."""
    parent_ref = fragments[0][1].raw_get("/P")
    sections = []
    for cells in columns:
        reference, section = _element(writer, "/Sect", parent_ref)
        first = access.dictionary(cells[0])
        if "/Lang" in first:
            section[NameObject("/Lang")] = first["/Lang"]
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
    for _, fragment in fragments:
        parent = access.dictionary(fragment.raw_get("/P"))
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
    """Runs of sibling list items become an /L of /LI, each an /Lbl (the item's marker) and an /LBody.
    An item is an element marked LI (a paragraph; in a layout that sets an item's versions together, the
    element holding them, its paragraphs marked too); a paragraph marked LBody continues the item before.
    Nothing is left undone: what cannot be grouped stays as it was."""
    marked: dict[int, tuple[str, str]] = {}
    for reference, element in _elements(root):
        if STRUCTURE_ROLE in element:
            role, *rest = str(element[STRUCTURE_ROLE]).split()
            marked[reference.idnum] = (role, rest[0] if rest else "")
    parents: dict[int, IndirectObject] = {}
    for reference, element in _elements(root):
        parent = element.raw_get("/P") if "/P" in element else None
        is_item = marked.get(reference.idnum, ("",))[0] in ("LI", "LBody")
        # an item's own paragraphs go with it, not into a list of their own
        if is_item and isinstance(parent, IndirectObject) and marked.get(parent.idnum, ("",))[0] != "LI":
            parents[parent.idnum] = parent
    for parent in parents.values():
        _group_items(writer, parent, marked)
    return []


@dataclass
class _OpenList:
    """The list being filled while walking a parent's kids, and its last item's body."""

    reference: IndirectObject
    element: DictionaryObject
    style: str
    lang: object
    body: IndirectObject | None = None


def _group_items(
    writer: pypdf.PdfWriter, parent_ref: IndirectObject, marked: dict[int, tuple[str, str]]
) -> None:
    """Replace `parent`'s runs of list items by lists: a new list where the style or the language changes
    or anything else comes between."""
    parent = access.dictionary(parent_ref)
    kids: list[PdfObject] = []
    open_list: _OpenList | None = None
    for kid in _kids(parent):
        role, style = marked.get(kid.idnum, ("", "")) if isinstance(kid, IndirectObject) else ("", "")
        if not isinstance(kid, IndirectObject) or role not in ("LI", "LBody"):
            kids.append(kid)
            open_list = None
            continue
        value = access.dictionary(kid)
        lang = _language(value)
        if open_list is None or (role == "LI" and (style, lang) != (open_list.style, open_list.lang)):
            reference, element = _element(writer, "/L", parent_ref)
            element[NameObject("/A")] = DictionaryObject(
                {
                    NameObject("/O"): NameObject("/List"),
                    NameObject("/ListNumbering"): NameObject(_numbering(style, lang)),
                }
            )
            open_list = _OpenList(reference, element, style, lang)
            kids.append(reference)
        if role == "LBody" and open_list.body is not None:  # a further paragraph of the item before
            value[NameObject("/P")] = open_list.body
            access.array(access.dictionary(open_list.body)["/K"]).append(kid)
            continue
        inner = [item for item in _kids(value) if isinstance(item, IndirectObject)]
        paragraphs = [item for item in inner if marked.get(item.idnum, ("",))[0] in ("LI", "LBody")] or [kid]
        open_list.body = _item(writer, open_list, paragraphs, marked)
    parent[NameObject("/K")] = ArrayObject(kids)


def _item(
    writer: pypdf.PdfWriter,
    open_list: _OpenList,
    paragraphs: list[IndirectObject],
    marked: dict[int, tuple[str, str]],
) -> IndirectObject:
    """An /LI in `open_list` holding the first paragraph's marker as its /Lbl and the paragraphs in its
    /LBody; the body's reference."""
    item_ref, item = _element(writer, "/LI", open_list.reference)
    access.array(open_list.element["/K"]).append(item_ref)
    body_ref, body = _element(writer, "/LBody", item_ref)
    first = access.dictionary(paragraphs[0])
    inner = _kids(first)
    label = inner[0] if inner and isinstance(inner[0], IndirectObject) else None
    if label is not None and marked.get(label.idnum, ("",))[0] == "Lbl":
        access.dictionary(label)[NameObject("/S")] = NameObject("/Lbl")
        access.dictionary(label)[NameObject("/P")] = item_ref
        access.array(item["/K"]).append(label)
        first[NameObject("/K")] = ArrayObject(inner[1:])
    access.array(item["/K"]).append(body_ref)
    for paragraph in paragraphs:
        access.dictionary(paragraph)[NameObject("/P")] = body_ref
    body[NameObject("/K")] = ArrayObject(paragraphs)
    return body_ref


def _language(element: DictionaryObject) -> object:
    """The /Lang in force for `element`: its own, or its nearest ancestor's."""
    for _ in range(_DEEPEST):
        if "/Lang" in element or "/P" not in element:
            break
        parent = element["/P"]
        if not isinstance(parent, DictionaryObject) or parent.get("/Type") == "/StructTreeRoot":
            break
        element = parent
    return element.get("/Lang")


_DEEPEST = 256
"""Most ancestors `_language` climbs (deeper than any layout makes; a loop ends there)."""


def _numbering(style: str, lang: object) -> str:
    """The /ListNumbering of a list's style in its language: lettered lists are a b c except in Japanese
    (ア イ ウ) and Korean (가 나 다), which are none of PDF's numberings (conventions.item_marker)."""
    if style == "alpha" and str(lang or "").split("-")[0] in ("ja", "ko"):
        return "/None"
    return _NUMBERING.get(style, "/None")


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


def _join_fragments(root: DictionaryObject, pages: dict[int, int]) -> None:
    """Sibling elements made from one HTML element on several pages become one element, where the first
    part was: its kids in order, marked content of the later pages as marked-content references naming
    their page, the parent tree pointing at the element that remains (a table row broken by a page: each
    cell's parts join, not the row's cells four across). Parts on the same page (::before, anonymous
    boxes) stay apart, and so do table headers repeated on each page. Top down, so that the parts of a
    section's paragraph meet once the section is whole."""
    survivors: dict[int, IndirectObject] = {}  # an absorbed element's number -> the element it joined
    pending = [kid for kid in _kids(root) if isinstance(kid, IndirectObject)]
    while pending:
        reference = pending.pop()
        element = access.dictionary(reference)
        kept: list[PdfObject] = []
        first: dict[str, tuple[IndirectObject, int]] = {}  # identity -> the element's first part, its page
        for kid in _kids(element):
            identity = _identity(kid) if isinstance(kid, IndirectObject) else None
            if isinstance(kid, IndirectObject) and identity is not None:
                page = _page_index(kid, pages)
                survivor = first.get(identity)
                if survivor is not None and page > survivor[1]:  # the element continued on a later page
                    _absorb(survivor[0], kid)
                    survivors[kid.idnum] = survivor[0]
                    first[identity] = (survivor[0], page)
                    continue
                first.setdefault(identity, (kid, page))
            kept.append(kid)
        if len(kept) != len(_kids(element)):
            element[NameObject("/K")] = ArrayObject(kept)
        pending += [kid for kid in kept if isinstance(kid, IndirectObject) and _is_element(kid)]
    for container, index in _owner_slots(root):
        owner = container[index]
        if isinstance(owner, IndirectObject) and owner.idnum in survivors:
            container[index] = survivors[owner.idnum]


def _identity(reference: IndirectObject) -> str | None:
    """The HTML element a structure element was made from; None for repeated table headers and footers
    (a repeat on each page, not a continuation) and for elements made from no HTML element."""
    value = reference.get_object()
    if not isinstance(value, DictionaryObject) or HTML_ELEMENT not in value or value.get("/S") in _REPEATED:
        return None
    return str(value[HTML_ELEMENT])


_REPEATED = ("/THead", "/TFoot")


def _page_index(reference: IndirectObject, pages: dict[int, int]) -> int:
    """The index of the element's page (`pages`: page object number -> index); -1 without a page."""
    value = access.dictionary(reference)
    page = value.raw_get("/Pg") if "/Pg" in value else None
    return pages.get(page.idnum, -1) if isinstance(page, IndirectObject) else -1


def _is_element(reference: IndirectObject) -> bool:
    value = reference.get_object()
    return isinstance(value, DictionaryObject) and "/MCID" not in value and "/Obj" not in value


def _absorb(survivor: IndirectObject, absorbed: IndirectObject) -> None:
    """`absorbed`'s kids appended to `survivor`'s; an id of marked content on another page becomes a
    marked-content reference to that page."""
    into, taken = access.dictionary(survivor), access.dictionary(absorbed)
    kids = _kids(into)
    page = taken.raw_get("/Pg") if "/Pg" in taken else None
    moved = page is not None and page != (into.raw_get("/Pg") if "/Pg" in into else None)
    for kid in _kids(taken):
        if isinstance(kid, NumberObject) and moved:
            kid = DictionaryObject(
                {NameObject("/Type"): NameObject("/MCR"), NameObject("/Pg"): page, NameObject("/MCID"): kid}
            )
        elif isinstance(kid, IndirectObject) and _is_element(kid):
            access.dictionary(kid)[NameObject("/P")] = survivor
        kids.append(kid)
    into[NameObject("/K")] = ArrayObject(kids)


def _owner_slots(root: DictionaryObject) -> list[tuple[ArrayObject, int]]:
    """Every place the parent tree names an owner: (array, index) for each marked content id of each page
    and for each annotation."""
    numbers = access.dictionary(root.get("/ParentTree", DictionaryObject())).get("/Nums")
    if numbers is None:
        return []
    numbers = access.array(numbers)
    slots: list[tuple[ArrayObject, int]] = []
    for index in range(1, len(numbers), 2):
        value = numbers[index].get_object()
        if isinstance(value, ArrayObject):
            slots += [(value, position) for position in range(len(value))]
        else:
            slots.append((numbers, index))
    return slots


def _free_unreachable(writer: pypdf.PdfWriter, root: DictionaryObject) -> None:
    """Structure elements no longer in the tree (tables turned into sections, fragments joined, margin
    boxes made artifacts) are left out of the file, so that nothing reading every object meets them, and
    the marker keys are taken off the rest."""
    reachable = {reference.idnum for reference, _ in _elements(root)}
    for container, index in _owner_slots(root):  # an owner of marked content outside the tree stays,
        owner = container[index]  # with what it refers to (margin content left as WeasyPrint tagged it)
        for _ in range(_DEEPEST):
            if not isinstance(owner, IndirectObject) or owner.idnum in reachable:
                break
            reachable.add(owner.idnum)
            value = owner.get_object()
            owner = value.raw_get("/P") if isinstance(value, DictionaryObject) and "/P" in value else None
    for _, element in _elements(root):
        for key in (HTML_ELEMENT, READ_BY_COLUMN, STRUCTURE_ROLE):
            if key in element:
                del element[NameObject(key)]
    for item in list(access.objects(writer)):
        if (
            isinstance(item, DictionaryObject)
            and item.get("/Type") == "/StructElem"
            and item.indirect_reference is not None
            and item.indirect_reference.idnum not in reachable
        ):
            access.free_object(writer, item.indirect_reference)
