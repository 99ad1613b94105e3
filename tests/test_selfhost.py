"""The systemd unit and example env file of deploy/selfhost/: read, verified, and run.

What runs here and what does not, said plainly: the unit is read for the settings an
internet-facing service needs; ``systemd-analyze verify`` checks it as systemd would
load it (with ExecStart's program pointed at this checkout's venv, since
/opt/closer-together does not exist here), and ``systemd-analyze security
--offline`` scores its sandbox; both skip when systemd-analyze is missing, unless
CLOSER_REQUIRE_SYSTEMD=1 (CI sets it). The service is NOT started by systemd (there is
no systemd running in a container), so the sandbox is not exercised; its command
line is run as it is written, with the example env file's settings and a state
folder standing in for /var/lib/closer-together.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from skill.authoring.selfhost import (
    environment_files,
    read_env_file,
    read_unit,
    unit_environment,
)
from tests.conftest import free_port, health, unavailable

SELFHOST = Path(__file__).resolve().parent.parent / "deploy" / "selfhost"
UNIT_PATH = SELFHOST / "closer-together.service"
ENV_EXAMPLE = SELFHOST / "closer-together.env"
INSTALLED_PROGRAM = "/opt/closer-together/venv/bin/closer"

HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "CapabilityBoundingSet": "",
    "AmbientCapabilities": "",
}
"""What every internet-facing service here must have, at least."""


def service() -> dict[str, str]:
    """The unit's [Service] settings (the last of a repeated key)."""
    return dict(read_unit(UNIT_PATH.read_text(encoding="utf-8")).sections["Service"])


def test_the_service_has_its_own_user_and_writes_only_its_state_folder() -> None:
    unit = read_unit(UNIT_PATH.read_text(encoding="utf-8"))
    settings = service()
    assert settings.get("DynamicUser") == "yes" or settings.get("User") == "closer"
    assert settings["StateDirectory"] == "closer-together"
    assert unit_environment(unit)["CLOSER_DATA_DIR"] == "%S/closer-together"
    assert "ReadWritePaths" not in settings, "the state folder is the only writable place"
    assert environment_files(unit) == [Path("/etc/closer-together/env")]
    assert settings["Restart"] == "on-failure"
    assert settings["ExecStart"].split() == [
        INSTALLED_PROGRAM,
        *("serve", "--host", "127.0.0.1", "--port", "8000"),
    ]
    assert unit.values("Install", "WantedBy") == ["multi-user.target"]


@pytest.mark.parametrize(("key", "value"), HARDENING.items())
def test_the_service_is_hardened(key: str, value: str) -> None:
    assert service().get(key) == value


def test_the_shipped_files_never_turn_verification_off() -> None:
    unit = read_unit(UNIT_PATH.read_text(encoding="utf-8"))
    example = read_env_file(ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert "CLOSER_SKIP_VERIFICATION" not in unit_environment(unit)
    assert "CLOSER_SKIP_VERIFICATION" not in example
    assert example["CLOSER_SKILL_ID"].startswith("amzn1.ask.skill.")


# --- systemd's own checks -------------------------------------------------------------------


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found:
        return found
    unavailable("systemd-analyze is not installed (Debian package systemd)", "SYSTEMD")


def here(text: str, tmp_path: Path) -> Path:
    """The unit with its program pointed at this venv's `closer`, which verify wants to exist."""
    program = Path(sys.executable).parent / "closer"
    if not program.exists():
        pytest.skip(f"no `closer` beside {sys.executable}: install the checkout in its venv")
    path = tmp_path / "closer-together.service"
    path.write_text(text.replace(INSTALLED_PROGRAM, str(program)), encoding="utf-8")
    return path


def verify(systemd_analyze: str, unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [systemd_analyze, "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_systemd_accepts_the_unit(systemd_analyze: str, tmp_path: Path) -> None:
    result = verify(systemd_analyze, here(UNIT_PATH.read_text(encoding="utf-8"), tmp_path))
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("ProtectSystem=strict", "ProtectSystem=strictly"),
        ("NoNewPrivileges=yes", "NoNewPrivilege=yes"),
        ("RestrictAddressFamilies=AF_INET", "RestrictAddressFamilies=AF_INETT"),
    ],
)
def test_systemd_verify_catches_a_mistake(
    systemd_analyze: str, tmp_path: Path, old: str, new: str
) -> None:
    """The check above can fail: a misspelt key or value is reported."""
    text = UNIT_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1
    result = verify(systemd_analyze, here(text.replace(old, new), tmp_path))
    assert "closer-together.service" in result.stderr


def exposure_within(systemd_analyze: str, unit: Path, threshold: int) -> bool:
    """Whether systemd scores the unit's exposure at most ``threshold`` (0 to 100)."""
    result = subprocess.run(
        [systemd_analyze, "security", "--offline=yes", f"--threshold={threshold}", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode == 0


def test_systemd_rates_the_sandbox_well(systemd_analyze: str, tmp_path: Path) -> None:
    """At most 2.0 of 10 ("OK"); a unit with no hardening scores far worse and fails."""
    assert exposure_within(systemd_analyze, here(UNIT_PATH.read_text(), tmp_path), 20)
    bare = tmp_path / "bare" / "closer-together.service"
    bare.parent.mkdir()
    bare.write_text(f"[Service]\nExecStart={INSTALLED_PROGRAM} serve\n")
    assert not exposure_within(systemd_analyze, bare, 20)


# --- the command line, as the unit runs it --------------------------------------------------


def test_the_units_command_serves_with_the_example_settings(tmp_path: Path) -> None:
    """ExecStart's arguments and the example env file; a folder stands in for %S."""
    unit = read_unit(UNIT_PATH.read_text(encoding="utf-8"))
    arguments = service()["ExecStart"].split()[1:]
    port = free_port()
    arguments[arguments.index("--port") + 1] = str(port)
    state = tmp_path / "state" / "closer-together"
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CLOSER_") and name not in ("XDG_DATA_HOME", "HOME")
    }
    environ.update(read_env_file(ENV_EXAMPLE.read_text(encoding="utf-8")))
    environ.update(unit_environment(unit))
    environ["CLOSER_DATA_DIR"] = environ["CLOSER_DATA_DIR"].replace("%S", str(tmp_path / "state"))
    environ["HOME"] = str(tmp_path / "no-home")  # ProtectHome: nothing there is used
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", *arguments],
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                status = health(base)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.1)
        assert status["verification"] == "on"
        text = log.read_text()
        assert f"{state}/memory.db" in text, text
        assert (state / "user-key").stat().st_mode & 0o777 == 0o600
        assert not (tmp_path / "no-home").exists()
        # Anyone reaching it without Alexa's signature is refused.
        request = urllib.request.Request(
            f"{base}/alexa", data=b"{}", headers={"Content-Type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        refused.value.close()
        assert refused.value.code == 400
    finally:
        process.terminate()
        process.wait(timeout=10)
