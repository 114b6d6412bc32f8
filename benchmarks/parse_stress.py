"""Parser stress test: synthetic pages built from real articles, scored like the references.

Usage: python benchmarks/parse_stress.py [--pages N] [--seed S] [--show] [--dump DIR]

Each page holds two to five real articles from ../shared/eval (themes.jsonl and
the editor_pick set of summarization.jsonl: titles, column kickers, paragraphs)
set in one of the layouts the project reads (a long article is cut to its
first paragraphs and its last, and a cut article loses its subheadings, which
come in series and would otherwise be left alone):

- ``web``: a People's Daily web export (masthead line, a lead-in line over some
  headlines with a kicker, "标题（栏目）", a rare "——" subtitle, a byline with
  two-character names padded "李 娟", one paragraph a line, indented on some
  pages, "（作者为…）" notes, a blank line between head and text and between
  articles; on some pages a blank line after every paragraph instead).
- ``columns``: Workers' Daily PDF text cut into page columns of 13–20 (some
  boxes 22–28) characters, with a blank line after every line on some pages,
  section labels (sometimes behind a decorative capital), headlines set on one
  line or broken over two, bylines, letter-spaced lines, spaced-out numbers,
  labelled pull quotes (a whole sentence, its quotation marks closed) and a
  headless continuation at the top of some pages.
- ``lines``: Workers' Daily text extracted one paragraph a line with a blank line
  after every line and half-width punctuation, some paragraphs broken where the
  PDF column broke.

Bylines are one to three invented names (fixed list below, rarer surnames
among them), sometimes a staff byline ("本报评论员", "本报记者 某某 本报通讯员
某某"), sometimes none; affiliations are invented too. The truth for each page
(titles, sections, authors, first and last words of each article) is written
in the reference format and scored with ../shared/tools/score_parse.py. The
random seed is fixed, so two runs build the same pages.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from digest.extract.text import page_from_text
from digest.models import parsed_issue_to_json
from digest.parse.segment import segment_page as parse_issue

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LAYOUTS = ("web", "columns", "lines")
SEED = 20260501

# Invented bylines: common and a few rarer surnames, two- and three-character names.
NAMES = (
    "王立新", "李春晓", "张 华", "刘文斌", "陈思远", "杨 帆", "黄晓东", "赵明轩", "周 宁", "吴海燕",
    "徐志刚", "孙 莉", "马建国", "朱永红", "胡 楠", "郭长青", "何 静", "高 峰", "林晓雯", "罗志强",
    "郑 洁", "梁国栋", "谢雨晴", "宋 涛", "唐明辉", "韩 冰", "冯子健", "邓丽萍", "曹 阳", "彭晓峰",
    "蒋 鹏", "沈一鸣", "姚 远", "卢建平", "崔 颖", "钟晓梅", "汪 洋", "范文军", "石 磊", "廖红梅",
    "欧阳晨", "司马文华", "上官晓雪", "仝 欣", "訾新华", "和 平", "过晓军", "么 宁", "冼 岚", "粟 明",
)
AFFILIATIONS = (
    "中国人民大学马克思主义学院教授", "北京师范大学经济与工商管理学院副教授",
    "武汉大学中国特色社会主义理论体系研究中心研究员", "复旦大学国际关系与公共事务学院教授",
    "中央党校（国家行政学院）经济学教研部教授", "中国社会科学院农村发展研究所研究员",
    "南京大学商学院院长", "四川省社会科学院副院长", "浙江工业大学法学院教授",
    "山东省总工会党组书记、副主席", "中国劳动关系学院", "吉林大学行政学院",
    "华南理工大学公共管理学院教授", "西北大学经济管理学院", "湖南省委党校教授",
)
NOTE_FORMS = ("（作者为{}）", "（作者单位：{}）", "（作者系{}）")
SECTION_LABELS = ("热点思考", "工作研究", "前沿观察", "高端笔谈", "理论探索", "实践探索", "学思践悟", "劳动论坛")
MASTHEAD_PAGES = ("理论", "评论", "要闻", "观点", "经济", "文化")
PULL_LABELS = ("观点", "核心观点")

_KICKER = re.compile(r"^(?P<title>.+?)（(?P<kicker>[^（）]+)）$")
_SENTENCE_END = "。！？”"
_NO_LINE_START = "，。、；：！？）》」』】”’…"
_NO_LINE_END = "（《「『【“‘"
_HALF = str.maketrans("，：；（）？！", ",:;()?!")
_PROSE_END = re.compile(r"[。！？…][”’）)]*$")
_INNER_BYLINE = re.compile(r"^(?:本报记者|——编\s*者)")
_OPENS_ON_LABEL = re.compile(r"^[^，。、；：！？]{1,20}$")
_SUBHEADING = re.compile(r"^[^。！？；…]{1,30}$")  # short, no sentence end
_SENTENCE = re.compile(r"(?:^|(?<=[。！？]))[^。！？，；：”’]{1}[^。！？]{14,59}[。！？]")


@dataclass
class Source:
    """A real article: title, column kicker and paragraphs."""

    title: str
    kicker: str | None
    paragraphs: list[str]


@dataclass
class Placed:
    """An article as set on a synthetic page, with the truth about it."""

    title: str | None
    title_alternatives: list[str]
    section: str | None
    authors: list[str]
    first: list[str]
    last: str
    lines: list[str] = field(default_factory=list)


# --- sources -----------------------------------------------------------------


def load_sources() -> list[Source]:
    """Real articles with a title and at least two prose paragraphs, each once."""
    rows: list[dict[str, Any]] = []
    for name in ("themes.jsonl", "summarization.jsonl"):
        path = SHARED / "eval" / name
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    seen: set[str] = set()
    sources = []
    for row in rows:
        if not row.get("title") or row.get("set") in ("cail", "clts") or row["title"] in seen:
            continue
        seen.add(row["title"])
        match = _KICKER.match(row["title"].strip())
        title, kicker = (match["title"], match["kicker"]) if match else (row["title"].strip(), None)
        paragraphs = [p.strip() for p in row["text"].split("\n") if p.strip()]
        if not paragraphs or _OPENS_ON_LABEL.match(paragraphs[0]):
            continue  # a web page's label ("头条看点") or a round-up of news items, not one article
        if any(_INNER_BYLINE.match(p) for p in paragraphs):
            continue  # a package of several signed pieces: where one ends is a matter of taste
        if sum(1 for p in paragraphs if _PROSE_END.search(p)) >= 2:
            sources.append(Source(title, kicker, paragraphs))
    return sources


def shortened(source: Source, rng: random.Random) -> list[str]:
    """The article's paragraphs, sometimes cut to its first few (short pieces exist too).

    A cut article loses its subheadings: they come in series, one for each part
    of the article, and a cut would leave a lone one that no page prints.
    """
    paragraphs = source.paragraphs
    if rng.random() < 0.25 and len(paragraphs) > 3:
        keep = rng.randint(2, 3)
        paragraphs = paragraphs[:keep]
        if not _PROSE_END.search(paragraphs[-1]):
            paragraphs = paragraphs + [next(p for p in source.paragraphs[keep:] if _PROSE_END.search(p))]
    elif len(paragraphs) > 14:
        paragraphs = paragraphs[:14] + [p for p in paragraphs[14:] if _PROSE_END.search(p)][-1:]
    else:
        return paragraphs
    return [p for p in paragraphs if not _SUBHEADING.match(p)] or paragraphs


def truth_ends(paragraphs: list[str]) -> tuple[list[str], str]:
    """First-words alternatives (first or second paragraph) and the last prose words."""
    first = [p[:24] for p in paragraphs[:2]]
    prose = [p for p in paragraphs if _PROSE_END.search(p) and not p.startswith(("（", "("))]
    return first, prose[-1][-20:]


def pick_authors(rng: random.Random) -> tuple[list[str], list[str]]:
    """(as printed, as the truth has them): one to three names, sometimes a staff byline."""
    roll = rng.random()
    if roll < 0.05:
        return ["本报评论员"], ["本报评论员"]
    if roll < 0.1:  # staff reporters, sometimes with a correspondent
        names = rng.sample(NAMES, 2)
        printed = [f"本报记者 {names[0]}"] + ([f"本报通讯员 {names[1]}"] if rng.random() < 0.5 else [])
        return printed, [name.replace(" ", "") for name in names[: len(printed)]]
    count = 1 if roll < 0.8 else rng.randint(2, 3)
    printed = rng.sample(NAMES, count)
    return printed, [name.replace(" ", "") for name in printed]


def lead_in(paragraphs: list[str], rng: random.Random) -> str | None:
    """A short clause of the article, used as the line over its headline (引题)."""
    clauses = [c for p in paragraphs[:4] for c in re.split(r"[，。；：！？、“”《》（）]", p)]
    clauses = [c for c in clauses if 6 <= len(c) <= 14 and not re.search(r"\d", c)]
    return rng.choice(clauses) if clauses else None


# --- the web-export layout ---------------------------------------------------


def web_page(sources: list[Source], rng: random.Random) -> tuple[str, list[Placed]]:
    """A People's Daily web export: masthead, then articles set apart by blank lines."""
    date = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    lines = [f"人民日报 {date} 第{rng.randint(1, 20):02d}版：{rng.choice(MASTHEAD_PAGES)}", ""]
    indent = "\u3000\u3000" if rng.random() < 0.3 else ""  # some exports indent each paragraph
    placed = []
    for source in sources:
        paragraphs = shortened(source, rng)
        first, last = truth_ends(paragraphs)
        head: list[str] = []
        # a lead-in stands over a headline with a column kicker, as on the real pages
        if source.kicker and rng.random() < 0.25 and (lead := lead_in(paragraphs, rng)):
            head.append(lead)
            first = first + [lead]
        title_line = f"{source.title}（{source.kicker}）" if source.kicker else source.title
        head.append(title_line)
        if rng.random() < 0.05 and (lead := lead_in(paragraphs, rng)):
            head.append(f"——{lead}")  # a subtitle
        authors: list[str] = []
        if rng.random() < 0.85:
            printed, authors = pick_authors(rng)
            head.append(" ".join(printed))
        body = list(paragraphs)
        if rng.random() < 0.5 and not body[-1].startswith("（"):
            body.append(rng.choice(NOTE_FORMS).format(rng.choice(AFFILIATIONS)))
        lines += head + [""] + [indent + p for p in body] + [""]
        alternatives = [title_line] if source.kicker else []
        placed.append(Placed(source.title, alternatives, source.kicker, authors, first, last))
    if rng.random() < 0.2:  # some exports put a blank line after every paragraph
        return "\n\n".join(line for line in lines if line) + "\n", placed
    return "\n".join(lines) + "\n\n", placed


