"""Finding layouts: folders holding `document.html.j2` (and optionally `style.css` and
`description.txt`) in the project's `layouts/` first, then among the built-in ones. No Jinja2 here, so
`communique layouts` and `validate` stay light."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from communique.errors import DataError, UnknownLayoutError, quoted
from communique.model import Communique
from communique.options import LAYOUT_NAME
from communique.project import BuildContext, Project

SHARED = "_shared"
TEMPLATE = "document.html.j2"
STYLESHEET = "style.css"
DESCRIPTION = "description.txt"


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
            usable = re.fullmatch(LAYOUT_NAME, folder.name) and (folder / TEMPLATE).is_file()
            if usable and folder.name not in found:
                found[folder.name] = Layout(folder.name, folder, origin)
    return tuple(sorted(found.values(), key=lambda layout: layout.name))


def find_layout(project: Project, name: str) -> Layout:
    """Layout `name`; LayoutError naming the available ones if there is none."""
    if re.fullmatch(LAYOUT_NAME, name):
        for layout in available_layouts(project):
            if layout.name == name:
                return layout
    names = [layout.name for layout in available_layouts(project)]
    close = difflib.get_close_matches(name, names, n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    hint = f"{suggestion}available layouts: {', '.join(names)}"
    raise UnknownLayoutError(f"unknown layout {quoted(name)}", hint=hint)


def chosen_layout(context: BuildContext, communique: Communique) -> str:
    """The layout a build uses (option, data, project default); unknown ones are data errors located at
    the data file's `layout`, or usage errors when they come from the command line or the config."""
    name = context.layout_for(communique.layout)
    try:
        find_layout(context.project, name)
    except UnknownLayoutError as error:
        config = context.project.config
        if context.options.layout is not None:  # the command line's, or communique.toml's [build]
            given = context.options.layout == config.options.layout
            location = config.location("build.layout") if given else None
        elif communique.layout is not None:
            location = communique.layout_at
        else:
            location = config.location("defaults.layout")
        if location is not None:
            raise DataError(error.message, location, error.hint) from None
        raise
    return name
