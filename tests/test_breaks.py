"""Where lines break, read from the PDFs: a person's name in Japanese body text never broken (with an
ideographic space before it or none), a Japanese title broken only between words, never inside a
compound (国際交流協会) or a name split by BudouX (汐｜見), and, in every layout, a text's only row of
paragraphs starting under the titles rather than leaving them alone on the first page."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import LAYOUT_NAMES, ROOT, Composed, seed_text, write_data
from pdftools import line_text, lines_of, page_glyphs, page_texts, reading_order, text_lines

NAMES = ("小池百合子", "ユハナ・ヴァルティアイネン")


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed with its first paragraph naming the Governor after an ideographic space, as offices write
    it (東京都知事　小池百合子): the line ended 小池百合 and the next began 子 in every layout."""
    text = seed_text().replace(
        "東京都知事 小池百合子とヘルシンキ市長", "東京都知事\u3000小池百合子とヘルシンキ市長"
    )
    assert "知事\u3000小池" in text
    return write_data(tmp_path_factory.mktemp("named"), text, "named.yaml")


def column_lines(pdf: Path, columns: int) -> list[list[str]]:
    """Per column, the text of every visual line on every page, in reading order."""
    found: list[list[str]] = [[] for _ in range(columns)]
    for page in text_lines(pdf, columns):
        for column, lines in enumerate(page):
            found[column] += [line_text(line) for line in reading_order(lines)]
    return found


def broken_words(lines: list[str], words: tuple[str, ...]) -> list[str]:
    """Each of `words` that ends one line and goes on at the start of the next."""
    return [
        f"{first!r} / {second!r}"
        for first, second in itertools.pairwise(lines)
        for word in words
        for cut in range(1, len(word))
        if first.endswith(word[:cut]) and second.startswith(word[cut:])
    ]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_a_japanese_name_is_never_broken_across_lines(composed: Composed, named: Path, layout: str) -> None:
    columns = 2 if layout == "parallel" else 1
    for lines in column_lines(composed(named, layout), columns):
        assert broken_words(lines, NAMES) == []
    text = "".join(line for lines in column_lines(composed(named, layout), columns) for line in lines)
    assert "知事小池百合子とヘルシンキ市長" in text  # the paragraph is there, its name whole


@pytest.mark.parametrize(
    ("seed", "words"),
    [
        ("friendship-agreement-three-parties.yaml", ("白鷺市国際交流協会", "レイヴンズムーア市", "協定書")),
        ("translation-pending.yaml", ("汐見市", "汐見学院大学", "協定書")),
        ("mou-proxy-signature.yaml", ("ミルブルック市", "食品分野における", "覚書")),
    ],
)
def test_a_japanese_title_breaks_only_between_words(
    composed: Composed, seed: str, words: tuple[str, ...]
) -> None:
    """In the parallel layout's narrow columns a title takes several lines: each break falls between
    words (after a particle, a conjunction or a comma), never inside one."""
    lines = column_lines(composed(ROOT / "seeds" / seed, "parallel"), 2)[0]
    title_end = next(number for number, line in enumerate(lines) if words[-1] in line) + 1
    title = lines[:title_end]
    assert len(title) >= 2, title  # the title does wrap: the test reads real breaks
    assert broken_words(title, words) == []
    assert all(word in "".join(title) for word in words)


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_one_long_row_of_text_starts_under_the_titles(
    composed: Composed, tmp_path_factory: pytest.TempPathFactory, layout: str
) -> None:
    """A text of one paragraph longer than a page: the first page holds the titles and the text's start,
    never the titles alone (in the parallel layout a row kept whole went to page 2)."""
    import yaml

    data = yaml.safe_load(seed_text())
    body = data["body"]
    data["body"] = [
        {lang: (" " if lang == "en" else "").join(b[lang] for b in body) * 2 for lang in ("ja", "en")}
    ]
    source = write_data(
        tmp_path_factory.mktemp("one-row"), yaml.safe_dump(data, allow_unicode=True), "one-row.yaml"
    )
    columns = 2 if layout == "parallel" else 1
    first_page = text_lines(composed(source, layout), columns)[0]
    text = "".join(line_text(line) for lines in first_page for line in lines)
    assert "東京都知事によるヘルシンキ市訪問" in text  # the text starts under the titles
    if layout != "sequential":  # there the English version starts on a page of its own
        assert "Ontheoccasion" in text.replace(" ", "")