# --- the PDF-column layout ---------------------------------------------------


def wrap(text: str, width: int, rng: random.Random, spaced_share: float) -> list[str]:
    """Cut a paragraph into column lines of `width` characters (digits and Latin
    letters take half a cell); closing punctuation never starts a line. A few
    lines are letter-spaced: one character short, spread with spaces."""
    lines: list[str] = []
    line, used = "", 0.0
    for char in text:
        # digits and Latin letters take half a cell; a space put in by the extraction none
        cell = 0.0 if char == " " else 0.5 if char.isascii() and char.isalnum() else 1.0
        if used + cell > width and char not in _NO_LINE_START:
            carried = line[-1] if line[-1:] in _NO_LINE_END else ""  # an opening mark never ends a line
            lines.append(line[: len(line) - len(carried)])
            line, used = carried, float(len(carried))
        line += char
        used += cell
    if line:
        lines.append(line)
    out = []
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and len(line) > 8 and rng.random() < spaced_share:
            lines[i + 1] = line[-1] + lines[i + 1]
            line = " ".join(line[:-1])
        out.append(line)
    return out


def space_numbers(text: str) -> str:
    """PDF extraction sets digits apart from the Han text around them ("4 月 28 日")."""
    return re.sub(r"(?<=[\u4e00-\u9fff])(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)(?=[\u4e00-\u9fff])",
                  lambda m: f" {m.group(0)} ".replace("  ", " "), text)


