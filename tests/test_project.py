"""A project of one's own: communique.toml, own layouts extending built-in ones, own fonts and assets,
the Python API, `init`, and the text block on every paper size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
import yaml
from conftest import FONTS, LAYOUT_NAMES, SEED, run_cli, seed_text, write_data
from pdftools import page_glyphs, page_images, page_texts

import communique
from communique.batch import file_hash
from communique.errors import ErrorList, LayoutError, UsageError
from communique.model import BuildResult
from communique.paper import A4_MARGIN_MM, PAPER_SIZES_MM, POINTS_PER_MM
from communique.project import CONFIG_NAME, Project, read_config
from communique.scaffold import create_project


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made by `communique init`, built once."""
    folder = tmp_path_factory.mktemp("office") / "office"
    create_project(folder)
    communique.build(folder / "data" / "example.yaml", strict=True)
    return folder


def test_init_writes_a_complete_project(office: Path) -> None:
    for name in (
        CONFIG_NAME,
        "data/example.yaml",
        "layouts/letterhead/document.html.j2",
        "layouts/letterhead/style.css",
        "assets/emblem.svg",
        ".gitignore",
        "constraints.txt",
        ".github/workflows/communique.yml",
        ".gitlab-ci.yml",
    ):
        assert (office / name).is_file(), name
    assert (office / ".gitignore").read_text() == "build/\n"
    assert "--shard" in (office / ".github" / "workflows" / "communique.yml").read_text()


