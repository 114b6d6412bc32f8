"""`digest serve`: the web archive of past digests and the unsubscribe endpoint.

A small stdlib `http.server`, meant to sit behind the public base URL (`[archive]
base_url`), usually through a reverse proxy that adds TLS. Rules it relies on:
- `GET /` lists the digests by date and subject; `GET /NAME.html` shows one: the full archive copy
  when the email was shortened, else the HTML the outbox kept. Only files the
  state or the archive folder name are served, never a path from the request;
  any other path, however long or odd, is a 404.
- `GET /unsubscribe?token=…` (the "manage subscription" link of every email) only
  shows a page: the masked address, the themes to pick (`POST /manage`) and an
  unsubscribe button that POSTs: link scanners and mail previews fetch links,
  they must not change anyone's subscription.
- `POST /unsubscribe?token=…` unsubscribes; that is RFC 8058's one-click request
  (body `List-Unsubscribe=One-Click`), and the confirmation form posts the same.
- A token must carry a valid HMAC under the secret from the environment
  (`digest.mail.tokens`); anything else is refused with 403. No token is logged:
  query strings are cut from every log line.
- A client has `[serve] timeout` seconds for its whole request, whatever pace it
  sends at; at most `[serve] max_clients` requests are served at once (the others
  wait in the listen queue). A request line is at most 8 KB (414 past it), the
  request line and headers together 16 KB (431), a form 4 KB (413).
- `/editor` is the editor page (`digest.editor`): only with the editor secret in
  the environment, behind a login, every change a POST with a form token; its
  forms may be 64 KB (a rewritten summary).
- It listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import html
import io
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.config import Settings
from digest.editor import MAX_EDITOR_FORM_BYTES, EditorKeys, EditorReply, editor_get, editor_post
from digest.mail.ledger import open_ledger
from digest.mail.tokens import find_subscriber, load_secret, verify_token
from digest.pages import archive_entries, archive_index, manage_page, masked_address, page
from digest.store import Store

LOGGER = logging.getLogger(__name__)

MAX_FORM_BYTES = 4096  # an unsubscribe form is a token and a flag
MAX_REQUEST_LINE = 8192  # bytes: what common servers allow; a page name is far shorter
MAX_HEAD_BYTES = 16384  # the request line and every header together
MAX_LOGGED_CHARS = 300  # of one log line: a request line can be 8 KB
# A page the archive may serve: one file name (at most 255 bytes, a file system's limit) ending
# in .html, no folder, not starting with a dot.
_PAGE_NAME = re.compile(r"^/([A-Za-z0-9][A-Za-z0-9._-]{0,249}\.html)$")
# A query string inside a log line (a request line, an error quoting one): tokens travel there.
_QUERY = re.compile(r"\?[^\s'\"]*")


class DigestServer(ThreadingHTTPServer):
    """The HTTP server, holding the settings and the token secret for its handlers.

    A thread per request, but no more than `[serve] max_clients` at once: the
    accepting loop waits for a free slot, and every request ends within its
    deadline, so a crowd of slow clients cannot pile up threads.
    """

    daemon_threads = True

    def __init__(self, settings: Settings, address: tuple[str, int]) -> None:
        self.settings = settings
        self.secret = load_secret(settings)
        self.editor_keys = EditorKeys.from_environment(settings)
        self.slots = threading.BoundedSemaphore(settings.serve.max_clients)
        super().__init__(address, DigestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a new thread once a slot is free."""
        self.slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, then free its slot."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up or reset mid-request is one debug line, not a traceback."""
        LOGGER.debug("%s: connection ended early", client_address[0], exc_info=True)


def make_server(settings: Settings, host: str = "127.0.0.1", port: int = 8025) -> DigestServer:
    """A server bound to `host:port` (port 0 picks a free one), ready for `serve_forever()`."""
    return DigestServer(settings, (host, port))


