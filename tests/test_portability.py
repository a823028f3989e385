"""communique where Linux-only calls are missing, as on macOS (no os.sched_getaffinity, no RLIMIT_AS that
holds) or further (no `resource` module, no interval timer, no fork server): single builds and batches
still build the same bytes. The calls are removed in every process of the run, workers too, by a
sitecustomize module on PYTHONPATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEED, seed_text, write_data

WITHOUT_LINUX = """
import multiprocessing, os, signal, sys
del os.sched_getaffinity
sys.modules["resource"] = None  # `import resource` fails, as on Windows
del signal.setitimer  # no timer signal: even one document is built in a worker
_methods = multiprocessing.get_all_start_methods
multiprocessing.get_all_start_methods = lambda: [m for m in _methods() if m != "forkserver"]
"""


def _build(*arguments: str, site: Path | None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-m", "communique", "build", *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        check=False,
    )


def test_builds_without_linux_only_calls_give_the_same_bytes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(WITHOUT_LINUX, encoding="utf-8")
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal; print(hasattr(os, 'sched_getaffinity'), hasattr(signal, 'setitimer'))",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(site)},
        check=True,
    )
    assert probe.stdout.split() == ["False", "False"]  # the sitecustomize took effect
    data = tmp_path / "data"
    data.mkdir()
    for number in range(3):
        write_data(
            data, seed_text().replace("id: tokyo-helsinki-2023", f"id: doc-{number}"), f"doc{number}.yaml"
        )
    single = _build(str(SEED), "--out", str(tmp_path / "single"), "--memory-limit", "1024", site=site)
    assert single.returncode == 0, single.stderr
    assert "this system cannot limit a process's memory, so --memory-limit is not applied" in single.stderr
    batch = _build(str(data), "--out", str(tmp_path / "batch"), "--jobs", "2", site=site)
    assert batch.returncode == 0, batch.stderr
    reference = _build(str(SEED), "--out", str(tmp_path / "reference"), site=None)
    assert reference.returncode == 0
    expected = (tmp_path / "reference" / "tokyo-helsinki-2023.pdf").read_bytes()
    assert (tmp_path / "single" / "tokyo-helsinki-2023.pdf").read_bytes() == expected
    batch_reference = _build(str(data), "--out", str(tmp_path / "batch-reference"), "--jobs", "2", site=None)
    assert batch_reference.returncode == 0
    names = sorted(path.name for path in (tmp_path / "batch").glob("doc*.pdf"))
    assert len(names) == 3
    for name in names:
        built = (tmp_path / "batch" / name).read_bytes()
        assert built == (tmp_path / "batch-reference" / name).read_bytes(), name
