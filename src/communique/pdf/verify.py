"""Checks of a finished PDF, each finding with its rule: conformance with every validator available here,
and communique's own integrity checks, which find any change made after the build.

Validators: page-validation (PDF/A-1/2/3 a/b/u, PDF/UA-1), pikepdf.pdfa (an allowlist validator
with veraPDF rule ids, level b only) and `qpdf --check` (syntax and streams).
Integrity (rules communique:*): the seal in /ID recomputed (seal.py), Info and XMP in agreement, every
embedded file's /Params /Size and /CheckSum; with `rebuild`, the PDF rebuilt from its sources, byte for byte.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from communique.errors import CommuniqueError
from communique.pdf.signatures import (
    SignatureCheckError,
    SignatureReport,
    SignedCopy,
    built_revision,
    check_signed_copy,
    revision_ends,
)
from communique.text_rules import printable, printable_lines

if TYPE_CHECKING:
    import pikepdf
    from pypdf import PdfReader

# pikepdf checks level b only; a level a or u file declares its own level, which that rule rejects.
_LEVEL_B_ONLY = re.compile(r"pdfaid:conformance is '([AU])', expected 'B'")
INTEGRITY = "communique integrity (seal, Info/XMP agreement, source checksums)"
REBUILD_TIMEOUT_SECONDS = 600
XMP_LIMIT = 16 * 1024 * 1024
_CHANGED = {
    "pages": "the pages changed after the build: their content, fonts, images or annotations differ from "
    "the seal in /ID[0] (or /ID[0] itself was changed)",
    "sources": "the embedded source files changed after the build: their names, descriptions or contents "
    "differ from the seal in /ID[0] (or /ID[0] itself was changed)",
    "structure": "the document structure changed after the build: tags, bookmarks, page labels, output "
    "intent or other catalog entries differ from the seal in /ID[0] (or /ID[0] itself was changed)",
    "metadata": "the metadata changed after the build: the Info dictionary, the XMP packet or the embedded "
    "files' dates differ from the seal in /ID[1] (or /ID[1] itself was changed, as tools that re-save a "
    "PDF do)",
}
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Info key -> its XMP property (Clark notation) and how PDF/A names it, per ISO 19005 6.6.2.3.
_INFO_XMP = (
    ("/Title", "{http://purl.org/dc/elements/1.1/}title", "dc:title"),
    ("/Author", "{http://purl.org/dc/elements/1.1/}creator", "dc:creator"),
    ("/Subject", "{http://purl.org/dc/elements/1.1/}description", "dc:description"),
    ("/Keywords", "{http://ns.adobe.com/pdf/1.3/}Keywords", "pdf:Keywords"),
    ("/Creator", "{http://ns.adobe.com/xap/1.0/}CreatorTool", "xmp:CreatorTool"),
    ("/Producer", "{http://ns.adobe.com/pdf/1.3/}Producer", "pdf:Producer"),
    ("/CreationDate", "{http://ns.adobe.com/xap/1.0/}CreateDate", "xmp:CreateDate"),
    ("/ModDate", "{http://ns.adobe.com/xap/1.0/}ModifyDate", "xmp:ModifyDate"),
)
_PDF_DATE = re.compile(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(?:([Zz+-])(\d\d)?'?(\d\d)?'?)?$")


@dataclass(frozen=True)
class Finding:
    """One reason a validator does not accept the file."""

    rule: str
    """The validator's rule id, e.g. 'ISO_19005_3:6.8-4' or 'PDFA3A-METADATA-FILTER-001'."""
    message: str


@dataclass(frozen=True)
class ValidatorResult:
    """What one validator said."""

    validator: str
    """Name, version and profile checked, e.g. 'page-validation 0.11.0 (PDF/A-3a)'."""
    passed: bool
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    """Findings set aside as not applicable, and why; never a reason to pass a failing file."""


