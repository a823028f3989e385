"""A long sequential document rendered a version per process and joined (engine/parts.py, pdf/join.py): its
pages, footers, outline, page labels and structure read as those of the same document rendered in one
process; the join is reproducible; a layout whose pages could differ in parts is rendered in one process;
a part that cannot be rendered is said, and is an error under --strict.

Every part of a document embeds its own subsets of the fonts: a PDF with more font resources than the
one-process build is how a test sees that the document was rendered in parts.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from conftest import ROOT, SEED, Composed, run_cli, write_data
from pdftools import page_texts
from structure_text import tagged_text, tree_problems

from communique.engine import parts
from communique.errors import ErrorList, FinishError, RenderError
from communique.model import BuildResult
from communique.options import BuildOptions
from communique.pdf import join
from communique.pdf.inspect import inspect_pdf
from communique.pdf.verify import verify
from communique.pipeline import build
from communique.project import BuildContext, Project

TREATY = ROOT / "seeds" / "partnership-treaty-long.yaml"

BuildInParts = Callable[..., BuildResult]


@pytest.fixture(scope="module")
def build_in_parts(tmp_path_factory: pytest.TempPathFactory) -> BuildInParts:
    """Build a data file in-process with two workers for its parts."""

    def builder(source: Path = TREATY, **options: object) -> BuildResult:
        context = BuildContext(Project.discover(source), BuildOptions(**options), workers=2)  # type: ignore[arg-type]
        return build(source, tmp_path_factory.mktemp("parts"), context)

    return builder


@pytest.fixture(scope="module")
def treaty_in_parts(build_in_parts: BuildInParts) -> Path:
    return build_in_parts().output


def font_count(pdf: Path) -> int:
    """Font resources of the PDF's pages (each part of a document embeds its own)."""
    with pikepdf.open(pdf) as document:
        return len(
            {font.objgen for page in document.pages for font in page.Resources.get("/Font", {}).values()}
        )


def test_the_treaty_in_parts_reads_as_in_one_process(treaty_in_parts: Path, composed: Composed) -> None:
    whole = composed(TREATY, "sequential")
    assert font_count(treaty_in_parts) > font_count(whole), "rendered in one process"
    texts = page_texts(treaty_in_parts)
    assert texts == page_texts(whole)  # every page's text, the footers' "26 / 54" included
    assert "26 / 54" in texts[25] and "27 / 54" in texts[26]
    joined, one = inspect_pdf(treaty_in_parts), inspect_pdf(whole)
    assert (joined.pages, joined.bookmarks, joined.page_labels) == (one.pages, one.bookmarks, one.page_labels)
    assert (joined.lang, joined.metadata, joined.tagged) == (one.lang, one.metadata, one.tagged)
    assert [(mark.title, mark.page) for mark in joined.bookmarks] == [
        ("日本語", 1),
        ("English (United Kingdom)", 26),
    ]
    assert joined.page_labels[24:26] == ("JA-25", "EN-GB-1")


def test_the_treaty_in_parts_has_one_whole_structure_tree(treaty_in_parts: Path, composed: Composed) -> None:
    assert tree_problems(treaty_in_parts) == []
    assert tagged_text(treaty_in_parts) == tagged_text(composed(TREATY, "sequential"))
    assert verify(treaty_in_parts).passed


def test_parts_join_to_the_same_bytes_every_time(treaty_in_parts: Path, build_in_parts: BuildInParts) -> None:
    assert build_in_parts().output.read_bytes() == treaty_in_parts.read_bytes()


