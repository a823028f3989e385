"""The Python entry point behind `communique.build`: sources given as a path, YAML text or a mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communique.errors import UsageError
from communique.loader import mapping_text, read_text
from communique.model import BuildResult
from communique.options import from_keywords, source_date_epoch
from communique.project import BuildContext, Project

if TYPE_CHECKING:
    from communique.compare import Comparison


def build_source(
    source: str | Path | Mapping[str, Any],
    out: str | Path | None,
    project: Project | str | Path | None,
    source_date_epoch: int | None,
    options: Mapping[str, Any],
    images: tuple[str, str | None, int | None] = ("pdf", None, None),
) -> BuildResult:
    """Build `source` as `communique.build` documents: a PDF, or page images when `images` (format,
    pages, dpi) asks for them."""
    from communique.pipeline import build, build_text, images_of, make_pdf
    from communique.preview.images import DEFAULT_DPI, ImageRequest

    image_format, pages, dpi = images
    request = None
    if image_format != "pdf":
        request = ImageRequest(image_format, pages, DEFAULT_DPI if dpi is None else dpi)
    elif pages is not None or dpi is not None:
        raise UsageError("pages and dpi are for page images", hint='add format="png" (or "svg")')

    inline = isinstance(source, Mapping) or (isinstance(source, str) and "\n" in source)
    path = None if inline or isinstance(source, Mapping) else Path(source)
    for what, value in (("data file", path), ("out", out), ("project", project)):
        if isinstance(value, str | Path) and "\0" in str(value):
            raise UsageError(f"the {what} path holds a NUL character", hint="check the path")
    chosen = _chosen_project(project, path)
    context = BuildContext(chosen, from_keywords(chosen.config.options, options), _epoch(source_date_epoch))
    out_dir = Path(out) if out is not None else chosen.output_dir
    text = None if path is not None else mapping_text(source) if isinstance(source, Mapping) else str(source)
    if request is not None:
        made = make_pdf(read_text(path) if path is not None else str(text), path, context, images_only=True)
        return images_of(made, out_dir, request)
    if path is not None:
        return build(path, out_dir, context)
    return build_text(str(text), None, out_dir, context)


def write_redline(
    old: Path,
    new: Path,
    out: Path | None,
    project: Project | str | Path | None,
    source_date_epoch: int | None,
    options: Mapping[str, Any],
) -> Comparison:
    """`communique.redline`: compare the drafts, write the redline PDF, return the comparison."""
    from communique.compare import redline_path
    from communique.pipeline import make_redline
    from communique.write import write_atomic

    chosen = _chosen_project(project, new)
    context = BuildContext(chosen, from_keywords(chosen.config.options, options), _epoch(source_date_epoch))
    target = redline_path(out, old, new, chosen.output_dir)
    comparison, made = make_redline(old, new, context)
    write_atomic(target, made.data)
    return comparison


def _chosen_project(project: Project | str | Path | None, path: Path | None) -> Project:
    """The project given (or its folder), else the data file's (else the current folder's)."""
    if isinstance(project, Project):
        return project
    if project is not None:
        return Project.at(Path(project))
    return Project.discover(path if path else Path.cwd())


def _epoch(given: int | None) -> int | None:
    """The build time: the argument, else SOURCE_DATE_EPOCH (as the command line reads it)."""
    if given is not None:
        return source_date_epoch(str(given))
    return source_date_epoch(os.environ.get("SOURCE_DATE_EPOCH"))
