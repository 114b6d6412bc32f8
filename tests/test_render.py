"""The digest email as a reader gets it: both parts carry every article, the HTML is
email-safe and under the size limit, and a digest too large for one email links its
full copy in the web archive."""

from __future__ import annotations

import difflib
import os
import re
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import html5lib
import pytest

from digest.errors import RenderError
from digest.extract.text import page_from_text
from digest.models import Article, Digest, ListItem, RenderedDigest, ThemeGroup
from digest.parse import parse_page
from digest.render import default_templates_dir, item_headline, marker_label, render_digest
from digest.snapshot import digest_from_json, digest_to_json
from digest.zh import display_width

NS = {"h": "http://www.w3.org/1999/xhtml"}
ARCHIVE_URL = "https://example.org/archive/2026-05-04.html"
REPO = Path(__file__).resolve().parents[1]


def item(number: int, marker: str, headline: str, children: list[ListItem] | None = None) -> ListItem:
    """A numbered item whose text goes on after its headline."""
    return ListItem(number=number, marker=marker, text=f"{headline}，要在实践中不断完善。",
                    headline=headline, children=children or [])


def article(title: str, *, recommendations: list[ListItem] | None = None, truncated: bool = False,
            section: str | None = "理论周刊", authors: tuple[str, ...] = ("张明",), summary_size: int = 2,
            keywords: tuple[str, ...] = ("技能", "培训")) -> Article:
    """An article with a summary of `summary_size` sentences that name the title."""
    summary = [f"{title}一文指出，产业转型升级对劳动者技能提出了新要求。",
               "各地围绕培训体系建设开展了大量探索，积累了有益经验。",
               "下一步要在制度供给、资源配置和激励机制上持续发力，让技能人才有奔头。"]
    return Article(title=title, display_title=title, paragraphs=[summary[0], "正文。"], section=section,
                   authors=list(authors), truncated=truncated, summary=summary[:summary_size],
                   recommendations=recommendations or [], keywords=list(keywords), source="issue.txt")


def nested_items() -> list[ListItem]:
    """第一，… with 一是/二是 under it, as opinion pieces number their proposals."""
    return [
        item(1, "第一，", "健全技能人才培养体系", [item(1, "一是", "深化产教融合"), item(2, "二是", "推进校企合作")]),
        item(2, "第二，", "完善技能人才评价机制", [item(1, "一是", "拓宽职业发展通道")]),
        item(3, "第三，", "强化技能人才激励保障"),
    ]


def make_digest(groups: list[tuple[str, list[Article]]], issues: tuple[str, ...] = ("a.txt", "b.txt")) -> Digest:
    return Digest(title="理论周报", created=datetime(2026, 5, 4, 7, 30), issues=list(issues),
                  groups=[ThemeGroup(name, arts) for name, arts in groups])


def small_digest() -> Digest:
    return make_digest([
        ("产业工人与技能人才", [article("加快建设技能型社会", recommendations=nested_items()),
                        article("以工匠精神引领高质量发展", truncated=True, authors=("王芳", "李强"))]),
        ("就业与劳动力市场", [article("稳就业需要精准施策", section=None, authors=(),
                                 recommendations=[item(1, "（一）", "扩大就业容量"),
                                                  item(2, "（二）", "提升就业质量")])]),
    ])


def large_digest(count: int) -> Digest:
    """`count` articles with long numbered lists: far more than one email can carry."""
    recs = [item(n, f"第{'一二三四五六'[n - 1]}，", f"完善第{n}项工作机制，推动政策落地见效",
                 [item(k, f"{'一二三'[k - 1]}是", f"加强协同配合与资源整合之{k}") for k in range(1, 4)])
            for n in range(1, 7)]
    articles = [article(f"推进职业技能培训的路径探索（{n}）", recommendations=recs, summary_size=3)
                for n in range(1, count + 1)]
    return make_digest([(f"主题{g}", articles[g::3]) for g in range(3)])


def parse_html(html: str) -> object:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    return parser.parse(html)


def squeezed(text: str) -> str:
    """The text without whitespace, so that wrapped lines compare equal to the original."""
    return re.sub(r"\s+", "", text)


def text_of(element: object) -> str:
    return "".join(element.itertext())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def rendered() -> RenderedDigest:
    return render_digest(small_digest(), archive_url=ARCHIVE_URL)


def test_subject_names_title_date_and_the_lead_headline(rendered: RenderedDigest) -> None:
    lead = small_digest().articles[0].display_title
    assert rendered.subject == f"理论周报 2026年5月4日：{lead}"
    assert f"<title>{rendered.subject}</title>" in rendered.html
    assert rendered.text.startswith(rendered.subject) or f"\n{rendered.subject}\n" in rendered.text


