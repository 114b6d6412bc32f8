"""Generated newsletter articles for the feed and mailbox tests: headline, byline and paragraphs
built from a seeded vocabulary, so no test depends on a sample's wording."""

from __future__ import annotations

import html
import random
from dataclasses import dataclass

SUBJECTS = ["城乡社区", "职业教育", "乡村振兴", "数字经济", "基层医疗", "生态保护", "文化服务", "科技创新",
            "公共交通", "养老服务", "青年就业", "粮食安全", "海洋经济", "智慧城市", "非遗传承", "绿色制造"]
ACTIONS = ["推动", "完善", "深化", "加快", "探索", "健全", "优化", "提升"]
GOALS = ["高质量发展", "治理新格局", "服务新模式", "协同新机制", "改革新路径", "民生新保障"]
WORDS = ["各地", "部门", "群众", "企业", "制度", "机制", "资源", "项目", "平台", "队伍", "服务", "标准", "数据",
         "试点", "经验", "政策", "保障", "需求", "质量", "效率", "基层", "社会", "市场", "人才"]
VERBS = ["推进", "落实", "整合", "建立", "加强", "改进", "拓展", "完善", "引导", "支持"]
NAMES = ["王晓东", "李春燕", "陈立新", "赵文华", "周海涛", "孙丽萍", "吴建国", "郑佳怡"]


@dataclass(frozen=True)
class Story:
    """One generated article."""

    slug: str
    title: str
    author: str
    paragraphs: list[str]

    def html_body(self) -> str:
        return "".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) + rng.choice(VERBS) + rng.choice(WORDS) for _ in range(rng.randint(3, 5))]
    return "，".join(words) + "。"


def make_story(number: int, seed: int = 7) -> Story:
    """The `number`-th generated article: a unique headline, an author and four paragraphs."""
    rng = random.Random(seed * 1000 + number)
    subject = SUBJECTS[number % len(SUBJECTS)]
    title = f"{rng.choice(ACTIONS)}{subject}{rng.choice(GOALS)}的{number + 1}点思考"
    paragraphs = [subject + "工作" + "".join(_sentence(rng) for _ in range(3)) for _ in range(4)]
    return Story(slug=f"story-{seed}-{number}", title=title, author=NAMES[number % len(NAMES)],
                 paragraphs=paragraphs)


def article_page(story: Story) -> bytes:
    """The story as a publisher's web page: navigation, the article, related links and a footer."""
    related = "".join(f"<li><a href='/related/{k}.html'>相关阅读第{k}篇</a></li>" for k in range(4))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(story.title)} - 示例网</title>"
            "</head><body><nav><a href='/'>首页</a> | <a href='/news'>新闻</a> | <a href='/about'>关于</a></nav>"
            f"<article><h1>{html.escape(story.title)}</h1><p class='byline'>作者：{story.author}</p>"
            f"{story.html_body()}</article><aside><h3>相关阅读</h3><ul>{related}</ul></aside>"
            "<footer>版权所有 示例网</footer></body></html>").encode()
