"""Pending translations, complete (issue 20): the notice printed once per pending version, under its title
and over no other text, in every layout; any block left out of a pending version (a heading, an article's
caption, clauses), each run of them marked […]; `pending` per instrument; located errors for pending data
that contradicts itself; the translation check silent on the blocks left out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from conftest import LAYOUT_NAMES, ROOT, run_cli, write_data
from pdftools import (
    Glyph,
    assert_in_order,
    column_texts,
    compact,
    find_glyphs,
    page_collisions,
    page_glyphs,
    page_texts,
    text_lines,
)

from communique.check import check
from communique.errors import ErrorList
from communique.loader import load
from communique.model import BuildResult
from communique.typeset import GAP_MARK, typeset

SEED = ROOT / "seeds" / "pending-heading-two-instruments.yaml"
NOTICE = "English translation in preparation. Only the Japanese text of this Arrangement is authentic."
WHOLLY_PENDING = """\
id: wholly-pending
date: 2025-03-03
languages: [ja, en]
pending: {en: English translation in preparation.}
title:
  ja: 夕凪市とケストレルベイ市との災害時の相互応援に関する取決め
  en: |-
    Arrangement between the City of Yunagi
    and the City of Kestrel Bay on Mutual Aid in Disasters
parties:
  - key: yunagi
    name: {ja: 夕凪市, en: City of Yunagi}
    country: {ja: 日本国, en: Japan}
    signatories:
      - title: {ja: 夕凪市長, en: Mayor of Yunagi}
        name: {ja: 浜田　恵子, en: Keiko Hamada}
body:
  - heading: {ja: 総則}
  - ja: この取決めは、災害時の相互応援について定める。
  - clause: {ja: 応援に要した経費は、応援を要請した市が負担する。}
"""
"""A version whose every block is left out: its notice was printed twice (under the title and for the run
of blocks), indented differently."""


@pytest.fixture(scope="module")
def built(
    build_seed: Callable[..., BuildResult], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], BuildResult]:
    """Build the seed ('seed') or the wholly pending document ('wholly') in a layout, once per module."""
    sources = {"seed": SEED, "wholly": write_data(tmp_path_factory.mktemp("pending"), WHOLLY_PENDING)}
    results: dict[tuple[str, str], BuildResult] = {}

    def get(name: str, layout: str) -> BuildResult:
        if (name, layout) not in results:
            results[name, layout] = build_seed(sources[name], layout=layout)
        return results[name, layout]

    return get


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize(
    ("name", "notice"),
    [("seed", NOTICE), ("wholly", "English translation in preparation.")],
    ids=["seed", "wholly"],
)
def test_the_notice_is_printed_once_over_no_other_text(
    built: Callable[[str, str], BuildResult], name: str, notice: str, layout: str
) -> None:
    result = built(name, layout)
    assert compact("".join(page_texts(result.output))).count(compact(notice)) == 1
    columns = 2 if layout == "parallel" else 1
    collisions = [
        (number, glyph.char, other.char)
        for number, page in enumerate(text_lines(result.output, columns), 1)
        for glyph, other, _ in page_collisions(page)
    ]
    assert collisions == []
    assert not [warning for warning in result.warnings if "drawn over" in warning]
    title, first = title_and_notice(result.output, TITLE_ENDS[name], notice)
    # Points between the title's last baseline and the notice's first: at least the notice's ascent and the
    # title's descent (glyph boxes shrunk for kerning miss a line drawn over another: DESIGN.md).
    assert title.y - first.y >= 0.75 * (first.size * 0.9 + title.size * 0.3), (title.y, first.y)


TITLE_ENDS = {"seed": "on Mutual Aid in Disasters", "wholly": "on Mutual Aid in Disasters"}
"""The last line of the pending version's title."""


