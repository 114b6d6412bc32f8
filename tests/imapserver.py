"""A real Dovecot IMAP server on the loopback interface, with a private config under a temporary
folder: one passwd-file user, a Maildir, plaintext login allowed (loopback only, no TLS). And a TCP
proxy in front of it that can cut the connection in the middle of a fetch."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

LOOPBACK = "127.0.0.1"
USER, PASSWORD = "reader", "imap-test-password"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
START_WAIT = 20  # seconds Dovecot may take to listen


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def mail_owner() -> tuple[int, int]:
    """Who owns the mail: Dovecot never runs a mail process as root, so under root it is nobody."""
    import pwd

    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def dovecot_config(root: Path, port: int, tls: bool = False) -> str:
    """A Dovecot 2.3 config that keeps everything under `root` and listens on 127.0.0.1 only.

    With `tls` it speaks IMAP over TLS only (port 993 style), with a self-signed certificate.
    """
    uid, gid = mail_owner()
    imap_port, imaps_port = (0, port) if tls else (port, 0)
    ssl = f"ssl = required\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem" if tls else "ssl = no"
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {LOOPBACK}
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
default_login_user = {_login_user()}
default_internal_user = {_login_user()}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {LOOPBACK}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {LOOPBACK}
    port = {imaps_port}
  }}
}}
service auth {{
  user = {_runner()}
}}
service auth-worker {{
  user = {_runner()}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def _runner() -> str:
    """Whoever runs the tests: the auth processes must read the passwd file in the private folder."""
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _login_user() -> str:
    """The unprivileged user Dovecot's login processes run as: the package's, else whoever runs the tests."""
    import pwd

    for name in ("dovenull", "dovecot"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    return pwd.getpwuid(os.getuid()).pw_name


class Dovecot:
    """Dovecot started on a free port with its config, Maildir and user in a private folder; stop() ends it.

    The folder is a fresh one under the system's temporary folder rather than pytest's tmp_path:
    the mail processes run as the mail's owner (nobody, under root) and must reach it, which
    pytest's owner-only folders do not let them.
    """

    def __init__(self, tls: bool = False) -> None:
        if not Path(DOVECOT).exists():
            raise RuntimeError("dovecot is not installed: the IMAP tests need it (apt-get install dovecot-imapd)")
        self.root = root = Path(tempfile.mkdtemp(prefix="digest-dovecot-"))
        root.chmod(0o755)
        self.port = free_port()
        for folder in ("run", "state", "home", "mail"):
            (root / folder).mkdir(mode=0o755)
        for folder in ("home", "mail"):
            os.chown(root / folder, *mail_owner())
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        self.config = root / "dovecot.conf"
        if tls:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", f"/CN={LOOPBACK}", "-keyout", str(root / "key.pem"),
                            "-out", str(root / "cert.pem")], check=True, capture_output=True, timeout=60)
        self.config.write_text(dovecot_config(root, self.port, tls))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / USER

    def start(self) -> Dovecot:
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self._log()}")
            try:
                socket.create_connection((LOOPBACK, self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not listen on {self.port} within {START_WAIT} s: {self._log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _log(self) -> str:
        log = self.root / "dovecot.log"
        stderr = self.process.stderr.read().decode(errors="replace") if self.process and self.process.stderr else ""
        return stderr + (log.read_text(errors="replace")[-2000:] if log.exists() else "")

    def deliver(self, message: bytes, name: str) -> None:
        """Put a mail in the user's INBOX the way a delivery agent does: into Maildir/new."""
        for folder in (self.maildir, *(self.maildir / sub for sub in ("cur", "new", "tmp"))):
            folder.mkdir(exist_ok=True)
            os.chown(folder, *mail_owner())
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(message)
        os.chown(tmp, *mail_owner())
        tmp.rename(self.maildir / "new" / name)

    def renumber(self) -> None:
        """Make Dovecot forget its UIDs, as a restored or rebuilt mailbox does: a new UIDVALIDITY."""
        for path in self.maildir.glob("dovecot*"):
            path.unlink()
        for path in (self.maildir / "cur").iterdir():
            path.rename(self.maildir / "new" / path.name.partition(":")[0])


class CuttingProxy:
    """Relays TCP to `port`; with `cut_at = n` it closes both sides just before the n-th FETCH reply."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.cut_at: int | None = None
        self.listener = socket.create_server((LOOPBACK, 0))
        self.port = int(self.listener.getsockname()[1])
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection((LOOPBACK, self.target))
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, replies: bool) -> None:
        seen, buffer = 0, b""
        try:
            while data := source.recv(65536):
                if replies and self.cut_at is not None:
                    buffer = (buffer + data)[-64:]
                    seen += data.count(b" FETCH (")
                    if seen >= self.cut_at:
                        head = data[:data.find(b" FETCH (")] if b" FETCH (" in data else data
                        sink.sendall(head[:max(0, len(head) - 12)])  # not even the reply's "* n" reaches it
                        self.cuts += 1
                        raise OSError("cut")
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def close(self) -> None:
        self.listener.close()
