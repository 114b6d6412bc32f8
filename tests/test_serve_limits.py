"""A real `digest serve` process against hostile clients over real sockets: idle and slow
connections, long and odd paths, oversized request lines and headers."""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Installation
from mailserver import LOOPBACK, free_port
from test_smtp import SECRET

TIMEOUT = 1  # [serve] timeout of the server under test, in seconds
MAX_CLIENTS = 4
PATIENCE = 60  # how long a test waits for the server before calling it hung


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`digest serve` with a one-second request deadline and four client slots."""
    root = tmp_path_factory.mktemp("serve")
    installation = Installation(root)
    installation.inbox.mkdir()
    installation.write_config(f"[serve]\ntimeout = {TIMEOUT}\nmax_clients = {MAX_CLIENTS}\n")
    port = free_port()
    process = installation.start("serve", "--port", str(port), env=SECRET)
    assert process.stdout is not None
    assert process.stdout.readline().startswith("serving")
    try:
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=PATIENCE)


def exchange(port: int, request: bytes) -> bytes:
    """Send `request` whole and read the reply until the server closes the connection."""
    with socket.create_connection((LOOPBACK, port), timeout=PATIENCE) as client:
        client.sendall(request)
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def get(port: int, path: str, headers: str = "") -> int:
    return status(exchange(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode("latin-1")))


def closed_by_server(client: socket.socket) -> bool:
    """Wait (up to PATIENCE) for the server to end the connection; True when it did."""
    ready, _, _ = select.select([client], [], [], PATIENCE)
    if not ready:
        return False
    try:
        return client.recv(1024) == b""
    except ConnectionResetError:
        return True


def threads_of(process: subprocess.Popen[str]) -> int:
    status_file = Path(f"/proc/{process.pid}/status")
    if not status_file.exists():
        pytest.skip("needs /proc to count the server's threads")
    line = next(x for x in status_file.read_text().splitlines() if x.startswith("Threads:"))
    return int(line.split()[1])


def test_idle_clients_are_closed_and_do_not_hold_threads(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, process = server
    idle = [socket.create_connection((LOOPBACK, port), timeout=PATIENCE) for _ in range(30)]
    try:
        time.sleep(0.2)  # let the server accept what it will
        assert threads_of(process) <= MAX_CLIENTS + 2  # the main thread, the slots, little else
        assert get(port, "/") == 200  # served once the idle ones' time is up
        assert all(closed_by_server(client) for client in idle)
    finally:
        for client in idle:
            client.close()


def test_a_client_trickling_its_headers_is_cut_off_at_the_deadline(
        server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    with socket.create_connection((LOOPBACK, port), timeout=PATIENCE) as client:
        client.sendall(b"GET / HTTP/1.1\r\n")
        sent = 0
        while sent < 10 * PATIENCE:  # one byte every 0.1 s: each read is quick, the request never ends
            try:
                client.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            ready, _, _ = select.select([client], [], [], 0.1)
            if ready:
                assert closed_by_server(client)
                break
        assert sent < 10 * PATIENCE, "the server kept reading a request that never ended"


@pytest.mark.parametrize("path", [
    "/" + "a" * 5000,
    "/" + "a" * 5000 + ".html",
    "/" + "a" * 251 + ".html",
    "/..%2f..%2fetc%2fpasswd",
    "/%2e%2e/config.toml",
    "//etc/passwd",
    "/.hidden.html",
    "/var/digest.sqlite3",
    "/digest.html%00.txt",
    "/unsubscribe/../config.toml",
], ids=["5000-chars", "5000-chars-html", "longer-than-a-file-name", "encoded-dots", "encoded-dotdot",
        "double-slash", "dot-file", "state-database", "nul", "dotdot-after-route"])
def test_long_and_odd_paths_are_a_404(server: tuple[int, subprocess.Popen[str]], path: str) -> None:
    port, _ = server
    reply = exchange(port, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status(reply) == 404
    assert "没有这一页".encode() in reply


def test_a_path_with_raw_non_ascii_bytes_is_a_404(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    assert status(exchange(port, "GET /摘要.html HTTP/1.1\r\n\r\n".encode())) == 404


def test_a_request_line_past_8_kb_is_a_414(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    assert get(port, "/" + "a" * 9000) == 414
    assert get(port, "/" + "a" * 40000) == 414  # past the head limit too: the line is cut off


@pytest.mark.parametrize("headers", [
    "".join(f"X-Filler-{n}: {'v' * 1000}\r\n" for n in range(20)),
    "X-Filler: " + "v" * 20000 + "\r\n",
    "".join(f"X-{n}: v\r\n" for n in range(200)),
], ids=["20-headers-of-1-kb", "one-20-kb-header", "200-headers"])
def test_headers_past_the_limits_are_a_431(server: tuple[int, subprocess.Popen[str]], headers: str) -> None:
    port, _ = server
    assert get(port, "/", headers) == 431


def test_an_announced_form_past_4_kb_is_a_413(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    reply = exchange(port, b"POST /unsubscribe HTTP/1.1\r\nContent-Length: 1000000000\r\n\r\ntoken=x")
    assert status(reply) == 413


def test_a_request_without_a_version_or_with_garbage_gets_an_error_not_a_hang(
        server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    tls_hello = exchange(port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n")
    assert b"Error code: 400" in tls_hello  # no version, so the stdlib answers without a status line
    # HTTP/0.9 has no headers, but the stdlib waits for them: the deadline closes it, silently.
    assert exchange(port, b"GET /\r\n") == b""


def test_the_server_still_answers_after_all_that(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, process = server
    assert get(port, "/") == 200
    assert process.poll() is None


def test_serve_with_a_bad_serve_setting_refuses_to_start(installation: Installation) -> None:
    installation.write_config("[serve]\nmax_clients = 0\n")
    result = subprocess.run([sys.executable, "-m", "digest", "serve", "--port", str(free_port())],
                            cwd=installation.root, capture_output=True, text=True, timeout=PATIENCE,
                            env={**SECRET, "PATH": ""})
    assert result.returncode == 2
    assert "[serve] max_clients: must be at least 1" in result.stderr
