"""Where the skill package points: its endpoint, privacy policy and terms of use.

These belong to whoever runs the skill, not to the content, so they are not in
``skill.yaml``: each deployment gives its own. ``closer build-model`` takes each
from, in order, its ``--endpoint`` option (the endpoint only), the environment
(``CLOSER_ENDPOINT``, ``CLOSER_PRIVACY_URL``, ``CLOSER_TERMS_URL``), the skill package
already in the folder it writes (so a rebuild after a content edit keeps the
endpoint given once), and last a placeholder under ``.invalid``, a name reserved
never to resolve (RFC 6761), so that a package nobody has set up cannot reach
anyone's server and ``closer lint --publish`` refuses it.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MANIFEST_PATH = "skill-package/skill.json"
"""The manifest within an ASK CLI project folder."""


@dataclass(frozen=True)
class DeploySettings:
    """The three addresses a skill package carries besides the content."""

    endpoint: str
    privacy_url: str
    terms_url: str


PLACEHOLDERS = DeploySettings(
    endpoint="https://your-server.invalid/alexa",
    privacy_url="https://your-site.invalid/privacy",
    terms_url="https://your-site.invalid/terms",
)
"""What a package says until someone sets it: addresses that can never resolve."""

VARIABLES = {
    "endpoint": "CLOSER_ENDPOINT",
    "privacy_url": "CLOSER_PRIVACY_URL",
    "terms_url": "CLOSER_TERMS_URL",
}
"""The environment variable of each setting."""

RESERVED_SUFFIXES = (".invalid", ".example", ".test", ".localhost", ".local")
"""Names that are never a public server (RFC 2606, RFC 6761, mDNS)."""

RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "localhost")
"""Names reserved for documentation and this machine, and everything under them."""


class SettingError(ValueError):
    """A setting cannot be used; the message is one line that names the setting."""


def endpoint_problem(url: str) -> str | None:
    """Say why Alexa could not post to ``url``, or None when it could.

    Alexa posts only over HTTPS, on port 443, to a named host and a path; a query or a
    fragment would be dropped or refused, and a password in the URL would be sent in
    clear to Amazon's console.
    """
    return _url_problem(url, path_required=True)


def page_problem(url: str) -> str | None:
    """Say why ``url`` cannot be a privacy policy or terms page, or None when it can."""
    return _url_problem(url, path_required=False)


def _url_problem(url: str, *, path_required: bool) -> str | None:
    if not url:
        return "is empty; give an https:// address"
    if any(c.isspace() for c in url):
        return "must not contain spaces"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a URL"
    if parts.scheme.lower() != "https":
        return "must start with https://"
    if not parts.hostname:
        return "has no host name"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password"
    if path_required and port not in (None, 443):
        return "must use port 443, the only one Alexa posts to"
    if path_required and parts.path in ("", "/"):
        return "needs a path, such as /alexa"
    if path_required and (parts.query or parts.fragment):
        return "must have no query or fragment"
    return None


def placeholder_problem(url: str) -> str | None:
    """Say why ``url`` is not anyone's real address, or None when it could be.

    For publishing: a reserved name (RFC 2606, RFC 6761) is a placeholder or an
    example, and an IP address cannot carry a certificate Alexa trusts.
    """
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host.endswith(RESERVED_SUFFIXES) or any(
        host == name or host.endswith(f".{name}") for name in RESERVED_DOMAINS
    ):
        return f"is a placeholder ({host} is a reserved name)"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return "names an IP address; Alexa needs a host name with a trusted certificate"


def deploy_settings(
    environ: Mapping[str, str],
    project_dir: Path | None = None,
    *,
    endpoint: str | None = None,
) -> DeploySettings:
    """Resolve each setting: the option, the environment, the existing package, the placeholder.

    Raises :class:`SettingError` for a value given (option or environment) that
    cannot work. A value in the existing package that cannot work is ignored: the
    package is generated, and building again replaces it.
    """
    kept = settings_in_package(project_dir) if project_dir is not None else {}
    given = {name: environ.get(variable, "") for name, variable in VARIABLES.items()}
    if endpoint is not None:
        given["endpoint"] = endpoint
    chosen: dict[str, str] = {}
    for name, variable in VARIABLES.items():
        value = given[name]
        if value or (name == "endpoint" and endpoint is not None):
            check = endpoint_problem if name == "endpoint" else page_problem
            problem = check(value)
            if problem:
                where = "--endpoint" if name == "endpoint" and endpoint is not None else variable
                raise SettingError(f"{where} {value!r} {problem}")
            chosen[name] = value
        else:
            chosen[name] = kept.get(name) or getattr(PLACEHOLDERS, name)
    return DeploySettings(**chosen)


def settings_in_package(project_dir: Path) -> dict[str, str]:
    """Read the settings a package in ``project_dir`` already carries, those that can work."""
    try:
        manifest = json.loads((project_dir / MANIFEST_PATH).read_text(encoding="utf-8"))
        found = read_settings(manifest)
    except (OSError, ValueError, TypeError, AttributeError):
        return {}
    checks = {"endpoint": endpoint_problem, "privacy_url": page_problem, "terms_url": page_problem}
    return {
        name: value
        for name, value in found.items()
        if isinstance(value, str) and checks[name](value) is None
    }


def read_settings(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Pick the settings out of a skill manifest (the privacy pages of its first locale)."""
    body = manifest["manifest"]
    privacy: Mapping[str, Any] = next(iter(body["privacyAndCompliance"]["locales"].values()), {})
    return {
        "endpoint": body["apis"]["custom"]["endpoint"]["uri"],
        "privacy_url": privacy.get("privacyPolicyUrl"),
        "terms_url": privacy.get("termsOfUseUrl"),
    }
