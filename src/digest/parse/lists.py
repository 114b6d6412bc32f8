"""Numbered lists of an article, and which of them are recommendations.

Commentary pieces make their case as numbered points (第一，… / 一是… / （一）…).
This stage finds every such list in an article's reflowed paragraphs, keeps
their nesting, and decides how each list reads: as recommendations (what the
article says should be done) or as analysis (problems, reasons, features,
achievements).

What each rule relies on:

- Markers: the enumeration conventions of written Chinese, shared with the
  rest of the parser in `digest.zh` (`LIST_MARKER`, `marker_boundary`). A marker counts only
  where an item can begin — a paragraph start, after 。！？；： (an opening
  quote may come between) or, for the families read inside sentences
  (一是/第一是/一要/其一/①, 首先 after "某某认为，"), after a comma — so words
  built on numerals (统一是, 唯一是, 之一是, 第一次, 进一步) never start an item.
  Section heads 一、二、… count only at a paragraph start (一、二线城市 does not).
  Markers split by the source's line ends are whole again after reflow.
- Lists: an author counts up from one in one marker family. A run starts at
  one, goes up by one, may skip a single number (recorded in `missing`, as
  typeset pages sometimes lose one), and needs two items; a new "one" of the
  same family starts a new list. Numbers that fit no run are not markers.
- Extent: an item ends where its next sibling begins. The last item has no
  such end, so it is taken to be no longer than its longest sibling, counted in
  the unit that separates the items (the sentence for items sharing a sentence
  or a paragraph, the paragraph otherwise); it grows to take in a list nested
  in it, and stops where another list of its own family begins.
- Nesting: a list of another family that begins inside an item belongs to it
  (第一，… holding 一要…/一是… items); one that runs across the item's end is cut
  at that end.
- Reading: prescriptive writing opens each item with an action verb from the
  vocabulary of policy prose (加强, 推动, 健全, 聚焦, 打造, 坚持…), possibly after
  an adverb (充分, 深入, 精准…) or a modal (要, 应, 需…), with 以/把/让 frames, or
  with a means or place frame before the verb (借助/依托/通过/利用 X + verb,
  在X上 + verb, 从X入手, 在X上下功夫); 一要… markers are prescriptive by form. Analysis items
  open with 这是… (a reason), name a problem (…的矛盾), use 以 as a yardstick or
  pretext (以X衡量Y, 以…为名), or put a state after a topic's 要 (X要总体稳定: a
  condition). The sentence that introduces a list (…做好以下几方面工作, …重点发挥…
  作用, a bare 要 + action vs …存在一些矛盾, …价值体现在…) tips the balance; one
  that counts analytical things after a verb of need or stance (需要三方面条件,
  反对两种倾向, 呈现出三副面孔) decides it, whatever the items' verbs. A list
  with no signal either way reads like its parent, or as plain "points" at the
  top level; one that holds recommendations organises them and reads as
  recommendations. A nested list that reads differently from its parent is
  reported as a list of its own, right after the parent.
- Headline: items typeset as "第一，<heading>。<body>" carry their heading as a
  short first sentence; otherwise the first clause (outside quotes) is used.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from digest.models import Article, ListItem, NumberedList
from digest.zh import (
    COMMA_FAMILIES,
    LIST_MARKER,
    PARAGRAPH_FAMILIES,
    SENTENCE_END_RUN,
    marker_boundary,
    marker_number,
)

LOGGER = logging.getLogger(__name__)

RECOMMENDATIONS = "recommendations"
HEADLINE_CHARS = 40

# Verbs that open an item prescribing action in policy and commentary prose.
_ACTION_VERB_LIST = """加强 强化 推动 推进 促进 健全 完善 建立 建设 建好 构建 打造 聚焦 坚持 深化 优化
    提升 提高 加快 加大 夯实 筑牢 拓展 拓宽 创新 发挥 激发 激活 激励 培育 培养 引导 落实
    实施 推行 开展 抓好 抓实 做好 做实 做强 用好 用活 管好 把握 维护 牢记 树立 弘扬 营造
    畅通 打通 丰富 挖掘 统筹 规范 保障 扩大 增强 突出 立足 围绕 确保 高举 坚守 守牢 守住
    扛起 压实 重视 注重 坚定 探索 支持 鼓励 推广 补齐 补强 破解 破除 防范 化解 严守 贯彻
    践行 融入 对接 搭建 整合 凝聚 涵养 锻造 锤炼 厚植 赋能 释放 提振 稳住 改革 改进 改善
    引领 带动 盘活 聚力 汇聚 增加 减轻 降低 推出 出台 制定 明确 加速 用足 抓住 紧扣 紧盯
    瞄准 锚定 建强 选好 配强 开拓 开辟 运用 坚决 兼顾 加紧 擦亮 唱响 讲好 办好 走好 守好
    织密 解决 保护 壮大 补上 补足"""
_ACTION_VERBS = frozenset(_ACTION_VERB_LIST.split())
# Adverbs and modals that may stand before the verb (充分发挥, 要坚持, 进一步加强).
_ACTION_PREFIX_LIST = """进一步 要 应 需 需要 必须 应当 应该 务必 还要 更要 充分 深入 坚决 着力 大力 积极 全面 切实
    持续 不断 精准 主动 努力 重点 扎实 有效 科学 系统 认真 始终 更加 更好 善于 继续 加快 全力
    合力 协同 依法 稳步 有序 同步 统筹 优先 久久为功 创新 自觉"""
_ACTION_PREFIXES = tuple(_ACTION_PREFIX_LIST.split())
# Item-initial frames that prescribe (以…为…, 把…作为…, 让…, 将…纳入…), not the
# words that merely start with the same character (以往, 以来, 将来, 使用).
_ACTION_FRAME = re.compile(r"以(?![上来往及后前外下至便免])|把|让|将(?![来近])|使(?![用得])")

# An item that gives a reason or says what something is (这是…, 因为…, 在于…).
_RATIONALE_ITEM = re.compile(r"^(?:(?:这|此|其|它)(?:是|既是|也是|正是|就是|更是|体现|反映)|因为|由于|源于|在于)")
# A verb with 了 reports what was done (推动了……, 形成了……), not what should be.
_DONE = re.compile(r"^[^，。；]{1,6}?了(?!解)")
# Words that name a problem or a shortfall.
_PROBLEM_WORDS = (
    "矛盾|问题|挑战|短板|困境|瓶颈|难题|障碍|隐患|弊端|不足|滞后|薄弱|欠缺|缺乏|失衡|错位|不够|不强|不高|不畅"
)
# A clause that names a problem anywhere in it.
_PROBLEM_ITEM = re.compile(f"(?:{_PROBLEM_WORDS})")
# A clause that ends by saying something falls short names a problem even when it
# opens with a word that can be a verb (创新能力不足, 协同机制不健全).
_PROBLEM_PREDICATE = re.compile(
    r"(?:不足|滞后|薄弱|不够|不强|不高|不畅|失衡|错位|欠缺|突出|严重|乏力|偏低|不到位|不完善|不健全)$"
)
# A subject may come before the modal that prescribes (党委要加强……, 企业应当……).
_MODAL = re.compile(r"要|应当|应该|应|需要|需|必须|务必")
# A clause that reports what was achieved (取得…, 实现了…, 显著提升).
_ACHIEVEMENT_ITEM = re.compile(r"取得|实现了|成效显著|成果丰硕|显著提升|明显提升|大幅提升|持续提升|不断增强|迈上")

# An item opening with a means or a place before its verb prescribes as much as a
# bare verb does (借助数字技术提升…, 在机制上健全…, 从源头入手…): the frame, then
# the verb of the clause is looked for after it.
_MEANS_FRAME = re.compile(r"(?:借助|依托|通过|利用|凭借|借力)(?=[^，。；]{2})")
# 在X上/中/方面: the place of the measure, X included.
_PLACE_FRAME = re.compile(r"在[^，。；]{1,16}?(?:上|中|方面|层面|环节)[，,]?")
_FRAME_REACH = 24  # characters after a frame within which its verb must come
# 了 after a verb: what was done (通过改革，推动了…), anywhere in a span.
_DONE_ANYWHERE = re.compile(r"了(?!解)")
# 从X入手/着手/发力: where to start a task, itself the task.
_START_FRAME = re.compile(r"从[^，。；]{1,16}?(?:入手|着手|发力|抓起|破题|切入)")
# 在X上下功夫/做文章/发力: where to put the effort, itself the task.
_EFFORT_FRAME = re.compile(r"在[^，。；]{1,20}?上(?:下功夫|下足功夫|做文章|用力|发力|求突破|出实招)")
# 以 as a yardstick (以X衡量Y) or a pretext (以…为名): a description, not a prescription.
_YARDSTICK = re.compile(r"以[^，。；]{1,16}?(?:衡量|评判|评价|度量|判断|论英雄)")
_PRETEXT = re.compile(r"以[^，。；]{1,16}?(?:为名|为由|为借口|为幌子|之名|的名义)")
# A topic noun, 要, and a state rather than an action (物价要总体稳定, 资金要充足):
# a condition that must hold, as lists of preconditions state them.
_CONDITION_ITEM = re.compile(
    r"^[^，。；要]{1,10}要(?:长期|总体|基本|相对|始终|保持|足够|持续)?"
    r"(?:稳定|平稳|充足|充裕|宽松|适度|合理|可控|健康|安全|可靠|可持续|有保障|有序|到位|匹配|适配|对路)$"
)

# Cues in the sentence that introduces a list.
# Announcing work to be done outweighs naming the problem it answers (针对上述问题，提出以下措施).
_INTRO_WORK = re.compile(r"以下几(?:方面|点|个方面)?工作|做好|抓好|着力|重点发挥|措施|举措|对策|建议")
# Asking for a way or a need (路径, 如何, 必须…) announces recommendations too, unless the intro names an analysis.
_INTRO_RECOMMEND = re.compile(r"发挥.{0,12}作用|路径|途径|需要|必须|应当|应该|如何|怎样")
# A verb of need or stance, then a count of analytical things (需要三方面条件, 反对两种倾向,
# 呈现出三副面孔): the list spells out conditions, tendencies or faces, not measures.
# Problems to be dealt with (必须解决好三个问题, 需要防范两类风险) announce the tasks instead.
_INTRO_ANALYTIC_COUNT = re.compile(
    r"(?:需要|必须|反对|警惕|防止|克服|呈现出?|表现出?|具备|具有|存在|面临|满足)"
    r"(?:(?!解决|回答|处理|破解|化解|应对|防范|抓好|做好|答好)[^，。；]){0,10}?"
    r"(?:[一二三四五六七八九十两几多]|\d)(?:个|种|副|重|类|大|项|层|点)?(?:方面)?的?[^，。；：]{0,6}?"
    r"(?P<noun>条件|前提|基础|要素|因素|倾向|偏向|误区|偏差|问题|风险|矛盾|挑战|困难|面孔|面相|特征|特点|特性|属性|表现|现象|原因|逻辑|维度)"
)
# Which analysis kind each analytical noun announces.
_ANALYTIC_NOUN_KINDS = {
    **dict.fromkeys(("倾向", "偏向", "误区", "偏差", "问题", "风险", "矛盾", "挑战", "困难"), "problems"),
    **dict.fromkeys(("面孔", "面相", "特征", "特点", "特性", "属性", "表现", "现象", "维度"), "features"),
    **dict.fromkeys(("原因", "逻辑"), "rationale"),
}
# A bare 要 (not 需要/主要/重要/只要…) that sets a task for the list to spell out (要加快…, 要深化…).
_INTRO_BARE_YAO = re.compile(r"(?<![需只主重必想还纲摘提])要")
# What an intro names when it announces analysis: problems, reasons, achievements, features.
_INTRO_KINDS = (
    ("problems", _PROBLEM_ITEM),
    ("rationale", re.compile(r"原因|意义|必要性|必然性|重要性|缘于|源于|因为|理由")),
    ("achievements", re.compile(r"成就|成效|成绩|进展|成果")),
    ("features", re.compile(r"特点|特征|特色|优势|体现|表现|内涵|价值")),
)


@dataclass(frozen=True)
class _Marker:
    """One marker found in the article text."""

    start: int
    end: int
    family: str
    number: int
    text: str


@dataclass
class _Run:
    """A numbered list while it is being assembled: markers, item ends and nested runs."""

    family: str
    markers: list[_Marker]
    missing: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    children: list[list[_Run]] = field(default_factory=list)
    parent: _Run | None = None
    kind: str = ""
    floor: int = 0  # where an earlier list ended: the intro does not reach back past it

    @property
    def start(self) -> int:
        return self.markers[0].start

    @property
    def end(self) -> int:
        return self.ends[-1]


def find_numbered_lists(paragraphs: list[str]) -> list[NumberedList]:
    """Every numbered list of an article's reflowed paragraphs, in order, with nesting.

    A nested list that reads like its parent is kept as the items' `children`;
    one that reads differently comes as a list of its own right after its parent.
    """
    return [lst for _, lst in _lists_by_paragraph(paragraphs)]


def add_lists(article: Article) -> Article:
    """The article with its recommendations (items of every list read as such) and other lists.

    Each list's top-level items carry the subheading the list stands under, so
    that the email can show the article's structure.
    """
    lists = [
        _under_heading(lst, _heading_before(article, index)) for index, lst in _lists_by_paragraph(article.paragraphs)
    ]
    recommendations = [item for lst in lists if lst.kind == RECOMMENDATIONS for item in lst.items]
    points = [lst for lst in lists if lst.kind != RECOMMENDATIONS]
    LOGGER.debug("%s: %d recommendations, %d other lists", article.display_title, len(recommendations), len(points))
    return dataclasses.replace(article, recommendations=recommendations, points=points)


def _lists_by_paragraph(paragraphs: list[str]) -> list[tuple[int, NumberedList]]:
    """The numbered lists, each with the index of the paragraph it begins in."""
    text = "\n".join(paragraphs)
    runs = _assemble_runs(_find_markers(text))
    top = _nest(runs, text)
    for run in top:
        _read(run, text, inherited="")
    found: list[tuple[int, NumberedList]] = []
    for run in top:
        found.extend(_to_lists(run, text))
    return found


def _heading_before(article: Article, index: int) -> str:
    """The last subheading standing before paragraph `index`, or ""."""
    headings = set(article.subheadings)
    return next((p for p in reversed(article.paragraphs[:index]) if p in headings), "")


def _under_heading(lst: NumberedList, heading: str) -> NumberedList:
    """The list with its top-level items marked as standing under `heading`."""
    return dataclasses.replace(lst, items=[dataclasses.replace(item, heading=heading) for item in lst.items])


# --- markers and runs ------------------------------------------------------


def _find_markers(text: str) -> list[_Marker]:
    """Markers standing where an item can begin, in text order."""
    markers = []
    for match in LIST_MARKER.finditer(text):
        family = match.lastgroup or ""
        boundary = marker_boundary(text, match.start())
        if not boundary or (boundary == "comma" and family not in COMMA_FAMILIES):
            continue
        if family in PARAGRAPH_FAMILIES and boundary != "paragraph":
            continue
        if family == "paren" and match.group("paren_n").isdigit():
            family = "paren_digit"  # （1） and （一） are separate families, often nested
        markers.append(_Marker(match.start(), match.end(), family, marker_number(match), match.group(0)))
    return markers


def _assemble_runs(markers: list[_Marker]) -> list[_Run]:
    """Runs counting up from one within each family, with at most one skipped number."""
    runs: list[_Run] = []
    open_runs: dict[str, _Run] = {}
    for marker in markers:
        run = open_runs.get(marker.family)
        expected = run.markers[-1].number + 1 if run else 1
        if marker.family == "sequence" and marker.number == 0:  # 最后 closes a 首先/其次 run
            if run is None:
                continue
            marker = dataclasses.replace(marker, number=expected)
            open_runs.pop(marker.family)
        if marker.number == 1:
            open_runs[marker.family] = _Run(marker.family, [marker])
            runs.append(open_runs[marker.family])
        elif run and marker.number == expected:
            run.markers.append(marker)
        elif run and marker.number == expected + 1 and not run.missing:
            run.missing.append(expected)
            run.markers.append(marker)
        else:
            LOGGER.debug("marker %r at %d fits no list", marker.text, marker.start)
    return [run for run in runs if len(run.markers) >= 2]


# --- extents and nesting ---------------------------------------------------


def _nest(runs: list[_Run], text: str) -> list[_Run]:
    """Place each run at top level or inside the item it begins in; return the top-level runs."""
    top: list[_Run] = []
    placed: list[_Run] = []
    for run in sorted(runs, key=lambda r: r.start):
        parent, index = _container(run, placed)
        if parent is not None:
            _clip_to_item(run, parent, index)
            if len(run.markers) < 2:
                continue
        bound = parent.ends[index] if parent is not None and index < len(parent.markers) - 1 else None
        _set_ends(run, text, bound if bound is not None else len(text))
        run.floor = max((p.end for p in placed if p.end <= run.start), default=0)
        if parent is None:
            top.append(run)
        else:
            run.parent = parent
            parent.children[index].append(run)
            if index == len(parent.markers) - 1:
                _grow_last_item(parent, run.end)
        placed.append(run)
    return top


def _container(run: _Run, placed: list[_Run]) -> tuple[_Run | None, int]:
    """The innermost placed run whose item holds this run's start, and that item's index.

    A holder of the same family means the new run is its sibling: the holder's
    last item (and what is nested in it) stops where the new run begins.
    """
    holders = [(p, i) for p in placed for i, _ in enumerate(p.markers) if p.markers[i].start < run.start < p.ends[i]]
    for holder, _ in holders:
        if holder.family == run.family:
            _cut(holder, run.start)
            holders = [(p, i) for p, i in holders if _is_outside(p, holder)]
            break
    if not holders:
        return None, 0
    return max(holders, key=lambda h: h[0].start)


def _is_outside(candidate: _Run, holder: _Run) -> bool:
    """True when `candidate` is an ancestor of `holder` (it still holds the position)."""
    node = holder.parent
    while node is not None:
        if node is candidate:
            return True
        node = node.parent
    return False


def _cut(run: _Run, pos: int) -> None:
    """End the run's last item (and the lists nested in it) at `pos`."""
    run.ends[-1] = min(run.ends[-1], pos)
    last = run.children[-1]
    last[:] = [child for child in last if child.start < pos]
    for child in last:
        _cut(child, pos)


