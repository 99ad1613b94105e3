"""Building the package: pip for Lambda's platform, bytecode ahead of time, a zip or a folder.

Why each step is as it is:

- **pip for Lambda, not for this machine.** ``pip install --target`` with
  ``--platform``, ``--python-version``, ``--implementation cp`` and
  ``--only-binary=:all:`` fetches the wheels Lambda's Linux, CPU and Python need,
  whatever this machine runs; a dependency without such a wheel fails here, not at
  a cold start. pip has a socket timeout and the whole run a deadline.
- **Bytecode compiled ahead.** Lambda's ``/var/task`` is read-only, so Python cannot
  cache what it compiles: without ``.pyc`` files in the package, every cold start
  compiles every module it imports again. They are written *unchecked-hash*: used
  without comparing them to the source's date, which zip tools rewrite (the ASK CLI
  dates every entry 1990); a package never changes once built. Only an interpreter
  of the target version can write its bytecode; without one the package works, but
  starts slower, and :attr:`Built.compiled_with` is None so the command can say so.
  Tracebacks name the files where Lambda puts them (``/var/task/...``).
- **Readable by all.** Files 0644 and folders 0755, whatever the umask: Lambda runs
  the code as another user than the one that unpacks it.
- **The same input, the same zip.** Entries in a fixed order with a fixed date, so
  an unchanged package is byte for byte the same and the ASK CLI uploads nothing new.
- **Written atomically.** A zip file or folder is the old one or the whole new one,
  never a part of one, even when pip fails half-way.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from skill import __version__
from skill.authoring.lambda_stack import LAMBDA_HANDLER
from skill.packaging.contents import ARCHITECTURES, own_files, requirements, trim
from speech.atomic import atomic_file

LAMBDA_TASK_ROOT = "/var/task"
"""Where Lambda unpacks the package: the path tracebacks should name."""
MARKER = "closer-lambda.json"
"""A file at the top of every package: what it is, and that a folder may be replaced."""
PIP_TIMEOUT_SECONDS = 600
"""The whole pip run: about 25 MB to download on a slow line."""
PIP_SOCKET_TIMEOUT_SECONDS = 20
COMPILE_TIMEOUT_SECONDS = 300
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class PackagingError(Exception):
    """The package cannot be built; one line that says why."""


@dataclass(frozen=True)
class Target:
    """The Lambda runtime a package is for: Python ``3.N`` on ``x86_64`` or ``arm64``."""

    python_version: str
    arch: str

    @property
    def platform(self) -> str:
        """The wheel platform tag pip fetches binary wheels for."""
        return ARCHITECTURES[self.arch]


@dataclass(frozen=True)
class Built:
    """A package that was built: how many files, how large unpacked and zipped."""

    files: int
    unpacked_bytes: int
    zipped_bytes: int | None
    compiled_with: str | None
    """The interpreter that wrote the bytecode, or None when none of the version was found."""


def make_zip(
    out: Path, target: Target, content_dir: Path | None = None, *, precompile: bool = True
) -> Built:
    """Build the package and write it to ``out`` (a ``.zip``), replacing any file there."""
    with tempfile.TemporaryDirectory(prefix="closer-lambda-") as work:
        tree = Path(work) / "package"
        built = build_tree(tree, target, content_dir, precompile=precompile)
        zipped = write_zip(tree, out)
    return Built(built.files, built.unpacked_bytes, zipped, built.compiled_with)


def make_folder(
    dest: Path, target: Target, content_dir: Path | None = None, *, precompile: bool = True
) -> Built:
    """Build the package unpacked in ``dest``, replacing an earlier package there.

    For the ASK CLI, whose code builder zips the folder ``code.default.src`` names.
    Built beside ``dest`` (the same file system), then swapped in.
    """
    reason = folder_refusal(dest)
    if reason:
        raise PackagingError(reason)
    dest = dest.absolute()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tree = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.part")
    try:
        built = build_tree(tree, target, content_dir, precompile=precompile)
        _swap_in(tree, dest)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    return built


def folder_refusal(dest: Path) -> str | None:
    """Say why ``dest`` cannot take a package, or None: it must be new, empty or a package.

    Replacing a folder deletes what was in it, so only one this command wrote (with
    its :data:`MARKER`) is replaced; a mistyped ``--folder .`` deletes nothing.
    """
    if not dest.exists():
        return None
    if not dest.is_dir():
        return f"{dest} is a file, not a folder"
    if any(dest.iterdir()) and not (dest / MARKER).is_file():
        return (
            f"{dest} is not empty and holds no package made by closer package-lambda; "
            "give a new or empty folder"
        )
    return None


def _swap_in(tree: Path, dest: Path) -> None:
    if not dest.exists():
        os.rename(tree, dest)
        return
    old = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.old")
    os.rename(dest, old)
    os.rename(tree, dest)
    shutil.rmtree(old, ignore_errors=True)


def build_tree(
    tree: Path, target: Target, content_dir: Path | None = None, *, precompile: bool = True
) -> Built:
    """Build the unpacked package in ``tree`` (a folder that does not exist yet)."""
    tree.mkdir(parents=True)
    install_dependencies(tree, target)
    trim(tree)
    for name, source in own_files(content_dir).items():
        place = tree / name
        if place.exists():
            raise PackagingError(f"a dependency installs {name}, which is this project's own")
        place.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, place)
    interpreter = find_interpreter(target.python_version) if precompile else None
    if interpreter is not None:
        compile_tree(tree, interpreter)
    (tree / MARKER).write_text(
        json.dumps(
            {
                "package": "closer-together",
                "version": __version__,
                "python": target.python_version,
                "arch": target.arch,
                "handler": LAMBDA_HANDLER,
                "precompiled": interpreter is not None,
            },
            indent=2,
        )
        + "\n"
    )
    files = make_readable(tree)
    return Built(
        files=len(files),
        unpacked_bytes=sum(path.stat().st_size for path in files),
        zipped_bytes=None,
        compiled_with=interpreter,
    )


def install_dependencies(tree: Path, target: Target) -> None:
    """Install the runtime dependencies into ``tree`` as wheels for ``target``."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(tree),
        "--platform",
        target.platform,
        "--implementation",
        "cp",
        "--python-version",
        target.python_version,
        "--only-binary=:all:",
        "--no-compile",  # this interpreter's bytecode is no use to another version
        "--no-warn-conflicts",  # it would compare the target with this environment
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--timeout",
        str(PIP_SOCKET_TIMEOUT_SECONDS),
        "--retries",
        "2",
        *requirements(),
    ]
    result = _run(
        command,
        PIP_TIMEOUT_SECONDS,
        f"pip did not finish within {PIP_TIMEOUT_SECONDS} s; check the network and try again",
    )
    if result.returncode != 0:
        raise PackagingError(f"pip could not install the dependencies: {pip_reason(result.stderr)}")


