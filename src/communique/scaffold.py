"""`communique init`: a new project from the template in the package's data/init/ folder."""

from __future__ import annotations

from pathlib import Path

from communique.errors import UsageError
from communique.project import builtin_data

# Files and folders stored under another name in the package: a wheel would treat a real .gitignore
# specially, and package data globs skip names that start with a dot.
_RENAMED = {"gitignore": ".gitignore", "github": ".github", "gitlab-ci.yml": ".gitlab-ci.yml"}


def create_project(folder: Path, force: bool = False) -> tuple[tuple[Path, bool], ...]:
    """Copy the project template into `folder`; refuse a folder with files in it unless `force`.

    Returns each file written and whether it replaced one (only with `force`), in order.
    """
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file", hint="give a new folder name")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise UsageError(f"{folder} is not empty", hint="give a new folder, or --force to write into it")
    template = builtin_data() / "init"
    sources = sorted(path for path in template.rglob("*") if path.is_file())
    targets = [_target(folder, source.relative_to(template)) for source in sources]
    for target in targets:  # all checked before anything is written
        _refuse_links(folder, target)
    written = []
    for source, target in zip(sources, targets, strict=True):
        existed = target.exists()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
        except OSError as error:
            raise UsageError(f"cannot write {target}: {error.strerror}", hint="check the folder") from error
        written.append((target, existed))
    return tuple(written)


def _target(folder: Path, relative: Path) -> Path:
    return folder.joinpath(*(_RENAMED.get(part, part) for part in relative.parts))


def _refuse_links(folder: Path, target: Path) -> None:
    """UsageError if `target`, or a folder between `folder` and it, is a symbolic link: writing would go
    wherever the link points (a `.gitignore` linked to another file would overwrite that file)."""
    path = folder
    for part in target.relative_to(folder).parts:
        path = path / part
        if path.is_symlink():
            raise UsageError(
                f"{path} is a link to {path.resolve()}; init does not write through links",
                hint="remove the link first, or choose another folder",
            )
