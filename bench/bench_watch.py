"""The authoring loop: from a save to the new PDF on disk (`communique watch`) and to the new pages in the
preview (`communique preview`'s event), against a warm build, bare WeasyPrint on the same HTML (the
floor) and a warm Typst compiler recompiling the Typst twin of the edited file (the peer).

Each edit changes one word of the first paragraph, alternating between two spellings; the time runs from
the write to the PDF's replacement (a new inode: write_atomic renames) or to the preview's event.

Usage: .venv/bin/python bench/bench_watch.py [--runs N] [DATA ...]
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_batch import typst_source
from bench_engine import SEED, warm

ROOT = Path(__file__).resolve().parents[1]
EDITS = ("世界が様々な危機", "世界が多くの危機")
ENGLISH_EDITS = (" the ", " this ")


def _edit_pair(text: str) -> tuple[str, str]:
    for pair in (EDITS, ENGLISH_EDITS):
        if pair[0] in text:
            return pair
    raise SystemExit("no known phrase to edit in this data file")


def _editor(data: Path) -> Callable[[int], None]:
    """A function making edit `n` of `data` (alternating spellings), as an editor's save would."""
    original = data.read_text(encoding="utf-8")
    old, new = _edit_pair(original)

    def save(number: int) -> None:
        body = original.index("body:")  # an edit of the text, not of the title or metadata
        edited = original[:body] + original[body:].replace(old, new if number % 2 == 0 else old, 1)
        data.write_text(edited, encoding="utf-8")

    return save


def watch_latencies(source: Path, runs: int) -> list[float]:
    """Seconds from each save to the new PDF on disk, with `communique watch` running."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / source.name
        shutil.copy(source, data)
        out = Path(folder) / "out"
        process = subprocess.Popen(
            [sys.executable, "-m", "communique", "watch", str(data), "--out", str(out)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        try:
            while not process.stdout.readline().startswith("watching"):
                pass
            pdf = out / f"{data.stem}.pdf"
            save = _editor(data)
            seconds = []
            for number in range(runs + 1):
                before = pdf.stat().st_ino
                start = time.perf_counter()
                save(number)
                while pdf.stat().st_ino == before:
                    time.sleep(0.001)
                if number:
                    seconds.append(time.perf_counter() - start)
                process.stdout.readline()  # its "built" line
                time.sleep(0.3)
            return seconds
        finally:
            process.terminate()
            process.wait()


def preview_latencies(source: Path, runs: int) -> list[float]:
    """Seconds from each save to the preview's event announcing the new pages (images drawn)."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / source.name
        shutil.copy(source, data)
        process = subprocess.Popen(
            [sys.executable, "-m", "communique", "preview", str(data), "--no-open"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        try:
            found = re.search(r"127\.0\.0\.1:(\d+)", process.stdout.readline())
            assert found
            connection = http.client.HTTPConnection("127.0.0.1", int(found[1]), timeout=120)
            connection.request("GET", "/events", headers={"Host": f"127.0.0.1:{found[1]}"})
            events = connection.getresponse()

            def next_revision() -> int:
                while True:
                    line = events.readline().decode()
                    if line.startswith("data: "):
                        state = json.loads(line[6:])
                        if state["revision"]:
                            return int(state["revision"])

            next_revision()
            while not process.stdout.readline().startswith("watching"):
                pass
            save = _editor(data)
            seconds = []
            for number in range(runs + 1):
                start = time.perf_counter()
                save(number)
                next_revision()
                if number:
                    seconds.append(time.perf_counter() - start)
                time.sleep(0.3)
            return seconds
        finally:
            process.terminate()
            process.wait()


def typst_recompile(source: Path, runs: int) -> list[float]:
    """Seconds a warm Typst compiler takes for the edited twin (what `typst watch` does on a save)."""
    import typst

    fonts = typst.Fonts(
        include_system_fonts=False,
        include_embedded_fonts=False,
        font_paths=[str(ROOT / "src" / "communique" / "data" / "fonts")],
    )
    compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / source.name
        shutil.copy(source, data)
        save = _editor(data)
        seconds = []
        for number in range(runs + 1):
            save(number)
            start = time.perf_counter()
            compiler.compile(input=typst_source(data))
            if number:
                seconds.append(time.perf_counter() - start)
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9, help="edits per measure (medians are shown)")
    parser.add_argument("documents", nargs="*", type=Path, default=[SEED])
    arguments = parser.parse_args()
    os.chdir(ROOT)
    print(f"medians of {arguments.runs} edits; ms")
    print(
        f"{'document':30} {'watch':>7} {'p90':>6} {'preview':>8} {'warm build':>10} {'bare':>6} {'typst':>6}"
    )
    for source in arguments.documents:
        watched = sorted(watch_latencies(source, arguments.runs))
        previewed = preview_latencies(source, arguments.runs)
        full, bare, _ = warm(source, arguments.runs)
        peer = typst_recompile(source, arguments.runs)
        print(
            f"{source.stem:30} {statistics.median(watched) * 1000:7.0f} "
            f"{watched[int(len(watched) * 0.9)] * 1000:6.0f} {statistics.median(previewed) * 1000:8.0f} "
            f"{statistics.median(full) * 1000:10.0f} {statistics.median(bare) * 1000:6.0f} "
            f"{statistics.median(peer) * 1000:6.1f}"
        )
        print(
            f"{'':30} watch / warm build = {statistics.median(watched) / statistics.median(full):.2f}x, "
            f"preview / warm build = {statistics.median(previewed) / statistics.median(full):.2f}x"
        )


if __name__ == "__main__":
    main()
