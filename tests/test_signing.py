"""Signatures as offices make them: `communique build --archival --signature-fields`, then `communique
sign` by each party in turn (a PKCS#12 file, and a key on a SoftHSM2 token through PKCS#11), with a local
timestamp authority and CRL server, then `communique verify`: what it proves and what it refuses."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from conftest import LAYOUT_NAMES, SEED, run_cli
from pdftools import page_glyphs, page_texts
from PIL import Image, ImageChops
from pki import PASSPHRASE, Authority, TestPki

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN = "4321"
HELSINKI_TOKEN = ("--pkcs11-lib", str(SOFTHSM), "--token-label", "city", "--key-label", "helsinki")
"""Helsinki's key on the SoftHSM2 token (its PIN in TOKEN_PIN)."""


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Authority]:
    running = Authority(tmp_path_factory.mktemp("pki"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def token(authority: Authority, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A SoftHSM2 token 'city' holding Helsinki's key and certificate: the environment that reaches it."""
    import pkcs11
    from cryptography.hazmat.primitives import serialization
    from pkcs11 import Attribute, CertificateType, ObjectClass

    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    config = folder / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    environment = {**os.environ, "SOFTHSM2_CONF": str(config)}
    helsinki = authority.pki.identities["helsinki"]
    key = helsinki.key_pem(folder)
    for command in (
        ["softhsm2-util", "--init-token", "--free", "--label", "city", "--pin", PIN, "--so-pin", "87654321"],
        [
            "softhsm2-util",
            "--import",
            str(key),
            "--token",
            "city",
            "--label",
            "helsinki",
            "--id",
            "01",
            "--pin",
            PIN,
        ],
    ):
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    os.environ["SOFTHSM2_CONF"] = str(config)  # python-pkcs11 reads it at load time, in this process
    library = pkcs11.lib(str(SOFTHSM))
    with library.get_token(token_label="city").open(user_pin=PIN, rw=True) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "helsinki",
                Attribute.ID: b"\x01",
                Attribute.VALUE: helsinki.certificate.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: helsinki.certificate.subject.public_bytes(),
                Attribute.ISSUER: helsinki.certificate.issuer.public_bytes(),
            }
        )
    return {"SOFTHSM2_CONF": str(config)}


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unsigned")
    built = run_cli("build", str(SEED), "--archival", "--signature-fields", "--strict", "--out", str(out))
    assert built.returncode == 0, built.stderr
    return out / "tokyo-helsinki-2023.pdf"


def _sign(pdf: Path, out: Path, field: str, *flags: str, env: dict[str, str] | None = None):
    return run_cli(
        "sign",
        str(pdf),
        "--field",
        field,
        "--out",
        str(out),
        *flags,
        env={"P12_PASS": PASSPHRASE, "TOKEN_PIN": PIN, **(env or {})},
    )


def _signed_by_pyhanko(pdf: Path, p12: str, field: str) -> bytes:
    """`pdf` signed in `field` by pyHanko alone, with none of communique's checks (another tool's)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(p12, passphrase=PASSPHRASE.encode())
    output = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf.read_bytes()), strict=False),
        signers.PdfSignatureMetadata(field_name=field),
        signer=signer,
    )
    return output.getvalue()


def _helsinki_countersigns(
    signed: Path, out: Path, tsa: str, roots: str, token: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Helsinki signs the copy Tokyo signed, with its key on the token, at B-LTA (README, Signing)."""
    flags = ["--pin-env", "TOKEN_PIN", "--timestamp-url", tsa, "--ltv", "--trust", roots]
    return _sign(signed, out, "helsinki", *HELSINKI_TOKEN, *flags, env=token)


@pytest.fixture(scope="module")
def signed_by_both(
    unsigned: Path, authority: Authority, token: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Tokyo signs with a PKCS#12 file (B-T), then Helsinki with the token's key (B-LTA)."""
    folder = tmp_path_factory.mktemp("signed")
    first, both = folder / "x.tokyo.pdf", folder / "x.signed.pdf"
    tsa = f"{authority.url}/tsa"
    done = _sign(
        unsigned,
        first,
        "tokyo",
        "--p12",
        str(authority.pki.p12("tokyo")),
        "--passphrase-env",
        "P12_PASS",
        "--timestamp-url",
        tsa,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("signed the field 'tokyo' of ")
    done = _helsinki_countersigns(first, both, tsa, str(authority.pki.roots_pem), token)
    assert done.returncode == 0, done.stderr
    assert "(PAdES B-LTA)" in done.stdout
    return both


def _first_page(pdf: Path) -> Image.Image:
    done = subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(pdf)], capture_output=True, check=True
    )
    return Image.open(BytesIO(done.stdout)).convert("RGB")


def _verify(pdf: Path, *flags: str) -> tuple[int, dict[str, object]]:
    done = run_cli("verify", str(pdf), "--json", *flags)
    return done.returncode, json.loads(done.stdout)[0]


def test_fields_sit_over_each_partys_signature_space_in_every_layout(tmp_path: Path) -> None:
    for layout in LAYOUT_NAMES:
        built = run_cli(
            "build",
            str(SEED),
            "--archival",
            "--signature-fields",
            "--layout",
            layout,
            "--out",
            str(tmp_path / layout),
        )
        assert built.returncode == 0, built.stderr
        with pikepdf.open(tmp_path / layout / "tokyo-helsinki-2023.pdf") as pdf:
            fields = {str(field.T): field for field in pdf.Root.AcroForm.Fields}
            assert sorted(fields) == ["helsinki", "tokyo"]
            for name, field in fields.items():
                assert field.FT == "/Sig" and field.F == 4 and "/V" not in field
                assert str(field.TU) in ("東京都知事 小池百合子", "ヘルシンキ市長 ユハナ・ヴァルティアイネン")
                page = next(
                    index for index, page in enumerate(pdf.pages) if page.obj.objgen == field.P.objgen
                )
                left, bottom, right, top = (float(value) for value in field.Rect)
                assert right - left > 100 and 30 < top - bottom < 90
                # the rule under the space and the signatory's name just below it are on that page
                text = page_texts(tmp_path / layout / "tokyo-helsinki-2023.pdf")[page]
                assert ("小池百合子" if name == "tokyo" else "ヴァルティアイネン") in text or (
                    ("Koike" if name == "tokyo" else "Vartiainen") in text
                )
        assert run_cli("verify", str(tmp_path / layout / "tokyo-helsinki-2023.pdf")).returncode == 0


@pytest.mark.parametrize("paper", ["Letter", "B5"])
def test_fields_follow_the_paper(tmp_path: Path, paper: str) -> None:
    built = run_cli("build", str(SEED), "--signature-fields", "--paper", paper, "--out", str(tmp_path))
    assert built.returncode == 0, built.stderr
    with pikepdf.open(tmp_path / "tokyo-helsinki-2023.pdf") as pdf:
        fields = {str(field.T): field for field in pdf.Root.AcroForm.Fields}
        assert sorted(fields) == ["helsinki", "tokyo"]
        for field in fields.values():
            page = next(page for page in pdf.pages if page.obj.objgen == field.P.objgen)
            width, height = float(page.mediabox[2]), float(page.mediabox[3])
            left, bottom, right, top = (float(value) for value in field.Rect)
            assert 0 < left < right < width and 0 < bottom < top < height
        left_field, right_field = sorted(fields.values(), key=lambda field: float(field.Rect[0]))
        assert float(left_field.Rect[2]) < float(right_field.Rect[0])  # side by side, not overlapping
        index = next(i for i, page in enumerate(pdf.pages) if page.obj.objgen == fields["tokyo"].P.objgen)
        left, bottom, right, top = (float(value) for value in fields["tokyo"].Rect)
    # the signatory's office and name stand just under the field, within its width: it covers the space
    glyphs = page_glyphs(tmp_path / "tokyo-helsinki-2023.pdf")[index]
    drawn = "".join(glyph.char for glyph in glyphs)
    start = drawn.rfind("小池百合子")  # the signature block's, after the text's mention of the governor
    assert start >= 0, "the name is on the field's page"
    name = glyphs[start : start + 5]
    assert all(left <= glyph.x <= right and bottom - 60 < glyph.y < bottom for glyph in name)


def test_building_with_fields_is_reproducible(unsigned: Path, tmp_path: Path) -> None:
    again = run_cli(
        "build", str(SEED), "--archival", "--signature-fields", "--strict", "--out", str(tmp_path)
    )
    assert again.returncode == 0
    assert (tmp_path / unsigned.name).read_bytes() == unsigned.read_bytes()


def test_two_parties_sign_in_turn_and_verify_proves_who_signed_what(
    signed_by_both: Path, unsigned: Path, authority: Authority
) -> None:
    code, report = _verify(signed_by_both, "--trust", str(authority.pki.roots_pem))
    assert code == 0, report
    assert report["declared"] == "PDF/A-3A" and report["passed"] is True
    signatures = {item["field"]: item for item in report["signatures"]}  # type: ignore[attr-defined]
    tokyo, helsinki = signatures["tokyo"], signatures["helsinki"]
    assert "Governor of Tokyo" in tokyo["signer"] and "Mayor of Helsinki" in helsinki["signer"]
    assert tokyo["certification"] is True and helsinki["certification"] is False
    assert tokyo["intact"] and helsinki["intact"] and tokyo["trusted"] and helsinki["trusted"]
    assert tokyo["timestamp"] and helsinki["timestamp"]
    assert tokyo["later_changes"].startswith("form filling") and helsinki["later_changes"].startswith(
        "signatures and validation"
    )
    assert helsinki["level"] == "B-LTA"
    assert {"POST /tsa", "GET /root.crl"} <= set(authority.requests)
    with pikepdf.open(signed_by_both) as pdf:
        assert "/DSS" in pdf.Root  # the validation data (B-LT)
        assert str(pdf.Root.get("/Version", "/1.7")) == "/1.7"  # still PDF 1.7, as PDF/A-3 asks
    # each signed field now shows its appearance (signer and time) over its signature space, as poppler
    # draws the page
    before, after = _first_page(unsigned), _first_page(signed_by_both)
    with pikepdf.open(signed_by_both) as pdf:
        for field in pdf.Root.AcroForm.Fields:
            if str(field.T) not in ("tokyo", "helsinki"):  # the document timestamp's field: invisible
                continue
            left, bottom, right, top = (round(float(value)) for value in field.Rect)
            box = (left, before.height - top, right, before.height - bottom)
            assert ImageChops.difference(before.crop(box), after.crop(box)).getbbox() is not None, str(
                field.T
            )
            appearance = field.AP.N.read_bytes() + b"".join(
                xobject.read_bytes() for xobject in field.AP.N.Resources.XObject.values()
            )
            assert appearance.strip(), str(field.T)


def test_untrusted_roots_fail_and_no_roots_say_not_checked(
    signed_by_both: Path, authority: Authority
) -> None:
    code, report = _verify(signed_by_both, "--trust", str(authority.pki.other_roots_pem))
    assert code == 1
    assert all(item["trusted"] is False for item in report["signatures"])  # type: ignore[attr-defined]
    code, report = _verify(signed_by_both)
    assert code == 0
    assert all(item["trusted"] is None for item in report["signatures"])  # type: ignore[attr-defined]
    plain = run_cli("verify", str(signed_by_both))
    assert "certificate: not checked (give --trust ROOTS.pem)" in plain.stdout


def test_extract_and_rebuild_give_back_the_revision_that_was_signed(
    signed_by_both: Path, unsigned: Path, tmp_path: Path
) -> None:
    extracted = run_cli("extract", str(signed_by_both), "--out", str(tmp_path))
    assert extracted.returncode == 0, extracted.stderr
    assert (tmp_path / "tokyo-helsinki-2023.yaml").read_bytes() == SEED.read_bytes()
    assert signed_by_both.read_bytes().startswith(unsigned.read_bytes())
    done = run_cli("verify", str(signed_by_both), "--rebuild")
    assert done.returncode == 0, done.stdout
    assert "rebuilt from its sources" in done.stdout


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ("bytes", r"(?s)(?=.*NOT intact)(?=.*communique:seal-metadata)"),
        ("page", "changes after it: other"),
        ("source", "changes after it: other"),
        ("metadata", "communique:signed-metadata"),
        ("appended", "changes after it: other"),
    ],
)
def test_a_copy_changed_after_signing_fails_with_the_rule_named(
    signed_by_both: Path, tmp_path: Path, change: str, rule: str
) -> None:
    tampered = tmp_path / "tampered.pdf"
    data = signed_by_both.read_bytes()
    if change == "bytes":  # bytes edited in place, inside what was signed: the date in the XMP packet
        start = data.index(b"<dc:date><rdf:Seq><rdf:li>2023")
        tampered.write_bytes(data[:start] + data[start:].replace(b"2023", b"2024", 1))
    else:  # an incremental update appended with pyHanko's plain writer, as any PDF tool would
        tampered.write_bytes(_appended_update(data, change))
    done = run_cli("verify", str(tampered))
    assert done.returncode == 1, done.stdout
    assert re.search(rule, done.stdout), done.stdout


