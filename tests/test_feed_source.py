"""The feed source on its own, against a real HTTP server on 127.0.0.1: bounds, pacing, the issue it hands over."""

from __future__ import annotations

from pathlib import Path

from digest.extract import extract_page
from digest.models import IssueFailure, RawIssue
from digest.source_settings import FeedSettings
from digest.sources.feed import FeedSource
from digest.sources.web import HostPacer
from feedserver import FeedServer, FeedSite
from newsletters import make_story


def source(url: str, tmp_path: Path, **changes: object) -> FeedSource:
    settings = {"name": "评论频道", "url": url, "fetch_pages": False, "timeout": 5.0, "delay": 0.0,
                "max_bytes": 1_000_000, "max_redirects": 3, **changes}
    return FeedSource(FeedSettings(**settings), tmp_path / "state.sqlite3")  # type: ignore[arg-type]


def test_the_issue_is_named_after_the_feed_and_each_headline_links_its_entry(tmp_path: Path) -> None:
    site = FeedSite(atom=[make_story(n) for n in range(2)])
    with FeedServer(site) as server:
        [raw] = list(source(f"{server.base}/atom.xml", tmp_path).fetch())
    assert isinstance(raw, RawIssue) and raw.name == "评论频道"
    page = extract_page(raw)
    assert page.title == "评论频道"
    headlines = [(line.text, line.url) for line in page.lines if line.role == "title"]
    assert headlines == [(s.title, site.link(s)) for s in site.atom]


def test_a_feed_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    site = FeedSite(faults={"/atom.xml": "huge"})
    with FeedServer(site) as server:
        [failure] = list(source(f"{server.base}/atom.xml", tmp_path, max_bytes=500_000).fetch())
    assert isinstance(failure, IssueFailure)
    assert failure.error.startswith("评论频道: ") and "larger than 500 kB" in failure.error


def test_a_server_that_does_not_answer_in_time_is_one_failure(tmp_path: Path) -> None:
    site = FeedSite(atom=[make_story(1)], faults={"/atom.xml": "slow"}, slow_seconds=3)
    with FeedServer(site) as server:
        [failure] = list(source(f"{server.base}/atom.xml", tmp_path, timeout=0.5).fetch())
    assert isinstance(failure, IssueFailure) and "0.5 s" in failure.error


def test_requests_to_one_host_keep_the_delay_apart(tmp_path: Path) -> None:
    site = FeedSite(atom=[make_story(n) for n in range(2)], rss=[make_story(n) for n in range(2, 4)])
    pacer = HostPacer()
    with FeedServer(site) as server:
        feeds = [FeedSource(FeedSettings(name, f"{server.base}/{path}", True, 5.0, 0.3, 1_000_000, 3),
                            tmp_path / "state.sqlite3", pacer) for name, path in (("a", "atom.xml"), ("b", "rss.xml"))]
        for feed in feeds:
            assert all(isinstance(raw, RawIssue) for raw in feed.fetch())
    times = sorted(r.at for r in site.requests)  # arrival at the server: a little after the pacer let it go
    assert len(times) == 6  # two feeds, four pages
    assert all(later - earlier >= 0.25 for earlier, later in zip(times, times[1:], strict=False))


def test_redirects_are_followed_up_to_the_cap(tmp_path: Path) -> None:
    site = FeedSite(atom=[make_story(1)])
    with FeedServer(site) as server:
        [within] = list(source(f"{server.base}/hop/2", tmp_path, max_redirects=2).fetch())
        [beyond] = list(source(f"{server.base}/hop/3", tmp_path, max_redirects=2).fetch())
        [none] = list(source(f"{server.base}/hop/1", tmp_path, max_redirects=0).fetch())
    assert isinstance(within, RawIssue)
    assert isinstance(beyond, IssueFailure) and "redirected more than 2 times" in beyond.error
    assert isinstance(none, IssueFailure) and "redirected more than 0 times" in none.error
