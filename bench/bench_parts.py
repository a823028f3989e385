"""A long document rendered in parts on every core against one process (issue 19: the 54-page treaty
≥ 1.6× faster on 2 cores).

In one process, alternating: the whole build (compose, render, finish) with one worker and with
`--jobs` workers (forked per build, as the command line does), the render session reused; then the
command line itself, `communique build DATA --jobs 1` against `--jobs N`, each in a new process.

Usage: .venv/bin/python bench/bench_parts.py [--runs N] [--jobs N] [DATA]
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREATY = ROOT / "seeds" / "partnership-treaty-long.yaml"
COMMUNIQUE = Path(sys.executable).with_name("communique")


def warm(source: Path, runs: int, jobs: int) -> tuple[list[float], list[float]]:
    """Seconds per build with one worker and with `jobs`, alternating, one render session."""
    from dataclasses import replace

    from communique.engine.renderer import RenderSession
    from communique.pipeline import build
    from communique.project import BuildContext, Project

    one = BuildContext(Project.discover(source))
    many = replace(one, workers=jobs)
    session = RenderSession()
    alone: list[float] = []
    parted: list[float] = []
    with tempfile.TemporaryDirectory() as out:
        for run in range(runs + 1):
            for context, times in ((one, alone), (many, parted)):
                gc.collect()  # neither pays for collecting the other's garbage (bench_engine.py)
                start = time.perf_counter()
                build(source, Path(out), context, session)
                if run:
                    times.append(time.perf_counter() - start)
    return alone, parted


def cold(source: Path, runs: int, jobs: int) -> tuple[list[float], list[float]]:
    """Seconds per `communique build` in a new process with --jobs 1 and --jobs `jobs`, alternating."""
    alone: list[float] = []
    parted: list[float] = []
    with tempfile.TemporaryDirectory() as out:
        for run in range(runs + 1):
            for flag, times in (("1", alone), (str(jobs), parted)):
                start = time.perf_counter()
                command = [str(COMMUNIQUE), "build", str(source), "--out", out, "--force", "--jobs", flag]
                subprocess.run(command, check=True, capture_output=True)
                if run:
                    times.append(time.perf_counter() - start)
    return alone, parted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("data", nargs="?", type=Path, default=TREATY)
    arguments = parser.parse_args()
    for name, measure in (("warm, in one process", warm), ("`communique build`, new process", cold)):
        alone, parted = measure(arguments.data, arguments.runs, arguments.jobs)
        one, many = statistics.median(alone), statistics.median(parted)
        print(
            f"{arguments.data.stem} {name}: one process {one:.2f} s ({min(alone):.2f}–{max(alone):.2f}), "
            f"{arguments.jobs} workers {many:.2f} s ({min(parted):.2f}–{max(parted):.2f}): "
            f"{one / many:.2f}x  (medians of {arguments.runs})"
        )


if __name__ == "__main__":
    main()
