"""Empty signature fields over the parties' signature spaces (`--signature-fields`), for `communique sign`.

One field per party, named by the party's key, over the first space the layout left for that party's
signature (a PDF signature covers the whole file; pyHanko signs a field of one widget). The widget is
printed (/F 4), has an empty appearance (the block's own text and rule stay as they are drawn) and a
tooltip naming the signatory; in a tagged PDF it is a /Form structure element in the party's signature
block's place at the end of the structure tree, as PDF/UA asks, and the page's tab order follows the
structure (/Tabs /S).
"""

from __future__ import annotations

import pypdf
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from communique.model import SignatureSpace, TypesetDocument
from communique.pdf import access

PRINT_FLAG = 4
SIGNATURES_EXIST, APPEND_ONLY = 1, 2


def first_spaces(spaces: tuple[SignatureSpace, ...]) -> tuple[SignatureSpace, ...]:
    """Each party's first signature space, in page order."""
    first: dict[str, SignatureSpace] = {}
    for space in spaces:
        first.setdefault(space.party, space)
    return tuple(first.values())


def signing_parties(document: TypesetDocument) -> dict[str, str]:
    """Party key -> the signatory as the first version names them ('東京都知事 小池百合子')."""
    labels: dict[str, str] = {}
    for instrument in document.instruments:
        for block in instrument.versions[0].signatures:
            labels.setdefault(block.party_key, " ".join(" ".join(block.lines).split()))
    return labels


def add_signature_fields(
    writer: pypdf.PdfWriter, spaces: tuple[SignatureSpace, ...], labels: dict[str, str], lang: str = ""
) -> None:
    """An empty signature field over each space (see the module's docstring)."""
    fields = ArrayObject()
    for space in spaces:
        page = writer.pages[space.page]
        left, bottom, right, top = space.rect
        appearance = StreamObject()
        appearance.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(
                    [
                        FloatObject(0),
                        FloatObject(0),
                        FloatObject(round(right - left, 2)),
                        FloatObject(round(top - bottom, 2)),
                    ]
                ),
                NameObject("/Resources"): DictionaryObject(),
            }
        )
        widget = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject("/Sig"),
                NameObject("/T"): TextStringObject(space.party),
                NameObject("/TU"): TextStringObject(labels.get(space.party, space.party)),
                NameObject("/F"): NumberObject(PRINT_FLAG),
                NameObject("/Rect"): ArrayObject([FloatObject(value) for value in space.rect]),
                NameObject("/P"): page.indirect_reference,
                NameObject("/AP"): DictionaryObject(
                    {NameObject("/N"): access.add_object(writer, appearance)}
                ),
            }
        )
        reference = access.add_object(writer, widget)
        annotations = page.get("/Annots")
        if annotations is None:
            page[NameObject("/Annots")] = ArrayObject([reference])
        else:
            annotations.get_object().append(reference)
        page[NameObject("/Tabs")] = NameObject("/S")
        _tag(writer, widget, reference, page, labels.get(space.party, space.party), lang)
        fields.append(reference)
    if fields:
        # SignaturesExist (the file has signature fields) and AppendOnly (save it by incremental update
        # only), as signing sets them: signing then leaves the form dictionary as built.
        writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
            {
                NameObject("/Fields"): fields,
                NameObject("/SigFlags"): NumberObject(SIGNATURES_EXIST | APPEND_ONLY),
            }
        )


def _tag(
    writer: pypdf.PdfWriter, widget: DictionaryObject, reference: object, page: object, label: str, lang: str
) -> None:
    """In a tagged PDF, a /Form element holding the widget, appended to the document element."""
    root = writer.root_object.get("/StructTreeRoot")
    if root is None:
        return
    root = root.get_object()
    kids = root["/K"].get_object()
    document = kids[0].get_object() if isinstance(kids, ArrayObject) else kids
    parent_tree = root["/ParentTree"].get_object()
    # WeasyPrint numbers its pages' entries 0, 1, … and writes no /ParentTreeNextKey: take the next free key.
    used = [int(number) for number in parent_tree["/Nums"][::2]]
    key = max(int(root.get("/ParentTreeNextKey", 0)), max(used, default=-1) + 1)
    element = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/StructElem"),
            NameObject("/S"): NameObject("/Form"),
            NameObject("/P"): document.indirect_reference,
            NameObject("/Alt"): TextStringObject(label),  # the signatory, in `lang`; /Form says what it is
            NameObject("/K"): DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/OBJR"),
                    NameObject("/Obj"): reference,
                    NameObject("/Pg"): page.indirect_reference,  # type: ignore[attr-defined]
                }
            ),
        }
    )
    if lang:
        element[NameObject("/Lang")] = TextStringObject(lang)
    element_reference = access.add_object(writer, element)
    document_kids = document["/K"]
    if not isinstance(document_kids, ArrayObject):
        document[NameObject("/K")] = document_kids = ArrayObject([document_kids])
    document_kids.append(element_reference)
    widget[NameObject("/StructParent")] = NumberObject(key)
    parent_tree["/Nums"].extend([NumberObject(key), element_reference])
    root[NameObject("/ParentTreeNextKey")] = NumberObject(key + 1)
