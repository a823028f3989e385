"""Conformance checks of a finished PDF with every validator available here, each finding with its rule.

Validators: page-validation (PDF/A-1/2/3 a/b/u, PDF/UA-1), pikepdf.pdfa (an allowlist validator
with veraPDF rule ids, level b only) and `qpdf --check` (syntax and streams).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from communique.errors import CommuniqueError

# pikepdf checks level b only; a level a or u file declares its own level, which that rule rejects.
_LEVEL_B_ONLY = re.compile(r"pdfaid:conformance is '([AU])', expected 'B'")


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

    @property
    def passed(self) -> bool:
        """Declared PDF/A and accepted by every validator."""
        return self.declared is not None and all(result.passed for result in self.results)

    def as_json(self) -> dict[str, object]:
        """The report as plain data."""
        return {
            "path": str(self.path),
            "declared": f"PDF/A-{self.declared}" if self.declared else None,
            "passed": self.passed,
            "validators": [
                {
                    "validator": result.validator,
                    "passed": result.passed,
                    "findings": [{"rule": f.rule, "message": f.message} for f in result.findings],
                    "notes": list(result.notes),
                }
                for result in self.results
            ],
        }


def verify(path: Path) -> VerifyReport:
    """Check `path` against the PDF/A flavour it declares with every validator available."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommuniqueError(f"cannot read {path}: {error.strerror}", hint="check the path") from error
    declared = declared_flavour(data, path)
    flavour = declared or "3B"
    results = (_page(data, flavour), _pikepdf(path, flavour), _qpdf(path))
    return VerifyReport(path, declared, results)


def declared_flavour(data: bytes, origin: Path) -> str | None:
    """The PDF/A part and level in the XMP (e.g. '3A'), or None if the file declares none."""
    import pikepdf

    try:
        with pikepdf.open(BytesIO(data)) as pdf, pdf.open_metadata() as meta:
            status: str = meta.pdfa_status
    except pikepdf.PdfError as error:
        raise CommuniqueError(f"{origin} is not a readable PDF ({error})", hint="is it a PDF?") from error
    return status.upper() or None


def _page(data: bytes, flavour: str) -> ValidatorResult:
    import page

    profile = flavour.lower()
    name = f"page-validation {page.__version__} (PDF/A-{profile})"
    try:
        report = page.validate_pdf_bytes(data, profile=profile)
    except page.PageError as error:
        return ValidatorResult(name, False, (Finding("page:error", str(error)),))
    findings = tuple(Finding(f.rule_id, f.message) for f in report.failures)
    return ValidatorResult(name, report.is_compliant and not findings, findings)


def _pikepdf(path: Path, flavour: str) -> ValidatorResult:
    import pikepdf
    from pikepdf.pdfa import validate_written

    part = flavour[0]
    name = f"pikepdf.pdfa {pikepdf.__version__} (PDF/A-{part}b rules)"
    report = validate_written(path, f"{part}b")
    findings, notes = [], []
    for finding in report.findings:
        level = _LEVEL_B_ONLY.search(finding.message)
        if level and flavour[1:] == level.group(1):
            notes.append(
                f"{finding.rule} (conformance must be B) not applicable: pikepdf checks level b only; the "
                f"file declares level {level.group(1).lower()}, which page-validation checks in full"
            )
            continue
        findings.append(Finding(finding.rule, f"{finding.message} ({finding.kind} at {finding.where})"))
    return ValidatorResult(name, not findings, tuple(findings), tuple(notes))


def _qpdf(path: Path) -> ValidatorResult:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        missing = Finding("qpdf:missing", "qpdf is not installed (Debian: apt-get install qpdf)")
        return ValidatorResult("qpdf --check", False, (missing,))
    version = subprocess.run([qpdf, "--version"], capture_output=True, text=True, check=False)
    name = f"qpdf {version.stdout.split()[2] if version.stdout.count(' ') >= 2 else ''} --check".strip()
    check = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True, check=False)
    if check.returncode == 0:
        return ValidatorResult(name, True)
    lines = [line for line in (check.stdout + check.stderr).splitlines() if line.strip()]
    problems = [line for line in lines if "WARNING" in line or "error" in line.lower()] or lines[-3:]
    return ValidatorResult(name, False, tuple(Finding("qpdf:check", line) for line in problems))


def format_report(report: VerifyReport) -> str:
    """The report for people: the verdict, then each validator with its findings."""
    declared = f"PDF/A-{report.declared}" if report.declared else "no PDF/A identification in its XMP"
    lines = [f"{report.path}: {'valid' if report.passed else 'NOT valid'} ({declared})"]
    if report.declared is None:
        lines.append("  [pdfaid] the file does not declare PDF/A (checked as PDF/A-3b)")
    for result in report.results:
        lines.append(f"  {'pass' if result.passed else 'FAIL'}  {result.validator}")
        lines += [f"        [{finding.rule}] {finding.message}" for finding in result.findings]
        lines += [f"        note: {note}" for note in result.notes]
    return "\n".join(lines)
