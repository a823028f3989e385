"""Every layout: same content, right order, aligned rows, pages that keep signatures with the text,
paper sizes, print marks, signature and seal images."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from conftest import LAYOUT_NAMES, SEED, run_cli, write_data
from pdftools import assert_in_order, compact, lines_of, page_glyphs, page_texts, running_text
from PIL import Image

from communique.loader import load
from communique.model import BuildResult
from communique.options import BuildOptions
from communique.pipeline import build
from communique.project import BuildContext, Project
from communique.typeset import typeset

MM = 72 / 25.4
MIDDLE = 297.6  # the middle of an A4 page: the parallel layout's column boundary
FOOTER_TOP = 25 * MM  # the page footer sits in the bottom margin


def long_communique(folder: Path) -> Path:
    """40 paragraph pairs of unequal length (one far longer than a page), in the seed's shape."""
    seed = SEED.read_text(encoding="utf-8")
    head = seed[: seed.index("\nbody:\n")]
    paragraphs = []
    for number in range(1, 41):
        ja_repeats = 1 + (number * 7) % 9 + (60 if number == 17 else 0)
        en_repeats = 1 + (number * 5) % 6
        ja = (
            f"第{number}段落。"
            + "両都市は、持続可能な都市づくりに向けて協力することを確認した。" * ja_repeats
        )
        en = (
            f"Paragraph {number}. "
            + "The two cities will cooperate on sustainable urban development. " * en_repeats
        )
        paragraphs.append(f"  - ja: {ja}\n    en: {en.strip()}")
    tail = seed[seed.index("\n# The closing lines") :]
    return write_data(folder, f"{head}\nbody:\n" + "\n".join(paragraphs) + tail, "long.yaml")


