"""Names in their registered forms (issue 20): JIS X 0213 in the bundled Japanese face, ideographic variation
sequences drawn with their registered glyphs and kept in the text layer, checked as sequences."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pypdf
import pytest
from conftest import FONTS, LAYOUT_NAMES, run_cli, write_data
from fontTools import subset
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from typography import extracted_text

from communique.errors import ErrorList
from communique.fonts import FontSet, check_coverage, faces
from communique.loader import load
from communique.model import BuildResult
from communique.pdf.fonts import font_descriptor, text_entries

KATSUSHIKA = "葛\U000e0100飾区"  # 葛 + VS17: the form of 葛飾区's name, another glyph than plain 葛
TSUJI = "辻\U000e0101"  # 辻 + VS18: registered as 辻's own glyph
YOSHIDA = "𠮷田"  # U+20BB7: outside JIS X 0213, an Adobe-Japan1 sequence's base
NAMES = (KATSUSHIKA, TSUJI, YOSHIDA, "髙橋", "﨑")
JP = "Communique Serif JP"

DOCUMENT = f"""\
id: variants
date: 2023-08-21
languages: [ja, en]
title:
  ja: {KATSUSHIKA}と{TSUJI}町の友好
  en: Friendship of Katsushika and Tsuji
parties:
  - key: katsushika
    name: {{ja: {KATSUSHIKA}, en: Katsushika City}}
    country: {{ja: 日本国, en: Japan}}
    signatories:
      - title: {{ja: 区長, en: Mayor}}
        name: {{ja: {YOSHIDA} 髙橋 﨑 {TSUJI}, en: Yoshida Takahashi Saki Tsuji}}
body:
  - ja: {KATSUSHIKA}の{YOSHIDA}と髙橋は、﨑の{TSUJI}で会った。葛飾区の字とは違う。
    en: Yoshida and Takahashi of\u3000{KATSUSHIKA} met at the crossroads of Saki.
accept:  # the English names the ward as Japanese does, after an ideographic space (set in the JP face)
  - {{kind: script, where: body 1, value: {KATSUSHIKA}, because: the test's name in the English text}}
"""


@pytest.fixture(scope="module")
def variant_pdfs(
    build_seed: Callable[..., BuildResult], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The document built under --strict in every layout, and as an archival copy."""
    source = write_data(tmp_path_factory.mktemp("variants"), DOCUMENT)
    built = {layout: build_seed(source, layout=layout, strict=True) for layout in LAYOUT_NAMES}
    built["archival"] = build_seed(source, strict=True, archival=True)
    assert not any(result.warnings for result in built.values())
    return {name: result.output for name, result in built.items()}


def line_of(path: Path, written: str) -> int:
    """The number of the line of the data file `path` that holds `written`."""
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if written in line)


def glyph_outlines(pdf: Path, family: str) -> dict[str, list[tuple[str, tuple[object, ...]]]]:
    """The outline of each glyph the regular face of `family` draws, by the text it copies as."""
    outlines = {}
    for page in pypdf.PdfReader(pdf).pages:
        for font in (reference.get_object() for reference in page["/Resources"]["/Font"].values()):
            if str(font["/BaseFont"]).partition("+")[2] != family.replace(" ", "-"):
                continue  # another family, or the Bold face
            descriptor = font_descriptor(font)
            program = descriptor.get("/FontFile3") or descriptor["/FontFile2"]
            face = TTFont(BytesIO(program.get_object().get_data()))
            glyphs, order = face.getGlyphSet(), face.getGlyphOrder()
            for cid, destination in text_entries(font["/ToUnicode"].get_object().get_data()):
                pen = RecordingPen()
                glyphs[order[cid]].draw(pen)
                outlines[bytes.fromhex(destination[1:-1].decode()).decode("utf-16-be")] = pen.value
    return outlines


@pytest.mark.parametrize("layout", [*LAYOUT_NAMES, "archival"])
@pytest.mark.parametrize("extractor", ["pdftotext", "pypdf", "pdfium"])
def test_names_copy_back_as_written_with_their_selectors(
    variant_pdfs: dict[str, Path], layout: str, extractor: str
) -> None:
    text = extracted_text(variant_pdfs[layout], extractor)
    for name in NAMES:
        assert text.count(name) >= 2, (name, extractor)  # the signatory's name, the body
    assert text.count(KATSUSHIKA) >= 3  # the title, both versions of the body
    assert "葛飾区の字" in text  # the plain character stays plain
    assert "\u25cc" not in text  # no selector shaped apart from its character (a dotted circle)


def test_a_registered_variant_is_drawn_with_its_own_glyph(variant_pdfs: dict[str, Path]) -> None:
    outlines = glyph_outlines(variant_pdfs["sequential"], JP)
    assert outlines[KATSUSHIKA[:2]] and outlines["葛"]
    assert outlines[KATSUSHIKA[:2]] != outlines["葛"]


def test_the_archival_copy_with_variants_verifies(variant_pdfs: dict[str, Path]) -> None:
    result = run_cli("verify", str(variant_pdfs["archival"]))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_japanese_faces_cover_jis_x_0213_and_register_the_adobe_japan1_sequences() -> None:
    fonts = FontSet(faces(FONTS))
    jis = set()
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            for code in (bytes([lead, trail]), bytes([0x8F, lead, trail])):
                with contextlib.suppress(UnicodeDecodeError):
                    jis.update(code.decode("euc_jis_2004"))
    assert len(jis) > 11000
    japanese = fonts.members(JP)
    assert len(japanese) == 2  # Regular and Bold
    latin_drawn = {char for char in jis if not fonts.draws(JP, char)}
    assert all(fonts.draws("Communique Serif", char) for char in latin_drawn)  # next in the ja stack
    assert len(latin_drawn) < 260 and all(not "\u3000" <= char <= "\U0002ffff" for char in latin_drawn)
    assert all(fonts.draws(JP, char) for char in "≒⦅⦆𠮷髙﨑")
    for face in japanese:
        tables = [table for table in TTFont(face.path, lazy=True)["cmap"].tables if table.format == 14]
        registered = {
            chr(base) + chr(selector)
            for table in tables
            for selector, entries in table.uvsDict.items()
            for base, _ in entries
        }
        assert len(registered) > 14000
        assert all(face.covers_sequence(*sequence) for sequence in registered)
        assert not face.covers_sequence("一", "\U000e0105")


def test_an_unregistered_sequence_warns_and_fails_a_strict_build(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    unregistered = "一\U000e0105"  # 一 has no VS22 in Adobe-Japan1 (checked above)
    path = write_data(
        tmp_path, DOCUMENT.replace("会った。", f"会った。{unregistered}つ。"), "unregistered.yaml"
    )
    built = build_seed(path)
    (warning,) = (warning for warning in built.warnings if "U+E0105" in warning)
    assert "'一' (U+4E00) + U+E0105 VARIATION SELECTOR-22" in warning and JP in warning
    assert f"{path}:{line_of(path, unregistered)}:" in warning
    assert "会った。一つ。" in extracted_text(built.output, "pdftotext")  # drawn as 一 alone, as it says
    out = tmp_path / "out"
    result = run_cli("build", str(path), "--out", str(out), "--strict")
    assert result.returncode == 1
    assert "U+E0105" in result.stderr and "'一'" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.glob("*.pdf"))
    validated = run_cli("validate", str(path))  # validation says it too, before any build
    assert validated.returncode == 0 and "U+E0105" in validated.stderr and "warning:" in validated.stderr


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("ab\ufe0fc", "U+FE0F VARIATION SELECTOR-16 after 'b' (U+0062)"),
        ("a \U000e0100b", "U+E0100 VARIATION SELECTOR-17 stands after U+0020 SPACE"),
    ],
)
def test_a_selector_after_no_ideograph_is_a_located_error(tmp_path: Path, written: str, said: str) -> None:
    path = write_data(tmp_path, DOCUMENT.replace("met at the", f"met {written} at the"))
    with pytest.raises(ErrorList) as caught:
        check_coverage(load(path), FontSet(faces(FONTS)))
    (problem,) = caught.value.problems
    assert said in problem.message
    assert problem.location is not None and problem.location.line == line_of(path, written)


