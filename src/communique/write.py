"""Atomic output: a temporary file in the target folder, flushed, then renamed over the target."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from communique.errors import OutputError


def output_path(source: Path, out_dir: Path) -> Path:
    """`x/foo.yaml` -> `<out_dir>/foo.pdf`."""
    return out_dir / f"{source.stem}.pdf"


def _partial_prefix(target: Path) -> str:
    return f".{target.name}."


PARTIAL_SUFFIX = ".part"


def remove_partial_files(target: Path) -> None:
    """Remove temporary files that a process killed inside write_atomic(target) left behind."""
    for partial in target.parent.glob(f"{_partial_prefix(target)}*{PARTIAL_SUFFIX}"):
        partial.unlink(missing_ok=True)


def not_replaceable(target: Path) -> str | None:
    """Why `target` must not be replaced by a new file (a folder, a link, a device, a pipe or a socket:
    renaming a file over `/dev/null` would destroy it); None where it is missing or a regular file."""
    try:
        mode = os.lstat(target).st_mode
    except OSError:
        return None  # missing (or unreadable: writing then says why)
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder"
    if stat.S_ISLNK(mode):
        return "is a symbolic link (name the file it points to)"
    return "is not a regular file (a device, a pipe or a socket)"


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` so that readers see either the old file or the whole new one; a target
    that is not a regular file is refused (OutputError), never replaced."""
    refused = not_replaceable(target)
    if refused:
        raise OutputError(
            f"cannot write {target}: it {refused}", hint="give the path of a new or regular file"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            prefix=_partial_prefix(target), suffix=PARTIAL_SUFFIX, dir=target.parent
        )
    except OSError as error:
        raise OutputError(
            f"cannot write to {target.parent}: {error.strerror}",
            hint="check that the folder exists or can be made, and that you may write in it",
        ) from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).chmod(0o644)
        Path(temporary).replace(target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(
                f"cannot write {target}: {error.strerror}", hint="check free space and permissions"
            ) from error
        raise
