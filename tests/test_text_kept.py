"""Text is never changed (issue 10, point 7): every character the author wrote reaches the PDF text layer,
line breaks in offices stay line breaks, and only source line wraps of paragraphs are joined."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FONTS, LAYOUT_NAMES, ROOT, SEED, Composed, write_data
from fontTools.ttLib import TTFont
from pdftools import drawn_texts, find_glyphs, page_glyphs, page_texts, unwrapped
from typography import EXTRACTORS, extracted_text

from communique.compose import compose
from communique.fonts import faces
from communique.layouts import chosen_layout
from communique.loader import load
from communique.model import BuildResult, Run
from communique.options import BuildOptions
from communique.project import BuildContext, Project
from communique.typeset import rich_text, typeset
from communique.whitespace import OWN_GLYPHS, SPECIAL_SPACES, WORD_JOINER, joined, keep_spaces, kept_lines

KEPT = """\
id: kept
date: 2023-08-21
languages: [ja, en]
title:
  ja: 文字を変えない試験
  en: Text Kept as Written
parties:
  - key: ko
    name: {ja: 甲市, en: City of Ko}
    country: {ja: 日本国, en: Japan}
    signatories:
      - title:
          ja: |-
            日本国
            甲市長
          en: |-
            Mayor
            Koto Ward
            Tokyo, Japan
        name: {ja: 内　海　清, en: "Kiyoshi\\u00a0Utsumi"}
body:
  - ja: "東京都知事 小池百合子は、距離10\\u00a0km、幅5\\u202fmの区域を視察した。両市\\u00a0は  合意した。"
    en: "A distance of 10\\u00a0km and a rate of 5\\u202f%; Utsumi\\u3000Kiyoshi signed; two  spaces."
  - ja: |
      長い段落を
      折り返して書く。
    en: |
      A long paragraph
      wrapped in a literal block.
