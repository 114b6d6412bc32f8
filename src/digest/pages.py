"""The HTML pages `digest serve` shows people: the archive index and the subscriber pages.

Plain strings with every value escaped; one small stylesheet in the page itself
(these pages are viewed in browsers, not mail clients, so no inlining), sized for
a phone first: readable type, buttons at least 44 px tall (Apple's and WCAG's
touch-target size), nothing wider than the screen.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.store import DigestRecord

TITLE_BYTES = 8192  # of a digest's HTML read for its <title>: it sits in the head, near the top
# The <title> element of a digest's HTML page, across lines.
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)

STYLE = """
:root { color-scheme: light dark; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --ink: #e6edf3; --muted: #9198a1; --line: #3d444d; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 46rem; padding: 1.25rem 1rem 3rem; color: var(--ink);
       font: 17px/1.6 -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 1.5rem; line-height: 1.3; margin: 0 0 1rem; }
a { color: var(--accent); }
.muted { color: var(--muted); font-size: .9rem; }
.digests { list-style: none; margin: 0; padding: 0; }
.digests li { border-top: 1px solid var(--line); padding: .75rem 0; display: flex; gap: 1rem; }
.digests time { color: var(--muted); flex: 0 0 7.5rem; font-variant-numeric: tabular-nums; }
.digests a { font-weight: 600; text-decoration: none; }
.digests a:hover { text-decoration: underline; }
form { margin: 1rem 0; }
button, .button { display: block; width: 100%; min-height: 48px; margin: .75rem 0; padding: .75rem 1rem;
                  font: inherit; font-weight: 600; border-radius: 8px; border: 1px solid var(--line);
                  background: transparent; color: var(--ink); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: #cf222e; border-color: #cf222e; color: #fff; }
label.choice { display: flex; align-items: center; gap: .75rem; min-height: 48px; border-top: 1px solid var(--line); }
label.choice input { width: 1.4rem; height: 1.4rem; }
.address { font-weight: 600; word-break: break-all; }
input[type=text], textarea, select { font: inherit; width: 100%; padding: .4rem; border: 1px solid var(--line);
                                     border-radius: 6px; background: transparent; color: var(--ink); }
@media (max-width: 30rem) { .digests li { flex-direction: column; gap: 0; } .digests time { flex: none; } }
"""


@dataclass(frozen=True)
class ArchiveEntry:
    """One digest in the archive index: its page, its date and its subject line."""

    page: str  # NAME.html, what `GET /NAME.html` serves
    created: datetime
    title: str
    articles: int


def page(title: str, body: str) -> str:
    """A whole page: the title as its heading, then `body` (HTML the caller escaped)."""
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")


def archive_entries(records: list[DigestRecord], timezone: str) -> list[ArchiveEntry]:
    """The digests with an HTML page, newest first, each titled by the subject its page carries."""
    entries = []
    for record in reversed(records):
        if not record.html_path:
            continue
        path = Path(record.html_path)
        created = datetime.fromisoformat(record.created).astimezone(ZoneInfo(timezone))
        entries.append(ArchiveEntry(path.name, created, page_title(path) or f"{record.article_count} 篇",
                                    record.article_count))
    return entries


def page_title(path: Path) -> str:
    """The <title> of an HTML file, unescaped and on one line; empty when it has none or cannot be read."""
    try:
        with path.open("rb") as file:
            head = file.read(TITLE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
    match = _TITLE.search(head)
    return " ".join(html.unescape(match[1]).split()) if match else ""


def archive_index(site_title: str, entries: list[ArchiveEntry]) -> str:
    """The archive's front page: every digest by date and subject, newest first."""
    if not entries:
        return page(site_title, '<p class="muted">还没有摘要。</p>')
    items = "".join(
        f'<li><time datetime="{entry.created.isoformat()}">{entry.created:%Y-%m-%d}</time>'
        f'<span><a href="/{html.escape(entry.page)}">{html.escape(entry.title)}</a>'
        f' <span class="muted">· {entry.articles} 篇</span></span></li>'
        for entry in entries)
    return page(site_title, f'<p class="muted">共 {len(entries)} 期</p><ul class="digests">{items}</ul>')


def masked_address(address: str) -> str:
    """Enough of an address for its owner to know it, too little for anyone else: `re***@example.org`."""
    local, _, domain = address.rpartition("@")
    return f"{local[: 2 if len(local) > 3 else 1]}***@{domain}"


def manage_page(site_title: str, token: str, address: str, themes: list[str], chosen: list[str],
                status: str, note: str = "") -> str:
    """The page a subscriber's link opens: which address, their themes to pick, and a big unsubscribe button."""
    hidden = f'<input type="hidden" name="token" value="{html.escape(token)}">'
    intro = (f'<p>订阅地址：<span class="address">{html.escape(masked_address(address))}</span></p>'
             + (f'<p class="muted">{html.escape(note)}</p>' if note else ""))
    if status != "active":
        return page(f"管理订阅 · {site_title}", intro + "<p>这个地址目前不接收这份摘要。</p>")
    boxes = "".join(
        f'<label class="choice"><input type="checkbox" name="theme" value="{html.escape(theme)}"'
        f'{" checked" * (not chosen or theme in chosen)}>{html.escape(theme)}</label>' for theme in themes)
    choose = (f'<form method="post" action="/manage">{hidden}<p>选择想收到的主题：</p>{boxes}'
              '<button class="primary" type="submit">保存主题</button></form>') if themes else ""
    leave = (f'<form method="post" action="/unsubscribe">{hidden}<p>不想再收到《{html.escape(site_title)}》？</p>'
             '<button class="danger" type="submit">退订</button></form>')
    return page(f"管理订阅 · {site_title}", intro + choose + leave)
