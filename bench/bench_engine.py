"""communique's cost over the engine's: a warm build against bare WeasyPrint on the same HTML.

For each document, in one process and alternating: the whole build (typeset, compose, render with communique's
hooks, finish) with a reused render session, and bare WeasyPrint rendering the HTML that build composed, with
the same parsed stylesheets and fonts, writing the same kind of PDF (tagged PDF/UA-1, as every copy is now)
and no hooks (the floor), once as WeasyPrint runs by default and once with the garbage collector's thresholds
a build sets (collector.py), which WeasyPrint would gain too. Garbage is collected before each timed run
(timeit turns the collector off instead): otherwise whichever side runs next pays for collecting the other's
garbage (measured: the ru-ja build 262-272 ms right after a bare render, 229-236 ms with a collection between
them or run alone). Then the cold start: `communique build` in a new process against `import weasyprint` plus
a warm build, and, to tell WeasyPrint's own first-use costs from communique's, bare WeasyPrint's first render
of the same HTML in a new process against `import weasyprint` plus its warm render.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
DOCUMENTS = [
    SEED,
    *sorted((ROOT / "seeds" / "languages").glob("*.yaml")),
    ROOT / "seeds" / "partnership-treaty-long.yaml",
]
COMMUNIQUE = Path(sys.executable).with_name("communique")


@dataclass(frozen=True)
class Composed:
    """What a build of a data file composes, which bare WeasyPrint is given to render."""

    context: Any
    communique: Any
    html: Any
    face_css: str
    """The @font-face rules of the data's languages."""
    page_rules: str


def composed(source: Path) -> Composed:
    """The build context of `source`, its data, and the HTML, font faces and page rules a build composes."""
    from communique.compose import compose
    from communique.fonts import project_fonts
    from communique.layouts import chosen_layout
    from communique.loader import load
    from communique.paper import page_css
    from communique.project import BuildContext, Project
    from communique.typeset import typeset

    context = BuildContext(Project.discover(source))
    communique = load(source)
    html = compose(
        typeset(communique),
        context.project,
        chosen_layout(context, communique),
        context.project.readable_roots(source),
    )
    faces = project_fonts(context.project).face_css(communique.languages)
    return Composed(context, communique, html, faces, page_css(context.paper_for(communique.paper), False))


def warm(source: Path, runs: int) -> tuple[list[float], list[float], list[float], int]:
    """Seconds per whole build, per bare WeasyPrint render of the same HTML, and per bare render with the
    collector thresholds a build sets (collector.py; the defaults before it existed), alternating; pages."""
    from contextlib import nullcontext

    import weasyprint

    try:
        from communique.collector import fewer_collections
    except ImportError:  # a checkout from before the collector thresholds
        fewer_collections = nullcontext  # type: ignore[assignment]

    try:
        from communique.engine.renderer import RenderSession, RestrictedFetcher
    except ImportError:  # a checkout from before the engine boundary (PYTHONPATH=<checkout>/src)
        from communique.render import RenderSession, RestrictedFetcher  # type: ignore[no-redef]
    from communique.pipeline import build

    made = composed(source)
    context, html = made.context, made.html
    # the PDF the build writes: tagged PDF/UA-1 since copies declare standards; untagged before
    standard = getattr(context, "standard", None)
    variant = standard.engine_variant if standard is not None else None
    session = RenderSession()
    full: list[float] = []
    bare: list[float] = []
    bare_tuned: list[float] = []
    pages = 0
    with tempfile.TemporaryDirectory() as out:
        for run in range(runs + 1):
            gc.collect()
            start = time.perf_counter()
            pages = build(source, Path(out), context, session).page_count
            if run:
                full.append(time.perf_counter() - start)
            for times, collection in ((bare, nullcontext), (bare_tuned, fewer_collections)):
                fetcher = RestrictedFetcher(html.readable_roots)
                sheets = session.stylesheets(fetcher, made.face_css, html.stylesheets, made.page_rules)
                stylesheets = sheets[0]
                gc.collect()
                start = time.perf_counter()
                with collection():
                    document = weasyprint.HTML(
                        string=html.html, base_url=html.base_url, url_fetcher=fetcher
                    ).render(stylesheets=stylesheets, font_config=session.font_config)
                    document.write_pdf(pdf_variant=variant, pdf_tags=variant is not None)
                if run:
                    times.append(time.perf_counter() - start)
    return full, bare, bare_tuned, pages


