"""Closer Together's content: what people say and what the skill says back.

The YAML files in ``intents/content/`` are the single source of truth for the
interaction model and every spoken answer. :func:`load_content` reads and checks
them once, at start-up, and refuses bad content with ``file:line: message`` errors.
"""

from intents.loader import CONTENT_DIR, ContentError, load_content
from intents.model import Content, Intent, Offer, Part, SlotValue, Tip, Topic

__all__ = [
    "CONTENT_DIR",
    "Content",
    "ContentError",
    "Intent",
    "Offer",
    "Part",
    "SlotValue",
    "Tip",
    "Topic",
    "load_content",
]
