"""Bylines and headlines in the shapes unseen pages print them (issue 15), and the
layout hints a PDF passes on its lines (issue 13).

Every text here is invented for its shape: institutions signing a piece, rare
compound surnames, long runs of names, names printed without gaps where the
layout marks a byline, headlines wrapped over lines (with and without blank
lines between them), kickers left at the end of a wrapped headline or on a
line of their own, over-titles, and a column named after the book it reads.
"""

from __future__ import annotations

import pytest

from digest.extract.text import page_from_text
from digest.models import Article, Line, Page, ParsedIssue
from digest.parse import bylines
from digest.parse.segment import segment_page


def body(n: int) -> str:
    """A paragraph of its own (a repeat would read as a pull quote), of its own length."""
    return f"第{n}段正文写在这里，说明问题的背景和意义，提出第{n}种看法。" + "再补上一个理由。" * (n % 4)


def parse(text: str) -> ParsedIssue:
    return segment_page(page_from_text(text))


def last_article(text: str) -> Article:
    return parse(text).articles[-1]


def column(text: str, width: int = 16) -> list[str]:
    """Text cut into the lines of a page column, as a PDF's text is extracted."""
    return [text[k : k + width] for k in range(0, len(text), width)]


def pdf_text(head: list[str]) -> str:
    """An article closed by its author's note, then a head and a text set in a column,
    with a blank line after every line (what many PDF-to-text tools leave)."""
    before = [*column(body(1) + body(5)), "（作者单位：某某大学）"]
    after = column(body(2) + body(6)) + column(body(3) + body(7))
    return "\n\n".join([*before, *head, *after]) + "\n"


# --- institutions ------------------------------------------------------------


@pytest.mark.parametrize("signer", [
    "中共某某省委理论学习中心组",
    "某某省社会科学院马克思主义研究中心",
    "中共某某市委党校",
    "某某省高级人民法院院务会",
    "某某大学某某思想研究院",
])
def test_an_institution_after_a_study_subtitle_is_the_author(signer: str) -> None:
    head = f"一篇文章的标题\n——学习《某某文集》第三卷\n{signer}"
    text = f"某刊 2026-01-03 第05版：理论\n\n{head}\n\n{body(1)}\n{body(2)}\n"
    article = last_article(text)
    assert (article.title, article.authors) == ("一篇文章的标题", [signer])


def test_an_institution_under_a_headline_opens_a_new_article() -> None:
    text = f"第一篇的标题\n张 三\n{body(1)}\n第二篇文章的标题\n某某市委党校课题组\n{body(2)}\n{body(3)}\n"
    first, second = parse(text).articles
    assert (second.title, second.authors) == ("第二篇文章的标题", ["某某市委党校课题组"])
    assert first.body == body(1)


@pytest.mark.parametrize("line", [
    "更好发挥研究中心的作用",  # ends on a word, not on what institutions are called
    "推动高质量发展",
    "某某研究中心，某某研究院，某某学会以及更多单位共同写成的一篇文章的署名",  # prose, too long
])
def test_a_line_that_does_not_end_on_an_institution_does_not_sign(line: str) -> None:
    assert bylines.institution(line) is None


# --- personal names ----------------------------------------------------------


@pytest.mark.parametrize("byline, names", [
    ("呼延晓东", ["呼延晓东"]),  # a rarer compound surname, a four-character name
    ("钟离子健 王 明", ["钟离子健", "王明"]),
    ("李 明 王建国 赵 刚 孙晓红", ["李明", "王建国", "赵刚", "孙晓红"]),  # four names, two padded
    ("濮 宁 王建国 赵 刚 孙晓红 周 婷", ["濮宁", "王建国", "赵刚", "孙晓红", "周婷"]),  # five, a rare surname
])
def test_names_under_a_headline_are_its_authors(byline: str, names: list[str]) -> None:
    text = f"热点思考\n某项工作的标题\n{byline}\n{body(1)}\n{body(2)}\n"
    article = last_article(text)
    assert (article.title, article.authors) == ("某项工作的标题", names)


@pytest.mark.parametrize("line", ["公平正义", "改革 发展 稳定 创新 协调", "统筹 发展 和 安全"])
def test_words_under_a_headline_are_not_names(line: str) -> None:
    assert bylines.names_under_headline(line, text_follows=True) == []
    assert not bylines.byline(line)


