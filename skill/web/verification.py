"""Prove that a request to the skill's web endpoint was sent by Alexa.

Why this exists: Amazon's verifier for Python web services, ``ask-sdk-webservice-support``
(and ``flask-ask-sdk`` on top of it), cannot even be imported on OpenSSL 3.0.10 or newer:
its chain certvalidator -> oscrypto 1.3.0 fails with ``LibraryNotFoundError`` while
detecting the libcrypto version (oscrypto issues 75 and 78, fixed only in an unreleased
commit).  So the project applies Amazon's rules for web-service skills itself.  Path
validation is not hand-written: ``cryptography.x509.verification`` does it, with its web
PKI profile (the signing certificate is an ordinary TLS server certificate).

What is checked, in order; every refusal raises ``VerificationError``::

    headers (any case) ---- SignatureCertChainUrl, Signature-256 (base64) present
        |
    validate_cert_url ----- https, host s3.amazonaws.com, port 443 or none, path
        |                   (dot segments resolved) under /echo.api/, no query or
        |                   fragment; else no fetch
        |
    cache: URL seen, chain still in date at clock()? --- yes ---------------+
        | no                                                                |
    fetch_chain(url) ------ PEM: signing certificate first, intermediates   |
        |                   (default: HTTPS, 3 s overall deadline, 64 KiB)  |
    ServerVerifier -------- chain to a trust root (certifi by default),    |
        |                   every certificate in date at clock(), SAN      |
        |                   echo-api.amazon.com, EKU serverAuth, RSA>=2048 |
    cache the signing certificate until the chain's first expiry           |
        |<------------------------------------------------------------------+
    signature ------------- RSA PKCS#1 v1.5 SHA-256 over the raw body bytes
                            (before any JSON parsing) matches Signature-256

    verify_timestamp ------ request.timestamp within 150 s of clock(), either
                            way (request types AlexaSkillEvent.*: 1 hour)

The skill id is not checked here: the web view does that (``skill.web.app``), after this.
Reasons in ``VerificationError`` are short and never quote the body or user ids, so a
view can log them and return them as ``{"error": reason}``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification as pathval

from skill.web.certificates import fetch_chain_over_https, normalise_cert_url
from skill.web.errors import VerificationError

__all__ = [
    "SKILL_EVENT_TOLERANCE",
    "TIMESTAMP_TOLERANCE",
    "RequestVerifier",
    "VerificationError",
]

TIMESTAMP_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
ALEXA_SIGNING_NAME = "echo-api.amazon.com"
SKILL_EVENT_PREFIX = "AlexaSkillEvent."
MIN_RSA_BITS = 2048

_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL
)
_MAX_TIMESTAMP_LENGTH = 64


@dataclass(frozen=True)
class _ValidatedCert:
    """A signing certificate whose chain passed validation, and when that chain is in date."""

    cert: x509.Certificate
    valid_from: datetime
    valid_until: datetime

    def in_date(self, now: datetime) -> bool:
        return self.valid_from <= now <= self.valid_until


class RequestVerifier:
    """Check Alexa's signature and timestamp on incoming requests; safe to share across threads.

    One instance serves the whole app: it holds the trust store and a small LRU cache of
    validated signing certificates, so the chain is fetched and validated once per
    certificate URL rather than once per request.
    """

    def __init__(
        self,
        *,
        trust_roots: Sequence[x509.Certificate] | None = None,
        fetch_chain: Callable[[str], bytes] | None = None,
        clock: Callable[[], datetime] | None = None,
        cache_size: int = 16,
    ) -> None:
        """Trust ``trust_roots`` (default: certifi's bundle) and fetch with ``fetch_chain``.

        ``clock`` returns an aware UTC datetime (default: the system clock); tests pin it.
        ``cache_size`` bounds the validated-certificate cache (0 disables caching).
        """
        roots = list(certifi_roots() if trust_roots is None else trust_roots)
        if not roots:
            raise ValueError("trust_roots must hold at least one certificate")
        if cache_size < 0:
            raise ValueError("cache_size must not be negative")
        self._store = pathval.Store(roots)
        self._fetch_chain = fetch_chain if fetch_chain is not None else fetch_chain_over_https
        self._clock = clock if clock is not None else _system_clock
        self._cache_size = cache_size
        self._cache: OrderedDict[str, _ValidatedCert] = OrderedDict()
        self._lock = threading.Lock()

    def verify_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise VerificationError unless ``body`` is signed by Alexa.

        ``body`` is the raw request bytes, before any JSON parsing: the signature covers
        those exact bytes, and a re-serialised copy would not verify.
        """
        try:
            raw_url = _single_header(headers, CERT_URL_HEADER)
            raw_signature = _single_header(headers, SIGNATURE_HEADER)
            cert_url = normalise_cert_url(raw_url)
            signature = _decode_signature(raw_signature)
            if not isinstance(body, bytes | bytearray | memoryview):
                raise VerificationError("request body must be bytes")
            signing_cert = self._signing_cert(cert_url)
            _check_signature(signing_cert, signature, bytes(body))
        except VerificationError:
            raise
        except Exception as exc:  # a bug or odd input must still read as "not verified"
            raise VerificationError(f"signature check failed ({type(exc).__name__})") from exc

    def verify_timestamp(self, envelope: Mapping[str, Any]) -> None:
        """Raise VerificationError unless the request timestamp is within tolerance of clock().

        Reads ``envelope["request"]["timestamp"]``.  The tolerance bounds how long a
        captured request can be replayed; skill events (``AlexaSkillEvent.*``) may be
        delivered late, so they get an hour.
        """
        try:
            request = envelope.get("request") if isinstance(envelope, Mapping) else None
            if not isinstance(request, Mapping):
                raise VerificationError("request envelope has no request object")
            sent_at = _parse_timestamp(request.get("timestamp"))
            request_type = request.get("type")
            is_skill_event = isinstance(request_type, str) and request_type.startswith(
                SKILL_EVENT_PREFIX
            )
            tolerance = SKILL_EVENT_TOLERANCE if is_skill_event else TIMESTAMP_TOLERANCE
            if abs(self._now() - sent_at) > tolerance:
                raise VerificationError(
                    f"request timestamp is more than {_describe(tolerance)} from now"
                )
        except VerificationError:
            raise
        except Exception as exc:
            raise VerificationError(f"timestamp check failed ({type(exc).__name__})") from exc

    def _now(self) -> datetime:
        now = self._clock()
        if not isinstance(now, datetime):
            raise TypeError("clock() must return a datetime")
        # A naive clock reading is taken as UTC rather than refused: it is our own clock.
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    def _signing_cert(self, cert_url: str) -> x509.Certificate:
        """Return the validated signing certificate for ``cert_url``, from cache or fetched.

        The fetch and validation run outside the lock, so one slow download does not
        hold up requests whose certificate is already cached.  Only a chain that passed
        validation is stored; a failure is simply retried on the next request.
        """
        now = self._now()
        with self._lock:
            cached = self._cache.get(cert_url)
            if cached is not None:
                if cached.in_date(now):
                    self._cache.move_to_end(cert_url)
                    return cached.cert
                del self._cache[cert_url]
        try:
            chain_pem = self._fetch_chain(cert_url)
        except VerificationError:
            raise
        except Exception as exc:
            raise VerificationError(
                f"could not fetch the certificate chain ({type(exc).__name__})"
            ) from exc
        validated = self._validate_chain(chain_pem, now)
        if self._cache_size:
            with self._lock:
                self._cache[cert_url] = validated
                self._cache.move_to_end(cert_url)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return validated.cert

    def _validate_chain(self, chain_pem: bytes, now: datetime) -> _ValidatedCert:
        """Validate the fetched chain with cryptography's web PKI path validation at ``now``."""
        try:
            signing_cert, *intermediates = x509.load_pem_x509_certificates(chain_pem)
        except (TypeError, ValueError) as exc:
            raise VerificationError("certificate chain is not a PEM certificate list") from exc
        verifier = (
            pathval.PolicyBuilder()
            .store(self._store)
            .time(now)
            .build_server_verifier(x509.DNSName(ALEXA_SIGNING_NAME))
        )
        try:
            chain = verifier.verify(signing_cert, intermediates)
        except pathval.VerificationError as exc:
            raise VerificationError(_explain_rejection(signing_cert, now)) from exc
        # cryptography's web PKI profile checks the keys of the CAs that sign, not the
        # key of the certificate at the end of the chain; this one signs every request.
        key = signing_cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
            raise VerificationError(f"signing certificate key is not RSA of {MIN_RSA_BITS}+ bits")
        return _ValidatedCert(
            cert=signing_cert,
            valid_from=max(cert.not_valid_before_utc for cert in chain),
            valid_until=min(cert.not_valid_after_utc for cert in chain),
        )


def _explain_rejection(signing_cert: x509.Certificate, now: datetime) -> str:
    """Name the likeliest reason path validation refused the chain.

    Only wording: the decision was cryptography's.  Its own message quotes certificate
    subjects and internals, which is more than a caller needs.
    """
    if not signing_cert.not_valid_before_utc <= now <= signing_cert.not_valid_after_utc:
        return "signing certificate is expired or not yet valid"
    try:
        names = signing_cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        ).value.get_values_for_type(x509.DNSName)
    except (x509.ExtensionNotFound, ValueError):
        names = []
    if ALEXA_SIGNING_NAME not in {name.lower() for name in names}:
        return f"signing certificate is not issued to {ALEXA_SIGNING_NAME}"
    return "certificate chain failed validation against the trusted roots"


