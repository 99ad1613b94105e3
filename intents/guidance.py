"""Read the guidance: the topics, the eight tips and the evening reflections.

This is the part of the content that speaks for the article, so besides shape and
length every spoken text is held to its ``source`` (see :mod:`intents.article`). It
also settles, once at load time, how each topic turn ends: which question, and a
reprompt that says what yes will do. The conversation then only reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any

from intents.article import is_quoted, lost_hedges
from intents.located import LocatedDict, line_of
from intents.model import Intent, Offer, Part, SlotValue, Tip, Topic
from intents.report import Report, one_line

TIP_INTENT = "TipIntent"
REFLECTION_INTENT = "EveningReflectionIntent"

_PART_KEYS = frozenset({"say", "source", "framing", "ask", "tip"})
_OFFER_KEYS = frozenset({"to", "ask", "after_yes", "skip_intro"})


@dataclass(frozen=True)
class Where:
    """A file, its report, and the article's words: what every check here needs."""

    path: Path
    report: Report
    article: tuple[str, ...]

    def add(self, line: int, message: str) -> None:
        """Report one problem in this file."""
        self.report.add(self.path, line, message)


def check_source(name: str, spec: Any, said: str, where: Where, line: int) -> None:
    """Hold a spoken text to its ``source``: quoted word for word, every hedge kept."""
    raw = spec.get("source") if isinstance(spec, dict) else None
    quotes = raw if isinstance(raw, list) else [raw] if raw is not None else []
    if not quotes:
        where.add(line, f"{name} needs `source:`, the article's words it says")
        return
    for quote in quotes:
        if not isinstance(quote, str) or not quote.strip():
            where.add(line_of(raw, line), f"{name} source must be a quote from the article")
            continue
        quote_line = line_of(quote, line)
        if not is_quoted(quote, where.article):
            where.add(quote_line, f"{name} source is not in the article: '{one_line(quote)}'")
            continue
        for hedge in lost_hedges(quote, said):
            where.add(
                line,
                f"{name} drops the article's '{hedge}' (source: '{one_line(quote)}')",
            )


# --- tips ----------------------------------------------------------------------------


def check_tips(
    data: LocatedDict, slot_types: dict[str, tuple[SlotValue, ...]], where: Where
) -> dict[str, Tip]:
    """Check the tips: one per TIP value, each with a title, a whole tip and its source."""
    raw = data.get("tips")
    tips: dict[str, Tip] = {}
    if not isinstance(raw, LocatedDict):
        where.add(line_of(data), "tips must map tip ids to their texts")
        return tips
    for tip_id, spec in raw.items():
        line = raw.key_lines[tip_id]
        if not isinstance(spec, dict):
            where.add(line, f"tip {tip_id} needs title, say and source")
            continue
        unknown = set(spec) - {"title", "say", "source"}
        if unknown:
            where.add(line, f"tip {tip_id} has unknown fields: {', '.join(sorted(unknown))}")
        texts = _tip_texts(tip_id, spec, where, line)
        if len(texts) == 2:
            tips[tip_id] = Tip(id=tip_id, **texts)
    known = {value.id for value in slot_types.get("TIP", ())}
    for tip_id in sorted(known - tips.keys()):
        where.add(line_of(raw), f"slot type TIP has {tip_id}, but tips has no text for it")
    for tip_id in sorted(tips.keys() - known):
        where.add(raw.key_lines[tip_id], f"tip {tip_id} is not a value of slot type TIP")
    return tips


def _tip_texts(tip_id: str, spec: dict[str, Any], where: Where, line: int) -> dict[str, str]:
    """Read a tip's title and text; the text is held to its word limit and its source."""
    texts = {}
    for key in ("title", "say"):
        value = spec.get(key)
        if not isinstance(value, str) or not value.strip():
            where.add(line_of(spec, line), f"tip {tip_id} needs `{key}:` text")
            continue
        texts[key] = one_line(value)
    if "say" in texts:
        say_line = line_of(spec["say"], line)
        where.report.check_words(f"tip {tip_id}", texts["say"], where.path, say_line)
        check_source(f"tip {tip_id}", spec, texts["say"], where, say_line)
    return texts


# --- topics --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draft:
    """A part as written, before its closing question is settled."""

    say: str
    framing: str
    ask: str | None
    label: str
    title: str
    tip: str | None
    line: int


@dataclass(frozen=True)
class _OfferDraft:
    to: str
    ask: str
    yes: str | None
    skip_intro: bool
    line: int


