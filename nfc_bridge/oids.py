"""Object identifiers used by EF.SOD, master lists and active authentication."""

from collections.abc import Callable

from cryptography.hazmat.primitives import hashes

HashFactory = Callable[[], hashes.HashAlgorithm]

SIGNED_DATA = "1.2.840.113549.1.7.2"
LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
CSCA_MASTER_LIST = "2.23.136.1.1.2"
ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
RSASSA_PSS = "1.2.840.113549.1.1.10"
MGF1 = "1.2.840.113549.1.1.8"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
ACTIVE_AUTH_INFO = "2.23.136.1.1.5"

HASHES: dict[str, HashFactory] = {
    "1.3.14.3.2.26": hashes.SHA1,
    "2.16.840.1.101.3.4.2.4": hashes.SHA224,
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
HASH_OID = {cls().name: oid for oid, cls in HASHES.items()}

RSA_PKCS1: dict[str, HashFactory] = {
    "1.2.840.113549.1.1.5": hashes.SHA1,
    "1.2.840.113549.1.1.14": hashes.SHA224,
    "1.2.840.113549.1.1.11": hashes.SHA256,
    "1.2.840.113549.1.1.12": hashes.SHA384,
    "1.2.840.113549.1.1.13": hashes.SHA512,
}
ECDSA: dict[str, HashFactory] = {
    "1.2.840.10045.4.1": hashes.SHA1,
    "1.2.840.10045.4.3.1": hashes.SHA224,
    "1.2.840.10045.4.3.2": hashes.SHA256,
    "1.2.840.10045.4.3.3": hashes.SHA384,
    "1.2.840.10045.4.3.4": hashes.SHA512,
}
# BSI TR-03111 ecdsa-plain-signatures (0.4.0.127.0.7.1.1.4.1.x), used by DG14 for AA
ECDSA_PLAIN: dict[str, HashFactory] = {
    "0.4.0.127.0.7.1.1.4.1.1": hashes.SHA1,
    "0.4.0.127.0.7.1.1.4.1.2": hashes.SHA224,
    "0.4.0.127.0.7.1.1.4.1.3": hashes.SHA256,
    "0.4.0.127.0.7.1.1.4.1.4": hashes.SHA384,
    "0.4.0.127.0.7.1.1.4.1.5": hashes.SHA512,
}


def sig_oid(kind: str, hash_name: str) -> str:
    """Signature algorithm OID for ``kind`` in rsa/ecdsa and a hash name like 'sha256'."""
    table = RSA_PKCS1 if kind == "rsa" else ECDSA
    return next(oid for oid, cls in table.items() if cls().name == hash_name)