def _appended_update(data: bytes, change: str) -> bytes:
    """`data` with one incremental update: new page content, a new title, or a new annotation."""
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    page_reference = writer.root["/Pages"]["/Kids"][0]
    page = page_reference.get_object()
    if change == "marked page":  # a hidden object that looks like a signature to a byte search
        writer.add_object(generic.DictionaryObject({generic.pdf_name("/ByteRange"): generic.ArrayObject()}))
        change = "page"
    if change == "page":
        stream = generic.StreamObject(stream_data=b"q 1 g 0 0 600 850 re f Q")  # paints the page white
        page["/Contents"] = (
            generic.ArrayObject([*page["/Contents"], writer.add_object(stream)])
            if isinstance(page["/Contents"], generic.ArrayObject)
            else generic.ArrayObject([page.raw_get("/Contents"), writer.add_object(stream)])
        )
        writer.update_container(page)
    elif change == "metadata":
        reference = writer.prev.trailer_view.raw_get("/Info")
        reference.get_object()["/Title"] = generic.TextStringObject("A forged title")
        writer.mark_update(reference)
    elif change == "source":  # the embedded data file replaced by another text
        specification = writer.root["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
        text = b"id: forged\n"  # with the size and MD5 recorded as for the genuine file
        parameters = {
            generic.pdf_name("/Size"): generic.NumberObject(len(text)),
            generic.pdf_name("/CheckSum"): generic.ByteStringObject(hashlib.md5(text).digest()),
        }
        forged = generic.StreamObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/EmbeddedFile"),
                generic.pdf_name("/Params"): generic.DictionaryObject(parameters),
            },
            stream_data=text,
        )
        specification["/EF"]["/F"] = writer.add_object(forged)
        writer.update_container(specification)
    else:
        annotation = generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Square"),
                generic.pdf_name("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(v) for v in (10, 10, 50, 50)]
                ),
                generic.pdf_name("/F"): generic.NumberObject(4),
            }
        )
        annotations = page["/Annots"]
        annotations.append(writer.add_object(annotation))
        writer.update_container(
            annotations if isinstance(page.raw_get("/Annots"), generic.IndirectObject) else page
        )
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def test_signing_refusals_are_clear_and_write_nothing(
    unsigned: Path, signed_by_both: Path, authority: Authority, tmp_path: Path
) -> None:
    out = tmp_path / "out.pdf"
    p12 = str(authority.pki.p12("tokyo"))
    cases = [
        (
            signed_by_both,
            ["--field", "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS"],
            "is already signed",
        ),
        (
            unsigned,
            ["--field", "osaka", "--p12", p12, "--passphrase-env", "P12_PASS"],
            "has no signature field 'osaka' (its fields: helsinki, tokyo)",
        ),
        (unsigned, ["--field", "tokyo", "--p12", p12, "--passphrase-env", "WRONG_PASS"], "wrong passphrase"),
        (
            unsigned,
            ["--field", "tokyo", "--p12", str(authority.pki.p12("expired")), "--passphrase-env", "P12_PASS"],
            "not now",
        ),
        (
            unsigned,
            ["--field", "tokyo", "--p12", str(authority.pki.p12("encipher")), "--passphrase-env", "P12_PASS"],
            "may not sign",
        ),
        (
            unsigned,
            ["--field", "tokyo", "--p12", p12, "--passphrase-env", "UNSET_VARIABLE"],
            "the environment variable --passphrase-env names is not set",
        ),
        (SEED, ["--field", "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS"], "not a PDF"),
        (unsigned, ["--field", "tokyo"], "give one key"),
        (unsigned, ["--field", "tokyo", "--p12", p12], "none was given (no --passphrase-env"),
        (
            unsigned,
            ["--field", "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS", "--level", "B-B", "--ltv"],
            "--ltv makes a B-LTA signature, not the B-B",
        ),
    ]
    for pdf, flags, message in cases:
        done = run_cli(
            "sign", str(pdf), "--out", str(out), *flags, env={"P12_PASS": PASSPHRASE, "WRONG_PASS": "nope"}
        )
        assert done.returncode in (1, 2), (flags, done.stderr)
        assert message in done.stderr, (flags, done.stderr)
        assert "Traceback" not in done.stderr
        assert not out.exists()
    print_copy = tmp_path / "print"
    assert run_cli("build", str(SEED), "--out", str(print_copy)).returncode == 0
    done = _sign(
        print_copy / "tokyo-helsinki-2023.pdf",
        out,
        "tokyo",
        "--p12",
        p12,
        "--passphrase-env",
        "P12_PASS",
    )
    assert done.returncode == 1 and "is a print copy, not an archival copy" in done.stderr
    tampered = tmp_path / "tampered.pdf"
    data = unsigned.read_bytes()
    at = data.index(b"/Title")
    tampered.write_bytes(data[:at] + data[at:].replace(b"(", b"(X", 1))
    done = _sign(tampered, out, "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS")
    assert done.returncode == 1 and "not a communique archival copy as built" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("flag", ["--passphrase", "--pin", "--pass", "--passphrase-env-typo"])
