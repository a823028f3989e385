"""Measure the Japanese and English typography of built PDFs, with and without the JLReq rules.

Usage: .venv/bin/python bench/measure_typography.py
'without' builds the same documents with every Japanese run left plain (no gaps, no half-width
punctuation, no line-break binding), which is what WeasyPrint does on its own.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from typography import (  # noqa: E402
    BODY_SIZE,
    body_lines,
    kinsoku_violations,
    latin_boundaries,
    line_shortfalls,
    version_lines,
)

from communique.model import Run  # noqa: E402
from communique.pipeline import build  # noqa: E402
from communique.project import BuildContext, Project  # noqa: E402

DOCUMENTS = {
    "seed": ROOT / "seeds/tokyo-helsinki-2023.yaml",
    "stress": ROOT / "tests/data/typography-stress.yaml",
}
PAIRS = ("」、", "、「", "」。", "。（", "）「", "」「", "。」")


def measure(pdf: Path) -> dict[str, str]:
    ja = body_lines(pdf, "ja")
    boundaries = latin_boundaries(ja)
    gapped = [gap for _, gap in boundaries if gap >= 0.1]
    shortfalls = line_shortfalls(ja)
    compressed = total = 0
    for line in ja:
        for index in range(len(line.glyphs) - 1):
            if line.text[index : index + 2] in PAIRS:
                total += 1
                compressed += (line.glyphs[index + 1].x - line.glyphs[index].x) / BODY_SIZE < 0.6
    widest = max(
        (
            (right.left - left.right) / BODY_SIZE
            for line in version_lines(pdf)
            if line.lang == "en"
            for left, right in zip(line.glyphs, line.glyphs[1:], strict=False)
        ),
        default=0.0,
    )
    return {
        "JA-Latin boundaries with a gap": f"{len(gapped)} of {len(boundaries)}",
        "consecutive punctuation set half-width": f"{compressed} of {total}",
        "kinsoku violations": str(len(kinsoku_violations(ja))),
        "full JA lines ending flush": f"{sum(value <= 0.01 for value in shortfalls)} of {len(shortfalls)}",
        "largest JA right-edge shortfall": f"{max(shortfalls, default=0):.2f} em",
        "widest English word space": f"{widest:.2f} em",
    }


def main() -> None:
    results: dict[str, dict[str, dict[str, str]]] = {}
    with tempfile.TemporaryDirectory() as out:
        for variant in ("without", "with"):
            for name, source in DOCUMENTS.items():
                target = Path(out) / variant
                if variant == "without":
                    with mock.patch("communique.jlreq.runs", lambda text: (Run(text, ""),)):
                        pdf = build(source, target, BuildContext(Project.discover(source))).output
                else:
                    pdf = build(source, target, BuildContext(Project.discover(source))).output
                results.setdefault(name, {})[variant] = measure(pdf)
    for name, variants in results.items():
        print(f"{name}:")
        for metric in variants["with"]:
            print(
                f"  {metric:<42} without: {variants['without'][metric]:<12} with: {variants['with'][metric]}"
            )


if __name__ == "__main__":
    main()
