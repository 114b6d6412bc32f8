"""Page furniture: what web pages and newsletters print around their articles.

Share buttons, editor and source credits, the paper-and-page reference of a
reprint, copyright lines, navigation, a mail's unsubscribe and "view in
browser" lines, "read the original" links. None of it is an article or part of
one. The rules read the shape of such lines (a label and a colon, a bracketed
date), never the words of one site; they are applied to short lines, or to the
lines after an article's end, never to the prose inside one.
"""

from __future__ import annotations

import re

FURNITURE_MAX = 80  # furniture is a line, not a paragraph: longer text is never taken for it

# "分享到：", "扫一扫", "长按识别二维码": share and follow buttons.
_SHARE = re.compile(r"^(?:分享到|分享至|分享：|分享:|转发到|扫一扫|扫码|长按|微信扫|关注我们|点击关注)")
# "(责编：某某)", "责任编辑：某某", "来源：某报", "原标题：…": credits, a bracket around them or not.
_CREDIT = re.compile(
    r"^[（(\[【]?\s*(?:责任编辑|责编|编辑|审核|审校|审签|校对|终审|监制|值班编辑|主编|统筹|策划|制作|供稿|"
    r"来源|稿源|文章来源|本文来源|信息来源|出处|原标题|原文标题|原题|转载自|摘自)\s*[：:｜|]"
)
# "《 某某日报 》（ 2026年05月06日 09 版）": where a reprint first appeared.
_PAPER_REFERENCE = re.compile(
    r"^《\s*[^》]{1,20}\s*》\s*[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:第?\s*[0-9０-９]+\s*版)?\s*[)）]$"
)
# A line that is a date (and maybe a time) with nothing but metadata after it.
_DATE_LINE = re.compile(
    r"^(?:发布(?:时间|日期)[：:]\s*)?\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)
# A calendar date anywhere in a line: "2026-05-06", "2026年5月6日", "2026/05/06".
_DATE = re.compile(r"\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}")
# Copyright and licensing notices, registration numbers, legal disclaimers.
_COPYRIGHT = re.compile(
    r"版权所有|版权归|版权声明|copyright|©|\(c\)\s*\d{4}|未经.{0,12}授权|转载请|禁止转载|ICP[备证]|不良信息举报|"
    r"免责声明|all rights reserved",
    re.I,
)
# A mail's own furniture: unsubscribing, viewing it in a browser, why you got it, forwarding it.
_MAIL = re.compile(
    r"退订|取消订阅|unsubscribe|无法正常显示|浏览器中查看|浏览器查看|在线查看|网页版|"
    r"view (?:it |this email )?in (?:your )?browser|您收到(?:这|此|本)封|您之所以收到|转发给(?:好友|朋友)|"
    r"forward to a friend|update your preferences|"
    r"manage (?:your )?(?:preferences|subscription)|订阅(?:本刊|我们)",
    re.I,
)
# Navigation and page tools: back to top, previous/next, print, close, font size, "more".
_NAVIGATION = re.compile(
    r"^[【\[]?\s*(?:返回顶部|返回目录|回到顶部|返回首页|上一篇|下一篇|上一页|下一页|打印(?:本页)?|关闭(?:窗口)?|纠错|"
    r"字号|收藏|点赞|在看|更多|more|top)\s*[】\]]?(?:\s|$|[>»↑：:])",
    re.I,
)
# A link to the article's own page: "阅读原文", "查看原文", "原文链接", "Read more".
_READ_ORIGINAL = re.compile(r"阅读原文|查看原文|原文链接|原文地址|阅读全文|查看全文|继续阅读|read more|read the full|"
                            r"continue reading|full story", re.I)
# A breadcrumb trail: names joined by ">" or "»" ("某某网 >> 观点 >> 评论").
_BREADCRUMB = re.compile(r"\S\s*(?:>|»|＞|›)+\s*\S.*(?:>|»|＞|›)")


def is_furniture(text: str) -> bool:
    """Whether a short line is page furniture (share, credit, reference, copyright, mail, navigation)."""
    if len(text) > FURNITURE_MAX:
        return False
    return bool(_SHARE.match(text) or _CREDIT.match(text) or _PAPER_REFERENCE.match(text)
                or _NAVIGATION.match(text) or _BREADCRUMB.search(text) or is_trailer(text))


def is_trailer(text: str) -> bool:
    """A notice printed after the articles: copyright, a mail's unsubscribe and view-in-browser lines."""
    return bool(_COPYRIGHT.search(text) or _MAIL.search(text))


def is_date_line(text: str) -> bool:
    """A publication line: short, opening with a date (then a time, a source); no sentence that starts with one."""
    return len(text) <= FURNITURE_MAX and "。" not in text and bool(_DATE_LINE.match(text))


def holds_date(text: str) -> bool:
    """Whether a calendar date appears in the line."""
    return bool(_DATE.search(text))


def reads_original(text: str) -> bool:
    """A link text that leads to the article's own page."""
    return bool(_READ_ORIGINAL.search(text))