def test_the_passphrase_is_never_an_argument_nor_echoed(
    unsigned: Path, authority: Authority, tmp_path: Path, flag: str
) -> None:
    p12 = str(authority.pki.p12("tokyo"))
    done = run_cli(
        "sign",
        str(unsigned),
        "--field",
        "tokyo",
        "--p12",
        p12,
        flag,
        PASSPHRASE,
        "--out",
        str(tmp_path / "x.pdf"),
    )
    assert done.returncode == 2
    assert PASSPHRASE not in done.stderr and "correct" not in done.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_signing_from_python(unsigned: Path, authority: Authority, tmp_path: Path) -> None:
    import communique

    copy = tmp_path / "x.pdf"
    copy.write_bytes(unsigned.read_bytes())
    written = communique.sign(copy, "tokyo", p12=authority.pki.p12("tokyo"), passphrase=PASSPHRASE)
    assert written == copy
    code, report = _verify(copy, "--trust", str(authority.pki.roots_pem))
    assert code == 0 and [item["field"] for item in report["signatures"]] == ["tokyo"]  # type: ignore[attr-defined]
    communique.sign(copy, "helsinki", p12=authority.pki.p12("rsa"), passphrase=PASSPHRASE)  # an RSA key
    code, report = _verify(copy, "--trust", str(authority.pki.roots_pem))
    assert code == 0
    assert [(item["field"], item["intact"], item["trusted"]) for item in report["signatures"]] == [  # type: ignore[attr-defined]
        ("tokyo", True, True),
        ("helsinki", True, True),
    ]
    with pytest.raises(communique.SigningError, match="is already signed"):
        communique.sign(copy, "tokyo", p12=authority.pki.p12("tokyo"), passphrase=PASSPHRASE)
    with pytest.raises(communique.UsageError, match="needs a timestamp authority"):
        communique.sign(
            copy, "helsinki", p12=authority.pki.p12("helsinki"), passphrase=PASSPHRASE, level="B-T"
        )


