"""Paper sizes and print-shop options as an @page stylesheet applied after the layout's own."""

from __future__ import annotations

PAPER_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4), "B5": (182.0, 257.0)}
"""Width and height in millimetres; B5 is the JIS B5 used in Japan (ISO B5 is 176 x 250 mm)."""
A4_MARGIN_MM = 25.0
BLEED_MM = 3.0


def page_css(paper: str, print_marks: bool = False) -> str:
    """Page size, margins scaled with the paper width (25 mm on A4), optional bleed and crop marks."""
    width, height = PAPER_SIZES_MM[paper]
    margin = round(A4_MARGIN_MM * width / PAPER_SIZES_MM["A4"][0], 1)
    css = f"@page {{ size: {width}mm {height}mm; margin: {margin}mm; }}"
    if print_marks:
        css += f"\n@page {{ bleed: {BLEED_MM}mm; marks: crop; }}"
    return css
