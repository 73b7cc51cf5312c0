"""CSCA trust store: a folder of certificates, one certificate file, or a master list."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from . import oids
from .errors import MalformedResponse
from .sod import SignedData, parse_master_list, parse_signed_data


class TrustStore:
    """The country signing CA certificates we trust."""

    def __init__(self, certs: list[x509.Certificate] | None = None) -> None:
        self.certs = list(certs or [])

    @classmethod
    def load(cls, path: str | Path) -> TrustStore:
        """Load a directory (every file in it), a PEM/DER certificate or a CMS master list.

        A master list's signature is checked against its signer certificate, which
        one of the listed CSCAs must have issued.
        """
        p = Path(path)
        files = sorted(f for f in p.iterdir() if f.is_file()) if p.is_dir() else [p]
        store = cls()
        for f in files:
            store.certs += load_certificates(f.read_bytes())
        return store

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """CSCAs whose subject is ``cert``'s issuer."""
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
        certs = parse_master_list(signed.content)
    except MalformedResponse as exc:
        raise MalformedResponse(f"not a certificate or master list: {exc}") from None
    _check_master_list(signed, certs)
    return certs


def _check_master_list(signed: SignedData, certs: list[x509.Certificate]) -> None:
    """The list must be signed by a signer that one of its own CSCAs issued.

    That proves integrity and origin within the list; trusting the list itself
    is the operator's choice when installing it.
    """
    from cryptography.exceptions import InvalidSignature

    from .cms import PASS, verify_signed_data

    signer = signed.signer_certificate
    if signer is None or verify_signed_data(signed, signer)["status"] != PASS:
        raise MalformedResponse("master list signature does not verify")
    for csca in certs:
        if csca.subject != signer.issuer:
            continue
        try:
            signer.verify_directly_issued_by(csca)
            return
        except (InvalidSignature, ValueError, TypeError):
            continue
    raise MalformedResponse("master list signer is not issued by a CSCA of the list")
