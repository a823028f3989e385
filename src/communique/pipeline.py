"""The whole build of one communique, stage by stage: load, typeset, compose, render, finish, write."""

from __future__ import annotations

import datetime
import functools
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from communique import __version__
from communique.beside import in_order
from communique.check import check
from communique.collector import fewer_collections
from communique.compose import compose
from communique.engine.renderer import RenderSession, render
from communique.errors import DataError, ErrorList, FinishError, RenderError, UsageError
from communique.fonts import check_coverage, project_fonts
from communique.layouts import chosen_layout
from communique.loader import INLINE_LABEL, load_text, read_text
from communique.model import BuildResult, Communique, HtmlDocument, RenderedPdf, Revision, TypesetDocument
from communique.paper import page_css
from communique.pdf.archival import archival_sources
from communique.pdf.draft import Draft
from communique.pdf.finish import Metadata, finish
from communique.preview.images import ImageRequest, chosen_pages, page_images, write_page_images
from communique.project import DEFAULT_LAYOUT, DEFAULT_PAPER, BuildContext
from communique.standards import check_alternatives, standard_css
from communique.typeset import typeset
from communique.write import output_path, write_atomic

if TYPE_CHECKING:
    from communique.compare import Comparison

_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
CHECKED_BESIDE_FROM = 50_000
"""Characters of data from which a build that may use several processes runs the translation check and
the font coverage in a forked copy while it typesets and composes (beside.py). Measured warm: the
treaty's (105,000 characters) take 0.12 s, 0.13 s from fork to result; four-languages' (7,600) take
10 ms, 21 ms forked."""


def build_clock(date: datetime.date, source_date_epoch: int | None) -> datetime.datetime:
    """The time written into the PDF: SOURCE_DATE_EPOCH when given, else midnight UTC on `date`."""
    if source_date_epoch is not None:
        return datetime.datetime.fromtimestamp(source_date_epoch, datetime.UTC)
    return datetime.datetime.combine(date, datetime.time(), datetime.UTC)


def build(
    source: Path, out_dir: Path, context: BuildContext, session: RenderSession | None = None
) -> BuildResult:
    """Build one data file into `out_dir`; nothing is written unless every stage succeeds.

    A `session` carries what a process reuses across builds (batch workers pass one).
    """
    return build_text(read_text(source), source, out_dir, context, session)


@fewer_collections()
def build_text(
    text: str,
    source: Path | None,
    out_dir: Path,
    context: BuildContext,
    session: RenderSession | None = None,
) -> BuildResult:
    """Build the data `text` as if read from the data file `source` (which names the PDF and locates
    images); with no source, the text was given directly: errors name '<data>', images are found in the
    project folder and the PDF is named after the document's id."""
    made = make_pdf(text, source, context, session)
    target = output_path(made.source, out_dir)
    write_atomic(target, made.data)
    return made.result(target)


def build_images(
    source: Path,
    out_dir: Path,
    context: BuildContext,
    request: ImageRequest,
    session: RenderSession | None = None,
) -> BuildResult:
    """Build one data file as page images (`<stem>-<page>.png|svg`) in `out_dir`, not as a PDF."""
    return images_of(
        make_pdf(read_text(source), source, context, session, images_only=True), out_dir, request
    )


def images_of(made: MadePdf, out_dir: Path, request: ImageRequest) -> BuildResult:
    """Write the pages `request` names of the PDF `made` as images; the result's `output` is the first."""
    numbers = chosen_pages(request.pages, made.page_count)
    drawn = page_images(made.data, numbers, request.image_format, request.dpi)
    stem = made.source.stem
    written = write_page_images(
        drawn, out_dir, stem, request.image_format, made.page_count, every_page=request.pages is None
    )
    return replace(made.result(written[0]), images=tuple(written), size=sum(len(page.data) for page in drawn))


