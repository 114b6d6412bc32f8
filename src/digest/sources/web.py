"""Polite, bounded HTTP GETs for the feed source: conditional, capped, http and https only.

- Conditional GET: the caller hands back the ETag and Last-Modified it was
  given; a 304 comes back as a `Response` with no body.
- Bounds: a timeout on every socket wait and on the whole read, a size cap
  (a larger body is refused, not cut), a redirect cap, and no scheme but http
  and https, also on a redirect (no file://, no ftp://).
- Politeness: `HostPacer` keeps a delay between two requests to one host,
  shared by every feed of a run.

Every failure (DNS, refused, an HTTP error status, a timeout, too large) is a
`SourceError` naming the URL and the problem in a line.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPMessage
from typing import IO
from urllib.parse import urlsplit

from digest.errors import SourceError

USER_AGENT = "digest/0.1 (newsletter digest; +feeds)"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Response:
    """What a GET brought back: a body (empty on 304), the validators to send next time, where it ended."""

    status: int
    body: bytes
    url: str
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class HostPacer:
    """Keeps `delay` seconds between two requests to one host (monotonic clock)."""

    last: dict[str, float] = field(default_factory=dict)

    def wait(self, url: str, delay: float) -> None:
        """Sleep until `delay` seconds have passed since the last request to the URL's host."""
        host = (urlsplit(url).hostname or "").lower()
        since = time.monotonic() - self.last.get(host, float("-inf"))
        if since < delay:
            time.sleep(delay - since)
        self.last[host] = time.monotonic()


@dataclass(frozen=True)
class Limits:
    """How long, how large and how far a GET may go."""

    timeout: float
    max_bytes: int
    max_redirects: int


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows at most `max_redirects` redirects, and only to http:// or https://."""

    def __init__(self, max_redirects: int) -> None:
        self.max_redirects = max_redirects
        self.max_redirections = max_redirects + 1  # type: ignore[misc]  # urllib's own cap: never the one hit

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise SourceError(f"{req.full_url}: redirected to {newurl}, not an http:// or https:// address")
        followed = sum(getattr(req, "redirect_dict", {}).values())  # where urllib counts the hops so far
        if followed >= self.max_redirects:
            raise SourceError(f"{req.full_url}: redirected more than {self.max_redirects} times (max_redirects)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(max_redirects: int) -> urllib.request.OpenerDirector:
    """An opener with only the HTTP handlers: no file://, ftp:// or data: URLs."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(), _Redirects(max_redirects),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def http_get(url: str, limits: Limits, *, etag: str | None = None, last_modified: str | None = None,
             accept: str = "*/*") -> Response:
    """GET `url` within the limits, conditionally when validators are given; `SourceError` on any failure."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise SourceError(f"{url}: not an http:// or https:// address")
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with _opener(limits.max_redirects).open(request, timeout=limits.timeout) as reply:
            body = _read_capped(reply, url, limits)
            return Response(status=reply.status, body=body, url=reply.url,
                            content_type=reply.headers.get("Content-Type", ""),
                            etag=reply.headers.get("ETag"), last_modified=reply.headers.get("Last-Modified"))
    except urllib.error.HTTPError as e:
        if e.code == 304:
            return Response(status=304, body=b"", url=url, etag=etag, last_modified=last_modified)
        raise SourceError(f"{url}: the server answered {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        raise SourceError(f"{url}: cannot connect ({_reason(e.reason)})") from e
    except TimeoutError as e:
        raise SourceError(f"{url}: no answer within {limits.timeout:g} s") from e
    except OSError as e:  # a connection reset or cut mid-body, a bad status line
        raise SourceError(f"{url}: the connection failed ({e})") from e
    except ValueError as e:  # http.client refuses a malformed reply this way
        raise SourceError(f"{url}: not a valid HTTP reply ({e})") from e


def _read_capped(reply: IO[bytes], url: str, limits: Limits) -> bytes:
    """The body, refused once it grows past the cap or the whole read takes longer than the timeout."""
    deadline = time.monotonic() + limits.timeout
    chunks, size = [], 0
    while chunk := reply.read(_CHUNK):
        size += len(chunk)
        if size > limits.max_bytes:
            raise SourceError(f"{url}: larger than {limits.max_bytes // 1000} kB (raise max_kb to take it)")
        if time.monotonic() > deadline:
            raise SourceError(f"{url}: the body took longer than {limits.timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(reason: object) -> str:
    if isinstance(reason, socket.gaierror):
        return "host name not found"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "timed out"
    return str(reason)
