"""Signature blocks that line up (issue 20): the names of the blocks of a row on one baseline whatever their
offices (a proxy's three lines above the name beside one), in every layout, in Japanese, English and Arabic;
lines given word for word (`printed`) in the type of a generated block's, the name as a name; a proxy
named in one version only; the marker 代理 never broken across lines; located errors for such data."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import LAYOUT_NAMES, ROOT, write_data
from pdftools import Glyph, compact, find_glyphs, page_glyphs, page_texts

from communique.errors import ErrorList
from communique.loader import load
from communique.model import BuildResult, SignatureBlock, TypesetDocument
from communique.typeset import typeset

PROXY = ROOT / "seeds" / "proxy-named-in-one-version.yaml"
ARABIC = ROOT / "seeds" / "languages" / "ar-en.yaml"
TOLERANCE = 0.5
"""Points two baselines of a row may differ by."""


@pytest.fixture(scope="module")
def built(build_seed: Callable[..., BuildResult]) -> Callable[[Path, str], Path]:
    """Build a data file in a layout once for the module."""
    pdfs: dict[tuple[Path, str], Path] = {}

    def get(source: Path, layout: str) -> Path:
        if (source, layout) not in pdfs:
            pdfs[source, layout] = build_seed(source, layout=layout).output
        return pdfs[source, layout]

    return get


def name_of(block: SignatureBlock) -> str:
    return next(line for line, role in zip(block.lines, block.roles, strict=True) if role == "name")


def rows(document: TypesetDocument, layout: str) -> Iterator[list[SignatureBlock]]:
    """The blocks set side by side, row by row, as each layout sets them (one language of a bilingual row
    at a time: each language's names share a baseline)."""
    for instrument in document.instruments:
        if layout == "parallel":
            yield from ([block for _, block in row] for row in instrument.signatures_side_by_side())
            continue
        sets = (
            [version.signature_rows() for version in instrument.versions]
            if layout == "sequential"
            else [order.rows for order in instrument.signature_orders()]
        )
        for blocks in sets:
            for pair in (blocks[index : index + 2] for index in range(0, len(blocks), 2)):
                for language in range(len(pair[0])):
                    yield [entries[language][1] for entries in pair]


def baseline(glyphs_by_page: list[list[Glyph]], name: str) -> tuple[int, float]:
    """(page, baseline) of the name as drawn: the run of glyphs on one line that holds its letters, in any
    order (Arabic is drawn right to left)."""
    wanted = Counter(compact(name))
    for number, glyphs in enumerate(glyphs_by_page):
        for line in _runs(glyphs):
            if Counter(glyph.char for glyph in line) == wanted:
                return number, Counter(round(glyph.y, 2) for glyph in line).most_common(1)[0][0]
    raise AssertionError(f"the name {name!r} is not drawn")


def _runs(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into runs side by side on one line (within 4 pt vertically: Arabic letters are moved
    off the baseline by cursive attachment), split where more than 1.5 em lies between neighbours (an
    ideographic space is one; columns and blocks side by side stand 9 mm apart or more)."""
    runs: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda glyph: (-round(glyph.y), glyph.x)):
        gap = 1.5 * glyph.size * 0.75  # pdfium's sizes are in CSS pixels
        near = [run for run in runs if abs(run[0].y - glyph.y) <= 4.0]
        home = next((run for run in near if any(o.left - gap < glyph.x < o.right + gap for o in run)), None)
        if home is None:
            runs.append([glyph])
        else:
            home.append(glyph)
    return runs


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize("source", [PROXY, ARABIC], ids=["ja-en-proxy", "ar-en"])
def test_the_names_of_a_row_share_a_baseline(
    built: Callable[[Path, str], Path], source: Path, layout: str
) -> None:
    document = typeset(load(source))
    glyphs = page_glyphs(built(source, layout))
    checked = uneven = 0
    for row in rows(document, layout):
        if len(row) < 2:
            continue
        places = [baseline(glyphs, name_of(block)) for block in row]
        assert len({page for page, _ in places}) == 1, (layout, places)
        spread = max(y for _, y in places) - min(y for _, y in places)
        assert spread <= TOLERANCE, (layout, [name_of(block) for block in row], places)
        checked += 1
        uneven += len({lines_above(block) for block in row}) > 1
    assert checked >= 2
    if source == PROXY:  # a row whose offices differ in height: the test can fail
        assert uneven >= 1


def lines_above(block: SignatureBlock) -> int:
    """How many printed lines stand above the block's name (an office's line breaks counted)."""
    return sum(line.text.count("\n") + 1 for line, _ in block.above_name)


def glyph_size(pdf: Path, text: str) -> float:
    """The font size of the first glyph drawing `text`."""
    for glyphs in page_glyphs(pdf):
        found = find_glyphs(glyphs, text)
        if found:
            return found[0].size
    raise AssertionError(f"{text!r} is not drawn")


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_printed_lines_are_set_as_a_generated_block_is(
    built: Callable[[Path, str], Path], layout: str
) -> None:
    """Wexcombe's block is given word for word, its name marked: the name at the size of Sakuragawa's
    generated name, the office at the size of its office, in both languages."""
    pdf = built(PROXY, layout)
    assert (
        glyph_size(pdf, "マーガレット・エラリー")
        == glyph_size(pdf, "石井　美穂")
        > glyph_size(pdf, "ウェクスコム町長")
    )
    assert glyph_size(pdf, "ウェクスコム町長") == glyph_size(pdf, "副町長")
    assert glyph_size(pdf, "Councillor Margaret Ellery") == glyph_size(pdf, "Miho Ishii")
    assert glyph_size(pdf, "The Worshipful the Mayor") == glyph_size(pdf, "Deputy Mayor")


def test_printed_lines_say_which_is_the_name(tmp_path: Path) -> None:
    """Marked with `name:` in a list of lines; unmarked (a text, as files written before), the line that
    holds the signatory's name."""
    document = typeset(load(write_data(tmp_path, PRINTED)))
    japanese, english = document.versions
    assert japanese.signatures[0].roles == ("office", "name")
    assert english.signatures[0].lines == ("Hanako Sato, Mayor", "City of B")
    assert english.signatures[0].roles == ("name", "office")
    assert [line.text for line, _ in english.signatures[0].above_name] == []


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_the_absent_official_is_named_in_one_version_only(
    built: Callable[[Path, str], Path], layout: str
) -> None:
    text = compact("".join(page_texts(built(PROXY, layout))))
    assert text.count("桜川町長森田和夫代理") == 1
    assert "representedby" not in text and "Morita" not in text
    english = next(version for version in typeset(load(PROXY)).versions if version.lang == "en")
    sakuragawa = next(block for block in english.signatures if block.party_key == "sakuragawa")
    assert sakuragawa.roles == ("name", "office")  # the Deputy Mayor alone: her name, then her office


MARKER = """\
id: marker
date: 2024-06-18
layout: parallel
languages: [ja, en]
title: {ja: 覚書, en: Memorandum}
parties:
"""
"""Parties whose deputy mayors sign for mayors of ever longer offices: in a column of the parallel layout,
one principal's line wraps just where 代理 stands."""


def marker_document(folder: Path) -> Path:
    parties = [
        f"  - key: p{length}\n"
        f"    name: {{ja: 町{length}, en: Town {length}}}\n"
        "    country: {ja: 日本国, en: Japan}\n"
        "    signatories:\n"
        f"      - title: {{ja: 副町長, en: Deputy Mayor}}\n"
        f"        name: {{ja: 石井　美穂, en: Miho Ishii}}\n"
        "        on_behalf_of:\n"
        f"          title: {{ja: {'日本国茨城県真壁郡甲町町長職務代行者'[:length]}}}\n"
        "          name: {ja: 森田　和夫}\n"
        for length in range(12, 17)
    ]
    return write_data(folder, MARKER + "".join(parties) + "body:\n  - {ja: 本文。, en: Text.}\n")


def test_the_marker_never_breaks_across_lines(build_seed: Callable[..., BuildResult], tmp_path: Path) -> None:
    glyphs = [glyph for page in page_glyphs(build_seed(marker_document(tmp_path)).output) for glyph in page]
    drawn = "".join(glyph.char for glyph in glyphs)
    starts = [index for index in range(len(drawn)) if drawn.startswith("代理", index)]
    assert len(starts) == 5
    for index in starts:
        assert glyphs[index].y == glyphs[index + 1].y  # 代 and 理 on one line
    offices = [index for index in range(len(drawn)) if drawn.startswith("日本国", index)]
    wrapped = sum(
        glyphs[office].y != glyphs[marker].y for office, marker in zip(offices, starts, strict=True)
    )
    assert wrapped >= 1  # a principal's line did wrap before the marker


PRINTED = """\
id: printed
date: 2024-06-18
languages: [ja, en]
title: {ja: 覚書, en: Memorandum}
parties:
  - key: b
    name: {ja: 乙市, en: City B}
    country: {ja: 日本国, en: Japan}
    signatories:
      - title: {ja: 乙市長, en: Mayor of B}
        name: {ja: 佐藤　花子, en: Hanako Sato}
        printed:
          ja: [乙市長, {name: 佐藤　花子}]
          en: "Hanako Sato, Mayor\\nCity of B"
body:
  - {ja: 本文。, en: Text.}
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ErrorList) as caught:
        load(write_data(tmp_path, text))
    return [str(problem).split(" (hint")[0] for problem in caught.value.problems]


PROXY_TEXT = PROXY.read_text(encoding="utf-8")


def at(text: str, needle: str, column: int) -> str:
    """'<line>:<column>' of the first line of `text` holding `needle`."""
    return f"{next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)}:{column}"


@pytest.mark.parametrize(
    ("old", "new", "needle", "column", "message"),
    [
        (
            "          title:\n            ja: 桜川町長\n",
            "          title:\n            ja: 桜川町長\n            en: Mayor of Sakuragawa\n",
            "en: Mayor of Sakuragawa",
            13,
            "the absent official is given a title in 'en' but no name",
        ),
        (
            "          name:\n            ja: 森田　和夫\n",
            "          name:\n            ja: 森田　和夫\n          marker: {en: for}\n",
            "marker: {en: for}",
            20,
            "the marker for 'en' has no effect: the 'en' version does not name the absent official",
        ),
        (
            "            - The Worshipful the Mayor of Wexcombe\n",
            "            - name: The Worshipful the Mayor of Wexcombe\n",
            "- name: The Worshipful",
            15,
            "the printed 'en' lines mark 2 names",
        ),
        (
            "            - The Worshipful the Mayor of Wexcombe\n",
            "            - 12\n",
            "            - 12",
            15,
            "party 2 signatory 1 'printed' 'en' item 2 must be a mapping or a string, not an integer",
        ),
    ],
    ids=["official-named-in-office-only", "marker-without-official", "two-names", "line-not-text"],
)
def test_bad_signature_data_is_a_located_error(
    tmp_path: Path, old: str, new: str, needle: str, column: int, message: str
) -> None:
    assert old in PROXY_TEXT
    text = PROXY_TEXT.replace(old, new, 1)
    found = problems(tmp_path, text)
    assert f"{tmp_path / 'doc.yaml'}:{at(text, needle, column)}: {message}" in found, found
