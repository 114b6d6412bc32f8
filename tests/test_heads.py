"""Heads in PDF-extracted text (issue 15): heads broken by blank lines, headlines wrapped
at their comma or with a kicker on a short last fragment, over-titles, closed subtitles,
long runs of names joined to the text; and the body lines that look like those shapes
but are not heads.

Every text here is invented for its shape.
"""

from __future__ import annotations

import pytest

from digest import zh
from digest.extract.text import page_from_text
from digest.models import Article, ParsedIssue
from digest.parse import bylines, heads, kinds
from digest.parse.segment import segment_page


def body(n: int) -> str:
    """A paragraph of its own (a repeat would read as a pull quote), of its own length."""
    return f"第{n}段正文写在这里，说明问题的背景和意义，提出第{n}种看法。" + "再补上一个理由。" * (n % 4)


def column(text: str, width: int = 16) -> list[str]:
    """Text cut into the lines of a page column, as a PDF's text is extracted."""
    return [text[k : k + width] for k in range(0, len(text), width)]


def packed(head: str, width: int = 16) -> str:
    """An article closed by its author's note, then `head` (its own line breaks kept) and a
    text set in a column, with no blank line but those the head holds."""
    before = [*column(body(1) + body(5), width), "（作者单位：某某大学）"]
    after = column(body(2) + body(6), width) + column(body(3) + body(7), width)
    return "\n".join([*before, head, *after]) + "\n"


def parse(text: str) -> ParsedIssue:
    return segment_page(page_from_text(text))


def last_article(text: str) -> Article:
    return parse(text).articles[-1]


# --- heads broken by blank lines -----------------------------------------------


@pytest.mark.parametrize("head, title, authors", [
    ("某某工作的新进展\n\n王建国", "某某工作的新进展", ["王建国"]),
    ("某某工作的新\n\n进展与成效\n\n王 明", "某某工作的新 进展与成效", ["王明"]),
    ("推动某某事业发展\n\n——学习《某某文集》\n\n中共某某省委理论学习中心组", "推动某某事业发展",
     ["中共某某省委理论学习中心组"]),
    ("某某工作的新进展\n\n呼延晓东", "某某工作的新进展", ["呼延晓东"]),
])
def test_a_head_with_blank_lines_between_its_lines_only_is_one_head(head: str, title: str,
                                                                      authors: list[str]) -> None:
    article = last_article(packed(head))
    assert (article.title, article.authors) == (title, authors)
    assert article.paragraphs[0].startswith("第2段正文")


def test_a_subheading_after_a_blank_line_stays_in_its_article() -> None:
    """Two heading lines with a blank line between them and no byline are a subheading
    over a subheading: no article opens."""
    text = "某项工作的标题\n张 三\n" + "\n".join(column(body(1) + body(5))) + "\n一点体会\n\n再谈一点\n" \
        + "\n".join(column(body(2) + body(6))) + "\n"
    [article] = parse(text).articles
    assert article.title == "某项工作的标题" and "一点体会" in article.paragraphs


# --- runs of names ---------------------------------------------------------------


@pytest.mark.parametrize("names_line, names", [
    ("王 一 朱明博 张 嘉 马 思", ["王一", "朱明博", "张嘉", "马思"]),
    ("李华文 刘 东 陈晓明 赵 刚 孙 丽", ["李华文", "刘东", "陈晓明", "赵刚", "孙丽"]),
])
def test_a_long_run_of_names_joined_to_the_text_under_it_is_split_off(names_line: str, names: list[str]) -> None:
    # the byline fills the column (13 characters) and is joined to the first line of the text
    text = packed(f"某某工作的新进展\n{names_line}", width=len(names_line) - 1)
    article = last_article(text)
    assert (article.title, article.authors) == ("某某工作的新进展", names)
    assert article.paragraphs[0].startswith("第2段正文")


def test_padded_names_read_as_letter_spacing_are_names() -> None:
    assert bylines.names_under_headline("王博孙一徐明刘远") == ["王博", "孙一", "徐明", "刘远"]
    assert bylines.names_under_headline("黄博孙一徐明刘远郭鸣") == ["黄博", "孙一", "徐明", "刘远", "郭鸣"]