def test_a_subject_template_chooses_the_fields_and_a_long_headline_is_cut() -> None:
    digest = small_digest()
    assert render_digest(digest, subject="【{title}】本期{articles}篇").subject == "【理论周报】本期3篇"
    long_title = "关于" + "进一步深化产业工人队伍建设改革" * 5
    long = replace(digest, groups=[replace(digest.groups[0], articles=[
        replace(digest.articles[0], title=long_title, display_title=long_title)])])
    subject = render_digest(long).subject
    assert subject.startswith("理论周报 2026年5月4日：关于") and subject.endswith("…")
    assert len(subject) < len(long_title)


def test_every_article_with_summary_and_numbered_items_in_both_parts(rendered: RenderedDigest) -> None:
    page = text_of(parse_html(rendered.html).find(".//h:body", NS))
    for part in (page, rendered.text):
        for art in small_digest().articles:
            assert art.display_title in part
            assert "".join(art.summary) in part.replace("\n", "")
        for line in ("第一，健全技能人才培养体系", "一是深化产教融合", "第三，强化技能人才激励保障",
                     "（一）扩大就业容量", "（二）提升就业质量"):
            assert line in part
        assert "王芳、李强" in part and "理论周刊 · 张明" in part


def test_nested_items_sit_under_their_parent(rendered: RenderedDigest) -> None:
    doc = parse_html(rendered.html)
    blocks = doc.findall(".//h:div[@class='rec-children']", NS)
    children = [[text_of(p) for p in block.findall("h:p", NS)] for block in blocks]
    assert children == [["一是深化产教融合", "二是推进校企合作"], ["一是拓宽职业发展通道"]]
    # each nested block follows its parent item
    parents = {child: el for el in doc.iter() for child in el}
    for block, parent in zip(blocks, ("第一，健全技能人才培养体系", "第二，完善技能人才评价机制"), strict=True):
        siblings = list(parents[block])
        assert text_of(siblings[siblings.index(block) - 1]) == parent
    lines = rendered.text.splitlines()
    parent_line = next(x for x in lines if "第一，健全技能人才培养体系" in x)
    child_line = next(x for x in lines if "一是深化产教融合" in x)
    indent = len(parent_line) - len(parent_line.lstrip())
    assert len(child_line) - len(child_line.lstrip()) > indent
    assert lines.index(child_line) == lines.index(parent_line) + 1


