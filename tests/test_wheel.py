"""An installed wheel is a complete tool: built, installed into a fresh virtualenv (not editable) and
used from a folder outside the repository, as a new user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from pdftools import compact, page_texts


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment, check=False)


CONSTRAINTS = ROOT / "src" / "communique" / "data" / "init" / "constraints.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of this checkout's files: setuptools writes build/lib into the folder it
    builds in, and packs what an earlier build left there (a module since removed) into the next wheel."""
    wheels = tmp_path_factory.mktemp("wheels")
    source = tmp_path_factory.mktemp("source") / "communique"
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):  # the working tree's files, as git sees them
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    built = run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            ".",
        ],
        source,
    )
    assert built.returncode == 0, built.stderr
    (found,) = wheels.glob("communique-*-py3-none-any.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed as the README tells offices to (with the constraints
    `communique init` ships); returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    base_python = getattr(sys, "_base_executable", sys.executable)
    assert run([base_python, "-m", "venv", str(venv)], ROOT).returncode == 0
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    result = run([*pip, "-c", str(CONSTRAINTS), str(wheel)], ROOT)
    assert result.returncode == 0, result.stderr
    return venv / "bin"


def test_the_constraints_pin_every_library_installed_as_the_lock_does(installed: Path) -> None:
    """What an installed communique runs on is exactly constraints.txt, and constraints.txt agrees with
    the lock `make` installs: an office's CI builds with the checkout's libraries."""
    frozen = run([str(installed / "python"), "-m", "pip", "freeze", "--exclude", "communique"], ROOT).stdout
    pins = {
        line.lower() for line in CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")
    }
    lock = {line.lower() for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    assert {line.lower() for line in frozen.splitlines()} == pins
    assert pins <= lock, pins - lock


def test_the_wheel_holds_the_package_files_of_the_checkout_and_nothing_else(wheel: Path) -> None:
    """Every file of the package that git tracks, and no other (what an earlier build left in a build/lib
    folder was packed too when the wheel was built in the checkout)."""
    tracked = subprocess.run(
        ["git", "ls-files", "src/communique"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    with zipfile.ZipFile(wheel) as archive:
        packed = {name for name in archive.namelist() if name.startswith("communique/")}
    assert packed == {name.removeprefix("src/") for name in tracked}


def test_the_installed_wheel_builds_the_same_bytes_as_the_checkout(installed: Path, tmp_path: Path) -> None:
    seed = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
    for tool, out in ((str(installed / "communique"), "wheel"), (sys.executable, "checkout")):
        command = [tool, "build", str(seed), "--out", str(tmp_path / out)]
        command = command if out == "wheel" else [tool, "-m", "communique", *command[1:]]
        assert run(command, tmp_path).returncode == 0
    name = "tokyo-helsinki-2023.pdf"
    assert (tmp_path / "wheel" / name).read_bytes() == (tmp_path / "checkout" / name).read_bytes()


def test_every_shell_step_of_the_github_workflow_runs(installed: Path, wheel: Path, tmp_path: Path) -> None:
    """The workflow `communique init` writes, its shell steps run in order in a fresh virtualenv for each
    of the four shards and then the merge job (the steps that need GitHub's hosted runner are skipped:
    actions, and sudo apt-get); run again, the restored build folder skips every document."""
    communique = str(installed / "communique")
    assert run([communique, "init", "office"], tmp_path).returncode == 0
    project = tmp_path / "office"
    example = (project / "data" / "example.yaml").read_text()
    for number in range(2):
        identifier = f"id: {yaml.safe_load(example)['id']}"
        (project / "data" / f"copy{number}.yaml").write_text(
            example.replace(identifier, f"{identifier}-{number}")
        )
    workflow = yaml.safe_load((project / ".github" / "workflows" / "communique.yml").read_text())
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "SOURCE_DATE_EPOCH")
    }
    environment.update(
        PATH=f"{installed}{os.pathsep}{environment['PATH']}", COMMUNIQUE_WHEEL=str(wheel), SHARDS="4"
    )

    def steps(job: str, shard: str = "") -> None:
        for step in workflow["jobs"][job]["steps"]:
            script = step.get("run")
            if script is None or "sudo apt-get" in script:
                continue
            done = subprocess.run(
                ["bash", "-e", "-c", script],
                cwd=project,
                env={**environment, "SHARD": shard},
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, (job, shard, script, done.stdout, done.stderr)

    for shard in ("1", "2", "3", "4"):
        steps("build", shard)
    steps("merge")
    merged = json.loads((project / "build" / "manifest.json").read_text())
    assert len(merged["documents"]) == 3
    reports = [json.loads(path.read_text()) for path in sorted((project / "build").glob("report-*.json"))]
    assert len(reports) == 4 and sum(report["summary"]["built"] for report in reports) == 3
    assert len(list((project / "build").glob("archival-*/*.pdf"))) == 3
    for shard in ("1", "2", "3", "4"):
        steps("build", shard)
    again = [json.loads(path.read_text()) for path in sorted((project / "build").glob("report-*.json"))]
    assert sum(report["summary"]["skipped"] for report in again) == 3


def test_the_installed_wheel_starts_a_project_and_builds_it(
    installed: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("user")
    communique = str(installed / "communique")
    assert run([communique, "init", "office"], elsewhere).returncode == 0
    project = elsewhere / "office"

    layouts = run([communique, "layouts"], project)
    assert layouts.returncode == 0, layouts.stderr
    names = [line.split()[0] for line in layouts.stdout.splitlines()]
    assert names == ["interleaved", "letterhead", "parallel", "sequential"]

    validated = run([communique, "validate", "data/"], project)
    assert validated.returncode == 0 and "ok data/example.yaml" in validated.stdout, validated.stderr

    built = run([communique, "build", "data/", "--strict"], project)
    assert built.returncode == 0, built.stderr
    pdf = project / "build" / "example.pdf"
    texts = page_texts(pdf)
    assert "カワセミ市とポートアルダー市との" in compact(texts[0])
    assert "Office of International Affairs" in texts[0] and "kawasemi-port-alder-2026" in texts[-1]
    assert "Memorandum on Friendship and Exchange" in texts[1]

    inspected = run([str(installed / "python"), "-m", "communique", "inspect", "--json", str(pdf)], project)
    assert inspected.returncode == 0, inspected.stderr
    fonts = {font["name"].split("+", 1)[1] for font in json.loads(inspected.stdout)["fonts"]}
    assert fonts == {
        "Communique-Serif",
        "Communique-Serif-Bold",
        "Communique-Serif-JP",
        "Communique-Serif-JP-Bold",
    }

    script = (
        "import communique; r = communique.build('data/example.yaml', 'api'); print(r.output, r.page_count)"
    )
    from_python = run([str(installed / "python"), "-c", script], project)
    assert from_python.returncode == 0, from_python.stderr
    assert from_python.stdout.split() == ["api/example.pdf", "2"]
    assert (project / "api" / "example.pdf").read_bytes() == pdf.read_bytes()


def test_the_installed_package_holds_no_path_into_the_checkout(installed: Path) -> None:
    code = "import communique.project as p, pathlib; print(p.builtin_data())"
    where = run([str(installed / "python"), "-c", code], installed)
    assert where.returncode == 0, where.stderr
    data = Path(where.stdout.strip())
    assert not data.is_relative_to(ROOT) and (data / "fonts" / "manifest.json").is_file()


def test_the_installed_wheel_draws_pages_watches_and_previews(installed: Path, tmp_path: Path) -> None:
    """Page images, watch and the preview's page and script come from the installed package alone."""
    import http.client
    import re
    import signal

    seed = tmp_path / "x.yaml"
    shutil.copy(ROOT / "seeds" / "tokyo-helsinki-2023.yaml", seed)
    communique = str(installed / "communique")
    images = run([communique, "build", str(seed), "--format", "png", "--dpi", "30", "--out", "img"], tmp_path)
    assert images.returncode == 0, images.stderr
    assert sorted(path.name for path in (tmp_path / "img").iterdir()) == ["x-1.png", "x-2.png"]
    preview = subprocess.Popen(
        [communique, "preview", str(seed), "--no-open"], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        assert preview.stdout is not None
        found = re.search(r"127\.0\.0\.1:(\d+)/", preview.stdout.readline())
        assert found
        for path, kind in (
            ("/", "text/html"),
            ("/preview.js", "text/javascript"),
            ("/preview.css", "text/css"),
        ):
            connection = http.client.HTTPConnection("127.0.0.1", int(found[1]), timeout=30)
            connection.request("GET", path, headers={"Host": f"127.0.0.1:{found[1]}"})
            response = connection.getresponse()
            assert (response.status, response.getheader("Content-Type", "").split(";")[0]) == (200, kind)
            assert len(response.read()) > 500
    finally:
        preview.send_signal(signal.SIGINT)
        preview.communicate(timeout=60)
    assert preview.returncode == 0
    watch = subprocess.Popen(
        [communique, "watch", str(seed), "--out", "pdf"], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    try:
        assert watch.stdout is not None
        assert watch.stdout.readline().startswith("built pdf/x.pdf")
        assert watch.stdout.readline().startswith("watching ")
    finally:
        watch.send_signal(signal.SIGINT)
        watch.communicate(timeout=60)
    assert watch.returncode == 0
    assert page_texts(tmp_path / "pdf" / "x.pdf")[1].startswith("Joint Communique")


def test_the_installed_wheel_signs_and_verifies(installed: Path, tmp_path: Path) -> None:
    """pyHanko, its validator and the PKCS#11 bindings come with the wheel: build with fields, sign with
    a PKCS#12 file and verify against the root, all from the installed package."""
    import sys as system

    system.path.insert(0, str(ROOT / "tests"))
    from pki import PASSPHRASE, TestPki

    pki = TestPki(tmp_path, "http://127.0.0.1:9/root.crl")
    communique = str(installed / "communique")
    seed = ROOT / "seeds" / "tokyo-helsinki-2023.yaml"
    built = run([communique, "build", str(seed), "--archival", "--signature-fields", "--out", "."], tmp_path)
    assert built.returncode == 0, built.stderr
    environment = {**os.environ, "P12_PASS": PASSPHRASE}
    environment.pop("PYTHONPATH", None)
    signed = subprocess.run(
        [
            communique,
            "sign",
            "tokyo-helsinki-2023.pdf",
            "--field",
            "tokyo",
            "--p12",
            str(pki.p12("tokyo")),
            "--passphrase-env",
            "P12_PASS",
            "--out",
            "signed.pdf",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert signed.returncode == 0, signed.stderr
    verified = run([communique, "verify", "signed.pdf", "--trust", str(pki.roots_pem), "--json"], tmp_path)
    assert verified.returncode == 0, verified.stdout
    [report] = json.loads(verified.stdout)
    assert [(item["field"], item["trusted"]) for item in report["signatures"]] == [("tokyo", True)]