@dataclass(frozen=True)
class VerifyReport:
    """The verdict on one PDF."""

    path: Path
    declared: str | None
    """The PDF/A flavour the file declares in its XMP, e.g. '3A', or None."""
    results: tuple[ValidatorResult, ...]
    standards: tuple[str, ...] = ()
    """Every standard the file declares in its XMP, e.g. ('PDF/A-3A', 'PDF/UA-1')."""
    integrity: ValidatorResult | None = None
    """communique's own checks (rules communique:*): any change since the build."""
    signed: SignedCopy | None = None
    """A copy with revisions after the built one: its signatures, each checked, and those changes."""
    unreadable: str | None = None
    """Why the file could not be checked at all (not a PDF, encrypted, unreadable); it is not valid."""

    @property
    def passed(self) -> bool:
        """A declared standard (PDF/A, PDF/UA, PDF/X), accepted by every validator of each, unchanged
        since the build, and every signature intact, followed only by allowed changes, and trusted where
        trust roots were given."""
        checks = (*self.results, *([self.integrity] if self.integrity else []))
        signed = self.signed is None or self.signed.passed
        return bool(self.standards) and all(result.passed for result in checks) and signed

    def as_json(self) -> dict[str, object]:
        """The report as plain data."""
        return {
            "path": str(self.path),
            "error": self.unreadable,
            "declared": f"PDF/A-{self.declared}" if self.declared else None,
            "standards": list(self.standards),
            "passed": self.passed,
            "validators": [_result_json(result) for result in self.results],
            "integrity": _result_json(self.integrity) if self.integrity else None,
            "signatures": [item.as_json() for item in self.signed.signatures] if self.signed else [],
            "unsigned_fields": list(self.signed.unsigned_fields) if self.signed else [],
        }


def _result_json(result: ValidatorResult) -> dict[str, object]:
    return {
        "validator": result.validator,
        "passed": result.passed,
        "findings": [{"rule": f.rule, "message": f.message} for f in result.findings],
        "notes": list(result.notes),
    }


def verify(path: Path, rebuild: bool = False, trust: tuple[Path, ...] = ()) -> VerifyReport:
    """Check `path` against the PDF/A flavour it declares with every validator available, and for any
    change since the build; with `rebuild`, also rebuild it from its sources and compare the bytes. A
    signed copy: the built revision (before the first signature) is what the seal and the rebuild are
    compared with, and every signature is checked, against `trust` roots when given."""
    from communique.pdf.seal import open_pdf

    data = _read(path)
    reader = open_pdf(data, str(path))  # a clear error for a file that is not a PDF, or is encrypted
    oversized = _oversized_streams(data)
    if oversized:  # the validators would decode them whole: gigabytes from a small file
        limits = ValidatorResult(DECODE_LIMITS, False, oversized)
        return VerifyReport(path, None, (limits,), (), ValidatorResult(INTEGRITY, False, oversized))
    properties = declared_properties(reader)
    declared = declared_flavour(properties)
    standards = declared_standards(properties)
    ends = revision_ends(data)  # read once: whether, and where, signatures were appended
    if len(ends) <= 1:
        results = _validators(data, path, standards, properties)
        findings = integrity_findings(reader) + (rebuild_check(path) if rebuild else ())
        name = INTEGRITY + (", rebuilt from its sources" if rebuild else "")
        return VerifyReport(path, declared, results, standards, ValidatorResult(name, not findings, findings))
    built = data[: ends[0]]
    try:
        signed = check_signed_copy(data, trust)
    except SignatureCheckError as error:
        unreadable = Finding("communique:signatures", error.message)
        results = _validators(data, path, standards, properties)
        failed = ValidatorResult(INTEGRITY_SIGNED, False, (unreadable,))
        return VerifyReport(path, declared, results, standards, failed)
    results = tuple(
        _signed_ranges(result, data, signed, ends)
        for result in _validators(data, path, standards, properties)
    )
    built_reader = open_pdf(built, "the built revision")
    findings = (
        integrity_findings(built_reader)
        + info_xmp_findings(reader)
        + _metadata_since_built(reader, built_reader)
    )
    if not signed.since_built_allowed:
        findings += (
            Finding(
                "communique:signed-changes",
                f"the revisions added after the build change more than signatures and validation data: "
                f"{signed.since_built}",
            ),
        )
    findings += tuple(Finding("communique:signatures", problem) for problem in signed.problems)
    findings += rebuild_check(path, built) if rebuild else ()
    name = INTEGRITY_SIGNED + (", rebuilt from its sources" if rebuild else "")
    return VerifyReport(
        path, declared, results, standards, ValidatorResult(name, not findings, findings), signed
    )


