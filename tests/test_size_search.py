"""The search for the fullest layout that fits the HTML size limit: the same answer as trying
every size, never much worse than bisection, and fewer premailer runs on a large digest."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable
from datetime import datetime

import pytest

import digest.render as render
from digest.errors import RenderError
from digest.models import Article, Digest, ListItem, ThemeGroup
from digest.render import Layout, _fit_layout, _largest_fitting, render_digest

ARCHIVE_URL = "https://example.org/archive/2026-05-04.html"


def bisection_largest(fits: Callable[[int], bool], high: int) -> int | None:
    """The search `render` made before: the largest n in 0..high for which `fits(n)`, by bisection."""
    if high < 0 or not fits(0):
        return None
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def bisection_by_size(size_at: Callable[[int], int], limit: int, beyond: int) -> int | None:
    """`bisection_largest` behind the new search's signature, to run `render_digest` the old way."""
    return bisection_largest(lambda n: size_at(n) <= limit, beyond - 1)


def noisy(total: int, seed: int, *, rest_chance: float) -> list[int]:
    """Sizes that grow by uneven steps, some of them zero."""
    rng = random.Random(seed)
    sizes, size = [], rng.randint(0, 3_000)
    for _ in range(total + 1):
        size += 0 if rng.random() < rest_chance else rng.choice((rng.randint(1, 60), rng.randint(500, 9_000)))
        sizes.append(size)
    return sizes


