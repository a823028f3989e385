"""Warm build time of a data file (the seed by default) now against an earlier revision, in one run;
or, with --batch N, the time of a cold batch build of N documents like the seed over two workers.

Checks the revision out into a temporary git worktree and times warm builds (WeasyPrint loaded, render
session reused) of the seed, or whole `communique build --jobs 2` runs, with each tree's communique
package, alternating between the two so that both see the same machine load. Prints the medians, means
(which count the occasional full garbage collection a median leaves out) and the ratio of the medians.

Usage: .venv/bin/python bench/bench_compare.py REVISION [--runs N] [--rounds R] [--seed FILE] [--batch N]
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_batch import make_corpus
from bench_build import ROOT, SEED, warm_build_times


def batch_seconds(runs: int, corpus: Path, source: Path) -> list[float]:
    """Seconds of each of `runs` cold `communique build CORPUS --jobs 2` with the communique package of
    `source`."""
    command = [sys.executable, "-m", "communique", "build", str(corpus), "--jobs", "2", "--quiet", "--out"]
    seconds = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([*command, out], check=True, env={**os.environ, "PYTHONPATH": str(source / "src")})
            seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("revision", help="the earlier revision (e.g. a commit id)")
    parser.add_argument("--runs", type=int, default=5, help="builds per round and tree")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, alternating the trees")
    parser.add_argument("--seed", type=Path, default=SEED, help="the data file to build")
    parser.add_argument("--batch", type=int, default=0, help="time batches of N documents instead")
    arguments = parser.parse_args()
    seed = arguments.seed.resolve()
    with tempfile.TemporaryDirectory() as folder:
        if arguments.batch:
            what = f"batch of {arguments.batch} documents, --jobs 2"
            corpus = make_corpus(Path(folder) / "corpus", arguments.batch)[0].parent
            measure = functools.partial(batch_seconds, arguments.runs, corpus)
        else:
            what = f"warm build of {seed.name}"
            measure = functools.partial(warm_build_times, arguments.runs, seed=seed)
        before = Path(folder) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(before), arguments.revision], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        try:
            times: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(arguments.rounds):
                times["before"] += measure(source=before)
                times["now"] += measure(source=ROOT)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{what}, {len(times['now'])} runs each, alternating")
    for name, values in times.items():
        print(f"  {name:7} {arguments.revision if name == 'before' else 'working tree':>14}: "
              f"median {medians[name]:.3f} s, mean {statistics.mean(values):.3f} s, "
              f"min {min(values):.3f} s")  # fmt: skip
    print(f"  ratio now / before: {medians['now'] / medians['before']:.2f}")


if __name__ == "__main__":
    main()
