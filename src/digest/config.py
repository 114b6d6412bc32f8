"""Load and validate `config.toml` into one `Settings` object.

Packaged defaults sit under the user's file: every key is optional, so an
empty file (or none at all) gives the embedded defaults — SQLite state and an
outbox folder beside the config. Paths in the file are relative to the file.
Every problem is reported with the file and the key's dotted path, all in one
`ConfigError`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import ConfigError
from digest.mail.addresses import address_problem
from digest.models import ThemeRule
from digest.postgres import url_problem as postgres_url_problem
from digest.schedule import cron_problem
from digest.source_settings import SourceSettings, read_sources
from digest.subject import DEFAULT_SUBJECT, subject_problem

CONFIG_ENV = "DIGEST_CONFIG"
DELIVERY_MODES = ("outbox", "smtp")
SMTP_SECURITY = ("starttls", "ssl", "none")
# Counts where 0 or less would silently disable the feature (no summary, never retry, bounce at once).
MUST_BE_POSITIVE = (
    ("summary", "sentences"),
    ("digest", "max_issues_per_digest"),
    ("summary", "max_chars"),
    ("output", "max_html_kb"),
    ("smtp", "max_attempts"),
    ("smtp", "bounce_after"),
    ("serve", "max_clients"),
    ("worker", "batch"),
)
# Seconds and rates: finite, more than 0, and at most a bound past which the value is a typo that
# would hang a run or overflow a socket timeout. 600 s is RFC 5321's longest wait for a reply
# (4.5.3.2); a message may take several replies; a batch must end well within a day, when the
# retries of a scheduled run are due again.
DURATION_LIMITS = (
    ("smtp", "timeout", 600),
    ("smtp", "message_timeout", 3600),
    ("smtp", "batch_timeout", 86400),
    ("serve", "timeout", 300),
    ("worker", "lease_seconds", 86400),
)
# The inbox's bounds: a day of settling is surely a typo; 1 GB is far past any page or newsletter.
INBOX_LIMITS = (("settle_seconds", 86400), ("max_issue_mb", 1000))
# Messages per second when limited: from one every 1000 s (slower would never finish a list) to
# 10,000 (faster is no limit at all).
RATE_LIMITS = (0.001, 10_000)
# Connections open at once while sending: a mail server commonly allows a client around ten, and
# beyond a few the server, not the number of connections, limits the rate.
MAX_CONNECTIONS = 16
# A URL as RFC 3986 writes it: only unreserved, reserved and percent characters, so it can go
# between <> in a List-Unsubscribe header and into an href unchanged.
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
# A host name or address literal: no spaces, no slashes or control characters.
_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]_]{1,253}$")

# section -> key -> (expected type(s), default). Paths are strings resolved later.
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "digest": {
        "title": (str, "理论周报摘要"),
        "sender": (str, "digest <digest@localhost>"),
        "to": (str, "subscribers@localhost"),
        "timezone": (str, "Asia/Shanghai"),
        "language": (str, "zh-CN"),
        "subject": (str, DEFAULT_SUBJECT),
        "max_issues_per_digest": (int, 50),
        "processes": (int, 0),
    },
    "inbox": {
        "folder": (str, "inbox"),
        "patterns": (list, ["*.txt", "*.html", "*.htm", "*.eml", "*.mbox", "*.pdf"]),
        "name": (str, ""),
        "settle_seconds": ((int, float), 60),
        "max_issue_mb": ((int, float), 20),
    },
    "state": {
        "database": (str, "var/digest.sqlite3"),
        "url": (str, ""),  # postgresql://… : the state on a PostgreSQL server instead of the SQLite file
    },
    "worker": {
        "batch": (int, 100),  # deliveries one `digest send --worker` claims at a time
        "lease_seconds": ((int, float), 300),  # how long a claim keeps others off; a dead worker's rows wait this long
    },
    "output": {
        "outbox": (str, "outbox"),
        "archive": (str, "var/archive"),
        "preview": (str, "var/preview"),
        "templates": (str, ""),
        "max_html_kb": (int, 75),
    },
    "archive": {
        "base_url": (str, ""),
    },
    "schedule": {
        "cron": (str, "0 7 * * 1"),
    },
    "delivery": {
        "mode": (str, "outbox"),
        "review": (bool, False),
    },
    "smtp": {
        "host": (str, "localhost"),
        "port": (int, 25),
        "security": (str, "none"),
        "user": (str, ""),
        "password_env": (str, "DIGEST_SMTP_PASSWORD"),
        "allow_plaintext_login": (bool, False),
        "timeout": ((int, float), 30),
        "message_timeout": ((int, float), 120),
        "batch_timeout": ((int, float), 3600),
        "rate_per_second": ((int, float), 0),
        "connections": (int, 2),
        "max_attempts": (int, 5),
        "bounce_after": (int, 3),
        "unsubscribe_mailto": (str, ""),
        "secret_env": (str, "DIGEST_SECRET"),
    },
    "serve": {
        "timeout": ((int, float), 10),
        "max_clients": (int, 16),
        "editor_secret_env": (str, "DIGEST_EDITOR_SECRET"),
    },
    "summary": {
        "sentences": (int, 3),
        "max_chars": (int, 260),
    },
}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand messages to a mail server."""

    host: str
    port: int
    security: str
    user: str
    password_env: str
    allow_plaintext_login: bool  # log in over a connection without TLS; only when the config says so
    timeout: float  # seconds to wait for any one reply
    message_timeout: float  # seconds one message may take, from connecting to the server's last reply
    batch_timeout: float  # seconds a run's sending may take; what is left waits for the next run
    rate_per_second: float  # over all connections together
    connections: int  # at most this many open at once while sending
    max_attempts: int
    bounce_after: int
    unsubscribe_mailto: str
    secret_env: str