def test_names_printed_without_gaps_are_cut_where_surnames_start() -> None:
    assert bylines.unspaced_names("王云峰曹平赵渊明") == ["王云峰", "曹平", "赵渊明"]
    assert bylines.unspaced_names("钱志刚吕秋月") == ["钱志刚", "吕秋月"]
    assert bylines.unspaced_names("推动高质量发展") == []  # no cut into surnamed names
    assert bylines.unspaced_names("王明") == []  # one name is no run of names


# --- layout hints ------------------------------------------------------------


def hinted_page(lines: list[Line]) -> Page:
    return Page(id="x", name="x.pdf", origin="x.pdf", lines=tuple(lines), media_type="application/pdf")


def text_lines(*numbers: int) -> list[Line]:
    return [Line(body(n), size=1.0) for n in numbers]


def test_a_byline_the_layout_marks_may_print_its_names_without_gaps() -> None:
    lines = [Line("第一篇的标题", size=2.0, role="title"), Line("王云峰曹平赵渊明", size=1.1, role="byline"),
             Line(""), *text_lines(1, 2)]
    [article] = segment_page(hinted_page(lines)).articles
    assert (article.title, article.authors) == ("第一篇的标题", ["王云峰", "曹平", "赵渊明"])


def test_without_the_hint_a_run_without_gaps_is_not_cut_into_names() -> None:
    [article] = parse(f"第一篇的标题\n王云峰曹平赵渊明\n{body(1)}\n{body(2)}\n").articles
    assert article.authors == []


def test_a_byline_alone_after_an_end_note_opens_a_headless_article() -> None:
    lines = [Line("第一篇的标题", size=2.0, role="title"), Line("张三", role="byline"), Line(""),
             *text_lines(1), Line("（作者为某某大学教授）", size=0.9, role="note"), Line(""),
             Line("钱志刚吕秋月", size=1.1, role="byline"), Line(""), *text_lines(2, 3)]
    first, second = segment_page(hinted_page(lines)).articles
    assert (second.title, second.authors) == (None, ["钱志刚", "吕秋月"])


def test_a_slogan_alone_over_a_headless_article_is_the_page_banner() -> None:
    lines = [Line("深入学习贯彻某某会议精神奋力书写新时代篇章", size=2.5, role="title"), Line(""),
             *text_lines(1, 2)]
    parsed = segment_page(hinted_page(lines))
    assert parsed.articles[0].title is None
    assert ("banner", "深入学习贯彻某某会议精神奋力书写新时代篇章") in [(d.kind, d.text) for d in parsed.dropped]


def test_a_slogan_headline_with_a_byline_stays_the_headline() -> None:
    [article] = parse(f"深入学习贯彻某某会议精神奋力书写新时代篇章\n张 三\n{body(1)}\n{body(2)}\n").articles
    assert (article.title, article.authors) == ("深入学习贯彻某某会议精神奋力书写新时代篇章", ["张三"])


def test_an_over_title_the_layout_marks_is_not_part_of_the_headline() -> None:
    lines = [Line("坚持人民至上", size=1.4, role="subtitle"), Line("做好新时代民生工作", size=2.0, role="title"),
             Line("李四", role="byline"), Line(""), *text_lines(1, 2)]
    [article] = segment_page(hinted_page(lines)).articles
    assert (article.title, article.authors) == ("做好新时代民生工作", ["李四"])


def test_without_the_hint_two_lines_of_a_headline_are_its_two_halves() -> None:
    [article] = parse(f"坚持人民至上\n做好新时代民生工作\n李 四\n{body(1)}\n{body(2)}\n").articles
    assert article.title == "坚持人民至上 做好新时代民生工作"


# --- headlines in PDF-extracted text -------------------------------------------


@pytest.mark.parametrize("halves", [
    ["以新质生产力", "推动产业体系", "加快转型升级"],
    ["以新质生产力推动", "产业体系加快转型", "升级的路径选择与", "实践要求"],
    ["以新质生产力推动产业", "体系加快转型升级"],
])
def test_a_headline_wrapped_over_lines_is_kept_whole(halves: list[str]) -> None:
    article = last_article(pdf_text([*halves, "李四"]))
    assert (article.title, article.authors) == (" ".join(halves), ["李四"])


def test_a_headline_wrapped_with_blank_lines_only_between_its_lines_is_kept_whole() -> None:
    before = "\n".join(column(body(1) + body(5))) + "\n（作者单位：某某大学）\n\n"
    text = before + "以新质生产力\n\n推动产业体系\n\n加快转型升级\n\n李 四\n\n" + "\n".join(column(body(2) + body(6)))
    article = last_article(text + "\n")
    assert (article.title, article.authors) == ("以新质生产力 推动产业体系 加快转型升级", ["李四"])


