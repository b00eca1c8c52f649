"""Test helpers for the visualisation: a sample policy graph and a tiny CDP driver.

The driver talks the Chrome DevTools Protocol over ``--remote-debugging-pipe``
(NUL-separated JSON on file descriptors 3 and 4) with the standard library
only, so the browser tests need nothing but Debian's ``chromium`` package. It
records every protocol event, which lets tests assert that a page made no
network request at all, and dismisses JavaScript dialogs (recording them), so
an injected ``alert`` can neither hang a test nor go unnoticed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import networkx as nx

CHROMIUM = Path("/usr/bin/chromium")

#: A label that would run script if any layer treated node text as HTML.
XSS_LABEL = "<img src=x onerror=alert(1)>"
XSS_TITLE = (
    '<img src=x onerror="window.pwned=1"> & "引号" \'单引号\' '
    "</script><script>window.pwned=2</script>"
)

# Quiet, offline, throw-away browser: no sync, updates, pings or first-run UI;
# every host name resolves to nothing, so even a bug could not reach the network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)


# ---------------------------------------------------------------- sample graph


def policy_graph() -> nx.Graph:
    """A ~30-node graph shaped like the real one: pillars, tasks, units, people …

    Includes an unknown kind ("region"), an edge without kind, weighted
    unit–unit edges and one unit whose label and title are script injections.
    """
    g = nx.Graph()
    pillars = ["财税支持", "产业发展", "营商环境"]
    for p in pillars:
        g.add_node(f"pillar:{p}", label=p, kind="pillar", title=f"支柱：{p}", pillars=[p])
    tasks = {
        "t1": ("（一）强化财税政策保障", ["财税支持"]),
        "t2": ("（二）加大金融支持力度", ["财税支持"]),
        "t3": ("（三）推动制造业转型升级", ["产业发展"]),
        "t4": ("（四）培育数字经济新动能", ["产业发展"]),
        "t5": ("（五）优化政务服务流程", ["营商环境"]),
        "t6": ("（六）降低企业经营成本", ["财税支持", "营商环境"]),
        "t7": ("（七）扩大有效投资", ["产业发展"]),
    }
    for tid, (label, ps) in tasks.items():
        g.add_node(tid, label=label, kind="task", pillars=ps,
                   title=f"{label}：落实各项政策措施，确保取得实效。")
        for p in ps:
            g.add_edge(f"pillar:{p}", tid, kind="part")
    units = ["市发改局", "市经信局", "市财政局", "市税务局", "市商务局",
             "市政务服务中心", "人民银行市中心支行", "市市场监管局"]
    for u in units:
        g.add_node(u, label=u, kind="unit", title=f"责任单位：{u}")
    g.add_node("xss", label=XSS_LABEL, kind="unit", title=XSS_TITLE)
    responsibilities = [
        ("市财政局", "t1", "lead"), ("市税务局", "t1", "co"), ("人民银行市中心支行", "t2", "lead"),
        ("市财政局", "t2", "co"), ("市经信局", "t3", "lead"), ("市发改局", "t3", "co"),
        ("市经信局", "t4", "lead"), ("市发改局", "t4", "co"), ("市政务服务中心", "t5", "lead"),
        ("市市场监管局", "t5", "co"), ("市发改局", "t6", "lead"), ("市税务局", "t6", "co"),
        ("市市场监管局", "t6", "co"), ("市发改局", "t7", "lead"), ("市商务局", "t7", "co"),
        ("xss", "t5", "co"),
    ]
    for unit, task, kind in responsibilities:
        g.add_edge(unit, task, kind=kind)
    for a, b, shared in [("市发改局", "市经信局", 4), ("市财政局", "市税务局", 2),
                         ("市发改局", "市税务局", 1), ("市发改局", "市商务局", 1),
                         ("市财政局", "人民银行市中心支行", 1)]:
        g.add_edge(a, b, kind="shared", weight=shared, title=f"{a} 与 {b} 共同承担 {shared} 项任务")
    people = [("叶茹", "市发改局", "leader"), ("王建国", "市经信局", "leader"),
              ("李明华", "市财政局", "liaison"), ("陈静", "市政务服务中心", "liaison")]
    for person, unit, kind in people:
        g.add_node(person, label=person, kind="person", title=f"{person}（{unit}）")
        g.add_edge(person, unit, kind=kind)
    g.add_node("target1", label="规上工业增加值增长8%", kind="target",
               title="到2025年，规模以上工业增加值年均增长8%以上")
    g.add_node("target2", label="减税降费10亿元", kind="target", title="全年新增减税降费10亿元以上")
    g.add_edge("t3", "target1")
    g.add_edge("t1", "target2")
    g.add_node("m1", label="设立产业引导基金", kind="measure", title="设立规模50亿元的产业引导基金")
    g.add_node("m2", label="推行“一网通办”", kind="measure", title="推行政务服务“一网通办”")
    g.add_edge("t7", "m1")
    g.add_edge("t5", "m2")
    g.add_node("doc", label="《若干措施》", kind="document",
               title="《关于推动经济高质量发展的若干措施》")
    for p in pillars:
        g.add_edge("doc", f"pillar:{p}", kind="part")
    g.add_node("topic", label="数字经济", kind="topic", title="数字经济")
    g.add_edge("topic", "t4")
    g.add_node("phase", label="2024年底前", kind="phase", title="完成时限：2024年底前")
    g.add_edge("phase", "t5")
    g.add_node("zone", label="高新区", kind="region", title="高新技术产业开发区")
    g.add_edge("zone", "t3", kind="co", weight=3)
    return g


# ---------------------------------------------------------------- CDP driver


class CDPError(RuntimeError):
    """The browser answered with an error, went away, or was too slow."""


class Chromium:
    """One headless Chromium process with a throw-away profile, driven over a pipe.

    Use as a context manager; the process (and its helpers, which share its
    session) is stopped on exit. ``HOME``, the XDG directories and ``TMPDIR``
    point into ``workdir`` so nothing touches the real user's profile or caches.
    """

    def __init__(self, workdir: Path, *, binary: Path = CHROMIUM,
                 window: tuple[int, int] = (1280, 900), timeout: float = 15.0) -> None:
        self.workdir = Path(workdir)
        self.binary = binary
        self.window = window
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        self._buffer = b""
        self._proc: subprocess.Popen[bytes] | None = None
        self._to_chrome = -1
        self._from_chrome = -1

    # -- process

    def __enter__(self) -> Chromium:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for var, sub in [("HOME", "home"), ("XDG_CONFIG_HOME", "config"),
                         ("XDG_CACHE_HOME", "cache"), ("TMPDIR", "tmp")]:
            path = self.workdir / sub
            path.mkdir(parents=True, exist_ok=True)
            env[var] = str(path)
        return env

    def start(self) -> None:
        """Launch Chromium with its protocol pipe on the fds it expects (3 in, 4 out)."""
        cmd_r, self._to_chrome = os.pipe()
        self._from_chrome, out_w = os.pipe()
        # Park the child's ends above 10 so dup2 onto 3/4 cannot clobber them.
        child_in = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(out_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(out_w)

        def wire_pipe() -> None:  # runs in the child between fork and exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        width, height = self.window
        args = [str(self.binary), *CHROMIUM_FLAGS,
                f"--user-data-dir={self.workdir / 'profile'}",
                f"--window-size={width},{height}", "about:blank"]
        log = open(self.workdir / "chromium.log", "wb")  # noqa: SIM115 - handed to the child
        try:
            self._proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self._env(), preexec_fn=wire_pipe, close_fds=False, start_new_session=True,
            )
        except OSError:
            os.close(self._to_chrome)
            os.close(self._from_chrome)
            raise
        finally:
            log.close()
            os.close(child_in)
            os.close(child_out)

    def close(self) -> None:
        """Ask the browser to quit; kill its process group if it does not within 5 s."""
        proc = self._proc
        if proc is None:
            return
        self._proc = None
        if proc.poll() is None:
            try:
                self._send("Browser.close")
            except OSError:
                pass  # pipe already gone: the process is exiting anyway
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for fd in (self._to_chrome, self._from_chrome):
            os.close(fd)

    def log_tail(self, size: int = 2000) -> str:
        """The end of Chromium's own output, for error messages."""
        path = self.workdir / "chromium.log"
        return path.read_bytes()[-size:].decode("utf-8", "replace") if path.exists() else ""

    # -- protocol

    def _send(self, method: str, params: dict[str, Any] | None = None,
              session: str | None = None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._to_chrome, data):]
        return self._next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        """The next message from the browser; events are recorded and dialogs dismissed."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError(f"no answer from Chromium in time\n{self.log_tail()}")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise CDPError(f"Chromium closed the pipe\n{self.log_tail()}")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        msg = json.loads(raw)
        if "method" in msg:
            self.events.append(msg)
            if msg["method"] == "Page.javascriptDialogOpening":
                self._send("Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"))
        return msg

    def call(self, method: str, params: dict[str, Any] | None = None, *,
             session: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """Send one command and return its result, recording events that arrive meanwhile."""
        msg_id = self._send(method, params, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            msg = self._receive(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise CDPError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def wait_event(self, method: str, session: str, *, since: int = 0,
                   timeout: float | None = None) -> dict[str, Any]:
        """The first event ``method`` of ``session`` recorded at index >= ``since``."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for event in self.events[since:]:
                if event["method"] == method and event.get("sessionId") == session:
                    return event
            since = len(self.events)
            self._receive(deadline)

    def open_page(self) -> Page:
        """A fresh tab, attached, with page/network/runtime/log events switched on."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Network", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        width, height = self.window
        page.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        return page


class Page:
    """One attached tab: navigate, evaluate JavaScript, move the mouse, screenshot."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event this tab has sent so far."""
        return [e for e in self.browser.events if e.get("sessionId") == self.session]

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        since = len(self.browser.events)
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CDPError(f"navigation to {url} failed: {result['errorText']}")
        self.browser.wait_event("Page.loadEventFired", self.session, since=since)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` (promises awaited); page exceptions raise."""
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True,
        })
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"page threw: {text}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10.0) -> Any:
        """Poll ``expression`` until it is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CDPError(f"timed out waiting for {expression!r}")
            time.sleep(0.05)

    def mouse_move(self, x: float, y: float) -> None:
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def request_urls(self) -> list[str]:
        """URLs of every request the tab started (document, data: images, anything)."""
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]
