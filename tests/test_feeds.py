"""RSS and Atom feeds as sources, against a real HTTP server on 127.0.0.1, through the real `digest` command."""

from __future__ import annotations

import email
import hashlib
from email import policy
from pathlib import Path

import pytest

from conftest import Installation
from feedserver import FeedServer, FeedSite
from mailserver import free_port
from newsletters import Story, make_story


def feeds_config(base: str, *, rss_url: str | None = None) -> str:
    return (f'[[sources]]\nname = "评论频道"\nkind = "feed"\nurl = "{base}/atom.xml"\ndelay = 0\ntimeout = 5\n'
            f'[[sources]]\nname = "通讯"\nkind = "feed"\nurl = "{rss_url or base + "/rss.xml"}"\n'
            "fetch_pages = true\ndelay = 0\ntimeout = 5\n")


def install(tmp_path: Path, site_base: str, **kwargs: str) -> Installation:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config(feeds_config(site_base, **kwargs), themes="")
    return inst


def digest_texts(inst: Installation) -> list[str]:
    """The plain-text part of each digest in the outbox, oldest first."""
    texts = []
    for eml in sorted(inst.emls(), key=lambda p: p.stat().st_mtime):
        message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        texts.append(message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    return texts


def quotes_beyond_opening(story: Story, text: str) -> bool:
    """Whether the digest quotes the story past what its RSS description (the first 30 characters) holds."""
    flat = "".join(text.split())
    rest = "".join(story.paragraphs[1:])
    return any(rest[k:k + 12] in flat for k in range(0, len(rest) - 12))


@pytest.fixture
def site() -> FeedSite:
    return FeedSite(atom=[make_story(n) for n in range(3)], rss=[make_story(n) for n in range(3, 5)])


def test_feeds_give_one_digest_then_304s_then_only_the_added_entry(tmp_path: Path, site: FeedSite) -> None:
    with FeedServer(site) as server:
        inst = install(tmp_path, server.base)
        first = inst.digest("run")
        assert first.returncode == 0, first.stderr
        [text] = digest_texts(inst)
        for story in site.atom + site.rss:
            assert story.title in text
        # the RSS feed carries an opening only: the summary is made from the page, without its furniture
        assert all(quotes_beyond_opening(story, text) for story in site.rss)
        assert "相关阅读" not in text and "版权所有" not in text

        site.requests.clear()
        second = inst.digest("run")
        assert second.returncode == 0, second.stderr
        assert second.stdout.startswith("nothing new")
        assert len(inst.emls()) == 1
        for path in ("/atom.xml", "/rss.xml"):
            [request] = site.paths(path)
            assert request.headers.get("If-None-Match") and request.headers.get("If-Modified-Since")
            assert request.status == 304
        assert not [r for r in site.requests if r.path.startswith("/a/")]  # no page fetched again

        added = make_story(9)
        site.rss.append(added)
        third = inst.digest("run")
        assert third.returncode == 0, third.stderr
        _, text = digest_texts(inst)
        assert added.title in text and quotes_beyond_opening(added, text)
        assert not any(s.title in text for s in site.atom + site.rss[:-1])
        assert [r.path for r in site.requests if r.path.startswith("/a/")] == [f"/a/{added.slug}.html"]


def test_a_feed_that_moves_its_guids_and_links_sends_nothing_again(tmp_path: Path, site: FeedSite) -> None:
    with FeedServer(site) as server:
        inst = install(tmp_path, server.base)
        assert inst.digest("run").returncode == 0
        site.guid_prefix, site.link_suffix = "tag:example.org,2026:", "?from=feed"
        again = inst.digest("run")
        assert again.returncode == 0, again.stderr
        assert len(inst.emls()) == 1, "re-published entries were sent again"
        assert [r.status for r in site.paths("/atom.xml")] == [200, 200]  # it did read the changed feed


@pytest.mark.parametrize("fault", [404, 500, "garbage"])
def test_a_failing_feed_costs_one_line_and_comes_next_run(tmp_path: Path, site: FeedSite,
                                                          fault: int | str) -> None:
    with FeedServer(site) as server:
        site.faults["/rss.xml"] = fault
        inst = install(tmp_path, server.base)
        result = inst.digest("run")
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("digest: 通讯: ") and "/rss.xml" in line
        assert {"404": "404", "500": "500", "garbage": "not an RSS or Atom feed"}[str(fault)] in line
        [text] = digest_texts(inst)
        assert all(s.title in text for s in site.atom) and not any(s.title in text for s in site.rss)

        del site.faults["/rss.xml"]
        retried = inst.digest("run")
        assert retried.returncode == 0, retried.stderr
        _, text = digest_texts(inst)
        assert all(s.title in text for s in site.rss) and not any(s.title in text for s in site.atom)


def test_a_server_that_is_down_costs_one_line(tmp_path: Path, site: FeedSite) -> None:
    with FeedServer(site) as server:
        inst = install(tmp_path, server.base, rss_url=f"http://127.0.0.1:{free_port()}/rss.xml")
        result = inst.digest("run")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("digest: 通讯: ") and "connection refused" in line
    [text] = digest_texts(inst)
    assert all(s.title in text for s in site.atom)


def test_a_redirect_to_a_file_url_is_refused(tmp_path: Path, site: FeedSite) -> None:
    with FeedServer(site) as server:
        site.faults["/rss.xml"] = "redirect-file"
        inst = install(tmp_path, server.base)
        result = inst.digest("run")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("digest: 通讯: ") and "file:///etc/passwd" in line and "not allowed" in line


def test_a_run_that_dies_before_its_digest_is_recorded_loses_no_entry(tmp_path: Path, site: FeedSite) -> None:
    with FeedServer(site) as server:
        inst = install(tmp_path, server.base)
        died = inst.digest("run", env={"DIGEST_TEST_CRASH_AT": "after-render"})
        assert died.returncode != 0 and not inst.emls()
        again = inst.digest("run")
        assert again.returncode == 0, again.stderr
        [text] = digest_texts(inst)
        assert all(s.title in text for s in site.atom + site.rss)
        # the validators of the fetch that died were never sent back: the feeds were read whole again
        assert all(r.status == 200 for r in site.paths("/atom.xml"))
        assert inst.digest("run").stdout.startswith("nothing new")
        assert len(inst.emls()) == 1


@pytest.mark.parametrize(("table", "problem"), [
    ('kind = "feed"\nurl = "ftp://example.org/feed.xml"', '"坏源" url: \'ftp://example.org/feed.xml\' is not an'),
    ('kind = "feed"', '"坏源" url: required for feed sources'),
    ('kind = "feed"\nurl = "https://example.org/f.xml"\ndelay = -1', '"坏源" delay: expected from 0 to 60'),
    ('kind = "feed"\nurl = "https://example.org/f.xml"\nfetch_pages = "yes"', '"坏源" fetch_pages: expected true'),
    ('kind = "rss"', '"坏源" kind: expected one of feed, imap'),
    ('kind = "imap"\nhost = "imap.example.org"\nuser = "u"\npassword = "secret"', '"坏源" password: unknown key'),
    ('kind = "imap"\nhost = "imap.example.org"\nuser = "u"\nport = 70000', '"坏源" port: expected a port number'),
    ('kind = "imap"\nhost = "imap.example.org"\nuser = "u"\nsecurity = "none"',
     '"坏源" security: \'none\' would send the password'),
])
def test_a_bad_source_is_a_config_error_naming_source_and_key(tmp_path: Path, table: str, problem: str) -> None:
    inst = Installation(tmp_path)
    inst.inbox.mkdir()
    inst.write_config(f'[[sources]]\nname = "坏源"\n{table}\n', themes="")
    result = inst.digest("run")
    assert result.returncode == 2
    assert f"[[sources]] {problem}" in result.stderr


def test_a_preview_fetches_the_feeds_and_remembers_nothing(tmp_path: Path, site: FeedSite) -> None:
    with FeedServer(site) as server:
        inst = install(tmp_path, server.base)
        assert inst.digest("run").returncode == 0
        before = hashlib.sha256(inst.database.read_bytes()).hexdigest()
        added = make_story(11)
        site.atom.append(added)
        out = tmp_path / "preview" / "p.html"
        preview = inst.digest("preview", "--out", str(out))
        assert preview.returncode == 0, preview.stderr
        assert added.title in out.with_suffix(".txt").read_text(encoding="utf-8")
        assert hashlib.sha256(inst.database.read_bytes()).hexdigest() == before
        assert inst.digest("run").returncode == 0
        _, text = digest_texts(inst)
        assert added.title in text  # the preview took nothing
        assert [r.headers.get("If-None-Match") is None for r in site.paths("/atom.xml")] == [True, False, False]