@dataclass(frozen=True)
class ServeSettings:
    """How `digest serve` bounds its clients."""

    timeout: float  # seconds a client has to send its whole request (and each reply may take)
    max_clients: int  # requests served at once; further connections wait to be accepted
    editor_secret_env: str = "DIGEST_EDITOR_SECRET"  # the editor page's password; no editor page without it


@dataclass(frozen=True)
class WorkerSettings:
    """How `digest send --worker` shares a digest's deliveries with the other workers."""

    batch: int  # deliveries claimed at a time
    lease_seconds: float  # a claim's length: the longest a dead worker's rows wait for another


@dataclass(frozen=True)
class Settings:
    """Every setting of one `digest` installation, paths already absolute."""

    config_path: Path | None
    title: str
    sender: str
    to: str
    timezone: str
    inbox: Path
    patterns: list[str]
    max_issues_per_digest: int  # a larger backlog goes out as several digests, this many issues each
    settle_seconds: float  # a file is taken once unchanged this long: it may still be being copied
    max_issue_bytes: int  # a larger issue file is refused in one line, never read
    database: Path
    state_url: str  # a postgresql:// URL, or "" for the SQLite file `database`
    outbox: Path
    archive: Path
    preview: Path
    templates: Path | None
    max_html_bytes: int
    archive_base_url: str
    cron: str
    delivery_mode: str
    smtp: SmtpSettings
    serve: ServeSettings
    worker: WorkerSettings
    summary_sentences: int
    summary_max_chars: int
    themes: list[ThemeRule] = field(default_factory=list)
    sources: list[SourceSettings] = field(default_factory=list)  # [[sources]]: feeds and mailboxes
    subject: str = DEFAULT_SUBJECT  # the `[digest] subject` template (`digest.subject`)
    review: bool = False  # `[delivery] review`: runs build drafts for an editor to send (`digest.drafts`)
    issue_name: str = ""  # what the digest calls an issue that names itself nowhere ([inbox] name)
    processes: int = 0  # worker processes for a backlog; 0: one per core this process may use

    @property
    def lock_path(self) -> Path:
        return self.database.with_name(self.database.name + ".lock")


