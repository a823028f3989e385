"""The bad-input corpus (tests/data/hostile/): every case ends with exit 0 or 2, errors located at
file:line:column, never a traceback or an internal error, and a failed build leaves no file behind."""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from communique.cli import main

CORPUS = ROOT / "tests" / "data" / "hostile"
sys.path.insert(0, str(CORPUS))
from make_corpus import large_cases, small_cases, write  # noqa: E402

CASES = sorted(path.name for path in (CORPUS / "cases").iterdir())
LARGE = sorted(large_cases())
REFUSED_WITHIN = 10
"""Seconds a refusal may take: 1–2 s alone, 5.2 s seen with the suite's other worker building beside it."""
VALID = {"python-tag"}  # a YAML tag is only a hint: the mapping under it is ordinary data


def test_the_committed_corpus_is_what_the_script_makes() -> None:
    made = small_cases()
    assert sorted(made) == CASES
    for name, files in made.items():
        for relative, data in files.items():
            assert (CORPUS / "cases" / name / relative).read_bytes() == data, f"{name}/{relative}"


def run_case(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = folder / "doc.yaml"
    out = folder / "out"
    expected = 0 if folder.name in VALID else 2
    for argv in (["validate", str(data)], ["build", str(data), "--out", str(out), "--quiet"]):
        started = time.monotonic()
        code = main(argv)
        captured = capsys.readouterr()
        assert code == expected, (argv[0], code, captured.err)
        assert expected == 0 or time.monotonic() - started < REFUSED_WITHIN, "refused, but not within seconds"
        assert "Traceback" not in captured.err and "internal error" not in captured.err
        if code == 2:
            assert re.search(rf"{re.escape(str(data))}:\d+:\d+: ", captured.err), captured.err
    left = sorted(path.name for path in out.iterdir()) if out.exists() else []
    assert left in ([], ["doc.pdf", "manifest.json"]), left
    assert not list(folder.glob("**/.*.part"))


@pytest.mark.parametrize("case", CASES)
def test_committed_case(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(CORPUS / "cases" / case, tmp_path / case)
    run_case(tmp_path / case, capsys)


@pytest.mark.parametrize("case", LARGE)
def test_large_case(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write({case: large_cases()[case]}, tmp_path)
    run_case(tmp_path / case, capsys)


@pytest.mark.parametrize("value", ["-1", "1e9", "99999999999999", "１２３", "12 34"])
def test_source_date_epoch_out_of_range_is_a_usage_error(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    seed = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
    assert main(["build", str(seed), "--out", str(tmp_path)]) == 2
    assert "SOURCE_DATE_EPOCH" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