def _clip_to_item(run: _Run, parent: _Run, index: int) -> None:
    """Drop the markers of a nested run that fall past the end of a non-last item."""
    if index == len(parent.markers) - 1:
        return
    run.markers = [m for m in run.markers if m.start < parent.ends[index]]


def _grow_last_item(run: _Run, end: int) -> None:
    """Let a last item (and its ancestors' last items) take in a list nested in it."""
    node: _Run | None = run
    while node is not None and node.ends[-1] < end:
        node.ends[-1] = end
        node = node.parent


def _set_ends(run: _Run, text: str, bound: int) -> None:
    """Item ends: the next sibling's marker, and for the last item a length like its siblings'."""
    run.ends = [m.start for m in run.markers[1:]]
    run.children = [[] for _ in run.markers]
    first, last = run.markers[0], run.markers[-1]
    between = text[first.end : last.start]
    if "\n" not in between and not SENTENCE_END_RUN.search(between):
        end = _next_sentence_end(text, last.end, _paragraph_end(text, last.end))  # one sentence
    elif "\n" not in between:
        units = max(_count_sentences(text[m.end : e]) for m, e in zip(run.markers, run.ends, strict=False))
        end = last.end
        for _ in range(units):
            end = _next_sentence_end(text, end, _paragraph_end(text, last.end))
    else:
        units = max(len(_body_paragraphs(text[m.start : e])) for m, e in zip(run.markers, run.ends, strict=False))
        end = _last_item_end(text, last.start, units)
    run.ends.append(min(max(end, last.end), bound))


