"""Screenshots for the README, taken with headless Chromium at 1200x757 (a script, not a test).

    python -m tests.screenshots

writes ``tests/screenshots/previews-page.png``, the top of the page ``closer preview
--all --locale en-US`` writes, rendered offline with the espeak-ng engine (the real
offline voice, so the page says what a person would see), and
``tests/screenshots/rehearsal-page.png``, the /rehearse page of a real ``closer serve``
on a free loopback port after three typed turns. The server keeps nothing
(``CLOSER_STORE=none``) and its audio cache is a temporary folder; nothing is fetched
from the network. Needs Debian's ``chromium chromium-driver espeak-ng``; a missing
one is named in one line (exit 1).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from skill.cli import main as closer
from tests.browser import chromium, missing
from tests.conftest import running_server

SIZE = (1200, 757)
FOLDER = Path(__file__).parent / "screenshots"
TURNS = ("my partner is pulling away", "yes", "next")


def previews_page(browser: Any, work: Path) -> Path:
    """Build the en-US previews offline and photograph the top of the page."""
    out = work / "previews"
    if closer(["preview", "--all", "--locale", "en-US", "--engine", "espeak", "--out", str(out)]):
        raise RuntimeError("closer preview failed; its summary above says why")
    browser.get((out / "index.html").as_uri())
    target = FOLDER / "previews-page.png"
    browser.save_screenshot(str(target))
    return target


def rehearsal_page(browser: Any, work: Path) -> Path:
    """Type a few turns into /rehearse on a real server and photograph the page.

    Driven by the element ids the page has today (say-text, transcript); the page is
    being redesigned, so this may need adjusting with it.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    env = {
        "CLOSER_CACHE_DIR": str(work / "cache"),
        "CLOSER_REHEARSAL_ENGINE": "espeak",
        "CLOSER_STORE": "none",
    }
    with running_server(env, work / "serve.log") as base:
        browser.get(f"{base}/rehearse")
        wait = WebDriverWait(browser, 30)

        def answers() -> int:
            return len(browser.find_elements(By.CSS_SELECTOR, "#transcript .turn.alexa"))

        wait.until(lambda _: answers() == 1)
        box = browser.find_element(By.ID, "say-text")
        for number, said in enumerate(TURNS, start=2):
            box.send_keys(said, Keys.ENTER)
            wait.until(lambda _, n=number: answers() == n)
        wait.until(  # every answer's audio rendered, so no "Rendering audio..." is shown
            lambda _: all(
                "/rehearse/audio/" in (audio.get_attribute("src") or "")
                for audio in browser.find_elements(By.CSS_SELECTOR, "#transcript audio")
            )
        )
        browser.execute_script("window.scrollTo(0, document.body.scrollHeight);")
        target = FOLDER / "rehearsal-page.png"
        browser.save_screenshot(str(target))
    return target


def main() -> int:
    """Take both screenshots; 1 with one line if something they need is missing."""
    problem = missing() or (
        None if shutil.which("espeak-ng") else "needs espeak-ng: apt-get install espeak-ng"
    )
    if problem:
        print(f"screenshots: {problem}", file=sys.stderr)
        return 1
    FOLDER.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="closer-screenshots-") as temporary:
        work = Path(temporary)
        with chromium(work / "profile", size=SIZE) as browser:
            for taken in (previews_page(browser, work), rehearsal_page(browser, work)):
                print(f"wrote {taken}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