def columns_page(sources: list[Source], rng: random.Random) -> tuple[str, list[Placed]]:
    """Workers' Daily PDF text: column-wrapped articles under labels, headlines and bylines."""
    width = rng.randint(13, 20)
    spaced_numbers = rng.random() < 0.5
    lines: list[str] = []
    placed = []
    for k, source in enumerate(sources):
        column = width if rng.random() < 0.8 else rng.randint(22, 28)  # some boxes are wider
        paragraphs = shortened(source, rng)
        first, last = truth_ends(paragraphs)
        # the rest of an article from the page before (its text goes on in prose)
        headless = k == 0 and rng.random() < 0.15 and len(paragraphs[0]) >= 60 and paragraphs[0].endswith("。")
        truth = Placed(None, [], None, [], first, last)
        if not headless:
            lines += columns_head(source, paragraphs, column, truth, rng)
        body = list(paragraphs)
        if rng.random() < 0.6 and not body[-1].startswith("（"):
            body.append(rng.choice(NOTE_FORMS).format(rng.choice(AFFILIATIONS)))
        indent = "\u3000\u3000" if rng.random() < 0.3 else ""
        for paragraph in body:
            cut = wrap(space_numbers(paragraph) if spaced_numbers else paragraph, column, rng, 0.04)
            lines += [indent + cut[0]] + cut[1:]
        placed.append(truth)
    separator = "\n\n" if rng.random() < 0.4 else "\n"
    return separator.join(lines) + "\n", placed


