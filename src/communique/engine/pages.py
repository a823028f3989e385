"""The page limit, enforced while WeasyPrint lays pages out.

Checked only after layout, a document of thousands of pages (60,000 blocks, a layout looping over
`lipsum`) ran WeasyPrint out of memory first, and its C libraries ended the process with a segmentation
fault. Counting the pages as they are made stops such a document at MAX_PAGES + 1 pages, within a few
hundred megabytes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from communique.engine.hooks import Patch
from communique.errors import RenderError

MAX_PAGES = 1000
"""Most pages a document may have (a treaty with annexes has a few hundred)."""


def too_many_pages(count: int | str) -> RenderError:
    return RenderError(
        f"the document has {count} pages; at most {MAX_PAGES} are allowed",
        hint="split it into several documents",
    )


def patches() -> list[Patch]:
    """Stop WeasyPrint's page loop once it makes more than MAX_PAGES pages."""
    from weasyprint import layout

    return [Patch(layout, "make_all_pages", _counting)]


def _counting(original: Any) -> Any:
    @functools.wraps(original)
    def make_all_pages(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for number, page in enumerate(original(*args, **kwargs), start=1):
            if number > MAX_PAGES:
                raise too_many_pages(f"more than {MAX_PAGES}")
            yield page

    return make_all_pages
