"""Benchmark a single build of the seed: whole-process wall time of `communique build` and `validate`,
the PDF size, and where the time of one build goes (per stage, in-process).

Usage: .venv/bin/python bench/bench_build.py [--runs N]     (also: make bench)
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
COMMUNIQUE = Path(sys.executable).with_name("communique")


def wall_times(args: list[str], runs: int) -> list[float]:
    """Seconds taken by `communique ARGS` in a new process, `runs` times."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(COMMUNIQUE), *args], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def stage_times() -> list[tuple[str, float]]:
    """Seconds per pipeline stage for one build, imports included, in a fresh interpreter."""
    probe = r"""
import time, datetime
from pathlib import Path
marks = [("start", time.perf_counter())]
import communique.engine.renderer
marks.append(("import WeasyPrint + render stage", time.perf_counter()))
from communique.compose import compose
from communique.pdf.finish import Metadata, finish
from communique.standards import parsed
from communique.fonts import check_coverage, project_fonts
from communique.loader import load
from communique.project import Project
from communique.typeset import typeset
marks.append(("import other stages", time.perf_counter()))
seed = Path(__SEED__)
project = Project.discover(seed)
c = load(seed); marks.append(("load", time.perf_counter()))
fonts = project_fonts(project); check_coverage(c, fonts)
marks.append(("font coverage check", time.perf_counter()))
d = typeset(c); marks.append(("typeset", time.perf_counter()))
h = compose(d, project, c.layout or "sequential", project.readable_roots(seed))
marks.append(("compose", time.perf_counter()))
r = communique.engine.renderer.render(h, fonts.face_css(c.languages), fonts.families, pdf_variant="pdf/ua-1")
marks.append(("render (WeasyPrint)", time.perf_counter()))
finish(r, d, datetime.datetime(2023, 8, 21, tzinfo=datetime.UTC), Metadata("bench"), parsed("pdf/ua-1"))
marks.append(("finish (pypdf)", time.perf_counter()))
for (_, before), (name, after) in zip(marks, marks[1:]):
    print(f"{name}\t{after - before}")
""".replace("__SEED__", repr(str(SEED)))
    output = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return [(name, float(seconds)) for name, seconds in (line.split("\t") for line in output.splitlines())]


def warm_build_times(
    runs: int, reuse_session: bool = True, source: Path | None = None, seed: Path = SEED
) -> list[float]:
    """Seconds per build of `seed` once WeasyPrint is loaded: with a reused render session (what a batch
    worker pays) or a new one per build (what the first build of a process pays besides imports); with
    `source`, the communique package of that source tree (its `src` folder) instead of the installed one."""
    probe = r"""
import sys, tempfile, time
from pathlib import Path
from communique.pipeline import build
from communique.project import BuildContext, Project
from communique.engine.renderer import RenderSession
seed = Path(__SEED__)
context, session = BuildContext(Project.discover(seed)), RenderSession()
with tempfile.TemporaryDirectory() as out:
    for run in range(__RUNS__ + 1):
        start = time.perf_counter()
        build(seed, Path(out), context, session if __REUSE__ else RenderSession())
        if run:
            print(time.perf_counter() - start)
"""
    probe = probe.replace("__SEED__", repr(str(seed))).replace("__RUNS__", str(runs))
    probe = probe.replace("__REUSE__", repr(reuse_session))
    env = {**os.environ, "PYTHONPATH": str(source / "src")} if source else None
    output = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env
    ).stdout
    return [float(line) for line in output.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as out:
        build = wall_times(["build", str(SEED), "--out", out, "--force"], runs)
        unchanged = wall_times(["build", str(SEED), "--out", out], runs)
        size = (Path(out) / "tokyo-helsinki-2023.pdf").stat().st_size
    validate = wall_times(["validate", str(SEED)], runs)
    print(
        f"communique build benchmark, {datetime.date.today()}, Python {sys.version.split()[0]}, {runs} runs"
    )
    print(
        f"  build seed (whole process): median {statistics.median(build):.3f} s, min {min(build):.3f} s"
        "   (target <= 0.8 s)"
    )
    print(
        f"  unchanged rebuild (skipped, whole process): median {statistics.median(unchanged):.3f} s, "
        f"min {min(unchanged):.3f} s"
    )
    print(
        f"  validate seed (whole process): median {statistics.median(validate):.3f} s, "
        f"min {min(validate):.3f} s   (target <= 0.3 s)"
    )
    print(f"  PDF size: {size / 1024:.0f} KiB ({size} bytes)")
    warm = warm_build_times(runs)
    print(
        f"  build seed in a warm process: median {statistics.median(warm) * 1000:.0f} ms, "
        f"min {min(warm) * 1000:.0f} ms"
    )
    print("  one cold build, in-process, by stage:")
    stages = stage_times()
    for name, seconds in stages:
        print(f"    {name:<34} {seconds * 1000:7.1f} ms")
    print(f"    {'total':<34} {sum(s for _, s in stages) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
