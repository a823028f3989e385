"""Bundled fonts: manifest integrity, @font-face only from fonts/, and the coverage check before rendering."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import FONTS, SEED, run_cli, write_data
from fontTools.ttLib import TTFont

from communique.errors import ErrorList
from communique.fonts import FontSet, check_coverage, faces
from communique.loader import load


def test_manifest_lists_every_font_file_with_its_hash_and_cmap() -> None:
    listed = faces(FONTS)
    assert {face.path.name for face in listed} == {path.name for path in FONTS.glob("*.[ot]tf")}
    for face in listed:
        assert hashlib.sha256(face.path.read_bytes()).hexdigest() == face.sha256, face.path.name
        assert set(TTFont(face.path, lazy=True).getBestCmap()) == face.code_points(), face.path.name


def test_japanese_face_has_regular_and_bold_and_the_jis_repertoire() -> None:
    japanese = [face for face in faces(FONTS) if face.family == "Communique Serif JP"]
    assert sorted(face.weight for face in japanese) == [400, 700]
    jis_x_0208_sample = "亜唖娃阿哀愛挨姶逢葵茜穐悪握渥旭葦芦鯵梓圧斡扱宛姐虻飴絢綾鮎或粟袷安庵按暗案闇鞍杏"
    jis_x_0213_sample = "俱剝𠮟吞噓姸屛幷瘦繫"  # includes plane-2 / non-BMP kanji of JIS X 0213
    latin_greek_cyrillic = "AzÀÿŒœ€ΑΩαωАЯая"
    for face in japanese:
        points = face.code_points()
        for char in jis_x_0208_sample + jis_x_0213_sample + latin_greek_cyrillic:
            assert ord(char) in points, f"{char} missing from {face.path.name}"
        assert len(points) > 13000


def test_font_css_loads_only_bundled_files() -> None:
    css = FontSet(faces(FONTS)).face_css(("ja", "en"))
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert len(urls) == len(faces(FONTS))
    assert all(url.startswith(FONTS.resolve().as_uri() + "/") for url in urls)
    assert "local(" not in css


def test_character_without_a_glyph_is_located(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace("共に努力していく", "共に努力😀していく")
    path = write_data(tmp_path, text)
    with pytest.raises(ErrorList) as caught:
        check_coverage(load(path), FontSet(faces(FONTS)))
    (problem,) = caught.value.problems
    line = next(number for number, content in enumerate(text.splitlines(), 1) if "😀" in content)
    column = text.splitlines()[line - 1].index("😀") + 1
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (line, column)
    assert "U+1F600" in str(problem) and "GRINNING FACE" in str(problem) and "'ja'" in str(problem)


def test_missing_glyph_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8").replace("en: Koike Yuriko", "en: Koike Yuriko ☃︎")
    path = write_data(tmp_path, text, "snow.yaml")
    out = tmp_path / "out"
    result = run_cli("build", str(path), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert "U+FE0E" in result.stderr or "U+2603" in result.stderr
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: character", result.stderr)
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())