def _body_paragraphs(span: str) -> list[str]:
    """The paragraphs of an item, a heading-only paragraph counted with the one after it.

    Whether an item's heading ("第三，……。") stands as a paragraph of its own
    depends on the layout, so it must not change how long the item looks.
    """
    paragraphs = [p for p in span.split("\n") if p.strip()]
    return [p for i, p in enumerate(paragraphs) if not (_is_heading_only(p) and i + 1 < len(paragraphs))]


def _is_heading_only(paragraph: str) -> bool:
    """A short paragraph of at most one sentence: an item's heading rather than its body."""
    return len(paragraph) <= HEADLINE_CHARS + 8 and len(SENTENCE_END_RUN.findall(paragraph.rstrip())) <= 1


def _last_item_end(text: str, start: int, units: int) -> int:
    """End of the paragraph that makes `units` body paragraphs from `start`."""
    end = _paragraph_end(text, start)
    counted = 0 if _is_heading_only(text[start:end]) else 1
    while counted < units and end < len(text):
        end = _paragraph_end(text, end + 1)
        counted += 1
    return end


def _paragraph_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _next_sentence_end(text: str, pos: int, limit: int) -> int:
    match = SENTENCE_END_RUN.search(text, pos, limit)
    return match.end() if match else limit


def _count_sentences(text: str) -> int:
    return max(1, len(SENTENCE_END_RUN.findall(text.rstrip())))


