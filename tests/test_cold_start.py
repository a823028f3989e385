"""Cold start: `communique build` of one document in a new process loads only what a print build needs.

Issue 19 allows a cold build at most 0.3 s over `import weasyprint` and a warm build; the figure is
measured by bench/bench_engine.py, never here. What is asserted is what the process loads.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import SEED

OTHER_COMMANDS_ONLY = (
    "multiprocessing",  # worker pools: several documents
    "importlib.metadata",  # only where a library's version has no .dist-info folder beside it
    "pikepdf",
    "pyhanko",  # signing
    "pypdfium2",  # page images, preview
    "watchfiles",  # watch
    "http.server",  # preview server
    "communique.compare",  # redline
    "communique.pdf.signing",
    "communique.pdf.verify",
    "communique.pdf.inspect",
    "communique.preview.watch",
    "communique.preview.server",
)
"""Modules a print build of one document does without: they belong to other commands or to batches."""


def test_a_one_document_build_loads_nothing_only_other_commands_need(tmp_path: Path) -> None:
    code = (
        "import sys; from communique.cli import main; "
        "code = main(['build', sys.argv[1], '--out', sys.argv[2], '--strict']); "
        f"print(' '.join(name for name in {OTHER_COMMANDS_ONLY!r} if name in sys.modules)); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(SEED), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"{SEED.stem}.pdf").is_file()
    loaded = result.stdout.splitlines()[-1].split()
    assert loaded == [], f"a one-document build imported {loaded}"
