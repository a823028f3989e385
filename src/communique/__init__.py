"""communique: official bilingual communiques as print-ready and archival PDFs.

    >>> import communique
    >>> result = communique.build("data/example.yaml")            # into the project's build/
    >>> result.output, result.page_count
    >>> communique.build("data/example.yaml", "out/", archival=True, paper="Letter")
    >>> communique.build("data/example.yaml", format="png", pages="1-2", dpi=150).images

`build` takes a data file's path, YAML text or a mapping, and raises the project's error types
(`DataError` with file:line:column, `LayoutError`, `FontError`, `RenderError`, ...), all `CommuniqueError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communique.errors import (
    CommuniqueError,
    DataError,
    ErrorList,
    FontError,
    LayoutError,
    OutputError,
    RenderError,
    UsageError,
)
from communique.options import BuildOptions
from communique.project import Project

if TYPE_CHECKING:
    from communique.loader import load as load
    from communique.model import BuildResult

__version__ = "0.2.0"
__all__ = [
    "BuildOptions",
    "CommuniqueError",
    "DataError",
    "ErrorList",
    "FontError",
    "LayoutError",
    "OutputError",
    "Project",
    "RenderError",
    "UsageError",
    "__version__",
    "build",
    "load",
]


def build(
    source: str | Path | Mapping[str, Any],
    out: str | Path | None = None,
    *,
    project: Project | str | Path | None = None,
    source_date_epoch: int | None = None,
    format: str = "pdf",
    pages: str | None = None,
    dpi: int | None = None,
    **options: Any,
) -> BuildResult:
    """Build one communique into `out` (default: the project's output folder) and return the result.

    `source` is a data file's path, YAML text (anything with a line break) or a mapping of the data
    fields; text and mappings are written as `<id>.pdf` and read images relative to the project.
    `project` is a Project or its folder (default: found from the data file, else the current folder).
    `options` are BuildOptions fields (layout, paper, strict, print_marks, archival); they override
    the project's communique.toml. Nothing is written unless the build succeeds.
    `format="png"` or `"svg"` writes page images `<stem>-<page>.<format>` instead of the PDF (`pages`
    such as "1-2", `dpi` for PNG); the result's `images` lists them.
    """
    from communique.api import build_source

    images = (format, pages, dpi)
    return build_source(source, out, project, source_date_epoch, options, images)


def __getattr__(name: str) -> object:
    # Loading pulls in YAML and jsonschema; import it on first use so `communique --help` stays fast.
    if name == "load":
        from communique.loader import load

        return load
    raise AttributeError(name)