# --- reading ---------------------------------------------------------------


def _read(run: _Run, text: str, inherited: str) -> None:
    """Set the run's kind, then its nested runs' (which inherit it when they give no signal).

    A list that says nothing itself but holds recommendations organises them
    ("第一，在制度层面。一要……二要……"), so it reads as recommendations too.
    """
    children = [child for item_children in run.children for child in item_children]
    own = _reading(run, text)
    if not own and any(_reading(child, text) == RECOMMENDATIONS for child in children):
        own = RECOMMENDATIONS
    run.kind = own or inherited or "points"
    for child in children:
        _read(child, text, run.kind)


def _reading(run: _Run, text: str) -> str:
    """RECOMMENDATIONS, an analysis kind, or "" when neither the items nor the intro say."""
    if run.family == "yao":
        return RECOMMENDATIONS  # 一要/二要 is prescriptive by form
    intro = _intro(run, text)
    intro_kind = _intro_reading(intro)
    if _INTRO_ANALYTIC_COUNT.search(intro):
        # Counted conditions or tendencies are often phrased as verbs (反对…, 坚持…);
        # only the intro tells that the list analyses, so it decides.
        return intro_kind
    kinds = [_item_reading(_item_text(run, i, text)) for i in range(len(run.markers))]
    actions = kinds.count(RECOMMENDATIONS)
    analysis = [k for k in kinds if k and k != RECOMMENDATIONS]
    score = (actions - len(analysis)) / len(kinds)
    score += 0.5 if intro_kind == RECOMMENDATIONS else -0.5 if intro_kind else 0.0
    if score > 0:
        return RECOMMENDATIONS
    if score < 0:
        named = Counter(analysis).most_common(1)
        return named[0][0] if named else intro_kind
    return ""


