"""Rules that hold between content files, checked once each file has its shape.

Each file can be well formed on its own and the skill still broken: an intent with
samples that no topic answers is heard by Alexa and then met with silence. These
checks read the already checked data of two or more files and report at the line
where the fix belongs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from intents.guidance import TIP_INTENT
from intents.located import LocatedDict, line_of
from intents.model import BUILTIN_PREFIX, Intent
from intents.report import Report
from intents.samples import normalise_sample

TIP_SLOT = "tip"
"""The slot of :data:`~intents.guidance.TIP_INTENT` that names the tip (of type TIP)."""


def check_answered(
    intents: Mapping[str, Intent],
    topics: Mapping[str, Any],
    by_name: Sequence[str],
    path: Path,
    line: int,
    report: Report,
) -> None:
    """Check that every custom intent has an answer, and the intents answered by name exist.

    ``by_name`` are the intents the skill's code answers itself rather than from a
    topic (tips, the reflection, safety); every other custom intent needs a topic in
    topics.yaml, and each of ``by_name`` must be in samples.yaml, or the code that
    answers it would never be reached.
    """
    for name, intent in intents.items():
        if not intent.is_builtin and name not in by_name and name not in topics:
            report.add(path, line, f"{name} has samples but no topic in topics.yaml")
    for required in by_name:
        if required not in intents:
            report.add(path, line, f"{required} must be an intent in samples.yaml")
    if TIP_INTENT in intents and intents[TIP_INTENT].slots.get(TIP_SLOT) != "TIP":
        report.add(path, line, f"{TIP_INTENT} must have slot {TIP_SLOT} of type TIP")


def check_example_phrases(
    skill: Mapping[str, Any], intents: Mapping[str, Intent], path: Path, report: Report
) -> None:
    """Check the manifest's example phrases: one or two, each a sample of some intent.

    Alexa's store shows them after the launch phrase, and certification fails a skill
    whose example phrases it does not understand; a sample is sure to be understood.
    """
    manifest = skill.get("manifest")
    phrases = manifest.get("example_phrases") if isinstance(manifest, dict) else None
    if not isinstance(phrases, list) or not phrases or len(phrases) > 2:
        report.add(
            path,
            line_of(phrases, line_of(skill)),
            "manifest.example_phrases must list 1 or 2 samples",
        )
        return
    samples = [s for intent in intents.values() for s in intent.samples]
    for phrase in not_samples(phrases, samples):
        report.add(
            path,
            line_of(phrase, line_of(phrases)),
            f"manifest.example_phrases: '{phrase}' is not a sample of any intent",
        )


def not_samples(phrases: Iterable[object], samples: Iterable[str]) -> list[object]:
    """Return the phrases that are not one of ``samples``, as Alexa would match them.

    What makes an example phrase safe to show: Alexa is sure to understand a sample.
    Also used by ``closer lint --publish`` on the skill package as it will be uploaded.
    """
    known = {normalise_sample(sample) for sample in samples}
    return [p for p in phrases if not isinstance(p, str) or normalise_sample(p) not in known]


def check_phrase_intents(
    phrases: LocatedDict, intents: Mapping[str, Intent], path: Path, report: Report
) -> None:
    """Check that each built-in intent given phrases in builtin_phrases.yaml is in samples.yaml.

    The resolver adds those phrases only to intents of the interaction model, so
    phrases under an intent the model leaves out, or a misspelt one, are never heard.
    Built-in intents may have samples too (AMAZON.FallbackIntent's out-of-domain
    ones), so a phrase must also not be another intent's sample: the two files
    would then send the same words two ways.
    """
    owner = {
        normalise_sample(sample): name
        for name, intent in intents.items()
        for sample in intent.samples
    }
    for language, block in phrases.items():
        section = block.get("intents") if isinstance(block, dict) else None
        if not isinstance(section, LocatedDict):
            continue
        for name, listed in section.items():
            if name.startswith(BUILTIN_PREFIX) and name not in intents:
                report.add(
                    path,
                    section.key_lines[name],
                    f"{language} intents: {name} is not an intent in samples.yaml, "
                    "so its phrases would never be heard",
                )
            for phrase in listed if isinstance(listed, list) else ():
                other = owner.get(normalise_sample(phrase)) if isinstance(phrase, str) else None
                if other is not None and other != name:
                    report.add(
                        path,
                        line_of(phrase, section.key_lines[name]),
                        f"{language} intents: {name} phrase '{phrase}' is a sample of "
                        f"{other} in samples.yaml; say it under one intent only",
                    )
