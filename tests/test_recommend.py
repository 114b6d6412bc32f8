"""Numbered lists and recommendations, read from article paragraphs as reflow leaves them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from digest.models import Article, ListItem, NumberedList, parsed_issue_to_json
from digest.parse.lists import add_lists, find_numbered_lists

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _article(*paragraphs: str) -> Article:
    return Article(title="测试", display_title="测试", paragraphs=list(paragraphs))


def _numbers(items: list[ListItem]) -> list[int]:
    return [item.number for item in items]


def _only_list(*paragraphs: str) -> NumberedList:
    lists = find_numbered_lists(list(paragraphs))
    assert len(lists) == 1, lists
    return lists[0]


# --- marker families ---------------------------------------------------------


def test_ordinal_items_across_paragraphs() -> None:
    lst = _only_list(
        "推动产业工人队伍建设改革，需要从以下几方面发力。",
        "第一，健全技能人才培养体系。职业院校要对接产业需求，动态调整专业设置。",
        "第二，完善技能人才评价制度。推行职业技能等级认定，拓宽技能人才晋升通道。",
        "第三，提高技能人才待遇水平。建立技能导向的薪酬分配制度。",
    )
    assert lst.kind == "recommendations"
    assert _numbers(lst.items) == [1, 2, 3]
    assert [item.marker for item in lst.items] == ["第一，", "第二，", "第三，"]
    assert lst.items[0].text == "健全技能人才培养体系。职业院校要对接产业需求，动态调整专业设置。"
    assert lst.items[0].headline == "健全技能人才培养体系"


def test_ordinal_with_enumeration_comma() -> None:
    lst = _only_list("第一、坚持党的全面领导。", "第二、坚持以人民为中心。")
    assert [item.marker for item in lst.items] == ["第一、", "第二、"]
    assert lst.items[1].text == "坚持以人民为中心。"


def test_shi_items_inside_one_sentence_separated_by_semicolons() -> None:
    lst = _only_list(
        "下一步，要重点抓好三项工作：一是加强监测预警；二是强化调度指挥；三是压实防汛责任。各地要结合实际抓好落实。"
    )
    assert [item.text for item in lst.items] == ["加强监测预警", "强化调度指挥", "压实防汛责任。"]
    assert lst.kind == "recommendations"


def test_shi_yao_keeps_the_modal_with_the_text() -> None:
    lst = _only_list("一是要完善选树培育制度。各地已积累经验。二是要丰富发现选树方式。要开展竞赛。")
    assert [item.marker for item in lst.items] == ["一是", "二是"]
    assert lst.items[0].text.startswith("要完善选树培育制度")
    assert lst.kind == "recommendations"


def test_yao_items_read_as_recommendations_by_form() -> None:
    lst = _only_list("一要以理论武装凝心铸魂，教育引导职工听党话。二要以技能提升强基固本。三要以典型示范促效提质。")
    assert [item.marker for item in lst.items] == ["一要", "二要", "三要"]
    assert lst.items[0].headline == "以理论武装凝心铸魂"
    assert lst.kind == "recommendations"


def test_qi_items_naming_problems_are_analysis() -> None:
    article = add_lists(
        _article(
            "当前，技能人才队伍建设还存在一些矛盾，主要表现在以下几方面。",
            "其一，技术迭代加快与培训内容陈旧的矛盾。不少培训仍停留在传统工艺。"
            "其二，培养规模扩大与实训条件不足的矛盾。实训基地覆盖面不够。",
            "其三，技能要求提高与激励机制滞后的矛盾。技能等级与薪酬挂钩不紧。",
        )
    )
    assert article.recommendations == []
    assert [(lst.kind, _numbers(lst.items)) for lst in article.points] == [("problems", [1, 2, 3])]
    assert article.points[0].items[1].marker == "其二，"


def test_sequence_words_count_up_and_last_closes() -> None:
    lst = _only_list(
        "首先，要加强顶层设计，明确发展方向。其次，要完善配套政策。再次，要强化人才支撑。最后，要营造良好氛围。"
    )
    assert _numbers(lst.items) == [1, 2, 3, 4]
    assert [item.marker for item in lst.items] == ["首先，", "其次，", "再次，", "最后，"]
    assert lst.kind == "recommendations"


def test_sequence_words_after_a_speaker_and_a_comma() -> None:
    lst = _only_list(
        "专家分析，首先，副热带高压增强北扩，是多雨带北移最直接的原因。其次，海温波动叠加，为北方降水创造条件。"
    )
    assert [item.marker for item in lst.items] == ["首先，", "其次，"]
    assert lst.items[0].headline == "副热带高压增强北扩"


def test_marker_after_an_opening_quote() -> None:
    lst = _only_list("谈到动画产业如何发展，他认为：“一是需要集群效应；二是要有全产业链的开发思路。”")
    assert [item.text for item in lst.items] == ["需要集群效应", "要有全产业链的开发思路。”"]


def test_parenthesised_numerals_as_item_headings() -> None:
    lst = _only_list(
        "（一）强化科技创新引领",
        "加快关键核心技术攻关，推动创新链产业链深度融合。",
        "（二）深化体制机制改革",
        "破除制约要素流动的体制障碍。",
        "（三）扩大高水平对外开放",
        "稳步扩大制度型开放。",
    )
    assert [item.marker for item in lst.items] == ["（一）", "（二）", "（三）"]
    assert lst.items[2].text == "扩大高水平对外开放\n稳步扩大制度型开放。"
    assert lst.items[0].headline == "强化科技创新引领"


@pytest.mark.parametrize("separator", [".", "、"])
def test_arabic_numbers(separator: str) -> None:
    lst = _only_list(
        "具体措施如下：",
        f"1{separator}加大财政投入力度，提高补贴标准。",
        f"2{separator}优化审批流程，压缩办理时限。",
    )
    assert _numbers(lst.items) == [1, 2]
    assert lst.items[0].marker == f"1{separator}"
    assert lst.items[1].text == "优化审批流程，压缩办理时限。"
    assert lst.kind == "recommendations"


def test_circled_numbers() -> None:
    lst = _only_list("政策包括：①降低企业用电成本；②减免小微企业房租；③扩大稳岗返还范围。")
    assert [item.marker for item in lst.items] == ["①", "②", "③"]
    assert lst.items[2].text == "扩大稳岗返还范围。"


def test_numbered_section_heads_count_only_at_paragraph_starts() -> None:
    lst = _only_list(
        "一、坚持创新驱动，培育发展新动能",
        "一、二线城市的住房需求仍然旺盛，要因城施策。",
        "二、坚持深化改革，激发市场活力",
        "着力破除各种体制机制障碍。",
    )
    assert [item.marker for item in lst.items] == ["一、", "二、"]
    assert lst.items[0].text.startswith("坚持创新驱动，培育发展新动能\n一、二线城市")


def test_a_lone_last_is_not_a_list_item() -> None:
    assert find_numbered_lists(["最后，要营造良好氛围。其次，还要看到不足。"]) == []


def test_marker_split_by_a_line_break_is_whole_after_reflow() -> None:
    reflow = pytest.importorskip("digest.parse.reflow")
    raw = (
        "新时代工会干部要坚定理想信念，做到知行合一。一\n"
        "要以精神引领担当砺行，弘扬劳模精神、劳动精神。二\n"
        "要以技能提升强基固本，锻造产业工人大军。三\n"
        "要以典型示范促效提质，讲好劳模故事。\n"
    )
    lst = _only_list(*reflow.reflow_lines(raw))
    assert [item.marker for item in lst.items] == ["一要", "二要", "三要"]
    assert lst.items[0].headline == "以精神引领担当砺行"


# --- words that are not markers ---------------------------------------------


@pytest.mark.parametrize(
    "paragraph",
    [
        "标准统一是市场畅通的前提。二是要加强监管执法。",
        "职工最关心的唯一是收入能否稳定增长。二是住房问题。",
        "企业招工难的重要原因之一是技能人才短缺。二是薪酬偏低。",
        "他第一次走上领奖台，第二次则是在三年以后。",
        "劳模们长期奋战在第一线，第二线的同志也积极配合。",
        "一方面要加大投入，另一方面要提高资金使用效率。",
        "要进一步深化改革，进一步扩大开放。",
        "各方意见极其一致，尤其一线职工反响热烈。其二，",
        "做事情，一是一、二是二，来不得半点马虎。",
        "第一、二产业融合发展，第三产业比重稳步提高。",
    ],
)
def test_words_built_on_numerals_are_not_markers(paragraph: str) -> None:
    assert find_numbered_lists([paragraph]) == []


def test_a_list_must_start_at_one() -> None:
    assert find_numbered_lists(["二是加强监测预警。三是强化调度指挥。四是压实防汛责任。"]) == []


def test_a_single_item_is_not_a_list() -> None:
    assert find_numbered_lists(["首先要明确目标，再谈方法。这是工作的起点。"]) == []


def test_one_missing_number_is_tolerated_and_recorded() -> None:
    lst = _only_list("一是加强监测预警。二是强化调度指挥。四是压实防汛责任。")
    assert _numbers(lst.items) == [1, 2, 4]
    assert lst.missing == [3]


def test_a_second_gap_ends_the_list() -> None:
    lst = _only_list("一是加强监测预警。三是强化调度指挥。五是压实防汛责任。")
    assert _numbers(lst.items) == [1, 3]
    assert lst.missing == [2]


# --- nesting -----------------------------------------------------------------


def test_items_nested_in_ordinal_items() -> None:
    article = add_lists(
        _article(
            "第一，精准把握政治方向。要坚持党的全面领导。一是坚定维护党中央权威；二是加强职工思想政治引领。",
            "第二，精准把握工作重心。",
            "要坚持以职工为中心。一是推动产业工人队伍建设改革。二是健全职工维权服务体系。三是提升劳动者素质。",
            "总之，各项工作都要落到实处。",
        )
    )
    assert _numbers(article.recommendations) == [1, 2]
    first, second = article.recommendations
    assert [c.text for c in first.children] == ["坚定维护党中央权威", "加强职工思想政治引领。"]
    assert [c.headline for c in second.children] == [
        "推动产业工人队伍建设改革",
        "健全职工维权服务体系",
        "提升劳动者素质",
    ]
    assert article.points == []


def test_several_lists_restart_and_keep_their_order() -> None:
    article = add_lists(
        _article(
            "工会服务职工消费，具有坚实的理论逻辑和现实必然性。",
            "第一，这是践行以人民为中心的发展思想的具体体现。",
            "第二，这是把组织优势转化为治理效能的必然要求。",
            "第三，这是破解内需不足深层次障碍的现实路径。",
            "工会服务国内大循环，应重点发挥三大枢纽作用。",
            "一是打造规模化的需求聚合枢纽。",
            "二是打造品质化的供给牵引枢纽。",
            "实现上述功能，必须持续推进模式创新。",
            "一是夯实数字化基础，建设数据中台。整合会籍管理与服务数据。",
            "二是打造实体服务节点，升级服务网络。",
        )
    )
    assert _numbers(article.recommendations) == [1, 2, 1, 2]
    assert article.recommendations[2].headline == "夯实数字化基础，建设数据中台"
    assert [(lst.kind, len(lst.items)) for lst in article.points] == [("rationale", 3)]


def test_a_nested_list_reading_differently_becomes_its_own_list() -> None:
    lists = find_numbered_lists(
        [
            "第一，补齐基层医疗短板。当前基层医疗存在两方面问题：一是人才队伍不足；二是设备更新滞后。要加大投入。",
            "第二，完善分级诊疗制度。推动优质资源下沉。",
        ]
    )
    assert [lst.kind for lst in lists] == ["recommendations", "problems"]
    assert lists[0].items[0].children == []
    assert [item.text for item in lists[1].items] == ["人才队伍不足", "设备更新滞后。"]


# --- reading -----------------------------------------------------------------


def test_intro_announcing_work_makes_a_neutral_list_recommendations() -> None:
    lst = _only_list(
        "做好新时代职工服务，要做好以下几方面工作。",
        "第一，数智赋能。让数据多跑路。",
        "第二，社会共治。形成多方合力。",
    )
    assert lst.kind == "recommendations"


def test_intro_announcing_features_makes_a_neutral_list_analysis() -> None:
    lst = _only_list(
        "工匠精神的价值体现在多个维度。",
        "第一，执着专注，锚定方向。专注特质强调对目标的坚守。",
        "第二，精益求精，提升质量。精益特质强调对细节的打磨。",
    )
    assert lst.kind == "features"


def test_items_reporting_what_was_done_are_achievements() -> None:
    lst = _only_list("过去五年，一是推动了产业结构优化升级；二是形成了一批创新高地；三是提升了公共服务水平。")
    assert lst.kind == "achievements"


def test_intro_announcing_measures_outweighs_the_problems_it_answers() -> None:
    lst = _only_list(
        "针对上述问题，提出以下措施。",
        "第一，数智赋能。让数据多跑路。",
        "第二，社会共治。形成多方合力。",
    )
    assert lst.kind == "recommendations"


def test_a_silent_list_holding_recommendations_is_recommendations() -> None:
    article = add_lists(
        _article(
            "第一，在制度层面。一要健全工资正常增长机制。二要完善社会保障体系。",
            "第二，在服务层面。一要办好职工服务驿站。二要用好数字服务平台。",
        )
    )
    assert [item.headline for item in article.recommendations] == ["在制度层面", "在服务层面"]
    assert [len(item.children) for item in article.recommendations] == [2, 2]


def test_words_that_only_start_like_a_frame_are_not_actions() -> None:
    lst = _only_list("其一，以往的培训偏重理论。其二，以来自一线的案例为主的课程较少。")
    assert lst.kind == "points"


def test_headline_is_the_first_clause_when_the_sentence_is_long() -> None:
    lst = _only_list(
        "一是加强青年职工政治引领，充分利用新技术新平台，通过云课堂、沉浸式体验、读书会等方式让青年职工愿意听愿意学。"
        "二是激励青年职工挺膺担当。"
    )
    assert lst.items[0].headline == "加强青年职工政治引领"
    assert all(len(item.headline) <= 40 for item in lst.items)


def test_add_lists_leaves_an_article_without_lists_unchanged() -> None:
    article = _article("促进高质量充分就业是新时代就业工作的新定位。其次，要着力促进劳动力市场的平衡性。")
    assert add_lists(article) == article


# --- the seed issues against their references --------------------------------


def _score_module():  # type: ignore[no-untyped-def]
    path = SHARED / "tools" / "score_parse.py"
    spec = importlib.util.spec_from_file_location("score_parse", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["000_5eb1b97fbbdabd90", "004_734411ccc87f0fa0"])
def test_seed_recommendations_match_the_reference(name: str) -> None:
    if not (SHARED / "gold" / f"{name}.json").exists():
        pytest.skip(f"reference data not found in {SHARED}")
    segment = pytest.importorskip("digest.parse.segment")
    from digest.pipeline import read_page

    parsed = segment.segment_page(read_page(SHARED / "seeds" / f"{name}.txt"))
    parsed = type(parsed)(parsed.source, [add_lists(a) for a in parsed.articles], parsed.dropped)
    gold = json.loads((SHARED / "gold" / f"{name}.json").read_text(encoding="utf-8"))
    report = _score_module().score_issue(gold, parsed_issue_to_json(parsed))
    assert report["recommendations"]["f1"] == 1.0, report["problems"]
    assert report["sub_recommendations"]["f1"] == 1.0, report["problems"]
