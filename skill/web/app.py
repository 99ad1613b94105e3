"""The web service: Flask's app factory, POST /alexa and GET /healthz.

Why not flask-ask-sdk? It (through ask-sdk-webservice-support, certvalidator and
oscrypto 1.3.0) cannot even be imported on OpenSSL 3.0.10 or newer. This module is
the thin replacement: it checks the HTTP request, verifies it came from Alexa
(:mod:`skill.web.verification`), applies the envelope checks it shares with the Lambda
entry point (:mod:`skill.checks`), and hands the envelope to
:func:`skill.dispatch.handle_envelope`.

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
from skill.checks import MAX_JSON_DEPTH as MAX_JSON_DEPTH  # where tests and callers found it
from skill.checks import (
    SKILL_ID_VARIABLE,
    RequestRefused,
    check_depth,
    check_shape,
    check_skill_id,
    split_ids,
)
from skill.dispatch import MalformedEnvelope, apology_envelope, handle_envelope
from skill.web.verification import (
    CERT_URL_HEADER,
    SIGNATURE_HEADER,
    RequestVerifier,
    VerificationError,
)

log = logging.getLogger("closer.web")

MAX_BODY_BYTES = 128 * 1024


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
        SKILL_IDS=split_ids(os.environ.get(SKILL_ID_VARIABLE, "")),
        SKIP_VERIFICATION=os.environ.get("CLOSER_SKIP_VERIFICATION", "") == "1",
        VERIFIER=None,
        CONTENT_DIR=None,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES + 1,  # for every route; /alexa refuses past 128 KiB
        REHEARSAL=False,
        STORE=None,
    )
    if config:
        app.config.update(config)
    app.config["SKILL_IDS"] = split_ids(app.config["SKILL_IDS"])
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
    check_depth(envelope)
    check_shape(envelope)
    if verifier is not None:
        try:
            verifier.verify_timestamp(envelope)
        except VerificationError as error:
            raise RequestRefused(f"timestamp: {error}") from None
    check_skill_id(envelope, current_app.config["SKILL_IDS"])
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
