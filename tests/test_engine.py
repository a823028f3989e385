"""The engine boundary: communique's hooks into WeasyPrint are installed only while it renders, are
written for one WeasyPrint version, and say so when they cannot do their job instead of quietly writing a
worse PDF (a warning; an error under --strict)."""

from __future__ import annotations

import gc
import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
import weasyprint
from conftest import FONTS, ROOT, SEED
from typography import cjk_body_lines, full_line_shortfalls

from communique.collector import BUILD_THRESHOLDS, fewer_collections
from communique.engine import (
    clusters,
    hooks,
    hyphenation,
    interpuncts,
    justify,
    linebreak,
    renderer,
    tags,
    titles,
)
from communique.errors import CommuniqueError, EngineError, FinishError, RenderError
from communique.loader import load
from communique.model import BuildResult, Cluster
from communique.pdf import finish, fonts, structure
from communique.pipeline import build
from communique.project import BuildContext, BuildOptions, Project
from communique.typeset import typeset

THAI = ROOT / "seeds" / "languages" / "th-en.yaml"
TRADITIONAL = ROOT / "seeds" / "languages" / "zh-hant-en.yaml"
SARA_AM = "\u0e33"

# A page every hook would change: justified Japanese, hyphenated English with names, Thai SARA AM, tags.
SAMPLE = f"""<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>
@font-face {{ font-family: J; src: url({(FONTS / "NotoSerifCJKjp-Regular-JIS.otf").as_uri()}) }}
@font-face {{ font-family: S; src: url({(FONTS / "NotoSerif-Regular.ttf").as_uri()}) }}
@font-face {{ font-family: T; src: url({(FONTS / "NotoSerifThai-Regular.ttf").as_uri()}) }}
body {{ width: 11em; text-align: justify; hyphens: auto; font-size: 12pt }}
</style></head><body>
<p style="font-family: J">東京都知事によるヘルシンキ市訪問の機会を捉え、2023年8月21日、
東京都知事とヘルシンキ市長は、ヘルシンキ市庁舎において会談を行い、世界が様々な危機に
直面する中、両都市に共通する課題の解決に向けた取組について幅広く意見を交わした。</p>
<p lang="en" style="font-family: S">Representatives of Internationalisation and Metropolitan Administrations
discussed extraordinarily comprehensive intergovernmental arrangements with Vartiainen.</p>
<p lang="th" style="font-family: T">นายกเทศมนตรีกรุงเทพมหานครและน้ำใจของประชาชนทั้งสองเมืองในเดือนพฤศจิกายน</p>
</body></html>"""

PLAIN_RENDER = f"""
import sys
mode = sys.argv[1]
if mode == "after-a-build":
    import tempfile
    from pathlib import Path
    from communique import build
    build(Path({str(SEED)!r}), Path(tempfile.mkdtemp()))
import weasyprint
html = weasyprint.HTML(string={SAMPLE!r})
if mode == "hooked":
    from communique.engine import hooks, renderer
    with hooks.installed(renderer._patches()):
        data = html.write_pdf(pdf_tags=True)
else:
    data = html.write_pdf(pdf_tags=True)
sys.stdout.buffer.write(data)
"""


def _plain_pdf(mode: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_RENDER, mode], capture_output=True, check=True, cwd=ROOT
    )
    return done.stdout


def test_plain_weasyprint_after_a_build_is_weasyprint_as_released() -> None:
    """A `weasyprint.HTML(...).write_pdf()` after a communique build in the same process writes the same
    bytes as in a process that never imported communique; with the hooks installed it would not."""
    untouched = _plain_pdf("never-imported")
    assert untouched.startswith(b"%PDF")
    assert _plain_pdf("after-a-build") == untouched
    assert _plain_pdf("hooked") != untouched  # the sample is one the hooks change: this test can fail


def test_hooks_are_removed_after_a_render_that_fails(tmp_path: Path) -> None:
    """The originals are back even when the render in between raised."""
    from weasyprint.layout import inline

    before = inline.text_align
    with pytest.raises(RuntimeError), hooks.installed(renderer._patches()):
        assert inline.text_align is not before
        raise RuntimeError("a failed render")
    assert inline.text_align is before


