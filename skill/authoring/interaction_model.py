"""Generate the Alexa interaction model, skill manifest and ASK CLI project from the content.

The files under ``deploy/`` are committed so the ASK CLI can deploy them as they
are, but nobody edits them: ``closer build-model`` writes them from ``intents/``,
and ``closer build-model --check`` (run by the tests) fails when they are stale.
The addresses a deployment gives (endpoint, privacy and terms pages) come in as
:class:`~skill.authoring.deploy_settings.DeploySettings`; the committed package
carries the placeholders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from intents import Catalogue, Content
from skill.authoring.deploy_settings import PLACEHOLDERS, DeploySettings
from skill.authoring.lambda_stack import (
    CODE_FOLDER,
    TEMPLATE_PATH,
    skill_infrastructure,
    skill_stack,
)
from skill.reminders import PERMISSION_SCOPE
from speech.atomic import write_text_atomically

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = PROJECT_ROOT / "deploy"
MODEL_PATH = "skill-package/interactionModels/custom/{locale}.json"


def interaction_model(content: Content) -> dict[str, Any]:
    """Build one locale's interaction model: invocation name, intents, slot types."""
    intents = []
    for intent in content.intents.values():
        entry: dict[str, Any] = {"name": intent.name, "samples": list(intent.samples)}
        if intent.slots:
            entry["slots"] = [{"name": n, "type": t} for n, t in intent.slots.items()]
        intents.append(entry)
    types = [
        {
            "name": name,
            "values": [
                {"id": v.id, "name": {"value": v.value, "synonyms": list(v.synonyms)}}
                for v in values
            ],
        }
        for name, values in content.slot_types.items()
    ]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": content.text("invocation_name"),
                "intents": intents,
                "types": types,
            }
        }
    }


def example_phrases(content: Content) -> list[str]:
    """Alexa's three example phrases: open the skill, then the chosen samples."""
    invocation = content.text("invocation_name")
    manifest = content.skill["manifest"]
    assert isinstance(manifest, dict)
    phrases = [f"Alexa, open {invocation}"]
    phrases += [f"Alexa, ask {invocation} {sample}" for sample in manifest["example_phrases"]]
    return phrases


SSL_CERTIFICATE_TYPE = "Trusted"
SCREEN_VIEWPORTS = (
    ("HUB", "ROUND", 100, 599, 100, 599),  # Echo Spot
    ("HUB", "RECTANGLE", 960, 1279, 100, 599),  # Echo Show 5
    ("HUB", "RECTANGLE", 960, 1279, 600, 959),  # Echo Show (first generation)
    ("HUB", "RECTANGLE", 1280, 1920, 600, 1279),  # Echo Show 8 and 10
    ("TV", "RECTANGLE", 960, 960, 540, 540),  # Fire TV
)
"""The screens screen.json is laid out for (its resources: small, standard, large):
mode, shape, then width and height in dp, each from and to. Declared in the manifest
with the APL interface, without which Alexa tells the skill of no screen at all."""
"""The endpoint's certificate is from an authority Alexa trusts, as Caddy's Let's Encrypt one is.

"Wildcard" would claim a wildcard certificate, and "SelfSigned" needs the
certificate uploaded with the package.
"""


def skill_manifest(catalogue: Catalogue, settings: DeploySettings = PLACEHOLDERS) -> dict[str, Any]:
    """Build skill.json: each locale's listing, the endpoint, privacy and compliance flags."""
    content = catalogue.default
    endpoint = {"uri": settings.endpoint, "sslCertificateType": SSL_CERTIFICATE_TYPE}
    return {
        "manifest": {
            "manifestVersion": "1.0",
            "publishingInformation": {
                "locales": {
                    locale: _publishing(catalogue.for_locale(locale))
                    for locale in catalogue.locales
                },
                "isAvailableWorldwide": False,
                "distributionCountries": [
                    catalogue.for_locale(locale).country for locale in catalogue.locales
                ],
                "category": content.text("manifest", "category"),
                "testingInstructions": _one_line(content.text("manifest", "testing_instructions")),
            },
            "apis": {
                "custom": {
                    "endpoint": dict(endpoint),
                    # Screens (skill.screens): the APL document, on these viewports.
                    "interfaces": [
                        {
                            "type": "ALEXA_PRESENTATION_APL",
                            "supportedViewports": [
                                _viewport(*viewport) for viewport in SCREEN_VIEWPORTS
                            ],
                        }
                    ],
                }
            },
            # Daily reminders of the evening reflection (skill.reminding).
            "permissions": [{"name": PERMISSION_SCOPE}],
            # Disabling the skill deletes the person's record (skill.handlers).
            "events": {
                "endpoint": dict(endpoint),
                "subscriptions": [{"eventName": "SKILL_DISABLED"}],
            },
            "privacyAndCompliance": {
                "allowsPurchases": False,
                "usesPersonalInfo": False,
                "usesHealthInfo": False,
                "isChildDirected": False,
                "isExportCompliant": True,
                "containsAds": False,
                "locales": {
                    locale: {
                        "privacyPolicyUrl": settings.privacy_url,
                        "termsOfUseUrl": settings.terms_url,
                    }
                    for locale in catalogue.locales
                },
            },
        }
    }


