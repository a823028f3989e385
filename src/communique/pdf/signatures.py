"""What the signatures of a signed copy prove, read with pyHanko: for each, who signed, when, whether the
bytes it covers are intact, what it covers, whether what came after it is allowed, and whether its
certificate chains to the trust roots given. Also the revision communique built, before any signature.
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from communique.errors import CommuniqueError
from communique.text_rules import printable

EXPIRED_SINCE = "expired since"
"""A certificate status: valid when it signed, as far as the file shows, expired now, and no trusted
timestamp proves the signature was made in time (`verify` cannot vouch for it; a countersignature is
still allowed: the earlier party's certificate may well lapse before the other party signs)."""


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
    certificate_status: str | None = None
    """'revoked' (by the revocation data the file carries) or 'expired' (or not yet valid) when the
    signer's certificate was so at the signature's time; EXPIRED_SINCE when it has expired since and no
    trusted timestamp proves the signature older; None otherwise."""

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
            "certificate_status": self.certificate_status,
            "problems": list(self.problems),
            "passed": self.passed,
        }


@dataclass(frozen=True)
class SignedCopy:
    """What a copy with later revisions than the built one holds: its signatures, checked, and what all
    the revisions after the built one changed."""

    signatures: tuple[SignatureReport, ...]
    unsigned_fields: tuple[str, ...]
    """Signature fields nobody has signed yet."""
    since_built: str
    """What the revisions after the built one changed, taken together: 'signatures and validation
    data', 'form filling (signing the fields)', or what pyHanko's change analysis objected to."""
    since_built_allowed: bool
    problems: tuple[str, ...] = ()
    """What makes the copy fail besides its signatures: no signature at all, a broken document timestamp."""
    range_ends: tuple[int, ...] = ()
    """Where the byte range of each signature and document timestamp ends."""

    @property
    def passed(self) -> bool:
        """Every signature passed, every change since the build was a signature or validation data."""
        return self.since_built_allowed and not self.problems and all(s.passed for s in self.signatures)


def has_later_revisions(data: bytes) -> bool:
    """Whether anything was appended to the file after its first revision (signatures are)."""
    return len(revision_ends(data)) > 1


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


