"""``closer lint``: check the content, the generated model and every response the skill can give.

The loader already refuses broken content; lint adds what only shows once the
content is assembled: Amazon's model rules on the generated model, every reachable
response rendered through the real skill and measured against Alexa's limits, and
the manifest's promises (example phrases that are real samples, the disclaimer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ask_sdk_core.skill import CustomSkill

from intents import Catalogue
from intents.loader import normalise_sample, sample_problems, word_count
from skill.alexa import build_skill
from skill.dispatch import handle_envelope
from skill.model_build import example_phrases, interaction_model, skill_manifest, stale_files
from skill.responses import every_request
from speech.ssml import ssml_problems

MAX_RESPONSE_BYTES = 24 * 1024
MAX_TURN_WORDS = 60
"""A part (at most 45 words) plus its step label and closing question."""
MAX_HELPLINE_WORDS = 70
"""The safety answer reads out three numbers digit by digit; every one counts."""
LAUNCH_AND_WAKE_WORDS = frozenset(
    {
        "alexa",
        "amazon",
        "echo",
        "computer",
        "skill",
        "app",
        "launch",
        "ask",
        "open",
        "tell",
        "load",
        "begin",
        "enable",
        "start",
        "play",
        "run",
        "resume",
        "use",
    }
)


def lint(catalogue: Catalogue) -> list[str]:
    """Return every problem found; an empty list means the skill is ready to build."""
    problems: list[str] = []
    for locale in catalogue.locales:
        problems += _model_problems(interaction_model(catalogue.for_locale(locale)), locale)
    problems += _manifest_problems(catalogue, skill_manifest(catalogue))
    problems += [
        f"deploy/{path}: stale; run `closer build-model`" for path in stale_files(catalogue)
    ]
    problems += _response_problems(build_skill(catalogue), every_request(catalogue))
    return problems


def _model_problems(model: dict[str, Any], locale: str) -> Iterator[str]:
    """Apply Amazon's interaction model rules to the generated model."""
    language = model["interactionModel"]["languageModel"]
    where = f"{locale} interaction model"
    invocation = language["invocationName"]
    if not re.fullmatch(r"[a-z]+( [a-z]+)+", invocation):
        yield f"{where}: invocation name '{invocation}' must be two or more lowercase words"
    bad = set(invocation.split()) & LAUNCH_AND_WAKE_WORDS
    if bad:
        yield f"{where}: invocation name uses launch or wake words: {', '.join(sorted(bad))}"
    seen: dict[str, str] = {}
    for intent in language["intents"]:
        slots = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for sample in intent["samples"]:
            for problem in sample_problems(sample, slots):
                yield f"{where}: {intent['name']} sample '{sample}': {problem}"
            if invocation in sample.lower():
                yield f"{where}: {intent['name']} sample '{sample}' contains the invocation name"
            key = normalise_sample(sample)
            if key in seen:
                yield f"{where}: sample '{sample}' is in both {seen[key]} and {intent['name']}"
            seen[key] = intent["name"]
    declared_types = {t["name"] for t in language.get("types", [])}
    for intent in language["intents"]:
        for slot in intent.get("slots", []):
            if slot["type"] not in declared_types and not slot["type"].startswith("AMAZON."):
                yield (
                    f"{where}: {intent['name']} slot {slot['name']} "
                    f"has undeclared type {slot['type']}"
                )


def _manifest_problems(catalogue: Catalogue, manifest: dict[str, Any]) -> list[str]:
    """Check that example phrases are real samples and the description disclaims therapy."""
    problems = []
    content = catalogue.default
    invocation = content.text("invocation_name")
    samples = {normalise_sample(s) for intent in content.intents.values() for s in intent.samples}
    for phrase in example_phrases(content)[1:]:
        spoken = phrase.removeprefix(f"Alexa, ask {invocation} ")
        if normalise_sample(spoken) not in samples:
            problems.append(f"manifest: example phrase '{phrase}' is not a sample utterance")
    published = manifest["manifest"]["publishingInformation"]["locales"]
    if set(published) != set(catalogue.locales):
        problems.append("manifest: must list exactly the locales in locales.yaml")
    for info in published.values():
        description = info["description"].lower()
        if "not therapy" not in description and "not a substitute" not in description:
            problems.append(
                "manifest: the description must say this is not therapy or medical advice"
            )
    return problems


def _response_problems(
    skill: CustomSkill, requests: Iterable[tuple[str, dict[str, Any]]]
) -> list[str]:
    """Render every reachable response through the real skill and check Alexa's limits."""
    problems = []
    for label, request in requests:
        response = handle_envelope(skill, request)
        size = len(json.dumps(response).encode("utf-8"))
        if size > MAX_RESPONSE_BYTES:
            problems.append(
                f"{label}: response is {size} bytes; Alexa's limit is {MAX_RESPONSE_BYTES}"
            )
        body = response.get("response", {})
        speeches = [body.get("outputSpeech"), (body.get("reprompt") or {}).get("outputSpeech")]
        for speech in filter(None, speeches):
            problems += [f"{label}: {p}" for p in ssml_problems(speech["ssml"])]
        if body.get("outputSpeech"):
            ssml = body["outputSpeech"]["ssml"]
            words = word_count(re.sub(r"<[^>]+>", " ", ssml))
            limit = MAX_HELPLINE_WORDS if "telephone" in ssml else MAX_TURN_WORDS
            if words > limit:
                problems.append(f"{label}: says {words} words in one turn; keep it under {limit}")
        if body.get("shouldEndSession") is False and not body.get("reprompt"):
            problems.append(f"{label}: keeps the session open without a reprompt")
    return problems
