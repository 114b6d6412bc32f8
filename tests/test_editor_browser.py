"""The editor page of `digest serve` in a real headless Chromium: log in, edit a draft, reload, see the edit.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
JSON messages ending in a NUL byte, fd 3 in and fd 4 out), so no WebSocket library
is needed; the page's own forms are filled in and submitted by the browser, with
its cookie and the form token the page carries.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Installation
from mailserver import LOOPBACK, free_port
from test_browser import chromium
from test_smtp import SECRET

__all__ = ["chromium"]  # the fixture

EDITOR_SECRET = "the editor's own secret, long enough"
ENV = {**SECRET, "DIGEST_EDITOR_SECRET": EDITOR_SECRET}
NEW_TITLE = "浏览器里改过的标题"


class DevTools:
    """A headless Chromium and one page of it, spoken to over the DevTools pipe."""

    def __init__(self, chromium: str, profile: Path) -> None:
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # Out of the way of 3 and 4, which the child must end up with (wire() runs in the child).
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser, from_browser)]
        os.close(to_browser)
        os.close(from_browser)

        def wire() -> None:
            os.dup2(ends[0], 3)
            os.dup2(ends[1], 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            # 3 and 4 kept: the child closes unlisted fds after wire() has made them
            pass_fds=(3, 4), preexec_fn=wire, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for fd in ends:
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = False) -> dict[str, Any]:
        """Send one command and wait (at most 30 s) for its answer, skipping events."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == self._next_id:
                    assert "error" not in answer, answer
                    return dict(answer.get("result", {}))
            left = deadline - time.monotonic()
            assert left > 0, f"no answer to {method}"
            if select.select([self._read], [], [], left)[0]:
                chunk = os.read(self._read, 65536)
                assert chunk, "Chromium closed the pipe"
                self._buffer += chunk

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        return result["result"].get("value")

    def wait_for(self, expression: str, seconds: float = 30) -> None:
        """Until the expression is true in a fully loaded page."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.evaluate(f"document.readyState === 'complete' && !!({expression})"):
                return
            time.sleep(0.1)
        raise AssertionError(f"the page never got to {expression}: {self.evaluate('location.href')}")

    def go(self, url: str) -> None:
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for(f"location.href === {json.dumps(url)}")

    def submit_and_wait(self, script: str) -> None:
        """Run a script that submits a form, then wait for the page it leads to."""
        self.evaluate("window.__before = true")
        self.evaluate(script)
        self.wait_for("window.__before === undefined")

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)
        os.close(self._read)
        os.close(self._write)


@pytest.fixture
def editor_site(installation: Installation) -> Iterator[str]:
    """A review-mode installation with draft 1, and `digest serve` with the editor secret set."""
    installation.write_config("[delivery]\nreview = true\n")
    made = installation.digest("run")
    assert made.returncode == 0 and made.stdout.startswith("draft 1:"), made.stderr
    port = free_port()
    server = installation.start("serve", "--port", str(port), env=ENV)
    try:
        assert server.stdout is not None and "serving" in server.stdout.readline()
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def post(url: str, fields: str, cookie: str = "") -> int:
    request = urllib.request.Request(url, data=fields.encode(), method="POST", headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code


def test_log_in_edit_a_title_reload_and_see_it(chromium: str, editor_site: str, tmp_path: Path,
                                               installation: Installation) -> None:
    browser = DevTools(chromium, tmp_path / "profile")
    try:
        browser.go(f"{editor_site}/editor/draft/1")
        assert browser.evaluate("!!document.querySelector('input[name=secret]')")  # not logged in: the login form
        browser.submit_and_wait(f"document.querySelector('input[name=secret]').value = {json.dumps(EDITOR_SECRET)};"
                                "document.querySelector('form').submit()")
        browser.go(f"{editor_site}/editor/draft/1")
        first = browser.evaluate("document.querySelector('article h3').textContent")
        assert first.startswith("[1] ")
        browser.submit_and_wait(
            "var f = document.querySelector('article form[data-edit=title]');"
            f"f.querySelector('input[name=text]').value = {json.dumps(NEW_TITLE)};"
            "f.querySelector('button').click()")
        assert browser.evaluate("location.pathname") == "/editor/draft/1"  # back on the draft after the POST
        browser.call("Page.reload", session=True)
        browser.wait_for("document.querySelector('article h3')")
        assert browser.evaluate("document.querySelector('article h3').textContent") == f"[1] {NEW_TITLE}"
    finally:
        browser.close()
    shown = installation.digest("drafts", "show", "1")
    assert f"[1] {NEW_TITLE}" in shown.stdout  # kept with the draft in the state, as a CLI edit is


def test_the_editor_refuses_posts_without_login_or_form_token(editor_site: str, installation: Installation) -> None:
    edit = "op=drop&article=1"
    assert post(f"{editor_site}/editor/draft/1/edit", edit) == 403
    from digest.editor import SESSION_COOKIE, EditorKeys

    keys = EditorKeys(EDITOR_SECRET.encode())
    cookie = f"{SESSION_COOKIE}={keys.session}"
    assert post(f"{editor_site}/editor/draft/1/edit", edit, cookie) == 403  # logged in, but no form token
    assert post(f"{editor_site}/editor/draft/1/edit", edit + "&csrf=forged", cookie) == 403
    assert post(f"{editor_site}/editor/login", "secret=wrong") == 403
    assert "[1] " in installation.digest("drafts", "show", "1").stdout  # nothing was dropped


def test_without_the_editor_secret_there_is_no_editor_page(installation: Installation) -> None:
    port = free_port()
    server = installation.start("serve", "--port", str(port), env={**SECRET, "DIGEST_EDITOR_SECRET": ""})
    try:
        assert server.stdout is not None and "serving" in server.stdout.readline()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://{LOOPBACK}:{port}/editor", timeout=10)
        assert refused.value.code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)
