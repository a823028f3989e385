"""Rebuild the bundled fonts in fonts/ from Debian's font packages.

Usage: python tools/make_fonts.py [DEB_DIR]

Downloads (or takes from DEB_DIR) the pinned `fonts-noto-cjk`, `fonts-noto-core` and `unicode-data`
packages and writes into src/communique/data/fonts/:

- one face per CJK region from Debian's Noto Serif CJK collections (Regular and Bold), each subset to a
  stated repertoire (below) with the OpenType features layouts use, drawn with the region's glyph forms:
  JP (JIS X 0208 + JIS X 0213 + CP932 vendor kanji, and the face's variation sequences: below), SC
  (GB 2312 + the Table of General Standard Chinese Characters), TC (Big5 symbols and level-1 hanzi), HK
  (the TC repertoire plus the List of Graphemes of Commonly-Used Chinese Characters) and KR (KS X 1001
  and all 11,172 Hangul syllables); each also has Latin, Greek, Cyrillic, kana and the common symbol, CJK
  punctuation and fullwidth blocks;
- Noto Serif Thai, Noto Naskh Arabic and Noto Serif Hebrew (Regular and Bold), copied whole: each holds
  only its script and the few shared characters its shaping needs (space, no-break space, ZWJ/ZWNJ,
  dotted circle, ...), with every OpenType layout table, so subsetting would save 1-10 KB a file; a face
  that draws U+00A0 with its space glyph (Noto Naskh Arabic) gets a glyph of its own for it;
- Noto Serif for Latin text, copied;
- fonts/manifest.json (file, family, weight, style, source package and version, sha256, unicode ranges,
  variation sequences).

The Japanese face keeps the source face's variation sequences (cmap format 14, 14,785 of them): the
Adobe-Japan1 ideographic variation sequences (U+E0100-U+E010E after an ideograph: 葛 + U+E0100 is 葛飾区's
form, 辻 + U+E0101 registered as its default glyph) and the standardized ones (U+FE00/U+FE01 after the unified
form of a compatibility ideograph, or after fullwidth punctuation), with their 1,378 glyphs, and every
character a sequence is registered for: 254 ideographs beyond JIS X 0213 and CP932, 𠮷 U+20BB7 among them,
the forms of names the Adobe-Japan1 collection was made for. Of JIS X 0213:2004 the source face lacks 250
characters: 247 Latin, Greek, Cyrillic and IPA letters and marks, which the Latin face draws in Japanese
text (it follows the Japanese face in the font stack and has them all), and ≒ U+2252 and ⦅⦆ U+2985/U+2986,
which no face of the packages but Noto Sans Math has: they are added to the Japanese faces (⦅⦆ as copies of
the fullwidth ｟｠ the JIS X 0213 mappings also use, ≒ drawn from the face's own fullwidth ＝ with two round
dots).

The output depends only on the pinned packages: a subset keeps its source's timestamps (head.created and
head.modified), so running the tool again writes the same bytes.

The repertoires that are not derivable from Python's codecs (the Table of General Standard Chinese
Characters, Hong Kong's list of commonly-used characters) come from Unihan (kTGH, kHKGlyph) in the
pinned `unicode-data` package; nothing of it is bundled.
"""

from __future__ import annotations

import bz2
import contextlib
import copy
import hashlib
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.pens.basePen import BasePen
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.recordingPen import RecordingPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTCollection, TTFont

