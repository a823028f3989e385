"""Property-based tests of the loader and `validate`: whatever the input, the only exceptions are
communique's own, located ones. A short derandomized run is part of `make test`; `make fuzz` runs the
long one (marked `fuzz`)."""

from __future__ import annotations

import string
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import ROOT
from fuzzing import edited
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique.check import check
from communique.errors import CommuniqueError, ErrorList
from communique.fonts import check_coverage, project_fonts
from communique.layouts import chosen_layout
from communique.loader import load_text
from communique.project import BuildContext, Project
from communique.schema import SCHEMA

sys.path.insert(0, str(ROOT / "tests" / "data" / "hostile"))
from make_corpus import BASE

FOLDER = ROOT / "tests" / "data" / "hostile"
PROJECT = Project.at(FOLDER)
CONTEXT = BuildContext(PROJECT)
FONTS = project_fonts(PROJECT)
SYNTAX = "[]{}:-,&*!|>'\"#%@?\n\t \\"
KEYS = [*SCHEMA["properties"], "key", "name", "country", "signatories", "seal", "signature", "ja", "en", "no"]


def validate(text: str) -> None:
    """What `communique validate` does with the text, and the translation check every build runs; only
    located CommuniqueErrors may escape."""
    try:
        communique = load_text(text, "<data>", FOLDER / "doc.yaml", FOLDER)
        chosen_layout(CONTEXT, communique)
        check_coverage(communique, FONTS)
        for finding in check(communique):  # what every build runs: findings, never an exception
            assert finding.location.path == "<data>", finding
    except ErrorList as error:
        assert error.problems and all(problem.location for problem in error.problems), str(error)
        assert all(problem.location.path == "<data>" for problem in error.problems if problem.location)
    except CommuniqueError as error:
        assert error.location is not None, str(error)


def mutated(base: str) -> st.SearchStrategy[str]:
    """`base` with a few characters inserted, deleted or replaced (YAML syntax, controls, any Unicode)."""
    alphabet = st.sampled_from(SYNTAX) | st.characters() | st.sampled_from(string.printable)
    return edited(base, st.text(alphabet, max_size=4), 3, 6)


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)
        ),
        max_leaves=20,
    )


def structured() -> st.SearchStrategy[str]:
    """Documents made of the schema's own keys with values of any shape, dumped as YAML."""
    base = yaml.safe_load(BASE)
    changes = st.dictionaries(st.sampled_from(KEYS), json_values(), max_size=4)
    return changes.map(lambda change: yaml.safe_dump({**base, **change}, allow_unicode=True))


STRATEGIES: dict[str, st.SearchStrategy[str]] = {
    "any_text": st.text(st.sampled_from(SYNTAX) | st.characters(), max_size=300),
    "mutated_document": mutated(BASE),
    "structured_document": structured(),
}


def property_test(name: str, examples: int, quick: bool) -> Callable[[], None]:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=quick,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(STRATEGIES[name])
    def run(text: str) -> None:
        validate(text)

    return run


test_any_text = property_test("any_text", 2000, quick=True)
test_mutated_document = property_test("mutated_document", 2000, quick=True)
test_structured_document = property_test("structured_document", 1500, quick=True)
test_fuzz_any_text = pytest.mark.fuzz(property_test("any_text", 7000, quick=False))
test_fuzz_mutated_document = pytest.mark.fuzz(property_test("mutated_document", 7000, quick=False))
test_fuzz_structured_document = pytest.mark.fuzz(property_test("structured_document", 7000, quick=False))


def test_the_fuzz_folder_holds_no_project() -> None:
    assert PROJECT.config_file is None and (FOLDER / "cases").is_dir()
