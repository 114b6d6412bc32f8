"""Themes: configured assignment, automatic grouping, the 其他 fallback, no-rules mode,
determinism, and the benchmark figure on the shared evaluation batches."""

from __future__ import annotations

import importlib.util
import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import REPO, SAMPLES
from digest import themes, zh
from digest.config import load_settings
from digest.models import Article, ThemeRule
from digest.pipeline import parse_file

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EVAL = SHARED / "eval" / "themes.jsonl"
SCORER = SHARED / "tools" / "score_themes.py"
BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "themes.py"
# Pairwise F1 floors a little under the measured figures (benchmarks/themes.py), without section profiles
# (the shipped ones are learned from these very articles): 0.677 on the 12 dev batches (leave-one-batch-out
# 0.673 ± 0.072), 0.639 on 300 batches remixed with a seed the cut levels were not chosen on (0.625 on the
# seed they were).
MIN_EVAL_F1 = 0.66
MIN_REMIX_F1 = 0.62
REMIX_BATCHES, REMIX_SEED = 300, 1
# With section profiles learned on three folds of the articles, on 300 batches remixed from the fourth
# (`--held-out 4 --count 75`, deal 1): 0.746, against 0.625 without profiles on the same batches (paired
# gain 0.120 ± 0.011) and 0.729 with the profiles' columns left out (paired gain 0.016 ± 0.004).
HELD_OUT_FOLDS, HELD_OUT_BATCHES = 4, 75
MIN_HELD_OUT_F1 = 0.72
MIN_HELD_OUT_GAIN = 0.10
MIN_COLUMN_GAIN = 0.008
# The 300 remixed batches again, each grouped with profiles learned from the articles outside it
# (`--remix 300 --seed 1 --cross-fit`): 0.736 (seed 2: 0.726).
MIN_CROSS_FIT_REMIX_F1 = 0.72
# Words every kind of policy writing uses: an automatic theme is never named by one, nor is a keyword one.
GENERIC_WORDS = {"发展", "工作", "推进", "时代", "思想", "建设", "社会", "人民", "经济", "坚持", "加强", "国家"}


def article(title: str, *paragraphs: str) -> Article:
    return Article(title=title, display_title=title, paragraphs=list(paragraphs))


def key_terms_of(title: str, *paragraphs: str) -> list[str]:
    """The article's top twenty keywords: deep enough to show a term that a rule keeps out."""
    return themes.article_keywords(article(title, *paragraphs), top=20)


SPORT = [
    article(
        "全运会田径赛场捷报频传",
        "本届全运会田径比赛进入第三个比赛日，多名运动员刷新个人最好成绩。",
        "男子一百米决赛中，年轻选手以十秒零五的成绩夺得冠军，教练员表示训练成效明显。",
    ),
    article(
        "女排联赛决赛打响",
        "女排联赛总决赛昨晚开赛，两支球队鏖战五局，主队最终夺得冠军。",
        "主教练赛后说，队员在比赛中发挥稳定，运动员的体能训练起了作用。",
    ),
    article(
        "游泳世锦赛中国队再添金牌",
        "游泳世锦赛女子二百米混合泳决赛，中国选手摘得金牌，这是中国队本届比赛的第五枚金牌。",
        "运动员赛后表示，冠军属于整个团队，教练员和队友给了她很大帮助。",
    ),
]
LAW = [
    article(
        "租房押金纠纷如何维权",
        "租客与房东因押金返还发生纠纷，诉至法院。法院审理认为，房东无正当理由扣留押金，判决返还。",
        "法官提醒，签订租赁合同时应明确押金条款，发生纠纷可依法起诉维护合法权益。",
    ),
    article(
        "网购退款遭拒 法院判商家担责",
        "消费者网购商品后申请退款遭拒，起诉至法院。法院审理后判决商家退还货款并承担诉讼费用。",
        "法官表示，经营者应依法履行合同义务，消费者的合法权益受法律保护。",
    ),
    article(
        "民间借贷案件审理有了新规",
        "最高人民法院发布司法解释，规范民间借贷案件审理，明确利率上限和证据规则。",
        "法官说，当事人出借资金应签订书面合同，保存转账凭证，发生纠纷时便于法院认定事实。",
    ),
]
ECOLOGY = [
    article(
        "湿地保护区迎来越冬候鸟",
        "入冬以来，湿地自然保护区迎来大批越冬候鸟，白鹤、天鹅在湖面栖息觅食。",
        "保护区加强巡护，修复湿地生态，野生动物栖息地环境持续改善。",
    ),
    article(
        "退耕还林让荒山变绿",
        "当地坚持退耕还林，植树造林面积逐年扩大，森林覆盖率明显提高，水土流失得到遏制。",
        "林区生态环境改善后，野生动物种群数量增加，生态保护成效显著。",
    ),
]
COOKING = article(
    "家常红烧肉的做法",
    "五花肉切块焯水，锅中放少许油炒糖色，下肉块翻炒上色，加酱油、料酒和清水，小火炖一个小时。",
    "出锅前大火收汁，撒上葱花即可装盘，肥而不腻，入口即化。",
)
SPORT_RULE = ThemeRule("体育赛事", ["比赛", "运动员", "冠军", "金牌"])
LAW_RULE = ThemeRule("法治与权益", ["法院", "法官", "判决", "纠纷", "合法权益"])


