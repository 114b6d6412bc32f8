"""The `[[sources]]` tables of the config: feeds and mailboxes beside the inbox folder.

Each table names its source and says its kind; the keys of each kind and their
defaults are in `SOURCE_SCHEMA`. Every problem names the source and the key
(`[[sources]] "工会通讯" port: …`), and `config.build_settings` reports them
with the rest, so a bad source is a config error before any run.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IMAP_SECURITY = ("ssl", "starttls", "none")
IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}  # the IANA ports for IMAP over TLS and in clear
# Seconds: more than 0 and at most these; longer is a typo that would hang a scheduled run.
TIMEOUT_LIMIT = 300
DELAY_LIMIT = 60
MAX_KB_LIMIT = 100_000  # 100 MB: no feed or article page is larger
MAX_REDIRECTS_LIMIT = 10
# A host name or address literal: no spaces, slashes or control characters.
_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]_]{1,253}$")
# An environment variable's name as POSIX shells accept it.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# kind -> key -> (expected type(s), default); None as default marks a required key.
SOURCE_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "feed": {
        "url": (str, None),
        "fetch_pages": (bool, False),
        "timeout": ((int, float), 20),
        "delay": ((int, float), 1),
        "max_kb": (int, 5000),
        "max_redirects": (int, 5),
    },
    "imap": {
        "host": (str, None),
        "port": (int, 0),  # 0: the usual port of the security chosen
        "security": (str, "ssl"),
        "user": (str, None),
        "password_env": (str, "DIGEST_IMAP_PASSWORD"),
        "folder": (str, "INBOX"),
        "mark_read": (bool, False),
        "allow_plaintext_login": (bool, False),
        "timeout": ((int, float), 30),
    },
}


@dataclass(frozen=True)
class FeedSettings:
    """An RSS or Atom feed: where it is and how politely to fetch it."""

    name: str
    url: str
    fetch_pages: bool  # fetch each entry's page, for feeds that carry only a summary
    timeout: float  # seconds one request may wait for the server
    delay: float  # seconds between two requests to one host
    max_bytes: int  # a feed or page larger than this is refused
    max_redirects: int


@dataclass(frozen=True)
class MailboxSettings:
    """One folder of an IMAP mailbox that newsletters are delivered to."""

    name: str
    host: str
    port: int
    security: str
    user: str
    password_env: str  # the password is read from this environment variable, never from the file
    folder: str
    mark_read: bool  # flag a mail as read once its digest is written
    allow_plaintext_login: bool
    timeout: float


SourceSettings = FeedSettings | MailboxSettings


def read_sources(raw: Any) -> tuple[list[SourceSettings], list[str]]:
    """The `[[sources]]` tables as settings, and every problem found in them."""
    if not isinstance(raw, list):
        return [], ["sources: expected an array of tables ([[sources]])"]
    sources: list[SourceSettings] = []
    problems: list[str] = []
    for number, table in enumerate(raw, 1):
        source, found = _read_source(number, table)
        problems += found
        if source is not None:
            sources.append(source)
    names = [s.name for s in sources]
    problems += [f'[[sources]] "{n}" name: used by more than one source' for n in sorted(set(names))
                 if names.count(n) > 1]
    return sources, problems


def _read_source(number: int, table: Any) -> tuple[SourceSettings | None, list[str]]:
    if not isinstance(table, dict):
        return None, [f"[[sources]] #{number}: expected a table"]
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        return None, [f"[[sources]] #{number} name: expected a non-empty string"]
    where = f'[[sources]] "{name.strip()}"'
    kind = table.get("kind")
    if kind not in SOURCE_SCHEMA:
        return None, [f"{where} kind: expected one of {', '.join(SOURCE_SCHEMA)}"]
    values, problems = _typed_values(where, kind, table)
    if problems:
        return None, problems
    values["name"] = name.strip()
    if kind == "feed":
        return _feed(where, values)
    return _mailbox(where, values)


def _typed_values(where: str, kind: str, table: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    schema, problems = SOURCE_SCHEMA[kind], []
    values = {key: default for key, (_, default) in schema.items()}
    for key, value in table.items():
        if key in ("name", "kind"):
            continue
        if key not in schema:
            problems.append(f"{where} {key}: unknown key for {kind} sources")
        elif not _is_a(value, schema[key][0]):
            problems.append(f"{where} {key}: expected {_type_name(schema[key][0])}, got {type(value).__name__}")
        else:
            values[key] = value
    problems += [f"{where} {key}: required for {kind} sources" for key, value in values.items()
                 if value is None and key not in table]
    return values, problems


def _feed(where: str, values: dict[str, Any]) -> tuple[FeedSettings | None, list[str]]:
    problems = [f"{where} {key}: {p}" for key, p in (
        ("url", feed_url_problem(values["url"])),
        ("timeout", _seconds_problem(values["timeout"], TIMEOUT_LIMIT)),
        ("delay", _delay_problem(values["delay"])),
        ("max_kb", _count_problem(values["max_kb"], 1, MAX_KB_LIMIT)),
        ("max_redirects", _count_problem(values["max_redirects"], 0, MAX_REDIRECTS_LIMIT)),
    ) if p]
    if problems:
        return None, problems
    return FeedSettings(name=values["name"], url=values["url"], fetch_pages=values["fetch_pages"],
                        timeout=values["timeout"], delay=values["delay"], max_bytes=values["max_kb"] * 1000,
                        max_redirects=values["max_redirects"]), []


def _mailbox(where: str, values: dict[str, Any]) -> tuple[MailboxSettings | None, list[str]]:
    security = values["security"]
    checks = [
        ("host", None if _HOST.match(values["host"]) else f"{values['host']!r} is not a host name"),
        ("port", None if 0 <= values["port"] < 65536 else "expected a port number from 1 to 65535"),
        ("security", None if security in IMAP_SECURITY else f"expected one of {', '.join(IMAP_SECURITY)}"),
        ("user", None if values["user"].strip() else "expected the login name"),
        ("password_env", None if _ENV_NAME.match(values["password_env"]) else
         "expected the name of an environment variable (the password itself never goes in the file)"),
        ("folder", None if values["folder"].strip() else "expected a folder name such as INBOX"),
        ("timeout", _seconds_problem(values["timeout"], TIMEOUT_LIMIT)),
    ]
    problems = [f"{where} {key}: {p}" for key, p in checks if p]
    if security == "none" and not values["allow_plaintext_login"]:
        problems.append(f"{where} security: 'none' would send the password of {values['user']} in clear; use ssl "
                        "or starttls, or set allow_plaintext_login = true for a server on this machine")
    if problems:
        return None, problems
    port = values["port"] or IMAP_PORTS[security]
    return MailboxSettings(**{**values, "port": port}), []


def feed_url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched as a feed, or None: only http:// and https:// addresses with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http:// or https:// address"
    if any(c.isspace() or not c.isprintable() for c in url):
        return f"{url!r} has spaces or control characters (encode them)"
    return None


def _seconds_problem(value: float, highest: float) -> str | None:
    if 0 < value <= highest:  # also false for nan
        return None
    return f"expected more than 0 and at most {highest} seconds"


def _delay_problem(value: float) -> str | None:
    if math.isfinite(value) and 0 <= value <= DELAY_LIMIT:
        return None
    return f"expected from 0 to {DELAY_LIMIT} seconds"


def _count_problem(value: int, lowest: int, highest: int) -> str | None:
    return None if lowest <= value <= highest else f"expected from {lowest} to {highest:,}"


def _is_a(value: Any, expected: type | tuple[type, ...]) -> bool:
    """TOML's true and false are Python bools, which are ints too: a bool is only a bool."""
    if isinstance(value, bool):
        return expected is bool
    return isinstance(value, expected)


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(t, t.__name__) for t in types)
