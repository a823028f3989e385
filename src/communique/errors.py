"""The error root: every failure carries where it happened and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from communique.model import SourceLocation


class CommuniqueError(Exception):
    """Root of every error communique reports to a user."""

    exit_code = 1

    def __init__(self, message: str, location: SourceLocation | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text} (hint: {self.hint})" if self.hint else text

    def as_json(self) -> list[dict[str, object]]:
        """The problem(s) for machines: file, line, column, message, hint (None where unknown)."""
        location = self.location
        return [
            {
                "file": location.path if location else None,
                "line": location.line if location else None,
                "column": location.column if location else None,
                "message": self.message,
                "hint": self.hint,
            }
        ]


class DataError(CommuniqueError):
    """A problem in a communique data file."""

    exit_code = 2


class ErrorList(CommuniqueError):  # noqa: N818 (a list of errors, not one)
    """Several problems found in one pass, reported together in file order."""

    def __init__(self, problems: Iterable[CommuniqueError]):
        self.problems = tuple(sorted(problems, key=_position))
        super().__init__(f"{len(self.problems)} problem(s)")
        self.exit_code = max(problem.exit_code for problem in self.problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)

    def as_json(self) -> list[dict[str, object]]:
        """Every problem, for machines."""
        return [entry for problem in self.problems for entry in problem.as_json()]


class UsageError(CommuniqueError):
    """The command line asked for something impossible."""

    exit_code = 2


class FontError(CommuniqueError):
    """A character is not covered by the bundled fonts, or a font file is wrong."""


class LayoutError(CommuniqueError):
    """A layout is missing or its template failed."""


class UnknownLayoutError(LayoutError):
    """No layout of the name asked for: a usage or data error."""

    exit_code = 2


class RenderError(CommuniqueError):
    """WeasyPrint failed, or warned about something that would spoil the output."""


class EngineError(RenderError):
    """The installed WeasyPrint is not the one communique's hooks are written for."""


class FinishError(CommuniqueError):
    """Post-processing of the rendered PDF failed."""


class OutputError(CommuniqueError):
    """The output file could not be written."""


TEMPORARY_SPACE_HINT = (
    "free some space there, about 45 MB for each process that builds (WeasyPrint's copies of the fonts), "
    "or set TMPDIR to a folder with room"
)


def _position(problem: CommuniqueError) -> tuple[str, int, int]:
    location = problem.location
    return (location.path, location.line, location.column) if location else ("", 0, 0)


QUOTED_LENGTH = 60
"""Characters of a name or path quoted in an error; a longer one is shortened in the middle."""


def quoted(name: str) -> str:
    """`name` quoted for an error message, shortened in the middle (with its length) when long."""
    if len(name) <= QUOTED_LENGTH:
        return repr(name)
    return f"'{name[: QUOTED_LENGTH // 2]}…{name[-QUOTED_LENGTH // 3 :]}' ({len(name)} characters)"


def path_error(error: OSError) -> CommuniqueError:
    """The file system's refusal of a path (too long, not a folder, a loop of links…) as an error that
    names the path (shortened) and says what to do; a usage error where the path was simply wrong."""
    import errno

    name = quoted(str(error.filename)) if error.filename is not None else "a path"
    wrong_path = error.errno in (errno.ENAMETOOLONG, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP)
    problem = UsageError if wrong_path else OutputError
    hint = "use a shorter path" if error.errno == errno.ENAMETOOLONG else "check the path and its permissions"
    return problem(f"cannot use {name}: {error.strerror or error}", hint=hint)


def read_input(path: Path, hint: str) -> bytes:
    """The bytes of a file the user named; a UsageError naming it and `hint` when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}", hint=hint) from error


class SigningError(CommuniqueError):
    """A signature could not be made: the file, the field, the key or its certificate is not right."""