def _item_reading(item: str) -> str:
    """How one item's first clause reads: RECOMMENDATIONS, an analysis kind, or ""."""
    clause = _first_clause(item)
    if _PROBLEM_PREDICATE.search(clause) or _PRETEXT.match(clause):
        return "problems"
    if _CONDITION_ITEM.match(clause):
        return "points"
    if _YARDSTICK.match(clause):
        return ""
    framed = _framed_action(item)
    if framed:
        return "achievements" if _DONE_ANYWHERE.search(framed) else RECOMMENDATIONS
    if _opens_with_action(clause) or _modal_then_action(clause):
        return "achievements" if _DONE.match(clause) else RECOMMENDATIONS
    if _RATIONALE_ITEM.match(clause):
        return "rationale"
    if _PROBLEM_ITEM.search(clause):
        return "problems"
    if _ACHIEVEMENT_ITEM.search(clause):
        return "achievements"
    return ""


def _opens_with_action(clause: str) -> bool:
    """True when the clause opens with an action verb, after adverbs/modals, or a 以/把/让 frame."""
    rest = clause.lstrip("，,：:、 ")
    for _ in range(3):
        if rest[:2] in _ACTION_VERBS or _ACTION_FRAME.match(rest):
            return True
        prefix = next((p for p in _ACTION_PREFIXES if rest.startswith(p)), None)
        if prefix is None:
            return False
        rest = rest[len(prefix) :]
    return False


