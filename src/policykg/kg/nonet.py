"""Run without a network: cut this process off, or run the query engine where there is none.

Why
---
Oxigraph executes ``SERVICE <http://…>`` by calling the host it names, and it
has no switch to turn federation off; a query guard
(:mod:`policykg.kg.sparql_guard`) can only ever be as good as our reading of its
grammar. A process in a Linux network namespace of its own has no interface
but a loopback that is down: ``connect()`` fails whatever the query says.
That is protection by construction, and the guard becomes the second layer.

How
---
* :func:`isolate` moves the *calling process* into a new network namespace:
  ``unshare(CLONE_NEWNET)`` when privileged (root), else
  ``unshare(CLONE_NEWUSER | CLONE_NEWNET)`` with the process's own uid and gid
  mapped (an unprivileged user namespace), else nothing. It says which
  protection is in force, and does the work once per process. A namespace is
  per thread, so it refuses (and says why) when other threads already run:
  they would keep the network. ``policykg query`` calls it before it opens the store.
* ``python nonet.py engine …`` is the launcher ``policykg serve`` starts: it
  isolates itself, brings its namespace's loopback up, starts ``oxigraph
  serve-read-only`` on 127.0.0.1 *inside*, and answers each request on an
  inherited Unix socket pair with a socket connected to the engine
  (SCM_RIGHTS). The front keeps its relay, watchdog, restarts and crash gate
  and only gets its connections another way; the engine can reach nothing but
  its own port, and nothing outside can reach it.

Cheap by design: ``policykg query`` imports this module on every run, so it
loads nothing at import time and only ``ctypes`` to isolate (about 3 ms; the
``unshare`` itself under 1 ms). The launcher is run as a script with the
standard library only (``python -I -S``): it starts in milliseconds and does
not depend on how policykg is installed.
"""

from __future__ import annotations

import os
import sys

#: The protections :func:`isolate` reports (a refusal reads ``query guard only: <reason>``).
NETNS = "network namespace"
USERNS = "user + network namespace"
GUARD_ONLY = "query guard only"

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9
_ENGINE_PORT = 7878  # inside a namespace of its own nothing else can hold it
_STARTUP_WAIT_S = 20.0
_CONNECT_TIMEOUT_S = 5.0
_done: str | None = None


def isolate() -> str:
    """Cut this process off the network for good; return the protection in force.

    The first call decides; later calls return the same answer. ``NETNS`` or
    ``USERNS`` when a namespace was entered, else ``"query guard only: <why>"``.
    Threads started afterwards are in the namespace too.
    """
    global _done
    if _done is None:
        _done = _isolate()
    return _done


def is_isolated(protection: str) -> bool:
    """Whether ``protection`` (a value of :func:`isolate`) means the network is out of reach."""
    return protection in (NETNS, USERNS)


def _isolate() -> str:
    if not sys.platform.startswith("linux"):
        return f"{GUARD_ONLY}: network namespaces are a Linux feature"
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError as err:
        return f"{GUARD_ONLY}: cannot count this process's threads ({err.strerror})"
    if threads != 1:
        return f"{GUARD_ONLY}: {threads} threads already run, and a namespace would hold only one"
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError, ImportError) as err:
        return f"{GUARD_ONLY}: unshare() is not available ({err})"
    if unshare(_CLONE_NEWNET) == 0:
        return NETNS
    refused = os.strerror(ctypes.get_errno())
    uid, gid = os.getuid(), os.getgid()
    if unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        why = os.strerror(ctypes.get_errno())
        return f"{GUARD_ONLY}: network namespaces refused ({refused}; through a user namespace: {why})"
    _map_ids(uid, gid)
    return USERNS


def _map_ids(uid: int, gid: int) -> None:
    """Map our own uid and gid into the new user namespace, so files keep their owners.

    Best effort: without a map the process still has no network, only
    appears as "nobody" to itself.
    """
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1\n"), ("gid_map", f"{gid} {gid} 1\n")):
        try:
            with open(f"/proc/self/{name}", "w", encoding="ascii") as out:
                out.write(text)
        except OSError:
            pass


