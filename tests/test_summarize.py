"""Extractive summaries and the sentence splitting they stand on."""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from digest.models import Article, ListItem
from digest.summarize import (
    CLUES,
    Reading,
    Summarizer,
    Weights,
    article_candidates,
    build_passages,
    fit_weights,
    is_candidate,
)
from digest.zh import (
    drop_leading_connective,
    leans_on_previous,
    opens_with_dateline,
    pairs_clauses,
    quotes_balanced,
    reads_as_report,
    speaks_for_readers,
    split_sentences,
    states_consequence,
    stop_words,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EVAL = SHARED / "eval" / "summarization.jsonl"
PICKS = "editor_pick"

PARAGRAPHS = [
    "近年来，城市更新从“拆改留”走向“留改拆”，不少老街区焕发新生。",
    "在老城区，居民议事会让大家坐到一起商量。改造方案几易其稿，最终保留了老树和石板路。",
    "城市更新不是推倒重来，而是要在保护中发展、在发展中保护，让老街区既留住烟火气，又跟上新生活。",
    "有居民说：“门口的路平了，心里也敞亮了。”这样的变化，正是群众最真切的感受。",
    "一是完善居民参与机制，二是加大公共服务投入，三是守住历史文化底线。",
    "说到底，城市更新要以人民为中心，把群众的期待落到每一条街巷、每一处细节。",
]
TITLE = "让城市更新留住烟火气"


@pytest.fixture(scope="module")
def summarizer() -> Summarizer:
    """One summarizer for the module."""
    return Summarizer()


def article(**changes: object) -> Article:
    fields_: dict[str, object] = {"title": TITLE, "display_title": TITLE, "paragraphs": PARAGRAPHS}
    fields_.update(changes)
    return Article(**fields_)  # type: ignore[arg-type]


def preferring(clue: str, weight: float = 10.0) -> Summarizer:
    """A summarizer that rates passages by one clue alone, to steer what comes up first."""
    return Summarizer(weights=Weights(**{**dict.fromkeys(CLUES, 0.0), clue: weight}, echo=0.0))


def eval_rows() -> list[dict[str, str]]:
    if not EVAL.exists():
        pytest.skip(f"the shared evaluation set is not at {EVAL}")
    return [json.loads(line) for line in EVAL.open(encoding="utf-8") if line.strip()]


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_summaries", SHARED / "tools" / "score_summaries.py")
    assert spec and spec.loader
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    return scorer


# --- sentence splitting ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他说：“事情就是这样……。”大家都笑了。", ["他说：“事情就是这样……。”", "大家都笑了。"]),
        ("“你可曾想过？我想过！”这句台词火了。", ["“你可曾想过？我想过！”", "这句台词火了。"]),
        ("真的吗？真的！好。", ["真的吗？", "真的！", "好。"]),
        ("开合跳、高抬腿、纵跳摸高……孩子们抢着打卡。", ["开合跳、高抬腿、纵跳摸高……", "孩子们抢着打卡。"]),
        ("苹果、梨……，应有尽有。", ["苹果、梨……，应有尽有。"]),
        ("增速为3.5%，高于2024.5.1公布的预期。下一句。", ["增速为3.5%，高于2024.5.1公布的预期。", "下一句。"]),
        ("（本文作者为某大学教授。）", ["（本文作者为某大学教授。）"]),
        ("没有句号的标题", ["没有句号的标题"]),
        ("第一行。\n第二行", ["第一行。", "第二行"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_sentences_loses_nothing() -> None:
    text = "他说：“好。”她问：“真的？”……\n（完）她笑了！一个引号“没有关上。结尾没有句号"
    assert "".join(split_sentences(text)) == text.replace("\n", "")


@pytest.mark.parametrize(
    "line",
    ["一、", "（二）", "第三，", "3.", "（作者为本报记者）", "本报记者 张明", "坚持守正创新", "某某大学马克思主义学院"],
)
def test_headings_bylines_and_markers_are_not_candidates(line: str) -> None:
    assert not is_candidate(line)


def test_prose_is_a_candidate() -> None:
    assert is_candidate("城市更新要以人民为中心，把群众的期待落到每一条街巷。")


def test_stop_words_are_function_words() -> None:
    assert {"的", "了", "和"} <= stop_words()
    assert "城市" not in stop_words()


# --- sentences that state a point ---------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "consequence", "correlative"),
    [
        ("只有深化改革，发展才能行稳致远。", True, False),
        ("拆掉无形壁垒，正向循环就会更加有力。", True, False),
        ("既做好面对面的服务，也用好屏对屏的技术。", False, True),
        ("安全生产不是做给别人看的，而是需要人人负责。", False, True),
        ("不仅要争第一，更要守专一。", False, True),
        ("既然定了方案，大家照着做。", False, False),  # 既然 opens a premise, not a pair of clauses
        ("今年全省苹果产量增长了百分之五。", False, False),
        ("改造方案几易其稿，最终保留了老树和石板路。", False, False),
    ],
)
def test_a_point_is_told_by_its_condition_or_its_correlated_clauses(
    sentence: str, consequence: bool, correlative: bool
) -> None:
    assert states_consequence(sentence) is consequence
    assert pairs_clauses(sentence) is correlative


@pytest.mark.parametrize(
    ("sentence", "writer"),
    [
        ("我们要守住历史文化底线。", True),
        ("守护好老街区，咱们每个人都有责任。", True),
        ("居民说：“我们盼这条路盼了十年。”", False),  # a resident's "we", quoted
        ("他们把老树和石板路都留了下来。", False),
        ("「我们」一词在文中出现了三次。", False),
    ],
)
def test_the_writer_speaks_for_the_readers_only_outside_a_quotation(sentence: str, writer: bool) -> None:
    assert speaks_for_readers(sentence) is writer


@pytest.mark.parametrize("clue", ["consequence", "correlative", "voice"])
def test_a_summary_leads_with_the_sentence_that_states_the_point_when_that_clue_counts(clue: str) -> None:
    point = {"consequence": "只要守住历史文化底线，老街区就能留住烟火气。",
             "correlative": "城市更新既要留住老街区的烟火气，也要让居民跟上新生活。",
             "voice": "城市更新中，我们要把老街区的烟火气留下来。"}[clue]
    paragraphs = ["老街区的路面去年铺了新的石板。", "居民议事会每月开一次会，今年已开了九次。", point,
                  "改造方案几易其稿，最终保留了三棵老树。"]
    summary = Summarizer(sentences=1, weights=preferring(clue).weights).summarize(article(paragraphs=paragraphs))
    assert summary == [point]


# --- connectives, pointers and quotations --------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    ["因此我们要久久为功。", "这也说明，改革要靠制度。", "此外还有三条经验。", "同时要守住底线。",
     "基于这些成果，各方形成了共识。", "其核心在于落实。", "他们说，路好走了。", "“这话说到了心坎上。”",
     "二是完善职业发展通道。", "第三，要守住历史文化底线。", "其次，要让居民说了算。", "②加大公共服务投入。",
     "比如老街区的石板路就保住了。"],
)
def test_a_sentence_that_points_back_leans_on_the_one_before(sentence: str) -> None:
    assert leans_on_previous(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["城市更新要以人民为中心。", "彼此尊重，才能共同发展。", "其实，办法总比困难多。", "而今，老街换了新颜。",
     "城市更新要以人民为中心，这是关键。", "一是完善居民参与机制。", "首先，要让居民说了算。",
     "第一线的工人最有发言权。"],
)
def test_a_statement_of_its_own_does_not_lean(sentence: str) -> None:
    assert not leans_on_previous(sentence)


