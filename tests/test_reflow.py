"""Reflow: raw page text → logical lines (paragraphs, headings, bylines)."""

from __future__ import annotations

from digest.parse.kinds import ends_sentence, is_heading_like
from digest.parse.reflow import reflow_lines


def column(*lines: str, blank_between: bool = False) -> str:
    """Page text as a PDF extractor gives it: one column line a line."""
    return ("\n\n" if blank_between else "\n").join(lines) + "\n"


# A narrow column: most lines fill 12 characters, paragraph ends fall short.
COLUMN = (
    "标题行",
    "第一段文字从这里开始写起，一直",
    "写到这一列的末尾再转到下一行，",
    "直到句子结束为止。",
    "第二段文字又从新的一行开始，同",
    "样写满整整一列后才会换到下一",
    "行继续。",
)


def test_column_lines_join_into_paragraphs() -> None:
    lines = reflow_lines(column(*COLUMN))
    assert lines == [
        "标题行",
        "第一段文字从这里开始写起，一直写到这一列的末尾再转到下一行，直到句子结束为止。",
        "第二段文字又从新的一行开始，同样写满整整一列后才会换到下一行继续。",
    ]


def test_blank_line_after_every_line_means_nothing() -> None:
    assert reflow_lines(column(*COLUMN, blank_between=True)) == reflow_lines(column(*COLUMN))


def test_blank_lines_end_paragraphs_when_they_are_rare() -> None:
    text = "第一段只有一行而且" + "很长" * 23 + "\n\n第二段。\n"
    assert len(reflow_lines(text)) == 2


def test_letter_spacing_is_undone() -> None:
    assert reflow_lines("求 木 之 长 者 ，必 固 其 根 本 。\n") == ["求木之长者，必固其根本。"]
    assert reflow_lines("4 月 28 日，全国总工会成立 100 周年。\n") == ["4月28日，全国总工会成立100周年。"]


def test_latin_words_keep_their_spaces_and_urls_stay() -> None:
    [line] = reflow_lines("使用 machine learning 方法,见 http://example.org/a,b 。\n")
    assert "machine learning" in line
    assert "http://example.org/a,b" in line
    assert "方法，见" in line


def test_half_width_punctuation_turns_full_width_in_chinese() -> None:
    assert reflow_lines("怎样获得证书?可以查询(官网)。\n") == ["怎样获得证书？可以查询（官网）。"]


def test_paragraph_a_line_with_a_mid_sentence_break() -> None:
    long_start = "第一，" + "这是一段很长的段落文字，" * 8 + "满足职工对美"
    text = column("标题", long_start, "好生活的向往，有助于提振消费信心。", "第二，另一段。", blank_between=True)
    assert reflow_lines(text) == ["标题", long_start + "好生活的向往，有助于提振消费信心。", "第二，另一段。"]


def test_an_unclosed_quote_joins_the_next_line() -> None:
    text = column("一是另一项。", "二是打造创新孵化与品质甄选的“供给", "牵引枢纽”。工会应主动引导供给结构优化升级。",
                  "三是又一项。", blank_between=True)
    assert reflow_lines(text)[1] == "二是打造创新孵化与品质甄选的“供给牵引枢纽”。工会应主动引导供给结构优化升级。"


def test_a_heading_after_a_cut_paragraph_stays_apart() -> None:
    cut = "第二，" + "构建培育体系，培育新时代工匠人才，" * 6 + "三是推动校企协同培育，鼓励"
    text = column(cut, "工作研究", "加大培育力度 打造高素质数字人才队伍", "杜宇", blank_between=True)
    assert reflow_lines(text) == [cut, "工作研究", "加大培育力度 打造高素质数字人才队伍", "杜宇"]


def test_numbered_item_starts_a_paragraph_after_a_full_line() -> None:
    lines = reflow_lines(column(
        "这一段写满了一整列宽度的文字。",
        "后面还有很多字要写满这一整列。",
        "第二，新的一项从这一行开始写。",
        "后面还有很多字要写满这一整列。",
    ))
    assert lines[-1].startswith("第二，")


