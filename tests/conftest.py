"""Shared fixtures: the project's paths, a one-time build of the seed, builds kept for a module, a CLI
runner."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import psutil
import pytest

from communique.model import BuildResult
from communique.options import BuildOptions
from communique.pipeline import build
from communique.project import BuildContext, Project

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "communique" / "data"
FONTS = DATA / "fonts"
LAYOUTS = DATA / "layouts"
SEED = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
REFERENCE = ROOT / "tests" / "reference" / "000_6d8798eff65beabc.txt"
LAYOUT_NAMES = ("sequential", "parallel", "interleaved")
"""The bundled layouts."""


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Run `python -m communique ARGS` as a user would (after `prefix`, e.g. faketime); capture its output."""
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    environment.update(env or {})
    return subprocess.run(
        [*prefix, sys.executable, "-m", "communique", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        check=False,
    )


@pytest.fixture(scope="session", autouse=True)
def temporary_files_in_the_runs_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every temporary file of the tests, and of the processes they start, under this run's base folder,
    which pytest removes three runs later (`make test` at once): a pytest-xdist worker exits without
    collecting its garbage, and WeasyPrint removes its 45 MB of font copies only when their configuration
    is collected (6-8 such folders were left in /tmp by every run)."""
    folder = tmp_path_factory.getbasetemp() / "tmp"
    folder.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(folder))
        patch.setattr(tempfile, "tempdir", str(folder))
        yield


@pytest.fixture(scope="session")
def build_seed(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., BuildResult]:
    """Build a data file into a fresh folder, in-process (WeasyPrint imported once per session)."""

    def builder(source: Path = SEED, source_date_epoch: int | None = None, **options: object) -> BuildResult:
        out = tmp_path_factory.mktemp("build")
        context = BuildContext(Project.discover(source), BuildOptions(**options), source_date_epoch)  # type: ignore[arg-type]
        return build(source, out, context)

    return builder


@pytest.fixture(scope="session")
def seed_pdf(build_seed: Callable[..., BuildResult]) -> Path:
    """The seed, built once for the whole session."""
    return build_seed().output


def start_batch(data: Path, out: Path, *flags: str) -> psutil.Popen:
    """`communique build DATA --out OUT --jobs 2 FLAGS` in the background, in its own process group (as a
    terminal's foreground job), with CI set for plain progress lines and its temporary files in the
    empty folder `temporary_folder(out)`."""
    temporary_folder(out).mkdir(parents=True)
    return psutil.Popen(
        [sys.executable, "-m", "communique", "build", str(data), "--out", str(out), "--jobs", "2", *flags],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1", "TMPDIR": str(temporary_folder(out))},
        start_new_session=True,
    )


def temporary_folder(out: Path) -> Path:
    """The folder a batch started by `start_batch` keeps its temporary files in."""
    return out.parent / "temporary"


def write_data(folder: Path, text: str, name: str = "doc.yaml") -> Path:
    """Write a data file and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def seed_text() -> str:
    """The seed's YAML, for tests that derive variants from it."""
    return SEED.read_text(encoding="utf-8")


class Composed(Protocol):
    def __call__(self, source: Path, layout: str, paper: str = "A4") -> Path: ...


class SharedBuild(Protocol):
    def __call__(self, source: Path, layout: str, paper: str = "A4") -> BuildResult: ...


@pytest.fixture(scope="session")
def shared_build(build_seed: Callable[..., BuildResult]) -> SharedBuild:
    """Build a data file in a layout and paper once for the whole session, for tests that only read what
    the build made (the gallery, the typography and line-breaking tests share the treaty's builds)."""
    built: dict[tuple[Path, str, str], BuildResult] = {}

    def result(source: Path, layout: str, paper: str = "A4") -> BuildResult:
        if (source, layout, paper) not in built:
            built[source, layout, paper] = build_seed(source, layout=layout, paper=paper)
        return built[source, layout, paper]

    return result


@pytest.fixture(scope="session")
def composed(shared_build: SharedBuild) -> Composed:
    """Build a data file in a layout and paper once for the session: the PDF's path."""

    def pdf(source: Path, layout: str, paper: str = "A4") -> Path:
        return shared_build(source, layout, paper).output

    return pdf
