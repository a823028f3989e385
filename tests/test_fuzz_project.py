"""Property-based tests of a project's own files and of PDFs given back to communique: whatever a
communique.toml, a layout's template or stylesheet, or a damaged archival copy holds, the only exceptions
are communique's own errors (located where a file and line exist). A short derandomized run is part of
`make test`; `make fuzz` runs the long one (marked `fuzz`): 21,000 cases across these fuzzers."""

from __future__ import annotations

import functools
import string
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import SEED
from fuzzing import edited
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import communique
from communique.compose import compose
from communique.engine.renderer import RenderSession, RestrictedFetcher
from communique.errors import CommuniqueError, ErrorList
from communique.loader import load
from communique.model import TypesetDocument
from communique.pdf.archival import plan_extraction
from communique.pdf.inspect import inspect_pdf
from communique.pdf.verify import verify
from communique.project import Project, builtin_data, read_config
from communique.typeset import typeset

INIT = builtin_data() / "init"
CONFIG = (INIT / "communique.toml").read_text(encoding="utf-8")
TEMPLATE = (INIT / "layouts" / "letterhead" / "document.html.j2").read_text(encoding="utf-8")
STYLESHEET = (INIT / "layouts" / "letterhead" / "style.css").read_text(encoding="utf-8")
TOML_SYNTAX = "[]{}=\"'.,#\n\t -+:"
JINJA_SYNTAX = "{}%#()[]|.,:'\"~+-*/=<>!\n "
CSS_SYNTAX = "{}();:,.#@!*>+~[]='\"/\\%\n -"


def _edits(base: str, syntax: str) -> st.SearchStrategy[str]:
    """`base` with a few characters inserted, deleted or replaced (its syntax, digits, any Unicode)."""
    alphabet = st.sampled_from(syntax) | st.characters() | st.sampled_from(string.digits + "e")
    return edited(base, st.text(alphabet, max_size=6), 4, 6)


def _byte_edits(base: bytes) -> st.SearchStrategy[bytes]:
    """`base` with a few bytes replaced, inserted or deleted (digits and PDF tokens among them)."""
    tokens = st.sampled_from(
        [b"0", b"9", b"-1", b"99999999", b" ", b"/", b"<<", b">>", b"[", b"]", b"R", b"\x00"]
    )
    return edited(base, tokens | st.binary(max_size=4), 3, 4)


def _only_communique_errors(action: Callable[[], object]) -> None:
    try:
        action()
    except ErrorList as error:
        assert error.problems and all(problem.location for problem in error.problems), str(error)
    except CommuniqueError as error:
        assert "internal error" not in str(error), str(error)


def _check_config(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "communique.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _only_communique_errors(lambda: read_config(path))


@functools.cache
def _document() -> TypesetDocument:
    return typeset(load(SEED))


def _check_template(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        layout = Path(folder) / "layouts" / "fuzzed"
        layout.mkdir(parents=True)
        (layout / "document.html.j2").write_text(text, encoding="utf-8", errors="surrogatepass")
        project = Project(Path(folder))
        _only_communique_errors(lambda: compose(_document(), project, "fuzzed", (Path(folder),)))


def _check_stylesheet(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        sheet = Path(folder) / "style.css"
        sheet.write_text(text, encoding="utf-8", errors="surrogatepass")
        fetcher = RestrictedFetcher((Path(folder),))
        _only_communique_errors(lambda: RenderSession().stylesheets(fetcher, "", (sheet,), ""))


@functools.cache
def _archival_copy() -> bytes:
    with tempfile.TemporaryDirectory() as out:
        return communique.build(SEED, Path(out), archival=True).output.read_bytes()


def _check_pdf(data: bytes, deep: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copy.pdf"
        path.write_bytes(data)
        _only_communique_errors(lambda: inspect_pdf(path))
        _only_communique_errors(lambda: plan_extraction(data, str(path), Path(folder) / "sources"))
        if deep:
            _only_communique_errors(lambda: verify(path))


def _property(name: str, quick: bool) -> Callable[[], None]:
    fuzzer = FUZZERS[name]

    @settings(
        max_examples=fuzzer.quick if quick else fuzzer.long,
        deadline=None,
        derandomize=quick,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(st.deferred(fuzzer.strategy))
    def run(value: Any) -> None:
        fuzzer.check(value)

    return run


class Fuzzer(NamedTuple):
    strategy: Callable[[], st.SearchStrategy[Any]]
    check: Callable[[Any], None]
    quick: int
    """Examples in `make test` (derandomized)."""
    long: int
    """Examples in `make fuzz`."""


FUZZERS = {
    "config": Fuzzer(lambda: _edits(CONFIG, TOML_SYNTAX), _check_config, 300, 7000),
    "template": Fuzzer(lambda: _edits(TEMPLATE, JINJA_SYNTAX), _check_template, 200, 6000),
    "stylesheet": Fuzzer(lambda: _edits(STYLESHEET, CSS_SYNTAX), _check_stylesheet, 100, 5000),
    "pdf": Fuzzer(lambda: _byte_edits(_archival_copy()), lambda data: _check_pdf(data, deep=False), 60, 2700),
    "pdf_verified": Fuzzer(
        lambda: _byte_edits(_archival_copy()), lambda data: _check_pdf(data, deep=True), 10, 300
    ),
}

test_config = _property("config", quick=True)
test_template = _property("template", quick=True)
test_stylesheet = _property("stylesheet", quick=True)
test_pdf = _property("pdf", quick=True)
test_pdf_verified = _property("pdf_verified", quick=True)
test_fuzz_config = pytest.mark.fuzz(_property("config", quick=False))
test_fuzz_template = pytest.mark.fuzz(_property("template", quick=False))
test_fuzz_stylesheet = pytest.mark.fuzz(_property("stylesheet", quick=False))
test_fuzz_pdf = pytest.mark.fuzz(_property("pdf", quick=False))
test_fuzz_pdf_verified = pytest.mark.fuzz(_property("pdf_verified", quick=False))