def _framed_action(item: str) -> str:
    """The item up to its action verb and the verb's object, when it opens with a means or
    place frame (借助X提升Y, 在X上健全Y, 从X入手); "" otherwise."""
    start = _START_FRAME.match(item) or _EFFORT_FRAME.match(item)
    if start:
        return item[: start.end()]
    means, place = _MEANS_FRAME.match(item), _PLACE_FRAME.match(item)
    if not (means or place):
        return ""
    first = means.end() + 2 if means else place.end() if place else 0  # the means X takes two characters at least
    sentence = _first_sentence(item)
    for pos in range(first, min(len(sentence) - 1, first + _FRAME_REACH)):
        if sentence[pos : pos + 2] in _ACTION_VERBS:
            return sentence[:pos] + _first_clause(sentence[pos:])
    return ""


def _modal_then_action(clause: str) -> bool:
    """True when a short subject is followed by a modal and an action (企业要加强……)."""
    return any(_opens_with_action(clause[m.end() :]) for m in _MODAL.finditer(clause, 0, 12))


def _intro(run: _Run, text: str) -> str:
    """The sentence that leads into the list: the one the first marker follows, or begins inside,
    within the item holding the list and after any list before it."""
    start = run.start
    floor = max((m.end for m in run.parent.markers if m.start < start), default=0) if run.parent else 0
    floor = max(floor, run.floor)
    head = text[max(floor, start - 200) : start].rstrip()
    ends = [m.end() for m in SENTENCE_END_RUN.finditer(head) if m.end() < len(head)]
    return head[ends[-1] :] if ends else head


