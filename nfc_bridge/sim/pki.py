"""A throw-away country PKI for tests and the demo passport: CSCA, DSC, EF.SOD signing.

Never use these keys for anything real: they are generated on the fly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from .. import oids
from ..der import encode_int, encode_oid, octets, seq, set_of
from ..tlv import tlv


@dataclass
class TestPki:
    """Keys and certificates of a throw-away CSCA and document signer."""

    csca_key: object
    csca: x509.Certificate
    dsc_key: object
    dsc: x509.Certificate


def _name(country: str, cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test State"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def new_key(kind: str = "rsa"):
    """An RSA-2048 or P-256 private key."""
    if kind == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_pki(
    country: str = "UT",
    *,
    kind: str = "rsa",
    dsc_expired: bool = False,
    dsc_country: str | None = None,
    csca_key=None,
    csca: x509.Certificate | None = None,
    dsc_key=None,
    dsc_serial: int | None = None,
) -> TestPki:
    """A CSCA (self-signed) and a DSC it signed; reuse ``csca_key``/``csca`` to share a root."""
    now = dt.datetime.now(dt.UTC)
    if csca is None:
        csca_key = csca_key or new_key(kind)
        name = _name(country, "Test CSCA")
        csca = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(csca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=3650))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(csca_key, hashes.SHA256())
        )
    dsc_key = dsc_key or new_key(kind)
    start, end = now - dt.timedelta(days=365), now + dt.timedelta(days=3650)
    if dsc_expired:
        start, end = now - dt.timedelta(days=3000), now - dt.timedelta(days=30)
    dsc = (
        x509.CertificateBuilder()
        .subject_name(_name(dsc_country or country, "Test DS"))
        .issuer_name(csca.subject)
        .public_key(dsc_key.public_key())
        .serial_number(dsc_serial or x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(dsc_key.public_key()), critical=False
        )
        .sign(csca_key, hashes.SHA256())
    )
    return TestPki(csca_key, csca, dsc_key, dsc)


DEMO_SEED = b"dialvie nfc_bridge demo passport - test keys, never trust"


def _derived_key(label: bytes) -> ec.EllipticCurvePrivateKey:
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256 order
    secret = int.from_bytes(hashlib.sha256(DEMO_SEED + label).digest(), "big") % (n - 1) + 1
    return ec.derive_private_key(secret, ec.SECP256R1())


def demo_pki() -> TestPki:
    """The demo passport's PKI: P-256 keys derived from a public seed.

    Every process gets the same CSCA and DSC keys, so a demo passport made by one
    web worker verifies against the trust store of another.
    """
    return make_pki("UT", csca_key=_derived_key(b"CSCA"), dsc_key=_derived_key(b"DSC"))


def _alg(oid: str, params: bytes | None = b"\x05\x00") -> bytes:
    return seq(encode_oid(oid), params or b"")


def signed_data(
    content_type: str,
    content: bytes,
    key,
    cert: x509.Certificate,
    *,
    hash_name: str = "sha256",
    scheme: str = "pkcs1",
    attr_content_type: str | None = None,
    sid: str = "issuer_serial",
    other_certs: tuple[x509.Certificate, ...] = (),
) -> bytes:
    """DER ContentInfo/SignedData signed with ``key`` (scheme: pkcs1, pss or ecdsa).

    Tests bend it: ``attr_content_type`` signs a contentType attribute other than
    ``content_type``; ``sid="ski"`` names the signer by subject key identifier;
    ``other_certs`` are embedded before the signer's certificate.
    """
    hcls = oids.HASHES[oids.HASH_OID[hash_name]]
    digest = hashlib.new(hash_name, content).digest()
    attrs = [
        seq(
            encode_oid(oids.ATTR_CONTENT_TYPE),
            set_of(encode_oid(attr_content_type or content_type)),
        ),
        seq(encode_oid(oids.ATTR_MESSAGE_DIGEST), set_of(octets(digest))),
    ]
    signed_attrs = set_of(*attrs)
    if scheme == "ecdsa":
        signature = key.sign(signed_attrs, ec.ECDSA(hcls()))
        sig_alg = _alg(oids.sig_oid("ecdsa", hash_name), None)
    elif scheme == "pss":
        salt = hcls().digest_size
        signature = key.sign(signed_attrs, padding.PSS(padding.MGF1(hcls()), salt), hcls())
        halg = _alg(oids.HASH_OID[hash_name])
        params = seq(
            tlv(0xA0, halg),
            tlv(0xA1, seq(encode_oid(oids.MGF1), halg)),
            tlv(0xA2, encode_int(salt)),
        )
        sig_alg = _alg(oids.RSASSA_PSS, params)
    else:
        signature = key.sign(signed_attrs, padding.PKCS1v15(), hcls())
        sig_alg = _alg(oids.sig_oid("rsa", hash_name))
    if sid == "ski":
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        version, signer_id = 3, tlv(0x80, ski)
    else:
        version, signer_id = 1, seq(cert.issuer.public_bytes(), encode_int(cert.serial_number))
    signer = seq(
        encode_int(version),
        signer_id,
        _alg(oids.HASH_OID[hash_name]),
        tlv(0xA0, *sorted(attrs)),
        sig_alg,
        octets(signature),
    )
    sd = seq(
        encode_int(3),
        set_of(_alg(oids.HASH_OID[hash_name])),
        seq(encode_oid(content_type), tlv(0xA0, octets(content))),
        tlv(0xA0, *[c.public_bytes(serialization.Encoding.DER) for c in (*other_certs, cert)]),
        set_of(signer),
    )
    return seq(encode_oid(oids.SIGNED_DATA), tlv(0xA0, sd))


def lds_security_object(files: dict[int, bytes], hash_name: str = "sha256") -> bytes:
    """DER LDSSecurityObject hashing each data group."""
    entries = [
        seq(encode_int(n), octets(hashlib.new(hash_name, data).digest()))
        for n, data in sorted(files.items())
    ]
    return seq(encode_int(0), _alg(oids.HASH_OID[hash_name]), seq(*entries))


def make_sod(
    dgs: dict[int, bytes],
    pki: TestPki,
    *,
    hash_name: str = "sha256",
    scheme: str | None = None,
    content_type: str = oids.LDS_SECURITY_OBJECT,
    **cms_options,
) -> bytes:
    """EF.SOD (tag 77) over the data groups ``{number: file bytes}``.

    ``cms_options`` go to :func:`signed_data` (tests of malformed or odd SODs).
    """
    if scheme is None:
        scheme = "ecdsa" if isinstance(pki.dsc_key, ec.EllipticCurvePrivateKey) else "pkcs1"
    body = signed_data(
        content_type,
        lds_security_object(dgs, hash_name),
        pki.dsc_key,
        pki.dsc,
        hash_name=hash_name,
        scheme=scheme,
        **cms_options,
    )
    return tlv(0x77, body)


def master_list(cscas: list[x509.Certificate], pki: TestPki) -> bytes:
    """A CSCA master list (CMS, content CscaMasterList) signed by ``pki``'s DSC."""
    certs = set_of(*[c.public_bytes(serialization.Encoding.DER) for c in cscas])
    return signed_data(oids.CSCA_MASTER_LIST, seq(encode_int(0), certs), pki.dsc_key, pki.dsc)
