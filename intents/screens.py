"""screen.json: the APL document Echo Show and other screens are sent, checked offline.

No APL renderer runs here, so what can be checked without a device is checked when
the content loads, with ``file:line`` like every other content error: the file is
JSON; it is an APL 1.x document whose main template takes the one parameter the
skill binds (``payload``); it uses only the components this skill needs (Container,
Text, Frame, ScrollView) and nothing from outside (no ``import``, no address);
every ``${payload...}`` and ``${data...}`` it reads is a field the skill fills;
every ``@resource`` it names is defined; and it shows every field the skill fills,
so a safety answer's numbers cannot silently drop off the screen.

The names of those fields live here, beside the check, and the skill's own screen
builder (:mod:`skill.screens`) fills exactly these, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from intents.located import DuplicateKeyError, NotText, line_of, load_located, read_text
from intents.report import Report

SCREEN_FILE = "screen.json"
DATASOURCE = "screen"
"""The one datasource the skill sends: the document reads ``payload.screen.*``."""
SCREEN_FIELDS = ("kind", "title", "label", "text", "numbers", "lines", "hints")
"""What the skill fills in ``payload.screen`` on every turn."""
SHOWN_FIELDS = ("title", "label", "text", "numbers", "lines", "hints")
"""Fields the document must show; ``kind`` only chooses how (the reflection's calm colours)."""
NUMBER_FIELDS = ("before", "number", "after")
"""Each entry of ``numbers``: the words before a helpline's number, the number, the words after."""
_BASE = frozenset(
    {
        # every component (APL 1.x base component properties)
        "type", "when", "id", "style", "description", "accessibilityLabel", "role",
        "bind", "checked", "disabled", "display", "entities", "inheritParentState",
        "onMount", "opacity", "speech", "transform",
        "width", "height", "minWidth", "maxWidth", "minHeight", "maxHeight",
        "padding", "paddingLeft", "paddingRight", "paddingTop", "paddingBottom",
        "paddingStart", "paddingEnd",
        "shadowColor", "shadowHorizontalOffset", "shadowVerticalOffset", "shadowRadius",
        # a child of a Container
        "alignSelf", "grow", "shrink", "numbering", "position", "spacing",
        "left", "right", "top", "bottom", "start", "end",
    }
)  # fmt: skip
_MULTI_CHILD = frozenset({"data", "item", "items", "firstItem", "lastItem"})
COMPONENTS: dict[str, frozenset[str]] = {
    "Container": _BASE
    | _MULTI_CHILD
    | {"alignItems", "direction", "justifyContent", "numbered", "wrap"},
    "Text": _BASE
    | {
        "text", "color", "fontFamily", "fontSize", "fontStyle", "fontWeight", "lang",
        "letterSpacing", "lineHeight", "maxLines", "textAlign", "textAlignVertical",
    },
    "Frame": _BASE
    | {
        "item", "items", "backgroundColor", "borderColor", "borderWidth", "borderRadius",
        "borderStrokeWidth", "borderTopLeftRadius", "borderTopRightRadius",
        "borderBottomLeftRadius", "borderBottomRightRadius",
    },
    "ScrollView": _BASE | {"item", "items", "onScroll"},
}  # fmt: skip
"""The APL 1.x components this document may use, each with the properties APL gives it.

None loads anything from outside. A misspelt property ("fontsize") is ignored by a
device without a word, so it is refused here instead.
"""
_CHILD_KEYS = ("item", "items", "firstItem", "lastItem")
_VERSION = re.compile(r"1\.[0-9]+")
_EXPRESSION = re.compile(r"\$\{([^{}]*)\}")
_PAYLOAD = re.compile(r"\bpayload((?:\.[A-Za-z_]\w*)*)")
_DATA = re.compile(r"\bdata((?:\.[A-Za-z_]\w*)*)")
_RESOURCE = re.compile(r"@([A-Za-z_]\w*)")
_ADDRESS = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def check_screen(path: Path, report: Report) -> dict[str, Any]:
    """Read and check screen.json; return the document as plain JSON data ({} if broken)."""
    before = len(report.errors)
    document = _read_json(path, report)
    if document is None:
        return {}
    located = _located(path, report, document)
    if len(report.errors) > before:
        return {}
    _check_outline(located, path, report)
    _check_values(located, path, report)
    return document if len(report.errors) == before else {}


def _read_json(path: Path, report: Report) -> dict[str, Any] | None:
    try:
        text = read_text(path)
    except FileNotFoundError:
        report.add(path, 1, "file is missing: the APL document for screens goes here")
        return None
    except NotText as error:
        report.add(path, error.line, str(error))
        return None
    except OSError as error:
        report.add(path, 1, f"cannot be read: {error.strerror or error}")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        report.add(path, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})")
        return None
    if not isinstance(data, dict):
        report.add(path, 1, "must be one JSON object: an APL document")
        return None
    return data