FONTS_DIR = Path(__file__).resolve().parent.parent / "src" / "communique" / "data" / "fonts"
PACKAGES = {
    "fonts-noto-cjk": "1:20220127+repack1-1",
    "fonts-noto-core": "20201225-1",
    "unicode-data": "15.0.0-1",
}
LATIN_FAMILY = "Communique Serif"
CJK_COLLECTIONS = [("NotoSerifCJK-Regular.ttc", "Regular", 400), ("NotoSerifCJK-Bold.ttc", "Bold", 700)]
LATIN_FACES = [
    ("NotoSerif-Regular.ttf", 400, "normal"),
    ("NotoSerif-Bold.ttf", 700, "normal"),
    ("NotoSerif-Italic.ttf", 400, "italic"),
    ("NotoSerif-BoldItalic.ttf", 700, "italic"),
]
# OpenType features kept: shaping, kerning, proportional and half-width punctuation (palt, halt, and
# their vertical forms for future vertical layouts). Alternate-glyph features (aalt, locl for other
# regions, jp78, fwid, ...) are dropped: they pull in thousands of glyphs no layout uses. Without locl,
# each face draws every character in its own region's form whatever the text's language.
LAYOUT_FEATURES = [
    "ccmp",
    "kern",
    "palt",
    "halt",
    "vkrn",
    "vpal",
    "vhal",
    "vert",
    "vrt2",
    "mark",
    "mkmk",
    "liga",
]
# Unicode blocks kept whole (as far as the font covers them) in every CJK face, besides its repertoire.
EXTRA_BLOCKS = [
    (0x0020, 0x024F),
    (0x0250, 0x02FF),
    (0x0300, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x2070, 0x209F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
    (0x2150, 0x218F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x2300, 0x23FF),
    (0x2460, 0x24FF),
    (0x2500, 0x259F),
    (0x25A0, 0x25FF),
    (0x2600, 0x26FF),
    (0x2700, 0x27BF),
    (0x3000, 0x303F),
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3200, 0x32FF),
    (0x3300, 0x33FF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
]
BIG5_TRAILS = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
EUC_ROWS = range(0xA1, 0xFF)
HARFBUZZ_REPACKER = "fontTools.ttLib.tables.otBase:USE_HARFBUZZ_REPACKER"
SELECTORS = frozenset([*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])
"""The variation selectors: standardized (VS1-VS16) and ideographic (VS17-VS256)."""


def decoded(codec: str, codes: Iterable[bytes]) -> set[int]:
    """The code points the byte sequences `codes` decode to in `codec` (undefined ones skipped)."""
    points: set[int] = set()
    for raw in codes:
        with contextlib.suppress(UnicodeDecodeError):
            points.update(map(ord, raw.decode(codec)))
    return points


def double_bytes(leads: Iterable[int], trails: Iterable[int], last: int = 0xFFFF) -> list[bytes]:
    """Every two-byte code lead-trail up to `last`."""
    trails = list(trails)
    return [bytes([lead, trail]) for lead in leads for trail in trails if lead << 8 | trail <= last]


def unihan(share: Path, field: str) -> dict[int, str]:
    """One Unihan field (e.g. kTGH) from the unicode-data package: code point -> value."""
    values: dict[int, str] = {}
    for path in sorted((share / "unicode").glob("Unihan_*.txt.bz2")):
        with bz2.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("U+"):
                    point, name, value = line.rstrip("\n").split("\t", 2)
                    if name == field:
                        values[int(point[2:], 16)] = value
    if not values:
        raise SystemExit(f"no Unihan field {field} in {share / 'unicode'}")
    return values


def jis_repertoire(share: Path) -> set[int]:
    """Every code point of JIS X 0208 and JIS X 0213 (both planes), plus CP932 vendor extensions."""
    euc = [raw for code in double_bytes(EUC_ROWS, EUC_ROWS) for raw in (code, b"\x8f" + code)]
    cp932 = double_bytes([*range(0x81, 0xA0), *range(0xE0, 0xFD)], range(0x40, 0xFD))
    return decoded("euc_jis_2004", euc) | decoded("cp932", cp932)


def gb_repertoire(share: Path) -> set[int]:
    """GB 2312 (6,763 hanzi, 682 symbols, pinyin and zhuyin letters, kana, Greek, Cyrillic) and the whole
    Table of General Standard Chinese Characters (通用规范汉字表, 2013: 8,105 hanzi in three levels)."""
    return decoded("gb2312", double_bytes(range(0xA1, 0xF8), EUC_ROWS)) | set(unihan(share, "kTGH"))


def big5_repertoire(share: Path) -> set[int]:
    """Big5's symbols (A140-A3BF) and its 5,401 level-1 (common) hanzi (A440-C67E)."""
    symbols = double_bytes(range(0xA1, 0xA4), BIG5_TRAILS, last=0xA3BF)
    common = double_bytes(range(0xA4, 0xC7), BIG5_TRAILS, last=0xC67E)
    return decoded("big5", symbols + common)


def hk_repertoire(share: Path) -> set[int]:
    """The TC repertoire (read as Big5-HKSCS) and Hong Kong's List of Graphemes of Commonly-Used Chinese
    Characters (常用字字形表, 4,823 characters; 84 not in Big5 level 1, 51 of them HKSCS)."""
    symbols = double_bytes(range(0xA1, 0xA4), BIG5_TRAILS, last=0xA3BF)
    common = double_bytes(range(0xA4, 0xC7), BIG5_TRAILS, last=0xC67E)
    return decoded("big5hkscs", symbols + common) | set(unihan(share, "kHKGlyph"))


def ks_repertoire(share: Path) -> set[int]:
    """KS X 1001 (2,350 Hangul syllables, 4,888 Hanja, symbols), all 11,172 modern Hangul syllables and
    the Hangul compatibility jamo."""
    return (
        decoded("euc_kr", double_bytes(EUC_ROWS, EUC_ROWS))
        | set(range(0xAC00, 0xD7A4))
        | set(range(0x3131, 0x318F))
    )


def add_jis_symbols(path: Path) -> None:
    """Give the Japanese subset at `path` the three JIS X 0213 symbols its source lacks: ⦅⦆ (1-2-54/55)
    as copies of the fullwidth ｟｠ glyphs, and ≒ (JIS X 0208 1-2-82) as the face's fullwidth ＝ with a
    round dot above its left end and one below its right end (spaced as Noto Sans Math spaces them, dots
    1.7 and gaps 1.06 bar widths), so that it has the weight of the face it is in."""
    font = TTFont(str(path), recalcTimestamp=False)
    cmap = font.getBestCmap()
    for copy_of, point in ((0xFF5F, 0x2985), (0xFF60, 0x2986)):
        original = font["CFF "].cff.topDictIndex[0].CharStrings[cmap[copy_of]]
        append_glyph(font, cmap[copy_of], point, lambda pen, original=original: original.draw(pen))
    equals = cmap[0xFF1D]
    bars = RecordingPen()
    font.getGlyphSet()[equals].draw(bars)
    bounds = BoundsPen(None)
    bars.replay(bounds)
    left, bottom, right, top = bounds.bounds
    first_bar = BoundsPen(None)  # the first contour: one of the two bars
    for operator, points in itertools.takewhile(lambda step: step[0] != "closePath", bars.value):
        getattr(first_bar, operator)(*points)
    bar = first_bar.bounds[3] - first_bar.bounds[1]
    radius, gap = 0.85 * bar, 1.06 * bar

    def nearly_equals(pen: BasePen) -> None:
        bars.replay(pen)
        draw_dot(pen, left + radius, top + gap + radius, radius)
        draw_dot(pen, right - radius, bottom - gap - radius, radius)

    append_glyph(font, equals, 0x2252, nearly_equals)
    font.save(str(path))


def draw_dot(pen: BasePen, x: float, y: float, radius: float) -> None:
    """A round dot centred on (x, y), counter-clockwise as CFF outlines are."""
    k = 0.5523 * radius  # the cubic Bézier approximation of a quarter circle
    pen.moveTo((x + radius, y))
    pen.curveTo((x + radius, y + k), (x + k, y + radius), (x, y + radius))
    pen.curveTo((x - k, y + radius), (x - radius, y + k), (x - radius, y))
    pen.curveTo((x - radius, y - k), (x - k, y - radius), (x, y - radius))
    pen.curveTo((x + k, y - radius), (x + radius, y - k), (x + radius, y))
    pen.closePath()


def append_glyph(font: TTFont, like: str, point: int, draw: Callable[[BasePen], None]) -> None:
    """Add a glyph drawn by `draw` for the character `point` to a CID-keyed font whose glyph n is CID n,
    as the next CID, with the advances and font dictionary of the glyph `like`."""
    cff = font["CFF "].cff
    top = cff.topDictIndex[0]
    charstrings = top.CharStrings
    _, font_dict = charstrings.getItemAndSelector(like)
    private = top.FDArray[font_dict].Private
    advance, _ = font["hmtx"][like]
    pen = T2CharStringPen(advance - private.nominalWidthX, None)
    draw(pen)
    charstring = pen.getCharString(private=private, globalSubrs=cff.GlobalSubrs)
    bounds = BoundsPen(None)
    charstring.draw(bounds)
    left, _, _, top_edge = bounds.bounds
    gid = len(font.getGlyphOrder())
    name = f"cid{gid:05d}"
    charstrings.charStringsIndex.append(charstring)
    charstrings.charStrings[name] = gid
    top.FDSelect.append(font_dict)
    top.charset = [*font.getGlyphOrder(), name]
    font.setGlyphOrder(list(top.charset))
    font["hmtx"][name] = (advance, round(left))
    if "vmtx" in font:
        origin = font["VORG"].defaultVertOriginY if "VORG" in font else font["vhea"].ascent
        font["vmtx"][name] = (font["vmtx"][like][0], round(origin - top_edge))
    for table in font["cmap"].tables:
        if table.isUnicode() and table.format in (4, 12):
            table.cmap[point] = name


@dataclass(frozen=True)
class CjkFace:
    """One region's face of the Noto Serif CJK collections."""

    region: str
    """As in the collection's face names ('Noto Serif CJK TC') and the file names ('...CJKtc...')."""
    repertoire_name: str
    repertoire: Callable[[Path], set[int]]
    extra_blocks: tuple[tuple[int, int], ...] = ()
    variation_sequences: bool = False
    """Keep the face's variation sequences (cmap format 14) and every character they are registered for."""
    complete: Callable[[Path], None] | None = None
    """Adds to the subset (Regular or Bold, at this path) what the source face lacks of the repertoire."""

    @property
    def family(self) -> str:
        return f"Communique Serif {self.region}"

    def file(self, style: str) -> str:
        return f"NotoSerifCJK{self.region.lower()}-{style}-{self.repertoire_name}.otf"


CJK_FACES = [
    CjkFace("JP", "JIS", jis_repertoire, variation_sequences=True, complete=add_jis_symbols),
    CjkFace("SC", "GB", gb_repertoire),
    CjkFace("TC", "Big5", big5_repertoire, ((0x3100, 0x312F), (0x31A0, 0x31BF))),  # with Bopomofo
    CjkFace("HK", "HK", hk_repertoire, ((0x3100, 0x312F), (0x31A0, 0x31BF))),
    CjkFace("KR", "KS", ks_repertoire),
]
SCRIPT_FACES = [
    # (file stem in fonts-noto-core, family)
    ("NotoSerifThai", "Communique Serif Thai"),
    ("NotoNaskhArabic", "Communique Naskh Arabic"),
    ("NotoSerifHebrew", "Communique Serif Hebrew"),
]


def fetch_packages(dest: Path) -> None:
    """Download the pinned Debian packages into dest and unpack them there."""
    for name, version in PACKAGES.items():
        subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=dest, check=True)
    for deb in dest.glob("*.deb"):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(dest / "root")], check=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unicode_ranges(path: Path) -> str:
    """The font's cmap as compact ranges, e.g. '0020-007E 00A0-00FF'; read by the coverage check."""
    return compact_ranges(TTFont(str(path), lazy=True).getBestCmap())


