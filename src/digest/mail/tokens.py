"""Signed unsubscribe tokens and the links that carry them.

A token is the subscriber's address and an HMAC-SHA256 of it under a secret
that only the operator holds (taken from the environment variable the config
names, never from the file), so a link cannot be forged for someone else's
address and the server needs no table of issued tokens. Both halves are
base64url without padding: safe in a URL, a query string and a mail subject.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from urllib.parse import quote, urlencode

from digest.config import Settings, secret_problem
from digest.errors import ConfigError
from digest.mail.addresses import subscriber_key

PURPOSE = b"digest-unsubscribe\0"  # binds a token to this one use
MAC_BYTES = 16  # 128 bits: unguessable, and keeps the link short


def load_secret(settings: Settings) -> bytes:
    """The signing secret from the environment; a `ConfigError` naming the variable when it is unset or short."""
    problem = secret_problem(settings.smtp)
    if problem:
        raise ConfigError(problem)
    return os.environ[settings.smtp.secret_env].encode("utf-8")


def make_token(secret: bytes, address: str) -> str:
    """A token that unsubscribes `address` (in whatever case it was typed)."""
    key = subscriber_key(address).encode("utf-8")
    return f"{_b64(key)}.{_b64(_mac(secret, key))}"


def verify_token(secret: bytes, token: str) -> str | None:
    """The subscriber key a genuine token names, or None for a forged or damaged one."""
    body, _, mac = token.strip().partition(".")
    try:
        key = _unb64(body)
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(given, _mac(secret, key)):
        return None
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return None


def unsubscribe_links(settings: Settings, secret: bytes, address: str) -> tuple[str, str | None]:
    """(mailto link, web link or None) for one subscriber.

    The web link exists only when the archive has a public base URL, where
    `digest serve` (or a proxy in front of it) answers `/unsubscribe`.
    """
    token = make_token(secret, address)
    mailbox = settings.smtp.unsubscribe_mailto or _address_of(settings.sender)
    mailto = f"mailto:{mailbox}?subject={quote('unsubscribe ' + token)}"
    if not settings.archive_base_url:
        return mailto, None
    return mailto, f"{settings.archive_base_url}/unsubscribe?{urlencode({'token': token})}"


def _address_of(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender)[1]


def _mac(secret: bytes, key: bytes) -> bytes:
    return hmac.new(secret, PURPOSE + key, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
