"""Batch builds as CI runs them: many documents over workers, incremental, sharded, interruptible."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import psutil
import pypdf
import pytest
from conftest import run_cli, seed_text, start_batch, temporary_folder, write_data

from communique.batch import parse_shard, select_shard
from communique.errors import UsageError
from communique.model import BuildResult


def corpus(folder: Path, count: int, bad: int = 0) -> Path:
    """`count` copies of the seed with distinct ids (and `bad` broken files) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        write_data(
            folder,
            seed_text().replace("id: tokyo-helsinki-2023", f"id: doc-{number:03d}"),
            f"doc{number:03d}.yaml",
        )
    for number in range(bad):
        write_data(folder, seed_text().replace("date: 2023-08-21", "date: 2023-02-30"), f"bad{number}.yaml")
    return folder


def manifest(out: Path) -> dict[str, dict[str, object]]:
    documents: dict[str, dict[str, object]] = json.loads((out / "manifest.json").read_text())["documents"]
    return documents


def test_a_folder_over_two_workers_gives_the_same_bytes_as_single_builds(
    tmp_path: Path, build_seed: Callable[..., BuildResult]
) -> None:
    data, temporary = corpus(tmp_path / "data", 4), tmp_path / "temporary"
    temporary.mkdir()
    result = run_cli(
        "build",
        str(data),
        "--out",
        str(tmp_path / "out"),
        "--jobs",
        "2",
        env={"CI": "1", "TMPDIR": str(temporary)},
    )
    assert result.returncode == 0, result.stderr
    assert list(temporary.iterdir()) == []  # the workers' copies of the fonts (40 MB each) are gone
    assert result.stdout.count("built ") == 4 and "4 built, 0 skipped, 0 failed" in result.stdout
    single = build_seed(data / "doc002.yaml").output.read_bytes()
    assert (tmp_path / "out" / "doc002.pdf").read_bytes() == single
    documents = manifest(tmp_path / "out")
    assert len(documents) == 4
    entry = documents[str(data / "doc000.yaml")]
    assert entry["status"] == "built" and entry["pages"] == 2 and entry["bytes"] == len(single)
    assert entry["output"] == str(tmp_path / "out" / "doc000.pdf")
    assert len(str(entry["sha256"])) == 64 and len(str(entry["input_hash"])) == 64
    assert any(str(name).endswith("layouts/sequential/document.html.j2") for name in entry["inputs"])  # type: ignore[union-attr]


def test_unchanged_documents_are_skipped_and_changes_rebuild(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 3), tmp_path / "out"
    assert run_cli("build", str(data), "--out", str(out), "--jobs", "2").returncode == 0
    again = run_cli("build", str(data), "--out", str(out), "--jobs", "2", "--report", "json")
    report = json.loads(again.stdout)
    assert report["summary"] == {**report["summary"], "built": 0, "skipped": 3, "failed": 0}
    changed = data / "doc001.yaml"
    changed.write_text(changed.read_text().replace("Helsinki City Hall", "Helsinki city hall"))
    (out / "doc002.pdf").write_bytes(b"damaged")  # an output that is no longer what was built
    third = json.loads(run_cli("build", str(data), "--out", str(out), "--report", "json").stdout)
    status = {Path(doc["source"]).name: doc["status"] for doc in third["documents"]}
    assert status == {"doc000.yaml": "skipped", "doc001.yaml": "built", "doc002.yaml": "built"}
    other_paper = json.loads(
        run_cli("build", str(data), "--out", str(out), "--paper", "B5", "--report", "json").stdout
    )
    assert other_paper["summary"]["built"] == 3  # options are part of the cache key
    forced = json.loads(
        run_cli("build", str(data), "--out", str(out), "--paper", "B5", "--force", "--report", "json").stdout
    )
    assert forced["summary"]["built"] == 3


def test_one_bad_document_does_not_stop_the_others(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 3, bad=1), tmp_path / "out"
    result = run_cli("build", str(data), "--out", str(out), "--jobs", "2")
    assert result.returncode == 2  # a data error, as for a single document
    assert sorted(path.name for path in out.glob("*.pdf")) == ["doc000.pdf", "doc001.pdf", "doc002.pdf"]
    summary = result.stderr[result.stderr.index("1 failed:") :]
    assert f"{data / 'bad0.yaml'}:6:7: invalid date '2023-02-30'" in summary
    assert "Traceback" not in result.stderr
    assert manifest(out)[str(data / "bad0.yaml")]["status"] == "failed"


def test_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    data = corpus(tmp_path / "data", 0, bad=1)
    corpus(data, 6)
    result = run_cli(
        "build", str(data), "--out", str(tmp_path / "out"), "--jobs", "1", "--fail-fast", "--report", "json"
    )
    report = json.loads(result.stdout)
    assert result.returncode == 2
    assert report["documents"][0]["status"] == "failed"  # bad0.yaml sorts first
    assert report["summary"]["built"] < 6


