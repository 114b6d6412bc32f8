"""Issues as they arrive: saved web pages, HTML newsletters, mails and mbox files, typed by their bytes."""

from __future__ import annotations

import email
import gzip
import io
import re
import zipfile
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import REPO, Installation
from digest.config import load_settings
from digest.errors import IssueError, UnsupportedIssueError
from digest.extract import extract_page, unpack_issues
from digest.models import Page, ParsedIssue, RawIssue
from digest.pipeline import parse_file

DATA = REPO / "tests" / "data" / "html"
ARTICLE = DATA / "article.html"
NEWSLETTER = DATA / "newsletter.html"
FURNITURE = ("责编", "相关新闻", "社区养老服务的新探索", "版权所有", "分享到", "来源：", "示例日报", "本期目录",
             "退订", "浏览器中查看", "阅读原文", "返回目录", "本期刊发")


def raw(data: bytes, name: str = "issue.html", media_type: str = "") -> RawIssue:
    return RawIssue(id=name, origin=f"inbox/{name}", name=name, data=data, media_type=media_type)


@pytest.fixture
def parse(tmp_path: Path):  # noqa: ANN201 - a callable fixture
    """`digest parse` as a library call: the file's articles with everything the CLI prints."""
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config()
    settings = load_settings(str(inst.config))

    def run(data: bytes, name: str) -> ParsedIssue:
        path = tmp_path / name
        path.write_bytes(data)
        return parse_file(path, settings)

    return run


def heads(parsed: ParsedIssue) -> list[tuple[str | None, str | None, list[str]]]:
    return [(a.title, a.section, a.authors) for a in parsed.articles]


def no_furniture(parsed: ParsedIssue) -> None:
    text = "\n".join(a.body for a in parsed.articles)
    assert not [f for f in FURNITURE if f in text]


def test_an_article_page_is_one_article_with_its_head_and_no_furniture(parse) -> None:  # noqa: ANN001
    parsed = parse(ARTICLE.read_bytes(), "article.html")
    assert heads(parsed) == [("让社区食堂办得更红火", "民生观察", ["郑晓明"])]
    article = parsed.articles[0]
    assert article.paragraphs[0].startswith("社区食堂开到居民家门口")
    assert article.paragraphs[-1].startswith("第三本是安全账")
    assert "办好食堂要算好三本账" in article.body  # the subheading stays in the text
    assert article.affiliation and "副教授" in article.affiliation
    no_furniture(parsed)


def test_a_newsletter_is_split_at_its_headlines_and_its_furniture_dropped(parse) -> None:  # noqa: ANN001
    parsed = parse(NEWSLETTER.read_bytes(), "newsletter.html")
    assert heads(parsed) == [("把服务送到职工身边", "一线声音", ["韩冬梅"]),
                             ("技能培训要对准岗位需要", "观察与思考", ["宋立新"])]
    assert parsed.articles[1].paragraphs[-1].startswith("企业最清楚岗位需要什么技能")
    no_furniture(parsed)


