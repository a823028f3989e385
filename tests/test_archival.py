"""Archival copies: PDF/A-3a accepted by every validator, the source inside, the same bytes on rebuild."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from conftest import LAYOUT_NAMES, SEED, run_cli, write_data
from pdftools import compact, language_texts
from PIL import Image
from test_layouts import with_images

from communique.errors import CommuniqueError
from communique.loader import load
from communique.model import BuildResult
from communique.pdf.archival import safe_target
from communique.pdf.verify import verify
from communique.typeset import typeset

DATES = re.compile(rb"D:\d{14}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|D:\d{14}[+-]\d\d'\d\d'")


@pytest.fixture(scope="module")
def archival(build_seed: Callable[..., BuildResult]) -> dict[str, Path]:
    """The seed built as an archival copy in every layout."""
    return {layout: build_seed(archival=True, layout=layout).output for layout in LAYOUT_NAMES}


@pytest.fixture(scope="module")
def from_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed built as an archival copy by `communique build --archival`, as a user would."""
    out = tmp_path_factory.mktemp("cli")
    result = run_cli("build", "--archival", str(SEED), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / "tokyo-helsinki-2023.pdf"


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_every_validator_accepts_the_archival_copy(archival: dict[str, Path], layout: str) -> None:
    report = verify(archival[layout])
    assert report.declared == "3A" and report.standards == ("PDF/A-3A", "PDF/UA-1")
    assert [result.passed for result in report.results] == [True, True, True, True], report
    assert [result.validator.split(" (")[0].split()[0] for result in report.results] == [
        "page-validation",
        "pikepdf.pdfa",
        "page-validation",
        "qpdf",
    ]
    assert report.results[2].validator.endswith("(PDF/UA-1)")


def test_verify_command_reports_each_validator(archival: dict[str, Path]) -> None:
    result = run_cli("verify", str(archival["sequential"]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid (PDF/A-3A, PDF/UA-1)" in result.stdout
    assert result.stdout.count("  pass  ") == 4
    machine = json.loads(run_cli("verify", str(archival["sequential"]), "--json").stdout)
    assert machine[0]["passed"] is True and machine[0]["declared"] == "PDF/A-3A"
    assert machine[0]["standards"] == ["PDF/A-3A", "PDF/UA-1"]
    assert [v["passed"] for v in machine[0]["validators"]] == [True, True, True, True]


def test_inspect_shows_the_archival_declaration_and_files(archival: dict[str, Path]) -> None:
    report = json.loads(run_cli("inspect", str(archival["parallel"]), "--json").stdout)
    assert report["pdfa"] == "PDF/A-3A" and report["tagged"] is True
    assert report["attachments"] == [
        {
            "name": "tokyo-helsinki-2023.yaml",
            "media_type": "application/yaml",
            "relationship": "Source",
            "bytes": len(SEED.read_bytes()),
        }
    ]


def test_archival_structure(archival: dict[str, Path]) -> None:
    with pikepdf.open(archival["sequential"]) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True and "/StructTreeRoot" in root
        intents = root.OutputIntents
        assert len(intents) == 1 and intents[0].S == "/GTS_PDFA1" and intents[0].DestOutputProfile.N == 3
        assert "/Encrypt" not in pdf.trailer and "/JavaScript" not in root.get("/Names", {})
        metadata = root.Metadata
        assert "/Filter" not in metadata  # readable by any tool
        packets = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Type") == "/Metadata"]
        assert len(packets) == 1  # WeasyPrint's own XMP replaced, not left behind
        xmp = metadata.read_bytes().decode()
        assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>A</pdfaid:conformance>" in xmp
        assert xmp.count("<dc:title>") == 1 and 'xml:lang="ja"' in xmp and 'xml:lang="en"' in xmp
        assert pdf.pdf_version == "1.7"
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = (font.DescendantFonts[0] if "/DescendantFonts" in font else font).FontDescriptor
                assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_source_is_embedded_byte_for_byte(archival: dict[str, Path]) -> None:
    with pikepdf.open(archival["sequential"]) as pdf:
        associated = list(pdf.Root.AF)
        assert len(associated) == 1
        spec = associated[0]
        assert spec.AFRelationship == "/Source"
        assert str(spec.F) == str(spec.UF) == "tokyo-helsinki-2023.yaml"
        stream = spec.EF.F
        assert stream.Subtype == "/application/yaml"
        assert stream.read_bytes() == SEED.read_bytes()
        assert stream.Params.Size == len(SEED.read_bytes())
        assert bytes(stream.Params.CheckSum) == hashlib.md5(SEED.read_bytes()).digest()
        assert str(stream.Params.ModDate).startswith("D:20230821000000")  # the build clock, not now
        assert str(pdf.docinfo.CreationDate) == "D:20230821000000Z"


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_each_version_carries_its_language_in_the_structure(archival: dict[str, Path], layout: str) -> None:
    items = [(lang, compact(text)) for lang, text in language_texts(archival[layout]) if compact(text)]
    # Every item under an explicit /Lang: the version's tag, with the likely region where hyphenation
    # needs one (en -> en-US).
    assert {lang for lang, _ in items} == {"ja", "en-US"}
    by_lang = {
        lang: "".join(text for item_lang, text in items if item_lang == lang) for lang in ("ja", "en-US")
    }
    for version in typeset(load(SEED)).versions:
        assert version.tag == {"ja": "ja", "en": "en-US"}[version.lang]
        other = "en-US" if version.lang == "ja" else "ja"
        for paragraph in version.paragraphs:
            start = compact(paragraph.text)[:12]
            assert start in by_lang[version.tag], (version.lang, start)
            assert start not in by_lang[other], (version.lang, start)


def test_extract_then_build_reproduces_the_same_bytes(tmp_path: Path, from_cli: Path) -> None:
    pdf = from_cli
    extracted = tmp_path / "x"
    result = run_cli("extract", str(pdf), "--out", str(extracted))
    assert result.returncode == 0, result.stderr
    assert (extracted / "tokyo-helsinki-2023.yaml").read_bytes() == SEED.read_bytes()
    assert "communique build tokyo-helsinki-2023.yaml --archival" in result.stdout
    rebuilt = tmp_path / "y"
    assert (
        run_cli(
            "build", str(extracted / "tokyo-helsinki-2023.yaml"), "--archival", "--out", str(rebuilt)
        ).returncode
        == 0
    )
    assert (rebuilt / "tokyo-helsinki-2023.pdf").read_bytes() == pdf.read_bytes()


def test_a_build_on_another_day_is_byte_identical(tmp_path: Path, from_cli: Path) -> None:
    faketime = shutil.which("faketime")
    assert faketime, "faketime is installed by make's set-up (scripts/system-deps.sh)"
    other_day = run_cli(
        "build", "--archival", str(SEED), "--out", str(tmp_path), prefix=[faketime, "2031-02-03 04:05:06"]
    )
    assert other_day.returncode == 0, other_day.stderr
    clock = subprocess.run([faketime, "2031-02-03 04:05:06", "date", "+%Y"], capture_output=True, text=True)
    assert clock.stdout.strip() == "2031"  # the build really ran on another day
    assert (tmp_path / "tokyo-helsinki-2023.pdf").read_bytes() == from_cli.read_bytes()


def test_options_are_recorded_for_the_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        run_cli(
            "build", "--archival", "--layout", "parallel", "--paper", "B5", str(SEED), "--out", str(out)
        ).returncode
        == 0
    )
    result = run_cli("extract", str(out / "tokyo-helsinki-2023.pdf"), "--out", str(tmp_path / "x"))
    assert (
        "communique build tokyo-helsinki-2023.yaml --archival --layout=parallel --paper=B5" in result.stdout
    )


def test_source_date_epoch_changes_only_the_dates(tmp_path: Path, from_cli: Path) -> None:
    result = run_cli(
        "build", "--archival", str(SEED), "--out", str(tmp_path), env={"SOURCE_DATE_EPOCH": "1700000000"}
    )
    assert result.returncode == 0, result.stderr
    later, first = (tmp_path / "tokyo-helsinki-2023.pdf").read_bytes(), from_cli.read_bytes()
    assert later != first
    with pikepdf.open(tmp_path / "tokyo-helsinki-2023.pdf") as a, pikepdf.open(from_cli) as b:
        assert a.trailer.ID[0] == b.trailer.ID[0]  # the content's identifier stays
        assert str(a.docinfo.CreationDate) == "D:20231114221320Z"
        assert len(a.objects) == len(b.objects)
        for x, y in zip(a.objects, b.objects, strict=True):
            if isinstance(x, pikepdf.Stream):
                assert DATES.sub(b"", x.read_bytes()) == DATES.sub(b"", y.read_bytes())
            else:
                assert DATES.sub(b"", bytes(x.unparse())) == DATES.sub(b"", bytes(y.unparse()))


def test_extract_never_replaces_a_file_of_other_contents(tmp_path: Path, from_cli: Path) -> None:
    """A user's own edited tokyo-helsinki-2023.yaml in the folder was replaced without a word."""
    folder = tmp_path / "x"
    folder.mkdir()
    mine = folder / "tokyo-helsinki-2023.yaml"
    mine.write_text("my edited draft\n", encoding="utf-8")
    refused = run_cli("extract", str(from_cli), "--out", str(folder))
    assert refused.returncode != 0 and "exists with other contents" in refused.stderr, refused.stderr
    assert mine.read_text(encoding="utf-8") == "my edited draft\n"
    mine.write_bytes(SEED.read_bytes())  # the same bytes: extracting again is harmless
    assert run_cli("extract", str(from_cli), "--out", str(folder)).returncode == 0
    linked = tmp_path / "linked"  # a link where the data file goes: refused before anything is written
    linked.mkdir()
    (linked / "tokyo-helsinki-2023.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    refused = run_cli("extract", str(from_cli), "--out", str(linked))
    assert refused.returncode != 0 and "is a symbolic link" in refused.stderr, refused.stderr
    assert sorted(path.name for path in linked.iterdir()) == ["tokyo-helsinki-2023.yaml"]
    assert not (tmp_path / "elsewhere.yaml").exists()


def test_images_are_embedded_and_extracted(tmp_path: Path, build_seed: Callable[..., BuildResult]) -> None:
    (tmp_path / "sig").mkdir()
    Image.new("RGB", (400, 120), "white").save(tmp_path / "sig" / "koike.png")
    data = with_images(tmp_path, "sig/koike.png", alt=True)
    pdf = build_seed(data, archival=True).output
    assert verify(pdf).passed
    out = tmp_path / "x"
    result = run_cli("extract", str(pdf), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "sig" / "koike.png").read_bytes() == (tmp_path / "sig" / "koike.png").read_bytes()
    assert (out / "doc.yaml").read_bytes() == data.read_bytes()


def broken(source: Path, target: Path, change: Callable[[pikepdf.Pdf], None]) -> Path:
    with pikepdf.open(source) as pdf:
        change(pdf)
        pdf.save(target)
    return target


def test_an_attachment_without_af_fails_with_its_rule(tmp_path: Path, archival: dict[str, Path]) -> None:
    def drop_af(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.AF

    path = broken(archival["sequential"], tmp_path / "no-af.pdf", drop_af)
    result = run_cli("verify", str(path))
    assert result.returncode == 1
    assert "NOT valid" in result.stdout
    assert "[ISO_19005_3:6.8-4]" in result.stdout and "[PDFA3A-FILE-SPEC-ASSOCIATION-001]" in result.stdout


def test_a_duplicated_xmp_title_fails_with_its_rule(tmp_path: Path, archival: dict[str, Path]) -> None:
    def duplicate_title(pdf: pikepdf.Pdf) -> None:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        title = re.search(r"<dc:title>.*?</dc:title>", xmp, re.DOTALL)
        assert title
        pdf.Root.Metadata.write((xmp[: title.end()] + title.group() + xmp[title.end() :]).encode())

    path = broken(archival["sequential"], tmp_path / "two-titles.pdf", duplicate_title)
    report = verify(path)
    assert not report.passed
    rules = {finding.rule for result in report.results for finding in result.findings}
    assert "ISO_19005_3:6.6.2.1-4" in rules


def test_a_print_pdf_is_accessible_not_archival(seed_pdf: Path) -> None:
    result = run_cli("verify", str(seed_pdf))
    assert result.returncode == 0, result.stdout
    assert "valid (PDF/UA-1)" in result.stdout and "PDF/A" not in result.stdout
    with pikepdf.open(seed_pdf) as pdf:
        assert "/StructTreeRoot" in pdf.Root and "/AF" not in pdf.Root  # tagged, carrying no sources
    extract = run_cli("extract", str(seed_pdf), "--out", "unused")
    assert extract.returncode == 2 and "carries no source files" in extract.stderr
    assert "Traceback" not in extract.stderr


def test_extract_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    assert safe_target(tmp_path, "sig/a.png") == tmp_path / "sig" / "a.png"
    for name in ("../evil.yaml", "/etc/passwd", "a/../../b", "..\\x"):
        with pytest.raises(CommuniqueError, match="leaves the output folder"):
            safe_target(tmp_path, name)


def test_verify_a_file_that_is_not_a_pdf(tmp_path: Path) -> None:
    path = write_data(tmp_path, "not a pdf", "x.pdf")
    result = run_cli("verify", str(path))
    assert result.returncode == 1 and "is not a readable PDF" in result.stderr
    assert "Traceback" not in result.stderr
    truncated = write_data(tmp_path, "%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "cut.pdf")
    for command in ("verify", "inspect"):  # the reason once, as ours: no line of pypdf's own before it
        result = run_cli(command, str(truncated))
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    for command in ("inspect", "extract"):  # the wrong file given: a usage error, as each says
        refused = run_cli(command, str(path))
        assert (refused.returncode, refused.stdout) == (2, ""), (command, refused.stderr)
        assert (
            refused.stderr == f"error: {path} is not a readable PDF (no %PDF- header) (hint: is it a PDF?)\n"
        )
