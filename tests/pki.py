"""A throwaway web PKI that signs requests the way Alexa does, for tests.

Amazon signs each request with a TLS server certificate for ``echo-api.amazon.com`` that
chains to a public root.  This module builds the same shape in-process with real keys::

    Test Root CA  (self-signed; pass ``pki.root`` as the verifier's only trust root)
      -> Test Intermediate CA
           -> signing certificate, SAN echo-api.amazon.com, EKU serverAuth

``server_tls`` issues a TLS server certificate for loopback from the same root, for
stand-ins of Amazon's HTTPS APIs that a client must verify (the Reminders API).

The certificates carry the extensions a web PKI policy demands (the real verifier in
``skill.web.verification`` uses cryptography's web PKI profile and refuses anything less):
critical BasicConstraints and KeyUsage, SubjectKeyIdentifier everywhere,
AuthorityKeyIdentifier below the root, serverAuth EKU and a SAN on the signing cert.

Every trusted variant shares one root, so a verifier built with
``trust_roots=[make_pki().root]`` accepts ``make_pki()`` and refuses the bad variants for
the intended reason only.  RSA key generation is slow, so keys and certificates are made
once per process and cached.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
ALEXA_SAN = "echo-api.amazon.com"

# Validity windows, relative to the moment the certificates are first made.  Wide enough
# that a clock pinned anywhere within a test run is inside every "valid" certificate.
_CA_LIFETIME = (timedelta(days=-365), timedelta(days=3650))
_SIGNING_LIFETIME = (timedelta(days=-1), timedelta(days=90))
_EXPIRED_LIFETIME = (timedelta(days=-90), timedelta(days=-1))


@dataclass(frozen=True)
class TestPKI:
    """One signing certificate with its chain, and the key to sign request bodies with."""

    __test__: ClassVar[bool] = False  # a helper, not a pytest test class

    root: x509.Certificate
    intermediate: x509.Certificate
    signing_cert: x509.Certificate
    signing_key: rsa.RSAPrivateKey = field(repr=False)
    chain_pem: bytes = field(repr=False)  # signing cert + intermediate, as Amazon serves it

    def sign(self, body: bytes) -> str:
        """Return the ``Signature-256`` header value for ``body``."""
        signature = self.signing_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, body: bytes, url: str = CERT_URL) -> dict[str, str]:
        """Return the headers Alexa would send with ``body`` (plus a JSON content type)."""
        return {
            "Content-Type": "application/json",
            "SignatureCertChainUrl": url,
            "Signature-256": self.sign(body),
        }


class RecordingFetcher:
    """A ``fetch_chain`` stand-in that serves one PEM chain and records every URL asked for.

    ``fail_first`` makes the first that many calls raise ``OSError`` (a flaky network).
    """

    def __init__(self, chain_pem: bytes, *, fail_first: int = 0) -> None:
        self.chain_pem = chain_pem
        self.fail_first = fail_first
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if len(self.calls) <= self.fail_first:
            raise OSError("simulated network failure")
        return self.chain_pem


def make_pki(
    *,
    expired: bool = False,
    san: str | None = ALEXA_SAN,
    untrusted: bool = False,
    key_bits: int = 2048,
) -> TestPKI:
    """Return a signing certificate and chain, valid unless a bad variant is asked for.

    ``expired``: the signing cert's validity ended yesterday.  ``san``: the DNS name in
    its SubjectAlternativeName (``None`` leaves the extension out).  ``untrusted``: the
    chain hangs from an impostor root with the trusted root's name but another key.
    ``key_bits``: the size of the signing certificate's RSA key.
    """
    return _make_pki(expired, san, untrusted, key_bits)


def alexa_timestamp(moment: datetime) -> str:
    """Format ``moment`` the way Alexa writes ``request.timestamp`` (``...T17:43:13Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ServerTLS:
    """A TLS server certificate for loopback, its key, and the root that issued it (all PEM)."""

    cert_pem: bytes
    key_pem: bytes = field(repr=False)
    root_pem: bytes


@functools.cache
def server_tls(hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> ServerTLS:
    """Issue a serverAuth certificate for ``hosts`` (IP addresses or DNS names) from the test root.

    A client trusts it only when given ``root_pem`` (as a CA bundle): it is a real
    chain to a root no system trusts, not a certificate that verification is turned off for.
    """
    root, root_key = _root("")
    key = _key("loopback server")
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    cert = (
        _builder(
            subject=_name(hosts[0], "Test Server"),
            issuer=root.subject,
            public_key=key.public_key(),
            lifetime=_SIGNING_LIFETIME,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_aki(root_key), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return ServerTLS(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        root_pem=root.public_bytes(serialization.Encoding.PEM),
    )


@functools.cache
def _make_pki(expired: bool, san: str | None, untrusted: bool, key_bits: int) -> TestPKI:
    # The impostor chain reuses the trusted names with other keys: only the signatures
    # can tell it apart, which is what path validation must check.
    prefix = "untrusted " if untrusted else ""
    root, _ = _root(prefix)
    intermediate, intermediate_key = _intermediate(prefix)
    lifetime = _EXPIRED_LIFETIME if expired else _SIGNING_LIFETIME
    signing_key = _key(f"{prefix}signing", key_bits)
    common_name = san or "not-alexa.example.com"
    builder = (
        _builder(
            subject=_name(common_name, "Test Signing"),
            issuer=intermediate.subject,
            public_key=signing_key.public_key(),
            lifetime=lifetime,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(_aki(intermediate_key), critical=False)
    )
    if san is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
        )
    signing_cert = builder.sign(intermediate_key, hashes.SHA256())
    chain_pem = b"".join(
        cert.public_bytes(serialization.Encoding.PEM) for cert in (signing_cert, intermediate)
    )
    return TestPKI(
        root=root,
        intermediate=intermediate,
        signing_cert=signing_cert,
        signing_key=signing_key,
        chain_pem=chain_pem,
    )


@functools.cache
def _root(prefix: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _key(f"{prefix}root")
    name = _name("Closer Together Test Root CA", "Test CA")
    cert = (
        _builder(subject=name, issuer=name, public_key=key.public_key(), lifetime=_CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


@functools.cache
def _intermediate(prefix: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    root, root_key = _root(prefix)
    key = _key(f"{prefix}intermediate")
    cert = (
        _builder(
            subject=_name("Closer Together Test Intermediate CA", "Test CA"),
            issuer=root.subject,
            public_key=key.public_key(),
            lifetime=_CA_LIFETIME,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(_aki(root_key), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    return cert, key


@functools.cache
def _key(role: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """Make one key per role and size (2048 bits, the least Alexa's chain may use)."""
    del role  # only the cache key
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def _epoch() -> datetime:
    """Fix "now" once, so every certificate of a run shares the same reference time."""
    return datetime.now(UTC).replace(microsecond=0)


def _builder(
    *,
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey,
    lifetime: tuple[timedelta, timedelta],
) -> x509.CertificateBuilder:
    start, end = lifetime
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_epoch() + start)
        .not_valid_after(_epoch() + end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _aki(issuer_key: rsa.RSAPrivateKey) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Closer Together Tests"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(
    *,
    digital_signature: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
