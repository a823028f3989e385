"""What the signatures of a signed copy prove, read with pyHanko: for each, who signed, when, whether the
bytes it covers are intact, what it covers, whether what came after it is allowed, and whether its
certificate chains to the trust roots given. Also the revision communique built, before any signature.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from communique.errors import CommuniqueError


@dataclass(frozen=True)
class SignatureReport:
    """One signature as `verify` checked it."""

    field: str
    signer: str
    """The signing certificate's subject."""
    signed_at: str | None
    """The time the signer's computer claimed (ISO 8601), not proof of anything by itself."""
    timestamp: str | None
    """The time a timestamp authority attests (ISO 8601), if the signature carries a timestamp."""
    level: str
    """PAdES baseline level: B-B, B-T, B-LT or B-LTA."""
    certification: bool
    """A certification (DocMDP) signature, the first of the document."""
    intact: bool
    """The bytes it signed are unchanged and the cryptography checks out."""
    coverage: str
    """'entire file', or 'entire revision' when later revisions follow it."""
    later_changes: str
    """What was changed after it: 'none', 'signatures and validation data' or 'form filling' (allowed),
    or 'other' (not allowed)."""
    changes_allowed: bool
    trusted: bool | None
    """The certificate chains to a trust root given; None when no trust roots were given."""
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Intact, nothing disallowed after it, and trusted where trust roots were given."""
        return self.intact and self.changes_allowed and self.trusted is not False and not self.problems

    def as_json(self) -> dict[str, object]:
        """The report as plain data."""
        return {
            "field": self.field,
            "signer": self.signer,
            "signed_at": self.signed_at,
            "timestamp": self.timestamp,
            "level": self.level,
            "certification": self.certification,
            "intact": self.intact,
            "coverage": self.coverage,
            "later_changes": self.later_changes,
            "changes_allowed": self.changes_allowed,
            "trusted": self.trusted,
            "problems": list(self.problems),
            "passed": self.passed,
        }


def is_signed(data: bytes) -> bool:
    """Whether the PDF holds a signature (a /ByteRange in a later revision than the first)."""
    return b"/ByteRange" in data and data.count(b"startxref") > 1


def built_revision(data: bytes) -> bytes:
    """The bytes communique wrote: the file up to the end of its first revision (signatures and
    validation data come after it as incremental updates)."""
    ends = revision_ends(data)
    return data[: ends[0]] if len(ends) > 1 else data


def revision_ends(data: bytes) -> list[int]:
    """Where each revision of the file ends: after its %%EOF and end-of-line (empty if unreadable)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        revisions = range(reader.xrefs.total_revisions)
        sections = [reader.xrefs.get_xref_container_info(index).end_location for index in revisions]
    except Exception:  # a file pyHanko cannot read: checked whole, and it fails there
        return []
    ends = []
    for end in sections:
        marker = data.find(b"%%EOF", end)
        if marker < 0:
            return []
        stop = marker + len(b"%%EOF")
        if data[stop : stop + 2] == b"\r\n":
            stop += 2
        elif data[stop : stop + 1] in (b"\n", b"\r"):
            stop += 1
        ends.append(stop)
    return ends


def signed_range_ends(data: bytes) -> list[int]:
    """Where the byte range of each signature and document timestamp ends."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        return [int(sig.byte_range[2]) + int(sig.byte_range[3]) for sig in reader.embedded_signatures]
    except Exception:  # unreadable: no range is known to end at a revision, so nothing is set aside
        return []


def signature_reports(data: bytes, trust: tuple[Path, ...] = ()) -> tuple[SignatureReport, ...]:
    """Every signature of the file, checked (see SignatureReport)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    context = _context(trust)
    with quiet_pyhanko():
        try:
            reader = PdfFileReader(BytesIO(data), strict=False)
            signatures = list(reader.embedded_regular_signatures)
            return tuple(_report(signature, context, trust != ()) for signature in signatures)
        except Exception as error:  # pyHanko's many error types on a damaged file: the file fails, clearly
            raise SignatureCheckError(
                f"the signatures cannot be read: {type(error).__name__}: {error}",
                hint="the file is damaged or was changed after signing",
            ) from error


@contextlib.contextmanager
def quiet_pyhanko() -> Iterator[None]:
    """pyHanko and its certificate validator log what they find (with tracebacks); what matters of it
    reaches the user in the reports and errors, so their logs are held back for the block."""
    loggers = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _context(trust: tuple[Path, ...]) -> Any:
    from pyhanko_certvalidator import ValidationContext

    from communique.pdf.signing import load_certificates

    roots = load_certificates(trust) if trust else []
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _report(signature: Any, context: Any, trust_given: bool) -> SignatureReport:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError

    field = str(signature.field_name)
    problems: list[str] = []
    try:
        status = validate_pdf_signature(signature, signer_validation_context=context)
    except (SignatureValidationError, ValueError, KeyError) as error:
        return SignatureReport(
            field,
            "unknown",
            None,
            None,
            "B-B",
            False,
            False,
            "unknown",
            "unknown",
            False,
            None,
            (f"the signature cannot be checked: {error}",),
        )
    certificate = status.signing_cert
    signer = certificate.subject.human_friendly if certificate is not None else "unknown"
    signed_at = status.signer_reported_dt.isoformat() if status.signer_reported_dt else None
    stamp = status.timestamp_validity
    timestamp = stamp.timestamp.isoformat() if stamp is not None else None
    if stamp is not None and not stamp.intact:
        problems.append("its timestamp token is damaged")
    level = _level(signature, stamp is not None)
    modification = status.modification_level
    later = (
        {
            ModificationLevel.NONE: "none",
            ModificationLevel.LTA_UPDATES: "signatures and validation data",
            ModificationLevel.FORM_FILLING: "form filling (signing the other fields)",
            ModificationLevel.ANNOTATIONS: "annotations",
        }.get(modification, "other")
        if modification is not None
        else "unknown"
    )
    allowed = bool(status.docmdp_ok) and later not in ("other", "unknown", "annotations")
    coverage = str(status.coverage.name).replace("_", " ").lower() if status.coverage else "unknown"
    intact = bool(status.intact and status.valid)
    trusted = bool(status.trusted) if trust_given else None
    return SignatureReport(
        field,
        signer,
        signed_at,
        timestamp,
        level,
        signature.sig_object.get("/Type") == "/Sig" and "/Reference" in signature.sig_object,
        intact,
        coverage,
        later,
        allowed,
        trusted,
        tuple(problems),
    )


def _level(signature: Any, timestamped: bool) -> str:
    """The PAdES level the signature reaches in this file."""
    reader = signature.reader
    has_dss = "/DSS" in reader.root
    document_timestamps = list(reader.embedded_timestamp_signatures)
    if has_dss and document_timestamps:
        return "B-LTA"
    if has_dss and timestamped:
        return "B-LT"
    return "B-T" if timestamped else "B-B"


class SignatureCheckError(CommuniqueError):
    """The signatures of a file could not be read."""
