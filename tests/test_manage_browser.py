"""A subscriber's "manage subscription" page in headless Chromium at a phone's width (375 px):
the masked address, themes to pick, an unsubscribe button easy to hit; both forms work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import THEMES, Installation
from digest.mail.tokens import make_token
from mailserver import LOOPBACK, free_port
from test_browser import chromium
from test_editor_browser import DevTools
from test_serve import status_of
from test_smtp import SECRET, import_subscribers, token_id_of

__all__ = ["chromium"]  # the fixture

PHONE = 375
THEME_A, THEME_B = "思想引领与工会建设", "产业工人与技能人才"
# What the page looks like to a thumb: widths, the unsubscribe button's box, the visible text.
LAYOUT = """JSON.stringify({viewport: document.documentElement.clientWidth,
  scrollWidth: document.documentElement.scrollWidth, text: document.body.innerText,
  button: (function () { var b = document.querySelector('form[action="/unsubscribe"] button').getBoundingClientRect();
                         return {width: b.width, height: b.height}; })()})"""


@pytest.fixture
def manage_link(installation: Installation) -> Iterator[tuple[str, Installation]]:
    installation.write_config(themes=THEMES)
    import_subscribers(installation, ["reader.one@example.org,读者,"])
    token = make_token(SECRET["DIGEST_SECRET"].encode(), token_id_of(installation.database, "reader.one@example.org"))
    port = free_port()
    server = installation.start("serve", "--port", str(port), env=SECRET)
    try:
        assert server.stdout is not None and "serving" in server.stdout.readline()
        yield f"http://{LOOPBACK}:{port}/unsubscribe?token={token}", installation
    finally:
        server.terminate()
        server.wait(timeout=30)


def themes_of(installation: Installation) -> list[str]:
    lines = installation.digest("subscribers", "list").stdout.splitlines()
    return lines[1].split("\t")[2].split("、")


def test_on_a_phone_pick_a_theme_then_unsubscribe(chromium: str, manage_link: tuple[str, Installation],
                                                 tmp_path: Path) -> None:
    link, installation = manage_link
    browser = DevTools(chromium, tmp_path / "profile")
    try:
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": PHONE, "height": 800, "deviceScaleFactor": 2, "mobile": True}, session=True)
        browser.go(link)
        layout = json.loads(browser.evaluate(LAYOUT))
        assert layout["viewport"] == PHONE and layout["scrollWidth"] <= PHONE
        assert "re***@example.org" in layout["text"] and "reader.one@" not in layout["text"]
        assert layout["button"]["height"] >= 44 and layout["button"]["width"] >= PHONE * 0.8  # a thumb's target
        assert THEME_A in layout["text"] and THEME_B in layout["text"]

        browser.submit_and_wait(  # untick one theme and save
            f"document.querySelector('input[name=theme][value=\"{THEME_A}\"]').click();"
            "document.querySelector('form[action=\"/manage\"] button').click()")
        assert "已保存" in browser.evaluate("document.body.innerText")
        assert themes_of(installation) == [THEME_B]

        browser.submit_and_wait("document.querySelector('form[action=\"/unsubscribe\"] button').click()")
        assert "re***@example.org" in browser.evaluate("document.body.innerText")
    finally:
        browser.close()
    assert status_of(installation.database, "reader.one@example.org") == "unsubscribed"
