"""The font registry: bundled and project fonts, @font-face CSS, per-language stacks, the coverage check."""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import json
import re
import struct
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from communique.conventions import primary
from communique.errors import DataError, ErrorList, FontError
from communique.model import Communique, SourceLocation, Text

if TYPE_CHECKING:
    from communique.project import Project

LATIN_FAMILY = "Communique Serif"
CJK_FAMILY = "Communique Serif JP"
"""The Japanese face. Every CJK face maps its spaces as this one does (whitespace.py relies on it)."""
SC_FAMILY = "Communique Serif SC"
TC_FAMILY = "Communique Serif TC"
HK_FAMILY = "Communique Serif HK"
KR_FAMILY = "Communique Serif KR"
THAI_FAMILY = "Communique Serif Thai"
ARABIC_FAMILY = "Communique Naskh Arabic"
HEBREW_FAMILY = "Communique Serif Hebrew"

# The bundled family that sets a writing system (ISO 15924 code, as in a BCP 47 script subtag). Text in
# any other script is set in the Latin face first.
_SCRIPT_FAMILIES = {
    "Jpan": CJK_FAMILY,
    "Hira": CJK_FAMILY,
    "Kana": CJK_FAMILY,
    "Hrkt": CJK_FAMILY,
    "Hans": SC_FAMILY,
    "Hant": TC_FAMILY,
    "Kore": KR_FAMILY,
    "Hang": KR_FAMILY,
    "Thai": THAI_FAMILY,
    "Arab": ARABIC_FAMILY,
    "Hebr": HEBREW_FAMILY,
}
# Traditional Chinese of these regions is set in the Hong Kong face (Noto has no Macau one).
_HK_REGIONS = {"HK", "MO"}
# Where a CJK face lacks a Han character, the nearest other CJK faces draw it: most characters outside
# the common repertoires have one glyph for every region in Noto Serif CJK, and the rest differ little.
_HAN_FALLBACK = {
    CJK_FAMILY: (TC_FAMILY, HK_FAMILY, KR_FAMILY, SC_FAMILY),
    SC_FAMILY: (TC_FAMILY, HK_FAMILY, CJK_FAMILY, KR_FAMILY),
    TC_FAMILY: (HK_FAMILY, CJK_FAMILY, KR_FAMILY, SC_FAMILY),
    HK_FAMILY: (TC_FAMILY, CJK_FAMILY, KR_FAMILY, SC_FAMILY),
    KR_FAMILY: (TC_FAMILY, HK_FAMILY, CJK_FAMILY, SC_FAMILY),
}
# CJK faces for CJK characters in other languages' text (after the faces of the document's own CJK
# languages), the Japanese face first as before there were others.
_CJK_ORDER = (CJK_FAMILY, TC_FAMILY, HK_FAMILY, KR_FAMILY, SC_FAMILY)
_OTHER_SCRIPTS = (THAI_FAMILY, ARABIC_FAMILY, HEBREW_FAMILY)