def test_signing_defaults_come_from_the_project(authority: Authority, tmp_path: Path) -> None:
    """[signing] fields, timestamp_url and trust: build with fields, sign B-T and verify trusted, no flags."""
    project = tmp_path / "office"
    (project / "data").mkdir(parents=True)
    (project / "certificates").mkdir()
    (project / "data" / "x.yaml").write_bytes(SEED.read_bytes())
    (project / "certificates" / "roots.pem").write_bytes(authority.pki.roots_pem.read_bytes())
    (project / "communique.toml").write_text(
        f'[signing]\nfields = true\ntimestamp_url = "{authority.url}/tsa"\n'
        'trust = ["certificates/roots.pem"]\n'
    )
    built = run_cli("build", "data/x.yaml", "--archival", cwd=project)
    assert built.returncode == 0, built.stderr
    pdf = project / "build" / "x.pdf"
    done = run_cli(
        "sign",
        str(pdf),
        "--field",
        "tokyo",
        "--p12",
        str(authority.pki.p12("tokyo")),
        "--passphrase-env",
        "P12_PASS",
        env={"P12_PASS": PASSPHRASE},
        cwd=project,
    )
    assert done.returncode == 0, done.stderr
    assert "(PAdES B-T)" in done.stdout
    code, report = _verify(pdf)
    assert code == 0
    [signature] = report["signatures"]  # type: ignore[misc]
    assert signature["trusted"] is True and signature["timestamp"]
    (project / "communique.toml").write_text('[signing]\ntrust = ["../elsewhere.pem"]\n')
    refused = run_cli("build", "data/x.yaml", cwd=project)
    assert refused.returncode == 2
    assert "communique.toml:2:" in refused.stderr and "outside the project" in refused.stderr


