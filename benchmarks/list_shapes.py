"""Recommendation lists on pages nobody tuned for: pages composed from list shapes, scored.

Usage: python benchmarks/list_shapes.py [--split tune|test|both] [--seeds N] [--pages P] [--dump DIR] [--show]

Each page is a People's Daily web export (masthead, then per article a headline,
a byline, a blank line, one paragraph a line, an author note) whose articles hold
numbered lists built from the shapes that decide how a list reads:

- recommendations: an intro announcing work (需要做好以下几方面工作), a bare 要 +
  action in the intro over noun-phrase items, items opening with a means frame
  (借助/依托/通过/利用 X + verb) or a place frame (在X上 + verb, 从X入手), a subject
  with a modal (企业要…), 第一是/第二是 in an interview, 一、二、 subheadings (one of
  them opening with a numeral word such as 一体推进), 第一，<heading>。 holding
  一是要… measures (nested);
- analysis: an intro counting conditions, tendencies or faces (需要N方面条件,
  反对N种倾向, 呈现出N副面孔) over verb-initial items, items with 以 as yardstick or
  pretext, a topic's 要 before a state (物价要总体稳定), problems, achievements with
  a frame and 了;
- decoys that are no list at all (一、二线城市, 第一是非), and 首先/其次/最后, which
  the references always leave optional.

Every shape has several phrasings and the wording comes from one of two
vocabularies. The "tune" split uses the even phrasings and vocabulary A, the
"test" split the odd phrasings and vocabulary B: rules were adjusted while
looking at "tune" only, and "test" is what the report quotes. The truth is
written in the reference format and scored with ../shared/tools/score_parse.py;
the figure is the mean recommendations F1 over seeds with its standard error.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from digest.extract.text import page_from_text
from digest.models import parsed_issue_to_json
from digest.parse import parse_page

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared" / "tools" / "score_parse.py"
NUMERALS = "一二三四五六七八九"


@dataclass(frozen=True)
class Vocabulary:
    """The words one split builds its pages from."""

    topics: tuple[str, ...]  # what an article is about (a task, as a verb phrase)
    verbs: tuple[str, ...]  # verbs that open a measure
    objects: tuple[str, ...]  # what a measure acts on
    means: tuple[str, ...]  # what a measure works through (借助X)
    places: tuple[str, ...]  # where a measure applies (在X上)
    starts: tuple[str, ...]  # where a task begins (从X入手)
    subjects: tuple[str, ...]  # actors that are told what to do (企业要…)
    conditions: tuple[str, ...]  # topics of a precondition (物价, 就业)
    states: tuple[str, ...]  # what a precondition says of its topic
    metrics: tuple[str, ...]  # what a crude yardstick counts
    names: tuple[str, ...]
    fillers: tuple[str, ...]  # body sentences that say nothing about lists


VOCABULARIES = {
    "tune": Vocabulary(
        topics=("推进城乡融合发展", "建设现代物流体系", "促进居民消费扩容", "发展县域特色产业", "提升基层治理效能"),
        verbs=("健全", "完善", "推进", "提升", "加强", "优化", "畅通", "培育", "补上", "壮大"),
        objects=("公共服务供给机制", "冷链物流网络", "城乡要素流动渠道", "县域商业体系", "基层议事协商平台",
                 "农村寄递服务", "职业技能培训", "社区养老服务"),
        means=("数字技术", "龙头企业", "产业基金", "供销合作社网络", "行业协会"),
        places=("标准制定", "资金投入", "人才评价", "用地保障", "考核激励"),
        starts=("源头", "薄弱环节", "群众急难愁盼", "关键领域"),
        subjects=("企业", "高校", "地方政府", "金融机构", "行业组织"),
        conditions=("物价", "就业", "资金供给", "市场预期", "社会环境"),
        states=("总体稳定", "充足", "基本稳定", "相对宽松", "平稳"),
        metrics=("报表数量", "会议次数", "留痕多少", "投资规模"),
        names=("陈立群", "刘海波", "周 敏", "韩晓东", "孙 悦", "郑文静"),
        fillers=("这项工作涉及面广，需要久久为功。", "各地在实践中积累了不少经验。",
                 "群众对此有很高期待。", "这也是推动高质量发展的应有之义。", "相关探索已经取得积极进展。"),
    ),
    "test": Vocabulary(
        topics=("加快发展银发经济", "推进全国统一大市场建设", "健全生态产品价值实现机制", "发展海洋经济",
                "推动文化和旅游深度融合"),
        verbs=("构建", "深化", "拓展", "强化", "激活", "统筹", "织密", "筑牢", "打通", "稳住"),
        objects=("适老化产品供给", "统一的市场准入制度", "生态产品核算体系", "海洋科技创新平台", "文旅消费新场景",
                 "跨区域协作机制", "社会信用体系", "公共文化设施网络"),
        means=("遥感监测", "骨干院校", "政府采购", "区块链平台", "国家级新区"),
        places=("规则衔接", "监管执法", "收益分配", "标准认证", "项目审批"),
        starts=("制度短板", "群众身边小事", "产业链关键环节", "基础研究"),
        subjects=("监管部门", "科研院所", "平台企业", "社会组织", "村集体"),
        conditions=("能源供应", "汇率", "粮食供给", "产业链供应链", "融资环境"),
        states=("长期稳定", "可靠", "总体平稳", "适度", "有保障"),
        metrics=("活动场次", "签约金额", "文件数量", "参与人次"),
        names=("欧阳敏", "沈建华", "马 骁", "高雅琴", "覃志远", "丁 一"),
        fillers=("这一点在各地实践中已经得到印证。", "相关改革正在有序推进。", "社会各界对此高度关注。",
                 "这是一项系统工程。", "推进过程中还有不少新情况需要研究。"),
    ),
}

# Phrasings per shape; the tune split uses the even ones, the test split the odd ones.
WORK_INTROS = ("{topic}，需要做好以下几方面工作。", "{topic}，要着力抓好以下工作。",
               "围绕{topic}，可以从以下几个方面采取措施。", "{topic}，必须统筹谋划、协同推进。")
BARE_YAO_INTROS = ("面向未来，要加快{verb}{object}。", "当前和今后一个时期，要深化{topic}的改革。",
                   "下一步，要{verb}{object}，重点在以下方面。", "为此，要大力{verb}{object}。")
NEUTRAL_INTROS = ("对此，各地作了不少探索。", "从实践看，做法各有侧重。", "综合各地情况看。", "具体而言。")
COUNT_INTROS = ("{topic}，需要{n}方面条件：", "{topic}，必须反对{n}种倾向：",
                "观察{topic}的进程，可以看到它呈现出{n}副面孔：", "{topic}，必须具备{n}个前提：",
                "{topic}，要警惕{n}类风险：", "{topic}，需要满足{n}个基础条件：")
CONDITION_INTROS = ("{topic}需要一定的外部环境：", "{topic}离不开几个前提：", "{topic}，需要具备以下条件：",
                    "{topic}，有赖于良好的宏观环境：")
PROBLEM_INTROS = ("当前，{topic}还面临一些问题。", "{topic}仍存在一些短板。", "推进中也暴露出一些矛盾。",
                  "一些地方在{topic}中还存在偏差。")
ACHIEVEMENT_INTROS = ("近年来，{topic}取得积极成效。", "过去五年，各地围绕{topic}做了大量工作。",
                      "回顾这些年的实践。", "经过多年努力，局面有了很大改观。")
COUNT_WORDS = {2: "两", 3: "三", 4: "四"}
NUMERAL_HEADINGS = ("一体推进", "一以贯之", "一揽子", "三位一体", "一盘棋", "一张蓝图")


@dataclass
class Written:
    """An article's paragraphs and its truth in the reference format."""

    paragraphs: list[str] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    optional: list[dict[str, Any]] = field(default_factory=list)  # lists either reading may take


