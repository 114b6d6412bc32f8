"""Heads and bylines in the shapes of issue 15, on synthetic pages scored like the references.

Usage: python benchmarks/heads_bylines.py [--pages N] [--seed S] [--show]

Each page holds two to four real articles (the sources of benchmarks/parse_stress.py)
whose heads take one of these shapes, with invented names and institutions:

- ``institution``: headline, a "——学习《…》" subtitle, an institution signing it
  (a 理论学习中心组, a research centre, a party school, a 院务会, a 课题组);
- ``compound``: a byline with a rarer compound surname and a four-character name;
- ``many``: four to six names, some two-character ones padded ("李 明");
- ``wrapped``: the headline wrapped over two to four lines of one measure;
- ``kicker``: a wrapped headline with its column kicker on a line of its own or
  closing its last line;
- ``book``: a column named after a book ("……·《……》通读") over the headline.

Pages are set in two layouts: ``pdftext`` (page columns of 13–20 characters, a
blank line after every line on some pages, or between the headline's lines only)
and ``web`` (one paragraph a line, a blank line around each head). The figures
are titles, sections and authors per shape and layout. The seed is fixed, so two
runs build the same pages; the rules were not tuned on these pages.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

from digest.extract.text import page_from_text
from digest.models import parsed_issue_to_json
from digest.parse.segment import segment_page

ROOT = Path(__file__).resolve().parent
SEED = 15_2026
SHAPES = ("institution", "compound", "many", "wrapped", "kicker", "book")
LAYOUTS = ("pdftext", "web")

PLACES = ("江南", "北原", "西川", "东海", "南岭", "中州", "云岭", "塞北")
FIELDS = ("马克思主义", "中国特色社会主义理论体系", "党的建设", "法治", "生态文明", "数字经济")
INSTITUTIONS = (
    "中共{p}省委理论学习中心组", "{p}省社会科学院{f}研究中心", "中共{p}市委党校", "{p}省高级人民法院院务会",
    "{p}大学{f}研究院", "{p}省委党校{f}课题组",
)
COMPOUND = ("呼延", "钟离", "闻人", "澹台", "公冶", "宗政", "濮阳", "申屠", "百里", "南宫", "拓跋", "闾丘")
GIVEN = "晓东子健文博思远雨桐嘉懿明轩一鸣振华建平"
COMMON = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭")
KICKERS = ("专题深思", "思想纵横", "有的放矢", "理论探索", "学思践悟")
BOOKS = ("某某文集", "某某选编", "某某论述摘编", "某某读本")
SERIES = ("深入学习某某重要思想", "学习贯彻某某精神", "理论学习笔记")


def stress() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parse_stress", ROOT / "parse_stress.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def given(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(GIVEN) for _ in range(size))


def wrapped(title: str, rng: random.Random) -> list[str]:
    """The headline cut into two to four lines of one measure."""
    parts = rng.randint(2, min(4, max(2, len(title) // 4)))
    width = -(-len(title) // parts)
    return [title[k : k + width] for k in range(0, len(title), width)]


def head(shape: str, title: str, rng: random.Random) -> tuple[list[str], dict[str, Any]]:
    """The head's lines and the truth about it (title, section, authors)."""
    truth: dict[str, Any] = {"title": title, "section": None, "authors": []}
    name = rng.choice(COMMON) + given(rng, rng.randint(1, 2))
    lines = [title]
    if shape == "institution":
        signer = rng.choice(INSTITUTIONS).format(p=rng.choice(PLACES), f=rng.choice(FIELDS))
        lines += [f"——学习《{rng.choice(BOOKS)}》", signer]
        truth["authors"] = [signer]
        return lines, truth
    if shape == "compound":
        name = rng.choice(COMPOUND) + given(rng, 2)
    if shape == "many":
        names = [rng.choice(COMMON) + given(rng, rng.choice((1, 2))) for _ in range(rng.randint(4, 6))]
        truth["authors"] = names
        return lines + [" ".join(f"{n[0]} {n[1]}" if len(n) == 2 else n for n in names)], truth
    if shape in ("wrapped", "kicker"):
        lines = wrapped(title, rng)
        truth["title"] = [" ".join(lines), title]
    if shape == "kicker":
        kicker = rng.choice(KICKERS)
        truth["section"] = kicker
        if rng.random() < 0.5:
            lines.append(f"（{kicker}）")
        else:
            lines[-1] += f"（{kicker}）"
    if shape == "book":
        label = f"{rng.choice(SERIES)}·《{rng.choice(BOOKS)}》通读"
        truth["section"] = label
        lines = [label, title]
    truth["authors"] = [name]
    return lines + [f"{name[0]} {name[1]}" if len(name) == 2 else name], truth


def page(shape: str, layout: str, sources: list[Any], rng: random.Random, ps: ModuleType) -> tuple[str, dict]:
    """One page of two to four articles, each head in `shape`."""
    width = rng.randint(13, 20)
    packed = rng.random() < 0.5  # pdftext: no blank line after every line
    out: list[str] = []
    articles = []
    for source in rng.sample(sources, rng.randint(2, 4)):
        paragraphs = ps.shortened(source, rng)
        lines, truth = head(shape, source.title, rng)
        first, last = ps.truth_ends(paragraphs)
        titles = truth["title"] if isinstance(truth["title"], list) else [truth["title"]]
        articles.append({"kind": "article", "title": titles[0], "title_alternatives": titles[1:],
                         "section": truth["section"], "authors": truth["authors"], "first": first, "last": last})
        note = rng.choice(ps.NOTE_FORMS).format(rng.choice(ps.AFFILIATIONS))
        if layout == "web":
            out += ["", *lines, "", *paragraphs, note]
        else:
            text = [piece for p in paragraphs for piece in ps.wrap(p, width, rng, 0.0)]
            between = "\n\n" if packed and rng.random() < 0.5 else "\n"
            out += [between.join(lines), *text, note]
    separator = "\n" if layout == "web" or packed else "\n\n"
    return separator.join(out) + "\n", {"issue": "x", "articles": articles}


def score(pages: int, seed: int, show: bool) -> dict[tuple[str, str], dict[str, Any]]:
    ps = stress()
    scorer = ps.scorer()
    sources = ps.load_sources()
    rng = random.Random(seed)
    reports: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for shape in SHAPES:
        for layout in LAYOUTS:
            for _ in range(pages):
                text, truth = page(shape, layout, sources, rng, ps)
                parsed = segment_page(page_from_text(text, "x.txt"))
                report = scorer.score_issue(truth, parsed_issue_to_json(parsed))
                if show and report["problems"]:
                    print(f"== {shape}/{layout}", *report["problems"], sep="\n  - ")
                reports[shape, layout].append(report)
    return {key: scorer.merge(value) for key, value in reports.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20, help="pages per shape and layout (default 20)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--show", action="store_true", help="print each page's problems")
    args = parser.parse_args(argv)
    for (shape, layout), total in score(args.pages, args.seed, args.show).items():
        print(f"{shape:12} {layout:8} | articles F1 {total['articles']['f1']:.3f} | titles "
              f"{total['title_accuracy']:.3f} | sections {total['section_accuracy']:.3f} | authors "
              f"{total['authors_accuracy']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