def check_topics(
    data: LocatedDict,
    skill: dict[str, Any],
    intents: dict[str, Intent],
    tips: dict[str, Tip],
    where: Where,
) -> dict[str, Topic]:
    """Check each topic's parts and offer, and settle how every turn ends."""
    raw = data.get("topics")
    if not isinstance(raw, LocatedDict):
        where.add(line_of(data), "topics must map intent names to what is said")
        return {}
    voice = skill.get("voice")
    if not isinstance(voice, dict):
        voice = {}
    label_template = str(voice.get("step_label", ""))
    drafts: dict[str, tuple[str, list[_Draft], _OfferDraft | None]] = {}
    used_tips: dict[str, str] = {}
    for intent, spec in raw.items():
        line = raw.key_lines[intent]
        if intent not in intents:
            where.add(line, f"{intent} is not an intent in samples.yaml")
        if not isinstance(spec, dict) or not isinstance(spec.get("title"), str):
            where.add(line, f"{intent} needs a title")
            continue
        parts = list(_parts(intent, "intro", spec.get("intro"), "", tips, where, line))
        steps = spec.get("steps") or []
        parts += _steps(intent, steps, label_template, tips, used_tips, where, line)
        if not parts:
            where.add(line, f"{intent} has nothing to say: give it intro or steps")
            continue
        offer = _offer(intent, spec.get("offer"), where, line)
        drafts[intent] = (one_line(spec["title"]), parts, offer)
    for tip_id in sorted(tips.keys() - used_tips.keys()):
        where.add(line_of(raw), f"tip {tip_id} is not a step of any topic, so no one can reach it")
    return _settle(drafts, skill, where)


def _steps(
    intent: str,
    steps: Any,
    label_template: str,
    tips: dict[str, Tip],
    used_tips: dict[str, str],
    where: Where,
    line: int,
) -> list[_Draft]:
    """Read a topic's numbered steps, noting which topic tells each tip (once only)."""
    drafts = list(_parts(intent, "step", steps, label_template, tips, where, line))
    for part in drafts:
        if part.tip is None:
            continue
        if part.tip in used_tips:
            where.add(
                line_of(steps, line),
                f"tip {part.tip} is told by both {used_tips[part.tip]} and {intent}",
            )
        used_tips[part.tip] = intent
    return drafts


def _parts(
    intent: str,
    kind: str,
    raw: Any,
    label_template: str,
    tips: dict[str, Tip],
    where: Where,
    line: int,
) -> Iterator[_Draft]:
    """Read intro or step parts, numbering steps with the label template."""
    if raw is None:
        return
    if not isinstance(raw, list):
        where.add(line_of(raw, line), f"{intent} {kind}s must be a list")
        return
    total = len(raw)
    for number, entry in enumerate(raw, start=1):
        at = line_of(entry, line_of(raw, line))
        name = f"{intent} {kind} {number}"
        if not isinstance(entry, dict):
            where.add(at, f"{name} must have `say:` or `tip:`")
            continue
        unknown = set(entry) - _PART_KEYS
        if unknown:
            where.add(at, f"{name} has unknown fields: {', '.join(sorted(unknown))}")
        label = label_template.format(step=number, total=total) if kind == "step" else ""
        ask = entry.get("ask")
        if ask is not None and not isinstance(ask, str):
            where.add(at, f"{name} ask must be text")
            ask = None
        framing = one_line(entry.get("framing") or "")
        tip_id = entry.get("tip")
        told: str | None = None
        if tip_id is not None:
            tip = tips.get(str(tip_id))
            if tip is None:
                where.add(at, f"{name} names tip {tip_id}, which is not in tips")
                continue
            say, title, told = tip.say, tip.title, tip.id
        else:
            say, title = one_line(entry.get("say") or ""), ""
            if not say:
                where.add(at, f"{name} must have `say:` or `tip:`")
                continue
            check_source(name, entry, say, where, line_of(entry.get("say"), at))
        where.report.check_words(name, f"{say} {framing}", where.path, at)
        yield _Draft(
            say=say,
            framing=framing,
            ask=one_line(ask) if ask else None,
            label=label,
            title=title,
            tip=told,
            line=at,
        )


def _offer(intent: str, raw: Any, where: Where, line: int) -> _OfferDraft | None:
    """Read a topic's offer: where yes leads, the question, and what yes will do."""
    at = line_of(raw, line)
    if not isinstance(raw, dict) or not isinstance(raw.get("to"), str):
        where.add(at, f"{intent} needs `offer:` with `to:` (an intent) and `ask:` (a question)")
        return None
    unknown = set(raw) - _OFFER_KEYS
    if unknown:
        where.add(at, f"{intent} offer has unknown fields: {', '.join(sorted(unknown))}")
    ask, yes = raw.get("ask"), raw.get("after_yes")
    skip_intro = raw.get("skip_intro", False) is True
    if not isinstance(ask, str) or not ask.strip():
        where.add(at, f"{intent} offer needs `ask:` (a question)")
        return None
    if not skip_intro and not (isinstance(yes, str) and yes.strip()):
        where.add(at, f"{intent} offer needs `after_yes:`, what yes will do (for the reprompt)")
        return None
    if raw["to"] == intent:
        where.add(at, f"{intent} offers itself")
    return _OfferDraft(
        to=str(raw["to"]),
        ask=one_line(ask),
        yes=one_line(yes) if isinstance(yes, str) else None,
        skip_intro=skip_intro,
        line=at,
    )