def title_groups(pdf: Path, column: int, explicit: list[str]) -> list[list[float]]:
    """Per line of the data's title (`explicit`), the widths of the printed lines it was set in (the
    parallel layout's `column`), found by its text."""
    lines = reading_order(text_lines(pdf, 2)[0][column])
    groups: list[list[float]] = []
    position = 0
    for wanted in ("".join(text.split()) for text in explicit):
        widths, text = [], ""
        while text != wanted:
            line = lines[position]
            text += line_text(line).replace("\u2010", "")
            widths.append(max(glyph.right for glyph in line) - min(glyph.left for glyph in line))
            position += 1
            assert wanted.startswith(text), (wanted, text)
        groups.append(widths)
    return groups


@pytest.mark.parametrize(
    ("seed", "column"),
    [
        ("friendship-agreement-three-parties.yaml", 1),
        ("mou-proxy-signature.yaml", 1),
        ("friendship-agreement-three-parties.yaml", 0),
    ],
)
def test_a_wrapped_title_line_is_set_in_balanced_lines(composed: Composed, seed: str, column: int) -> None:
    """A title line too long for a parallel column wraps into lines of about one length, never a full
    line and a word left over ('Agreement on Friendship and / Exchange')."""
    import yaml

    source = ROOT / "seeds" / seed
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    lang = data["languages"][column]
    groups = title_groups(composed(source, "parallel"), column, data["title"][lang].split("\n"))
    wrapped = [widths for widths in groups if len(widths) > 1]
    assert wrapped, groups  # the column is narrow enough for the title to wrap
    for widths in wrapped:
        assert min(widths) >= 0.5 * max(widths), groups


