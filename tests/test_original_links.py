"""Each article keeps its original page ("原文" in the email), and the email names
each issue by what it is (its title or masthead, or the config's name), never by
its file name. Driven through the real CLI in a temporary installation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import Installation

HTML = Path(__file__).resolve().parent / "data" / "html"
CANONICAL = "https://news.example.cn/2026/0312/c1003-1001.html"  # the <link rel="canonical"> of article.html


def body(n: int) -> str:
    return f"第{n}段正文写在这里，说明问题的背景和意义，提出第{n}种看法。" + "再补上一个理由。" * (n % 4)


def text_issue(masthead: str) -> str:
    head = f"{masthead}\n\n" if masthead else ""
    return f"{head}一篇文章的标题\n张 三\n\n{body(1)}\n{body(2)}\n{body(3)}\n"


def preview(installation: Installation) -> tuple[str, str]:
    """The HTML and text parts `digest preview` writes for the inbox."""
    out = installation.root / "preview" / "p.html"
    result = installation.digest("preview", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8"), out.with_suffix(".txt").read_text(encoding="utf-8")


def test_parse_json_gives_each_article_its_original_url(tmp_path: Path) -> None:
    installation = Installation(tmp_path)
    installation.write_config()
    result = installation.digest("parse", str(HTML / "article.html"), "--json")
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert [a["url"] for a in parsed["articles"]] == [CANONICAL]
    assert parsed["title"]  # the page's own title names the issue


def test_the_email_links_each_article_to_its_original(tmp_path: Path) -> None:
    installation = Installation(tmp_path)
    installation.inbox.mkdir()
    shutil.copy(HTML / "article.html", installation.inbox / "saved-page.html")
    installation.write_config()
    installation.config.write_text(installation.config.read_text(encoding="utf-8").replace(
        '[inbox]\nfolder = "inbox"\n', '[inbox]\nfolder = "inbox"\npatterns = ["*.html"]\n'), encoding="utf-8")
    html, text = preview(installation)
    assert f'<a href="{CANONICAL}"' in html and ">原文</a>" in html
    assert f"原文：{CANONICAL}" in text
    assert "saved-page.html" not in html and "saved-page.html" not in text


def test_an_article_without_a_known_original_has_no_link(installation: Installation) -> None:
    html, text = preview(installation)
    assert ">原文</a>" not in html and "原文：" not in text


def test_the_email_names_an_issue_by_its_masthead_not_its_file_name(tmp_path: Path) -> None:
    installation = Installation(tmp_path)
    installation.inbox.mkdir()
    (installation.inbox / "scan_0042.txt").write_text(text_issue("某某日报 2026-03-04 第07版：理论"), encoding="utf-8")
    installation.write_config()
    html, text = preview(installation)
    assert "收录 1 期：某某日报 2026年3月4日 第7版 理论" in text
    assert "某某日报 2026年3月4日 第7版 理论" in html
    assert "scan_0042" not in html and "scan_0042" not in text


def test_an_issue_that_names_itself_nowhere_takes_the_configured_name(tmp_path: Path) -> None:
    installation = Installation(tmp_path)
    installation.inbox.mkdir()
    (installation.inbox / "scan_0043.txt").write_text(text_issue(""), encoding="utf-8")
    installation.write_config()
    installation.config.write_text(installation.config.read_text(encoding="utf-8").replace(
        '[inbox]\nfolder = "inbox"\n', '[inbox]\nfolder = "inbox"\nname = "某某理论版"\n'), encoding="utf-8")
    html, text = preview(installation)
    assert "收录 1 期：某某理论版" in text
    assert "scan_0043" not in html and "scan_0043" not in text