class RequestReader(io.RawIOBase):
    """A client's bytes, read against one deadline for the whole request and a byte allowance.

    A timeout per read alone lets a client that sends one byte at a time hold a
    thread for ever; here each read may wait only for what is left of the deadline.
    Past the allowance the client's bytes look like the end of the stream, and
    `exhausted` tells a cut-off request from a short one.
    """

    def __init__(self, connection: socket.socket, seconds: float, allowance: int) -> None:
        self.connection = connection
        self.deadline = time.monotonic() + seconds
        self.allowance = allowance
        self.exhausted = False
        self.timed_out = False

    def readable(self) -> bool:
        return True

    def allow(self, more: int) -> None:
        """Let `more` bytes through past the head: the body the headers announced."""
        self.allowance += more

    def readinto(self, buffer: Any) -> int:
        if self.allowance <= 0:
            self.exhausted = True
            return 0
        left = self.deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError("the client took too long over its request")
            self.connection.settimeout(left)
            count = self.connection.recv_into(memoryview(buffer)[:self.allowance])
        except TimeoutError:
            self.timed_out = True
            raise
        self.allowance -= count
        return count


def linger(connection: socket.socket, seconds: float) -> None:
    """Half-close, then read and drop what the client still sends, for at most `seconds` and 64 KB.

    Closing with bytes unread makes the kernel answer with a reset, which can destroy
    the reply (a 414, a 431) before the client reads it; RFC 9112 (9.6) asks for this.
    """
    deadline = time.monotonic() + seconds
    try:
        connection.shutdown(socket.SHUT_WR)
        for _ in range(16):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            connection.settimeout(left)
            if not connection.recv(4096):
                return
    except OSError:
        return  # reset or timed out: the client is gone or past its time either way