@dataclass(frozen=True)
class MadePdf:
    """A finished PDF in memory, and what its build read (`build_text` writes it; preview shows it)."""

    source: Path
    """The data file, or the name a document given as text is built as (`<id>.yaml`)."""
    data: bytes
    page_count: int
    warnings: tuple[str, ...]
    inputs: tuple[Path, ...]
    absent_inputs: tuple[Path, ...]

    def result(self, output: Path) -> BuildResult:
        """The BuildResult of this PDF written to `output`."""
        return BuildResult(
            self.source,
            output,
            self.page_count,
            len(self.data),
            self.warnings,
            self.inputs,
            self.absent_inputs,
        )


@fewer_collections()
def make_pdf(
    text: str,
    source: Path | None,
    context: BuildContext,
    session: RenderSession | None = None,
    images_only: bool = False,
    revision: Revision | None = None,
) -> MadePdf:
    """Every stage but writing: the data `text` (read from `source`, or given directly) as a finished PDF;
    `images_only` when only its page images are wanted; `revision` for a redline."""
    project, options = context.project, context.options
    label = str(source) if source else INLINE_LABEL
    folder = source.parent if source else project.root
    communique = load_text(text, label, source or folder / INLINE_LABEL, folder)
    source = source or folder / f"{communique.id}.yaml"

    font_set = functools.cache(lambda: project_fonts(project))  # once here; the copy makes its own

    def checks() -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The translation check's warnings and the font coverage's (each raises under --strict)."""
        differences = translation_findings(communique, options.strict)
        return differences, check_coverage(communique, font_set(), options.strict)

    def composed() -> tuple[TypesetDocument, str, str, HtmlDocument]:
        """The typeset document, its layout and paper, and its HTML."""
        document = typeset(communique)
        if revision:
            document = revision.revised(document)
        layout = chosen_layout(context, communique)
        paper = context.paper_for(communique.paper)
        return document, layout, paper, compose(document, project, layout, project.readable_roots(source))

    long_document = context.workers > 1 and len(text) >= CHECKED_BESIDE_FROM
    (differences, unregistered), (document, layout, paper, html) = in_order(checks, composed, long_document)
    fonts = font_set()
    if revision:
        html = replace(
            html, html=_BODY.sub(lambda body: body.group(0) + revision.preface, html.html, count=1)
        )
    declared = context.standard
    if not images_only:  # page images for review carry no text alternatives
        check_alternatives(communique, declared)
    page_rules = page_css(paper, options.print_marks) + standard_css(declared)
    page_rules += revision.css if revision else ""
    font_css = fonts.face_css(communique.languages)
    rendered = render(
        html,
        font_css,
        fonts.families,
        options.strict,
        page_rules,
        declared.engine_variant,
        session,
        options.signature_fields,
        find_text_lines=bool(options.draft),
        # An archival copy's bytes must not depend on the machine: its rebuild from the embedded sources
        # is byte-identical anywhere only if it is rendered in one process (parts embed fonts per part).
        workers=1 if options.archival else context.workers,
    )
    lost = _lost_from_the_text_layer(rendered, communique, options.strict)
    read = (*project.config_files(), *html.templates, *html.stylesheets, *rendered.files_read)
    archival = None
    if options.archival:
        # The rebuild command names a layout or paper the data file alone would not choose.
        recorded = options.overridden(
            {
                "layout": layout if layout != (communique.layout or DEFAULT_LAYOUT) else None,
                "paper": paper if paper != (communique.paper or DEFAULT_PAPER) else None,
            }
        )
        root = project.root if project.config_file else None
        free = frozenset(font.path.resolve() for font in project.config.fonts if font.redistributable)
        archival = archival_sources(source, text, communique, recorded.rebuild_flags(), read, root, free)
    clock = build_clock(communique.date, context.source_date_epoch)
    config = project.config
    metadata = Metadata(f"communique {__version__}", config.author, config.publisher, config.keywords)
    finished = finish(
        rendered,
        document,
        clock,
        metadata,
        declared,
        archival,
        options.compact_fonts,
        options.signature_fields,
        _draft(options.draft, clock, document),
    )
    if finished.warnings and options.strict:
        raise FinishError(
            "; ".join(finished.warnings),
            hint="the PDF would be weaker than communique makes it; build without --strict to accept it",
        )
    inputs = ((source,) if label != INLINE_LABEL else ()) + read
    return MadePdf(
        source,
        finished.data,
        rendered.page_count,
        (*differences, *unregistered, *rendered.warnings, *lost, *finished.warnings),
        tuple(dict.fromkeys(inputs)),
        html.absent,
    )


def translation_findings(communique: Communique, strict: bool) -> tuple[str, ...]:
    """The translation check's findings as warnings; under `strict`, an error listing them all."""
    findings = check(communique)
    if findings and strict:
        raise ErrorList(
            DataError(
                f"translation check: {finding.message} ({finding.where})",
                finding.location,
                "correct the version, or accept a real difference in the data: accept: [{kind: "
                f"{finding.kind}, where: {finding.where}, value: {_quoted(finding.value)}, because: ...}}]",
            )
            for finding in findings
        )
    return tuple(f"translation check: {finding}" for finding in findings)