def check_signed_copy(data: bytes, trust: tuple[Path, ...] = ()) -> SignedCopy:
    """Every signature and document timestamp of the file checked, and every revision after the built one
    reviewed against it (a change made before or with the first signature is not covered by any
    signature's own review); SignatureCheckError when pyHanko cannot read them. Certificates are checked
    offline, with the revocation data (CRLs, OCSP answers) and certificates the file's DSS carries."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields

    from communique.pdf.signing import load_certificates

    roots = load_certificates(trust) if trust else []
    with quiet_pyhanko():
        try:
            reader = PdfFileReader(BytesIO(data), strict=False)
            contexts = _Contexts(roots, _dss(reader))
            signatures = list(reader.embedded_regular_signatures)
            timestamps = _document_timestamps(reader, contexts.at(None))
            reports = tuple(_report(signature, contexts, trust != (), timestamps) for signature in signatures)
            since, allowed = _since_built(reader)
            unsigned = tuple(name for name, value, _ in fields.enumerate_sig_fields(reader) if value is None)
            anomalies = xref_anomalies(data, reader)
            ends = tuple(
                int(sig.byte_range[2]) + int(sig.byte_range[3]) for sig in reader.embedded_signatures
            )
        except Exception as error:  # pyHanko's many error types on a damaged file: the file fails, clearly
            raise SignatureCheckError(
                f"the signatures cannot be read: {_unreadable(error)}",
                hint="the file is damaged or was changed after signing; check a copy as it was sent",
            ) from error
    problems = [
        f"the document timestamp of revision {revision} is not valid" for revision, ok in timestamps if not ok
    ]
    problems += anomalies
    if not reports:
        problems.append("revisions were added after the build, and none of them is a signature")
    return SignedCopy(reports, unsigned, since, allowed, tuple(problems), ends)


def xref_anomalies(data: bytes, reader: Any) -> list[str]:
    """Cross-reference sections added after the build that readers may read differently: an object listed
    twice in one section (pyHanko keeps the last entry, qpdf, pypdf and poppler the first, so what is
    checked is not what is shown), or a hybrid section (a table with a second, stream-borne index)."""
    from pyhanko.pdf_utils.xref import XRefSectionType

    problems = []
    for revision in range(1, reader.xrefs.total_revisions):
        info = reader.xrefs.get_xref_container_info(revision)
        if info.xref_section_type in (XRefSectionType.HYBRID_MAIN, XRefSectionType.HYBRID_STREAM):
            problems.append(
                f"revision {revision} has a hybrid cross-reference section, which readers differ on"
            )
            continue
        if info.xref_section_type == XRefSectionType.STANDARD:
            numbers = _table_numbers(data[info.start_location : info.end_location])
        else:
            stream = info.stream_ref.get_object()
            index = [int(value) for value in stream.get("/Index", [0, int(stream["/Size"])])]
            numbers = [
                n
                for start, count in zip(index[::2], index[1::2], strict=False)
                for n in range(start, start + count)
            ]
        twice = sorted(number for number, times in collections.Counter(numbers).items() if times > 1)
        if twice:
            problems.append(
                f"revision {revision} lists object {twice[0]} twice in its cross-reference section: PDF "
                "readers disagree on which copy counts"
            )
    return problems


def _table_numbers(table: bytes) -> list[int]:
    """The object numbers a classic cross-reference table lists, in order (subsection by subsection)."""
    words = table.split()
    numbers: list[int] = []
    position = 1 if words[:1] == [b"xref"] else 0
    while position + 1 < len(words) and words[position] != b"trailer":
        start, count = int(words[position]), int(words[position + 1])
        numbers.extend(range(start, start + count))
        position += 2 + 3 * count
    return numbers


def _document_timestamps(reader: Any, context: Any) -> list[tuple[int, bool]]:
    """(revision, valid) of each document timestamp (B-LTA)."""
    from pyhanko.sign.validation import validate_pdf_timestamp

    found = []
    for stamp in reader.embedded_timestamp_signatures:
        try:
            status = validate_pdf_timestamp(stamp, validation_context=context)
            ok = bool(status.intact and status.valid)
        except Exception:  # a damaged timestamp: not valid
            ok = False
        found.append((int(stamp.signed_revision), ok))
    return found


def _since_built(reader: Any) -> tuple[str, bool]:
    """What the revisions after the built one (revision 0) changed, reviewed by pyHanko's change
    analysis with the certification's permission (filling in fields): allowed or not."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, StandardDiffPolicy
    from pyhanko.sign.diff_analysis.constants import ROOT_EXEMPT_STRICT_COMPARISON
    from pyhanko.sign.diff_analysis.rules.file_structure_rules import CatalogModificationRule
    from pyhanko.sign.fields import MDPPerm

    # pyHanko's own policy, reviewing from the unsigned revision: the certification signature's /Perms
    # entry in the catalog (its DocMDP declaration) is the one catalog change it must also let through.
    rules = [
        CatalogModificationRule(ignored_keys=ROOT_EXEMPT_STRICT_COMPARISON | {"/Perms"})  # type: ignore[no-untyped-call]
        if isinstance(rule, CatalogModificationRule)
        else rule
        for rule in DEFAULT_DIFF_POLICY.global_rules
    ]
    policy = StandardDiffPolicy(global_rules=rules, form_rule=DEFAULT_DIFF_POLICY.form_rule)
    result = policy.review_file(reader, 0, doc_mdp=MDPPerm.FILL_FORMS)
    level = getattr(result, "modification_level", None)
    if level is None:
        return f"changes no signature may make ({result})", False
    return _later_changes().get(level, "other"), level <= ModificationLevel.FORM_FILLING


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


def _unreadable(error: Exception) -> str:
    """What is wrong with the file, said as that: pyHanko's own errors describe the file; an error of
    Python's (an attribute or key missing where the reader expected one) means objects are not what a PDF
    reader expects where it looks for the signatures."""
    from pyhanko.pdf_utils.misc import PdfError

    if isinstance(error, PdfError) and str(error):
        return f"{printable(str(error))} (the file's structure is damaged)"
    return (
        "an object the signatures depend on (the catalog, the form, a signature field or the cross-reference "
        "sections of a later revision) is missing or not what a PDF reader expects there; a tool that "
        "rewrote the file, or an incremental update written without care for its signatures, leaves it so"
    )


def _dss(reader: Any) -> Any:
    """The file's document security store (validation data added for B-LT), or None."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError

    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


class _Contexts:
    """pyHanko validation contexts: offline, the trust roots given, and the certificates, CRLs and OCSP
    answers of the file's DSS, at a chosen time. Revocation data is soft-fail (a signature without any is
    not failed for it) and may have been gathered after that time (B-LT gathers it after signing)."""

    def __init__(self, roots: list[Any], dss: Any) -> None:
        self.roots, self.dss = roots, dss
        self._made: dict[datetime.datetime | None, Any] = {}

    def at(self, moment: datetime.datetime | None) -> Any:
        """The context at `moment` (None: now), made once: every signature checked now shares one, with
        the paths and revocation data it has gathered, as the file's timestamps do."""
        if moment not in self._made:
            self._made[moment] = self._context(moment)
        return self._made[moment]

    def _context(self, moment: datetime.datetime | None) -> Any:
        from pyhanko_certvalidator import ValidationContext

        settings: dict[str, Any] = {
            "trust_roots": self.roots,
            "allow_fetching": False,
            "revocation_mode": "soft-fail",
            "retroactive_revinfo": True,
            "moment": moment,
        }
        if self.dss is None:
            return ValidationContext(**settings)
        return self.dss.as_validation_context(settings)


