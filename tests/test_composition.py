"""Japanese line composition measured from the PDF in every layout and paper (issue 11): full lines
flush at both edges, Japanese-Latin gaps between 1/8 and 1/4 em, text that copies exactly in four
extractors, line-start brackets, spaces in Japanese text, English in columns."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LAYOUT_NAMES, ROOT, SEED, Composed
from pdftools import line_text, text_lines
from typography import (
    BODY_SIZE,
    CJK_FACES,
    EXTRACTORS,
    Line,
    cjk_body_lines,
    extracted_text,
    foreign_lines,
    found_exactly,
    full_line_shortfalls,
    justification_step,
    kinsoku_violations,
    latin_boundaries,
    space_after,
)

from communique.loader import load
from communique.model import BuildResult
from communique.typeset import typeset

STRESS = ROOT / "tests" / "data" / "composition-stress.yaml"
"""Dense official prose: Latin words, digits, URLs, percentages, brackets, consecutive punctuation."""
SYNTHETIC = ROOT / "tests" / "data" / "typography-stress.yaml"
PAPERS = ("A4", "Letter", "B5")
CASES = [(SEED, layout, paper) for layout in LAYOUT_NAMES for paper in PAPERS] + [
    (STRESS, layout, "A4") for layout in LAYOUT_NAMES
]
IDS = [f"{source.stem}-{layout}-{paper}" for source, layout, paper in CASES]


def japanese_lines(pdf: Path, layout: str) -> list[Line]:
    return cjk_body_lines(pdf, 2 if layout == "parallel" else 1)


def japanese_paragraphs(source: Path) -> list[str]:
    return [paragraph.text for paragraph in typeset(load(source)).versions[0].paragraphs]


def japanese_texts(source: Path) -> list[str]:
    """Every text of the Japanese version as printed: title lines, paragraphs, closing, signature lines."""
    version = typeset(load(source)).versions[0]
    texts = [*version.title_lines, *version.paragraphs, *([version.closing] if version.closing else [])]
    lines = [line for block in version.signatures for line in block.lines]
    return [part for text in [*(text.text for text in texts), *lines] for part in text.split("\n")]


# -- flush lines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "layout", "paper"), CASES, ids=IDS)
def test_every_full_japanese_line_ends_flush(
    composed: Composed, source: Path, layout: str, paper: str
) -> None:
    lines = japanese_lines(composed(source, layout, paper), layout)
    shortfalls = full_line_shortfalls(lines, japanese_texts(source))
    assert len(shortfalls) >= 8, "too few full lines to judge"
    ragged = [(text[-10:], round(value, 3)) for text, value in shortfalls if abs(value) > 0.05]
    assert not ragged, f"lines not flush at the right edge (em short): {ragged}"
    assert not kinsoku_violations(lines)


COMBINING = "か\u3099さ\u3099た\u3099" * 12
QUOTATION = (
    "協定の英文名は「The Agreement between the Government of Japan and the Government of the Republic of "
    "Finland on Cooperation in the Fields of Science, Technology and Innovation」であり、両政府は本協定に"
    "基づき協力を進める。"
)
EDGE_CASES = f"""\
id: edge-cases
date: 2024-05-01
languages: [ja, en]
place: {{ja: 東京, en: Tokyo}}
title: {{ja: 試験, en: Test}}
parties:
  - key: a
    name: {{ja: 甲市, en: City A}}
    country: {{ja: 日本国, en: Japan}}
    signatories:
      - title: {{ja: 市長, en: Mayor}}
        name: {{ja: 山田太郎, en: Taro Yamada}}
body:
  - ja: {COMBINING}を含む段落であり、結合文字を含む行も行末が揃うことを確かめる。
    en: Combining marks.
  - ja: {QUOTATION}
    en: A Latin quotation.
  - ja: {"い" * 90}
    en: Kana alone, which fill the measure without stretching.
