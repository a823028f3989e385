"""U+2027 HYPHENATION POINT drawn as itself: the interpunct of Traditional Chinese transliterated names
(希瑟‧麥克勞德).

Pango 1.50 treats the character as a hyphenation point: where it ends a layout's text, it draws the font's
hyphen in its place, and WeasyPrint lays out every inline box's text as a layout of its own. A name whose
parts may break apart (`<span class="keep">希瑟‧</span><wbr>…`) ends a box with it, so the mayor's name
printed as 希瑟‐麥克勞德 while the text layer said ‧ (bare WeasyPrint does the same with `<p>希瑟‧</p>`).
Before WeasyPrint draws a line, each glyph drawn for the character is put back to the font's own glyph for
it; the advance stays the one the line was laid out with (in the bundled CJK faces both are one em). A line
this module cannot read is drawn as Pango shaped it, and the build says so.
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
        if layout is None or HYPHENATION_POINT not in getattr(textbox, "text", ""):
            return original(stream, textbox, *args, **kwargs)
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
    """Give each glyph of the Pango layout line drawn for U+2027 the font's own glyph for the character
    (`text` is the layout's text)."""
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
                own = _glyph_of(item.item.analysis.font)
                if own is not None:
                    glyphs.glyphs[index].glyph = own
        run = run.next


def _glyph_of(font: Any) -> int | None:
    """The glyph the Pango font's face maps U+2027 to, or None where it has none (read from a copy of the
    face's data: a few names a document, about a millisecond each)."""
    import uharfbuzz
    from weasyprint.text.ffi import ffi, harfbuzz, pango

    face = harfbuzz.hb_font_get_face(pango.pango_font_get_hb_font(font))
    blob = ffi.gc(harfbuzz.hb_face_reference_blob(face), harfbuzz.hb_blob_destroy)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    copy = uharfbuzz.Face(bytes(ffi.buffer(data, length[0])), int(harfbuzz.hb_face_get_index(face)))
    glyph: int | None = uharfbuzz.Font(copy).get_nominal_glyph(ord(HYPHENATION_POINT))
    return glyph