def _viewport(
    mode: str, shape: str, min_width: int, max_width: int, min_height: int, max_height: int
) -> dict[str, object]:
    """Write one of :data:`SCREEN_VIEWPORTS` as the manifest's viewport specification."""
    return {
        "mode": mode,
        "shape": shape,
        "minWidth": min_width,
        "maxWidth": max_width,
        "minHeight": min_height,
        "maxHeight": max_height,
    }


def _publishing(content: Content) -> dict[str, Any]:
    """One locale's store listing, in that locale's spelling."""
    manifest = content.skill["manifest"]
    assert isinstance(manifest, dict)
    return {
        "name": content.text("name"),
        "summary": content.text("manifest", "summary"),
        "description": _one_line(content.text("manifest", "description")),
        "examplePhrases": example_phrases(content),
        "keywords": list(manifest.get("keywords", [])),
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())


def ask_resources() -> dict[str, Any]:
    """ASK CLI v2 project file: the skill package, and the skill on AWS Lambda.

    ``code`` is the unpacked Lambda package (``closer package-lambda --folder``),
    which the ASK CLI zips as it is; ``skillInfrastructure`` deploys it with the
    CloudFormation template (:mod:`skill.authoring.lambda_stack`). A skill served by
    ``closer serve`` deploys only the skill package: ``ask deploy --target skill-metadata``.
    """
    return {
        "askcliResourcesVersion": "2020-03-31",
        "profiles": {
            "default": {
                "skillMetadata": {"src": "./skill-package"},
                "code": {"default": {"src": f"./{CODE_FOLDER}"}},
                "skillInfrastructure": skill_infrastructure(),
            }
        },
    }


def generated_files(
    catalogue: Catalogue, settings: DeploySettings = PLACEHOLDERS
) -> dict[str, str]:
    """Every generated file under deploy/, by relative path, as the exact text to write."""
    files = {
        MODEL_PATH.format(locale=locale): interaction_model(catalogue.for_locale(locale))
        for locale in catalogue.locales
    }
    files["skill-package/skill.json"] = skill_manifest(catalogue, settings)
    files["ask-resources.json"] = ask_resources()
    files[TEMPLATE_PATH] = skill_stack()
    return {
        path: json.dumps(data, indent=2, ensure_ascii=False) + "\n" for path, data in files.items()
    }


def in_checkout() -> bool:
    """Tell whether this is a source checkout, with the deploy/ folder the ASK CLI uses.

    An installed package has neither, so there is nothing to compare or write to by
    default.
    """
    return (PROJECT_ROOT / "pyproject.toml").is_file() and DEPLOY_DIR.is_dir()


def stale_files(
    catalogue: Catalogue, deploy_dir: Path = DEPLOY_DIR, settings: DeploySettings = PLACEHOLDERS
) -> list[str]:
    """Return the generated files that are missing or differ from what content gives."""
    stale = []
    for path, text in generated_files(catalogue, settings).items():
        target = deploy_dir / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def write_files(
    catalogue: Catalogue, deploy_dir: Path = DEPLOY_DIR, settings: DeploySettings = PLACEHOLDERS
) -> list[str]:
    """Write the generated files that changed, each atomically; return their paths."""
    changed = stale_files(catalogue, deploy_dir, settings)
    files = generated_files(catalogue, settings)
    for path in changed:
        write_text_atomically(deploy_dir / path, files[path])
    return changed
