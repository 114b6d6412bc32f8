"""Load and validate `config.toml` into one `Settings` object.

Packaged defaults sit under the user's file: every key is optional, so an
empty file (or none at all) gives the embedded defaults — SQLite state and an
outbox folder beside the config. Paths in the file are relative to the file.
Every problem is reported with the file and the key's dotted path, all in one
`ConfigError`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import ConfigError
from digest.models import ThemeRule

CONFIG_ENV = "DIGEST_CONFIG"
DELIVERY_MODES = ("outbox", "smtp")
SMTP_SECURITY = ("starttls", "ssl", "none")
# Counts where 0 or less would silently disable the feature (no summary, never retry, bounce at once).
MUST_BE_POSITIVE = (
    ("summary", "sentences"),
    ("summary", "max_chars"),
    ("output", "max_html_kb"),
    ("smtp", "max_attempts"),
    ("smtp", "bounce_after"),
)

# section -> key -> (expected type(s), default). Paths are strings resolved later.
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "digest": {
        "title": (str, "理论周报摘要"),
        "sender": (str, "digest <digest@localhost>"),
        "to": (str, "subscribers@localhost"),
        "timezone": (str, "Asia/Shanghai"),
        "language": (str, "zh-CN"),
    },
    "inbox": {
        "folder": (str, "inbox"),
        "patterns": (list, ["*.txt"]),
    },
    "state": {
        "database": (str, "var/digest.sqlite3"),
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
    },
    "smtp": {
        "host": (str, "localhost"),
        "port": (int, 25),
        "security": (str, "none"),
        "user": (str, ""),
        "password_env": (str, "DIGEST_SMTP_PASSWORD"),
        "timeout": ((int, float), 30),
        "rate_per_second": ((int, float), 0),
        "max_attempts": (int, 5),
        "bounce_after": (int, 3),
        "unsubscribe_mailto": (str, ""),
        "secret_env": (str, "DIGEST_SECRET"),
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
    timeout: float
    rate_per_second: float
    max_attempts: int
    bounce_after: int
    unsubscribe_mailto: str
    secret_env: str


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
    database: Path
    outbox: Path
    archive: Path
    preview: Path
    templates: Path | None
    max_html_bytes: int
    archive_base_url: str
    cron: str
    delivery_mode: str
    smtp: SmtpSettings
    summary_sentences: int
    summary_max_chars: int
    themes: list[ThemeRule] = field(default_factory=list)

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
    problems += _value_problems(values)
    if problems:
        raise ConfigError(f"{label}: " + "; ".join(problems))
    base = path.resolve().parent if path else Path.cwd()
    return _settings_from(values, themes, base, path)


def _schema_problems(raw: dict[str, Any]) -> list[str]:
    problems = []
    for section, table in raw.items():
        if section == "themes":
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
            if not isinstance(value, expected) or isinstance(value, bool):
                problems.append(f"[{section}] {key}: expected {_type_name(expected)}, got {type(value).__name__}")
    return problems


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list"}
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(t, t.__name__) for t in types)


def _section_values(section: str, table: Any) -> dict[str, Any]:
    values = {key: default for key, (_, default) in SCHEMA[section].items()}
    if isinstance(table, dict):
        for key, value in table.items():
            expected = SCHEMA[section].get(key, (object,))[0]
            if key in values and isinstance(value, expected) and not isinstance(value, bool):
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
    from digest.schedule import cron_problem  # late: APScheduler loads only once a config is checked, not on import

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
    if values["delivery"]["mode"] not in DELIVERY_MODES:
        problems.append(f"[delivery] mode: expected one of {', '.join(DELIVERY_MODES)}")
    if values["smtp"]["security"] not in SMTP_SECURITY:
        problems.append(f"[smtp] security: expected one of {', '.join(SMTP_SECURITY)}")
    for section, key in MUST_BE_POSITIVE:
        if values[section][key] < 1:
            problems.append(f"[{section}] {key}: must be at least 1")
    if not 0 < values["smtp"]["port"] < 65536:
        problems.append("[smtp] port: expected a port number from 1 to 65535")
    if values["smtp"]["timeout"] <= 0:
        problems.append("[smtp] timeout: must be more than 0 seconds")
    if values["smtp"]["rate_per_second"] < 0:
        problems.append("[smtp] rate_per_second: must be 0 (no limit) or more")
    return problems


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
        database=resolve(values["state"]["database"]),
        outbox=resolve(out["outbox"]),
        archive=resolve(out["archive"]),
        preview=resolve(out["preview"]),
        templates=resolve(out["templates"]) if out["templates"] else None,
        max_html_bytes=out["max_html_kb"] * 1000,
        archive_base_url=values["archive"]["base_url"].rstrip("/"),
        cron=values["schedule"]["cron"],
        delivery_mode=values["delivery"]["mode"],
        smtp=SmtpSettings(**{k: smtp[k] for k in SmtpSettings.__dataclass_fields__}),
        summary_sentences=values["summary"]["sentences"],
        summary_max_chars=values["summary"]["max_chars"],
        themes=themes,
    )
