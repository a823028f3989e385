"""The whole build of one communique, stage by stage: load, typeset, compose, render, finish, write."""

from __future__ import annotations

import datetime
from pathlib import Path

from communique import __version__, fonts
from communique.archival import ARCHIVAL_CSS, archival_sources
from communique.compose import compose, layout_files
from communique.finish import finish
from communique.load import load
from communique.model import BuildContext, BuildResult
from communique.paper import page_css
from communique.render import RenderSession, render
from communique.typeset import typeset
from communique.write import output_path, write_atomic


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
    communique = load(source)
    fonts_dir = context.project_root / "fonts"
    bundled = fonts.faces(fonts_dir)
    fonts.check_coverage(communique, bundled)
    document = typeset(communique)
    readable = (context.project_root / "layouts", fonts_dir, source.resolve().parent)
    layout = context.layout or communique.layout
    html = compose(document, context.project_root / "layouts", layout, readable)
    families = frozenset(face.family for face in bundled)
    archival = archival_sources(source, communique, context.options()) if context.archival else None
    page_rules = page_css(context.paper or communique.paper, context.print_marks)
    page_rules += ARCHIVAL_CSS if archival else ""
    font_css = fonts.face_css(bundled, communique.languages)
    variant = archival.variant if archival else None
    rendered = render(html, font_css, families, context.strict, page_rules, variant, session)
    clock = build_clock(communique.date, context.source_date_epoch)
    data = finish(rendered, document, clock, f"communique {__version__}", archival)
    target = output_path(source, out_dir)
    write_atomic(target, data)
    inputs = (source, *communique.images(), *layout_files(context.project_root / "layouts", layout))
    return BuildResult(source, target, rendered.page_count, len(data), rendered.warnings, inputs)