def _check_signature(signing_cert: x509.Certificate, signature: bytes, body: bytes) -> None:
    public_key = signing_cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise VerificationError("signing certificate does not hold an RSA key")
    try:
        public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise VerificationError("signature does not match the body") from None


def _single_header(headers: Mapping[str, str], name: str) -> str:
    """Return header ``name`` matched case-insensitively, from a dict or werkzeug Headers.

    A plain dict is case-sensitive, so keys are compared lowered.  Two different values
    for the same header are refused: which one would a proxy have meant?
    """
    wanted = name.lower()
    values = {
        value.strip()
        for key, value in headers.items()
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str)
    }
    values.discard("")
    if not values:
        raise VerificationError(f"missing {name} header")
    if len(values) > 1:
        raise VerificationError(f"conflicting {name} headers")
    return values.pop()


def _decode_signature(value: str) -> bytes:
    try:
        signature = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"{SIGNATURE_HEADER} header is not valid base64") from exc
    if not signature:
        raise VerificationError(f"{SIGNATURE_HEADER} header is empty")
    return signature


def _parse_timestamp(value: object) -> datetime:
    """Parse Alexa's ISO 8601 timestamp (``2026-11-25T17:43:13Z``; fractions, offsets too)."""
    if not isinstance(value, str) or not value:
        raise VerificationError("request timestamp is missing or not a string")
    if len(value) > _MAX_TIMESTAMP_LENGTH:
        raise VerificationError("request timestamp is not ISO 8601")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise VerificationError("request timestamp is not ISO 8601") from exc
    # Alexa always writes UTC with a "Z"; an offset-less stamp is read as UTC too.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _describe(tolerance: timedelta) -> str:
    seconds = int(tolerance.total_seconds())
    return f"{seconds // 3600} h" if seconds >= 3600 and not seconds % 3600 else f"{seconds} s"


def _system_clock() -> datetime:
    return datetime.now(UTC)


@functools.cache
def certifi_roots() -> tuple[x509.Certificate, ...]:
    """Load certifi's bundle once, one certificate at a time.

    Six roots in the bundle (among them Starfield Services Root CA - G2, which cross-signs
    Amazon's roots) have serial number 0, which RFC 5280 forbids: cryptography warns on
    loading them and announces it will refuse them.  Loading the bundle in one call would
    then fail as a whole, so each certificate is loaded alone and a refused one skipped
    (Amazon Root CA 1-4 are in the bundle themselves).
    """
    with open(certifi.where(), "rb") as bundle:
        pem = bundle.read()
    roots = []
    for block in _PEM_CERTIFICATE.findall(pem):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    return tuple(roots)
