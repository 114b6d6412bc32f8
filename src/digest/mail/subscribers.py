"""Who receives the digest by SMTP: adding, removing, listing and importing subscribers.

Rules this module relies on:
- An address must be one mailbox, and the same address in another case is the
  same subscriber (`addresses`).
- A subscriber's themes are names of configured themes; none means every theme.
  Articles in automatically named groups go only to subscribers of every theme.
- An import (`address,name,themes` CSV, themes separated by `;` or `|`) adds and
  updates but never re-activates someone who unsubscribed or bounced.
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
from digest.mail.addresses import display_name, validate_address
from digest.mail.ledger import Ledger
from digest.mail.tokens import find_subscriber, load_secret, verify_token

LOGGER = logging.getLogger(__name__)

# What separates the themes in an import's `themes` column: `;` (half or full width) or `|`.
_THEME_SEPARATORS = re.compile(r"[;|；]")
# The start of an unsubscribe mail's subject: any `Re:`/`AW:`/`回复：` prefixes, then `unsubscribe `.
_UNSUBSCRIBE_PREFIX = re.compile(r"^(?:(?:re|aw|回复)\s*[:：]\s*)*unsubscribe\s+", re.IGNORECASE)


@dataclass(frozen=True)
class ImportReport:
    """What an import did, and the lines it refused (with their line numbers)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)


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
    """Add or update every subscriber of a CSV file with an `address` column (and `name`, `themes`)."""
    outcomes: Counter[str] = Counter()
    refused = []
    for line, row in _read_csv(path):
        try:
            address = validate_address(row.get("address") or "")
            themes = validate_themes(_THEME_SEPARATORS.split(row.get("themes") or ""), settings)
        except UsageError as e:
            refused.append(f"{path.name}:{line}: {e}")
            continue
        outcomes[ledger.save_subscriber(address, display_name(row.get("name") or ""), themes, reactivate=False)] += 1
    report = ImportReport(added=outcomes["added"], updated=outcomes["updated"], unchanged=outcomes["unchanged"],
                          refused=refused)
    LOGGER.info("imported %s: %d added, %d updated, %d refused", path, report.added, report.updated, len(refused))
    return report


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; the header names the columns, in any case, `address` required."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise UsageError(f"{path}: cannot read ({e.strerror or e})") from e
    except UnicodeDecodeError as e:
        raise UsageError(f"{path}: not UTF-8 text") from e
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if "address" not in header:
        raise UsageError(f"{path}: the first line must name the columns, one of them `address`",
                         hint="e.g. address,name,themes")
    return [(reader.line_num, dict(zip(header, (v.strip() for v in values), strict=False)))
            for values in reader if any(v.strip() for v in values)]