accept:  # the versions differ on purpose: this data tests spaces, not translation
  - {kind: number, where: body 1, value: "5%", because: the test's rate is in English only}
  - {kind: name, where: body 1, value: "内 海 清", because: the English names the signatory alone}
"""


@pytest.fixture(scope="module")
def kept_pdfs(
    build_seed: Callable[..., BuildResult], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    source = write_data(tmp_path_factory.mktemp("kept"), KEPT)
    return {layout: build_seed(source, layout=layout, strict=True).output for layout in LAYOUT_NAMES}


# -- in the PDF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_every_space_reaches_the_text_layer(kept_pdfs: dict[str, Path], layout: str) -> None:
    text = unwrapped("\n".join(page_texts(kept_pdfs[layout])))
    for written in (
        "内\u3000海\u3000清",  # a letter-spaced name, U+3000 IDEOGRAPHIC SPACE
        "10\u00a0km",  # NO-BREAK SPACE inside Japanese and inside English text
        "5\u202fm",  # NARROW NO-BREAK SPACE in Japanese text
        "5\u202f%",
        "Utsumi\u3000Kiyoshi",  # U+3000 in English text
        "Kiyoshi\u00a0Utsumi",
        "東京都知事 小池百合子",  # a plain space stays a plain space next to all of them
    ):
        assert written in text, f"{written!r} not in the {layout} text layer"
    # No space copies as another one: each special space appears as often as the data has it.
    assert text.count("\u00a0") == 3 and text.count("\u202f") == 2 and text.count("\u3000") == 3


def test_spaces_pdf_viewers_merge_are_drawn_as_written(kept_pdfs: dict[str, Path]) -> None:
    # pdfium (Chrome's viewer) copies a run of spaces as one and skips a space drawn alone in another
    # font; the glyphs in the PDF are the source characters, as other extractors show.
    drawn = "".join(drawn_texts(kept_pdfs["sequential"]))
    assert "両市\u00a0は  合意した" in drawn and "two  spaces" in drawn


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_a_line_break_in_an_office_is_a_line_break(kept_pdfs: dict[str, Path], layout: str) -> None:
    pdf = kept_pdfs[layout]
    text = "\n".join(page_texts(pdf))
    assert "Mayor\r\nKoto Ward\r\nTokyo, Japan" in text and "日本国\r\n甲市長" in text
    page = next(glyphs for glyphs in page_glyphs(pdf) if find_glyphs(glyphs, "Koto Ward"))
    lines = [find_glyphs(page, line) for line in ("Mayor", "Koto Ward", "Tokyo, Japan")]
    baselines = [line[0].y for line in lines]
    assert baselines[0] > baselines[1] > baselines[2], baselines  # one below the other
    centres = [(line[0].left + line[-1].right) / 2 for line in lines]
    assert max(centres) - min(centres) < 1.5, centres  # each line centred in the block


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_source_line_wraps_of_paragraphs_are_joined(kept_pdfs: dict[str, Path], layout: str) -> None:
    text = unwrapped("\n".join(page_texts(kept_pdfs[layout])))
    assert "長い段落を折り返して書く。" in text
    assert "A long paragraph wrapped in a literal block." in text
    # Joined, not kept as line breaks: the words on either side of the source line break share a line.
    glyphs = [glyph for page in page_glyphs(kept_pdfs[layout]) for glyph in page]
    for before, after in (("段落を", "折り返"), ("paragraph", "wrapped")):
        assert find_glyphs(glyphs, before)[-1].y == find_glyphs(glyphs, after)[0].y


def test_the_seed_gets_no_new_markup() -> None:
    """Files in today's format without special spaces compose to the same HTML as before."""
    communique = load(SEED)
    project = Project.discover(SEED)
    for layout in LAYOUT_NAMES:
        context = BuildContext(project, BuildOptions(layout=layout))
        html = compose(typeset(communique), project, chosen_layout(context, communique), (SEED.parent,)).html
        assert "ws-" not in html and "dateline" not in html
        assert html.count("<br>") == 3  # the titles' line breaks (1 in Japanese, 2 in English), no more


# -- the typeset stage -------------------------------------------------------------------------------


def test_paragraph_line_wraps() -> None:
    assert joined("長い段落を\n折り返して書く。\n", "ja") == "長い段落を折り返して書く。"
    # A space stays between two narrow characters; U+3000 at the start of a line is the author's.
    assert joined("東京都は the\nCity of Tokyo と", "ja") == "東京都は the City of Tokyo と"
    assert joined("第一段落。\n\u3000第二段落。", "ja") == "第一段落。\u3000第二段落。"
    assert joined("  A long \n  paragraph\n\nends.  ", "en") == "A long paragraph ends."
    assert joined("上海\n北京", "zh-Hans") == "上海北京" and joined("서울\n부산", "ko") == "서울 부산"
    assert joined("two  spaces\u00a0kept", "en") == "two  spaces\u00a0kept"


def test_kept_lines() -> None:
    assert kept_lines("Mayor \n\n  Koto Ward\nTokyo, Japan\n") == ("Mayor", "Koto Ward", "Tokyo, Japan")
    assert kept_lines("内　海　清") == ("内　海　清",)


def test_offices_keep_their_line_breaks_in_the_model() -> None:
    communique = load(KEPT, Path.cwd())
    japanese, english = typeset(communique).versions
    assert japanese.signatures[0].lines == ("日本国\n甲市長", "内　海　清")
    assert english.signatures[0].lines == ("Kiyoshi\u00a0Utsumi", "Mayor\nKoto Ward\nTokyo, Japan")
    office = english.signatures[0].rich_lines[1]
    assert [run.text for phrase in office.phrases for run in phrase] == [
        "Mayor",
        "\n",
        "Koto Ward",
        "\n",
        "Tokyo, Japan",
    ]


def runs_of(text: str, lang: str) -> list[Run]:
    return [run for phrase in rich_text(text, lang).phrases for run in phrase]


def test_a_space_without_a_glyph_of_its_own_is_set_in_a_family_that_has_one() -> None:
    # Japanese text is set in the Japanese face, which draws U+00A0 with its space glyph: the Latin run
    # around it is set in the Latin face, its gaps kept at its ends.
    assert Run("10\u00a0km", "jl-gap-start ws-latin") in runs_of("距離10\u00a0km、", "ja")
    # Alone between kanji: set alone, after a word joiner that draws nothing (a piece of spaces only would
    # not be drawn at all).
    assert Run(WORD_JOINER + "\u00a0", "ws-latin") in runs_of("両市\u00a0は", "ja")
    # U+3000 in Latin text: the Latin face has none, the word around it is set in the Japanese face.
    assert Run("Utsumi\u3000Kiyoshi.", "ws-cjk") in runs_of("by Utsumi\u3000Kiyoshi.", "en")
    # Where the face of the neighbours has its own glyph, nothing changes.
    assert runs_of("内　海　清", "ja") == [Run("内　海　清", "")]
    assert runs_of("10\u00a0km", "en") == [Run("10\u00a0km", "")]


def test_a_run_of_spaces_is_set_as_written() -> None:
    assert runs_of("two  spaces", "en") == [Run("tw", ""), Run("o  s", "ws-keep"), Run("paces", "")]
    runs = keep_spaces((Run("ISO  9001", "jl-gap-start jl-gap-end"),), "ja")
    assert runs == (
        Run("IS", "jl-gap-start"),
        Run("O  9", "ws-keep"),
        Run("001", "jl-gap-end"),
    )


def test_every_character_is_kept_by_the_runs() -> None:
    for text, lang in (
        ("東京都知事 小池百合子は、距離10\u00a0km、幅5\u202fm。両市\u00a0は  合意。", "ja"),
        ("A rate of 5\u202f%; Utsumi\u3000Kiyoshi;  two  spaces\u2009here.", "en"),
    ):
        rich = rich_text(text, lang)
        drawn = "".join(run.text for phrase in rich.phrases for run in phrase).replace(WORD_JOINER, "")
        assert rich.text == drawn == text


def test_the_table_of_own_glyphs_matches_the_bundled_fonts() -> None:
    for face in faces(FONTS):
        with TTFont(face.path, lazy=True) as font:
            cmap = font.getBestCmap()
        own = {chr(point) for point in cmap if chr(point) in SPECIAL_SPACES and cmap[point] != cmap[32]}
        assert own == set(OWN_GLYPHS[face.family]), face.path.name


INVISIBLE = ROOT / "tests" / "data" / "invisible-characters.yaml"


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_invisible_characters_and_stacked_marks_copy_as_written(composed: Composed, layout: str) -> None:
    """A zero-width space, a word joiner and a combining grapheme joiner are drawn as no glyph, and
    WeasyPrint writes nothing for them (their text was lost): the word holding one is folded into one
    glyph carrying the word's text. Twelve marks on one letter copy as written too. Every extractor."""
    stacked = "a" + "".join(map(chr, range(0x300, 0x30C))) + "b"
    pdf = composed(INVISIBLE, layout)
    for extractor in EXTRACTORS:
        text = extracted_text(pdf, extractor)
        for piece in ("zero\u200bwidth", "word\u2060joiner", "a\u034fb", stacked):
            assert piece in text, (extractor, piece)


def test_invisible_characters_carried_need_no_warning(build_seed: Callable[..., BuildResult]) -> None:
    """Every invisible character is carried but a zero-width space where a line breaks: the break takes
    it, and the build says so."""
    warnings = build_seed(INVISIBLE).warnings
    assert all("U+200B ZERO WIDTH SPACE is drawn as no glyph" in warning for warning in warnings), warnings


def test_thai_words_keep_their_zero_width_spaces(composed: Composed, tmp_path: Path) -> None:
    """Thai text typed with zero-width spaces between words (as word processors insert them) copies with
    them, marks and SARA AM folded in the same words."""
    source = ROOT / "seeds" / "languages" / "th-en.yaml"
    text = source.read_text(encoding="utf-8")
    marked = text.replace("ทั้งสองฝ่ายจะส่งเสริมการแลกเปลี่ยน", "ทั้งสองฝ่าย\u200bจะส่งเสริม\u200bการแลกเปลี่ยน", 1)
    assert marked != text
    data = write_data(tmp_path, marked, "th-zwsp.yaml")
    pdf = composed(data, "sequential")
    for extractor in EXTRACTORS:
        assert "ทั้งสองฝ่าย\u200bจะส่งเสริม\u200bการแลกเปลี่ยน" in extracted_text(pdf, extractor), extractor


def test_arabic_words_keep_their_invisible_characters(composed: Composed, tmp_path: Path) -> None:
    """Right to left too, a zero-width space and a word joiner copy back where they were typed, in the
    extractors that read Arabic in logical order (pdfminer.six gives visual order; see test_clusters)."""
    source = ROOT / "seeds" / "languages" / "ar-en.yaml"
    text = source.read_text(encoding="utf-8")
    typed = text.replace("بين سلطنة", "بين\u200bسلطنة", 1).replace(
        "والمملكة المتحدة", "والمملكة\u2060المتحدة", 1
    )
    assert typed.count("\u200b") == typed.count("\u2060") == 1
    pdf = composed(write_data(tmp_path, typed, "ar-zw.yaml"), "sequential")
    for extractor in ("pdftotext", "pypdf", "pdfium"):
        copied = extracted_text(pdf, extractor)
        assert "بين\u200bسلطنة" in copied and "والمملكة\u2060المتحدة" in copied, extractor


def test_an_arabic_letter_mark_needs_no_font(build_seed: Callable[..., BuildResult], tmp_path: Path) -> None:
    """U+061C, which the README allows for right-to-left text, was refused by the font check: no font
    draws it, as text shaping draws it as nothing. It builds now, with the text layer's warning."""
    source = ROOT / "seeds" / "languages" / "ar-en.yaml"
    text = source.read_text(encoding="utf-8").replace("بتاريخ 5 نوفمبر", "بتاريخ \u061c5 نوفمبر", 1)
    assert "\u061c" in text
    data = write_data(tmp_path, text, "ar-en.yaml")
    warnings = build_seed(data).warnings
    assert (
        "text layer: U+061C ARABIC LETTER MARK is drawn as no glyph and is not in the text layer" in warnings
    )