class DigestHandler(BaseHTTPRequestHandler):
    """Answers the archive pages and the unsubscribe endpoint."""

    server: DigestServer
    server_version = "digest"
    reader: RequestReader
    raw_requestline: bytes

    def setup(self) -> None:
        """Read the request through a `RequestReader`: one deadline, a bounded head."""
        super().setup()
        self.reader = RequestReader(self.connection, self.server.settings.serve.timeout, MAX_HEAD_BYTES)
        self.rfile = io.BufferedReader(self.reader)

    def finish(self) -> None:
        """Send what is still buffered, then close so the client can read the reply (no reset)."""
        super().finish()
        if not self.reader.timed_out:
            linger(self.connection, self.server.settings.serve.timeout)

    def parse_request(self) -> bool:
        """The stdlib's parsing, within this server's limits on the request line and headers."""
        line = self.raw_requestline
        if len(line) > MAX_REQUEST_LINE or (self.reader.exhausted and not line.endswith(b"\n")):
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        if not super().parse_request():
            return False
        if self.reader.exhausted:  # the headers did not end within MAX_HEAD_BYTES
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            return False
        # Replies get the whole timeout again, whatever the request left of it.
        self.connection.settimeout(self.server.settings.serve.timeout)
        return True

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches to)
        url = urlsplit(self.path)
        if _is_editor(url.path):
            self._editor(lambda keys: editor_get(self.server.settings, keys, url.path, self.headers.get("Cookie")))
        elif url.path == "/":
            self._send_page(HTTPStatus.OK, _index_page(self.server.settings))
        elif url.path == "/unsubscribe":
            self._confirm(_token_from(url.query))
        elif (match := _PAGE_NAME.match(url.path)) and (page := archived_page(self.server.settings, match[1])):
            self._send(HTTPStatus.OK, page.read_bytes())
        else:
            self._send_page(HTTPStatus.NOT_FOUND, _page("找不到页面", "<p>没有这一页。</p>"))

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path not in ("/unsubscribe", "/manage") and not _is_editor(url.path):
            self._send_page(HTTPStatus.NOT_FOUND, _page("找不到页面", "<p>没有这一页。</p>"))
            return
        form = self._read_form(MAX_EDITOR_FORM_BYTES if _is_editor(url.path) else MAX_FORM_BYTES)
        if form is None:
            self._send_page(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _page("请求过大", ""))
        elif url.path == "/manage":
            self._save_themes(form)
        elif _is_editor(url.path):
            fields = {name: values[0] for name, values in parse_qs(form, keep_blank_values=True).items()}
            self._editor(lambda keys: editor_post(self.server.settings, keys, url.path, self.headers.get("Cookie"),
                                                  fields))
        else:
            self._unsubscribe(_token_from(url.query) or _token_from(form))

    def _read_form(self, limit: int) -> str | None:
        """The request's body, or None when it announces more than `limit` bytes (or nonsense)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if not 0 <= length <= limit:
            return None
        self.reader.allow(length)  # within the same deadline as the head
        form = self.rfile.read(length).decode("utf-8", "replace")
        self.connection.settimeout(self.server.settings.serve.timeout)
        return form

    def _editor(self, answer: Callable[[EditorKeys], EditorReply]) -> None:
        keys = self.server.editor_keys
        if keys is None:
            note = f"<p>编辑页未开启：设置环境变量 {html.escape(self.server.settings.serve.editor_secret_env)}。</p>"
            self._send_page(HTTPStatus.NOT_FOUND, _page("找不到页面", note))
            return
        reply = answer(keys)
        self.send_response(reply.status)
        if reply.location:
            self.send_header("Location", reply.location)
        if reply.cookie:
            self.send_header("Set-Cookie", reply.cookie)
        body = reply.body.encode("utf-8")
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Frame-Options", "DENY")  # no other site may frame the editor and steer its clicks
        self.end_headers()
        self.wfile.write(body)

    def _confirm(self, token: str, note: str = "") -> None:
        """The manage page of a subscriber's link: pick themes, or unsubscribe (a POST either way)."""
        subject = verify_token(self.server.secret, token)
        if subject is None:
            self._refuse()
            return
        with Store.for_settings(self.server.settings) as store, open_ledger(store) as ledger:
            subscriber = find_subscriber(ledger, subject)
        if subscriber is None:
            self._send_page(HTTPStatus.OK, _page("管理订阅", "<p>这个链接的订阅者已不在名单上。</p>"))
            return
        themes = [t.name for t in self.server.settings.themes]
        self._send_page(HTTPStatus.OK, manage_page(self.server.settings.title, token, subscriber.address, themes,
                                                   subscriber.themes, subscriber.status, note))

    def _save_themes(self, form: str) -> None:
        """POST /manage: the themes ticked become the subscriber's (all ticked: every theme, new ones too)."""
        fields = parse_qs(form)
        token = (fields.get("token") or [""])[0]
        subject = verify_token(self.server.secret, token)
        if subject is None:
            self._refuse()
            return
        known = [t.name for t in self.server.settings.themes]
        ticked = [t for t in known if t in fields.get("theme", [])]
        if not ticked:
            self._confirm(token, "请至少选一个主题；一个都不想要，请点退订。")
            return
        with Store.for_settings(self.server.settings) as store, open_ledger(store) as ledger:
            subscriber = find_subscriber(ledger, subject)
            if subscriber is not None and subscriber.status == "active":
                ledger.save_subscriber(subscriber.address, subscriber.name, [] if ticked == known else ticked,
                                       reactivate=False)
        self._confirm(token, "已保存。")

    def _unsubscribe(self, token: str) -> None:
        subject = verify_token(self.server.secret, token)
        if subject is None:
            self._refuse()
            return
        with Store.for_settings(self.server.settings) as store, open_ledger(store) as ledger:
            subscriber = find_subscriber(ledger, subject)
            if subscriber is not None:
                ledger.set_subscriber_status(subscriber.address, "unsubscribed")
        LOGGER.info("unsubscribed %s", subscriber.address if subscriber else "nobody (a removed subscriber's link)")
        who = f' <span class="address">{html.escape(masked_address(subscriber.address))}</span>' if subscriber else ""
        self._send_page(HTTPStatus.OK, _page("已退订", f"<p>已退订{who}，今后不会再收到这份摘要。</p>"))

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
    if _is_file(full):
        return full
    for path in _digest_pages(settings):
        if path.name == name and _is_file(path):
            return path
    return None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name the file system refuses is a page that does not exist
        return False


def _digest_pages(settings: Settings) -> list[Path]:
    if not settings.state_url and not settings.database.exists():
        return []
    with Store.for_settings(settings) as store:
        return [Path(d.html_path) for d in reversed(store.digests()) if d.html_path]


def _index_page(settings: Settings) -> str:
    if not settings.database.exists():
        return archive_index(settings.title, [])
    with Store.for_settings(settings) as store:
        records = store.digests()
    return archive_index(settings.title, archive_entries(records, settings.timezone))


def _is_editor(path: str) -> bool:
    return path == "/editor" or path.startswith("/editor/")


def _token_from(query: str) -> str:
    values = parse_qs(query).get("token", [])
    return values[0] if values else ""


def _page(title: str, body: str) -> str:
    return page(title, body)