def test_a_build_collects_garbage_less_often_and_gives_the_program_its_settings_back(tmp_path: Path) -> None:
    """The collector runs at the build's thresholds while a document is built (seen by the collections
    that happen in it), and afterwards at the program's own, after a failed build too."""
    seen: list[tuple[int, int, int]] = []

    def collecting(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(gc.get_threshold())

    broken = tmp_path / "broken.yaml"
    broken.write_text("communique: [", encoding="utf-8")
    context = BuildContext(Project.discover(SEED), BuildOptions(), None)
    program = (500, 11, 5)  # each lower than the build's
    before = gc.get_threshold()
    gc.set_threshold(*program)
    gc.callbacks.append(collecting)
    try:
        build(SEED, tmp_path, context)
        assert BUILD_THRESHOLDS in seen, f"no collection ran at the build's thresholds: {set(seen)}"
        last = max(index for index, thresholds in enumerate(seen) if thresholds == BUILD_THRESHOLDS)
        assert set(seen[: last + 1]) == {BUILD_THRESHOLDS}  # then what it left, collected as it returns
        assert gc.get_threshold() == program
        with pytest.raises(CommuniqueError):
            build(broken, tmp_path, context)
        assert gc.get_threshold() == program
        first, second = fewer_collections(), fewer_collections()  # overlapping, as threads would
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert gc.get_threshold() == BUILD_THRESHOLDS  # the second is still building
        second.__exit__(None, None, None)
        assert gc.get_threshold() == program
        gc.set_threshold(0)  # collection switched off by the program stays so
        with fewer_collections():
            assert gc.get_threshold()[0] == 0
        gc.set_threshold(100_000, 100, 100)  # a build never collects more often than the program asks
        with fewer_collections():
            assert gc.get_threshold() == (100_000, max(100, BUILD_THRESHOLDS[1]), 100)
    finally:
        gc.callbacks.remove(collecting)
        gc.set_threshold(*before)


def test_an_unsupported_weasyprint_is_refused_with_what_to_install(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(renderer.weasyprint, "__version__", "71.0")
    with pytest.raises(EngineError) as raised:
        build_seed()
    message = str(raised.value)
    assert "WeasyPrint 70.0" in message and "WeasyPrint 71.0 is installed" in message
    assert "pip install weasyprint==70.0" in raised.value.hint


def test_an_unsupported_weasyprint_fails_the_command_cleanly(tmp_path: Path) -> None:
    script = (
        "import sys, weasyprint; weasyprint.__version__ = '71.0'; from communique.cli import main; "
        f"sys.exit(main(['build', {str(SEED)!r}, '--out', {str(tmp_path)!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert "WeasyPrint 71.0 is installed" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.pdf"))


def _broken(*_args: Any, **_kwargs: Any) -> Any:
    raise AttributeError("'LineBox' object has no attribute 'renamed_in_a_later_release'")


# Each hook, the function of ours that reads WeasyPrint's internals (broken here as a renamed internal
# would break it), the data file it shows in, and the warning's subject.
HOOKS = {
    "line adjustment": (justify, "align", SEED),
    "line drawing": (justify, "_apply_advances", SEED),
    "hyphenation": (hyphenation, "_ends_hyphenated_line", SEED),
    "cluster recording": (clusters, "_record", THAI),
    "structure languages": (tags, "_element_lang", SEED),
    "structure order": (tags, "_read_by_column", SEED),
    "structure": (tags, "_foldable_spans", SEED),
    "page check": (renderer, "overflowing_text", SEED),
    "title balancing": (titles, "line_extent", ROOT / "seeds" / "long-titles-parallel.yaml"),
    "line breaking": (linebreak, "_flat_text", ROOT / "tests" / "data" / "line-breaking.yaml"),
    "hyphenation points": (interpuncts, "restore_hyphenation_points", TRADITIONAL),
}
WARNING_SUBJECT = {"line drawing": "line adjustment"}


@pytest.mark.parametrize("hook", HOOKS)
def test_a_hook_that_cannot_do_its_job_warns_and_fails_under_strict(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch, hook: str
) -> None:
    module, name, source = HOOKS[hook]
    monkeypatch.setattr(module, name, _broken)
    subject = WARNING_SUBJECT.get(hook, hook)
    result = build_seed(source, archival=True)
    assert any(warning.startswith(f"{subject}: ") for warning in result.warnings), result.warnings
    assert result.output.exists()
    with pytest.raises(RenderError, match=f"{subject}: "):
        build_seed(source, archival=True, strict=True)


def test_a_build_with_working_hooks_warns_of_nothing(build_seed: Callable[..., BuildResult]) -> None:
    for source in (SEED, THAI):
        assert build_seed(source, archival=True, strict=True).warnings == ()


def _ragged_lines(pdf: Path) -> list[str]:
    """The full Japanese body lines of the seed that end more than 0.05 em short of the column's edge."""
    paragraphs = [paragraph.text for paragraph in typeset(load(SEED)).versions[0].paragraphs]
    shortfalls = full_line_shortfalls(cjk_body_lines(pdf), paragraphs)
    assert len(shortfalls) >= 8, "too few full lines to judge"
    return [text for text, value in shortfalls if abs(value) > 0.05]


def test_line_adjustment_runs_in_a_build(seed_pdf: Path) -> None:
    """Japanese lines end flush with the column (WeasyPrint alone leaves them ragged)."""
    assert not _ragged_lines(seed_pdf)


def test_line_adjustment_broken_leaves_ragged_lines(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(justify, "align", _broken)
    assert _ragged_lines(build_seed().output)


def test_cluster_recording_runs_in_a_build(build_seed: Callable[..., BuildResult]) -> None:
    """Thai SARA AM copies as one character, as typed, only because its two glyphs were recorded."""
    text = "".join(page.extract_text() for page in pypdf.PdfReader(build_seed(THAI).output).pages)
    assert SARA_AM in text and "\u0e4d\u0e32" not in text


def test_cluster_recording_broken_is_said(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clusters, "_record", _broken)
    result = build_seed(THAI)
    assert any("they may copy apart" in warning for warning in result.warnings)


def _outline_bounds(program: bytes, glyph: int) -> tuple[float, float, float, float]:
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont

    face = TTFont(io.BytesIO(program))
    glyphs = face.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[face.getGlyphOrder()[glyph]].draw(pen)
    assert pen.bounds is not None
    return pen.bounds


def _drawn_hyphenation_points(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """The outline bounds of the glyph each embedded font draws for U+2027 (per its ToUnicode map)."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                mapped = re.search(rb"<([0-9A-Fa-f]{4})> <2027>", font.ToUnicode.read_bytes())
                if mapped:
                    program = font.DescendantFonts[0].FontDescriptor.FontFile3.read_bytes()
                    found.append(_outline_bounds(program, int(mapped[1], 16)))
    return found


def test_hyphenation_points_are_drawn_as_themselves_in_a_build(
    build_seed: Callable[..., BuildResult],
) -> None:
    """The interpunct of 希瑟‧麥克勞德 (U+2027, which ends a box where the name may break) is drawn with
    the face's own glyph for it: bare WeasyPrint draws the face's hyphen in its place."""
    from fontTools.ttLib import TTFont

    bold = FONTS / "NotoSerifCJKtc-Bold-Big5.otf"
    face = TTFont(bold)
    own = _outline_bounds(bold.read_bytes(), face.getGlyphID(face.getBestCmap()[0x2027]))
    hyphen = _outline_bounds(bold.read_bytes(), face.getGlyphID(face.getBestCmap()[0x2010]))
    bare = f"""<style>@font-face {{ font-family: T; font-weight: bold; src: url({bold.as_uri()}) }}
    p {{ font: bold 12pt T }}</style><p lang="zh-Hant">希瑟‧</p>"""
    assert _drawn_hyphenation_points(weasyprint.HTML(string=bare).write_pdf()) == [hyphen]
    built = build_seed(TRADITIONAL).output
    assert "希瑟‧麥克勞德" in "".join(page.extract_text() for page in pypdf.PdfReader(built).pages)
    assert set(_drawn_hyphenation_points(built.read_bytes())) == {own}  # the name on each page it is on


def test_structure_languages_run_in_a_build(build_seed: Callable[..., BuildResult]) -> None:
    """The archival copy's English structure elements carry /Lang en-US (WeasyPrint writes a /Lang on the
    catalog only)."""
    with pikepdf.open(build_seed(archival=True).output) as pdf:
        languages = {
            str(element.Lang) for element in _elements(pdf.Root.StructTreeRoot) if "/Lang" in element
        }
    assert {"ja", "en-US"} <= languages


def test_text_runs_fold_into_their_elements_in_a_build(seed_pdf: Path) -> None:
    """WeasyPrint's one-id spans are folded: paragraphs hold their marked-content ids themselves, and
    the parent tree points at them."""
    with pikepdf.open(seed_pdf) as pdf:
        elements = _elements(pdf.Root.StructTreeRoot)
        paragraphs = [element for element in elements if element.S == "/P"]
        assert paragraphs and all(any(isinstance(kid, int) for kid in p.K) for p in paragraphs)
        single = [e for e in elements if e.S == "/Span" and len(e.K) == 1 and isinstance(e.K[0], int)]
        assert not [e for e in single if set(e.keys()) <= {"/Type", "/S", "/K", "/Pg", "/P"}]
        pages = _pairs(pdf.Root.StructTreeRoot.ParentTree.Nums)
        owners = {tuple(owner.objgen) for _, page in pages for owner in page if owner is not None}
        assert {tuple(p.objgen) for p in paragraphs} <= owners


def _pairs(numbers: Any) -> list[tuple[int, Any]]:
    return [
        (int(numbers[i]), numbers[i + 1])
        for i in range(0, len(numbers), 2)
        if isinstance(numbers[i + 1], pikepdf.Array)
    ]


def _elements(node: Any) -> list[Any]:
    found = []
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += [kid, *_elements(kid)]
    return found


def _one_cluster_too_many(fold: Callable[..., list[str]]) -> Callable[..., list[str]]:
    """`fold` told of one more cluster than was drawn (as a recording out of step would)."""

    def folded(writer: pypdf.PdfWriter, found: list[Cluster]) -> list[str]:
        return fold(writer, [*found, next(cluster for cluster in reversed(found) if cluster[2])])

    return folded


def _cut_fails(*_args: Any) -> bytes:
    raise ValueError("the HarfBuzz subsetter refused the font")


@pytest.mark.parametrize(
    ("rewrite", "source", "break_it"),
    [
        (
            "cluster folding",
            THAI,
            lambda patch: patch.setattr(finish, "fold_clusters", _one_cluster_too_many(finish.fold_clusters)),
        ),
        ("font compaction", SEED, lambda patch: patch.setattr(fonts, "_cut", _cut_fails)),
        ("structure", SEED, lambda patch: patch.setattr(structure, "_as_artifacts", lambda *_args: False)),
    ],
    ids=["cluster folding", "font compaction", "structure"],
)
def test_a_rewrite_that_cannot_do_its_job_warns_and_fails_under_strict(
    build_seed: Callable[..., BuildResult],
    monkeypatch: pytest.MonkeyPatch,
    rewrite: str,
    source: Path,
    break_it: Callable[[pytest.MonkeyPatch], None],
) -> None:
    break_it(monkeypatch)
    result = build_seed(source)
    assert any(warning.startswith(f"{rewrite}: ") for warning in result.warnings), result.warnings
    with pytest.raises(FinishError, match=f"{rewrite}: "):
        build_seed(source, strict=True)


def test_no_compact_fonts_leaves_the_cff_fonts_as_weasyprint_wrote_them(
    build_seed: Callable[..., BuildResult],
) -> None:
    """With --no-compact-fonts the Japanese faces keep WeasyPrint's subsets (every glyph slot)."""
    with pikepdf.open(build_seed(compact_fonts=False).output) as pdf:
        counts = [_glyph_count(font) for font in _cff_fonts(pdf)]
    with pikepdf.open(build_seed().output) as pdf:
        compacted = [_glyph_count(font) for font in _cff_fonts(pdf)]
    assert counts and min(counts) > 10_000
    assert compacted and max(compacted) < 1_000


def _cff_fonts(pdf: pikepdf.Pdf) -> list[bytes]:
    programs = []
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            if "/FontFile3" in descriptor:
                programs.append(descriptor.FontFile3.read_bytes())
    return programs


def _glyph_count(program: bytes) -> int:
    from io import BytesIO

    from fontTools.ttLib import TTFont

    return int(TTFont(BytesIO(program))["maxp"].numGlyphs)
