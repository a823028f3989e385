"""House rules for automatic hyphenation, which WeasyPrint lacks: no word hyphenated after two lines in a
row that end with a hyphen (`hyphenate-limit-lines: 2`; a line may still end at a compound's own hyphen)
and no capitalised word hyphenated (names of people, cities, bodies).

WeasyPrint breaks a paragraph's lines one after the other (`iter_line_boxes`) and asks Pyphen for a
word's hyphenation points when a line needs them; both are wrapped here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pyphen

from communique.conventions import primary
from communique.engine.hooks import Patch
from communique.engine.undone import ENGINE_CHANGED, report

LIMIT_LINES = 2
"""Most hyphenated lines in a row."""

_blocked = False
"""Whether the line being broken follows LIMIT_LINES hyphenated lines (its word must not be hyphenated)."""


NOUNS_CAPITALISED = frozenset({"de", "lb"})
"""Languages that capitalise every noun: there a capital letter does not mark a name."""


class HouseDictionary(pyphen.Pyphen):  # type: ignore[misc]
    """Pyphen's patterns, offering no hyphenation point in a name (a capitalised word) or after the
    limit."""

    def __init__(self, lang: str, **options: Any) -> None:
        super().__init__(lang=lang, **options)
        self.names_capitalised = primary(lang.replace("_", "-")) not in NOUNS_CAPITALISED

    def is_a_name(self, word: str) -> bool:
        """Whether `word` reads as a name, which is never hyphenated (capitalised, where only names are)."""
        return self.names_capitalised and word[:1].isupper()

    def iterate(self, word: str) -> Iterator[tuple[str, str]]:
        if _blocked or self.is_a_name(word):
            return iter(())
        return super().iterate(word)  # type: ignore[no-any-return]


def patches() -> list[Patch]:
    """Route WeasyPrint's hyphenation through HouseDictionary and count hyphenated lines."""
    from types import SimpleNamespace

    from weasyprint.layout import block
    from weasyprint.text import line_break

    house = SimpleNamespace(Pyphen=HouseDictionary, language_fallback=pyphen.language_fallback)
    return [
        Patch(line_break, "pyphen", lambda _original: house),
        # `block` imported iter_line_boxes by name: it is looked up there.
        Patch(block, "iter_line_boxes", _counting_iter_line_boxes),
    ]


def _counting_iter_line_boxes(original: Any) -> Any:
    @functools.wraps(original)
    def iter_line_boxes(*args: Any, **kwargs: Any) -> Iterator[Any]:
        global _blocked
        lines = original(*args, **kwargs)
        in_a_row = 0
        while True:
            outer, _blocked = _blocked, in_a_row >= LIMIT_LINES
            try:
                item = next(lines)
            except StopIteration:
                return
            finally:
                _blocked = outer
            line = item[0]
            in_a_row = in_a_row + 1 if ends_hyphenated(line) else 0
            yield item

    return iter_line_boxes


HYPHENS = ("-", "\u2010", "\u00ad")
"""Characters a line ending in counts as hyphenated (besides the style's hyphenate-character)."""


def ends_hyphenated(line: Any) -> bool:
    """Whether the line ends with a hyphen: the one WeasyPrint adds, or the text's own (a compound
    broken after its hyphen counts towards the limit too, though the limit cannot forbid that break)."""
    try:
        return _ends_hyphenated_line(line)
    except ENGINE_CHANGED as error:
        report("hyphenation", "hyphenated lines could not be counted, so more than two may follow", error)
        return False


def _ends_hyphenated_line(line: Any) -> bool:
    from weasyprint.formatting_structure import boxes

    box = line
    while getattr(box, "children", None):
        box = box.children[-1]
    if not isinstance(box, boxes.TextBox) or not box.text:
        return False
    return bool(box.text.endswith((box.style["hyphenate_character"], *HYPHENS)))