def columns_head(source: Source, paragraphs: list[str], column: int, truth: Placed, rng: random.Random) -> list[str]:
    """Section label, headline (on one line or two), an optional labelled pull quote
    and a byline, as a PDF column sets them; the truth is filled in as it goes."""
    head: list[str] = []
    if rng.random() < 0.7:
        kicker = source.kicker if source.kicker and len(source.kicker) <= 6 and "·" not in source.kicker else None
        truth.section = kicker or rng.choice(SECTION_LABELS)
        head.append(("G " if rng.random() < 0.3 else "") + truth.section)  # a decorative capital
    halves = source.title.split("  ")
    if len(halves) == 2:
        truth.title = " ".join(halves)
        head += halves if rng.random() < 0.25 else [truth.title]
    elif len(source.title) > column and rng.random() < 0.3 and "，" in source.title:
        left, right = source.title.split("，", 1)  # set over two lines, the comma dropped
        truth.title = f"{left} {right}"
        head += [left, right]
    else:
        truth.title = source.title
        head.append(source.title)
    if rng.random() < 0.15:  # a labelled pull quote between headline and byline
        # an editor prints a whole sentence, its quotation marks closed
        sentences = [s for p in paragraphs for s in _SENTENCE.findall(p) if s.count("“") == s.count("”")]
        quote = rng.choice(sentences or [""])
        if quote:
            head += [rng.choice(PULL_LABELS)] + wrap(quote, column, rng, 0.0)
    if rng.random() < 0.9:
        printed, truth.authors = pick_authors(rng)
        head.append(" ".join(printed))
    return head


# --- the one-paragraph-a-line PDF layout --------------------------------------