def test_the_page_names_itself_and_its_lines_carry_what_the_markup_says() -> None:
    page = extract_page(raw(NEWSLETTER.read_bytes()))
    assert page.title == "《基层工作通讯》第8期"
    assert page.url == "https://letters.example.cn/view/8"
    titles = [line for line in page.lines if line.role == "title"]
    assert [(t.text, t.url, t.block) for t in titles] == [
        ("把服务送到职工身边（一线声音）", "https://news.example.cn/2026/0302/a1.html", 0),
        ("技能培训要对准岗位需要（观察与思考）", "https://news.example.cn/2026/0302/a2.html", 1),
    ]
    roles = {line.text: line.role for line in page.lines}
    assert roles["韩冬梅"] == "byline"
    assert roles["让企业参与课程设计"] == "heading"
    assert roles["（作者为示例市总工会干部）"] == "note"
    assert all(line.size and line.size > 1 for line in titles)
    article = extract_page(raw(ARTICLE.read_bytes()))
    assert article.url == "https://news.example.cn/2026/0312/c1003-1001.html"
    assert [line.text for line in article.lines if line.role == "subtitle"] == ["——来自三个城市的调查"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_an_article_page_reads_the_same_in_any_charset_and_with_entities(encoding: str) -> None:
    markup = ARTICLE.read_text(encoding="utf-8").replace('charset="utf-8"', f'charset="{encoding}"')
    markup = markup.replace("“", "&ldquo;").replace("社区", "&#31038;&#x533A;")  # entities, decimal and hex
    page = extract_page(raw(markup.encode(encoding)))
    assert [line.text for line in page.lines] == [line.text for line in extract_page(raw(ARTICLE.read_bytes())).lines]


def test_a_wrong_charset_label_falls_back_to_what_the_bytes_are() -> None:
    markup = ARTICLE.read_text(encoding="utf-8")  # says utf-8, written in GB18030
    page = extract_page(raw(markup.encode("gb18030")))
    assert page.encoding == "gb18030"
    assert "让社区食堂办得更红火（民生观察）" in page.text


def newsletter_mail(cte: str, charset: str, subject: str = "《基层工作通讯》第8期") -> bytes:
    message = EmailMessage()
    message["From"] = "基层工作通讯 <letters@example.cn>"
    message["To"] = "reader@example.org"
    message["Subject"] = subject
    markup = NEWSLETTER.read_text(encoding="utf-8").replace("charset=utf-8", f"charset={charset}")
    message.set_content("本期两篇文章，请用支持网页的邮件程序阅读。".encode(charset), maintype="text", subtype="plain",
                        cte=cte, params={"charset": charset})
    message.add_alternative(markup.encode(charset), maintype="text", subtype="html", cte=cte,
                            params={"charset": charset})
    return message.as_bytes(policy=policy.SMTP)


@pytest.mark.parametrize(("cte", "charset"), [("base64", "utf-8"), ("quoted-printable", "gb18030"),
                                              ("8bit", "utf-8"), ("quoted-printable", "gbk")])
def test_a_newsletter_mail_reads_as_its_html_part_whatever_the_transfer_encoding(cte: str, charset: str) -> None:
    data = newsletter_mail(cte, charset)
    assert f"Content-Transfer-Encoding: {cte}".encode() in data
    assert b"=?utf-8?" in data  # the subject went out RFC 2047 encoded
    page = extract_page(raw(data, "letter.eml"))
    assert page.media_type == "message/rfc822"
    assert page.title == "《基层工作通讯》第8期"  # the subject names the issue; it holds the sender's name
    html_page = extract_page(raw(NEWSLETTER.read_bytes()))
    assert [line.text for line in page.lines] == [line.text for line in html_page.lines]


def test_the_sender_names_the_issue_when_the_subject_does_not() -> None:
    page = extract_page(raw(newsletter_mail("base64", "utf-8", subject="第8期"), "letter.eml"))
    assert page.title == "基层工作通讯：第8期"


def test_a_text_only_mail_is_read_as_text() -> None:
    message = EmailMessage()
    message["From"] = "letters@example.cn"
    message["Subject"] = "文字版"
    message.set_content("示例标题\n\n第一段文字。\n", charset="gb18030", cte="base64")
    page = extract_page(raw(message.as_bytes(), "text.eml"))
    assert page.text.splitlines()[:3] == ["示例标题", "", "第一段文字。"]
    assert page.title == "letters@example.cn：文字版"


def test_a_document_attached_to_a_mail_is_read_through_the_registry_and_the_cover_note_left_out() -> None:
    message = EmailMessage()
    message["From"] = "基层工作通讯 <letters@example.cn>"
    message["Subject"] = "本期通讯见附件"
    message.set_content("各位好，本期通讯见附件，请查收。")
    message.add_attachment(NEWSLETTER.read_bytes(), maintype="text", subtype="html", filename="第8期.html")
    message.add_attachment(b"\x89PNG\r\n\x1a\n" + bytes(32), maintype="image", subtype="png", filename="logo.png")
    page = extract_page(raw(message.as_bytes(), "attached.eml"))
    assert "请查收" not in page.text
    assert [line.text for line in page.lines if line.role == "title"][0] == "把服务送到职工身边（一线声音）"
    assert page.title == "基层工作通讯：本期通讯见附件"


def test_an_mbox_holds_one_issue_per_mail_each_with_its_own_identity() -> None:
    first, second = newsletter_mail("base64", "utf-8"), newsletter_mail("quoted-printable", "utf-8", "第9期")
    quoted = second.replace(b"\r\n", b"\n").replace("本期两篇文章".encode(), b"From here on")
    mbox = b"From letters@example.cn Mon Mar  2 08:00:00 2026\n" + first.replace(b"\r\n", b"\n") + b"\n" + \
        b"From letters@example.cn Mon Mar  9 08:00:00 2026\n" + quoted + b"\n"
    issues = unpack_issues(raw(mbox, "letters.mbox"))
    assert [i.name for i in issues] == ["letters.mbox#1", "letters.mbox#2"]
    assert len({i.id for i in issues}) == 2
    pages = [extract_page(i) for i in issues]
    assert [p.title for p in pages] == ["《基层工作通讯》第8期", "基层工作通讯：第9期"]
    assert unpack_issues(raw(first, "one.eml")) == [raw(first, "one.eml")]  # a lone mail is itself


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "kind"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a JPEG image"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00", "a GIF image"),
    (docx(), "a Word document (DOCX)"),
    (gzip.compress("正文".encode(), mtime=0), "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c\x00\x04", "a 7z archive"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(8), "a program (ELF executable)"),
    (bytes(range(256)), "a binary file"),
], ids=lambda value: value if isinstance(value, str) else "")  # ids from the kind: the bytes hold timestamps
def test_a_file_that_is_no_issue_is_refused_in_one_line_naming_what_it_is(data: bytes, kind: str) -> None:
    with pytest.raises(UnsupportedIssueError) as refused:
        extract_page(raw(data, "scan.txt"))
    assert str(refused.value) == f"inbox/scan.txt: {kind}, not an issue"


