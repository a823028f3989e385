"""Japanese composition (JLReq) and English typography, measured from the PDF on the seed and on
synthetic stress text (tests/data/typography-stress.yaml)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from conftest import FONTS, ROOT, SEED
from pdftools import page_texts
from typography import (
    BODY_SIZE,
    advance,
    body_lines,
    kinsoku_violations,
    version_lines,
)

from communique.dates import closing_line, japanese_era, written_date
from communique.jlreq import runs
from communique.loader import load
from communique.model import BuildResult
from communique.typeset import rich_text, typeset

STRESS = ROOT / "tests" / "data" / "typography-stress.yaml"


@pytest.fixture(scope="module")
def stress_pdf(build_seed: Callable[..., BuildResult]) -> Path:
    return build_seed(STRESS).output


# -- kinsoku ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["seed", "stress"])
def test_no_line_starts_or_ends_with_a_forbidden_character(
    seed_pdf: Path, stress_pdf: Path, which: str
) -> None:
    lines = body_lines(seed_pdf if which == "seed" else stress_pdf, "ja")
    assert len(lines) > (10 if which == "seed" else 60)
    assert kinsoku_violations(lines) == []


def test_the_kinsoku_check_sees_violations() -> None:
    # Guard against a check that cannot fail: a hand-made layout with a small kana starting a line.
    from pdftools import Glyph
    from typography import Line

    first = Line("ja", 0, (Glyph("東", 80, 700, 14, 80, 90.5), Glyph("キ", 90.5, 700, 14, 90.5, 101)))
    second = Line("ja", 0, (Glyph("ャ", 70, 680, 14, 70, 80.5), Glyph("「", 80.5, 680, 14, 80.5, 91)))
    assert len(kinsoku_violations([first, second])) == 2


# -- Japanese-Latin spacing ---------------------------------------------------------------------


def test_no_gap_after_punctuation(seed_pdf: Path) -> None:
    (line,) = [line for line in body_lines(seed_pdf, "ja") if "捉え、2023" in line.text]
    index = line.text.index("、2023")
    assert advance(line, index) == pytest.approx(1.0, abs=0.01)  # 、 keeps its width, no gap added


def test_copied_text_is_exactly_the_source(seed_pdf: Path) -> None:
    version = typeset(load(SEED)).versions[0]
    for extracted in (page_texts(seed_pdf)[0], pypdf.PdfReader(seed_pdf).pages[0].extract_text()):
        joined = re.sub(r"\r?\n", "", extracted)
        for paragraph in version.paragraphs:
            assert paragraph.text in joined  # no space inserted at the Japanese-Latin gaps
        assert "2023年8月21日" in joined


# -- punctuation compression --------------------------------------------------------------------


def test_consecutive_punctuation_is_half_width(stress_pdf: Path) -> None:
    (line,) = [line for line in body_lines(stress_pdf, "ja") if line.text.startswith("「会議」、")]
    text = line.text
    for pair in ("」、", "、「", "」。", "。（", "）「", "」「", "。」"):
        index = text.index(pair)
        assert advance(line, index) == pytest.approx(0.5, abs=0.02), pair
    # A closing bracket followed by a letter keeps its full width.
    assert advance(line, text.index("」と")) == pytest.approx(1.0, abs=0.02)


def test_opening_bracket_at_paragraph_start_has_no_extra_gap(stress_pdf: Path) -> None:
    lines = body_lines(stress_pdf, "ja")
    plain_start = next(line for line in lines if line.text.startswith("第3回"))
    bracket_start = next(line for line in lines if line.text.startswith("「会議」"))
    indent = plain_start.glyphs[0].x
    # An opening bracket's ink is in the right half of its em box. Set half-width (halt), the glyph is
    # drawn half an em to the left, so its ink starts at the indent, and it takes only half an em.
    assert bracket_start.glyphs[0].x + BODY_SIZE / 2 == pytest.approx(indent, abs=0.2)
    assert bracket_start.glyphs[1].x == pytest.approx(indent + BODY_SIZE / 2, abs=0.1)


# -- even right edge -----------------------------------------------------------------------------


# -- headings ----------------------------------------------------------------------------------


def test_titles_break_only_between_phrases(stress_pdf: Path) -> None:
    lines = [line.text for line in version_lines(stress_pdf) if line.lang == "ja" and line.page == 0]
    title_lines = lines[: next(number for number, line in enumerate(lines) if "コミュニケ" in line) + 1]
    assert len(title_lines) >= 2  # the long title wraps
    for word in ("ヘルシンキ", "ストックホルム", "コミュニケ", "フィンランド", "スウェーデン"):
        assert any(word in line for line in title_lines), f"{word} was split across lines"
    phrases = rich_text(
        "東京都（日本国）とヘルシンキ市（フィンランド共和国）及びストックホルム市（スウェーデン王国）との間の共同コミュニケ",
        "ja",
        phrased=True,
    ).phrases
    boundaries = {
        sum(len(run.text) for phrase in phrases[:index] for run in phrase) for index in range(len(phrases))
    }
    offset = 0
    for line in title_lines[:-1]:
        offset += len(line)
        assert offset in boundaries, f"break after {line[-4:]} is inside a phrase"


def test_explicit_title_break_stays_where_the_data_puts_it(seed_pdf: Path) -> None:
    lines = [line.text for line in version_lines(seed_pdf) if line.lang == "ja"]
    assert lines[0] == "東京都（日本国）とヘルシンキ市（フィンランド共和国）との"
    assert lines[1] == "共同コミュニケ"


# -- runs -----------------------------------------------------------------------------------------


def test_runs_keep_every_character() -> None:
    text = "「開会」の辞に続き、ISO 9001に基づく2024年度のAI戦略とキャッシュ・フロー。」"
    assert "".join(run.text for run in runs(text)) == text
    styles = {run.text: run.style for run in runs(text)}
    # A Latin run of several words carries its gaps on its first and last word.
    assert styles["ISO"] == "" and styles[" "] == "" and styles["9001"] == "jl-gap-end"
    assert styles["2024"] == "jl-gap-start jl-gap-end"
    assert styles["AI"] == "jl-gap-start jl-gap-end"
    assert styles["「"] == "jl-halt" and styles["。"] == "jl-halt"
    assert (
        styles["キャッ"] == "jl-nobreak"
        and styles["シュ・"] == "jl-nobreak"
        and styles["ロー"] == "jl-nobreak"
    )


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (datetime.date(2023, 8, 21), "令和5年8月21日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
        (datetime.date(1926, 12, 25), "昭和元年12月25日"),
        (datetime.date(1926, 12, 24), "大正15年12月24日"),
    ],
)
def test_japanese_era_boundaries(date: datetime.date, expected: str) -> None:
    assert japanese_era(date) == expected


def test_era_before_the_table_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the Japanese era table"):
        japanese_era(datetime.date(1872, 12, 31))


def test_dates_in_each_language() -> None:
    date = datetime.date(2023, 8, 21)
    assert written_date(date, "ja") == "2023年8月21日"
    assert written_date(date, "en") == "August 21, 2023"
    assert written_date(date, "fi") == "21. elokuuta 2023"
    assert closing_line(date, "Helsinki", "en") == "Signed in Helsinki on August 21, 2023"
    assert closing_line(date, "Helsinki", "fi") == "Helsinki, 21. elokuuta 2023"


def test_seed_closing_lines_are_computed_from_the_date(seed_pdf: Path) -> None:
    versions = typeset(load(SEED)).versions
    assert [version.closing.text for version in versions] == [
        "2023年8月21日",
        "Signed in Helsinki on August 21, 2023",
    ]
    assert "closing:" not in SEED.read_text(encoding="utf-8").split("#")[0]


def test_era_form_in_the_stress_document() -> None:
    assert typeset(load(STRESS)).versions[0].closing.text == "令和元年5月1日"


# -- English -------------------------------------------------------------------------------------


def test_quotes_are_set_as_written() -> None:
    for text in ('"investment in the future" and Tokyo\'s', "“investment” and Tokyo’s", "« avenir »"):
        assert rich_text(text, "en").text == text


def test_english_pdf_has_the_seeds_typographic_quotes_and_hyphenation(seed_pdf: Path) -> None:
    english = "".join(page_texts(seed_pdf)[1:])
    assert "“investment in the future”" in english and "Tokyo’s" in english
    assert '"' not in english and "'" not in english
    ends = [line.text for line in version_lines(seed_pdf) if line.lang == "en"]
    assert any(text.endswith(("-", "\u2010")) for text in ends), "no word was hyphenated"


def test_english_word_spaces_stay_moderate(seed_pdf: Path, stress_pdf: Path) -> None:
    """Justified English (sequential layout): the seed's spaces stay under 3/4 em; the stress text's
    words of 15 to 20 letters stretch a line to 0.85 em where two hyphenated lines came before it (no third
    in a row: hyphenation.py)."""
    for pdf, limit in ((seed_pdf, 0.75), (stress_pdf, 0.9)):
        widest = max(
            (right.left - left.right) / BODY_SIZE
            for line in version_lines(pdf)
            if line.lang == "en"
            for left, right in zip(line.glyphs, line.glyphs[1:], strict=False)
        )
        assert widest <= limit, f"widest word space {widest:.2f} em"


def test_every_generated_character_is_in_the_fonts() -> None:
    from communique.fonts import faces

    japanese = next(face for face in faces(FONTS) if face.family == "Communique Serif JP")
    latin = next(face for face in faces(FONTS) if face.family == "Communique Serif")
    assert all(japanese.covers(char) for char in "令和平成昭和大正明治元年月日0123456789")
    assert all(latin.covers(char) for char in "“”‘’„‚")


@pytest.mark.parametrize(
    ("data", "tag", "first_line"), [("en", "en-US", "orga"), ("en-GB", "en-GB", "organ")]
)
def test_english_hyphenation_follows_the_region(tmp_path: Path, data: str, tag: str, first_line: str) -> None:
    """`en` alone is set as US English (or-ga-ni-za-tion; WeasyPrint would take Pyphen's en_GB), `en-GB`
    as British English (or-gan-iz-a-tion)."""
    from weasyprint import CSS, HTML

    text = SEED.read_text(encoding="utf-8").replace("  en:", f"  {data}:").replace(", en]", f", {data}]")
    assert typeset(load(text)).versions[1].tag == tag
    face = CSS(
        string=f"@font-face {{ font-family: L; src: url({(FONTS / 'NotoSerif-Regular.ttf').as_uri()}); }}"
    )
    html = f'<p lang="{tag}" style="font-family: L; width: 3.4em; hyphens: auto">organization</p>'
    pdf = tmp_path / "word.pdf"
    HTML(string=html).write_pdf(pdf, stylesheets=[face])
    assert page_texts(pdf)[0].split()[0] == first_line + "\u2010"
