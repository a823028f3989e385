"""Data file -> Communique in three steps: read YAML with positions, check it against the one schema,
build the model. Every problem is located as file:line:column, and all are reported together."""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from communique.errors import DataError, ErrorList, UsageError
from communique.loader.checks import check_document
from communique.loader.construct import ModelBuilder
from communique.loader.yaml_tree import read_yaml
from communique.model import Communique, SourceLocation

INLINE_LABEL = "<data>"
MAX_DATA_BYTES = 2 * 1024 * 1024
"""Largest data file accepted (a 30-page treaty in two languages is about 150 KB)."""


def load(source: Path | str | Mapping[str, Any], folder: Path | None = None) -> Communique:
    """Read and check one communique: a data file's path, YAML text, or a mapping of the same fields.

    Images are looked up relative to the data file's folder, or to `folder` (default: the current
    folder) for text and mappings. Raises ErrorList listing every problem.
    """
    if isinstance(source, Mapping):
        source = mapping_text(source)
    if isinstance(source, str) and "\n" in source:
        return load_text(source, INLINE_LABEL, Path(INLINE_LABEL), folder or Path.cwd())
    path = Path(source)
    return load_text(read_text(path), str(path), path, path.resolve().parent)


def mapping_text(source: Mapping[str, Any]) -> str:
    """A mapping of data fields as YAML text (what `load` and `communique.build` read it as);
    UsageError for values YAML cannot write."""
    hint = "give plain values: text, numbers, lists, mappings"
    try:
        return yaml.safe_dump(dict(source), allow_unicode=True, sort_keys=False)
    except yaml.YAMLError as error:
        raise UsageError(f"the mapping cannot be written as YAML: {error}", hint=hint) from None
    except RecursionError:
        raise UsageError("the mapping is nested too deeply to be a communique", hint=hint) from None
    except ValueError as error:  # an integer of thousands of digits
        raise UsageError(f"the mapping holds a value YAML cannot write ({error})", hint=hint) from None


def read_text(path: Path) -> str:
    """The data file's text; ErrorList (located at 1:1) if it cannot be read as UTF-8."""
    start = SourceLocation(str(path), 1, 1)
    try:
        if "\0" in str(path):
            raise ErrorList([DataError("the path holds a NUL character", start, "check the path")])
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block
            raise ErrorList([DataError("not a regular file", start, "give a data file")])
        with path.open("rb") as handle:
            data = handle.read(MAX_DATA_BYTES + 1)
        if len(data) > MAX_DATA_BYTES:
            message = f"the file is larger than {MAX_DATA_BYTES // 1024 // 1024} MiB"
            raise ErrorList([DataError(message, start, "split it into several documents")])
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ErrorList([DataError("no such file", start, "check the path")]) from None
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text ({error.reason} at byte {error.start})"
        raise ErrorList([DataError(message, start, "save the file as UTF-8")]) from None
    except OSError as error:
        raise ErrorList([DataError(f"cannot read the file: {error.strerror}", start)]) from None


def load_text(text: str, label: str, source: Path, folder: Path) -> Communique:
    """Check and build a communique from YAML `text`, reported as `label`."""
    if len(text) * 4 > MAX_DATA_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_DATA_BYTES:
        start = SourceLocation(label, 1, 1)
        message = f"the data is larger than {MAX_DATA_BYTES // 1024 // 1024} MiB"
        raise ErrorList([DataError(message, start, "split it into several documents")])
    tree = read_yaml(text, label)
    problems = check_document(tree)
    if problems:
        raise ErrorList(problems)
    builder = ModelBuilder(tree, source, folder.resolve())
    communique = builder.communique()
    if builder.problems:
        raise ErrorList(builder.problems)
    return communique