def test_utf16_text_without_a_byte_order_mark_is_text() -> None:
    page = extract_page(raw("示例标题\n\n第一段文字。\n".encode("utf-16-le"), "page.txt"))
    assert isinstance(page, Page) and page.text.startswith("示例标题")


def test_a_page_of_nothing_but_furniture_has_no_article(parse) -> None:  # noqa: ANN001
    markup = ARTICLE.read_text(encoding="utf-8")
    furniture_only = re.sub(r'<div class="article">.*?<div class="related">', '<div class="related">', markup,
                            flags=re.S)
    with pytest.raises(IssueError):
        parse(furniture_only.encode(), "menu.html")


def test_a_mail_without_text_or_documents_is_an_issue_error() -> None:
    message = email.message_from_bytes(b"From: a@example.cn\nSubject: x\nContent-Type: image/png\n\n\x89PNG",
                                       policy=policy.default)
    with pytest.raises(IssueError, match="no text or HTML part"):
        extract_page(raw(message.as_bytes(), "empty.eml"))


def test_a_newsletter_in_the_mail_body_wins_over_an_attached_copy_and_an_html_cover_note_does_not() -> None:
    newsletter = NEWSLETTER.read_bytes()
    cover_note = "<html><body><p>各位好，本期通讯见附件，请查收。</p></body></html>".encode()
    for body in (newsletter, cover_note):  # either way the issue is the newsletter, once
        message = EmailMessage()
        message["From"] = "基层工作通讯 <letters@example.cn>"
        message["Subject"] = "第8期"
        message.set_content(body, maintype="text", subtype="html", params={"charset": "utf-8"})
        message.add_attachment(newsletter, maintype="text", subtype="html", filename="copy.html")
        page = extract_page(raw(message.as_bytes(), "letter.eml"))
        assert len([line for line in page.lines if line.role == "title"]) == 2
        assert "请查收" not in page.text


def wechat_post(writer: str) -> bytes:
    """A post as WeChat lays it out: the writer an unlabelled piece of the dated line under the headline,
    between the post's mark and the account's link."""
    body = "".join(f"<section><span>{p}</span></section>" for p in (
        "小区门口的菜市场改造完成后，早晚都有居民来买菜，摊主们说生意比往年好做了不少。",
        "改造由街道牵头，摊位重新划分，地面和排水一并翻修，环境整洁了许多，老人买菜也方便。"))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>菜市场变了样</title></head><body>
<h1 class="rich_media_title">菜市场变了样</h1>
<div class="rich_media_meta_list"><span class="rich_media_meta">原创</span>
<span class="rich_media_meta">{writer}</span>
<span class="rich_media_meta_nickname"><a href="javascript:void(0);">城事观察</a></span>
<em id="publish_time">2026-03-02 08:00</em></div>
<div class="rich_media_content">{body}</div></body></html>""".encode()


@pytest.mark.parametrize(("writer", "authors"), [
    ("刘晓燕", ["刘晓燕"]), ("陈默 周一鸣 欧阳雪", ["陈默", "周一鸣", "欧阳雪"]), ("本报评论员", ["本报评论员"]),
    ("訾明远", ["訾明远"]),  # a rare surname
    ("和平", ["和平"]), ("高峰", ["高峰"]),  # names that are words of the dictionary: the place vouches for them
    ("", [])])
def test_a_post_names_its_writer_in_an_unlabelled_piece_of_its_dated_line(parse, writer: str,  # noqa: ANN001
                                                                           authors: list[str]) -> None:
    parsed = parse(wechat_post(writer), "post.html")
    assert heads(parsed) == [("菜市场变了样", None, authors)]  # never the post's mark or the account


CLOSING_QUESTION = "这片从未栽种过玫瑰的高原，如何“妙笔生花”？"  # short for prose, it ends the piece


def teaser_issue(pieces: list[tuple[str, str]]) -> bytes:
    """A newsletter of excerpts: each piece's column in bold over its headline, a byline, an opening
    paragraph and a question the excerpt stops at, all in body type."""
    places = ("东坡", "西岭", "南塬", "北川")
    blocks = []
    for (column, title), place in zip(pieces, places, strict=False):
        blocks.append(f"<p><strong>{column}</strong></p><h2>{title}</h2><p><em>作者：刘晓燕</em></p>"
                      f"<p>{place}冬季寒冷干燥，温室里的玫瑰却开得正好，工人们忙着采摘、打包、装箱。</p>"
                      f"<p>{CLOSING_QUESTION}</p>")
    return f"""<html><head><meta charset="utf-8"><title>学习简报</title></head><body>
