"""The Lambda package, unpacked and invoked in an interpreter that sees nothing else.

Not Lambda: this machine's Python, started with ``-I -S -B`` (no environment
variables of Python's, no site-packages, no bytecode written, as on Lambda's
read-only disk), whose ``sys.path`` is the unpacked folder and the standard library
only. What it shows is that the package holds everything the handler imports, and
answers as the skill does; shared by tests/test_lambda_package.py and
tests/bench_lambda.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

LOCAL_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
"""The version to package for when the package is run here (its binary wheels and .pyc)."""

DRIVER = r"""
import json, os, sys, sysconfig, time
started = time.perf_counter()
package, events_path = sys.argv[1:3]
compiled = []
def count_compiles(event, args):
    # The import system compiles a source file when it has no usable .pyc for it.
    if event == "compile" and isinstance(args[1], str) and args[1].startswith(package):
        compiled.append(args[1])
sys.addaudithook(count_compiles)
sys.path.insert(0, package)
from skill.aws_lambda import handler
imported = time.perf_counter()
with open(events_path) as events_file:
    events = json.load(events_file)
answers, first, answered_at = [], None, None
for event in events:
    try:
        answers.append({"answer": handler(event, None)})
    except Exception as error:
        answers.append({"error": type(error).__name__, "message": str(error)})
    if first is None:
        first, answered_at = time.perf_counter(), time.time()
stdlib = tuple(sysconfig.get_path(name) for name in ("stdlib", "platstdlib"))
outside = sorted(
    name for name, module in list(sys.modules.items())
    if (where := getattr(module, "__file__", None))
    and not where.startswith(package) and not where.startswith(stdlib)
)
print(json.dumps({
    "answers": answers, "outside": outside, "path": sys.path, "compiled": len(compiled),
    "import": imported - started, "first_answer": (first or imported) - imported,
    "answered_at": answered_at,
}))
"""


def unzip(archive: Path, folder: Path) -> Path:
    """Unpack ``archive`` into ``folder``, which must be empty; return the folder."""
    assert not any(folder.iterdir()), f"{folder} is not empty"
    with zipfile.ZipFile(archive) as package:
        package.extractall(folder)
    return folder


def clean_env(**settings: str) -> dict[str, str]:
    """An environment with ``settings`` and little else: no PYTHON* and no CLOSER_*."""
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    return {**{name: os.environ[name] for name in keep if name in os.environ}, **settings}


def invoke_unpacked(
    folder: Path, events: list[dict[str, Any]], env: dict[str, str], timeout: float = 180
) -> dict[str, Any]:
    """Run the handler in ``folder`` on each event in a clean interpreter; return what it did.

    ``answers`` has one ``{"answer": response}`` or ``{"error": type, "message": ...}``
    per event; ``outside`` names every module imported from neither the folder nor
    the standard library; ``compiled`` counts the package's source files compiled;
    ``import`` and ``first_answer`` are seconds, ``answered_at`` the wall clock
    (``time.time()``) when the first answer was ready.
    """
    with tempfile.TemporaryDirectory() as scratch:
        events_path = Path(scratch) / "events.json"
        events_path.write_text(json.dumps(events))
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", DRIVER, str(folder), str(events_path)],
            env=env,
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        raise AssertionError(f"the unpacked package failed:\n{result.stderr[-3000:]}")
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome
