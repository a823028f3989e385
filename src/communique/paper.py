"""Paper sizes and print-shop options as an @page stylesheet applied after the layout's own."""

from __future__ import annotations

PAPER_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4), "B5": (182.0, 257.0)}
"""Width and height in millimetres; B5 is the JIS B5 used in Japan (ISO B5 is 176 x 250 mm)."""
A4_MARGIN_MM = 25.0
BLEED_MM = 3.0
BODY_FONT_PT = 10.5
"""The body text size of the built-in layouts (html font-size in _shared/style.css)."""
POINTS_PER_MM = 72 / 25.4


def page_css(paper: str, print_marks: bool = False) -> str:
    """Page size, margins scaled with the paper width (25 mm on A4), optional bleed and crop marks.

    Also sets `--japanese-measure`: the widest whole number of body characters that fits the text
    width (43 em on A4, 37 on B5, 44 on Letter), so that lines of kanji and kana end flush.
    """
    width, height = PAPER_SIZES_MM[paper]
    margin = round(A4_MARGIN_MM * width / PAPER_SIZES_MM["A4"][0], 1)
    characters = int((width - 2 * margin) * POINTS_PER_MM // BODY_FONT_PT)
    css = f"@page {{ size: {width}mm {height}mm; margin: {margin}mm; }}"
    css += f"\n:root {{ --japanese-measure: {characters}em; }}"
    if print_marks:
        css += f"\n@page {{ bleed: {BLEED_MM}mm; marks: crop; }}"
    return css
