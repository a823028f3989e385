"""Batch builds: many data files over worker processes, incremental through a content-addressed
manifest, sharded for CI matrices, safe to interrupt.

Workers fork from a server that imported WeasyPrint once, and each reuses its font configuration, parsed
stylesheets and Jinja2 environments across documents; a worker is replaced after `recycle_after`
documents so memory stays flat. Each worker builds one document at a time under a time limit and a
memory limit, so whatever befalls a worker (killed, out of memory, past its time) befalls its own
document only, and workers exit as soon as the parent does, even in the middle of a document.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib.util
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communique import __version__
from communique.errors import (
    TEMPORARY_SPACE_HINT,
    CommuniqueError,
    ErrorList,
    OutputError,
    UsageError,
    path_error,
)
from communique.project import BuildContext
from communique.write import output_path, remove_partial_files, write_atomic

if TYPE_CHECKING:  # multiprocessing is imported where workers start: one document builds without it
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkServerContext, SpawnContext

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
    timeout: float = 120
    """Seconds a document may take before its worker is killed and it is reported failed; 0: no limit."""
    memory_limit: int = 2048
    """MiB of address space (RLIMIT_AS) each worker may use; 0: no limit. Address space counts every
    mapping, shared libraries and reserved but unused memory too, so it runs well above resident memory:
    a worker takes about 300 MiB before its first document."""


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
    """Whether `path` belongs to shard i of n: a hash of its file name, so adding documents moves none,
    and every checkout, wherever it lies and however the path is written, shards alike (the whole path
    did not: a clone in another folder moved documents between shards)."""
    index, count = shard
    digest = hashlib.sha256(path.name.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1


def select_shard(sources: list[Path], shard: tuple[int, int]) -> list[Path]:
    """The sources of shard i of n, in their order."""
    return [source for source in sources if in_shard(source, shard)]


def environment_hash(context: BuildContext) -> str:
    """Everything besides the files a build reads that affects its bytes: the tool's code, the
    libraries that write the PDF, and the options (each declared option, by BuildOptions.cache_key)."""
    digest = hashlib.sha256(f"communique {__version__}\n".encode())
    for release in _library_releases():
        digest.update(f"{release}\n".encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + file_hash(path).encode())
    digest.update(context.options.cache_key().encode())
    digest.update(repr(context.source_date_epoch).encode())
    return digest.hexdigest()


_LIBRARIES = ("weasyprint", "pydyf", "pypdf", "fontTools", "jinja2", "budoux", "babel", "pyphen")


def _library_releases() -> list[str]:
    """'name-version' of each library that writes the PDF, read from the name of the `.dist-info` folder
    beside it (importlib.metadata takes ~6 ms a package, a directory listing well under one)."""
    releases = []
    for module in _LIBRARIES:
        name = module.lower()
        spec = importlib.util.find_spec(module)
        folder = Path(spec.origin).parent.parent if spec and spec.origin else Path()
        found = sorted(folder.glob(f"{name}-*.dist-info")) or sorted(folder.glob(f"{module}-*.dist-info"))
        if found:
            releases.append(found[0].stem)
        else:  # importlib.metadata costs ~10 ms to import: only where no folder says it
            from importlib import metadata

            releases.append(f"{name}-{metadata.version(name)}")
    return releases


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


ABSENT = "absent"
"""The recorded 'hash' of a place a build searched in vain: a file created there changes the build."""


def input_hashes(inputs: Iterable[str], memo: dict[str, str]) -> dict[str, str] | None:
    """Each input file's sha256 (remembered in `memo`), ABSENT for one that does not exist; None if an
    input cannot be read."""
    hashes = {}
    for name in inputs:
        if name not in memo:
            try:
                memo[name] = file_hash(Path(name))
            except FileNotFoundError:
                memo[name] = ABSENT
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


_ENTRY_TYPES: dict[str, type | tuple[type, ...]] = {
    "source": str,
    "output": str,
    "status": str,
    "input_hash": str,
    "inputs": list,
    "input_hashes": dict,
    "sha256": str,
    "pages": int,
    "bytes": int,
    "build_seconds": (int, float),
    "error": str,
    "problems": list,
    "exit_code": int,
    "warnings": list,
}
"""The JSON type of each Outcome field in a manifest entry."""
_ITEM_TYPES: dict[str, type] = {"inputs": str, "input_hashes": str, "problems": dict, "warnings": str}
"""The type of the items (or values) of its lists and mappings."""


def read_manifest(path: Path, on_problem: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """The documents a manifest records, by source: empty if there is none or another version wrote it,
    and also if it cannot be read, is not JSON or not in the expected shape, which `on_problem` is told."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except OSError as error:
        problem = f"manifest cannot be read ({error.strerror})"
    except ValueError:
        problem = "manifest is not valid JSON"
    else:
        version = data.get("format") if isinstance(data, dict) else None
        if isinstance(version, int) and version != MANIFEST_FORMAT:
            return {}  # another version's: rebuilt without a word
        if _well_formed(data):
            documents: dict[str, dict[str, Any]] = data["documents"]
            return documents
        problem = "manifest is not in the expected shape"
    if on_problem:
        on_problem(f"{path}: {problem}")
    return {}


