"""Joining the PDFs WeasyPrint wrote for the parts of one document (the versions of a `sequential` layout,
rendered by parallel workers) into one PDF that reads as one build of the whole document.

Part 1 is the base: its catalog (Lang, MarkInfo, ViewerPreferences, OutputIntents, the XMP) and its Info
stay. The later parts' pages are appended with their own resources and fonts, then their structure trees,
outlines and named destinations are copied: QPDF keeps one object map per source file, so what is copied
after a part's pages points at the copied pages. The structure trees become one, under part 1's Document
element; the parent tree is numbered as one build numbers it (the pages 0 to n - 1 in order, then the
annotations of every part in order); values that name one thing in a file (structure element IDs, the tags
hook's element identities) are renamed where a later part repeats an earlier part's. The output's /ID is
derived from its content: the same parts give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from io import BytesIO
from typing import TYPE_CHECKING

from communique.errors import FinishError
from communique.model import HTML_ELEMENT, READ_BY_COLUMN

if TYPE_CHECKING:
    import pikepdf

_COPIED = ("/StructTreeRoot", "/Outlines", "/Names", "/Dests")
"""The catalog entries of a later part that the join reads; the rest of the catalog is part 1's."""
_UNJOINED = {"/AcroForm": "form fields", "/PageLabels": "page labels"}
"""Catalog entries WeasyPrint 70 does not write for communique, which join_parts does not merge (the finish
stage writes the joined file's page labels)."""
_UNIQUE_KEYS = ("/ID", HTML_ELEMENT, READ_BY_COLUMN)
"""Structure element keys whose value names one thing in the whole file: a table header's ID, which its
cells' /Headers name (WeasyPrint makes it from an object number, so two parts can make the same one), and
the tags hook's identities of HTML elements and tables (memory addresses in the worker that rendered the
part, so two workers can give two elements the same one, and the finish stage would join them)."""
_HINT = "the parts must be complete PDFs from communique's renderer (WeasyPrint write_pdf with pdf_tags=True)"


