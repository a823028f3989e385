"""The Python API given what a careless or hostile caller passes: every case is a communique error (a
CommuniqueError with a message and hint), never ValueError, RecursionError or OSError, never a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SEED

import communique
from communique.errors import CommuniqueError


def _seed() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return data


def _nested(depth: int) -> list[Any]:
    top: list[Any] = []
    level = top
    for _ in range(depth):
        level.append([])
        level = level[0]
    return top


CASES: dict[str, tuple[Callable[[Path], object], str]] = {
    "an integer of 5,000 digits": (
        lambda out: communique.build({**_seed(), "date": 10**5000}, out),
        "the mapping holds a value YAML cannot write",
    ),
    "lists nested 600 deep": (
        lambda out: communique.build({**_seed(), "body": _nested(600)}, out),
        "the mapping is nested too deeply to be a communique",
    ),
    "NUL in the data file's path": (
        lambda out: communique.build("seed\0.yaml", out),
        "the data file path holds a NUL character",
    ),
    "NUL in the output folder": (
        lambda out: communique.build(SEED, str(out) + "\0x"),
        "the out path holds a NUL character",
    ),
    "NUL in load's path": (lambda out: communique.load("seed\0.yaml"), "the path holds a NUL character"),
    "text over 2 MiB": (
        lambda out: communique.build(SEED.read_text(encoding="utf-8") + "# " + "x" * 3_000_000 + "\n", out),
        "<data>:1:1: the data is larger than 2 MiB",
    ),
    "text of 1 million CJK characters": (
        lambda out: communique.build(SEED.read_text(encoding="utf-8") + "# " + "字" * 1_000_000 + "\n", out),
        "<data>:1:1: the data is larger than 2 MiB",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_arguments_give_communique_errors(tmp_path: Path, case: str) -> None:
    call, said = CASES[case]
    with pytest.raises(CommuniqueError) as raised:
        call(tmp_path)
    assert said in str(raised.value)
    assert not list(tmp_path.iterdir())


def test_a_fifo_given_as_the_data_file_is_refused_without_blocking(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: the build used to hang for ever."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    script = (
        "import sys, communique; "
        f"sys.exit(0 if communique.build({str(fifo)!r}, {str(tmp_path / 'out')!r}) else 1)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 1
    assert f"{fifo}:1:1: not a regular file (hint: give a data file)" in result.stderr