@pytest.fixture(scope="module")
def built(
    build_seed: Callable[..., BuildResult], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    long = long_communique(tmp_path_factory.mktemp("long"))
    results = {}
    for layout in LAYOUT_NAMES:
        results[layout] = build_seed(SEED, layout=layout).output
        results[f"{layout}-long"] = build_seed(long, layout=layout).output
    results["long-source"] = long
    return results


def column_texts(pdf: Path) -> tuple[str, str]:
    """The text of the left and right halves of every page, each read top to bottom, pages in order."""
    left: list[str] = []
    right: list[str] = []
    for glyphs in page_glyphs(pdf):
        for side, keep in ((left, lambda x: x < MIDDLE), (right, lambda x: x >= MIDDLE)):
            lines = lines_of([glyph for glyph in glyphs if keep(glyph.x) and glyph.y > FOOTER_TOP])
            side.extend("".join(glyph.char for glyph in line) + "\n" for line in lines)
    return "".join(left), "".join(right)


def expected(source: Path, lang: str) -> list[str]:
    version = next(v for v in typeset(load(source)).versions if v.lang == lang)
    return [
        *(line.text for line in version.title_lines),
        *(paragraph.text for paragraph in version.paragraphs),
        version.closing.text,
    ]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize("document", ["seed", "long"])
def test_every_paragraph_in_every_layout(built: dict[str, Path], layout: str, document: str) -> None:
    pdf = built[layout if document == "seed" else f"{layout}-long"]
    source = SEED if document == "seed" else built["long-source"]
    ja, en = expected(source, "ja"), expected(source, "en")
    if layout == "parallel":
        left, right = column_texts(pdf)
        assert_in_order(compact(left), ja)
        assert_in_order(compact(right), en)
    elif layout == "sequential":
        assert_in_order(compact(running_text(pdf)), ja + en)
    else:
        paragraphs = len(typeset(load(source)).versions[0].paragraphs)
        ja_titles, en_titles = len(ja) - paragraphs - 1, len(en) - paragraphs - 1
        pairs = [item for pair in zip(ja[ja_titles:-1], en[en_titles:-1], strict=True) for item in pair]
        assert_in_order(
            compact(running_text(pdf)), [*ja[:ja_titles], *en[:en_titles], *pairs, ja[-1], en[-1]]
        )


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_signatories_in_each_languages_order(built: dict[str, Path], layout: str) -> None:
    pdf = built[layout]
    if layout == "parallel":
        left, right = column_texts(pdf)
        left, right = left[left.rindex("2023年8月21日") :], right[right.index("Signedin") :]  # the endings
        assert left.index("東京都知事") < left.index("ヘルシンキ市長")
        assert right.index("JuhanaVartiainen") < right.index("KoikeYuriko")
    else:  # sequential; interleaved sets each language's blocks in its own order when the orders differ
        text = compact("".join(page_texts(pdf)))
        assert text.index("東京都知事小池百合子") < text.index("ヘルシンキ市長ユハナ")
        assert text.index("JuhanaVartiainenMayorofHelsinki") < text.index("KoikeYurikoGovernorofTokyo")
        assert text.index("ヘルシンキ市長ユハナ") < text.index("JuhanaVartiainenMayorofHelsinki")


def test_interleaved_signatures_are_bilingual_where_the_orders_agree(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace("  en: [helsinki, tokyo]", "  en: [tokyo, helsinki]")
    source = tmp_path / "same-order.yaml"
    source.write_text(text, encoding="utf-8")
    result = build(
        source, tmp_path, BuildContext(Project.discover(tmp_path), BuildOptions(layout="interleaved"))
    )
    joined = compact("".join(page_texts(result.output)))
    assert "東京都知事小池百合子KoikeYurikoGovernorofTokyo" in joined
    assert joined.count("小池百合子") == 2  # the body names her once; one block for her
    assert joined.index("小池百合子Koike") < joined.index("ヘルシンキ市長ユハナ・ヴァルティアイネンJuhana")


def paragraph_tops(pdf: Path, source: Path) -> list[tuple[tuple[int, float], tuple[int, float]]]:
    """For each paragraph row: (page, top) of its first Japanese glyph and of its first English glyph."""
    versions = typeset(load(source)).versions
    pages = page_glyphs(pdf)
    streams = []
    for side in (lambda x: x < MIDDLE, lambda x: x >= MIDDLE):
        glyphs = [(number, glyph) for number, page in enumerate(pages) for glyph in page if side(glyph.x)]
        streams.append(("".join(glyph.char for _, glyph in glyphs), glyphs))
    rows = []
    for ja, en in zip(versions[0].paragraphs, versions[1].paragraphs, strict=True):
        tops = []
        for (text, glyphs), paragraph in zip(streams, (ja, en), strict=True):
            start = text.index(compact(paragraph.text)[:12])
            page, glyph = glyphs[start]
            tops.append((page, glyph.y + glyph.size * 0.75 * 0.88))  # baseline + ascent: the line's ink top
        rows.append((tops[0], tops[1]))
    return rows


@pytest.mark.parametrize("document", ["seed", "long"])
def test_parallel_rows_are_aligned(built: dict[str, Path], document: str) -> None:
    pdf = built["parallel" if document == "seed" else "parallel-long"]
    rows = paragraph_tops(pdf, SEED if document == "seed" else built["long-source"])
    for number, ((ja_page, ja_top), (en_page, en_top)) in enumerate(rows, 1):
        assert ja_page == en_page, f"row {number}: halves start on pages {ja_page + 1} and {en_page + 1}"
        assert abs(ja_top - en_top) <= 2.5, f"row {number}: tops {ja_top:.1f} and {en_top:.1f}"


def test_long_row_breaks_across_pages(built: dict[str, Path]) -> None:
    reader = pypdf.PdfReader(built["parallel-long"])
    texts = [compact(text) for text in page_texts(built["parallel-long"])]
    pages_with_17 = [n for n, text in enumerate(texts) if "第17段落" in text or "第18段落" in text]
    assert len(reader.pages) >= 4 and pages_with_17
    # Row 17 is longer than a page: its Japanese half continues on the next page, nothing clipped.
    left, _ = column_texts(built["parallel-long"])
    assert compact(left).count("両都市は、持続可能な都市づくりに向けて協力することを確認した。") == sum(
        1 + (n * 7) % 9 + (60 if n == 17 else 0) for n in range(1, 41)
    )


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_signatures_never_start_a_page_alone(built: dict[str, Path], layout: str) -> None:
    texts = [compact(text) for text in page_texts(built[f"{layout}-long"])]
    assert len(texts) >= 4
    for lang_closing, signer in (("2023年8月21日", "小池百合子"), ("SignedinHelsinki", "KoikeYuriko")):
        page = next(n for n, text in enumerate(texts) if signer in text)
        assert lang_closing in texts[page], (
            f"{layout}: signatures on page {page + 1} without the closing line"
        )


def test_layouts_command_lists_all_three() -> None:
    result = run_cli("layouts")
    assert result.returncode == 0
    listed = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(listed) == set(LAYOUT_NAMES)
    assert all(len(line.split()) > 4 for line in listed.values())  # each has a description


def test_layout_option_wins_over_the_data(tmp_path: Path) -> None:
    path = write_data(
        tmp_path, SEED.read_text(encoding="utf-8").replace("layout: sequential", "layout: parallel")
    )
    result = run_cli("build", str(path), "--out", str(tmp_path / "out"), "--layout", "interleaved")
    assert result.returncode == 0, result.stderr
    pages = [compact(text) for text in page_texts(tmp_path / "out" / "doc.pdf")]
    assert "共同コミュニケJointCommunique" in pages[0]  # both titles together: interleaved


@pytest.mark.parametrize(
    ("paper", "size_mm"), [("A4", (210, 297)), ("Letter", (215.9, 279.4)), ("B5", (182, 257))]
)
def test_paper_sizes(
    build_seed: Callable[..., BuildResult], paper: str, size_mm: tuple[float, float]
) -> None:
    reader = pypdf.PdfReader(build_seed(SEED, paper=paper).output)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(size_mm[0] * MM, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(size_mm[1] * MM, abs=0.5)


def test_paper_from_the_data(tmp_path: Path, build_seed: Callable[..., BuildResult]) -> None:
    path = write_data(
        tmp_path, SEED.read_text(encoding="utf-8").replace("layout: sequential", "paper: Letter")
    )
    page = pypdf.PdfReader(build_seed(path).output).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_print_marks_set_trim_and_bleed_boxes(build_seed: Callable[..., BuildResult]) -> None:
    reader = pypdf.PdfReader(build_seed(SEED, print_marks=True).output)
    for page in reader.pages:
        trim, bleed = page.trimbox, page.bleedbox
        assert float(trim.width) == pytest.approx(210 * MM, abs=0.5)
        for inner, outer in ((trim.left, bleed.left), (trim.bottom, bleed.bottom)):
            assert float(inner) - float(outer) == pytest.approx(3 * MM, abs=0.05)
        for inner, outer in ((trim.right, bleed.right), (trim.top, bleed.top)):
            assert float(outer) - float(inner) == pytest.approx(3 * MM, abs=0.05)


SIGNATURE_ALT = "        signature_alt: {ja: 小池百合子の署名, en: Signature of Koike Yuriko}\n"
SEAL_ALT = "    seal_alt: {ja: 東京都の印, en: Seal of the Tokyo Metropolitan Government}\n"


def with_images(folder: Path, signature: str, seal: str | None = None, alt: bool = False) -> Path:
    """The seed with Koike Yuriko's signature image (and Tokyo's seal), with their alternatives if `alt`."""
    signed = f"          en: Koike Yuriko\n        signature: {signature}\n" + (SIGNATURE_ALT if alt else "")
    text = SEED.read_text(encoding="utf-8").replace("          en: Koike Yuriko\n", signed, 1)
    if seal:
        sealed = f"  - key: tokyo\n    seal: {seal}\n" + (SEAL_ALT if alt else "")
        text = text.replace("  - key: tokyo\n", sealed, 1)
    return write_data(folder, text)


def test_signature_and_seal_images_are_drawn(tmp_path: Path, build_seed: Callable[..., BuildResult]) -> None:
    Image.new("RGB", (400, 120), "white").save(tmp_path / "koike.png")
    (tmp_path / "seal.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="50" cy="50" r="45" '
        'fill="none" stroke="#c00" stroke-width="6"/></svg>'
    )
    reader = pypdf.PdfReader(build_seed(with_images(tmp_path, "koike.png", "seal.svg", alt=True)).output)
    for page in reader.pages:  # the Tokyo block is on both versions' pages
        objects = page["/Resources"].get("/XObject", {})
        assert any(obj.get_object()["/Subtype"] == "/Image" for obj in objects.values())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not an image", "is neither a PNG nor an SVG file"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (20000).to_bytes(4, "big") * 2,
            "is 20000x20000 pixels",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "x">]><svg></svg>',
            "is an SVG that declares XML entities",
        ),
    ],
)
def test_bad_images_are_located_errors(tmp_path: Path, content: bytes, problem: str) -> None:
    (tmp_path / "sig.png").write_bytes(content)
    path = with_images(tmp_path, "sig.png")
    result = run_cli("validate", str(path))
    line = path.read_text(encoding="utf-8").splitlines().index("        signature: sig.png") + 1
    assert result.returncode == 2
    assert f"{path}:{line}:20: signature image 'sig.png' {problem}" in result.stderr


