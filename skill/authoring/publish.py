"""``closer lint --publish``: what Amazon's certification checks that can be known offline.

Run on the skill package as ``ask deploy`` will upload it (``deploy/`` or another
ASK CLI project folder), after every check of plain ``closer lint`` (Alexa's limits,
a reprompt whenever the session stays open, the package not stale). A failed
certification round costs days; each of these is a reason Amazon gives for one:

- example phrases Alexa does not understand (each must be a sample of the model);
- an invocation name Amazon's rules refuse;
- no privacy policy or terms of use, or placeholders for them; an endpoint that is
  not a real HTTPS address;
- no disclaimer in the description of a health skill: it must say it is "not a
  substitute for professional" advice, and what to do in an "emergency";
- a permission the skill uses but does not declare (or declares but never uses);
- an event the skill handles but is not subscribed to (or the other way round);
- stop or cancel that does not end the session, in any state;
- and, for the server being published, request verification turned off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill

from intents import Catalogue
from intents.rules import not_samples
from intents.skill_texts import invocation_problems
from skill import envelopes
from skill.authoring.deploy_settings import (
    MANIFEST_PATH,
    endpoint_problem,
    page_problem,
    placeholder_problem,
)
from skill.authoring.interaction_model import MODEL_PATH
from skill.authoring.lint import SkillCrashed
from skill.authoring.reachable import every_request, responses_to
from skill.authoring.selfhost import (
    ENV_EXAMPLE_NAME,
    UNIT_NAME,
    environment_files,
    read_env_file,
    read_unit,
    unit_environment,
)
from skill.dispatch import MalformedEnvelope, read_request_envelope
from skill.handlers import OtherRequestHandler
from skill.reminders import PERMISSION_SCOPE

DISCLAIMER_WORDS = ("not a substitute for professional", "emergency")
"""What every locale's description must say, in these words (case and spacing aside)."""

PERMISSIONS_USED = frozenset({PERMISSION_SCOPE})
"""The permissions the skill's code asks Alexa for: the daily reminder's."""

EVENTS = {
    "AlexaSkillEvent.SkillEnabled": "SKILL_ENABLED",
    "AlexaSkillEvent.SkillDisabled": "SKILL_DISABLED",
    "AlexaSkillEvent.SkillPermissionAccepted": "SKILL_PERMISSION_ACCEPTED",
    "AlexaSkillEvent.SkillPermissionChanged": "SKILL_PERMISSION_CHANGED",
    "AlexaSkillEvent.SkillAccountLinked": "SKILL_ACCOUNT_LINKED",
    "AlexaSkillEvent.ProactiveSubscriptionChanged": "SKILL_PROACTIVE_SUBSCRIPTION_CHANGED",
}
"""Skill events Alexa sends only to a skill subscribed to them: request type, subscription."""

ENDING_INTENTS = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

SKIP_VERIFICATION = "CLOSER_SKIP_VERIFICATION"
SAFE_VALUES = ("", "0")
"""Values of CLOSER_SKIP_VERIFICATION allowed here. The server turns verification off
only for "1"; any other value is refused as well, in case it is read otherwise one day."""

_LAUNCH = re.compile(r"^alexa, (open|ask|start|launch|begin|tell|load|play|run|use) ", re.I)


@dataclass
class Package:
    """A skill package as it will be uploaded: the manifest and each locale's model."""

    manifest: dict[str, Any]
    models: dict[str, dict[str, Any]]

    @property
    def listings(self) -> dict[str, Any]:
        return dict(self.manifest["publishingInformation"]["locales"])


def publish_problems(catalogue: Catalogue, project_dir: Path, skill: CustomSkill) -> list[str]:
    """Return every reason certification would fail that shows offline, one line each.

    ``skill`` is the real skill built from ``catalogue`` without its catch-all, so that
    a crash is seen rather than apologised for.
    """
    package, problems = read_package(project_dir)
    if package is None:
        return problems
    try:
        problems += _example_phrase_problems(package)
        problems += _invocation_problems(package)
        problems += _address_problems(package)
        problems += _disclaimer_problems(package)
        problems += _permission_problems(package.manifest)
        problems += _event_problems(package.manifest, skill)
    except (KeyError, TypeError, AttributeError) as error:
        problems.append(f"skill.json: not shaped as `closer build-model` writes it ({error!r})")
    problems += _ending_problems(catalogue, skill)
    return problems