def variation_sequences(path: Path) -> dict[str, str]:
    """The font's variation sequences (cmap format 14): per selector, the characters it is registered
    after as compact ranges, e.g. {'E0100': '4E00-4E01 ...'}; read by the coverage check."""
    bases: dict[int, list[int]] = {}
    for table in TTFont(str(path), lazy=True)["cmap"].tables:
        if table.format == 14:
            for selector, entries in table.uvsDict.items():
                bases.setdefault(selector, []).extend(base for base, _ in entries)
    return {f"{selector:04X}": compact_ranges(points) for selector, points in sorted(bases.items())}


def compact_ranges(points: Iterable[int]) -> str:
    """Code points as ranges, e.g. '0020-007E 00A0-00FF'."""
    ranges: list[list[int]] = []
    for point in sorted(set(points)):
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return " ".join(f"{a:04X}" if a == b else f"{a:04X}-{b:04X}" for a, b in ranges)


def make_cjk(source: Path, target: Path, face: CjkFace, wanted: set[int]) -> None:
    """Extract one region's face of a Noto Serif CJK collection and subset it."""
    (font,) = (
        candidate
        for candidate in TTCollection(str(source), recalcTimestamp=False).fonts
        if candidate["name"].getDebugName(4).endswith(f" {face.region}")  # 'Noto Serif CJK TC', '... Bold'
        or f" {face.region} " in candidate["name"].getDebugName(4)
    )
    if face.variation_sequences:
        wanted = wanted | SELECTORS | sequence_bases(font)
    # fontTools packs GSUB and GPOS with HarfBuzz's repacker where uharfbuzz is installed, in other bytes
    # than its own packer's: the output must not depend on it (the bundled faces are packed by fontTools).
    font.cfg[HARFBUZZ_REPACKER] = False
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted & {*font.getBestCmap(), *SELECTORS}))
    subsetter.subset(font)
    font.save(str(target))
    renumber_cids(target)
    if face.complete:
        face.complete(target)