def test_missing_image_is_allowed_as_blank_space(built: dict[str, Path]) -> None:
    assert "signature:" not in SEED.read_text(encoding="utf-8")
    assert not pypdf.PdfReader(built["sequential"]).pages[0]["/Resources"].get("/XObject")


TRILINGUAL = """\
id: trilingual
date: 2024-05-20
languages: [ja, en, fi]
place: {ja: ヘルシンキ, en: Helsinki, fi: Helsinki}
title: {ja: 共同声明, en: Joint Statement, fi: Yhteinen julkilausuma}
parties:
  - key: tokyo
    name: {ja: 東京都, en: Tokyo, fi: Tokio}
    country: {ja: 日本国, en: Japan, fi: Japani}
    signatories:
      - title: {ja: 東京都知事, en: Governor of Tokyo, fi: Tokion kuvernööri}
        name: {ja: 小池百合子, en: Koike Yuriko, fi: Koike Yuriko}
  - key: helsinki
    name: {ja: ヘルシンキ市, en: City of Helsinki, fi: Helsingin kaupunki}
    country: {ja: フィンランド共和国, en: Finland, fi: Suomi}
    signatories:
      - title: {ja: ヘルシンキ市長, en: Mayor of Helsinki, fi: Helsingin pormestari}
        name: {ja: ユハナ・ヴァルティアイネン, en: Juhana Vartiainen, fi: Juhana Vartiainen}
body:
  - ja: 東京都とヘルシンキ市は協力を確認した。
    en: On this day Tokyo and Helsinki confirmed their cooperation.
    fi: Samana päivänä Tokio ja Helsinki vahvistivat yhteistyönsä.
signature_order: {ja: [tokyo, helsinki], en: [helsinki, tokyo], fi: [helsinki, tokyo]}
"""


def test_three_languages_in_three_columns(tmp_path: Path, build_seed: Callable[..., BuildResult]) -> None:
    pdf = build_seed(write_data(tmp_path, TRILINGUAL), layout="parallel").output
    starts = {}
    for glyph in page_glyphs(pdf)[0]:
        for first, lang in (("東", "ja"), ("O", "en"), ("ä", "fi")):
            if glyph.char == first and lang not in starts:
                starts[lang] = glyph
    assert (
        starts["ja"].x < MIDDLE - 100 and starts["en"].x < starts["fi"].x
    )  # one column per language, in order
    assert starts["en"].y == pytest.approx(starts["fi"].y, abs=2.5)  # the row's halves side by side
    text = compact(running_text(pdf))
    assert (
        compact("Signed in Helsinki on May 20, 2024") in text
        and compact("Helsinki, 20. toukokuuta 2024") in text
    )
