# ruff: noqa: E501  (the templates are HTML literals; breaking their lines would change the markup)
"""Build saved article pages, HTML newsletters and newsletter mails from web-export text pages.

Usage:
  python benchmarks/make_html.py OUT [--source DIR ...] [--stress N] [--templates a,b] [--seed S]

Every text page of a source directory (NAME.txt in the People's Daily web-export
layout with its reference NAME.json, as in ../shared/eval/pages; `--stress N`
adds N web-layout pages of `parse_stress.py`, whose articles and bylines nobody
tuned for) is cut into its articles by its reference, then written out:

- each article as a saved article page in every article template (`ARTICLE_TEMPLATES`),
- the page's articles together as an HTML newsletter in every newsletter template,
- each newsletter as a mail (`MAIL_VARIANTS`: transfer encoding, charset,
  multipart structure), and all mails of one template as one mbox file,

each OUT/<template>/NAME.<ext> with NAME.json, the reference restricted to the
articles the file holds. The templates differ in what the extractor has to get
right: site furniture, where the column label and byline sit and how they are
marked, `<br>`-separated paragraphs, `<div>`s and table cells instead of `<p>`,
heading levels, tables of contents, "阅读原文" links, footers, charsets
(UTF-8, GBK, GB18030, UTF-16) and entities. The seed is fixed, so two runs
build the same files.

`TUNING` names the templates the extractor was developed on; `SEEN` those
scored once and then fixed for (no longer unseen); `UNSEEN` those written last,
after the extractor's rules, and scored only for the report.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
TUNING = frozenset({"xinhua", "gmw", "mailchimp", "bulletin"})
SEEN = frozenset({"wechat", "table", "html5", "substack", "cards", "qiushi", "xuexi", "enterprise", "markdown",
                  "weekly", "blog"})
UNSEEN = frozenset({"portal"})


@dataclass
class Spec:
    """One article of a text page, as its head and body lines."""

    title: str
    column: str | None
    over_title: str | None
    subtitle: str | None
    byline: str | None
    body: list[str]
    gold: dict
    url: str = ""

    @property
    def subheading_flags(self) -> list[bool]:
        return [is_subheading(line) for line in self.body]


@dataclass
class Issue:
    """A text page's articles and what the page says about itself."""

    name: str
    paper: str
    date: datetime
    articles: list[Spec] = field(default_factory=list)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def is_subheading(line: str) -> bool:
    return len(line) <= 40 and not re.search(r"[。！？!?；;]", line) and not line.startswith(("（", "("))


def read_issue(txt: Path) -> Issue | None:
    """A text page cut into its articles by its reference; None when the page cannot be cut cleanly."""
    gold = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
    lines = [line.strip() for line in txt.read_text(encoding="utf-8").splitlines()]
    masthead = re.match(r"^(\S+)\s+(\d{4})-(\d{2})-(\d{2})", lines[0]) if lines else None
    date = datetime(*(int(masthead.group(k)) for k in (2, 3, 4)), 8, 0) if masthead else datetime(2026, 5, 6, 8)
    issue = Issue(txt.stem, masthead.group(1) if masthead else "人民日报", date)
    starts = [_title_line(lines, a) for a in gold["articles"]]
    if None in starts:
        return None
    for k, (article, at) in enumerate(zip(gold["articles"], starts, strict=True)):
        assert at is not None
        nxt = starts[k + 1] if k + 1 < len(starts) else len(lines)
        spec = _spec(lines, at, nxt, article)
        if spec is None:
            return None
        issue.articles.append(spec)
    return issue


def _title_line(lines: list[str], article: dict) -> int | None:
    title = squeeze(article.get("title") or "")
    if not title:
        return None
    for i, line in enumerate(lines):
        if squeeze(line).startswith(title) and len(squeeze(line)) <= len(title) + len(article.get("section") or "") + 4:
            return i
    return None


def _spec(lines: list[str], at: int, nxt: int, article: dict) -> Spec | None:
    over = lines[at - 1] if at > 0 and lines[at - 1] and not re.search("[。！？]", lines[at - 1]) else None
    head_end = at + 1
    subtitle = byline = None
    while head_end < nxt and lines[head_end]:
        if lines[head_end].startswith("——"):
            subtitle = lines[head_end]
        else:
            byline = lines[head_end]
        head_end += 1
    end = nxt - 1 if nxt < len(lines) and lines[nxt - 1] and nxt - 1 > head_end and \
        not re.search("[。！？）)]$", lines[nxt - 1]) else nxt  # the next head's over-title
    body = [line for line in lines[head_end:end] if line]
    page_text = [squeeze(line) for line in body]
    body = [line for line in body if sum(squeeze(line) in other for other in page_text) == 1]  # pull quotes
    firsts = article["first"] if isinstance(article["first"], list) else [article["first"]]
    if not body or not any(squeeze(body[0]).startswith(squeeze(f)) or squeeze(f) in squeeze(over or "")
                           for f in firsts):
        return None
    last = squeeze(article["last"]).rstrip("。；;，,！!？?：:")
    if not any(squeeze(line).rstrip("。；;，,！!？?：:").endswith(last) for line in body[-3:]):
        return None
    return Spec(title=article["title"], column=article.get("section"), over_title=over, subtitle=subtitle,
                byline=byline if article.get("authors") else byline, body=body, gold=article)


# --- shared pieces -------------------------------------------------------------

def esc(text: str) -> str:
    return html.escape(text, quote=False)


def entities(text: str, rng: random.Random) -> str:
    """Text with quotation marks and some characters written as entities, as older CMSs do."""
    out = esc(text).replace("“", "&ldquo;").replace("”", "&rdquo;").replace("—", "&mdash;")
    return "".join(f"&#{ord(c)};" if "\u4e00" <= c <= "\u9fff" and rng.random() < 0.03 else c for c in out)


