"""A query's trip to the engine and back: the watchdog, the crash gate, and the retries.

Why
---
* **A hard time limit.** Oxigraph's own ``--timeout-s`` is partial: it takes
  whole seconds only, and with ``--timeout-s 3`` (oxigraph 0.5.13) a
  ``COUNT(*)`` over a four-way cartesian product gave no answer in 20 s and
  kept a core busy after the client had gone, while ``SELECT *`` over the
  same product streamed 500 MB under status 200 for as long as the client
  read (a status, once streamed, cannot become an error). So the front is the
  watchdog: :func:`relay` buffers the engine's answer and, if the whole answer
  is not in by ``timeout_s``, the engine is killed, the client gets **504**
  (text body) and a new engine starts on the same store. Requests that arrive
  during the restart wait for it (after 5 s they get **503**); requests that
  were in flight on the killed engine are retried on the new one, within their
  own deadline. Oxigraph's ``--timeout-s`` is still passed, as
  ``ceil(timeout_s) + 1``: a second line of defence set one second later, so
  that the answer clients see is the front's.
* **Crash isolation.** If a query still kills the engine, the requests it cut
  are retried on the restarted engine through :class:`Gate`: one at a time,
  each alone for a moment, so a query that crashes it again while alone is
  known to be the culprit (**400**, its text refused from then on:
  :class:`Crashers`) and no other client's query fails.
* **Load.** At most ``workers`` queries on the engine at once; every answer is
  bounded (``max_result_bytes``, **507**) and counted in the memory budget
  (:mod:`policykg.use.serve.limits`).

Limits: every timeout restarts the engine, which also cuts (and retries) the
other queries running at that moment.
"""

from __future__ import annotations

import http.client
import threading
import time

from policykg.use.serve.config import Reply, ServerConfig
from policykg.use.serve.dataset import needs_union
from policykg.use.serve.engine import Engine, Link, Unavailable
from policykg.use.serve.limits import BLOCK, Answer, Budget
from policykg.use.serve.prepare import engine_form, readable_engine_error

#: How a query is sent to the engine: a form, rebuilt from the checked query (:func:`engine_form`).
FORM_TYPE = "application/x-www-form-urlencoded"
_RESTART_WAIT_S = 5.0
_MAX_ATTEMPTS = 6
_CRASHERS_KEPT = 1024
_DRAIN_S = 1.0
_ALONE_S = 1.0


class _Late(Exception):
    """The engine's answer was not complete by the deadline."""


class Gate:
    """Lets fresh queries run together, and a retried one run alone long enough to be judged.

    After a crash every query that was in flight is a suspect. Suspects are
    retried one at a time (``lane``); each waits up to ``_DRAIN_S`` for the
    queries in flight to finish while new ones wait at the gate, then runs
    alone for up to ``_ALONE_S`` (stack overflows strike while parsing, within
    milliseconds). A crash while a suspect runs alone is that suspect's;
    a crash at any other time only causes more retries.
    """

    def __init__(self) -> None:
        self.lane = threading.Lock()
        self._cond = threading.Condition()
        self._active = 0
        self._closed_until = 0.0

    def enter(self, deadline: float) -> bool:
        """A fresh query passes unless a suspect runs alone; False when ``deadline`` passes first."""
        with self._cond:
            while (now := time.monotonic()) < self._closed_until:
                if now >= deadline:
                    return False
                self._cond.wait(min(self._closed_until, deadline) - now)
            self._active += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def rejoin(self) -> None:
        """Count the caller again, gate or not (a suspect back from waiting for the lane)."""
        with self._cond:
            self._active += 1

    def run_alone(self, deadline: float) -> bool:
        """Close the gate, wait for the others to drain; True when the caller now runs alone."""
        with self._cond:
            self._closed_until = time.monotonic() + _DRAIN_S + _ALONE_S
            drained_by = min(deadline, time.monotonic() + _DRAIN_S)
            while self._active > 1 and (now := time.monotonic()) < drained_by:  # 1: the caller
                self._cond.wait(drained_by - now)
            alone = self._active <= 1
            self._closed_until = time.monotonic() + _ALONE_S if alone else 0.0
            return alone

    def reopen(self) -> None:
        with self._cond:
            self._closed_until = 0.0
            self._cond.notify_all()


