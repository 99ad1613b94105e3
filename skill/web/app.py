"""The web service: Flask's app factory, POST /alexa and GET /healthz.

Why not flask-ask-sdk? It (through ask-sdk-webservice-support, certvalidator and
oscrypto 1.3.0) cannot even be imported on OpenSSL 3.0.10 or newer. This module is
the thin replacement: it checks the HTTP request, verifies it came from Alexa
(:mod:`skill.web.verification`), and hands the envelope to :func:`skill.dispatch.handle_envelope`.

Whatever arrives, the answer is a 4xx with ``{"error": ...}`` or a valid skill
response, never a 500: Alexa treats a 500 as a broken skill. Log lines name the
request type and the reason for a refusal, never a user id or what was said.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from intents import Content, load_catalogue
from skill import __version__
from skill.alexa import build_skill
from skill.dispatch import MalformedEnvelope, apology_envelope, handle_envelope
from skill.web.verification import (
    CERT_URL_HEADER,
    SIGNATURE_HEADER,
    RequestVerifier,
    VerificationError,
)

log = logging.getLogger("closer.web")

MAX_BODY_BYTES = 128 * 1024
MAX_JSON_DEPTH = 32
"""Alexa's envelopes nest about eight deep; far deeper JSON is an attack on the recursion
limit of whatever reads it next (the SDK, the reader, ``json.dumps``)."""


class RequestRefused(Exception):  # noqa: N818 - a refusal, not an error of ours
    """The request is not one Alexa would send; ``status`` is the HTTP status to answer."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the web service; ``config`` overrides the defaults read from the environment.

    Keys: ``SKILL_IDS`` (accepted application ids; empty accepts any),
    ``SKIP_VERIFICATION`` (for local clients that cannot sign), ``VERIFIER`` (a
    :class:`~skill.web.verification.RequestVerifier`, e.g. with test trust roots),
    ``CONTENT_DIR`` (content to load instead of the shipped one), ``STORE`` (where
    each person's record is kept between sessions, :mod:`skill.memory`; None, the
    default here, keeps nothing: ``closer serve`` opens the store ``CLOSER_STORE`` names).
    """
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SKILL_IDS=_split_ids(os.environ.get("CLOSER_SKILL_ID", "")),
        SKIP_VERIFICATION=os.environ.get("CLOSER_SKIP_VERIFICATION", "") == "1",
        VERIFIER=None,
        CONTENT_DIR=None,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES + 1,  # for every route; /alexa refuses past 128 KiB
        REHEARSAL=False,
        STORE=None,
    )
    if config:
        app.config.update(config)
    app.config["SKILL_IDS"] = _split_ids(app.config["SKILL_IDS"])
    catalogue = load_catalogue(app.config["CONTENT_DIR"])
    app.extensions["closer"] = {
        "catalogue": catalogue,
        "content": catalogue.default,
        "skill": build_skill(catalogue, store=app.config["STORE"]),
        "verifier": None
        if app.config["SKIP_VERIFICATION"]
        else app.config["VERIFIER"] or RequestVerifier(),
    }
    if app.config.get("REHEARSAL"):
        # Imported only here: the page, the resolver and model generation are a
        # fifth of the import time, and a production server never serves them.
        from skill.web.rehearsal_page import init_app as init_rehearsal

        init_rehearsal(app)
    if app.config["SKIP_VERIFICATION"]:
        log.warning("request verification is OFF (CLOSER_SKIP_VERIFICATION=1): local use only")

    app.add_url_rule("/alexa", "alexa", alexa, methods=["POST"])
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def healthz() -> Response:
    """Report that the service is up, its version, and whether verification is on."""
    verification = "off" if current_app.extensions["closer"]["verifier"] is None else "on"
    return jsonify(status="ok", version=__version__, verification=verification)


def alexa() -> Response | tuple[Response, int]:
    """Answer one request from Alexa: check, verify, dispatch."""
    closer = current_app.extensions["closer"]
    try:
        envelope = _checked_envelope(closer["verifier"])
    except RequestRefused as refusal:
        log.warning("refused %s: %s", refusal.status, refusal)
        return jsonify(error=str(refusal)), refusal.status
    try:
        return jsonify(handle_envelope(closer["skill"], envelope))
    except MalformedEnvelope:
        log.warning("refused 400: request does not match Alexa's format")
        return jsonify(error="request does not match Alexa's format"), 400
    # Anything else raised here reaches _unexpected_error: a spoken apology, never a 500.


def _checked_envelope(verifier: RequestVerifier | None) -> dict[str, Any]:
    """Read the body and return the envelope, or raise RequestRefused with the reason."""
    # Flask refuses a declared length over MAX_CONTENT_LENGTH (413, via _http_error)
    # but cuts an undeclared one short at that length; one byte of room tells them apart.
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise RequestRefused(f"body is over {MAX_BODY_BYTES // 1024} KiB", 413)
    if verifier is not None:
        try:
            verifier.verify_signature(_signature_headers(request.headers), body)
        except VerificationError as error:
            raise RequestRefused(f"signature: {error}") from None
    try:
        envelope = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise RequestRefused("body is not UTF-8") from None
    except (ValueError, RecursionError):  # not JSON, nested past the parser, a huge number
        raise RequestRefused("body is not JSON") from None
    if _too_deep(envelope, MAX_JSON_DEPTH):
        raise RequestRefused(f"body nests more than {MAX_JSON_DEPTH} levels deep")
    _check_shape(envelope)
    if verifier is not None:
        try:
            verifier.verify_timestamp(envelope)
        except VerificationError as error:
            raise RequestRefused(f"timestamp: {error}") from None
    _check_skill_id(envelope, current_app.config["SKILL_IDS"])
    return envelope


def _signature_headers(headers: Headers) -> dict[str, str]:
    """Pick out the two headers the signature check reads.

    The verifier takes any mapping and scans all of it for each header, since a
    plain dict's keys may differ in case; that scan of the WSGI environ was a
    quarter of the check. The environ holds each header under one key, so looking
    the two up gives the verifier the very same values (a missing one stays missing).
    """
    return {
        name: value
        for name in (CERT_URL_HEADER, SIGNATURE_HEADER)
        if (value := headers.get(name)) is not None
    }


def _too_deep(data: Any, limit: int) -> bool:
    """Tell whether JSON data nests deeper than ``limit``, without recursing."""
    level: list[Any] = [data]
    for _ in range(limit + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True


def _check_shape(envelope: Any) -> None:
    """Refuse what is not shaped like an Alexa request envelope, before the SDK sees it."""
    if not isinstance(envelope, dict):
        raise RequestRefused("body must be a JSON object")
    if not isinstance(envelope.get("version"), str):
        raise RequestRefused("version must be a string")
    req = envelope.get("request")
    if not isinstance(req, dict):
        raise RequestRefused("request must be an object")
    for key in ("type", "requestId", "timestamp"):
        if not isinstance(req.get(key), str):
            raise RequestRefused(f"request.{key} must be a string")
    for key in ("session", "context"):
        if key in envelope and not isinstance(envelope[key], dict):
            raise RequestRefused(f"{key} must be an object")
    if req["type"] == "IntentRequest":
        _check_intent_shape(req.get("intent"))
    session = envelope.get("session")
    if (
        isinstance(session, dict)
        and "attributes" in session
        and not isinstance(session["attributes"], dict | None)
    ):
        raise RequestRefused("session.attributes must be an object")


def _check_intent_shape(intent: Any) -> None:
    """Refuse an intent request whose intent has no name, or whose slots are not objects."""
    if not isinstance(intent, dict) or not isinstance(intent.get("name"), str):
        raise RequestRefused("request.intent.name must be a string")
    slots = intent.get("slots")
    if slots is not None and not (
        isinstance(slots, dict) and all(isinstance(s, dict) for s in slots.values())
    ):
        raise RequestRefused("request.intent.slots must map names to objects")


def _check_skill_id(envelope: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse requests for another skill when the service is bound to skill ids."""
    if not allowed:
        return
    places = (("context", "System", "application"), ("session", "application"))
    found = [_dig(envelope, *place, "applicationId") for place in places]
    ids = [each for each in found if each is not None]
    # Every id present must be one of ours: a number or a list where an id belongs
    # is no id of ours, even when the other place names this skill.
    if not ids or not all(isinstance(each, str) and each in allowed for each in ids):
        raise RequestRefused("application id is not this skill's")


def _dig(data: Any, *keys: str) -> Any:
    """Follow ``keys`` through nested objects; None where one is missing."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _split_ids(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Read ``CLOSER_SKILL_ID``: one id or a comma-separated list."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())


def _http_error(error: HTTPException) -> tuple[Response, int]:
    """Answer HTTP errors (404, 405, 413) with a short JSON body."""
    status = error.code or 400
    if status == 413:
        message = f"body is over {MAX_BODY_BYTES // 1024} KiB"
    else:
        message = (error.name or "error").lower()
    log.warning("refused %s: %s", status, message)
    return jsonify(error=message), status


def _unexpected_error(error: Exception) -> Response | tuple[Response, int]:
    """Last resort: on /alexa a spoken apology, elsewhere a 400; never a 500."""
    log.error("unexpected: %s", type(error).__name__, exc_info=error)
    if request.path == "/alexa":
        content: Content = current_app.extensions["closer"]["content"]
        return jsonify(apology_envelope(content))
    return jsonify(error="bad request"), 400