def test_a_byline_keeps_the_space_between_names() -> None:
    assert reflow_lines("钱志权 吕秋慧\n") == ["钱志权 吕秋慧"]


def test_heading_and_sentence_predicates() -> None:
    assert is_heading_like("立足组织体系优势，筑牢促消费、稳内需的职工阵地")
    assert is_heading_like("怎样获得职业技能等级证书？")
    assert not is_heading_like("这是一句话。这是另一句话")
    assert ends_sentence("他说：“好。”")
    assert ends_sentence("（作者单位：某大学）")
    assert not ends_sentence("三是推动校企协同培育，鼓励")


# A column of 14 cells: the numbers take half a cell a digit, as on the page.
NUMBERS_COLUMN = (
    "上半年全市新增就业岗位共计",
    " 12000 多个，比去年同期增长了",
    " 15.6 %，其中制造业岗位占比",
    "过半，服务业岗位有所增加，共",
    " 3000 多个。",
    "下半年还要继续扩大就业规模，",
    "稳住就业基本盘不放松。",
)


def test_a_line_holding_numbers_is_as_wide_as_its_neighbours() -> None:
    [line, last] = reflow_lines(column(*NUMBERS_COLUMN))
    assert line.startswith("上半年") and line.endswith("共3000多个。")
    assert last == "下半年还要继续扩大就业规模，稳住就业基本盘不放松。"


def test_an_indented_line_opens_a_paragraph_even_after_a_full_line() -> None:
    lines = reflow_lines(column(
        "一个写满了这一整列宽度的标题",
        "\u3000\u3000正文从缩进的这一行开始写起，",
        "一直写满这一整列才换到下一行，",
        "直到这里句子才结束了。",
    ))
    assert lines[0] == "一个写满了这一整列宽度的标题"
    assert lines[1].startswith("正文从缩进")


def test_a_headline_wider_than_the_column_stands_alone() -> None:
    lines = reflow_lines(column(
        "上一篇文章写满了一整列宽度。",
        "上一篇文章写满了一整列宽度，",
        "直到这里句子才算写完结束了。",
        "一个比这一列宽得多的标题，横跨了两栏",
        "正文写满了这一整列宽度的文字，",
        "直到这里句子才算写完结束了。",
    ))
    assert "一个比这一列宽得多的标题，横跨了两栏" in lines


def test_a_bare_headline_wider_than_the_column_under_it_is_not_joined_to_it() -> None:
    lines = reflow_lines(column(
        "上一篇文章在一个较宽的栏框里写满一整行。",
        "上一篇文章在一个较宽的栏框里写满一整行，",
        "直到这一行句子才算写完，结束了这一篇。",
        "一个比下面的栏宽得多的标题横跨了两栏",
        "正文写满了这一整列宽度，",
        "直到这里句子才算写完结",
        "束，下一段另起一行开始。",
        "正文写满了这一整列宽度。",
    ))
    assert "一个比下面的栏宽得多的标题横跨了两栏" in lines


def test_a_dateline_starts_the_story_under_it() -> None:
    lines = reflow_lines(column(
        "本报北京7月13日电 （记者某某）",
        "记者从有关部门获悉：近年",
        "来，这项工作的状况持续改",
        "善，各方面的功能明显提升。",
        "另一段正文写满了这一整列",
        "宽度，直到这里才结束了。",
    ))
    assert lines[0].startswith("本报北京7月13日电") and lines[0].endswith("明显提升。")


def test_a_short_headline_may_exclaim_midway() -> None:
    assert is_heading_like("好消息！新机遇来了")
    assert is_heading_like("这件事为何值得做？（某某栏目）")
    assert not is_heading_like("这件事为何值得做？因为它关系到每一个普通人的切身利益和长远发展")
