"""Streams every PDF/A validator reads alike: no Flate data ending in a carriage return, no empty
ToUnicode entries (Thai SARA AM); embedded CJK fonts cut to the glyphs drawn."""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections.abc import Callable

import pdftools
import pypdf
from conftest import ROOT
from fontTools.ttLib import TTFont
from pdftools import page_images, page_texts
from PIL import ImageChops
from pypdf.generic import NameObject, StreamObject
from typography import version_paragraphs

from communique.model import BuildResult
from communique.pdf.finish import _end_without_carriage_return
from communique.pdf.fonts import compact_fonts, content_streams
from communique.pdf.verify import verify


def test_a_content_stream_never_ends_in_a_carriage_return() -> None:
    # Flate data ends with the data's Adler-32 checksum: find a content stream whose checksum ends in CR.
    texts = (
        b"BT /F1 12 Tf (%s) Tj ET" % hashlib.sha256(b"%d" % n).hexdigest().encode() for n in range(10_000)
    )
    plain = next(text for text in texts if zlib.compress(text)[-1:] == b"\r")
    stream = StreamObject()
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream._data = zlib.compress(plain)
    _end_without_carriage_return(stream, content=True)
    assert stream._data[-1:] != b"\r" and zlib.decompress(stream._data) == plain + b"\n"
    other = StreamObject()
    other[NameObject("/Filter")] = NameObject("/FlateDecode")
    other._data = zlib.compress(plain)
    _end_without_carriage_return(other, content=False)
    assert "/Filter" not in other and other._data == plain


def test_thai_archival_copy_is_valid_and_copies_sara_am(build_seed: Callable[..., BuildResult]) -> None:
    """SARA AM, which HarfBuzz draws as NIKHAHIT and SARA AA, copies as itself (U+0E33): the two glyphs
    are one composite glyph in the archival copy too, which stays valid PDF/A."""
    source = ROOT / "seeds" / "languages" / "th-en.yaml"
    result = build_seed(source, archival=True)
    report = verify(result.output)
    assert report.passed, report
    text = "".join(page.extract_text() for page in pypdf.PdfReader(result.output).pages)
    printed = "".join(version_paragraphs(source, "th"))
    assert text.count("ทำ") >= printed.count("ทำ") > 0
    assert "\u0e4d\u0e32" not in text


def test_cjk_fonts_keep_only_the_glyphs_drawn(build_seed: Callable[..., BuildResult]) -> None:
    """The embedded Japanese faces hold the drawn glyphs alone, numbered 1..n; the text copies and the
    pages look as with WeasyPrint's own subsets. (Without compaction every font stays as WeasyPrint wrote
    it, its Japanese-Latin gaps adjustments that some extractors read as spaces: compared without
    whitespace.)"""
    compact = build_seed()
    full = build_seed(compact_fonts=False)
    assert compact.size < 0.8 * full.size, (compact.size, full.size)
    for page_compact, page_full in zip(page_texts(compact.output), page_texts(full.output), strict=True):
        assert pdftools.compact(page_compact) == pdftools.compact(page_full)
    for image_compact, image_full in zip(
        page_images(compact.output, 60), page_images(full.output, 60), strict=True
    ):
        changed = ImageChops.difference(image_compact.convert("L"), image_full.convert("L")).histogram()
        assert sum(changed[64:]) < 0.002 * image_full.width * image_full.height
    reader = pypdf.PdfReader(compact.output)
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        program = descendant["/FontDescriptor"].get("/FontFile3")
        if program is None:
            continue  # the Latin TrueType faces are WeasyPrint's subsets
        face = TTFont(io.BytesIO(program.get_object().get_data()))
        widths = descendant["/W"]
        assert list(widths[:1]) == [1] and len(widths[1]) == len(face.getGlyphOrder()) - 1
        assert face.getGlyphOrder()[:3] == [".notdef", "cid00001", "cid00002"]


def test_a_code_the_widths_do_not_list_leaves_the_fonts_as_they_are(
    build_seed: Callable[..., BuildResult],
) -> None:
    """Renumbering is all or nothing: a drawn code missing from /W (not written by WeasyPrint, but
    possible in a changed pipeline) leaves every font and stream untouched."""
    full = build_seed(compact_fonts=False).output
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(full))
    for font in writer.pages[0]["/Resources"]["/Font"].values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        if "/FontFile3" in descendant["/FontDescriptor"]:
            descendant[NameObject("/W")] = pypdf.generic.ArrayObject()  # no code listed
    before = [stream.get_data() for page in writer.pages for stream in content_streams(page)]
    (undone,) = compact_fonts(writer)
    assert re.fullmatch(
        r"font compaction: the text could not be renumbered \(KeyError\(\d+\)\), so no font is cut", undone
    )
    assert [stream.get_data() for page in writer.pages for stream in content_streams(page)] == before


def test_a_folded_gap_widens_its_glyph_and_draws_the_same_outline(
    build_seed: Callable[..., BuildResult],
) -> None:
    """A Japanese-Latin gap folded into a glyph is an alias of it: the same outline (the same charstring
    drawing, not a re-drawn approximation) with the gap added to its advance, in the font and in /W."""
    from fontTools.pens.recordingPen import RecordingPen

    from communique.pdf.fonts import text_entries

    reader = pypdf.PdfReader(build_seed(ROOT / "seeds" / "languages" / "ru-ja.yaml").output)
    fonts = {font.idnum: font for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    aliases = 0
    for font in fonts.values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        program = descendant["/FontDescriptor"].get("/FontFile3")
        if program is None:
            continue
        face = TTFont(io.BytesIO(program.get_object().get_data()))
        order, glyphs = face.getGlyphOrder(), face.getGlyphSet()
        advances = face["hmtx"].metrics
        listed = descendant["/W"][1]
        first_with: dict[bytes, int] = {}
        for cid, text in sorted(text_entries(font.get_object()["/ToUnicode"].get_object().get_data())):
            source = first_with.setdefault(text, cid)
            if source == cid:
                continue
            aliases += 1
            drawn, copied = RecordingPen(), RecordingPen()
            glyphs[order[source]].draw(drawn)
            glyphs[order[cid]].draw(copied)
            assert copied.value == drawn.value, (order[cid], order[source])
            assert advances[order[cid]][0] > advances[order[source]][0]
            assert listed[cid - 1] > listed[source - 1]
    assert aliases > 0