def _well_formed(data: object) -> bool:
    """Whether `data` has the shape write_manifest gives a manifest of this format."""
    if not (isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT):
        return False
    documents = data.get("documents")
    return isinstance(documents, dict) and all(_entry_well_formed(entry) for entry in documents.values())


def _entry_well_formed(entry: object) -> bool:
    if not (isinstance(entry, dict) and {"source", "output", "status"} <= entry.keys()):
        return False
    for name, value in entry.items():
        if not isinstance(value, _ENTRY_TYPES.get(name, object)):
            return False
        if name in _ITEM_TYPES:
            items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
            if not all(isinstance(item, _ITEM_TYPES[name]) for item in items):
                return False
    return True


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
        if not path.is_file():
            raise UsageError(f"{path}: no such manifest", hint="give the manifest.json of each shard")
        merged.update(read_manifest(path, _refuse_manifest))
    write_manifest(target, merged)
    return len(merged)


def _refuse_manifest(problem: str) -> None:
    raise UsageError(problem, hint="give the manifest.json of each shard, as its build wrote it")


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


@dataclass
class _Builder:
    """What builds the documents of one run in one process: a RenderSession (WeasyPrint's fonts and
    parsed stylesheets) belongs to a single run, so a stylesheet edited between two runs is read again."""

    context: BuildContext
    environment: str
    memory_limit: int
    session: Any = None
    """The RenderSession, made at the first document (importing WeasyPrint may fail and is reported)."""


def _serve(
    connection: Connection,
    scratch: str,
    lifeline: Connection,
    context: BuildContext,
    environment: str,
    memory_limit: int,
) -> None:
    """A worker process: build each document the parent sends, until it sends None or goes away.

    Its temporary files (WeasyPrint copies every @font-face font into one, 45 MB for the bundled fonts)
    go to `scratch`. The worker removes it when it ends, the lifeline's watcher when the parent dies in the
    middle of a document, and the parent when it ended or killed the worker: WeasyPrint's own clean-up
    never runs, as a worker process ends by `os._exit`.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C; a worker finishes its document
    tempfile.tempdir = scratch
    _exit_with_parent(lifeline, scratch)
    _limit_memory(memory_limit)
    builder = _Builder(context, environment, memory_limit)
    try:
        with contextlib.suppress(EOFError, OSError):  # the parent went away
            while (request := connection.recv()) is not None:
                outcome, spent = _build_one(builder, *request)
                connection.send(outcome)
                if spent:
                    return
    finally:  # the parent may be gone: it noticed first, or it is waiting for this process to end
        shutil.rmtree(scratch, ignore_errors=True)


def _exit_with_parent(lifeline: Connection, scratch: str) -> None:
    """Exit this process as soon as the parent does, also in the middle of a document, removing its
    temporary files in `scratch` (which the parent would have removed).

    Only the parent holds the writing end of `lifeline` and never writes, so reading it ends when the
    parent does, however it ends (SIGKILL too). The parent death signal of Linux would not do: a worker's
    parent is the fork server, which outlives the batch while any worker holds its "alive" pipe.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            lifeline.recv_bytes()
        shutil.rmtree(scratch, ignore_errors=True)
        os._exit(1)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def _limit_memory(mib: int) -> None:
    """Limit this process's address space to `mib` MiB (0: no limit), within any hard limit, where the
    system can (Linux; macOS does not enforce RLIMIT_AS, Windows has no `resource` module)."""
    if mib and (resource := _resource_module()) is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = mib * 2**20
        with contextlib.suppress(ValueError, OSError):  # a system that refuses this limit
            resource.setrlimit(
                resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard)
            )


