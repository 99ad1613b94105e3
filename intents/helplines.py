"""Check locales.yaml and helplines.yaml: the locales served, and who to call in each.

Helplines are the one part of the content where a mistake can cost more than a
confused listener, so every locale must have an emergency number, a crisis line and
an abuse line (or, where there is no single number, what to do instead), each in a
shape that can be spoken digit by digit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from intents.located import LocatedDict, line_of
from intents.model import DEFAULT_LOCALE, Helpline, Helplines
from intents.report import Report

Spelling = dict[str, str]
"""A locale's spelling differences: the en-US word and the locale's."""


def check_locales(data: LocatedDict, path: Path, report: Report) -> dict[str, tuple[str, Spelling]]:
    """Check locales.yaml: each locale's country and spelling differences."""
    locales: dict[str, tuple[str, Spelling]] = {}
    for locale, spec in data.items():
        line = data.key_lines[locale]
        if not re.fullmatch(r"en-[A-Z]{2}", locale):
            report.add(path, line, f"{locale} is not an English Alexa locale like en-GB")
        if not isinstance(spec, dict) or not isinstance(spec.get("country"), str):
            report.add(path, line, f"{locale} needs `country:` (like GB)")
            continue
        spelling = spec.get("spelling") or {}
        if not isinstance(spelling, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in spelling.items()
        ):
            report.add(path, line, f"{locale} spelling must map words to words")
            spelling = {}
        locales[locale] = (str(spec["country"]), {str(k): str(v) for k, v in spelling.items()})
    if DEFAULT_LOCALE not in locales:
        report.add(
            path, line_of(data), f"{DEFAULT_LOCALE} must be listed: it answers every other locale"
        )
    return locales


def check_helplines(
    data: LocatedDict, path: Path, locales: dict[str, Any], report: Report
) -> dict[str, Helplines]:
    """Check every locale has a crisis line, an abuse line (or advice), an emergency number."""
    result: dict[str, Helplines] = {}
    for locale in locales:
        spec = data.get(locale)
        if not isinstance(spec, dict):
            report.add(path, line_of(data), f"{locale} has no helplines")
            continue
        line = data.key_lines[locale]
        crisis = _helpline(
            locale, "crisis", spec.get("crisis"), path, line, report, need_number=True
        )
        abuse = _helpline(locale, "abuse", spec.get("abuse"), path, line, report, need_number=False)
        emergency = _emergency(locale, spec.get("emergency"), path, line, report)
        if crisis and abuse and emergency:
            result[locale] = Helplines(crisis=crisis, abuse=abuse, emergency=emergency)
    for locale in data:
        if locale not in locales:
            report.add(path, data.key_lines[locale], f"{locale} is not in locales.yaml")
    return result


def _emergency(locale: str, spec: Any, path: Path, where: int, report: Report) -> Helpline | None:
    """Check the emergency number: three digits, and how people say it if not digit by digit."""
    number, spoken = (
        (spec.get("number"), spec.get("say", "")) if isinstance(spec, dict) else (spec, "")
    )
    if not isinstance(number, str) or not re.fullmatch(r"\d{3}", number):
        report.add(
            path,
            line_of(spec, where),
            f"{locale} emergency must be a three-digit number in quotes, or `number:` and `say:`",
        )
        return None
    return Helpline(number=number, spoken=" ".join(str(spoken).split()))


def _helpline(
    locale: str, kind: str, spec: Any, path: Path, where: int, report: Report, *, need_number: bool
) -> Helpline | None:
    """Check one helpline: a name and a dialable number, or (abuse only) what to do instead."""
    line = line_of(spec, where)
    if not isinstance(spec, dict):
        report.add(path, line, f"{locale} needs a {kind} line")
        return None
    fields = {k: " ".join(str(v).split()) for k, v in spec.items() if isinstance(v, str)}
    unknown = set(spec) - {"name", "card_name", "how", "number", "instead", "card"}
    if unknown:
        report.add(path, line, f"{locale} {kind} has unknown fields: {', '.join(sorted(unknown))}")
    if "number" in fields:
        if not re.fullmatch(r"[0-9][0-9 -]*[0-9]", fields["number"]):
            report.add(path, line, f"{locale} {kind} number must be digits, spaces and hyphens")
        for key in ("name", "card_name", "how"):
            if not fields.get(key):
                report.add(path, line, f"{locale} {kind} needs `{key}:`")
    elif need_number or not (fields.get("instead") and fields.get("card")):
        report.add(
            path, line, f"{locale} {kind} needs a number (or, for abuse, `instead` and `card`)"
        )
    return Helpline(**{k: v for k, v in fields.items() if k not in unknown})