def test_shards_partition_the_documents_stably() -> None:
    names = [Path(f"seeds/doc{number:03d}.yaml") for number in range(200)]
    shards = [select_shard(names, (index, 8)) for index in range(1, 9)]
    assert sorted(name for shard in shards for name in shard) == names  # every document, once
    assert all(10 <= len(shard) <= 40 for shard in shards)  # spread, not all in one
    # Documents added (at the front and in between) move none of the others to another shard.
    more = sorted([*names, *(Path(f"seeds/doc{number:03d}a.yaml") for number in range(0, 200, 4))])
    for index, shard in enumerate(shards, 1):
        assert [name for name in select_shard(more, (index, 8)) if name in names] == shard
    for text in ("0/8", "9/8", "x", "2-8"):
        with pytest.raises(UsageError):
            parse_shard(text)


def test_sharded_builds_merge_into_one_manifest(tmp_path: Path) -> None:
    data = corpus(tmp_path / "data", 4)
    manifests = []
    for index in (1, 2):
        out = tmp_path / f"shard{index}"
        result = run_cli("build", str(data), "--out", str(out), "--shard", f"{index}/2", "--report", "json")
        assert result.returncode == 0, result.stderr
        manifests.append(out / "manifest.json")
    merged = tmp_path / "manifest.json"
    result = run_cli("merge", *map(str, manifests), "--out", str(merged))
    assert result.returncode == 0 and "4 documents" in result.stdout
    assert sorted(json.loads(merged.read_text())["documents"]) == sorted(
        str(path) for path in data.glob("*.yaml")
    )


def test_globs_and_quiet(tmp_path: Path) -> None:
    data = corpus(tmp_path / "data", 2)
    result = run_cli("build", str(data / "doc*.yaml"), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 0 and result.stdout == ""
    assert sorted(path.name for path in (tmp_path / "out").glob("*.pdf")) == ["doc000.pdf", "doc001.pdf"]
    assert run_cli("build", str(data), "--jobs", "0").returncode == 2


def wait_for_first_build(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("built "), line


def assert_consistent(out: Path) -> None:
    """No partial files; every recorded PDF is complete and has the recorded bytes."""
    assert not list(out.glob(".*.part"))
    for entry in manifest(out).values():
        if entry["status"] == "built":
            pdf = Path(str(entry["output"]))
            assert len(pypdf.PdfReader(pdf).pages) == entry["pages"]


def test_ctrl_c_leaves_no_partial_pdf_and_a_rerun_finishes(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 16), tmp_path / "out"
    process = start_batch(data, out)
    wait_for_first_build(process)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches every process of the group, workers too
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert list(temporary_folder(out).iterdir()) == []
    assert_consistent(out)
    built_before = len(manifest(out))
    assert 1 <= built_before < 16
    rerun = json.loads(run_cli("build", str(data), "--out", str(out), "--report", "json").stdout)
    assert rerun["summary"]["skipped"] == built_before and rerun["summary"]["built"] == 16 - built_before


def test_a_killed_worker_loses_nothing(tmp_path: Path) -> None:
    data, out = corpus(tmp_path / "data", 12), tmp_path / "out"
    process = start_batch(data, out)
    wait_for_first_build(process)
    servers = [
        child for child in psutil.Process(process.pid).children() if "forkserver" in " ".join(child.cmdline())
    ]
    workers = [worker for server in servers for worker in server.children()]
    assert workers, "the pool's workers are the fork server's children"
    workers[0].kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert list(temporary_folder(out).iterdir()) == []  # the killed worker's copies of the fonts too
    assert_consistent(out)
    assert sorted(path.name for path in out.glob("*.pdf")) == sorted(
        f"{path.stem}.pdf" for path in data.glob("*.yaml")
    )


def test_make_build_writes_a_manifest_of_the_seeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", "seeds", "--out", str(out), "--strict")
    assert result.returncode == 0, result.stderr
    assert manifest(out)["seeds/tokyo-helsinki-2023.yaml"]["status"] == "built"


def test_two_data_files_that_would_write_the_same_pdf_are_refused(tmp_path: Path) -> None:
    corpus(tmp_path / "a", 1)
    corpus(tmp_path / "b", 1)
    result = run_cli("build", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "would all write the same PDF" in result.stderr and "doc000.yaml" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_stylesheet_edited_between_two_runs_in_one_process_is_read_again(tmp_path: Path) -> None:
    """A render session belongs to one run: the second run_batch in the same process (an editor's
    watcher, a Python script) draws the edited stylesheet, as the manifest records."""
    from communique.batch import BatchOptions, run_batch
    from communique.project import BuildContext, Project
    from communique.scaffold import create_project

    create_project(tmp_path / "office")
    project = Project.discover(tmp_path / "office" / "data" / "example.yaml")
    source = tmp_path / "office" / "data" / "example.yaml"
    style = tmp_path / "office" / "layouts" / "letterhead" / "style.css"
    out = tmp_path / "out"

    def run() -> str:
        result = run_batch([source], out, BuildContext(project), BatchOptions(), lambda *_: None)
        assert [outcome.status for outcome in result.outcomes] == ["built"]
        return "".join(page.extract_text() for page in pypdf.PdfReader(out / "example.pdf").pages)

    assert "Edited between runs" not in run()
    style.write_text(style.read_text() + '\nbody::before { content: "Edited between runs" }\n')
    assert "Edited between runs" in run()