def _resource_module() -> Any:
    """The `resource` module where the system has it with RLIMIT_AS, else None."""
    try:
        import resource
    except ImportError:
        return None
    return resource if hasattr(resource, "RLIMIT_AS") else None


def memory_limits_supported() -> bool:
    """Whether --memory-limit can be applied on this system."""
    return _resource_module() is not None


def _build_one(builder: _Builder, source: str, out_dir: str) -> tuple[Outcome, bool]:
    """Build one document in this worker process. Also whether the process is spent: it ran out of memory,
    which may have left its caches half-built, so the parent replaces it."""
    started = time.perf_counter()
    # The data file is hashed before it is read, so an edit during the build is not taken as built.
    memo: dict[str, str] = {}
    with contextlib.suppress(OSError):  # an unreadable file: the build reports it
        memo[_recorded_name(Path(source))] = file_hash(Path(source))
    try:  # imported here too, where failing to (or running out of memory) is reported
        from communique.engine.renderer import RenderSession
        from communique.pipeline import build

        if builder.session is None:
            _spare_imports_from_collection()
            builder.session = RenderSession()
        result = build(Path(source), Path(out_dir), builder.context, builder.session)
    except Exception as error:  # whatever goes wrong with one document must not stop the others
        if _caused_by_memory(error):
            return _failed(source, out_dir, _out_of_memory(builder.memory_limit)), True
        if isinstance(error, OSError):  # a path the file system refused (too long, a loop of links)
            error = path_error(error)
        elif not isinstance(error, CommuniqueError):
            error = CommuniqueError(f"internal error: {error!r}")
        return _failed(source, out_dir, error), False
    inputs = tuple(_recorded_name(path) for path in (*result.inputs, *result.absent_inputs))
    outcome = Outcome(
        source,
        str(result.output),
        "built",
        input_hash=input_hash(builder.environment, inputs, memo) or "",
        inputs=inputs,
        input_hashes=input_hashes(inputs, memo) or {},
        sha256=file_hash(result.output),
        pages=result.page_count,
        bytes=result.size,
        build_seconds=round(time.perf_counter() - started, 3),
        warnings=result.warnings,
    )
    return outcome, False


@functools.cache
def _spare_imports_from_collection() -> None:
    """Once per process, after WeasyPrint and communique are imported: move every object alive then
    (~80,000: the modules' functions, classes and tables, which live as long as the process) out of the
    cyclic garbage collector's reach. Its full collections during a build, and those Python makes as it
    exits, then scan only the builds' own objects: a `communique build` of one document in a new process
    ends ~0.15 s sooner (0.03 s of it during the build). Cyclic garbage present at that moment (a few
    dozen objects in a new process) is never freed."""
    gc.freeze()