def test_one_glyph_for_a_character_alone_and_in_a_sequence_is_a_warning(tmp_path: Path) -> None:
    """辻 + VS18 is registered as 辻's own glyph: a PDF cannot copy one glyph as two texts."""
    path = write_data(tmp_path, DOCUMENT.replace("会った。", "会った。辻も。"))
    (warning,) = check_coverage(load(path), FontSet(faces(FONTS)))
    assert "'辻' alone and '辻' + U+E0101 are drawn by Communique Serif JP with one glyph" in warning
    with pytest.raises(ErrorList):
        check_coverage(load(path), FontSet(faces(FONTS)), strict=True)


def test_a_project_font_draws_the_sequences_it_registers(
    build_seed: Callable[..., BuildResult], tmp_path: Path
) -> None:
    """A copy of the Japanese face cut to 辻, a space and 辻's VS17 glyph, registered there as 辻 + VS19."""
    face = TTFont(FONTS / "NotoSerifCJKjp-Regular-JIS.otf")
    options = subset.Options()
    options.layout_features = []
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[0x20, 0x8FBB, 0xE0100])
    cutter.subset(face)
    (sequences,) = (table for table in face["cmap"].tables if table.format == 14)
    sequences.uvsDict = {0xE0102: sequences.uvsDict[0xE0100]}
    (tmp_path / "fonts").mkdir()
    face.save(tmp_path / "fonts" / "Names.otf")
    (tmp_path / "communique.toml").write_text(
        '[[fonts]]\nfile = "fonts/Names.otf"\nfamily = "Office Names"\nlanguages = ["ja"]\n'
    )
    project_tsuji = "辻\U000e0102"
    source = write_data(
        tmp_path, DOCUMENT.replace(TSUJI, project_tsuji).replace("会った。", "会った。辻も。")
    )
    result = build_seed(source, strict=True)
    assert not result.warnings
    outlines = glyph_outlines(result.output, "Office Names")
    assert outlines[project_tsuji] != outlines["辻"]
    for extractor in ("pdftotext", "pypdf", "pdfium"):
        text = extracted_text(result.output, extractor)
        assert text.count(project_tsuji) >= 3 and "辻も" in text, extractor
