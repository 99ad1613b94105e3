"""Debian's headless chromium through Debian's chromedriver, for the page tests and screenshots.

Never a downloaded browser or driver. :func:`missing` says what is not installed;
:func:`chromium` starts the browser with a fresh profile and no background traffic.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def missing() -> str | None:
    """Say what the browser tests need and cannot find, with the command that installs it."""
    absent = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        absent.append("selenium (pip install selenium)")
    if not absent:
        return None
    return f"browser test needs {', '.join(absent)}: apt-get install chromium chromium-driver"


@contextlib.contextmanager
def chromium(profile: Path, *, size: tuple[int, int] | None = None) -> Iterator[Any]:
    """Run headless chromium with its profile in ``profile``; yield the Selenium driver.

    ``size`` is the window's width and height in pixels (for screenshots).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={profile}",
        *([f"--window-size={size[0]},{size[1]}", "--hide-scrollbars"] if size else []),
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    if size:  # the page's own area, exactly: the window size would include the browser's
        metrics = {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield driver
    finally:
        driver.quit()