@pytest.fixture(scope="module", autouse=True)
def loaded_jieba() -> None:
    """Load jieba's dictionary once for the whole module."""
    themes.article_keywords(SPORT[0])


def titles(group: themes.ThemeGroup) -> set[str]:
    return {a.display_title for a in group.articles}


def test_articles_go_to_the_configured_theme_whose_keywords_weigh_most() -> None:
    groups = themes.group_articles([LAW[0], SPORT[0], SPORT[1], LAW[1]], [SPORT_RULE, LAW_RULE])
    assert [g.name for g in groups] == ["体育赛事", "法治与权益"]  # config order, not article order
    assert titles(groups[0]) == {SPORT[0].display_title, SPORT[1].display_title}
    assert titles(groups[1]) == {LAW[0].display_title, LAW[1].display_title}
    assert all(a.theme == g.name and a.keywords for g in groups for a in g.articles)
    assert not groups[0].automatic and set(groups[0].keywords) <= set(SPORT_RULE.keywords)


def test_a_keyword_that_jieba_splits_still_matches() -> None:
    rule = ThemeRule("思想引领", ["思想政治引领"])
    text = "工会要加强思想政治引领，把思想政治引领贯穿职工工作全过程，做好职工思想政治引领。"
    groups = themes.group_articles([article("做好职工工作", text)], [rule])
    assert [g.name for g in groups] == ["思想引领"]


def test_articles_matching_no_theme_are_grouped_and_named_by_shared_keywords() -> None:
    articles = [*LAW, SPORT[0], ECOLOGY[0], SPORT[1], ECOLOGY[1], SPORT[2]]
    groups = themes.group_articles(articles, [LAW_RULE])
    assert groups[0].name == "法治与权益" and titles(groups[0]) == {a.display_title for a in LAW}
    automatic = [g for g in groups if g.automatic]
    assert [titles(g) for g in automatic] == [{a.display_title for a in SPORT}, {a.display_title for a in ECOLOGY}]
    sport = automatic[0]
    assert sport.keywords and sport.name == sport.keywords[0] and not themes.generic_word(sport.name)
    assert all(any(k in a.body or k in a.display_title for a in sport.articles) for k in sport.keywords)


def test_a_lone_article_goes_to_other_last() -> None:
    groups = themes.group_articles([*SPORT, COOKING, *LAW], [LAW_RULE])
    assert groups[-1].name == themes.OTHER_THEME
    assert titles(groups[-1]) == {COOKING.display_title}
    assert groups[-1].articles[0].theme == themes.OTHER_THEME