def test_a_kicker_on_a_line_of_its_own_after_a_wrapped_headline_is_the_section() -> None:
    article = last_article(pdf_text(["以新质生产力推动", "产业体系转型升级", "（专题深思）", "李四"]))
    assert (article.section, article.title) == ("专题深思", "以新质生产力推动 产业体系转型升级")


def test_a_kicker_closing_a_wrapped_headline_is_split_off_and_the_headline_kept_whole() -> None:
    article = last_article(pdf_text(["以新质生产力推动产业", "体系加快转型升级的", "实践路径（专题深思）", "李四"]))
    assert (article.section, article.title) == ("专题深思", "以新质生产力推动产业 体系加快转型升级的 实践路径")


def test_a_shorter_line_over_a_headline_with_a_kicker_is_its_over_title() -> None:
    article = last_article(pdf_text(["坚持统筹兼顾", "做好某项工作（专题深思）", "王五"]))
    assert (article.section, article.title) == ("专题深思", "做好某项工作")


@pytest.mark.parametrize("label", [["深入学习某某思想·《某某文集》通读"], ["深入学习某某思想·", "《某某文集》通读"],
                                   ["深入学习某某思想·《某某", "文集》第一至三卷通读"]])
def test_a_column_named_after_a_book_is_the_section_and_swallows_no_text(label: list[str]) -> None:
    article = last_article(pdf_text([*label, "发展新质生产力的实践要求", "王五"]))
    assert (article.section, article.title, article.authors) == ("".join(label), "发展新质生产力的实践要求", ["王五"])
    assert article.paragraphs[0].startswith("第2段正文")


def test_a_column_named_after_a_book_over_the_text_is_no_headline() -> None:
    article = last_article(pdf_text(["深入学习某某思想·《某某文集》通读"]))
    assert (article.section, article.title) == ("深入学习某某思想·《某某文集》通读", None)
    assert article.paragraphs[0].startswith("第2段正文")


def test_a_headline_that_names_a_book_is_still_a_headline() -> None:
    article = last_article(pdf_text(["重读《某某文集》的体会", "王五"]))
    assert (article.section, article.title) == (None, "重读《某某文集》的体会")


@pytest.mark.parametrize("lines", [["更好促进", "民营经济", "发展壮大"], ["谦逊低调", "务实功"],
                                   ["以开放合作", "推动实现高", "水平科技自", "立自强"]])
def test_a_headline_wrapped_at_a_short_measure_is_no_column_label_over_its_rest(lines: list[str]) -> None:
    article = last_article(pdf_text([*lines, "李四"]))
    assert (article.section, article.title) == (None, " ".join(lines))


def test_a_short_label_over_a_longer_headline_is_still_the_column() -> None:
    article = last_article(pdf_text(["理论探索", "以新质生产力推动发展", "李四"]))
    assert (article.section, article.title) == ("理论探索", "以新质生产力推动发展")


def test_a_subtitle_under_a_headline_that_fills_the_column_is_not_joined_to_it() -> None:
    article = last_article(pdf_text(["以新质生产力推动产业体系升级", "——学习《某某文集》", "某某省委理论学习中心组"]))
    assert (article.title, article.authors) == ("以新质生产力推动产业体系升级", ["某某省委理论学习中心组"])


def test_a_dash_a_wrapped_sentence_carries_over_stays_in_its_paragraph() -> None:
    text = "热点思考\n某项工作的标题\n张 三\n" + "\n".join([
        "正文第一行写满了这一整列的宽度", "第二行同样写满了这一整列的宽", "——这是一个句子里的破折号，它把",
        "意思接着说下去，直到句子结束。"] * 2) + "\n"
    [article] = parse(text).articles
    assert article.paragraphs[0].startswith("正文第一行") and "——这是" in article.paragraphs[0]


def test_an_institution_that_filled_its_column_is_split_off_the_text_under_it() -> None:
    lines = ["以新质生产力推动产业升级", "——学习《某某读本》", "中共某某省委理论学习中心组"]
    before = [*column(body(1) + body(5)), "（作者单位：某某大学）"]
    text = "\n".join([*before, *lines]) + "\n" + "\n".join(column(body(2) + body(6), width=13)) + "\n"
    article = last_article(text)
    assert (article.title, article.authors) == ("以新质生产力推动产业升级", ["中共某某省委理论学习中心组"])
    assert article.paragraphs[0].startswith("第2段正文")
