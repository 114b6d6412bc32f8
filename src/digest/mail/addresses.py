"""What a subscriber's address is: the mailbox rules, and which subscriber an address names.

- An address is one mailbox `local@domain` (RFC 5321 sizes: 64 octets of local
  part, 254 in all), a dot-atom local part, and a domain of letters, digits and
  hyphens in dot-separated labels (an internationalised domain must encode to
  IDNA); anything else is refused with the reason, because a bad address only
  comes back as a bounce later.
- The same address in another case is the same subscriber: the ledger finds a
  subscriber, and a token names one, by `subscriber_key`.
"""

from __future__ import annotations

import re

from digest.errors import UsageError

# A dot-atom local part: runs of RFC 5322 atext joined by single dots (no quoted strings).
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
# One DNS label of an (IDNA-encoded) domain: 1-63 letters, digits or hyphens, no hyphen at either end.
_DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def validate_address(address: str) -> str:
    """The address, trimmed, or a `UsageError` saying what is wrong with it."""
    address = address.strip()
    problem = address_problem(address)
    if problem:
        raise UsageError(f"{address!r} is not an email address: {problem}")
    return address


def address_problem(address: str, *, dotted_domain: bool = True) -> str | None:
    """What is wrong with one bare address, or None; `dotted_domain=False` also allows `localhost`."""
    if address.count("@") != 1:
        return "expected exactly one @"
    local, domain = address.split("@")
    if not _LOCAL_PART.match(local) or len(local) > 64:
        return "the part before @ has characters a mailbox name cannot have"
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "the domain cannot be encoded"
    labels = ascii_domain.split(".")
    if len(labels) < 1 + dotted_domain or not all(_DOMAIN_LABEL.match(label) for label in labels):
        return "the domain must be dot-separated names such as example.org"
    if len(address.encode("utf-8")) > 254:
        return "longer than 254 characters"
    return None


def subscriber_key(address: str) -> str:
    """The same address typed in another case is the same subscriber."""
    return address.strip().casefold()


def display_name(name: str) -> str:
    """The name on one line: a line break in a header would start a new header."""
    return " ".join(name.split())