@dataclass(frozen=True)
class FontFace:
    """One font file: bundled (listed in fonts/manifest.json) or declared by the project."""

    path: Path
    family: str
    weight: int
    style: str
    sha256: str
    unicode_ranges: str
    """The font's cmap as ranges ('0020-007E 00A0-00FF ...'), written by tools/make_fonts.py."""
    variation_sequences: tuple[tuple[str, str], ...] = ()
    """The font's variation sequences (cmap format 14): (selector, the characters it is registered after,
    as ranges), e.g. ('\U000e0100', '4E00-4E01 ...')."""

    @cached_property
    def _range_table(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return _range_table(self.unicode_ranges)

    @cached_property
    def _sequence_tables(self) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
        return {selector: _range_table(bases) for selector, bases in self.variation_sequences}

    def covers(self, char: str) -> bool:
        """Whether the font has a glyph for `char`."""
        return _in_ranges(self._range_table, char)

    def covers_sequence(self, base: str, selector: str) -> bool:
        """Whether the font registers the variation sequence `base` + `selector` (cmap format 14): it draws
        the form registered for it, which may be the glyph of `base` alone."""
        table = self._sequence_tables.get(selector)
        return table is not None and _in_ranges(table, base)

    @cached_property
    def sequences_drawn_as_base(self) -> frozenset[str]:
        """The variation sequences (character + selector) the font draws with the glyph of the character
        alone (registered as its default form): read from the font file when asked."""
        from fontTools.ttLib import TTFont, TTLibError

        try:
            with TTFont(self.path, lazy=True, fontNumber=0) as font:
                cmap = font.getBestCmap() or {}
                return frozenset(
                    chr(base) + chr(selector)
                    for table in font["cmap"].tables
                    if table.format == 14
                    for selector, entries in table.uvsDict.items()
                    for base, glyph in entries
                    if glyph is None or glyph == cmap.get(base)
                )
        except (OSError, TTLibError, AssertionError, KeyError, struct.error) as error:
            raise FontError(
                f"cannot read font {self.path}: {error}",
                hint="replace the font file (a bundled one: reinstall communique)",
            ) from error

    def code_points(self) -> frozenset[int]:
        """Every code point the font maps to a glyph."""
        starts, ends = self._range_table
        return frozenset(
            point for first, last in zip(starts, ends, strict=True) for point in range(first, last + 1)
        )


@functools.lru_cache(maxsize=64)
def _range_table(ranges: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Ranges as written in the manifest ('0020-007E 00A0') as their first and last code points, read
    once per process for the faces of a family that share them (a CJK face's take ~1 ms)."""
    starts, ends = [], []
    for item in ranges.split():
        first, _, last = item.partition("-")
        starts.append(int(first, 16))
        ends.append(int(last or first, 16))
    return tuple(starts), tuple(ends)


def _in_ranges(table: tuple[tuple[int, ...], tuple[int, ...]], char: str) -> bool:
    starts, ends = table
    index = bisect.bisect_right(starts, ord(char)) - 1
    return index >= 0 and ord(char) <= ends[index]


def _ranges(points: Iterable[int]) -> str:
    """Code points as ranges, as the manifest writes them ('0020-007E 00A0')."""
    ranges: list[str] = []
    for _, run in itertools.groupby(enumerate(sorted(set(points))), lambda item: item[1] - item[0]):
        block = [point for _, point in run]
        first, last = block[0], block[-1]
        ranges.append(f"{first:04X}" if first == last else f"{first:04X}-{last:04X}")
    return " ".join(ranges)


def faces(fonts_dir: Path) -> tuple[FontFace, ...]:
    """Every face listed in the manifest of `fonts_dir` (the bundled fonts), read once per process and
    manifest version (a batch worker builds many documents)."""
    manifest = fonts_dir / "manifest.json"
    try:
        stamp = manifest.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _manifest_faces(fonts_dir, stamp)


@functools.lru_cache(maxsize=4)
def _manifest_faces(fonts_dir: Path, stamp: int) -> tuple[FontFace, ...]:
    try:
        manifest = json.loads((fonts_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FontError(
            f"cannot read {fonts_dir / 'manifest.json'}: {error}",
            hint="reinstall communique, or run tools/make_fonts.py in a checkout",
        ) from error
    return tuple(
        FontFace(
            fonts_dir / entry["file"],
            entry["family"],
            entry["weight"],
            entry["style"],
            entry["sha256"],
            entry["unicode_ranges"],
            tuple(
                (chr(int(selector, 16)), bases)
                for selector, bases in entry.get("variation_sequences", {}).items()
            ),
        )
        for entry in manifest["fonts"]
    )


@functools.cache
def _declared_face(path: Path, mtime_ns: int, family: str, weight: int, style: str) -> FontFace:
    """A project font read once per process and file version: its sha256, its cmap and its variation
    sequences as ranges."""
    from fontTools.ttLib import TTFont, TTLibError

    sequences: dict[int, list[int]] = {}
    try:
        data = path.read_bytes()
        with TTFont(BytesIO(data), lazy=True, fontNumber=0) as font:
            points = font.getBestCmap() or {}
            for table in font["cmap"].tables if "cmap" in font else ():
                for selector, entries in getattr(table, "uvsDict", {}).items():  # format 14 only
                    sequences.setdefault(selector, []).extend(base for base, _ in entries)
    except (OSError, TTLibError, AssertionError, KeyError, struct.error) as error:
        raise FontError(
            f"cannot read font {path}: {error}", hint="give an OpenType (.otf) or TrueType (.ttf) file"
        ) from error
    variation_sequences = tuple(
        (chr(selector), _ranges(sequences[selector])) for selector in sorted(sequences)
    )
    digest = hashlib.sha256(data).hexdigest()
    return FontFace(path, family, weight, style, digest, _ranges(points), variation_sequences)


@dataclass(frozen=True)
class FontSet:
    """The fonts a project may use: the bundled ones and its own, and which families set which language."""

    faces: tuple[FontFace, ...]
    order: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per language tag, the families in the order they are tried (communique.toml's font_order)."""
    preferred: tuple[tuple[str, str], ...] = ()
    """(language tag, family): project fonts that set a language's text before the bundled ones."""

    @property
    def families(self) -> frozenset[str]:
        """Every family a PDF of this project may contain."""
        return frozenset(face.family for face in self.faces)

    def stack(self, lang: str, document: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Font families used for text in `lang`, first choice first; `document` is every language of
        the document, whose CJK faces come first for CJK characters quoted in other languages' text."""
        base = primary(lang)
        for tag in (lang, base):
            explicit = next((families for order_lang, families in self.order if order_lang == tag), None)
            if explicit:
                return explicit
        own = [family for tag, family in self.preferred if tag in (lang, base)]
        return tuple(dict.fromkeys((*own, *builtin_stack(lang, document))))

    def members(self, family: str) -> tuple[FontFace, ...]:
        """The faces of `family` (none if it is neither bundled nor declared)."""
        return self._by_family.get(family, ())

    def draws(self, family: str, text: str) -> bool:
        """Whether every face of `family` draws `text`: a character, or a variation sequence (a character
        and a selector) as registered."""
        members = self.members(family)
        if len(text) == 2:
            return bool(members) and all(face.covers_sequence(text[0], text[1]) for face in members)
        return bool(members) and all(face.covers(text) for face in members)

    @cached_property
    def _by_family(self) -> dict[str, tuple[FontFace, ...]]:
        by_family: dict[str, list[FontFace]] = {}
        for face in self.faces:
            by_family.setdefault(face.family, []).append(face)
        return {family: tuple(members) for family, members in by_family.items()}

    def face_css(self, languages: tuple[str, ...]) -> str:
        """@font-face rules for every face and a font-family rule per language; nothing else is used."""
        rules = [
            f'@font-face {{ font-family: "{face.family}"; src: url("{face.path.resolve().as_uri()}"); '
            f"font-weight: {face.weight}; font-style: {face.style}; }}"
            for face in self.faces
        ]

        def families(lang: str) -> str:
            return ", ".join(f'"{family}"' for family in self.stack(lang, languages))

        rules.append(f"html {{ font-family: {families(languages[0])}; }}")
        # :lang() matches the tag the layout sets too, which may add a region (en -> en-US).
        rules.extend(f":lang({lang}) {{ font-family: {families(lang)}; }}" for lang in languages)
        return "\n".join(rules)


def project_fonts(project: Project) -> FontSet:
    """The bundled fonts plus the project's own (communique.toml), with the project's language order."""
    bundled = faces(project.builtin / "fonts")
    declared = []
    for font in project.config.fonts:
        try:
            mtime = font.path.stat().st_mtime_ns
        except OSError as error:
            raise FontError(f"cannot read font {font.path}: {error.strerror}", font.location) from error
        try:
            declared.append(_declared_face(font.path, mtime, font.family, font.weight, font.style))
        except FontError as error:  # the config names a file that is no font: its entry's mistake
            raise DataError(error.message, font.location, error.hint) from error
    known = {face.family for face in (*bundled, *declared)}
    problems = [
        DataError(
            f"font_order for '{lang}' names '{family}', which is neither bundled nor declared",
            project.config.location(f"font_order.{lang}"),
            f"families: {', '.join(sorted(known))}",
        )
        for lang, families in project.config.font_order
        for family in families
        if family not in known
    ]
    if problems:
        raise ErrorList(problems)
    preferred = tuple((lang, font.family) for font in project.config.fonts for lang in font.languages)
    return FontSet((*bundled, *declared), project.config.font_order, preferred)


@functools.lru_cache(maxsize=256)
def language_family(lang: str) -> str | None:
    """The bundled family that sets text in the BCP 47 language `lang` first, or None for the Latin face.

    The script subtag decides ('zh-Hant-HK', 'sr-Latn'); without one, CLDR's likely subtags for the
    language and region do ('zh-TW' -> Hant, 'zh-SG' and 'zh' -> Hans, 'yi' -> Hebr). Traditional Chinese
    of Hong Kong and Macau, given or likely ('yue'), takes the Hong Kong face. Parsed here rather than with
    babel.Locale.parse, which drops a script it has no locale for ('ja-Latn') and rejects tags it does not
    know.
    """
    subtags = lang.replace("_", "-").split("-")
    language, script, region = subtags[0].lower(), None, None
    for subtag in subtags[1:]:
        if len(subtag) == 1:  # an extension ('u-...') or private use ('x-...') follows
            break
        if len(subtag) == 4 and subtag.isalpha() and script is None and region is None:
            script = subtag.title()
        elif region is None and (
            (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit())
        ):
            region = subtag.upper()
    if script is None or region is None:
        from babel.core import get_global

        likely = get_global("likely_subtags")
        keys = [f"{language}_{subtag}" for subtag in (region, script) if subtag] + [language]
        parts: list[str] = next((likely[key].split("_") for key in keys if key in likely), [])
        if len(parts) == 3:
            script, region = script or parts[1], region or parts[2]
    family = _SCRIPT_FAMILIES.get(script or "")
    if family == TC_FAMILY and region in _HK_REGIONS:
        return HK_FAMILY
    return family


def builtin_stack(lang: str, document: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The bundled families for text in `lang`, first choice first: the face of the language's script
    (a CJK face before the Latin one, so the Latin face never draws the CJK text's punctuation and
    quotation marks), the Latin face, then every other face for characters of other scripts. Han
    characters in other text take the face of the document's first CJK language, then its fallbacks."""
    own = language_family(lang)
    if own in _HAN_FALLBACK:
        return (own, LATIN_FAMILY, *_HAN_FALLBACK[own], *_OTHER_SCRIPTS)
    quoted = [language_family(other) for other in document]
    cjk = [family for family in quoted if family in _HAN_FALLBACK]
    if cjk:
        cjk.extend(_HAN_FALLBACK[cjk[0]])
    first = (own,) if own else ()
    return tuple(dict.fromkeys((*first, LATIN_FAMILY, *cjk, *_CJK_ORDER, *_OTHER_SCRIPTS)))


DRAWN_AS_NOTHING = frozenset("\u034f\u061c\u200b\u200c\u200d\u200e\u200f\u2060\u2066\u2067\u2068\u2069")
"""Invisible characters text shaping draws as no glyph in any font (the combining grapheme joiner, the
bidi marks and isolates right-to-left text needs, zero-width spaces, joiners and non-joiners): no font
needs to have them. Variation selectors are not among them: they choose a glyph the font must have."""

SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
"""The variation selectors as a regular expression class: standardized (VS1-VS16) and ideographic
(VS17-VS256)."""
_SEQUENCE = re.compile(f"([^{SELECTORS}]?)([{SELECTORS}])")


def is_selector(char: str) -> bool:
    """Whether `char` is a variation selector."""
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def is_ideograph(char: str) -> bool:
    """Whether `char` is a CJK unified or compatibility ideograph: what ideographic variation sequences are
    registered for."""
    return unicodedata.name(char, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))


def check_coverage(communique: Communique, fonts: FontSet, strict: bool = False) -> tuple[str, ...]:
    """Raise FontError naming every character that no font of its language's stack can draw; return a
    warning for each variation sequence of an ideograph the font that draws the ideograph does not
    register (it is drawn as the ideograph alone), an error too under `strict`.

    A family covers a character only if every one of its faces does, so bold text is safe too. A variation
    selector is checked with the character before it, as a sequence, in the font that draws that character
    (text shaping never changes fonts for a selector): one after anything but an ideograph, or alone, that
    the font does not register is an error (emoji-style selectors U+FE0E/U+FE0F have no bundled font).
    """
    checked: dict[tuple[str, str], str | None] = {}

    def drawn_by(char: str, lang: str) -> str | None:
        """The family that draws `char` in `lang` text: the first of the stack that has it."""
        if (char, lang) not in checked:  # a long document repeats its characters many times
            checked[char, lang] = next(
                (family for family in fonts.stack(lang, communique.languages) if fonts.draws(family, char)),
                None,
            )
        return checked[char, lang]

    problems, warnings = [], []
    alone: dict[str, set[str]] = {}  # family -> the characters it draws somewhere without a selector
    sequences: dict[str, dict[str, Text]] = {}  # family -> the sequences it draws as registered
    for lang, text in communique.entries():
        for char in set(_SEQUENCE.sub("", text.value)):
            if family := drawn_by(char, lang):
                alone.setdefault(family, set()).add(char)
        for char in dict.fromkeys(text.value):
            if char in "\n\t" or char in DRAWN_AS_NOTHING or is_selector(char) or drawn_by(char, lang):
                continue
            name = unicodedata.name(char, "unnamed character")
            problems.append(
                FontError(
                    f"character '{char}' (U+{ord(char):04X} {name}) in the '{lang}' text is not in the "
                    f"project's fonts ({', '.join(fonts.stack(lang))})",
                    text.locate(char),
                    "replace the character, or add a font that has it (README: 'Adding a font')",
                )
            )
        for base, selector in dict.fromkeys(_SEQUENCE.findall(text.value)):
            visible = bool(base.strip()) and base not in DRAWN_AS_NOTHING
            family = drawn_by(base, lang) if visible else None
            if family and fonts.draws(family, base + selector):
                sequences.setdefault(family, {}).setdefault(base + selector, text)
                continue
            if visible and family is None:
                continue  # the base is reported above
            stack = fonts.stack(lang, communique.languages)
            registering = [other for other in stack if fonts.draws(other, base + selector)]
            problem = _unregistered(base + selector, lang, family, registering, text.locate(base + selector))
            if family and is_ideograph(base) and not strict:
                warnings.append(str(problem))
            else:
                problems.append(problem)
    for family, drawn in sequences.items():
        for problem in _sharing_a_glyph(family, drawn, alone.get(family, set()), fonts):
            if strict:
                problems.append(problem)
            else:
                warnings.append(str(problem))
    if problems:
        raise ErrorList(problems)
    return tuple(warnings)


def _sharing_a_glyph(
    family: str, sequences: dict[str, Text], alone: set[str], fonts: FontSet
) -> Iterator[FontError]:
    """A problem for each character `family` draws with one glyph both alone and in a variation sequence,
    or in several (its registered default form): a PDF gives a glyph one text, so the text layer would
    give back the same for all of them."""
    bases = [sequence[0] for sequence in sequences]
    same: dict[str, list[str]] = {}
    for sequence in sequences:
        base = sequence[0]
        if (base in alone or bases.count(base) > 1) and all(
            sequence in face.sequences_drawn_as_base for face in fonts.members(family)
        ):
            same.setdefault(base, []).append(sequence)
    for base, shared in same.items():
        written = ([f"'{base}' alone"] if base in alone else []) + [
            f"'{base}' + U+{ord(sequence[1]):04X}" for sequence in shared
        ]
        if len(written) > 1:
            yield FontError(
                f"{' and '.join(written)} are drawn by {family} with one glyph: a PDF gives each glyph one "
                "text, so the text layer gives back the same for all of them",
                sequences[shared[0]].locate(shared[0]),
                f"write '{base}' one way throughout this document (its printed form is the same)",
            )


def _unregistered(
    sequence: str, lang: str, family: str | None, registering: list[str], location: SourceLocation
) -> FontError:
    """The problem of a variation selector that `family`, the family drawing the character before it,
    does not draw as a sequence with it (`registering` would); the selector alone if `family` is None."""
    base, selector = sequence[:-1], sequence[-1]
    code = f"U+{ord(selector):04X} {unicodedata.name(selector, 'VARIATION SELECTOR')}"
    if not family:
        where = f"after U+{ord(base):04X} {unicodedata.name(base, '')}".rstrip() if base else "alone"
        return FontError(
            f"character {code} stands {where} in the '{lang}' text",
            location,
            "a variation selector chooses a registered form of the ideograph before it: remove it",
        )
    if is_ideograph(base):
        return FontError(
            f"variation sequence '{base}' (U+{ord(base):04X}) + {code} in the '{lang}' text is not "
            f"registered in {family}, which draws '{base}': it is drawn as '{base}' alone, and the selector "
            "is not in the text layer",
            location,
            (
                f"{', '.join(registering)} registers it: put it first in font_order for '{lang}'"
                if registering
                else "use a selector the font registers, or add a font that registers the sequence "
                "(README: 'Adding a font')"
            ),
        )
    return FontError(
        f"character {code} after '{base}' (U+{ord(base):04X}) in the '{lang}' text: {family}, which "
        f"draws '{base}', registers no such variation sequence",
        location,
        "remove the selector: variation sequences are drawn for ideographs and the few characters a "
        "font registers them for (emoji-style selectors U+FE0E/U+FE0F have no bundled font)",
    )
