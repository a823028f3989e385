"""PDF size of the seeds against a Typst twin set from the same text with the same font files.

For each seed in seeds/ and seeds/languages/ given on the command line (default: the reference seed),
builds the print PDF with communique and the Typst twin of bench_batch.typst_source (both versions,
titles, paragraphs, closing, signatories; A4, 10.5 pt), and prints both sizes and their ratio.

Usage: .venv/bin/python bench/bench_size.py [SEED.yaml ...]          (also: make bench)
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench_batch import ROOT, SEED, typst_source

from communique.options import BuildOptions
from communique.pipeline import build
from communique.project import BuildContext, Project

FONTS = ROOT / "src" / "communique" / "data" / "fonts"


def typst_size(seed: Path) -> int:
    """Bytes of the Typst twin's PDF."""
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONTS)])
    compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
    return len(compiler.compile(input=typst_source(seed)))


def main() -> None:
    seeds = [Path(name) for name in sys.argv[1:]] or [SEED]
    print(f"{'seed':36} {'communique':>11} {'Typst':>9} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as out:
        for seed in seeds:
            ours = build(seed, Path(out), BuildContext(Project.discover(seed), BuildOptions())).size
            theirs = typst_size(seed)
            print(f"{seed.stem:36} {ours / 1024:8.1f} KiB {theirs / 1024:6.1f} KiB {ours / theirs:5.2f}x")


if __name__ == "__main__":
    main()
