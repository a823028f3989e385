"""The author's whitespace, kept: text is never changed (README: Typography).

YAML has already folded what its line folding introduces (folded `>` and plain scalars); every character
that remains is the author's. This module decides two things:

- Line breaks. In titles, closing lines, offices and names a line break is a line break in print. In body
  paragraphs, subjects and party names it is where the author wrapped a long line in a literal block
  (`|`): Japanese and Chinese lines are joined without a space (a space stays between two narrow
  characters, as in `the\\nCity`), other languages' lines with one space.
- Spaces. Every space the author wrote reaches the PDF text layer as written: runs of spaces are set
  with `white-space: pre-wrap` (class `ws-keep`), and a space other than U+0020 (U+00A0, U+202F, U+3000,
  ...) is set in a bundled family that has a glyph of its own for it (classes `ws-latin`, `ws-cjk`). A PDF
  maps each glyph to one character, so a space drawn with another character's glyph (HarfBuzz draws
  U+202F with the font's space glyph where a font lacks it; the Japanese face draws U+00A0 with its
  space glyph) would copy as that character, and would make every other space of the font copy as it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from communique.conventions import UNSPACED, primary
from communique.fonts import (
    ARABIC_FAMILY,
    CJK_FAMILY,
    HEBREW_FAMILY,
    HK_FAMILY,
    KR_FAMILY,
    LATIN_FAMILY,
    SC_FAMILY,
    TC_FAMILY,
    THAI_FAMILY,
    FontFace,
    faces,
    is_selector,
)
from communique.model import Run

_EDGES = " \t\n"
_WRAP = re.compile(r"[ \t]*\n[ \t\n]*")
_WIDE = {"W", "F", "H"}
# Space separators other than U+0020 (U+1680 OGHAM SPACE MARK is drawn, not blank).
SPECIAL_SPACES = frozenset(
    "\u00a0\u202f\u205f\u3000" + "".join(chr(point) for point in range(0x2000, 0x200B))
)
# The special spaces each bundled family draws with a glyph of its own (not its space glyph); checked
# against the font files by tests/test_text_kept.py.
OWN_GLYPHS = {
    LATIN_FAMILY: SPECIAL_SPACES - {"\u3000"},
    # every CJK face maps its spaces as the Japanese one does; Noto Naskh Arabic's U+00A0 glyph is added by
    # tools/make_fonts.py
    **dict.fromkeys(
        (CJK_FAMILY, SC_FAMILY, TC_FAMILY, HK_FAMILY, KR_FAMILY), frozenset("\u2002\u2003\u3000")
    ),
    **dict.fromkeys((THAI_FAMILY, ARABIC_FAMILY, HEBREW_FAMILY), frozenset("\u00a0")),
}
KEEP = "ws-keep"
FAMILY_CLASS = {LATIN_FAMILY: "ws-latin", CJK_FAMILY: "ws-cjk"}
WORD_JOINER = "\u2060"
"""Put before a space that is set alone in another family: a box of spaces only is not drawn at all, and
the joiner is drawn as no glyph, so it neither shows nor reaches the text layer."""


def joined(text: str, lang: str) -> str:
    """A paragraph's source line wraps joined (see the module docstring); spaces, tabs and line breaks
    at its very start and end dropped (they never print)."""
    text = text.strip(_EDGES)
    if primary(lang) not in UNSPACED:
        return _WRAP.sub(" ", text)

    def join(match: re.Match[str]) -> str:
        before, after = text[match.start() - 1], text[match.end()]
        narrow = all(unicodedata.east_asian_width(char) not in _WIDE for char in (before, after))
        return " " if narrow else ""

    return _WRAP.sub(join, text)


def kept_lines(text: str) -> tuple[str, ...]:
    """The lines of a text whose line breaks print as line breaks; blank lines, and spaces and tabs at
    the ends of a line, dropped (they never print)."""
    return tuple(line.strip(" \t") for line in text.splitlines() if line.strip())


def keep_spaces(runs: tuple[Run, ...], lang: str) -> tuple[Run, ...]:
    """`runs` split where a space needs a class of its own to reach the text layer as written."""
    kept: list[Run] = []
    for run in runs:
        kept.extend(_split(run, lang))
    return tuple(kept)


def _split(run: Run, lang: str) -> list[Run]:
    text = run.text
    groups = _groups(text, lang)
    if not groups:
        return [run]
    classes = run.style.split()
    pieces: list[tuple[int, int, tuple[str, ...]]] = []
    position = 0
    for start, end, extra in groups:
        if start > position:
            pieces.append((position, start, ()))
        pieces.append((start, end, extra))
        position = end
    if position < len(text):
        pieces.append((position, len(text), ()))
    result = []
    for number, (start, end, extra) in enumerate(pieces):
        own = [
            name
            for name in classes
            if not (name == "jl-gap-start" and number > 0)
            and not (name == "jl-gap-end" and number < len(pieces) - 1)
        ]
        piece = text[start:end]
        if any(name in FAMILY_CLASS.values() for name in extra) and not piece.strip():
            piece = WORD_JOINER + piece
        result.append(Run(piece, " ".join([*own, *extra])))
    return result


_MAY_NEED_CLASS = re.compile(f"[{re.escape(''.join(sorted(SPECIAL_SPACES)))}]|  ")
"""A special space, or two spaces: what _groups looks for (most texts have neither)."""


def _groups(text: str, lang: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, classes) of the stretches of `text` that need classes, in order, not overlapping."""
    if not _MAY_NEED_CLASS.search(text):
        return []
    found: list[tuple[int, int, set[str]]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in SPECIAL_SPACES:
            end = index
            while end < len(text) and text[end] in SPECIAL_SPACES:
                end += 1
            family = _family_needed(text, index, end, lang)
            if family:
                start, stop = _extend(text, index, end, family)
                found.append((start, stop, {FAMILY_CLASS[family]}))
            index = end
        elif char == " " and text[index + 1 : index + 2] == " ":
            end = index
            while end < len(text) and text[end] == " ":
                end += 1
            found.append((max(index - 1, 0), min(end + 1, len(text)), {KEEP}))
            index = end
        else:
            index += 1
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, names in sorted(found, key=lambda group: group[0]):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2] | names)
        else:
            merged.append((start, end, names))
    return [(start, end, tuple(sorted(names))) for start, end, names in merged]