def size_shapes(total: int) -> dict[str, list[int]]:
    """Non-decreasing sizes for n = 0..total, by the name of their shape."""
    n = range(total + 1)
    return {
        "linear": [2_000 + 700 * i for i in n],
        "convex": [2_000 + 3 * i * i for i in n],
        "concave": [2_000 + int(900 * math.sqrt(i)) for i in n],
        "steps": [2_000 + 5_000 * (i // 7) for i in n],
        "plateau then climb": [2_000 if i < total // 2 else 40_000 + 13 * i for i in n],
        "flat": [5_000 for _ in n],
        "flat then cliff": [5_000 if i < total else 10**7 for i in n],
        "noisy": noisy(total, seed=total, rest_chance=0.3),
        "noisy, mostly flat": noisy(total, seed=total + 1, rest_chance=0.9),
    }


def limits_around(sizes: list[int]) -> list[int]:
    """Every size, one byte under and over it: limits at, below and above each size."""
    return sorted({size + d for size in sizes for d in (-1, 0, 1)})


TOTALS = (0, 1, 2, 3, 5, 8, 17, 60, 257, 1_000)


def bisection_probes(sizes: list[int], limit: int, total: int) -> int:
    """How many sizes bisection asks for to find the largest n below `total` that fits."""
    asked: list[int] = []

    def fits(n: int) -> bool:
        asked.append(n)
        return sizes[n] <= limit
    bisection_largest(fits, total - 1)
    return len(asked)


@functools.cache
def bisection_worst_case(beyond: int) -> int:
    """The most sizes bisection asks for to search 0..beyond-1, over every place the boundary can be."""
    steps = ([0] * (answer + 1) + [1] * (beyond - answer) for answer in range(-1, beyond))
    return max(bisection_probes(sizes, 0, beyond) for sizes in steps)


def search(sizes: list[int], limit: int, beyond: int) -> tuple[int | None, list[int]]:
    """What `_largest_fitting` finds, and which n it asked the size of (the size at `beyond` too)."""
    asked: list[int] = []

    def size_at(n: int) -> int:
        asked.append(n)
        return sizes[n]
    return _largest_fitting(size_at, limit, beyond), asked


@pytest.mark.parametrize("total", TOTALS)
def test_finds_the_largest_n_that_fits_as_trying_every_n_does(total: int) -> None:
    for shape, sizes in size_shapes(total).items():
        for limit in limits_around(sizes):
            expected = max((n for n in range(total) if sizes[n] <= limit), default=None)
            assert search(sizes, limit, total)[0] == expected, (shape, limit)


@pytest.mark.parametrize("total", TOTALS)
def test_asks_each_size_once_and_at_most_two_more_than_bisection_at_worst(total: int) -> None:
    for shape, sizes in size_shapes(total).items():
        for limit in limits_around(sizes):
            asked = search(sizes, limit, total)[1]
            assert len(asked) == len(set(asked)) and all(0 <= n <= total for n in asked), (shape, limit, asked)
            probes = [n for n in asked if n != total]  # the caller knows the size at `total` already
            assert len(probes) <= bisection_worst_case(total) + 2, (shape, limit, asked)


@pytest.mark.parametrize("total", (17, 60, 257, 1_000))
def test_evenly_growing_sizes_are_settled_in_three_probes(total: int) -> None:
    sizes = [3_000 + 1_234 * n for n in range(total + 1)]
    for limit in limits_around(sizes):
        asked = search(sizes, limit, total)[1]
        assert len([n for n in asked if n != total]) <= 3, (limit, asked)


@pytest.mark.parametrize("total", (60, 257))
@pytest.mark.parametrize("shape", ("concave", "noisy"))
def test_unevenly_growing_sizes_take_fewer_probes_than_bisection_over_all_limits(shape: str, total: int) -> None:
    sizes = size_shapes(total)[shape]
    limits = [limit for limit in limits_around(sizes) if limit < sizes[total]]  # the search has work to do
    probes = sum(len([n for n in search(sizes, limit, total)[1] if n != total]) for limit in limits)
    assert probes < sum(bisection_probes(sizes, limit, total) for limit in limits)


def layout_sizes(total: int, seed: int) -> Callable[[Layout], int]:
    """HTML sizes of a made-up digest: a frame, each listed article's brief entry, each full
    article's extra, and the notices that appear when something is shortened or left out."""
    rng = random.Random(seed)
    brief = [rng.randint(300, 900) for _ in range(total)]
    extra = [rng.randint(0, 6_000) for _ in range(total)]

    def size_of(layout: Layout) -> int:
        notices = 250 * (layout.full < total) + 180 * (layout.listed < total)
        return 4_000 + notices + sum(brief[: layout.listed]) + sum(extra[: layout.full])
    return size_of


def bisection_layout(total: int, size_of: Callable[[Layout], int], limit: int) -> Layout:
    """`_fit_layout` as it was, with bisection."""
    if size_of(Layout(total, total)) <= limit:
        return Layout(total, total)
    full = bisection_largest(lambda n: size_of(Layout(n, total)) <= limit, total - 1)
    if full is not None:
        return Layout(full, total)
    listed = bisection_largest(lambda n: size_of(Layout(0, n)) <= limit, total - 1)
    if listed is None:
        raise RenderError("does not fit")
    return Layout(0, listed)


def outcome(fit: Callable[[int, Callable[[Layout], int], int], Layout], total: int,
            size_of: Callable[[Layout], int], limit: int) -> Layout | str:
    """The layout `fit` chooses, or "too small" when nothing fits."""
    try:
        return fit(total, size_of, limit)
    except RenderError:
        return "too small"


@pytest.mark.parametrize("total", (0, 1, 2, 5, 30))
def test_fit_layout_chooses_what_bisection_chose(total: int) -> None:
    for seed in range(4):
        size_of = layout_sizes(total, seed)
        layouts = {Layout(n, total) for n in range(total + 1)} | {Layout(0, n) for n in range(total + 1)}
        for limit in limits_around([size_of(layout) for layout in layouts]):
            expected = outcome(bisection_layout, total, size_of, limit)
            assert outcome(_fit_layout, total, size_of, limit) == expected, (seed, limit)


def proposal(number: int, rng: random.Random) -> ListItem:
    """One numbered proposal, its text a few clauses long."""
    text = f"完善第{number}项工作机制，" + "推动政策落地见效，" * rng.randint(3, 9) + "要在实践中不断完善。"
    return ListItem(number=number, marker=f"（{number}）", text=text, headline=f"完善第{number}项工作机制")


def article(number: int, rng: random.Random) -> Article:
    """An article of uneven length: one to three summary sentences, three to thirteen proposals."""
    summary = [f"第{number}篇文章指出，产业转型升级对劳动者技能提出了新要求。",
               "各地围绕培训体系建设开展了大量探索" + "，形成了可复制的做法" * rng.randint(0, 3) + "。",
               "下一步要在制度供给、资源配置和激励机制上持续发力，让技能人才有奔头。"]
    title = f"推进职业技能培训的路径探索（{number}）" + "：以制造业为例" * rng.randint(0, 1)
    return Article(title=title, display_title=title, paragraphs=[summary[0], "正文。"], section="理论周刊",
                   authors=["张明"], summary=summary[: rng.randint(1, 3)],
                   recommendations=[proposal(k, rng) for k in range(1, rng.randint(4, 14))],
                   keywords=["技能", "培训"], source="issue.txt")


def large_digest(count: int) -> Digest:
    """`count` articles of uneven length in three themes: far more than one email carries."""
    rng = random.Random(count)
    articles = [article(n, rng) for n in range(1, count + 1)]
    return Digest(title="理论周报", created=datetime(2026, 5, 4, 7, 30), issues=["a.txt", "b.txt"],
                  groups=[ThemeGroup(f"主题{g}", articles[g::3]) for g in range(3)])


def render_counting_premailer(monkeypatch: pytest.MonkeyPatch, digest: Digest, limit: int) -> tuple[str, int]:
    """The HTML part `render_digest` makes within `limit`, and how many times it ran premailer."""
    runs: list[None] = []
    real_inline_css = render.inline_css

    def counting_inline_css(html: str) -> str:
        runs.append(None)
        return real_inline_css(html)
    with monkeypatch.context() as patch:
        patch.setattr(render, "inline_css", counting_inline_css)
        html = render_digest(digest, archive_url=ARCHIVE_URL, max_html_bytes=limit).html
    return html, len(runs)


@pytest.fixture(scope="module")
def sixty_articles() -> Digest:
    return large_digest(60)


@pytest.mark.parametrize("limit", (15_000, 60_000, 150_000))
def test_a_large_digest_takes_fewer_premailer_runs_for_the_same_email(
        monkeypatch: pytest.MonkeyPatch, sixty_articles: Digest, limit: int) -> None:
    html, runs = render_counting_premailer(monkeypatch, sixty_articles, limit)
    monkeypatch.setattr(render, "_largest_fitting", bisection_by_size)
    bisection_html, bisection_runs = render_counting_premailer(monkeypatch, sixty_articles, limit)
    assert html == bisection_html
    assert len(html.encode("utf-8")) <= limit
    assert "篇幅有限" in html  # shortened: the search had a boundary to find
    assert runs < bisection_runs
