"""Read the evening reflections (reflections.yaml): one per tip, each question sourced.

Held to the article like every part of the guidance (:func:`intents.guidance.check_source`).
"""

from __future__ import annotations

from typing import Any

from intents.guidance import Where, check_source
from intents.located import LocatedDict, line_of
from intents.model import Reflection, Reflections, Tip
from intents.report import one_line

QUESTION_WORD_LIMIT = 25
"""Words in one reflection question: short enough to hold in mind through the pause."""
QUESTIONS_PER_REFLECTION = (3, 4)
MAX_REFLECTION_PAUSE = 60.0


def check_reflections(data: LocatedDict, tips: dict[str, Tip], where: Where) -> Reflections:
    """Check the evening reflections: one per tip, three or four sourced questions each."""
    opening = data.get("opening")
    opening_text = one_line(opening.get("framing", "")) if isinstance(opening, dict) else ""
    if "{theme}" not in opening_text:
        where.add(line_of(opening, line_of(data)), "opening needs `framing:` with {theme} in it")
    pause = data.get("pause")
    if not isinstance(pause, int | float) or isinstance(pause, bool):
        where.add(line_of(data), "pause must be a number of seconds")
        pause = 0
    elif not 1 <= pause <= MAX_REFLECTION_PAUSE:
        where.add(line_of(data), f"pause must be 1 to {MAX_REFLECTION_PAUSE:g} seconds")
    closing = _sourced_text("closing", data.get("closing"), where, line_of(data), question=False)
    nights: list[Reflection] = []
    raw = data.get("reflections")
    if not isinstance(raw, LocatedDict):
        where.add(line_of(data), "reflections must map tip ids to a theme and questions")
        raw = LocatedDict()
    for tip_id, spec in raw.items():
        line = raw.key_lines[tip_id]
        if tip_id not in tips:
            where.add(line, f"reflection {tip_id} is not a tip in topics.yaml")
        if not isinstance(spec, dict) or not isinstance(spec.get("theme"), str):
            where.add(line, f"reflection {tip_id} needs `theme:` and `questions:`")
            continue
        questions = spec.get("questions")
        low, high = QUESTIONS_PER_REFLECTION
        if not isinstance(questions, list) or not low <= len(questions) <= high:
            where.add(line, f"reflection {tip_id} needs {low} to {high} questions")
            continue
        said = [
            _sourced_text(f"reflection {tip_id} question {n}", q, where, line, question=True)
            for n, q in enumerate(questions, start=1)
        ]
        nights.append(Reflection(tip=tip_id, theme=one_line(spec["theme"]), questions=tuple(said)))
    for tip_id in sorted(tips.keys() - raw.keys()):
        where.add(line_of(raw, line_of(data)), f"tip {tip_id} has no evening reflection")
    return Reflections(
        opening=opening_text, pause=float(pause), closing=closing, nights=tuple(nights)
    )


def _sourced_text(name: str, spec: Any, where: Where, line: int, *, question: bool) -> str:
    """Read a `say` with its source and optional framing; return what is spoken.

    A question's framing leads into it ("Think back over today."); the closing's
    framing follows it ("Good night.").
    """
    at = line_of(spec, line)
    if not isinstance(spec, dict) or not isinstance(spec.get("say"), str):
        where.add(at, f"{name} needs `say:` and `source:`")
        return ""
    unknown = set(spec) - {"say", "source", "framing"}
    if unknown:
        where.add(at, f"{name} has unknown fields: {', '.join(sorted(unknown))}")
    say = one_line(spec["say"])
    check_source(name, spec, say, where, at)
    framing = one_line(spec.get("framing") or "")
    if question:
        where.report.check_words(name, say, where.path, at, QUESTION_WORD_LIMIT)
        return f"{framing} {say}".strip()
    return f"{say} {framing}".strip()
