"""``index.html`` for a folder of previews: every clip, its words, and a player.

One self-contained page with relative links (inline CSS and a small inline script,
nothing fetched), so the folder can be opened from disk, zipped or moved and still
work offline. The clips are listed in the order given, under a heading per locale and
per group (the caller decides both: speech/ knows nothing of topics). At the top, said
once: which voice spoke and why, how long each group lasts with a link to it, and a
filter that shows only the clips whose label or words match what is typed. A clip
carries a note only where it differs from that summary (another voice, a failure).
Without the script every clip is simply shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from speech.atomic import write_text_atomically

_STYLE = """
body { font: 16px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; padding: 0 1rem;
       color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.meta, .detail { color: #666; font-size: .85rem; font-weight: normal; }
ol { padding: 0; } li.clip { margin: 0 0 1.2rem; list-style: none; }
.label { font-weight: 600; } .failed { color: #a00; } .note { color: #8a5a00; font-size: .85rem; }
audio { display: block; width: 100%; margin: .3rem 0; }
nav p { margin: .3rem 0; } nav a { white-space: nowrap; }
#filter { font: inherit; width: 100%; box-sizing: border-box; padding: .4rem; margin: .5rem 0; }
.voice { background: #f4f4f4; padding: .5rem .8rem; border-radius: .3rem; }
"""

_SCRIPT = """
const box = document.getElementById("filter");
const shown = document.getElementById("shown");
function filter() {
  const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let count = 0;
  for (const clip of document.querySelectorAll("li.clip")) {
    const text = clip.textContent.toLowerCase();
    const match = words.every((word) => text.includes(word));
    clip.hidden = !match;
    count += match;
  }
  for (const part of document.querySelectorAll("section.group, section.locale")) {
    part.hidden = !part.querySelector("li.clip:not([hidden])");
  }
  shown.textContent = words.length ? `${count} shown` : "";
}
box.addEventListener("input", filter);
filter();
"""


@dataclass(frozen=True)
class PageEntry:
    """One clip (or one failure) as the page lists it."""

    label: str
    locale: str
    text: str
    group: str = ""
    """The heading it is listed under, within its locale."""
    detail: str = ""
    """For authors: how the clip was asked for (shown when pointing at the label)."""
    file: str | None = None
    """Path of the MP3 relative to the page; None if the render failed."""
    engine: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    """Fallbacks taken or the error, one line each."""


@dataclass
class _Group:
    locale: str
    name: str
    anchor: str
    entries: list[PageEntry]

    @property
    def seconds(self) -> float:
        return sum(entry.seconds for entry in self.entries)


def write_index(
    folder: Path, entries: Sequence[PageEntry], *, title: str, engine: str = "auto"
) -> Path:
    """Write ``folder/index.html`` atomically and return its path.

    ``engine`` is the engine that was asked for, named in the voice summary.
    """
    groups = _grouped(entries)
    usual = _usual(entries)
    total = sum(entry.seconds for entry in entries)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = "\n".join(_locale_section(locale, groups, usual) for locale in _locales(groups))
    page = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style></head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="meta">{len(entries)} clip(s), {_duration(total)} of audio, made {made}</p>\n'
        f"{_voice(entries, usual, engine)}\n{_contents(groups)}\n"
        '<input id="filter" type="search" placeholder="Show only clips that say or are called…"'
        ' aria-label="Filter clips"> <span id="shown" class="meta"></span>\n'
        f"{sections}\n<script>{_SCRIPT}</script>\n</body></html>\n"
    )
    target = folder / "index.html"
    write_text_atomically(target, page)
    return target


def _grouped(entries: Sequence[PageEntry]) -> list[_Group]:
    """Group entries by locale and group, in the order each first appears."""
    groups: dict[tuple[str, str], _Group] = {}
    anchors: set[str] = set()
    for entry in entries:
        key = (entry.locale, entry.group)
        if key not in groups:
            anchor = _anchor(f"{entry.locale}-{entry.group or 'clips'}", anchors)
            groups[key] = _Group(entry.locale, entry.group, anchor, [])
        groups[key].entries.append(entry)
    return list(groups.values())


def _locales(groups: list[_Group]) -> list[str]:
    return list(dict.fromkeys(group.locale for group in groups))


def _anchor(text: str, taken: set[str]) -> str:
    """Make a unique id of letters, digits and hyphens."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "clips"
    anchor, number = base, 1
    while anchor in taken:
        number += 1
        anchor = f"{base}-{number}"
    taken.add(anchor)
    return anchor


def _usual(entries: Sequence[PageEntry]) -> tuple[str, tuple[str, ...]] | None:
    """Find the engine and fallback notes most clips share: what the summary says once."""
    made = Counter((entry.engine, entry.notes) for entry in entries if entry.file)
    return made.most_common(1)[0][0] if made else None


def _voice(
    entries: Sequence[PageEntry], usual: tuple[str, tuple[str, ...]] | None, engine: str
) -> str:
    """Say once which voice spoke, and why (the engines passed over on the way)."""
    rendered = [entry for entry in entries if entry.file]
    failed = len(entries) - len(rendered)
    lines = []
    if usual is not None:
        engines = Counter(entry.engine for entry in rendered)
        main, count = engines.most_common(1)[0]
        said = f"all {count} clips" if count == len(rendered) else f"{count} of {len(rendered)}"
        others = ", ".join(f"{name} for {n}" for name, n in engines.most_common()[1:])
        lines.append(
            f"Voice: <b>{escape(main)}</b> for {said}"
            + (f"; {escape(others)} (each marked)" if others else "")
            + f". Asked for: {escape(engine)}."
        )
        lines += [f"Why: {escape(note)}" for note in usual[1]]
    if failed:
        lines.append(f'<span class="failed">{failed} clip(s) failed; each says why.</span>')
    return f'<div class="voice">{"<br>".join(lines)}</div>' if lines else ""


def _contents(groups: list[_Group]) -> str:
    """List each locale with its link, then each group's link and length."""
    lines = []
    for locale in _locales(groups):
        mine = [group for group in groups if group.locale == locale]
        links = " · ".join(
            f'<a href="#{group.anchor}">{escape(group.name or "Clips")}</a> '
            f'<span class="meta">{_duration(group.seconds)}</span>'
            for group in mine
        )
        anchor = _locale_anchor(locale)
        lines.append(f'<p><a href="#{anchor}"><b>{escape(locale)}</b></a>: {links}</p>')
    return f"<nav>{''.join(lines)}</nav>"


def _locale_anchor(locale: str) -> str:
    return f"locale-{re.sub(r'[^a-z0-9]+', '-', locale.lower())}"


def _locale_section(
    locale: str, groups: list[_Group], usual: tuple[str, tuple[str, ...]] | None
) -> str:
    parts = []
    for group in (group for group in groups if group.locale == locale):
        items = "\n".join(_item(entry, usual) for entry in group.entries)
        parts.append(
            f'<section class="group" id="{group.anchor}">'
            f"<h3>{escape(group.name or 'Clips')} "
            f'<span class="meta">{_duration(group.seconds)}</span></h3>\n<ol>\n{items}\n</ol>'
            "</section>"
        )
    body = "\n".join(parts)
    anchor = _locale_anchor(locale)
    return f'<section class="locale" id="{anchor}"><h2>{escape(locale)}</h2>\n{body}\n</section>'


def _item(entry: PageEntry, usual: tuple[str, tuple[str, ...]] | None) -> str:
    detail = f' title="{escape(entry.detail)}"' if entry.detail else ""
    head = f'<span class="label"{detail}>{escape(entry.label)}</span>'
    if entry.file:
        head += f' <span class="meta">{entry.seconds:.1f} s</span>'
        player = f'<audio controls preload="none" src="{escape(entry.file)}"></audio>'
        differs = usual is not None and (entry.engine, entry.notes) != usual
        notes = (f"voice: {entry.engine}", *entry.notes) if differs else ()
        notes_class = "note"
    else:
        player = ""
        notes = entry.notes
        notes_class = "failed"
    shown = "".join(f'<div class="{notes_class}">{escape(note)}</div>' for note in notes)
    return (
        f'<li class="clip">{head}{player}<div class="text">{escape(entry.text)}</div>{shown}</li>'
    )


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