def find_config(explicit: str | Path | None = None) -> Path | None:
    """The config file to use: --config, then $DIGEST_CONFIG, then ./config.toml."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    local = Path("config.toml")
    return local if local.exists() else None


def load_settings(explicit: str | Path | None = None) -> Settings:
    """Find, read and validate the configuration."""
    path = find_config(explicit)
    if path is None:
        return build_settings({}, None)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: config file not found") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror or e})") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from e
    return build_settings(raw, path)


def build_settings(raw: dict[str, Any], path: Path | None) -> Settings:
    """Validate a parsed TOML document and resolve it into `Settings`."""
    label = str(path) if path else "defaults"
    problems = _schema_problems(raw)
    values = {section: _section_values(section, raw.get(section, {})) for section in SCHEMA}
    themes, theme_problems = _themes(raw.get("themes", []))
    problems += theme_problems
    sources, source_problems = read_sources(raw.get("sources", []))
    problems += source_problems
    problems += _value_problems(values)
    if problems:
        raise ConfigError(f"{label}: " + "; ".join(problems))
    base = path.resolve().parent if path else Path.cwd()
    return replace(_settings_from(values, themes, base, path), sources=sources)


def _schema_problems(raw: dict[str, Any]) -> list[str]:
    problems = []
    for section, table in raw.items():
        if section in ("themes", "sources"):
            continue
        if section not in SCHEMA:
            problems.append(f"[{section}]: unknown section")
            continue
        if not isinstance(table, dict):
            problems.append(f"[{section}]: expected a table")
            continue
        for key, value in table.items():
            if key not in SCHEMA[section]:
                problems.append(f"[{section}] {key}: unknown key")
                continue
            expected = SCHEMA[section][key][0]
            if not _is_a(value, expected):
                problems.append(f"[{section}] {key}: expected {_type_name(expected)}, got {type(value).__name__}")
    return problems


def _is_a(value: Any, expected: type | tuple[type, ...]) -> bool:
    """TOML's true and false are Python bools, which are ints too: a bool is only a bool."""
    if isinstance(value, bool):
        return expected is bool
    return isinstance(value, expected)


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list", bool: "true or false"}
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(t, t.__name__) for t in types)


def _section_values(section: str, table: Any) -> dict[str, Any]:
    values = {key: default for key, (_, default) in SCHEMA[section].items()}
    if isinstance(table, dict):
        for key, value in table.items():
            expected = SCHEMA[section].get(key, (object,))[0]
            if key in values and _is_a(value, expected):
                values[key] = value
    return values


def _themes(raw: Any) -> tuple[list[ThemeRule], list[str]]:
    if not isinstance(raw, list):
        return [], ["themes: expected an array of tables ([[themes]])"]
    themes, problems = [], []
    for i, table in enumerate(raw):
        where = f"[[themes]] #{i + 1}"
        if not isinstance(table, dict):
            problems.append(f"{where}: expected a table")
            continue
        unknown = set(table) - {"name", "keywords"}
        problems += [f"{where} {key}: unknown key" for key in sorted(unknown)]
        name, keywords = table.get("name"), table.get("keywords", [])
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where} name: expected a non-empty string")
            continue
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            problems.append(f"{where} keywords: expected a list of strings")
            continue
        themes.append(ThemeRule(name=name.strip(), keywords=[k.strip() for k in keywords if k.strip()]))
    return themes, problems


