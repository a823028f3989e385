"""Characters a data file may not carry: controls that corrupt XMP or vanish, and bidi overrides that make
the text a reader sees differ from the text in the file ("Trojan Source").

Allowed: TAB and LF (line breaks in titles and offices), every printable character, and the bidi marks and
isolates that right-to-left text needs (U+200E, U+200F, U+061C, U+2066-U+2069). Refused: other C0 and C1
controls, DEL, the embeddings and overrides U+202A-U+202E, noncharacters (U+FDD0-U+FDEF, U+xFFFE/U+xFFFF)
and lone surrogates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from communique.model import Where

_REFUSED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\ufdd0-\ufdef\ud800-\udfff"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
_OVERRIDES = set("\u202a\u202b\u202c\u202d\u202e")


def refused_character(text: str) -> tuple[int, str] | None:
    """(index, explanation) of the first character `text` may not contain, or None."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "a control character" if ord(char) < 0xA0 else "a noncharacter")
    if char in _OVERRIDES:
        why = f"U+{ord(char):04X} {name}: a bidi embedding or override reorders what a reader sees"
    else:
        why = f"U+{ord(char):04X} ({name}) is not allowed in text"
    return found.start(), why


def refused_strings(value: Any, where: Where = ()) -> Iterator[tuple[Where, bool, int, str]]:
    """(path, is_key, index, explanation) for every string (keys included) of a document of plain
    values that holds a refused character; `index` is that character's place in the string."""
    if isinstance(value, str):
        found = refused_character(value)
        if found:
            yield where, False, *found
    elif isinstance(value, dict):
        for key, item in value.items():
            found = refused_character(str(key))
            if found:
                yield (*where, key), True, *found
            yield from refused_strings(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from refused_strings(item, (*where, index))


REFUSED_HINT = "remove it; for right-to-left text use the isolates U+2066-U+2069 or the marks U+200E/U+200F"


UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Characters a terminal might act on or hide: controls, escapes, format characters, unassigned ones."""


def printable(text: str) -> str:
    """`text` with every character a terminal might act on or hide (controls, escapes, bidi overrides,
    zero-width characters) written as its Python escape, e.g. \\x1b; other text, spaces too, as is."""
    return "".join(
        ascii(char)[1:-1] if unicodedata.category(char) in UNSAFE_CATEGORIES else char for char in text
    )


def printable_lines(text: str) -> str:
    """`text` made printable line by line: its line breaks kept, everything else as `printable`."""
    return "\n".join(printable(line) for line in text.split("\n"))
