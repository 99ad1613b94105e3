"""``closer lint``: check the content, the generated model and every response the skill can give.

The loader already refuses broken content; lint adds what only shows once the
content is assembled: Amazon's model rules on the generated model, every reachable
response rendered through the real skill and measured against Alexa's limits, and
the manifest's promises (example phrases that are real samples, the disclaimer).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from intents import Catalogue
from intents.loader import REFLECTION_INTENT, SAFETY_INTENTS
from intents.report import word_count
from intents.rules import not_samples
from intents.samples import normalise_sample, sample_problems
from skill.alexa import build_skill
from skill.authoring.deploy_settings import DeploySettings, deploy_settings
from skill.authoring.interaction_model import (
    DEPLOY_DIR,
    example_phrases,
    in_checkout,
    interaction_model,
    skill_manifest,
    stale_files,
)
from skill.authoring.reachable import every_response
from skill.safety import AFTER_SAFETY, safety_numbers
from skill.state import SAFETY_AWAITS
from speech.segments import plain_text
from speech.ssml import break_time_seconds, ssml_problems

MAX_RESPONSE_BYTES = 24 * 1024
RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
MAX_TURN_WORDS = 60
"""A part (at most 45 words) plus its step label and closing question."""
LAUNCH_WORDS = 30
"""The welcome: who we are, that it is not therapy, and where to start."""
SAFETY_WORDS = 40
"""A safety answer in all: what to do now, the one line that fits, where to find them."""
SAFETY_WORDS_BEFORE_NUMBER = 12
"""Someone in danger hears a number within a few seconds."""
SAFETY_NUMBERS = 2
"""The emergency number and one line; a third is on the card, not in the ear."""
REPEAT_WORDS = 20
"""Saying the numbers again: the numbers only."""
MIN_REFLECTION_PAUSE = 60.0
"""Seconds of quiet in an evening reflection, all breaks together."""
THINKING_PAUSE = 5.0
"""A break this long is a pause for thinking: only the reflection has them."""
MAX_QUESTION_SHARE = 0.25
"""No single closing question may end more than this share of the topic turns."""


def lint(
    catalogue: Catalogue,
    project_dir: Path | None = None,
    settings: DeploySettings | None = None,
) -> list[str]:
    """Return every problem found; an empty list means the skill is ready to build.

    The skill package in ``project_dir`` (the checkout's deploy/ by default; an
    installed package has none) must be what ``closer build-model`` would write now,
    with ``settings`` (by default, the addresses the package already carries).
    """
    problems: list[str] = []
    for locale in catalogue.locales:
        problems += _model_problems(interaction_model(catalogue.for_locale(locale)), locale)
    problems += _manifest_problems(catalogue, skill_manifest(catalogue))
    if project_dir is None and in_checkout():
        project_dir = DEPLOY_DIR
    if project_dir is not None:
        shown = "deploy" if project_dir == DEPLOY_DIR else str(project_dir)
        chosen = settings or deploy_settings({}, project_dir)
        problems += [
            f"{shown}/{path}: stale; run `closer build-model`"
            for path in stale_files(catalogue, project_dir, chosen)
        ]
    problems += _question_problems(catalogue)
    problems += _response_problems(catalogue)
    problems += _screen_problems(catalogue)
    return problems


def closing_questions(catalogue: Catalogue) -> Counter[str]:
    """Count the question that ends each topic turn (the same in every locale)."""
    return Counter(part.ask for topic in catalogue.default.topics.values() for part in topic.parts)


def _question_problems(catalogue: Catalogue) -> list[str]:
    """Check that no one closing question is heard on too many topic turns."""
    counts = closing_questions(catalogue)
    total = sum(counts.values())
    return [
        f"topics: '{question}' ends {count} of {total} topic turns; "
        f"at most {MAX_QUESTION_SHARE:.0%} may share one question (questions.go_on in skill.yaml)"
        for question, count in counts.most_common()
        if count > MAX_QUESTION_SHARE * total
    ]


def _model_problems(model: dict[str, Any], locale: str) -> Iterator[str]:
    """Apply Amazon's interaction model rules to the generated model."""
    language = model["interactionModel"]["languageModel"]
    where = f"{locale} interaction model"
    # The invocation name itself is checked where it is written (intents.skill_texts).
    invocation = language["invocationName"]
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
    samples = [s for intent in content.intents.values() for s in intent.samples]
    for phrase in example_phrases(content)[1:]:
        if not_samples([phrase.removeprefix(f"Alexa, ask {invocation} ")], samples):
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


def _response_problems(catalogue: Catalogue) -> list[str]:
    """Render every reachable response through the real skill and check Alexa's limits."""
    problems: list[str] = []
    for label, request, response in _run(catalogue, screen=False):
        problems += _size_problems(label, response)
        body = response.get("response", {})
        speeches = [body.get("outputSpeech"), (body.get("reprompt") or {}).get("outputSpeech")]
        for speech in filter(None, speeches):
            problems += [f"{label}: {p}" for p in ssml_problems(speech["ssml"])]
        if body.get("outputSpeech"):
            problems += [
                f"{label}: {p}"
                for p in _speech_problems(request, body["outputSpeech"]["ssml"], body)
            ]
        if body.get("shouldEndSession") is False and not body.get("reprompt"):
            problems.append(f"{label}: keeps the session open without a reprompt")
    return problems