def test_without_rules_the_grouping_is_entirely_automatic() -> None:
    articles = [*SPORT, *LAW, *ECOLOGY, COOKING]
    groups = themes.group_articles(articles, [])
    named = [g for g in groups if g.name != themes.OTHER_THEME]
    assert named and all(g.automatic for g in named)
    assert {frozenset(titles(g)) for g in named} == {
        frozenset(a.display_title for a in SPORT),
        frozenset(a.display_title for a in LAW),
        frozenset(a.display_title for a in ECOLOGY),
    }
    assert sum(len(g.articles) for g in groups) == len(articles)


def test_grouping_is_deterministic_and_keeps_each_article() -> None:
    articles = [*SPORT, *LAW, *ECOLOGY, COOKING]
    first, second = themes.group_articles(articles, [SPORT_RULE]), themes.group_articles(articles, [SPORT_RULE])
    assert first == second
    kept = sorted(a.display_title for g in first for a in g.articles)
    assert kept == sorted(a.display_title for a in articles)
    docs = [(a.display_title, a.body) for a in articles]
    assert themes.group_automatically(docs) == themes.group_automatically(docs)


def test_grouping_works_on_shared_words_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(themes, "_word_vectors", lambda: None)
    monkeypatch.setattr(themes, "_news_topics", lambda: None)
    labels = themes.group_automatically([(a.display_title, a.body) for a in [*SPORT, *LAW]])
    # Shared words alone are a weaker similarity: sport and court pieces never mix, each court piece joins.
    assert labels[3] == labels[4] == labels[5] and not set(labels[:3]) & set(labels[3:])


