"""A real HTTP server on the loopback interface (http.server in a thread) serving an Atom feed,
an RSS feed and the article pages behind them, with ETag and Last-Modified, and faults on request:
a status, garbage, a redirect. It records every request's path and headers."""

from __future__ import annotations

import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from newsletters import Story, article_page

LOOPBACK = "127.0.0.1"
STAMP = "Mon, 02 Mar 2026 08:00:00 GMT"


@dataclass
class Request:
    """One request the server saw."""

    path: str
    headers: dict[str, str]
    status: int
    at: float  # when the request arrived (monotonic clock)


@dataclass
class FeedSite:
    """What the server serves: stories per feed path, and faults per path ("garbage", 404, 500…)."""

    atom: list[Story] = field(default_factory=list)
    rss: list[Story] = field(default_factory=list)
    faults: dict[str, int | str] = field(default_factory=dict)
    guid_prefix: str = "urn:story:"
    link_suffix: str = ""  # appended to every entry link, as a feed does when it changes its tracking
    requests: list[Request] = field(default_factory=list)
    base: str = ""
    slow_seconds: float = 3.0

    def link(self, story: Story) -> str:
        return f"{self.base}/a/{story.slug}.html{self.link_suffix}"

    def body(self, path: str) -> tuple[bytes, str] | None:
        if path == "/atom.xml":
            return self.atom_feed(), "application/atom+xml; charset=utf-8"
        if path == "/rss.xml":
            return self.rss_feed(), "application/rss+xml; charset=utf-8"
        for story in self.atom + self.rss:
            if path == f"/a/{story.slug}.html":
                return article_page(story), "text/html; charset=utf-8"
        return None

    def atom_feed(self) -> bytes:
        entries = "".join(
            f"<entry><title>{html.escape(s.title)}</title><link href='{html.escape(self.link(s))}'/>"
            f"<id>{self.guid_prefix}{s.slug}</id><updated>2026-03-02T08:00:00Z</updated>"
            f"<author><name>{s.author}</name></author>"
            f"<content type='html'>{html.escape(s.html_body())}</content></entry>" for s in self.atom)
        return ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                f"<title>评论频道</title><id>urn:feed:atom</id><updated>2026-03-02T08:00:00Z</updated>{entries}"
                "</feed>").encode()

    def rss_feed(self) -> bytes:
        items = "".join(  # only the opening sentence: the page has the article
            f"<item><title>{html.escape(s.title)}</title><link>{html.escape(self.link(s))}</link>"
            f"<guid isPermaLink='false'>{self.guid_prefix}{s.slug}</guid><author>{s.author}</author>"
            f"<description>{html.escape(s.paragraphs[0][:30])}…</description></item>" for s in self.rss)
        return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>通讯</title>"
                f"<link>{self.base}/</link><description>d</description>{items}</channel></rss>").encode()

    def paths(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


class _Handler(BaseHTTPRequestHandler):
    site: FeedSite

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.arrived = time.monotonic()
        fault = self.site.faults.get(self.path)
        if isinstance(fault, int):
            return self._reply(fault, b"error", "text/plain")
        if fault == "garbage":
            return self._reply(200, b"<html><body>maintenance \x00\x01</body></html>", "text/html")
        if fault == "slow":
            time.sleep(self.site.slow_seconds)
            return self._reply(200, self.site.atom_feed(), "application/atom+xml")
        if fault == "huge":
            return self._reply(200, b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                               + b" " * 2_000_000 + b"</feed>", "application/atom+xml")
        if fault == "redirect-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return self._record(302)
        if self.path.startswith("/hop/"):  # /hop/N redirects N times before the Atom feed
            hops = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/hop/{hops - 1}" if hops > 1 else "/atom.xml")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return self._record(302)
        found = self.site.body(self.path.partition("?")[0])
        if found is None:
            return self._reply(404, b"not found", "text/plain")
        body, media_type = found
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return self._record(304)
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", STAMP)
        self.end_headers()
        self.wfile.write(body)
        self._record(200)

    def _reply(self, status: int, body: bytes, media_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._record(status)

    def _record(self, status: int) -> None:
        self.site.requests.append(Request(self.path, dict(self.headers.items()), status, self.arrived))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass


class FeedServer:
    """The site on 127.0.0.1 on a free port, in a thread; a context manager."""

    def __init__(self, site: FeedSite) -> None:
        handler = type("Handler", (_Handler,), {"site": site})
        self.httpd = ThreadingHTTPServer((LOOPBACK, 0), handler)
        self.site = site
        site.base = f"http://{LOOPBACK}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return self.site.base

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
