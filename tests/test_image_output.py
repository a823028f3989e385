"""`build --format png|svg`: page images for review and docs, from the command line and from Python."""

from __future__ import annotations

import math
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from conftest import LAYOUT_NAMES, SEED, run_cli
from pdftools import page_images
from PIL import Image, ImageChops

import communique

A4_POINTS = (595.28, 841.89)


def test_png_pages_are_the_pdf_pages_drawn_named_by_page_with_nothing_else_written(
    tmp_path: Path, seed_pdf: Path
) -> None:
    result = run_cli("build", str(SEED), "--format", "png", "--dpi", "50", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    names = ["tokyo-helsinki-2023-1.png", "tokyo-helsinki-2023-2.png"]
    assert result.stdout.splitlines() == [f"wrote {tmp_path / name}" for name in names]
    assert sorted(path.name for path in tmp_path.iterdir()) == names  # no PDF, no manifest
    for name, expected in zip(names, page_images(seed_pdf, 50), strict=True):
        with Image.open(tmp_path / name) as image:
            assert image.size == (math.ceil(A4_POINTS[0] * 50 / 72), math.ceil(A4_POINTS[1] * 50 / 72))
            assert ImageChops.difference(image.convert("RGB"), expected).getbbox() is None


def test_chosen_pages_at_a_chosen_resolution_are_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = run_cli(
            "build", str(SEED), "--format", "png", "--pages", "2", "--dpi", "150", "--out", str(out)
        )
        assert result.returncode == 0, result.stderr
    assert [path.name for path in first.iterdir()] == ["tokyo-helsinki-2023-2.png"]
    image = first / "tokyo-helsinki-2023-2.png"
    with Image.open(image) as opened:
        assert opened.size == (math.ceil(A4_POINTS[0] * 150 / 72), math.ceil(A4_POINTS[1] * 150 / 72))
    assert image.read_bytes() == (second / image.name).read_bytes()


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_svg_pages_in_every_layout_are_page_sized_svg(tmp_path: Path, layout: str) -> None:
    result = run_cli(
        "build", str(SEED), "--format", "svg", "--layout", layout, "--pages", "1", "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    [svg] = list(tmp_path.iterdir())
    assert svg.name == "tokyo-helsinki-2023-1.svg"
    root = ElementTree.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width", "").startswith("595.2") and root.get("height", "").startswith("841.8")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}use")) > 200  # the glyphs drawn


def test_all_pages_again_removes_pages_the_document_no_longer_has(tmp_path: Path) -> None:
    stale = tmp_path / "tokyo-helsinki-2023-3.png"
    other = tmp_path / "tokyo-helsinki-2023-notes.png"
    for path in (stale, other):
        path.write_bytes(b"old")
    assert (
        run_cli("build", str(SEED), "--format", "png", "--pages", "1", "--out", str(tmp_path)).returncode == 0
    )
    assert stale.exists()  # a chosen page leaves the others alone
    assert (
        run_cli("build", str(SEED), "--format", "png", "--dpi", "20", "--out", str(tmp_path)).returncode == 0
    )
    assert not stale.exists()
    assert other.read_bytes() == b"old"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--format", "png", "--pages", "3"], "pages 3: the document has 2 pages"),
        (["--format", "png", "--pages", "2-1"], "runs backwards"),
        (["--format", "png", "--pages", "one"], "not a list of pages"),
        (["--format", "png", "--dpi", "0"], "give a whole number from 18 to 600"),
        (["--format", "gif"], "invalid choice: 'gif'"),
        (["--pages", "1"], "--pages is for page images"),
        (["--dpi", "150"], "--dpi is for page images"),
        (["--format", "png", "--archival"], "--archival is for PDF builds"),
        (["--format", "png", "--report", "json"], "--report is for PDF builds"),
    ],
)
def test_wrong_image_requests_are_usage_errors_that_write_nothing(
    tmp_path: Path, flags: list[str], message: str
) -> None:
    result = run_cli("build", str(SEED), *flags, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_data_error_writes_no_image_and_keeps_the_old_ones(tmp_path: Path) -> None:
    data = tmp_path / "x.yaml"
    shutil.copy(SEED, data)
    out = tmp_path / "out"
    assert run_cli("build", str(data), "--format", "png", "--dpi", "20", "--out", str(out)).returncode == 0
    kept = {path.name: path.read_bytes() for path in out.iterdir()}
    data.write_text(data.read_text(encoding="utf-8").replace("\ndate:", "\ndat e:", 1), encoding="utf-8")
    result = run_cli("build", str(data), "--format", "png", "--dpi", "30", "--out", str(out))
    assert result.returncode == 2
    assert "x.yaml:6:1: unknown key 'dat e'" in result.stderr
    assert {path.name: path.read_bytes() for path in out.iterdir()} == kept


def test_page_images_from_python(tmp_path: Path) -> None:
    result = communique.build(SEED, tmp_path, format="png", pages="2-", dpi=40)
    assert result.images == (tmp_path / "tokyo-helsinki-2023-2.png",)
    assert result.output == result.images[0]
    assert result.page_count == 2
    assert result.size == result.output.stat().st_size
    with pytest.raises(communique.UsageError, match="pages and dpi are for page images"):
        communique.build(SEED, tmp_path, pages="1")
    with pytest.raises(communique.UsageError, match="dpi must be a whole number"):
        communique.build(SEED, tmp_path, format="png", dpi="150")
    with pytest.raises(communique.UsageError, match="unknown image format 'jpeg'"):
        communique.build(SEED, tmp_path, format="jpeg")
    assert [path.name for path in tmp_path.iterdir()] == ["tokyo-helsinki-2023-2.png"]
