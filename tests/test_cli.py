"""The command line as a user meets it: exit codes, messages, atomic output, inspect, schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ROOT, SEED, run_cli, write_data


def test_build_names_the_pdf_after_the_data_file(tmp_path: Path) -> None:
    copy = write_data(tmp_path, SEED.read_text(encoding="utf-8"), "renamed.yaml")
    result = run_cli("build", str(copy), "--out", str(tmp_path / "out"), "--strict")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "renamed.pdf").is_file()
    assert "renamed.pdf" in result.stdout and "pages" in result.stdout
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "manifest.json",
        "renamed.pdf",
    ]  # no temp files


def test_console_script_and_default_out_folder(tmp_path: Path) -> None:
    copy = write_data(tmp_path, SEED.read_text(encoding="utf-8"), "x.yaml")
    script = Path(sys.executable).with_name("communique")
    result = subprocess.run(
        [str(script), "build", str(copy)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / "x.pdf").is_file()


def test_bad_data_exits_2_without_traceback_and_keeps_the_good_pdf(tmp_path: Path) -> None:
    path = write_data(tmp_path, SEED.read_text(encoding="utf-8"), "doc.yaml")
    out = tmp_path / "out"
    assert run_cli("build", str(path), "--out", str(out)).returncode == 0
    good = (out / "doc.pdf").read_bytes()
    path.write_text(SEED.read_text(encoding="utf-8").replace("date: 2023-08-21", "date: 2023-08-32"))
    result = run_cli("build", str(path), "--out", str(out))
    assert result.returncode == 2
    assert f"{path}:6:7: invalid date '2023-08-32'" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "doc.pdf").read_bytes() == good
    assert sorted(p.name for p in out.iterdir()) == ["doc.pdf", "manifest.json"]
    recorded = json.loads((out / "manifest.json").read_text())["documents"][str(path)]
    assert recorded["status"] == "failed" and "invalid date" in recorded["error"]


def test_a_render_failure_exits_1_and_keeps_the_good_pdf(tmp_path: Path) -> None:
    path = write_data(tmp_path, SEED.read_text(encoding="utf-8"), "doc.yaml")
    out = tmp_path / "out"
    assert run_cli("build", str(path), "--out", str(out)).returncode == 0
    good = (out / "doc.pdf").read_bytes()
    result = run_cli("build", str(path), "--out", str(out), "--layout", "no-such-layout")
    assert result.returncode == 2  # an unknown layout is a usage error (issue 13)
    assert "unknown layout 'no-such-layout'" in result.stderr and "sequential" in result.stderr
    assert (out / "doc.pdf").read_bytes() == good
    own = tmp_path / "layouts" / "leaky"  # a project layout whose stylesheet reaches outside: exit 1
    own.mkdir(parents=True)
    (own / "document.html.j2").write_text('{% extends "builtin/sequential/document.html.j2" %}')
    (own / "style.css").write_text('@import url("file:///etc/passwd");\n')
    result = run_cli("build", str(path), "--out", str(out), "--layout", "leaky")
    assert result.returncode == 1 and "refused to read /etc/passwd" in result.stderr
    assert (out / "doc.pdf").read_bytes() == good


def test_an_unknown_layout_in_the_data_is_a_located_data_error(tmp_path: Path) -> None:
    path = write_data(
        tmp_path, SEED.read_text(encoding="utf-8").replace("layout: sequential", "layout: sequentail")
    )
    for command in (["validate", str(path)], ["build", str(path), "--out", str(tmp_path / "o")]):
        result = run_cli(*command)
        assert result.returncode == 2, result.stderr
        assert f"{path}:7:9: unknown layout 'sequentail'" in result.stderr


def test_validate_reports_every_file(tmp_path: Path) -> None:
    bad = write_data(tmp_path, "id: x\n", "bad.yaml")
    result = run_cli("validate", str(SEED), str(bad))
    assert result.returncode == 2
    assert f"ok {SEED}" in result.stdout
    assert f"{bad}:1:1: the document has no 'date'" in result.stderr


def test_validate_does_not_import_weasyprint() -> None:
    code = (
        "import sys; from communique.cli import main; code = main(['validate', sys.argv[1]]); "
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported'; sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(SEED)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("build").returncode == 2
    missing = run_cli("build", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    epoch = run_cli("build", str(SEED), "--out", str(tmp_path), env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert epoch.returncode == 2 and "SOURCE_DATE_EPOCH" in epoch.stderr
    assert run_cli("inspect", str(SEED)).returncode == 2


@pytest.mark.parametrize("command", ["build", "validate", "inspect", "schema"])
def test_every_command_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0 and "usage: communique" in result.stdout


def test_inspect_json(seed_pdf: Path) -> None:
    result = run_cli("inspect", str(seed_pdf), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pages"] >= 2 and report["page_size_mm"] == [210.0, 297.0]
    assert report["lang"] == "ja"
    assert report["metadata"]["/Title"].startswith("東京都")
    assert [mark["title"] for mark in report["bookmarks"]] == ["日本語", "English"]
    assert [child["title"] for child in report["bookmarks"][1]["children"]] == ["Title", "Text", "Signatures"]
    assert report["page_labels"][0] == "JA-1" and "EN-1" in report["page_labels"]
    assert report["fonts"] and all(font["embedded"] and font["subset"] for font in report["fonts"])
    assert "<dc:title>" in report["xmp"]
    assert report["standards"] == ["PDF/UA-1"] and report["pdfa"] is None and report["tagged"] is True


def test_inspect_text(seed_pdf: Path) -> None:
    result = run_cli("inspect", str(seed_pdf))
    assert result.returncode == 0
    assert "bookmarks:" in result.stdout and "English  -> page 2" in result.stdout
    assert "embedded, subset" in result.stdout and "page labels: JA-1, EN-1" in result.stdout
    assert "  standards: PDF/UA-1; tagged: yes\n" in result.stdout  # every standard the copy declares


def test_schema_accepts_the_seed_and_rejects_what_the_loader_rejects() -> None:
    result = run_cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    seed["date"] = seed["date"].isoformat()
    jsonschema.validate(seed, schema)
    for broken in ({**seed, "tilte": "x"}, {**seed, "body": []}, {**seed, "closing": {"ja": ""}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "communique", "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0 and result.stdout.startswith("communique ")


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_works_before_or_after_the_command(tmp_path: Path, where: str) -> None:
    config = tmp_path / "communique.toml"
    config.write_text("[build]\nstrict = true\n")
    path = write_data(tmp_path, SEED.read_text(encoding="utf-8"))
    from communique.cli import _parser

    argv = ["--verbose", "validate", str(path)] if where == "before" else ["validate", str(path), "--verbose"]
    assert _parser().parse_args(argv).verbose is True
    assert _parser().parse_args(["validate", str(path)]).verbose is False


def test_a_closed_pipe_ends_quietly(seed_pdf: Path) -> None:
    command = f"{sys.executable} -m communique inspect --json {seed_pdf} | head -c 10"
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], capture_output=True, text=True)
    assert result.stdout.startswith("{") and len(result.stdout) == 10
    assert result.stderr == "" and result.returncode == 0


def test_paper_is_case_insensitive(tmp_path: Path) -> None:
    result = run_cli("build", str(SEED), "--out", str(tmp_path), "--paper", "b5", "--report", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == 2 and report["documents"][0]["status"] == "built"
    assert pypdf_size_mm(tmp_path / "tokyo-helsinki-2023.pdf") == (182.0, 257.0)


def pypdf_size_mm(path: Path) -> tuple[float, float]:
    import pypdf

    box = pypdf.PdfReader(path).pages[0].mediabox
    return round(float(box.width) * 25.4 / 72, 1), round(float(box.height) * 25.4 / 72, 1)


def test_json_report_gives_structured_problems(tmp_path: Path) -> None:
    bad = write_data(
        tmp_path, SEED.read_text(encoding="utf-8").replace("date: 2023-08-21", "date: 2023-08-32")
    )
    result = run_cli("build", str(bad), "--out", str(tmp_path / "out"), "--report", "json")
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["format"] == 2 and report["summary"]["failed"] == 1
    (problem,) = report["documents"][0]["problems"]
    assert problem == {
        "file": str(bad),
        "line": 6,
        "column": 7,
        "message": "invalid date '2023-08-32' (day is out of range for month)",
        "hint": "write the date as YYYY-MM-DD",
    }


@pytest.mark.parametrize("command", ["validate", "build"])
def test_terminal_escapes_from_the_data_are_printed_escaped(tmp_path: Path, command: str) -> None:
    """An unknown key and a language tag holding escape sequences (one would set the terminal's title)
    are quoted with the escapes written out, never sent to the terminal."""
    text = (
        SEED.read_text(encoding="utf-8").replace("languages: [ja, en]", 'languages: [ja, en, "\\e[31mxx"]')
        + '"\\e]0;pwned\\a": 1\n'
    )
    assert "\\e[31mxx" in text
    data = write_data(tmp_path, text)
    result = run_cli(command, str(data), *(["--out", str(tmp_path / "out")] if command == "build" else []))
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b]0;pwned\\x07" in result.stderr and "\\x1b[31mxx" in result.stderr


LONG_NAME = "a" * 300


@pytest.mark.parametrize(
    "arguments",
    [
        ["init", LONG_NAME],
        ["build", str(SEED), "--out", LONG_NAME],
        ["validate", f"{LONG_NAME}.yaml"],
        ["merge", f"{LONG_NAME}.json", "--out", "merged.json"],
        ["layouts", "--project", LONG_NAME],
    ],
    ids=["init", "build --out", "validate", "merge", "layouts --project"],
)
def test_a_name_too_long_for_the_file_system_is_a_usage_error(tmp_path: Path, arguments: list[str]) -> None:
    """300-character names (the limit is 255 a name) gave "internal error"; now the path is named,
    shortened, with what to do."""
    result = run_cli(*arguments, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "File name too long (hint: use a shorter path)" in result.stderr
    assert " characters)" in result.stderr  # the name shortened, with its length
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_misspelt_layout_option_is_the_commands_mistake(tmp_path: Path) -> None:
    result = run_cli("build", str(SEED), "--layout", "sequental", "--out", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --layout: unknown layout 'sequental' (hint: did you mean 'sequential'? "
        "available layouts: interleaved, parallel, sequential)"
    )
    assert not list(tmp_path.iterdir())


def test_a_misspelt_language_is_one_error_not_one_per_text(tmp_path: Path) -> None:
    data = write_data(
        tmp_path, SEED.read_text(encoding="utf-8").replace("languages: [ja, en]", "languages: [jp, en]")
    )
    result = run_cli("validate", str(data))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{data}:8:13: unknown language tag 'jp' (hint: did you mean 'ja'? ('jp' is a country code))"
    ]


def test_an_empty_shard_says_so(tmp_path: Path) -> None:
    result = run_cli("build", str(SEED), "--shard", "3/3", "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert "shard 3/3 has no documents (1 data file in all)" in result.stderr


def test_a_build_without_linux_cpu_affinity_uses_every_cpu(tmp_path: Path) -> None:
    """macOS has no os.sched_getaffinity: the build counts CPUs portably instead of failing."""
    script = (
        "import os, sys; del os.sched_getaffinity; from communique.cli import main; "
        f"sys.exit(main(['build', {str(SEED)!r}, '--out', {str(tmp_path)!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "tokyo-helsinki-2023.pdf").exists()


def test_an_output_folder_that_is_a_file_is_named_and_left_alone(tmp_path: Path) -> None:
    """`--out` (or the project's `[build] output`) naming a file: one clear usage error, the file kept,
    where the build warned of an unreadable manifest and then failed with "File exists"."""
    taken = tmp_path / "taken"
    taken.write_bytes(b"someone's file")
    result = run_cli("build", str(SEED), "--out", str(taken))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {taken} is a file, not a folder: --out "
        "(hint: give a folder to write the PDFs into (it is made if missing))\n"
    )
    assert run_cli("init", str(tmp_path / "city")).returncode == 0
    project = tmp_path / "city"
    config = project / "communique.toml"
    text = config.read_text(encoding="utf-8")
    assert '# output = "build"' in text
    config.write_text(text.replace('# output = "build"', 'output = "notes.txt"'), encoding="utf-8")
    (project / "notes.txt").write_text("minutes", encoding="utf-8")
    result = run_cli("build", "data/example.yaml", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: {project / 'notes.txt'} is a file, not a folder: the project's output"
    )
    assert taken.read_bytes() == b"someone's file" and (project / "notes.txt").read_text() == "minutes"


def test_a_folder_without_data_files_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "minutes"
    empty.mkdir()
    result = run_cli("build", str(empty), "--out", str(tmp_path / "out"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: no data files in {empty} (hint: give data files (.yaml) or folders holding them)\n"
    )
