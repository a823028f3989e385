"""PAdES signatures with pyHanko: each party signs the same archival copy in turn, each signature an
incremental update that keeps the earlier ones valid.

The first signature certifies the document (DocMDP level 2: filling in the other signature fields is the
one change allowed after it); later ones are approval signatures. Keys come from a PKCS#12 file or a
PKCS#11 token (smart card, HSM); secrets come from the environment, never the command line. With a
timestamp URL the signature is PAdES B-T; `ltv` adds validation data (DSS) for B-LT, and `archive` a
document timestamp over it for B-LTA. No cryptography is written here: pyHanko and
pyhanko-certvalidator do all of it.
"""

from __future__ import annotations

import datetime
import hashlib
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from communique.errors import CommuniqueError, SigningError, UsageError, read_input
from communique.pdf.signatures import EXPIRED_SINCE, check_signed_copy, has_later_revisions, quiet_pyhanko

PADES_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class SigningKey:
    """Where the signer's key is: a PKCS#12 file, or a key on a PKCS#11 token."""

    p12: Path | None = None
    passphrase: bytes | None = field(default=None, repr=False)
    pkcs11_library: Path | None = None
    token_label: str | None = None
    key_label: str | None = None
    certificate_label: str | None = None
    """Defaults to the key's label."""
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SignRequest:
    """One signature: which field, whose key, and how much evidence to add."""

    field: str
    key: SigningKey
    timestamp_url: str | None = None
    ltv: bool = False
    """Embed validation data (certificates, CRLs/OCSP answers) for long-term validation: B-LT."""
    archive: bool = False
    """Also add a document timestamp over the validation data: B-LTA (needs a timestamp URL)."""
    trust: tuple[Path, ...] = ()
    """Trust roots (PEM or DER) for the validation data `ltv` gathers."""


def sign_pdf(data: bytes, origin: str, request: SignRequest, now: datetime.datetime | None = None) -> bytes:
    """`data` (an archival copy built with signature fields) with `request`'s signature added: one
    incremental update, then one for the validation data (B-LT) and one for a document timestamp (B-LTA)."""
    from pyhanko.sign import fields, signers

    if request.archive and not request.timestamp_url:
        raise UsageError("B-LTA needs a timestamp authority", hint="give --timestamp-url (or drop --archive)")
    writer = _writer(data, origin, request.trust)
    existing = {name: value for name, value, _ in fields.enumerate_sig_fields(writer.prev)}
    if request.field not in existing:
        names = ", ".join(sorted(existing)) or "none"
        raise SigningError(
            f"{origin} has no signature field '{request.field}' (its fields: {names})",
            hint="build the archival copy with --signature-fields; fields are named by the parties' keys",
        )
    if existing[request.field] is not None:
        raise SigningError(
            f"the field '{request.field}' of {origin} is already signed",
            hint="each party signs its own field once; sign another field",
        )
    signer = _signer(request.key)
    moment = now or datetime.datetime.now(datetime.UTC)
    _check_certificate(signer.signing_cert, moment)
    context = _validation_context(request.trust) if request.ltv or request.archive else None
    metadata = signers.PdfSignatureMetadata(
        field_name=request.field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=not any(value is not None for value in existing.values()),
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
    )
    timestamper = _timestamper(request.timestamp_url)
    name = signer.signing_cert.subject.native.get("common_name") or signer.signing_cert.subject.human_friendly
    lines = (f"Signed by {name}", f"{moment:%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory(prefix="communique-sign-") as folder, quiet_pyhanko():
        stamp = _stamp_style(writer, request.field, lines, Path(folder))
        return _signed(writer, metadata, signer, stamp, timestamper, request, context, origin)


def _signed(
    writer: Any,
    metadata: Any,
    signer: Any,
    stamp: Any,
    timestamper: Any,
    request: SignRequest,
    context: Any,
    origin: str,
) -> bytes:
    """Sign, then add validation data and a document timestamp where asked."""
    from pkcs11.exceptions import PKCS11Error
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import signers
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    try:
        pdf_signer = signers.PdfSigner(metadata, signer, timestamper=timestamper, stamp_style=stamp)
        signed = pdf_signer.sign_pdf(writer, output=BytesIO()).getvalue()
        if context is not None:
            signed = _add_validation_data(signed, request.field, context)
        if request.archive:
            signed = _add_document_timestamp(signed, timestamper)
    except (
        PKCS11Error,
        PyHankoSigningError,
        PdfError,
        OSError,
        ValueError,
        PathBuildingError,
        PathValidationError,
    ) as error:
        raise SigningError(
            f"could not sign {origin}: {error}",
            hint="check the key, the token, the timestamp authority and the trust roots",
        ) from error
    return bytes(signed)


def _timestamper(url: str | None) -> Any:
    if not url:
        return None
    from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=30)  # type: ignore[no-untyped-call]


