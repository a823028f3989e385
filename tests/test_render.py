"""Rendering is sandboxed: only layouts/, fonts/ and the data file's folder can be read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FONTS, LAYOUTS, SEED

from communique.engine.renderer import (
    SLOW_SUBSET_WARNING,
    RefusedURLError,
    RenderSession,
    RestrictedFetcher,
    fast_subsetting_available,
    render,
)
from communique.errors import RenderError
from communique.fonts import FontSet, faces
from communique.model import HtmlDocument
from communique.options import BuildOptions
from communique.pipeline import build
from communique.project import BuildContext, Project

FAMILIES = frozenset({"Communique Serif", "Communique Serif JP"})


def html(body: str, roots: tuple[Path, ...]) -> HtmlDocument:
    page = f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body>{body}</body></html>'
    return HtmlDocument(page, (LAYOUTS / "sequential").as_uri() + "/", (), roots)


@pytest.fixture
def fetcher(tmp_path: Path) -> RestrictedFetcher:
    return RestrictedFetcher((FONTS, tmp_path))


@pytest.mark.parametrize("url", ["http://example.com/x.png", "https://example.com/a.css", "ftp://host/file"])
def test_network_urls_are_refused(fetcher: RestrictedFetcher, url: str) -> None:
    with pytest.raises(RefusedURLError, match="network"):
        fetcher.fetch(url)


def test_files_outside_the_allowed_folders_are_refused(fetcher: RestrictedFetcher, tmp_path: Path) -> None:
    with pytest.raises(RefusedURLError, match="/etc/passwd"):
        fetcher.fetch("file:///etc/passwd")
    escape = (tmp_path / ".." / ".." / "etc" / "passwd").as_posix()
    with pytest.raises(RefusedURLError, match="only files under"):
        fetcher.fetch(f"file://{escape}")


def test_allowed_files_are_served(fetcher: RestrictedFetcher, tmp_path: Path) -> None:
    (tmp_path / "sig.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    response = fetcher.fetch((tmp_path / "sig.svg").as_uri())
    assert response.read().startswith(b"<svg")


@pytest.mark.parametrize("source", ["http://127.0.0.1:9/x.png", "file:///etc/passwd"])
def test_a_document_that_reaches_out_fails_to_render(tmp_path: Path, source: str) -> None:
    document = html(f'<p>x</p><img src="{source}">', (FONTS, tmp_path))
    with pytest.raises(RenderError, match="refused"):
        render(document, FontSet(faces(FONTS)).face_css(("en",)), FAMILIES)


def test_stylesheet_imports_are_sandboxed_too(tmp_path: Path) -> None:
    document = html('<style>@import url("file:///etc/passwd");</style><p>x</p>', (FONTS, tmp_path))
    with pytest.raises(RenderError, match="refused"):
        render(document, FontSet(faces(FONTS)).face_css(("en",)), FAMILIES)


def test_fallback_to_a_system_font_fails(tmp_path: Path) -> None:
    # Bypass the coverage check: Braille is in DejaVu Sans (a system font here), not in the bundled fonts.
    document = html("<p>Braille ⠁</p>", (FONTS, tmp_path))
    with pytest.raises(RenderError, match=r"not bundled|U\+2801"):
        render(document, FontSet(faces(FONTS)).face_css(("en",)), FAMILIES)


def test_tofu_fails(tmp_path: Path) -> None:
    # No font on this machine has Devanagari: WeasyPrint would draw an empty box (.notdef).
    document = html("<p>Devanagari क</p>", (FONTS, tmp_path))
    with pytest.raises(RenderError, match=r"not bundled|U\+0915"):
        render(document, FontSet(faces(FONTS)).face_css(("en",)), FAMILIES)


def test_harfbuzz_subset_is_installed_by_setup() -> None:
    assert fast_subsetting_available(), "libharfbuzz-subset0 is missing: run scripts/system-deps.sh"


def test_slow_subsetting_is_reported_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("communique.engine.renderer.fast_subsetting_available", lambda: False)
    rendered = render(html("<p>x</p>", (FONTS, tmp_path)), FontSet(faces(FONTS)).face_css(("en",)), FAMILIES)
    assert SLOW_SUBSET_WARNING in rendered.warnings
    assert "libharfbuzz-subset0" in SLOW_SUBSET_WARNING and "50x slower" in SLOW_SUBSET_WARNING


def test_a_reused_session_reports_stylesheet_warnings_to_every_build(tmp_path: Path) -> None:
    shutil.copytree(LAYOUTS / "sequential", tmp_path / "layouts" / "sequential")  # a project's own copy
    with (tmp_path / "layouts" / "sequential" / "style.css").open("a") as css:
        css.write("p { colour: red; }\n")
    session = RenderSession()
    for number in range(2):  # the second build takes the parsed stylesheet from the session
        with pytest.raises(RenderError) as failure:
            build(
                SEED,
                tmp_path / f"out{number}",
                BuildContext(Project.at(tmp_path), BuildOptions(strict=True)),
                session,
            )
        assert str(failure.value).count("unknown property") == 1
    lenient = build(SEED, tmp_path / "out", BuildContext(Project.at(tmp_path)), session)
    assert sum("colour: red" in warning for warning in lenient.warnings) == 1


def test_a_stylesheet_that_cannot_be_read_is_named(fetcher: RestrictedFetcher, tmp_path: Path) -> None:
    gone = tmp_path / "gone.css"  # composed, then removed before the render
    with pytest.raises(RenderError) as raised:
        RenderSession().stylesheets(fetcher, "", (gone,), "")
    assert (
        str(raised.value)
        == f"cannot read {gone}: No such file or directory (hint: check the layout's stylesheets)"
    )
