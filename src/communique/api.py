"""The Python entry point behind `communique.build`: sources given as a path, YAML text or a mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from communique.errors import UsageError
from communique.loader import mapping_text
from communique.model import BuildResult
from communique.options import from_keywords, source_date_epoch
from communique.project import BuildContext, Project


def build_source(
    source: str | Path | Mapping[str, Any],
    out: str | Path | None,
    project: Project | str | Path | None,
    source_date_epoch: int | None,
    options: Mapping[str, Any],
) -> BuildResult:
    """Build `source` as `communique.build` documents."""
    from communique.pipeline import build, build_text

    inline = isinstance(source, Mapping) or (isinstance(source, str) and "\n" in source)
    path = None if inline or isinstance(source, Mapping) else Path(source)
    for what, value in (("data file", path), ("out", out), ("project", project)):
        if isinstance(value, str | Path) and "\0" in str(value):
            raise UsageError(f"the {what} path holds a NUL character", hint="check the path")
    if isinstance(project, Project):
        chosen = project
    elif project is not None:
        chosen = Project.at(Path(project))
    else:
        chosen = Project.discover(path if path else Path.cwd())
    context = BuildContext(chosen, from_keywords(chosen.config.options, options), _epoch(source_date_epoch))
    out_dir = Path(out) if out is not None else chosen.output_dir
    if path is not None:
        return build(path, out_dir, context)
    text = mapping_text(source) if isinstance(source, Mapping) else str(source)
    return build_text(text, None, out_dir, context)


def _epoch(given: int | None) -> int | None:
    """The build time: the argument, else SOURCE_DATE_EPOCH (as the command line reads it)."""
    if given is not None:
        return source_date_epoch(str(given))
    return source_date_epoch(os.environ.get("SOURCE_DATE_EPOCH"))
