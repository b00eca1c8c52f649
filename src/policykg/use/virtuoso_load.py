"""``policykg push isql://HOST:PORT --load-dir DIR``: a large corpus into Virtuoso with its own bulk loader.

One HTTP request per graph is fine for tens of documents; for thousands, Virtuoso's bulk
loader reads the N-Quads itself, in parallel, without HTTP or per-request commits
(docs.openlinksw.com, "Bulk Loading RDF Source Files into one or more Graph IRIs"). It runs
over Virtuoso's SQL port, through its command-line client ``isql-vt`` (Debian's
``virtuoso-opensource-7-bin``; ``isql-v``/``isql`` elsewhere, or ``--isql PROGRAM``):

1. ``corpus.nq`` and the merged default graph (N-Triples,
   :func:`policykg.kg.corpus_store.write_default_graph`) are copied into ``DIR``, a folder
   the *server* reads — listed in its ``virtuoso.ini`` ``DirsAllowed`` (a shared or local path);
2. every graph about to be loaded is emptied first (``DELETE FROM DB.DBA.RDF_QUAD WHERE G = …``),
   and the files' earlier rows of the loader's list removed, so loading again replaces, as a
   Graph Store PUT does — nothing duplicated, nothing of an older build left;
3. ``ld_dir(DIR, file, graph)`` registers each file (the ``.nq`` keeps its quads' graphs; the
   ``.nt`` goes into the merge's graph), ``rdf_loader_run()`` loads, ``checkpoint`` makes it durable;
4. the loader's list is read back: any file with an ``ll_error`` is a :class:`PushError`.

The user and password go to ``isql-vt`` on its command line (so other local users may see them in
the process list while it runs): use this on the server's own machine or a trusted one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from policykg.errors import PushError
from policykg.use.answers import escape_controls
from policykg.vocab import DEFAULT_GRAPH

#: ``isql-vt``'s names on Debian, on OpenLink's own builds and on some others, tried in this order.
ISQL_NAMES = ("isql-vt", "isql-v", "isql")
#: The longest a load may take, by default (seconds): 1,000 documents take well under a minute.
DEFAULT_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Loaded:
    files: int
    graphs: int
    triples: int            # of the corpus's named graphs
    merged: int             # triples of the merged default graph (0 when not sent)
    seconds: float


def isql_address(url: str) -> tuple[str, int]:
    """``isql://HOST:PORT`` → ``(HOST, PORT)`` (port 1111, Virtuoso's default, when none is given).

    >>> isql_address("isql://127.0.0.1:1112"), isql_address("isql://db.example")
    (('127.0.0.1', 1112), ('db.example', 1111))
    """
    match = re.fullmatch(r"isql://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?/?", url)
    if match is None or not 0 < int(match.group(2) or 1111) < 65536:
        raise PushError("an isql:// address must be isql://HOST:PORT (Virtuoso's SQL port)",
                        path=escape_controls(url), hint="e.g. isql://127.0.0.1:1111")
    return match.group(1), int(match.group(2) or 1111)


def find_isql(program: str | None = None) -> str:
    for name in (program,) if program else ISQL_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PushError(f"Virtuoso's SQL client was not found ({program or ', '.join(ISQL_NAMES)})",
                    hint="install it (Debian: apt-get install virtuoso-opensource-7-bin) or give --isql PROGRAM")


def _sql_string(text: str) -> str:
    """A SQL string literal (quotes doubled); control characters refused."""
    if any(ch < " " or ch == "\x7f" for ch in text):
        raise PushError("a path or graph IRI holds a control character", path=escape_controls(text))
    return "'" + text.replace("'", "''") + "'"


def _graph_counts(nq: Path) -> dict[str, int]:
    from policykg.use.push import _quads
    counts: dict[str, int] = {}
    for graph, _ in _quads(nq):
        counts[graph] = counts.get(graph, 0) + 1
    return counts


def bulk_load(url: str, folder: str | Path | None, load_dir: str | Path, *, user: str | None = None,
              default_graph: str | None = DEFAULT_GRAPH, isql: str | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> Loaded:
    """Load the corpus at ``folder`` into the Virtuoso at ``url`` (``isql://HOST:PORT``) through ``load_dir``."""
    from policykg.use.push import corpus_files, default_graph_file, merged_graph_option
    host, port = isql_address(url)
    if default_graph == "default":
        raise PushError("Virtuoso has no default graph of its own to load the merge into",
                        hint=f"give --default-graph IRI (e.g. {DEFAULT_GRAPH}) or none")
    default_graph = merged_graph_option(default_graph, None) if default_graph else None
    name, sep, password = (user or "").partition(":")
    if not sep:
        raise PushError("the bulk loader needs --user USER:PASSWORD (a Virtuoso SQL account, e.g. dba)")
    client = find_isql(isql)
    target = Path(load_dir).resolve()
    if not target.is_dir():
        raise PushError("--load-dir is not a folder", path=str(target),
                        hint="a folder the Virtuoso server reads (in its virtuoso.ini DirsAllowed)")
    nq, store = corpus_files(folder)
    counts = _graph_counts(nq)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".policykg-load-", dir=target) as scratch:
        work = Path(scratch)
        files = [(work / "corpus.nq", "")]
        shutil.copyfile(nq, files[0][0])
        merged = 0
        if default_graph is not None:
            merged_file, merged = default_graph_file(nq, store, work)
            files.append((merged_file, default_graph))
        graphs = [*counts, *([default_graph] if default_graph else [])]
        script = _script(work, files, graphs)
        output = _run(client, host, port, name, password, script, timeout)
    errors = re.findall(r"^\s*(?:\*\*\* Error|LOADERR\s)\s*(.*)$", output, re.M)
    if errors:
        raise PushError(f"Virtuoso's loader failed: {escape_controls(errors[0][:200])}",
                        hint="is --load-dir in the server's DirsAllowed, and the user allowed to load (dba)?")
    loaded = re.search(r"^LOADED\s+(\d+)\s*$", output, re.M)
    if loaded is None or int(loaded.group(1)) != len(files):
        raise PushError(f"Virtuoso's loader read {loaded.group(1) if loaded else 'none'} of the {len(files)} files "
                        f"in {target}", hint="the server must be able to read --load-dir: list it in its "
                        "virtuoso.ini DirsAllowed (and the path must be the same on the server's machine)")
    return Loaded(files=len(files), graphs=len(counts), triples=sum(counts.values()), merged=merged,
                  seconds=time.monotonic() - start)


