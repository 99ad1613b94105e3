"""Where the skill keeps its own files: the data folder of the user it runs as.

The folder holds the generated user key and, by default, the SQLite memory; both are
private, so it is created readable by its owner only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from skill.memory.errors import StoreSettingError

APP_FOLDER = "closer-together"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Return the data folder: ``$CLOSER_DATA_DIR``, else the XDG data home's ``closer-together``.

    ``CLOSER_DATA_DIR`` must be absolute: a relative one would move with the working
    directory, and the memory with it. A relative ``XDG_DATA_HOME`` is ignored, as
    the XDG Base Directory specification says. The folder is not created here.
    """
    env = os.environ if environ is None else environ
    chosen = env.get("CLOSER_DATA_DIR")
    if chosen is not None:
        path = Path(chosen).expanduser()
        if not path.is_absolute():
            raise StoreSettingError(
                f"CLOSER_DATA_DIR={chosen!r} is not an absolute path; "
                "give a full path such as /var/lib/closer-together"
            )
        return path
    xdg = env.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / APP_FOLDER


def private_folder(path: Path) -> None:
    """Create ``path`` with mode 0700 (missing parents as usual); an existing one is left as is.

    Only the folder itself is made private: its parents may be shared folders such as
    ``~/.local/share``. An existing folder keeps its mode, since someone chose it.
    """
    os.makedirs(path, mode=0o700, exist_ok=True)
