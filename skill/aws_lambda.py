"""The skill on AWS Lambda: :func:`handler` is the function Lambda calls for each request.

Alexa invokes the function with the request envelope as the event (already parsed
JSON), and takes the returned dict as the response envelope. It goes through the
same checks and the same dispatch as POST /alexa: :mod:`skill.checks` (nesting,
Alexa's outline, the skill id), then :func:`skill.dispatch.handle_envelope`.

**No signature verification here, on purpose.** Amazon's signature and timestamp
rules are for skills served over HTTPS, where anyone on the internet can post to
the endpoint. A Lambda function cannot be reached that way: only a principal AWS
allows may invoke it, and the Alexa Skills Kit trigger (the ``AWS::Lambda::Permission``
for ``alexa-appkit.amazon.com`` whose ``EventSourceToken`` is the skill id, in the
CloudFormation template of ``deploy/``) allows Alexa only for this skill. That
permission is the trust boundary; there are no headers or certificate to check.
The skill id check still runs, against ``CLOSER_SKILL_ID``, as a second line: an
invocation from the console or another skill wired to the function by mistake.

**Settings**, read from the environment once per container:

``CLOSER_SKILL_ID`` (required)
    this skill's id (or several, comma-separated). Without it every invocation fails:
    a function that answered any skill would quietly undo the trust boundary above.
``CLOSER_STORE``
    ``dynamodb://TABLE`` keeps memory in that table (with ``CLOSER_USER_KEY``, see
    :mod:`skill.memory.settings`); unset or ``none`` keeps nothing. A SQLite file is
    refused: the function's disk is read-only except ``/tmp``, which goes with the
    container, so the memory would vanish unpredictably.
``CLOSER_LOG_LEVEL``
    the level of the skill's own log lines (default INFO: one line per request,
    naming its type and locale, never a user id or what was said).

**Refusals raise.** A request that fails the checks, or a function without its
settings, raises :class:`~skill.checks.RequestRefused` or :class:`LambdaSettingError`,
so the invocation fails and shows in the function's error metrics and log. There is
no HTTP status to answer with, and an error is what Alexa makes of any answer that
is not a response anyway. A failure *inside* the skill is different: the person
hears an apology, exactly as over HTTP.

The skill (content loaded and checked, handlers, store) is built on the first
invocation and kept in the module for the container's life, so warm invocations
only dispatch.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill

from intents import Content, load_catalogue
from skill.alexa import build_skill
from skill.checks import (
    SKILL_ID_VARIABLE,
    RequestRefused,
    check_depth,
    check_shape,
    check_skill_id,
    split_ids,
)
from skill.dispatch import MalformedEnvelope, apology_envelope, handle_envelope
from skill.memory import StoreError, StoreSettingError
from skill.memory.settings import STORE_VARIABLE, open_store

log = logging.getLogger("closer.lambda")

LOG_LEVEL_VARIABLE = "CLOSER_LOG_LEVEL"


class LambdaSettingError(Exception):
    """The function's environment cannot be used; one line that says what to set."""


@dataclass(frozen=True)
class Runtime:
    """What a container builds once and every invocation uses."""

    skill: CustomSkill
    content: Content
    skill_ids: tuple[str, ...]


_runtime: Runtime | None = None


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Answer one Alexa request: check it, dispatch it, return the response envelope.

    ``context`` (Lambda's invocation context) is not needed. Raises
    :class:`~skill.checks.RequestRefused` for a request Alexa would not send for this
    skill, and :class:`LambdaSettingError` when the environment is incomplete.
    """
    del context
    runtime = current_runtime()
    try:
        check_depth(event)
        check_shape(event)
        check_skill_id(event, runtime.skill_ids)
    except RequestRefused as refusal:
        log.warning("refused: %s", refusal)
        raise
    try:
        return handle_envelope(runtime.skill, event)
    except MalformedEnvelope:
        log.warning("refused: request does not match Alexa's format")
        raise RequestRefused("request does not match Alexa's format") from None
    except Exception as error:
        # As the web view's last resort: the type and place, and a spoken apology.
        log.error("unexpected: %s", type(error).__name__, exc_info=error)
        return apology_envelope(runtime.content)


def current_runtime() -> Runtime:
    """Return the container's skill, building it on the first call.

    Lambda runs one invocation at a time per container, so no lock is needed; a
    failure is not kept, so a corrected environment (which means a new container)
    or a passing problem is tried again on the next invocation.
    """
    global _runtime
    if _runtime is None:
        _runtime = build_runtime(os.environ)
    return _runtime


def build_runtime(environ: Mapping[str, str]) -> Runtime:
    """Build the skill from ``environ`` (the process environment on Lambda)."""
    _set_log_level(environ.get(LOG_LEVEL_VARIABLE, "INFO"))
    skill_ids = split_ids(environ.get(SKILL_ID_VARIABLE, ""))
    if not skill_ids:
        raise LambdaSettingError(
            f"{SKILL_ID_VARIABLE} is not set: set it to this skill's id (amzn1.ask.skill...), "
            "so that the function answers this skill only"
        )
    catalogue = load_catalogue()
    skill = build_skill(catalogue, store=lambda_store(environ))
    return Runtime(skill=skill, content=catalogue.default, skill_ids=skill_ids)


def lambda_store(environ: Mapping[str, str]) -> AbstractPersistenceAdapter | None:
    """Open the store ``CLOSER_STORE`` names: DynamoDB, or none when it is unset or ``none``."""
    value = environ.get(STORE_VARIABLE)
    if value is None or value.strip().lower() == "none":
        return None
    if not value.strip().lower().startswith("dynamodb://"):
        raise LambdaSettingError(
            f"{STORE_VARIABLE} must be dynamodb://TABLE_NAME or none on Lambda: the "
            "function's disk is read-only but /tmp, which goes with the container"
        )
    try:
        return open_store(value, environ)
    except (StoreSettingError, StoreError) as error:
        raise LambdaSettingError(str(error)) from None


def _set_log_level(name: str) -> None:
    """Let the skill's INFO lines through Lambda's root logger, which passes WARNING only.

    Lambda's Python runtime installs the handler that sends lines to CloudWatch;
    only the level of the skill's own loggers is set, never a handler.
    """
    level = name.strip().upper()
    known = logging.getLevelNamesMapping()
    logging.getLogger("closer").setLevel(known.get(level, logging.INFO))
