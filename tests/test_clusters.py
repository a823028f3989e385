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
from conftest import ROOT
from PIL import Image, ImageChops
from typography import BODY_SIZE, EXTRACTORS, extracted_text, found_exactly

from communique import finish
from communique.clusters import Cluster
from communique.loader import load
from communique.model import BuildResult
from communique.typeset import typeset
from communique.verify import verify

THAI = ROOT / "seeds" / "languages" / "th-en.yaml"
ARABIC = ROOT / "seeds" / "languages" / "ar-en.yaml"
LAYOUTS = ("sequential", "parallel", "interleaved")
ARABIC_WORD = re.compile("[\u0620-\u065f\u0670-\u06d3]+")
"""Arabic letters and harakat (no punctuation, no digits)."""
BIDI_CONTROLS = re.compile("[\u202a-\u202e]")
"""Embedding marks pdftotext adds around each run of another direction: not in the PDF, not text."""
TWO_MARKS = re.compile(r"[\u064b-\u0652]{2}")
SARA_AM = "\u0e33"
THAI_LETTER = re.compile("[\u0e01-\u0e5b]")


def version_paragraphs(source: Path, lang: str) -> list[str]:
    """The body paragraphs of the version in `lang`, as the data has them."""
    version = next(version for version in typeset(load(source)).versions if version.lang == lang)
    return [paragraph.text for paragraph in version.paragraphs]


@pytest.fixture(scope="module")
def built(build_seed: Callable[..., BuildResult]) -> Callable[[Path, str], Path]:
    pdfs: dict[tuple[Path, str], Path] = {}

    def pdf(source: Path, layout: str) -> Path:
        if (source, layout) not in pdfs:
            pdfs[source, layout] = build_seed(source, layout=layout).output
        return pdfs[source, layout]

    return pdf


@pytest.mark.parametrize("layout", LAYOUTS)
def test_thai_copies_exactly(built: Callable[[Path, str], Path], layout: str) -> None:
    """Every Thai paragraph comes back whole: tone and vowel marks after their consonant, SARA AM as
    U+0E33 (HarfBuzz draws it as two glyphs), no space where justification put room. In the parallel
    layout pdftotext and pdfminer.six read side-by-side columns across, so only pypdf and pdfium read
    whole paragraphs there."""
    paragraphs = version_paragraphs(THAI, "th")
    assert any(SARA_AM in paragraph for paragraph in paragraphs)
    pdf = built(THAI, layout)
    for extractor in ("pypdf", "pdfium") if layout == "parallel" else EXTRACTORS:
        text = extracted_text(pdf, extractor)
        missing = [paragraph[:30] for paragraph in paragraphs if not found_exactly(paragraph, text)]
        assert not missing, f"{extractor} does not give back: {missing}"
        assert "\u0e4d\u0e32" not in text, extractor


def test_thai_lines_are_justified_between_cells(built: Callable[[Path, str], Path]) -> None:
    """A justified Thai line shares its room between character cells, not only at its few spaces: no
    gap between two Thai words is wider than the space's own width and a quarter em (at the spaces
    alone, a line with two spaces had gaps of 1.35 em, and pdftotext read it as three columns)."""
    pdf = built(THAI, "sequential")
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


@pytest.mark.parametrize("layout", LAYOUTS)
def test_arabic_words_copy_exactly(built: Callable[[Path, str], Path], layout: str) -> None:
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
    pdf = built(ARABIC, layout)
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


@pytest.mark.parametrize("layout", LAYOUTS)
def test_brackets_mirrored_in_arabic_copy_as_written_in_english(
    built: Callable[[Path, str], Path], layout: str
) -> None:
    """Right to left, `(` is drawn with the glyph of `)`; WeasyPrint maps a glyph to the text it first drew,
    so after the Arabic title the English version's brackets copied the wrong way round
    (`)hereinafter “the two parties”(`). Each mirrored glyph drawn right to left is now an alias of its
    own."""
    english = "".join(version_paragraphs(ARABIC, "en-GB"))
    assert "(hereinafter “the two parties”)" in english
    pdf = built(ARABIC, layout)
    for extractor in ("pypdf", "pdfium") if layout == "parallel" else EXTRACTORS:
        text = re.sub(r"\s+", "", extracted_text(pdf, extractor))
        assert "(hereinafter“thetwoparties”)" in text, extractor


@pytest.mark.parametrize("source", [ARABIC, THAI], ids=["ar-en", "th-en"])
def test_marks_are_drawn_where_harfbuzz_put_them(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: Path
) -> None:
    """Composites draw the page as WeasyPrint drew the glyphs one by one: page images agree but for the
    anti-aliasing of sub-unit rounding (measured: at most 23 pixels a page), no text is drawn with a rise
    any more, and a second build is byte for byte the same. Rendered by poppler: pdfium drops the
    adjustment that ends a TJ array holding an empty string, which WeasyPrint writes around each mark
    (a third of a point on the Thai page; the folded text has no empty strings)."""
    folded = build_seed(source, layout="sequential").output
    again = build_seed(source, layout="sequential").output
    monkeypatch.setattr(finish, "fold_clusters", lambda writer, clusters: None)
    drawn = build_seed(source, layout="sequential").output
    for image_folded, image_drawn in zip(
        _poppler_images(folded, tmp_path / "folded"), _poppler_images(drawn, tmp_path / "drawn"), strict=True
    ):
        changed = ImageChops.difference(image_folded.convert("L"), image_drawn.convert("L")).histogram()
        assert sum(changed[64:]) <= 60
    assert not _rises(folded) and (_rises(drawn) or source == THAI)
    assert folded.read_bytes() == again.read_bytes()
    assert folded.read_bytes() != drawn.read_bytes()


def _poppler_images(pdf: Path, folder: Path) -> list[Image.Image]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(folder / "page")], check=True)
    return [Image.open(path) for path in sorted(folder.glob("page-*.png"))]


def test_a_cluster_not_found_leaves_the_text_as_drawn(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing: where a recorded cluster is not found in the content streams in its order (here
    one more is expected at the end), no cluster is folded; the PDF is still whole and valid."""
    fold = finish.fold_clusters

    def with_one_more(writer: pypdf.PdfWriter, clusters: Sequence[Cluster]) -> None:
        fold(writer, [*clusters, next(cluster for cluster in reversed(clusters) if cluster[2])])

    monkeypatch.setattr(finish, "fold_clusters", with_one_more)
    result = build_seed(THAI, archival=True)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(result.output).pages)
    assert "\u0e4d\u0e32" in text  # SARA AM as WeasyPrint maps its two glyphs
    assert verify(result.output).passed


def _rises(pdf: Path) -> int:
    """How many times the content streams set a text rise other than zero."""
    streams = [page.Contents.read_bytes() for page in pikepdf.open(pdf).pages]
    return sum(len(re.findall(rb"(?<![\d.])(?!0 )[-\d.]+ Ts", stream)) for stream in streams)
