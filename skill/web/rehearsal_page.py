"""The /rehearse page: talk to the skill in a browser, read and hear its answers.

Served by ``closer serve`` when it listens on a loopback address (or with
``CLOSER_REHEARSAL=1``); :func:`init_app` adds these routes:

- ``GET /rehearse``: the page (plain HTML, CSS and JS from ``skill/web/static``, no
  external resources, so it works offline).
- ``POST /rehearse/start`` ``{locale}``: open the skill (a LaunchRequest).
- ``POST /rehearse/turn`` ``{text, locale, session}``: one turn, through the same
  resolver, skill object and dispatch path as the terminal and POST /alexa
  (:mod:`skill.rehearsal`).
- ``POST /rehearse/audio`` ``{ssml, locale}``: render an answer (speech/), return its URL.
- ``GET /rehearse/audio/<clip id>.mp3``: a rendered clip, only from the audio cache.

The server keeps nothing between requests: the page holds the session (id,
attributes, open) and sends it back with each turn. Nothing typed is logged or
written anywhere; the audio cache holds only the skill's own answers.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file

from skill.rehearsal import Rehearsal, Session
from speech.ssml import MAX_SPEECH_CHARS

MAX_TEXT_CHARS = 500
"""Longer than anyone says in one breath to a speaker."""
_CLIP_ID = re.compile(r"[0-9a-f]{16,64}")
_STATIC = Path(__file__).resolve().parent / "static"
# One render at a time: engines keep state (piper a process, gtts its pacing) and the
# page asks for one answer at a time anyway.
_render_lock = threading.Lock()

blueprint = Blueprint("rehearse", __name__, static_folder=str(_STATIC), static_url_path="/static")


def init_app(app: Flask) -> None:
    """Add the rehearsal page and its JSON API to ``app`` (which must have the skill built).

    Config: ``REHEARSAL_ENGINE`` (speech engine, default ``$CLOSER_REHEARSAL_ENGINE``
    or auto) and ``REHEARSAL_CACHE_DIR`` (where rendered audio is kept and served
    from; default speech/'s cache folder).
    """
    from speech.cache import default_cache_dir

    app.config.setdefault("REHEARSAL_ENGINE", os.environ.get("CLOSER_REHEARSAL_ENGINE", "auto"))
    app.config.setdefault("REHEARSAL_CACHE_DIR", default_cache_dir())
    app.config["REHEARSAL_CACHE_DIR"] = Path(app.config["REHEARSAL_CACHE_DIR"]).absolute()
    app.register_blueprint(blueprint, url_prefix="/rehearse")


class _BadRequest(Exception):  # noqa: N818 - a refusal, answered with 400
    """The page sent something it never sends; the message says what."""


@blueprint.errorhandler(_BadRequest)
def _bad_request(error: _BadRequest) -> tuple[Response, int]:
    return jsonify(error=str(error)), 400


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
    rehearsal = Rehearsal(_skill(), locale=_locale(body))
    return jsonify(rehearsal.start().to_json())


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
    rehearsal = Rehearsal(_skill(), locale=_locale(body), session=session)
    return jsonify(rehearsal.say(text.strip()).to_json())


@blueprint.post("/audio")
def render_audio() -> Response | tuple[Response, int]:
    """Render one answer's SSML and return where to fetch the MP3."""
    from speech.render import RenderError, render_ssml

    body = _body()
    ssml = body.get("ssml")
    # Alexa's own limit for outputSpeech: the skill never says more, so the page never sends more.
    if not isinstance(ssml, str) or not ssml.strip() or len(ssml) > MAX_SPEECH_CHARS:
        raise _BadRequest(
            f"ssml must be a non-empty string of at most {MAX_SPEECH_CHARS} characters"
        )
    cache_dir: Path = current_app.config["REHEARSAL_CACHE_DIR"]
    try:
        with _render_lock:
            clip = render_ssml(
                ssml,
                locale=_locale(body),
                engine=current_app.config["REHEARSAL_ENGINE"],
                cache_dir=cache_dir,
            )
    except (RenderError, ValueError) as error:
        current_app.logger.warning("rehearsal audio not rendered: %s", type(error).__name__)
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
