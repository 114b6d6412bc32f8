"""Who receives the digest by SMTP: adding, removing, listing and importing subscribers.

Rules this module relies on:
- An address must be one mailbox, and the same address in another case is the
  same subscriber (`addresses`).
- A subscriber's themes are names of configured themes; none means every theme.
  Articles in automatically named groups go only to subscribers of every theme.
- An import (`address,name,themes` CSV, themes separated by `;` or `|`) adds and
  updates but never re-activates someone who unsubscribed or bounced. It reads
  what other tools export: comma, semicolon or tab between columns, and their
  names for the columns (`Email Address`, `E-mail`, `邮箱` …).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import Settings
from digest.errors import UsageError
from digest.mail.addresses import display_name, subscriber_key, validate_address
from digest.mail.ledger import Ledger
from digest.mail.tokens import find_subscriber, load_secret, verify_token

LOGGER = logging.getLogger(__name__)

# What separates the themes in an import's `themes` column: `;` (half or full width) or `|`.
_THEME_SEPARATORS = re.compile(r"[;|；]")
# What tools put into header names that does not change their meaning: spaces, hyphens, underscores, dots.
_HEADER_NOISE = re.compile(r"[\s\-_.]+")
DELIMITERS = (",", ";", "\t")
# The header names other tools export, with spaces, hyphens and case taken out (`_HEADER_NOISE`):
# Mailchimp "Email Address", Outlook "E-mail Address", Excel templates in Chinese "邮箱" …
COLUMN_ALIASES = {
    "address": {"address", "email", "emailaddress", "mail", "mailaddress", "emailaddr",
                "邮箱", "邮箱地址", "电子邮箱", "电子邮件", "电子邮件地址", "邮件地址"},
    "name": {"name", "fullname", "displayname", "姓名", "名字", "名称", "称呼"},
    "first name": {"firstname", "givenname"},
    "last name": {"lastname", "surname", "familyname"},
    "themes": {"themes", "theme", "topics", "tags", "主题", "栏目", "订阅主题"},
}
# The start of an unsubscribe mail's subject: any `Re:`/`AW:`/`回复：` prefixes, then `unsubscribe `.
_UNSUBSCRIBE_PREFIX = re.compile(r"^(?:(?:re|aw|回复)\s*[:：]\s*)*unsubscribe\s+", re.IGNORECASE)


@dataclass(frozen=True)
class ImportReport:
    """What an import did, and the lines it refused (with their line numbers)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)


def status_counts(ledger: Ledger) -> Counter[str]:
    """How many subscribers have each status."""
    return Counter(ledger.subscriber_counts())


def validate_themes(themes: list[str], settings: Settings) -> list[str]:
    """The theme names, trimmed and without repeats; an unknown name is a `UsageError`."""
    known = [t.name for t in settings.themes]
    wanted = list(dict.fromkeys(t.strip() for t in themes if t.strip()))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise UsageError(f"unknown theme {', '.join(unknown)}",
                         hint=f"themes in the config: {', '.join(known) or 'none'}")
    return wanted


def add_subscriber(ledger: Ledger, settings: Settings, address: str, name: str = "",
                   themes: list[str] | None = None) -> str:
    """Add (or re-activate and update) one subscriber; returns 'added', 'updated' or 'unchanged'."""
    address = validate_address(address)
    return ledger.save_subscriber(address, display_name(name), validate_themes(themes or [], settings),
                                 reactivate=True)


def remove_subscriber(ledger: Ledger, address: str) -> None:
    """Forget a subscriber; a `UsageError` when there is none with that address."""
    if not ledger.delete_subscriber(address):
        raise UsageError(f"no subscriber {address.strip()}")


def unsubscribe_subscriber(ledger: Ledger, settings: Settings, address_or_token: str) -> str:
    """Mark a subscriber unsubscribed, kept so that no import adds them again; returns the address.

    Takes an address, or what an unsubscribe mail carries: the token, alone or
    as the whole subject line (`unsubscribe TOKEN`). A token is checked against
    the signing secret, so a forged one unsubscribes nobody.
    """
    given = _UNSUBSCRIBE_PREFIX.sub("", address_or_token.strip())
    address = validate_address(given) if "@" in given else _address_of_token(ledger, settings, given)
    if not ledger.set_subscriber_status(address, "unsubscribed"):
        raise UsageError(f"no subscriber {address}")
    return address