"""


def test_lines_with_combining_marks_or_only_latin_words_end_flush(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    """A kana with a combining sound mark draws as one glyph: the space added after it is not lost. A
    line holding only Latin words (a quotation) is justified at its word spaces (JLReq widens those)."""
    source = tmp_path / "edge-cases.yaml"
    source.write_text(EDGE_CASES, encoding="utf-8")
    lines = text_lines(build_seed(source, layout="sequential").output)[0][0]
    edge = next(line[-1].right for line in lines if line_text(line) == "い" * 42)  # the measure
    starts = (COMBINING[:4], "協定の英文名", "GovernmentoftheRepublic")
    full = [line for line in lines if line_text(line).replace(" ", "").startswith(starts)]
    assert len(full) == 3
    assert all((edge - line[-1].right) / BODY_SIZE <= 0.05 for line in full), [
        line[-1].right for line in full
    ]


def test_a_paragraphs_last_line_is_set_flush_left(composed: Composed) -> None:
    lines = japanese_lines(composed(SEED, "sequential"), "sequential")
    last = next(line for line in lines if line.text == "交わした。")
    assert all(
        space_after(left, right) == pytest.approx(0, abs=0.002)
        for left, right in itertools.pairwise(last.glyphs)
    )
    assert last.glyphs[0].x == pytest.approx(min(line.glyphs[0].x for line in lines), abs=0.1)


# -- Japanese-Latin gaps -------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_japanese_latin_gaps_are_a_quarter_em_shrinking_to_an_eighth(composed: Composed, layout: str) -> None:
    boundaries = [
        (pair, gap, justification_step(line))
        for source in (SEED, STRESS)
        for line in japanese_lines(composed(source, layout), layout)
        for pair, gap in latin_boundaries([line])
    ]
    assert len(boundaries) >= 30
    outside = [
        (pair, round(gap, 3)) for pair, gap, _ in boundaries if not 0.125 - 0.006 <= gap <= 0.25 + 0.006
    ]
    assert not outside, f"gaps outside 1/8..1/4 em (beyond the line's justification step): {outside}"
    # A gap is narrower than a quarter em only on a line that needed it (one not stretched at all).
    needless = [pair for pair, gap, step in boundaries if gap < 0.245 and step > 0.001]
    assert not needless, needless
    assert any(gap >= 0.245 for _, gap, _ in boundaries)


def test_no_gap_at_a_line_edge_or_after_punctuation(composed: Composed) -> None:
    lines = japanese_lines(composed(SEED, "sequential"), "sequential")
    (line,) = [line for line in lines if "捉え、2023" in line.text]
    index = line.text.index("、2023")
    assert space_after(line.glyphs[index], line.glyphs[index + 1]) == pytest.approx(
        justification_step(line), abs=0.002
    )


# -- Chinese ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", ["zh-hans-en", "zh-hant-en"])
@pytest.mark.parametrize("layout", ["sequential", "parallel"])
def test_chinese_lines_are_justified_and_copy_exactly(composed: Composed, seed: str, layout: str) -> None:
    """Chinese is justified between characters like Japanese, with quarter-em gaps around Latin runs
    (CLREQ), folded into the glyphs so that copied text stays exact."""
    source = ROOT / "seeds" / "languages" / f"{seed}.yaml"
    pdf = composed(source, layout)
    shortfalls = full_line_shortfalls(japanese_lines(pdf, layout), japanese_texts(source))
    assert len(shortfalls) >= 3
    ragged = [(text[-10:], round(value, 3)) for text, value in shortfalls if abs(value) > 0.05]
    assert not ragged
    paragraphs = japanese_paragraphs(source)
    for extractor in ("pypdf", "pdfium") if layout == "parallel" else EXTRACTORS:
        text = extracted_text(pdf, extractor)
        assert all(found_exactly(paragraph, text) for paragraph in paragraphs), extractor


def test_chinese_latin_gaps(composed: Composed) -> None:
    pdf = composed(ROOT / "seeds" / "languages" / "zh-hant-en.yaml", "sequential")
    gaps = [
        space_after(left, right, CJK_FACES["zh-Hant"]) - justification_step(line)
        for line in japanese_lines(pdf, "sequential")
        for left, right in itertools.pairwise(line.glyphs)
        if (left.char + right.char) in ("自2", "6年")  # 自2016年以來
    ]
    assert gaps and all(0.12 <= gap <= 0.256 for gap in gaps), gaps


# -- copy-paste ----------------------------------------------------------------------------------------


OTHER_COLUMN = re.compile(r"(?<=[^\x00-\u2fff]) +[A-Z][\x00-\u2fff]*$", re.MULTILINE)
"""The English column's text after a Japanese line on the same baseline ('ユハナ・ヴァルティアイネン Koike
Yuriko'): a space, then Latin text from a capital letter to the line's end."""


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_japanese_text_copies_exactly(composed: Composed, layout: str, extractor: str) -> None:
    """Every line of Japanese an extractor reads is the source's text, with no space inserted at a gap or
    a justification step. Whole paragraphs are compared too, except for pdftotext and pdfminer.six in
    the parallel layout: their layout analysis reads side-by-side columns across (measured: Typst's twin
    fares the same), which no spacing inside a line can change."""
    for source in (SEED, STRESS):
        paragraphs = japanese_paragraphs(source)
        text = extracted_text(composed(source, layout), extractor)
        if layout == "parallel":  # the names of a signature row share a baseline across the columns:
            text = OTHER_COLUMN.sub("", text)  # extractors reading by baseline add the English one after
        assert not foreign_lines(text, japanese_texts(source))
        if layout != "parallel" or extractor in ("pypdf", "pdfium"):
            missing = [paragraph[:20] for paragraph in paragraphs if not found_exactly(paragraph, text)]
            assert not missing, f"{extractor} does not give back: {missing}"


def test_copy_check_sees_an_inserted_space() -> None:
    assert not found_exactly("2023年8月", "2023 年 8 月")
    assert found_exactly("2023年8月", "2023年\n8月")
    assert found_exactly("市長 ユハナ", "市長\nユハナ")
    assert foreign_lines("東京都知事 小池百合子\n", ["東京都知事小池百合子"])


# -- brackets and spaces -------------------------------------------------------------------------------


def test_an_opening_bracket_starting_a_line_is_set_flush(composed: Composed) -> None:
    """House rule (JLReq 3.1.4): the bracket's leading half-em blank goes at a line's start, so its ink
    lines up with the text edge; at a line's end closing brackets keep their full width (lines flush)."""
    lines = japanese_lines(composed(SYNTHETIC, "sequential"), "sequential")
    ((first, line),) = [
        pair for pair in itertools.pairwise(lines) if pair[1].text.startswith("「いいいいい」")
    ]
    edge = first.glyphs[0].x - BODY_SIZE  # the paragraph's first line is indented by one em
    assert line.glyphs[0].x == pytest.approx(edge - BODY_SIZE / 2, abs=0.05)
    assert line.glyphs[1].x == pytest.approx(edge + BODY_SIZE / 2, abs=0.2)


