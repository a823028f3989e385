"""U+2027 HYPHENATION POINT drawn as itself: the interpunct of Traditional Chinese transliterated names
(希瑟‧麥克勞德).

Pango 1.50 treats the character as a hyphenation point: where it ends a layout's text, it draws the font's
hyphen in its place, and WeasyPrint lays out every inline box's text as a layout of its own. A name whose
parts may break apart (`<span class="keep">希瑟‧</span><wbr>…`) ends a box with it, so the mayor's name
printed as 希瑟‐麥克勞德 while the text layer said ‧ (bare WeasyPrint does the same with `<p>希瑟‧</p>`).
Before WeasyPrint draws a line of a box whose text ends with the character, a hyphen glyph drawn for it is
put back to the face's own glyph for it (a glyph the face's shaping chose is left alone); the advance
stays the one the line was laid out with (in the bundled CJK faces both are one em). A line this module
cannot read is drawn as Pango shaped it, and the build says so.
"""

from __future__ import annotations

import functools
from typing import Any

from communique.engine.hooks import Patch
from communique.engine.undone import ENGINE_CHANGED, excerpt, report

HYPHENATION_POINT = "\u2027"
_ENCODED = HYPHENATION_POINT.encode()


def patches() -> list[Patch]:
    """Let WeasyPrint's drawing of each line draw its hyphenation points as themselves."""
    from weasyprint.draw import text

    return [Patch(text, "draw_first_line", _restoring_draw_first_line)]


def _restoring_draw_first_line(original: Any) -> Any:
    @functools.wraps(original)
    def draw_first_line(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        layout = getattr(textbox, "pango_layout", None)
        if layout is None or not getattr(textbox, "text", "").endswith(HYPHENATION_POINT):
            return original(stream, textbox, *args, **kwargs)  # Pango turns only a box's last one
        # WeasyPrint changes the layout's settings before it reads the line it draws (which lays the
        # line out anew): the line is mended as it is read, for this drawing only.
        read_line = layout.get_first_line

        def mended_first_line() -> Any:
            line, index = read_line()
            try:
                restore_hyphenation_points(line, layout.text)
            except ENGINE_CHANGED as error:
                report(
                    "hyphenation points",
                    f"the line {excerpt(textbox.text)} could not be read, so its U+2027 may be drawn as a "
                    "hyphen",
                    error,
                )
            return line, index

        layout.get_first_line = mended_first_line
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            del layout.get_first_line

    return draw_first_line


def restore_hyphenation_points(line: Any, text: str) -> None:
    """Give each glyph of the Pango layout line that draws U+2027 with the face's hyphen the face's own
    glyph for the character (`text` is the layout's text)."""
    from weasyprint.text.ffi import ffi

    utf8 = text.encode()
    run = line.runs
    while run != ffi.NULL:
        item = run.data
        glyphs = item.glyphs
        offset = item.item.offset
        for index in range(glyphs.num_glyphs):
            start = offset + glyphs.log_clusters[index]
            if utf8[start : start + len(_ENCODED)] == _ENCODED:
                font = item.item.analysis.font
                hyphens = {_nominal_glyph(font, code) for code in _HYPHENS}
                own = _nominal_glyph(font, ord(HYPHENATION_POINT))
                if own is not None and glyphs.glyphs[index].glyph in hyphens - {None}:
                    glyphs.glyphs[index].glyph = own
        run = run.next


_HYPHENS = (0x2010, 0x2D)
"""What Pango draws for an inserted hyphen: the face's U+2010 HYPHEN, else its hyphen-minus."""


def _nominal_glyph(font: Any, code: int) -> int | None:
    """The glyph the Pango font's face maps `code` to (HarfBuzz's cmap lookup), or None."""
    from weasyprint.text.ffi import ffi, harfbuzz, pango

    lookup = getattr(harfbuzz, "hb_font_get_nominal_glyph", None)
    if lookup is None:  # not among the declarations WeasyPrint makes: declared once, here
        ffi.cdef(_NOMINAL_GLYPH)
        lookup = harfbuzz.hb_font_get_nominal_glyph
    glyph = ffi.new("hb_codepoint_t *")
    found = lookup(pango.pango_font_get_hb_font(font), code, glyph)
    return int(glyph[0]) if found else None


_NOMINAL_GLYPH = (
    "hb_bool_t hb_font_get_nominal_glyph (hb_font_t *font, hb_codepoint_t unicode, hb_codepoint_t *glyph);"
)
