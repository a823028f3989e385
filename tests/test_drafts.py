"""Draft copies (`--draft`): a DRAFT stamp under the text, the label at every page's foot, lines numbered
per page and per version in the margin; none of it in the text layer or the structure tree."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from conftest import LAYOUT_NAMES, ROOT, SEED, Composed, run_cli
from pdftools import page_glyphs, page_images, page_sizes, page_texts
from PIL import Image
from structure_text import tagged_text

from communique.engine import renderer
from communique.errors import RenderError
from communique.model import BuildResult
from communique.scaffold import create_project

Box = tuple[int, int, int, int]
LABEL = "Draft 3 — 2025-05-02"
EPOCH = 1_746_144_000  # 2025-05-02
DPI = 100
NUMBERS_DPI = 200
NUMBER_SIZE_PT = 7.0
MARK = 170
"""Darker than this (0-255) and white in the plain copy: a line number or the footer label."""


@pytest.fixture(scope="module")
def drafts(build_seed: Callable[..., BuildResult]) -> dict[str, Path]:
    """The seed as a draft copy in each layout."""
    return {
        layout: build_seed(SEED, EPOCH, layout=layout, draft=LABEL, strict=True).output
        for layout in LAYOUT_NAMES
    }


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_draft_marks_are_not_text_nor_structure(
    drafts: dict[str, Path], composed: Composed, layout: str
) -> None:
    draft, plain = drafts[layout], composed(SEED, layout)
    assert page_texts(draft) == page_texts(plain)
    assert "DRAFT" not in "".join(page_texts(draft))
    drafted, original = tagged_text(draft), tagged_text(plain)
    assert drafted.runs == original.runs
    assert drafted.untagged == ""
    metadata = pypdf.PdfReader(draft).metadata
    assert metadata is not None
    assert metadata.title is not None and metadata.title.startswith(f"DRAFT ({LABEL}, 2025-05-02): ")
    assert metadata["/CommuniqueDraft"] == LABEL


def _differences(draft: Path, plain: Path) -> list[tuple[Image.Image, Image.Image]]:
    return list(zip(page_images(draft, DPI), page_images(plain, DPI), strict=True))


def test_the_stamp_lies_under_the_text_across_every_page(drafts: dict[str, Path], composed: Composed) -> None:
    for layout in LAYOUT_NAMES:
        for drafted, plain in _differences(drafts[layout], composed(SEED, layout)):
            grey, dark = drafted.convert("L"), plain.convert("L")
            width, height = grey.size
            stamp = [
                (index % width, index // width)
                for index, (new, old) in enumerate(zip(grey.tobytes(), dark.tobytes(), strict=True))
                if old == 255 and 200 <= new <= 235
            ]
            assert len(stamp) > width * height * 0.04, (layout, len(stamp))
            middle_x = sum(x for x, _ in stamp) / len(stamp)
            middle_y = sum(y for _, y in stamp) / len(stamp)
            assert abs(middle_x - width / 2) < width * 0.05 and abs(middle_y - height / 2) < height * 0.05
            # across the page's rising diagonal: more of it lower left and upper right than the other corners
            rising = sum(1 for x, y in stamp if (x < width / 2) == (y > height / 2))
            assert rising > len(stamp) * 0.7
            # the text stays black over it: nothing the plain copy draws dark is lighter in the draft
            assert all(
                new <= old + 8 for new, old in zip(grey.tobytes(), dark.tobytes(), strict=True) if old < 128
            )


def _marks(drafted: Image.Image, plain: Image.Image, left: float, right: float) -> list[Box]:
    """Dark marks the draft adds (numbers, the footer label) between `left` and `right` (fractions of the
    page's width), as ink boxes (left, top, right, bottom): one per run of rows holding such ink."""
    grey, dark = drafted.convert("L").tobytes(), plain.convert("L").tobytes()
    width, height = drafted.size
    columns = range(int(width * left), int(width * right))

    def added(x: int, y: int) -> bool:
        return grey[y * width + x] < MARK and dark[y * width + x] > 200

    rows = [y for y in range(height) if any(added(x, y) for x in columns)]
    boxes: list[Box] = []
    start = None
    for index, y in enumerate(rows):
        start = y if start is None else start
        if index + 1 == len(rows) or rows[index + 1] > y + 2:
            xs = [x for x in columns for row in range(start, y + 1) if added(x, row)]
            boxes.append((min(xs), start, max(xs), y))
            start = None
    return boxes


def _ink(image: Image.Image, box: Box) -> int:
    left, top, right, bottom = box
    crop = image.convert("L").crop((left, top, right + 1, bottom + 1))
    return sum(1 for value in crop.tobytes() if value < MARK)


def test_lines_are_numbered_per_page_and_per_version(drafts: dict[str, Path], composed: Composed) -> None:
    pages = list(
        zip(
            page_images(drafts["sequential"], NUMBERS_DPI),
            page_images(composed(SEED, "sequential"), NUMBERS_DPI),
            strict=True,
        )
    )
    # sequential: the Japanese version on page 1, the English on page 2, numbered in the left margin
    body = [[box for box in _marks(*pair, 0.0, 0.14) if box[3] < pair[0].size[1] * 0.93] for pair in pages]
    assert len(body[0]) >= 15 and len(body[1]) >= 15, body
    one = _ink(pages[0][0], body[0][0])
    assert abs(_ink(pages[1][0], body[1][0]) - one) <= one * 0.25, "page 2 starts again at 1"
    width = [box[2] - box[0] for box in body[0]]
    assert all(width[9] > single * 1.6 for single in width[:9]), width  # 1…9, then 10
    assert all(abs(box[2] - body[0][0][2]) <= 3 for box in body[0]), "numbers end flush at the margin"
    # numbered lines are the lines of text: one mark a line, on its baseline's level
    for marks in body:
        assert all(later[1] - earlier[3] > 4 for earlier, later in itertools.pairwise(marks))
    # each page has the footer label at its foot, left
    for drafted, plain in pages:
        foot = [box for box in _marks(drafted, plain, 0.0, 0.45) if box[1] > drafted.size[1] * 0.93]
        assert len(foot) == 1 and foot[0][2] - foot[0][0] > 150, foot


@pytest.mark.parametrize("layout", ["parallel", "interleaved"])
def test_two_versions_on_a_page_number_their_lines_on_either_side(
    drafts: dict[str, Path], composed: Composed, layout: str
) -> None:
    drafted, plain = (page_images(pdf, NUMBERS_DPI)[0] for pdf in (drafts[layout], composed(SEED, layout)))
    height = drafted.size[1]
    left = [box for box in _marks(drafted, plain, 0.0, 0.14) if box[3] < height * 0.93]
    right = [box for box in _marks(drafted, plain, 0.86, 1.0) if box[3] < height * 0.93]
    assert len(left) >= 8 and len(right) >= 8, (len(left), len(right))
    inside = [box for box in _marks(drafted, plain, 0.16, 0.84) if box[3] < height * 0.93]
    assert not inside, "numbers stand in the margins only"
    one = _ink(drafted, left[0])
    assert abs(_ink(drafted, right[0]) - one) <= one * 0.25, "both versions start at 1"


def test_a_draft_is_reproducible(build_seed: Callable[..., BuildResult], drafts: dict[str, Path]) -> None:
    again = build_seed(SEED, EPOCH, layout="sequential", draft=LABEL, strict=True).output
    assert again.read_bytes() == drafts["sequential"].read_bytes()


def test_a_draft_cannot_be_archival_nor_hold_signature_fields(tmp_path: Path) -> None:
    for flags, message in (
        (["--archival"], "cannot have an archival copy"),
        (["--signature-fields"], "cannot have signature fields"),
    ):
        done = run_cli("build", str(SEED), "--out", str(tmp_path), "--draft", *flags)
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("مسودة", "cannot draw: 'ة' (U+0629)"),
        ("x" * 81, "81 characters long"),
        ("data/x.yaml", "looks like a data file"),
    ],
)
def test_a_draft_label_that_cannot_be_drawn_is_refused(tmp_path: Path, label: str, message: str) -> None:
    done = run_cli("build", str(SEED), "--out", str(tmp_path), f"--draft={label}")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())