def _screen_problems(catalogue: Catalogue) -> list[str]:
    """Ask every reachable request again from an Echo Show: one document each, within 24 KB.

    The speech is the same as a speaker's, checked above; what a screen adds is the
    APL document and its data, which count towards the same limit. A screen that
    could not be drawn is logged and left out (the answer is still spoken), so it
    shows here as a response without its document.
    """
    problems: list[str] = []
    for label, _request, response in _run(catalogue, screen=True):
        problems += _size_problems(label, response)
        body = response.get("response", {})
        documents = [
            directive
            for directive in body.get("directives") or []
            if directive.get("type") == RENDER_DOCUMENT
        ]
        if body.get("outputSpeech") and len(documents) != 1:
            problems.append(
                f"{label}: a device with a screen got {len(documents)} APL documents; "
                "every answer shows exactly one"
            )
    return problems


def _run(
    catalogue: Catalogue, *, screen: bool
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Run every reachable request through the skill built without its catch-all.

    In production a crash becomes a spoken apology, but here it must be seen, so the
    first exception stops lint with the request that caused it.
    """
    responses = every_response(catalogue, build_skill(catalogue, catch_all=False), screen=screen)
    while True:
        try:
            yield next(responses)
        except StopIteration:
            return
        except Exception as error:
            where = "; ".join(getattr(error, "__notes__", []))
            raise SkillCrashed(
                f"the skill crashed ({where}): {type(error).__name__}: {error}"
            ) from error


def _size_problems(label: str, response: dict[str, Any]) -> list[str]:
    """Hold a whole response to Alexa's 24 KB, as its JSON is sent."""
    size = len(json.dumps(response).encode("utf-8"))
    if size > MAX_RESPONSE_BYTES:
        return [f"{label}: response is {size} bytes; Alexa's limit is {MAX_RESPONSE_BYTES}"]
    return []


class SkillCrashed(Exception):  # noqa: N818 - reads as what happened
    """The skill raised while answering a well-formed request: a bug, never a content issue."""


_NUMBER = re.compile(r'<say-as interpret-as="telephone">|<sub alias=')


def spoken_words(ssml: str) -> int:
    """Count the words of SSML (or of a fragment of it) as heard: a ``<sub>`` by its alias."""
    return word_count(plain_text(ssml))


def _speech_problems(request: dict[str, Any], ssml: str, body: dict[str, Any]) -> list[str]:
    """Hold one answer to the word budget of what it is: safety, a repeat, a reflection, a turn."""
    intent = request["request"].get("intent", {}).get("name")
    awaiting = (request["session"].get("attributes") or {}).get("awaiting")
    pauses = [break_time_seconds(t) or 0.0 for t in re.findall(r'<break time="([^"]+)"', ssml)]
    if intent in SAFETY_INTENTS:
        return _safety_problems(ssml)
    if awaiting in SAFETY_AWAITS.values() and intent in AFTER_SAFETY:
        words = spoken_words(ssml)
        repeats = AFTER_SAFETY[intent] is safety_numbers
        if repeats and words > REPEAT_WORDS:
            return [f"repeating the numbers takes {words} words; at most {REPEAT_WORDS}"]
        return []
    if intent == REFLECTION_INTENT or max(pauses, default=0.0) >= THINKING_PAUSE:
        # The reflection, asked for or reached by yes to an offer: no turn limit, but
        # it must give time to think and end by itself.
        return _reflection_problems(sum(pauses), ends=body.get("shouldEndSession") is True)
    words = spoken_words(ssml)
    limit = LAUNCH_WORDS if request["request"]["type"] == "LaunchRequest" else MAX_TURN_WORDS
    if words > limit:
        return [f"says {words} words in one turn; keep it under {limit}"]
    return []


def _safety_problems(ssml: str) -> list[str]:
    """Check a safety answer: a number early, two at most, 40 words in all."""
    words = spoken_words(ssml)
    numbers = _NUMBER.split(ssml)
    before = spoken_words(numbers[0])
    problems = []
    if words > SAFETY_WORDS:
        problems.append(f"safety answer is {words} words; at most {SAFETY_WORDS}")
    if len(numbers) < 2 or before > SAFETY_WORDS_BEFORE_NUMBER:
        problems.append(
            f"safety answer says {before} words before its first number; "
            f"at most {SAFETY_WORDS_BEFORE_NUMBER}"
        )
    if len(numbers) - 1 > SAFETY_NUMBERS:
        problems.append(f"safety answer speaks {len(numbers) - 1} numbers; at most 2")
    return problems


def _reflection_problems(quiet: float, *, ends: bool) -> list[str]:
    """Check a reflection: time to think, and an end that comes by itself."""
    problems = []
    if quiet < MIN_REFLECTION_PAUSE:
        problems.append(f"reflection has {quiet:g} s of quiet; at least {MIN_REFLECTION_PAUSE:g}")
    if not ends:
        problems.append("reflection must end the session: it plays to its end in one response")
    return problems
