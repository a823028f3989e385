"""The built seed, read back as a reader sees it: text and order, fonts, outline, metadata, labels."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from conftest import FONTS, SEED
from pdftools import assert_in_order, compact, page_texts

from communique.fonts import faces
from communique.loader import load
from communique.model import BuildResult
from communique.typeset import typeset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def versions() -> dict[str, object]:
    return {version.lang: version for version in typeset(load(SEED)).versions}


def version_text(pdf: Path, lang: str) -> str:
    """The compacted text of the pages of one language version (Japanese pages come first)."""
    reader = pypdf.PdfReader(pdf)
    labels = reader.page_labels
    texts = page_texts(pdf)
    return "".join(
        compact(text)
        for label, text in zip(labels, texts, strict=True)
        if label.startswith(f"{lang.upper()}-")
    )


def test_pages_and_size(seed_pdf: Path) -> None:
    reader = pypdf.PdfReader(seed_pdf)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_paragraph_in_reading_order(seed_pdf: Path, versions: dict, lang: str) -> None:
    version = versions[lang]
    text = version_text(seed_pdf, lang)
    assert_in_order(
        text,
        [
            *(line.text for line in version.title_lines),
            *(paragraph.text for paragraph in version.paragraphs),
            version.closing.text,
            *(line for block in version.signatures for line in block.lines),
        ],
    )


def test_japanese_version_comes_first_and_starts_a_page(seed_pdf: Path) -> None:
    texts = [compact(text) for text in page_texts(seed_pdf)]
    assert texts[0].startswith("東京都（日本国）とヘルシンキ市（フィンランド共和国）との共同コミュニケ")
    english_first = next(index for index, text in enumerate(texts) if text.startswith("JointCommunique"))
    assert all("Joint" not in text for text in texts[:english_first])


def test_closing_lines_and_alternat(seed_pdf: Path) -> None:
    japanese, english = version_text(seed_pdf, "ja"), version_text(seed_pdf, "en")
    assert compact("2023年8月21日") in japanese
    assert compact("Signed in Helsinki on August 21, 2023") in english
    # Tokyo signs first in Japanese (office, then name); Helsinki first in English (name, then office).
    assert japanese.index("東京都知事小池百合子") < japanese.index("ヘルシンキ市長ユハナ・ヴァルティアイネン")
    assert english.index("JuhanaVartiainenMayorofHelsinki") < english.index("KoikeYurikoGovernorofTokyo")


def test_only_bundled_fonts_embedded_and_subset(seed_pdf: Path) -> None:
    reader = pypdf.PdfReader(seed_pdf)
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            base = str(font["/BaseFont"]).lstrip("/")
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), base
            assert re.match(r"^[A-Z]{6}\+", base), f"{base} is not subset"
            names.add(base.split("+", 1)[1])
    # WeasyPrint names embedded fonts after their @font-face family: only the bundled families appear.
    bundled = {"Communique-Serif", "Communique-Serif-Bold", "Communique-Serif-JP", "Communique-Serif-JP-Bold"}
    assert names <= bundled, names - bundled
    assert {"Communique-Serif-JP", "Communique-Serif"} <= names  # Japanese and Latin text both drawn


def test_bookmark_tree(seed_pdf: Path) -> None:
    reader = pypdf.PdfReader(seed_pdf)
    outline = reader.outline
    top = [item for item in outline if not isinstance(item, list)]
    children = [item for item in outline if isinstance(item, list)]
    assert [str(item.title) for item in top] == ["日本語", "English"]
    assert [[str(child.title) for child in group] for group in children] == [
        ["表題", "本文", "署名"],
        ["Title", "Text", "Signatures"],
    ]
    labels = reader.page_labels
    english_start = labels.index("EN-1")
    assert reader.get_destination_page_number(top[0]) == 0
    assert reader.get_destination_page_number(top[1]) == english_start
    signature_pages = [reader.get_destination_page_number(group[2]) for group in children]
    assert signature_pages[0] < english_start <= signature_pages[1]
    # Every entry opens a position on its page, not just the page.
    for item in [*top, *children[0], *children[1]]:
        assert item["/Type"] == "/XYZ" and item["/Top"] is not None


def test_page_labels_numbered_per_version(seed_pdf: Path) -> None:
    labels = pypdf.PdfReader(seed_pdf).page_labels
    english = labels.index("EN-1")
    assert labels[:english] == [f"JA-{n}" for n in range(1, english + 1)]
    assert labels[english:] == [f"EN-{n}" for n in range(1, len(labels) - english + 1)]


def test_info_and_xmp_metadata_in_sync(seed_pdf: Path) -> None:
    reader = pypdf.PdfReader(seed_pdf)
    info = reader.metadata
    assert info["/Title"] == "東京都（日本国）とヘルシンキ市（フィンランド共和国）との共同コミュニケ"
    assert info["/Author"] == "東京都; ヘルシンキ市"
    assert info["/Creator"].startswith("communique ")
    assert info["/CreationDate"] == info["/ModDate"] == "D:20230821000000Z"
    assert "Helsinki" in info["/Keywords"]
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "ja"
    assert root["/PageMode"] == "/UseOutlines"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712 (a PDF BooleanObject)
    stream = root["/Metadata"].get_object()
    assert stream["/Subtype"] == "/XML" and "/Filter" not in stream  # readable by any tool
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert xmp.dc_title == {
        "x-default": info["/Title"],
        "ja": info["/Title"],
        "en": "Joint Communique Of the City of Helsinki (Republic of Finland) "
        "And the Tokyo Metropolitan Government (Japan)",
    }
    assert xmp.dc_creator == [info["/Author"]]
    assert xmp.xmp_creator_tool == info["/Creator"]
    assert xmp.pdf_producer == info["/Producer"]
    assert xmp.pdf_keywords == info["/Keywords"]
    assert xmp.dc_description["x-default"] == info["/Subject"]
    assert xmp.xmp_create_date.isoformat().startswith("2023-08-21T00:00:00")
    raw = stream.get_data().decode()
    for tag in ("dc:title", "dc:creator", "xmp:CreateDate", "pdf:Producer"):
        assert raw.count(f"<{tag}>") == 1, tag


def test_two_builds_are_byte_identical(build_seed: Callable[..., BuildResult], seed_pdf: Path) -> None:
    again = build_seed()
    assert again.output.read_bytes() == seed_pdf.read_bytes()


def test_source_date_epoch_sets_the_dates(build_seed: Callable[..., BuildResult], seed_pdf: Path) -> None:
    moved = build_seed(source_date_epoch=1700000000).output
    info = pypdf.PdfReader(moved).metadata
    assert info["/CreationDate"] == "D:20231114221320Z"
    assert moved.read_bytes() != seed_pdf.read_bytes()
    assert compact("".join(page_texts(moved))) == compact("".join(page_texts(seed_pdf)))


def test_fonts_manifest_matches_files() -> None:
    import hashlib

    from fontTools.ttLib import TTFont

    for face in faces(FONTS):
        assert hashlib.sha256(face.path.read_bytes()).hexdigest() == face.sha256, face.path.name
        assert set(TTFont(face.path, lazy=True).getBestCmap()) == face.code_points(), face.path.name


def test_a_pdf_pypdf_cannot_read_is_a_finish_error() -> None:
    import datetime

    from communique.errors import FinishError
    from communique.model import RenderedPdf
    from communique.pdf.finish import Metadata, finish
    from communique.standards import Standard

    document = typeset(load(SEED))
    broken = RenderedPdf(b"%PDF-1.7\nnot really a pdf", 1, (), ())
    with pytest.raises(FinishError, match="pypdf cannot read"):
        finish(
            broken,
            document,
            datetime.datetime(2023, 8, 21, tzinfo=datetime.UTC),
            Metadata("test"),
            Standard(),
        )
