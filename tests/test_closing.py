"""Closing lines under control and an optional place (issue 10, points 1 and 2): given word for word,
made from the date (and place), or absent; at the end or under the title, in every layout."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from conftest import LAYOUT_NAMES, ROOT, write_data
from pdftools import Glyph, compact, find_glyphs, page_glyphs, page_texts, running_text, unwrapped

from communique.dates import closing_line
from communique.errors import ErrorList
from communique.loader import load
from communique.model import BuildResult
from communique.pdf.verify import verify
from communique.typeset import typeset

COVENANT = ROOT / "seeds" / "covenant-no-place.yaml"
STATEMENT = ROOT / "seeds" / "joint-statement-dateline.yaml"
MIDDLE = 297.6  # the parallel layout's column boundary on A4
FOOTER_TOP = 25 * 72 / 25.4

NO_PLACE = """\
id: no-place
date: 2023-08-21
languages: [ja, en, fi]
title: {ja: 覚書, en: Memorandum, fi: Muistio}
parties:
  - key: a
    name: {ja: 甲市, en: City A, fi: Kaupunki A}
    country: {ja: 日本国, en: Japan, fi: Japani}
    signatories:
      - title: {ja: 甲市長, en: Mayor of City A, fi: Kaupungin A pormestari}
        name: {ja: 山田太郎, en: Taro Yamada, fi: Taro Yamada}
body:
  - ja: 両市は協力する。
    en: The two cities shall cooperate.
    fi: Kaupungit tekevät yhteistyötä.
