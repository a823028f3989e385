"""Batch builds when documents misbehave: one that runs too long or out of memory fails alone, workers
die with their parent, Ctrl-C at start-up is quiet, a manifest of the wrong shape is rebuilt, and no
room for temporary files is a clear error."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import psutil
import pytest
import yaml
from conftest import ROOT, SEED, run_cli, seed_text, start_batch, temporary_folder, write_data
from PIL import Image
from test_batch import assert_consistent, corpus, manifest
from test_layouts import SIGNATURE_ALT

from communique.batch import (
    SOCKET_PATH_MAX,
    SOCKET_PATH_ROOM,
    BatchOptions,
    Outcome,
    read_manifest,
    run_batch,
    write_manifest,
)
from communique.errors import TEMPORARY_SPACE_HINT, OutputError, RenderError
from communique.images import MAX_PIXELS
from communique.pipeline import build
from communique.project import BuildContext, Project

HINTS = {
    "timeout": "a document this long needs a higher --timeout (0 for no limit)",
    "memory": "raise --memory-limit (it counts address space, above resident memory), or 0 for no limit",
}


def long_document(folder: Path, name: str, repeat: int) -> Path:
    """The seed with its body repeated `repeat` times (300 times: about 300 pages, far over a second)."""
    data = yaml.safe_load(seed_text())
    data["id"] = name
    data["body"] = [dict(paragraph) for _ in range(repeat) for paragraph in data["body"]]
    return write_data(folder, yaml.safe_dump(data, allow_unicode=True, sort_keys=False), f"{name}.yaml")


def huge_signature(folder: Path, name: str) -> Path:
    """The seed signed with the largest PNG allowed: decoded, it needs hundreds of MiB."""
    Image.new("RGBA", (MAX_PIXELS, MAX_PIXELS), (20, 30, 160, 255)).save(folder / "huge.png")
    signed = seed_text().replace(
        "en: Koike Yuriko\n", "en: Koike Yuriko\n        signature: huge.png\n" + SIGNATURE_ALT, 1
    )
    assert "huge.png" in signed
    return write_data(folder, signed, f"{name}.yaml")


def pdfs(out: Path) -> list[str]:
    return sorted(path.name for path in out.glob("*.pdf"))


def failures(stderr: str) -> list[str]:
    """The lines of the closing summary of failures."""
    _, _, summary = stderr.partition(" failed:\n")
    return [line.strip() for line in summary.splitlines()]


def test_a_document_past_its_time_is_killed_and_fails_alone(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 19), tmp_path / "out"
    poison = long_document(data, "a-long", 300)  # sorts first: killed while the other worker builds
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    environment = {"CI": "1", "TMPDIR": str(temporary)}
    result = run_cli("build", str(data), "--out", str(out), "--jobs", "2", "--timeout", "6", env=environment)
    assert result.returncode == 1, result.stderr
    assert list(temporary.iterdir()) == []  # the killed worker's temporary files too
    assert "19 built, 0 skipped, 1 failed" in result.stdout
    assert failures(result.stderr) == [f"{poison}: took longer than 6 s (hint: {HINTS['timeout']})"]
    assert pdfs(out) == [f"doc{number:03d}.pdf" for number in range(19)]
    assert_consistent(out)
    assert manifest(out)[str(poison)]["status"] == "failed"
    assert "Traceback" not in result.stderr


def test_a_single_document_past_its_time_leaves_nothing(tmp_path: Path) -> None:
    poison, out = long_document(tmp_path, "long", 300), tmp_path / "out"
    started = time.monotonic()
    result = run_cli("build", str(poison), "--out", str(out), "--timeout", "1")
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert result.stderr.strip() == f"{poison}: took longer than 1 s (hint: {HINTS['timeout']})"
    assert not out.exists() or list(out.iterdir()) == []  # no PDF, no partial file, no manifest


def test_a_document_that_runs_out_of_memory_fails_alone(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 4), tmp_path / "out"
    poison = huge_signature(data, "a-signed")
    result = run_cli("build", str(data), "--out", str(out), "--jobs", "2", "--memory-limit", "600")
    assert result.returncode == 1, result.stderr
    limit = f"{poison}: ran out of memory (limit 600 MiB) (hint: {HINTS['memory']})"
    assert failures(result.stderr) == [limit]
    assert pdfs(out) == ["doc000.pdf", "doc001.pdf", "doc002.pdf", "doc003.pdf"]
    assert_consistent(out)
    # Without the limit it builds: the limit, not the document, was the problem.
    unlimited = run_cli("build", str(poison), "--out", str(out), "--memory-limit", "0")
    assert unlimited.returncode == 0, unlimited.stderr


def alive(processes: list[psutil.Process]) -> list[str]:
    """The command lines of those still running (a zombie has ended: it only waits to be reaped)."""
    running = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                running.append(" ".join(process.cmdline()))
        except psutil.NoSuchProcess:
            pass
    return running


def test_killing_the_parent_ends_every_process_it_started(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    for number in range(10):
        long_document(data, f"doc{number}", 20)  # a few seconds each: workers are mid-document
    process = start_batch(data, out)
    assert process.stdout is not None
    line = process.stdout.readline()  # one built: a worker is building the next, the other its own
    assert line.startswith("built "), line + process.communicate()[1]
    descendants = process.children(recursive=True)
    assert any("forkserver" in " ".join(child.cmdline()) for child in descendants)
    assert len(descendants) >= 4  # the fork server, two workers and the resource tracker
    process.kill()
    process.wait()
    deadline = time.monotonic() + 5
    while alive(descendants) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(descendants) == []
    # Each worker removed its temporary files; multiprocessing leaves its socket folder behind, here or,
    # where this folder's path is too long for a socket (a long basetemp), in /tmp.
    too_long = len(os.fsencode(temporary_folder(out))) + SOCKET_PATH_ROOM > SOCKET_PATH_MAX
    assert [path.name[:5] for path in temporary_folder(out).iterdir()] == ([] if too_long else ["pymp-"])


def workers_of(process: psutil.Process) -> list[psutil.Process]:
    """The worker processes of a batch: the children of its fork server."""
    servers = [child for child in process.children() if "forkserver" in " ".join(child.cmdline())]
    return [worker for server in servers for worker in server.children()]


def test_a_document_whose_worker_is_killed_twice_fails_naming_itself(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    good = write_data(data, seed_text(), "a-good.yaml")  # built first, by the one worker
    poison = long_document(data, "b-long", 100)  # many seconds: time to kill its worker, twice
    process = start_batch(data, tmp_path / "out", "--jobs", "1")
    killed: set[int] = set()
    deadline = time.monotonic() + 90
    while len(killed) < 2:
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        fresh = [worker for worker in workers_of(process) if worker.pid not in killed]
        if fresh and (tmp_path / "out" / f"{good.stem}.pdf").exists():
            time.sleep(1)  # it has the long document
            fresh[0].kill()
            killed.add(fresh[0].pid)
        time.sleep(0.05)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    hint = "killed from outside, or a crash in a library (out of memory? raise --memory-limit, now 2048 MiB)"
    assert f"{poison}: its worker process died twice (killed by SIGKILL) (hint: {hint})" in stderr
    assert pdfs(tmp_path / "out") == [f"{good.stem}.pdf"]  # the innocent document was built
    assert list(temporary_folder(tmp_path / "out").iterdir()) == []


def test_workers_are_replaced_after_their_share_of_documents(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 5), tmp_path / "out"
    context = BuildContext(Project.discover(data))
    workers: set[int] = set()

    def seen(outcome: Outcome, done: int, total: int) -> None:
        workers.update(worker.pid for worker in workers_of(psutil.Process()))

    options = BatchOptions(jobs=1, recycle_after=2)
    result = run_batch(sorted(data.glob("*.yaml")), out, context, options, seen)
    assert [outcome.status for outcome in result.outcomes] == ["built"] * 5
    assert len(workers) == 3  # two documents each: 2 + 2 + 1
    assert pdfs(out) == [f"doc{number:03d}.pdf" for number in range(5)]


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_ctrl_c_while_the_workers_start_is_quiet(tmp_path: Path, delay: float) -> None:
    data = corpus(tmp_path / "data", 4)
    process = start_batch(data, tmp_path / "out")
    deadline = time.monotonic() + 30
    while not any("forkserver" in " ".join(child.cmdline()) for child in process.children()):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.01)
    time.sleep(delay)  # the fork server is importing WeasyPrint, or forking the first workers
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "interrupted" in stderr


WRONG_SHAPES = [
    {"format": 2, "documents": []},
    {"format": 2, "documents": {"data/doc.yaml": "built"}},
    {"format": 2, "documents": {"data/doc.yaml": {"source": "data/doc.yaml", "status": "built"}}},
    {"format": 2, "documents": {"d": {"source": "d", "output": "d.pdf", "status": "built", "inputs": 5}}},
    {"format": 2, "documents": {"d": {"source": "d", "output": "d.pdf", "status": "built", "warnings": [1]}}},
    {"format": "2", "documents": {}},
    [],
    "manifest",
]


@pytest.mark.parametrize("shape", WRONG_SHAPES, ids=range(len(WRONG_SHAPES)))
def test_a_manifest_of_the_wrong_shape_reads_as_empty_with_a_warning(tmp_path: Path, shape: object) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(shape))
    problems: list[str] = []
    assert read_manifest(path, problems.append) == {}
    assert problems == [f"{path}: manifest is not in the expected shape"]


def test_manifests_that_are_fine_or_of_another_version_read_without_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    problems: list[str] = []
    entry = Outcome(
        "d.yaml",
        "d.pdf",
        "failed",
        "h",
        ("d.yaml",),
        {"d.yaml": "h"},
        "s",
        2,
        10,
        0.5,
        "d.yaml: bad",
        ({"file": "d.yaml", "line": 1, "column": 2, "message": "bad", "hint": None},),
        2,
        ("a warning",),
    )
    write_manifest(path, {"d.yaml": json.loads(json.dumps(asdict(entry)))})
    assert read_manifest(path, problems.append)["d.yaml"]["problems"][0]["column"] == 2
    path.write_text(json.dumps({"format": 1, "documents": []}))  # an older version's: rebuilt quietly
    assert read_manifest(path, problems.append) == {}
    assert read_manifest(tmp_path / "absent.json", problems.append) == {}
    path.write_text("{not json")
    assert read_manifest(path, problems.append) == {}
    assert problems == [f"{path}: manifest is not valid JSON"]


def test_a_build_over_a_manifest_of_the_wrong_shape_rebuilds(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 2), tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(
        json.dumps({"format": 2, "documents": {str(data / "doc000.yaml"): "x"}})
    )
    result = run_cli("build", str(data), "--out", str(out), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    warning = (
        f"warning: {out / 'manifest.json'}: manifest is not in the expected shape; rebuilding everything"
    )
    assert result.stderr.splitlines() == [warning]
    assert pdfs(out) == ["doc000.pdf", "doc001.pdf"]
    again = run_cli("build", str(data), "--out", str(out), "--report", "json")  # the manifest is whole again
    assert "warning" not in again.stderr and json.loads(again.stdout)["summary"]["skipped"] == 2


def test_merge_refuses_a_manifest_of_the_wrong_shape(tmp_path: Path) -> None:
    shard = tmp_path / "manifest.json"
    shard.write_text(json.dumps({"format": 2, "documents": []}))
    result = run_cli("merge", str(shard), "--out", str(tmp_path / "merged.json"))
    assert result.returncode == 2
    assert f"{shard}: manifest is not in the expected shape" in result.stderr
    assert not (tmp_path / "merged.json").exists()


@pytest.mark.parametrize(
    "flags", [["--timeout", "-1"], ["--timeout", "nan"], ["--timeout", "inf"], ["--memory-limit", "-5"]]
)
def test_limits_must_be_zero_or_more(tmp_path: Path, flags: list[str]) -> None:
    result = run_cli("build", str(corpus(tmp_path, 1)), "--out", str(tmp_path / "out"), *flags)
    assert result.returncode == 2
    assert f"error: {flags[0]} " in result.stderr and "0 for no limit" in result.stderr


def test_the_help_names_the_default_limits() -> None:
    text = " ".join(run_cli("build", "--help").stdout.split())
    defaults = BatchOptions()
    assert f"(default: {defaults.timeout:g}; 0: no limit)" in text
    assert f"(default: {defaults.memory_limit}; 0: no limit)" in text


def test_no_room_for_the_temporary_copies_of_the_fonts_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = write_data(tmp_path, "a file where the temporary folder should be", "blocked")
    monkeypatch.setattr(tempfile, "tempdir", str(blocked))
    out = tmp_path / "out"
    with pytest.raises(RenderError) as raised:
        build(SEED, out, BuildContext(Project.discover(SEED)))
    reason = f"{blocked}: Not a directory (hint: {TEMPORARY_SPACE_HINT})"
    assert str(raised.value) == f"cannot write temporary copies of the fonts in {reason}"
    assert not out.exists()
    with pytest.raises(OutputError) as raised_in_batch:
        sources = [SEED, SEED.with_name("covenant-no-place.yaml")]  # two: built by worker processes
        run_batch(sources, out, BuildContext(Project.discover(SEED)), BatchOptions(), lambda *_: None)
    assert str(raised_in_batch.value) == f"cannot make a temporary folder in {reason}"
    assert not out.exists()


def test_a_batch_builds_under_a_temporary_folder_too_long_for_a_socket(tmp_path: Path) -> None:
    """A TMPDIR of 120 bytes (CI systems, pytest's tmp_path) would put the fork server's socket past the
    107 bytes AF_UNIX allows: it goes to a short folder instead, and the batch builds."""
    base = Path(tempfile.mkdtemp(prefix="cq-", dir="/tmp"))  # short, whatever tmp_path's length
    try:
        temporary = base / ("t" * (119 - len(str(base))))
        temporary.mkdir()
        assert len(os.fsencode(temporary)) == 120
        seeds = [ROOT / "seeds" / "languages" / name for name in ("th-en.yaml", "fr-ja.yaml")]
        out = tmp_path / "out"
        environment = {"CI": "1", "TMPDIR": str(temporary)}
        result = run_cli("build", *map(str, seeds), "--out", str(out), "--jobs", "2", env=environment)
        assert result.returncode == 0, result.stderr
        assert "2 built, 0 skipped, 0 failed" in result.stdout
        assert pdfs(out) == ["fr-ja.pdf", "th-en.pdf"]
        assert_consistent(out)
        assert list(temporary.iterdir()) == []  # the workers' temporary files too
    finally:
        shutil.rmtree(base)


def _single_build(source: Path, out: Path, scratch: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "communique", "build", str(source), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )


def _wait_for_font_copies(scratch: Path, process: subprocess.Popen[str]) -> None:
    """Until WeasyPrint has copied the fonts into the build's temporary folder."""
    deadline = time.monotonic() + 60
    while not list(scratch.glob("communique-*/weasyprint-*/*")):
        assert process.poll() is None and time.monotonic() < deadline, "the build never copied its fonts"
        time.sleep(0.01)


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_single_build_stopped_from_outside_leaves_no_font_copies_behind(
    tmp_path: Path, signal_number: int
) -> None:
    """SIGTERM ends the build as Ctrl-C does, its temporary folder removed; after SIGKILL, which no
    handler sees, the next build removes the folder the killed one left (43 MB of font copies)."""
    scratch = tmp_path / "temporary"
    scratch.mkdir()
    process = _single_build(SEED, tmp_path / "out", scratch)
    _wait_for_font_copies(scratch, process)
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)
    assert not (tmp_path / "out").exists()
    if signal_number == signal.SIGTERM:
        assert process.returncode == 130
        assert stderr == "interrupted before any document was built; run again to build\n"
        assert not list(scratch.iterdir())
        return
    assert [path.name.split("-")[1] for path in scratch.iterdir()] == [str(process.pid)]
    again = _single_build(SEED, tmp_path / "out", scratch)
    again.communicate(timeout=120)
    assert again.returncode == 0
    assert not list(scratch.iterdir())
