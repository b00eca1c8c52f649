"""A private Virtuoso Open Source server for the tests and the bench: its own folder, its own ports.

``virtuoso-t`` (Debian's ``virtuoso-opensource-7-bin``) is started in ``+foreground`` with a
``virtuoso.ini`` written into a temporary folder (database, log, transaction file, all there),
SQL and HTTP bound to 127.0.0.1 on ports chosen free; :func:`start` waits until the HTTP
server answers, :meth:`Virtuoso.stop` ends that one process (and only it). Nothing of the
system's Virtuoso (if any) is read or touched: no ``/etc``, no ``/var/lib``, no service.

The fresh database has the default ``dba`` account (password ``dba``), which may write
through ``/sparql-graph-crud-auth`` (HTTP Digest) and run the bulk loader over ``isql-vt``.
``DirsAllowed`` holds the temporary folder, where the bulk loader reads its N-Quads.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "dba", "dba"
#: How long a fresh database may take to come up (it writes its files and compiles its SQL first: ~5-15 s).
START_S = 90.0

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
ServerThreads = 10
CheckpointInterval = 0
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {db}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {db}
MaxClientConnections = 4
ServerThreads = 4
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
DefaultQuery = SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1
"""


def executable() -> str | None:
    return shutil.which("virtuoso-t")


def isql() -> str | None:
    return shutil.which("isql-vt") or shutil.which("isql-v")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Virtuoso:
    folder: Path
    sql_port: int
    http_port: int
    process: subprocess.Popen

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    @property
    def graph_store(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(encoding="utf-8", errors="replace")[-4000:] if path.is_file() else ""

    def stop(self) -> None:
        """End this server (SIGTERM, then SIGKILL after 20 s), only this process."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start(folder: Path, buffers: int = 20000) -> Virtuoso:
    """Write ``folder/virtuoso.ini`` and start ``virtuoso-t`` on it; return once ``/sparql`` answers.

    ``buffers``: Virtuoso's page cache in 8 KiB pages (20,000 ≈ 160 MB, enough for the bundled corpus;
    its documentation suggests 170,000 per 2 GB of memory given to it).
    """
    binary = executable()
    if binary is None:
        raise FileNotFoundError("virtuoso-t")
    folder.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for _ in range(3):                              # a port taken between choosing it and binding it: again
        sql, http = free_port(), free_port()
        (folder / "virtuoso.ini").write_text(INI.format(db=folder, sql=sql, http=http, buffers=buffers,
                                                                 dirty=buffers * 3 // 4), encoding="utf-8")
        process = subprocess.Popen([binary, "+configfile", str(folder / "virtuoso.ini"), "+foreground", "+wait"],
                                   cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        server = Virtuoso(folder, sql, http, process)
        try:
            _wait(server)
            return server
        except (RuntimeError, TimeoutError) as exc:
            last = exc
            server.stop()
            for name in folder.glob("virtuoso*"):
                if name.name != "virtuoso.ini":
                    name.unlink()
    raise RuntimeError(f"Virtuoso did not start: {last}")


def _wait(server: Virtuoso) -> None:
    deadline = time.monotonic() + START_S
    probe = server.sparql + "?query=" + urllib.request.quote("ASK { }")
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited ({server.process.returncode}): {server.log()[-800:]}")
        try:
            with urllib.request.urlopen(probe, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"Virtuoso did not answer within {START_S:g} s")
