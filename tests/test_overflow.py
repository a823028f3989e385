"""Text that runs out of its column or off the page is never left unnoticed: a warning naming it, a failure
under --strict (and no PDF), none for the seeds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LAYOUT_NAMES, SEED, run_cli, seed_text, write_data

from communique.engine.overflow import Overflow
from communique.errors import RenderError
from communique.loader import load
from communique.model import BuildResult
from communique.typeset import typeset

# A URL of 207 characters: no space, no hyphen, nothing to break at past its last slash. It holds 'load',
# which must not make the warning one of WeasyPrint's fatal ones (font, glyph, fetch, load, url).
TOKEN = "https://example.org/download/" + "TreatyArchive2023" * 11
UNBREAKABLE = "TreatyArchive2023" * 2  # the start of what runs over (the line breaks after the last '/')
FINDING = re.compile(r"page (\d+): '(.+)' runs (\d+\.\d) pt past its column")


def long_title(folder: Path) -> Path:
    """The seed with the URL in its English title (only there, accepted by the translation check)."""
    text = seed_text()
    assert "    Joint Communique\n" in text
    text = text.replace("    Joint Communique\n", f"    Joint Communique {TOKEN}\n")
    accepted = f'accept:\n  - {{kind: url, where: title, value: "{TOKEN}", because: a test address}}\n'
    return write_data(folder, text + accepted)


def project_layout(folder: Path, name: str, css: str) -> None:
    """A project layout in `folder`: the sequential layout with `css` after its own."""
    layout = folder / "layouts" / name
    layout.mkdir(parents=True)
    (layout / "document.html.j2").write_text('{% extends "builtin/sequential/document.html.j2" %}\n')
    (layout / "style.css").write_text(css)


def overflow_warnings(result: BuildResult) -> list[str]:
    return [w for w in result.warnings if "past its column" in w or "outside the page's text area" in w]


def test_a_word_too_long_for_the_page_is_a_warning_naming_it(tmp_path: Path) -> None:
    source = long_title(tmp_path)
    result = run_cli("build", str(source), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "doc.pdf").is_file()
    warnings = [line for line in result.stderr.splitlines() if "past its column" in line]
    assert len(warnings) == 1, result.stderr
    found = FINDING.search(warnings[0])
    assert found, warnings[0]
    page, text, points = found.groups()
    assert page == "2"  # the English version starts on the second page
    assert text.startswith(UNBREAKABLE) and text.endswith("…") and len(text) == 40
    assert float(points) > 100  # far past the page's 160 mm of text, off the paper
    assert warnings[0].startswith(f"warning: {source}: page 2: ")


def test_strict_fails_naming_the_text_and_writes_no_pdf(tmp_path: Path) -> None:
    source = long_title(tmp_path)
    result = run_cli("build", str(source), "--out", str(tmp_path / "out"), "--strict")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "text runs out of its column or off the page" in result.stderr
    assert f"page 2: '{UNBREAKABLE}" in result.stderr and "past its column" in result.stderr
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_every_layout_reports_it(build_seed: Callable[..., BuildResult], tmp_path: Path, layout: str) -> None:
    result = build_seed(long_title(tmp_path), layout=layout)
    warnings = overflow_warnings(result)
    assert len(warnings) == 1 and f"'{UNBREAKABLE}" in warnings[0], warnings
    page = 2 if layout == "sequential" else 1  # the titles share the first page in the other two
    assert warnings[0].startswith(f"page {page}: ")


def test_strict_in_process_raises_a_render_error(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    with pytest.raises(RenderError, match=re.escape(UNBREAKABLE)) as raised:
        build_seed(long_title(tmp_path), layout="parallel", strict=True)
    assert raised.value.hint and "soft hyphen" in raised.value.hint
    assert not list(tmp_path.glob("**/*.pdf"))


def test_lines_kept_together_by_a_layout_are_reported_each(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    project_layout(tmp_path, "unwrapped", ".body p:lang(en) { white-space: nowrap; }\n")
    source = write_data(tmp_path, seed_text())
    result = build_seed(source, layout="unwrapped")
    warnings = overflow_warnings(result)
    english = typeset(load(source)).versions[1]
    assert len(warnings) == len(english.blocks), warnings  # each English paragraph, now one line
    assert warnings[0].startswith("page 2: 'On the occasion of the governor of Toky…' runs ")
    assert all(FINDING.fullmatch(warning) for warning in warnings), warnings


def test_a_block_taller_than_the_page_is_reported_once_per_page(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    # An inline-block never splits across pages: a paragraph longer than a page runs off its bottom.
    project_layout(tmp_path, "unsplit", "html .body p.paragraph:lang(en) { display: inline-block; }\n")
    long = "The two cities will cooperate on sustainable urban development. " * 70
    text = seed_text().replace(
        "      On the occasion of the governor", f"      {long}On the occasion of the governor"
    )
    result = build_seed(write_data(tmp_path, text), layout="unsplit")
    warnings = overflow_warnings(result)
    assert len(warnings) == 1, warnings
    assert re.fullmatch(
        r"page \d+: '.+' and \d+ more lines run \d+\.\d pt outside the page's text area", warnings[0]
    ), warnings[0]


def test_the_seed_has_nothing_out_of_its_columns(build_seed: Callable[..., BuildResult]) -> None:
    for layout in LAYOUT_NAMES:
        assert overflow_warnings(build_seed(SEED, layout=layout)) == []


def test_the_message_names_page_text_and_distance() -> None:
    short = Overflow(2, "ヘルシンキ市長", 12.34, 0.0)
    assert str(short) == "page 2: 'ヘルシンキ市長' runs 12.3 pt past its column"
    long = Overflow(3, "x" * 60, 0.0, 4.0, more_lines=2)
    assert str(long) == f"page 3: '{'x' * 39}…' and 2 more lines run 4.0 pt outside the page's text area"