def _intro_reading(intro: str) -> str:
    """What the introducing sentence announces: RECOMMENDATIONS, an analysis kind, or ""."""
    if _INTRO_WORK.search(intro):
        return RECOMMENDATIONS
    count = _INTRO_ANALYTIC_COUNT.search(intro)
    if count:
        return _ANALYTIC_NOUN_KINDS.get(count.group("noun"), "points")
    for kind, pattern in _INTRO_KINDS:
        if pattern.search(intro):
            return kind
    if any(_opens_with_action(intro[m.end() :]) for m in _INTRO_BARE_YAO.finditer(intro)):
        return RECOMMENDATIONS  # as much a cue as 需要/必须, and as weak against a named problem
    return RECOMMENDATIONS if _INTRO_RECOMMEND.search(intro) else ""


# --- output ----------------------------------------------------------------


def _to_lists(run: _Run, text: str) -> list[tuple[int, NumberedList]]:
    """The run as a NumberedList, followed by the nested lists that read differently,
    each with the index of the paragraph it begins in."""
    detached: list[tuple[int, NumberedList]] = []
    items = []
    for index, marker in enumerate(run.markers):
        children: list[ListItem] = []
        for child in run.children[index]:
            child_lists = _to_lists(child, text)
            if child.kind == run.kind:
                children.extend(child_lists[0][1].items)
                detached.extend(child_lists[1:])
            else:
                detached.extend(child_lists)
        body = _item_text(run, index, text)
        items.append(ListItem(marker.number, marker.text, body, _headline(body), children))
    return [(text.count("\n", 0, run.start), NumberedList(run.kind, items, list(run.missing))), *detached]


def _item_text(run: _Run, index: int, text: str) -> str:
    """An item's text from after its marker to its end, without the separator that follows it."""
    body = text[run.markers[index].end : run.ends[index]]
    return body.strip().lstrip("，,：:、").rstrip("；;，,、").strip()


def _headline(item: str) -> str:
    """A short form for the email: the item's own heading sentence, or its first clause.

    Items typeset as "第一，<heading>。<body>" carry their heading as a first
    sentence; when that sentence is short and more text follows, it is the
    headline. Otherwise the first clause is, clipped to HEADLINE_CHARS.
    """
    sentence = _first_sentence(item)
    is_heading = len(sentence) <= HEADLINE_CHARS and len(sentence) < len(item.strip())
    short = (sentence if is_heading else _first_clause(item)).rstrip("。！？!?；;，,：:、")
    return short if len(short) <= HEADLINE_CHARS else short[: HEADLINE_CHARS - 1] + "…"


def _first_sentence(item: str) -> str:
    match = SENTENCE_END_RUN.search(item)
    return item[: match.end()].split("\n")[0] if match else item.split("\n")[0]


def _first_clause(item: str) -> str:
    """The text up to the first clause mark outside quotes and brackets."""
    depth = 0
    for i, char in enumerate(item):
        if char in "“‘（(《「『【":
            depth += 1
        elif char in "”’）)》」』】":
            depth = max(0, depth - 1)
        elif depth == 0 and char in "，,；;：:。！？!?\n":
            return item[:i]
    return item
