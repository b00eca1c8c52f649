"""What the endpoint's front holds, and for whom: answers and their memory, connections and their clients.

Why
---
``policykg serve`` buffers each answer (to turn a late one into a 504) and
gives each connection a thread. An attack run on it showed what that costs
(issue 14):

* 16 large answers read slowly took the front to 3.9 GB: an answer was
  counted against nothing once its worker slot was free. :class:`Budget`
  counts every byte an :class:`Answer` holds, from the engine's first byte
  until the client has it, and makes the youngest answers give way when it
  is spent (503 with ``Retry-After``), so some answers always finish.
* One local client holding ~256 idle connections made 35,329 of 41,385
  well-formed queries fail: connections were capped per address, and every
  local client is 127.0.0.1. :class:`Connections` caps what a client *does*
  (requests in progress per address) and treats idle connections as the
  spare room they are: a new connection closes an idle one to get in.

Nothing here does HTTP: the front asks and answers. A limit that says no raises
:class:`~policykg.use.serve.config.Reply` (503, 507) with its one line.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import io
import itertools
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from policykg.use.serve.config import Reply

#: How long an answer that cannot make room waits for memory before it gets 503.
BUDGET_WAIT_S = 0.5
#: How often the oldest arriving answer looks again whether the answers it cut have let go.
_RECHECK_S = 0.1
#: A connection that has sent nothing, or half a request, for this long is idle beyond doubt.
IDLE_GRACE_S = 2.0
#: The unit an answer is read from the engine, held and written to the client in (64 KiB).
BLOCK = 1 << 16
#: An answer that held this much gives the freed memory back to the system when it closes.
_TRIM_AFTER = 8 << 20


# ------------------------------------------------------------- the memory budget


class Budget:
    """The bytes of answers the front holds, from the engine's first byte until the client has them.

    Each chunk is counted before it is kept and given back once written to the
    client. When the budget is spent, the *oldest* answer still arriving waits
    (until its deadline) and cuts the youngest arriving answer that holds memory
    (it gets 503 at its next chunk), one at a time: arrival order decides, so the
    server finishes some answers instead of failing all of them half-way. Any
    other answer waits ``BUDGET_WAIT_S`` at most, then gets 503.

    >>> budget = Budget(10)
    >>> with Answer(100, budget) as first:
    ...     first.put(b"12345678", time.monotonic() + 1)
    ...     budget.used
    8
    >>> budget.used
    0
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.peak = 0
        self._cond = threading.Condition()
        self._arriving: dict[int, Answer] = {}  # by ticket: oldest first
        self._tickets = itertools.count(1)

    def open(self, answer: Answer) -> int:
        with self._cond:
            ticket = next(self._tickets)
            self._arriving[ticket] = answer
            return ticket

    def arrived(self, ticket: int) -> None:
        """The answer of ``ticket`` is complete (or gone): it no longer competes for room."""
        with self._cond:
            if self._arriving.pop(ticket, None) is not None:
                self._cond.notify_all()

    def take(self, answer: Answer, size: int, deadline: float) -> None:
        """Count ``size`` more bytes for ``answer``, waiting for room as described above."""
        with self._cond:
            patience = time.monotonic() + BUDGET_WAIT_S
            while True:
                if answer.cut:
                    raise Reply(503, "the server is holding as many answers as its memory allows; retry")
                if self.used + size <= self.limit:
                    break
                oldest = next(iter(self._arriving), None) == answer.ticket
                if oldest:
                    self._cut_youngest(answer.ticket)
                left = (deadline if oldest else min(deadline, patience)) - time.monotonic()
                if left <= 0:
                    raise Reply(503, "the server is holding as many answers as its memory allows; retry")
                self._cond.wait(min(left, _RECHECK_S))
            self.used += size
            self.peak = max(self.peak, self.used)

    def give(self, size: int) -> None:
        if size:
            with self._cond:
                self.used -= size
                self._cond.notify_all()

    def _cut_youngest(self, ticket: int) -> None:
        """Cut the youngest arriving answer that holds memory, unless one already cut still does."""
        younger = [a for t, a in self._arriving.items() if t > ticket and a.held]
        if younger and not any(a.cut for a in younger):
            younger[-1].cut = True
            self._cond.notify_all()


