"""Copy-paste of scripts with marks (issue 12), measured from the PDFs in four text extractors.

Builds seeds/languages/th-en.yaml and ar-en.yaml (sequential layout) with communique, and a Typst twin of
the Arabic paragraphs (same font file, same size, justified, right to left), then prints a markdown table:
Thai and Arabic body paragraphs copied exactly, and Arabic words (letters and harakat) copied exactly --
pdfminer.six applies no bidi algorithm, so its words are also counted in visual order (reversed).

Usage: .venv/bin/python bench/measure_copy.py [--out DIR]
Figures go to issue notes and the README; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

from measure_typography import typst_compiler  # noqa: E402
from typography import (  # noqa: E402
    ARABIC_WORD,
    BIDI_CONTROLS,
    EXTRACTORS,
    extracted_text,
    found_exactly,
    version_paragraphs,
)

from communique.options import BuildOptions  # noqa: E402
from communique.pipeline import build  # noqa: E402
from communique.project import BuildContext, Project  # noqa: E402

LANGUAGES = ROOT / "seeds" / "languages"


def built(source: Path, out: Path) -> Path:
    context = BuildContext(Project.discover(source), BuildOptions(layout="sequential"), None)
    return build(source, out, context).output


def typst_arabic(texts: list[str], out: Path) -> Path:
    """Typst's PDF of the Arabic paragraphs: Communique Naskh Arabic, 10.5 pt, justified, 170 mm wide."""
    body = "\n\n".join(text.replace("#", "\\#").replace("%", "\\%") for text in texts)
    source = (
        "#set page(width: 210mm, height: 297mm, margin: 20mm)\n"
        '#set text(font: "Communique Naskh Arabic", lang: "ar", size: 10.5pt)\n'
        f"#set par(justify: true)\n{body}\n"
    )
    pdf = out / "typst-ar.pdf"
    pdf.write_bytes(typst_compiler()(source.encode()))
    return pdf


def counts(pdf: Path, texts: list[str]) -> dict[str, str]:
    """Per extractor: paragraphs exact, and for Arabic words exact (and in visual order)."""
    words = collections.Counter(word for text in texts for word in ARABIC_WORD.findall(text))
    result = {}
    for extractor in EXTRACTORS:
        text = extracted_text(pdf, extractor)
        cell = f"{sum(found_exactly(paragraph, text) for paragraph in texts)}/{len(texts)} paragraphs"
        if words:
            found = collections.Counter(ARABIC_WORD.findall(BIDI_CONTROLS.sub("", text)))
            exact = sum(min(n, found[word]) for word, n in words.items())
            cell += f", {exact}/{sum(words.values())} words"
            if extractor == "pdfminer.six":
                reversed_found = collections.Counter(word[::-1] for word in found.elements())
                cell += f" ({sum(min(n, reversed_found[word]) for word, n in words.items())} reversed)"
        result[extractor] = cell
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the PDFs there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        out = args.out or Path(temporary)
        out.mkdir(parents=True, exist_ok=True)
        thai = version_paragraphs(LANGUAGES / "th-en.yaml", "th")
        arabic = version_paragraphs(LANGUAGES / "ar-en.yaml", "ar")
        rows = {
            "Thai (th-en)": counts(built(LANGUAGES / "th-en.yaml", out), thai),
            "Arabic (ar-en)": counts(built(LANGUAGES / "ar-en.yaml", out), arabic),
            "Arabic, Typst twin": counts(typst_arabic(arabic, out), arabic),
        }
    print("| | " + " | ".join(EXTRACTORS) + " |")
    print("|---|" + "---|" * len(EXTRACTORS))
    for name, cells in rows.items():
        print(f"| {name} | " + " | ".join(cells[extractor] for extractor in EXTRACTORS) + " |")


if __name__ == "__main__":
    main()
