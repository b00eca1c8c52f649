"""``policykg push`` against servers that misbehave, and inputs that are malformed (issue 14, finding 7).

The servers are a few lines of stdlib sockets on 127.0.0.1, each answering every
request its own way: trickling bytes, streaming an endless body, a garbage status
line, 503 then 201, a connection reset then 201. Push runs in a fresh process with
its address space capped, so a push that reads without bound fails fast instead of
taking the machine's memory; every run must end in bounded time.
"""

from __future__ import annotations

import resource
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from policykg.cli import main

ROOT = Path(__file__).resolve().parents[1]
#: Address space allowed to a push process: far more than it needs, far less than an endless body fills.
MEMORY_CAP = 1 << 30
GRAPHS = ("urn:x:g1", "urn:x:g2")


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """A corpus.nq of two named graphs, written by hand (push needs no builder)."""
    lines = [f'<urn:x:s{i}> <urn:x:p> "值 {i}" <{g}> .' for g in GRAPHS for i in range(3)]
    (tmp_path / "corpus.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


class Server:
    """A listener on 127.0.0.1 that reads each request whole, then lets ``behave(conn, n)`` answer it;
    ``n`` counts the connections from 0."""

    def __init__(self, behave) -> None:
        self.behave, self.connections, self.heads = behave, 0, []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/store"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            n, self.connections = self.connections, self.connections + 1
            threading.Thread(target=self._answer, args=(conn, n), daemon=True).start()

    def _answer(self, conn: socket.socket, n: int) -> None:
        with conn:
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536) or b"\r\n\r\n"
                head, _, body = head.partition(b"\r\n\r\n")
                self.heads.append(head)
                length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), b"0"))
                while len(body) < length:
                    body += conn.recv(65536)
                self.behave(conn, n)
            except OSError:
                pass                                   # the client gave up: what these servers wait for

    def close(self) -> None:
        self.sock.close()