def join_parts(parts: Sequence[bytes]) -> bytes:
    """The PDFs `parts` (each from the same HTML, CSS and fonts, with some of its versions) as one PDF:
    their pages in order, one structure tree, one outline, every named destination; FinishError for a part
    that is not a tagged PDF as WeasyPrint writes it."""
    import pikepdf

    if len(parts) < 2:
        raise FinishError(f"join_parts needs two or more parts, not {len(parts)}", hint=_HINT)
    sources = [_opened(data, number, len(parts)) for number, data in enumerate(parts, start=1)]
    try:
        joined = sources[0]
        pages = [[page.obj for page in joined.pages]]
        catalogs = [joined.Root]
        for source in sources[1:]:
            first = len(joined.pages)
            for page in source.pages:  # append, not extend: extend warns of the named destinations,
                joined.pages.append(page)  # which _join_destinations carries
            pages.append([joined.pages[index].obj for index in range(first, len(joined.pages))])
            carried = pikepdf.Dictionary({key: source.Root[key] for key in _COPIED if key in source.Root})
            catalogs.append(joined.copy_foreign(source.make_indirect(carried)))
        _join_structure(joined, catalogs, pages)
        _join_outlines(joined, catalogs)
        _join_destinations(joined.Root, catalogs)
        written = BytesIO()
        joined.save(
            written,
            deterministic_id=True,
            fix_metadata_version=False,  # part 1's XMP as WeasyPrint wrote it, not re-serialized
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
        return written.getvalue()
    finally:
        for source in sources:
            source.close()


def _opened(data: bytes, number: int, count: int) -> pikepdf.Pdf:
    """Part `number` of `count`, opened; FinishError unless it is a tagged PDF with pages and nothing the
    join cannot merge."""
    import pikepdf

    where = f"part {number} of {count}"
    try:
        pdf = pikepdf.open(BytesIO(data))
    except pikepdf.PdfError as error:
        raise FinishError(f"{where} is not a readable PDF: {error}", hint=_HINT) from error
    try:
        if not len(pdf.pages):
            raise FinishError(f"{where} has no pages", hint=_HINT)
        tree = pdf.Root.get("/StructTreeRoot")
        if not isinstance(tree, pikepdf.Dictionary):
            raise FinishError(f"{where} is not tagged: it has no structure tree (StructTreeRoot)", hint=_HINT)
        if not isinstance(tree.get("/ParentTree"), pikepdf.Dictionary):
            raise FinishError(f"{where} has a structure tree without a parent tree (/ParentTree)", hint=_HINT)
        _document(tree, where)
        unjoined = [what for key, what in _UNJOINED.items() if key in pdf.Root]
        if unjoined:
            raise FinishError(
                f"{where} has {' and '.join(unjoined)}, which join_parts does not merge", hint=_HINT
            )
    except FinishError:
        pdf.close()
        raise
    return pdf


def _document(tree: pikepdf.Object, where: str) -> pikepdf.Dictionary:
    """The one /Document element at the top of the structure tree of `where`."""
    import pikepdf

    top = _listed(tree.get("/K"))
    if len(top) != 1 or not isinstance(top[0], pikepdf.Dictionary) or top[0].get("/S") != "/Document":
        raise FinishError(
            f"{where} has a structure tree whose top is not one Document element, as WeasyPrint writes it",
            hint=_HINT,
        )
    return top[0]


def _listed(value: pikepdf.Object | None) -> list[pikepdf.Object]:
    """A PDF value that may be one item or an array of them, as a list (empty for none)."""
    import pikepdf

    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _is_element(kid: pikepdf.Object) -> bool:
    """Whether a structure element's kid is an element (not a marked-content id, MCR or OBJR)."""
    import pikepdf

    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid


def _elements(top: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """`top` and every structure element under it, in tree order, each once."""
    seen: set[tuple[int, int]] = set()
    stack: list[pikepdf.Object] = [top]
    while stack:
        element = stack.pop()
        if element.is_indirect:
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        yield element
        stack.extend(reversed([kid for kid in _listed(element.get("/K")) if _is_element(kid)]))


def _tree_entries(node: pikepdf.Object, leaves: str) -> Iterator[tuple[pikepdf.Object, pikepdf.Object]]:
    """The (key, value) pairs of a number tree (`leaves` '/Nums') or name tree ('/Names'), in order."""
    entries = _listed(node.get(leaves))
    yield from zip(entries[::2], entries[1::2], strict=False)
    for kid in _listed(node.get("/Kids")):
        yield from _tree_entries(kid, leaves)


def _join_structure(
    joined: pikepdf.Pdf, catalogs: list[pikepdf.Object], pages: Sequence[Sequence[pikepdf.Object]]
) -> None:
    """One structure tree: every part's top elements in part 1's Document, values that must be unique
    made unique, one parent tree, every part's role map, class map and ID tree."""
    import pikepdf

    trees = [catalog.StructTreeRoot for catalog in catalogs]
    documents = [_document(tree, f"part {number}") for number, tree in enumerate(trees, start=1)]
    top = documents[0]
    kids = _listed(top.get("/K"))
    for document in documents[1:]:
        for kid in _listed(document.get("/K")):
            if _is_element(kid):
                kid.P = top
            kids.append(kid)
    top.K = pikepdf.Array(kids)
    for tree, document in zip(trees[1:], documents[1:], strict=True):
        _reparent_outside_elements(tree, document, top)
    renamed = _unique_values([list(_elements(document)) for document in documents])
    _join_parent_trees(joined, trees, pages)
    for key in ("/RoleMap", "/ClassMap"):
        _join_maps(trees, key)
    _join_id_trees(joined, trees, renamed)


def _reparent_outside_elements(tree: pikepdf.Object, document: pikepdf.Object, top: pikepdf.Object) -> None:
    """Elements outside the tree whose ancestors end at a later part's Document (WeasyPrint's elements of
    the page margins: in the parent tree, not in the Document's kids) given part 1's Document instead, as
    one build gives them; else the later part's Document and its structure tree root would stay in the
    file, reachable through them."""
    import pikepdf

    climbed: set[tuple[int, int]] = set()
    for _, value in _tree_entries(tree.ParentTree, "/Nums"):
        for element in value if isinstance(value, pikepdf.Array) else [value]:
            while _is_element(element) and element.is_indirect and element.objgen not in climbed:
                climbed.add(element.objgen)
                parent = element.get("/P")
                if parent is None:
                    break
                if parent.is_indirect and parent.objgen == document.objgen:
                    element.P = top
                    break
                element = parent


def _unique_values(parts: list[list[pikepdf.Object]]) -> list[dict[bytes, bytes]]:
    """Each part's values of _UNIQUE_KEYS that an earlier part uses, renamed (a table's /Headers with its
    header IDs); for each part, its IDs renamed: old -> new."""
    import pikepdf

    used: dict[str, set[bytes]] = {key: set() for key in _UNIQUE_KEYS}
    renamed_ids = []
    for number, elements in enumerate(parts, start=1):
        own = {key: {bytes(element[key]) for element in elements if key in element} for key in _UNIQUE_KEYS}
        renames: dict[str, dict[bytes, bytes]] = {}
        for key in _UNIQUE_KEYS:
            taken = used[key] | own[key]
            renames[key] = {}
            for value in sorted(own[key] & used[key]):
                renames[key][value] = fresh = _fresh(value, number, taken)
                taken.add(fresh)
            used[key] |= (own[key] - renames[key].keys()) | set(renames[key].values())
        for element in elements:
            for key, names in renames.items():
                if names and key in element and bytes(element[key]) in names:
                    element[key] = pikepdf.String(names[bytes(element[key])])
        if renames["/ID"]:
            _rename_headers(elements, renames["/ID"])
        renamed_ids.append(renames["/ID"])
    return renamed_ids


def _fresh(value: bytes, number: int, taken: set[bytes]) -> bytes:
    """`value` marked as part `number`'s, unlike every value in `taken`."""
    candidate = value + f"~{number}".encode()
    step = 1
    while candidate in taken:
        step += 1
        candidate = value + f"~{number}.{step}".encode()
    return candidate


def _rename_headers(elements: list[pikepdf.Object], renames: dict[bytes, bytes]) -> None:
    """Table cells' /Headers (in their attribute objects) naming the renamed IDs."""
    import pikepdf

    for element in elements:
        for attributes in _listed(element.get("/A")):
            if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
                attributes.Headers = pikepdf.Array(
                    pikepdf.String(renames.get(bytes(header), bytes(header)))
                    for header in _listed(attributes.Headers)
                )


def _join_parent_trees(
    joined: pikepdf.Pdf, trees: list[pikepdf.Object], pages: Sequence[Sequence[pikepdf.Object]]
) -> None:
    """One parent tree, keyed as one build keys it: each page's /StructParents its index, then each
    annotation's /StructParent, part by part in the parts' order."""
    import pikepdf

    entries = [{int(key): value for key, value in _tree_entries(tree.ParentTree, "/Nums")} for tree in trees]
    holders = [
        (part, page, "/StructParents")
        for part, own in enumerate(pages)
        for page in own
        if "/StructParents" in page
    ]
    annotations: list[tuple[int, int, pikepdf.Object]] = []
    seen: set[tuple[int, int]] = set()
    for part, own in enumerate(pages):
        for page in own:
            for annotation in _listed(page.get("/Annots")):
                if not isinstance(annotation, pikepdf.Dictionary) or "/StructParent" not in annotation:
                    continue
                if annotation.is_indirect and annotation.objgen in seen:
                    continue  # listed on two pages
                seen.add(annotation.objgen)
                annotations.append((part, int(annotation.StructParent), annotation))
    annotations.sort(key=lambda held: held[:2])
    holders += [(part, annotation, "/StructParent") for part, _, annotation in annotations]
    numbers: list[int | pikepdf.Object] = []
    for key, (part, holder, name) in enumerate(holders):
        value = entries[part].pop(int(holder[name]), None)
        holder[name] = key
        if value is not None:
            numbers += [key, value]
    for part, left in enumerate(entries, start=1):
        if left:
            raise FinishError(
                f"part {part}'s parent tree has keys no page or annotation uses: {sorted(left)}", hint=_HINT
            )
    root = trees[0]
    root.ParentTree = joined.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(numbers)))
    if any("/ParentTreeNextKey" in tree for tree in trees):
        root.ParentTreeNextKey = len(holders)


