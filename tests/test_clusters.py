"""Letters drawn with marks copy back as the data has them (issue 12): Thai in four extractors, Arabic
word by word; each cluster of several glyphs is drawn as one composite glyph where HarfBuzz put its
parts, and the text is drawn without a text rise."""

from __future__ import annotations

import collections
import itertools
import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import pikepdf
import pypdf
import pytest
from conftest import LAYOUT_NAMES, ROOT, Composed
from PIL import Image, ImageChops
from typography import (
    ARABIC_WORD,
    BIDI_CONTROLS,
    BODY_SIZE,
    EXTRACTORS,
    extracted_text,
    found_exactly,
    version_paragraphs,
)

from communique.model import BuildResult, Cluster
from communique.pdf import clusters, finish
from communique.pdf.verify import verify

THAI = ROOT / "seeds" / "languages" / "th-en.yaml"
ARABIC = ROOT / "seeds" / "languages" / "ar-en.yaml"
TWO_MARKS = re.compile(r"[\u064b-\u0652]{2}")
SARA_AM = "\u0e33"
THAI_LETTER = re.compile("[\u0e01-\u0e5b]")


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_thai_copies_exactly(composed: Composed, layout: str) -> None:
    """Every Thai paragraph comes back whole: tone and vowel marks after their consonant, SARA AM as
    U+0E33 (HarfBuzz draws it as two glyphs), no space where justification put room. In the parallel
    layout pdftotext and pdfminer.six read side-by-side columns across, so only pypdf and pdfium read
    whole paragraphs there."""
    paragraphs = version_paragraphs(THAI, "th")
    assert any(SARA_AM in paragraph for paragraph in paragraphs)
    pdf = composed(THAI, layout)
    for extractor in ("pypdf", "pdfium") if layout == "parallel" else EXTRACTORS:
        text = extracted_text(pdf, extractor)
        missing = [paragraph[:30] for paragraph in paragraphs if not found_exactly(paragraph, text)]
        assert not missing, f"{extractor} does not give back: {missing}"
        assert "\u0e4d\u0e32" not in text, extractor


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_a_glyph_drawn_first_in_a_cluster_copies_as_itself_elsewhere(composed: Composed, layout: str) -> None:
    """When a title starts with น้ำ and ก้ำ, the font first draws น, ก and SARA AA inside clusters; every
    later SARA AA, in the title, the paragraphs, the generated date (พฤศจิกายน) and the offices
    (นายกเทศมนตรี), still copies as itself, in every extractor (it copied as ้ำ: ข้อตกลงก้ำร)."""
    source = ROOT / "tests" / "data" / "thai-cluster-first.yaml"
    texts = [
        *version_paragraphs(source, "th"),
        "น้ำใจไมตรี ก้ำกึ่ง",
        "ข้อตกลงการสถาปนาความสัมพันธ์ฉันมิตร",
        "20 พฤศจิกายน",
        "นายกเทศมนตรีนครศรีวารินทร์",
    ]
    pdf = composed(source, layout)
    for extractor in ("pypdf", "pdfium") if layout == "parallel" else EXTRACTORS:
        text = extracted_text(pdf, extractor)
        missing = [line[:30] for line in texts if not found_exactly(line, text)]
        assert not missing, f"{extractor} does not give back: {missing}"
        assert not re.search("[\u0e01-\u0e2e]\u0e49\u0e33[\u0e01-\u0e2e]{2}", text.replace("ก้ำกึ่ง", ""))


def test_thai_lines_are_justified_between_cells(composed: Composed) -> None:
    """A justified Thai line shares its room between character cells, not only at its few spaces: no
    gap between two Thai words is wider than the space's own width and a quarter em (at the spaces
    alone, a line with two spaces had gaps of 1.35 em, and pdftotext read it as three columns)."""
    pdf = composed(THAI, "sequential")
    gaps = [
        right.left - left.right
        for page in range(1, len(pikepdf.open(pdf).pages) + 1)
        for left, right in itertools.pairwise(_pdftotext_words(pdf, page))
        if left.bottom == right.bottom
        and THAI_LETTER.search(left.text)
        and THAI_LETTER.search(right.text)
        and right.left - left.right < 3 * BODY_SIZE  # not the signature blocks' columns
    ]
    assert len(gaps) > 20
    assert max(gaps) < (0.26 + 0.25) * BODY_SIZE, max(gaps)


