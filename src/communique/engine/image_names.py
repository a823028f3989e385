"""Images named after their content, not their place.

WeasyPrint names a raster image (its XObject resource) after an MD5 of its URL, the image's absolute path:
an archival copy rebuilt from its extracted sources in another folder, or the same data built from
another checkout, had other names and so other bytes (`verify --rebuild` failed for every copy with a
seal or signature image). The hook gives each image the SHA-256 of its file instead; two files with the
same bytes become one image, as they should.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from communique.engine.hooks import Patch
from communique.engine.undone import ENGINE_CHANGED, report


def patches() -> list[Patch]:
    """Name each image WeasyPrint loads after its bytes."""
    from weasyprint import document

    return [Patch(document, "original_get_image_from_uri", _named_by_content)]


def _named_by_content(original: Any) -> Any:
    @functools.wraps(original)
    def get_image_from_uri(
        cache: Any, url_fetcher: Any, options: Any, url: str, *args: Any, **kwargs: Any
    ) -> Any:
        image = original(cache, url_fetcher, options, url, *args, **kwargs)
        try:
            _name(image, url)
        except (*ENGINE_CHANGED, OSError) as error:
            report(
                "image names",
                f"the image {url} is named after its folder: a rebuild elsewhere differs",
                error,
            )
        return image

    return get_image_from_uri


def _name(image: Any, url: str) -> None:
    """Set a raster image's id (which names its XObject) from its file's bytes; other images (SVG, drawn
    as vectors; none for a failed load) carry no such name, and a `data:` URL is its content."""
    parts = urlsplit(url)
    if image is None or not hasattr(image, "id") or parts.scheme != "file":
        return  # a data: URL names the image by its content already
    image.id = hashlib.sha256(Path(unquote(parts.path)).read_bytes()).hexdigest()[:32]