def _join_maps(trees: list[pikepdf.Object], key: str) -> None:
    """Every part's /RoleMap or /ClassMap (`key`) in part 1's tree; FinishError where two parts map one
    name differently."""
    import pikepdf

    merged: dict[str, pikepdf.Object] = {}
    for part, tree in enumerate(trees, start=1):
        mapping = tree.get(key)
        for name, value in mapping.items() if isinstance(mapping, pikepdf.Dictionary) else ():
            if name in merged and merged[name] != value:
                raise FinishError(
                    f"part {part}'s {key} maps {name} otherwise than an earlier part", hint=_HINT
                )
            merged.setdefault(name, value)
    if merged:
        trees[0][key] = pikepdf.Dictionary(merged)


def _join_id_trees(
    joined: pikepdf.Pdf, trees: list[pikepdf.Object], renamed: list[dict[bytes, bytes]]
) -> None:
    """Every part's /IDTree (its IDs renamed as its elements' were) in part 1's tree."""
    import pikepdf

    named: dict[bytes, pikepdf.Object] = {}
    for tree, renames in zip(trees, renamed, strict=True):
        if "/IDTree" in tree:
            for key, element in _tree_entries(tree.IDTree, "/Names"):
                named.setdefault(renames.get(bytes(key), bytes(key)), element)
    if named:
        trees[0].IDTree = joined.make_indirect(pikepdf.Dictionary(Names=_name_array(named)))


