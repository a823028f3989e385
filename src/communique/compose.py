"""Typeset document -> HTML, through a layout's Jinja2 templates (sandboxed, autoescaped, strict)."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from communique.errors import LayoutError
from communique.model import HtmlDocument, TypesetDocument

SHARED = "_shared"
TEMPLATE = "document.html.j2"
STYLESHEET = "style.css"
DESCRIPTION = "description.txt"


def available_layouts(layouts_dir: Path) -> tuple[str, ...]:
    """Names of the layouts under `layouts_dir` (folders holding a document template)."""
    return tuple(
        sorted(
            folder.name
            for folder in layouts_dir.iterdir()
            if folder.name != SHARED and (folder / TEMPLATE).is_file()
        )
    )


def describe_layouts(layouts_dir: Path) -> tuple[tuple[str, str], ...]:
    """(name, one-line description) of every layout; the description is the layout's description.txt."""
    described = []
    for name in available_layouts(layouts_dir):
        note = layouts_dir / name / DESCRIPTION
        text = (
            note.read_text(encoding="utf-8").strip().splitlines()[0] if note.is_file() else "(no description)"
        )
        described.append((name, text))
    return tuple(described)


def layout_folder(layouts_dir: Path, name: str) -> Path:
    """The folder of layout `name`; LayoutError naming the available ones if there is none."""
    folder = layouts_dir / name
    if name == SHARED or not (folder / TEMPLATE).is_file():
        known = ", ".join(available_layouts(layouts_dir))
        raise LayoutError(f"unknown layout '{name}'", hint=f"available layouts: {known}")
    return folder


@functools.lru_cache(maxsize=32)
def _environment(folder: Path, shared: Path) -> SandboxedEnvironment:
    """One sandboxed environment per layout and process: templates are compiled once (and reloaded
    by Jinja2 when their files change)."""
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(folder), str(shared)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def layout_files(layouts_dir: Path, layout: str) -> tuple[Path, ...]:
    """Every file of layout `layout` and of the shared partials, sorted."""
    folder = layout_folder(layouts_dir, layout)
    return tuple(
        sorted(path for base in (folder, layouts_dir / SHARED) for path in base.rglob("*") if path.is_file())
    )


def compose(
    document: TypesetDocument, layouts_dir: Path, layout: str, readable_roots: tuple[Path, ...]
) -> HtmlDocument:
    """Render the layout's template with `document`; the layout's stylesheets come with it.

    Templates receive `document` (the TypesetDocument), `communique` (the data as loaded) and
    `versions` (one prepared Version per language, in order).
    """
    folder = layout_folder(layouts_dir, layout)
    shared = layouts_dir / SHARED
    try:
        html = (
            _environment(folder, shared)
            .get_template(TEMPLATE)
            .render(document=document, communique=document.communique, versions=document.versions)
        )
    except jinja2.TemplateSyntaxError as error:
        raise LayoutError(
            f"{error.filename}:{error.lineno}: template syntax error: {error.message}",
            hint="fix the template",
        ) from error
    except jinja2.TemplateError as error:
        raise LayoutError(
            f"layout '{layout}' failed: {error}",
            hint="the template uses something the context does not provide",
        ) from error
    stylesheets = tuple(path for path in (shared / STYLESHEET, folder / STYLESHEET) if path.is_file())
    return HtmlDocument(html, folder.resolve().as_uri() + "/", stylesheets, readable_roots)
