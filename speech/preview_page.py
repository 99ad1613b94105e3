"""``index.html`` for a folder of previews: every clip, its words, and a player.

A single self-contained page (inline CSS, no scripts, no external resources) with
relative links, so the folder can be opened from disk, zipped or moved and still work
offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from speech.atomic import write_text_atomically

_STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; padding: 0 1rem;
       color: #222; }
h1 { font-size: 1.4rem; } .meta { color: #666; font-size: .85rem; }
li { margin: 0 0 1.2rem; list-style: none; } ol { padding: 0; }
.label { font-weight: 600; } .failed { color: #a00; } .note { color: #8a5a00; font-size: .85rem; }
audio { display: block; width: 100%; margin: .3rem 0; } details { font-size: .85rem; color: #555; }
"""


@dataclass(frozen=True)
class PageEntry:
    """One clip (or one failure) as the page lists it."""

    label: str
    locale: str
    text: str
    file: str | None = None
    """Path of the MP3 relative to the page; None if the render failed."""
    engine: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    """Fallbacks taken or the error, one line each."""
    other_labels: tuple[str, ...] = field(default_factory=tuple)
    """Other requests that give exactly the same speech."""


def write_index(folder: Path, entries: Sequence[PageEntry], *, title: str) -> Path:
    """Write ``folder/index.html`` atomically and return its path."""
    items = "\n".join(_item(entry) for entry in entries)
    total = sum(entry.seconds for entry in entries)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style></head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="meta">{len(entries)} clip(s), {_duration(total)} of audio, made {made}</p>\n'
        f"<ol>\n{items}\n</ol>\n</body></html>\n"
    )
    target = folder / "index.html"
    write_text_atomically(target, page)
    return target


def _item(entry: PageEntry) -> str:
    head = (
        f'<span class="label">{escape(entry.label)}</span> '
        f'<span class="meta">{escape(entry.locale)}'
        + (f" · {escape(entry.engine)} · {entry.seconds:.1f} s" if entry.file else "")
        + "</span>"
    )
    if entry.file:
        player = f'<audio controls preload="none" src="{escape(entry.file)}"></audio>'
        notes_class = "note"
    else:
        player = ""
        notes_class = "failed"
    notes = "".join(f'<div class="{notes_class}">{escape(note)}</div>' for note in entry.notes)
    others = ""
    if entry.other_labels:
        listed = "".join(f"<li>{escape(label)}</li>" for label in entry.other_labels)
        others = (
            f"<details><summary>also said for {len(entry.other_labels)} other request(s)"
            f"</summary><ul>{listed}</ul></details>"
        )
    return f"<li>{head}{player}<div>{escape(entry.text)}</div>{notes}{others}</li>"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