def cold(runs: int) -> Cold:
    """Medians: `communique build SEED` in a new process, `import weasyprint` in a new process, bare
    WeasyPrint's first render of the seed's HTML in a new process, and warm builds and bare renders."""

    def timed(command: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as out:
        timed([str(COMMUNIQUE), "build", str(SEED), "--out", out, "--force"])  # warm-up
        builds = [timed([str(COMMUNIQUE), "build", str(SEED), "--out", out, "--force"]) for _ in range(runs)]
        bare_command = [sys.executable, "-c", BARE_FIRST_RENDER, *_bare_inputs(SEED, Path(out))]
        bare_firsts = [timed(bare_command) for _ in range(runs)]
    imports = [timed([sys.executable, "-c", "import weasyprint"]) for _ in range(runs)]
    full, bare, _, _ = warm(SEED, runs)
    return Cold(
        statistics.median(builds),
        statistics.median(imports),
        statistics.median(full),
        statistics.median(bare_firsts),
        statistics.median(bare),
    )


@dataclass(frozen=True)
class Cold:
    """Medians, in seconds, of what happens in a new process and of the warm runs they are set against."""

    build: float
    """`communique build SEED` in a new process."""
    imported: float
    """`import weasyprint` in a new process."""
    warm_build: float
    bare_first: float
    """A new process importing WeasyPrint and rendering the seed's HTML once, bare."""
    bare_warm: float

    @property
    def added(self) -> float:
        """What a cold build costs over `import weasyprint` and a warm build (issue 19's figure)."""
        return self.build - self.imported - self.warm_build

    @property
    def engine_first_use(self) -> float:
        """What WeasyPrint's own first render in a process costs over its warm one (cffi parsing its C
        types, Pango and fontconfig loading the fonts, HarfBuzz's first subset), bare."""
        return self.bare_first - self.imported - self.bare_warm


BARE_FIRST_RENDER = """
import sys, weasyprint
html, base_url, out, variant, *stylesheets = sys.argv[1:]
document = weasyprint.HTML(filename=html, base_url=base_url).render(
    stylesheets=[weasyprint.CSS(filename=path) for path in stylesheets]
)
document.write_pdf(out, pdf_variant=variant or None, pdf_tags=bool(variant))
"""
"""Bare WeasyPrint, in a new process: the HTML file, its base URL, the PDF to write, its variant (as the
build writes it; empty: none), the stylesheets."""


def _bare_inputs(source: Path, folder: Path) -> list[str]:
    """The arguments of BARE_FIRST_RENDER for `source`: its HTML and stylesheets as communique composes
    them, written into `folder`."""
    made = composed(source)
    html = made.html
    written = {"bare.html": html.html, "faces.css": made.face_css, "page.css": made.page_rules}
    for name, text in written.items():
        (folder / name).write_text(text, encoding="utf-8")
    faces, page = str(folder / "faces.css"), str(folder / "page.css")
    sheets = [faces, *map(str, html.stylesheets), page]
    variant = made.context.standard.engine_variant or ""
    return [str(folder / "bare.html"), html.base_url, str(folder / "bare.pdf"), variant, *sheets]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="skip the new-process figures")
    parser.add_argument("data", nargs="*", type=Path)
    arguments = parser.parse_args()
    print(
        f"{'document':34} {'pages':>5} {'build':>8} {'bare':>8} {'ratio':>6} {'bare, same collector':>21} "
        f"{'ratio':>6}   (medians of {arguments.runs})"
    )
    for source in arguments.data or DOCUMENTS:
        full, bare, bare_tuned, pages = warm(source, arguments.runs)
        build, floor, tuned_floor = (statistics.median(times) for times in (full, bare, bare_tuned))
        print(
            f"{source.stem:34} {pages:5} {build * 1000:6.0f}ms {floor * 1000:6.0f}ms {build / floor:6.2f}x "
            f"{tuned_floor * 1000:19.0f}ms {build / tuned_floor:6.2f}x"
        )
    if not arguments.no_cold:
        figures = cold(arguments.runs)
        print(
            f"cold `communique build` of the seed {figures.build:.2f} s; import weasyprint "
            f"{figures.imported:.2f} s + warm build {figures.warm_build:.2f} s = "
            f"{figures.imported + figures.warm_build:.2f} s; communique adds {figures.added:.2f} s\n"
            f"bare WeasyPrint's first render of the seed's HTML in a new process {figures.bare_first:.2f} s; "
            f"import weasyprint + its warm render {figures.imported + figures.bare_warm:.2f} s: its own "
            f"first use costs "
            f"{figures.engine_first_use:.2f} s, so communique adds "
            f"{figures.added - figures.engine_first_use:.2f} s beyond it"
        )


if __name__ == "__main__":
    main()