def unreadable_report(path: Path, error: CommuniqueError) -> VerifyReport:
    """The verdict on a file that could not be checked at all: not valid, for the reason given."""
    reason = str(error)
    finding = Finding("communique:unreadable", reason)
    return VerifyReport(path, None, (), (), ValidatorResult(INTEGRITY, False, (finding,)), None, reason)


def _metadata_since_built(reader: PdfReader, before: PdfReader) -> tuple[Finding, ...]:
    """A finding when the Info or XMP metadata now differ from the revision communique built: signing
    (communique's, at least) leaves them as built, and a signature does not protect them from a later
    revision (pyHanko's change analysis lets metadata updates through)."""
    changed = [
        key
        for key in sorted({*(before.metadata or {}), *(reader.metadata or {})})
        if (before.metadata or {}).get(key) != (reader.metadata or {}).get(key)
    ]
    if xmp_packet(before) != xmp_packet(reader):
        changed.append("the XMP packet")
    if not changed:
        return ()
    return (
        Finding(
            "communique:signed-metadata",
            f"the metadata changed after the build, in a later revision: {', '.join(changed)}",
        ),
    )


INTEGRITY_SIGNED = "communique integrity of the built revision (seal, source checksums; Info/XMP now)"
_BYTE_RANGE_RULE = "PDFA3A-SIGNATURE-BYTERANGE-001"


def _signed_ranges(
    result: ValidatorResult, data: bytes, signed: SignedCopy, ends: list[int]
) -> ValidatorResult:
    """page-validation asks every signature's /ByteRange to cover the whole file; in a file signed in turn
    each signature covers the revision it signed (ISO 32000-1 12.8.1; veraPDF #1493 fixed the same check).
    Set that finding aside when every byte range ends exactly at the end of a revision and every change
    after each signature is one its DocMDP permission allows (checked for each signature below)."""
    if not any(
        finding.rule.startswith("PDFA") and finding.rule.endswith("SIGNATURE-BYTERANGE-001")
        for finding in result.findings
    ):
        return result
    ranges = signed.range_ends
    if (
        not ranges
        or not set(ranges) <= set(ends)
        or not (signed.since_built_allowed and all(item.changes_allowed for item in signed.signatures))
    ):
        return result
    kept = tuple(
        finding for finding in result.findings if not finding.rule.endswith("SIGNATURE-BYTERANGE-001")
    )
    note = (
        "SIGNATURE-BYTERANGE-001 not applicable: each of the file's signatures covers the whole revision it "
        f"signed (byte ranges end at {', '.join(map(str, sorted(set(ranges))))} of {len(data)} bytes, each a "
        "revision's end), and what follows each is allowed by its DocMDP permission"
    )
    return ValidatorResult(result.validator, not kept, kept, (*result.notes, note))


DECODE_LIMITS = "communique decoded-size limits"
MAX_STREAM_BYTES = 64 * 2**20
"""Most bytes one stream may inflate to before verify hands the file to the validators (communique's
largest, an embedded CJK font, is about 2 MiB)."""
MAX_DECODED_BYTES = 512 * 2**20
"""Most bytes all streams may inflate to together."""
_STEP = 2**20


def _oversized_streams(data: bytes) -> tuple[Finding, ...]:
    """A finding for the first Flate stream that inflates past MAX_STREAM_BYTES, or the one at which all of
    them together pass MAX_DECODED_BYTES; counted a mebibyte at a time, never held."""
    import pikepdf

    try:
        return _count_inflated(pikepdf.open(BytesIO(data)))
    except (pikepdf.PdfError, RuntimeError) as error:  # qpdf cannot walk it: the validators will say more
        return (Finding("communique:damaged", f"the file's objects cannot be read ({error})"),)


def _count_inflated(pdf: pikepdf.Pdf) -> tuple[Finding, ...]:
    import pikepdf

    total = 0
    with pdf:
        for item in pdf.objects:
            if not isinstance(item, pikepdf.Stream) or not _flate_first(item.get("/Filter")):
                continue
            size = _inflated_size(item.read_raw_bytes(), MAX_STREAM_BYTES)
            total += size
            if size > MAX_STREAM_BYTES or total > MAX_DECODED_BYTES:
                limit = f"{MAX_STREAM_BYTES // 2**20} MiB a stream, {MAX_DECODED_BYTES // 2**20} MiB in all"
                number, generation = item.objgen
                message = (
                    f"stream {number} {generation} R inflates past communique's limits ({limit}); "
                    "the file was not checked further"
                )
                return (Finding("communique:decode-limit", message),)
    return ()