@pytest.mark.parametrize("missing", ["_word_vectors", "_news_topics", "_section_profiles"])
def test_grouping_works_without_either_data_file(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setattr(themes, missing, lambda: None)
    groups = themes.group_articles([*SPORT, *LAW, *ECOLOGY, COOKING], [])
    named = {frozenset(titles(g)) for g in groups if g.name != themes.OTHER_THEME}
    assert named == {frozenset(a.display_title for a in s) for s in (SPORT, LAW, ECOLOGY)}


def test_news_topics_tell_a_match_from_a_court_case() -> None:
    news = themes._news_topics()
    assert news is not None, f"{themes.NEWS_TOPIC_FILE} is not in the package"

    def likeliest(word: str) -> int:
        at = news.index[word]
        return int(news.topics[at][np.argmax(news.probabilities[at])])

    assert likeliest("比赛") == likeliest("球队") != likeliest("法院") == likeliest("诉讼")
    assert np.all(news.probabilities.sum(axis=1) <= 1.01)


def desk_profiles(law_column: str | None = None) -> themes.SectionProfiles:
    """Section profiles learned from the sport, law and ecology pieces above, by desk; with `law_column`,
    the law pieces run under that column."""
    desks = [("体育", SPORT), ("法治", LAW), ("生态", ECOLOGY)]
    column = f"（{law_column}）" if law_column else ""
    docs = [(a.display_title + (column if label == "法治" else ""), a.body) for label, desk in desks for a in desk]
    return themes.fit_section_profiles(docs, [label for label, desk in desks for _ in desk])


def test_section_profiles_give_a_new_piece_the_chances_of_its_desk() -> None:
    profiles = desk_profiles()
    assert profiles.labels == ("体育", "法治", "生态")
    assert np.allclose(np.linalg.norm(profiles.centres, axis=1), 1.0)
    pieces = [
        ("羽毛球公开赛国羽包揽三冠", "公开赛决赛中，国羽运动员发挥出色，夺得三项冠军，主教练称赞队员的比赛状态。"),
        ("劳动合同纠纷案宣判", "职工与公司因劳动合同解除发生纠纷，法院审理后判决公司支付赔偿，法官提醒依法维权。"),
        ("国家公园守护雪豹栖息地", "国家公园开展生态修复，巡护员记录到雪豹等野生动物，栖息地保护成效显著。"),
    ]
    chances = profiles.probabilities(pieces)
    assert list(np.argmax(chances, axis=1)) == [0, 1, 2]
    assert np.allclose(chances.sum(axis=1), 1.0)


def test_a_column_of_labelled_pieces_leans_a_new_piece_towards_their_desk() -> None:
    learned = desk_profiles(law_column="以案说法")
    assert set(learned.column_chances) == {"以案说法"}
    # Six pieces a desk make the words near-certain of every piece's desk (the column's name is in the
    # law pieces' headlines too); at a temperature where the words leave room, the column's own say shows.
    profiles = replace(learned, temperature=1.0)
    words_only = replace(profiles, column_chances={})
    text = "跑者在马拉松比赛的赛道上摔倒受伤，随后起诉赛事主办方索赔。"
    named, unknown = [("马拉松跑者受伤（以案说法）", text)], [("马拉松跑者受伤（体坛速递）", text)]
    law = profiles.labels.index("法治")
    assert profiles.probabilities(named)[0, law] > words_only.probabilities(named)[0, law]
    assert np.allclose(profiles.probabilities(named).sum(axis=1), 1.0)
    # A column no labelled piece ran under says nothing of the desk.
    assert np.array_equal(profiles.probabilities(unknown), words_only.probabilities(unknown))


def test_section_profiles_set_pieces_of_one_desk_further_apart_from_the_others() -> None:
    pieces = [
        ("劳动合同纠纷案宣判", "职工与公司因劳动合同解除发生纠纷，诉至法院。法院审理后判决公司支付赔偿。"),
        ("诉讼服务中心启用", "法官在诉讼服务中心为当事人立案，提供调解和审理进度查询，方便群众依法维权。"),
        ("城市马拉松鸣枪开跑", "城市马拉松比赛鸣枪开跑，运动员在赛道上奋力拼搏，冠军刷新赛会纪录。"),
        ("游泳馆向市民开放", "新建游泳馆向市民开放，游泳爱好者和青少年运动员在这里训练。"),
        *((a.display_title, a.body) for a in ECOLOGY),
    ]
    desk = np.array([0, 0, 1, 1, 2, 2])
    same, across = np.triu(desk[:, None] == desk[None, :], 1), np.triu(desk[:, None] != desk[None, :], 1)

    def margin(similarity: np.ndarray) -> float:
        return float(similarity[same].mean() - similarity[across].mean())

    assert margin(themes.pair_similarity(pieces, desk_profiles())) > margin(
        themes.pair_similarity(pieces, themes.NO_SECTIONS))


def test_the_packaged_section_profiles_load() -> None:
    profiles = themes._section_profiles()
    assert profiles is not None, f"{themes.SECTION_FILE} is not in the package"
    assert len(profiles.labels) >= 2 and profiles.centres.shape == (len(profiles.labels), len(profiles.index))
    assert themes.SECTION_TEMPERATURES[0] < profiles.temperature < themes.SECTION_TEMPERATURES[-1]
    assert profiles.column_chances, "the packaged profiles know no column"
    for chances in profiles.column_chances.values():
        assert chances.shape == (len(profiles.labels),) and np.all(chances < 0)


def test_pieces_of_one_column_stay_together() -> None:
    # A case column's piece about a race reads like sport, yet it runs with the other case.
    injury = article(
        "马拉松赛跑者中途受伤（以案说法）",
        "城市马拉松比赛当天，一名跑者在赛道上摔倒受伤，没能完成比赛。运动员赛后说，赛道补给和医疗点的安排影响了比赛成绩。",
        "教练员认为，参加比赛前应做好体能训练，比赛中量力而行。跑者随后起诉赛事主办方。",
    )
    deposit = article(f"{LAW[0].display_title}（以案说法）", *LAW[0].paragraphs)
    labels = themes.group_automatically([(a.display_title, a.body) for a in [*SPORT, injury, deposit, *LAW[1:]]])
    assert labels[3] == labels[4]


def test_pieces_of_one_column_stay_together_when_parsing_moved_the_column_to_their_section() -> None:
    # What a page's parse gives: the headline without its label, the label as the article's section.
    injury = replace(article(
        "马拉松赛跑者中途受伤",
        "城市马拉松比赛当天，一名跑者在赛道上摔倒受伤，没能完成比赛。运动员赛后说，赛道补给和医疗点的安排影响了比赛成绩。",
        "教练员认为，参加比赛前应做好体能训练，比赛中量力而行。跑者随后起诉赛事主办方。",
    ), section="以案说法")
    deposit = replace(LAW[0], section="以案说法·民生")
    groups = themes.group_articles([*SPORT, injury, deposit, *LAW[1:]], [])
    together = [g for g in groups if injury.display_title in {a.display_title for a in g.articles}]
    assert deposit.display_title in {a.display_title for a in together[0].articles}


def test_a_headline_gets_back_the_column_label_its_parse_moved_to_the_section() -> None:
    assert themes.headline(replace(LAW[0], section="以案说法")) == f"{LAW[0].display_title}（以案说法）"
    labelled = article("租房押金如何退（以案说法）", "正文。")
    assert themes.headline(replace(labelled, section="法治")) == "租房押金如何退（以案说法）"
    assert themes.headline(LAW[0]) == LAW[0].display_title


def test_refinement_moves_an_article_to_the_group_it_fits_best() -> None:
    similarity = np.array(
        [
            [0.0, 2.0, 0.5, -1.0, -1.0],
            [2.0, 0.0, 0.2, -1.0, -1.0],
            [0.5, 0.2, 0.0, 2.0, 2.0],
            [-1.0, -1.0, 2.0, 0.0, 2.0],
            [-1.0, -1.0, 2.0, 2.0, 0.0],
        ]
    )
    assert themes.refine_groups(similarity, [[0, 1, 2], [3, 4]], 0.5) == [[0, 1], [2, 3, 4]]
    assert themes.refine_groups(similarity, [[0, 1], [2, 3, 4]], 0.5) == [[0, 1], [2, 3, 4]]


def test_refinement_ends_on_a_similarity_that_is_not_symmetric() -> None:
    # The first would join the second, which would then rather be alone, and so on without end.
    similarity = np.array([[0.0, 1.0], [-1.0, 0.0]])
    result: list[list[list[int]]] = []
    worker = threading.Thread(target=lambda: result.append(themes.refine_groups(similarity, [[0], [1]], 0.0)),
                              daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert result == [[[0], [1]]]


def test_no_articles_no_groups() -> None:
    assert themes.group_articles([], [SPORT_RULE]) == []
    assert themes.group_automatically([]) == []


def test_article_keywords_favour_the_title_and_skip_stop_words() -> None:
    keywords = themes.article_keywords(SPORT[2], top=5)
    assert len(keywords) == 5 and "金牌" in keywords and "中国队再添金牌" not in keywords
    assert not set(keywords) & {"我们", "这是", "表示"}


def test_headline_columns_are_read_from_a_closing_bracket() -> None:
    assert themes.headline_columns("租房押金如何退（以案说法·民生）") == {"以案说法", "民生"}
    assert themes.headline_columns("（按语）租房押金如何退") == frozenset()


def load_module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def eval_rows() -> list[dict[str, Any]]:
    if not EVAL.is_file() or not SCORER.is_file():
        pytest.skip(f"the shared evaluation batches are not at {EVAL.parent}")
    return [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]


def grouped_f1(rows: list[dict[str, Any]]) -> float:
    """The scorer's pairwise F1 of the automatic grouping, batch by batch, without section profiles: the
    shipped ones are learned from these articles."""
    pred = {}
    for batch in sorted({r["batch"] for r in rows}):
        members = [r for r in rows if r["batch"] == batch]
        labels = themes.group_automatically([(r["title"], r["text"]) for r in members], themes.NO_SECTIONS)
        pred.update({(batch, r["id"]): label for r, label in zip(members, labels, strict=True)})
    return float(load_module("score_themes", SCORER).score(rows, pred)["f1"])


def test_automatic_grouping_keeps_its_benchmark_figure(eval_rows: list[dict[str, Any]]) -> None:
    assert grouped_f1(eval_rows) >= MIN_EVAL_F1


def test_automatic_grouping_holds_on_remixed_batches(eval_rows: list[dict[str, Any]]) -> None:
    remixed = load_module("theme_benchmark", BENCHMARK).remix(eval_rows, REMIX_BATCHES, REMIX_SEED)
    assert len({r["batch"] for r in remixed}) == REMIX_BATCHES
    assert grouped_f1(remixed) >= MIN_REMIX_F1


def test_section_profiles_learned_without_a_batch_hold_on_remixed_batches(eval_rows: list[dict[str, Any]]) -> None:
    benchmark = load_module("theme_benchmark", BENCHMARK)
    remixed = benchmark.remix(eval_rows, REMIX_BATCHES, REMIX_SEED)
    pred = {(r["batch"], r["id"]): r["theme"] for r in benchmark.run_ours(remixed, cross_fit=True)}
    assert load_module("score_themes", SCORER).score(remixed, pred)["f1"] >= MIN_CROSS_FIT_REMIX_F1


def test_section_profiles_learned_on_other_articles_raise_the_held_out_figure(
    eval_rows: list[dict[str, Any]],
) -> None:
    benchmark = load_module("theme_benchmark", BENCHMARK)
    without, words, held = benchmark.held_out_sections(eval_rows, HELD_OUT_FOLDS, HELD_OUT_BATCHES, (REMIX_SEED,))
    assert len(held) == HELD_OUT_FOLDS * HELD_OUT_BATCHES
    assert held.mean() >= MIN_HELD_OUT_F1
    assert (held - without).mean() >= MIN_HELD_OUT_GAIN
    assert (held - words).mean() >= MIN_COLUMN_GAIN


def test_automatic_themes_are_named_by_specific_terms(eval_rows: list[dict[str, Any]]) -> None:
    for batch in sorted({r["batch"] for r in eval_rows}):
        members = [r for r in eval_rows if r["batch"] == batch]
        groups = themes.group_articles([article(r["title"], *r["text"].split("\n")) for r in members], [])
        for group in (g for g in groups if g.automatic):
            assert 2 <= len(group.name) <= 8 and group.name not in GENERIC_WORDS, (batch, group.name)
            assert "、" not in group.name
        shown = {k for g in groups for a in g.articles for k in a.keywords}
        assert not shown & GENERIC_WORDS, batch


def test_keywords_are_whole_phrases_not_their_fragments() -> None:
    piece = article(
        "以新质生产力推动产业升级",
        "各地加快培育新质生产力，新质生产力正在改变传统制造业。",
        "企业负责人说，新质生产力离不开科技创新，也离不开产业工人的技能。",
    )
    keywords = themes.article_keywords(piece)
    assert "新质生产力" in keywords
    assert "新质" not in keywords and not set(keywords) & GENERIC_WORDS


def test_a_term_the_text_always_runs_on_into_one_noun_is_shown_whole() -> None:
    keywords = key_terms_of(
        "湿地里的候鸟",
        "湿地公园里，候鸟保护志愿者每天巡护，记录鸟类数量，还给游客讲解候鸟迁徙。",
        "全球生物多样性正在下降，保护全球生物多样性需要各国合作。生物课上，老师讲到湿地。",
        "社区医生教居民心肺复苏，医生说，心肺功能差的老人更要注意，心肺健康离不开锻炼。",
    )
    assert "全球生物多样性" in keywords and "全球生物" not in keywords, keywords
    assert "心肺" in keywords  # followed by different words: a whole word


def test_a_term_running_on_into_a_run_too_long_for_a_phrase_stays() -> None:
    keywords = key_terms_of(
        "一座江城的变化",
        "江城推进长江经济带生态环境治理，长江经济带生态环境持续向好。",
        "干部说，长江经济带生态环境需要久久为功，居民也盼着江水更清。",
    )
    assert "长江经济带" in keywords, keywords


def test_a_key_phrase_takes_in_the_one_character_modifier_it_follows() -> None:
    piece = article(
        "做好新时代工会干部培训",
        "新时代工会干部要坚定理想信念，新时代工会干部要主动担当作为。",
        "各级工会把新时代工会干部培训抓在日常，让新时代工会干部本领过硬。",
    )
    keywords = themes.article_keywords(piece)
    assert "新时代工会干部" in keywords
    assert not [k for k in keywords if k.startswith("时代")], keywords


def test_no_key_phrase_is_a_longer_run_cut_short() -> None:
    piece = article(
        "人工智能时代工匠精神的传承",
        "人工智能时代工匠精神的内涵在变，人工智能时代工匠精神的根基不变。",
        "弘扬工匠精神，离不开职业教育；工匠精神是制造业的底气。",
    )
    keywords = themes.article_keywords(piece)
    assert "工匠精神" in keywords
    assert "人工智能时代工匠" not in keywords, keywords


def test_a_generic_verb_before_a_key_term_makes_no_key_phrase_of_its_own() -> None:
    keywords = key_terms_of(
        "以新质生产力推动制造业升级",
        "发展新质生产力，关键在创新。发展新质生产力，要用好数据要素。",
        "新质生产力以创新为主导，新质生产力的核心是全要素生产率。工会要服务职工群众，职工群众是主力军。",
        "服务职工群众，就要倾听职工群众的心声，为职工群众办实事。直播电商带动销售，直播电商也带来新岗位。",
    )
    assert "新质生产力" in keywords and "职工群众" in keywords, keywords
    assert "发展新质生产力" not in keywords and "服务职工群众" not in keywords, keywords
    assert "直播电商" in keywords  # a verb no subject's writing shares makes a compound with its noun


def test_a_key_phrase_holding_another_is_not_shown_beside_it() -> None:
    keywords = key_terms_of(
        "弘扬工匠精神  服务职工群众",
        "新时代工匠精神薪火相传，新时代工匠精神引领风尚。工匠精神是制造业的底气，工匠精神要代代相传。",
        "广大职工群众是主力军，广大职工群众要建功立业。职工群众的心声要倾听，为职工群众办实事。",
        "动画电影票房走高，动画电影观众增多，动画产业也在成长，动画人才不断涌现。",
    )
    assert "工匠精神" in keywords and "职工群众" in keywords, keywords
    assert "新时代工匠精神" not in keywords and "广大职工群众" not in keywords, keywords
    assert "动画电影" in keywords  # a phrase holding a single word says more than the word


def test_a_name_the_dictionary_does_not_know_is_no_keyword_after_an_office() -> None:
    keywords = key_terms_of(
        "长野洋平与和平外交",
        "日本自民党前总裁长野洋平本月去世。长野洋平曾任众议院议长，长野洋平主张和平外交。",
        "和平外交需要勇气，和平外交也需要耐心。",
    )
    assert "和平外交" in keywords
    assert not any("长野" in k for k in keywords), keywords


def test_a_coinage_glued_onto_a_function_character_makes_no_key_phrase() -> None:
    keywords = key_terms_of(
        "莫让为博流量的造假伤害信任",
        "铲除为博流量造假的毒瘤，要压实平台责任。为博流量造假的账号要封禁，为博流量造假的动力要消除。",
        "网络空间要清朗，流量不能成为造假的理由。",
    )
    assert "流量" in keywords
    assert not any(k.startswith("为") for k in keywords), keywords  # 为博 is 为 glued onto 博


def test_a_verb_the_dictionary_tags_as_a_noun_is_no_keyword() -> None:
    keywords = key_terms_of(
        "牢记嘱托  实干兴邦",
        "牢记嘱托，守护黄河。干部群众牢记嘱托，实干担当，实干才能兴邦。",
        "黄河保护要牢记初心，黄河治理要实干，黄河流域生态保护成效显著。",
    )
    assert "黄河" in keywords
    assert not {"牢记", "实干"} & set(keywords), keywords  # jieba's dictionary tags both as nouns
    assert not any(k.startswith("牢记") for k in keywords), keywords  # nor does a verb open a key phrase


WORKERS_PAPER = [
    article(
        "职工书屋进车间",
        "职工书屋建到车间，职工下班就能读书。",
        "职工书屋藏书上万册，职工借阅量逐年上升，职工书屋成了职工的加油站。",
    ),
    article(
        "职工疗休养惠及一线",
        "职工疗休养向一线倾斜，职工疗休养名额翻番。",
        "今年职工疗休养覆盖职工两万人次，职工满意度明显提高。",
    ),
    article(
        "职工医疗互助保障扩面",
        "职工医疗互助保障新增病种，职工看病负担减轻。",
        "参加医疗互助的职工超过百万，职工医疗互助成为职工的安心保障。",
    ),
]


def test_a_term_most_of_the_digest_shares_is_no_article_keyword() -> None:
    groups = themes.group_articles(list(WORKERS_PAPER), [])
    keywords = {a.title: a.keywords for g in groups for a in g.articles}
    assert all(keywords.values()) and not [k for k in keywords.values() if "职工" in k], keywords
    assert "职工书屋" in keywords["职工书屋进车间"] and "病种" in keywords["职工医疗互助保障扩面"]
    alone = themes.group_articles([WORKERS_PAPER[0]], [])[0].articles[0]
    assert "职工" in alone.keywords  # with nothing to tell it apart from, a term is the article's own


def test_a_group_with_terms_of_its_own_is_named_by_one_the_rest_of_the_digest_lacks() -> None:
    settings = load_settings(str(REPO / "config.toml"))
    articles = [a for path in sorted(SAMPLES.iterdir()) for a in parse_file(path, settings).articles]
    # What each article is known by: its heaviest key terms, among which a group's name is sought (a
    # term far down one article's list does not make it an article about that).
    pools = themes._keyword_pools([themes._article_doc(a) for a in articles])
    held = {a.display_title: pool for a, pool in zip(articles, pools, strict=True)}
    checked = 0
    for group in (g for g in themes.group_articles(articles, []) if g.automatic):
        inside = {a.display_title for a in group.articles}
        elsewhere = set().union(*(terms for title, terms in held.items() if title not in inside))
        own = set.intersection(*(held[title] for title in inside)) - elsewhere
        if own:
            checked += 1
            assert group.name not in elsewhere, (group.name, sorted(own))
    # The workers' paper: most articles hold 职工, and a group of the three 高技能人才 pieces has terms of
    # its own (the other groups, one desk's theory pieces on several subjects, share none).
    assert checked >= 1


def test_a_party_left_unnamed_is_no_keyword() -> None:
    piece = article(
        "独居老人去世 遗产如何继承",
        "葛某生前独居，葛某名下有一套房屋。葛某成夫妻早年离异，葛某名下的存款由堂弟代管。",
        "法院审理认为，葛某名下房屋属于遗产，葛某成夫妻共同财产已在离婚时分割，某物流公司的欠款另案处理。",
    )
    keywords = themes.article_keywords(piece)
    assert keywords and not [k for k in keywords if "某" in k], keywords
    assert "遗产" in keywords


THEORY = [
    article(
        "深入学习贯彻总书记重要讲话精神",
        "总书记强调，要树立和践行正确政绩观。总书记指出，政绩观问题是一个根本性问题。",
        "各级领导干部牢记总书记嘱托，把正确政绩观落实到为民造福的实绩上，总书记的要求就是行动的方向。",
    ),
    article(
        "以正确政绩观创造实绩",
        "总书记多次强调政绩观，总书记的重要论述为领导干部指明了方向。",
        "践行正确政绩观，就要求真务实，党支部书记和村干部都要创造经得起检验的实绩。",
    ),
]


@pytest.mark.parametrize("word", ["总书记", "党支部书记", "村支书", "副市长", "董事长", "驻华大使", "副会长", "行长"])
def test_an_office_is_recognised(word: str) -> None:
    assert zh.names_an_office(word)


@pytest.mark.parametrize("word", ["书法", "市场", "法院", "主题", "校园", "政绩观", "院士", "成长", "社区", "银行"])
def test_a_subject_is_no_office(word: str) -> None:
    assert not zh.names_an_office(word)


def test_an_office_names_no_theme_and_is_no_keyword() -> None:
    groups = themes.group_articles([*THEORY, *SPORT], [])
    theory = next(g for g in groups if titles(g) >= {a.display_title for a in THEORY})
    assert theory.automatic and not zh.names_an_office(theory.name), theory.name
    shown = [k for g in groups for a in g.articles for k in [*a.keywords, *g.keywords]]
    assert "政绩观" in shown and not [k for k in shown if zh.names_an_office(k)]
