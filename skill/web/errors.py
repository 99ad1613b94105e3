"""The one error of the web side's checks, below both the verifier and the certificate fetcher."""

from __future__ import annotations


class VerificationError(Exception):
    """The request is not proven to come from Alexa.

    ``str(error)`` is a short reason, safe to log and to return as ``{"error": reason}``:
    it never contains the body or user ids.
    """
