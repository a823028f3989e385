"""What the fuzz tests share: a text or file changed by a few edits at random places."""

from __future__ import annotations

from typing import TypeVar

from hypothesis import strategies as st

Sequence = TypeVar("Sequence", str, bytes)


def edited(
    base: Sequence, pieces: st.SearchStrategy[Sequence], most_removed: int, most_edits: int
) -> st.SearchStrategy[Sequence]:
    """`base` with up to `most_edits` edits, each removing up to `most_removed` items at a place and
    putting one of `pieces` there."""
    edit = st.tuples(st.integers(0, len(base)), st.integers(0, most_removed), pieces)

    def apply(edits: list[tuple[int, int, Sequence]]) -> Sequence:
        result = base
        for position, removed, inserted in edits:
            position = min(position, len(result))
            result = result[:position] + inserted + result[position + removed :]
        return result

    return st.lists(edit, min_size=1, max_size=most_edits).map(apply)
