"""communique's cost over the engine's: a warm build against bare WeasyPrint on the same HTML.

For each document, in one process and alternating: the whole build (typeset, compose, render with
communique's hooks, finish) with a reused render session, and bare WeasyPrint rendering the HTML that
build composed, with the same parsed stylesheets and fonts, writing the same kind of PDF (tagged
PDF/UA-1, as every copy is now) and no hooks (the floor). Garbage is collected before each timed run
(timeit turns the collector off instead): otherwise whichever side runs next pays for collecting the
other's garbage (measured: the ru-ja build 262-272 ms right after a bare render, 229-236 ms with a
collection between them or run alone). Then the cold start: `communique build` in a new process
against `import weasyprint` plus a warm build.

Usage: .venv/bin/python bench/bench_engine.py [--runs N] [DATA ...]
Another revision: git worktree add /tmp/before REV; PYTHONPATH=/tmp/before/src .venv/bin/python bench/...
Run cold figures with `env -u PYTHONDONTWRITEBYTECODE`. Figures go to the README and issue notes; they
are never asserted by tests.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
DOCUMENTS = [
    SEED,
    *sorted((ROOT / "seeds" / "languages").glob("*.yaml")),
    ROOT / "seeds" / "partnership-treaty-long.yaml",
]
COMMUNIQUE = Path(sys.executable).with_name("communique")


def warm(source: Path, runs: int) -> tuple[list[float], list[float], int]:
    """Seconds per whole build and per bare WeasyPrint render of the same HTML, alternating; pages."""
    import weasyprint

    from communique.compose import compose

    try:
        from communique.engine.renderer import RenderSession, RestrictedFetcher
    except ImportError:  # a checkout from before the engine boundary (PYTHONPATH=<checkout>/src)
        from communique.render import RenderSession, RestrictedFetcher  # type: ignore[no-redef]
    from communique.fonts import project_fonts
    from communique.layouts import chosen_layout
    from communique.loader import load
    from communique.paper import page_css
    from communique.pipeline import build
    from communique.project import BuildContext, Project
    from communique.typeset import typeset

    context = BuildContext(Project.discover(source))
    # the PDF the build writes: tagged PDF/UA-1 since copies declare standards; untagged before
    standard = getattr(context, "standard", None)
    variant = standard.engine_variant if standard is not None else None
    session = RenderSession()
    communique = load(source)
    layout = chosen_layout(context, communique)
    html = compose(typeset(communique), context.project, layout, context.project.readable_roots(source))
    fonts = project_fonts(context.project)
    page_rules = page_css(context.paper_for(communique.paper), False)
    full: list[float] = []
    bare: list[float] = []
    pages = 0
    with tempfile.TemporaryDirectory() as out:
        for run in range(runs + 1):
            gc.collect()
            start = time.perf_counter()
            pages = build(source, Path(out), context, session).page_count
            if run:
                full.append(time.perf_counter() - start)
            fetcher = RestrictedFetcher(html.readable_roots)
            stylesheets = session.stylesheets(
                fetcher, fonts.face_css(communique.languages), html.stylesheets, page_rules
            )[0]
            gc.collect()
            start = time.perf_counter()
            document = weasyprint.HTML(string=html.html, base_url=html.base_url, url_fetcher=fetcher).render(
                stylesheets=stylesheets, font_config=session.font_config
            )
            document.write_pdf(pdf_variant=variant, pdf_tags=variant is not None)
            if run:
                bare.append(time.perf_counter() - start)
    return full, bare, pages


def cold(runs: int) -> tuple[float, float, float]:
    """Medians: `communique build SEED` in a new process, `import weasyprint` in a new process, and a
    warm build of the seed."""

    def timed(command: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as out:
        timed([str(COMMUNIQUE), "build", str(SEED), "--out", out, "--force"])  # warm-up
        builds = [timed([str(COMMUNIQUE), "build", str(SEED), "--out", out, "--force"]) for _ in range(runs)]
    imports = [timed([sys.executable, "-c", "import weasyprint"]) for _ in range(runs)]
    full, _, _ = warm(SEED, runs)
    return statistics.median(builds), statistics.median(imports), statistics.median(full)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="skip the new-process figures")
    parser.add_argument("data", nargs="*", type=Path)
    arguments = parser.parse_args()
    print(
        f"{'document':34} {'pages':>5} {'build':>8} {'bare':>8} {'ratio':>6}   (medians of {arguments.runs})"
    )
    for source in arguments.data or DOCUMENTS:
        full, bare, pages = warm(source, arguments.runs)
        ratio = statistics.median(full) / statistics.median(bare)
        print(
            f"{source.stem:34} {pages:5} {statistics.median(full) * 1000:6.0f}ms "
            f"{statistics.median(bare) * 1000:6.0f}ms {ratio:6.2f}x"
        )
    if not arguments.no_cold:
        build, imported, warm_build = cold(arguments.runs)
        added = build - imported - warm_build
        print(
            f"cold `communique build` of the seed {build:.2f} s; import weasyprint {imported:.2f} s + warm "
            f"build {warm_build:.2f} s = {imported + warm_build:.2f} s; communique adds {added:.2f} s"
        )


if __name__ == "__main__":
    main()
