"""Build options are declared once and reach the flag, the config, the cache key and the rebuild command;
the batch cache rebuilds when any file a build read changes."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import seed_text, write_data

from communique.batch import environment_hash
from communique.cli import _parser, main
from communique.model import EmbeddedSource
from communique.options import OPTION_FIELDS, BuildOptions, from_arguments, option_type
from communique.pdf.archival import REBUILD_PREFIX, recorded_options
from communique.project import CONFIG_NAME, BuildContext, Project, read_config

SAMPLE_VALUES = {"layout": "parallel", "paper": "B5", "standard": "pdf/a-3b+ua-1", "draft": "Draft-2"}


def sample(name: str) -> object:
    """A value other than the default for option `name`."""
    if option_type(name) is bool:
        return not getattr(BuildOptions(), name)
    return SAMPLE_VALUES[name]


@pytest.mark.parametrize("name", [item.name for item in OPTION_FIELDS])
def test_every_option_reaches_flag_config_cache_key_and_rebuild_command(tmp_path: Path, name: str) -> None:
    value = sample(name)
    changed = BuildOptions(**{name: value})
    default = BuildOptions()

    # The command line: the flag parses to the option.
    flag = ("--" if value is not False else "--no-") + name.replace("_", "-")
    argv = ["build", "x.yaml", flag] if isinstance(value, bool) else ["build", "x.yaml", f"{flag}={value}"]
    assert from_arguments(_parser().parse_args(argv), default) == changed

    # communique.toml: the [build] key sets the project's default.
    literal = str(value).lower() if isinstance(value, bool) else f'"{value}"'
    (tmp_path / CONFIG_NAME).write_text(f"[build]\n{name} = {literal}\n")
    assert read_config(tmp_path / CONFIG_NAME).options == changed

    # The cache key: a batch run with the option does not reuse a build without it.
    project = Project.at(tmp_path)
    assert changed.cache_key() != default.cache_key()
    assert environment_hash(BuildContext(project, changed)) != environment_hash(
        BuildContext(project, default)
    )

    # The rebuild command recorded in archival copies gives the option back.
    flags = changed.rebuild_flags()
    assert flags and flags[0].startswith(flag)
    description = f"communique source data; {REBUILD_PREFIX}communique build x.yaml {' '.join(flags)}"
    recorded = EmbeddedSource("x.yaml", b"", "application/yaml", description)
    assert recorded_options([recorded]) == flags  # extract and verify --rebuild accept it
    assert from_arguments(_parser().parse_args(["build", "x.yaml", *flags]), default) == changed


def test_the_command_line_wins_over_the_config(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text('[build]\nstrict = true\npaper = "letter"\n')
    project = Project.at(tmp_path)
    assert project.config.options == BuildOptions(strict=True, paper="Letter")
    args = _parser().parse_args(["build", "x.yaml", "--no-strict", "--paper", "b5"])
    assert from_arguments(args, project.config.options) == BuildOptions(strict=False, paper="B5")
    assert dataclasses.replace(project.config.options, strict=False).rebuild_flags() == ("--paper=Letter",)


def test_unknown_paper_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_code:
        _parser().parse_args(["build", "x.yaml", "--paper", "A3"])
    assert exit_code.value.code == 2 and "unknown paper size 'A3'" in capsys.readouterr().err


def project_with_own_layout(folder: Path) -> Path:
    """A project whose layout uses a partial of its own, an @import-ed stylesheet and a CSS-only image."""
    layout = folder / "layouts" / "mine"
    (layout).mkdir(parents=True)
    (folder / "layouts" / "_shared").mkdir()
    (folder / "assets").mkdir()
    (layout / "document.html.j2").write_text(
        '{% extends "builtin/sequential/document.html.j2" %}\n'
        '{% block letterhead %}{% include "motto.html.j2" %}{% endblock %}\n'
    )
    (folder / "layouts" / "_shared" / "motto.html.j2").write_text('<div class="motto">Friendship</div>\n')
    (layout / "style.css").write_text('@import "extra.css";\n')
    (layout / "extra.css").write_text(
        '.motto { height: 10mm; background: url("../../assets/band.svg") no-repeat; }\n'
    )
    (folder / "assets" / "band.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10">'
        '<rect width="40" height="10" fill="#336"/></svg>'
    )
    (folder / CONFIG_NAME).write_text('[defaults]\nlayout = "mine"\n')
    (folder / "data").mkdir()
    return write_data(folder / "data", seed_text().replace("layout: sequential\n", ""))


@pytest.fixture
def status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[[], str]:
    """Builds the project of `project_with_own_layout` (in this process) and gives the document's status."""
    data = project_with_own_layout(tmp_path)

    def build() -> str:
        assert main(["build", str(data), "--out", str(tmp_path / "out"), "--report", "json", "--quiet"]) == 0
        (document,) = json.loads(capsys.readouterr().out)["documents"]
        return str(document["status"])

    return build


def test_a_change_to_any_file_the_build_read_rebuilds(tmp_path: Path, status: Callable[[], str]) -> None:
    data, out = tmp_path / "data" / "doc.yaml", tmp_path / "out"
    assert status() == "built"
    inputs = json.loads((out / "manifest.json").read_text())["documents"][str(data)]["inputs"]
    for name in ("motto.html.j2", "extra.css", "band.svg", "communique.toml", "document.html.j2"):
        assert any(Path(item).name == name for item in inputs), name
    assert status() == "skipped"
    edits = [
        (tmp_path / "layouts" / "_shared" / "motto.html.j2", "Friendship", "Amity"),
        (tmp_path / "layouts" / "mine" / "extra.css", "height: 10mm", "height: 12mm"),
        (tmp_path / "assets" / "band.svg", "#336", "#633"),
    ]
    for path, old, new in edits:
        path.write_text(path.read_text().replace(old, new))
        assert status() == "built", path.name
        assert status() == "skipped", path.name


def test_a_builtin_layout_copied_into_the_project_takes_its_place(tmp_path: Path) -> None:
    shutil.copytree(
        Project.at(tmp_path).builtin / "layouts" / "sequential", tmp_path / "layouts" / "sequential"
    )
    (tmp_path / "layouts" / "sequential" / "description.txt").write_text("Ours.\n")
    from communique.layouts import find_layout

    layout = find_layout(Project.at(tmp_path), "sequential")
    assert layout.origin == "project" and layout.description() == "Ours."


def test_a_file_added_where_a_build_searched_rebuilds(tmp_path: Path, status: Callable[[], str]) -> None:
    assert status() == "built"
    assert status() == "skipped"
    shared = tmp_path / "layouts" / "_shared"
    for added in (shared / "style.css", shared / "title_block.html.j2"):  # override built-in ones
        added.write_text(
            "p { color: #222 }\n" if added.suffix == ".css" else "<h1>{{ version.title }}</h1>\n"
        )
        assert status() == "built", added.name
        assert status() == "skipped", added.name
