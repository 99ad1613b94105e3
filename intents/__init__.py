"""Closer Together's content: what people say and what the skill says back.

The YAML files in ``intents/content/`` are the single source of truth for the
interaction model and every spoken answer. :func:`load_catalogue` reads and checks
them once, at start-up, for every locale, and refuses bad content with
``file:line: message`` errors.
"""

from intents.loader import CONTENT_DIR, ContentError, load_catalogue, load_content
from intents.model import (
    Catalogue,
    Content,
    Helpline,
    Helplines,
    Intent,
    Offer,
    Part,
    Reflection,
    Reflections,
    SlotValue,
    Tip,
    Topic,
)

__all__ = [
    "CONTENT_DIR",
    "Catalogue",
    "Content",
    "ContentError",
    "Helpline",
    "Helplines",
    "Intent",
    "Offer",
    "Part",
    "Reflection",
    "Reflections",
    "SlotValue",
    "Tip",
    "Topic",
    "load_catalogue",
    "load_content",
]
