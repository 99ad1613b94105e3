"""The previews page in headless Chromium, opened from disk as a person would open it.

The page is built by the real ``closer preview --all`` for one locale, on the fake
engines (tests/speech_fakes.py), so it is quick and needs no voice; the ordering and
names over every locale are checked without a browser in tests/test_preview_order.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from intents import load_catalogue
from skill.cli import preview as preview_command
from tests.speech_fakes import working_fakes

LOCALE = "en-GB"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html of every answer in one locale, rendered by the fakes."""
    out = tmp_path_factory.mktemp("previews")
    parser = argparse.ArgumentParser()
    preview_command.configure(parser)
    args = parser.parse_args(["--all", "--locale", LOCALE, "--out", str(out)])
    assert preview_command.run(args, load_catalogue(), engines=working_fakes()) == 0
    return out / "index.html"


def shown_labels(browser: Any) -> list[str]:
    """The labels of the clips a person can see."""
    return list(
        browser.execute_script(
            "return [...document.querySelectorAll('li.clip')]"
            ".filter((c) => c.offsetParent !== null)"
            ".map((c) => c.querySelector('.label').textContent);"
        )
    )


def test_the_page_is_grouped_and_named_for_people(browser: Any, page: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page.as_uri())
    content = load_catalogue().for_locale(LOCALE)
    assert [h.text for h in browser.find_elements(By.TAG_NAME, "h2")] == [LOCALE]
    headings = browser.execute_script(
        "return [...document.querySelectorAll('h3')].map((h) => h.firstChild.textContent.trim());"
    )
    titles = [f"{t.title[:1].upper()}{t.title[1:]}" for t in content.topics.values()]
    assert headings[: len(titles) + 1] == ["Opening", *titles]
    assert {"Tips", "Evening reflections", "Safety", "Help", "Endings"} <= set(headings)

    labels = shown_labels(browser)
    assert labels[0] == "Welcome"
    assert "When a partner pulls away · step 2 of 4: create a safe space" in labels
    assert "Crisis numbers, said again" in labels
    assert not [label for label in labels if "None" in label or "Intent" in label]
    voice = browser.find_element(By.CLASS_NAME, "voice").text
    assert voice.startswith(f"Voice: gtts for all {len(labels)} clips")
    assert not browser.find_elements(By.CSS_SELECTOR, "li.clip .note")  # nothing differs


def test_the_filter_shows_only_what_matches(browser: Any, page: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(page.as_uri())
    every = shown_labels(browser)
    box = browser.find_element(By.ID, "filter")
    box.send_keys("Boundaries")
    matching = shown_labels(browser)
    assert 0 < len(matching) < len(every)
    assert "When a partner pulls away · step 4 of 4: set boundaries" in matching
    assert "Welcome" not in matching
    for clip in browser.find_elements(By.CSS_SELECTOR, "li.clip"):
        assert clip.is_displayed() == ("boundaries" in clip.text.lower()), clip.text
    opening = browser.find_element(By.CSS_SELECTOR, "section.group h3")
    assert not opening.is_displayed()  # nothing in the opening says boundaries
    assert browser.find_element(By.ID, "shown").text == f"{len(matching)} shown"

    box.clear()
    box.send_keys("numbers said again")  # every word, anywhere in the label or the words
    assert shown_labels(browser) == [
        "Crisis numbers, said again",
        "Abuse helpline numbers, said again",
    ]
    browser.execute_script(
        "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input'));", box
    )
    assert shown_labels(browser) == every


def test_jump_links_lead_to_the_sections_and_nothing_is_fetched(browser: Any, page: Path) -> None:
    browser.get(page.as_uri())
    links = browser.execute_script(
        "return [...document.querySelectorAll('nav a')].map((a) => a.getAttribute('href'));"
    )
    content = load_catalogue().for_locale(LOCALE)
    assert len(links) == 1 + 1 + len(content.topics) + 7  # the locale, then each heading
    for link in links:
        assert link.startswith("#")
        target = browser.execute_script(
            "const t = document.getElementById(arguments[0]);"
            "return t && t.querySelector('h2, h3').textContent;",
            link[1:],
        )
        assert target, f"{link} leads nowhere"
    external = browser.execute_script(
        "return [...document.querySelectorAll('[src], [href]')]"
        ".map((e) => e.getAttribute('src') || e.getAttribute('href'))"
        ".filter((u) => /^[a-z]+:|^\\/\\//i.test(u));"
    )
    assert external == []
    sources = browser.execute_script(
        "return [...document.querySelectorAll('audio')].map((a) => a.getAttribute('src'));"
    )
    assert sources and all((page.parent / source).is_file() for source in sources)