@pytest.mark.parametrize("run", ["高举旗帜砥砺前行", "王云峰曹平赵渊明", "改革发展稳定创新协调"])
def test_a_letter_spaced_phrase_is_not_read_as_padded_names(run: str) -> None:
    assert bylines.names_under_headline(run) == []


def test_a_sentence_that_starts_with_a_name_is_no_byline() -> None:
    text = packed("某某工作的新进展\n王建国\n张明说，这项工作已经推进了三年，\n今后还要继续做下去。")
    article = last_article(text)
    assert article.authors == ["王建国"]
    assert article.paragraphs[0].startswith("张明说")


def test_names_in_the_text_under_a_byline_stay_in_the_text() -> None:
    assert not bylines.could_be_byline("王建国说这项工作已经推进了三年今后还要继续")
    assert bylines.could_be_byline("王 一 朱明博 张 嘉 马 思")


# --- wrapped headlines -----------------------------------------------------------


@pytest.mark.parametrize("head, title", [
    ("服务随人走，\n发展添活力\n王 明", "服务随人走， 发展添活力"),
    ("服务随人走，\n\n发展添活力\n\n王 明", "服务随人走， 发展添活力"),
    ("光伏行业迈向更加理性、\n稳健、可持续的新阶段\n王 明", "光伏行业迈向更加理性、 稳健、可持续的新阶段"),
])
def test_a_headline_broken_at_its_comma_is_kept_whole(head: str, title: str) -> None:
    article = last_article(packed(head))
    assert (article.title, article.authors) == (title, ["王明"])


def test_a_headline_broken_at_its_comma_in_a_web_export_is_kept_whole() -> None:
    text = f"某报 2026-01-03 第05版：理论\n\n服务随人走，\n发展添活力\n王 明\n\n{body(1)}\n{body(2)}\n"
    assert last_article(text).title == "服务随人走， 发展添活力"


def test_a_short_line_ending_on_a_comma_in_the_text_is_no_headline() -> None:
    """A clause cut off where the column broke, over the rest of its sentence, is text."""
    assert not heads.continues_headline("近年来，", "全市新增就业岗位三万个。")
    assert not heads.continues_headline("这项工作", "已经推进了三年")  # no clause mark at the break


@pytest.mark.parametrize("head, title", [
    ("中国农机驶\n向海外市场（专题深思）\n王 明", "中国农机驶 向海外市场"),  # the break cuts 驶向
    ("为“银发就业者\n”解除后顾之忧（专题深思）\n王 明", "为“银发就业者”解除后顾之忧"),  # a quotation left open
    ("扎实做好\n防灾救灾\n各项工作（专题深思）\n王 明", "扎实做好 防灾救灾 各项工作"),  # lines of one measure
    ("一场市集打\n开文旅消费\n新空间（专题深思）\n王 明", "一场市集打 开文旅消费 新空间"),  # a short last fragment
    ("乡村振兴路上\n的新农人（专题深思）\n王 明", "乡村振兴路上 的新农人"),  # the next line opens on 的
])
def test_a_kicker_closing_a_wrapped_headline_keeps_the_headline_whole(head: str, title: str) -> None:
    article = last_article(packed(head))
    assert (article.section, article.title, article.authors) == ("专题深思", title, ["王明"])


def test_a_phrase_of_its_own_over_a_headline_with_a_kicker_is_its_over_title() -> None:
    article = last_article(packed("坚持人民至上\n做好新时代民生工作（专题深思）\n王 明"))
    assert (article.section, article.title) == ("专题深思", "做好新时代民生工作")


def test_a_line_opening_on_a_word_that_starts_with_de_is_no_cut_particle() -> None:
    assert heads._opens_on_particle("的新农人")
    assert not heads._opens_on_particle("的确如此")  # 的确 is a word of its own
    assert not heads._opens_on_particle("新农人的故事")


def test_a_line_inside_a_wrapped_headline_is_no_column_label() -> None:
    article = last_article(packed("锚定2030\n目标任务\n绘制体育强国\n新蓝图\n王 明"))
    assert (article.section, article.title) == (None, "锚定2030 目标任务 绘制体育强国 新蓝图")