def _address_of_token(ledger: Ledger, settings: Settings, token: str) -> str:
    subject = verify_token(load_secret(settings), token)
    if subject is None:
        raise UsageError("not a valid unsubscribe token", hint="copy it whole from the mail's subject")
    subscriber = find_subscriber(ledger, subject)
    if subscriber is None:
        raise UsageError("the unsubscribe token names no current subscriber (removed since it was sent)")
    return subscriber.address


def import_subscribers(ledger: Ledger, settings: Settings, path: Path) -> ImportReport:
    """Add or update every subscriber of a CSV file with an address column (and name, themes).

    A row's empty name or themes cell keeps what the subscriber has; a row that
    repeats an address of an earlier row is refused (the earlier one counts).
    """
    outcomes: Counter[str] = Counter()
    refused = []
    first_line: dict[str, int] = {}
    for line, row in _read_csv(path):
        try:
            address = normalise_address(validate_address(row.get("address") or ""))
            themes = validate_themes(_THEME_SEPARATORS.split(row.get("themes") or ""), settings)
        except UsageError as e:
            refused.append(f"{path.name}:{line}: {e}")
            continue
        if subscriber_key(address) in first_line:
            refused.append(f"{path.name}:{line}: {address} repeats line {first_line[subscriber_key(address)]}, "
                           "which is the one imported")
            continue
        first_line[subscriber_key(address)] = line
        name, themes = _kept_where_empty(ledger, address, display_name(row.get("name") or ""), themes)
        outcomes[ledger.save_subscriber(address, name, themes, reactivate=False)] += 1
    report = ImportReport(added=outcomes["added"], updated=outcomes["updated"], unchanged=outcomes["unchanged"],
                          refused=refused)
    LOGGER.info("imported %s: %d added, %d updated, %d refused", path, report.added, report.updated, len(refused))
    return report


def _kept_where_empty(ledger: Ledger, address: str, name: str, themes: list[str]) -> tuple[str, list[str]]:
    """An empty cell is no instruction: the existing subscriber keeps their name or themes."""
    existing = ledger.subscriber(address)
    if existing is None:
        return name, themes
    return name or existing.name, themes or existing.themes


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs keyed `address`, `name`, `themes`, whatever the exporting tool called them."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise UsageError(f"{path}: cannot read ({e.strerror or e})") from e
    except UnicodeDecodeError as e:
        raise UsageError(f"{path}: not UTF-8 text") from e
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    header = column_names(next(reader, []))
    if "address" not in header:
        raise UsageError(f"{path}: the first line must name the columns, one of them the address",
                         hint="e.g. address,name,themes (email, E-mail, 邮箱 … are understood too)")
    rows = []
    for values in reader:
        if any(v.strip() for v in values):
            row = dict(zip(header, (v.strip() for v in values), strict=False))
            row.setdefault("name", " ".join(filter(None, (row.get("first name"), row.get("last name")))))
            rows.append((reader.line_num, row))
    return rows


def sniff_delimiter(text: str) -> str:
    """The column separator of a CSV export: comma, semicolon or tab, whichever its header line uses most.

    The header decides, not the data: a themes cell holds `;` between its themes.
    """
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=header.count)


def column_names(header: list[str]) -> list[str]:
    """The header's cells as `address`, `name`, `themes` where a known export name says so; others as written."""
    names = []
    for cell in header:
        plain = _HEADER_NOISE.sub("", cell.strip().casefold())
        names.append(next((ours for ours, theirs in COLUMN_ALIASES.items() if plain in theirs),
                          cell.strip().casefold()))
    return names


def normalise_address(address: str) -> str:
    """The address with its domain in lower case (domains are case-blind; local parts, in theory, are not)."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"