def sequence_bases(font: TTFont) -> set[int]:
    """Every character a variation sequence of the font (cmap format 14) is registered for."""
    return {
        base
        for table in font["cmap"].tables
        if table.format == 14
        for entries in table.uvsDict.values()
        for base, _ in entries
    }


def renumber_cids(path: Path) -> None:
    """Give glyph n the CID n, as in the unsubset font.

    Subsetting renumbers the glyphs but keeps each glyph's CID, so the CFF charset maps CID 10914 to
    glyph 2709, say. WeasyPrint writes glyph ids as CIDs (Identity-H), and a PDF reader that follows the
    charset (as ISO 32000 and PDF/A require) would then draw the wrong glyph or none. With CID == GID
    both readings agree.
    """
    font = TTFont(str(path), recalcTimestamp=False)  # nothing decompiled yet: every table gets the new names
    cff = font["CFF "].cff.topDictIndex[0]
    order = [".notdef", *(f"cid{gid:05d}" for gid in range(1, len(cff.charset)))]
    font.setGlyphOrder(order)
    strings = cff.CharStrings.charStrings
    cff.CharStrings.charStrings = dict(zip(order, strings.values(), strict=True))
    cff.charset = list(order)
    font.save(str(path))


def own_no_break_space(path: Path) -> None:
    """Give U+00A0 a glyph of its own (a copy of the space glyph) where the font maps it to the space glyph.

    A PDF maps each glyph to one character: drawn with the space glyph, a no-break space would copy as a
    space from the PDF, or every space of the font as a no-break space (see communique/whitespace.py).
    """
    font = TTFont(str(path), recalcTimestamp=False)
    cmap = font.getBestCmap()
    if cmap.get(0xA0) != cmap[0x20]:
        return
    space, glyph = cmap[0x20], "uni00A0"
    order = [*font.getGlyphOrder(), glyph]
    font["glyf"].glyphs[glyph] = copy.deepcopy(font["glyf"][space])
    font["hmtx"].metrics[glyph] = font["hmtx"].metrics[space]
    font.setGlyphOrder(order)
    font["glyf"].setGlyphOrder(order)
    for table in font["cmap"].tables:
        if table.isUnicode() and 0xA0 in table.cmap:
            table.cmap[0xA0] = glyph
    if "DSIG" in font:  # the signature no longer matches
        del font["DSIG"]
    font.save(str(path))


