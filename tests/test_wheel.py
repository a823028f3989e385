"""An installed wheel is a complete tool: built, installed into a fresh virtualenv (not editable) and
used from a folder outside the repository, as a new user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from pdftools import compact, page_texts


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel built from this checkout installed; returns its bin folder."""
    wheels = tmp_path_factory.mktemp("wheels")
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            ".",
        ],
        ROOT,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("communique-*-py3-none-any.whl")
    venv = tmp_path_factory.mktemp("venv")
    base_python = getattr(sys, "_base_executable", sys.executable)
    assert run([base_python, "-m", "venv", str(venv)], ROOT).returncode == 0
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    result = run([*pip, "-c", str(ROOT / "requirements.lock"), str(wheel)], ROOT)
    assert result.returncode == 0, result.stderr
    return venv / "bin"


def test_the_installed_wheel_starts_a_project_and_builds_it(
    installed: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("user")
    communique = str(installed / "communique")
    assert run([communique, "init", "office"], elsewhere).returncode == 0
    project = elsewhere / "office"

    layouts = run([communique, "layouts"], project)
    assert layouts.returncode == 0, layouts.stderr
    names = [line.split()[0] for line in layouts.stdout.splitlines()]
    assert names == ["interleaved", "letterhead", "parallel", "sequential"]

    validated = run([communique, "validate", "data/"], project)
    assert validated.returncode == 0 and "ok data/example.yaml" in validated.stdout, validated.stderr

    built = run([communique, "build", "data/", "--strict"], project)
    assert built.returncode == 0, built.stderr
    pdf = project / "build" / "example.pdf"
    texts = page_texts(pdf)
    assert "カワセミ市とポートアルダー市との" in compact(texts[0])
    assert "Office of International Affairs" in texts[0] and "kawasemi-port-alder-2026" in texts[-1]
    assert "Memorandum on Friendship and Exchange" in texts[1]

    inspected = run([str(installed / "python"), "-m", "communique", "inspect", "--json", str(pdf)], project)
    assert inspected.returncode == 0, inspected.stderr
    fonts = {font["name"].split("+", 1)[1] for font in json.loads(inspected.stdout)["fonts"]}
    assert fonts == {
        "Communique-Serif",
        "Communique-Serif-Bold",
        "Communique-Serif-JP",
        "Communique-Serif-JP-Bold",
    }

    script = (
        "import communique; r = communique.build('data/example.yaml', 'api'); print(r.output, r.page_count)"
    )
    from_python = run([str(installed / "python"), "-c", script], project)
    assert from_python.returncode == 0, from_python.stderr
    assert from_python.stdout.split() == ["api/example.pdf", "2"]
    assert (project / "api" / "example.pdf").read_bytes() == pdf.read_bytes()


def test_the_installed_package_holds_no_path_into_the_checkout(installed: Path) -> None:
    code = "import communique.project as p, pathlib; print(p.builtin_data())"
    where = run([str(installed / "python"), "-c", code], installed)
    assert where.returncode == 0, where.stderr
    data = Path(where.stdout.strip())
    assert not data.is_relative_to(ROOT) and (data / "fonts" / "manifest.json").is_file()