# --- over-titles -----------------------------------------------------------------


def test_a_shorter_line_over_a_wrapped_headline_is_its_over_title() -> None:
    parsed = parse(packed("坚持人民至上的理念\n以新质生产力推动产业体\n系加快转型升级\n王 明"))
    article = parsed.articles[-1]
    assert (article.section, article.title) == (None, "以新质生产力推动产业体 系加快转型升级")
    assert article.authors == ["王明"]
    assert ("lead", "坚持人民至上的理念") in [(d.kind, d.text) for d in parsed.dropped]


def test_a_headline_wrapped_at_one_measure_keeps_its_first_line() -> None:
    article = last_article(packed("以新质生产力推动产业\n体系加快转型升级的\n实践路径\n王 明"))
    assert article.title == "以新质生产力推动产业 体系加快转型升级的 实践路径"


def test_two_halves_of_a_headline_stay_one_headline() -> None:
    """Without a kicker, a line over a one-line headline may be its first half: kept."""
    assert last_article(packed("坚持人民至上\n做好新时代民生工作\n王 明")).title == "坚持人民至上 做好新时代民生工作"


def test_the_measure_tells_an_over_title_from_a_wrap() -> None:
    assert heads.is_wrapped(["以新质生产力推动", "产业体系转型升级", "的路径"])
    assert not heads.is_wrapped(["坚持人民至上", "以新质生产力推动产业"])  # shorter than the line under it
    assert heads.over_title_end(["坚持人民至上", "以新质生产力推动产业", "体系加快转型升级"]) == 1
    assert heads.over_title_end(["坚持人民至上", "做好新时代民生工作"]) == 0


def test_a_word_across_a_line_break_is_found_by_the_dictionary() -> None:
    assert zh.word_runs_across("中国农机驶", "向海外市场")
    assert not zh.word_runs_across("坚持人民至上", "做好新时代民生工作")


# --- subtitles -------------------------------------------------------------------


@pytest.mark.parametrize("headline", ["搬离的是故土，守望的是初心", "以行动感悟“坚定、奋斗”"])
def test_a_closed_subtitle_that_fills_the_column_is_not_joined_to_the_headline(headline: str) -> None:
    subtitle = "——学习《某某论述摘编》"
    text = packed(f"{headline}\n{subtitle}\n中共某某省委理论学习中心组", width=len(subtitle))
    article = last_article(text)
    assert (article.title, article.authors) == (headline, ["中共某某省委理论学习中心组"])
    assert article.paragraphs[0].startswith("第2段正文")


def test_a_dash_inside_a_wrapped_sentence_is_no_subtitle() -> None:
    text = "某项工作的标题\n张 三\n" + "\n".join([
        "正文第一行写满了这一整列的宽度", "第二行同样写满了这一整列的宽", "——这是一个句子里的破折号，它把",
        "意思接着说下去，直到句子结束。"]) + "\n" + "\n".join(column(body(2) + body(6), 15)) + "\n"
    [article] = parse(text).articles
    assert "——这是一个句子里的破折号，它把意思接着说下去" in article.paragraphs[0]


def test_a_bracketed_note_broken_over_two_lines_is_no_headline_with_a_kicker() -> None:
    """"（作者为……教" / "授）（本文由……编辑）": the end of an author's note and an editorial
    note, not a headline's last fragment closed by its kicker."""
    assert heads.kicker_at(["（作者为某某大学新闻学院教", "授）（本文由某某杂志社组稿）"], 1)[1] is None
    assert heads.kicker_at(["一场市集打", "开文旅消费", "新空间（专题深思）"], 2) == ("新空间", "专题深思")


def test_an_attribution_broken_after_a_bracket_is_no_closed_subtitle() -> None:
    """"——某某党校（某某学院）" / "教授 某某": a contributor's attribution that goes on with
    the post and name on the next line, not a subtitle."""
    assert not kinds.is_closed_subtitle("——中共某某省委党校（某某学院）")
    assert kinds.is_closed_subtitle("——学习《某某论述摘编》")
    assert not kinds.is_closed_subtitle("——这是一个句子里的破折号，它把《某书》")
