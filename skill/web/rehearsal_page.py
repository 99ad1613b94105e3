"""The /rehearse page: talk to the skill in a browser, read and hear its answers.

Served by ``closer serve`` when it listens on a loopback address (or with
``CLOSER_REHEARSAL=1``); :func:`init_app` adds these routes, and the page's static
files under ``/rehearse/static/`` (the app itself has no static folder, so none of
them is served while the page is off):

- ``GET /rehearse``: the page (plain HTML, CSS and JS from ``skill/web/static``, no
  external resources, so it works offline).
- ``POST /rehearse/start`` ``{locale}``: open the skill (a LaunchRequest).
- ``POST /rehearse/turn`` ``{text, locale, session}``: one turn, through the same
  resolver, skill object and dispatch path as the terminal and POST /alexa
  (:mod:`skill.rehearsal`). Both answer with the turn (:meth:`TurnResult.to_json`),
  ``cardDiffers`` and ``suggestions`` (:mod:`skill.web.turn_view`) and ``audio``.
- ``POST /rehearse/audio`` ``{ssml, locale, token}``: render an answer the skill gave
  (speech/), return its URL.
- ``GET /rehearse/audio/<clip id>.mp3``: a rendered clip, only from the audio cache.

The server keeps nothing between requests: the page holds the session (id,
attributes, open) and sends it back with each turn. Nothing typed is logged or
written anywhere; the audio cache holds only the skill's own answers.

Only the skill's own answers are rendered. Each answer from ``/start`` and ``/turn``
carries ``audio: {locale, token}``, where the token is an HMAC of the answer's locale
and SSML under a key made at random for this app (:class:`AnswerTokens`); the page
sends it back with the SSML, and ``/audio`` refuses (403) any SSML and locale the token
does not vouch for. So the server stays stateless, and text from anywhere else, edited
or forged, never reaches an engine or the cache. speech/ refuses SSML over Alexa's
limits besides (a break over 10 s, more than 8,000 characters).

Only for this machine. Listening on loopback is not enough: a tunnel (ngrok) or a DNS
rebinding page reaches a loopback server under a name of its own. So every /rehearse
request (page, API, audio, static files) is refused (403, one log line that does not
repeat the header) unless its ``Host`` header, and its ``Origin`` header when there is
one, names this machine: ``localhost``, an address in 127.0.0.0/8 or ``[::1]``, with or
without a port, and one that came through a proxy or tunnel (a ``Forwarded`` or
``X-Forwarded-*`` header) is refused too. To rehearse from another name (say, a phone
on the home network), set ``CLOSER_REHEARSAL=1`` and list the names in ``CLOSER_REHEARSAL_HOSTS``
(comma-separated host names without ports, e.g. ``laptop.lan,192.168.1.20``; config
``REHEARSAL_HOSTS``); the list is ignored without ``CLOSER_REHEARSAL=1``. POST /alexa
and /healthz answer any host: Alexa calls the skill by its public name.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file

from skill.rehearsal import Rehearsal, Session, TurnResult
from skill.web.turn_view import turn_view
from speech.ssml import MAX_SPEECH_CHARS

log = logging.getLogger("closer.web")

PAGE_USER = "page"
"""The rehearsal user the page talks as: with a store (``closer serve``'s), welcome back,
resume and the next night's reflection can be rehearsed; ``closer forget --user page``
clears it."""
MAX_TEXT_CHARS = 500
"""Longer than anyone says in one breath to a speaker."""
_CLIP_ID = re.compile(r"[0-9a-f]{16,64}")
_TOKEN = re.compile(r"[0-9a-f]{64}")
# A Host header: a name or IPv4 address, or an IPv6 address in brackets; then a port.
_HOST = re.compile(r"(?P<name>[a-z0-9.-]+|\[[0-9a-f.]*:[0-9a-f:.]*\])(?::[0-9]{1,5})?")
_ORIGIN = re.compile(r"https?://(?P<host>[^/]+)")
_STATIC = Path(__file__).resolve().parent / "static"
# One render at a time: engines keep state (piper a process, gtts its pacing) and the
# page asks for one answer at a time anyway.
_render_lock = threading.Lock()

blueprint = Blueprint("rehearse", __name__, static_folder=str(_STATIC), static_url_path="/static")


def init_app(app: Flask) -> None:
    """Add the rehearsal page and its JSON API to ``app`` (which must have the skill built).

    Config: ``REHEARSAL_ENGINE`` (speech engine, default ``$CLOSER_REHEARSAL_ENGINE``
    or auto), ``REHEARSAL_ENGINES`` (the engines to choose from, by name, as
    :func:`speech.render.render_ssml` takes them; None, the default, means the real
    ones), ``REHEARSAL_CACHE_DIR`` (where rendered audio is kept and served from;
    default speech/'s cache folder) and ``REHEARSAL_HOSTS`` (host names answered
    besides loopback ones, a list or a comma-separated string; default
    ``$CLOSER_REHEARSAL_HOSTS``; honoured only with ``CLOSER_REHEARSAL=1``).
    """
    from speech.cache import default_cache_dir

    app.config.setdefault("REHEARSAL_ENGINE", os.environ.get("CLOSER_REHEARSAL_ENGINE", "auto"))
    app.config.setdefault("REHEARSAL_ENGINES", None)
    app.config.setdefault("REHEARSAL_CACHE_DIR", default_cache_dir())
    app.config["REHEARSAL_CACHE_DIR"] = Path(app.config["REHEARSAL_CACHE_DIR"]).absolute()
    app.config.setdefault("REHEARSAL_HOSTS", os.environ.get("CLOSER_REHEARSAL_HOSTS", ""))
    app.config["REHEARSAL_HOSTS"] = _listed_hosts(app.config["REHEARSAL_HOSTS"])
    app.extensions["closer"]["answer_tokens"] = AnswerTokens()
    app.register_blueprint(blueprint, url_prefix="/rehearse")


class AnswerTokens:
    """Vouch for the answers this app gave, so that /rehearse/audio renders nothing else.

    A token is the HMAC-SHA256 of an answer's locale and SSML under a key made at
    random when the app is created and kept only in its memory. The page receives
    it with each answer and sends it back with that answer's SSML; the server keeps
    no list of answers, and no one without the key can make a token for other SSML.
    A restart makes a new key, so the answers of an earlier run must be asked again.
    """

    _PURPOSE = "closer-together rehearsal audio, v1"
    """Part of every message: a token means this and nothing else."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, ssml: str, locale: str) -> str:
        """Return the token for an answer: 64 hex digits."""
        # JSON keeps the parts apart (no locale and SSML pair can pass for another) and,
        # ASCII-only, encodes any string, lone surrogates included.
        message = json.dumps([self._PURPOSE, locale, ssml]).encode("ascii")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def vouches_for(self, token: str, ssml: str, locale: str) -> bool:
        """Tell whether ``token`` was issued for exactly this SSML and locale."""
        return hmac.compare_digest(self.issue(ssml, locale), token)


def _listed_hosts(listed: str | Iterable[str]) -> frozenset[str]:
    """Read the host names to answer besides loopback ones; none without CLOSER_REHEARSAL=1.

    Two settings, so that a list left in the environment never opens the page alone.
    """
    items = listed.split(",") if isinstance(listed, str) else listed
    names = frozenset(item.strip().lower() for item in items if item.strip())
    if names and os.environ.get("CLOSER_REHEARSAL", "") != "1":
        log.warning("CLOSER_REHEARSAL_HOSTS is ignored without CLOSER_REHEARSAL=1")
        return frozenset()
    return names


class _BadRequest(Exception):  # noqa: N818 - a refusal, answered with 400
    """The page sent something it never sends; the message says what."""


@blueprint.errorhandler(_BadRequest)
def _bad_request(error: _BadRequest) -> tuple[Response, int]:
    return jsonify(error=str(error)), 400


_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")
"""Headers a reverse proxy or tunnel adds to what it forwards."""


@blueprint.before_request
def _only_for_this_machine() -> tuple[Response, int] | None:
    """Refuse a request addressed to another name than this machine's (module docstring).

    Runs before every route of the blueprint, its static files included. The log line
    says which header, never its value: that is text the client chose.
    """
    listed: frozenset[str] = current_app.config["REHEARSAL_HOSTS"]
    origin = request.headers.get("Origin")
    if not _names_this_machine(request.headers.get("Host", ""), listed):
        reason = "the Host is not a loopback name"
    elif origin is not None and not _from_this_machine(origin, listed):
        reason = "the Origin is not a loopback origin"
    elif not listed and any(name in request.headers for name in _PROXY_HEADERS):
        # A tunnel that rewrites Host to localhost (ngrok --host-header=rewrite) still
        # says it forwarded the request; a person at this machine needs no proxy.
        reason = "it came through a proxy or tunnel"
    else:
        return None
    log.warning("rehearsal refused 403: %s", reason)
    return jsonify(error=f"the rehearsal page is only for this machine: {reason}"), 403


def _names_this_machine(host: str, listed: frozenset[str]) -> bool:
    """Tell whether a Host value (name and optional port) is loopback or a listed name."""
    match = _HOST.fullmatch(host.lower())
    if match is None:
        return False
    name = match["name"]
    if name == "localhost" or name in listed:
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def _from_this_machine(origin: str, listed: frozenset[str]) -> bool:
    """Tell whether an Origin (``http://host:port``; ``null`` is not) names this machine."""
    match = _ORIGIN.fullmatch(origin.lower())
    return match is not None and _names_this_machine(match["host"], listed)


@blueprint.after_request
def _no_outside_resources(response: Response) -> Response:
    """Forbid anything from elsewhere: the page runs offline and keeps to itself."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; media-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = response.headers.get("Cache-Control", "no-store")
    return response


@blueprint.get("")
def page() -> Response:
    """Serve the rehearsal page."""
    return send_file(_STATIC / "rehearse.html", mimetype="text/html", max_age=0)


@blueprint.get("/config")
def config() -> Response:
    """Tell the page which locales it can rehearse in."""
    catalogue = current_app.extensions["closer"]["catalogue"]
    return jsonify(locales=list(catalogue.locales), default=catalogue.default.locale)


@blueprint.post("/start")
def start() -> Response:
    """Open the skill in a new session."""
    body = _body()
    locale = _locale(body)
    return _answer(Rehearsal(_skill(), locale=locale, user=PAGE_USER).start(), locale)


@blueprint.post("/turn")
def turn() -> Response:
    """Say one thing in the session the page sends back."""
    body = _body()
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _BadRequest("text must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise _BadRequest(f"text is over {MAX_TEXT_CHARS} characters")
    try:
        session = Session.from_json(body.get("session"))
    except ValueError as error:
        raise _BadRequest(str(error)) from None
    locale = _locale(body)
    rehearsal = Rehearsal(_skill(), locale=locale, session=session, user=PAGE_USER)
    return _answer(rehearsal.say(text.strip()), locale)


def _answer(result: TurnResult, locale: str) -> Response:
    """Return a turn as JSON, with what the page sends back to hear it (``audio``).

    Besides: ``cardDiffers`` (show the card: it says more than the speech) and
    ``suggestions`` (what to say next, none once the session has ended); see
    :mod:`skill.web.turn_view`.
    """
    catalogue = current_app.extensions["closer"]["catalogue"]
    answer = result.to_json()
    answer.update(turn_view(result, catalogue.for_locale(locale)))
    answer["audio"] = (
        {"locale": locale, "token": _tokens().issue(result.ssml, locale)}
        if result.ssml.strip()
        else None
    )
    return jsonify(answer)


@blueprint.post("/audio")
def render_audio() -> Response | tuple[Response, int]:
    """Render one answer's SSML and return where to fetch the MP3.

    Only an answer this app gave: the SSML and locale must be those its token was
    issued for (:class:`AnswerTokens`), checked before anything is rendered or cached.
    """
    from speech.render import RenderError, render_ssml

    body = _body()
    ssml, locale, token = body.get("ssml"), body.get("locale"), body.get("token")
    # Alexa's own limit for outputSpeech: the skill never says more, so the page never sends more.
    if not isinstance(ssml, str) or not ssml.strip() or len(ssml) > MAX_SPEECH_CHARS:
        raise _BadRequest(
            f"ssml must be a non-empty string of at most {MAX_SPEECH_CHARS} characters"
        )
    if not isinstance(locale, str) or not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise _BadRequest("locale and token must be the ones sent with the answer, in its audio")
    if not _tokens().vouches_for(token, ssml, locale):
        log.warning("rehearsal refused 403: audio asked for an answer this server did not give")
        return jsonify(
            error="this server gave no such answer (or has restarted since): start over"
        ), 403
    cache_dir: Path = current_app.config["REHEARSAL_CACHE_DIR"]
    try:
        with _render_lock:
            clip = render_ssml(
                ssml,
                locale=locale,
                engine=current_app.config["REHEARSAL_ENGINE"],
                cache_dir=cache_dir,
                engines=current_app.config["REHEARSAL_ENGINES"],
            )
    except (RenderError, ValueError) as error:
        log.warning("rehearsal audio not rendered: %s", type(error).__name__)
        return jsonify(error=f"no audio: {error}"), 503
    if clip.path.parent != _clips_dir(cache_dir) or not _CLIP_ID.fullmatch(clip.path.stem):
        return jsonify(error="no audio: the clip is not in the audio cache"), 503
    return jsonify(
        url=f"/rehearse/audio/{clip.path.stem}.mp3",
        engine=clip.engine,
        seconds=round(clip.seconds, 2),
        cached=clip.cached,
    )


@blueprint.get("/audio/<clip_id>.mp3")
def audio(clip_id: str) -> Response | tuple[Response, int]:
    """Serve a rendered clip: a hex id naming a file directly in the cache's clip folder."""
    if not _CLIP_ID.fullmatch(clip_id):
        return jsonify(error="not found"), 404
    path = _clips_dir(current_app.config["REHEARSAL_CACHE_DIR"]) / f"{clip_id}.mp3"
    if not path.is_file():
        return jsonify(error="not found"), 404
    response = send_file(path, mimetype="audio/mpeg", conditional=True, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _clips_dir(cache_dir: Path) -> Path:
    """Where speech/'s cache keeps whole clips (``clips/<key>.mp3``)."""
    from speech.cache import AudioCache

    return AudioCache(cache_dir).root / "clips"


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _BadRequest("the body must be a JSON object")
    return body


def _locale(body: dict[str, Any]) -> str:
    """Return the locale asked for if the skill serves it, else the default (as Alexa does)."""
    catalogue = current_app.extensions["closer"]["catalogue"]
    locale = body.get("locale")
    return (
        locale
        if isinstance(locale, str) and locale in catalogue.locales
        else catalogue.default.locale
    )


def _skill() -> Any:
    return current_app.extensions["closer"]["skill"]


def _tokens() -> AnswerTokens:
    tokens: AnswerTokens = current_app.extensions["closer"]["answer_tokens"]
    return tokens
