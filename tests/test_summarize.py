"""Extractive summaries and the sentence splitting they stand on."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from digest.models import Article, ListItem
from digest.summarize import ChineseTokenizer, Summarizer, is_candidate
from digest.zh import split_sentences, stop_words

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EVAL = SHARED / "eval" / "summarization.jsonl"

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
    """One summarizer for the module: jieba is loaded once."""
    return Summarizer()


def article(**changes: object) -> Article:
    fields: dict[str, object] = {"title": TITLE, "display_title": TITLE, "paragraphs": PARAGRAPHS}
    fields.update(changes)
    return Article(**fields)  # type: ignore[arg-type]


def eval_rows() -> list[dict[str, str]]:
    if not EVAL.exists():
        pytest.skip(f"the shared evaluation set is not at {EVAL}")
    return [json.loads(line) for line in EVAL.open(encoding="utf-8") if line.strip()]


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


# --- words ------------------------------------------------------------------------


def test_tokenizer_gives_words_without_punctuation() -> None:
    words = ChineseTokenizer().to_words("城市更新，要以人民为中心！")
    assert "人民" in words and "中心" in words
    assert not any(w in {"，", "！"} for w in words)


def test_stop_words_are_function_words() -> None:
    assert {"的", "了", "和"} <= stop_words()
    assert "城市" not in stop_words()


# --- summaries --------------------------------------------------------------------


def test_summary_is_verbatim_sentences_in_article_order(summarizer: Summarizer) -> None:
    summary = summarizer.summarize(article())
    sentences = [s for p in PARAGRAPHS for s in split_sentences(p)]
    assert 1 <= len(summary) <= 3
    assert all(s in sentences for s in summary)
    positions = [sentences.index(s) for s in summary]
    assert positions == sorted(positions)


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
    assert listed not in summary
    assert heading not in summary
    assert summary


def test_summary_of_two_short_sentences_is_not_empty(summarizer: Summarizer) -> None:
    assert summarizer.summarize(article(paragraphs=["好。", "对。"]))


def test_a_sentence_longer_than_the_budget_is_given_alone() -> None:
    long = "城市更新" + "、老街区" * 40 + "都要留住烟火气。"
    assert Summarizer(max_chars=50).summarize(article(paragraphs=[long, long.replace("城市", "乡村")])) != []


FEATURE = (
    "天气一冷，很多人就想着给家里的餐桌添点暖意。"
    "其实不必大费周章，几样家常食材就能做出暖身又暖心的冬日味道。"
    "红枣小米粥只要提前泡好小米，小火慢熬半小时即可。"
    "白萝卜炖排骨的关键在于先焯水去腥，再加姜片同炖。"
    "山药蒸糕把山药压成泥后拌入糯米粉，上锅蒸二十分钟。"
    "南瓜饼要选老南瓜，蒸熟后和面，煎到两面金黄。"
    "银耳羹前一晚泡发银耳，第二天加冰糖和枸杞煮到出胶。"
    "羊肉汤里放几片当归，汤色清亮，膻味也淡了。"
    "酒酿圆子在出锅前打入蛋花，甜香软糯。"
)


def test_an_untitled_loose_text_is_summed_up_by_its_opening(summarizer: Summarizer) -> None:
    """A feature that moves from item to item: only its opening speaks for the whole."""
    summary = summarizer.summarize_text(FEATURE)
    assert summary[0] == split_sentences(FEATURE)[0]


def test_every_sumy_algorithm_can_rate_the_sentences() -> None:
    for algorithm in ("lexrank", "textrank", "luhn", "edmundson"):
        summary = Summarizer(algorithm=algorithm).summarize(article())
        assert summary and all(s in "".join(PARAGRAPHS) for s in summary)


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown summary algorithm"):
        Summarizer(algorithm="nope")


def test_importing_the_module_loads_neither_jieba_nor_sumy() -> None:
    code = "import sys, digest.summarize; print(sorted(m for m in ('jieba', 'sumy', 'nltk') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_summaries_of_the_evaluation_set(summarizer: Summarizer) -> None:
    """On every dev article: verbatim sentences in order, in budget, never empty."""
    for row in eval_rows():
        summary = summarizer.summarize_text(row["text"], row.get("title"))
        sentences = [s for line in row["text"].splitlines() for s in split_sentences(line)]
        positions = [sentences.index(s) for s in summary]
        assert summary, row["id"]
        assert positions == sorted(positions), row["id"]
        assert len(summary) <= 3
        assert sum(len(s) for s in summary) <= summarizer.max_chars or len(summary) == 1, row["id"]


def test_an_article_that_is_all_recommendations_still_gets_a_summary(summarizer: Summarizer) -> None:
    items = [ListItem(number=i + 1, marker="", text=p, headline="") for i, p in enumerate(PARAGRAPHS)]
    summary = summarizer.summarize(article(recommendations=items))
    assert summary and all(s in "".join(PARAGRAPHS) for s in summary)


# The figures of the dev set when the default was chosen; a change may raise them, never lower them.
QUALITY_FLOOR = {
    ("editor_pick", "hit"): 0.45,
    ("editor_pick", "rougeL"): 0.285,
    ("cail", "rougeL"): 0.455,
    ("clts", "rougeL"): 0.13,
}


def test_quality_gate_on_the_dev_set(summarizer: Summarizer) -> None:
    rows = eval_rows()
    scorer_path = SHARED / "tools" / "score_summaries.py"
    spec = importlib.util.spec_from_file_location("score_summaries", scorer_path)
    assert spec and spec.loader
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    predictions = {row["id"]: summarizer.summarize_text(row["text"], row.get("title")) for row in rows}
    scores = scorer.score(rows, predictions)
    for (name, metric), floor in QUALITY_FLOOR.items():
        assert scores[name][metric] >= floor, (name, metric, scores[name][metric])
