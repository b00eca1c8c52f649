"""``policykg.kg.nonet``: a process with no network (issue 14, finding 1), and an honest answer when none can be had.

Each case runs in a fresh interpreter: isolating the test process itself would
cut the rest of the suite off its loopback. A listener on 127.0.0.1 in this
process is what an isolated process must not reach. Namespaces refused by the
system (as Docker's default seccomp profile refuses them) are simulated with a
seccomp filter that makes ``unshare`` fail with EPERM.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.kg import nonet

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
GRAPH_TTL = ROOT / "graph" / "docs" / "000_4cdbba2a142b4d11" / "policykg.ttl"

#: Isolate, then report what ``isolate()`` said and whether the parent's listener could be reached.
PROBE = r"""
import json, socket, sys, threading, time
from policykg.kg import nonet
if "--thread" in sys.argv:
    threading.Thread(target=time.sleep, args=(2,), daemon=True).start()
first, again = nonet.isolate(), nonet.isolate()
def reach(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return ""
    except OSError as err:
        return err.strerror or repr(err)
inside = ""
if "--loopback" in sys.argv:
    nonet.loopback_up()
    with socket.create_server(("127.0.0.1", 0)) as server:
        inside = reach(server.getsockname()[1]) or "reached"
print(json.dumps({"protection": first, "again": again, "error": reach(int(sys.argv[1])), "inside": inside}))
"""

#: Run argv[1:] with ``unshare`` refused (EPERM) by a seccomp filter (x86_64 syscall numbers).
DENY_NAMESPACES = r"""
import ctypes, os, sys
class Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Insn))]
# load the syscall number; unshare (272) -> errno EPERM; anything else -> allow
program = (Insn * 4)(Insn(0x20, 0, 0, 0), Insn(0x15, 0, 1, 272), Insn(0x06, 0, 0, 0x00050001),
                     Insn(0x06, 0, 0, 0x7FFF0000))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(38, 1, 0, 0, 0) or libc.prctl(22, 2, ctypes.byref(Prog(4, program)), 0, 0):
    sys.exit("seccomp: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
"""

needs_linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="network namespaces are Linux only")
needs_seccomp = pytest.mark.skipif(platform.machine() != "x86_64" or not sys.platform.startswith("linux"),
                                   reason="the seccomp filter uses x86_64 syscall numbers")


class Listener:
    """A loopback listener in the test process: ``port``, and ``arrived()`` counts connections made to it."""

    def __init__(self, server: socket.socket) -> None:
        self.server = server
        self.port = server.getsockname()[1]
        server.setblocking(False)

    def arrived(self) -> int:
        count = 0
        while True:
            try:
                self.server.accept()[0].close()
            except BlockingIOError:
                return count
            count += 1


@pytest.fixture
def listener():
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield Listener(server)


def denied(argv: list[str]) -> list[str]:
    """``argv`` run where the system refuses every namespace."""
    return [sys.executable, "-c", DENY_NAMESPACES, *argv]


def probe(listener: Listener, *flags: str, prefix: tuple[str, ...] = (), wrap=None) -> dict:
    argv = [*prefix, sys.executable, "-c", PROBE, str(listener.port), *flags]
    done = subprocess.run(wrap(argv) if wrap else argv, capture_output=True, text=True, env=ENV, cwd="/",
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return {**json.loads(done.stdout), "arrived": listener.arrived()}


# ------------------------------------------------------------------ isolate()


@needs_linux
def test_nonet_root_gets_a_network_namespace(listener):
    if os.geteuid() != 0:
        pytest.skip("needs root (the unprivileged path is tested below)")
    found = probe(listener)
    assert found["protection"] == found["again"] == nonet.NETNS
    assert (found["error"], found["arrived"]) == ("Network is unreachable", 0)
    assert nonet.is_isolated(found["protection"])


@needs_linux
def test_nonet_an_unprivileged_user_gets_a_user_namespace(listener):
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run the probe as nobody")
    found = probe(listener, prefix=(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"))
    if not nonet.is_isolated(found["protection"]):
        pytest.skip(f"unprivileged user namespaces are disabled here: {found['protection']}")
    assert found["protection"] == nonet.USERNS
    assert (found["error"], found["arrived"]) == ("Network is unreachable", 0)


@needs_seccomp
def test_nonet_refused_namespaces_say_guard_only_and_why(listener):
    found = probe(listener, wrap=denied)
    assert found["protection"].startswith("query guard only: network namespaces refused (Operation not permitted")
    assert (found["error"], found["arrived"]) == ("", 1)  # honest: the network is still there, and it says so
    assert not nonet.is_isolated(found["protection"])


@needs_linux
def test_nonet_refuses_when_threads_already_run(listener):
    """A namespace holds only the calling thread: with another thread running, claiming isolation would lie."""
    found = probe(listener, "--thread")
    assert found["protection"] == "query guard only: 2 threads already run, and a namespace would hold only one"
    assert (found["error"], found["arrived"]) == ("", 1)


@needs_linux
def test_nonet_loopback_comes_up_inside_and_the_host_stays_out(listener):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    found = probe(listener, "--loopback")
    assert found["inside"] == "reached"  # what the engine launcher relies on
    assert (found["error"], found["arrived"]) == ("Connection refused", 0)  # its own loopback, not ours


def test_nonet_import_loads_nothing_more():
    """``policykg query`` imports it on every run: no module beyond itself, its package's empty ``__init__`` (and ``__future__``, which every
    policykg module loads) until it isolates."""
    code = ("import sys; before = set(sys.modules); import policykg.kg.nonet; "
            "print(sorted(set(sys.modules) - before - {'policykg', 'policykg.kg', 'policykg.kg.nonet', '__future__'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


# ------------------------------------------------------------------ what the commands say


@needs_seccomp
def test_nonet_query_notes_refused_isolation_for_user_text_only():
    def query(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(denied([sys.executable, "-m", "policykg.cli", "query", *argv, "--graph", str(GRAPH_TTL)]),
                              capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)

    own = query("-e", "ASK { ?s ?p ?o }")
    assert (own.returncode, own.stdout) == (0, "true\n")
    lines = own.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("policykg: note: ") and "query guard only" in lines[0], own.stderr
    stored = query("key_tasks", "--format", "csv")
    assert stored.returncode == 0 and stored.stderr == "", stored.stderr
    plain = subprocess.run([sys.executable, "-m", "policykg.cli", "query", "-e", "ASK { ?s ?p ?o }", "--graph",
                            str(GRAPH_TTL)], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert (plain.returncode, plain.stderr) == (0, "")  # isolated: nothing to say


def serve_startup(argv: list[str]) -> tuple[str, str]:
    """Start ``policykg serve`` (through ``argv``'s wrapper), read its start-up lines, stop it."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("Press Ctrl-C")):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    return "\n".join(lines), err


@needs_seccomp
@pytest.mark.slow
def test_nonet_serve_says_which_protection_is_in_force():
    command = [sys.executable, "-m", "policykg.cli", "serve", "--graph", str(GRAPH_TTL), "--port", "0"]
    out, err = serve_startup(command)
    assert "Protection:      network namespace" in out or "Protection:      user + network namespace" in out, out
    assert "query engine protection: " in err and "second layer" in err
    out, err = serve_startup(denied(command))
    assert "Protection:      query guard only: network namespaces refused (Operation not permitted" in out, out
    assert "SERVICE is refused by the query guard" in out
    assert "query engine protection: query guard only" in err