@pytest.mark.parametrize(
    ("name", "schema"),
    [(".github/workflows/communique.yml", "vendor.github-workflows"), (".gitlab-ci.yml", "vendor.gitlab-ci")],
)
def test_the_ci_files_init_writes_follow_their_published_schemas(
    office: Path, name: str, schema: str
) -> None:
    """Checked against SchemaStore's schemas as check-jsonschema ships them (no network needed)."""
    checked = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(office / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_ci_files_do_what_an_office_needs(office: Path) -> None:
    """Installed from the office's own release or index with the constraints (no committed wheel), the
    package lists refreshed before installing, the build folder cached, shards that do not cancel each
    other, archival copies built and verified, JSON reports, and the shards' manifests merged."""
    workflow = yaml.safe_load((office / ".github" / "workflows" / "communique.yml").read_text())
    build, merge = workflow["jobs"]["build"], workflow["jobs"]["merge"]
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    uses = [step.get("uses", "") for step in build["steps"]]
    assert build["strategy"]["fail-fast"] is False
    assert "apt-get update" in runs and "vendor/" not in runs
    assert 'pip install "$COMMUNIQUE_WHEEL" -c constraints.txt' in runs
    assert any(use.startswith("actions/cache@") for use in uses)
    assert "--archival" in runs and "communique verify" in runs and "--report json" in runs
    assert merge["needs"] == "build" and "communique merge" in "\n".join(
        s.get("run", "") for s in merge["steps"]
    )
    gitlab = yaml.safe_load((office / ".gitlab-ci.yml").read_text())
    script = "\n".join(gitlab["build"]["script"])
    assert gitlab["build"]["cache"]["paths"] == ["build/"] and "--archival" in script
    assert "communique verify" in script and "communique merge" in "\n".join(gitlab["merge"]["script"])
    assert "apt-get update" in gitlab["default"]["before_script"][0]


def test_init_refuses_a_folder_with_files_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    refused = run_cli("init", str(tmp_path))
    assert refused.returncode == 2 and "not empty" in refused.stderr and "--force" in refused.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
    forced = run_cli("init", str(tmp_path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / CONFIG_NAME).is_file() and (tmp_path / "notes.txt").read_text() == "mine"


def test_the_project_layout_extends_sequential_with_letterhead_and_footer(office: Path) -> None:
    pdf = office / "build" / "example.pdf"
    texts = page_texts(pdf)
    assert len(texts) == 2
    for text in texts:  # the letterhead above each version, the footer line on every page
        assert text.count("Office of International Affairs") == 2
        assert "kawasemi-port-alder-2026" in text and f"{texts.index(text) + 1} / 2" in text
    top = page_images(pdf, 50)[0].convert("RGB")
    emblem_blue = [
        (x, y)
        for x in range(top.width // 3)
        for y in range(top.height // 6)
        if top.getpixel((x, y)) == (29, 63, 110)
    ]
    assert len(emblem_blue) > 100  # the emblem (SVG) from the project's assets, drawn at the top left


def test_a_project_layout_is_listed_with_its_origin(office: Path) -> None:
    result = run_cli("layouts", cwd=office / "data")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("letterhead"))
    assert "letterhead over the sequential layout" in line and f"[project: {office}" in line


def test_the_project_is_found_upwards_and_its_defaults_apply(office: Path) -> None:
    project = Project.discover(office / "data" / "example.yaml")
    assert project.root == office.resolve() and project.config_file == office / CONFIG_NAME
    assert project.config.default_layout == "letterhead" and project.config.author
    info = pypdf.PdfReader(office / "build" / "example.pdf").metadata
    assert info is not None and info["/Author"] == "Office of International Affairs"
    assert info["/Keywords"].endswith("international relations")


def test_without_a_config_the_data_folder_is_the_project(tmp_path: Path) -> None:
    path = write_data(tmp_path, seed_text())
    project = Project.discover(path)
    assert project.root == tmp_path.resolve() and project.config_file is None
    assert project.output_dir == tmp_path.resolve() / "build"


def test_config_errors_are_located(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text(
        '[build]\nstrict = "yes"\n\n[defaults]\nlayot = "parallel"\n\n[[fonts]]\nfile = "missing.otf"\n'
        'family = "Office Serif"\n'
    )
    with pytest.raises(ErrorList) as caught:
        read_config(tmp_path / CONFIG_NAME)
    found = [str(problem) for problem in caught.value.problems]
    assert f"{tmp_path / CONFIG_NAME}:2:1: the build 'strict' must be true or false, not a string" in found[0]
    assert ":5:1: unknown key 'layot'" in found[1] and "did you mean 'layout'?" in found[1]
    (tmp_path / CONFIG_NAME).write_text(
        '[build]\nstrict = true\n[[fonts]]\nfile = "missing.otf"\nfamily = "X"\n'
    )
    with pytest.raises(ErrorList) as caught:
        read_config(tmp_path / CONFIG_NAME)
    assert ":4:1: font file 'missing.otf' does not exist" in str(caught.value)
    (tmp_path / CONFIG_NAME).write_text("[build\nstrict = true\n")
    result = run_cli("validate", str(write_data(tmp_path, seed_text())))
    assert result.returncode == 2 and f"{tmp_path / CONFIG_NAME}:1:7: TOML syntax error" in result.stderr


def test_schema_of_the_config_is_exported() -> None:
    result = run_cli("schema", "--config")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == CONFIG_NAME
    assert {"build", "defaults", "assets", "metadata", "fonts", "font_order", "signing"} == set(
        schema["properties"]
    )


def office_font_project(tmp_path: Path, declared: bool) -> Path:
    """A project whose English text is set in its own 'Office Serif' (a copy of a bundled face)."""
    (tmp_path / "fonts").mkdir()
    for name in ("Regular", "Bold"):
        shutil.copy(FONTS / f"NotoSerif-{name}.ttf", tmp_path / "fonts" / f"OfficeSerif-{name}.ttf")
    fonts = "".join(
        f'[[fonts]]\nfile = "fonts/OfficeSerif-{name}.ttf"\nfamily = "Office Serif"\nweight = {weight}\n'
        'languages = ["en"]\n'
        for weight, name in ((400, "Regular"), (700, "Bold"))
    )
    (tmp_path / CONFIG_NAME).write_text(fonts if declared else "")
    if not declared:  # the same font, reached by a layout's own @font-face instead of the config
        layout = tmp_path / "layouts" / "mine"
        layout.mkdir(parents=True)
        (layout / "document.html.j2").write_text('{% extends "builtin/sequential/document.html.j2" %}')
        (layout / "style.css").write_text(
            '@font-face { font-family: "Office Serif"; src: url("../../fonts/OfficeSerif-Regular.ttf"); }\n'
            '.body p:lang(en) { font-family: "Office Serif"; }\n'
        )
    return write_data(
        tmp_path,
        seed_text().replace("layout: sequential", "layout: mine" if not declared else "layout: sequential"),
    )


def test_declared_fonts_set_their_languages_and_are_recorded(tmp_path: Path) -> None:
    data = office_font_project(tmp_path, declared=True)
    result = run_cli("build", str(data), "--strict")
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "build" / f"{data.stem}.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Office-Serif" in fonts and "Office-Serif-Bold" in fonts and "Communique-Serif-JP" in fonts
    assert "+Communique-Serif " not in fonts  # English is set in the office's font only
    manifest = json.loads((tmp_path / "build" / "manifest.json").read_text())
    (entry,) = manifest["documents"].values()
    recorded = {Path(name).name: digest for name, digest in entry["input_hashes"].items()}
    assert recorded["OfficeSerif-Regular.ttf"] == file_hash(tmp_path / "fonts" / "OfficeSerif-Regular.ttf")


def test_a_declared_file_that_is_no_font_is_located_at_its_entry(tmp_path: Path) -> None:
    """Its [[fonts]] entry is named, as for a missing file, and it is the config's mistake (exit 2): it
    was reported at the data file, exit 1."""
    data = office_font_project(tmp_path, declared=True)
    (tmp_path / "fonts" / "OfficeSerif-Bold.ttf").write_bytes(b"not a font at all")
    result = run_cli("build", str(data))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"{tmp_path / CONFIG_NAME}:7:1: cannot read font "), result.stderr
    assert "(hint: give an OpenType (.otf) or TrueType (.ttf) file)" in result.stderr
    assert not (tmp_path / "build" / f"{data.stem}.pdf").exists()


def test_a_font_not_declared_cannot_reach_the_pdf(tmp_path: Path) -> None:
    data = office_font_project(tmp_path, declared=False)
    result = run_cli("build", str(data))
    assert result.returncode == 1
    assert "not bundled or declared: Office Serif" in result.stderr and "[[fonts]]" in result.stderr
    assert not (tmp_path / "build" / f"{data.stem}.pdf").exists()


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
@pytest.mark.parametrize("paper", sorted(PAPER_SIZES_MM))
def test_the_text_block_keeps_its_margins_on_every_paper(
    build_seed: Callable[..., BuildResult], layout: str, paper: str
) -> None:
    pdf = build_seed(SEED, layout=layout, paper=paper).output
    width_mm = PAPER_SIZES_MM[paper][0]
    margin = round(A4_MARGIN_MM * width_mm / PAPER_SIZES_MM["A4"][0], 1) * POINTS_PER_MM
    width = width_mm * POINTS_PER_MM
    glyphs = [glyph for page in page_glyphs(pdf) for glyph in page]
    # An opening bracket that starts a Japanese line is drawn half an em left, its ink at the margin.
    left = min(max(glyph.left, glyph.ink[0]) for glyph in glyphs)
    right = width - max(glyph.right for glyph in glyphs)
    assert margin - 1 <= left <= margin + 2, (left, margin)  # text reaches both margins, never past them
    assert margin - 1 <= right <= margin + 2, (right, margin)


def test_python_api_takes_a_path_yaml_text_or_a_mapping(tmp_path: Path) -> None:
    import yaml

    text = seed_text()
    from_text = communique.build(text, tmp_path / "text", project=tmp_path)
    from_mapping = communique.build(yaml.safe_load(text), tmp_path / "mapping", project=tmp_path)
    from_path = communique.build(SEED, tmp_path / "path", layout="sequential", paper="a4")
    assert from_text.output.name == from_mapping.output.name == "tokyo-helsinki-2023.pdf"
    assert from_text.output.read_bytes() == from_path.output.read_bytes()
    assert page_texts(from_mapping.output) == page_texts(from_path.output)
    document = communique.load(text)
    assert document.id == "tokyo-helsinki-2023" and document.languages == ("ja", "en")


def test_python_api_raises_located_project_errors(tmp_path: Path) -> None:
    bad = seed_text().replace("date: 2023-08-21", "date: 2023-08-32")
    with pytest.raises(ErrorList) as caught:
        communique.build(bad, tmp_path, project=tmp_path)
    (problem,) = caught.value.problems
    assert problem.location is not None and (problem.location.path, problem.location.line) == ("<data>", 6)
    assert isinstance(problem, communique.DataError) and problem.exit_code == 2
    with pytest.raises(UsageError, match="unknown build option 'papr'"):
        communique.build(SEED, tmp_path, papr="A4")
    with pytest.raises(LayoutError, match="unknown layout 'nope'"):
        communique.build(SEED, tmp_path, layout="nope")
    assert not any(tmp_path.iterdir())


def test_the_readme_python_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    create_project(tmp_path)
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        exec(compile(block, "README.md", "exec"), {})
    finally:
        os.chdir(here)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "example.pdf 2" and printed[1:4] == ["()", "True", "('ja', 'en')"]
    assert printed[4].startswith("<data>:7:7: invalid date '2026-05-32'")
    names = ("build/example.pdf", "out/example.pdf", "from-text/kawasemi-port-alder-2026.pdf")
    for name in (*names, "drafts/example.pdf", "out/r.pdf"):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "from-mapping" / "kawasemi-port-alder-2026.pdf").is_file()
    assert not (tmp_path / "out" / "kawasemi-port-alder-2026.pdf").exists()  # the failed build wrote nothing


def own_layout(project: Path, template: str, name: str = "mine") -> Path:
    """A project layout extending sequential, whose letterhead block is `template`."""
    folder = project / "layouts" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "document.html.j2").write_text(
        '{% extends "builtin/sequential/document.html.j2" %}{% block letterhead %}'
        + template
        + "{% endblock %}"
    )
    return folder


@pytest.mark.parametrize(
    "template",
    [
        "{{ communique.source.read_text() }}",
        "{{ communique.source.joinpath('/etc/hostname').read_text() }}",
        "{{ communique.source.parent.joinpath('PWNED').write_text('x') }}",
        "{{ communique.source.open().read() }}",
        "{{ project.fonts.__class__.__mro__ }}",
        "{% include '../../../../etc/hostname' %}",
    ],
)
def test_a_project_layout_cannot_reach_files(tmp_path: Path, template: str) -> None:
    data = write_data(tmp_path, seed_text())
    own_layout(tmp_path, template)
    result = run_cli("build", str(data), "--layout", "mine")
    assert result.returncode == 1, result.stderr
    assert "layout 'mine'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "build").exists()


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ('@import "http://127.0.0.1:9/evil.css";', "refused to fetch http://127.0.0.1:9/evil.css: network"),
        (
            '.letterhead { background: url("../../../../../../etc/hostname") }',
            "refused to read /etc/hostname",
        ),
    ],
    ids=["network", "outside"],
)
def test_a_refused_request_names_the_stylesheet_line_that_made_it(
    tmp_path: Path, line: str, refused: str
) -> None:
    """The data file alone was named: the line of the layout's stylesheet that asked is named too."""
    data = write_data(tmp_path, seed_text())
    folder = own_layout(tmp_path, '<div class="letterhead">Office</div>')
    (folder / "style.css").write_text(f"{line}\np {{ color: black }}\n")
    result = run_cli("build", str(data), "--layout", "mine")
    assert result.returncode == 1, result.stderr
    assert refused in result.stderr and f"(asked for at {folder / 'style.css'}:1)" in result.stderr
    assert not (tmp_path / "build").exists()


