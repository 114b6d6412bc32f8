"""Keywords in a real browser at a phone's width (375 px): a keyword never breaks in the middle
and a separator never starts a line. Headless Chromium lays the email out; a script added to a
copy of it reads back, line by line, the text of every keyword paragraph."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from digest.render import render_digest
from test_browser import CHECK_PAGE, chromium, run_chromium
from test_render import ARCHIVE_URL, article, make_digest

__all__ = ["chromium"]  # the fixture

WIDTH = 375
SEPARATOR = "·"
# Long, unbreakable-looking keywords: enough of them that the paragraph wraps several times.
KEYWORDS = ("新质生产力", "民营经济促进法", "高标准农田建设", "职业技能等级认定", "产业工人队伍建设改革",
            "人工智能", "数据要素", "县域商业体系")

# Writes, for each keyword paragraph, its lines (characters grouped by the top of their box).
LINES_SCRIPT = """<script>
(function () {
  var out = [], paragraphs = document.querySelectorAll('p.keywords');
  for (var p = 0; p < paragraphs.length; p++) {
    var walker = document.createTreeWalker(paragraphs[p], NodeFilter.SHOW_TEXT), lines = [], top = null, node;
    while ((node = walker.nextNode())) {
      for (var i = 0; i < node.data.length; i++) {
        var range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
        var box = range.getBoundingClientRect();
        if (box.width === 0 && node.data[i] === ' ') continue;
        if (top === null || box.top > top + box.height / 2) { lines.push(''); top = box.top; }
        lines[lines.length - 1] += node.data[i];
      }
    }
    out.push(lines);
  }
  parent.document.getElementById('layout-check').textContent = JSON.stringify(out);
})();
</script>"""
CHECK_OUTPUT = re.compile(r'<pre id="layout-check">(.*?)</pre>', re.S)


def keyword_lines(chromium: str, page: str, tmp_path: Path) -> list[list[str]]:
    """The lines of each keyword paragraph as the browser broke them at WIDTH."""
    checked = tmp_path / "keywords.html"
    email = html.escape(page.replace("</body>", LINES_SCRIPT + "</body>"), quote=True)
    checked.write_text(CHECK_PAGE.format(width=WIDTH, email=email), encoding="utf-8")
    dom = run_chromium(chromium, tmp_path / "profile", 1000, "--dump-dom", checked.as_uri())
    found = CHECK_OUTPUT.search(dom)
    assert found and found.group(1), f"the checking script did not run: {dom[-500:]}"
    return json.loads(html.unescape(found.group(1)))


def test_keywords_stay_whole_and_no_line_starts_with_a_separator(chromium: str, tmp_path: Path) -> None:
    digest = make_digest([("产业工人", [article("技能人才培养", keywords=KEYWORDS),
                                       article("稳就业", keywords=KEYWORDS[::-1])])])
    paragraphs = keyword_lines(chromium, render_digest(digest, archive_url=ARCHIVE_URL).html, tmp_path)
    assert len(paragraphs) == 2
    for lines in paragraphs:
        assert len(lines) >= 3, lines  # the paragraph does wrap at this width
        assert not [line for line in lines if line.lstrip().startswith(SEPARATOR)], lines
        for keyword in KEYWORDS:
            assert any(keyword in line for line in lines), (keyword, lines)
