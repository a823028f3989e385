"""Rebuild the bundled fonts in fonts/ from Debian's font packages.

Usage: python tools/make_fonts.py [DEB_DIR]

Downloads (or takes from DEB_DIR) the pinned `fonts-noto-cjk` and `fonts-noto-core` packages, extracts
the Japanese face of Noto Serif CJK (Regular and Bold) from Debian's TTC collections, subsets it to the
JIS X 0208 + JIS X 0213 repertoire (plus CP932 vendor kanji, Latin, Greek, Cyrillic and common symbol
blocks) with the OpenType features layouts use, copies Noto Serif for Latin text, and writes
fonts/manifest.json (file, family, weight, style, source package and version, sha256).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

FONTS_DIR = Path(__file__).resolve().parent.parent / "src" / "communique" / "data" / "fonts"
PACKAGES = {
    "fonts-noto-cjk": "1:20220127+repack1-1",
    "fonts-noto-core": "20201225-1",
}
CJK_FAMILY = "Communique Serif JP"
LATIN_FAMILY = "Communique Serif"
CJK_FACES = [
    ("NotoSerifCJK-Regular.ttc", "NotoSerifCJKjp-Regular-JIS.otf", 400),
    ("NotoSerifCJK-Bold.ttc", "NotoSerifCJKjp-Bold-JIS.otf", 700),
]
LATIN_FACES = [
    ("NotoSerif-Regular.ttf", 400, "normal"),
    ("NotoSerif-Bold.ttf", 700, "normal"),
    ("NotoSerif-Italic.ttf", 400, "italic"),
    ("NotoSerif-BoldItalic.ttf", 700, "italic"),
]
# OpenType features kept: shaping, kerning, proportional and half-width punctuation (palt, halt, and
# their vertical forms for future vertical layouts). Alternate-glyph features (aalt, locl for other
# regions, jp78, fwid, ...) are dropped: they pull in thousands of glyphs no layout uses.
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
# Unicode blocks kept whole (as far as the font covers them), besides the JIS repertoire.
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


def jis_repertoire() -> set[int]:
    """Every code point of JIS X 0208 and JIS X 0213 (both planes), plus CP932 vendor extensions."""
    points: set[int] = set()
    rows = range(0xA1, 0xFF)
    for lead in rows:
        for trail in rows:
            for raw in (bytes([lead, trail]), bytes([0x8F, lead, trail])):
                with contextlib.suppress(UnicodeDecodeError):
                    points.update(map(ord, raw.decode("euc_jis_2004")))
    for lead in [*range(0x81, 0xA0), *range(0xE0, 0xFD)]:
        for trail in range(0x40, 0xFD):
            with contextlib.suppress(UnicodeDecodeError):
                points.update(map(ord, bytes([lead, trail]).decode("cp932")))
    return points


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
    font = TTFont(str(path), lazy=True)
    points = sorted(font.getBestCmap())
    ranges: list[list[int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return " ".join(f"{a:04X}" if a == b else f"{a:04X}-{b:04X}" for a, b in ranges)


def make_cjk(source: Path, target: Path, wanted: set[int]) -> None:
    """Extract the JP face (index 0) of a Noto Serif CJK collection and subset it."""
    font = TTCollection(str(source)).fonts[0]
    assert "JP" in font["name"].getDebugName(4), "index 0 of the collection must be the JP face"
    options = subset.Options()
    options.layout_features = LAYOUT_FEATURES
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted & set(font.getBestCmap())))
    subsetter.subset(font)
    font.save(str(target))
    renumber_cids(target)


def renumber_cids(path: Path) -> None:
    """Give glyph n the CID n, as in the unsubset font.

    Subsetting renumbers the glyphs but keeps each glyph's CID, so the CFF charset maps CID 10914 to
    glyph 2709, say. WeasyPrint writes glyph ids as CIDs (Identity-H), and a PDF reader that follows the
    charset (as ISO 32000 and PDF/A require) would then draw the wrong glyph or none. With CID == GID
    both readings agree.
    """
    font = TTFont(str(path))  # nothing decompiled yet: every table picks up the new names
    cff = font["CFF "].cff.topDictIndex[0]
    order = [".notdef", *(f"cid{gid:05d}" for gid in range(1, len(cff.charset)))]
    font.setGlyphOrder(order)
    strings = cff.CharStrings.charStrings
    cff.CharStrings.charStrings = dict(zip(order, strings.values(), strict=True))
    cff.charset = list(order)
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
    wanted = jis_repertoire()
    for block_start, block_end in EXTRA_BLOCKS:
        wanted.update(range(block_start, block_end + 1))
    entries = []
    for ttc, out, weight in CJK_FACES:
        make_cjk(share / "fonts/opentype/noto" / ttc, FONTS_DIR / out, wanted)
        entries.append((out, CJK_FAMILY, weight, "normal", "fonts-noto-cjk", f"{ttc} face 0, JIS subset"))
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
            for file, family, weight, style, package, origin in entries
        ],
    }
    (FONTS_DIR / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
