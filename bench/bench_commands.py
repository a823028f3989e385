"""Benchmark start-up: commands that do not render, and what a cold `communique build` adds on top of
WeasyPrint's own import and one warm build.

Usage: .venv/bin/python bench/bench_commands.py [--runs N] [--src DIR]
`--src` runs another checkout's package (e.g. an older commit unpacked with `git worktree`) through
PYTHONPATH, for before/after figures. Bytecode is written and used, as on users' machines
(PYTHONDONTWRITEBYTECODE is removed), and every command runs once before it is timed.
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
# Runs the command line in-process and reports whether WeasyPrint was imported.
PROBE = (
    "import sys; from communique.cli import main; code = main(sys.argv[1:]); "
    "sys.stderr.write('weasyprint imported\\n' if 'weasyprint' in sys.modules else ''); sys.exit(code)"
)


def environment(src: Path | None) -> dict[str, str]:
    drop = ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    if src:
        env["PYTHONPATH"] = str(src)
    return env


def timed(command: list[str], runs: int, env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Median seconds of `command` over `runs` after one warm-up run, and its stderr."""
    warm = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), warm.stderr


def warm_build_seconds(runs: int, env: dict[str, str]) -> float:
    """Median seconds of one build in a process that has built before, with a new render session (the
    package is the one `env` finds: see --src)."""
    probe = (
        "import sys, tempfile, time\n"
        "from pathlib import Path\n"
        "import communique\n"
        "times = []\n"
        "with tempfile.TemporaryDirectory() as out:\n"
        f"    for run in range({runs} + 1):\n"
        "        start = time.perf_counter()\n"
        f"        communique.build({str(SEED)!r}, out)\n"
        "        times.append(time.perf_counter() - start)\n"
        "print(sorted(times[1:])[len(times[1:]) // 2])\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return float(output.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--src", type=Path, help="the src/ folder of another checkout to measure")
    args = parser.parse_args()
    env = environment(args.src)
    python = [sys.executable, "-c", PROBE]
    print(
        f"communique start-up, {args.runs} runs each (median, bytecode cached)",
        f"for {args.src}" if args.src else "",
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        commands = {
            "--help": ["--help"],
            "layouts": ["layouts"],
            "validate seed": ["validate", str(SEED)],
            "schema": ["schema"],
        }
        if not args.src:
            commands["init"] = ["init", str(folder / "p"), "--force"]
        for name, command in commands.items():
            seconds, stderr = timed([*python, *command], args.runs, env, folder)
            imported = "imports WeasyPrint" if "weasyprint imported" in stderr else "no WeasyPrint"
            print(f"  {name:<16} {seconds:.3f} s   {imported}")
        weasyprint, _ = timed([sys.executable, "-c", "import weasyprint"], args.runs, env, folder)
        cold, _ = timed(
            [sys.executable, "-m", "communique", "build", str(SEED), "--out", str(folder / "out"), "--force"],
            args.runs,
            env,
            folder,
        )
    warm = warm_build_seconds(args.runs, env)
    print(f"  python -c 'import weasyprint'   {weasyprint:.3f} s")
    print(f"  warm build (new render session) {warm:.3f} s")
    print(f"  cold `communique build` seed    {cold:.3f} s")
    print(f"  ours on top: cold - import - warm = {cold - weasyprint - warm:.3f} s   (target < 0.15 s)")


if __name__ == "__main__":
    main()
