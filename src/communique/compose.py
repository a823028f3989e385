"""Typeset document -> HTML, through a layout's Jinja2 templates (sandboxed, autoescaped, strict).

Layouts are folders holding `document.html.j2` (and optionally `style.css` and `description.txt`),
looked up in the project's `layouts/` first, then among the built-in ones. A project layout extends a
built-in one with `{% extends "builtin/sequential/document.html.j2" %}` and overrides its blocks; the
stylesheets of every layout in that chain apply, the built-in's first.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, MutableMapping
from pathlib import Path, PurePath
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from communique.errors import CommuniqueError, LayoutError
from communique.layouts import SHARED, STYLESHEET, TEMPLATE, find_layout
from communique.model import HtmlDocument, TypesetDocument
from communique.project import Project

BUILTIN_PREFIX = "builtin"
MAX_HTML_CHARACTERS = 20_000_000
"""Most characters a layout's template may produce (the 54-page treaty makes 0.5 million)."""
_MAX_RESULT_BITS = 64_000
"""Largest number a template may raise to a power (about 19,000 decimal digits)."""
# What a template may ask of a path in its context (the image and seal paths): nothing that reads,
# writes or lists files.
_PATH_ATTRIBUTES = frozenset({"name", "stem", "suffix", "as_uri"})


class _LayoutLoader(jinja2.BaseLoader):
    """Templates from a list of folders, first match wins; `builtin/<path>` only from the built-in
    layouts. A template whose real path (symbolic links resolved) is outside `roots` is refused. The
    candidates tried and not found are remembered per name: a file added there later must rebuild."""

    def __init__(self, folders: list[Path], builtin: Path, roots: tuple[Path, ...]):
        self.folders = folders
        self.builtin = builtin
        self.roots = tuple(root.resolve() for root in roots)
        self.absent: dict[str, tuple[Path, ...]] = {}

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        parts = template.split("/")
        if any(part in ("", ".", "..") for part in parts) or "\\" in template:
            raise jinja2.TemplateNotFound(template, "leaves the layout folders")
        folders = [self.builtin] if parts[0] == BUILTIN_PREFIX else self.folders
        parts = parts[1:] if parts[0] == BUILTIN_PREFIX else parts
        missing = []
        for folder in folders:
            candidate = folder.joinpath(*parts)
            if not candidate.is_file():
                missing.append(candidate)
                continue
            real = candidate.resolve()
            if not any(real.is_relative_to(root) for root in self.roots):
                raise jinja2.TemplateNotFound(template, f"is a link to {real}, outside the project")
            self.absent[template] = tuple(missing)
            try:
                text = real.read_text(encoding="utf-8")
            except UnicodeDecodeError as error:
                raise LayoutError(
                    f"{real}: the template is not UTF-8 text (byte {error.start} cannot be read)",
                    hint="save the template as UTF-8",
                ) from None
            return text, str(real), _unchanged(real)
        raise jinja2.TemplateNotFound(template)


def _unchanged(path: Path) -> Callable[[], bool]:
    """Jinja2's up-to-date check: the file still has the modification time it had when read."""
    mtime = path.stat().st_mtime_ns
    return lambda: path.is_file() and path.stat().st_mtime_ns == mtime


_JUDGED: dict[tuple[type, str], bool] = {}
"""(type, attribute name) -> whether templates may read that attribute of objects of that type."""
_MAX_JUDGED = 10_000
"""Judgements kept at most (a hostile template could name attributes without end)."""
_LONGEST_KEPT = 64
"""Longest attribute name whose judgement is kept (a template can make names of any length)."""


class _LayoutEnvironment(SandboxedEnvironment):
    """A sandboxed environment that notes the file of every template a render uses, and the places
    searched in vain before it (extends, include and import all go through get_template), so that
    the batch cache knows what a build read; paths in the context expose no file access."""

    recorder: list[str] | None = None
    absent: list[Path] | None = None

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> jinja2.Template:
        template = super().get_template(name, parent, globals)
        if self.recorder is not None and template.filename:
            self.recorder.append(template.filename)
        if self.absent is not None and isinstance(self.loader, _LayoutLoader):
            self.absent.extend(self.loader.absent.get(str(template.name), ()))
        return template

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's judgement and ours (no file access through a path) depend on the object's type and
        the attribute's name alone: each pair is judged once (a layout reads some 36,000 attributes in
        the 54-page treaty; judging each took a third of composing it)."""
        key = (type(obj), attr)
        judged = _JUDGED.get(key)
        if judged is None:
            judged = not (isinstance(obj, PurePath | os.DirEntry) and attr not in _PATH_ATTRIBUTES) and bool(
                super().is_safe_attribute(obj, attr, value)
            )
            if len(_JUDGED) < _MAX_JUDGED and len(attr) <= _LONGEST_KEPT and attr.isidentifier():
                _JUDGED[key] = judged
        return judged

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """`*` and `**`, refused where the result would be larger than a document needs (a string of a
        thousand million characters, a number of a million digits): computing it would take the
        process's memory or time before any limit could stop it."""
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and right > 0
            and right * abs(left).bit_length() > _MAX_RESULT_BITS
        ):
            raise jinja2.exceptions.SecurityError(f"{left} ** {right} is too large a number")
        if operator == "*" and isinstance(left, int) != isinstance(right, int):
            sequence, count = (right, left) if isinstance(left, int) else (left, right)
            if isinstance(sequence, str | list | tuple) and count * len(sequence) > MAX_HTML_CHARACTERS:
                raise jinja2.exceptions.SecurityError(
                    f"repeating {len(sequence)} items {count} times is too many"
                )
        return super().call_binop(context, operator, left, right)


