"""Segmenting issues into articles: the seeds against their references, the
scorer's quality gate on both reference sets, and the rules on small pages."""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest

from digest.errors import IssueError
from digest.extract.text import page_from_text
from digest.models import ParsedIssue, parsed_issue_to_json
from digest.parse.segment import segment_page as parse_issue
from digest.pipeline import read_page

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
INBOX = ROOT / "examples" / "inbox"
GOLD = ROOT / "tests" / "data" / "gold"
SEEDS = sorted(INBOX.glob("*.txt"))

# The acceptance figures: (articles F1, titles, sections, authors); never lower them.
SEED_GATE = (1.0, 1.0, 1.0, 1.0)
EVAL_GATE = (1.0, 1.0, 1.0, 1.0)


def norm(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def page(text: str, name: str = "page.txt") -> ParsedIssue:
    return parse_issue(page_from_text(text, name))


@pytest.fixture(scope="module")
def seeds() -> dict[str, ParsedIssue]:
    return {p.stem: parse_issue(read_page(p)) for p in SEEDS}


# --- the seeds against their references ---------------------------------------


@pytest.mark.parametrize("seed", [p.stem for p in SEEDS])
def test_seed_articles_match_the_reference(seeds: dict[str, ParsedIssue], seed: str) -> None:
    gold = json.loads((GOLD / f"{seed}.json").read_text(encoding="utf-8"))
    articles = seeds[seed].articles
    assert len(articles) == len(gold["articles"])
    for got, want in zip(articles, gold["articles"], strict=True):
        assert norm(got.title) == norm(want["title"])
        assert norm(got.section) == norm(want.get("section"))
        if want.get("authors") is not None:
            assert [norm(a) for a in got.authors] == [norm(a) for a in want["authors"]]
        assert got.kind == want["kind"]
        assert got.truncated == want["truncated"]
        assert norm(want["last"]).rstrip("。") in norm(got.body)[-200:]


def test_headline_less_articles_get_a_title_from_their_own_text(seeds: dict[str, ParsedIssue]) -> None:
    first, second = seeds["000_5eb1b97fbbdabd90"].articles[:2]
    assert first.title is None and second.title is None
    assert first.display_title and len(first.display_title) <= 31
    assert norm(first.display_title) in norm(first.body)
    assert norm(second.display_title) in norm(second.body)
    assert first.display_title != second.display_title


def test_bylines_affiliations_and_compilers(seeds: dict[str, ParsedIssue]) -> None:
    articles = seeds["000_5eb1b97fbbdabd90"].articles
    assert articles[1].authors == ["钱志权", "吕秋慧"]
    assert articles[1].affiliation == "浙江农林大学、浙江机电职业技术大学"
    assert articles[0].affiliation == "重庆市总工会党组书记、副主席"
    viewpoints = articles[2]
    assert viewpoints.kind == "viewpoints"
    assert viewpoints.section == "观点撷英"  # the decorative "G" is not part of it
    assert viewpoints.compiler == "张菁"
    assert viewpoints.contributors == ["赖德胜", "李光红", "蔡宏波", "秦雪征", "李飚"]


def test_page_furniture_is_dropped_not_read(seeds: dict[str, ParsedIssue]) -> None:
    for parsed in seeds.values():
        kinds = {d.kind for d in parsed.dropped}
        assert {"banner", "pull_quote"} <= kinds
        bodies = "".join(norm(a.body) for a in parsed.articles)
        for banner in (d for d in parsed.dropped if d.kind == "banner"):
            assert norm(banner.text) not in bodies


def test_subheadings_stay_inside_their_article(seeds: dict[str, ParsedIssue]) -> None:
    article = seeds["004_734411ccc87f0fa0"].articles[0]
    assert len(article.subheadings) == 3
    assert all(s in article.paragraphs for s in article.subheadings)
    assert article.title not in article.paragraphs


def test_qa_box_and_cut_off_article(seeds: dict[str, ParsedIssue]) -> None:
    articles = seeds["004_734411ccc87f0fa0"].articles
    qa = next(a for a in articles if a.kind == "qa")
    assert qa.authors == [] and qa.compiler == "张菁"
    cut = next(a for a in articles if a.truncated)
    assert not cut.body.endswith("。")


# --- the scorer's quality gate ---------------------------------------------------


def load_scorer() -> ModuleType:
    path = SHARED / "tools" / "score_parse.py"
    if not path.exists():
        pytest.skip(f"scorer not found at {path} (../shared is absent): quality gate not run")
    spec = importlib.util.spec_from_file_location("score_parse", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gate(issues: list[Path], gold_dir: Path) -> tuple[float, float, float, float]:
    scorer = load_scorer()
    reports = []
    for issue in issues:
        gold = json.loads((gold_dir / f"{issue.stem}.json").read_text(encoding="utf-8"))
        pred = parsed_issue_to_json(parse_issue(read_page(issue)))
        reports.append(scorer.score_issue(gold, pred))
    total = scorer.merge(reports)
    return (
        total["articles"]["f1"],
        total["title_accuracy"],
        total["section_accuracy"],
        total["authors_accuracy"],
    )


def test_quality_gate_on_the_seeds() -> None:
    scores = gate(SEEDS, GOLD)
    assert all(got >= want for got, want in zip(scores, SEED_GATE, strict=True)), scores


def test_quality_gate_on_the_eval_pages() -> None:
    pages = SHARED / "eval" / "pages"
    if not pages.is_dir():
        pytest.skip(f"eval pages not found at {pages} (../shared is absent)")
    scores = gate(sorted(pages.glob("*.txt")), pages)
    assert all(got >= want for got, want in zip(scores, EVAL_GATE, strict=True)), scores


# --- rules on small pages ----------------------------------------------------------

WEB_PAGE = """人民日报 2026-01-02 第09版：理论

完善制度  提升效能
推进某项工作高质量发展（专题深思）
王廷惠 余 飞

第一段正文写在这里，说明问题的背景和意义。
第二段正文继续论述，提出一些看法。
细化举措，压实责任
第三段正文在小标题之下，仍属同一篇文章。
（作者单位分别为甲大学、乙研究院）

另一篇文章的标题（思想纵横）
李 娟

另一篇的正文只有一段，说完就结束了。
"""


def test_web_export_layout() -> None:
    parsed = page(WEB_PAGE)
    assert [d.kind for d in parsed.dropped][:1] == ["masthead"]
    first, second = parsed.articles
    assert (first.title, first.section) == ("推进某项工作高质量发展", "专题深思")
    assert first.authors == ["王廷惠", "余飞"]
    assert first.affiliation == "甲大学、乙研究院"
    assert first.subheadings == ["细化举措，压实责任"]
    assert first.paragraphs[0].startswith("第一段")
    assert (second.title, second.section, second.authors) == ("另一篇文章的标题", "思想纵横", ["李娟"])
    assert second.source == "page.txt"


def test_a_page_without_articles_is_an_error() -> None:
    with pytest.raises(IssueError, match="no article"):
        page("人民日报 2026-01-02 第09版：理论\n")


def test_text_printed_twice_is_a_pull_quote() -> None:
    quote = "发展新质生产力需要以顶层设计为支柱，形成技能供给精准适配的生态闭环。"
    body = "正文第一句话在这里。发展新质生产力需要以顶层设计为支柱。形成技能供给精准适配的生态闭环，继续写。"
    text = f"{quote}\n\n{body}\n"
    parsed = page(text)
    assert [d.kind for d in parsed.dropped] == ["pull_quote"]
    assert parsed.articles[0].paragraphs[0].startswith("正文第一句话")


def test_json_contract_keeps_its_fields(seeds: dict[str, ParsedIssue]) -> None:
    data = parsed_issue_to_json(seeds["004_734411ccc87f0fa0"])
    article = data["articles"][0]
    for key in ("title", "display_title", "section", "authors", "affiliation", "kind", "truncated",
                "subheadings", "paragraphs", "body", "compiler", "contributors", "summary", "recommendations"):
        assert key in article
    assert data["source"] == "004_734411ccc87f0fa0.txt"


def test_a_blank_line_sets_a_new_head_apart_in_a_web_export() -> None:
    text = (
        "某刊物 2026-01-03 第05版：评论\n\n"
        "第一篇的标题（专题深思）\n张 三\n\n" + ("第一篇的正文写在这里，说明背景和意义。" * 4 + "\n") * 3 + "\n"
        "第二篇没有栏目的标题\n某某研究院课题组\n\n" + ("第二篇的正文另起一段，讲另一件事情。" * 4 + "\n") * 3
    )
    first, second = page(text).articles
    assert first.authors == ["张三"]
    assert second.paragraphs[0].startswith("第二篇的正文")
    assert norm(second.title).startswith("第二篇没有栏目的标题")


def test_staff_bylines_and_editorial_notes() -> None:
    text = (
        "热点思考\n"
        "某项工作的标题\n"
        "本报评论员\n"
        + "正文写在这里，说明问题的背景和意义，提出一些看法。" * 3 + "\n"
        "（本文系某某基金项目“某某研究”（21ZD001）的阶段性成果）\n"
    )
    [article] = page(text).articles
    assert (article.section, article.title, article.authors) == ("热点思考", "某项工作的标题", ["本报评论员"])
    assert "阶段性成果" not in article.body


# --- heads without the usual marks (rules found with benchmarks/parse_stress.py) --------

def body(n: int) -> str:
    """A paragraph of its own (text printed twice on a page would be read as a pull
    quote), of its own length (lines of one length would read as a page column)."""
    return f"第{n}段正文写在这里，说明问题的背景和意义，提出第{n}种看法。" + "再补上一个理由。" * (n % 4)


BODY = body(0)


def test_a_web_head_set_apart_needs_no_byline_and_may_ask() -> None:
    text = (
        "某刊物 2026-01-03 第05版：评论\n\n"
        f"第一篇的标题（专题深思）\n张 三\n\n{body(1)}\n{body(2)}\n{body(3)}\n\n"
        f"第二篇为何没有署名？（以案说法）\n\n{body(4)}\n{body(5)}\n{body(6)}\n\n"
        f"第三篇也没有署名\n\n{body(7)}\n{body(8)}\n"
    )
    first, second, third = page(text).articles
    assert (second.title, second.section, second.authors) == ("第二篇为何没有署名？", "以案说法", [])
    assert third.title == "第三篇也没有署名"
    assert first.paragraphs == [body(1), body(2), body(3)]


def test_a_deck_under_a_web_head_is_text_not_a_headline() -> None:
    deck = "一句提要写在标题之下，说的是全文的意思，并不以句号结束"
    text = f"甲刊 2026-01-03 第05版：评论\n\n一篇文章的标题\n李 四\n\n{deck}\n{BODY}\n"
    [article] = page(text).articles
    assert (article.title, article.authors) == ("一篇文章的标题", ["李四"])
    assert article.paragraphs[0] == deck


def test_a_short_line_over_a_headline_with_a_kicker_is_its_lead_in() -> None:
    text = f"甲刊 2026-01-03 第05版：评论\n\n坚持统筹兼顾\n做好某项工作（专题深思）\n王 五\n\n{BODY}\n"
    [article] = page(text).articles
    assert (article.title, article.section) == ("做好某项工作", "专题深思")


@pytest.mark.parametrize("byline, names", [
    ("高峰", ["高峰"]),  # a name that is also a word
    ("么 宁", ["么宁"]),  # a rare surname, padded
    ("邓丽萍 过晓军", ["邓丽萍", "过晓军"]),  # half the names have a common surname
])
def test_names_under_a_headline_are_its_byline(byline: str, names: list[str]) -> None:
    text = f"热点思考\n某项工作的标题\n{byline}\n{BODY}\n"
    [article] = page(text).articles
    assert (article.section, article.title, article.authors) == ("热点思考", "某项工作的标题", names)


def test_names_joined_to_a_headline_that_filled_its_column_are_split_off() -> None:
    body = ["正文第一行写满了这一整列的宽度", "第二行同样写满了这一整列的宽", "度，直到句子在这里结束。"] * 3
    text = "\n".join(["（作者单位：某某大学）", "一个恰好写满整列的长标题啊", "过晓军 李春晓", *body]) + "\n"
    article = page("\n".join(["上一篇的正文写到这里就结束了。"] * 4) + "\n" + text).articles[-1]
    assert (article.title, article.authors) == ("一个恰好写满整列的长标题啊", ["过晓军", "李春晓"])


def test_two_line_subheadings_in_series_stay_inside_their_article() -> None:
    text = (f"热点思考\n某项工作的标题\n张 三\n{body(1)}\n"
            f"小标题短语\n小标题的第二行写得更长一些\n{body(2)}\n"
            f"另一短语\n另一个小标题的第二行更长\n{body(3)}\n（作者单位：某某大学）\n")
    [article] = page(text).articles
    assert article.subheadings == ["小标题短语", "小标题的第二行写得更长一些", "另一短语", "另一个小标题的第二行更长"]


def test_a_lone_label_over_a_headline_opens_an_article() -> None:
    text = (f"热点思考\n第一篇的标题\n张 三\n{body(1)}\n{body(2)}\n"
            f"理论探索\n第二篇文章的标题写得更长\n{body(3)}\n{body(4)}\n")
    first, second = page(text).articles
    assert (second.section, second.title) == ("理论探索", "第二篇文章的标题写得更长")
    assert first.body.endswith(body(2))


def test_a_bare_line_longer_than_a_column_name_is_the_headline_first_half() -> None:
    [article] = page(f"某某工作开展\n又有了新进展\n张 三\n{body(1)}\n{body(2)}\n").articles
    assert (article.section, article.title) == (None, "某某工作开展 又有了新进展")


@pytest.mark.parametrize("byline, names", [("濮明远", ["濮明远"]), ("濮宁曹阳", ["濮宁", "曹阳"])])
def test_a_rare_surname_under_a_headline_over_the_text_is_a_byline(byline: str, names: list[str]) -> None:
    text = f"第一篇的标题\n张 三\n{body(1)}\n某项工作的标题\n{byline}\n{body(2)}\n{body(3)}\n"
    first, second = page(text).articles
    assert (second.title, second.authors) == ("某项工作的标题", names)


def test_the_wrapped_end_of_a_subheading_is_not_a_byline() -> None:
    text = (f"热点思考\n某项工作的标题\n张 三\n{body(1)}\n"
            f"推进工作要着力改善生态栖息\n地质量\n{body(2)}\n")
    [article] = page(text).articles
    assert article.authors == ["张三"]


def test_reporting_notes_and_source_credits_close_an_article() -> None:
    text = (f"热点思考\n第一篇的标题\n张 三\n{body(1)}\n（某某、某某某参与采写）\n"
            f"第二篇的标题\n李 四\n{body(2)}\n数据来源：某某统计局\n")
    first, second = page(text).articles
    assert "参与采写" not in first.body and "数据来源" not in second.body
    assert second.title == "第二篇的标题"


@pytest.mark.parametrize("byline, names", [
    ("本报记者 王立新 本报通讯员 刘文斌", ["王立新", "刘文斌"]),
    ("新华社记者 陈思远", ["陈思远"]),
    ("本报特约评论员", ["本报特约评论员"]),
])
def test_staff_titles_on_a_byline_are_not_names(byline: str, names: list[str]) -> None:
    [article] = page(f"某项工作的标题\n{byline}\n{body(1)}\n{body(2)}\n").articles
    assert (article.title, article.authors) == ("某项工作的标题", names)


def test_a_headline_joined_to_the_prose_above_it_is_split_off() -> None:
    lines = [
        "上一篇的正文写满了这一整列的宽", "度，一直写到句子结束为止才停。", "接下来的正文也写满这一整列的",
        "宽度，写到这里句子才算结束了。",  # a full line ending a sentence: the next full line would read on
        "新标题有个逗号，恰好写满整列", "曹 阳",
        "新文章的正文从这里开始写起来，", "一直写满这一整列才换到下一行，", "直到这里句子才算结束。",
    ]
    first, second = page("\n".join(lines) + "\n").articles
    assert first.body.endswith("句子才算结束了。")
    assert (second.title, second.authors) == ("新标题有个逗号，恰好写满整列", ["曹阳"])


def test_a_byline_joined_between_a_headline_and_its_text_is_split_off() -> None:
    lines = [
        "（作者单位：某某大学）",
        "新标题有个逗号，恰好写满整列",
        "王立新 刘文斌 陈思远 黄晓东",  # as wide as the column, like the headline
        "新文章的正文从这里开始写起来，", "一直写满这一整列才换到下一行，", "直到这里句子才算结束。",
    ]
    article = page("上一篇的正文到这里结束了。\n" + "\n".join(lines) + "\n").articles[-1]
    assert article.title == "新标题有个逗号，恰好写满整列"
    assert article.authors == ["王立新", "刘文斌", "陈思远", "黄晓东"]


def test_a_page_opening_on_a_dateline_starts_with_a_headless_story() -> None:
    text = (f"本报北京7月13日电 （记者某某）记者从有关部门获悉：这项工作进展顺利（详见附表）\n"
            f"{body(1)}\n（作者单位：某某大学）\n热点思考\n第二篇的标题\n张 三\n{body(2)}\n")
    first, second = page(text).articles
    assert first.title is None and first.body.startswith("本报北京7月13日电")
    assert second.title == "第二篇的标题"


def test_a_short_sentence_under_a_headline_without_byline_opens_the_text() -> None:
    [article] = page(f"热点思考\n某项工作的标题\n一个人，一件事，能起多大作用？\n{body(1)}\n{body(2)}\n").articles
    assert article.title == "某项工作的标题"
    assert article.paragraphs[0] == "一个人，一件事，能起多大作用？"


def test_a_headline_with_a_deck_opens_an_article_without_a_byline_but_an_epigraph_does_not() -> None:
    text = (
        "某刊物 2026-01-03 第05版：经济\n\n"
        f"第一篇的标题\n\n张 三\n\n{body(1)}\n\n{body(2)}\n\n"
        f"第二篇没有署名 只有一行副题的标题\n\n——副题说的是这一篇的要点\n\n{body(3)}\n\n{body(4)}\n\n"
        f"莫听穿林打叶声\n\n——苏轼《定风波》\n\n{body(5)}\n"
    )
    first, second = page(text).articles
    assert (first.title, first.authors, len(first.paragraphs)) == ("第一篇的标题", ["张三"], 2)
    assert (second.title, second.authors) == ("第二篇没有署名 只有一行副题的标题", [])
    assert second.paragraphs[-1] == body(5)  # the epigraph's source is no deck: no article opens there
