"""Page images of a finished PDF: PNG (PDFium, through pypdfium2) or SVG (poppler's pdftocairo).

Images are named predictably, `<stem>-<page>.<format>` (page numbers from 1, unpadded), and written
atomically; the same PDF at the same resolution gives the same bytes.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from communique.errors import OutputError, UsageError
from communique.write import write_atomic

FORMATS = ("png", "svg")
DEFAULT_DPI = 96
MIN_DPI, MAX_DPI = 18, 600
"""600 dpi is a print proof (an A4 page: 4961 × 7016 pixels, 139 MB while drawn); beyond it, images
only grow."""
SVG_TIMEOUT = 60
"""Seconds pdftocairo may take for one page."""

_RANGE = re.compile(r"^\s*(\d{1,6})?\s*(-)?\s*(\d{1,6})?\s*$")


@dataclass(frozen=True)
class ImageRequest:
    """Page images instead of a PDF: `build --format png|svg [--pages] [--dpi]`."""

    image_format: str = "png"
    pages: str | None = None
    """Which pages (`1-2`, `1,3`, `4-`); None: all."""
    dpi: int = DEFAULT_DPI
    """Resolution of PNG images (SVG is drawn at the page's own size)."""

    def __post_init__(self) -> None:
        if self.image_format not in FORMATS:
            raise UsageError(f"unknown image format {self.image_format!r}", hint="choose png or svg")
        if isinstance(self.dpi, bool) or not isinstance(self.dpi, int):
            raise UsageError(
                f"dpi must be a whole number, not {type(self.dpi).__name__}", hint="e.g. dpi=150"
            )
        dpi_value(str(self.dpi))
        if self.pages is not None and not isinstance(self.pages, str):
            raise UsageError(f"pages must be text, not {type(self.pages).__name__}", hint='e.g. pages="1-2"')
        if self.pages is not None:
            page_selection(self.pages)


@dataclass(frozen=True)
class PageImage:
    """One page drawn as an image."""

    number: int
    """The page's number, from 1."""
    data: bytes
    text: str
    """The page's text as PDFium extracts it (a preview gives it to screen readers as the image's alt)."""


def dpi_value(text: str) -> int:
    """A `--dpi` value: a whole number from MIN_DPI to MAX_DPI."""
    if not text.strip().isascii() or not text.strip().isdigit() or not MIN_DPI <= int(text) <= MAX_DPI:
        raise UsageError(
            f"dpi {text}: give a whole number from {MIN_DPI} to {MAX_DPI}",
            hint="96 for the screen, 150 for review copies, 300 for print proofs",
        )
    return int(text)


def page_selection(text: str) -> str:
    """A `--pages` value checked for its form (`1-2`, `3`, `1,4-`, `-2`); the page count checks it later."""
    if not text.strip() or not all(_RANGE.match(part) for part in text.split(",")):
        raise UsageError(
            f"pages {text}: not a list of pages", hint="e.g. --pages 1-2, --pages 1,3 or --pages 4-"
        )
    for part in text.split(","):
        found = _RANGE.match(part)
        assert found is not None
        if not found[1] and not found[3]:
            raise UsageError(f"pages {text}: '{part.strip()}' names no page", hint="e.g. --pages 1-2")
    return text


def chosen_pages(selection: str | None, page_count: int) -> list[int]:
    """The page numbers `selection` names, in order, each once; all pages when it is None.
    UsageError for a page the document does not have."""
    if selection is None:
        return list(range(1, page_count + 1))
    chosen: list[int] = []
    for part in page_selection(selection).split(","):
        found = _RANGE.match(part)
        assert found is not None
        first = int(found[1]) if found[1] else 1
        last = (int(found[3]) if found[3] else page_count) if found[2] else first
        if first > last:
            raise UsageError(
                f"pages {selection}: '{part.strip()}' runs backwards", hint="give ranges low to high: 1-3"
            )
        if not 1 <= first <= last <= page_count:
            raise UsageError(
                f"pages {selection}: the document has {page_count} page{'s' if page_count > 1 else ''}",
                hint=f"choose pages from 1 to {page_count}",
            )
        chosen.extend(range(first, last + 1))
    return list(dict.fromkeys(chosen))


@dataclass(frozen=True)
class DrawnPage:
    """One page as PDFium draws it: its text, its size in points and, when a resolution was asked for,
    its pixels (a pypdfium2 bitmap)."""

    number: int
    text: str
    size: tuple[float, float]
    bitmap: Any


def drawn_pages(pdf: bytes, pages: Sequence[int], dpi: int | None) -> Iterator[DrawnPage]:
    """Each of `pages` (numbers from 1) of the PDF `pdf`, with its pixels at `dpi` (none when None)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        for number in pages:
            page = document[number - 1]
            text_page = page.get_textpage()
            text = text_page.get_text_bounded()
            text_page.close()
            bitmap = page.render(scale=dpi / 72) if dpi else None
            size = page.get_size()
            page.close()
            yield DrawnPage(number, text, size, bitmap)
    finally:
        document.close()


def page_images(
    pdf: bytes, pages: Sequence[int], image_format: str = "png", dpi: int = DEFAULT_DPI
) -> list[PageImage]:
    """Draw `pages` (numbers from 1) of the PDF `pdf`."""
    return [
        PageImage(
            page.number,
            png_bytes(page.bitmap.to_pil()) if image_format == "png" else _svg_page(pdf, page.number),
            page.text,
        )
        for page in drawn_pages(pdf, pages, dpi if image_format == "png" else None)
    ]


def png_bytes(image: object, fast: bool = False) -> bytes:
    """A PIL image as PNG bytes (no time or other varying chunk); `fast` trades size for speed."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1 if fast else 6)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _svg_page(pdf: bytes, number: int) -> bytes:
    """One page as SVG by poppler's pdftocairo (text as outlines, as a reviewer sees it)."""
    program = shutil.which("pdftocairo")
    if program is None:
        raise UsageError(
            "--format svg needs poppler's pdftocairo, which is not installed",
            hint="install poppler-utils (apt-get install poppler-utils), or use --format png",
        )
    with tempfile.TemporaryDirectory(prefix="communique-svg-") as folder:
        source, target = Path(folder) / "in.pdf", Path(folder) / "out.svg"
        source.write_bytes(pdf)
        command = [program, "-svg", "-f", str(number), "-l", str(number), str(source), str(target)]
        try:
            subprocess.run(command, capture_output=True, check=True, timeout=SVG_TIMEOUT)
            return target.read_bytes()
        except (subprocess.SubprocessError, OSError) as error:
            raise OutputError(
                f"pdftocairo could not draw page {number} as SVG ({error})",
                hint="check poppler-utils, or use --format png",
            ) from error


def image_path(out_dir: Path, stem: str, number: int, image_format: str) -> Path:
    """Where page `number` of the document `stem` is written."""
    return out_dir / f"{stem}-{number}.{image_format}"


def write_page_images(
    images: Sequence[PageImage],
    out_dir: Path,
    stem: str,
    image_format: str,
    page_count: int,
    every_page: bool,
) -> list[Path]:
    """Write each image atomically; when `every_page` was drawn, also remove the images of pages the
    document no longer has (a document that shrank leaves no stale pages behind)."""
    written = []
    for image in images:
        target = image_path(out_dir, stem, image.number, image_format)
        write_atomic(target, image.data)
        written.append(target)
    if every_page:
        stale = re.compile(rf"^{re.escape(stem)}-(\d+)\.{image_format}$")
        for path in out_dir.glob(f"{stem}-*.{image_format}"):
            found = stale.match(path.name)
            if found and int(found[1]) > page_count:
                path.unlink(missing_ok=True)
    return written