<h1>学习简报</h1><p>本期共收录文章数篇。</p>{''.join(blocks)}</body></html>""".encode()


@pytest.mark.parametrize("closing", [CLOSING_QUESTION, "有人问：“这里也能种玫瑰吗？”"])
def test_a_piece_that_stops_at_a_short_question_keeps_it_as_its_last_paragraph(parse, closing: str) -> None:  # noqa: ANN001
    page = f"""<html><head><meta charset="utf-8"><title>旱塬花开</title></head><body><article>
<header><p class="eyebrow">现场评论</p><h1>旱塬花开</h1><p class="byline">文/刘晓燕</p></header>
<p>高原上冬季寒冷干燥，温室里的玫瑰却开得正好，工人们忙着采摘、打包、装箱。</p>
<p>{closing}</p><p class="source">（来源：示例日报）</p></article></body></html>"""
    parsed = parse(page.encode(), "page.html")
    assert heads(parsed) == [("旱塬花开", "现场评论", ["刘晓燕"])]
    assert parsed.articles[0].paragraphs[-1] == closing
    assert parsed.articles[0].subheadings == []  # it heads nothing


def test_a_question_an_excerpt_stops_at_is_no_label_over_the_next_headline(parse) -> None:  # noqa: ANN001
    parsed = parse(teaser_issue([("现场评论", "旱塬花开"), ("民生一线", "研究成果能落地")]), "issue.html")
    assert heads(parsed) == [("旱塬花开", "现场评论", ["刘晓燕"]), ("研究成果能落地", "民生一线", ["刘晓燕"])]
    assert [a.paragraphs[-1] for a in parsed.articles] == [CLOSING_QUESTION, CLOSING_QUESTION]


def round_up(*stories: tuple[str, str, str, str]) -> bytes:
    """A weekly round-up mail: each story a linked h3 headline, maybe a kicker above it and a subtitle
    under it, then a meta row in small grey type."""
    places = ("东街", "西巷", "南村", "北苑", "中庭", "后院", "前厅")
    blocks = []
    for n, (kicker, title, subtitle, meta) in enumerate(stories):
        text = (f"<p>{places[n]}把闲置的锅炉房改成了社区书屋，周末常有家长带着孩子来借书、听故事。</p>"
                f"<p>{places[n]}的书屋由居民志愿者轮流值守，图书来自捐赠和区图书馆的流转，每月更新一次。</p>")
        blocks.append(f'<div class="story">{f"<p class=kicker>{kicker}</p>" if kicker else ""}'
                      f'<h3><a href="https://news.example.cn/{n}.html">{title}</a></h3>'
                      f'{f"<p><i>{subtitle}</i></p>" if subtitle else ""}'
                      f'<p class="meta" style="color:#777;font-size:13px">{meta}</p>{text}</div>')
    return f"""<html><head><meta charset="utf-8"><title>社区周报</title></head><body>