def title_and_notice(pdf: Path, title_end: str, notice: str) -> tuple[Glyph, Glyph]:
    """The first glyph of the title's last line and of the notice, on the page that holds the notice."""
    for glyphs in page_glyphs(pdf):
        found = find_glyphs(glyphs, notice[:34])  # its first words (a narrow column hyphenates the rest)
        if found:
            return find_glyphs(glyphs, title_end)[0], found[0]
    raise AssertionError(f"{notice!r} is not in {pdf}")


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_the_notice_stands_under_the_english_title_of_its_instrument(
    built: Callable[[str, str], BuildResult], layout: str
) -> None:
    """Pending in the second instrument alone: its notice follows that instrument's English title (and
    comes before its text), the first instrument's English version has none."""
    text = compact("".join(page_texts(built("seed", layout).output)))
    first_title = compact("Joint Statement of the City of Yunagi and the City of Kestrel Bay")
    second_title = compact("Arrangement between the City of Yunagi and the City of Kestrel Bay")
    notice = text.index(compact(NOTICE))
    assert text.index(first_title) < text.index(second_title) < notice
    assert notice < text.index(compact("The City of Yunagi and the City of Kestrel Bay (hereinafter"))


def english_of_the_arrangement(result: BuildResult, layout: str) -> str:
    """The English text of the second instrument (compacted): its pages in the sequential layout, the
    right column in the parallel one, the whole text (both languages) in the interleaved one."""
    if layout == "sequential":
        reader = pypdf.PdfReader(result.output)
        pages = [
            number for number in range(len(reader.pages)) if reader.page_labels[number].startswith("2-EN")
        ]
        texts = page_texts(result.output)
        return compact("".join(texts[number] for number in pages))
    if layout == "parallel":
        return compact(column_texts(result.output)[1])
    return compact("".join(page_texts(result.output)))


@pytest.mark.parametrize(("layout", "marks"), [("sequential", 2), ("parallel", 3), ("interleaved", 3)])
def test_a_heading_an_articles_caption_and_clauses_are_left_out(
    built: Callable[[str, str], BuildResult], layout: str, marks: int
) -> None:
    """The second chapter's heading, its article's caption and the article's two clauses have no English:
    [… ] marks each run of them in the sequential layout (two runs: the heading; the clauses after the
    article's number) and each left-out block in the others; the article keeps its number."""
    english = english_of_the_arrangement(built("seed", layout), layout)
    assert_in_order(
        english,
        [
            "I. General Provisions",
            "Article 1",
            "Purpose",
            GAP_MARK,
            "Article 2",
            GAP_MARK,
            "Article 3",
            "Costs",
        ],
    )
    assert english.count(GAP_MARK) == marks
    assert "II." not in english  # the left-out heading has no number of its own either
    japanese = compact("".join(page_texts(built("seed", layout).output)))
    assert_in_order(japanese, ["Ⅱ　応援の要請及び実施", "第2条　応援の要請", "1　被災した市の長は"])


def test_a_wholly_pending_version_has_one_notice_and_one_mark(
    built: Callable[[str, str], BuildResult],
) -> None:
    reader = pypdf.PdfReader(built("wholly", "sequential").output)
    texts = page_texts(built("wholly", "sequential").output)
    english = compact("".join(t for n, t in enumerate(texts) if reader.page_labels[n].startswith("EN")))
    assert_in_order(
        english, ["Arrangement between", "English translation in preparation.", GAP_MARK, "Keiko Hamada"]
    )
    assert english.count(GAP_MARK) == 1


def test_any_block_kind_may_be_left_out_of_a_pending_language() -> None:
    english = typeset(load(SEED)).instruments[1].versions[1]
    kinds = [block.kind for block in english.blocks]
    assert kinds == [
        "preamble", "heading", "article", "paragraph", "pending", "article", "pending", "pending", "article",
        "paragraph",
    ]  # fmt: skip
    assert english.blocks[5].label and english.blocks[5].label.text == "Article 2"
    assert english.blocks[5].paragraphs == ()  # the number kept, the caption left out
    assert typeset(load(SEED)).instruments[0].versions[1].pending_notice is None