def _add_validation_data(data: bytes, field_name: str, context: Any) -> bytes:
    """B-LT: the certificates and revocation data of the signature (and its timestamp) in the DSS, fetched
    now while they can be, in an incremental update of their own."""
    import asyncio

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info

    reader = PdfFileReader(BytesIO(data), strict=False)
    signature = next(sig for sig in reader.embedded_regular_signatures if sig.field_name == field_name)
    paths = asyncio.run(collect_validation_info(signature, context))
    writer = _archival_writer_class()(BytesIO(data), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(
        writer, signature.pkcs7_content.hex().encode("ascii"), paths=paths, validation_context=context
    )
    dss_streams_well_formed(writer.root)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def dss_streams_well_formed(root: Any) -> None:
    """Compress each certificate, OCSP response or CRL of the DSS whose DER ends in CR (one in 256): written
    as it is, validators that read CR LF before `endstream` as its end of line count its /Length a byte
    short, and the signed copy would not be PDF/A."""
    dss = root.get("/DSS")
    if dss is None:
        return
    dss = dss.get_object()
    for key in ("/Certs", "/OCSPs", "/CRLs"):
        for reference in dss.get(key, ()):
            stream = reference.get_object()
            if stream.encoded_data[-1:] == b"\r":
                stream.compress()


def _add_document_timestamp(data: bytes, timestamper: Any) -> bytes:
    """B-LTA: a document timestamp over everything so far, validation data included. Its invisible widget
    is printable (PDF/A) and outside the page (PDF/UA-1 exempts it from tagging), pyHanko's way to meet
    both; the field is named after the build's content, not a random id."""
    from pyhanko.sign.fields import InvisSigSettings
    from pyhanko.sign.signers import PdfTimeStamper

    writer = _archival_writer_class()(BytesIO(data), strict=False)
    stamper = PdfTimeStamper(
        timestamper,
        field_name=f"Timestamp-{hashlib.sha256(data).hexdigest()[:16]}",
        invis_settings=InvisSigSettings(set_print_flag=True, box_out_of_bounds=True),
    )
    return bytes(stamper.timestamp_pdf(writer, "sha256", output=BytesIO()).getvalue())


def _archival_writer_class() -> Any:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class ArchivalWriter(IncrementalPdfFileWriter):
        """An incremental writer that keeps a PDF/A-3 file PDF/A-3: the catalog stays PDF 1.7 (ECDSA and
        SHA-256 signatures are PAdES without ISO 32002's PDF 2.0 marker) and the metadata stays as built,
        Info and XMP in agreement (pyHanko would set XMP's producer alone)."""

        def ensure_output_version(self, version: tuple[int, int]) -> None:
            if version <= (1, 7):
                super().ensure_output_version(version)  # type: ignore[no-untyped-call]

        def register_extension(self, extension: Any) -> None:
            return

        def _update_meta(self) -> None:
            return

    return ArchivalWriter


REASON_LIMIT = 300
"""Characters of each reason a refusal to sign gives (verify reports them whole)."""


def _declares_pdfa(data: bytes) -> bool:
    """Whether the PDF's XMP declares a PDF/A part (an archival copy does; a print copy does not)."""
    import pypdf

    from communique.pdf.verify import declared_flavour, declared_properties

    return declared_flavour(declared_properties(pypdf.PdfReader(BytesIO(data)))) is not None


def _writer(data: bytes, origin: str, trust: tuple[Path, ...] = ()) -> Any:
    """An incremental writer on `data`, which must be a communique archival copy as built (or signed), its
    signatures sound so far: with `trust`, none made with a certificate the file's revocation data shows
    revoked (one that does not chain to `trust` is let through: each party may have its own CA)."""
    from pyhanko.pdf_utils.misc import PdfError

    from communique.pdf.draft import draft_label_of
    from communique.pdf.verify import built_revision_findings

    try:
        writer = _archival_writer_class()(BytesIO(data), strict=False)
    except (PdfError, ValueError, OSError) as error:
        raise SigningError(f"{origin} is not a PDF pyHanko can read: {error}", hint="give a PDF") from error
    label = draft_label_of(data)
    if label is not None:
        raise SigningError(
            f"{origin} is a draft copy ({label}): a draft is never signed",
            hint="build the instrument without --draft, as an archival copy with --signature-fields, and "
            "sign that",
        )
    problems = built_revision_findings(data)
    if problems:
        raise SigningError(
            f"{origin} is not a communique archival copy as built: "
            + "; ".join(problem.message for problem in problems[:3]),
            hint="sign only archival copies built by communique (--archival --signature-fields), unchanged",
        )
    if not _declares_pdfa(data):
        raise SigningError(
            f"{origin} is a print copy, not an archival copy: the copy both parties sign is the one kept, "
            "with its sources (PDF/A-3)",
            hint="build it with --archival --signature-fields, and sign that",
        )
    if has_later_revisions(data):  # signed before: every earlier signature must still hold
        try:
            signed = check_signed_copy(data, trust)
        except CommuniqueError as error:
            raise SigningError(f"{origin}: {error.message}", hint=error.hint or "") from error
        reasons = list(signed.problems)
        for item in signed.signatures:
            lapsed = item.certificate_status == EXPIRED_SINCE and len(item.problems) == 1
            if not (item.intact and item.changes_allowed and (not item.problems or lapsed)):
                why = f" ({'; '.join(item.problems)})" if item.problems else ""
                reasons.append(f"the signature '{item.field}' does not hold{why}")
        if not signed.since_built_allowed:
            reasons.append(f"the file was changed after it was built: {signed.since_built}")
        if reasons:  # each cut short: pyHanko's account of a change can run to kilobytes
            raise SigningError(
                f"{origin} is not signed soundly so far: "
                + "; ".join(
                    reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"
                    for reason in reasons
                ),
                hint="a new signature would cover those changes; `communique verify` gives the whole account",
            )
    return writer


def _signer(key: SigningKey) -> Any:
    """pyHanko's signer for `key`; a SigningError that names the problem when it cannot be opened."""
    from pyhanko.sign import signers

    if key.p12 is not None:
        try:
            pkcs12 = key.p12.read_bytes()
        except OSError as error:
            raise SigningError(f"cannot read {key.p12}: {error.strerror}", hint="check the path") from error
        try:
            return signers.SimpleSigner.load_pkcs12_data(pkcs12, other_certs=(), passphrase=key.passphrase)
        except (ValueError, TypeError) as error:
            if key.passphrase is None:  # none given, and no terminal to ask on (CI, a pipe)
                raise SigningError(
                    f"cannot open {key.p12} without a passphrase, and none was given (no --passphrase-env, "
                    "and no terminal to ask on), or it is not a PKCS#12 file",
                    hint="put the file's passphrase in an environment variable and name it: "
                    "--passphrase-env VAR",
                ) from error
            raise SigningError(
                f"cannot open {key.p12}: wrong passphrase, or not a PKCS#12 file",
                hint="put the file's passphrase in the environment variable that --passphrase-env names",
            ) from error
    if key.pkcs11_library is None:
        raise UsageError("no key given", hint="give --p12 FILE or --pkcs11-lib LIBRARY with --token-label")
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    try:
        session = pkcs11.open_pkcs11_session(
            str(key.pkcs11_library), token_criteria=TokenCriteria(label=key.token_label), user_pin=key.pin
        )
    except Exception as error:  # python-pkcs11 raises its own error types, one per PKCS#11 return code
        raise SigningError(
            f"cannot use the key '{key.key_label}' on token '{key.token_label}' through "
            f"{key.pkcs11_library}: {type(error).__name__} {error}".rstrip(),
            hint="check the library, the token and key labels, and the PIN (in the variable --pin-env names)",
        ) from error
    certificate_label = key.certificate_label or key.key_label
    # The digest is computed here and the token signs it (the raw mechanism): every token has CKM_ECDSA
    # and CKM_RSA_PKCS, fewer have the combined ones (SoftHSM2 has no CKM_ECDSA_SHA256).
    signer = pkcs11.PKCS11Signer(
        session, cert_label=certificate_label, key_label=key.key_label, use_raw_mechanism=True
    )
    try:
        signer.signing_cert  # noqa: B018 (loads the certificate and finds the key, by their labels, now)
    except Exception as error:  # a label the token does not hold, or a token error while looking
        labels = _token_labels(session)
        session.close()
        if labels is None:
            raise SigningError(
                f"cannot read the key '{key.key_label}' or certificate '{certificate_label}' on token "
                f"'{key.token_label}' through {key.pkcs11_library}: {type(error).__name__} {error}".rstrip(),
                hint="check the token and the key and certificate labels (--key-label, --cert-label)",
            ) from error
        keys, certificates = labels
        missing = [
            f"{'no' if held.count(label or '') == 0 else 'more than one'} {kind} labelled '{label}'"
            for kind, label, held in (
                ("certificate", certificate_label, certificates),
                ("private key", key.key_label, keys),
            )
            if held.count(label or "") != 1
        ] or [f"the key '{key.key_label}' or certificate '{certificate_label}' cannot be used ({error})"]
        raise SigningError(
            f"the token '{key.token_label}' ({key.pkcs11_library}) has {' and '.join(missing)}",
            hint=f"its private keys: {', '.join(map(repr, keys)) or 'none'}; its certificates: "
            f"{', '.join(map(repr, certificates)) or 'none'} (give them with --key-label and --cert-label)",
        ) from error
    return signer


def _token_labels(session: Any) -> tuple[list[str], list[str]] | None:
    """The labels of the private keys and of the certificates on a token, or None if it cannot list them."""
    from pkcs11 import Attribute, ObjectClass

    try:
        found = [
            sorted(str(item[Attribute.LABEL]) for item in session.get_objects({Attribute.CLASS: kind}))
            for kind in (ObjectClass.PRIVATE_KEY, ObjectClass.CERTIFICATE)
        ]
    except Exception:  # a token that will not list its objects: the error says what it can
        return None
    return found[0], found[1]


def _check_certificate(certificate: Any, now: datetime.datetime) -> None:
    """Refuse a certificate that is not valid now or may not sign documents."""
    subject = certificate.subject.human_friendly
    start, end = certificate.not_valid_before, certificate.not_valid_after
    if not start <= now <= end:
        raise SigningError(
            f"the certificate of {subject} is valid from {start:%Y-%m-%d} to {end:%Y-%m-%d}, not now",
            hint="sign with a certificate that is valid today",
        )
    usage = certificate.key_usage_value
    if usage is not None and not {"digital_signature", "non_repudiation"} & set(usage.native):
        raise SigningError(
            f"the certificate of {subject} may not sign (key usage: {', '.join(usage.native)})",
            hint="use a signing certificate (key usage digitalSignature or nonRepudiation)",
        )


def _validation_context(trust: tuple[Path, ...]) -> Any:
    """Validation data is gathered now, over HTTP from the addresses the certificates name, and must be
    complete: a certificate whose revocation status cannot be fetched fails the signing (hard-fail)."""
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    if not trust:
        raise UsageError(
            "validation data needs trust roots", hint="give --trust ROOTS.pem (or [signing] trust)"
        )
    return ValidationContext(
        trust_roots=list(load_certificates(trust)),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(),
    )


def load_certificates(paths: tuple[Path, ...]) -> list[Any]:
    """The certificates in PEM or DER files (a PEM file may hold several)."""
    from asn1crypto import pem, x509

    certificates = []
    for path in paths:
        data = read_input(path, "give PEM or DER certificates")
        try:
            blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            certificates += [x509.Certificate.load(blob) for blob in blobs]
            for certificate in certificates:
                certificate.native  # noqa: B018 (parses it: a damaged file fails here, not later)
        except (ValueError, TypeError) as error:
            raise UsageError(
                f"{path} holds no readable certificate ({error})", hint="give PEM or DER"
            ) from error
    return certificates


def _stamp_style(writer: Any, field_name: str, lines: tuple[str, ...], folder: Path) -> Any:
    """The signed field's look: who signed and when, drawn by WeasyPrint in the bundled fonts at the
    field's size (pyHanko's own text stamp writes a ToUnicode map PDF/A validators reject)."""
    from pyhanko.pdf_utils.form_tools import get_single_field_annot
    from pyhanko.sign import fields
    from pyhanko.stamp import StaticStampStyle

    from communique.engine.renderer import render_stamp
    from communique.fonts import project_fonts
    from communique.pdf.finish import well_formed
    from communique.project import Project, builtin_data

    reference = next(ref for name, _, ref in fields.enumerate_sig_fields(writer.prev) if name == field_name)
    left, bottom, right, top = (
        float(value) for value in get_single_field_annot(reference.get_object())["/Rect"]
    )
    font_css = project_fonts(Project(builtin_data())).face_css(("en", "ja"))  # the bundled faces only
    # the stamp shows the signing time, so its compressed streams differ at every signature: one may end
    # in CR, which PDF/A validators then count a byte short (as finish prevents for the built copy)
    pdf = well_formed(render_stamp(lines, abs(right - left), abs(top - bottom), font_css))
    stamp = folder / "stamp.pdf"
    stamp.write_bytes(pdf)
    return StaticStampStyle.from_pdf_file(str(stamp), border_width=0)


def sign_file(
    pdf: Path,
    field_name: str,
    out: Path | None,
    key: SigningKey,
    timestamp_url: str | None = None,
    level: str | None = None,
    trust: tuple[Path, ...] = (),
) -> tuple[Path, str]:
    """Sign `pdf` as `communique sign` and `communique.sign` do: the project's [signing] defaults, the
    key checked, the level settled, the signed copy written atomically. Returns (where, level)."""
    from communique.project import Project
    from communique.write import not_replaceable, write_atomic

    if (key.p12 is None) == (key.pkcs11_library is None):
        raise UsageError(
            "give one key: a PKCS#12 file, or a PKCS#11 library", hint="see communique sign --help"
        )
    if key.pkcs11_library is not None and not (key.token_label and key.key_label):
        raise UsageError("a token key needs its token label and key label", hint="see communique sign --help")
    if level is not None and level not in PADES_LEVELS:
        raise UsageError(f"unknown PAdES level {level!r}", hint=f"choose one of {', '.join(PADES_LEVELS)}")
    config = Project.discover(pdf).config
    url = timestamp_url or config.timestamp_url
    chosen = level or ("B-T" if url else "B-B")
    if chosen != "B-B" and not url:
        raise UsageError(
            f"PAdES {chosen} needs a timestamp authority",
            hint="give a timestamp URL ([signing] timestamp_url)",
        )
    request = SignRequest(
        field_name,
        key,
        url if chosen != "B-B" else None,
        ltv=chosen in ("B-LT", "B-LTA"),
        archive=chosen == "B-LTA",
        trust=trust or config.trust,
    )
    target = out or pdf
    refused = not_replaceable(target)  # before the token signs and the authority stamps, not after
    if refused:
        raise UsageError(
            f"the signed copy cannot be written to {target}: it {refused}", hint="give --out FILE"
        )
    write_atomic(target, sign_pdf(read_input(pdf, "give an archival PDF"), str(pdf), request))
    return target, chosen