def test_a_japanese_label_is_drawn(build_seed: Callable[..., BuildResult], composed: Composed) -> None:
    result = build_seed(SEED, layout="sequential", draft="第3次案", strict=True)
    drafted, plain = _differences(result.output, composed(SEED, "sequential"))[0]
    foot = [box for box in _marks(drafted, plain, 0.0, 0.45) if box[1] > drafted.size[1] * 0.93]
    assert len(foot) == 1 and foot[0][2] - foot[0][0] > 40, foot


def _broken(*_args: Any, **_kwargs: Any) -> Any:
    raise AttributeError("'LineBox' object has no attribute 'renamed_in_a_later_release'")


def test_lines_that_cannot_be_read_leave_the_draft_unnumbered_and_say_so(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(renderer, "text_lines", _broken)
    result = build_seed(SEED, draft=LABEL)
    assert any(warning.startswith("line numbers: ") for warning in result.warnings), result.warnings
    with pytest.raises(RenderError, match="line numbers: "):
        build_seed(SEED, draft=LABEL, strict=True)


def test_a_draft_built_in_a_batch_and_from_the_project_config(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (data / name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "communique.toml").write_text('[build]\ndraft = "Draft 2"\n', encoding="utf-8")
    done = run_cli("build", str(data), "--out", str(tmp_path / "out"), "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("a.pdf", "b.pdf"):
        metadata = pypdf.PdfReader(tmp_path / "out" / name).metadata
        assert metadata is not None and metadata["/CommuniqueDraft"] == "Draft 2"


def test_pdftotext_never_copies_a_line_number(drafts: dict[str, Path]) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(drafts["parallel"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    first = text.splitlines()[0].strip()
    assert not first[:1].isdigit(), first
    assert "DRAFT" not in text and LABEL not in text


def test_a_project_draft_default_is_turned_off_by_no_draft(tmp_path: Path) -> None:
    (tmp_path / "communique.toml").write_text('[build]\ndraft = "Draft 4"\n', encoding="utf-8")
    data = tmp_path / "x.yaml"
    data.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    final = run_cli("build", str(data), "--no-draft", "--archival", "--out", str(tmp_path / "out"))
    assert final.returncode == 0, final.stderr
    metadata = pypdf.PdfReader(tmp_path / "out" / "x.pdf").metadata
    assert metadata is not None and "/CommuniqueDraft" not in metadata
    refused = run_cli("build", str(data), "--archival", "--out", str(tmp_path / "again"))
    assert refused.returncode == 2 and "cannot have an archival copy" in refused.stderr


def test_python_turns_a_project_draft_default_off_with_an_empty_label(tmp_path: Path) -> None:
    """`draft=""` is Python's --no-draft (it was refused as an empty label, leaving no way to build the
    final copy of a project whose communique.toml drafts)."""
    import communique

    (tmp_path / "communique.toml").write_text('[build]\ndraft = "Draft 4"\n', encoding="utf-8")
    data = tmp_path / "x.yaml"
    data.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    final = communique.build(data, tmp_path / "out", draft="").output
    metadata = pypdf.PdfReader(final).metadata
    assert metadata is not None and "/CommuniqueDraft" not in metadata
    drafted = communique.build(data, tmp_path / "draft").output
    assert pypdf.PdfReader(drafted).metadata["/CommuniqueDraft"] == "Draft 4"  # type: ignore[index]


def test_invisible_characters_in_a_label_are_refused(tmp_path: Path) -> None:
    for label in ("Draft\u200b3", "\u202eDraft"):
        done = run_cli("build", str(SEED), "--out", str(tmp_path), f"--draft={label}")
        assert done.returncode == 2 and "invisible or control characters" in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())


def test_an_empty_label_or_a_folder_given_as_one_is_refused(tmp_path: Path) -> None:
    """`--draft "$LABEL"` with LABEL unset built a copy that looked final; `--draft seeds/` took the
    folder for the label and then said only that a PATH was missing."""
    for arguments in (["--draft="], ["--draft", " "], ["--draft", "seeds/", str(SEED)]):
        done = run_cli(
            "build", *arguments, *([] if len(arguments) == 3 else [str(SEED)]), "--out", str(tmp_path)
        )
        assert done.returncode == 2, done.stderr
        assert "the draft label is empty" in done.stderr or "looks like a folder" in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())


def test_a_project_label_is_checked_as_a_command_line_label_is(tmp_path: Path) -> None:
    """An Arabic label in communique.toml once built with its letters left off the page, even under
    --strict: it is refused as `--draft` refuses it, located at the config's line."""
    (tmp_path / "communique.toml").write_text('[build]\ndraft = "مسودة 3"\n', encoding="utf-8")
    data = tmp_path / "x.yaml"
    data.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    done = run_cli("build", str(data), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "communique.toml:2:" in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_a_long_label_ends_before_the_page_number(
    build_seed: Callable[..., BuildResult], composed: Composed
) -> None:
    label = "第三次草案" * 16  # 80 characters, far wider than the room beside the page number
    result = build_seed(SEED, layout="sequential", draft=label, strict=True)
    drafted, plain = (
        page_images(pdf, NUMBERS_DPI)[0] for pdf in (result.output, composed(SEED, "sequential"))
    )
    width, height = drafted.size
    foot = [box for box in _marks(drafted, plain, 0.0, 1.0) if box[1] > height * 0.93]
    assert foot and max(box[2] for box in foot) < width / 2 - 36 * NUMBERS_DPI / 72 + 3, foot


@pytest.mark.parametrize(
    ("source", "layout"),
    [("seeds/mou-proxy-signature.yaml", "sequential"), ("seeds/languages/four-languages.yaml", "parallel")],
)
def test_numbers_never_print_over_each_other(
    build_seed: Callable[..., BuildResult], source: str, layout: str
) -> None:
    """Signature blocks side by side (baselines a few points apart) get one number a line; four columns
    number the outer two in the margins and the middle two in their gutters."""
    path = ROOT / source
    drafted = build_seed(path, layout=layout, draft=LABEL).output
    plain = build_seed(path, layout=layout).output
    tallest = NUMBER_SIZE_PT * 1.35 * NUMBERS_DPI / 72
    for page, (image, original) in enumerate(
        zip(page_images(drafted, NUMBERS_DPI), page_images(plain, NUMBERS_DPI), strict=True), 1
    ):
        height = image.size[1]
        for strip in ((0.0, 0.14), (0.86, 1.0), (0.14, 0.86)):
            marks = [box for box in _marks(image, original, *strip) if box[3] < height * 0.93]
            assert all(box[3] - box[1] <= tallest for box in marks), (page, strip, marks)
    if layout == "parallel":
        image, original = page_images(drafted, NUMBERS_DPI)[0], page_images(plain, NUMBERS_DPI)[0]
        inside = [box for box in _marks(image, original, 0.14, 0.86) if box[3] < image.size[1] * 0.93]
        assert len(inside) >= 10, "the middle columns are numbered in their gutters"


def test_four_interleaved_versions_keep_their_margins_on_every_page(
    build_seed: Callable[..., BuildResult],
) -> None:
    """Japanese, Chinese and Korean share the left margin, their numbers carrying their language; English
    has the right. Where a page held English and Chinese only (the signatures), English was numbered on
    the left and Chinese on the right, both bare: two series from 1 that named no version."""
    path = ROOT / "seeds" / "languages" / "four-languages.yaml"
    drafted = build_seed(path, layout="interleaved", draft=LABEL, strict=True).output
    plain = build_seed(path, layout="interleaved").output
    pages = list(zip(page_images(drafted, NUMBERS_DPI), page_images(plain, NUMBERS_DPI), strict=True))
    texts = page_texts(plain)
    bare = NUMBER_SIZE_PT * NUMBERS_DPI / 72  # a number of one or two digits is narrower than its size
    for number, ((image, original), text) in enumerate(zip(pages, texts, strict=True), 1):
        height = image.size[1]
        left = [box for box in _marks(image, original, 0.0, 0.14) if box[3] < height * 0.93]
        right = [box for box in _marks(image, original, 0.86, 1.0) if box[3] < height * 0.93]
        assert bool(right) == ("Mayor" in text or "Joint" in text or "cities" in text), (number, right)
        assert all(box[2] - box[0] > 1.3 * bare for box in left), (number, "the left margin's are tagged")
        assert all(box[2] - box[0] < bare for box in right), (number, "the right margin's are bare")
        if "Mayor" not in text and "cities" not in text and "Joint" not in text:
            assert left, number  # a page without English: its versions still numbered, on the left


def test_a_letterheads_own_text_is_not_numbered(
    tmp_path: Path, build_seed: Callable[..., BuildResult]
) -> None:
    """The office line of `communique init`'s letterhead (lang="en" on the Japanese page too) is the
    layout's, not the instrument's: it was numbered as a version of its own, '1' in the right margin of
    the Japanese page beside the title's '1'. The numbers start at the title, in the left margin only."""
    create_project(tmp_path / "office")
    data = tmp_path / "office" / "data" / "example.yaml"
    drafted, plain = build_seed(data, EPOCH, draft=LABEL).output, build_seed(data, EPOCH).output
    office = [
        next(glyph for glyph in glyphs if glyph.char == "O")  # "Office of International Affairs"
        for glyphs in page_glyphs(plain)
    ]
    images = zip(page_images(drafted, NUMBERS_DPI), page_images(plain, NUMBERS_DPI), strict=True)
    for number, pair in enumerate(images):
        height = pair[0].size[1]
        right = [box for box in _marks(*pair, 0.86, 1.0) if box[3] < height * 0.93]
        left = [box for box in _marks(*pair, 0.0, 0.14) if box[3] < height * 0.93]
        assert not right and len(left) >= 5, (number, right, len(left))
        office_level = (page_sizes(plain)[number][1] - office[number].y) * NUMBERS_DPI / 72
        assert left[0][1] > office_level + 10, (number, left[0], office_level)