def names(spec: Spec, joiner: str = " ") -> str:
    authors = spec.gold.get("authors") or []
    return joiner.join(authors) if authors else (spec.byline or "")


def related(rng: random.Random, n: int = 5) -> list[str]:
    pool = ["以高质量党建引领基层治理", "让文化遗产活起来", "推动数字经济和实体经济深度融合", "坚持人民至上",
            "加快建设农业强国", "更好发挥法治固根本稳预期利长远作用", "建设更高水平的平安中国",
            "在守正创新中推动文化繁荣", "扎实推进共同富裕", "全面提升城市治理水平"]
    return rng.sample(pool, n)


def article_url(issue: Issue, k: int) -> str:
    return f"https://epaper.example.cn/{issue.date:%Y%m/%d}/content_{k + 1:02d}.html"


# --- article page templates -------------------------------------------------------

def page_xinhua(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """A portal article page: title in a classed div (no h1), column in 【】 over it, a time/source line,
    paragraphs indented with &nbsp;, subheadings bold, an editor line, related links; GBK."""
    paras = []
    for line, sub in zip(spec.body, spec.subheading_flags, strict=True):
        paras.append(f"<p><strong>{entities(line, rng)}</strong></p>" if sub else
                     f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{entities(line, rng)}</p>")
    column = f'<div class="lm"><span>【{esc(spec.column)}】</span></div>' if spec.column else ""
    over = f'<div class="h-pretitle">{esc(spec.over_title)}</div>' if spec.over_title else ""
    sub = f'<div class="h-subtitle">{esc(spec.subtitle)}</div>' if spec.subtitle else ""
    rel = "".join(f'<li><a href="/politics/{i}.htm">{esc(t)}</a></li>' for i, t in enumerate(related(rng)))
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{esc(spec.title)}-新华网</title><meta name="keywords" content="{esc(spec.title)}">
<link rel="canonical" href="{spec.url}"><script>var s="<p>不是正文</p>";</script></head>
<body><div class="topbar"><a href="/">新华网</a> | <a href="/politics/">时政</a> | <a href="/world/">国际</a> |
<a href="/fortune/">财经</a> | <a href="/comments/">评论</a></div>
<div class="header"><div class="logo">新华网</div><div class="nav"><ul><li><a href="/">首页</a></li>
<li><a href="/local/">地方</a></li><li><a href="/tech/">科技</a></li></ul></div></div>
<div id="center"><div class="header-cont">{column}{over}
<div class="h-title">{esc(spec.title)}</div>{sub}
<div class="h-info"><span class="h-time">{issue.date:%Y-%m-%d %H:%M:%S}</span>
<span>来源：{esc(issue.paper)}</span></div><div class="author-line">作者：{esc(names(spec, "、"))}</div></div>
<div class="tools">【<a href="javascript:;">纠错</a>】 【<a href="javascript:;">打印</a>】 分享到：微信 微博</div>
<div id="detail">{''.join(paras)}</div>
<div class="editor">【责任编辑:{esc(rng.choice(["刘洋", "张悦", "陈思"]))}】</div>
<div class="related"><h3>相关稿件</h3><ul>{rel}</ul></div></div>
<div class="foot">Copyright &copy; 2000-2026 XINHUANET.com All Rights Reserved. 制作单位：新华网</div></body></html>"""


def page_gmw(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """A newspaper site: column as a link over an h1, byline and source on one line separated by full-width
    spaces, the whole text in one div with <br><br> between paragraphs; declared gb2312, written GB18030."""
    body = "<br>\n<br>\n".join(("<b>" + esc(line) + "</b>") if sub else "\u3000\u3000" + esc(line)
                               for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
    column = f'<a class="column" href="/{k}/">{esc(spec.column)}</a>' if spec.column else ""
    over = f'<h3 class="pretitle">{esc(spec.over_title)}</h3>' if spec.over_title else ""
    sub = f'<h2 class="subtitle">{esc(spec.subtitle)}</h2>' if spec.subtitle else ""
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{esc(spec.title)}_光明网</title><style>.u-title{{font-size:28px}}</style></head><body>
<div class="g-header"><span>光明网</span> <a href="/">首页</a> <a href="/theory/">理论</a> <a href="/wenyi/">文艺</a></div>
<div class="m-crumbs">您当前的位置：<a href="/">光明网</a> &gt; <a href="/theory/">理论频道</a> &gt; 正文</div>
<div class="g-main"><div class="m-title-box">{column}{over}<h1 class="u-title">{esc(spec.title)}</h1>{sub}
<div class="m-con-info"><span>作者：{esc(names(spec, " "))}</span>\u3000<span>来源：{esc(issue.paper)}</span>\u3000
<span>{issue.date:%Y-%m-%d %H:%M}</span></div></div>
<div class="u-mainText">{body}</div>
<div class="m-editor">[ 责编：{esc(rng.choice(["王琦", "李娜"]))} ]</div>
<div class="m-share">分享到：<a href="#">QQ空间</a><a href="#">新浪微博</a></div>
<div class="m-hot"><div class="m-hot-t">光明推荐</div>{''.join(f'<p><a href="/h/{i}">{esc(t)}</a></p>' for i, t in
                                                             enumerate(related(rng, 4)))}</div></div>
<div class="g-footer"><p>光明网版权所有</p><p>京ICP证000000号</p></div></body></html>"""


def page_wechat(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """A WeChat article: h1 title, an unlabelled author and account line, the text in <section>s and <span>s
    (no <p>), the column as the first bracketed line of the text, subheadings as bold spans, 阅读原文."""
    sections = []
    if spec.column:
        sections.append(f'<section style="text-align:center"><span style="color:#b22;font-size:15px">'
                        f'【{esc(spec.column)}】</span></section>')
    if spec.over_title:
        sections.append(f'<section><span style="font-size:16px;color:#888">{esc(spec.over_title)}</span></section>')
    for line, sub in zip(spec.body, spec.subheading_flags, strict=True):
        style = "font-weight:bold;color:#1a5b9c" if sub else "font-size:15px;line-height:1.75"
        sections.append(f'<section><span style="{style}">{esc(line)}</span></section>')
    sub = f'<section><span style="font-size:17px">{esc(spec.subtitle)}</span></section>' if spec.subtitle else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><meta property="og:title" content="{esc(spec.title)}">
<meta property="og:url" content="{spec.url}"><title>{esc(spec.title)}</title></head><body id="activity-detail">
<div class="rich_media_inner"><div id="page-content"><div class="rich_media_area_primary">
<h1 class="rich_media_title" id="activity-name">{esc(spec.title)}</h1>
<div class="rich_media_meta_list" id="meta_content"><span class="rich_media_meta rich_media_meta_text">原创</span>
<span class="rich_media_meta rich_media_meta_text">{esc(names(spec, " "))}</span>
<span class="rich_media_meta rich_media_meta_nickname"><a href="javascript:void(0);">学习理论</a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">{issue.date:%Y-%m-%d %H:%M}</em></div>
<div class="rich_media_content" id="js_content">{sub}{''.join(sections)}
<section><span style="font-size:12px;color:#999">来源：{esc(issue.paper)}</span></section>
<section><span style="font-size:12px;color:#999">编辑：{esc(rng.choice(["小理", "阿文"]))}</span></section></div>
<div class="rich_media_tool"><a href="{spec.url}" id="js_view_source">阅读原文</a>
<span>阅读 10万+</span> <span>在看 {rng.randint(10, 999)}</span></div>
<div class="qr_code_pc"><p>微信扫一扫<br>关注该公众号</p></div></div></div></div></body></html>"""


def page_table(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """An old table-layout site: title in a td with <font size>, the column as a labelled field of the info
    row, paragraphs as <td> rows of a content table; written UTF-16 with a byte-order mark."""
    rows = "".join(f'<tr><td class="content">{"<b>" + esc(line) + "</b>" if sub else esc(line)}</td></tr>'
                   for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
    column = f"栏目：{esc(spec.column)} | " if spec.column else ""
    over = f'<tr><td align="center" style="font-size:16px">{esc(spec.over_title)}</td></tr>' if spec.over_title \
        else ""
    sub = f'<tr><td align="center" style="font-size:16px">{esc(spec.subtitle)}</td></tr>' if spec.subtitle else ""
    return f"""<html><head><meta http-equiv="content-type" content="text/html; charset=utf-16">
<title>{esc(spec.title)}</title></head><body><table width="960"><tr><td>
<table class="menu"><tr><td><a href="/">首页</a></td><td><a href="/news/">新闻</a></td><td><a href="/ll/">理论</a></td>
</tr></table></td></tr><tr><td><table width="100%">{over}
<tr><td align="center" style="font-size:24px;font-weight:bold">{esc(spec.title)}</td></tr>{sub}
<tr><td align="center" style="font-size:12px">{column}作者：{esc(names(spec, "，"))} | 发布时间：{issue.date:%Y年%m月%d日}
 | 来源：{esc(issue.paper)} | 浏览次数：{rng.randint(100, 9999)}</td></tr></table>
<table class="article">{rows}</table></td></tr>
<tr><td style="font-size:12px">上一篇：<a href="/a/1.html">关于做好…的通知</a>　下一篇：<a href="/a/3.html">学习会召开</a></td></tr>
<tr><td style="font-size:12px">主办单位：某某市社会科学界联合会　版权所有　备案号：ICP备00000000号</td></tr>
</table></body></html>"""


def page_html5(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """A modern site: <article> with a <header> (kicker, h1, subtitle, "文/" byline, <time>), h2 subheadings,
    <aside> and <footer>, numeric character references; UTF-8 with a byte-order mark."""
    parts = []
    for line, sub in zip(spec.body, spec.subheading_flags, strict=True):
        parts.append(f"<h2>{entities(line, rng)}</h2>" if sub else f"<p>{entities(line, rng)}</p>")
    kicker = f'<p class="eyebrow"><a href="/col/{k}">{esc(spec.column)}</a></p>' if spec.column else ""
    over = f'<p class="over-title">{esc(spec.over_title)}</p>' if spec.over_title else ""
    sub = f'<p class="dek">{esc(spec.subtitle)}</p>' if spec.subtitle else ""
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{esc(spec.title)} | 理论周刊</title>
<link rel="canonical" href="{spec.url}"><meta property="og:type" content="article"></head><body>
<header class="site"><a href="/">理论周刊</a><nav><a href="/a">要闻</a><a href="/b">观点</a><a href="/c">学习</a></nav>
</header><main><article><header>{kicker}{over}<h1>{entities(spec.title, rng)}</h1>{sub}
<p class="byline">文/{esc(names(spec, "　"))}</p><time datetime="{issue.date:%Y-%m-%d}">{issue.date:%Y年%m月%d日}</time>
</header>{''.join(parts)}<p class="source">（来源：{esc(issue.paper)}）</p></article>
<aside><h3>延伸阅读</h3><ul>{''.join(f'<li><a href="/r{i}">{esc(t)}</a></li>' for i, t in enumerate(related(rng)))}
</ul></aside></main><footer><p>&copy; 2026 理论周刊 版权所有</p><p><a href="/about">关于我们</a></p></footer>
</body></html>"""


# --- newsletter templates -----------------------------------------------------------

def letter_mailchimp(issue: Issue, rng: random.Random) -> str:
    """Mailchimp-style nested tables, inline styles only: an h1 masthead and intro, h3 titles in 20px, the column
    as a small coloured label in a <p> over the title, "作者：" bylines, subheadings as <p><strong>, each article in
    its own text block with a "阅读原文 →" link, a footer with unsubscribe links."""
    blocks = []
    for spec in issue.articles:
        paras = "".join(
            f'<p style="margin:0 0 12px 0;font-size:16px;line-height:150%"><strong>{esc(line)}</strong></p>' if sub else
            f'<p style="margin:0 0 12px 0;font-size:16px;line-height:150%">{esc(line)}</p>'
            for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
        label = (f'<p style="margin:0;font-size:12px;color:#e85c41;letter-spacing:1px">栏目 | {esc(spec.column)}</p>'
                 if spec.column else "")
        over = f'<p style="margin:0;font-size:14px;color:#666">{esc(spec.over_title)}</p>' if spec.over_title else ""
        sub = f'<h4 style="font-size:15px;color:#444;margin:4px 0">{esc(spec.subtitle)}</h4>' if spec.subtitle else ""
        blocks.append(f"""<table class="mcnTextBlock" width="100%"><tbody><tr><td class="mcnTextContent"
 style="padding:18px;color:#202020;font-family:Helvetica;font-size:16px">{label}{over}
<h3 style="font-size:20px;font-weight:bold;margin:6px 0">{esc(spec.title)}</h3>{sub}
<p style="font-size:13px;color:#808080;margin:0 0 14px 0">作者：{esc(names(spec, "、"))}</p>{paras}
<p style="font-size:14px"><a href="{spec.url}" style="color:#007c89">阅读原文 →</a></p></td></tr></tbody></table>
<table class="mcnDividerBlock" width="100%"><tr><td style="border-top:2px solid #eaeaea"></td></tr></table>""")
    return f"""<!doctype html><html><head><meta charset="UTF-8"><title>理论学习周报 第{issue.date:%W}期</title></head>
<body><span class="mcnPreviewText" style="display:none;font-size:0;max-height:0;overflow:hidden">本周精选理论文章</span>
<center><table id="bodyTable" width="100%"><tr><td id="bodyCell"><table class="templateContainer" width="600">
<tr><td id="templateHeader"><h1 style="font-size:26px;color:#202020">理论学习周报</h1>
<p style="font-size:14px">第{issue.date:%W}期 · {issue.date:%Y年%m月%d日} · 本期推荐{len(issue.articles)}篇文章，欢迎转发。</p></td></tr>
<tr><td id="templateBody">{''.join(blocks)}</td></tr>
<tr><td id="templateFooter" style="font-size:12px;color:#656565"><em>Copyright © 2026 理论学习周报, All rights reserved.</em>
<br>您收到这封邮件，是因为您订阅了理论学习周报。<br><a href="https://x.us1.list-manage.com/profile">更新订阅偏好</a> 或
<a href="https://x.us1.list-manage.com/unsubscribe">退订</a></td></tr></table></td></tr></table></center></body></html>"""


def letter_substack(issue: Issue, rng: random.Random) -> str:
    """A flat post-style newsletter: one div holding everything as siblings, titles as h2 links to the
    article, the column in italics before the title, "文 | " bylines, h3 subheadings, <hr> between articles,
    a footer right after the last article."""
    parts = [f'<h1 class="post-title">每周理论速递</h1><p class="subtitle">{issue.date:%Y年%m月%d日}</p>',
             "<p>各位读者好！本期为大家整理了本周的理论文章，祝阅读愉快。</p>"]
    for k, spec in enumerate(issue.articles):
        if k:
            parts.append("<hr>")
        if spec.column:
            parts.append(f"<p><em>{esc(spec.column)}</em></p>")
        if spec.over_title:
            parts.append(f"<p>{esc(spec.over_title)}</p>")
        parts.append(f'<h2><a href="{spec.url}">{esc(spec.title)}</a></h2>')
        if spec.subtitle:
            parts.append(f"<p>{esc(spec.subtitle)}</p>")
        parts.append(f"<p>文 | {esc(names(spec, ' '))}</p>")
        for line, sub in zip(spec.body, spec.subheading_flags, strict=True):
            parts.append(f"<h3>{esc(line)}</h3>" if sub else f"<p>{esc(line)}</p>")
    parts.append('<p>感谢阅读，欢迎把这封邮件转发给朋友。</p><p>© 2026 每周理论速递 · '
                 '<a href="https://example.substack.com/action/disable_email">Unsubscribe</a></p>')
    return f"""<html><head><meta charset="utf-8"><title>每周理论速递 {issue.date:%Y-%m-%d}</title></head>
<body><div class="post typography"><div class="body markup">{''.join(parts)}</div></div></body></html>"""


def letter_bulletin(issue: Issue, rng: random.Random) -> str:
    """A Chinese in-house bulletin: a table of contents with anchors, each article in a div with a bold 20px
    div title, "[栏目]" in square brackets, "作者：… 单位：…" byline, the text as one div with <br><br>
    between paragraphs, "阅读原文>>"; GBK."""
    toc = "".join(f'<div><a href="#a{k}">{k + 1}. {esc(s.title)}</a></div>' for k, s in enumerate(issue.articles))
    items = []
    for k, spec in enumerate(issue.articles):
        text = "<br><br>".join(f'<span style="font-weight:bold">{esc(line)}</span>' if sub else esc(line)
                               for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
        column = f'<div style="color:#c00;font-size:14px">[{esc(spec.column)}]</div>' if spec.column else ""
        over = f'<div style="font-size:15px">{esc(spec.over_title)}</div>' if spec.over_title else ""
        sub = f'<div style="font-size:16px">{esc(spec.subtitle)}</div>' if spec.subtitle else ""
        items.append(f"""<div class="item"><a name="a{k}"></a>{column}{over}
<div style="font-size:20px;font-weight:bold;margin:10px 0">{esc(spec.title)}</div>{sub}
<div style="font-size:12px;color:#666">作者：{esc(names(spec, " "))}</div>
<div style="font-size:15px;line-height:26px">{text}</div>
<div><a href="{spec.url}">阅读原文&gt;&gt;</a></div></div>""")
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=GBK"><title>学习参考（第{issue.date:%j}期）</title>
</head><body><div style="width:700px"><div style="font-size:32px;font-weight:bold;color:#a00">学习参考</div>
<div>中共某某委员会办公室编印　　{issue.date:%Y年%m月%d日}</div><div style="font-weight:bold">本期要目</div>{toc}
{''.join(items)}<div style="font-size:12px">（内部资料　注意保存）</div>
<div style="font-size:12px">如需退订，请回复“退订”。</div></div></body></html>"""


def letter_cards(issue: Issue, rng: random.Random) -> str:
    """A card-style newsletter: each article a table cell with the column and title on one td line each
    (title as a link, h2), a "——" subtitle, a byline in a <span> after "作者", the text as <div>s,
    subheadings as <h4>, an end-of-article "返回顶部" link; the masthead as an image's alt text."""
    cards = []
    for spec in issue.articles:
        body = "".join(f"<h4>{esc(line)}</h4>" if sub else f'<div style="margin:0 0 1em">{esc(line)}</div>'
                       for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
        column = f'<td class="tag" style="color:#fff;background:#2b6">{esc(spec.column)}</td></tr><tr>' \
            if spec.column else ""
        over = f"<div>{esc(spec.over_title)}</div>" if spec.over_title else ""
        sub = f"<div>{esc(spec.subtitle)}</div>" if spec.subtitle else ""
        cards.append(f"""<table class="card"><tr>{column}<td>{over}<h2><a href="{spec.url}">{esc(spec.title)}</a></h2>{sub}
<div class="meta">作者 <span>{esc(names(spec, " "))}</span></div>{body}<div><a href="#top">返回顶部</a></div></td></tr></table>""")
    return f"""<html><head><meta charset="gb18030"><title>理论动态 {issue.date:%Y.%m.%d}</title></head><body><a name="top"></a>
<table><tr><td><img src="cid:masthead" alt="理论动态"></td></tr><tr><td>{''.join(cards)}</td></tr>
<tr><td><p>本邮件由系统自动发送，请勿直接回复。</p><p>版权所有 © 理论动态编辑部</p></td></tr></table></body></html>"""



# --- templates written after the extractor's rules, scored once, never tuned on --------------------------

def page_qiushi(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """A journal site: title h1 in a classed box, the column and byline as labelled spans of one meta row,
    paragraphs indented by style, subheadings as <p><strong>, a print/close toolbar and a QR-code box."""
    paras = "".join(f'<p style="text-indent:2em"><strong>{esc(line)}</strong></p>' if sub else
                    f'<p style="text-indent:2em">{esc(line)}</p>'
                    for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
    column = f'<span class="appellation">专栏：{esc(spec.column)}</span>' if spec.column else ""
    over = f'<h2 class="pre-title">{esc(spec.over_title)}</h2>' if spec.over_title else ""
    sub = f'<h2 class="sub-title">{esc(spec.subtitle)}</h2>' if spec.subtitle else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(spec.title)} - 理论网</title></head><body>
<div class="header"><ul class="menu"><li><a href="/">首页</a></li><li><a href="/qs/">期刊</a></li><li><a href="/zt/">专题</a></li></ul></div>
<div class="container"><div class="inner"><div class="headtitle">{over}<h1>{esc(spec.title)}</h1>{sub}</div>
<div class="metadata">{column}<span class="appellation">来源：《{esc(issue.paper)}》</span>
<span class="appellation">作者：{esc(names(spec, " "))}</span><span class="pubtime">{issue.date:%Y-%m-%d %H:%M:%S}</span></div>
<div class="highlight">{paras}</div>
<div class="toolbar"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div>
<div class="qrcode"><p>扫一扫在手机打开当前页</p></div></div></div>
<div class="footer"><p>版权所有：理论网 未经授权禁止复制或建立镜像</p></div></body></html>"""


def page_xuexi(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """An app's web view: everything in <div>s with generated class names, the column in 【】 in a div over
    the title div, the byline as "文 / names", the text as <div><span> pairs, subheadings as bold spans."""
    parts = "".join(f'<div class="_3P9z"><span style="font-weight:bold">{esc(line)}</span></div>' if sub else
                    f'<div class="_3P9z"><span>{esc(line)}</span></div>'
                    for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
    column = f'<div class="_1Xq7">【{esc(spec.column)}】</div>' if spec.column else ""
    over = f'<div class="_2Lm4">{esc(spec.over_title)}</div>' if spec.over_title else ""
    sub = f'<div class="_2Lm4">{esc(spec.subtitle)}</div>' if spec.subtitle else ""
    return f"""<html><head><meta charset="gb18030"><title>{esc(spec.title)}</title></head><body><div id="root">
<div class="_0nav"><span>推荐</span><span>要闻</span><span>思想</span></div>
<div class="_9detail">{column}{over}<div class="_7Ttl" style="font-size:24px;font-weight:bold">{esc(spec.title)}</div>{sub}
<div class="_5src">文 / {esc(names(spec, " "))}</div><div class="_5src">来源：{esc(issue.paper)}　{issue.date:%Y-%m-%d}</div>
<div class="_4body">{parts}</div><div class="_6ed">责任编辑：{esc(rng.choice(["周敏", "吴迪"]))}</div></div>
<div class="_8rec"><div>推荐阅读</div>{''.join(f'<div><a href="/d/{i}">{esc(t)}</a></div>' for i, t in enumerate(related(rng, 3)))}</div>
</div></body></html>"""


def letter_enterprise(issue: Issue, rng: random.Random) -> str:
    """An enterprise mail tool: each article under a bar-styled td holding the column and the title split by
    <br>, the byline as "（作者：…）" under it, &emsp; indentation, "点击阅读原文", a QR-code footer."""
    items = []
    for spec in issue.articles:
        body = "".join(f'<p style="font-weight:bold;font-size:15px">{esc(line)}</p>' if sub else
                       f'<p style="font-size:15px">&emsp;&emsp;{esc(line)}</p>'
                       for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
        column = f'<font color="#c00" style="font-size:13px">{esc(spec.column)}</font><br>' if spec.column else ""
        over = f'<span style="font-size:14px">{esc(spec.over_title)}</span><br>' if spec.over_title else ""
        title = f'<span style="font-size:19px;font-weight:bold">{esc(spec.title)}</span>'
        sub = f'<p style="font-size:14px">{esc(spec.subtitle)}</p>' if spec.subtitle else ""
        items.append(f"""<table width="100%"><tr><td style="border-left:4px solid #c00;padding-left:8px">{column}{over}{title}</td></tr></table>
{sub}<p style="font-size:13px;color:#888">（作者：{esc(names(spec, "、"))}）</p>{body}
<p><a href="{spec.url}">点击阅读原文</a></p><hr>""")
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb18030"><title>每周学习 {issue.date:%m月%d日}</title></head>
<body><div style="max-width:640px"><p style="font-size:28px;font-weight:bold">每周学习</p><p>{issue.date:%Y年%m月%d日}　第{issue.date:%W}期</p>
{''.join(items)}<p>扫码关注公众号，获取更多学习资料</p><p>如不希望再收到此类邮件，请点击<a href="https://mail.example.cn/u">取消订阅</a></p></div></body></html>"""


def letter_markdown(issue: Issue, rng: random.Random) -> str:
    """A Markdown-rendered newsletter: h1 masthead and an intro paragraph, h2 titles, the column as a bold
    line over them, the byline in italics, h3 subheadings, paragraphs that open with a list marker as list
    items, a signature and unsubscribe line after the last article, all siblings in one <article>."""
    parts = [f"<h1>{issue.date:%Y年第%W期}学习简报</h1>", "<p>本期共收录文章数篇，欢迎阅读并提出意见。</p>"]
    for spec in issue.articles:
        if spec.column:
            parts.append(f"<p><strong>{esc(spec.column)}</strong></p>")
        if spec.over_title:
            parts.append(f"<p>{esc(spec.over_title)}</p>")
        parts.append(f"<h2>{esc(spec.title)}</h2>")
        if spec.subtitle:
            parts.append(f"<p>{esc(spec.subtitle)}</p>")
        parts.append(f"<p><em>作者：{esc(names(spec, '，'))}</em></p>")
        items: list[str] = []
        for line, sub in zip(spec.body, spec.subheading_flags, strict=True):
            if re.match(r"^(?:第[一二三四五六七八九十]+[，、]|[一二三四五六七八九十]+是|首先|其次|最后)", line):
                items.append(f"<li>{esc(line)}</li>")
                continue
            if items:
                parts.append("<ul>" + "".join(items) + "</ul>")
                items = []
            parts.append(f"<h3>{esc(line)}</h3>" if sub else f"<p>{esc(line)}</p>")
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
    parts.append("<p>—— 编辑部</p><p>您收到本邮件是因为订阅了学习简报。<a href=\"https://b.example.cn/unsub\">取消订阅</a></p>")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>学习简报</title></head>
<body><article class="email-body">{''.join(parts)}</article></body></html>"""


def page_portal(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """A portal whose h1 is its logo: the headline an h2, the column as a classed span in the publication row
    under it, a photo with a caption inside the text, h3 subheadings, a comment box and a hot list."""
    parts = []
    for n, (line, sub) in enumerate(zip(spec.body, spec.subheading_flags, strict=True)):
        parts.append(f"<h3>{esc(line)}</h3>" if sub else f"<p>{esc(line)}</p>")
        if n == 1:
            parts.append('<figure><img src="/p/1.jpg"><figcaption>资料图片</figcaption></figure>')
    column = f'<span class="tag">{esc(spec.column)}</span> ' if spec.column else ""
    over = f'<p class="yinti">{esc(spec.over_title)}</p>' if spec.over_title else ""
    sub = f'<p class="futi">{esc(spec.subtitle)}</p>' if spec.subtitle else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(spec.title)}_某某新闻网</title></head><body>
<div class="head"><h1 class="logo"><a href="/">某某新闻网</a></h1><ul class="nav"><li><a href="/">首页</a></li>
<li><a href="/gn/">国内</a></li><li><a href="/pl/">评论</a></li></ul></div>
<div class="main"><div class="art">{over}<h2 class="art-title">{esc(spec.title)}</h2>{sub}
<div class="info">{column}<span>{issue.date:%Y-%m-%d %H:%M}</span> <span>作者：{esc(names(spec, " "))}</span></div>
<div class="art-body">{''.join(parts)}</div></div>
<div class="comment"><h3>网友评论</h3><p>登录后才能发表评论。</p></div>
<div class="hot"><h3>热门排行</h3><ol>{''.join(f'<li><a href="/h/{i}">{esc(t)}</a></li>' for i, t in enumerate(related(rng, 5)))}</ol></div></div>
<div class="foot">某某新闻网 版权所有 © 2026</div></body></html>"""


def page_blog(spec: Spec, issue: Issue, k: int, rng: random.Random) -> str:
    """A blog engine's post page: the category a link over the h1, an over-title as an h4 above it, the
    subtitle an h2 under it, each writer a vcard link in an "entry-meta" row with a <time>, block-editor
    h2 subheadings, tags, previous/next links and a reply form after the text."""
    parts = "".join(f'<h2 class="wp-block-heading">{esc(line)}</h2>' if sub else f"<p>{esc(line)}</p>"
                    for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
    writers = "、".join(f'<span class="author vcard"><a class="url fn n" href="/author/{n}/">{esc(name)}</a></span>'
                       for n, name in enumerate(spec.gold.get("authors") or []))
    cats = f'<div class="entry-cats"><a href="/category/{k}/" rel="category tag">{esc(spec.column)}</a></div>' \
        if spec.column else ""
    over = f"<h4>{esc(spec.over_title)}</h4>" if spec.over_title else ""
    sub = f'<h2 class="entry-subtitle">{esc(spec.subtitle)}</h2>' if spec.subtitle else ""
    byline = f'<span class="byline">作者：{writers}</span> ' if writers else ""
    titles = related(rng, 2)
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="UTF-8"><title>{esc(spec.title)} – 理论札记</title>
<link rel="canonical" href="{spec.url}"></head><body class="post-template-default single">
<header id="masthead" class="site-header"><p class="site-title"><a href="/">理论札记</a></p>
<nav class="main-navigation"><a href="/">首页</a> <a href="/category/1/">评论</a> <a href="/about/">关于</a></nav></header>
<main id="main"><article class="post type-post"><header class="entry-header">{cats}{over}
<h1 class="entry-title">{esc(spec.title)}</h1>{sub}
<div class="entry-meta">{byline}<time class="entry-date published" datetime="{issue.date:%Y-%m-%d}T08:00:00+08:00">{issue.date:%Y年%m月%d日}</time></div></header>
<div class="entry-content">{parts}</div>
<footer class="entry-footer"><span class="tags-links">标签：<a href="/tag/1/" rel="tag">学习</a>、<a href="/tag/2/" rel="tag">评论</a></span></footer></article>
<nav class="post-navigation"><div class="nav-previous">上一篇：<a href="/p/{k}1/">{esc(titles[0])}</a></div>
<div class="nav-next">下一篇：<a href="/p/{k}2/">{esc(titles[1])}</a></div></nav>
<div id="comments"><h3 id="reply-title">发表回复</h3><p>您的邮箱地址不会被公开。</p></div></main>
<footer class="site-footer"><p>© 2026 理论札记 · 由某某博客程序驱动</p></footer></body></html>"""


def letter_weekly(issue: Issue, rng: random.Random) -> str:
    """A weekly round-up: each story a div with an h3 title link and a meta line "栏目 · 作者", h4
    subheadings, a "继续阅读" link; intro and sponsor blocks before and after the stories."""
    stories = []
    for spec in issue.articles:
        body = "".join(f"<h4>{esc(line)}</h4>" if sub else f"<p>{esc(line)}</p>"
                       for line, sub in zip(spec.body, spec.subheading_flags, strict=True))
        meta = " · ".join(x for x in (spec.column, names(spec, " ")) if x)
        over = f'<p class="kicker">{esc(spec.over_title)}</p>' if spec.over_title else ""
        sub = f"<p><i>{esc(spec.subtitle)}</i></p>" if spec.subtitle else ""
        stories.append(f"""<div class="story">{over}<h3><a href="{spec.url}">{esc(spec.title)}</a></h3>{sub}
<p class="meta" style="color:#777;font-size:13px">{esc(meta)}</p>{body}<p><a href="{spec.url}">继续阅读 »</a></p></div>""")
    return f"""<html><head><meta charset="utf-8"><title>理论周末 {issue.date:%Y-%m-%d}</title></head><body>
<div class="wrap"><div class="masthead" style="font-size:30px;font-weight:bold">理论周末</div>
<p>本周我们为你挑选了几篇值得细读的文章。</p>{''.join(stories)}
<div class="sponsor"><p>本期简报由某某读书会支持。</p></div>
<div class="foot"><p>不想再收到？<a href="https://w.example.cn/unsubscribe">一键退订</a></p></div></div></body></html>"""

ARTICLE_TEMPLATES: dict[str, tuple[Callable[[Spec, Issue, int, random.Random], str], str]] = {
    "xinhua": (page_xinhua, "gbk"), "gmw": (page_gmw, "gb18030"), "wechat": (page_wechat, "utf-8"),
    "table": (page_table, "utf-16"), "html5": (page_html5, "utf-8-sig"),
    "qiushi": (page_qiushi, "utf-8"), "xuexi": (page_xuexi, "gb18030"), "portal": (page_portal, "utf-8"),
    "blog": (page_blog, "utf-8"),
}
LETTER_TEMPLATES: dict[str, tuple[Callable[[Issue, random.Random], str], str]] = {
    "mailchimp": (letter_mailchimp, "utf-8"), "bulletin": (letter_bulletin, "gbk"),
    "substack": (letter_substack, "utf-8"), "cards": (letter_cards, "gb18030"),
    "enterprise": (letter_enterprise, "gb18030"), "markdown": (letter_markdown, "utf-8"),
    "weekly": (letter_weekly, "utf-8"),
}
# (transfer encoding of the HTML part, charset of the mail, structure): each newsletter is mailed one way.
MAIL_VARIANTS = (("base64", "utf-8", "alternative"), ("quoted-printable", "gb18030", "alternative"),
                 ("8bit", "utf-8", "single"), ("quoted-printable", "utf-8", "mixed"), ("base64", "gbk", "mixed"))


# --- mails --------------------------------------------------------------------------

def as_text(issue: Issue) -> str:
    parts = []
    for spec in issue.articles:
        head = [f"【{spec.column}】" if spec.column else "", spec.over_title or "", spec.title, spec.subtitle or "",
                f"作者：{names(spec, ' ')}"]
        parts.append("\n".join(h for h in head if h) + "\n\n" + "\n\n".join(spec.body))
    return ("\n\n" + "=" * 20 + "\n\n").join(parts)


def mail(issue: Issue, letter: str, sender: str, variant: tuple[str, str, str], n: int) -> bytes:
    """A newsletter mail: the HTML (and a text part), in the variant's charset and transfer encoding."""
    cte, charset, shape = variant
    message = EmailMessage()
    message["From"] = f"{sender} <news@letters.example.cn>"
    message["To"] = "reader@example.org"
    message["Subject"] = f"{sender}｜{issue.date:%Y年%m月%d日}"
    message["Date"] = format_datetime((issue.date + timedelta(minutes=n)).replace(tzinfo=timezone(timedelta(hours=8))))
    message["Message-ID"] = f"<{issue.name}.{n}@letters.example.cn>"
    html_text = re.sub(r"charset=[\w-]+|charset=\"[\w-]+\"", f"charset={charset}", letter)
    if shape == "single":
        message.set_content(html_text.encode(charset, "xmlcharrefreplace"), maintype="text", subtype="html",
                            cte=cte, params={"charset": charset})
    else:
        message.set_content(as_text(issue).encode(charset, "xmlcharrefreplace"), maintype="text", subtype="plain",
                            cte=cte, params={"charset": charset})
        message.add_alternative(html_text.encode(charset, "xmlcharrefreplace"), maintype="text", subtype="html",
                                cte=cte, params={"charset": charset})
        if shape == "mixed":
            message.add_attachment(b"\x89PNG\r\n\x1a\n" + bytes(64), maintype="image", subtype="png",
                                   filename="logo.png")
            message.add_attachment("报名回执：姓名＿＿＿ 单位＿＿＿".encode(), maintype="application",
                                   subtype="octet-stream", filename="回执.doc")
    return message.as_bytes(policy=SMTP)


# --- writing ------------------------------------------------------------------------

def reference(issue: Issue, specs: list[Spec], name: str, kind: str, template: str, charset: str) -> dict:
    return {"issue": name, "source": f"generated from {issue.name}", "articles": [s.gold for s in specs],
            "not_articles": [], "html": {"kind": kind, "variant": template, "charset": charset}}


def write(out: Path, name: str, data: bytes, gold: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    (out / (name.rsplit(".", 1)[0] + ".json")).write_text(json.dumps(gold, ensure_ascii=False, indent=1),
                                                          encoding="utf-8")


def build(issues: list[Issue], out: Path, templates: set[str] | None, seed: int) -> int:
    count = 0
    for template, (make, charset) in ARTICLE_TEMPLATES.items():
        if templates and template not in templates:
            continue
        rng = random.Random(f"{seed}-{template}")
        for issue in issues:
            for k, spec in enumerate(issue.articles):
                data = make(spec, issue, k, rng).encode(charset, "xmlcharrefreplace")
                name = f"{issue.name}_a{k + 1}"
                write(out / template, f"{name}.html", data, reference(issue, [spec], name, "article_page", template,
                                                                       charset))
                count += 1
    for v, (template, (make_letter, charset)) in enumerate(LETTER_TEMPLATES.items()):
        if templates and template not in templates:
            continue
        rng = random.Random(f"{seed}-{template}")
        mbox = b""
        for n, issue in enumerate(issues):
            letter = make_letter(issue, rng)
            gold = reference(issue, issue.articles, issue.name, "newsletter_html", template, charset)
            write(out / template, f"{issue.name}_nl.html", letter.encode(charset, "xmlcharrefreplace"), gold)
            variant = MAIL_VARIANTS[(n + v) % len(MAIL_VARIANTS)]
            data = mail(issue, letter, re.sub(r"<[^>]+>", "", re.search(r"<title>(.*?)</title>", letter).group(1))
                        .split()[0], variant, n)
            write(out / f"{template}-mail", f"{issue.name}_nl.eml", data, dict(gold, mail=list(variant)))
            mbox += b"From news@letters.example.cn " + issue.date.strftime("%a %b %d %H:%M:%S %Y").encode() + b"\n"
            mbox += re.sub(rb"^(>*From )", rb">\1", data.replace(b"\r\n", b"\n"), flags=re.M) + b"\n"
            count += 2
        gold_all = {"issue": f"{template}.mbox", "articles": [s.gold for i in issues for s in i.articles],
                    "not_articles": []}
        write(out / f"{template}-mbox", f"{template}.mbox", mbox, gold_all)
    return count


def load_issues(sources: list[Path], stress: int, seed: int) -> list[Issue]:
    texts = [txt for source in sources for txt in sorted(source.glob("*.txt")) if txt.with_suffix(".json").exists()]
    if stress:
        dump = Path(__import__("tempfile").mkdtemp())
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "parse_stress.py"), "--pages", str(stress * 3),
                        "--seed", str(seed), "--dump", str(dump)], check=True, stdout=subprocess.DEVNULL)
        texts += sorted(dump.glob("web_*.txt"))[:stress]
    issues = []
    for txt in texts:
        issue = read_issue(txt)
        if issue is None:
            print(f"{txt.name}: not cut cleanly into articles, left out", file=sys.stderr)
            continue
        for k, spec in enumerate(issue.articles):
            spec.url = article_url(issue, k)
        issues.append(issue)
    return issues


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--source", type=Path, action="append", help="directory of NAME.txt + NAME.json pages")
    parser.add_argument("--stress", type=int, default=0, help="add this many parse_stress.py web pages")
    parser.add_argument("--templates", help="comma-separated template names (default: all)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    sources = args.source or ([SHARED / "eval" / "pages"] if not args.stress else [])
    issues = load_issues(sources, args.stress, args.seed)
    templates = set(args.templates.split(",")) if args.templates else None
    count = build(issues, args.out, templates, args.seed)
    print(f"{count} files from {len(issues)} pages in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
