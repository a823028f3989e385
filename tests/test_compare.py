"""`communique compare OLD NEW`: what changed between two drafts, per version, as a redline PDF and JSON."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT, SEED, run_cli
from pdftools import Glyph, page_glyphs, page_images, page_texts

from communique.compare import DELETED, INSERTED, compare, pieces, tokens
from communique.errors import OutputError
from communique.loader import load
from communique.write import write_atomic

EPOCH = "1746144000"
NEW_PARAGRAPH_JA = "両都市は、二年後に再び会談することで合意した。"
NEW_PARAGRAPH_EN = "The two cities agreed to meet again in two years."


def _second_draft(text: str) -> str:
    """The seed as a negotiator's next draft: a date changed in both versions, a word in one version only,
    a block inserted, the last two blocks swapped, an office retitled."""
    text = text.replace("2023年8月21日、東京都知事", "2023年8月22日、東京都知事")
    text = text.replace("on August 21, 2023, at", "on August 22, 2023, at")
    text = text.replace("interaction among high school students", "exchanges among high school students")
    text = text.replace(
        "      efforts aimed at solving challenges common to both cities.\n",
        "      efforts aimed at solving challenges common to both cities.\n"
        f"  - ja: >-\n      {NEW_PARAGRAPH_JA}\n    en: >-\n      {NEW_PARAGRAPH_EN}\n",
    )
    body, rest = text.split("\n# The closing lines", 1)
    blocks = body.split("\n  - ja: >-\n")
    blocks[-2], blocks[-1] = blocks[-1].rstrip("\n") + "\n", blocks[-2].rstrip("\n")
    text = "\n  - ja: >-\n".join(blocks) + "\n\n# The closing lines" + rest
    return text.replace("en: Mayor of Helsinki", "en: Mayor of the City of Helsinki")


@pytest.fixture(scope="module")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("drafts")
    old, new = folder / "x-v1.yaml", folder / "x-v2.yaml"
    seed = SEED.read_text(encoding="utf-8")
    old.write_text(seed, encoding="utf-8")
    new.write_text(_second_draft(seed), encoding="utf-8")
    return old, new


@pytest.fixture(scope="module")
def redline(drafts: tuple[Path, Path]) -> Path:
    old, new = drafts
    out = new.parent / "out" / "x-redline.pdf"
    done = run_cli("compare", str(old), str(new), "--out", str(out), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert done.returncode == 0, done.stderr
    assert "ja: 1 changed, 1 inserted, 1 moved" in done.stdout, done.stdout
    assert "en: 1 changed, 1 inserted, 1 moved" in done.stdout
    return out


def test_units_of_change_follow_the_script() -> None:
    assert tokens("Signed in Helsinki.", "en") == ["Signed", " ", "in", " ", "Helsinki", "."]
    assert tokens("東京都知事によるヘルシンキ市訪問", "ja") == [
        "東京都知事に",
        "よる",
        "ヘルシンキ市訪問",
    ]  # BudouX
    assert tokens("การประชุม", "th") == ["ก", "า", "ร", "ป", "ร", "ะ", "ชุ", "ม"]
    changed = pieces("strengthen our ties", "deepen our ties", "en")
    assert [(piece.text, piece.change) for piece in changed] == [
        ("strengthen", DELETED),
        ("deepen", INSERTED),
        (" our ties", ""),
    ]


def test_blocks_align_across_insertions_moves_and_splits(drafts: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = drafts
    comparison = compare(load(old), load(new))
    kinds = [(change.kind, change.old_index, change.new_index) for change in comparison.blocks]
    # the swap of the last two blocks is one block moved (and changed in English on the way)
    assert kinds == [("changed", 1, 1), ("inserted", None, 2), ("moved", 4, 6)], kinds
    assert comparison.blocks[2].languages == ("en",)
    # a block split in two: one changed block and one inserted, never a deleted and two inserted
    seed = SEED.read_text(encoding="utf-8")
    first = "the city of Helsinki, a meeting was held\n      between Tokyo Governor"
    split = seed.replace(
        first, "the city of Helsinki, a meeting was held.\n  - ja: 追加。\n    en: Between Tokyo Governor"
    )
    (tmp_path / "split.yaml").write_text(split, encoding="utf-8")
    kinds = [
        (change.kind, change.old_index, change.new_index)
        for change in compare(load(SEED), load(tmp_path / "split.yaml")).blocks
    ]
    assert (
        kinds[0][0] == "changed"
        and ("inserted", None, 2) in kinds
        and not any(k[0] == "deleted" for k in kinds)
    ), kinds


def test_the_redline_shows_each_change_in_its_version(redline: Path) -> None:
    pages = page_texts(redline)
    assert len(pages) == 3
    assert pages[0].startswith("Redline: x-v1.yaml → x-v2.yaml")
    assert (
        "signatory 'helsinki-1' office (en): Mayor of Helsinki → Mayor of the City of Helsinki"
        in " ".join(pages[0].split())
    )
    japanese, english = ("".join(page.split()) for page in pages[1:])
    assert NEW_PARAGRAPH_JA in japanese
    assert "".join(NEW_PARAGRAPH_EN.split()) in english
    # deleted text stays readable where it stood, before what replaced it
    assert "interactionexchanges" in english
    assert "21" in english and "22" in english


def _tagged_changes(pdf: Path) -> list[str]:
    with pikepdf.open(pdf) as document:
        return [
            str(item.Alt)
            for item in document.objects
            if isinstance(item, pikepdf.Dictionary) and item.get("/Type") == "/StructElem" and "/Alt" in item
        ]


def test_a_screen_reader_hears_insertions_and_deletions(redline: Path) -> None:
    said = _tagged_changes(redline)
    assert f"inserted: {NEW_PARAGRAPH_JA}" in said
    assert f"inserted: {NEW_PARAGRAPH_EN}" in said
    assert "deleted: interaction" in said and "inserted: exchanges" in said
    assert said.count("deleted: interaction") == 1, "a change is said once, even across lines"
    assert any(item.startswith("moved: ") for item in said)
    done = run_cli("verify", str(redline))
    assert done.returncode == 0, done.stdout + done.stderr


def _ink_under(image: object, glyphs: list[Glyph], height: float, dpi: int, offset: float) -> float:
    """The share of pixels on a row `offset` × font size below (negative: above) the glyphs' baseline,
    from the first glyph's left to the last's right, that are not white."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    grey = image.convert("L")
    scale = dpi / 72
    size = glyphs[0].size
    y = round((height - glyphs[0].y + offset * size) * scale)
    left, right = round(glyphs[0].left * scale), round(glyphs[-1].right * scale)
    row = [grey.getpixel((x, y)) for x in range(left, right)]
    return sum(1 for value in row if value < 200) / len(row)