@pytest.mark.parametrize("damage", ["truncated", "byte range"])
def test_a_damaged_signed_copy_fails_clearly(signed_by_both: Path, tmp_path: Path, damage: str) -> None:
    data = signed_by_both.read_bytes()
    damaged = tmp_path / "damaged.pdf"
    if damage == "truncated":
        damaged.write_bytes(data[: len(data) - 9000])
    else:
        at = data.rfind(b"/ByteRange")
        damaged.write_bytes(data[:at] + b"/ByteRange [0 99999999999 5 5]" + data[at + 40 :])
    done = run_cli("verify", str(damaged))
    assert done.returncode == 1
    assert "NOT valid" in done.stdout and "FAIL  communique integrity" in done.stdout
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_changed_copy_is_not_passed_as_signed(unsigned: Path, tmp_path: Path) -> None:
    """A later revision that paints the page white and carries a /ByteRange but no signature fails."""
    marked = tmp_path / "marked.pdf"
    marked.write_bytes(_appended_update(unsigned.read_bytes(), "marked page"))
    done = run_cli("verify", str(marked))
    assert done.returncode == 1
    assert "none of them is a signature" in done.stdout


def test_changes_made_before_the_first_signature_are_refused_and_fail(
    unsigned: Path, authority: Authority, tmp_path: Path
) -> None:

    changed = tmp_path / "changed.pdf"
    changed.write_bytes(_appended_update(unsigned.read_bytes(), "page"))
    p12 = str(authority.pki.p12("tokyo"))
    refused = _sign(changed, tmp_path / "out.pdf", "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS")
    assert refused.returncode == 1 and "the file was changed after it was built" in refused.stderr
    # signed anyway with pyHanko alone: the signature is intact, but the copy is not what was built
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(_signed_by_pyhanko(changed, p12, "tokyo"))
    done = run_cli("verify", str(signed))
    assert done.returncode == 1
    assert "communique:signed-changes" in done.stdout or "communique:seal-pages" in done.stdout


def test_sign_refuses_a_copy_whose_earlier_signature_no_longer_holds(
    signed_by_both: Path, unsigned: Path, authority: Authority, tmp_path: Path
) -> None:
    first = tmp_path / "first.pdf"
    p12 = str(authority.pki.p12("tokyo"))
    assert _sign(unsigned, first, "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS").returncode == 0
    code, report = _verify(first)
    assert code == 0 and report["unsigned_fields"] == ["helsinki"]
    assert report["signatures"][0]["level"] == "B-B"  # type: ignore[index]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(_appended_update(first.read_bytes(), "page"))
    done = _sign(
        broken,
        tmp_path / "out.pdf",
        "helsinki",
        "--p12",
        str(authority.pki.p12("helsinki")),
        "--passphrase-env",
        "P12_PASS",
    )
    assert done.returncode == 1
    assert "is not signed soundly so far" in done.stderr and "'tokyo' does not hold" in done.stderr
    assert len(done.stderr) < 2000, done.stderr  # each reason cut short: pyHanko's ran to 4 KB
    assert not (tmp_path / "out.pdf").exists()


def test_an_object_listed_twice_in_a_later_cross_reference_section_fails(
    signed_by_both: Path, tmp_path: Path
) -> None:
    """Readers disagree on which entry counts (pyHanko the last, qpdf, pypdf and poppler the first): a copy
    that shows one catalog and has another checked must not pass (found by a review: it passed)."""
    data = signed_by_both.read_bytes()
    with pikepdf.open(signed_by_both) as pdf:
        number = pdf.Root.objgen[0]
        benign = pikepdf.Dictionary(dict(pdf.Root.items())).unparse(resolved=False)
        size, info, ids = int(pdf.trailer.Size), pdf.trailer.Info.objgen, pdf.trailer.ID.unparse()
    shown = benign.replace(b"/PageMode /UseOutlines", b"/PageMode /FullScreen")
    assert shown != benign
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    body = bytearray(data)
    first = len(body)
    body += b"%d 0 obj\n%s\nendobj\n" % (number, shown)
    second = len(body)
    body += b"%d 0 obj\n%s\nendobj\n" % (number, benign)
    table = len(body)
    body += b"xref\n%d 1\n%010d 00000 n \n%d 1\n%010d 00000 n \n" % (number, first, number, second)
    body += b"trailer\n<< /Size %d /Prev %d /Root %d 0 R /Info %d %d R /ID %s >>\n" % (
        size,
        previous,
        number,
        *info,
        ids,
    )
    body += b"startxref\n%d\n%%%%EOF\n" % table
    tampered = tmp_path / "twice.pdf"
    tampered.write_bytes(bytes(body))
    done = run_cli("verify", str(tampered))
    assert done.returncode == 1
    assert f"lists object {number} twice in its cross-reference section" in done.stdout


