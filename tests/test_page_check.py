"""Every build checks its laid-out pages: text drawn over text, a page stranded without text of the
instrument (titles alone, the closing and signatures alone, a heading cut off from its text) and a blank
page are warnings naming the page and quoting the text; under --strict the build fails and writes no PDF.
Each defect is provoked by a project's own stylesheet over the built-in sequential layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEED, run_cli, write_data
from pdftools import compact, find_glyphs, page_glyphs, page_texts
from test_overflow import project_layout

from communique.engine import pagecheck
from communique.errors import RenderError
from communique.model import BuildResult

PARTY = """  - key: {key}
    name: {{en: City of {name}}}
    country: {{en: Freedonia}}
    signatories:
      - title: {{en: Mayor of {name}}}
        name: {{en: {mayor}}}
"""
DOCUMENT = """id: {id}
date: 2024-05-01
layout: {layout}
languages: [en]
title:
  en: Agreement on Friendship
parties:
{parties}body:
  - en: The two cities agree to become friendship cities.
  - heading: {{en: General Provisions}}
  - en: The two cities shall exchange visits of students and teachers every year.
  - en: The two cities shall share what they learn in caring for their parks and rivers.
closing:
  en: Signed at Northby on May 1, 2024
"""
TWO_PARTIES = PARTY.format(key="north", name="Northby", mayor="Ann North") + PARTY.format(
    key="south", name="Southby", mayor="Ben South"
)

# Each defect: the project stylesheet that provokes it, the warning (a regular expression), and the page
# (from 0) with its text as a reader copies it (compacted, the footer 'n/N' included).
DEFECTS = {
    "text-over-text": (
        "html .title { margin-bottom: -9mm; }",
        re.escape(
            "page 1: 'The two cities agree to becom…' is drawn over 'Agreement on Friendship' (baselines "
        )
        + r"\d+\.\d pt apart\)",
        (0, "AgreementonFriendship"),
    ),
    "titles-alone": (
        "html .title { break-after: page; }",
        re.escape(
            "page 1: the title stands alone, without text of the instrument ('Agreement on Friendship')"
        ),
        (0, "AgreementonFriendship1/2"),
    ),
    "signatures-alone": (
        ".ending { break-before: page; }",
        re.escape(
            "page 2: the closing line and the signature blocks stand alone, without text of the instrument "
            "('Signed at Northby on May 1, 2…')"
        ),
        (1, "SignedatNorthbyonMay1,2024AnnNorthMayorofNorthbyBenSouthMayorofSouthby2/2"),
    ),
    "heading-last": (
        "html .heading { break-after: page; }",
        re.escape("page 1: the heading 'General Provisions' ends the page, apart from the text it heads"),
        (0, "AgreementonFriendshipThetwocitiesagreetobecomefriendshipcities.GeneralProvisions1/2"),
    ),
    "blank-page": (
        "html .body p:last-child { break-before: right !important; }",
        re.escape("page 2: blank, nothing is drawn in its text area"),
        (1, "2/3"),
    ),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one layout per defect and a data file using it, and a data file of sixteen
    parties whose closing and signatures start a page."""
    folder = tmp_path_factory.mktemp("project")
    (folder / "communique.toml").write_text('[defaults]\npaper = "A4"\n')
    for name, (css, _, _) in DEFECTS.items():
        project_layout(folder, name, css)
        write_data(folder, DOCUMENT.format(id=name, layout=name, parties=TWO_PARTIES), f"{name}.yaml")
    parties = "".join(
        PARTY.format(key=f"city{number}", name=f"Town {number}", mayor=f"Mayor Number {number}")
        for number in range(1, 17)
    )
    write_data(folder, DOCUMENT.format(id="many", layout="signatures-alone", parties=parties), "many.yaml")
    project_layout(folder, "labelled-blank", f"{DEFECTS['blank-page'][0]}\n{LABELLED_BLANK}")
    labelled = DOCUMENT.format(id="labelled-blank", layout="labelled-blank", parties=TWO_PARTIES)
    write_data(folder, labelled, "labelled-blank.yaml")
    return folder


LABELLED_BLANK = '@page :blank { @top-center { content: "This page is intentionally left blank"; } }'
"""A page left blank on purpose, saying so in its header."""


@pytest.fixture(scope="module")
def built(project: Path, build_seed: Callable[..., BuildResult]) -> dict[str, BuildResult]:
    """Each defect's document, built once without --strict."""
    return {name: build_seed(project / f"{name}.yaml") for name in DEFECTS}


