"""Where the layout put each party's signature space (`.signature[data-party] .signature-space`), read
from WeasyPrint's laid-out boxes, so that a signature field can be placed over it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from communique.engine.overflow import PT_PER_PX
from communique.model import SignatureSpace

SPACE_CLASS = "signature-space"


def signature_spaces(document: Any) -> tuple[SignatureSpace, ...]:
    """Each party's signature spaces in page order (a party signs once per version in some layouts)."""
    found: list[SignatureSpace] = []
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        height = float(page_box.margin_height())
        for party, box in _spaces(page_box, None):
            left, top = float(box.border_box_x()), float(box.border_box_y())
            right, bottom = left + float(box.border_width()), top + float(box.border_height())
            found.append(
                SignatureSpace(
                    party,
                    index,
                    (
                        round(left * PT_PER_PX, 2),
                        round((height - bottom) * PT_PER_PX, 2),
                        round(right * PT_PER_PX, 2),
                        round((height - top) * PT_PER_PX, 2),
                    ),
                )
            )
    return tuple(found)


def _spaces(box: Any, party: str | None) -> Iterator[tuple[str, Any]]:
    """(party, box) for the outermost box of each signature space under `box` (the boxes inside it,
    anonymous ones included, carry the same element)."""
    element = getattr(box, "element", None)
    if element is not None:
        party = element.get("data-party") or party
        if party and SPACE_CLASS in (element.get("class") or "").split():
            yield party, box
            return
    for child in getattr(box, "children", ()):
        yield from _spaces(child if hasattr(child, "element") else child._box, party)