@pytest.mark.parametrize(
    ("sentence", "lifted"),
    [
        ("由此而言，创新要靠长期积累。", "创新要靠长期积累。"),
        ("因此，城市更新要以人民为中心。", "城市更新要以人民为中心。"),
        ("综上，依照法律规定判决如下。", "依照法律规定判决如下。"),
        ("因此我们要久久为功。", "因此我们要久久为功。"),  # no clause of its own: kept, and it still leans
        ("这也说明，改革要靠制度。", "这也说明，改革要靠制度。"),  # a pointer is never dropped
        ("第四，追求卓越，激发创新内生动力。", "追求卓越，激发创新内生动力。"),  # an item's ordinal
        ("其次，要让居民说了算。", "要让居民说了算。"),
        ("比如，老街区保住了石板路。", "老街区保住了石板路。"),  # the instance stands as a statement
        ("二是完善职业发展通道。", "二是完善职业发展通道。"),  # woven into the sentence: kept, and it leans
    ],
)
def test_a_connective_standing_as_a_clause_is_dropped(sentence: str, lifted: str) -> None:
    assert drop_leading_connective(sentence) == lifted


LATER_ITEM = "要完善职业发展通道，让每一位技术工人都能看到清楚的上升路径和稳定的收入预期。"


@pytest.mark.parametrize(
    ("marker", "expected"),
    [("第二，", [LATER_ITEM]),  # an ordinal of its own is dropped, as a connective is
     ("二是", ["技能人才是制造业的底气所在。"])],  # woven into the sentence: never lifted without item one
)
def test_a_later_list_item_is_never_lifted_as_if_the_list_were_shown(marker: str, expected: list[str]) -> None:
    paragraphs = ["技能人才是制造业的底气所在。", "一是健全评价体系。", marker + LATER_ITEM, "各地正在行动。"]
    summary = Summarizer(sentences=1, weights=preferring("length").weights).summarize(article(paragraphs=paragraphs))
    assert summary == expected