def test_contents_list_by_theme_links_each_article(rendered: RenderedDigest) -> None:
    doc = parse_html(rendered.html)
    toc = doc.find(".//h:td[@class='toc']", NS)
    themes = [text_of(p) for p in toc.findall("h:p[@class='toc-theme']", NS)]
    assert themes == ["产业工人与技能人才", "就业与劳动力市场"]
    anchors = {a.get("href")[1:] for a in toc.iter(f"{{{NS['h']}}}a")}
    ids = {el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")}
    assert len(anchors) == 3 and anchors <= ids


def test_truncated_note_keywords_header_and_footer(rendered: RenderedDigest) -> None:
    for part in (rendered.html, rendered.text):
        assert part.count("未刊完") == 1
        assert "关键词：技能 · 培训" in re.sub(r"<[^>]+>", "", part)  # the HTML wraps each keyword in a span
        assert "收录 2 期：a.txt、b.txt" in part and "内容来源：a.txt、b.txt" in part
    assert 'href="{unsubscribe_url}"' in rendered.html
    assert "退订：{unsubscribe_url}" in rendered.text


def test_unsubscribe_url_is_kept_exactly() -> None:
    url = "https://example.org/unsubscribe?list=theory&token=a{b}"
    result = render_digest(small_digest(), unsubscribe_url=url)
    assert 'href="https://example.org/unsubscribe?list=theory&amp;token=a{b}"' in result.html
    assert url in result.text


def test_html_parses_without_errors(rendered: RenderedDigest) -> None:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(rendered.html)
    assert parser.errors == []


def test_html_is_email_safe(rendered: RenderedDigest) -> None:
    html = rendered.html
    doc = parse_html(html)
    root = doc.getroot() if hasattr(doc, "getroot") else doc
    assert root.get("lang") == "zh-CN"
    metas = doc.findall(".//h:meta", NS)
    assert any(m.get("charset", "").lower() == "utf-8" for m in metas)
    assert any(m.get("name") == "color-scheme" and "dark" in m.get("content", "") for m in metas)
    assert not doc.findall(".//h:script", NS) and "<script" not in html.lower()
    assert all(img.get("alt") for img in doc.findall(".//h:img", NS))
    body_style = doc.find(".//h:body", NS).get("style")
    assert "PingFang SC" in body_style and "Noto Sans CJK SC" in body_style and "sans-serif" in body_style


def assert_styles_inline(html: str) -> None:
    """Every element the stylesheet styles carries its style inline; a <style> block holds only @media rules."""
    doc = parse_html(html)
    styled = [el for el in doc.iter() if isinstance(el.tag, str) and el.get("class")]
    assert styled, "the template marks its elements with classes"
    unstyled = [el.get("class") for el in styled if not el.get("style")]
    assert unstyled == []
    for block in doc.findall(".//h:style", NS):
        css = re.sub(r"/\*.*?\*/", "", block.text or "", flags=re.S)
        depth, outside = 0, []
        for char in css:  # what sits at the top level of the block must be @media rules only
            depth += char == "{"
            depth -= char == "}"
            if depth == 0 and char not in "{}":
                outside.append(char)
        assert re.sub(r"@media[^{]*", "", "".join(outside)).strip() == ""


def test_styles_are_inline_and_only_media_queries_stay_in_a_style_block(rendered: RenderedDigest) -> None:
    assert_styles_inline(rendered.html)


def test_container_is_600_wide_and_fluid(rendered: RenderedDigest) -> None:
    doc = parse_html(rendered.html)
    container = doc.find(".//h:table[@class='container']", NS)
    style = container.get("style").replace(" ", "")
    assert "max-width:600px" in style and "width:100%" in style


def test_text_part_wraps_for_a_terminal() -> None:
    long = article("关于新就业形态劳动者权益保障的调查与思考", summary_size=3)
    # a comma that would fall at the start of the second line, and an unbreakable URL
    comma = replace(long, summary=["甲" * 36 + "，乙乙乙。", "见 https://example.org/" + "x" * 80 + " 。"])
    text = render_digest(make_digest([("民生", [long, comma])])).text
    lines = text.splitlines()
    assert max(display_width(line) for line in lines if "://" not in line) <= 72
    assert not [line for line in lines if line.lstrip()[:1] in tuple("，。、；：！？）》”")]
    assert any(line.startswith("https://example.org/" + "x" * 80) for line in lines)  # not cut
    assert "".join(long.summary) in text.replace("\n", "")


def test_text_part_wraps_keywords_between_them_never_inside_one() -> None:
    keywords = ("职工思想政治", "新时代工会干部", "职工群众", "产业工人技能", "发展新质生产力",
                "职业技能等级证书", "社会培训评价", "高技能人才", "房地产", "服务综合体")
    text = render_digest(make_digest([("民生", [article("技能人才", keywords=keywords)])])).text
    start = text.index("关键词：")
    lines = text[start:].split("\n\n")[0].splitlines()
    assert len(lines) > 1 and max(display_width(line) for line in lines) <= 72
    assert not [line for line in lines if line.startswith("·")]
    shown = [term.strip() for line in lines for term in line.removeprefix("关键词：").split("·")]
    assert [term for term in shown if term] == list(keywords)  # each whole, on one line


def test_both_samples_sized_digests_fit_whole(rendered: RenderedDigest) -> None:
    result = render_digest(large_digest(9), archive_url=ARCHIVE_URL)
    assert len(result.html.encode("utf-8")) <= 75_000
    assert result.archive_html is None and "未能放入" not in result.html and "篇幅有限" not in result.html


def test_large_digest_is_shortened_with_links_to_the_archive() -> None:
    digest = large_digest(30)
    result = render_digest(digest, archive_url=ARCHIVE_URL)
    assert len(result.html.encode("utf-8")) <= 75_000
    first, last = digest.articles[0], digest.articles[-1]
    for part in (result.html, result.text):
        assert all(a.display_title in part for a in digest.articles)  # every title is still listed
        assert first.recommendations[0].headline in part
        assert "篇幅有限" in part
    assert f'href="{ARCHIVE_URL}#article-30"' in result.html
    parse_html(result.html)  # strict: raises on any parse error
    assert_styles_inline(result.html)
    assert f"{ARCHIVE_URL}#article-30" in result.text
    # the full copy carries every article whole, and no unsubscribe link
    assert result.archive_html is not None
    archive = text_of(parse_html(result.archive_html).find(".//h:body", NS))
    assert archive.count(first.recommendations[-1].headline) == 30
    assert last.summary[-1] in archive
    assert "{unsubscribe_url}" not in result.archive_html and 'id="article-30"' in result.archive_html


def test_huge_digest_lists_what_fits_and_counts_the_rest() -> None:
    digest = large_digest(60)
    result = render_digest(digest, archive_url=ARCHIVE_URL, max_html_bytes=12_000)
    assert len(result.html.encode("utf-8")) <= 12_000
    shown = [a for a in digest.articles if a.display_title in result.html]
    assert 0 < len(shown) < 60
    assert f"另有 {60 - len(shown)} 篇文章未能放入邮件" in result.html
    assert f"另有 {60 - len(shown)} 篇文章未能放入邮件" in result.text
    assert_styles_inline(result.html)  # the notices and brief entries are styled inline too
    assert result.archive_html is not None and all(a.display_title in result.archive_html for a in digest.articles)


def test_limit_too_small_for_any_email_is_an_error() -> None:
    with pytest.raises(RenderError, match="does not fit"):
        render_digest(small_digest(), max_html_bytes=500)


def test_editors_change_the_look_in_the_templates_folder(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    css = templates / "digest.css"
    css.write_text(css.read_text(encoding="utf-8").replace("#b42318", "#123456"), encoding="utf-8")
    assert "#123456" in render_digest(small_digest(), templates).html
    (templates / "digest.txt.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(RenderError, match="digest.txt.j2"):
        render_digest(small_digest(), templates)


def test_packaged_templates_are_the_repository_templates() -> None:
    packaged = default_templates_dir()
    for name in ("digest.html.j2", "digest.txt.j2", "digest.css"):
        assert (packaged / name).read_bytes() == (REPO / "templates" / name).read_bytes()


@pytest.fixture(scope="module")
def sample_digest() -> Digest:
    """The sample inbox through the real parser, summariser and theme grouping (loads jieba once)."""
    from digest import pipeline
    from digest.config import build_settings

    settings = build_settings({}, None)
    issues = [pipeline.read_page(path) for path in sorted((REPO / "examples" / "inbox").glob("*.txt"))]
    parsed, failures = pipeline.parse_issues(issues, settings)
    assert failures == []
    articles = [a for issue in parsed for a in issue.articles]
    return pipeline.build_digest(articles, [issue.name for issue in issues], settings, pipeline.digest_key(articles))


def test_sample_issues_fit_in_one_email_whole(sample_digest: Digest) -> None:
    result = render_digest(sample_digest, archive_url=ARCHIVE_URL)
    assert len(result.html.encode("utf-8")) <= 75_000
    assert result.archive_html is None
    assert len(sample_digest.articles) >= 2
    page = squeezed(text_of(parse_html(result.html).find(".//h:body", NS)))
    for part in (page, squeezed(result.text)):
        for art in sample_digest.articles:
            assert squeezed(art.display_title) in part
            assert all(squeezed(marker_label(rec) + item_headline(rec)) in part for rec in art.recommendations)


GOLDEN_TEXT = REPO / "tests" / "data" / "render" / "small_digest.txt"


def test_text_part_matches_the_golden_file(rendered: RenderedDigest) -> None:
    """The whole text part, pinned; set DIGEST_REGENERATE_GOLDEN=1 to rewrite it after a deliberate change."""
    if os.environ.get("DIGEST_REGENERATE_GOLDEN"):
        GOLDEN_TEXT.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN_TEXT.write_text(rendered.text, encoding="utf-8")
    expected = GOLDEN_TEXT.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(expected.splitlines(True), rendered.text.splitlines(True),
                                        "golden", "rendered"))
    assert diff == "", diff


# --- lists shown as the article has them -------------------------------------------


def _headed(headings_and_counts: list[tuple[str, int]]) -> list[ListItem]:
    """Recommendations of several 一是… lists, each under its subheading ("" for none)."""
    items = []
    for heading, count in headings_and_counts:
        for n in range(1, count + 1):
            items.append(replace(item(n, f"{'一二三四五'[n - 1]}是", f"{heading or '总体'}的第{n}项举措"),
                                 heading=heading))
    return items


def _list_blocks(html: str) -> list[tuple[str, list[str]]]:
    """Each list of the HTML part with the subheading right before it ("" when none)."""
    doc = parse_html(html)
    blocks = []
    for container in doc.iter():
        children = list(container)
        for index, element in enumerate(children):
            if element.get("class") == "rec-list":
                before = children[index - 1] if index else None
                heading = text_of(before) if before is not None and before.get("class") == "recs-subheading" else ""
                blocks.append((heading, [text_of(p) for p in element.findall("h:p", NS)]))
    return blocks


def test_two_lists_under_two_subheadings_each_keep_their_heading_and_numbering() -> None:
    recs = _headed([("完善基础设施", 3), ("提升应用水平", 4)])
    result = render_digest(make_digest([("乡村", [article("数字乡村建设", recommendations=recs)])]))
    assert _list_blocks(result.html) == [
        ("完善基础设施", [f"{n}是完善基础设施的第{i}项举措" for i, n in enumerate("一二三", 1)]),
        ("提升应用水平", [f"{n}是提升应用水平的第{i}项举措" for i, n in enumerate("一二三四", 1)]),
    ]
    lines = result.text.splitlines()
    first, second = lines.index("  完善基础设施"), lines.index("  提升应用水平")
    assert [x.strip() for x in lines[first + 1 : first + 4]] == [f"{n}是完善基础设施的第{i}项举措"
                                                                for i, n in enumerate("一二三", 1)]
    assert all(x.startswith("    ") for x in lines[first + 1 : first + 4] + lines[second + 1 : second + 5])
    assert lines[second - 1] == ""  # a blank line parts the two lists


def test_numbering_that_starts_again_without_a_subheading_starts_a_new_list() -> None:
    recs = _headed([("", 2), ("", 3)])
    result = render_digest(make_digest([("乡村", [article("数字乡村建设", recommendations=recs)])]))
    assert [len(items) for _, items in _list_blocks(result.html)] == [2, 3]
    assert [heading for heading, _ in _list_blocks(result.html)] == ["", ""]


def test_wrapped_items_hang_under_their_text() -> None:
    long = "推动数字基础设施向农村延伸覆盖并同步提升网络质量和服务水平让农民用得上用得起用得好"
    recs = [item(1, "第一，", long), item(2, "（二）", "完善制度"), item(3, "3.", "加强保障")]
    result = render_digest(make_digest([("乡村", [article("数字乡村建设", recommendations=recs)])]))
    doc = parse_html(result.html)
    # the list hangs by its widest marker; the narrower ASCII one sits in a box that wide
    style = doc.find(".//h:div[@class='rec-list']", NS).get("style")
    assert re.search(r"padding-left:\s*3em;\s*text-indent:\s*-3em", style), style
    boxes = [m.get("style") or "" for m in doc.findall(".//h:span[@class='rec-marker']", NS)]
    assert ["width:3em" in box and "inline-block" in box for box in boxes] == [False, False, True]
    lines = result.text.splitlines()
    start = next(i for i, x in enumerate(lines) if "第一，" in x)
    text_column = display_width(lines[start][: lines[start].index("第一，") + 3])
    continuation = lines[start + 1]
    assert continuation.strip() and squeezed(lines[start] + continuation).endswith(squeezed(long))
    assert len(continuation) - len(continuation.lstrip()) == text_column


PAGE_WITH_TWO_HEADED_LISTS = """人民日报 2026-09-01 第09版：理论

让公共文化服务更可及
赵清远

公共文化服务关系群众的精神生活。近年来，各地持续加大投入，服务网络不断延伸。
织密基层服务网络
网络是服务的基础。下一步要重点抓好三项工作：一是推动图书馆分馆向乡镇延伸；二是建设一批城市书房；三是完善流动服务机制。
丰富服务内容供给
内容是服务的核心。要从以下方面着手：一是开展群众性文化活动；二是推广数字文化资源；三是培育基层文艺骨干；四是引导社会力量参与。
公共文化服务是一项长期任务，需要持续推进。
（作者为某研究院研究员）
"""


def test_parsed_article_shows_each_list_under_its_subheading() -> None:
    articles = parse_page(page_from_text(PAGE_WITH_TWO_HEADED_LISTS)).articles
    digest = digest_from_json(digest_to_json(make_digest([("文化", articles)])))  # as a later run renders it
    blocks = _list_blocks(render_digest(digest).html)
    assert [(heading, [x[:2] for x in items]) for heading, items in blocks] == [
        ("织密基层服务网络", ["一是", "二是", "三是"]),
        ("丰富服务内容供给", ["一是", "二是", "三是", "四是"]),
    ]


def test_issues_that_share_a_name_are_listed_once_with_their_count() -> None:
    from digest.render import issue_labels

    assert issue_labels(["来稿", "某报 第9版", "来稿"]) == ["来稿 ×2", "某报 第9版"]
    assert issue_labels(["甲", "乙"]) == ["甲", "乙"]