def pip_reason(stderr: str) -> str:
    """Pick the one line of pip's output that says what went wrong."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if any("No module named pip" in line for line in lines):
        return f"pip is not installed for {sys.executable} (python -m ensurepip installs it)"
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR:")]
    reason = errors[-1] if errors else (lines[-1] if lines else "it failed without a word")
    if any(line.startswith("WARNING: Retrying") for line in lines):
        reason = f"the package index could not be reached ({reason})"
    return reason[:300]


def find_interpreter(version: str) -> str | None:
    """Find a Python of ``version`` (``3.12``) to compile with: this one, or one on PATH."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    candidate = shutil.which(f"python{version}")
    if candidate is None:
        return None
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        result = subprocess.run(
            [candidate, "-I", "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    # A version manager's shim can be on PATH without the version behind it.
    return candidate if result.returncode == 0 and result.stdout.strip() == version else None


def compile_tree(tree: Path, interpreter: str) -> None:
    """Write unchecked-hash bytecode for every module in ``tree``, as Lambda will find it."""
    command = [
        interpreter,
        "-I",
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(tree),
        "-p",
        LAMBDA_TASK_ROOT,
        str(tree),
    ]
    result = _run(
        command,
        COMPILE_TIMEOUT_SECONDS,
        f"compiling the bytecode took over {COMPILE_TIMEOUT_SECONDS} s",
    )
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).strip().splitlines()
        raise PackagingError(f"a module does not compile: {lines[0] if lines else 'no reason'}")


def make_readable(tree: Path) -> list[Path]:
    """Make every file 0644 (0755 if executable) and folder 0755; return the files."""
    files = []
    for path in tree.rglob("*"):
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            path.chmod(0o755)
        elif stat.S_ISREG(mode):
            path.chmod(0o755 if mode & stat.S_IXUSR else 0o644)
            files.append(path)
    tree.chmod(0o755)
    return files


def write_zip(tree: Path, out: Path) -> int:
    """Zip ``tree`` into ``out`` atomically and reproducibly; return the zip's size in bytes."""
    names = sorted(
        (path.relative_to(tree).as_posix(), path) for path in tree.rglob("*") if path.is_file()
    )
    with atomic_file(out) as handle, zipfile.ZipFile(handle, "w") as archive:
        for name, path in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = (stat.S_IFREG | stat.S_IMODE(path.stat().st_mode)) << 16
            archive.writestr(
                info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9
            )
    return out.stat().st_size


def _run(command: list[str], timeout: float, too_slow: str) -> subprocess.CompletedProcess[str]:
    """Run a build step with a deadline; past it, a PackagingError that says ``too_slow``."""
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PackagingError(too_slow) from None