def _flate_first(filters: object) -> bool:
    """Whether a stream's first filter is FlateDecode (the only one communique writes, and a bomb's)."""
    import pikepdf

    first = filters[0] if isinstance(filters, pikepdf.Array) and len(filters) else filters
    return str(first) in ("/FlateDecode", "/Fl")


def _inflated_size(raw: bytes, limit: int) -> int:
    """How many bytes zlib `raw` inflates to, counting no further than just past `limit` (0 if damaged)."""
    decompressor = zlib.decompressobj()
    size = 0
    try:
        while raw and size <= limit:
            size += len(decompressor.decompress(raw, _STEP))
            raw = decompressor.unconsumed_tail
    except zlib.error:
        return size
    return size


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommuniqueError(f"cannot read {path}: {error.strerror}", hint="check the path") from error


def xmp_packet(reader: PdfReader) -> bytes | None:
    """The XMP packet of the catalog, decoded within XMP_LIMIT; None if there is none; ArchiveError if it
    cannot be decoded or is larger."""
    from communique.pdf.archival import decoded_stream

    stream = reader.root_object.get("/Metadata")
    stream = stream.get_object() if stream is not None else None
    if stream is None or not hasattr(stream, "get_data"):
        return None
    return decoded_stream(stream, "the XMP packet", XMP_LIMIT)


def xmp_properties(packet: bytes) -> dict[str, str]:
    """The XMP's properties by Clark name (see _xmp_values); ValueError for a DTD, entities or XML that is
    not well-formed."""
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise ValueError("the XMP packet declares a DTD or entities, which communique never writes")
    try:
        return _xmp_values(ElementTree.fromstring(packet))
    except ElementTree.ParseError as error:
        raise ValueError(f"the XMP packet is not well-formed XML ({error})") from error


_PDFA_ID = "{http://www.aiim.org/pdfa/ns/id/}"


def declared_flavour(properties: dict[str, str]) -> str | None:
    """The PDF/A part and level the XMP properties declare (e.g. '3A'), or None."""
    part = properties.get(f"{_PDFA_ID}part", "").strip()
    return (part + properties.get(f"{_PDFA_ID}conformance", "").strip()).upper() if part else None


_PDFUA_ID = "{http://www.aiim.org/pdfua/ns/id/}"
_PDFX_ID = "{http://www.npes.org/pdfx/ns/id/}"


def declared_standards(properties: dict[str, str]) -> tuple[str, ...]:
    """Every standard the XMP properties declare: 'PDF/A-3A', 'PDF/UA-1', 'PDF/X-4'."""
    found = []
    if flavour := declared_flavour(properties):
        found.append(f"PDF/A-{flavour}")
    if ua := properties.get(f"{_PDFUA_ID}part", "").strip():
        found.append(f"PDF/UA-{ua}")
    if pdfx := properties.get(f"{_PDFX_ID}GTS_PDFXVersion", "").strip():
        found.append(pdfx)
    return tuple(found)


def declared_properties(reader: PdfReader) -> dict[str, str]:
    """The XMP's properties; none where its XMP cannot be read (it declares nothing readable)."""
    from communique.pdf.archival import ArchiveError

    try:
        packet = xmp_packet(reader)
        return xmp_properties(packet) if packet is not None else {}
    except (ArchiveError, ValueError):
        return {}


def _validators(
    data: bytes, path: Path, standards: tuple[str, ...], properties: dict[str, str]
) -> tuple[ValidatorResult, ...]:
    """Each declared standard checked by every validator available for it, then qpdf."""
    results = []
    for standard in standards:
        if standard in ("PDF/A-1A", "PDF/A-1B") or standard[:7] in ("PDF/A-2", "PDF/A-3"):
            flavour = standard.removeprefix("PDF/A-")
            results += [_page(data, flavour.lower(), standard), _pikepdf(path, flavour)]
        elif standard == "PDF/UA-1":
            results.append(_page(data, "ua1", standard))
        elif standard == "PDF/X-4":
            results.append(_pdfx(path, properties))
        else:
            unchecked = Finding(
                "communique:unchecked",
                f"no validator here checks {standard} (page-validation reads PDF/A-1 to 3 and PDF/UA-1, "
                "pikepdf PDF/A-1b to 3b; communique checks PDF/X-4)",
            )
            results.append(ValidatorResult(f"{standard}: no validator", False, (unchecked,)))
    if not standards:
        nothing = Finding(
            "communique:declared", "the file declares no PDF/A, PDF/UA or PDF/X part in its XMP"
        )
        results.append(ValidatorResult("declared standards", False, (nothing,)))
    return (*results, _qpdf(path))


def _pdfx(path: Path, properties: dict[str, str]) -> ValidatorResult:
    import pikepdf

    from communique.pdf.pdfx import pdfx4_problems

    name = "communique PDF/X-4 checks (output intent, boxes, trapping, XMP, annotations, colour, fonts)"
    try:
        with pikepdf.open(path) as pdf:
            problems = pdfx4_problems(pdf, properties)
    except (pikepdf.PdfError, ValueError, TypeError, AttributeError) as error:
        return ValidatorResult(name, False, (_stopped("pdfx", error),))
    findings = tuple(Finding(problem.rule, problem.message) for problem in problems)
    return ValidatorResult(name, not findings, findings)


def _page(data: bytes, profile: str, standard: str) -> ValidatorResult:
    import page

    shown = standard if standard.startswith("PDF/UA") else f"PDF/A-{profile.removeprefix('pdf/a-')}"
    name = f"page-validation {page.__version__} ({shown})"
    try:
        report = page.validate_pdf_bytes(data, profile=profile)
    except page.PageError as error:
        return ValidatorResult(name, False, (Finding("page:error", str(error)),))
    except Exception as error:  # the validator's own failure on a damaged file: the file does not pass
        return ValidatorResult(name, False, (_stopped("page", error),))
    findings = tuple(Finding(f.rule_id, f.message) for f in report.failures)
    return ValidatorResult(name, report.is_compliant and not findings, findings)


def _stopped(validator: str, error: Exception) -> Finding:
    """What a validator that raised on a file says of it (found by make fuzz: UnicodeDecodeError)."""
    return Finding(
        f"{validator}:stopped", f"the validator stopped on this file: {type(error).__name__}: {error}"
    )


_EXTENSION_SCHEMA = re.compile(
    r"XMP (namespace (pdfaExtension|pdfaSchema|pdfaProperty)=|property (pdfuaid:part|pdfaExtension:schemas) )"
)
"""pikepdf's findings on the XMP extension schema an archival copy declaring PDF/UA-1 must carry."""


def _pikepdf(path: Path, flavour: str) -> ValidatorResult:
    import pikepdf
    from pikepdf.pdfa import validate_written

    part = flavour[0]
    name = f"pikepdf.pdfa {pikepdf.__version__} (PDF/A-{part}b rules)"
    try:
        report = validate_written(path, f"{part}b")
    except Exception as error:  # the validator's own failure on a damaged file: the file does not pass
        return ValidatorResult(name, False, (_stopped("pikepdf", error),))
    findings, notes = [], []
    for finding in report.findings:
        level = _LEVEL_B_ONLY.search(finding.message)
        if level and flavour[1:] == level.group(1):
            notes.append(
                f"{finding.rule} (conformance must be B) not applicable: pikepdf checks level b only; the "
                f"file declares level {level.group(1).lower()}, which page-validation checks in full"
            )
            continue
        if _EXTENSION_SCHEMA.search(finding.message):
            notes.append(
                f"{finding.rule} not applicable: {finding.message}; pikepdf allows only predefined XMP "
                "schemas and does not read extension schemas (ISO 19005 6.6.2.3.3), which page-validation "
                "checks in full"
            )
            continue
        if finding.kind == "unsupported":  # a feature pikepdf's rules do not cover, not a violation
            notes.append(
                f"{finding.rule} not checked by pikepdf: {finding.message} (at {finding.where}); "
                "page-validation checks it"
            )
            continue
        findings.append(Finding(finding.rule, f"{finding.message} ({finding.kind} at {finding.where})"))
    return ValidatorResult(name, not findings, tuple(findings), tuple(notes))