def _family_needed(text: str, start: int, end: int, lang: str) -> str | None:
    """The bundled family the spaces text[start:end] must be set in, or None where the family that sets
    their neighbours (Pango never picks a font for a space alone) has glyphs of their own for them."""
    spaces = set(text[start:end])
    neighbours = [char for char in (text[start - 1 : start], text[end : end + 1]) if char.strip()]
    drawn = {_family_of(char, lang) for char in neighbours} or {_stack(lang)[0]}
    if all(spaces <= OWN_GLYPHS[family] for family in drawn):
        return None
    return next((family for family in _stack(lang) if spaces <= OWN_GLYPHS[family]), None)


def _extend(text: str, start: int, end: int, family: str) -> tuple[int, int]:
    """The stretch around text[start:end] that `family` can set: the neighbouring characters up to the
    next space, so the spaces are drawn in one piece with visible glyphs (PDF viewers skip a piece of
    text that draws nothing). A variation selector stays with the character before it: shaped apart,
    it would be drawn as a dotted circle."""
    while start > 0 and text[start - 1].strip() and _covers_or_selects(family, text[start - 1]):
        start -= 1
    while start < end and is_selector(text[start]):  # its character is not in the stretch
        start += 1
    while end < len(text) and text[end].strip() and _covers_or_selects(family, text[end]):
        end += 1
    return start, end


def _covers_or_selects(family: str, char: str) -> bool:
    return is_selector(char) or _covers(family, char)


def _stack(lang: str) -> tuple[str, str]:
    """The bundled families in the order text in `lang` uses them (fonts.FontSet.stack)."""
    return (CJK_FAMILY, LATIN_FAMILY) if primary(lang) == "ja" else (LATIN_FAMILY, CJK_FAMILY)


def _family_of(char: str, lang: str) -> str:
    """The bundled family that sets `char` in `lang` text: the first of the stack that has it."""
    return next((family for family in _stack(lang) if _covers(family, char)), _stack(lang)[0])


@functools.cache
def _covers(family: str, char: str) -> bool:
    return all(face.covers(char) for face in _bundled(family))


@functools.cache
def _bundled(family: str) -> tuple[FontFace, ...]:
    from communique.project import builtin_data

    return tuple(face for face in faces(builtin_data() / "fonts") if face.family == family)