def _draft(label: str | None, clock: datetime.datetime, document: TypesetDocument) -> Draft | None:
    """What a draft copy says it is, and its versions in the document's order (tag as laid out, and the
    data's language): the order fixes the margin each version's line numbers stand in."""
    if not label:
        return None
    versions = tuple(dict.fromkeys((version.tag, version.lang) for version in document.versions))
    return Draft(label, clock.date().isoformat(), versions)


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _lost_from_the_text_layer(rendered: RenderedPdf, communique: Communique, strict: bool) -> tuple[str, ...]:
    """A warning for each invisible character of the data that was drawn as no glyph and so is missing from
    the text layer; under `strict`, a RenderError."""
    if not rendered.invisible:
        return ()
    held = {char for _, text in communique.entries() for char in text.value}
    lost = tuple(
        f"text layer: U+{ord(char):04X} {unicodedata.name(char, 'an invisible character')} is drawn as no "
        "glyph and is not in the text layer"
        for char in sorted(rendered.invisible & held)
    )
    if lost and strict:
        raise RenderError(
            "; ".join(lost), hint="remove the character, or build without --strict to accept it"
        )
    return lost


def make_redline(old: Path, new: Path, context: BuildContext) -> tuple[Comparison, MadePdf]:
    """What changed from the data file `old` to `new`, and the redline PDF that shows it: the new draft in
    its layout, as a draft copy labelled 'Redline', with a summary page first."""
    from communique.compare import REDLINE_CSS, compare, redline, summary_html

    before = load_text(read_text(old), str(old), old, old.parent)
    text = read_text(new)
    after = load_text(text, str(new), new, new.parent)
    unrelated = _unrelated(before, after)
    if unrelated and context.options.strict:
        raise UsageError(
            f"{old} and {new} {unrelated}", hint="compare two drafts of one document, or leave out --strict"
        )
    comparison = compare(before, after)
    old_document = typeset(before)
    revision = Revision(
        lambda document: redline(comparison, old_document, document),
        summary_html(comparison, old.name, new.name),
        REDLINE_CSS,
    )
    # A redline is a draft: never archival, signed or a press copy, whatever the project builds.
    options = replace(
        context.options,
        draft="Redline",  # whatever draft label the project builds with
        archival=False,
        signature_fields=False,
        standard=None,
    )
    made = make_pdf(text, new, replace(context, options=options), revision=revision)
    if unrelated:
        made = replace(made, warnings=(f"{old.name} and {new.name} {unrelated}", *made.warnings))
    return comparison, made


def _unrelated(before: Communique, after: Communique) -> str | None:
    """Why two data files do not look like drafts of one document (their ids differ, or they share no
    language), as the end of a sentence; None when they do."""
    if not set(before.languages) & set(after.languages):
        return "share no language: the redline shows every text as inserted"
    if before.id != after.id:
        return f"are not drafts of one document (ids {before.id!r} and {after.id!r})"
    return None
