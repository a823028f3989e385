"""`communique watch` as a user runs it: a real process, real files edited on disk, the PDF read back."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEED, run_cli
from pdftools import page_texts

PATIENCE = 60.0
"""Seconds a test waits for a build (a first build in a new process takes about 2 s here)."""


class Watching:
    """A `communique watch` process whose output lines are read as they come."""

    def __init__(self, *args: str, cwd: Path, temporary: Path | None = None) -> None:
        environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
        if temporary is not None:
            environment["TMPDIR"] = str(temporary)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "communique", "watch", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.seen: list[tuple[str, str]] = []
        for name, stream in (("out", self.process.stdout), ("err", self.process.stderr)):
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()

    def _read(self, name: str, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put((name, line.rstrip("\n")))

    def wait_for(self, start: str, stream: str = "out") -> str:
        """The next line of `stream` that starts with `start` (failing after PATIENCE seconds)."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            self.seen.append(line)
            if line[0] == stream and line[1].startswith(start):
                return line[1]
        raise AssertionError(f"no {stream} line starting {start!r}; saw {self.seen}")

    def quiet_for(self, seconds: float) -> list[tuple[str, str]]:
        """The lines printed in the next `seconds`."""
        time.sleep(seconds)
        printed = []
        while not self.lines.empty():
            printed.append(self.lines.get())
        self.seen.extend(printed)
        return printed

    def stop(self, how: signal.Signals = signal.SIGINT) -> tuple[int, str]:
        """Ctrl-C (or another signal): the exit code and what was printed after it."""
        self.process.send_signal(how)
        code = self.process.wait(timeout=PATIENCE)
        return code, "\n".join(line for _, line in self.quiet_for(0.2))


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[list[Watching]]:
    started: list[Watching] = []
    yield started
    for watcher in started:
        if watcher.process.poll() is None:
            watcher.process.kill()
            watcher.process.wait()


def _start(started: list[Watching], *args: str, cwd: Path, temporary: Path | None = None) -> Watching:
    watcher = Watching(*args, cwd=cwd, temporary=temporary)
    started.append(watcher)
    watcher.wait_for("built ")
    watcher.wait_for("watching ")
    return watcher


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_save_rebuilds_the_pdf_and_an_error_keeps_the_last_good_one(
    tmp_path: Path, watching: list[Watching]
) -> None:
    data = tmp_path / "data" / "x.yaml"
    data.parent.mkdir()
    shutil.copy(SEED, data)
    watcher = _start(watching, "data/x.yaml", "--out", "out", cwd=tmp_path)
    pdf = tmp_path / "out" / "x.pdf"
    assert "ヘルシンキ市訪問" in page_texts(pdf)[0]

    _edit(data, "知事によるヘルシンキ市訪問", "知事による公式訪問")
    assert watcher.wait_for("built ").startswith("built out/x.pdf (2 pages, ")
    assert "公式訪問" in page_texts(pdf)[0]
    good = pdf.read_bytes()

    _edit(data, "\ndate:", "\ndat e:")
    error = watcher.wait_for("data/x.yaml:", stream="err")
    assert error.startswith("data/x.yaml:6:1: unknown key 'dat e'")
    assert watcher.wait_for("not rebuilt", stream="err") == (
        "not rebuilt data/x.yaml: the last good output stays"
    )
    assert pdf.read_bytes() == good
    assert sorted(path.name for path in pdf.parent.iterdir()) == ["x.pdf"]  # no partial file

    _edit(data, "\ndat e:", "\ndate:")
    watcher.wait_for("built out/x.pdf")
    code, printed = watcher.stop()
    assert code == 0
    assert printed == "stopped watching"
    assert pdf.read_bytes() == good  # the same data again: the same bytes


def test_a_burst_of_saves_builds_once_and_a_save_without_change_builds_nothing(
    tmp_path: Path, watching: list[Watching]
) -> None:
    data = tmp_path / "x.yaml"
    shutil.copy(SEED, data)
    watcher = _start(watching, "x.yaml", "--out", "out", cwd=tmp_path)
    for count in range(5):  # "save all" in an editor: five saves within a few milliseconds
        with data.open("a", encoding="utf-8") as handle:
            handle.write(f"# note {count}\n")
    watcher.wait_for("built ")
    assert not [line for line in watcher.quiet_for(1.5) if line[1].startswith("built")]

    data.write_bytes(data.read_bytes())  # saved again, unchanged
    data.touch()
    assert watcher.quiet_for(1.5) == []
    assert watcher.stop()[0] == 0


