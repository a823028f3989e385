"""Where communique's cost over bare WeasyPrint goes, feature by feature (issue 19's budget).

For each document, in one process, garbage collected before each timed run (bench_engine.py says why):
- layout: bare WeasyPrint laying out the HTML the build composed, then with every hook communique installs,
  then with all hooks but one, alternating; a hook's cost is what leaving it out saves;
- a whole warm build with its stages timed (load, translation check, font coverage, typesetting,
  composing; the checks after layout; WeasyPrint's layout and drawing; finishing and its parts), against
  bare WeasyPrint's layout and drawing of the same HTML.
The stages are timed by wrapping them for this run only; a stage's figure includes the wrapper (~1 µs).

Usage: .venv/bin/python bench/bench_features.py [--runs N] [DATA ...]
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import functools
import gc
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    ROOT / "seeds" / "tokyo-helsinki-2023.yaml",
    ROOT / "seeds" / "languages" / "ar-en.yaml",
    ROOT / "seeds" / "languages" / "ru-ja.yaml",
    ROOT / "seeds" / "partnership-treaty-long.yaml",
]
PIPELINE_STAGES = (
    "load_text",
    "translation_findings",
    "check_coverage",
    "typeset",
    "compose",
    "render",
    "finish",
)
RENDER_STAGES = ("_overflowing", "_page_faults")
FINISH_STAGES = (
    "tidy_structure",
    "fold_clusters",
    "compact_fonts",
    "mark_draft",
    "seal_id",
    "_well_formed_streams",
)


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


@contextmanager
def _timed(owner: Any, names: tuple[str, ...], spent: dict[str, float], prefix: str = "") -> Iterator[None]:
    """Add the seconds each call of `owner.<name>` takes to `spent[prefix + name]` within the block."""
    originals = {name: getattr(owner, name) for name in names if hasattr(owner, name)}

    def timing(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[prefix + name] += time.perf_counter() - start

        return timed

    try:
        for name, original in originals.items():
            setattr(owner, name, timing(name, original))
        yield
    finally:
        for name, original in originals.items():
            setattr(owner, name, original)


def measure(source: Path, runs: int) -> None:
    """Print the layout's cost per hook and the build's per stage for `source`."""
    import pypdf
    import weasyprint
    import weasyprint.document
    from bench_engine import composed

    from communique.engine import hooks, renderer, undone
    from communique.engine.renderer import RenderSession, RestrictedFetcher
    from communique.pdf import finish
    from communique.pipeline import build

    made = composed(source)
    context, html, face_css, page_rules = made.context, made.html, made.face_css, made.page_rules
    variant = context.standard.engine_variant
    session = RenderSession()

    def bare_render(modules: tuple[Any, ...] | None) -> tuple[float, float]:
        """Seconds WeasyPrint takes to lay out and to draw the HTML, with the hooks of `modules` (None: no
        hooks at all)."""
        fetcher = RestrictedFetcher(html.readable_roots)
        stylesheets = session.stylesheets(fetcher, face_css, html.stylesheets, page_rules)[0]
        patches = [patch for module in modules or () for patch in module.patches()]
        gc.collect()
        with undone.collecting(), hooks.installed(patches):
            start = time.perf_counter()
            document = weasyprint.HTML(string=html.html, base_url=html.base_url, url_fetcher=fetcher).render(
                stylesheets=stylesheets, font_config=session.font_config
            )
            laid_out = time.perf_counter()
            if modules is None:
                document.write_pdf(pdf_variant=variant, pdf_tags=variant is not None)
        return laid_out - start, time.perf_counter() - laid_out

    configurations: dict[str, tuple[Any, ...] | None] = {"bare": None, "every hook": renderer.HOOK_MODULES}
    for module in renderer.HOOK_MODULES:
        configurations[f"without {module.__name__.rsplit('.', 1)[1]}"] = tuple(
            other for other in renderer.HOOK_MODULES if other is not module
        )
    layout: dict[str, list[float]] = defaultdict(list)
    drawing: list[float] = []
    builds: list[float] = []
    stages: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as out:
        for run in range(runs + 1):
            for name, modules in configurations.items():
                laid_out, drawn = bare_render(modules)
                if run:
                    layout[name].append(laid_out)
                    if modules is None:
                        drawing.append(drawn)
            spent: dict[str, float] = defaultdict(float)
            gc.collect()
            with (
                _timed(sys.modules["communique.pipeline"], PIPELINE_STAGES, spent),
                _timed(renderer, RENDER_STAGES, spent, "  "),
                _timed(weasyprint.HTML, ("render",), spent, "  weasyprint layout: "),
                _timed(weasyprint.document.Document, ("write_pdf",), spent, "  weasyprint drawing: "),
                _timed(finish, FINISH_STAGES, spent, "  "),
                _timed(pypdf.PdfReader, ("__init__",), spent, "  pypdf read: "),
                _timed(pypdf.PdfWriter, ("__init__", "write"), spent, "  pypdf clone/write: "),
            ):
                start = time.perf_counter()
                build(source, Path(out), context, session)
                elapsed = time.perf_counter() - start
            if run:
                builds.append(elapsed)
                for name, seconds in spent.items():
                    stages[name].append(seconds)
    bare_total = _median_ms(layout["bare"]) + _median_ms(drawing)
    build_total = _median_ms(builds)
    print(
        f"\n{source.stem}: build {build_total:.0f} ms, bare WeasyPrint {bare_total:.0f} ms "
        f"({build_total / bare_total:.2f}x; medians of {runs})"
    )
    print(f"  bare layout {_median_ms(layout['bare']):.1f} ms, drawing {_median_ms(drawing):.1f} ms")
    every = _median_ms(layout["every hook"])
    print(f"  layout with every hook {every:.1f} ms (+{every - _median_ms(layout['bare']):.1f})")
    for name, times in layout.items():
        if name.startswith("without "):
            print(f"    {name.removeprefix('without '):14} {every - _median_ms(times):6.1f} ms")
    print("  stages of the build:")
    for name, times in stages.items():
        print(f"    {name:44} {_median_ms(times):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("data", nargs="*", type=Path)
    arguments = parser.parse_args()
    for source in arguments.data or DOCUMENTS:
        measure(source, arguments.runs)


if __name__ == "__main__":
    main()