def loopback_up() -> None:
    """Bring ``lo`` up in this process's (new) network namespace (ioctl SIOCSIFFLAGS, IFF_UP)."""
    import fcntl
    import socket
    import struct
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, siocgifflags, request))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH22x", b"lo", flags | iff_up))


# ------------------------------------------------------------------ the engine launcher


def _die_with_parent(parent: int) -> None:
    """SIGKILL this process when ``parent`` dies (set again: the namespaces changed our credentials)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, _SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _engine_main(argv: list[str]) -> int:
    """``engine FD PARENT_PID -- OXIGRAPH ARGS…``: run the engine isolated and hand out connections.

    Messages on the socket pair (SOCK_SEQPACKET, one per datagram): first
    ``ready PORT PID PROTECTION`` (or ``error TEXT``); then, per request
    byte, ``ok`` with a connected socket, or ``down TEXT`` without one. When
    the front closes its end, the engine is killed and reaped, and we exit.
    """
    import socket
    control = socket.socket(fileno=int(argv[0]))
    protection = isolate()
    _die_with_parent(int(argv[1]))
    try:
        if is_isolated(protection):
            loopback_up()
        proc, port = _start_engine(argv[3:], fixed_port=is_isolated(protection))
    except (OSError, RuntimeError) as err:
        control.send(f"error {err}".encode("utf-8", "replace"))
        return 1
    try:
        control.send(f"ready {port} {proc.pid} {protection}".encode("utf-8", "replace"))
        _hand_out(control, port)
    finally:
        proc.kill()
        proc.wait()
    return 0


def _start_engine(command: list[str], fixed_port: bool):
    """Start the engine on 127.0.0.1 and wait until it listens; ``(process, port)``."""
    import subprocess
    error = "no attempt"
    for _attempt in range(1 if fixed_port else 3):
        port = _ENGINE_PORT if fixed_port else _free_port()
        proc = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}"], stdin=subprocess.DEVNULL,
                                close_fds=True, preexec_fn=_engine_death_signal())
        error = _wait_listening(proc, port, shared=not fixed_port)
        if error is None:
            return proc, port
        proc.kill()
        proc.wait()
    raise RuntimeError(error)


def _engine_death_signal():
    """A preexec_fn that kills the engine with us (resolved before the fork: we have one thread)."""
    import ctypes
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, _SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return set_death_signal


def _free_port() -> int:
    """A loopback port that was free a moment ago (only needed when we share the host's network)."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(proc, port: int, shared: bool) -> str | None:
    """None once the engine accepts connections; else why not (it exited, or took too long).

    ``shared``: the port is on the host's loopback, where another process may
    have taken it first (the engine then exits: give it a moment to).
    """
    import socket
    import time
    deadline = time.monotonic() + _STARTUP_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"oxigraph exited with status {proc.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
        except OSError:
            time.sleep(0.02)
            continue
        if shared:
            time.sleep(0.05)  # an engine that lost the port to another process exits now
        if proc.poll() is None:
            return None
    return f"oxigraph did not listen within {_STARTUP_WAIT_S:.0f} s"


def _hand_out(control, port: int) -> None:
    """Answer each request byte with a fresh connection to the engine, until the front hangs up."""
    import socket
    while True:
        try:
            request = control.recv(16)
        except OSError:
            return
        if not request:
            return
        try:
            conn = socket.create_connection(("127.0.0.1", port), timeout=_CONNECT_TIMEOUT_S)
        except OSError as err:
            control.send(f"down {err}".encode("utf-8", "replace"))
            continue
        with conn:
            conn.setblocking(True)
            socket.send_fds(control, [b"ok"], [conn.fileno()])


if __name__ == "__main__":
    if sys.argv[1:2] == ["engine"] and "--" in sys.argv:
        sys.exit(_engine_main(sys.argv[2:]))
    print("usage: nonet.py engine FD PARENT_PID -- OXIGRAPH serve-read-only …", file=sys.stderr)
    sys.exit(2)