def test_links_out_of_the_project_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text("SECRET")
    (outside / "style.css").write_text("p { color: red }")
    project = tmp_path / "project"
    project.mkdir()
    (project / CONFIG_NAME).write_text("")
    data = write_data(project, seed_text())
    folder = own_layout(project, '{% include "leak.html" %}')
    (folder / "leak.html").symlink_to(outside / "secret.html")
    result = run_cli("build", str(data), "--layout", "mine")
    assert result.returncode == 1 and "is a link to" in result.stderr and "SECRET" not in result.stderr
    (folder / "leak.html").unlink()
    (folder / "leak.html").write_text("fine")
    (folder / "style.css").symlink_to(outside / "style.css")
    result = run_cli("build", str(data), "--layout", "mine")
    assert result.returncode == 1 and "is a link to" in result.stderr
    assert not (project / "build" / f"{data.stem}.pdf").exists()


def test_config_text_follows_the_data_rules(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text('[metadata]\npublisher = "Office\\u0000of\\u202eX"\n')
    result = run_cli("validate", str(write_data(tmp_path, seed_text())))
    assert result.returncode == 2
    assert f"{tmp_path / CONFIG_NAME}:2:1: the metadata 'publisher': U+0000" in result.stderr
    (tmp_path / CONFIG_NAME).write_text('[build]\noutput = "/tmp/elsewhere"\n')
    result = run_cli("validate", str(write_data(tmp_path, seed_text())))
    assert result.returncode == 2 and ":2:1: 'output' leaves the project folder" in result.stderr


def test_an_unknown_layout_in_the_config_is_located(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text('# office\n[defaults]\nlayout = "letterhed"\n')
    data = write_data(tmp_path, seed_text().replace("layout: sequential\n", ""))
    result = run_cli("validate", str(data))
    assert result.returncode == 2
    assert f"{tmp_path / CONFIG_NAME}:3:1: unknown layout 'letterhed'" in result.stderr


def test_data_files_of_different_projects_are_not_mixed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / CONFIG_NAME).write_text("")
        write_data(tmp_path / name, seed_text(), f"{name}.yaml")
    result = run_cli(
        "build", str(tmp_path / "a" / "a.yaml"), str(tmp_path / "b" / "b.yaml"), "--report", "json"
    )
    assert result.returncode == 2 and "belong to different projects" in result.stderr
    assert json.loads(result.stdout)["problems"][0]["message"].startswith("the data files belong")
    assert not (tmp_path / "a" / "build").exists() and not (tmp_path / "b" / "build").exists()


def test_config_options_reach_the_pdf(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text('[build]\nprint_marks = true\narchival = true\npaper = "LETTER"\n')
    data = write_data(tmp_path, seed_text())
    result = run_cli("build", str(data))
    assert result.returncode == 0, result.stderr
    page = pypdf.PdfReader(tmp_path / "build" / f"{data.stem}.pdf").pages[0]
    assert page.trimbox != page.mediabox  # print marks: bleed around the trimmed page
    assert round(float(page.trimbox.width) * 25.4 / 72, 1) == 215.9  # Letter
    extracted = run_cli("extract", str(tmp_path / "build" / f"{data.stem}.pdf"), "--out", str(tmp_path / "x"))
    assert "--archival --paper=Letter --print-marks" in extracted.stdout


def test_an_archival_copy_of_a_project_build_carries_the_project_and_rebuilds(
    office: Path, tmp_path: Path
) -> None:
    pdf = communique.build(office / "data" / "example.yaml", tmp_path / "arch", archival=True).output
    extracted = run_cli("extract", str(pdf), "--out", str(tmp_path / "x"))
    assert extracted.returncode == 0, extracted.stderr
    names = sorted(
        str(path.relative_to(tmp_path / "x")) for path in (tmp_path / "x").rglob("*") if path.is_file()
    )
    assert names == [
        "assets/emblem.svg",
        CONFIG_NAME,
        "data/example.yaml",
        "layouts/letterhead/document.html.j2",
        "layouts/letterhead/style.css",
    ]
    assert "communique build data/example.yaml --archival --layout=letterhead" in extracted.stdout
    rebuilt = run_cli(
        "build", "data/example.yaml", "--archival", "--out", str(tmp_path / "again"), cwd=tmp_path / "x"
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (tmp_path / "again" / "example.pdf").read_bytes() == pdf.read_bytes()
    verified = run_cli("verify", "--rebuild", str(pdf))
    assert verified.returncode == 0 and "rebuilt from its sources" in verified.stdout


def test_a_config_of_another_user_is_not_used_and_the_build_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A communique.toml someone else put above the data (in /tmp, a shared folder) must not steer the
    build, and the build names it with the way to use it on purpose."""
    from communique.cli import main

    config = tmp_path / "communique.toml"
    config.write_text('[build]\nlayout = "parallel"\n', encoding="utf-8")
    if os.getuid() == 0:
        os.chown(config, 65534, 65534)  # nobody's
    else:
        monkeypatch.setattr(os, "getuid", lambda: config.stat().st_uid + 1)
    data = tmp_path / "data" / "doc.yaml"
    data.parent.mkdir()
    data.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["validate", str(data)]) == 0
    said = capsys.readouterr().err
    assert said.strip() == (
        f"warning: {config} is owned by another user and was not used "
        f"(hint: if it is meant for this build, pass --project {tmp_path})"
    )


def test_an_output_folder_linked_out_of_the_project_is_refused(tmp_path: Path) -> None:
    """A `build` link planted in a checkout would send the PDFs and the manifest elsewhere: the build
    refuses it and writes nothing there; --out names such a folder on purpose."""
    run_cli("init", "office", cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "office" / "build").symlink_to(elsewhere)
    result = run_cli("build", "data/", cwd=tmp_path / "office")
    assert result.returncode == 2
    assert f"the output folder {tmp_path / 'office' / 'build'} is a link to {elsewhere}" in result.stderr
    assert not list(elsewhere.iterdir())
    chosen = run_cli("build", "data/", "--out", str(elsewhere), cwd=tmp_path / "office")
    assert chosen.returncode == 0 and (elsewhere / "example.pdf").exists()


@pytest.mark.parametrize("link", [".gitignore", "data"])
def test_init_force_does_not_write_through_links(tmp_path: Path, link: str) -> None:
    """`init --force` into a folder whose `.gitignore` (or `data/`) is a link refuses before writing
    anything: the link's target is left as it was."""
    folder, outside = tmp_path / "office", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("mine", encoding="utf-8")
    target = outside / "keep.txt" if link == ".gitignore" else outside
    (folder / link).symlink_to(target)
    result = run_cli("init", str(folder), "--force")
    assert result.returncode == 2
    assert f"{folder / link} is a link to {target}; init does not write through links" in result.stderr
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(path.name for path in outside.iterdir()) == ["keep.txt"]
    assert sorted(path.name for path in folder.iterdir()) == [link]


@pytest.mark.parametrize(
    ("config", "said"),
    [
        ('assets = "../../etc"\n', ":1:1: 'assets' leaves the project folder (hint: give a folder inside"),
        (
            '[[fonts]]\nfamily = "X"\nfile = "/usr/share/fonts/x.ttf"\n',
            ":3:1: font file '/usr/share/fonts/x.ttf' is outside the project (hint: copy the font into",
        ),
        (
            '[signing]\ntrust = ["/etc/ssl/certs/ca.pem"]\n',
            ":2:1: trust root '/etc/ssl/certs/ca.pem' is outside the project (hint: copy the certificate",
        ),
    ],
    ids=["assets", "font", "trust root"],
)
def test_a_path_outside_the_project_says_what_to_do(tmp_path: Path, config: str, said: str) -> None:
    (tmp_path / CONFIG_NAME).write_text(config)
    result = run_cli("validate", str(write_data(tmp_path, seed_text())))
    assert result.returncode == 2 and f"{tmp_path / CONFIG_NAME}{said}" in result.stderr, result.stderr
