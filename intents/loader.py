"""Read the content YAML, check it, and build :class:`intents.model.Content`.

All problems are collected, not just the first, and each reads
``intents/content/topics.yaml:42: TipIntent step 3 is 61 words; the limit is 45``
so that whoever edits the wording can fix it without reading Python.

This module runs the checks in order and names the intents the skill's code answers
by name; the checks themselves live by file kind (:mod:`intents.skill_texts`,
:mod:`intents.samples`, :mod:`intents.guidance`, :mod:`intents.helplines`,
:mod:`intents.phrases`, :mod:`intents.screens`), with the rules between files in
:mod:`intents.rules` and the per-locale content made by :mod:`intents.localise`.
"""

from __future__ import annotations

from pathlib import Path

from intents.article import ARTICLE_PATH, article_words
from intents.guidance import (
    REFLECTION_INTENT,
    TIP_INTENT,
    Where,
    check_tips,
    check_topics,
)
from intents.helplines import check_helplines, check_locales
from intents.localise import localise
from intents.located import NotText, line_of, read_located
from intents.model import DEFAULT_LOCALE, Catalogue, Content
from intents.phrases import PHRASES_FILE, PhraseBlock, check_phrases, read_phrases
from intents.reflections import check_reflections
from intents.report import ContentError, Report
from intents.rules import check_answered, check_example_phrases, check_phrase_intents
from intents.samples import check_samples
from intents.screens import SCREEN_FILE, check_screen
from intents.skill_texts import check_skill

__all__ = [
    "ABUSE_INTENT",
    "CANCEL_REMINDER_INTENT",
    "CONTENT_DIR",
    "CRISIS_INTENT",
    "FALLBACK_INTENT",
    "FORGET_INTENT",
    "MEMORY_INTENTS",
    "PROGRESS_INTENT",
    "REFLECTION_INTENT",
    "REMINDER_INTENTS",
    "RESUME_INTENT",
    "SAFETY_INTENTS",
    "SET_REMINDER_INTENT",
    "TIP_INTENT",
    "ContentError",
    "load_catalogue",
    "load_content",
    "load_phrases",
]

CONTENT_DIR = Path(__file__).parent / "content"
CRISIS_INTENT = "CrisisIntent"
"""Thoughts of suicide or self-harm, hopelessness: the emergency number, then the crisis line."""
ABUSE_INTENT = "AbuseIntent"
"""Someone hurting, threatening or controlling them; unsafe at home: then the abuse line."""
SAFETY_INTENTS = (CRISIS_INTENT, ABUSE_INTENT)
"""Answered before anything else, in any state."""
FALLBACK_INTENT = "AMAZON.FallbackIntent"
"""Amazon's intent for what was not understood (the resolver's "nothing matched")."""
RESUME_INTENT = "ResumeIntent"
"""Go on where the person stopped last time (needs a store)."""
PROGRESS_INTENT = "ProgressIntent"
"""What they have heard so far: reflections done, tips heard (needs a store)."""
FORGET_INTENT = "ForgetMeIntent"
"""Delete everything kept about them, after a yes."""
MEMORY_INTENTS = (RESUME_INTENT, PROGRESS_INTENT, FORGET_INTENT)
SET_REMINDER_INTENT = "SetReminderIntent"
"""A daily reminder of the evening reflection at a time (slot ``time``); changes one set."""
CANCEL_REMINDER_INTENT = "CancelReminderIntent"
REMINDER_INTENTS = (SET_REMINDER_INTENT, CANCEL_REMINDER_INTENT)
ANSWERED_BY_NAME = (
    TIP_INTENT,
    REFLECTION_INTENT,
    *SAFETY_INTENTS,
    *MEMORY_INTENTS,
    *REMINDER_INTENTS,
)
"""Intents the skill's code answers itself, not from a topic: samples.yaml must have each."""


def load_catalogue(content_dir: Path | None = None) -> Catalogue:
    """Load and check the content for every locale; raise :class:`ContentError` if bad.

    The shared files are read and checked once; each locale is the shared content
    with its spelling and helplines applied.
    """
    directory = Path(content_dir) if content_dir is not None else CONTENT_DIR
    report = Report.for_content(directory)
    names = ("skill", "samples", "topics", "reflections", "locales", "helplines")
    paths = {name: directory / f"{name}.yaml" for name in names}
    paths["phrases"] = directory / PHRASES_FILE
    documents = {name: read_located(path, report) for name, path in paths.items()}
    article = _read_article(directory / ARTICLE_PATH.name, report)
    if report.errors:
        raise ContentError(report.errors)

    skill = check_skill(documents["skill"], paths["skill"], report)
    intents, slot_types = check_samples(
        documents["samples"], paths["samples"], report, SAFETY_INTENTS
    )
    check_example_phrases(skill, intents, paths["skill"], report)
    guidance = Where(paths["topics"], report, article)
    tips = check_tips(documents["topics"], slot_types, guidance)
    topics = check_topics(documents["topics"], skill, intents, tips, guidance)
    reflections = check_reflections(
        documents["reflections"], tips, Where(paths["reflections"], report, article)
    )
    check_answered(
        intents,
        topics,
        ANSWERED_BY_NAME,
        paths["topics"],
        line_of(documents["topics"]),
        report,
    )
    locales = check_locales(documents["locales"], paths["locales"], report)
    helplines = check_helplines(documents["helplines"], paths["helplines"], locales, report)
    # Only the resolver uses the phrases, but a broken file must stop lint and the app too.
    check_phrases(documents["phrases"], paths["phrases"], report, SAFETY_INTENTS)
    check_phrase_intents(documents["phrases"], intents, paths["phrases"], report)
    screen = check_screen(directory / SCREEN_FILE, report)
    if report.errors:
        raise ContentError(report.errors)
    shared = Content(
        skill=skill,
        intents=intents,
        slot_types=slot_types,
        topics=topics,
        tips=tips,
        reflections=reflections,
        helplines=helplines[DEFAULT_LOCALE],
        screen=screen,
    )
    return Catalogue(
        by_locale={
            locale: localise(shared, locale, country, spelling, helplines[locale])
            for locale, (country, spelling) in locales.items()
        }
    )


def load_content(content_dir: Path | None = None, locale: str = DEFAULT_LOCALE) -> Content:
    """Load and check all content; return one locale's (en-US by default)."""
    return load_catalogue(content_dir).for_locale(locale)


def load_phrases(path: Path | None = None) -> dict[str, PhraseBlock]:
    """Read and check builtin_phrases.yaml alone; raise :class:`ContentError` if bad.

    For the local resolver, which needs the phrases but not the rest of the content.
    Returns one :class:`~intents.phrases.PhraseBlock` per language, as plain data.
    The check against samples.yaml is :func:`load_catalogue`'s, not this one's.
    """
    path = Path(path) if path is not None else CONTENT_DIR / PHRASES_FILE
    report = Report.for_content(path.parent)
    phrases = read_phrases(path, report, SAFETY_INTENTS)
    if report.errors:
        raise ContentError(report.errors)
    return phrases


def _read_article(path: Path, report: Report) -> tuple[str, ...]:
    """Read the article the guidance is held to (article.txt beside the content)."""
    try:
        return article_words(path)
    except IsADirectoryError:
        report.add(path, 1, "is a folder, not a file: put the article's text here")
    except OSError as error:
        report.add(path, 1, f"the article cannot be read: {error.strerror or error}")
    except NotText as error:
        report.add(path, error.line, str(error))
    return ()