def _caused_by_memory(error: BaseException | None) -> bool:
    """Whether `error` is a MemoryError, or was raised from or while handling one."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, MemoryError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _recorded_name(path: Path) -> str:
    """A path as the manifest records it: relative to the working folder when inside it."""
    absolute = path.resolve()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


# --- failures, as both sides report them -----------------------------------------------------------


def _failed(source: str, out_dir: str, error: CommuniqueError) -> Outcome:
    """The outcome of a document that failed with `error`, whose message always names the file."""
    # Located errors (and lists of them) already start with their file.
    located = error.location is not None or isinstance(error, ErrorList)
    return Outcome(
        source,
        str(output_path(Path(source), Path(out_dir))),
        "failed",
        inputs=(source,),
        error=str(error) if located else f"{source}: {error}",
        problems=tuple({**problem, "file": problem["file"] or source} for problem in error.as_json()),
        exit_code=error.exit_code,
    )


def _out_of_memory(limit: int) -> CommuniqueError:
    if not limit:
        return CommuniqueError("ran out of memory")
    return CommuniqueError(
        f"ran out of memory (limit {limit} MiB)",
        hint="raise --memory-limit (it counts address space, above resident memory), or 0 for no limit",
    )


def _too_slow(seconds: float) -> CommuniqueError:
    return CommuniqueError(
        f"took longer than {seconds:g} s",
        hint="a document this long needs a higher --timeout (0 for no limit)",
    )


def _died(exit_code: int | None, memory_limit: int) -> CommuniqueError:
    how = f"exit code {exit_code}"
    if exit_code is not None and exit_code < 0:
        with contextlib.suppress(ValueError):
            how = f"killed by {signal.Signals(-exit_code).name}"
    memory = f" (out of memory? raise --memory-limit, now {memory_limit} MiB)" if memory_limit else ""
    return CommuniqueError(
        f"its worker process died twice ({how})", hint=f"killed from outside, or a crash in a library{memory}"
    )


# --- the parent side -------------------------------------------------------------------------------


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity where the system keeps one (Linux), else all of them
    (macOS has no os.sched_getaffinity)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run_batch(
    sources: list[Path],
    out_dir: Path,
    context: BuildContext,
    options: BatchOptions,
    on_outcome: Callable[[Outcome, int, int], None],
    on_warning: Callable[[str], None] | None = None,
) -> BatchResult:
    """Build `sources` into `out_dir`, skipping unchanged ones; report each outcome as it comes, and
    problems that do not stop the batch (an unusable manifest) to `on_warning`.

    The manifest in `out_dir` is rewritten atomically as outcomes arrive and at the end, also when
    interrupted, so a rerun finishes the rest from the cache.
    """
    _refuse_shared_outputs(sources)
    started = time.perf_counter()
    environment = environment_hash(context)
    manifest_path = out_dir / MANIFEST
    warn = on_warning or (lambda _text: None)
    documents = read_manifest(manifest_path, lambda problem: warn(f"{problem}; rebuilding everything"))
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
        if len(pending) == 1 and _can_limit_here() and _small(pending[0]):  # no worker to start: quickest
            record(_build_here(pending[0], out_dir, context, environment, options))
        elif pending:
            _run_workers(pending, out_dir, context, environment, options, record, result)
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


class _TooSlow(BaseException):
    """The in-process build ran out of time (a BaseException, so no handler on the way catches it)."""


IN_PROCESS_BYTES = 256 * 1024
"""A single data file up to this size is built in the calling process; a larger one (the 54-page treaty is
142 KiB) in a worker, where running out of memory inside WeasyPrint's C libraries kills the worker, not
communique (in-process, 60,000 blocks ended in a segmentation fault)."""


def _small(source: str) -> bool:
    try:
        return Path(source).stat().st_size <= IN_PROCESS_BYTES
    except OSError:  # the build reports it
        return True


def _can_limit_here() -> bool:
    """Whether this process can time a build itself: a timer signal, handled on the main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _limits_here(timeout: float, memory_limit: int) -> Iterator[None]:
    """The worker's limits applied to this process for one build, and lifted after it."""

    def expire(_signum: int, _frame: object) -> None:
        raise _TooSlow

    previous_handler = signal.signal(signal.SIGALRM, expire) if timeout else None
    resource = _resource_module()
    previous_memory = resource.getrlimit(resource.RLIMIT_AS) if resource else None
    _limit_memory(memory_limit)
    if timeout:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        yield
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
        if resource is not None and previous_memory is not None:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_AS, previous_memory)