class Composer:
    """Builds pages of one split from its phrasings and vocabulary."""

    def __init__(self, split: str, rng: random.Random) -> None:
        self.words = VOCABULARIES[split]
        self.half = 0 if split == "tune" else 1
        self.rng = rng

    def pick(self, options: tuple[str, ...]) -> str:
        """One of the split's phrasings (every other one of the shape's)."""
        return self.rng.choice(options[self.half :: 2])

    def word(self, kind: str) -> str:
        """A word of the given kind from the split's vocabulary."""
        return str(self.rng.choice(getattr(self.words, kind)))

    def measure(self) -> str:
        """A verb and its object: one measure."""
        return self.word("verbs") + self.word("objects")

    def filler(self) -> str:
        """A body sentence."""
        return self.word("fillers")

    def fill(self, template: str, n: int = 3) -> str:
        """The phrasing with the split's words put in."""
        return template.format(topic=self.word("topics"), verb=self.word("verbs"), object=self.word("objects"),
                               n=COUNT_WORDS[n])


def _truth(number: int, text: str) -> dict[str, Any]:
    """A reference item: its text is the words up to the first clause mark (4 characters at least)."""
    cut = next((i for i, ch in enumerate(text) if ch in "，；。：" and i >= 4), len(text))
    return {"number": number, "text": text[:cut], "children": []}


