"""A project's own files as an attacker or a careless author writes them: templates that recurse, divide
by zero, compute huge values or loop for ever, a template that is not UTF-8, a communique.toml nested
thousands deep. Each is a located error of the project (file and line where there is one), never
"internal error", and writes no PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from communique.scaffold import create_project

TEMPLATES = {
    "extends itself": ('{% extends "letterhead/document.html.j2" %}', "calls itself without end"),
    "includes itself": ('{% include "letterhead/document.html.j2" %}', "calls itself without end"),
    "a macro calling itself": (
        "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}",
        "calls itself without end",
    ),
    "range(10**9)": ("{% for i in range(10**9) %}x{% endfor %}", "OverflowError: Range too big"),
    "1/0": ("{{ 1/0 }}", "ZeroDivisionError: division by zero"),
    "10**5000": ("{{ 10**5000 }}", "ValueError: Exceeds the limit (4300 digits)"),
    "10**100000": ("{{ 10**100000 }}", "is too large a number"),
    "a format_map trick": ('{{ "{0.__class__}".format_map({}) }}', "IndexError"),
    "a string of 10**9": ('{{ "x" * 10**9 }}', "repeating 1 items 1000000000 times is too many"),
    "a loop of 10**10": (
        "{% for i in range(100000) %}{% for j in range(100000) %}xxxx{% endfor %}{% endfor %}",
        "the layout produces more than 20,000,000 characters",
    ),
}
UNLOCATED_LINE = {"a loop of 10**10"}  # the whole output is too long: the file is named
EXTENDING = '{% extends "builtin/sequential/document.html.j2" %}\n{% block footer %}\n'
"""The start of a project template that extends the built-in layout, its footer block on line 3."""
MISTAKES = {
    "includes itself from a block": (
        '{% include "document.html.j2" %}',
        "layout 'letterhead' calls itself without end",
    ),
    "includes a missing partial": (
        '{% include "nope.html.j2" %}',
        "layout 'letterhead': template 'nope.html.j2' is not found",
    ),
    "includes a file outside the layouts": (
        '{% include "../../../../etc/passwd" %}',
        "layout 'letterhead': template '../../../../etc/passwd' leaves the layout folders",
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    create_project(tmp_path / "office")
    return tmp_path / "office"


def _build(project: Path) -> tuple[int, str]:
    result = run_cli("build", "data/example.yaml", "--out", "out", cwd=project)
    return result.returncode, result.stderr


@pytest.mark.parametrize("case", TEMPLATES)
def test_a_template_that_fails_is_a_located_error_of_the_project(project: Path, case: str) -> None:
    text, said = TEMPLATES[case]
    template = project / "layouts" / "letterhead" / "document.html.j2"
    template.write_text(text + "\n", encoding="utf-8")
    code, stderr = _build(project)
    assert code == 1, stderr
    assert said in stderr
    assert f"{template.resolve()}:{'' if case in UNLOCATED_LINE else '1:'}" in stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert not (project / "out" / "example.pdf").exists()


@pytest.mark.parametrize("case", MISTAKES)
def test_a_mistake_in_a_block_names_the_projects_line_and_what_is_wrong(project: Path, case: str) -> None:
    """Where a project's template that extends the built-in layout includes itself or a partial that is
    not there, the error names the project's file and the line of the include (the built-in template's
    line, or no line, was named) and says what is wrong ("is not found" was missing)."""
    text, said = MISTAKES[case]
    template = project / "layouts" / "letterhead" / "document.html.j2"
    template.write_text(f"{EXTENDING}{text}\n{{% endblock %}}\n", encoding="utf-8")
    code, stderr = _build(project)
    assert code == 1, stderr
    # a cycle through the extends (line 1) and the include (line 3): the innermost of its lines is named
    lines = (1, 3) if "calls itself" in said else (3,)
    assert any(
        stderr.startswith(f"data/example.yaml: {template.resolve()}:{line}: {said} (hint: ") for line in lines
    )
    assert not (project / "out" / "example.pdf").exists()


def test_a_layout_extending_a_missing_template_is_named(project: Path) -> None:
    template = project / "layouts" / "letterhead" / "document.html.j2"
    template.write_text('{% extends "builtin/nosuch/document.html.j2" %}\n', encoding="utf-8")
    code, stderr = _build(project)
    assert code == 1
    missing = "template 'builtin/nosuch/document.html.j2' is not found"
    assert f"{template.resolve()}:1: layout 'letterhead': {missing}" in stderr


def test_a_template_that_is_not_utf8_is_named(project: Path) -> None:
    template = project / "layouts" / "letterhead" / "document.html.j2"
    template.write_bytes(b"\xff\xfe{{ 1 }}")
    code, stderr = _build(project)
    assert code == 1
    assert f"{template.resolve()}: the template is not UTF-8 text (byte 0 cannot be read)" in stderr


@pytest.mark.parametrize("depth", [20, 5000])
def test_a_config_nested_thousands_deep_is_a_located_error(project: Path, depth: int) -> None:
    (project / "communique.toml").write_text("a = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    result = run_cli("validate", "data/example.yaml", cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{project / 'communique.toml'}:1:1: tables or arrays are nested more than 16 deep "
        "(hint: see README 'communique.toml' for its few levels)"
    )


def test_a_font_too_large_to_check_afterwards_is_refused_when_the_config_is_read(project: Path) -> None:
    """A 300 MB font made a 307 MB archival copy that extract, inspect and verify could not read."""
    with (project / "huge.otf").open("wb") as font:
        font.truncate(65 * 2**20)  # sparse: no disk used
    with (project / "communique.toml").open("a", encoding="utf-8") as config:
        config.write('\n[[fonts]]\nfile = "huge.otf"\nfamily = "Huge"\n')
    result = run_cli("validate", "data/example.yaml", cwd=project)
    assert result.returncode == 2
    assert "font file 'huge.otf' has 65 MiB, over the limit of 64 MiB" in result.stderr


def test_an_author_longer_than_pdf_metadata_allows_is_refused(project: Path) -> None:
    """A 40,000-character author made an invalid PDF/A (PDF strings stop at 32,767 bytes) with no error."""
    config = project / "communique.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('author = "Office', f'author = "{"x" * 40_000}Office'), encoding="utf-8")
    result = run_cli("validate", "data/example.yaml", cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{config}:22:1: the metadata 'author' is longer than 1000 characters (hint: shorten it)"
    )


def test_a_layout_making_thousands_of_pages_stops_at_the_page_limit(project: Path) -> None:
    """The page limit is counted while WeasyPrint lays pages out: 3,000 pages stop at 1,001, in seconds,
    instead of running the process out of memory first."""
    template = project / "layouts" / "letterhead" / "document.html.j2"
    template.write_text(
        '{% for i in range(3000) %}<p style="break-after: page">{{ i }}</p>{% endfor %}\n', encoding="utf-8"
    )
    code, stderr = _build(project)
    assert code == 1
    assert "the document has more than 1000 pages; at most 1000 are allowed" in stderr
    assert not (project / "out" / "example.pdf").exists()