def test_a_balanced_title_keeps_long_words_centred_in_their_column(
    composed: Composed, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Balancing never narrows a title below its longest word (which would set it off-centre or past the
    column) nor makes a phrase wrap inside itself: the lines of each title share one centre."""
    text = seed_text().replace(
        "Joint Communique\n    Of the City of Helsinki (Republic of Finland)\n"
        "    And the Tokyo Metropolitan Government (Japan)",
        "Memorandum on Internationalisation of Universities",
    )
    text = text.replace("共同コミュニケ", "日本国南里県国際交流協会及び協定書")
    assert "Internationalisation" in text and "南里県" in text
    source = write_data(tmp_path_factory.mktemp("title"), text, "title.yaml")
    first_page = text_lines(composed(source, "parallel"), 2)[0]
    for column, words in ((0, "協定書"), (1, "Universities")):
        lines = reading_order(first_page[column])
        title = lines[: next(n for n, line in enumerate(lines) if words in line_text(line)) + 1]
        assert len(title) >= 2
        centres = [(min(g.left for g in line) + max(g.right for g in line)) / 2 for line in title]
        assert max(centres) - min(centres) < 1.0, [line_text(line) for line in title]


def test_a_japanese_heading_breaks_only_between_words(composed: Composed) -> None:
    """An article's caption in a parallel column breaks between phrases as a title does, never inside a
    word (行政のデジタル / 化, データの利 / 活用)."""
    lines = column_lines(composed(ROOT / "seeds" / "partnership-treaty-long.yaml", "parallel"), 2)[0]
    captions = ("オープンデータ及び行政のデジタル化", "個人情報の保護及びデータの利活用")
    assert all(any(caption[:6] in line for line in lines) for caption in captions)
    assert broken_words(lines, ("デジタル化", "利活用", "オープンデータ")) == []


@pytest.mark.parametrize(
    ("seed", "before_the_testimonium"),
    [
        ("partnership-treaty-long", "As a rule, the two cities shall prepare"),
        ("mou-proxy-signature", "Any matter not provided for in this Memorandum"),
    ],
)
def test_the_sequential_signature_page_carries_text_before_the_testimonium(
    composed: Composed, seed: str, before_the_testimonium: str
) -> None:
    """The text's last block ("In witness whereof…") keeps with the end of the block before it: the
    English signature page is never the testimonium, the closing and the signatures alone."""
    pages = [
        " ".join(text.split()) for text in page_texts(composed(ROOT / "seeds" / f"{seed}.yaml", "sequential"))
    ]
    signing = next(text for text in reversed(pages) if "In witness whereof" in text)
    assert before_the_testimonium in signing, signing[:200]


@pytest.mark.parametrize("layout", ["interleaved", "parallel"])
def test_a_second_instrument_starts_a_page(composed: Composed, layout: str) -> None:
    """Its title never follows the signatures of the instrument before on the same page (it read as a
    line of the last signature block)."""
    pages = [
        " ".join(text.split())
        for text in page_texts(composed(ROOT / "seeds" / "declaration-and-mou.yaml", layout))
    ]
    holding = [text for text in pages if "温泉を生かした観光振興" in text]
    assert holding, "no page holds the memorandum's title"
    assert holding[0].startswith(("Memorandum of Understanding", "温泉を生かした観光振興")), holding[0][:120]


def test_a_thai_title_never_breaks_inside_a_partys_name(composed: Composed) -> None:
    """Thai has no spaces between words and Pango breaks it by dictionary: the city's name, which it
    does not know, broke as ศรีวาริ｜นทร์ in the narrow title column of the parallel layout."""
    pdf = composed(ROOT / "seeds" / "languages" / "th-en.yaml", "parallel")
    lines = [line_text(line) for line in lines_of(page_glyphs(pdf)[0])]
    title = next(line for line in lines if line.startswith("ระหว่าง"))  # "between …", the title's 2nd line
    assert "เทศบาลนครศรีวารินทร์" in title, title


def test_a_korean_title_breaks_between_the_parties_names_only(composed: Composed) -> None:
    """Hangul may break between any two syllables: the four cities' names, joined by middle dots, broke as
    송하｜시 in the narrow title column; each name is kept whole, and a line breaks after a dot."""
    pdf = composed(ROOT / "seeds" / "languages" / "four-languages.yaml", "parallel")
    lines = [line_text(line) for line in lines_of(page_glyphs(pdf)[0])]
    listed = "".join(line for line in lines if "시" in line and ("·" in line or line == "노곤탈시"))
    assert listed == "나루하마시·닝펑시·송하시·노곤탈시", lines[:30]
    ends = [line[-1] for line in lines if "·" in line]
    assert ends and all(end == "·" for end in ends), ends


def balanced_title_lines(text: str, lang: str, width: int) -> list[tuple[str, float]]:
    """(text, left edge) of each line a centred title line of `text` is set in, in a column `width` px
    wide, rendered with communique's hooks."""
    import weasyprint

    from communique.engine import hooks, renderer, undone
    from communique.fonts import project_fonts
    from communique.project import Project

    faces = project_fonts(Project.discover(ROOT / "seeds" / "tokyo-helsinki-2023.yaml")).face_css((lang,))
    html = (
        f'<html lang="{lang}"><body><div style="width: {width}px"><span class="title-line" '
        f'style="display: block; text-align: center; font-size: 20px">{text}</span></div></body></html>'
    )
    with (
        undone.collecting(),
        hooks.installed([patch for module in renderer.HOOK_MODULES for patch in module.patches()]),
    ):
        document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=faces)])
    found: list[tuple[str, float]] = []

    def walk(box: object) -> None:
        if type(box).__name__ == "LineBox":
            texts = [child.text for child in box.descendants() if hasattr(child, "text")]
            found.append(("".join(texts), round(box.children[0].position_x, 2)))
            return
        for child in getattr(box, "children", ()):
            walk(child)

    walk(document.pages[0]._page_box)
    return found


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ja", "「日本国とフィンランド共和国との間の友好協力関係の強化に関する共同声明」"),
        ("ja", "「東京都」と「ヘルシンキ市」との間の姉妹都市提携に関する協定書"),
        ("zh", "「东京都与赫尔辛基市之间关于友好合作关系的协定」"),
        ("en", "Agreement on Friendship and Cultural Exchange between the Cities of Tokyo and Helsinki"),
    ],
)
def test_balancing_skips_only_the_trials_whose_lines_it_knows(
    lang: str, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Title balancing skips a trial width where its best lines so far fit with room to spare; those are
    the lines laying the title out at that width gives, also where the line adjustment trims an opening
    bracket or the gap after closing punctuation from a line after it was broken: at every width, the
    lines (and where they stand) are those of laying out every trial."""
    from communique.engine import titles

    for width in range(180, 700, 13):
        skipping = balanced_title_lines(text, lang, width)
        monkeypatch.setattr(titles, "SKIP_KNOWN_FITS", False)
        every_trial = balanced_title_lines(text, lang, width)
        monkeypatch.setattr(titles, "SKIP_KNOWN_FITS", True)
        assert skipping == every_trial, width