class Crashers:
    """Digests of queries that crashed the engine, refused from then on (bounded, oldest dropped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[bytes, None] = {}

    def add(self, key: bytes) -> None:
        with self._lock:
            self._seen[key] = None
            while len(self._seen) > _CRASHERS_KEPT:
                self._seen.pop(next(iter(self._seen)))

    def __contains__(self, key: bytes) -> bool:
        with self._lock:
            return key in self._seen
def relay(link: Link, body: bytes, headers: dict[str, str], deadline: float, answer: Answer) -> Answer:
    """POST one query form to the engine; return ``answer`` holding its whole answer by ``deadline``.

    The body is read in chunks with the socket timeout set to the time left,
    so a slow trickle cannot stretch the limit; each chunk is counted in the
    answer's limit (507) and memory budget (503) before it is kept. Raises
    ``_Late``, ``Reply``, ``OSError`` or ``HTTPException``, and then closes
    ``answer`` (its room given back).
    """
    conn = None
    try:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Late()
        conn = link.connection(remaining)
        conn.request("POST", "/query", body=body, headers=headers)
        sock = conn.sock
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        resp = conn.getresponse()
        answer.status, answer.ctype = resp.status, resp.getheader("Content-Type", "application/octet-stream")
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Late()
            sock.settimeout(left)
            chunk = resp.read1(BLOCK)
            if not chunk:
                break
            answer.add(chunk, deadline)
        answer.complete()
        return answer
    except BaseException as err:
        answer.close()
        if isinstance(err, TimeoutError):
            raise _Late() from err
        raise
    finally:
        if conn is not None:
            conn.close()


class Relay:
    """A query's trip to the engine and back: checked, in a worker slot, through the crash gate, under the
    watchdog, retried when a crash or a restart cut it.

    Made once the engine runs; holds what the requests share on that trip: the
    worker slots, the memory budget of the answers, the gate and the crashers.
    """

    def __init__(self, engine: Engine, config: ServerConfig, budget: Budget) -> None:
        self.engine, self.config, self.budget = engine, config, budget
        self.workers = threading.BoundedSemaphore(config.workers)
        self.gate = Gate()  # retries of queries cut by a crash run one at a time, alone
        self.crashers = Crashers()
        self.union = needs_union(config)

    def answer(self, query: str, params: dict[str, list[str]], accept: str, finish=None) -> Answer:
        """Relay a checked query to the engine in a worker slot, under the time limit.

        ``finish(answer, deadline)`` (an export's conversion) runs on a 200 answer
        in the same worker slot and under the same deadline: a file is written
        only within the limits its query had. The caller closes the answer.
        """
        prepared, key, body = engine_form(query, params, self.config, union=self.union, crashed=self.crashers)
        deadline = time.monotonic() + self.config.timeout_s
        headers = {"Accept": accept, "Content-Type": FORM_TYPE}
        if not self.workers.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise Reply(503, "all query workers are busy; retry")
        try:
            if not self.gate.enter(deadline):
                raise Reply(503, "the query engine is busy re-running queries cut by a crash; retry")
            try:
                answer = self._run(body, headers, deadline, key)
            finally:
                self.gate.leave()
            try:
                if answer.status == 400 and not answer.ctype.startswith("application/sparql-results"):
                    message = readable_engine_error(answer.data().decode("utf-8", "replace"), prepared)
                    answer.replace("text/plain; charset=utf-8", (message + "\n").encode("utf-8"))
                elif answer.status == 200 and finish is not None:
                    finish(answer, deadline)
            except BaseException:
                answer.close()
                raise
        finally:
            self.workers.release()
        return answer

    def _run(self, body: bytes, headers: dict[str, str], deadline: float, key: bytes) -> Answer:
        """Relay to the engine; a query cut by a crash or a restart is retried, never failed.

        Retries go through the gate's lane, one at a time (see :class:`Gate`): a
        query that crashes the engine again while it runs alone is the culprit,
        gets 400 and is remembered, while the others it cut get their answers.
        """
        engine, config, gate = self.engine, self.config, self.gate
        suspect = False
        for _attempt in range(_MAX_ATTEMPTS):
            in_lane = suspect
            if in_lane:
                self._wait_for_lane(deadline)
            alone = in_lane and gate.run_alone(deadline)
            try:
                link, generation = self._engine_link(deadline)
                return relay(link, body, headers, deadline, Answer(config.max_result_bytes, self.budget))
            except _Late as err:
                engine.restart(generation, f"a query ran past {config.timeout_s:g} s")
                raise Reply(504, f"query stopped: it ran past the {config.timeout_s:g} s time limit; "
                                 "add LIMIT or narrow the pattern") from err
            except (OSError, http.client.HTTPException) as err:
                crashed = engine.failed(generation, err) == "crash"
                if crashed and alone:
                    self.crashers.add(key)
                    raise Reply(400, "this query crashed the query engine (it was restarted); "
                                     "simplify it") from err
                suspect = suspect or crashed  # cut by the watchdog: simply retry on the new engine
            finally:
                if in_lane:
                    gate.reopen()
                    gate.lane.release()
        raise Reply(503, "the query engine kept restarting; retry")

    def _wait_for_lane(self, deadline: float) -> None:
        """Take the retry lane; while waiting, this query does not count as running."""
        gate = self.gate
        gate.leave()
        try:
            got = gate.lane.acquire(timeout=max(0.0, deadline - time.monotonic()))
        finally:
            gate.rejoin()
        if not got:
            raise Reply(503, "the query engine was restarted and is busy with retries; retry")

    def _engine_link(self, deadline: float) -> tuple[Link, int]:
        """``(link, generation)`` of the engine, waiting out a restart within ``deadline``."""
        try:
            link, generation = self.engine.endpoint(min(_RESTART_WAIT_S, max(0.1, deadline - time.monotonic())))
        except Unavailable as err:
            raise Reply(503, str(err)) from err
        if deadline - time.monotonic() < 0.05:  # spent waiting for a restart: don't blame the new engine
            raise Reply(503, "the query engine was restarting; retry")
        return link, generation
