"""Benchmark batch builds on a deterministic corpus shaped like the seed, all in one run:

- cold batch throughput (documents/s) with --jobs 1 and --jobs 2 for N documents;
- the same corpus compiled by Typst (PyPI `typst`) in one process, the fastest peer, and our warm
  per-document cost as a ratio to Typst's;
- an unchanged rebuild of the N documents, against the cold --jobs 2 build;
- peak RSS per worker over a long batch (default 1,000 documents), early against late in the run;
- one 100-page communique: pages per second;
- where a warm build's time goes (cProfile, top functions).

Usage: .venv/bin/python bench/bench_batch.py [--n 200] [--long 1000]     (also: make bench)
Figures go to the README and issue notes; they are never asserted by tests.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import pstats
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

from communique.schema import BLOCK_KINDS

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
WORK = ROOT / "bench" / "output"
COMMUNIQUE = Path(sys.executable).with_name("communique")


class _PlainDumper(yaml.SafeDumper):
    """A YAML dumper that writes repeated values out: communique refuses aliases (*name)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_yaml(path: Path, data: object) -> None:
    text = yaml.dump(data, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def seed_data() -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return data


def make_corpus(folder: Path, count: int) -> list[Path]:
    """`count` communiques like the seed, with 2 to 14 paragraph pairs (cycled from the seed's five)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    base = seed_data()
    body = list(base["body"])  # type: ignore[call-overload]
    paths = []
    for number in range(count):
        length = 2 + (number * 7) % 13
        data = {**base, "id": f"doc-{number:04d}", "body": [body[i % len(body)] for i in range(length)]}
        path = folder / f"doc-{number:04d}.yaml"
        write_yaml(path, data)
        paths.append(path)
    return paths


def typst_source(path: Path) -> bytes:
    """The same communique as Typst markup: both versions, titles, paragraphs, closing, signatories."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def escape(text: str) -> str:
        return "".join("\\" + char if char in "\\#*_`$<>@[]~/=-+\"'" else char for char in text)

    parts = [
        '#set page(paper: "a4", margin: 25mm, '
        'footer: context align(center)[#counter(page).display("1 / 1", both: true)])',
        "#set text(size: 10.5pt)",
        "#set par(justify: true, first-line-indent: 1em)",
    ]
    for number, lang in enumerate(data["languages"]):
        if number:
            parts.append("#pagebreak()")
        primary = lang.split("-")[0]
        faces = (*_TYPST_FIRST.get(primary, ()), "Noto Serif", "Noto Serif CJK JP")
        fonts = ", ".join(f'"{name}"' for name in faces)
        direction = ", dir: rtl" if primary in ("ar", "he") else ""
        parts.append(f'#set text(lang: "{primary}", font: ({fonts}){direction})')
        title = " \\ ".join(escape(line) for line in data["title"][lang].splitlines())
        parts.append(f'#align(center, text(size: 14pt, weight: "bold")[{title}])')
        parts += [escape(text) + "\n" for block in data["body"] for text in _block_texts(block, lang)]
        parts.append(f"#align(right)[{escape(str(data['date']))}]")
        names = [
            f"[{escape(s['name'][lang])} \\ {escape(s['title'][lang])}]"
            for party in data["parties"]
            for s in party["signatories"]
        ]
        parts.append(f"#grid(columns: (1fr, 1fr), gutter: 12mm, {', '.join(names)})")
    return "\n".join(parts).encode()


_TYPST_FIRST = {
    "ja": ("Noto Serif CJK JP",),
    "zh": ("Noto Serif CJK SC", "Noto Serif CJK TC"),
    "ko": ("Noto Serif CJK KR",),
    "ar": ("Noto Naskh Arabic",),
    "th": ("Noto Serif Thai",),
    "he": ("Noto Serif Hebrew",),
}
"""The face Typst tries first for a language's text (then Noto Serif and the Japanese face)."""


def _block_texts(block: dict[str, object], lang: str) -> list[str]:
    """The `lang` paragraphs of a body block, whatever its kind (a list's items, a heading's text)."""
    inner = next((block[kind] for kind in BLOCK_KINDS if kind in block and kind != "list"), block)
    if "items" in block:
        return [text for item in block["items"] for text in _block_texts(item, lang)]  # type: ignore[union-attr]
    value = inner.get(lang) if isinstance(inner, dict) else None
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []


def run_batch(corpus: Path, out: Path, jobs: int, force: bool = False) -> float:
    """Seconds for `communique build CORPUS --jobs N` in a new process."""
    args = [str(COMMUNIQUE), "build", str(corpus), "--out", str(out), "--jobs", str(jobs), "--quiet"]
    start = time.perf_counter()
    subprocess.run([*args, *(["--force"] if force else [])], check=True, cwd=ROOT)
    return time.perf_counter() - start


def warm_seconds(out: Path) -> list[float]:
    """Per-document build times recorded in the manifest (warm: worker start-up excluded)."""
    documents = json.loads((out / "manifest.json").read_text())["documents"].values()
    return sorted(float(doc["build_seconds"]) for doc in documents if doc["status"] == "built")


def typst_times(paths: list[Path]) -> tuple[float, float]:
    """(total seconds, median per document) compiling every document with one warm Typst compiler."""
    import typst

    fonts = typst.Fonts(
        include_system_fonts=False,
        include_embedded_fonts=False,
        font_paths=[str(ROOT / "src" / "communique" / "data" / "fonts")],
    )
    compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
    sources = [typst_source(path) for path in paths]
    compiler.compile(input=sources[0])  # warm-up
    times = []
    start = time.perf_counter()
    for source in sources:
        one = time.perf_counter()
        compiler.compile(input=source)
        times.append(time.perf_counter() - one)
    return time.perf_counter() - start, statistics.median(times)


def worker_rss(corpus: Path, out: Path, jobs: int) -> tuple[float, list[tuple[float, float]]]:
    """Run a batch while sampling the RSS of its worker processes: (seconds, [(time, MiB of the largest
    worker)])."""
    samples: list[tuple[float, float]] = []
    process = psutil.Popen(
        [str(COMMUNIQUE), "build", str(corpus), "--out", str(out), "--jobs", str(jobs), "--quiet", "--force"],
        cwd=ROOT,
    )
    start = time.perf_counter()

    def sample() -> None:
        while process.poll() is None:
            try:
                workers = [
                    child
                    for server in process.children()
                    if "forkserver" in " ".join(server.cmdline())
                    for child in server.children()
                ]
                rss = [worker.memory_info().rss / 2**20 for worker in workers]
            except psutil.Error:
                rss = []
            if rss:
                samples.append((time.perf_counter() - start, max(rss)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    sampler.join()
    return time.perf_counter() - start, samples


def long_document(folder: Path, paragraphs: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    base = seed_data()
    body = list(base["body"])  # type: ignore[call-overload]
    data = {**base, "id": "long", "body": [body[i % len(body)] for i in range(paragraphs)]}
    path = folder / "long.yaml"
    write_yaml(path, data)
    return path


def long_document_speed(path: Path) -> tuple[int, float, float]:
    """(pages, seconds in a warm process, seconds as a whole new process) for one long communique."""
    from communique.pipeline import build
    from communique.project import BuildContext, Project

    context = BuildContext(Project.discover(SEED))
    build(SEED, WORK / "warmup", context)
    start = time.perf_counter()
    result = build(path, WORK / "long", context)
    warm = time.perf_counter() - start
    shutil.rmtree(WORK / "long-cold", ignore_errors=True)  # else an earlier run's manifest skips the build
    start = time.perf_counter()
    subprocess.run(
        [str(COMMUNIQUE), "build", str(path), "--out", str(WORK / "long-cold")],
        check=True,
        capture_output=True,
    )
    return result.page_count, warm, time.perf_counter() - start


def profile_warm_build() -> str:
    """The functions a warm build spends most time in (cumulative), as text."""
    from communique.engine.renderer import RenderSession
    from communique.pipeline import build
    from communique.project import BuildContext, Project

    context, session = BuildContext(Project.discover(SEED)), RenderSession()
    build(SEED, WORK / "profile", context, session)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        build(SEED, WORK / "profile", context, session)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    return text.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="documents in the throughput corpus")
    parser.add_argument("--long", type=int, default=1000, help="documents in the memory run (0 skips it)")
    args = parser.parse_args()
    print(f"communique batch benchmark, {datetime.date.today()}, {psutil.cpu_count()} CPUs")

    corpus = make_corpus(WORK / f"corpus-{args.n}", args.n)
    cold = {}
    for jobs in (1, 2):
        out = WORK / f"out-jobs{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        cold[jobs] = run_batch(corpus[0].parent, out, jobs)
        print(
            f"cold batch, --jobs {jobs}: {cold[jobs]:.1f} s for {args.n} documents "
            f"= {args.n / cold[jobs]:.1f} documents/s"
        )
    unchanged = run_batch(corpus[0].parent, WORK / "out-jobs2", 2)
    print(
        f"unchanged rebuild of {args.n}: {unchanged:.2f} s "
        f"= {cold[2] / unchanged:.0f}x faster than the cold --jobs 2 build"
    )

    ours = warm_seconds(WORK / "out-jobs1")
    typst_total, typst_median = typst_times(corpus)
    ours_median = statistics.median(ours)
    print(
        f"warm per document: communique median {ours_median * 1000:.0f} ms "
        f"(p90 {ours[int(len(ours) * 0.9)] * 1000:.0f} ms); Typst median {typst_median * 1000:.0f} ms "
        f"({args.n} in {typst_total:.1f} s) -> ratio {ours_median / typst_median:.1f}x"
    )

    if args.long:
        big = make_corpus(WORK / f"corpus-{args.long}", args.long)
        seconds, samples = worker_rss(big[0].parent, WORK / "out-long", 2)
        quarter = seconds / 4
        early = max((rss for at, rss in samples if at < quarter), default=0.0)
        late = max((rss for at, rss in samples if at > 3 * quarter), default=0.0)
        peak = max((rss for _, rss in samples), default=0.0)
        print(
            f"{args.long} documents, --jobs 2: {seconds:.0f} s; peak worker RSS {peak:.0f} MiB "
            f"(first quarter {early:.0f} MiB, last quarter {late:.0f} MiB; {len(samples)} samples)"
        )

    pages, warm, whole = long_document_speed(long_document(WORK / "long-data", 500))
    print(
        f"long communique: {pages} pages in {warm:.2f} s warm = {pages / warm:.0f} pages/s "
        f"({whole:.2f} s as a new process = {pages / whole:.0f} pages/s)"
    )
    print("\nwhere a warm build's time goes (5 builds, cProfile, cumulative):")
    print("\n".join(profile_warm_build().splitlines()[:45]))


if __name__ == "__main__":
    main()