def page_warnings(result: BuildResult) -> list[str]:
    """The warnings that name a page."""
    return [warning for warning in result.warnings if re.match(r"page \d+: ", warning)]


@pytest.mark.parametrize("defect", DEFECTS)
def test_each_defect_is_a_warning_naming_the_page_and_its_text(
    built: dict[str, BuildResult], defect: str
) -> None:
    _, warning, (page, text) = DEFECTS[defect]
    result = built[defect]
    found = page_warnings(result)
    assert len(found) == 1 and re.fullmatch(warning, found[0]), found
    assert compact(page_texts(result.output)[page]).startswith(text)  # the page looks as the warning says


def test_a_blank_page_that_says_so_is_no_finding(
    project: Path, build_seed: Callable[..., BuildResult]
) -> None:
    """The same blank page with 'This page is intentionally left blank' in its header is as meant."""
    result = build_seed(project / "labelled-blank.yaml")
    assert "intentionallyleftblank" in compact(page_texts(result.output)[1])
    assert page_warnings(result) == []


def test_text_over_text_is_drawn_so(built: dict[str, BuildResult]) -> None:
    """The flagged lines' glyphs stand over each other in the PDF: overlapping across, their baselines
    closer than three quarters of the title's font size."""
    glyphs = page_glyphs(built["text-over-text"].output)[0]
    title, paragraph = (
        find_glyphs(glyphs, "Agreement on Friendship"),
        find_glyphs(glyphs, "The two cities agree to become friendship cities."),
    )
    assert title and paragraph
    assert abs(title[0].y - paragraph[0].y) < 0.75 * title[0].size
    assert paragraph[0].left < title[-1].right and title[0].left < paragraph[-1].right


def test_strict_fails_each_through_the_command_line_and_writes_no_pdf(project: Path) -> None:
    out = project / "strict"
    files = [str(project / f"{name}.yaml") for name in DEFECTS]
    result = run_cli("build", *files, "--out", str(out), "--strict")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    for name, (_, warning, _) in DEFECTS.items():
        located = f"{project / name}.yaml: pages are not fit to sign: "
        assert any(line.startswith(located) and re.search(warning, line) for line in errors), name
    assert not list(project.glob("**/*.pdf"))


def test_a_signature_list_too_long_for_a_page_continues_alone_unflagged(
    project: Path, build_seed: Callable[..., BuildResult]
) -> None:
    """Sixteen signature blocks fill more than a page: the page where they start without text is
    stranded, the page holding only the rest of them is not (nothing could stand on it with them)."""
    result = build_seed(project / "many.yaml")
    texts = [compact(text) for text in page_texts(result.output)]
    assert len(texts) >= 3 and texts[1].startswith("SignedatNorthby") and "MayorNumber1" in texts[1]
    rest = texts[2:]  # the blocks that did not fit on page 2, alone: nothing could stand with them
    assert "MayorNumber16" in rest[-1] and not any(
        "Thetwocities" in text or "Signed" in text for text in rest
    )
    assert page_warnings(result) == [
        "page 2: the closing line and the signature blocks stand alone, without text of the instrument "
        "('Signed at Northby on May 1, 2…')"
    ]


@pytest.mark.parametrize("layout", ["parallel", "interleaved"])
def test_the_seed_has_no_finding(build_seed: Callable[..., BuildResult], layout: str) -> None:
    """The check finds nothing on pages that are right: Japanese and English side by side or in turn,
    signature blocks side by side (in sequential, test_engine builds the seed with no warning at all)."""
    assert page_warnings(build_seed(SEED, layout=layout)) == []


def _broken(*_args: object) -> None:
    raise AttributeError("'PageBox' object has no attribute 'renamed_in_a_later_release'")


def test_a_page_check_that_cannot_read_the_pages_says_so(
    project: Path, build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where WeasyPrint's boxes changed shape, the build warns that the pages were not checked (and fails
    under --strict) instead of passing them unchecked."""
    monkeypatch.setattr(pagecheck, "_read_page", _broken)
    result = build_seed(project / "text-over-text.yaml")
    assert page_warnings(result) == []
    assert (
        "page check: text drawn over text, stranded and blank pages were not looked for "
        "(AttributeError: 'PageBox' object has no attribute 'renamed_in_a_later_release')"
    ) in result.warnings
    assert result.output.exists()
    with pytest.raises(RenderError, match="page check: text drawn over text"):
        build_seed(project / "text-over-text.yaml", strict=True)