def _settle(
    drafts: dict[str, tuple[str, list[_Draft], _OfferDraft | None]],
    skill: dict[str, Any],
    where: Where,
) -> dict[str, Topic]:
    """Choose each turn's closing question and reprompt, and resolve each offer.

    A part with its own ``ask`` keeps it; a step followed by a step names the next
    one; any other part takes the next of the ``go_on`` questions, in turn across all
    topics, so that no single question is heard over and over.
    """
    texts = _Texts(skill)
    go_on = cycle(texts.go_on or ["Shall I go on?"])
    topics: dict[str, Topic] = {}
    for intent, (title, parts, offer_draft) in drafts.items():
        if offer_draft is None:
            continue
        offer = _resolve_offer(intent, offer_draft, drafts, texts, where)
        if offer is None:
            continue
        settled: list[Part] = []
        for index, part in enumerate(parts):
            following = parts[index + 1] if index + 1 < len(parts) else None
            if following is None:
                if part.ask:
                    where.add(part.line, f"{intent}: the last part's question is the offer's")
                ask, reprompt = offer.ask, offer.reprompt
            else:
                step = _step_number(parts, index + 1)
                if following.title:
                    reprompt = texts.step_reprompt(step, following.title)
                    default = texts.next_step.format(step=step, title=following.title)
                else:
                    reprompt, default = texts.go_on_reprompt, ""
                ask = part.ask or default or next(go_on)
            settled.append(
                Part(
                    say=part.say,
                    ask=ask,
                    reprompt=reprompt,
                    framing=part.framing,
                    label=part.label,
                    title=part.title,
                    tip=part.tip,
                )
            )
        topics[intent] = Topic(intent=intent, title=title, parts=tuple(settled), offer=offer)
    return topics


def _step_number(parts: list[_Draft], index: int) -> int:
    """Return the number a part has among its topic's steps (1 for the first step)."""
    return sum(1 for part in parts[: index + 1] if part.label)


def _resolve_offer(
    intent: str,
    offer: _OfferDraft,
    drafts: dict[str, tuple[str, list[_Draft], _OfferDraft | None]],
    texts: _Texts,
    where: Where,
) -> Offer | None:
    """Check where an offer leads and write its reprompt."""
    if offer.to == REFLECTION_INTENT and not offer.skip_intro:
        assert offer.yes is not None
        return Offer(to=offer.to, ask=offer.ask, reprompt=texts.offer.format(yes=offer.yes))
    if offer.to not in drafts:
        where.add(offer.line, f"{intent} offers {offer.to}, which is not a topic")
        return None
    target = drafts[offer.to][1]
    if not offer.skip_intro:
        assert offer.yes is not None
        return Offer(to=offer.to, ask=offer.ask, reprompt=texts.offer.format(yes=offer.yes))
    start = next((i for i, part in enumerate(target) if part.label), None)
    if start is None:
        where.add(offer.line, f"{intent} offer skips the intro of {offer.to}, which has no steps")
        return None
    return Offer(
        to=offer.to,
        ask=offer.ask,
        reprompt=texts.step_reprompt(1, target[start].title),
        start=start,
    )


class _Texts:
    """The questions and reprompts of skill.yaml that end topic turns."""

    def __init__(self, skill: dict[str, Any]) -> None:
        questions = skill.get("questions") or {}
        reprompts = skill.get("reprompts") or {}
        go_on = questions.get("go_on") if isinstance(questions, dict) else None
        self.go_on = [one_line(q) for q in go_on or [] if isinstance(q, str)]
        self.next_step = str(questions.get("next_step", "")) if isinstance(questions, dict) else ""
        get = reprompts.get if isinstance(reprompts, dict) else {}.get
        self.go_on_reprompt = one_line(get("go_on", ""))
        self.next_step_reprompt = one_line(get("next_step", ""))
        self.first_step_reprompt = one_line(get("first_step", ""))
        self.offer = one_line(get("offer", ""))

    def step_reprompt(self, step: int, title: str) -> str:
        """Say what yes does when a numbered step comes next."""
        if step == 1:
            return self.first_step_reprompt.format(title=title)
        return self.next_step_reprompt.format(step=step, title=title)
