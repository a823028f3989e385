"""Build again on every save: one warm render session, watching every file the last build read.

What is watched is what the build itself reported reading (`MadePdf.inputs`: data, communique.toml,
templates, stylesheets and their imports, fonts, images) and the places it looked for templates in vain,
so a file created there counts too; nothing is listed by hand. `watchfiles` (Rust's notify: inotify on
Linux) reports the changes; a burst of saves arrives as one set of changes and builds once.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from communique.engine.renderer import RenderSession
from communique.errors import CommuniqueError, path_error
from communique.loader import read_text
from communique.pipeline import MadePdf, make_pdf
from communique.project import BuildContext

STEP_MS = 15
"""How long the watcher waits for more changes after one before it builds (a burst of saves is one build)."""
DEBOUNCE_MS = 1600
"""The longest it waits while changes keep coming."""
READY_MS = 200
"""How long the watcher waits for a first change before it reports itself in place."""
DATA_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Rebuilt:
    """One document built again: its PDF in memory, or the error that stopped it."""

    source: Path
    made: MadePdf | None
    error: CommuniqueError | None
    seconds: float
    output: Path | None = None
    """Where the PDF was written (None when the caller keeps it in memory, or it failed)."""


@dataclass
class Rebuilder:
    """Builds data files in one warm render session, and again those whose inputs changed.

    `expand` lists the data files (again each round, so a file added to a watched folder is built);
    `context` gives the BuildContext (again each round, so an edited communique.toml takes effect);
    `write` keeps a successful PDF (writes it atomically, or hands it to a preview) and says where.
    """

    expand: Callable[[], list[Path]]
    context: Callable[[], BuildContext]
    write: Callable[[MadePdf], Path | None]
    session: RenderSession = field(default_factory=RenderSession)
    inputs: dict[Path, tuple[Path, ...]] = field(default_factory=dict)
    """Each data file's inputs at its last build (the data file and config alone after a failure)."""
    digests: dict[Path, str] = field(default_factory=dict)
    """The content of every input when last built: a save that changes nothing builds nothing."""
    folders: tuple[Path, ...] = ()
    """Folders named on the command line: a data file added to one is built."""
    sources: list[Path] = field(default_factory=list)
    """The data files of the last round (kept when a named file is gone for a moment)."""

    def build(self, changed: Iterable[Path] | None = None) -> list[Rebuilt]:
        """Build every data file (`changed` None), or those an actually changed file is an input of."""
        try:
            self.sources = self.expand()
        except CommuniqueError:
            if changed is None:
                raise
        if changed is None:
            due = self.sources
        else:
            edited = {path.resolve() for path in changed if self._content_changed(path.resolve())}
            self.session.forget(edited)
            due = [
                source
                for source in self.sources
                if source.resolve() not in self.inputs or edited & set(self.inputs[source.resolve()])
            ]
        for gone in set(self.inputs) - {source.resolve() for source in self.sources}:
            del self.inputs[gone]
        return [self._build_one(source) for source in due]

    def _build_one(self, source: Path) -> Rebuilt:
        started = time.perf_counter()
        known = {source.resolve(), *self.inputs.get(source.resolve(), ())}
        before = {path: _stamp(path) for path in known}
        since = time.time_ns()
        context = None
        try:
            context = self.context()
            made = make_pdf(read_text(source), source, context, self.session)
            output = self.write(made)
        except (CommuniqueError, OSError) as error:
            failure = path_error(error) if isinstance(error, OSError) else error
            config = context.project.config_files() if context else ()
            self._remember(source, (source, *config, *self.inputs.get(source.resolve(), ())), before, since)
            return Rebuilt(source, None, failure, time.perf_counter() - started)
        self._remember(source, (*made.inputs, *made.absent_inputs), before, since)
        return Rebuilt(source, made, None, time.perf_counter() - started, output)

    def _remember(
        self, source: Path, inputs: Iterable[Path], before: dict[Path, tuple[int, int] | None], since: int
    ) -> None:
        """Keep what the build read, and the content it read: a file saved while the build ran is marked
        unknown, so the next look at it (an event, or the watcher's catch-up) builds again."""
        resolved = tuple(dict.fromkeys(path.resolve() for path in inputs))
        self.inputs[source.resolve()] = resolved
        for path in resolved:
            stamp = _stamp(path)
            saved_during = (
                before[path] != stamp if path in before else stamp is not None and stamp[0] >= since
            )
            if saved_during:
                self.digests[path] = UNKNOWN
            elif path not in self.digests:  # a file read for the first time (hashing fonts takes a while)
                self.digests[path] = _digest(path)

    def _content_changed(self, path: Path) -> bool:
        """Whether `path` differs from when it was last built (a touch or an identical save does not)."""
        now = _digest(path)
        changed = self.digests.get(path) != now
        self.digests[path] = now
        return changed

    def watched(self) -> tuple[set[Path], set[Path]]:
        """The files whose changes matter, and the folders to watch for them."""
        files = {path for inputs in self.inputs.values() for path in inputs}
        folders = {path.parent for path in files} | {folder.resolve() for folder in self.folders}
        return files, {folder for folder in folders if folder.is_dir()}

    def relevant(self, path: Path) -> bool:
        """Whether a change to `path` may change a build: an input, or a data file in a watched folder."""
        files, _ = self.watched()
        resolved = path.resolve()
        in_folder = resolved.parent in {folder.resolve() for folder in self.folders}
        return resolved in files or (in_folder and resolved.suffix in DATA_SUFFIXES)


UNKNOWN = "unknown"
"""The digest of a file saved while a build read it: whatever it holds now differs from it."""


def _stamp(path: Path) -> tuple[int, int] | None:
    """A file's modification time and size, cheap to take before every build."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def watch(
    rebuilder: Rebuilder,
    report: Callable[[list[Rebuilt]], None],
    watching: Callable[[set[Path], set[Path]], None] = lambda _files, _folders: None,
    stop: threading.Event | None = None,
    step_ms: int = STEP_MS,
) -> None:
    """Build everything, then build again on every change until `stop` is set (or Ctrl-C, which ends
    the loop with KeyboardInterrupt). The folders watched follow what each build read; `watching` is
    told the files and folders each time the watcher is in place."""
    import watchfiles

    report(rebuilder.build())
    stop = stop or threading.Event()
    while not stop.is_set():
        files, folders = rebuilder.watched()
        in_place = False
        changes = watchfiles.watch(
            *sorted(folders),
            watch_filter=lambda _change, name: rebuilder.relevant(Path(name)),
            debounce=DEBOUNCE_MS,
            step=step_ms,
            stop_event=stop,
            recursive=False,
            yield_on_timeout=True,
            rust_timeout=READY_MS,
        )
        for batch in changes:
            if stop.is_set():
                return
            changed = {Path(name) for _change, name in batch}
            if not in_place:  # the watcher runs now: catch up with saves made while it started
                in_place = True
                changed |= files
                watching(files, folders)
            results = rebuilder.build(changed) if changed else []
            if results:
                report(results)
            if rebuilder.watched() != (files, folders):
                break  # the builds read other files now: watch their folders