def test_spaces_in_japanese_text(composed: Composed) -> None:
    """An ASCII space in Japanese text is the face's own, 0.256 em (a quarter em, as JLReq spaces
    Japanese from other text); an ideographic space a full em. Both stay in the copied text."""
    pdf = composed(SYNTHETIC, "sequential")
    (line,) = [line for line in japanese_lines(pdf, "sequential") if "小池百合子と東京都知事" in line.text]
    assert not line.text.endswith("。")  # a full line, justified
    ideographic = line.text.index("事小")
    ascii_space = line.text.index("事小", ideographic + 1)
    step = justification_step(line)
    assert space_after(line.glyphs[ideographic], line.glyphs[ideographic + 1]) == pytest.approx(
        1.0, abs=0.002
    )
    assert space_after(line.glyphs[ascii_space], line.glyphs[ascii_space + 1]) == pytest.approx(
        0.256, abs=0.002
    )
    assert step > 0  # the line is justified, yet neither space is stretched
    for extractor in ("pdfminer.six", "pypdf", "pdfium"):
        assert found_exactly(
            "東京都知事　小池百合子と東京都知事 小池百合子が会談し", extracted_text(pdf, extractor)
        )
    # poppler drops every whitespace glyph and reads a blank one em wide between CJK characters as the end
    # of a text block: U+3000 is in the PDF's text (above) but pdftotext prints a line break for it.
    poppler = extracted_text(pdf, "pdftotext")
    assert "会談の記録：東京都知事\n" in poppler and "\n小池百合子と東京都知事 小池百合子が会談し" in poppler


# -- English in columns --------------------------------------------------------------------------------


HYPHENS = ("-", "\u2010", "\ufffe")
"""How a line's last hyphen reads in pdfium: U+2010 where WeasyPrint hyphenated, U+FFFE for the text's own."""


def hyphenated_runs(lines: list[Line]) -> int:
    """The most lines in a row that end with a hyphen, the last of them one WeasyPrint added (a line may
    end at a compound's own hyphen whatever came before)."""
    longest = current = 0
    for line in lines:
        current = current + 1 if line.text.endswith(HYPHENS) else 0
        if line.text.endswith("\u2010"):
            longest = max(longest, current)
    return longest


def english_lines(pdf: Path, layout: str) -> list[Line]:
    """Lines of Latin text (in the parallel layout: of the English column)."""
    if layout == "parallel":
        return [line for line in cjk_free_lines(pdf, 2) if line.column == 1]
    return cjk_free_lines(pdf, 1)


def last_word(line: Line) -> str:
    """The line's last word (glyphs after the last gap of a space's width)."""
    start = len(line.glyphs) - 1
    while start > 0 and line.glyphs[start].left - line.glyphs[start - 1].right < 0.15 * BODY_SIZE:
        start -= 1
    return "".join(glyph.char for glyph in line.glyphs[start:])


def cjk_free_lines(pdf: Path, columns: int) -> list[Line]:
    return [
        Line("en", page, tuple(line), column)
        for page, per_column in enumerate(text_lines(pdf, columns))
        for column, lines in enumerate(per_column)
        for line in lines
        if all(glyph.char.isascii() or glyph.char in "‘’“”—–\u2010\ufffe" for glyph in line)
    ]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_at_most_two_hyphenated_lines_in_a_row(composed: Composed, layout: str) -> None:
    for source in (SEED, STRESS):
        lines = english_lines(composed(source, layout), layout)
        assert any(line.text.endswith("\u2010") for line in lines) or source == SEED
        assert hyphenated_runs(lines) <= 2


def test_parallel_english_word_spaces(composed: Composed) -> None:
    """The English column is set ragged right: its word spaces are the face's own, never stretched."""
    widest = max(
        (right.left - left.right) / BODY_SIZE
        for source in (SEED, STRESS)
        for line in english_lines(composed(source, "parallel"), "parallel")
        for left, right in itertools.pairwise(line.glyphs)
    )
    assert widest <= 0.6


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_names_and_web_addresses_are_never_hyphenated(composed: Composed, layout: str) -> None:
    for source in (SEED, STRESS):
        for line in english_lines(composed(source, layout), layout):
            if line.text.endswith("\u2010"):
                word = last_word(line)
                assert not word[:1].isupper(), f"a name hyphenated: {word}"
                assert "/" not in word and "www" not in word, f"a web address hyphenated: {word}"