class Answer:
    """An answer the front holds until it is sent: status, content type, and its bytes.

    The bytes are chunks in memory, counted in a :class:`Budget` (if given), or
    a temporary file (an XLSX file written on disk). ``limit`` bounds the
    engine's answer (507). :meth:`source` hands the chunks to a converter, whose
    output (:meth:`put`) first reuses the room they held. Use it as a context
    manager, or call :meth:`close`, so the room is given back on every path.
    """

    def __init__(self, limit: int, budget: Budget | None = None) -> None:
        self.status = 0
        self.ctype = "application/octet-stream"
        self.limit = limit
        self.size = 0
        self.held = 0  # bytes counted in the budget: chunks kept, plus spare room from consumed ones
        self.cut = False
        self.file: BinaryIO | None = None
        self._chunks: collections.deque[bytes] = collections.deque()
        self._spare = 0
        self._kept = 0  # bytes ever kept: a large answer trims the heap when it closes
        self._budget = budget
        self.ticket = budget.open(self) if budget else 0

    @classmethod
    def of(cls, status: int, ctype: str, body: bytes) -> Answer:
        """A small answer of the front's own (pages, errors): not counted."""
        answer = cls(len(body))
        answer.status, answer.ctype = status, ctype
        answer.put(body, 0.0)
        return answer

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, chunk: bytes, deadline: float) -> None:
        """One more chunk of the engine's answer: 507 past ``limit``, 503 when the budget says so."""
        if self.size + len(chunk) > self.limit:
            raise Reply(507, f"the answer is larger than {self.limit} bytes; add LIMIT or select fewer columns")
        self.put(chunk, deadline)

    def put(self, chunk: bytes, deadline: float) -> None:
        """Keep ``chunk``, counting it in the budget (the spare room of consumed chunks first)."""
        reuse = min(self._spare, len(chunk))
        self._spare -= reuse
        if self._budget is not None and len(chunk) > reuse:
            self._budget.take(self, len(chunk) - reuse, deadline)
        self.held += len(chunk) - reuse if self._budget is not None else 0
        self._chunks.append(chunk)
        self.size += len(chunk)
        self._kept += len(chunk)

    def complete(self) -> None:
        """The engine's answer is all in."""
        if self._budget is not None:
            self._budget.arrived(self.ticket)

    def count(self, byte: bytes) -> int:
        """Occurrences of ``byte`` in the chunks (lines of a TSV answer)."""
        return sum(chunk.count(byte) for chunk in self._chunks)

    def replace(self, ctype: str, body: bytes) -> None:
        """Another body, small and not counted (a readable error): the chunks' room is given back."""
        self._release()
        self._chunks.append(body)
        self.size, self.ctype = len(body), ctype

    def source(self) -> io.BufferedReader:
        """The chunks as a stream a converter reads; each chunk read becomes spare room for :meth:`put`."""
        chunks, self._chunks, self.size = self._chunks, collections.deque(), 0
        return io.BufferedReader(_Chunks(chunks, self), BLOCK)

    def settle(self) -> None:
        """Give back the spare room a conversion did not use."""
        if self._budget is not None:
            self._budget.give(self._spare)
        self.held -= self._spare
        self._spare = 0

    def use_file(self, file: BinaryIO) -> None:
        """The answer is now ``file`` (on disk, not counted); the chunks' room is given back."""
        self._release()
        self.size = file.seek(0, io.SEEK_END)
        file.seek(0)
        self.file = file

    def blocks(self) -> Iterator[bytes]:
        """The body, block by block; each block's room is given back once the caller has sent it."""
        if self.file is not None:
            while block := self.file.read(BLOCK):
                yield block
            return
        while self._chunks:
            chunk = self._chunks.popleft()
            yield chunk
            self.size -= len(chunk)
            if self._budget is not None:
                self.held -= len(chunk)
                self._budget.give(len(chunk))

    def data(self) -> bytes:
        """The whole body (small answers only: the front's own reads of the engine)."""
        return b"".join(self._chunks)

    def close(self) -> None:
        self._release()
        if self._budget is not None:
            self._budget.arrived(self.ticket)
        if self.file is not None:
            self.file.close()
            self.file = None
        if self._kept >= _TRIM_AFTER:
            self._kept = 0
            _trim_heap()

    def _release(self) -> None:
        self._chunks.clear()
        self.size = 0
        self._spare = 0
        if self._budget is not None:
            self._budget.give(self.held)
        self.held = 0