def lines_page(sources: list[Source], rng: random.Random) -> tuple[str, list[Placed]]:
    """Workers' Daily text one paragraph a line, a blank line after each, half-width
    punctuation, some paragraphs broken where the PDF column broke."""
    lines: list[str] = []
    placed = []
    for source in sources:
        paragraphs = shortened(source, rng)
        first, last = truth_ends(paragraphs)
        section = None
        if rng.random() < 0.7:
            section = rng.choice(SECTION_LABELS)
            lines.append(section)
        lines.append(source.title.replace("  ", " "))
        authors: list[str] = []
        if rng.random() < 0.9:
            printed, authors = pick_authors(rng)
            lines.append(" ".join(printed))
        body = list(paragraphs)
        if rng.random() < 0.6 and not body[-1].startswith("（"):
            body.append(rng.choice(NOTE_FORMS).format(rng.choice(AFFILIATIONS)))
        for paragraph in body:
            paragraph = paragraph.translate(_HALF)
            if len(paragraph) > 80 and rng.random() < 0.15:  # the PDF column ended: a column's worth before
                cut = rng.randint(40, len(paragraph) - 10)
                lines += [paragraph[:cut], paragraph[cut:]]
            else:
                lines.append(paragraph)
        placed.append(Placed(source.title.replace("  ", " "), [], section, authors, first, last))
    return "\n\n".join(lines) + "\n", placed


# --- scoring -------------------------------------------------------------------


def scorer() -> ModuleType:
    path = SHARED / "tools" / "score_parse.py"
    spec = importlib.util.spec_from_file_location("score_parse", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gold(name: str, placed: list[Placed]) -> dict[str, Any]:
    """The truth about one page in the reference format."""
    articles = []
    for p in placed:
        article: dict[str, Any] = {"kind": "article", "title": p.title, "section": p.section,
                                   "authors": p.authors, "first": p.first, "last": p.last}
        if p.title_alternatives:
            article["title_alternatives"] = p.title_alternatives
        articles.append(article)
    return {"issue": name, "articles": articles}


def build_pages(count: int, seed: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(layout, name, text, truth) for `count` pages of each layout."""
    rng = random.Random(seed)
    sources = load_sources()
    builders = {"web": web_page, "columns": columns_page, "lines": lines_page}
    pages = []
    for layout in LAYOUTS:
        for n in range(count):
            chosen = rng.sample(sources, rng.randint(2, 5))
            text, placed = builders[layout](chosen, rng)
            name = f"{layout}_{n:03d}"
            pages.append((layout, name, text, gold(name, placed)))
    return pages


def score_pages(count: int, seed: int, dump: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Build and parse `count` pages of each layout; the scorer's report for each, by layout."""
    score = scorer()
    reports: dict[str, list[dict[str, Any]]] = {layout: [] for layout in LAYOUTS}
    for layout, name, text, truth in build_pages(count, seed):
        if dump:
            dump.mkdir(parents=True, exist_ok=True)
            (dump / f"{name}.txt").write_text(text, encoding="utf-8")
            (dump / f"{name}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
        parsed = parse_issue(page_from_text(text, f"{name}.txt"))
        report = score.score_issue(truth, parsed_issue_to_json(parsed))
        report["page"] = name
        reports[layout].append(report)
    return reports


def totals(reports: dict[str, list[dict[str, Any]]]) -> dict[str, tuple[float, float, float, float]]:
    """Articles F1, title, section and author accuracy for each layout."""
    score = scorer()
    out = {}
    for layout, layout_reports in reports.items():
        total = score.merge(layout_reports)
        out[layout] = (total["articles"]["f1"], total["title_accuracy"], total["section_accuracy"],
                       total["authors_accuracy"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="pages per layout (default 40)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--show", action="store_true", help="print each page's problems")
    parser.add_argument("--dump", type=Path, help="write each page and its truth to this folder")
    args = parser.parse_args(argv)
    if not (SHARED / "tools" / "score_parse.py").is_file():
        print(f"shared reference data not found at {SHARED}", file=sys.stderr)
        return 2
    reports = score_pages(args.pages, args.seed, args.dump)
    if args.show:
        for report in (r for layout in LAYOUTS for r in reports[layout] if r["problems"]):
            print(f"== {report['page']}")
            for problem in report["problems"]:
                print("  -", problem)
    for layout, (f1, titles, sections, authors) in totals(reports).items():
        print(f"{layout:8} pages {len(reports[layout]):3} | articles F1 {f1:.3f} | titles {titles:.3f}"
              f" | sections {sections:.3f} | authors {authors:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