QPDF_SECONDS = 60
"""How long qpdf --check may take (a communique PDF takes a fraction of a second)."""


def _qpdf(path: Path) -> ValidatorResult:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        missing = Finding("qpdf:missing", "qpdf is not installed (Debian: apt-get install qpdf)")
        return ValidatorResult("qpdf --check", False, (missing,))
    version = subprocess.run([qpdf, "--version"], capture_output=True, text=True, check=False)
    name = f"qpdf {version.stdout.split()[2] if version.stdout.count(' ') >= 2 else ''} --check".strip()
    try:  # qpdf quotes what it read: a damaged file's bytes need not be UTF-8
        check = subprocess.run(
            [qpdf, "--check", str(path)],
            capture_output=True,
            encoding="utf-8",
            errors="backslashreplace",
            check=False,
            timeout=QPDF_SECONDS,
        )
    except subprocess.TimeoutExpired:
        late = Finding("qpdf:time", f"qpdf --check did not finish in {QPDF_SECONDS} s")
        return ValidatorResult(name, False, (late,))
    if check.returncode == 0:
        return ValidatorResult(name, True)
    lines = [line for line in (check.stdout + check.stderr).splitlines() if line.strip()]
    problems = [line for line in lines if "WARNING" in line or "error" in line.lower()] or lines[-3:]
    return ValidatorResult(name, False, tuple(Finding("qpdf:check", line) for line in problems))


def format_report(report: VerifyReport) -> str:
    """The report for people: the verdict, then each validator with its findings (anything a terminal
    would act on escaped)."""
    if report.unreadable is not None:
        return printable_lines(f"{report.path}: NOT valid (cannot be checked: {report.unreadable})")
    declared = ", ".join(report.standards) or "no PDF/A, PDF/UA or PDF/X identification in its XMP"
    lines = [f"{report.path}: {'valid' if report.passed else 'NOT valid'} ({declared})"]
    for result in report.results:
        lines.append(f"  {'pass' if result.passed else 'FAIL'}  {result.validator}")
        lines += [f"        [{finding.rule}] {finding.message}" for finding in result.findings]
        lines += [f"        note: {note}" for note in result.notes]
    if report.integrity:
        lines.append(f"  {'ok  ' if report.integrity.passed else 'FAIL'}  {report.integrity.validator}")
        lines += [f"        [{finding.rule}] {finding.message}" for finding in report.integrity.findings]
    if report.signed is not None:
        lines += [line for signature in report.signed.signatures for line in _signature_lines(signature)]
        if report.signed.unsigned_fields:
            lines.append(
                f"  note  signature fields not signed yet: {', '.join(report.signed.unsigned_fields)}"
            )
    return printable_lines("\n".join(lines))


def built_revision_findings(data: bytes) -> tuple[Finding, ...]:
    """integrity_findings of the revision communique built, before any signature was added to it."""
    from communique.pdf.seal import open_pdf

    return integrity_findings(open_pdf(built_revision(data), "the built revision"))


def integrity_findings(reader: PdfReader) -> tuple[Finding, ...]:
    """communique's checks that the file is as built: its seal, Info and XMP in agreement, and every
    embedded file's recorded size and checksum. One finding for each thing that changed."""
    from pypdf.errors import PyPdfError

    findings: list[Finding] = []
    for rule, check in (
        ("communique:seal", seal_findings),
        ("communique:info-xmp", info_xmp_findings),
        ("communique:source-checksum", checksum_findings),
    ):
        try:
            findings += check(reader)
        except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError) as error:
            findings.append(Finding(rule, f"cannot check: the file is damaged ({printable(str(error))})"))
    return tuple(findings)


def seal_findings(reader: PdfReader) -> tuple[Finding, ...]:
    """The seal in /ID recomputed from the file: one finding for each part that changed."""
    from communique.pdf.seal import PARTS, compute_seal, recorded_seal

    recorded = recorded_seal(reader)
    if recorded is None:
        return (
            Finding(
                "communique:seal",
                "the file carries no communique seal: its /ID is missing or not two 16-byte strings "
                "(it was not built by communique, or the /ID was replaced)",
            ),
        )
    changed = recorded.differences(compute_seal(reader))
    if len(changed) == len(PARTS):
        return (
            Finding(
                "communique:seal",
                "no part of the seal in /ID matches the file: the /ID was replaced, the file was built by "
                "a communique without seals, or everything changed",
            ),
        )
    return tuple(Finding(f"communique:seal-{part}", _CHANGED[part]) for part in changed)