def _value_problems(values: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    try:
        ZoneInfo(values["digest"]["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"[digest] timezone: unknown time zone {values['digest']['timezone']!r}")
    if not all(isinstance(p, str) and p for p in values["inbox"]["patterns"]):
        problems.append("[inbox] patterns: expected a list of file patterns such as \"*.txt\"")
    cron_error = cron_problem(values["schedule"]["cron"], values["digest"]["timezone"])
    if cron_error:
        problems.append(f"[schedule] cron: {cron_error}")
    if problem := subject_problem(values["digest"]["subject"]):
        problems.append(f"[digest] subject: {problem}")
    if values["delivery"]["mode"] not in DELIVERY_MODES:
        problems.append(f"[delivery] mode: expected one of {', '.join(DELIVERY_MODES)}")
    if values["smtp"]["security"] not in SMTP_SECURITY:
        problems.append(f"[smtp] security: expected one of {', '.join(SMTP_SECURITY)}")
    for section, key in MUST_BE_POSITIVE:
        if values[section][key] < 1:
            problems.append(f"[{section}] {key}: must be at least 1")
    if not 0 < values["smtp"]["port"] < 65536:
        problems.append("[smtp] port: expected a port number from 1 to 65535")
    return problems + _number_problems(values) + _address_problems(values) + _connection_problems(values)


def _number_problems(values: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for section, key, highest in DURATION_LIMITS:
        if not 0 < values[section][key] <= highest:  # also false for nan
            problems.append(f"[{section}] {key}: expected more than 0 and at most {highest} seconds")
    for key, highest in INBOX_LIMITS:
        if not 0 <= values["inbox"][key] <= highest:  # also false for nan
            problems.append(f"[inbox] {key}: expected from 0 to {highest:,}")
    if values["inbox"]["max_issue_mb"] == 0:
        problems.append("[inbox] max_issue_mb: must be more than 0")
    if values["digest"]["processes"] < 0:
        problems.append("[digest] processes: expected 0 (one per core) or a number of processes")
    lease, message_timeout = values["worker"]["lease_seconds"], values["smtp"]["message_timeout"]
    if lease <= message_timeout:  # a worker starts a message only if it ends within the lease
        problems.append(f"[worker] lease_seconds: must be longer than [smtp] message_timeout ({message_timeout:g} s)")
    rate, (lowest, highest) = values["smtp"]["rate_per_second"], RATE_LIMITS
    if not (rate == 0 or lowest <= rate <= highest):
        problems.append(f"[smtp] rate_per_second: expected 0 (no limit) or from {lowest} to {highest:,} "
                        "messages per second")
    if not 1 <= values["smtp"]["connections"] <= MAX_CONNECTIONS:
        problems.append(f"[smtp] connections: expected from 1 to {MAX_CONNECTIONS}")
    return problems


def _address_problems(values: dict[str, dict[str, Any]]) -> list[str]:
    """The sender and the outbox copy's To are each one mailbox; the unsubscribe mailbox a bare address."""
    wanted = [("digest", "sender", True), ("digest", "to", True)]
    if values["smtp"]["unsubscribe_mailto"]:
        wanted.append(("smtp", "unsubscribe_mailto", False))
    problems = []
    for section, key, named in wanted:
        problem = mailbox_problem(values[section][key], named=named)
        if problem:
            problems.append(f"[{section}] {key}: {values[section][key]!r} is not an email address ({problem})")
    return problems


def mailbox_problem(value: str, *, named: bool = True) -> str | None:
    """What is wrong with a configured `Name <local@domain>` (or bare `local@domain`), or None.

    The whole value must be that one mailbox: the address parser would otherwise take the
    first of a list, or the member of a group such as `mailto:x@y`, and drop the rest. A
    one-label domain such as `localhost` is allowed here (the defaults use it); subscribers'
    addresses are stricter.
    """
    if any(not c.isprintable() for c in value):
        return "it has a line break or control character"
    text, address = value.strip(), parseaddr(value)[1]
    whole = text == address or (named and text.endswith(f"<{address}>"))
    if not address or not whole:
        return "expected one address such as " + ("'Weekly digest <digest@example.org>'" if named else
                                                  "'unsubscribe@example.org'")
    return address_problem(address, dotted_domain=False)


def _connection_problems(values: dict[str, dict[str, Any]]) -> list[str]:
    smtp, problems = values["smtp"], []
    if not _HOST.match(smtp["host"]):
        problems.append(f"[smtp] host: {smtp['host']!r} is not a host name")
    url_problem = base_url_problem(values["archive"]["base_url"])
    if url_problem:
        problems.append(f"[archive] base_url: {url_problem}")
    state_problem = values["state"]["url"] and postgres_url_problem(values["state"]["url"])
    if state_problem:
        problems.append(f"[state] url: {state_problem}")
    login_problem = plaintext_login_problem(smtp["user"], smtp["security"], smtp["allow_plaintext_login"])
    if login_problem:
        problems.append(f"[smtp] security: {login_problem}")
    return problems


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be the archive's public address (links in every email), or None; empty is fine."""
    if not url:
        return None
    if not _URL_CHARACTERS.match(url):
        return f"{url!r} has characters a URL cannot have (spaces, quotes, <>; encode non-ASCII names)"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http:// or https:// address"
    if parts.query or parts.fragment:
        return f"{url!r} has a query or fragment; page names are added after it"
    return None


def plaintext_login_problem(user: str, security: str, allowed: bool) -> str | None:
    """Why logging in as `user` would send the password in clear, unless the config allows it."""
    if not user or security != "none" or allowed:
        return None
    return (f"'none' would send the password of {user} in clear; use starttls or ssl, "
            "or set [smtp] allow_plaintext_login = true for a server on this machine")


def environment_problems(smtp: SmtpSettings) -> list[str]:
    """What SMTP mode needs from the environment and lacks: the token secret, the login password."""
    return [p for p in (secret_problem(smtp), password_problem(smtp)) if p]


def secret_problem(smtp: SmtpSettings) -> str | None:
    """Why the unsubscribe tokens' secret cannot be read from `[smtp] secret_env`, or None."""
    if len(os.environ.get(smtp.secret_env, "")) >= 16:
        return None
    return (f"environment variable {smtp.secret_env} must hold the unsubscribe secret (16+ characters, "
            "e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe())'`)")


def password_problem(smtp: SmtpSettings) -> str | None:
    """Why the login password cannot be read from `[smtp] password_env` when a user is set, or None."""
    if not smtp.user or os.environ.get(smtp.password_env):
        return None
    return (f"[smtp] user is set but environment variable {smtp.password_env} is empty "
            "(export the password in that variable; it never goes in the config file)")


def _settings_from(values: dict[str, dict[str, Any]], themes: list[ThemeRule], base: Path,
                   path: Path | None) -> Settings:
    def resolve(value: str) -> Path:
        return (base / Path(value).expanduser()).resolve()

    out, smtp = values["output"], values["smtp"]
    return Settings(
        config_path=path.resolve() if path else None,
        title=values["digest"]["title"],
        sender=values["digest"]["sender"],
        to=values["digest"]["to"],
        timezone=values["digest"]["timezone"],
        inbox=resolve(values["inbox"]["folder"]),
        patterns=list(values["inbox"]["patterns"]),
        settle_seconds=values["inbox"]["settle_seconds"],
        max_issues_per_digest=values["digest"]["max_issues_per_digest"],
        max_issue_bytes=int(values["inbox"]["max_issue_mb"] * 1_000_000),
        database=resolve(values["state"]["database"]),
        state_url=values["state"]["url"],
        outbox=resolve(out["outbox"]),
        archive=resolve(out["archive"]),
        preview=resolve(out["preview"]),
        templates=resolve(out["templates"]) if out["templates"] else None,
        max_html_bytes=out["max_html_kb"] * 1000,
        archive_base_url=values["archive"]["base_url"].rstrip("/"),
        cron=values["schedule"]["cron"],
        delivery_mode=values["delivery"]["mode"],
        smtp=SmtpSettings(**{k: smtp[k] for k in SmtpSettings.__dataclass_fields__}),
        serve=ServeSettings(timeout=values["serve"]["timeout"], max_clients=values["serve"]["max_clients"],
                            editor_secret_env=values["serve"]["editor_secret_env"]),
        worker=WorkerSettings(batch=values["worker"]["batch"], lease_seconds=values["worker"]["lease_seconds"]),
        summary_sentences=values["summary"]["sentences"],
        summary_max_chars=values["summary"]["max_chars"],
        themes=themes,
        subject=values["digest"]["subject"],
        review=values["delivery"]["review"],
        issue_name=values["inbox"]["name"].strip(),
        processes=values["digest"]["processes"],
    )