"""
WITH_PLACE = NO_PLACE.replace("title:", "place: {ja: 東京, en: Tokyo, fi: Tokio}\ntitle:", 1)


def closings(text: str) -> list[str | None]:
    return [
        version.closing.text if version.closing else None
        for version in typeset(load(text, Path.cwd())).versions
    ]


def problems(text: str) -> list[str]:
    with pytest.raises(ErrorList) as caught:
        load(text, Path.cwd())
    return [str(problem) for problem in caught.value.problems]


# -- the generated forms -------------------------------------------------------------------------------


def test_generated_forms() -> None:
    date = datetime.date(2015, 10, 14)
    assert closing_line(date, "東京", "ja", era=True) == "平成27年10月14日\u3000東京にて"
    assert closing_line(date, None, "ja", era=True) == "平成27年10月14日"
    assert closing_line(date, "東京", "ja", dateline=True) == "2015年10月14日，東京"
    assert closing_line(date, "Tokyo", "en") == "Signed in Tokyo on October 14, 2015"
    assert closing_line(date, None, "en") == "Signed on October 14, 2015"
    assert closing_line(date, "Tokyo", "en-GB", dateline=True) == "Tokyo, 14 October 2015"
    assert closing_line(date, None, "en", dateline=True) == "October 14, 2015"
    assert closing_line(date, "Helsinki", "fi") == "Helsinki, 14. lokakuuta 2015"
    assert closing_line(date, None, "fi") == "14. lokakuuta 2015"


def test_place_and_date_as_each_language_writes_them() -> None:
    date = datetime.date(2024, 5, 18)
    assert closing_line(date, "Roncelles", "fr") == "Fait à Roncelles, le 18 mai 2024"
    assert closing_line(date, "Roncelles", "fr", dateline=True) == "Roncelles, le 18 mai 2024"
    assert closing_line(date, "Berlin", "de") == "Berlin, den 18. Mai 2024"
    assert closing_line(date, "مسقط", "ar") == "مسقط، 18 مايو 2024"
    assert closing_line(date, "ศรีวารินทร์", "th") == "ศรีวารินทร์ 18 พฤษภาคม ค.ศ. 2024"
    assert closing_line(date, "ศรีวารินทร์", "th", era=True) == "ศรีวารินทร์ 18 พฤษภาคม พ.ศ. 2567"


# -- place optional ----------------------------------------------------------------------------------


def test_without_a_place_the_closing_lines_carry_the_date_alone() -> None:
    assert closings(NO_PLACE) == ["2023年8月21日", "Signed on August 21, 2023", "21. elokuuta 2023"]


def test_no_placeholder_reaches_the_pdf(tmp_path: Path, build_seed: Callable[..., BuildResult]) -> None:
    pdf = build_seed(write_data(tmp_path, NO_PLACE)).output
    text = running_text(pdf)
    assert "Signed on August 21, 2023" in text and "21. elokuuta 2023" in text
    reader = pypdf.PdfReader(pdf)
    metadata = " ".join(str(value) for value in (reader.metadata or {}).values())
    xmp = reader.trailer["/Root"]["/Metadata"].get_data().decode("utf-8")
    for placeholder in ("None", "null", "Signed in", " in ,"):
        assert placeholder not in text and placeholder not in metadata and placeholder not in xmp


# -- given, generated or absent ------------------------------------------------------------------------


def test_closing_forms_per_language() -> None:
    assert closings(WITH_PLACE) == [
        "2023年8月21日",
        "Signed in Tokyo on August 21, 2023",
        "Tokio, 21. elokuuta 2023",
    ]
    era = WITH_PLACE.replace("date: 2023-08-21", "date: 2015-10-14\njapanese_era: true")
    chosen = era + "closing_form: {ja: date-place, en: none, fi: date}\n"
    assert closings(chosen) == ["平成27年10月14日\u3000東京にて", None, "14. lokakuuta 2015"]
    given = era + "closing:\n  en: |-\n    Done at Tokyo\n    this 14th day of October, 2015.\n"
    assert closings(given)[1] == "Done at Tokyo\nthis 14th day of October, 2015."  # its line break kept
    assert closings(era + "closing: none\n") == [None, None, None]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_no_closing_line_at_all(tmp_path: Path, build_seed: Callable[..., BuildResult], layout: str) -> None:
    pdf = build_seed(write_data(tmp_path, NO_PLACE + "closing: none\n"), layout=layout).output
    text = compact(running_text(pdf))
    assert "2023年8月21日" not in text and "August" not in text and "elokuuta" not in text
    # the signatures follow the text directly
    for paragraph, signer in (("両市は協力する。", "甲市長"), ("cooperate.", "TaroYamada")):
        assert text.index(paragraph) < text.index(signer)


# -- under the title -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def statement_pdfs(build_seed: Callable[..., BuildResult]) -> dict[str, Path]:
    return {layout: build_seed(STATEMENT, layout=layout, strict=True).output for layout in LAYOUT_NAMES}


def column_of(glyphs: list[Glyph], glyph: Glyph, layout: str) -> list[Glyph]:
    """The glyphs of the column (parallel) or page that `glyph` belongs to, without the footer."""
    side = (lambda x: x < MIDDLE) if glyph.x < MIDDLE else (lambda x: x >= MIDDLE)
    return [g for g in glyphs if g.y > FOOTER_TOP and (layout != "parallel" or side(g.x))]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize(
    ("title", "dateline", "first_words"),
    [
        ("共同声明", "2024年11月12日，青浜", "青浜市長 志村恵子と"),
        ("on Coastal Resilience", "Aohama, 12 November 2024", "On 12 November 2024, Mayor"),
    ],
)
def test_the_date_line_is_under_the_title(
    statement_pdfs: dict[str, Path], layout: str, title: str, dateline: str, first_words: str
) -> None:
    pdf = statement_pdfs[layout]
    assert compact(unwrapped(running_text(pdf))).count(compact(dateline)) == 1  # not at the end as well
    page = next(glyphs for glyphs in page_glyphs(pdf) if find_glyphs(glyphs, dateline))
    line, heading, start = (find_glyphs(page, needle) for needle in (dateline, title, first_words))
    assert heading and start, "the title and the text start on the date line's page"
    assert heading[-1].y > line[0].y > start[0].y  # below the title, above the text
    column = column_of(page, line[0], layout)
    assert abs(line[-1].right - max(g.right for g in column)) < 2  # flush right
    assert len({g.y for g in line}) == 1  # on one line


def test_the_statement_has_no_closing_line_above_the_signatures(statement_pdfs: dict[str, Path]) -> None:
    pages = [compact(text) for text in page_texts(statement_pdfs["sequential"])]
    english = next(text for text in pages if "Joint" in text)
    ending = english[english.index("jointlyin2026.") :]
    assert ending.startswith("jointlyin2026.RosieTeAwa")  # straight from the text to the signatures


# -- the covenant seed -----------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_the_covenant_closes_as_its_original(build_seed: Callable[..., BuildResult], layout: str) -> None:
    pdf = build_seed(COVENANT, layout=layout, strict=True).output
    text = unwrapped("\n".join(page_texts(pdf)))
    assert "平成18年10月28日" in text and "Signed this 28th day of October, Two Thousand and Six." in text
    assert "Signed in" not in text and "Signed on" not in text  # no place, no generated English line
    assert "内\u3000海\u3000清" in text
    assert "Mayor\r\nCity of Cedar Harbor\r\nWashington, U.S.A." in "\n".join(page_texts(pdf))
    flat = compact(text)
    for last_words, closing, signer in (
        ("本書各2通に署名する。", "平成18年10月28日", "星見市長"),
        ("JapaneseandEnglishlanguages.", "Signedthis28thdayofOctober,TwoThousandandSix.", "MargaretHale"),
    ):  # at the end: after the text, before the signatures
        assert flat.index(last_words) < flat.index(closing) < flat.index(signer, flat.index(closing))


# -- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("addition", "message", "hint"),
    [
        ("closing_form: {en: date-place}\n", "'date-place' for 'en' needs a place", "add `place:`"),
        ("closing: {en: Signed.}\nclosing_form: {en: date}\n", "for 'en' has no effect", "remove one"),
        ("closing: none\nclosing_form: {en: date}\n", "closing_form has no effect", "remove one"),
        ("closing: {en: none}\n", "line would be printed as 'none'", "closing_form: {en: none}"),
        ("closing: nothing\n", "closing lines per language, or `none`", "closing: none"),
        ("closing: ~\n", "closing lines per language, or `none`", "closing: none"),
        ("closing_form: {sv: date}\n", "'sv' in the closing_form is not one of the document's", ""),
        ("closing_form: {en: place}\n", "cannot be 'place'", "date, date-place, none"),
        ("closing_position: bottom\n", "the closing_position cannot be 'bottom'", "end, top"),
    ],
)
def test_closing_problems_are_located(addition: str, message: str, hint: str) -> None:
    text = NO_PLACE + addition
    (problem,) = problems(text)
    key = addition.splitlines()[-1].split(":")[0]
    line = text.splitlines().index(next(line for line in text.splitlines() if line.startswith(key))) + 1
    assert f"<data>:{line}:" in problem and message in problem and hint in problem, problem


def test_chinese_has_no_built_in_date_and_place_form() -> None:
    text = WITH_PLACE.replace("fi:", "zh:").replace("[ja, en, fi]", "[ja, en, zh]")
    text += "closing_form: {zh: date-place}\n"
    (problem,) = problems(text)
    assert "no built-in 'date-place' closing line for 'zh'" in problem and "word for word" in problem


def test_era_dates_are_checked_only_where_a_japanese_line_is_made() -> None:
    old = NO_PLACE.replace("date: 2023-08-21", "date: 1872-06-01\njapanese_era: true")
    (problem,) = problems(old)
    assert "<data>:2:7: 1872-06-01 is before the Japanese era table" in problem
    assert closings(old + "closing_form: {ja: none}\n")[0] is None
    assert closings(old + "closing: {ja: 明治五年六月一日}\n")[0] == "明治五年六月一日"


@pytest.mark.parametrize("seed", [COVENANT, STATEMENT], ids=["covenant", "statement"])
def test_the_new_seeds_make_valid_archival_copies(build_seed: Callable[..., BuildResult], seed: Path) -> None:
    report = verify(build_seed(seed, archival=True, strict=True).output)
    assert report.declared == "3A" and report.passed, report


def test_a_narrow_column_breaks_a_closing_line_between_its_date_and_its_place(
    build_seed: Callable[..., BuildResult],
) -> None:
    """Four columns of ~36 mm (four-languages, parallel) break the Japanese signing line
    2025年4月22日　松河にて: between the date and the place, never inside the place's name (松｜河にて)."""
    pdf = build_seed(ROOT / "seeds" / "languages" / "four-languages.yaml", layout="parallel").output
    first_column = [
        "".join(glyph.char for glyph in line if glyph.x < 185)  # the Japanese column
        for page in page_glyphs(pdf)
        for line in _lines(page)
    ]
    assert "2025年4月22日" in first_column and "松河にて" in first_column
    assert not any(line.endswith("松") for line in first_column)


def _lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    rows: dict[float, list[Glyph]] = {}
    for glyph in glyphs:
        rows.setdefault(round(glyph.y, 1), []).append(glyph)
    return [sorted(row, key=lambda glyph: glyph.x) for _, row in sorted(rows.items(), reverse=True)]