def _build_here(
    source: str, out_dir: Path, context: BuildContext, environment: str, options: BatchOptions
) -> Outcome:
    """One document built in this process under the same limits a worker has, its temporary files (the
    fonts' copies, 43 MB) in a folder of its own that is removed when the build ends, however it ends.
    A long document may render its parts in up to `jobs` processes."""
    builder = _Builder(replace(context, workers=options.jobs), environment, options.memory_limit)
    try:
        with (
            _temporary_folder_here(),
            terminated_as_interrupt(),
            _limits_here(options.timeout, options.memory_limit),
        ):
            outcome, _ = _build_one(builder, source, str(out_dir))
    except _TooSlow:
        outcome = _failed(source, str(out_dir), _too_slow(options.timeout))
    return outcome


SCRATCH_PREFIX = "communique-"
"""Temporary folders of a build in the calling process are named communique-<pid>-…."""


@contextlib.contextmanager
def _temporary_folder_here() -> Iterator[None]:
    """Temporary files of this process in a folder of their own for the length of the block, removed at its
    end; first, such folders of processes that are gone (killed with SIGKILL, which no handler sees)."""
    remove_abandoned_folders(Path(tempfile.gettempdir()))
    try:
        scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
    except OSError as error:
        raise OutputError(
            f"cannot make a temporary folder in {tempfile.gettempdir()}: {error.strerror}",
            hint=TEMPORARY_SPACE_HINT,
        ) from error
    previous = tempfile.tempdir
    tempfile.tempdir = scratch
    try:
        yield
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(scratch, ignore_errors=True)


def remove_abandoned_folders(folder: Path) -> None:
    """Remove the communique-<pid>-… folders in `folder` that are this user's and whose process is gone."""
    for path in folder.glob(f"{SCRATCH_PREFIX}[0-9]*-*"):
        pid = path.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        with contextlib.suppress(OSError):
            if pid.isdigit() and path.stat().st_uid == os.getuid() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, `kill`, a service manager stopping `watch` or `preview`) ends the
    command as Ctrl-C does: clean-up runs, nothing half written is left (nor WeasyPrint's temporary font
    copies, 45 MB a render session)."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass(frozen=True)
class _Job:
    """A document to build, and whether a worker already died building it."""

    source: str
    died: bool = False


def _run_workers(
    pending: list[str],
    out_dir: Path,
    context: BuildContext,
    environment: str,
    options: BatchOptions,
    record: Callable[[Outcome], None],
    result: BatchResult,
) -> None:
    """Build `pending` over worker processes, a single document too (so limits hold alike). A document
    whose worker died (killed from outside, perhaps) is built again in a fresh one, and if that one dies
    too it is recorded as failed; one that runs past its time or out of memory is failed at once.

    Ctrl-C is held back except while waiting for the workers, so it never strikes between a worker's
    answer and its record: the documents in progress finish and no others start; a second one kills them.
    """
    queue = deque(_Job(name) for name in pending)
    stopping = False  # after Ctrl-C or, with --fail-fast, the first failure: give out no more documents
    mp_context = _mp_context()
    with _sigint_held():
        pool = _Pool(mp_context, context, environment, options, str(out_dir), min(options.jobs, len(pending)))
        try:
            while True:
                try:
                    if not stopping:
                        pool.fill(queue)
                    if not pool.busy():
                        return
                    for job, outcome in pool.wait():
                        if outcome is None:
                            queue.appendleft(job)
                            continue
                        record(outcome)
                        stopping |= options.fail_fast and outcome.status == "failed"
                except KeyboardInterrupt:
                    if result.interrupted:
                        raise
                    result.interrupted = stopping = True
        finally:
            pool.close()


@contextlib.contextmanager
def _sigint_held(held: bool = True) -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back in this block, or with `held` False let it through; a Ctrl-C held back
    arrives when the block ends. Processes started meanwhile begin with it held back."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: Ctrl-C cannot be held back
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK if held else signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _ctrl_c_waiting() -> bool:
    """Whether a Ctrl-C was held back and waits (never, where signals cannot be held: Windows)."""
    return hasattr(signal, "sigpending") and signal.SIGINT in signal.sigpending()


