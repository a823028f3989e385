"""Page-image regression: the seed's pages compared with committed references, with a tolerance.

On a mismatch, actual/expected/diff PNGs are written to tests/output/. After an intended change of
the look, refresh the references with `UPDATE_GOLDEN=1 make test` and review them before committing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LAYOUT_NAMES, SEED
from pdftools import page_images
from PIL import Image, ImageChops, ImageStat

from communique.model import BuildResult

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
OUTPUT = HERE / "output"
DPI = 60
MAX_MEAN_DIFFERENCE = 0.6  # mean absolute difference per channel, 0-255
MAX_CHANGED_SHARE = 0.002  # share of pixels differing by more than a quarter of full scale


def differences(actual: Image.Image, expected: Image.Image) -> list[str]:
    """What makes `actual` differ from `expected` beyond the tolerance (empty when they match)."""
    if expected.size != actual.size:
        return [f"size {actual.size} != {expected.size}"]
    diff = ImageChops.difference(actual, expected)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    changed = diff.convert("L").point(lambda value: 255 if value > 64 else 0).histogram()[255]
    share = changed / (diff.width * diff.height)
    if mean > MAX_MEAN_DIFFERENCE or share > MAX_CHANGED_SHARE:
        return [f"mean difference {mean:.3f}, {share:.4%} of pixels changed"]
    return []


def compare(name: str, actual: Image.Image) -> None:
    """Assert `actual` matches the reference `name`; write actual/expected/diff PNGs when it does not."""
    expected_path = GOLDEN / f"{name}.png"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        actual.save(expected_path, optimize=True)
        return
    assert expected_path.exists(), f"no reference {expected_path}: run UPDATE_GOLDEN=1 make test and review"
    expected = Image.open(expected_path).convert("RGB")
    problems = differences(actual, expected)
    if problems:
        OUTPUT.mkdir(exist_ok=True)
        actual.save(OUTPUT / f"{name}-actual.png")
        expected.save(OUTPUT / f"{name}-expected.png")
        if expected.size == actual.size:
            ImageChops.invert(ImageChops.difference(actual, expected)).save(OUTPUT / f"{name}-diff.png")
        raise AssertionError(f"{name}: {'; '.join(problems)} (see {OUTPUT})")


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_seed_pages_look_as_approved(build_seed: Callable[..., BuildResult], layout: str) -> None:
    images = page_images(build_seed(SEED, layout=layout).output, DPI)
    if not os.environ.get("UPDATE_GOLDEN"):
        assert len(images) == len(list(GOLDEN.glob(f"{layout}-seed-p*.png"))), "page count changed"
    for number, image in enumerate(images, 1):
        compare(f"{layout}-seed-p{number}", image)


RIGHT_TO_LEFT = SEED.parent / "languages" / "ar-en.yaml"


@pytest.mark.parametrize("layout", ["sequential", "parallel"])
def test_right_to_left_pages_look_as_approved(build_seed: Callable[..., BuildResult], layout: str) -> None:
    """The Arabic version's first page (issue 12): right-aligned, justified, the closing and signature
    blocks mirrored; in the parallel layout the Arabic column on the right."""
    compare(f"{layout}-ar-en-p1", page_images(build_seed(RIGHT_TO_LEFT, layout=layout).output, DPI)[0])


def test_comparison_catches_a_small_shift(seed_pdf: Path) -> None:
    image = page_images(seed_pdf, DPI)[0]
    moved = Image.new("RGB", image.size, "white")
    moved.paste(image, (0, 5))  # the whole page 5 px (2 mm) lower
    assert differences(image, image) == []
    assert "pixels changed" in differences(moved, image)[0]