def _script(work: Path, files: list[tuple[Path, str]], graphs: list[str]) -> str:
    """The isql script: empty the graphs, register the files, load, checkpoint, report the loader's errors."""
    lines = ["SET ECHO OFF;", "log_enable(2, 1);"]          # autocommit, no transaction log: a bulk load
    lines += [f"DELETE FROM DB.DBA.RDF_QUAD WHERE G = iri_to_id({_sql_string(g)});" for g in graphs]
    for path, graph in files:
        lines.append(f"DELETE FROM DB.DBA.load_list WHERE ll_file = {_sql_string(str(path))};")
        lines.append(f"ld_dir({_sql_string(str(work))}, {_sql_string(path.name)}, {_sql_string(graph)});")
    lines += ["rdf_loader_run();", "log_enable(1, 1);", "checkpoint;"]
    where = " OR ".join(f"ll_file = {_sql_string(str(path))}" for path, _ in files)
    lines.append(f"SELECT 'LOADERR' AS flag, ll_file, ll_error FROM DB.DBA.load_list WHERE ({where}) "
                 "AND (ll_error IS NOT NULL OR ll_state <> 2);")
    lines.append(f"SELECT 'LOADED' AS flag, COUNT(*) FROM DB.DBA.load_list WHERE ({where}) "
                 "AND ll_error IS NULL AND ll_state = 2;")
    return "\n".join(lines) + "\n"


def _run(client: str, host: str, port: int, name: str, password: str, script: str, timeout: float) -> str:
    try:
        done = subprocess.run([client, f"{host}:{port}", name, password, "VERBOSE=OFF", "BANNER=OFF",
                               "PROMPT=OFF", "ERRORS=STDOUT"],
                              input=script, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PushError(f"Virtuoso's loader did not finish within {timeout:g} s",
                        hint="the load goes on in the server; check DB.DBA.load_list") from None
    except OSError as exc:
        raise PushError(f"cannot run {client} ({exc.strerror or exc})") from None
    output = done.stdout + done.stderr
    if done.returncode != 0 and "Error" not in output:
        raise PushError(f"{Path(client).name} exited with {done.returncode}: "
                        f"{escape_controls(' '.join(output.split())[:200])}",
                        hint=f"is Virtuoso's SQL port at {host}:{port}, and --user right?")
    return output