def _inline(marker: str, items: list[str], end: str = "。") -> str:
    """Items numbered inside one paragraph, separated by semicolons."""
    return "；".join(f"{marker.format(n=NUMERALS[i])}{text}" for i, text in enumerate(items)) + end


# --- shapes: each appends paragraphs and returns the recommended items' truth --------------------


def shape_work_intro(c: Composer, w: Written) -> None:
    """第一，<measure>。<body> paragraphs under an intro announcing work."""
    items = [c.measure() for _ in range(c.rng.randint(3, 4))]
    w.paragraphs.append(c.fill(c.pick(WORK_INTROS)))
    for i, text in enumerate(items):
        w.paragraphs.append(f"第{NUMERALS[i]}，{text}。{c.filler()}{c.filler()}")
        w.recommendations.append(_truth(i + 1, text))


def shape_bare_yao(c: Composer, w: Written) -> None:
    """A bare 要 + action in the intro over items that are noun phrases."""
    items = [c.word("objects") for _ in range(3)]
    w.paragraphs.append(c.fill(c.pick(BARE_YAO_INTROS)) + _inline("{n}是", items))
    w.recommendations += [_truth(i + 1, t) for i, t in enumerate(items)]


def shape_means(c: Composer, w: Written) -> None:
    """Items opening with a means frame before the verb."""
    frames = ("借助", "依托", "通过", "利用")
    items = [f"{c.rng.choice(frames)}{c.word('means')}{c.measure()}" for _ in range(3)]
    w.paragraphs.append(c.fill(c.pick(NEUTRAL_INTROS)) + _inline("{n}是", items))
    w.recommendations += [_truth(i + 1, t) for i, t in enumerate(items)]


def shape_place(c: Composer, w: Written) -> None:
    """Items opening with 在X上 + verb or 从X入手 + verb, one paragraph each."""
    w.paragraphs.append(c.fill(c.pick(NEUTRAL_INTROS)))
    for i in range(3):
        if c.rng.random() < 0.5:
            text = f"在{c.word('places')}{c.rng.choice(('上', '方面', '环节'))}{c.measure()}"
        else:
            text = f"从{c.word('starts')}{c.rng.choice(('入手', '着手', '发力'))}，{c.measure()}"
        w.paragraphs.append(f"其{NUMERALS[i]}，{text}。{c.filler()}")
        w.recommendations.append(_truth(i + 1, text))


def shape_subject_modal(c: Composer, w: Written) -> None:
    """一是<subject>要<measure>."""
    items = [f"{c.word('subjects')}要{c.measure()}" for _ in range(3)]
    w.paragraphs.append(c.fill(c.pick(NEUTRAL_INTROS)) + _inline("{n}是", items))
    w.recommendations += [_truth(i + 1, t) for i, t in enumerate(items)]


def shape_di_yi_shi(c: Composer, w: Written) -> None:
    """An interviewee's 第一是要…，第二是要… inside one sentence."""
    items = [c.measure() for _ in range(3)]
    said = "，".join(f"第{NUMERALS[i]}是要{t}" for i, t in enumerate(items))
    w.paragraphs.append(f"{c.word('names').replace(' ', '')}{c.rng.choice(('表示', '认为', '谈到'))}，{said}。")
    w.recommendations += [_truth(i + 1, t) for i, t in enumerate(items)]


def shape_headings(c: Composer, w: Written) -> None:
    """一、二、三、 subheadings that name measures, one opening with a numeral word."""
    count = c.rng.randint(3, 4)
    odd = c.rng.randrange(1, count)
    for i in range(count):
        text = f"{c.rng.choice(NUMERAL_HEADINGS)}{c.measure()}" if i == odd else c.measure()
        w.paragraphs += [f"{NUMERALS[i]}、{text}", c.filler() + c.filler()]
        w.recommendations.append(_truth(i + 1, text))


