"""What a device with a screen is sent: the one APL document, and this turn's data for it.

The document (``intents/content/screen.json``) never changes per turn; each reply
fills its datasource, ``payload.screen``, with the fields the loader holds the
document to (:data:`intents.screens.SCREEN_FIELDS`). A reply that carries a
:class:`~skill.state.Screen` (a topic's part, the helplines, the evening reflection)
is shown as it says; any other shows the skill's name and the words it spoke, with
what the person can say next (:func:`skill.suggestions.suggestions`).
"""

from __future__ import annotations

from typing import Any

from ask_sdk_model import RequestEnvelope
from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

from intents import Content
from intents.screens import DATASOURCE
from skill.state import Reply, Screen, ScreenKind
from skill.suggestions import suggestions

TOKEN = "closerTogether"
"""Names the document on the device; the same for every response."""


def has_screen(request: RequestEnvelope) -> bool:
    """Tell whether the device says it shows APL (``Alexa.Presentation.APL`` is supported)."""
    system = getattr(request.context, "system", None)
    device = getattr(system, "device", None)
    interfaces = getattr(device, "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


def render_document(content: Content, reply: Reply) -> RenderDocumentDirective:
    """Build the directive that shows ``reply``: the shared document and this turn's data."""
    return RenderDocumentDirective(
        token=TOKEN, document=content.screen, datasources=datasources(content, reply)
    )


def datasources(content: Content, reply: Reply) -> dict[str, Any]:
    """Return the datasources for ``reply``: ``{"screen": {...}}``, every field filled."""
    screen = reply.screen or _spoken(content, reply)
    # Nothing to say next once the session has ended: the skill no longer listens.
    hints = () if reply.end_session else suggestions(content, reply.state)
    shown = {
        "kind": str(screen.kind),
        "title": screen.title,
        "label": screen.label,
        "text": screen.text,
        "numbers": [
            {"before": n.before, "number": n.number, "after": n.after} for n in screen.numbers
        ],
        "lines": list(screen.lines),
        "hints": list(hints),
    }
    return {DATASOURCE: shown}


def _spoken(content: Content, reply: Reply) -> Screen:
    """Show a reply that carries no screen of its own: the skill's name, and what it said.

    Such replies (launch, help, fallback, goodbye, the reminder turns) speak only
    plain sentences, which are their own written form, as the launch card shows.
    """
    words = " ".join(segment for segment in reply.speech if isinstance(segment, str))
    return Screen(ScreenKind.TEXT, content.text("name"), text=words)