def _trim_heap() -> None:
    """Give freed heap memory back to the system (glibc's ``malloc_trim``; elsewhere nothing).

    An answer is thousands of 64 KiB chunks, allocated by whichever thread read
    it, each in its own malloc arena: freed, they stay in the process (RSS)
    until trimmed, and the budget would bound what is held but not what is kept.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


class _Chunks(io.RawIOBase):
    """Chunks read once, front to back; each read one turns into spare room of its answer."""

    def __init__(self, chunks: collections.deque[bytes], answer: Answer) -> None:
        super().__init__()
        self._chunks = chunks
        self._answer = answer
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._rest:
            if not self._chunks:
                return 0
            chunk = self._chunks.popleft()
            self._answer._spare += len(chunk)
            self._rest = memoryview(chunk)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


# ------------------------------------------------------------- connections


@dataclass(eq=False)
class _Conn:
    client: str
    since: float
    state: str = "idle"  # idle (no request in progress) | reading (a request is arriving) | active
    served: bool = False  # has sent a complete request before (a kept-alive connection)


class Connections:
    """Open connections and what each does, so that idle ones make room and busy clients are capped.

    Every local client is 127.0.0.1, so counting connections per address cannot
    tell one client hoarding idle connections from fifty well-behaved ones.
    What is capped instead: *requests in progress* per address (``max_active``;
    a request is in progress from its complete head until its answer is sent)
    and *idle* connections per address (``max_idle``, no request in progress).
    A new connection makes room by closing an idle one: first one that has
    never sent a complete request (silent, or half a request for
    ``IDLE_GRACE_S``), then a kept-alive one, the oldest first; one whose
    request bytes are already waiting in the socket is never chosen. It is
    refused only when ``max_total`` are open and none is idle.

    Closing a silent connection shuts its read side only: if its request
    arrived at that very moment, it is still answered.
    """

    def __init__(self, max_total: int, max_idle: int, max_active: int) -> None:
        self.max_total, self.max_idle, self.max_active = max_total, max_idle, max_active
        self.closed_idle = 0  # connections closed to make room (for diagnostics and the load test)
        self._lock = threading.Lock()
        self._open: dict[socket.socket, _Conn] = {}
        self._idle: dict[socket.socket, _Conn] = {}  # idle or half a first request: oldest first
        self._idle_by_client: collections.Counter[str] = collections.Counter()
        self._active_by_client: collections.Counter[str] = collections.Counter()

    def admit(self, sock: socket.socket, client: str) -> bool:
        """Register a new connection, closing an idle one to make room; False: refuse it."""
        now = time.monotonic()
        with self._lock:
            if self._idle_by_client[client] >= self.max_idle:
                self._close_idle(now, client)
            if len(self._open) >= self.max_total:
                self._close_idle(now, None)
            if len(self._open) >= self.max_total:
                return False
            self._open[sock] = self._idle[sock] = _Conn(client, now)
            self._idle_by_client[client] += 1
            return True

    def reading(self, sock: socket.socket) -> None:
        """The first bytes of a request arrived (a first request stays a candidate while it is slow)."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is not None and conn.state == "idle":
                conn.state = "reading"
                if conn.served:
                    self._not_idle(sock, conn)

    def activate(self, sock: socket.socket) -> bool:
        """A complete request head: in progress from now on; False when its client has too many."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is None:
                return True  # closed to make room just as its request came in: answer it anyway
            if self._active_by_client[conn.client] >= self.max_active:
                return False
            if sock in self._idle:
                self._not_idle(sock, conn)
            conn.state = "active"
            self._active_by_client[conn.client] += 1
            return True

    def done(self, sock: socket.socket) -> None:
        """The answer is sent: the connection is idle (kept alive) until its next request."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is None or conn.state != "active":
                return
            self._active_by_client[conn.client] -= 1
            conn.state, conn.served, conn.since = "idle", True, time.monotonic()
            self._idle[sock] = conn
            self._idle_by_client[conn.client] += 1

    def forget(self, sock: socket.socket) -> None:
        """The connection's thread ends: called before the socket is closed (never shut down after)."""
        with self._lock:
            conn = self._open.pop(sock, None)
            if conn is None:
                return
            if sock in self._idle:
                self._not_idle(sock, conn)
            if conn.state == "active":
                self._active_by_client[conn.client] -= 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {"open": len(self._open), "idle": len(self._idle), "closed_idle": self.closed_idle}

    def _not_idle(self, sock: socket.socket, conn: _Conn) -> None:
        del self._idle[sock]
        self._idle_by_client[conn.client] -= 1
        if not self._idle_by_client[conn.client]:
            del self._idle_by_client[conn.client]

    def _close_idle(self, now: float, client: str | None) -> bool:
        """Close the first candidate (of ``client``, past the grace; else anyone's); True if one was."""
        grace = IDLE_GRACE_S if client is not None else 0.0
        chosen = None
        for kept_alive in (False, True):
            for sock, conn in self._idle.items():
                if conn.served != kept_alive or (client is not None and conn.client != client):
                    continue
                if conn.state == "reading":  # half a first request: only a slow one goes
                    if now - conn.since >= IDLE_GRACE_S:
                        chosen = sock, conn, socket.SHUT_RDWR
                        break
                elif now - conn.since >= grace and not _bytes_waiting(sock):
                    chosen = sock, conn, socket.SHUT_RD
                    break
            if chosen:
                break
        if chosen is None:
            return False
        sock, conn, how = chosen
        del self._open[sock]
        self._not_idle(sock, conn)
        self.closed_idle += 1
        try:
            sock.shutdown(how)  # wakes the thread blocked reading it; the thread closes it
        except OSError:
            pass
        return True


def _bytes_waiting(sock: socket.socket) -> bool:
    """True when the socket has bytes (or the peer's close) waiting to be read (poll: any fd number)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
