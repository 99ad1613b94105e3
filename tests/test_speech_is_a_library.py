"""speech/ is a library: it imports nothing from skill/ or intents/.

Anything that needs the skill or its content (``closer preview``, the render
benchmark) lives in skill/ or tests/ and drives speech/ from there, so speech/ can be
used, tested and reasoned about on its own. Every import statement is checked, at any
depth (an import inside a function counts too), including relative ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT / "speech"
FORBIDDEN = frozenset({"skill", "intents"})


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """Return (line, absolute module name) for every module an import statement names.

    ``package`` is the package the source belongs to, to resolve relative imports;
    ``from a import b`` yields both ``a`` and ``a.b``, since ``b`` may be a module.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = ".".join(filter(None, [base, node.module]))
            else:
                module = node.module or ""
            if module:
                found.append((node.lineno, module))
            found += [
                (node.lineno, ".".join(filter(None, [module, alias.name]))) for alias in node.names
            ]
    return found


def forbidden_imports(path: Path) -> list[str]:
    """Return ``file:line: module`` for each import of skill or intents in one file."""
    relative = path.relative_to(ROOT)
    parts = relative.with_suffix("").parts
    package = ".".join(parts if path.name == "__init__.py" else parts[:-1])
    return [
        f"{relative}:{line}: imports {module}"
        for line, module in imported_modules(path.read_text(encoding="utf-8"), package)
        if module.split(".")[0] in FORBIDDEN
    ]


def test_no_module_in_speech_imports_skill_or_intents() -> None:
    files = sorted(SPEECH.rglob("*.py"))
    assert len(files) > 10  # the package really was found
    problems = [problem for path in files for problem in forbidden_imports(path)]
    assert problems == []


@pytest.mark.parametrize(
    ("source", "package", "caught"),
    [
        ("import skill", "speech", True),
        ("import skill.alexa as alexa", "speech", True),
        ("from intents.model import DEFAULT_LOCALE", "speech", True),
        ("def f():\n    from skill import envelopes\n", "speech", True),
        ("from .. import skill", "speech", True),
        ("from ...intents import model", "speech.engines", True),
        ("from . import audio", "speech", False),
        ("from .audio import PCM", "speech.engines", False),
        ("import speech.skill_words", "speech", False),
        ("from speech import intents_of", "speech", False),
    ],
)
def test_the_check_sees_every_kind_of_import(source: str, package: str, caught: bool) -> None:
    modules = [module for _line, module in imported_modules(source, package)]
    assert any(module.split(".")[0] in FORBIDDEN for module in modules) is caught, modules