def read_package(project_dir: Path) -> tuple[Package | None, list[str]]:
    """Read the manifest and the models of ``project_dir``; or None and why not."""
    manifest_path = project_dir / MANIFEST_PATH
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))["manifest"]
        locales = list(manifest["publishingInformation"]["locales"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        why = getattr(error, "strerror", None) or "not a skill manifest"
        return None, [f"{manifest_path}: cannot be read ({why}); run `closer build-model`"]
    models: dict[str, dict[str, Any]] = {}
    problems = []
    for locale in locales:
        path = project_dir / MODEL_PATH.format(locale=locale)
        try:
            models[locale] = json.loads(path.read_text(encoding="utf-8"))["interactionModel"][
                "languageModel"
            ]
        except (OSError, ValueError, KeyError, TypeError):
            problems.append(f"{path}: not an interaction model; run `closer build-model`")
    return (Package(manifest, models) if not problems else None), problems


def _example_phrase_problems(package: Package) -> list[str]:
    """Each locale: one to three phrases; the first opens the skill; the others are samples."""
    problems = []
    for locale, listing in package.listings.items():
        model = package.models[locale]
        invocation = model["invocationName"]
        phrases = listing.get("examplePhrases") or []
        where = f"skill.json {locale} example phrases"
        if not 1 <= len(phrases) <= 3:
            problems.append(f"{where}: there must be 1 to 3; there are {len(phrases)}")
            continue
        opener = f" {invocation}"
        if not (_LAUNCH.match(phrases[0]) and phrases[0].lower().endswith(opener)):
            problems.append(
                f"{where}: the first, '{phrases[0]}', must open the skill: "
                f"'Alexa, open {invocation}'"
            )
        prefix = re.compile(rf"^alexa, \w+ {re.escape(invocation)}( to| for| about)? ", re.I)
        spoken = {prefix.sub("", phrase): phrase for phrase in phrases[1:]}
        samples = [s for intent in model["intents"] for s in intent.get("samples", [])]
        problems += [
            f"{where}: '{spoken[str(said)]}' is not a sample of the {locale} interaction model"
            for said in not_samples(spoken, samples)
        ]
    return problems


def _invocation_problems(package: Package) -> list[str]:
    return [
        f"{locale} interaction model: invocation name '{model['invocationName']}' {problem}"
        for locale, model in package.models.items()
        for problem in invocation_problems(model["invocationName"])
    ]


def _address_problems(package: Package) -> list[str]:
    """Check the endpoint and every locale's privacy and terms pages: real HTTPS addresses."""
    manifest = package.manifest
    problems = []
    endpoints = {"endpoint": manifest["apis"]["custom"]["endpoint"]}
    if "events" in manifest:
        endpoints["events endpoint"] = manifest["events"].get("endpoint") or {}
    for name, endpoint in endpoints.items():
        uri = str(endpoint.get("uri", ""))
        problem = endpoint_problem(uri) or placeholder_problem(uri)
        if problem:
            problems.append(
                f"skill.json {name} '{uri}' {problem}: "
                "run `closer build-model --endpoint https://YOUR-DOMAIN/alexa`"
            )
        if endpoint.get("sslCertificateType") not in ("Trusted", "Wildcard"):
            problems.append(
                f"skill.json {name}: sslCertificateType must be Trusted "
                "(a certificate from an authority Alexa trusts, such as Let's Encrypt)"
            )
    pages = manifest["privacyAndCompliance"].get("locales", {})
    for locale in package.listings:
        page = pages.get(locale, {})
        for key, variable in (("privacyPolicyUrl", "PRIVACY"), ("termsOfUseUrl", "TERMS")):
            url = str(page.get(key, ""))
            problem = page_problem(url) or placeholder_problem(url)
            if problem:
                problems.append(
                    f"skill.json {locale} {key} '{url}' {problem}: "
                    f"set CLOSER_{variable}_URL and run `closer build-model`"
                )
    return problems


def _disclaimer_problems(package: Package) -> list[str]:
    problems = []
    for locale, listing in package.listings.items():
        description = " ".join(str(listing.get("description", "")).lower().split())
        missing = [words for words in DISCLAIMER_WORDS if words not in description]
        if missing:
            problems.append(
                f"skill.json {locale} description: a health skill's description must say it is "
                f"not a substitute for professional advice and what to do in an emergency; "
                f"missing the words {', '.join(repr(m) for m in missing)} "
                "(manifest.description in skill.yaml)"
            )
    return problems


def _permission_problems(manifest: Mapping[str, Any]) -> list[str]:
    declared = {str(p.get("name")) for p in manifest.get("permissions", [])}
    return [
        f"skill.json permissions: the skill asks for {scope} but does not declare it"
        for scope in sorted(PERMISSIONS_USED - declared)
    ] + [
        f"skill.json permissions: {scope} is declared but the skill never asks for it"
        for scope in sorted(declared - PERMISSIONS_USED)
    ]


def handled_events(skill: CustomSkill) -> set[str]:
    """Return the skill events (subscription names) that a handler of ``skill`` answers.

    Asked of the skill's own dispatcher: the handler it would choose for each event,
    unless that is the catch-all that answers any request with an empty response.
    """
    handled = set()
    for kind, subscription in EVENTS.items():
        try:
            request = read_request_envelope(envelopes.envelope({"type": kind, "body": {}}))
        except MalformedEnvelope:  # an event this SDK does not know: no handler can have it
            continue
        handler_input = HandlerInput(request_envelope=request)
        for mapper in skill.request_dispatcher.request_mappers:
            chain = mapper.get_request_handler_chain(handler_input)
            if chain is not None:
                if not isinstance(chain.request_handler, OtherRequestHandler):
                    handled.add(subscription)
                break
    return handled


def _event_problems(manifest: Mapping[str, Any], skill: CustomSkill) -> list[str]:
    events = manifest.get("events") or {}
    subscribed = {str(s.get("eventName")) for s in events.get("subscriptions", [])}
    handled = handled_events(skill)
    return [
        f"skill.json events: the skill handles {name} but is not subscribed to it"
        for name in sorted(handled - subscribed)
    ] + [
        f"skill.json events: subscribed to {name}, which no handler of the skill answers"
        for name in sorted(subscribed - handled)
    ]


def _ending_problems(catalogue: Catalogue, skill: CustomSkill) -> list[str]:
    """Run stop and cancel through the real skill in every state: each must end the session."""
    requests = (
        (label, request)
        for label, request in every_request(catalogue)
        if request["request"].get("intent", {}).get("name") in ENDING_INTENTS
    )
    try:
        return [
            f"{label}: must end the session"
            for label, _, response in responses_to(requests, skill)
            if response.get("response", {}).get("shouldEndSession") is not True
        ]
    except Exception as error:  # the skill's own bug: stop, and say where
        where = "; ".join(getattr(error, "__notes__", []))
        raise SkillCrashed(
            f"the skill crashed ({where}): {type(error).__name__}: {error}"
        ) from error


def configurations(
    environ: Mapping[str, str], selfhost_dir: Path
) -> tuple[list[tuple[str, Mapping[str, str]]], list[str]]:
    """Gather the published server's settings by where they come from; and what is unread.

    The environment this runs in, the shipped unit's ``Environment=`` lines, the env
    files it names (when they are on this machine, as on the server), and the shipped
    example env file.
    """
    places: list[tuple[str, Mapping[str, str]]] = [("the environment", environ)]
    unread: list[str] = []
    unit_path = selfhost_dir / UNIT_NAME
    files = [selfhost_dir / ENV_EXAMPLE_NAME]
    if unit_path.is_file():
        unit = read_unit(unit_path.read_text(encoding="utf-8"))
        places.append((str(unit_path), unit_environment(unit)))
        files += environment_files(unit)
    for path in files:
        if not path.exists():
            continue
        try:
            places.append((str(path), read_env_file(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError) as error:
            why = getattr(error, "strerror", None) or "not text"
            unread.append(f"verification: cannot read {path} ({why}) to check that it is on")
    return places, unread


def verification_problems(places: Iterable[tuple[str, Mapping[str, str]]]) -> list[str]:
    """Refuse every place that sets CLOSER_SKIP_VERIFICATION to anything but empty or 0."""
    return [
        f"verification: {SKIP_VERIFICATION}={settings[SKIP_VERIFICATION]} in {where}; "
        "a published skill must verify that every request came from Alexa: remove it"
        for where, settings in places
        if settings.get(SKIP_VERIFICATION, "").strip() not in SAFE_VALUES
    ]