class _Worker:
    """The parent's side of a worker process: its connection, and the document it builds, if any."""

    def __init__(self, mp_context: ForkServerContext | SpawnContext, args: tuple[Any, ...]) -> None:
        try:
            self.scratch = tempfile.mkdtemp(prefix="communique-worker-")
        except OSError as error:
            raise OutputError(
                f"cannot make a temporary folder in {tempfile.gettempdir()}: {error.strerror}",
                hint=TEMPORARY_SPACE_HINT,
            ) from error
        self.connection, theirs = mp_context.Pipe()
        self.process = mp_context.Process(target=_serve, args=(theirs, self.scratch, *args), daemon=True)
        try:
            self.process.start()
        except BaseException:
            self.connection.close()
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        finally:
            theirs.close()
        self.job: _Job | None = None
        self.deadline = math.inf
        self.built = 0

    def give(self, job: _Job, out_dir: str, timeout: float) -> None:
        """Send it a document to build in at most `timeout` seconds (0: no limit)."""
        self.connection.send((job.source, out_dir))
        self.job = job
        self.deadline = time.monotonic() + timeout if timeout else math.inf

    def answer(self) -> Outcome | None:
        """The outcome it sent for its document; None if its connection ended instead."""
        try:
            outcome: Outcome = self.connection.recv()
        except (EOFError, OSError):
            return None
        self.job, self.deadline, self.built = None, math.inf, self.built + 1
        return outcome

    def end(self, patience: float) -> int | None:
        """Give the process `patience` seconds to exit, then kill it and remove its temporary files; its
        exit code."""
        self.connection.close()
        self.process.join(patience)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        exit_code = self.process.exitcode
        self.process.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        return exit_code