def test_a_layout_without_signature_space_is_said_not_skipped(tmp_path: Path) -> None:
    """A project layout that draws no signature space: a warning naming each party, an error under
    --strict (no silent copy without fields)."""
    layout = tmp_path / "layouts" / "bare"
    layout.mkdir(parents=True)
    (layout / "document.html.j2").write_text(
        '{% extends "builtin/sequential/document.html.j2" %}\n{% block signatures %}{% endblock %}\n'
    )
    (tmp_path / "x.yaml").write_bytes(SEED.read_bytes())
    common = ("build", "x.yaml", "--layout", "bare", "--signature-fields")
    warned = run_cli(*common, "--out", "warned", cwd=tmp_path)
    assert warned.returncode == 0, warned.stderr
    for party in ("tokyo", "helsinki"):
        assert f"the layout shows no signature space for '{party}'; no field" in warned.stderr
    strict = run_cli(*common, "--strict", "--out", "strict", cwd=tmp_path)
    assert strict.returncode == 1
    assert "no signature space for 'tokyo'" in strict.stderr
    assert not (tmp_path / "strict" / "x.pdf").exists()


def test_validation_data_that_cannot_be_fetched_fails_the_signing(unsigned: Path, tmp_path: Path) -> None:
    """B-LT gathers revocation data over HTTP while signing; where the CA's CRL cannot be fetched the
    signature is not made (hard-fail), rather than a weaker one written."""
    pki = TestPki(tmp_path, "http://127.0.0.1:9/root.crl")  # nothing listens on port 9
    (tmp_path / "tsa").mkdir()
    tsa = Authority(tmp_path / "tsa")
    try:
        done = _sign(
            unsigned,
            tmp_path / "out.pdf",
            "tokyo",
            "--p12",
            str(pki.p12("tokyo")),
            "--passphrase-env",
            "P12_PASS",
            "--timestamp-url",
            f"{tsa.url}/tsa",
            "--level",
            "B-LT",
            "--trust",
            str(pki.roots_pem),
        )
    finally:
        tsa.close()
    assert done.returncode == 1
    assert "could not sign" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out.pdf").exists()


def test_a_draft_copy_is_never_signed(authority: Authority, tmp_path: Path) -> None:
    built = run_cli("build", str(SEED), "--out", str(tmp_path), "--draft", "Draft 5")
    assert built.returncode == 0, built.stderr
    draft = tmp_path / f"{SEED.stem}.pdf"
    out = tmp_path / "signed.pdf"
    p12 = str(authority.pki.p12("tokyo"))
    done = _sign(draft, out, "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS")
    assert done.returncode == 1, done.stderr
    assert "is a draft copy (Draft 5): a draft is never signed" in done.stderr
    assert not out.exists()


def test_an_earlier_signature_whose_certificate_lapsed_since_may_be_countersigned(
    authority: Authority, unsigned: Path, tmp_path: Path
) -> None:
    """Tokyo signs while its certificate is valid; three days on, when it has expired, Helsinki countersigns.
    Without a timestamp nothing proves Tokyo signed in time, so verify cannot vouch for it, but the
    countersignature was refused as if Tokyo's signature were broken (found by a review)."""
    faketime = shutil.which("faketime")
    assert faketime, "faketime is installed by make's set-up (scripts/system-deps.sh)"
    first, both, roots = tmp_path / "first.pdf", tmp_path / "both.pdf", str(authority.pki.roots_pem)
    brief = str(authority.pki.p12("brief"))
    done = _sign(unsigned, first, "tokyo", "--p12", brief, "--passphrase-env", "P12_PASS")
    assert done.returncode == 0, done.stderr
    later = [faketime, "-f", "+3d"]
    helsinki = ["--p12", str(authority.pki.p12("helsinki")), "--passphrase-env", "P12_PASS", "--trust", roots]
    countersigned = run_cli(
        "sign", str(first), "--field", "helsinki", "--out", str(both), *helsinki,
        env={"P12_PASS": PASSPHRASE}, prefix=later,
    )  # fmt: skip
    assert countersigned.returncode == 0, countersigned.stderr
    verified = run_cli("verify", str(both), "--json", "--trust", roots, prefix=later)
    tokyo = json.loads(verified.stdout)[0]["signatures"][0]
    assert verified.returncode == 1 and tokyo["field"] == "tokyo" and tokyo["intact"] is True
    assert tokyo["certificate_status"] == "expired since", tokyo