@pytest.mark.parametrize(
    "seed", [SEED, ROOT / "seeds" / "translation-pending.yaml"], ids=lambda path: path.stem
)
def test_the_translation_check_is_silent_on_blocks_left_out(seed: Path) -> None:
    assert check(load(seed)) == ()


TWO = """\
id: two
date: 2025-03-03
languages: [ja, en]
title: {ja: 声明及び取決め, en: Statement and Arrangement}
parties:
  - key: a
    name: {ja: 甲市, en: City A}
    country: {ja: 日本国, en: Japan}
"""
FIRST = """\
instruments:
  - title: {ja: 声明, en: Statement}
    body:
      - {ja: 声明の本文。, en: The statement.}
"""
SECOND = """\
  - title: {ja: 取決め, en: Arrangement}
    pending: {en: Not yet translated.}
    body:
      - heading: {ja: 総則}
      - {ja: 取決めの本文。, en: The arrangement.}
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    """The located problems `load` reports for `text`."""
    with pytest.raises(ErrorList) as caught:
        load(write_data(tmp_path, text))
    return [str(problem) for problem in caught.value.problems]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The line number (from 1) of the `occurrence`-th line of `text` holding `needle`."""
    return [number for number, line in enumerate(text.splitlines(), 1) if needle in line][occurrence - 1]


@pytest.mark.parametrize(
    ("text", "needle", "column", "message"),
    [
        (  # the first instrument is translated in full: nothing of it is pending
            TWO + FIRST.replace("    body:", "    pending: {en: Not yet translated.}\n    body:") + SECOND,
            "pending: {en: Not yet translated.}",
            15,
            "'en' is pending, but instrument 1 gives every 'en' text",
        ),
        (
            TWO
            + FIRST
            + SECOND.replace("pending: {en: Not yet translated.}", "pending: {ja: 未定, en: Later.}"),
            "pending: {ja: 未定",
            5,
            "every language of instrument 2 is pending",
        ),
        (
            TWO + "pending: {en: Later.}\n" + FIRST + SECOND,
            "pending: {en: Not yet translated.}",
            15,
            "'en' is pending in instrument 2 and in the whole file",
        ),
        (  # pending for the whole file, but the first instrument leaves nothing out
            TWO
            + "pending: {en: Later.}\n"
            + FIRST
            + SECOND.replace("    pending: {en: Not yet translated.}\n", ""),
            "pending: {en: Later.}",
            11,
            "'en' is pending, but instrument 1 gives every 'en' text",
        ),
        (  # a heading left out of a language that is not pending in its instrument
            TWO
            + FIRST.replace(
                "      - {ja: 声明の本文。", "      - heading: {ja: 前文}\n      - {ja: 声明の本文。"
            )
            + SECOND,
            "heading: {ja: 前文}",
            18,
            "instrument 1 block 1 'heading' has no 'en' text",
        ),
    ],
    ids=[
        "complete-instrument",
        "every-language",
        "pending-twice",
        "file-wide-but-complete",
        "not-pending-here",
    ],
)
def test_pending_that_contradicts_itself_is_a_located_error(
    tmp_path: Path, text: str, needle: str, column: int, message: str
) -> None:
    found = problems(tmp_path, text)
    assert f"{tmp_path / 'doc.yaml'}:{line_of(text, needle)}:{column}: {message}" in [
        problem.split(" (hint")[0] for problem in found
    ], found


def test_a_pending_error_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    text = TWO + FIRST.replace("    body:", "    pending: {en: Not yet translated.}\n    body:") + SECOND
    data = write_data(tmp_path, text)
    out = tmp_path / "out"
    result = run_cli("build", str(data), "--out", str(out))
    assert result.returncode == 2
    location = f"{data}:{line_of(text, 'pending: {en: Not yet translated.}')}:15"
    assert f"{location}: 'en' is pending, but instrument 1 gives every 'en' text" in result.stderr
    assert not out.exists() or not any(out.iterdir())