class _Pool:
    """Up to `jobs` worker processes, each building one document at a time, so that whatever befalls a
    worker (killed, out of memory, past its time) befalls its own document only."""

    def __init__(
        self,
        mp_context: ForkServerContext | SpawnContext,
        context: BuildContext,
        environment: str,
        options: BatchOptions,
        out_dir: str,
        jobs: int,
    ) -> None:
        self.mp_context = mp_context
        self.options, self.out_dir, self.jobs = options, out_dir, jobs
        # Workers read the lifeline, the parent alone holds its other end: see _exit_with_parent.
        self.lifeline, self._lifeline_end = self.mp_context.Pipe(duplex=False)
        self.worker_args = (self.lifeline, context, environment, options.memory_limit)
        self.workers: list[_Worker] = []

    def busy(self) -> bool:
        """Whether a worker is building a document."""
        return any(worker.job for worker in self.workers)

    def fill(self, queue: deque[_Job]) -> None:
        """Give queued documents to idle workers, starting workers up to `jobs`."""
        while queue and not _ctrl_c_waiting():  # Ctrl-C held back: give out no more
            worker = next((worker for worker in self.workers if worker.job is None), None)
            if worker is None:
                if len(self.workers) == self.jobs:
                    return
                worker = _Worker(self.mp_context, self.worker_args)
                self.workers.append(worker)
            job = queue.popleft()
            try:
                worker.give(job, self.out_dir, self.options.timeout)
            except OSError:  # it went away while idle, through no fault of the document's
                queue.appendleft(job)
                self._remove(worker, patience=5)

    def wait(self) -> list[tuple[_Job, Outcome | None]]:
        """Wait until a worker answers, goes away or runs out of time. What became of their documents:
        each an outcome, or None to build it again (its worker died)."""
        deadline = min(worker.deadline for worker in self.workers)
        handles = [
            handle for worker in self.workers for handle in (worker.connection, worker.process.sentinel)
        ]
        import multiprocessing.connection

        with _sigint_held(False):
            ready = multiprocessing.connection.wait(
                handles, None if deadline == math.inf else max(0.0, deadline - time.monotonic())
            )
        settled = (self._settle(worker, worker.process.sentinel in ready) for worker in list(self.workers))
        return [entry for entry in settled if entry]

    def _settle(self, worker: _Worker, exited: bool) -> tuple[_Job, Outcome | None] | None:
        """What became of the worker's document, if anything did: (job, outcome), or (job, None) to build
        it again when its worker died for the first time. A worker past its time is killed."""
        job = worker.job
        if worker.connection.poll():  # an answer, or the end of the connection
            outcome = worker.answer()
            if outcome is not None and job is not None:
                if worker.built >= self.options.recycle_after:
                    self._stop(worker)
                return job, outcome
        elif not exited and time.monotonic() < worker.deadline:
            return None  # still building
        late = time.monotonic() >= worker.deadline
        exit_code = self._remove(worker, patience=0 if late else 5)
        if job is None:  # an idle worker went away: nothing lost
            return None
        if late:
            return job, _failed(job.source, self.out_dir, _too_slow(self.options.timeout))
        if not job.died:
            return replace(job, died=True), None
        return job, _failed(job.source, self.out_dir, _died(exit_code, self.options.memory_limit))

    def _stop(self, worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.connection.send(None)
        self._remove(worker, patience=5)

    def _remove(self, worker: _Worker, patience: float) -> int | None:
        self.workers.remove(worker)
        return worker.end(patience)

    def close(self) -> None:
        """Stop the idle workers and kill the busy ones (an error, or a second Ctrl-C)."""
        for worker in self.workers:
            if worker.job is None:
                with contextlib.suppress(OSError):
                    worker.connection.send(None)
        for worker in list(self.workers):
            self._remove(worker, patience=0 if worker.job else 5)
        self.lifeline.close()
        self._lifeline_end.close()


def _mp_context() -> ForkServerContext | SpawnContext:
    """Workers fork from a server that imported WeasyPrint once (or start afresh where there is none).

    Starts multiprocessing's resource tracker, which must not start where Ctrl-C is held back: starting,
    it lets Ctrl-C through again (Python 3.11), and the fork server would then start without it held.
    """
    import multiprocessing
    import multiprocessing.resource_tracker

    multiprocessing.resource_tracker.ensure_running()
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    _short_folder_for_sockets()
    mp_context = multiprocessing.get_context("forkserver")
    mp_context.set_forkserver_preload(["communique.pipeline"])
    return mp_context


SOCKET_PATH_MAX = 107 if sys.platform.startswith(("linux", "android")) else 103
"""The longest path of an AF_UNIX socket, in bytes: `sun_path` holds 108 bytes with the closing NUL on
Linux, 104 on macOS and the BSDs."""
SOCKET_PATH_ROOM = len("/pymp-12345678/listener-12345678")
"""What multiprocessing adds to the temporary folder for the fork server's socket: a folder of its own and
the socket in it (Python 3.14 names it sock-<12 characters>: as long)."""
SHORT_TEMPORARY_FOLDERS = ("/tmp", "/var/tmp")


def _short_folder_for_sockets() -> None:
    """Before the fork server starts, make multiprocessing's temporary folder, where the fork server's
    socket goes, one in /tmp (else /var/tmp) if its socket would be too long a path in the usual temporary
    folder (a TMPDIR of more than 75 bytes on Linux, 71 on macOS: CI systems, pytest's tmp_path under
    pytest-xdist), where Python 3.11 fails with "AF_UNIX path too long".

    Public means only: `multiprocessing.util.get_temp_dir` makes the folder once per process with
    `tempfile.mkdtemp` (private: mode 0700, an unpredictable name) in `tempfile.tempdir`, which points at
    the short folder for that call alone, and removes it as the process exits. If it was made already, or
    neither short folder can take it, multiprocessing keeps today's folder. Python 3.13 and 3.14 (their
    releases since mid-2025, CPython issue 132124) fall back to /tmp themselves: this only comes first.
    `tempfile.tempdir` is process-wide: a thread making a temporary file during that one call would
    make it in the short folder too.
    """
    if len(os.fsencode(tempfile.gettempdir())) + SOCKET_PATH_ROOM <= SOCKET_PATH_MAX:
        return
    import multiprocessing.util

    usual = tempfile.tempdir
    for folder in SHORT_TEMPORARY_FOLDERS:
        tempfile.tempdir = folder
        try:
            multiprocessing.util.get_temp_dir()
        except OSError:  # not there, or not writable: the next one
            continue
        finally:
            tempfile.tempdir = usual
        return


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