@functools.lru_cache(maxsize=32)
def _environment(folder: Path, project: Project) -> _LayoutEnvironment:
    """One environment per layout and process: templates are compiled once (and reloaded by Jinja2
    when their files change)."""
    project_layouts, builtin_layouts = project.layout_dirs
    folders = [folder, project_layouts / SHARED, builtin_layouts / SHARED, project_layouts]
    roots = (project.root, project.builtin)
    return _LayoutEnvironment(
        loader=_LayoutLoader(folders, builtin_layouts, roots),
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
    environment = _environment(layout.folder, project)
    used: list[str] = []
    absent: list[Path] = []
    if layout.origin == "built-in":  # a project layout of this name would take its place
        absent.append(project.layout_dirs[0] / layout.name / TEMPLATE)
    environment.recorder, environment.absent = used, absent
    try:
        html = _rendered(
            environment.get_template(TEMPLATE),
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
    except jinja2.TemplateNotFound as error:
        problem = error.message if error.message and error.message != error.name else "is not found"
        raise LayoutError(
            f"{_template_line(error)}layout '{layout_name}': template '{error.name}' {problem}",
            hint="templates come from the layout's folder, layouts/_shared/ and builtin/<layout>/",
        ) from error
    except jinja2.exceptions.SecurityError as error:
        raise LayoutError(
            f"{_template_line(error)}layout '{layout_name}' tried something the sandbox forbids: {error}",
            hint="templates may use the context's values, not files or Python internals",
        ) from error
    except jinja2.TemplateError as error:
        raise LayoutError(
            f"{_template_line(error)}layout '{layout_name}' failed: {error}",
            hint="the template uses something the context does not provide (README: 'Template context')",
        ) from error
    except CommuniqueError:
        raise
    except RecursionError as error:
        raise LayoutError(
            f"{_template_line(error, outside=project.builtin.resolve())}layout '{layout_name}' calls itself "
            "without end",
            hint="a template extends, includes or imports itself, or a macro calls itself with no end",
        ) from None
    except Exception as error:  # the project's template code failed: its error, located, not ours
        raise LayoutError(
            f"{_template_line(error)}layout '{layout_name}' failed: {type(error).__name__}: {error}",
            hint="fix the template at that line",
        ) from error
    finally:
        environment.recorder = environment.absent = None
    templates = tuple(Path(name) for name in dict.fromkeys(used))
    stylesheets, missing = _stylesheets(project, templates)
    return HtmlDocument(
        html,
        layout.folder.resolve().as_uri() + "/",
        stylesheets,
        readable_roots,
        templates,
        tuple(dict.fromkeys((*absent, *missing))),
    )


def _rendered(template: jinja2.Template, **context: Any) -> str:
    """The template's output; LayoutError once it grows past MAX_HTML_CHARACTERS."""
    parts: list[str] = []
    size = 0
    for part in template.generate(**context):
        size += len(part)
        if size > MAX_HTML_CHARACTERS:
            raise LayoutError(
                f"{template.filename}: the layout produces more than {MAX_HTML_CHARACTERS:,} characters",
                hint="a loop in the template runs far longer than the document needs",
            )
        parts.append(part)
    return "".join(parts)


def _template_line(error: BaseException, outside: Path | None = None) -> str:
    """'<template file>:<line>: ' of the innermost template frame of `error`'s traceback (Jinja2 gives
    its frames the template's file and line), or '' where there is none; with `outside`, the innermost
    frame of a template not under that folder where there is one (a project's template that recurses
    through the built-in layout it extends: the line of the project's is the one to fix)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename.endswith(".j2")]
    if outside is not None:
        frames = [frame for frame in frames if not Path(frame.filename).is_relative_to(outside)] or frames
    return f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""


def _stylesheets(project: Project, templates: tuple[Path, ...]) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """Shared styles (built-in, then the project's), then each layout of the chain, base first; and the
    places where a stylesheet would apply but there is none. A stylesheet that is a link to a file
    outside the project and communique's data is refused."""
    chain = [path.parent for path in templates if path.name == TEMPLATE]
    folders = [layouts_dir / SHARED for layouts_dir in reversed(project.layout_dirs)] + chain[::-1]
    found, missing = [], []
    roots = (project.root.resolve(), project.builtin.resolve())
    for candidate in dict.fromkeys(folder / STYLESHEET for folder in folders):
        if not candidate.is_file():
            missing.append(candidate)
            continue
        real = candidate.resolve()
        if not any(real.is_relative_to(root) for root in roots):
            raise LayoutError(
                f"{candidate} is a link to {real}, outside the project", hint="copy the file in"
            )
        found.append(real)
    return tuple(found), tuple(missing)


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