@pytest.fixture
def short_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Part documents however short (the seed's two pages): the workers, forked, inherit it."""
    monkeypatch.setattr(parts, "SMALLEST_PART", 1)


@pytest.mark.usefixtures("short_parts")
def test_a_copy_in_parts_passes_every_validator(build_in_parts: BuildInParts, composed: Composed) -> None:
    result = build_in_parts(SEED, strict=True)
    assert font_count(result.output) > font_count(composed(SEED, "sequential"))
    report = verify(result.output)
    assert report.passed, report


@pytest.mark.usefixtures("short_parts")
def test_an_archival_copy_is_the_same_bytes_whatever_the_workers(
    build_in_parts: BuildInParts, tmp_path: Path
) -> None:
    """Its rebuild from the embedded sources (`verify --rebuild`, on a machine with any number of CPUs,
    or in a batch) must give the same bytes: an archival copy is rendered in one process."""
    in_parts = build_in_parts(SEED, archival=True, strict=True).output
    context = BuildContext(Project.discover(SEED), BuildOptions(archival=True, strict=True), workers=1)
    one_process = build(SEED, tmp_path, context).output
    assert in_parts.read_bytes() == one_process.read_bytes()
    assert verify(in_parts, rebuild=True).passed


@pytest.mark.usefixtures("short_parts")
def test_a_layout_with_first_page_rules_renders_in_one_process(
    tmp_path: Path, build_in_parts: BuildInParts, composed: Composed
) -> None:
    (tmp_path / "communique.toml").write_text("", encoding="utf-8")
    layout = tmp_path / "layouts" / "first-page"
    layout.mkdir(parents=True)
    (layout / "document.html.j2").write_text(
        '{% extends "builtin/sequential/document.html.j2" %}', encoding="utf-8"
    )
    (layout / "style.css").write_text("@page :first { margin-top: 30mm; }", encoding="utf-8")
    source = write_data(
        tmp_path, SEED.read_text(encoding="utf-8").replace("layout: sequential", "layout: first-page")
    )
    assert font_count(build_in_parts(source).output) == font_count(composed(SEED, "sequential"))


@pytest.mark.usefixtures("short_parts")
def test_a_part_that_cannot_be_numbered_is_said_and_fails_strict(
    monkeypatch: pytest.MonkeyPatch, build_in_parts: BuildInParts, composed: Composed
) -> None:
    original = parts.numbering_patch

    def unreadable(numbering: parts.Numbering) -> object:
        def broken(count: int) -> tuple[int, int]:
            raise KeyError("page_maker")  # what a renamed WeasyPrint internal raises

        return original(broken)

    monkeypatch.setattr(parts, "numbering_patch", unreadable)
    output = _said_and_failing_strict(build_in_parts, "rendered in one process", "rendering in parts")
    assert page_texts(output) == page_texts(composed(SEED, "sequential"))


@pytest.mark.usefixtures("short_parts")
def test_parts_that_cannot_be_joined_are_said_and_fail_strict(
    monkeypatch: pytest.MonkeyPatch, build_in_parts: BuildInParts, composed: Composed
) -> None:
    """A part the join cannot read (as a WeasyPrint that writes its structure tree otherwise would make
    it): the document is rendered in one process and the build says why."""

    def unjoinable(_tree: object, where: str) -> None:
        raise FinishError(f"{where} has a structure tree whose top is not one Document element")

    monkeypatch.setattr(join, "_document", unjoinable)
    output = _said_and_failing_strict(build_in_parts, "could not be joined", "could not be joined")
    assert font_count(output) == font_count(composed(SEED, "sequential"))


def _said_and_failing_strict(build_in_parts: BuildInParts, said: str, strict_said: str) -> Path:
    """The seed built in parts, its warnings saying `said`; under --strict, a RenderError saying
    `strict_said`. Returns the PDF built without --strict."""
    result = build_in_parts(SEED)
    assert any(said in warning for warning in result.warnings), result.warnings
    with pytest.raises(RenderError, match=strict_said):
        build_in_parts(SEED, strict=True)
    return result.output


def test_the_command_line_renders_a_long_document_in_parts_unless_jobs_is_1(
    tmp_path: Path, treaty_in_parts: Path, composed: Composed
) -> None:
    for jobs, expected in (("2", treaty_in_parts), ("1", composed(TREATY, "sequential"))):
        out = tmp_path / jobs
        result = run_cli("build", str(TREATY), "--out", str(out), "--jobs", jobs)
        assert result.returncode == 0, result.stderr
        assert font_count(out / f"{TREATY.stem}.pdf") == font_count(expected)


def annotations(pdf: Path) -> list[tuple[int, str, tuple[float, ...]]]:
    """(page index, field name, rectangle) of every annotation with a name (signature fields)."""
    with pikepdf.open(pdf) as document:
        return [
            (index, str(annotation.get("/T", "")), tuple(round(float(side), 2) for side in annotation.Rect))
            for index, page in enumerate(document.pages)
            for annotation in page.get("/Annots", [])
        ]


@pytest.mark.usefixtures("short_parts")
@pytest.mark.parametrize(
    ("source", "options"),
    [
        (SEED, {"signature_fields": True}),
        (SEED, {"draft": "Draft 2"}),
        (ROOT / "seeds" / "languages" / "th-en.yaml", {}),
        (ROOT / "seeds" / "languages" / "ar-en.yaml", {}),
    ],
    ids=["signature-fields", "draft", "th-en", "ar-en"],
)
def test_what_finishing_adds_by_page_lands_on_the_same_pages_in_parts(
    source: Path,
    options: dict[str, object],
    build_in_parts: BuildInParts,
    build_seed: Callable[..., BuildResult],
) -> None:
    """Signature fields over each party's space, a draft's line numbers, Thai and Arabic clusters folded:
    placed by page, they land where one process places them, and the text copies the same."""
    in_parts = build_in_parts(source, layout="sequential", **options).output
    whole = build_seed(source, layout="sequential", **options).output
    assert font_count(in_parts) > font_count(whole)
    assert page_texts(in_parts) == page_texts(whole)
    assert annotations(in_parts) == annotations(whole)


def planted_treaty(folder: Path) -> Path:
    """The treaty with one number changed in its English version: 1991 in one version, 1992 in the other."""
    text = TREATY.read_text(encoding="utf-8")
    planted = text.replace("became sister cities in 1991", "became sister cities in 1992")
    assert planted != text
    return write_data(folder, planted, "planted-treaty.yaml")


def checking_processes(monkeypatch: pytest.MonkeyPatch, record: Path) -> None:
    """Write the process id of every translation check of a build, however many processes it uses."""
    from communique import pipeline

    original = pipeline.translation_findings

    def recorded(*args: Any) -> tuple[str, ...]:
        with record.open("a", encoding="utf-8") as file:
            file.write(f"{os.getpid()}\n")
        return original(*args)

    monkeypatch.setattr(pipeline, "translation_findings", recorded)


def test_a_long_documents_checks_run_beside_its_typesetting_and_say_the_same(
    tmp_path: Path, build_in_parts: BuildInParts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Built with several workers, a long document's translation check and font coverage run in a forked
    copy while it is typeset and composed: the build says what the check says, once, and the PDF is the
    treaty's."""
    import communique

    source = planted_treaty(tmp_path)
    checking_processes(monkeypatch, tmp_path / "pids")
    result = build_in_parts(source)
    assert (tmp_path / "pids").read_text().split() != [str(os.getpid())], "checked in this process"
    assert len((tmp_path / "pids").read_text().split()) == 1
    found = [str(finding) for finding in communique.translation_check(source)]
    assert [warning for warning in result.warnings if warning.startswith("translation check")] == [
        f"translation check: {finding}" for finding in found
    ]
    assert len(page_texts(result.output)) == 54


def test_a_long_documents_strict_check_fails_with_each_place_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under --strict the check's errors come from this process, with the file, line and column of each
    number, before anything is rendered or written: the copy only says that it failed."""
    import communique

    source = planted_treaty(tmp_path)
    places = [finding.location for finding in communique.translation_check(source)]
    checking_processes(monkeypatch, tmp_path / "pids")
    context = BuildContext(Project.discover(source), BuildOptions(strict=True), workers=2)
    with pytest.raises(ErrorList) as raised:
        build(source, tmp_path / "out", context)
    assert [str(problem).split(": translation check")[0] for problem in raised.value.problems] == [
        f"{source}:{place.line}:{place.column}" for place in places
    ]
    assert len(places) == 2
    checked_in = (tmp_path / "pids").read_text().split()
    assert str(os.getpid()) in checked_in and len(set(checked_in)) == 2, checked_in
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