def info_xmp_findings(reader: PdfReader) -> tuple[Finding, ...]:
    """Each Info entry that does not say what its XMP property says (PDF/A asks that they agree)."""
    from communique.pdf.archival import ArchiveError

    rule = "communique:info-xmp"
    try:
        packet = xmp_packet(reader)
        if packet is None:
            return (Finding(rule, "the file has no XMP metadata stream"),)
        xmp = xmp_properties(packet)
    except ArchiveError as error:
        return (Finding(rule, error.message),)
    except ValueError as error:
        return (Finding(rule, str(error)),)
    info = reader.metadata
    findings = []
    for key, tag, name in _INFO_XMP:
        value = info.get(key) if info is not None else None
        said = None if value is None else str(value.get_object())
        meant = xmp.get(tag)
        if said is None and meant is None:
            continue
        if meant is None:
            findings.append(Finding(rule, f"Info {key} is {_shown(said or '')}, but the XMP has no {name}"))
        elif said is None:
            findings.append(
                Finding(rule, f"the XMP {name} is {_shown(meant)}, but the Info dictionary has no {key}")
            )
        elif not _agree(key, said, meant):
            findings.append(
                Finding(rule, f"Info {key} {_shown(said)} does not match the XMP {name} {_shown(meant)}")
            )
    return tuple(findings)


def _xmp_values(root: ElementTree.Element) -> dict[str, str]:
    """The first value of each simple property, the x-default (or first) item of each language
    alternative, and a sequence's items joined by '; ', keyed by Clark name."""
    values: dict[str, str] = {}
    for description in root.iter(f"{_RDF}Description"):
        for name, value in description.attrib.items():
            values.setdefault(name, value)
        for prop in description:
            items = list(prop.iter(f"{_RDF}li"))
            if not items:
                values.setdefault(prop.tag, prop.text or "")
                continue
            chosen = [item for item in items if item.get(_XML_LANG) == "x-default"] or items[:1]
            in_alt = prop.find(f"{_RDF}Alt") is not None
            text = (chosen[0].text or "") if in_alt else "; ".join(item.text or "" for item in items)
            values.setdefault(prop.tag, text)
    return values


def _agree(key: str, said: str, meant: str) -> bool:
    if key not in ("/CreationDate", "/ModDate"):
        return said == meant
    return (moment := _pdf_moment(said)) is not None and moment == _xmp_moment(meant)


def _pdf_moment(text: str) -> datetime.datetime | None:
    match = _PDF_DATE.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, sign, offset_hours, offset_minutes = match.groups()
    try:
        offset = datetime.timedelta(hours=int(offset_hours or 0), minutes=int(offset_minutes or 0))
        zone = datetime.timezone(-offset if sign == "-" else offset)
        return datetime.datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=zone if sign else datetime.UTC,
        )
    except ValueError:
        return None


def _xmp_moment(text: str) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def checksum_findings(reader: PdfReader) -> tuple[Finding, ...]:
    """Each embedded file whose contents do not match its recorded /Params /Size and /CheckSum (MD5)."""
    from communique.pdf.archival import ArchiveError, read_associated

    rule = "communique:source-checksum"
    try:
        files = read_associated(reader)
    except ArchiveError as error:
        return (Finding(rule, error.message),)
    return tuple(Finding(rule, problem) for file in files if (problem := file.mismatch()))


