"""CSCA trust store: a folder of certificates, one certificate file, or a master list."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from . import oids
from .der import SEQUENCE, SET, expect
from .errors import MalformedResponse
from .sod import parse_signed_data
from .tlv import parse_one


class TrustStore:
    """The country signing CA certificates we trust."""

    def __init__(self, certs: list[x509.Certificate] | None = None) -> None:
        self.certs = list(certs or [])

    @classmethod
    def load(cls, path: str | Path) -> TrustStore:
        """Load a directory (every file in it), a PEM/DER certificate or a CMS master list.

        The master list's own signature is not checked: whoever installs the file
        vouches for it.
        """
        p = Path(path)
        files = sorted(f for f in p.iterdir() if f.is_file()) if p.is_dir() else [p]
        store = cls()
        for f in files:
            store.certs += load_certificates(f.read_bytes())
        return store

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        return [c for c in self.certs if c.subject == cert.issuer]


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates in ``data``: PEM (one or many), DER, or a CSCA master list."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        signed = parse_signed_data(data)
        if signed.content_type != oids.CSCA_MASTER_LIST:
            raise MalformedResponse("CMS file is not a CSCA master list")
        body = expect(parse_one(signed.content), SEQUENCE).children()
        return [x509.load_der_x509_certificate(c.raw) for c in expect(body[1], SET).children()]
    except (MalformedResponse, IndexError, ValueError) as exc:
        raise MalformedResponse(f"not a certificate or master list: {exc}") from None
