"""Signed unsubscribe tokens and the links that carry them.

A token is `ID.MAC`: the subscriber's opaque token id (random, kept in the
ledger, never derived from the address) and an HMAC-SHA256 of it under a secret
that only the operator holds (taken from the environment variable the config
names, never from the file). So a link, a proxy's log or a forwarded mail shows
nobody's address, and a token cannot be forged for another subscriber. The MAC
is base64url without padding, the id hex: safe in a URL, a query string and a
mail subject.

Links mailed before token ids named the address itself (`BASE64(ADDRESS).MAC`,
signed for another purpose). They keep working, so nobody who kept an old digest
is stuck with a dead unsubscribe link; changing the secret retires them (and every
other link mailed so far).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote, urlencode

from digest.config import Settings, secret_problem
from digest.errors import ConfigError
from digest.mail.addresses import subscriber_key
from digest.mail.ledger import Ledger, SubscriberRecord

PURPOSE = b"digest-unsubscribe-id\0"  # binds a token to this one use and this form
LEGACY_PURPOSE = b"digest-unsubscribe\0"  # the tokens that carried the address
MAC_BYTES = 16  # 128 bits: unguessable, and keeps the link short


def load_secret(settings: Settings) -> bytes:
    """The signing secret from the environment; a `ConfigError` naming the variable when it is unset or short."""
    problem = secret_problem(settings.smtp)
    if problem:
        raise ConfigError(problem)
    return os.environ[settings.smtp.secret_env].encode("utf-8")


def make_token(secret: bytes, token_id: str) -> str:
    """The token that unsubscribes the subscriber whose token id is `token_id`."""
    return f"{token_id}.{_b64(_mac(secret, PURPOSE, token_id.encode('ascii')))}"


@dataclass(frozen=True)
class TokenSubject:
    """Whom a genuine token names: a subscriber's token id, or (in a link mailed before ids) their key."""

    token_id: str | None = None
    key: str | None = None


def verify_token(secret: bytes, token: str) -> TokenSubject | None:
    """Whom the token names when its signature holds; None for a forged or damaged one."""
    body, _, mac = token.strip().partition(".")
    try:
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        return None
    if body.isascii() and hmac.compare_digest(given, _mac(secret, PURPOSE, body.encode("ascii"))):
        return TokenSubject(token_id=body)
    key = _legacy_key(secret, body, given)
    return TokenSubject(key=key) if key else None


def find_subscriber(ledger: Ledger, subject: TokenSubject) -> SubscriberRecord | None:
    """The subscriber a verified token names, or None when nobody has that id (or address) now."""
    if subject.token_id:
        return ledger.subscriber_by_token(subject.token_id)
    return ledger.subscriber(subject.key) if subject.key else None


def _legacy_key(secret: bytes, body: str, given: bytes) -> str | None:
    """The subscriber key an old, address-carrying token names, when its signature holds."""
    try:
        key = _unb64(body)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(given, _mac(secret, LEGACY_PURPOSE, key)):
        return None
    try:
        return subscriber_key(key.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def unsubscribe_links(settings: Settings, secret: bytes, token_id: str,
                      *, mailbox: str | None = None) -> tuple[str, str | None]:
    """(mailto link, web link or None) for the subscriber with `token_id`.

    The web link exists only when the archive has a public base URL, where
    `digest serve` (or a proxy in front of it) answers `/unsubscribe`. `mailbox`
    is `unsubscribe_mailbox(settings)`, given by a caller that makes many links.
    """
    token = make_token(secret, token_id)
    mailbox = mailbox or unsubscribe_mailbox(settings)
    mailto = f"mailto:{mailbox}?subject={quote('unsubscribe ' + token)}"
    if not settings.archive_base_url:
        return mailto, None
    return mailto, f"{settings.archive_base_url}/unsubscribe?{urlencode({'token': token})}"


def unsubscribe_mailbox(settings: Settings) -> str:
    """Where the mailto unsubscribe link points: `[smtp] unsubscribe_mailto`, else the sender's address."""
    return settings.smtp.unsubscribe_mailto or parseaddr(settings.sender)[1]


def _mac(secret: bytes, purpose: bytes, body: bytes) -> bytes:
    return hmac.new(secret, purpose + body, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
