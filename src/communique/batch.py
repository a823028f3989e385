"""Batch builds: many data files over a pool of worker processes, incremental through a
content-addressed manifest, sharded for CI matrices, safe to interrupt.

A worker process imports WeasyPrint once (forked from a server that preloaded it) and reuses its font
configuration, parsed stylesheets and Jinja2 environments; workers are replaced after about
`recycle_after` documents each so memory stays flat.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import multiprocessing
import signal
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from communique import __version__
from communique.errors import CommuniqueError, ErrorList, UsageError
from communique.project import BuildContext
from communique.write import output_path, remove_partial_files, write_atomic

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2
REPORT_FORMAT = 2
"""Version of the `--report json` layout: 2 added `format` and structured `problems`."""
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs."""

    jobs: int = 1
    force: bool = False
    """Rebuild even documents whose inputs are unchanged."""
    fail_fast: bool = False
    """Stop at the first failure instead of building the rest."""
    recycle_after: int = 50
    """Documents a worker builds before it is replaced by a fresh process."""


@dataclass(frozen=True)
class Outcome:
    """One document's result, as recorded in the manifest."""

    source: str
    output: str
    status: str
    """'built', 'skipped' (unchanged, not rebuilt) or 'failed'."""
    input_hash: str = ""
    inputs: tuple[str, ...] = ()
    """Every file the build read: data, config, templates, stylesheets, fonts and images."""
    input_hashes: dict[str, str] = field(default_factory=dict)
    """The sha256 of each input when it was built."""
    sha256: str = ""
    pages: int = 0
    bytes: int = 0
    build_seconds: float = 0.0
    error: str = ""
    problems: tuple[dict[str, object], ...] = ()
    """The failure's problems for machines: file, line, column, message, hint."""
    exit_code: int = 0
    warnings: tuple[str, ...] = ()


@dataclass
class BatchResult:
    """Every outcome of a run, in completion order, and whether the run was cut short."""

    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """How many documents ended with `status`."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def exit_code(self) -> int:
        """0 if nothing failed, else the worst failure's code (1 build failed, 2 data error)."""
        return max((outcome.exit_code for outcome in self.outcomes if outcome.status == "failed"), default=0)

    def as_json(self) -> dict[str, Any]:
        """The report for machines (`--report json`)."""
        return {
            "format": REPORT_FORMAT,
            "summary": {
                "built": self.count("built"),
                "skipped": self.count("skipped"),
                "failed": self.count("failed"),
                "interrupted": self.interrupted,
                "seconds": round(self.seconds, 3),
            },
            "documents": [asdict(outcome) for outcome in self.outcomes],
        }


def parse_shard(text: str) -> tuple[int, int]:
    """'2/8' -> (2, 8); UsageError unless 1 <= i <= n."""
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise UsageError(f"--shard {text!r} is not i/n with 1 <= i <= n", hint="e.g. --shard 2/8")
    return int(index), int(count)


def in_shard(path: Path, shard: tuple[int, int]) -> bool:
    """Whether `path` belongs to shard i of n: a hash of its name, so adding documents moves none."""
    index, count = shard
    digest = hashlib.sha256(path.as_posix().encode()).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1


def select_shard(sources: list[Path], shard: tuple[int, int]) -> list[Path]:
    """The sources of shard i of n, in their order."""
    return [source for source in sources if in_shard(source, shard)]


def environment_hash(context: BuildContext) -> str:
    """Everything besides the files a build reads that affects its bytes: the tool's code, the
    libraries that write the PDF, and the options (each declared option, by BuildOptions.cache_key)."""
    digest = hashlib.sha256(f"communique {__version__}\n".encode())
    for package in ("weasyprint", "pydyf", "pypdf", "fonttools", "jinja2", "budoux", "babel", "pyphen"):
        digest.update(f"{package} {importlib.metadata.version(package)}\n".encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + file_hash(path).encode())
    digest.update(context.options.cache_key().encode())
    digest.update(repr(context.source_date_epoch).encode())
    return digest.hexdigest()


_HASHES: dict[str, tuple[tuple[int, int, int], str]] = {}