def _located(path: Path, report: Report, document: dict[str, Any]) -> Any:
    """Read the same JSON again as YAML, which it also is, to know each value's line.

    JSON's own parser gives no positions, and silently keeps the last of two equal
    keys; the content's YAML reader refuses those. Should YAML read it otherwise,
    the checks still run on the JSON data, with line 1.
    """
    try:
        located = load_located(path)
    except DuplicateKeyError as error:
        report.add(path, error.line, str(error))
        return document
    except yaml.YAMLError:
        return document
    return located if located == document else document


def _check_outline(document: Any, path: Path, report: Report) -> None:
    """Check what makes it an APL 1.x document this skill can fill."""
    line = line_of(document)
    if document.get("type") != "APL":
        report.add(path, line, 'must have "type": "APL"')
    version = document.get("version")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        report.add(path, line_of(version, line), '"version" must be an APL 1.x version, like "1.4"')
    if document.get("import"):
        report.add(path, line_of(document["import"], line), "imports nothing: no external packages")
    template = document.get("mainTemplate")
    if not isinstance(template, dict):
        report.add(path, line, 'needs a "mainTemplate" object')
        return
    where = line_of(template, line)
    if template.get("parameters") != ["payload"]:
        report.add(path, where, '"mainTemplate" takes exactly one parameter: ["payload"]')
    if not any(template.get(key) for key in ("item", "items")):
        report.add(path, where, '"mainTemplate" shows nothing: give it "items"')
    for component in _components(template):
        _check_component(component, path, line_of(component, where), report)


def _check_component(component: Any, path: Path, line: int, report: Report) -> None:
    lines = getattr(component, "key_lines", {})
    line = lines.get("type", line)
    kind = component.get("type")
    properties = COMPONENTS.get(kind) if isinstance(kind, str) else None
    if properties is None:
        allowed = ", ".join(sorted(COMPONENTS))
        report.add(path, line, f"component {kind!r} is not one of {allowed}")
        return
    for name in component:
        if name not in properties:
            report.add(path, lines.get(name, line), f"{name!r} is not a property of {kind}")
    if kind == "Text" and "text" not in component:
        report.add(path, line, 'a Text needs "text"')


def _components(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every component under a template or component (its items, firstItem, ...)."""
    for key in _CHILD_KEYS:
        children = node.get(key)
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, dict):
                yield child
                yield from _components(child)


def _check_values(document: Any, path: Path, report: Report) -> None:
    """Check every string: bound fields exist, resources are defined, nothing from outside."""
    resources = _resource_names(document)
    shown: set[str] = set()
    for text, line in _strings(document, line_of(document)):
        if _ADDRESS.search(text):
            report.add(path, line, "loads nothing from outside: no addresses")
        for expression in _EXPRESSION.findall(text):
            for problem in _binding_problems(expression, shown):
                report.add(path, line, problem)
        for name in _RESOURCE.findall(text):
            if name not in resources:
                report.add(path, line, f"@{name} is not defined in resources")
    for field in SHOWN_FIELDS:
        if field not in shown:
            report.add(
                path,
                line_of(document),
                f"never shows payload.{DATASOURCE}.{field}, which the skill fills",
            )


def _binding_problems(expression: str, shown: set[str]) -> Iterator[str]:
    for match in _PAYLOAD.finditer(expression):
        names = match.group(1).split(".")[1:]
        if len(names) < 2 or names[0] != DATASOURCE or names[1] not in SCREEN_FIELDS:
            fields = ", ".join(SCREEN_FIELDS)
            yield (
                f"payload{match.group(1)} is not filled by the skill: "
                f"use payload.{DATASOURCE}.<{fields}>"
            )
        else:
            shown.add(names[1])
    for match in _DATA.finditer(expression):
        names = match.group(1).split(".")[1:]
        if names and names[0] not in NUMBER_FIELDS:
            fields = ", ".join(NUMBER_FIELDS)
            yield f"data.{names[0]} is not a field of a number: use data.<{fields}>"


def _resource_names(document: Any) -> set[str]:
    """Collect every name the resources blocks define (colors, dimensions, strings, ...)."""
    names: set[str] = set()
    blocks = document.get("resources")
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict):
            for key, group in block.items():
                if key not in ("when", "description") and isinstance(group, dict):
                    names.update(group)
    return names


def _strings(node: Any, line: int) -> Iterator[tuple[str, int]]:
    """Yield every string value with its line; descriptions are prose, not bindings."""
    if isinstance(node, dict):
        lines = getattr(node, "key_lines", {})
        for key, value in node.items():
            if key != "description":
                yield from _strings(value, line_of(value, lines.get(key, line)))
    elif isinstance(node, list):
        lines = getattr(node, "item_lines", [])
        for index, value in enumerate(node):
            yield from _strings(value, lines[index] if index < len(lines) else line)
    elif isinstance(node, str):
        yield node, line