def shape_nested(c: Composer, w: Written) -> None:
    """第一，<heading>。 paragraphs each holding 一是要…；二是要… measures."""
    w.paragraphs.append(c.fill(c.pick(WORK_INTROS)))
    for i in range(c.rng.randint(2, 3)):
        heading = c.measure()
        children = [c.measure() for _ in range(c.rng.randint(2, 3))]
        w.paragraphs.append(f"第{NUMERALS[i]}，{heading}。{c.filler()}" + _inline("{n}是要", children))
        parent = _truth(i + 1, heading)
        parent["children"] = [_truth(k + 1, t) for k, t in enumerate(children)]
        w.recommendations.append(parent)


def shape_sequence(c: Composer, w: Written) -> None:
    """首先/其次/最后: a list the references always leave optional."""
    items = [c.measure() for _ in range(3)]
    words = ("首先，", "其次，", "最后，")
    said = "".join(f"{word}{text}。" for word, text in zip(words, items, strict=True))
    w.paragraphs.append(c.fill(c.pick(NEUTRAL_INTROS)) + said)
    w.optional.append({"kind": "sequence", "items": [_truth(i + 1, t) for i, t in enumerate(items)]})


def shape_counted_analysis(c: Composer, w: Written) -> None:
    """An intro counting conditions or tendencies over verb-initial items: analysis."""
    n = c.rng.randint(2, 4)
    items = [c.measure() for _ in range(n)]
    w.paragraphs.append(c.fill(c.pick(COUNT_INTROS), n) + _inline("{n}是", items))


def shape_conditions(c: Composer, w: Written) -> None:
    """A topic's 要 before a state: preconditions."""
    items = [f"{c.word('conditions')}要{c.word('states')}" for _ in range(3)]
    w.paragraphs.append(c.fill(c.pick(CONDITION_INTROS)) + _inline("{n}是", items))


def shape_yardstick(c: Composer, w: Written) -> None:
    """以X衡量Y / 以…为名: tendencies described."""
    items = [f"以{c.word('metrics')}衡量工作成效", f"以{c.word('topics')}为名层层加码",
             f"以{c.word('metrics')}评判实绩"]
    w.paragraphs.append(c.fill(c.pick(PROBLEM_INTROS)))
    w.paragraphs += [f"其{NUMERALS[i]}，{t}，{c.filler()}" for i, t in enumerate(items)]


def shape_problems(c: Composer, w: Written) -> None:
    """Problems: a shortfall, or a place frame with no action."""
    items = [f"{c.word('objects')}还不够健全", f"在{c.word('places')}方面存在短板", f"{c.word('objects')}相对滞后"]
    w.paragraphs.append(c.fill(c.pick(PROBLEM_INTROS)) + _inline("{n}是", items))


def shape_achievements(c: Composer, w: Written) -> None:
    """A frame, a verb and 了: what was done."""
    items = [f"通过{c.word('means')}{c.word('verbs')}了{c.word('objects')}",
             f"在{c.word('places')}上{c.word('verbs')}了{c.word('objects')}",
             f"依托{c.word('means')}{c.word('verbs')}了{c.word('objects')}"]
    w.paragraphs.append(c.fill(c.pick(ACHIEVEMENT_INTROS)) + _inline("{n}是", items))


def shape_decoys(c: Composer, w: Written) -> None:
    """Numerals that start no list: 一、二线城市 at a paragraph start, 第一是非."""
    w.paragraphs.append(f"一、二线城市的{c.word('objects')}较为完善，三、四线城市仍有差距。")
    w.paragraphs.append(f"这道题是第一是非题，{c.filler()}")


RECOMMENDING = (shape_work_intro, shape_bare_yao, shape_means, shape_place, shape_subject_modal,
                shape_di_yi_shi, shape_headings, shape_nested)
ANALYSING = (shape_counted_analysis, shape_conditions, shape_yardstick, shape_problems, shape_achievements,
             shape_decoys, shape_sequence)


# --- pages -------------------------------------------------------------------


