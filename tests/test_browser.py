"""The digest email in a real browser: headless Chromium at a desktop mail pane's
width (600 px) and a phone's (375 px). Nothing may overflow sideways and every
article's title must be visible. Screenshots stay in the test's tmp_path.

The email itself carries no script, so the check runs in a copy of the page with
a script added, shown in an iframe of the tested width (headless Chromium will not
make its window narrower than 500 px); Chromium's --dump-dom hands back what the
script wrote into the outer page.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from digest.models import Digest
from digest.render import render_digest
from test_render import ARCHIVE_URL, article, item, large_digest, make_digest, nested_items, sample_digest

WIDTHS = (600, 375)
LONG_URL = "https://example.org/reports/2026/vocational-skills-training-survey-final-version-with-appendix.pdf"

# Writes the viewport width, the page's scroll width, the elements sticking out past
# the right edge and the visible text into the outer page's <pre id="layout-check">.
CHECK_SCRIPT = """<script>
(function () {
  var width = document.documentElement.clientWidth, wide = [];
  var all = document.body.getElementsByTagName('*');
  for (var i = 0; i < all.length; i++) {
    var box = all[i].getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) wide.push(all[i].tagName + '.' + all[i].className);
  }
  parent.document.getElementById('layout-check').textContent = JSON.stringify({
    viewport: width, scrollWidth: document.documentElement.scrollWidth,
    overflowing: wide.slice(0, 20), text: document.body.innerText});
})();
</script>"""
CHECK_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe style="border:0;width:{width}px;height:1200px" srcdoc="{email}"></iframe>
<pre id="layout-check"></pre>
</body></html>"""
CHECK_OUTPUT = re.compile(r'<pre id="layout-check">(.*?)</pre>', re.S)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def run_chromium(chromium: str, profile: Path, width: int, *args: str) -> str:
    """Run headless Chromium once with a fresh profile and no network chatter; its stdout."""
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},1200", *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


# Writes, for every numbered item, where its marker starts and where each line of its
# text starts (one rectangle per line box of the text after the marker).
HANG_SCRIPT = """<script>
(function () {
  var items = document.querySelectorAll('p.rec'), out = [];
  for (var i = 0; i < items.length; i++) {
    var p = items[i], marker = p.querySelector('.rec-marker'), range = document.createRange();
    range.setStartAfter(marker); range.setEnd(p, p.childNodes.length);
    var rects = range.getClientRects(), lefts = [];
    for (var k = 0; k < rects.length; k++) if (rects[k].width > 0) lefts.push(rects[k].left);
    out.push({marker: marker.textContent, markerLeft: marker.getBoundingClientRect().left, lefts: lefts});
  }
  parent.document.getElementById('layout-check').textContent = JSON.stringify(out);
})();
</script>"""


def layout_check(chromium: str, page: str, width: int, tmp_path: Path, script: str = CHECK_SCRIPT) -> Any:
    """Load a copy of the page with the checking script added and read back what it found."""
    checked = tmp_path / f"check-{width}.html"
    email = html.escape(page.replace("</body>", script + "</body>"), quote=True)
    checked.write_text(CHECK_PAGE.format(width=width, email=email), encoding="utf-8")
    dom = run_chromium(chromium, tmp_path / f"profile-check-{width}", 1000, "--dump-dom", checked.as_uri())
    found = CHECK_OUTPUT.search(dom)
    assert found and found.group(1), f"the checking script did not run: {dom[-500:]}"
    return json.loads(html.unescape(found.group(1)))


def browser_digest() -> Digest:
    """Long titles, nested items and an unbreakable URL in a summary: what tends to overflow."""
    long_title = article("以新质生产力为引领加快构建现代化产业体系推动高质量发展的实践路径与对策建议",
                         recommendations=nested_items())
    with_url = replace(article("数字技能培训调查", truncated=True), summary=[f"调查报告全文见{LONG_URL}。"])
    return make_digest([("产业工人与技能人才", [long_title, with_url]),
                        ("就业与劳动力市场", [article("稳就业需要精准施策", authors=("王芳", "李强"))])])


__all__ = ["sample_digest"]  # the fixture: the sample inbox through the real pipeline


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", ["samples", "whole", "shortened"])
def test_email_fits_the_screen_and_shows_every_title(chromium: str, tmp_path: Path, width: int, case: str,
                                                     request: pytest.FixtureRequest) -> None:
    if case == "samples":
        digest = request.getfixturevalue("sample_digest")
    else:
        digest = browser_digest() if case == "whole" else large_digest(30)
    rendered = render_digest(digest, archive_url=ARCHIVE_URL)
    assert (rendered.archive_html is not None) == (case == "shortened")
    email = tmp_path / f"email-{width}.html"
    email.write_text(rendered.html, encoding="utf-8")
    run_chromium(chromium, tmp_path / f"profile-shot-{width}", width, f"--screenshot={tmp_path / f'email-{width}.png'}",
                 email.as_uri())
    assert (tmp_path / f"email-{width}.png").stat().st_size > 10_000

    found = layout_check(chromium, rendered.html, width, tmp_path)
    assert found["viewport"] == width
    assert found["overflowing"] == [] and found["scrollWidth"] <= width
    visible = str(found["text"])
    missing = [a.display_title for a in digest.articles if a.display_title not in visible]
    assert missing == []


@pytest.mark.parametrize("width", WIDTHS)
def test_wrapped_items_hang_under_their_text(chromium: str, tmp_path: Path, width: int) -> None:
    long = "推动优质职业教育资源向县域延伸覆盖并同步提升实训条件和师资水平让更多青年学得好用得上"
    children = [item(1, "一是", long), item(2, "二是", "完善培训补贴")]
    recs = [item(1, "第一，", long, children), item(2, "（二）", long), item(3, "3.", long)]
    rendered = render_digest(make_digest([("技能", [article("职业教育", recommendations=recs)])]))
    found = layout_check(chromium, rendered.html, width, tmp_path, HANG_SCRIPT)
    assert [entry["marker"] for entry in found] == ["第一，", "一是", "二是", "（二）", "3. "]
    nested = found[1]
    for entry in found:
        lefts = entry["lefts"]
        assert lefts and entry["markerLeft"] < lefts[0]
        assert all(abs(left - lefts[0]) < 1.5 for left in lefts), entry  # every line starts under the text
    wrapped = [entry for entry in found if len(entry["lefts"]) > 1]
    assert len(wrapped) >= 4  # the long items did wrap at this width
    assert nested["markerLeft"] >= found[0]["lefts"][0] - 1.5  # a nested item sits under its parent's text
