"""SMTP delivery against servers that misbehave, through `digest run` and a real SMTP server on
127.0.0.1: a login that would go out in clear, a server that trickles its replies, content
refusals after DATA, and runs that reach nobody."""

from __future__ import annotations

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import Installation
from mailserver import MailServer
from test_smtp import SECRET, import_subscribers, readers, smtp_config

PASSWORD = {**SECRET, "TEST_SMTP_PASSWORD": "s3cret"}
LOGIN = 'user = "digest"\npassword_env = "TEST_SMTP_PASSWORD"\n'


def test_a_login_over_plaintext_is_refused_unless_the_config_allows_it(installation: Installation) -> None:
    mechanisms: list[str] = []

    def authenticate(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
        mechanisms.append(mechanism)
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"digest", b"s3cret")
        return AuthResult(success=ok, handled=False)

    with pytest.warns(UserWarning, match="AUTH while not requiring TLS"), \
            MailServer(authenticator=authenticate, auth_required=True, auth_require_tls=False) as mail:
        smtp_config(installation, mail.port)
        import_subscribers(installation, ["reader1@example.org,,"])
        smtp_config(installation, mail.port, LOGIN)  # security is "none", the default
        refused = installation.digest("run", env=PASSWORD)
        assert refused.returncode == 2
        assert "[smtp] security: 'none' would send the password of digest in clear" in refused.stderr
        assert refused.stderr.count("\n") == 1
        assert mechanisms == [] and mail.handler.received == []  # nothing reached the server

        smtp_config(installation, mail.port, LOGIN + "allow_plaintext_login = true\n")
        allowed = installation.digest("run", env=PASSWORD)
        assert allowed.returncode == 0, allowed.stderr
        assert "messages: 1 sent" in allowed.stdout
    assert len(mechanisms) == 1 and mail.handler.recipients() == readers(1)