def _report(
    signature: Any, contexts: _Contexts, trust_given: bool, timestamps: list[tuple[int, bool]]
) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError

    field = str(signature.field_name)
    problems: list[str] = []
    try:
        status = validate_pdf_signature(signature, signer_validation_context=contexts.at(None))
        stamp = status.timestamp_validity
        checked = status
        if trust_given and stamp is not None and stamp.intact and stamp.valid and stamp.trusted:
            # a trusted timestamp proves when it signed: its certificate is judged at that time (a later
            # expiry or revocation does not undo it), with the revocation data gathered since
            checked = validate_pdf_signature(
                signature, signer_validation_context=contexts.at(stamp.timestamp), skip_diff=True
            )
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
    timestamp = stamp.timestamp.isoformat() if stamp is not None else None
    if stamp is not None and not stamp.intact:
        problems.append("its timestamp token is damaged")
    level = _level(signature, stamp is not None, timestamps)
    modification = status.modification_level
    later = _later_changes().get(modification, "other") if modification is not None else "unknown"
    allowed = bool(status.docmdp_ok) and later not in ("other", "unknown", "annotations")
    coverage = str(status.coverage.name).replace("_", " ").lower() if status.coverage else "unknown"
    intact = bool(status.intact and status.valid)
    trusted = bool(checked.trusted) if trust_given else None
    certificate_status = None
    if certificate is not None:
        said, certificate_status = _certificate_problem(certificate, checked, status, trust_given)
        problems += said
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
        certificate_status,
    )


def _certificate_problem(
    certificate: Any, checked: Any, status: Any, trust_given: bool
) -> tuple[list[str], str | None]:
    """Why the signer's certificate fails, said plainly: revoked (by the revocation data the file carries,
    at the time checked), or outside its validity period when it signed (the timestamp's time, or else the
    signer's claim) or, without a trusted timestamp, now."""
    revocation = checked.revocation_details if trust_given else None
    if revocation is not None:
        whose = "a CA certificate in its chain" if revocation.ca_revoked else "the signer's certificate"
        reason = getattr(revocation.revocation_reason, "native", None)
        why = f" ({str(reason).replace('_', ' ')})" if reason and reason != "unspecified" else ""
        time = "its timestamp" if checked is not status else "now"
        return [
            f"{whose} was revoked on {revocation.revocation_date:%Y-%m-%d %H:%M} UTC{why}, before {time}, by "
            "the revocation data the file carries: the signature does not hold"
        ], "revoked"
    stamp = status.timestamp_validity
    proven = stamp.timestamp if stamp is not None and stamp.intact and stamp.valid else None
    when = proven or status.signer_reported_dt
    start, end = certificate.not_valid_before, certificate.not_valid_after
    period = f"valid from {start:%Y-%m-%d} to {end:%Y-%m-%d}"
    if when is not None and not start <= when <= end:
        source = "its timestamp" if proven is not None else "the signer's clock"
        state = "expired" if when > end else "not yet valid"
        return [
            f"the signer's certificate was {state} when it signed ({period}; signed {when:%Y-%m-%d %H:%M} "
            f"UTC by {source})"
        ], "expired"
    now = datetime.datetime.now(datetime.UTC)
    if trust_given and not checked.trusted and now > end and checked is status:
        return [
            f"the signer's certificate expired on {end:%Y-%m-%d} ({period}), and no trusted timestamp "
            "proves that the signature was made before then"
        ], EXPIRED_SINCE
    return [], None


def _level(signature: Any, timestamped: bool, timestamps: list[tuple[int, bool]]) -> str:
    """The PAdES level this signature reaches in the file: B-T with its own timestamp, B-LT when the
    document security store holds validation data for it (its /VRI entry), B-LTA when a valid document
    timestamp was added after it."""
    import hashlib

    if not timestamped:
        return "B-B"
    # The /VRI key as pyHanko writes it (DocumentSecurityStore.sig_content_identifier of the hex text).
    contents = signature.pkcs7_content.hex().encode("ascii")
    key = "/" + hashlib.sha1(contents, usedforsecurity=False).hexdigest().upper()
    try:
        held = key in signature.reader.root["/DSS"]["/VRI"]  # pyHanko resolves references on indexing
    except KeyError:
        held = False
    if not held:
        return "B-T"
    after = int(signature.signed_revision)
    return "B-LTA" if any(ok and revision > after for revision, ok in timestamps) else "B-LT"


def _later_changes() -> dict[Any, str]:
    from pyhanko.sign.diff_analysis import ModificationLevel

    return {
        ModificationLevel.NONE: "none",
        ModificationLevel.LTA_UPDATES: "signatures and validation data",
        ModificationLevel.FORM_FILLING: "form filling (signing the other fields)",
        ModificationLevel.ANNOTATIONS: "annotations",
    }


class SignatureCheckError(CommuniqueError):
    """The signatures of a file could not be read."""