<div style="font-size:30px;font-weight:bold">社区周报</div><p>本周为你挑选了几篇文章。</p>{''.join(blocks)}
<p>不想再收到？<a href="https://news.example.cn/unsubscribe">退订</a></p></body></html>""".encode()


def test_a_round_up_reads_each_story_s_column_and_writer_from_its_meta_row(parse) -> None:  # noqa: ANN001
    parsed = parse(round_up(
        ("", "锅炉房里的书香", "——老旧设施有了新用途", "街坊故事 · 刘晓燕"),  # the subtitle comes between
        ("", "书屋的值班表", "", "街坊故事"),  # a label in small type that names nobody is the column
        ("", "书架上的新书", "", "江畔随笔"),  # gapless, so no letter-spaced pair of names (江畔 随笔)
        ("", "读书会的第一百期", "", "社区生活·书香满街坊的十二年系列报道之十二 · 王小川 李想 周一鸣"),  # a long row
        ("闲置空间巧利用", "周末去书屋", "", "城事观察 · 陈默 周一鸣"),  # the kicker is then the over-title
        ("", "借书不用排队了", "", "作者"),  # a writer's label with no name: no writer
        ("", "还书箱搬到了路口", "", "（作者：）")), "weekly.html")
    assert [(a.section, a.authors) for a in parsed.articles] == [
        ("街坊故事", ["刘晓燕"]), ("街坊故事", []), ("江畔随笔", []),
        ("社区生活·书香满街坊的十二年系列报道之十二", ["王小川", "李想", "周一鸣"]), ("城事观察", ["陈默", "周一鸣"]),
        (None, []), (None, [])]
    assert [a.title for a in parsed.articles] == ["锅炉房里的书香", "书屋的值班表", "书架上的新书", "读书会的第一百期",
                                                  "周末去书屋", "借书不用排队了", "还书箱搬到了路口"]


@pytest.mark.parametrize("over", ['<p class="yinti">{}</p>', "<h3>{}</h3>"])
def test_an_over_title_the_markup_sets_over_a_headline_is_no_part_of_it(parse, over: str) -> None:  # noqa: ANN001
    # the over-title is about as long as the quoted headline, which the shape of a PDF's head cannot tell
    # from a headline wrapped over two lines; the markup says which element is the headline
    page = f"""<html><head><meta charset="utf-8"><title>“书屋就是家门口的课堂”</title></head><body>
{over.format("社区书屋让老锅炉房焕发新生")}<h1>“书屋就是家门口的课堂”</h1><p>作者：刘晓燕</p>
<p>东街把闲置的锅炉房改成了社区书屋，周末常有家长带着孩子来借书、听故事。</p>
<p>书屋由居民志愿者轮流值守，图书来自捐赠和区图书馆的流转，每月更新一次。</p></body></html>"""
    parsed = parse(page.encode(), "page.html")
    assert heads(parsed) == [("“书屋就是家门口的课堂”", None, ["刘晓燕"])]


def test_a_post_s_head_stays_inside_its_article_element(parse) -> None:  # noqa: ANN001
    # the site's name sits in the masthead over the post, as short as a column label; the post's
    # category is a link in the post's own header
    page = """<html><head><meta charset="utf-8"><title>书屋里的周末 – 街坊札记</title></head><body>
<header class="site-header"><p class="site-title"><a href="/">街坊札记</a></p></header>
<main><article class="post"><header class="entry-header">
<div class="entry-cats"><a href="/category/1/" rel="category tag">社区观察</a></div>
<h1 class="entry-title">书屋里的周末</h1>
<div class="entry-meta"><span class="byline">作者：<a href="/author/1/">刘晓燕</a></span>
<time datetime="2026-03-02">2026年3月2日</time></div></header>
<div class="entry-content"><p>东街把闲置的锅炉房改成了社区书屋，周末常有家长带着孩子来借书、听故事。</p>
<p>书屋由居民志愿者轮流值守，图书来自捐赠和区图书馆的流转，每月更新一次。</p></div></article></main>
</body></html>"""
    assert heads(parse(page.encode(), "post.html")) == [("书屋里的周末", "社区观察", ["刘晓燕"])]


def test_a_post_s_column_set_as_the_first_line_of_its_text_is_its_column(parse) -> None:  # noqa: ANN001
    # the text has bold subheadings further down, which are no headline the column line stands over
    sections = "".join(f"<section><span{style}>{text}</span></section>" for style, text in (
        (' style="color:#b22;font-size:15px"', "【街坊故事】"),
        (' style="font-size:16px;color:#888"', "老设施的新用途"),
        (' style="font-size:15px"', "东街把闲置的锅炉房改成了社区书屋，周末常有家长带着孩子来借书、听故事。"),
        (' style="font-weight:bold"', "志愿者轮流值守"),
        (' style="font-size:15px"', "书屋由居民志愿者轮流值守，图书来自捐赠和区图书馆的流转，每月更新一次。")))
    page = f"""<html><head><meta charset="utf-8"><title>书屋里的周末</title></head><body>
<h1 class="rich_media_title">书屋里的周末</h1>
<div class="rich_media_meta_list"><span>原创</span> <span>刘晓燕</span>
<span><a href="javascript:void(0);">城事观察</a></span> <em>2026-03-02 08:00</em></div>
<div class="rich_media_content">{sections}</div></body></html>"""
    assert heads(parse(page.encode(), "post.html")) == [("书屋里的周末", "街坊故事", ["刘晓燕"])]