def file_hash(path: Path) -> str:
    """The sha256 of a file, remembered in this process while its size, inode and mtime stay the same
    (fonts are read by every build of a batch)."""
    status = path.stat()
    stamp = (status.st_size, status.st_ino, status.st_mtime_ns)
    known = _HASHES.get(str(path))
    if known and known[0] == stamp:
        return known[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    _HASHES[str(path)] = (stamp, digest)
    return digest


def input_hashes(inputs: Iterable[str], memo: dict[str, str]) -> dict[str, str] | None:
    """Each input file's sha256 (remembered in `memo`); None if an input is gone."""
    hashes = {}
    for name in inputs:
        if name not in memo:
            try:
                memo[name] = file_hash(Path(name))
            except OSError:
                return None
        hashes[name] = memo[name]
    return hashes


def input_hash(environment: str, inputs: Iterable[str], memo: dict[str, str]) -> str | None:
    """The hash of the environment and every input file's content; None if an input is gone."""
    hashes = input_hashes(inputs, memo)
    if hashes is None:
        return None
    digest = hashlib.sha256(environment.encode())
    for name, value in hashes.items():
        digest.update(f"{name}\0{value}\n".encode())
    return digest.hexdigest()


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The documents recorded in a manifest, by source; empty if there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        documents: dict[str, dict[str, Any]] = data["documents"]
        return documents if data.get("format") == MANIFEST_FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_manifest(path: Path, documents: dict[str, dict[str, Any]]) -> None:
    """Write the manifest atomically, documents sorted by source."""
    body = {
        "format": MANIFEST_FORMAT,
        "tool": f"communique {__version__}",
        "documents": dict(sorted(documents.items())),
    }
    write_atomic(path, (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode())


def merge_manifests(paths: list[Path], target: Path) -> int:
    """Combine shard manifests into `target`; return the number of documents. Later files win."""
    merged: dict[str, dict[str, Any]] = {}
    for path in paths:
        documents = read_manifest(path)
        if not documents and not path.is_file():
            raise UsageError(f"{path}: no such manifest", hint="give the manifest.json of each shard")
        merged.update(documents)
    write_manifest(target, merged)
    return len(merged)


def _unchanged(entry: dict[str, Any] | None, environment: str, memo: dict[str, str]) -> Outcome | None:
    """The recorded outcome, marked skipped, if its inputs and its output are exactly as recorded."""
    if not entry or entry.get("status") not in ("built", "skipped"):
        return None
    if input_hash(environment, entry.get("inputs", ()), memo) != entry.get("input_hash"):
        return None
    try:
        if file_hash(Path(entry["output"])) != entry.get("sha256"):
            return None
    except (OSError, KeyError):
        return None
    known = {name: value for name, value in entry.items() if name in Outcome.__dataclass_fields__}
    known["inputs"] = tuple(known.get("inputs", ()))
    known["input_hashes"] = dict(known.get("input_hashes", {}))
    known["problems"] = tuple(known.get("problems", ()))
    known["warnings"] = tuple(known.get("warnings", ()))
    return replace(Outcome(**known), status="skipped")


# --- the worker side -------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _prepare(context: BuildContext, environment: str) -> None:
    """Set up this process for build_one: the options and a render session reused across documents."""
    from communique.render import RenderSession

    _WORKER.update(context=context, environment=environment, session=RenderSession())


def _start_worker(context: BuildContext, environment: str) -> None:
    """Pool initializer: the parent handles Ctrl-C, so a worker finishes its document and exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _prepare(context, environment)


def build_one(source: str, out_dir: str) -> Outcome:
    """Build one document in this process (a worker, or the parent for a single document)."""
    from communique.pipeline import build

    if "session" not in _WORKER:
        raise RuntimeError("build_one needs _prepare first")
    started = time.perf_counter()
    output = str(output_path(Path(source), Path(out_dir)))
    # The data file is hashed before it is read, so an edit during the build is not taken as built.
    memo: dict[str, str] = {}
    with contextlib.suppress(OSError):  # an unreadable file: the build reports it
        memo[_recorded_name(Path(source))] = file_hash(Path(source))
    try:
        result = build(Path(source), Path(out_dir), _WORKER["context"], _WORKER["session"])
    except CommuniqueError as error:
        # Every message names its file: located errors (and lists of them) already start with it.
        located = error.location is not None or isinstance(error, ErrorList)
        message = str(error) if located else f"{source}: {error}"
        problems = tuple({**problem, "file": problem["file"] or source} for problem in error.as_json())
        return Outcome(
            source,
            output,
            "failed",
            inputs=(source,),
            error=message,
            problems=problems,
            exit_code=error.exit_code,
        )
    except Exception as error:  # a bug in one document must not stop the others
        return Outcome(
            source,
            output,
            "failed",
            inputs=(source,),
            error=f"{source}: internal error: {error!r}",
            exit_code=1,
        )
    inputs = tuple(_recorded_name(path) for path in result.inputs)
    return Outcome(
        source,
        output,
        "built",
        input_hash=input_hash(_WORKER["environment"], inputs, memo) or "",
        inputs=inputs,
        input_hashes=input_hashes(inputs, memo) or {},
        sha256=file_hash(result.output),
        pages=result.page_count,
        bytes=result.size,
        build_seconds=round(time.perf_counter() - started, 3),
        warnings=result.warnings,
    )


def _recorded_name(path: Path) -> str:
    """A path as the manifest records it: relative to the working folder when inside it."""
    absolute = path.resolve()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


# --- the parent side -------------------------------------------------------------------------------


def run_batch(
    sources: list[Path],
    out_dir: Path,
    context: BuildContext,
    options: BatchOptions,
    on_outcome: Callable[[Outcome, int, int], None],
) -> BatchResult:
    """Build `sources` into `out_dir`, skipping unchanged ones; report each outcome as it comes.

    The manifest in `out_dir` is rewritten atomically as outcomes arrive and at the end, also when
    interrupted, so a rerun finishes the rest from the cache.
    """
    _refuse_shared_outputs(sources)
    started = time.perf_counter()
    environment = environment_hash(context)
    manifest_path = out_dir / MANIFEST
    documents = read_manifest(manifest_path)
    result = BatchResult()
    total = len(sources)
    memo: dict[str, str] = {}
    pending: list[str] = []
    last_write = time.monotonic()

    def record(outcome: Outcome) -> None:
        nonlocal last_write
        result.outcomes.append(outcome)
        documents[outcome.source] = asdict(outcome)
        on_outcome(outcome, len(result.outcomes), total)
        if time.monotonic() - last_write > 0.5 and outcome.status != "failed":
            write_manifest(manifest_path, documents)
            last_write = time.monotonic()

    try:
        for source in sources:
            name = str(source)
            skipped = None if options.force else _unchanged(documents.get(name), environment, memo)
            if skipped:
                record(skipped)
            else:
                pending.append(name)
        if len(pending) == 1:  # one document: no pool to start, the fastest single build
            _prepare(context, environment)
            record(build_one(pending[0], str(out_dir)))
        elif pending:
            _run_pool(pending, out_dir, context, environment, options, record, result)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        for source in sources:  # what a killed worker may have left
            remove_partial_files(output_path(source, out_dir))
        # A run whose every document failed leaves a fresh folder empty: no manifest of failures only.
        # A shard with no documents still writes its (empty) manifest for the merge.
        succeeded = any(outcome.status != "failed" for outcome in result.outcomes)
        if manifest_path.exists() or succeeded or not sources:
            write_manifest(manifest_path, documents)
        result.seconds = time.perf_counter() - started
    return result


def _run_pool(
    pending: list[str],
    out_dir: Path,
    context: BuildContext,
    environment: str,
    options: BatchOptions,
    record: Callable[[Outcome], None],
    result: BatchResult,
) -> None:
    """Build `pending` over worker processes. A document whose worker died is retried once in a fresh
    pool; if it kills that one too it is recorded as failed."""
    tries: dict[str, int] = {}
    # Workers are recycled by giving each pool at most `recycle_after` documents per worker: Python
    # 3.11's max_tasks_per_child can hang the pool when a worker retires (seen here after 50 documents).
    chunk = options.jobs * options.recycle_after
    queue = list(pending)
    while queue:
        queue, later = queue[:chunk], queue[chunk:]
        retry: list[str] = []
        with _pool(context, environment, options) as pool:
            futures: dict[Future[Outcome], str] = {
                pool.submit(build_one, name, str(out_dir)): name for name in queue
            }
            waiting = set(futures)
            try:
                while waiting:
                    done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                    for future in done:
                        name = futures[future]
                        try:
                            outcome = future.result()
                        except BrokenProcessPool:
                            tries[name] = tries.get(name, 0) + 1
                            if tries[name] < 2:
                                retry.append(name)
                                continue
                            outcome = Outcome(
                                name,
                                str(output_path(Path(name), out_dir)),
                                "failed",
                                inputs=(name,),
                                error=f"{name}: its worker process died (killed, or out of memory)",
                                exit_code=1,
                            )
                        record(outcome)
                        if options.fail_fast and outcome.status == "failed":
                            pool.shutdown(wait=True, cancel_futures=True)
                            return
            except KeyboardInterrupt:
                # Workers ignore SIGINT: let the documents in progress finish, drop the rest.
                result.interrupted = True
                pool.shutdown(wait=True, cancel_futures=True)
                for future in waiting:
                    if future.done() and not future.cancelled() and future.exception() is None:
                        record(future.result())
                return
        queue = retry + later


def _pool(context: BuildContext, environment: str, options: BatchOptions) -> ProcessPoolExecutor:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    mp_context = multiprocessing.get_context(method)
    if method == "forkserver":
        mp_context.set_forkserver_preload(["communique.pipeline"])  # workers start with WeasyPrint loaded
    return ProcessPoolExecutor(
        max_workers=options.jobs,
        mp_context=mp_context,
        initializer=_start_worker,
        initargs=(context, environment),
    )


def _refuse_shared_outputs(sources: list[Path]) -> None:
    """UsageError if two data files would write the same PDF (same name in different folders)."""
    by_output: dict[Path, list[Path]] = {}
    for source in sources:
        by_output.setdefault(output_path(source, Path()), []).append(source)
    clashes = [paths for paths in by_output.values() if len(paths) > 1]
    if clashes:
        names = "; ".join(" and ".join(map(str, paths)) for paths in clashes)
        raise UsageError(
            f"these data files would all write the same PDF: {names}",
            hint="rename one of them, or build them into different --out folders",
        )
