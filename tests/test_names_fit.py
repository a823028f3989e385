"""A signatory's name wider than its signature column is set smaller, just enough to stay on one line
(issue 20), never below three quarters of its size; one that would need less keeps its break between its
parts; a hook that cannot read WeasyPrint's boxes says so (`--strict` fails).

The four-languages seed in the `parallel` layout (four columns of ~36 mm) has all three cases: names that
fit, 'Enkhtuya Ganbold' and '甘包勒德·恩赫图雅' that fit only smaller, and 'ガンボルド・エンフトゥヤ' (twelve
full-width characters at 12 pt in 102 pt: 71 %) that cannot fit at 75 %.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import ROOT, Composed
from pdftools import Glyph, compact, find_glyphs, page_glyphs

from communique.engine import names
from communique.errors import RenderError
from communique.loader import load
from communique.model import BuildResult

FOUR = ROOT / "seeds" / "languages" / "four-languages.yaml"
SHRUNK = {"en": {"Enkhtuya Ganbold"}, "zh-Hans": {"甘包勒德·恩赫图雅"}, "ja": set(), "ko": set()}
"""The names of the seed too wide for their column at their size, per language."""
TOO_WIDE = "ガンボルド・エンフトゥヤ"
"""The name of the seed too wide for its column even at 75 % of its size."""
BASELINE = 0.5
"""Points two glyphs' baselines may differ by and still be on one line."""


@pytest.fixture(scope="module")
def signed(composed: Composed) -> dict[str, dict[str, list[Glyph]]]:
    """Per language, each signatory's name in the seed's `parallel` PDF: the glyphs that draw it (a name
    written alike in another language, 藤田晴美 in Japanese and Chinese, is left out: it is either's)."""
    pages = page_glyphs(composed(FOUR, "parallel"))
    document = load(FOUR)
    written = {lang: {compact(name): name for name in document.person_names(lang)} for lang in SHRUNK}
    return {
        lang: {
            name: _drawn(pages, name)
            for key, name in own.items()
            if not any(key in written[other] for other in written if other != lang)
        }
        for lang, own in written.items()
    }


def _drawn(pages: list[list[Glyph]], name: str) -> list[Glyph]:
    """The glyphs of `name` on the last page that draws it (the signature blocks end the document)."""
    for glyphs in reversed(pages):
        if found := find_glyphs(glyphs, name):
            return found
    raise AssertionError(f"{name!r} is not drawn")


def _on_one_line(glyphs: list[Glyph]) -> bool:
    return max(glyph.y for glyph in glyphs) - min(glyph.y for glyph in glyphs) <= BASELINE


def _size(glyphs: list[Glyph]) -> float:
    sizes = {round(glyph.size, 2) for glyph in glyphs}
    assert len(sizes) == 1, sizes
    return sizes.pop()


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_a_name_wider_than_its_column_is_set_smaller_on_one_line(
    signed: dict[str, dict[str, list[Glyph]]], lang: str
) -> None:
    normal = {_size(glyphs) for name, glyphs in signed[lang].items() if name not in SHRUNK[lang]}
    assert len(normal) == 1, normal
    full = normal.pop()
    for name in SHRUNK[lang]:
        glyphs = signed[lang][name]
        assert _on_one_line(glyphs), f"{name!r} is broken"
        assert names.SMALLEST * full - 0.01 <= _size(glyphs) < full, (name, _size(glyphs), full)


def test_a_name_that_fits_keeps_its_size_and_its_line(signed: dict[str, dict[str, list[Glyph]]]) -> None:
    for lang, drawn in signed.items():
        fitting = {name: glyphs for name, glyphs in drawn.items() if name not in SHRUNK[lang] | {TOO_WIDE}}
        assert fitting
        assert all(_on_one_line(glyphs) for glyphs in fitting.values()), lang
        assert len({_size(glyphs) for glyphs in fitting.values()}) == 1, lang


def test_a_name_too_wide_even_at_three_quarters_breaks_between_its_parts_at_its_size(
    signed: dict[str, dict[str, list[Glyph]]],
) -> None:
    glyphs = signed["ja"][TOO_WIDE]
    part = TOO_WIDE.index("・") + 1
    head, tail = glyphs[:part], glyphs[part:]
    assert _on_one_line(head) and _on_one_line(tail)
    assert head[0].y - tail[0].y > BASELINE, "the name is not broken after its middle dot"
    others = [g for name, g in signed["ja"].items() if name != TOO_WIDE]
    assert _size(glyphs) == _size(others[0])


def test_a_hook_that_cannot_read_the_boxes_warns_and_fails_under_strict(
    build_seed: Callable[..., BuildResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where restyling a name's boxes fails as a renamed WeasyPrint internal would make it fail, the name
    keeps WeasyPrint's own break and the build says so (`--strict` fails)."""

    def renamed(*_args: object) -> None:
        raise AttributeError("'ComputedStyle' object has no attribute 'renamed_in_a_later_release'")

    monkeypatch.setattr(names, "_scaled", renamed)
    result = build_seed(FOUR, layout="parallel")
    assert any(warning.startswith("name fitting: ") for warning in result.warnings), result.warnings
    glyphs = _drawn(page_glyphs(result.output), "Enkhtuya Ganbold")
    assert not _on_one_line(glyphs)
    with pytest.raises(RenderError, match="name fitting: "):
        build_seed(FOUR, layout="parallel", strict=True)