class _Word(NamedTuple):
    text: str
    left: float
    right: float
    bottom: float


def _pdftotext_words(pdf: Path, page: int) -> list[_Word]:
    """Each word pdftotext finds on a page, with its box."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        _Word(text, float(left), float(right), round(float(bottom), 1))
        for left, right, bottom, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_arabic_words_copy_exactly(composed: Composed, layout: str) -> None:
    """Every Arabic word of the body comes back with its harakat in place (they were drawn as glyphs of
    their own, raised with a text rise: extractors read them on lines of their own or after the next
    letter): in pypdf and pdftotext all of them, in pdfium all but a letter with two marks (pdfium keeps
    two marks at one place in drawing order while it turns the rest of the line back). pdfminer.six
    applies no bidi algorithm (its issue #515): it gives every word in visual order, exactly reversed.
    Punctuation and digits between Arabic words are placed by each extractor's own bidi guesses (README:
    what remains)."""
    paragraphs = version_paragraphs(ARABIC, "ar")
    words = collections.Counter(word for paragraph in paragraphs for word in ARABIC_WORD.findall(paragraph))
    assert sum(words.values()) > 150
    pdf = composed(ARABIC, layout)
    expected = {
        "pypdf": words,
        "pdfium": collections.Counter({word: n for word, n in words.items() if not TWO_MARKS.search(word)}),
        "pdftotext": words,
    }
    for extractor, wanted in expected.items():
        text = BIDI_CONTROLS.sub("", extracted_text(pdf, extractor))
        found = collections.Counter(ARABIC_WORD.findall(text))
        missing = [word for word, n in wanted.items() if found[word] < n]
        assert not missing, f"{extractor} does not give back: {missing}"
    visual = collections.Counter(
        word[::-1] for word in ARABIC_WORD.findall(extracted_text(pdf, "pdfminer.six"))
    )
    assert not [word for word, n in words.items() if visual[word] < n]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_brackets_mirrored_in_arabic_copy_as_written_in_english(composed: Composed, layout: str) -> None:
    """Right to left, `(` is drawn with the glyph of `)`; WeasyPrint maps a glyph to the text it first drew,
    so after the Arabic title the English version's brackets copied the wrong way round
    (`)hereinafter “the two parties”(`). Each mirrored glyph drawn right to left is now an alias of its
    own."""
    english = "".join(version_paragraphs(ARABIC, "en-GB"))
    assert "(hereinafter “the two parties”)" in english
    pdf = composed(ARABIC, layout)
    for extractor in ("pypdf", "pdfium") if layout == "parallel" else EXTRACTORS:
        text = re.sub(r"\s+", "", extracted_text(pdf, extractor))
        assert "(hereinafter“thetwoparties”)" in text, extractor


@pytest.mark.parametrize("source", [ARABIC, THAI], ids=["ar-en", "th-en"])
def test_marks_are_drawn_where_harfbuzz_put_them(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: Path
) -> None:
    """Composites draw the page as WeasyPrint drew the glyphs one by one: page images agree but for the
    anti-aliasing of sub-unit rounding (measured: at most 23 pixels a page), no text is drawn with a rise
    any more, and a second build is byte for byte the same. Rendered by poppler: pdfium places
    WeasyPrint's own Thai text a third of a point off after a mark (its character origins against
    poppler's and pdfminer.six's), the folded text where they do."""
    folded = build_seed(source, layout="sequential").output
    again = build_seed(source, layout="sequential").output
    monkeypatch.setattr(finish, "fold_clusters", lambda writer, clusters: [])
    drawn = build_seed(source, layout="sequential").output
    for image_folded, image_drawn in zip(
        _poppler_images(folded, tmp_path / "folded"), _poppler_images(drawn, tmp_path / "drawn"), strict=True
    ):
        changed = ImageChops.difference(image_folded.convert("L"), image_drawn.convert("L")).histogram()
        assert sum(changed[64:]) <= 60
    assert not _rises(folded) and (_rises(drawn) or source == THAI)
    assert folded.read_bytes() == again.read_bytes()
    assert folded.read_bytes() != drawn.read_bytes()


@pytest.mark.parametrize("source", [ARABIC, THAI], ids=["ar-en", "th-en"])
def test_streams_read_token_by_token_and_fonts_recompiled_whole_give_the_same_pdf(
    composed: Composed, build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch, source: Path
) -> None:
    """Folding reads a content stream an instruction at a time and appends the composites to a font
    program where they go; a stream it cannot read so is read token by token, a font it cannot extend so
    is recompiled whole by fontTools. Both ways make the same PDF, byte for byte, and the seeds' streams
    and fonts are all read and extended the quick way."""
    folded = composed(source, "sequential").read_bytes()

    def forbidden(*_arguments: object) -> None:
        raise AssertionError("the former way was taken")

    with monkeypatch.context() as patch:  # the former ways never taken
        patch.setattr(clusters, "_tokenised", forbidden)
        patch.setattr(clusters, "_recompiled", forbidden)
        assert build_seed(source, layout="sequential", paper="A4").output.read_bytes() == folded
    monkeypatch.setattr(clusters, "_INSTRUCTION", re.compile(rb"(?!)()()"))  # no stream read at once
    monkeypatch.setattr(clusters, "_appended", lambda face, font: None)  # no font extended
    assert build_seed(source, layout="sequential", paper="A4").output.read_bytes() == folded


def _poppler_images(pdf: Path, folder: Path) -> list[Image.Image]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(folder / "page")], check=True)
    return [Image.open(path) for path in sorted(folder.glob("page-*.png"))]


def test_the_same_glyphs_typed_as_other_text_copy_as_typed(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    """NIKHAHIT and SARA AA typed as two characters (ํ า) draw the glyphs of SARA AM (ำ): clusters are
    found in the order drawn, so each copies as it was typed."""
    source = tmp_path / "th-en.yaml"
    head, body = THAI.read_text(encoding="utf-8").split("\nbody:", 1)
    source.write_text(head + "\nbody:" + body.replace(SARA_AM, "\u0e4d\u0e32", 1), encoding="utf-8")
    paragraphs = version_paragraphs(source, "th")
    typed = [paragraph for paragraph in paragraphs if "\u0e4d\u0e32" in paragraph]
    assert len(typed) == 1 and any(SARA_AM in paragraph for paragraph in paragraphs)
    pdf = build_seed(source, layout="sequential").output
    for extractor in EXTRACTORS:
        text = extracted_text(pdf, extractor)
        missing = [paragraph[:30] for paragraph in paragraphs if not found_exactly(paragraph, text)]
        assert not missing, f"{extractor} does not give back: {missing}"


def test_a_cluster_not_found_leaves_the_text_as_drawn(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing: where a recorded cluster is not found in the content streams in its order (here
    one more is expected at the end), no cluster is folded; the PDF is still whole and valid."""
    fold = finish.fold_clusters

    def with_one_more(writer: pypdf.PdfWriter, clusters: Sequence[Cluster]) -> list[str]:
        return fold(writer, [*clusters, next(cluster for cluster in reversed(clusters) if cluster[2])])

    monkeypatch.setattr(finish, "fold_clusters", with_one_more)
    result = build_seed(THAI, archival=True)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(result.output).pages)
    assert "\u0e4d\u0e32" in text  # SARA AM as WeasyPrint maps its two glyphs
    assert verify(result.output).passed
    assert [warning for warning in result.warnings if warning.startswith("cluster folding: ")] == [
        "cluster folding: 1 clusters were not found where they were drawn: no letter is folded with its "
        "marks (they may copy apart from it)"
    ]


def _rises(pdf: Path) -> int:
    """How many times the content streams set a text rise other than zero."""
    streams = [page.Contents.read_bytes() for page in pikepdf.open(pdf).pages]
    return sum(len(re.findall(rb"(?<![\d.])(?!0 )[-\d.]+ Ts", stream)) for stream in streams)