def test_a_signed_copy_is_never_written_over_a_pipe(
    authority: Authority, unsigned: Path, tmp_path: Path
) -> None:
    """`--out` that is not a regular file is refused before the key signs (and a timestamp authority is
    asked), not after: nothing is signed for nothing, and the pipe stays a pipe."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    p12 = str(authority.pki.p12("tokyo"))
    done = _sign(
        unsigned, pipe, "tokyo", "--p12", p12, "--passphrase-env", "WRONG_PASS", env={"WRONG_PASS": "x"}
    )
    assert done.returncode == 2, done.stderr  # refused before the key was even opened (a wrong passphrase)
    assert "cannot be written to" in done.stderr and "not a regular file" in done.stderr
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_print_copy_is_never_signed(authority: Authority, tmp_path: Path) -> None:
    """`sign` takes the archival copy both parties keep: a print copy with fields was signed silently."""
    built = run_cli("build", str(SEED), "--out", str(tmp_path), "--signature-fields")
    assert built.returncode == 0, built.stderr
    out = tmp_path / "signed.pdf"
    p12 = str(authority.pki.p12("tokyo"))
    done = _sign(tmp_path / f"{SEED.stem}.pdf", out, "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS")
    assert done.returncode == 1, done.stderr
    assert "is a print copy, not an archival copy" in done.stderr and "--archival" in done.stderr
    assert not out.exists()


def test_a_stamp_stream_ending_in_cr_is_made_well_formed() -> None:
    """The signature stamp shows the signing time, so its compressed streams change at every signature;
    one ending in CR (once in a few hundred) would be counted a byte short by PDF/A validators: the stamp
    is made well formed as a built copy is."""
    import zlib

    import pypdf
    from pypdf.generic import DecodedStreamObject, NameObject

    from communique.pdf import access
    from communique.pdf.finish import well_formed

    payload = next(
        f"BT ({number}) Tj ET".encode()
        for number in range(100_000)
        if zlib.compress(f"BT ({number}) Tj ET".encode())[-1:] == b"\r"
    )
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(100, 100)
    stream = DecodedStreamObject()
    stream.set_data(zlib.compress(payload))
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = access.add_object(writer, stream)
    made = BytesIO()
    writer.write(made)
    assert b"\r\nendstream" in made.getvalue() or b"\rendstream" in made.getvalue()
    fixed = well_formed(made.getvalue())
    assert b"\r\nendstream" not in fixed and b"\rendstream" not in fixed
    assert pypdf.PdfReader(BytesIO(fixed)).pages[0].get_contents().get_data().rstrip(b"\n") == payload


def test_a_dss_certificate_ending_in_cr_is_written_compressed() -> None:
    """A certificate's DER ends in CR once in 256 (the test PKI makes new ones every run: three signing
    tests failed once in a fresh clone's run): the DSS stream is compressed so that validators count its
    /Length right; the others stay as they are."""
    from pyhanko.pdf_utils import generic

    from communique.pdf.signing import dss_streams_well_formed

    ending_in_cr, plain = (
        generic.StreamObject(stream_data=b"0\x82der\r"),
        generic.StreamObject(stream_data=b"0\x82"),
    )
    root = generic.DictionaryObject(
        {
            generic.pdf_name("/DSS"): generic.DictionaryObject(
                {generic.pdf_name("/Certs"): generic.ArrayObject([ending_in_cr, plain])}
            )
        }
    )
    dss_streams_well_formed(root)
    assert ending_in_cr.get("/Filter") == "/FlateDecode" and ending_in_cr.data == b"0\x82der\r"
    assert ending_in_cr.encoded_data[-1:] != b"\r"
    assert "/Filter" not in plain and plain.encoded_data == b"0\x82"


def _with_crl_in_dss(data: bytes, crl: bytes) -> bytes:
    """`data` with the CRL in its document security store, in an incremental update of pyHanko's own (as
    a later party's B-LT signing or any LTV tool adds it)."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    signature = PdfFileReader(BytesIO(data), strict=False).embedded_regular_signatures[0]
    output = BytesIO(data)
    DocumentSecurityStore.add_dss(
        output, signature.pkcs7_content, crls=[asn1_crl.CertificateList.load(crl)], force_write=True
    )
    return output.getvalue()


def test_a_signer_revoked_by_the_files_own_crl_fails_and_is_not_signed_over(
    unsigned: Path, authority: Authority, token: dict[str, str], tmp_path: Path
) -> None:
    """The root's CRL revokes the signer's certificate two days before the signature; once the file's DSS
    carries that CRL (a later party's B-LTA signing gathers it), verify says so and fails the signature
    (found by a review: it was 'certificate: trusted'), and sign refuses to add a signature over it."""
    tsa, roots = f"{authority.url}/tsa", str(authority.pki.roots_pem)
    first = tmp_path / "first.pdf"
    p12 = str(authority.pki.p12("revoked"))
    done = _sign(
        unsigned, first, "tokyo", "--p12", p12, "--passphrase-env", "P12_PASS", "--timestamp-url", tsa
    )
    assert done.returncode == 0, done.stderr
    both = tmp_path / "both.pdf"
    done = _helsinki_countersigns(first, both, tsa, roots, token)
    assert done.returncode == 0, done.stderr
    code, report = _verify(both, "--trust", roots)
    assert code == 1 and report["passed"] is False
    signatures = {item["field"]: item for item in report["signatures"]}  # type: ignore[attr-defined]
    tokyo, helsinki = signatures["tokyo"], signatures["helsinki"]
    assert tokyo["certificate_status"] == "revoked" and tokyo["trusted"] is False and not tokyo["passed"]
    assert any("was revoked on" in problem and "key compromise" in problem for problem in tokyo["problems"])
    assert helsinki["passed"] and helsinki["certificate_status"] is None
    plain = run_cli("verify", str(both), "--trust", roots)
    assert plain.returncode == 1 and "certificate: REVOKED" in plain.stdout
    assert "certificate: trusted" in plain.stdout  # Helsinki's, still
    # the CRL in the DSS of a copy with a field still to sign: sign checks it as verify does, and refuses
    carried = tmp_path / "carried.pdf"
    carried.write_bytes(_with_crl_in_dss(first.read_bytes(), authority.pki.crl()))
    out = tmp_path / "out.pdf"
    done = _sign(
        carried, out, "helsinki", *HELSINKI_TOKEN, "--pin-env", "TOKEN_PIN", "--trust", roots, env=token
    )
    assert done.returncode == 1, done.stderr
    assert "is not signed soundly so far" in done.stderr and "'tokyo' does not hold" in done.stderr
    assert "revoked" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_signature_by_an_expired_certificate_is_named_expired(
    unsigned: Path, authority: Authority, tmp_path: Path
) -> None:
    """communique refuses to sign with an expired certificate; one signed so by another tool is reported as
    expired (found by a review: only 'NOT trusted by the roots given', with no problem listed)."""

    signed = tmp_path / "expired.pdf"
    signed.write_bytes(_signed_by_pyhanko(unsigned, str(authority.pki.p12("expired")), "tokyo"))
    for flags in (["--trust", str(authority.pki.roots_pem)], []):
        code, report = _verify(signed, *flags)
        assert code == 1
        signature = report["signatures"][0]  # type: ignore[index]
        assert signature["certificate_status"] == "expired", signature
        assert any("was expired when it signed" in problem for problem in signature["problems"])
    plain = run_cli("verify", str(signed), "--trust", str(authority.pki.roots_pem))
    assert "certificate: EXPIRED" in plain.stdout


