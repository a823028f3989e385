"""The bundled font registry: @font-face CSS, per-language font stacks and the glyph coverage check."""

from __future__ import annotations

import bisect
import json
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from communique.errors import ErrorList, FontError
from communique.model import Communique

CJK_FAMILY = "Communique Serif JP"
LATIN_FAMILY = "Communique Serif"
# Languages whose text is set in the Japanese face first; all others use the Latin face first.
_CJK_FIRST = {"ja"}


@dataclass(frozen=True)
class FontFace:
    """One bundled font file, as listed in fonts/manifest.json."""

    path: Path
    family: str
    weight: int
    style: str
    sha256: str
    unicode_ranges: str
    """The font's cmap as ranges ('0020-007E 00A0-00FF ...'), written by tools/make_fonts.py."""

    @cached_property
    def _range_table(self) -> tuple[list[int], list[int]]:
        starts, ends = [], []
        for item in self.unicode_ranges.split():
            first, _, last = item.partition("-")
            starts.append(int(first, 16))
            ends.append(int(last or first, 16))
        return starts, ends

    def covers(self, char: str) -> bool:
        """Whether the font has a glyph for `char`."""
        starts, ends = self._range_table
        index = bisect.bisect_right(starts, ord(char)) - 1
        return index >= 0 and ord(char) <= ends[index]

    def code_points(self) -> frozenset[int]:
        """Every code point the font maps to a glyph."""
        starts, ends = self._range_table
        return frozenset(
            point for first, last in zip(starts, ends, strict=True) for point in range(first, last + 1)
        )


def faces(fonts_dir: Path) -> tuple[FontFace, ...]:
    """Every face listed in the manifest of `fonts_dir`."""
    try:
        manifest = json.loads((fonts_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FontError(
            f"cannot read {fonts_dir / 'manifest.json'}: {error}",
            hint="run tools/make_fonts.py or restore fonts/ from git",
        ) from error
    return tuple(
        FontFace(
            fonts_dir / entry["file"],
            entry["family"],
            entry["weight"],
            entry["style"],
            entry["sha256"],
            entry["unicode_ranges"],
        )
        for entry in manifest["fonts"]
    )


def stack(lang: str) -> tuple[str, ...]:
    """Font families used for text in `lang`, first choice first."""
    if lang.split("-", 1)[0].lower() in _CJK_FIRST:
        return (CJK_FAMILY, LATIN_FAMILY)
    return (LATIN_FAMILY, CJK_FAMILY)


def face_css(bundled: tuple[FontFace, ...], languages: tuple[str, ...]) -> str:
    """@font-face rules for the bundled fonts and a font-family rule per language; nothing else is used."""
    rules = [
        f'@font-face {{ font-family: "{face.family}"; src: url("{face.path.resolve().as_uri()}"); '
        f"font-weight: {face.weight}; font-style: {face.style}; }}"
        for face in bundled
    ]

    def families(lang: str) -> str:
        return ", ".join(f'"{family}"' for family in stack(lang))

    rules.append(f"html {{ font-family: {families(languages[0])}; }}")
    rules.extend(f'[lang="{lang}"] {{ font-family: {families(lang)}; }}' for lang in languages)
    return "\n".join(rules)


def check_coverage(communique: Communique, bundled: tuple[FontFace, ...]) -> None:
    """Raise FontError naming every character that no font of its language's stack can draw.

    A family covers a character only if every one of its faces does, so bold text is safe too.
    """
    by_family: dict[str, list[FontFace]] = {}
    for face in bundled:
        by_family.setdefault(face.family, []).append(face)

    checked: dict[tuple[str, str], bool] = {}

    def drawable(char: str, lang: str) -> bool:
        if (char, lang) not in checked:  # a long document repeats its characters many times
            checked[char, lang] = any(
                family in by_family and all(face.covers(char) for face in by_family[family])
                for family in stack(lang)
            )
        return checked[char, lang]

    problems = []
    for localized in communique.texts():
        for lang, text in localized.entries:
            for char in dict.fromkeys(text.value):
                if char in "\n\t" or drawable(char, lang):
                    continue
                name = unicodedata.name(char, "unnamed character")
                problems.append(
                    FontError(
                        f"character '{char}' (U+{ord(char):04X} {name}) in the '{lang}' text is not in the "
                        f"bundled fonts ({', '.join(stack(lang))})",
                        text.locate(char),
                        "replace the character, or add a font that has it (README: 'Adding a font')",
                    )
                )
    if problems:
        raise ErrorList(problems)
