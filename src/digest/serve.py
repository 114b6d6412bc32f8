"""`digest serve`: the web archive of past digests and the unsubscribe endpoint.

A small stdlib `http.server`, meant to sit behind the public base URL (`[archive]
base_url`), usually through a reverse proxy that adds TLS. Rules it relies on:
- `GET /` lists the digests; `GET /NAME.html` shows one: the full archive copy
  when the email was shortened, else the HTML the outbox kept. Only files the
  state or the archive folder name are served, never a path from the request.
- `GET /unsubscribe?token=…` only shows a confirmation page whose button POSTs:
  link scanners and mail previews fetch links, they must not unsubscribe anyone.
- `POST /unsubscribe?token=…` unsubscribes; that is RFC 8058's one-click request
  (body `List-Unsubscribe=One-Click`), and the confirmation form posts the same.
- A token must carry a valid HMAC under the secret from the environment
  (`digest.mail.tokens`); anything else is refused with 403. No token is logged:
  query strings are cut from every log line.
- It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import html
import logging
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from digest.config import Settings
from digest.mail.ledger import open_ledger
from digest.mail.tokens import find_subscriber, load_secret, verify_token
from digest.store import Store

LOGGER = logging.getLogger(__name__)

MAX_FORM_BYTES = 4096  # an unsubscribe form is a token and a flag
MAX_LOGGED_CHARS = 300  # of one log line: a request line can be 64 KB
# A page the archive may serve: one file name ending in .html, no folder, not starting with a dot.
_PAGE_NAME = re.compile(r"^/([A-Za-z0-9][A-Za-z0-9._-]*\.html)$")
# A query string inside a log line (a request line, an error quoting one): tokens travel there.
_QUERY = re.compile(r"\?[^\s'\"]*")


class DigestServer(ThreadingHTTPServer):
    """The HTTP server, holding the settings and the token secret for its handlers."""

    daemon_threads = True

    def __init__(self, settings: Settings, address: tuple[str, int]) -> None:
        self.settings = settings
        self.secret = load_secret(settings)
        super().__init__(address, DigestHandler)


def make_server(settings: Settings, host: str = "127.0.0.1", port: int = 8025) -> DigestServer:
    """A server bound to `host:port` (port 0 picks a free one), ready for `serve_forever()`."""
    return DigestServer(settings, (host, port))


class DigestHandler(BaseHTTPRequestHandler):
    """Answers the archive pages and the unsubscribe endpoint."""

    server: DigestServer
    server_version = "digest"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        url = urlsplit(self.path)
        if url.path == "/":
            self._send_page(HTTPStatus.OK, _index_page(self.server.settings))
        elif url.path == "/unsubscribe":
            self._confirm(_token_from(url.query))
        elif (match := _PAGE_NAME.match(url.path)) and (page := archived_page(self.server.settings, match[1])):
            self._send(HTTPStatus.OK, page.read_bytes())
        else:
            self._send_page(HTTPStatus.NOT_FOUND, _page("找不到页面", "<p>没有这一页。</p>"))

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path != "/unsubscribe":
            self._send_page(HTTPStatus.NOT_FOUND, _page("找不到页面", "<p>没有这一页。</p>"))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = MAX_FORM_BYTES + 1  # unreadable: treat like too large
        if not 0 <= length <= MAX_FORM_BYTES:
            self._send_page(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _page("请求过大", ""))
            return
        form = self.rfile.read(length).decode("utf-8", "replace")
        self._unsubscribe(_token_from(url.query) or _token_from(form))

    def _confirm(self, token: str) -> None:
        if verify_token(self.server.secret, token) is None:
            self._refuse()
            return
        body = (f'<p>确定不再接收《{html.escape(self.server.settings.title)}》吗？</p>'
                f'<form method="post" action="/unsubscribe"><input type="hidden" name="token" '
                f'value="{html.escape(token)}"><button type="submit">退订</button></form>')
        self._send_page(HTTPStatus.OK, _page("退订", body))

    def _unsubscribe(self, token: str) -> None:
        subject = verify_token(self.server.secret, token)
        if subject is None:
            self._refuse()
            return
        with Store.open(self.server.settings.database) as store, open_ledger(store) as ledger:
            subscriber = find_subscriber(ledger, subject)
            if subscriber is not None:
                ledger.set_subscriber_status(subscriber.address, "unsubscribed")
        LOGGER.info("unsubscribed %s", subscriber.address if subscriber else "nobody (a removed subscriber's link)")
        self._send_page(HTTPStatus.OK, _page("已退订", "<p>已退订，今后不会再收到这份摘要。</p>"))

    def _refuse(self) -> None:
        self._send_page(HTTPStatus.FORBIDDEN, _page("链接无效", "<p>这个退订链接无效或已损坏。</p>"))

    def _send_page(self, status: HTTPStatus, page: str) -> None:
        self._send(status, page.encode("utf-8"))

    def _send(self, status: HTTPStatus, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        """The access and error log, without query strings (tokens) and cut to a readable length."""
        line = _QUERY.sub("?…", format % args)
        LOGGER.info("%s %s", self.address_string(), line[:MAX_LOGGED_CHARS])


def archived_page(settings: Settings, name: str) -> Path | None:
    """The file to serve for `NAME.html`: the archive's full copy, else the outbox's HTML of that digest."""
    full = settings.archive / name
    if full.is_file():
        return full
    for path in _digest_pages(settings):
        if path.name == name and path.is_file():
            return path
    return None


def _digest_pages(settings: Settings) -> list[Path]:
    if not settings.database.exists():
        return []
    with Store.open(settings.database) as store:
        return [Path(d.html_path) for d in reversed(store.digests()) if d.html_path]


def _index_page(settings: Settings) -> str:
    items = [f'<li><a href="/{html.escape(p.name)}">{html.escape(p.stem)}</a></li>' for p in _digest_pages(settings)]
    body = f"<ul>{''.join(items)}</ul>" if items else "<p>还没有摘要。</p>"
    return _page(settings.title, body)


def _token_from(query: str) -> str:
    values = parse_qs(query).get("token", [])
    return values[0] if values else ""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{body}</body></html>")