@pytest.fixture()
def serve():
    servers = []

    def start(behave) -> Server:
        servers.append(Server(behave))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def created(conn, n) -> None:
    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def push_cli(url: str, corpus: Path, *extra, limit: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    """``policykg push`` in a fresh process with its memory capped: (result, seconds taken).

    The named graphs only (``--default-graph none``): each server here misbehaves on the first graph sent."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "policykg.cli", "push", url, "--graph", str(corpus),
                           "--default-graph", "none", *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=limit, preexec_fn=cap)
    return done, time.monotonic() - start


def one_line(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 2, done.stderr
    err = done.stderr
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert all(w in err for w in words), err
    return err


# ---------------------------------------------------------------- servers that misbehave


def trickle_head(conn, n) -> None:
    conn.sendall(b"HTTP/1.1 201 Created\r\n")
    while True:                                        # a header line that never ends, a byte at a time
        conn.sendall(b"X")
        time.sleep(0.3)


def trickle_body(conn, n) -> None:
    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 100000\r\n\r\n")
    while True:
        conn.sendall(b".")
        time.sleep(0.3)


@pytest.mark.parametrize("behave", [trickle_head, trickle_body])
def test_a_trickling_server_meets_the_total_deadline(serve, corpus, behave):
    server = serve(behave)
    done, took = push_cli(server.url, corpus, "--timeout", "2", limit=30)
    one_line(done, "time limit", "<urn:x:g1>", "after 0 graph(s) sent")
    assert took < 10 and server.connections == 1          # a timeout spends the graph's time: not retried


def endless_close_delimited(conn, n) -> None:
    conn.sendall(b"HTTP/1.1 201 Created\r\nConnection: close\r\n\r\n")
    block = b"x" * 65536
    while True:
        conn.sendall(block)


def endless_chunked(conn, n) -> None:
    conn.sendall(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"10000\r\n" + b"x" * 65536 + b"\r\n"
    while True:
        conn.sendall(block)


@pytest.mark.parametrize("behave", [endless_close_delimited, endless_chunked])
def test_an_endless_body_is_an_error_in_bounded_memory(serve, corpus, behave):
    server = serve(behave)
    done, took = push_cli(server.url, corpus, "--timeout", "20")
    one_line(done, "longer than 64 KiB", "<urn:x:g1>")
    assert took < 15


def test_a_garbage_status_line_is_one_line(serve, corpus):
    server = serve(lambda conn, n: conn.sendall(b"SPAM SPAM SPAM\r\n\r\n"))
    done, _ = push_cli(server.url, corpus, "--timeout", "10")
    one_line(done, "not HTTP", "<urn:x:g1>")


def test_503_then_201_is_retried(serve, corpus):
    def busy_once(conn, n) -> None:
        if n == 0:
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 4\r\n"
                         b"Connection: close\r\n\r\nbusy")
        else:
            created(conn, n)
    server = serve(busy_once)
    done, _ = push_cli(server.url, corpus, "--timeout", "20")
    assert done.returncode == 0, done.stderr
    assert server.connections == len(GRAPHS) + 1
    assert "pushed 2 graphs (6 triples)" in done.stdout and "1 of them after more than one try" in done.stdout


def test_a_connection_reset_then_201_is_retried(serve, corpus):
    def reset_once(conn, n) -> None:
        if n == 0:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))   # close = RST
            return
        created(conn, n)
    server = serve(reset_once)
    done, _ = push_cli(server.url, corpus, "--timeout", "20")
    assert done.returncode == 0, done.stderr
    assert server.connections == len(GRAPHS) + 1


def test_a_server_always_503_gets_a_counted_number_of_tries(serve, corpus):
    server = serve(lambda conn, n: conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                                b"Connection: close\r\n\r\n"))
    done, took = push_cli(server.url, corpus, "--timeout", "30")
    one_line(done, "503", "3 tries", "after 0 graph(s) sent")
    assert server.connections == 3 and took < 20            # 1 + 2 retries, pauses of 0.5 s and 1 s


def test_no_server_listening_is_tried_again_then_one_line(corpus, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                          # nothing listens there once closed
    assert main(["push", f"http://127.0.0.1:{port}/store", "--graph", str(corpus), "--retries", "1"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot reach the server" in err and "2 tries" in err, err


def test_the_reason_phrase_and_body_are_escaped(serve, corpus, capsys):
    server = serve(lambda conn, n: conn.sendall(
        b"HTTP/1.1 403 \x1b]0;pwned\x07Forbidden\x9b2J\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
        b"no \x1b[2Jentry"))
    assert main(["push", server.url, "--graph", str(corpus), "--timeout", "10"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err, err
    assert "403" in err and "\\x1b]0;pwned\\x07Forbidden" in err and "no \\x1b[2Jentry" in err, err


# ---------------------------------------------------------------- malformed input: one line each


@pytest.mark.parametrize("argv, words", [
    (["--header", "X-A: 1\r\nX-Injected: yes"], "line break"),
    (["--header", "X-A: 1\nX-Injected: yes"], "line break"),
    (["--header", "Bad Name: 1"], "NAME: VALUE"),
    (["--header", "no colon"], "NAME: VALUE"),
    (["--header", "X-A: 值"], "cannot carry"),
    (["--user", "nocolon"], "USER:PASSWORD"),
    (["--user", "a:b\r\nX: y"], "line break"),
    (["--user", "a:\udcff"], "cannot carry"),
])
def test_malformed_options_are_one_line(serve, corpus, capsys, argv, words):
    server = serve(created)
    assert main(["push", server.url, "--graph", str(corpus), *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert server.connections == 0                          # refused before anything was sent


@pytest.mark.parametrize("url, words", [
    ("http://127.0.0.1:9/my store", "space"),
    ("http://127.0.0.1:9/store\r\nX: y", "control character"),
    ("http://127.0.0.1:9/\x1b[2J", "control character"),
    ("http://127.0.0.1:port/store", "cannot be read"),
    ("http://127.0.0.1:99999/store", "cannot be read"),
    ("http://[::1/store", "cannot be read"),
    ("http:///store", "name a host"),
    ("ftp://127.0.0.1/store", "http://"),
    ("http://user:secret@127.0.0.1:9/store", "--user"),
    ("http://例子.测试/store", "ASCII"),
])
def test_malformed_urls_are_one_line(corpus, capsys, url, words):
    assert main(["push", url, "--graph", str(corpus)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and words in err, err
    assert "\x1b" not in err and "secret" not in err, err


def test_a_good_header_and_user_reach_the_server(serve, corpus):
    """--user waits for the server's challenge (401, WWW-Authenticate: Basic), then goes with every request."""
    import base64
    basic = b"Authorization: Basic " + base64.b64encode("admin:秘密".encode())

    def basic_realm(conn, n) -> None:
        if basic in server.heads[n]:
            created(conn, n)
        else:
            conn.sendall(b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="store"\r\n'
                         b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    server = serve(basic_realm)
    assert main(["push", server.url, "--graph", str(corpus), "--header", "X-Token: abc",
                 "--user", "admin:秘密", "--default-graph", "none"]) == 0
    puts = [head for head in server.heads if head.startswith(b"PUT ")]
    assert len(puts) == len(GRAPHS)                          # the challenge came once, to a bodiless HEAD
    assert all(b"\r\nX-Token: abc\r\n" in head and basic in head for head in puts), server.heads