def test_changes_show_in_black_and_white(redline: Path) -> None:
    """Underline and strike-through, not colour alone: a greyscale print shows them."""
    dpi = 200
    glyphs = page_glyphs(redline)[2]
    image = page_images(redline, dpi)[2]
    height = image.size[1] * 72 / dpi
    text = "".join(glyph.char for glyph in glyphs)
    start = text.index("interactionexchanges")
    deleted, inserted = glyphs[start : start + 11], glyphs[start + 11 : start + 20]
    struck = max(_ink_under(image, deleted, height, dpi, offset) for offset in (-0.25, -0.28, -0.3, -0.33))
    assert struck > 0.9, struck
    underline = max(_ink_under(image, inserted, height, dpi, offset) for offset in (0.08, 0.1, 0.12, 0.15))
    assert underline > 0.9, underline
    plain = text.index("among")
    assert _ink_under(image, glyphs[plain : plain + 5], height, dpi, 0.1) < 0.3


def test_json_locates_every_change_in_both_files(drafts: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = drafts
    done = run_cli("compare", str(old), str(new), "--out", str(tmp_path / "r.pdf"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["versions"]["en"] == {"changed": 1, "inserted": 1, "deleted": 0, "moved": 1}
    first = report["blocks"][0]
    assert first["kind"] == "changed" and first["changed"] == ["ja", "en"]
    assert first["old"]["line"] == 60 and first["new"]["line"] == 60
    assert first["versions"]["en"] == {"inserted": ["22"], "deleted": ["21"]}
    inserted = report["blocks"][1]
    assert inserted["kind"] == "inserted" and inserted["old"] is None and inserted["new"]["line"] > 60
    one_sided = report["changed_in_one_version_only"]
    assert [(item["changed"], item["unchanged"]) for item in one_sided] == [(["en"], ["ja"])]
    assert {"field": "signatory 'helsinki-1' office", "lang": "en"}.items() <= report["fields"][0].items()
    assert (tmp_path / "r.pdf").exists()


def test_a_redline_is_reproducible(drafts: tuple[Path, Path], redline: Path, tmp_path: Path) -> None:
    old, new = drafts
    again = tmp_path / "again.pdf"
    done = run_cli("compare", str(old), str(new), "--out", str(again), env={"SOURCE_DATE_EPOCH": EPOCH})
    assert done.returncode == 0
    assert again.read_bytes() == redline.read_bytes()


def test_the_same_draft_twice_has_no_change(tmp_path: Path) -> None:
    done = run_cli("compare", str(SEED), str(SEED), "--out", str(tmp_path / "same.pdf"))
    assert done.returncode == 0 and "no changes" in done.stdout
    assert "The drafts are the same." in page_texts(tmp_path / "same.pdf")[0]


def test_a_bad_draft_is_a_located_error_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        SEED.read_text(encoding="utf-8").replace("date: 2023-08-21", "date: 2023-13-41"), encoding="utf-8"
    )
    out = tmp_path / "r.pdf"
    done = run_cli("compare", str(SEED), str(broken), "--out", str(out))
    assert done.returncode == run_cli("validate", str(broken)).returncode == 2
    assert f"{broken}:6:7:" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
    missing = run_cli("compare", str(tmp_path / "nothing.yaml"), str(SEED), "--out", str(out))
    assert missing.returncode != 0 and "nothing.yaml" in missing.stderr and "Traceback" not in missing.stderr
    assert not out.exists()


def test_the_readme_pictures_are_made_by_communique_from_the_committed_drafts(tmp_path: Path) -> None:
    done = subprocess.run(
        ["sh", "scripts/make-pictures.sh", sys.executable, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in ("draft-page.png", "redline-summary.png", "redline-page.png"):
        assert (tmp_path / name).read_bytes() == (ROOT / "docs" / "pictures" / name).read_bytes(), name
        assert f"docs/pictures/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_from_python(drafts: tuple[Path, Path], tmp_path: Path) -> None:
    import communique

    old, new = drafts
    (tmp_path / "communique.toml").write_text("[build]\narchival = true\nsignature_fields = true\n")
    comparison = communique.redline(old, new, tmp_path / "r.pdf", project=tmp_path)
    assert comparison.as_dict()["versions"]["ja"]["inserted"] == 1
    assert page_texts(tmp_path / "r.pdf")[0].startswith("Redline: x-v1.yaml → x-v2.yaml")
    assert [finding.kind for finding in communique.translation_check(new)] == []


PENDING = ROOT / "seeds" / "translation-pending.yaml"


def test_a_deleted_block_a_version_never_had_keeps_the_versions_side_by_side(tmp_path: Path) -> None:
    """translation-pending's last Japanese-only block (English pending): deleting it must not leave the
    parallel layout's columns with different numbers of blocks."""
    old = tmp_path / "old.yaml"
    old.write_text(PENDING.read_text(encoding="utf-8"), encoding="utf-8")
    data = load(old)
    last = next(block for block in reversed(data.instruments[0].body) if block.of("en") is None)
    lines = old.read_text(encoding="utf-8").splitlines(keepends=True)
    end = next(
        index
        for index in range(last.location.line, len(lines))
        if lines[index].startswith("  - ") or lines[index][:1].isalpha()
    )
    start = last.location.line - 1
    while not lines[start].startswith("  - "):
        start -= 1
    new = tmp_path / "new.yaml"
    new.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    for layout in ("parallel", "interleaved"):
        out = tmp_path / f"{layout}.pdf"
        done = run_cli("compare", str(old), str(new), "--layout", layout, "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert "ja: 1 deleted" in done.stdout


def test_a_paragraph_dropped_from_a_group_is_struck_whole(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(
        SEED.read_text(encoding="utf-8")
        .replace(
            "      Helsinki City Hall. As the world",
            "      Helsinki City Hall.\n    - The meeting lasted an hour.\n    - As the world",
        )
        .replace("    en: >-\n      On the occasion", "    en:\n    - >-\n      On the occasion"),
        encoding="utf-8",
    )
    new = tmp_path / "new.yaml"
    new.write_text(
        old.read_text(encoding="utf-8").replace("    - The meeting lasted an hour.\n", ""), encoding="utf-8"
    )
    comparison = compare(load(old), load(new))
    (change,) = comparison.blocks
    english = dict(change.pieces)["en"]
    assert [[(piece.text, piece.change) for piece in paragraph] for paragraph in english][1] == [
        ("The meeting lasted an hour.", DELETED)
    ]
    assert not any(piece.change for paragraph in (english[0], english[2]) for piece in paragraph)


def test_numbers_and_the_datas_own_spaces_stay_whole_in_a_redline(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    seed = SEED.read_text(encoding="utf-8").replace("東京都知事 小池百合子と", "東京都知事\u3000小池百合子と")
    old.write_text(seed, encoding="utf-8")
    new.write_text(seed.replace("2023年8月21日、東京都知事", "2023年8月22日、東京都知事"), encoding="utf-8")
    (change,) = compare(load(old), load(new)).blocks
    japanese = [(piece.text, piece.change) for piece in dict(change.pieces)["ja"][0] if piece.change]
    assert japanese == [("2023年8月21日、", DELETED), ("2023年8月22日、", INSERTED)]
    out = tmp_path / "r.pdf"
    assert run_cli("compare", str(old), str(new), "--out", str(out)).returncode == 0
    copied = "".join(page_texts(out)[1].split("\r\n"))
    assert "東京都知事\u3000小池百合子" in copied
    # the deleted date and the inserted one stand apart, on the page and when copied (they ran together)
    assert "2023年8月21日、 2023年8月22日、" in copied, copied[:200]


def test_the_redline_is_never_written_over_a_draft(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    for out in (old, tmp_path / "other.yaml"):
        done = run_cli("compare", str(old), str(SEED), "--out", str(out))
        assert done.returncode == 2 and "would be written over" in done.stderr
    assert old.read_text(encoding="utf-8") == SEED.read_text(encoding="utf-8")
    assert not (tmp_path / "other.yaml").exists()


def test_the_redline_never_replaces_a_pipe_or_a_link_and_goes_into_a_folder(tmp_path: Path) -> None:
    """`--out /dev/null` once turned the device into a PDF (as root): anything at --out that is not a
    regular file is refused, left as it was; a folder receives `<NEW's stem>-redline.pdf`."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "elsewhere.pdf")
    for out in (pipe, link):
        done = run_cli("compare", str(SEED), str(SEED), "--out", str(out))
        assert done.returncode == 2 and "cannot be written to" in done.stderr, done.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and link.is_symlink() and not link.exists()
    with pytest.raises(OutputError, match="not a regular file"):
        write_atomic(pipe, b"%PDF")
    folder = tmp_path / "redlines"
    folder.mkdir()
    for given in (str(folder), str(tmp_path / "new-folder") + "/"):
        done = run_cli("compare", str(SEED), str(SEED), "--out", given)
        assert done.returncode == 0, done.stderr
        assert (Path(given) / f"{SEED.stem}-redline.pdf").read_bytes().startswith(b"%PDF")


def test_a_changed_date_is_located_in_both_files(tmp_path: Path) -> None:
    new = tmp_path / "new.yaml"
    new.write_text(
        SEED.read_text(encoding="utf-8").replace("date: 2023-08-21", "date: 2023-08-22"), encoding="utf-8"
    )
    fields = compare(load(SEED), load(new)).as_dict()["fields"]
    assert fields[0] == {
        "field": "date",
        "lang": None,
        "old": "2023-08-21",
        "new": "2023-08-22",
        "old_at": {"file": str(SEED), "line": 6, "column": 7},
        "new_at": {"file": str(new), "line": 6, "column": 7},
    }


def test_instruments_reordered_or_removed_are_paired_by_title(tmp_path: Path) -> None:
    import yaml

    source = ROOT / "seeds" / "declaration-and-mou.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["date"] = str(data["date"])
    swapped, removed = tmp_path / "swapped.yaml", tmp_path / "removed.yaml"
    data["instruments"].reverse()
    swapped.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data["instruments"] = data["instruments"][1:]
    removed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reordered = compare(load(source), load(swapped))
    assert reordered.instrument_pairs == (1, 0) and not reordered.blocks
    assert reordered.summary() == "2 instruments reordered"
    dropped = compare(load(source), load(removed))
    assert dropped.instrument_pairs == (0,) and dropped.removed_instruments() == (1,)
    assert dropped.summary() == "1 instrument removed" and not dropped.blocks
    out = tmp_path / "r.pdf"
    assert run_cli("compare", str(source), str(removed), "--out", str(out)).returncode == 0
    assert "Instrument 2 of declaration-and-mou.yaml removed" in " ".join(page_texts(out)[0].split())


def test_a_rewritten_phrase_reads_old_then_new_and_thai_numbers_stay_whole() -> None:
    rewritten = pieces(
        "The Council shall, as a rule, meet twice a year.", "The Council may set up working groups.", "en"
    )
    assert [(piece.text, piece.change) for piece in rewritten] == [
        ("The Council ", ""),
        ("shall, as a rule, meet twice a year", DELETED),
        ("may set up working groups", INSERTED),
        (".", ""),
    ]
    thai = pieces("พ.ศ. 2555", "พ.ศ. 2556", "th")
    assert [(piece.text, piece.change) for piece in thai] == [
        ("พ.ศ. ", ""),
        ("2555", DELETED),
        ("2556", INSERTED),
    ]


def test_deleted_text_is_always_shown_where_it_stood(tmp_path: Path) -> None:
    """A translation withdrawn (the version pending again), a title line dropped, and a deleted block
    among replaced ones: each struck through in its place."""
    seed = SEED.read_text(encoding="utf-8")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(seed, encoding="utf-8")
    withdrawn = seed.replace(
        "    en: >-\n      The two leaders confirmed that the cities would work together",
        "    en_: >-\n      x",
    )
    assert withdrawn != seed
    body, rest = withdrawn.split("    en_: >-\n", 1)
    rest = rest.split("\n  - ja:", 1)[1]
    new.write_text(
        body.replace("    Of the City of Helsinki (Republic of Finland)\n", "")
        + "\n  - ja:"
        + rest
        + "pending:\n  en: The English translation of this paragraph is under review.\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.pdf"
    done = run_cli("compare", str(old), str(new), "--out", str(out))
    assert done.returncode == 0, done.stderr
    english = " ".join(" ".join(page_texts(out)[2:]).split())
    assert "Of the City of Helsinki (Republic of Finland)" in english  # the dropped title line, struck
    assert "The two leaders confirmed that the cities would work together" in english
    said = _tagged_changes(out)
    assert "deleted: Of the City of Helsinki (Republic of Finland)" in said
    assert any(item.startswith("deleted: The two leaders confirmed") for item in said)


def test_two_different_documents_are_said_to_be_so(tmp_path: Path) -> None:
    """A redline of two documents (not two drafts of one) marked everything as changed without a word."""
    other = ROOT / "seeds" / "languages" / "ar-en.yaml"
    done = run_cli("compare", str(SEED), str(other), "--out", str(tmp_path / "r.pdf"))
    assert done.returncode == 0 and "share no language" in done.stderr, done.stderr
    covenant = ROOT / "seeds" / "covenant-no-place.yaml"
    refused = run_cli("compare", str(SEED), str(covenant), "--strict", "--out", str(tmp_path / "s.pdf"))
    assert refused.returncode == 2 and "are not drafts of one document" in refused.stderr, refused.stderr
    assert not (tmp_path / "s.pdf").exists()


def test_a_right_to_left_replacement_stands_apart_too(tmp_path: Path) -> None:
    """The gap between a deletion and its insertion is on the inline start: a left margin put it on the far
    side of the inserted Arabic word, which still touched the deleted one and copied as one word."""
    source = ROOT / "seeds" / "languages" / "ar-en.yaml"
    old, new, out = tmp_path / "old.yaml", tmp_path / "new.yaml", tmp_path / "r.pdf"
    old.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    new.write_text(
        source.read_text(encoding="utf-8").replace("الصداقة الراسخة", "الصداقة المتينة"), encoding="utf-8"
    )
    assert run_cli("compare", str(old), str(new), "--out", str(out)).returncode == 0
    copied = " ".join(page_texts(out)[1].split())
    assert "الراسخة المتينة" in copied, copied[:200]