def main() -> None:
    work = Path(tempfile.mkdtemp())
    if len(sys.argv) > 1:
        for deb in Path(sys.argv[1]).glob("*.deb"):
            shutil.copy(deb, work)
        for deb in work.glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "root")], check=True)
    else:
        fetch_packages(work)
    share = work / "root/usr/share"
    entries = []
    for face in CJK_FACES:
        wanted = face.repertoire(share)
        for block_start, block_end in [*EXTRA_BLOCKS, *face.extra_blocks]:
            wanted.update(range(block_start, block_end + 1))
        for ttc, style, weight in CJK_COLLECTIONS:
            out = face.file(style)
            make_cjk(share / "fonts/opentype/noto" / ttc, FONTS_DIR / out, face, wanted)
            origin = f"{ttc} face {face.region}, {face.repertoire_name} subset"
            entries.append((out, face.family, weight, "normal", "fonts-noto-cjk", origin))
    for stem, family in SCRIPT_FACES:
        for style, weight in (("Regular", 400), ("Bold", 700)):
            ttf = f"{stem}-{style}.ttf"
            shutil.copy(share / "fonts/truetype/noto" / ttf, FONTS_DIR / ttf)
            own_no_break_space(FONTS_DIR / ttf)
            entries.append((ttf, family, weight, "normal", "fonts-noto-core", ttf))
    for ttf, weight, style in LATIN_FACES:
        shutil.copy(share / "fonts/truetype/noto" / ttf, FONTS_DIR / ttf)
        entries.append((ttf, LATIN_FAMILY, weight, style, "fonts-noto-core", ttf))
    shutil.copy(share / "doc/fonts-noto-cjk/copyright", FONTS_DIR / "LICENSE-noto-cjk.txt")
    shutil.copy(share / "doc/fonts-noto-core/copyright", FONTS_DIR / "LICENSE-noto-core.txt")
    manifest = {
        "license": "SIL Open Font License 1.1 (see LICENSE-*.txt)",
        "made_by": "tools/make_fonts.py",
        "fonts": [
            {
                "file": file,
                "family": family,
                "weight": weight,
                "style": style,
                "source_package": package,
                "source_version": PACKAGES[package],
                "source_file": origin,
                "sha256": sha256(FONTS_DIR / file),
                "unicode_ranges": unicode_ranges(FONTS_DIR / file),
            }
            | (
                {"variation_sequences": sequences}
                if (sequences := variation_sequences(FONTS_DIR / file))
                else {}
            )
            for file, family, weight, style, package, origin in entries
        ],
    }
    (FONTS_DIR / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
