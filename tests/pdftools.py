"""Reading PDFs the way a reader sees them: extracted text per page, page images."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image


def page_texts(path: Path) -> list[str]:
    """The text of every page, as a PDF viewer would copy it."""
    document = pdfium.PdfDocument(path)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def compact(text: str) -> str:
    """Text with line-end hyphenation and all whitespace removed, for order-and-content comparison."""
    text = re.sub(r"[\u00ad\u2010-](?:\r?\n)", "", text)
    return re.sub(r"[\s\ufffe\u00ad]+", "", text)


def page_images(path: Path, dpi: int) -> list[Image.Image]:
    """Every page rendered to an RGB image."""
    document = pdfium.PdfDocument(path)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()