def test_an_edited_stylesheet_of_the_project_layout_takes_effect(
    tmp_path: Path, watching: list[Watching]
) -> None:
    assert run_cli("init", str(tmp_path / "city")).returncode == 0
    project = tmp_path / "city"
    watcher = _start(watching, "data/example.yaml", cwd=project)
    pdf = project / "build" / "example.pdf"
    pages_before = len(page_texts(pdf))
    stylesheet = project / "layouts" / "letterhead" / "style.css"
    stylesheet.write_text(stylesheet.read_text(encoding="utf-8") + "\np { font-size: 40pt !important; }\n")
    built = watcher.wait_for("built ")
    assert len(page_texts(pdf)) > pages_before, built
    assert watcher.stop()[0] == 0


def test_a_watched_folder_builds_a_data_file_added_to_it(tmp_path: Path, watching: list[Watching]) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.yaml")
    watcher = _start(watching, "data", "--out", "out", cwd=tmp_path)
    shutil.copy(SEED, folder / "b.yaml")
    assert watcher.wait_for("built ").startswith("built out/b.pdf")
    assert (tmp_path / "out" / "b.pdf").is_file()
    assert watcher.stop()[0] == 0


def test_sigterm_stops_watching_as_ctrl_c_does_and_leaves_no_temporary_files(
    tmp_path: Path, watching: list[Watching]
) -> None:
    """A service manager, a container or an editor stops `watch` with SIGTERM: the same clean stop as
    Ctrl-C, and WeasyPrint's font copies (45 MB a render session) leave the temporary folder with it."""
    shutil.copy(SEED, tmp_path / "x.yaml")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    watcher = _start(watching, "x.yaml", "--out", "out", cwd=tmp_path, temporary=temporary)
    assert [path.name[:11] for path in temporary.iterdir()] == ["weasyprint-"]  # the session's fonts
    assert watcher.stop(signal.SIGTERM) == (0, "stopped watching")
    assert list(temporary.iterdir()) == []
    assert (tmp_path / "out" / "x.pdf").is_file()


def test_watch_refuses_an_output_folder_that_is_a_file(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "x.yaml")
    (tmp_path / "out").write_text("notes", encoding="utf-8")
    result = run_cli("watch", "x.yaml", "--out", "out", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("error: out is a file, not a folder: --out")


def test_watch_refuses_what_it_cannot_watch(tmp_path: Path) -> None:
    missing = run_cli("watch", str(tmp_path / "nothing.yaml"))
    assert missing.returncode == 2
    assert "nothing.yaml: no such file or folder" in missing.stderr
    layout = run_cli("watch", str(SEED), "--layout", "nonesuch", "--out", str(tmp_path))
    assert layout.returncode == 2
    assert "--layout" in layout.stderr
    assert not list(tmp_path.iterdir())


def test_watch_reads_the_files_the_build_reads() -> None:
    """The watched files are the build's own list: the data, templates, stylesheets and fonts."""
    from communique.preview.watch import Rebuilder
    from communique.project import BuildContext, Project, builtin_data

    rebuilder = Rebuilder(lambda: [SEED], lambda: BuildContext(Project.discover(SEED)), lambda made: None)
    [built] = rebuilder.build()
    assert built.error is None
    files, folders = rebuilder.watched()
    names = {path.name for path in files}
    assert SEED.resolve() in files
    assert {"document.html.j2", "style.css"} <= names
    assert any(name.endswith((".otf", ".ttf")) for name in names)
    assert SEED.parent.resolve() in folders
    assert all(folder.is_dir() for folder in folders)
    builtin = builtin_data().resolve()
    assert builtin / "layouts" / "sequential" / "style.css" in files  # the package's own files are inputs too
    assert {path for path in files if path.suffix in (".otf", ".ttf")} <= set((builtin / "fonts").iterdir())


def test_a_save_during_the_first_build_is_built_too(tmp_path: Path) -> None:
    """The watcher is not yet in place during the first build: a save then is caught up afterwards."""
    from communique.preview.watch import Rebuilder, watch
    from communique.project import BuildContext, Project

    data = tmp_path / "x.yaml"
    shutil.copy(SEED, data)
    original = data.read_text(encoding="utf-8")
    built: list[bytes] = []

    def write(made: object) -> None:
        built.append(made.data)  # type: ignore[attr-defined]
        if len(built) == 1:  # saved while the first build finishes
            data.write_text(
                original.replace("知事によるヘルシンキ市訪問", "知事による公式訪問"), encoding="utf-8"
            )

    rebuilder = Rebuilder(lambda: [data], lambda: BuildContext(Project.discover(data)), write)
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(rebuilder, lambda _results: None), kwargs={"stop": stop})
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while len(built) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(PATIENCE)
    assert len(built) == 2
    pdf = tmp_path / "second.pdf"
    pdf.write_bytes(built[1])
    assert "知事による公式訪問" in page_texts(pdf)[0]