@pytest.mark.parametrize(
    ("text", "balanced"),
    [("他说：“好。”", True), ("他说：“好。", False), ("好。”大家都笑了。", False), ("「甲」“乙”。", True),
     ("”反了“。", False), ("没有引号。", True)],
)
def test_quotes_balanced(text: str, balanced: bool) -> None:
    assert quotes_balanced(text) is balanced


# --- passages ------------------------------------------------------------------------


ONE = "城市更新要以人民为中心。"
TWO = "老街区要留住烟火气。"
THREE = "改造方案要让居民说了算。"
FOUR = "公共服务要跟上新生活。"
# Sentences of one length: none is shorter than the text's median.
EVEN = ["城市更新要以人民为本。", "老街区要留住烟火气息。", "改造方案要让居民做主。", "公共服务要跟上新生活。"]
POINTING = "这也说明改革要靠制度。"  # leans on the sentence before it
MAXIM = "实干才能出彩。"  # shorter than the others


def spans(paragraphs: list[str], max_chars: int = 260, skip: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The passages of the paragraphs, each as the sentences it holds."""
    candidates = article_candidates(paragraphs, skip)
    return [tuple(c.text for c in candidates[p.start : p.stop + 1]) for p in build_passages(candidates, max_chars)]


def test_every_sentence_is_a_passage_and_unbound_neighbours_are_no_pair() -> None:
    first, second, third, fourth = EVEN
    assert spans([first + second + third, fourth]) == [(first,), (second,), (third,), (fourth,)]


def test_a_sentence_that_leans_on_its_neighbour_makes_a_pair_with_it() -> None:
    first, second, *_ = EVEN
    assert spans([first + POINTING, second]) == [(first,), (first, POINTING), (POINTING,), (second,)]


def test_a_short_maxim_makes_a_pair_with_the_sentence_that_carries_it_on() -> None:
    first, second, third, fourth = EVEN
    assert spans([MAXIM + first + second, third + fourth]) == [
        (MAXIM,), (MAXIM, first), (first,), (second,), (third,), (fourth,)
    ]


def test_a_pair_is_offered_as_one_piece_that_reads_as_the_two_sentences() -> None:
    candidates = article_candidates([EVEN[0] + POINTING])
    assert [p.text for p in build_passages(candidates, 260)] == [EVEN[0], EVEN[0] + POINTING, POINTING]


def test_a_pair_must_fit_the_budget_but_a_long_sentence_stays_a_passage() -> None:
    long = "城市更新" + "、老街区" * 40 + "都要留住烟火气。"
    assert spans([EVEN[0] + POINTING], max_chars=len(EVEN[0] + POINTING) - 1) == [(EVEN[0],), (POINTING,)]
    assert spans([long + ONE], max_chars=50) == [(long,), (ONE,)]


def test_a_pair_never_bridges_a_sentence_left_out() -> None:
    first, second, *_ = EVEN
    assert spans([first + "好。" + POINTING]) == [(first,), (POINTING,)]  # 好。 is too short to be a candidate
    assert spans([first + second + POINTING], skip=(second,)) == [(first,), (POINTING,)]


def test_a_passage_never_starts_or_ends_inside_a_quotation() -> None:
    # Two openings, one closing: the splitter cannot trust the quotes and cuts at every full stop.
    paragraph = "他说：“这件事我们办完了。下一件事也会办好。”她也说：“好的，大家一起来。"
    passages = build_passages(article_candidates([paragraph]), 260)
    assert all(quotes_balanced(p.text) for p in passages)
    assert [p.text for p in passages] == ["他说：“这件事我们办完了。下一件事也会办好。”"]


# --- summaries --------------------------------------------------------------------


def test_summary_is_verbatim_passages_in_article_order(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(article())
    body = "".join(PARAGRAPHS)
    assert 1 <= len(summary) <= 3
    assert all(piece in body for piece in summary)
    positions = [body.index(piece) for piece in summary]
    assert positions == sorted(positions)


def test_summary_reads_in_article_order_whatever_order_it_was_chosen_in() -> None:
    """Rated latest first, the summary still reads from the top."""
    paragraphs = [ONE, TWO, THREE, FOUR]
    summary = preferring("sentence_depth").summarize(article(paragraphs=paragraphs))
    assert summary == [TWO, THREE, FOUR]


def test_a_sentence_that_points_back_comes_with_the_one_before_or_not_at_all() -> None:
    """The best-rated sentence opens with 这也: it is given right after its antecedent, or not at all."""
    pointing = "这也说明，城市更新的关键在于倾听群众的声音。"
    paragraphs = [ONE, TWO, THREE + pointing]
    summary = "|".join(preferring("sentence_depth").summarize(article(paragraphs=paragraphs)))
    assert pointing in summary
    assert THREE + pointing in summary or THREE + "|" + pointing in summary
    room_for_one = Summarizer(max_chars=len(pointing) + 5, weights=preferring("sentence_depth").weights)
    summary = room_for_one.summarize(article(paragraphs=paragraphs))
    assert summary and not any(pointing in piece for piece in summary)


def test_a_leading_connective_is_dropped_from_the_summary() -> None:
    paragraphs = [ONE, TWO, "因此，城市更新要把群众的期待落到每一条街巷。"]
    summary = preferring("sentence_depth").summarize(article(paragraphs=paragraphs))
    assert "城市更新要把群众的期待落到每一条街巷。" in summary
    assert not any(piece.startswith("因此") for piece in summary)


def test_summary_keeps_to_the_budget(summarizer: Summarizer) -> None:
    for budget in (40, 80, 120, 260):
        summary = Summarizer(sentences=3, max_chars=budget).summarize(article())
        assert summary
        assert sum(len(s) for s in summary) <= budget


def test_summary_is_the_same_on_every_run(summarizer: Summarizer) -> None:
    first = summarizer.summarize(article())
    assert Summarizer().summarize(article()) == first
    assert summarizer.summarize(article()) == first


def test_summary_skips_recommendation_items_and_headings(summarizer: Summarizer) -> None:
    listed = PARAGRAPHS[4]
    items = [ListItem(number=1, marker="一是", text=listed, headline="")]
    heading = "说到底，城市更新要以人民为中心，把群众的期待落到每一条街巷、每一处细节。"
    summary = Summarizer(sentences=6, max_chars=1000).summarize(article(recommendations=items, subheadings=[heading]))
    assert not any(listed in piece for piece in summary)
    assert not any(heading in piece for piece in summary)
    assert summary


def test_summary_of_two_short_sentences_is_not_empty(summarizer: Summarizer) -> None:
    assert summarizer.summarize(article(paragraphs=["好。", "对。"]))


def test_a_sentence_longer_than_the_budget_is_given_alone() -> None:
    long = "城市更新" + "、老街区" * 40 + "都要留住烟火气。"
    summary = Summarizer(max_chars=50).summarize(article(paragraphs=[long, long.replace("城市", "乡村")]))
    assert len(summary) == 1 and summary[0] in (long, long.replace("城市", "乡村"))


def test_a_summary_does_not_say_the_same_thing_twice() -> None:
    paragraphs = [ONE, "城市更新要以人民为中心！", TWO]
    summary = preferring("sentence_depth").summarize(article(paragraphs=paragraphs))
    assert ONE not in summary and "城市更新要以人民为中心！" in summary


def test_an_article_that_is_all_recommendations_still_gets_a_summary(summarizer: Summarizer) -> None:
    items = [ListItem(number=i + 1, marker="", text=p, headline="") for i, p in enumerate(PARAGRAPHS)]
    summary = summarizer.summarize(article(recommendations=items))
    assert summary and all(s in "".join(PARAGRAPHS) for s in summary)


def test_importing_the_module_loads_neither_jieba_nor_sumy() -> None:
    code = "import sys, digest.summarize; print(sorted(m for m in ('jieba', 'sumy', 'nltk') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_summaries_of_the_evaluation_set(summarizer: Summarizer) -> None:
    """On every dev article: verbatim passages that read on their own, in order, in budget."""
    for row in eval_rows():
        summary = summarizer.summarize_text(row["text"], row.get("title"))
        lines = row["text"].splitlines()
        assert summary, row["id"]
        assert len(summary) <= 3, row["id"]
        assert sum(len(s) for s in summary) <= summarizer.max_chars or len(summary) == 1, row["id"]
        assert all(any(piece in line for line in lines) for piece in summary), row["id"]
        assert all(quotes_balanced(piece) for piece in summary), row["id"]
        positions = [row["text"].index(piece) for piece in summary]
        assert positions == sorted(positions), row["id"]
        for piece, position in zip(summary, positions, strict=True):
            before = row["text"][:position]
            assert not leans_on_previous(piece) or any(before.endswith(p) for p in summary), (row["id"], piece)


# --- the ranker ---------------------------------------------------------------------


def test_fit_weights_finds_the_clue_that_marks_the_lifted_passage() -> None:
    """Generated pieces whose lifted passage is the one highest on one clue and lowest on another."""
    generator = random.Random(16)
    examples = []
    for _ in range(60):
        clues = np.array([[generator.random() for _ in CLUES] for _ in range(12)])
        marked = clues[:, CLUES.index("closes")] - clues[:, CLUES.index("figures")]
        examples.append((clues, marked == marked.max()))
    weights = fit_weights(examples)
    learned = dict(zip(CLUES, weights.learned(), strict=True))
    assert learned["closes"] == max(learned.values())
    assert learned["figures"] == min(learned.values())


def readings_and_targets(rows: list[dict[str, str]], scorer: ModuleType) -> list[tuple[Reading, np.ndarray]]:
    summarizer = Summarizer()
    pairs = []
    for row in rows:
        reading = summarizer.read_text(row["text"], row.get("title"))
        target = scorer.chars(row["reference"])
        lifted = np.array([bool(scorer.covers(scorer.chars(p.text), target)) for p in reading.passages])
        pairs.append((reading, lifted))
    return pairs


def test_the_shipped_weights_are_the_fit_on_the_dev_picks() -> None:
    """No weight was set by hand: the defaults are what `fit_weights` gives on the dev pieces."""
    picks = [row for row in eval_rows() if row["set"] == PICKS]
    fitted = fit_weights([(r.clues, y) for r, y in readings_and_targets(picks, load_scorer())])
    shipped = Weights()
    for field in fields(Weights):
        assert getattr(fitted, field.name) == pytest.approx(getattr(shipped, field.name), abs=2e-3), field.name


# The dev picks are gated on leave-one-out figures (each piece summarized with weights fitted
# on the other 39), never on the in-sample figure of the shipped weights (hit 0.525), which
# were fitted on these very pieces; the other sets never took part in the fit. Floors are the
# figures measured when the weights were fitted, rounded down; a change may raise them, never
# lower them. One piece is 0.025 of the hit: the standard error of the hit is about 0.075.
LOO_FLOOR = {("editor_pick", "hit"): 0.5, ("editor_pick", "rougeL"): 0.275}
# clts was 0.0887 before the two clues of a stated point (0.0837 after): 7 pieces, its standard
# error is 0.009, and five of the seven summaries changed, two up and three down. The writer's
# "we" moved clts 0.0837 → 0.0772 (−0.0065 ± 0.0056, paired) and cail 0.4539 → 0.4494
# (−0.0045 ± 0.0040), while the PDF pages' pull quotes, which the fit never saw either, rose
# 0.161 → 0.204 (+0.043 ± 0.028): the floors were lowered to those figures on purpose.
UNSEEN_FLOOR = {("cail", "rougeL"): 0.449, ("clts", "rougeL"): 0.077}


def test_quality_gate_leave_one_out_on_the_dev_picks() -> None:
    rows = eval_rows()
    scorer = load_scorer()
    picks = [row for row in rows if row["set"] == PICKS]
    data = readings_and_targets(picks, scorer)
    predictions = {}
    for index, row in enumerate(picks):
        others = [(r.clues, y) for j, (r, y) in enumerate(data) if j != index]
        predictions[row["id"]] = Summarizer(weights=fit_weights(others)).choose(data[index][0])
    scores = scorer.score(picks, predictions)
    for (name, metric), floor in LOO_FLOOR.items():
        assert scores[name][metric] >= floor, (name, metric, scores[name][metric])


def test_quality_gate_on_the_sets_the_weights_never_saw(summarizer: Summarizer) -> None:
    rows = [row for row in eval_rows() if row["set"] != PICKS]
    scorer = load_scorer()
    predictions = {row["id"]: summarizer.summarize_text(row["text"], row.get("title")) for row in rows}
    scores = scorer.score(rows, predictions)
    for (name, metric), floor in UNSEEN_FLOOR.items():
        assert scores[name][metric] >= floor, (name, metric, scores[name][metric])


# --- whole issues nobody wrote a summary for -----------------------------------------


def readability_check() -> ModuleType:
    return benchmark_module("summary_readability")


def benchmark_module(name: str) -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def test_summaries_of_whole_pages_break_no_readability_rule(summarizer: Summarizer) -> None:
    """Every article of the dev theory pages, parsed as a run parses it: no rule broken."""
    pages = sorted((SHARED / "eval" / "pages").glob("*.txt"))
    if not pages:
        pytest.skip("the shared dev pages are not there")
    check = readability_check()
    from digest.parse import parse_page
    from digest.pipeline import read_page

    articles = [a for page in pages for a in parse_page(read_page(page)).articles]
    assert len(articles) >= 20
    for a in articles:
        assert check.broken_rules(a, summarizer.summarize(a), summarizer) == [], a.display_title


def test_the_readability_check_names_the_rule_a_summary_breaks(summarizer: Summarizer) -> None:
    check = readability_check()
    piece = article()
    first, last = PARAGRAPHS[2], PARAGRAPHS[5]
    assert check.broken_rules(piece, [first, last], summarizer) == []
    assert check.broken_rules(piece, [last, first], summarizer) == ["order"]
    assert check.broken_rules(piece, ["这样的变化，正是群众最真切的感受。"], summarizer) == ["antecedent"]
    assert check.broken_rules(piece, ["城市更新不是推倒重来。"], summarizer) == ["verbatim"]


# --- news reports ---------------------------------------------------------------------

NEWS = [
    "本报北京8月3日电（记者 王某）记者从国家林草局获悉：今年3月至5月，十个部门联合开展专项执法行动，查办案件一千余起。",
    "行动聚焦野生动植物非法贸易突出问题，围绕重点物种、重点区域和重点环节集中执法。",
    "各地林草部门加强巡护，对市场、网络平台开展排查。",
    "有关负责人表示，只有持续加大执法力度，才能让非法贸易无处藏身。",
]


@pytest.mark.parametrize(
    ("text", "news"),
    [("本报北京8月3日电（记者 王某）记者从…获悉", True), ("新华社上海5月6日电 今天，", True),
     ("本报讯（通讯员 张三）近日，", True), ("（记者 王某）昨天，", True),
     ("近日，记者从市教育局获悉，", False), ("5月6日，某地召开会议。", False),
     ("城市更新要以人民为中心。记者走访发现，", False)],
)
def test_a_news_report_is_told_by_its_dateline_or_credit(text: str, news: bool) -> None:
    assert opens_with_dateline(text) is news


@pytest.mark.parametrize(
    ("sentences", "news"),
    [
        (["某某网讯，近日，有媒体报道称，某剧组已经停工。"], True),  # a web report's dateline
        (["某部门新闻发言人表示，明年将继续推进服务贸易改革。", "重点做好以下几方面工作。"], True),
        (["当地时间11月21日，据当地媒体报道，某公司决定在两年内退出面板制造业务。"], True),
        (["为落实有关批复要求，5月31日，新区启动第二批征迁安置工作。", "据介绍，工作涉及三个县。"], True),
        (["2月17日下午，有关部门举行新闻发布会。", "一位医生表示，采集血浆对身体影响很小。"], True),
        # a commentary or theory piece pegged on the day of a speech or a law, arguing, citing no source
        (["4月28日，某领导在大会上发表重要讲话。", "我们要牢记嘱托，把使命扛在肩上。"], False),
        (["2025年5月20日，某法正式施行。", "只有把法治落到实处，企业才能安心发展。"], False),
        (["5月20日，某法正式施行。", "有关负责人指出，要把制度优势转化为治理效能。"], False),
        (["4月28日，某领导在大会上发表重要讲话。", "据统计，全国技能人才已超过两亿人。"], False),  # a figure's source
        (["俗话说：“众人拾柴火焰高。”", "城市更新要靠每一位居民。"], False),  # a saying, not a source
        (["10月1日，人们在广场上庄严宣布新的开始。", "今天，我们更要传承这份精神。"], False),  # an event, not a source
        # a day inside a clause, a court's 简称 and 诉称: a judgment, not a report
        (["原告某合作社（以下简称：合作社）与被告借款合同纠纷一案，本院于2017年8月9日立案后公开审理。",
          "原告诉称，被告借款未还。"], False),
        (["近日，某地召开会议。", "负责人表示，将加快项目建设。"], False),  # no day given: a peg, not a lead
        ([], False),
    ],
)
def test_a_report_is_told_by_its_dateline_its_source_or_its_day_and_a_source(
    sentences: list[str], news: bool
) -> None:
    assert reads_as_report(sentences) is news


WIRE = [  # a wire report that lost its dateline: the day of the event, then a source
    "6月3日，某市启动老旧小区改造第二批项目，涉及十二个街道的八十个小区。",
    "改造将在年底前完成，重点解决管线老化、停车难和加装电梯等问题。",
    "市住建局有关负责人表示，只有把居民的意见摆在前面，改造才能真正改到群众心坎上。",
    "我们要让每一个小区都住得安心、舒心。",
]


def test_a_wire_report_without_its_dateline_is_summarised_by_its_lead() -> None:
    lead = Summarizer(sentences=1)
    assert lead.summarize(article(paragraphs=WIRE)) == [WIRE[0]]
    argued = [WIRE[0], WIRE[1], "只有把居民的意见摆在前面，改造才能真正改到群众心坎上。", WIRE[3]]
    assert lead.summarize(article(paragraphs=argued)) != [argued[0]]  # no source quoted: the ranker picks


def test_a_news_report_is_summarised_by_its_lead(summarizer: Summarizer) -> None:
    lead = Summarizer(sentences=1)
    assert lead.summarize(article(paragraphs=NEWS)) == [NEWS[0]]
    undated = [NEWS[0].split("：", 1)[1], *NEWS[1:]]  # the same report without its dateline, credit and source
    assert lead.summarize(article(paragraphs=undated)) != [undated[0]]
    assert summarizer.summarize(article(paragraphs=NEWS)) == NEWS[:3]  # the lead, as far as the budget goes


def test_a_pull_quote_becomes_a_row_of_the_article_that_holds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.parse import parse_page
    from digest.pipeline import read_page

    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(benchmarks))  # the builder shares the readability check's quote finder
    sample = sorted((benchmarks.parent / "examples" / "inbox").glob("*.txt"))[0]
    (tmp_path / "text").mkdir()
    page = tmp_path / "text" / "page.txt"
    page.write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    holder = parse_page(read_page(page)).articles[1]
    quote = max(split_sentences(holder.paragraphs[3]), key=len)
    stray = "这一句话不在这一版的任何一篇文章里，没有哪篇文章会有它。"
    notes = [{"kind": "pull_quote", "text": quote}, {"kind": "masthead", "text": "理论"},
             {"kind": "pull_quote", "text": stray}]
    (tmp_path / "page.json").write_text(json.dumps({"not_articles": notes}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "quotes.jsonl"

    assert benchmark_module("pull_quotes").main(["--pages", str(tmp_path), "--text", str(tmp_path / "text"),
                                                 "--out", str(out)]) == 0

    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["set"], r["title"], r["reference"]) for r in rows] == [
        ("page-q0", "pull_quote", holder.display_title, quote)
    ]
    assert quote in rows[0]["text"].splitlines()[3]
    assert "page.json: no article holds pull quote 1" in capsys.readouterr().err


def test_an_opening_line_its_body_repeats_becomes_a_deck_line_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    deck = "守住老街区的烟火气，城市更新才有温度。"
    body = ["老街区的路面去年铺了新的石板。", f"居民们说得好，{deck}", "改造方案几易其稿，最终保留了三棵老树。"]
    headline = "老街区铺上新石板"  # a headline repeated over its story: no clause mark, no end mark
    rows = [
        {"id": "a", "title": "留住烟火气", "text": "\n".join([deck, *body])},
        {"id": "a", "title": "留住烟火气", "text": "\n".join([deck, *body])},  # a batch repeats an article
        {"id": "b", "title": headline, "text": "\n".join([headline, f"{headline}，居民们很满意。", *body])},
        {"id": "c", "title": "另一篇", "text": "\n".join(["这一句不在正文里，正文也没有它。", *body])},
        {"id": "d", "title": "一行", "text": deck},
    ]
    themes = tmp_path / "themes.jsonl"
    themes.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")

    found = list(benchmark_module("pull_quotes").deck_rows(themes))

    assert found == [{"id": "a-deck", "set": "deck_line", "title": "留住烟火气", "text": "\n".join(body),
                      "reference": deck}]


def test_the_benchmark_sets_ours_against_the_best_peer_of_each_set(capsys: pytest.CaptureFixture[str]) -> None:
    if not (SHARED / "tools" / "score_summaries.py").exists():
        pytest.skip("the shared scorer is not there")
    bench = benchmark_module("summarize")
    rows = [{"id": "a", "set": "news", "reference": "城市更新要以人民为中心。"},
            {"id": "b", "set": "news", "reference": "老街区留住了烟火气。"}]
    results = {
        "digest": {"a": ["城市更新要以人民为中心。"], "b": ["老街区留住了烟火气。"]},
        "first": {"a": ["城市更新要以人民为中心。"], "b": ["老街区留住了烟火气。"]},  # a baseline, not a peer
        "sumy-lexrank": {"a": ["城市更新要以人民为中心。"], "b": ["路面铺了新的石板。"]},
        "snownlp": {"a": ["居民议事会每月开会。"], "b": ["路面铺了新的石板。"]},
    }
    bench.print_against_best_peer(rows, results, load_scorer())
    line = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("news"))
    name, peer, difference = line.split()[:3]
    assert peer == "sumy-lexrank" and float(difference) > 0, line


def test_the_equal_length_filler_cuts_a_ranker_at_the_length_of_our_summary() -> None:
    bench = benchmark_module("summarize")
    row = {"id": "a", "text": "第一句在这里。第二句稍长一些在这里。第三句。"}
    ranker = bench.matched(lambda r: ["第三句。", "第二句稍长一些在这里。", "第一句在这里。"], {"a": 8})
    # The ranker's best two fill the eight characters, shown in text order, the last taken cut there.
    assert ranker(row) == ["第二句稍", "第三句。"]
    assert sum(map(len, ranker(row))) == 8
    assert bench.matched(lambda r: ["第三句。"], {"a": 8})(row) == ["第三句。"]  # short of it: all it has
