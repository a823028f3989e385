"""Property-based tests of `compare`: whatever two drafts differ by (blocks deleted, repeated, swapped,
words replaced), the pieces of every changed block give back both drafts' text exactly, and the redline
keeps every version's blocks side by side. A short derandomized run is part of `make test`; `make fuzz`
runs the long one (marked `fuzz`)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique.compare import DELETED, INSERTED, compare, redline
from communique.errors import CommuniqueError
from communique.loader import load
from communique.typeset import typeset
from communique.whitespace import joined

SEEDS = [
    ROOT / "seeds" / "tokyo-helsinki-2023.yaml",
    ROOT / "seeds" / "translation-pending.yaml",
    ROOT / "seeds" / "declaration-and-mou.yaml",
    ROOT / "seeds" / "languages" / "th-en.yaml",
    ROOT / "seeds" / "languages" / "four-languages.yaml",
]
WORDS = ["X", "新た", "2024", "the", "ที่", "및", "30%", ""]
Edit = tuple[str, int, int, str]


def _data(index: int) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SEEDS[index].read_text(encoding="utf-8"))
    data["date"] = str(data["date"])
    return data


def _edited(data: dict[str, Any], edits: list[Edit]) -> dict[str, Any]:
    """`data` with `edits` applied to its bodies: (what, block, other block or word index, word)."""
    data = copy.deepcopy(data)
    bodies = [data["body"]] if "body" in data else [item["body"] for item in data["instruments"]]
    for what, first, second, word in edits:
        body = bodies[first % len(bodies)]
        at = first % len(body)
        if what == "delete" and len(body) > 1:
            body.pop(at)
        elif what == "repeat":
            body.insert(second % (len(body) + 1), copy.deepcopy(body[at]))
        elif what == "swap":
            other = second % len(body)
            body[at], body[other] = body[other], body[at]
        elif what == "word":
            for key, value in list(body[at].items()):
                if isinstance(value, str) and value.strip():
                    parts = value.split(" ") if " " in value else list(value)
                    parts[second % len(parts)] = word
                    body[at][key] = (" " if " " in value else "").join(parts)
    return data


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "repeat", "swap", "word"]),
        st.integers(0, 60),
        st.integers(0, 60),
        st.sampled_from(WORDS),
    ),
    max_size=5,
)


def _check_drafts(seed: int, old_edits: list[Edit], new_edits: list[Edit]) -> None:
    data = _data(seed)
    folder = SEEDS[seed].parent
    try:
        old, new = load(_edited(data, old_edits), folder), load(_edited(data, new_edits), folder)
    except CommuniqueError:
        return  # an edit that makes the data invalid (an emptied text): the loader's, located
    comparison = compare(old, new)
    for change in comparison.blocks:
        if change.old is None or change.new is None:
            continue
        for lang, paragraphs in change.pieces:
            before = [joined(text.value, lang) for text in change.old.of(lang) or ()]
            after = [joined(text.value, lang) for text in change.new.of(lang) or ()]
            rebuilt_new = [
                "".join(p.text for p in paragraph if p.change != DELETED) for paragraph in paragraphs
            ]
            rebuilt_old = [
                "".join(p.text for p in paragraph if p.change != INSERTED) for paragraph in paragraphs
            ]
            assert [text for text in rebuilt_new if text] == [text for text in after if text], lang
            assert [text for text in rebuilt_old if text] == [text for text in before if text], lang
    shown = redline(comparison, typeset(old), typeset(new))
    for instrument in shown.instruments:
        assert len({len(version.blocks) for version in instrument.versions}) == 1


def property_test(examples: int, quick: bool) -> Callable[[], None]:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=quick,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.integers(0, len(SEEDS) - 1), EDITS, EDITS)
    def run(seed: int, old_edits: list[Edit], new_edits: list[Edit]) -> None:
        _check_drafts(seed, old_edits, new_edits)

    return run


test_drafts_compare_both_ways = property_test(120, quick=True)
test_fuzz_drafts_compare_both_ways = pytest.mark.fuzz(property_test(3000, quick=False))