def _name_array(named: dict[bytes, pikepdf.Object]) -> pikepdf.Array:
    """The /Names array of a one-node name tree: keys in byte order, each followed by its value."""
    import pikepdf

    return pikepdf.Array(item for key in sorted(named) for item in (pikepdf.String(key), named[key]))


def _join_outlines(joined: pikepdf.Pdf, catalogs: list[pikepdf.Object]) -> None:
    """The top outline items of every part, in order, as the top items of one outline."""
    import pikepdf

    roots = [
        outline for catalog in catalogs if isinstance(outline := catalog.get("/Outlines"), pikepdf.Dictionary)
    ]
    items = [item for root in roots for item in _siblings(root.get("/First"))]
    if not items:
        return
    root = roots[0]
    for index, item in enumerate(items):
        item.Parent = root
        for key, neighbour in (("/Prev", index - 1), ("/Next", index + 1)):
            if 0 <= neighbour < len(items):
                item[key] = items[neighbour]
            elif key in item:
                del item[key]
    root.First, root.Last = items[0], items[-1]
    root.Count = sum(int(outline.get("/Count", 0)) for outline in roots)
    joined.Root.Outlines = root


def _siblings(first: pikepdf.Object | None) -> Iterator[pikepdf.Object]:
    """An outline item and those after it (/Next), each once."""
    seen: set[tuple[int, int]] = set()
    item = first
    while item is not None and item.objgen not in seen:
        seen.add(item.objgen)
        yield item
        item = item.get("/Next")


def _join_destinations(catalog: pikepdf.Object, catalogs: list[pikepdf.Object]) -> None:
    """Every part's named destinations (the /Names /Dests tree, the /Dests dictionary) in `catalog`; a
    name two parts define goes where the first part has it."""
    import pikepdf

    named: dict[bytes, pikepdf.Object] = {}
    listed: dict[str, pikepdf.Object] = {}
    for part in catalogs:
        names = part.get("/Names")
        if isinstance(names, pikepdf.Dictionary) and "/Dests" in names:
            for key, destination in _tree_entries(names.Dests, "/Names"):
                named.setdefault(bytes(key), destination)
        dests = part.get("/Dests")
        for name, destination in dests.items() if isinstance(dests, pikepdf.Dictionary) else ():
            listed.setdefault(name, destination)
    if named:
        names = catalog.get("/Names")
        names = names if isinstance(names, pikepdf.Dictionary) else pikepdf.Dictionary()
        names.Dests = pikepdf.Dictionary(Names=_name_array(named))
        catalog.Names = names
    if listed:
        catalog.Dests = pikepdf.Dictionary(listed)