def compose_article(c: Composer, index: int) -> tuple[list[str], dict[str, Any]]:
    """One article's lines and its reference: an opening, one or two lists, a closing."""
    w = Written()
    w.paragraphs.append(f"{c.word('topics')}，关键在于{c.measure()}和{c.measure()}。{c.filler()}")
    shapes = [c.rng.choice(RECOMMENDING if c.rng.random() < 0.5 else ANALYSING) for _ in range(c.rng.randint(1, 2))]
    for shape in shapes:
        if w.recommendations and shape in RECOMMENDING:
            continue  # one recommendation list an article: two would share numbers in the truth
        shape(c, w)
    w.paragraphs.append(f"总之，{c.measure()}、{c.measure()}，{c.filler()}")
    title = f"{c.word('topics')}的{c.rng.choice(('实践路径', '着力点', '几点思考', '关键一招'))}"
    author = c.word("names")
    lines = [title, author, "", *w.paragraphs, "（作者为某大学教授）"]
    truth = {"kind": "article", "title": title, "section": None, "authors": [author.replace(" ", "")],
             "first": w.paragraphs[0][:20], "last": w.paragraphs[-1],
             "recommendations": w.recommendations, "other_lists": [], "optional_lists": w.optional}
    return lines, truth


def compose_page(split: str, seed: int, page: int) -> tuple[str, dict[str, Any]]:
    """A page of three to five articles and its reference."""
    c = Composer(split, random.Random(f"{split}-{seed}-{page}"))
    lines = [f"人民日报 2026-09-{page + 1:02d} 第09版：理论", ""]
    articles = []
    for index in range(c.rng.randint(3, 5)):
        article_lines, truth = compose_article(c, index + 1)
        lines += [*article_lines, ""]
        articles.append(truth)
    return "\n".join(lines), {"articles": articles, "notes": f"list_shapes {split} seed {seed}"}


def load_scorer() -> ModuleType:
    """The shared scorer, imported from its file."""
    spec = importlib.util.spec_from_file_location("score_parse", SCORER)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{SCORER}: cannot load the scorer")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score_seed(split: str, seed: int, pages: int, scorer: ModuleType, dump: Path | None) -> dict[str, Any]:
    """Parse every page of one seed and score it; returns the merged report."""
    reports = []
    for page in range(pages):
        text, gold = compose_page(split, seed, page)
        parsed = parse_page(page_from_text(text, name=f"{split}-{seed}-{page}.txt"))
        pred = parsed_issue_to_json(parsed)
        report = scorer.score_issue(gold, pred)
        reports.append(report)
        if dump:
            stem = dump / f"{split}_{seed}_{page}"
            stem.with_suffix(".txt").write_text(text, encoding="utf-8")
            stem.with_suffix(".json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
            stem.with_suffix(".pred.json").write_text(json.dumps(pred, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"merged": scorer.merge(reports), "problems": [p for r in reports for p in r["problems"]]}


def summarise(split: str, seeds: int, pages: int, show: bool, dump: Path | None) -> None:
    """Print the split's recommendations F1 per seed, its mean and standard error."""
    scorer = load_scorer()
    f1s, articles, subs = [], [], []
    for seed in range(seeds):
        result = score_seed(split, seed, pages, scorer, dump)
        f1s.append(result["merged"]["recommendations"]["f1"])
        articles.append(result["merged"]["articles"]["f1"])
        subs.append(result["merged"]["sub_recommendations"]["f1"])
        if show:
            for problem in result["problems"]:
                print(f"  [{split} {seed}] {problem}")
    se = statistics.stdev(f1s) / len(f1s) ** 0.5 if len(f1s) > 1 else 0.0
    print(f"{split}: recommendations F1 {statistics.mean(f1s):.3f} ± {se:.3f} (SE over {seeds} seeds of {pages} pages)"
          f" | sub-items F1 {statistics.mean(subs):.3f} | articles F1 {statistics.mean(articles):.3f}"
          f" | per seed {' '.join(f'{f:.3f}' for f in f1s)}")


def main(argv: list[str] | None = None) -> int:
    """Compose the pages of the chosen split(s), parse and score them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "test", "both"), default="test")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--pages", type=int, default=8, help="pages per seed")
    parser.add_argument("--show", action="store_true", help="print every mismatch")
    parser.add_argument("--dump", type=Path, help="write each page, its reference and the parse here")
    args = parser.parse_args(argv)
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
    for split in ("tune", "test") if args.split == "both" else (args.split,):
        summarise(split, args.seeds, args.pages, args.show, args.dump)
    return 0


if __name__ == "__main__":
    sys.exit(main())