@pytest.mark.parametrize(
    ("labels", "missing"),
    [
        (["--key-label", "espoo"], "no certificate labelled 'espoo' and no private key labelled 'espoo'"),
        (["--key-label", "helsinki", "--cert-label", "nope"], "no certificate labelled 'nope'"),
    ],
)
def test_a_label_the_token_does_not_hold_is_named_with_those_it_holds(
    unsigned: Path, token: dict[str, str], tmp_path: Path, labels: list[str], missing: str
) -> None:
    """Found by a review: 'internal error' (pyHanko's PKCS11Error was raised outside the error handling)."""
    out = tmp_path / "out.pdf"
    done = _sign(
        unsigned,
        out,
        "helsinki",
        "--pkcs11-lib",
        str(SOFTHSM),
        "--token-label",
        "city",
        *labels,
        "--pin-env",
        "TOKEN_PIN",
        env=token,
    )
    assert done.returncode == 1, done.stderr
    assert f"the token 'city' ({SOFTHSM}) has {missing}" in done.stderr, done.stderr
    assert "its private keys: 'helsinki'; its certificates: 'helsinki'" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("flag", "secret", "what"), [("--pin-env", PIN, "PIN"), ("--passphrase-env", PASSPHRASE, "passphrase")]
)
def test_a_secret_given_for_a_variable_name_is_refused_unrepeated(
    unsigned: Path,
    authority: Authority,
    token: dict[str, str],
    tmp_path: Path,
    flag: str,
    secret: str,
    what: str,
) -> None:
    """Found by a review: 'the environment variable 4321 is not set' put the PIN in the logs."""
    key = list(HELSINKI_TOKEN) if what == "PIN" else ["--p12", str(authority.pki.p12("tokyo"))]
    out = tmp_path / "out.pdf"
    done = _sign(unsigned, out, "tokyo", *key, flag, secret, env=token)
    assert done.returncode == 2, done.stderr
    assert f"{flag} takes the name of an environment variable, not the {what}" in done.stderr
    assert secret not in done.stderr + done.stdout and "correct" not in done.stderr
    shaped = "Tokyo2024Secret"  # a secret that looks like a variable's name is not repeated either
    done = _sign(unsigned, out, "tokyo", *key, flag, shaped, env=token)
    assert done.returncode == 2 and f"the environment variable {flag} names is not set" in done.stderr
    assert shaped not in done.stderr + done.stdout
    assert not out.exists()


def test_extract_refuses_sources_replaced_after_signing(signed_by_both: Path, tmp_path: Path) -> None:
    """A later revision replaces the embedded data file, with its size and MD5 recorded to match: verify
    fails the copy, and extract must not hand the forgery back as the signed source (found by a review:
    exit 0 with the forged file written)."""
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_appended_update(signed_by_both.read_bytes(), "source"))
    out = tmp_path / "out"
    done = run_cli("extract", str(forged), "--out", str(out))
    assert done.returncode == 1, done.stdout
    assert "were replaced in a revision added after the build" in done.stderr
    assert "head -c" in done.stderr and "nothing was written" in done.stderr
    assert not out.exists() or not any(out.iterdir())
    assert "Traceback" not in done.stderr


def test_a_pypdf_incremental_update_is_said_as_what_is_wrong_with_the_file(
    signed_by_both: Path, tmp_path: Path
) -> None:
    """Found by a review: 'the signatures cannot be read: AttributeError: 'NullObject' object has no
    attribute 'get''."""
    import pypdf

    writer = pypdf.PdfWriter(BytesIO(signed_by_both.read_bytes()), incremental=True)
    writer.add_metadata({"/Title": "Changed"})
    output = BytesIO()
    writer.write(output)
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(output.getvalue())
    done = run_cli("verify", str(changed))
    assert done.returncode == 1
    assert not re.search(r"\b[A-Z][A-Za-z]+(Error|Exception)\b", done.stdout), done.stdout
    assert "NullObject" not in done.stdout and "Traceback" not in done.stderr
