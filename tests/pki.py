"""A test PKI made with `cryptography`, and a local timestamp authority and CRL server on loopback.

The root CA issues the parties' signing certificates, one expired, one that may not sign, one its CRL
revokes, and the TSA's certificate; the server answers RFC 3161 requests (pyHanko's own TSA parts behind
http.server) and serves the root's CRL, whose address every certificate names, so long-term validation
data is gathered for real over HTTP without the network.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.UTC)
PASSPHRASE = "correct horse battery staple"


@dataclass
class Identity:
    name: str
    key: Any
    certificate: x509.Certificate

    def p12(self, folder: Path, chain: list[x509.Certificate]) -> Path:
        path = folder / f"{self.name}.p12"
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                self.name.encode(),
                self.key,
                self.certificate,
                chain,
                serialization.BestAvailableEncryption(PASSPHRASE.encode()),
            )
        )
        return path

    def key_pem(self, folder: Path) -> Path:
        path = folder / f"{self.name}.key.pem"
        path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return path


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test PKI"),
        ]
    )


class TestPki:
    """The root, the identities it issued, and where its CRL is published."""

    __test__ = False

    def __init__(self, folder: Path, crl_url: str) -> None:
        self.folder, self.crl_url = folder, crl_url
        self.root = self._issue("Test Root CA", None, ca=True)
        self.identities = {
            "tokyo": self._issue("Governor of Tokyo", self.root),
            "helsinki": self._issue("Mayor of Helsinki", self.root),
            "expired": self._issue("Former Mayor", self.root, days=(-400, -30)),
            "encipher": self._issue("Encryption Only", self.root, signing=False),
            "tsa": self._issue("Test Timestamp Authority", self.root, tsa=True),
            "rsa": self._issue("Deputy Mayor of Helsinki", self.root, rsa_key=True),
            # revoked by the root's CRL two days ago (key compromise): before any signature a test makes
            "revoked": self._issue("Dismissed Mayor", self.root, days=(-10, 365)),
            # valid today, expired the day after tomorrow: signs now, and has lapsed when the other party
            # countersigns three days on (faketime)
            "brief": self._issue("Interim Governor", self.root, days=(-1, 2)),
        }
        self.roots_pem = folder / "roots.pem"
        self.roots_pem.write_bytes(self.root.certificate.public_bytes(serialization.Encoding.PEM))
        self.other_root = self._issue("Unrelated Root CA", None, ca=True)
        self.other_roots_pem = folder / "other-roots.pem"
        self.other_roots_pem.write_bytes(self.other_root.certificate.public_bytes(serialization.Encoding.PEM))

    def _issue(
        self,
        common: str,
        issuer: Identity | None,
        ca: bool = False,
        signing: bool = True,
        tsa: bool = False,
        days: tuple[int, int] = (-1, 365),
        rsa_key: bool = False,
    ) -> Identity:
        # pyHanko's own timestamp authority signs with RSA only.
        rsa_key = rsa_key or tsa
        key: Any = (
            rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common))
            .issuer_name(issuer.certificate.subject if issuer else _name(common))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW + datetime.timedelta(days=days[0]))
            .not_valid_after(NOW + datetime.timedelta(days=days[1]))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        usage = dict.fromkeys(
            (
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ),
            False,
        )
        if ca:
            usage.update(key_cert_sign=True, crl_sign=True, digital_signature=True)
        elif signing:
            usage.update(digital_signature=True, content_commitment=True)
        else:
            usage.update(key_encipherment=True)
        builder = builder.add_extension(x509.KeyUsage(**usage), critical=True)
        if tsa:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        if issuer is not None:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]
                ),
                critical=False,
            ).add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
            )
        certificate = builder.sign(issuer.key if issuer else key, hashes.SHA256())
        return Identity(common.lower().replace(" ", "-"), key, certificate)

    def p12(self, who: str) -> Path:
        return self.identities[who].p12(self.folder, [self.root.certificate])

    def crl(self) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.certificate.subject)
            .last_update(NOW - datetime.timedelta(hours=1))
            .next_update(NOW + datetime.timedelta(days=7))
            .add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(self.identities["revoked"].certificate.serial_number)
                .revocation_date(NOW - datetime.timedelta(days=2))
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        )
        return builder.sign(self.root.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class Authority:
    """The timestamp authority and CRL server of a TestPki, on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self.pki = TestPki(folder, f"{self.url}/root.crl")
        self.server.authority = self  # type: ignore[attr-defined]
        self.requests: list[str] = []
        self.timestamper = self._timestamper()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _timestamper(self) -> Any:
        from asn1crypto import keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        tsa = self.pki.identities["tsa"]
        der_key = tsa.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return DummyTimeStamper(
            asn1_x509.Certificate.load(tsa.certificate.public_bytes(serialization.Encoding.DER)),
            keys.PrivateKeyInfo.load(der_key),
            certs_to_embed=[
                asn1_x509.Certificate.load(self.pki.root.certificate.public_bytes(serialization.Encoding.DER))
            ],
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        authority: Authority = self.server.authority  # type: ignore[attr-defined]
        authority.requests.append(f"GET {self.path}")
        if self.path == "/root.crl":
            self._answer(authority.pki.crl(), "application/pkix-crl")
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        from asn1crypto import tsp

        authority: Authority = self.server.authority  # type: ignore[attr-defined]
        authority.requests.append(f"POST {self.path}")
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = tsp.TimeStampReq.load(body)
        response = authority.timestamper.request_tsa_response(request)
        self._answer(response.dump(), "application/timestamp-reply")

    def _answer(self, body: bytes, media_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
