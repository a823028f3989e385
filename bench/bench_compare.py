"""Warm build time of a data file (the seed by default) now against an earlier revision, in one run.

Checks the revision out into a temporary git worktree and times warm builds (WeasyPrint loaded, render
session reused) of the seed with each tree's communique package, alternating between the two so that
both see the same machine load. Prints the medians and their ratio.

Usage: .venv/bin/python bench/bench_compare.py REVISION [--runs N] [--rounds R] [--seed FILE]
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench_build import ROOT, SEED, warm_build_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("revision", help="the earlier revision (e.g. a commit id)")
    parser.add_argument("--runs", type=int, default=5, help="builds per round and tree")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, alternating the trees")
    parser.add_argument("--seed", type=Path, default=SEED, help="the data file to build")
    arguments = parser.parse_args()
    seed = arguments.seed.resolve()
    with tempfile.TemporaryDirectory() as folder:
        before = Path(folder) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(before), arguments.revision], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        try:
            times: dict[str, list[float]] = {"before": [], "now": []}
            for _ in range(arguments.rounds):
                times["before"] += warm_build_times(arguments.runs, source=before, seed=seed)
                times["now"] += warm_build_times(arguments.runs, source=ROOT, seed=seed)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"warm build of {seed.name}, {len(times['now'])} builds each, alternating")
    for name, values in times.items():
        print(f"  {name:7} {arguments.revision if name == 'before' else 'working tree':>14}: "
              f"median {medians[name]:.3f} s, min {min(values):.3f} s")  # fmt: skip
    print(f"  ratio now / before: {medians['now'] / medians['before']:.2f}")


if __name__ == "__main__":
    main()