def rebuild_check(pdf_path: Path, built: bytes | None = None) -> tuple[Finding, ...]:
    """Rebuild the archival PDF from the sources it carries, with the options it records and its own build
    clock (SOURCE_DATE_EPOCH from its CreationDate), in a fresh process and a temporary folder; a
    'communique:rebuild' finding unless the result is the same bytes. Slow: a whole build."""
    from communique.pdf.archival import extract_sources, recorded_options, source_files, withheld_fonts
    from communique.pdf.seal import compute_seal, open_pdf

    rule = "communique:rebuild"
    data = built if built is not None else _read(pdf_path)
    reader = open_pdf(data, str(pdf_path))
    try:
        sources = tuple(file.source for file in source_files(data, str(pdf_path)))
        options = recorded_options(sources)
    except CommuniqueError as error:
        return (Finding(rule, f"cannot rebuild: {error.message}"),)
    if options is None:
        return (Finding(rule, "cannot rebuild: the data file's description records no rebuild command"),)
    if withheld := withheld_fonts(sources):
        return (
            Finding(
                rule,
                "cannot rebuild from what the copy carries: it names the project fonts "
                f"{', '.join(withheld)} instead of carrying them (their licence may not allow passing "
                "them on; mark a font `redistributable = true` in communique.toml to carry it)",
            ),
        )
    command = shlex.join(["communique", "build", sources[0].name, *options])
    with tempfile.TemporaryDirectory(prefix="communique-rebuild-") as temporary:
        folder = Path(temporary)
        try:
            extract_sources(data, str(pdf_path), folder / "sources")
        except CommuniqueError as error:
            return (Finding(rule, f"cannot rebuild: {error.message}"),)
        environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
        created = reader.metadata.get("/CreationDate") if reader.metadata is not None else None
        moment = _pdf_moment(str(created)) if created is not None else None
        if moment is not None and moment.timestamp() >= 0:
            environment["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        data_file = folder / "sources" / sources[0].name
        out = folder / "out"
        try:
            result = subprocess.run(
                [sys.executable, "-m", "communique", "build", str(data_file), "--out", str(out), *options],
                capture_output=True,
                text=True,
                env=environment,
                cwd=folder,
                timeout=REBUILD_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return (Finding(rule, f"`{command}` took over {REBUILD_TIMEOUT_SECONDS} s and was stopped"),)
        written = sorted(out.glob("*.pdf"))
        if result.returncode != 0 or len(written) != 1:
            said = [line for line in result.stderr.splitlines() if line.strip()] or ["no PDF written"]
            return (Finding(rule, f"`{command}` failed on the embedded sources: {printable(said[-1])}"),)
        rebuilt = written[0].read_bytes()
    if rebuilt == data:
        return ()
    offset = next((i for i, (a, b) in enumerate(zip(rebuilt, data, strict=False)) if a != b), len(data))
    parts = compute_seal(open_pdf(rebuilt, "the rebuilt PDF")).differences(compute_seal(reader))
    differ = f"its {', '.join(parts)} differ" if parts else "only its bytes differ, not its content"
    return (
        Finding(
            rule,
            f"rebuilding from the embedded sources (`{command}`) gives a different PDF: {differ} "
            f"(first different byte at offset {offset})",
        ),
    )


def _shown(text: str) -> str:
    """A value for a message: quoted, escaped, and cut to a readable length."""
    return repr(text if len(text) <= 120 else text[:117] + "...")


_TRUST = {
    None: "not checked (give --trust ROOTS.pem)",
    True: "trusted",
    False: "NOT trusted by the roots given",
}


def _certificate_line(signature: SignatureReport) -> str:
    if signature.certificate_status is None:
        return _TRUST[signature.trusted]
    trust = "" if signature.trusted is not None else f"; trust {_TRUST[None]}"
    return f"{signature.certificate_status.upper()} (see the problem below){trust}"


def _signature_lines(signature: SignatureReport) -> list[str]:
    kind = "certification" if signature.certification else "approval"
    state = (
        "intact" if signature.intact else "NOT intact: the signed bytes changed or the signature is broken"
    )
    allowed = "" if signature.changes_allowed else " (NOT allowed)"
    return [
        f"  {'ok  ' if signature.passed else 'FAIL'}  signature '{signature.field}' "
        f"({kind}, PAdES {signature.level})",
        f"        signer: {signature.signer}",
        f"        signed {signature.signed_at or 'at an unknown time'} (the signer's clock); "
        f"timestamp: {signature.timestamp or 'none'}",
        f"        {state}; covers the {signature.coverage}; "
        f"changes after it: {signature.later_changes}{allowed}",
        f"        certificate: {_certificate_line(signature)}",
        *(f"        problem: {problem}" for problem in signature.problems),
    ]
