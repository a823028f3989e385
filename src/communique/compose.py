"""Typeset document -> HTML, through a layout's Jinja2 templates (sandboxed, autoescaped, strict).

Layouts are folders holding `document.html.j2` (and optionally `style.css` and `description.txt`),
looked up in the project's `layouts/` first, then among the built-in ones. A project layout extends a
built-in one with `{% extends "builtin/sequential/document.html.j2" %}` and overrides its blocks; the
stylesheets of every layout in that chain apply, the built-in's first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from communique.errors import DataError, LayoutError, UnknownLayoutError
from communique.model import Communique, HtmlDocument, TypesetDocument
from communique.options import LAYOUT_NAME
from communique.project import BuildContext, Project

SHARED = "_shared"
TEMPLATE = "document.html.j2"
STYLESHEET = "style.css"
DESCRIPTION = "description.txt"
BUILTIN_PREFIX = "builtin"


@dataclass(frozen=True)
class Layout:
    """A layout folder and where it comes from."""

    name: str
    folder: Path
    origin: str
    """'project' or 'built-in'."""

    def description(self) -> str:
        """The first line of description.txt."""
        note = self.folder / DESCRIPTION
        if not note.is_file():
            return "(no description)"
        lines = note.read_text(encoding="utf-8").strip().splitlines()
        return lines[0] if lines else "(no description)"


def available_layouts(project: Project) -> tuple[Layout, ...]:
    """Every layout the project can use, by name; a project layout hides a built-in one of its name."""
    found: dict[str, Layout] = {}
    for layouts_dir, origin in zip(project.layout_dirs, ("project", "built-in"), strict=True):
        if not layouts_dir.is_dir():
            continue
        for folder in sorted(layouts_dir.iterdir()):
            if folder.name != SHARED and (folder / TEMPLATE).is_file() and folder.name not in found:
                found[folder.name] = Layout(folder.name, folder, origin)
    return tuple(sorted(found.values(), key=lambda layout: layout.name))


def find_layout(project: Project, name: str) -> Layout:
    """Layout `name`; LayoutError naming the available ones if there is none."""
    if re.fullmatch(LAYOUT_NAME, name):
        for layout in available_layouts(project):
            if layout.name == name:
                return layout
    known = ", ".join(layout.name for layout in available_layouts(project))
    shown = name if len(name) <= 64 else name[:61] + "..."
    raise UnknownLayoutError(f"unknown layout {shown!r}", hint=f"available layouts: {known}")


def chosen_layout(context: BuildContext, communique: Communique) -> str:
    """The layout a build uses (option, data, project default); unknown ones are data errors located at
    the data file's `layout`, or usage errors when they come from the command line or the config."""
    name = context.layout_for(communique.layout)
    try:
        find_layout(context.project, name)
    except UnknownLayoutError as error:
        if context.options.layout is None and communique.layout is not None:
            raise DataError(error.message, communique.layout_at, error.hint) from None
        raise
    return name


class _RecordingEnvironment(SandboxedEnvironment):
    """A sandboxed environment that notes the file of every template a render uses (extends, include
    and import go through get_template), so the batch cache knows what a build read."""

    recorder: list[str] | None = None

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> jinja2.Template:
        template = super().get_template(name, parent, globals)
        if self.recorder is not None and template.filename:
            self.recorder.append(template.filename)
        return template


@functools.lru_cache(maxsize=32)
def _environment(folder: Path, project_layouts: Path, builtin_layouts: Path) -> _RecordingEnvironment:
    """One environment per layout and process: templates are compiled once (and reloaded by Jinja2
    when their files change)."""
    own = [folder, project_layouts / SHARED, builtin_layouts / SHARED]
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(path) for path in own if path.is_dir()]),
            jinja2.PrefixLoader({BUILTIN_PREFIX: jinja2.FileSystemLoader(str(builtin_layouts))}),
            jinja2.FileSystemLoader(str(project_layouts)),
        ]
    )
    return _RecordingEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def compose(
    document: TypesetDocument,
    project: Project,
    layout_name: str,
    readable_roots: tuple[Path, ...],
    context: MutableMapping[str, Any] | None = None,
) -> HtmlDocument:
    """Render the layout's template with `document`; the stylesheets of its chain come with it.

    Templates receive `document` (the TypesetDocument), `communique` (the data as loaded), `versions`
    (one prepared Version per language, in order), `project` (metadata defaults) and `assets` (a
    function giving the URL of a file in the project's assets folder).
    """
    layout = find_layout(project, layout_name)
    project_layouts, builtin_layouts = project.layout_dirs
    environment = _environment(layout.folder, project_layouts, builtin_layouts)
    used: list[str] = []
    environment.recorder = used
    try:
        html = environment.get_template(TEMPLATE).render(
            document=document,
            communique=document.communique,
            versions=document.versions,
            project=project.config,
            assets=_asset_url(project),
            **(context or {}),
        )
    except jinja2.TemplateSyntaxError as error:
        raise LayoutError(
            f"{error.filename}:{error.lineno}: template syntax error: {error.message}",
            hint="fix the template",
        ) from error
    except jinja2.TemplateError as error:
        raise LayoutError(
            f"layout '{layout_name}' failed: {error}",
            hint="the template uses something the context does not provide (README: 'Template context')",
        ) from error
    finally:
        environment.recorder = None
    templates = tuple(Path(name).resolve() for name in dict.fromkeys(used))
    return HtmlDocument(
        html,
        layout.folder.resolve().as_uri() + "/",
        _stylesheets(project, templates),
        readable_roots,
        templates,
    )


def _stylesheets(project: Project, templates: tuple[Path, ...]) -> tuple[Path, ...]:
    """Shared styles (built-in, then the project's), then each layout of the chain, base first."""
    chain = [path.parent for path in templates if path.name == TEMPLATE]
    folders = [layouts_dir / SHARED for layouts_dir in reversed(project.layout_dirs)] + chain[::-1]
    return tuple(
        path.resolve() for path in dict.fromkeys(folder / STYLESHEET for folder in folders) if path.is_file()
    )


def _asset_url(project: Project) -> Callable[[str], str]:
    def asset(name: str) -> str:
        path = (project.assets_dir / name).resolve()
        if not path.is_relative_to(project.assets_dir.resolve()) or not path.is_file():
            raise LayoutError(
                f"asset {name!r} is not a file in {project.assets_dir}",
                hint="put images the layout uses in the project's assets folder",
            )
        return path.as_uri()

    return asset
