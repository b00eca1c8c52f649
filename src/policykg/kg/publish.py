"""Write the graph and its report to disk: deterministic, and all or nothing.

Turtle is rdflib's sorted serialisation, N-Triples is sorted line by line and
JSON-LD is written from a graph filled in sorted triple order, so two builds
of the same source are byte-identical.

All or nothing, as a whole (:func:`publish`): a build writes every output —
graph files, report, the Oxigraph store, pages, GraphML/GEXF — into a staging
folder *beside* the output folder (``.graph.staging-PID-XXXX``), then swaps the
two folders with one ``renameat2(RENAME_EXCHANGE)`` call. POSIX has no atomic
replacement of a non-empty folder; Linux's exchange is one, so a reader sees
either the old folder or the new one, and a failure or a kill at any moment
leaves the old folder whole (at worst a stale staging folder, removed by the
next build). Where the exchange is not available (other kernels, some file
systems) the swap is two renames, and a kill between them leaves the old
folder under its staging name with ``graph/`` missing for that moment.
Entries of the old folder that a build does not write (a user's own files) are
carried into the new one as hard links; outputs of an earlier build that this
one does not write (pages, when ``--pages`` is not given) are dropped, since
they would show another graph than the files beside them.

One build at a time per output folder (:func:`output_lock`): a build holds an
advisory lock (``fcntl``) on ``.NAME.lock`` beside the folder from the moment
it reads the old outputs until the swap; a second build is refused with one
line naming the first (its pid and since when). The kernel drops the lock when
its holder dies, however it dies, so a lock file left by a killed build blocks
nothing.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from policykg.errors import OutputError
from policykg.kg.layout import BUILD_OUTPUTS, GRAPH_STEM
from policykg.kg.timing import tick


def sorted_copy(graph):
    from rdflib import Graph
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True, replace=True)
    for triple in sorted(graph, key=lambda t: tuple(x.n3() for x in t)):
        out.add(triple)
    return out


#: Characters that line-oriented tools take for a line break (:meth:`str.splitlines` does), or that
#: a terminal acts on, written as N-Triples escapes. rdflib writes them raw (legal N-Triples: only
#: LF, CR, ``"`` and ``\`` must be escaped), so a document holding one broke every line-based step.
#: The escape is legal in literals and IRIs alike, so it is applied to the whole text.
_NT_ESCAPES = {code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F, 0x85, 0x2028, 0x2029)
               if chr(code) not in "\t\n\r"}
_NT_ESCAPED = re.compile("[" + "".join(re.escape(chr(code)) for code in _NT_ESCAPES) + "]")


def ntriples_lines(text: str) -> list[str]:
    r"""The statements of N-Triples or N-Quads ``text``, one per line, those characters escaped.

    Split on ``\n`` only: inside a statement every other line break is text of a literal.

    >>> ntriples_lines('<a:s> <a:p> "x\u2028y\x0bz" .\n\n')
    ['<a:s> <a:p> "x\\u2028y\\u000Bz" .']
    """
    if _NT_ESCAPED.search(text) is None:       # the usual text: nothing to escape, one C-level scan
        return [line for line in text.split("\n") if line.strip()]
    return [line.translate(_NT_ESCAPES) for line in text.split("\n") if line.strip()]


def serialise(graph) -> dict[str, bytes]:
    """File name → bytes for every graph format we publish.

    Written from the sorted triples by :func:`direct_serialise` (rdflib's bytes, without its
    writers); a graph that is declined (blank nodes …) by rdflib itself (:func:`rdflib_serialise`).
    """
    from policykg.kg.serialise import Unsupported

    try:
        return direct_serialise(graph)
    except (Unsupported, UnicodeEncodeError):
        return rdflib_serialise(graph)


def ntriples_bytes(graph) -> bytes:
    """The ``policykg.nt`` of :func:`serialise` alone (sorted N-Triples)."""
    from policykg.kg import serialise as fast

    try:
        lines = sorted(ntriples_lines(fast.ntriples_rows(fast.Rows(graph))))
    except fast.Unsupported:
        return rdflib_serialise(graph)[f"{GRAPH_STEM}.nt"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def direct_serialise(graph) -> dict[str, bytes]:
    """:func:`serialise` by :mod:`policykg.kg.serialise` alone: raises ``Unsupported`` (or
    ``UnicodeEncodeError``) for a graph it leaves to rdflib."""
    from policykg.kg import serialise as fast

    rows = fast.Rows(graph)
    context = rows.context()            # the bound prefixes, before Turtle binds generated ones
    nt_lines = sorted(ntriples_lines(fast.ntriples_rows(rows)))
    return {
        f"{GRAPH_STEM}.ttl": fast.turtle(rows),
        f"{GRAPH_STEM}.nt": ("\n".join(nt_lines) + "\n").encode("utf-8"),
        f"{GRAPH_STEM}.jsonld": fast.jsonld(rows, context),
    }


def rdflib_serialise(graph) -> dict[str, bytes]:
    """:func:`serialise` as rdflib writes it from a sorted copy of the graph (the reference)."""
    ordered = sorted_copy(graph)
    nt_lines = sorted(ntriples_lines(ordered.serialize(format="nt", encoding="utf-8").decode("utf-8")))
    context = {prefix: str(ns) for prefix, ns in ordered.namespaces() if prefix}
    return {
        f"{GRAPH_STEM}.ttl": ordered.serialize(format="turtle", encoding="utf-8"),
        f"{GRAPH_STEM}.nt": ("\n".join(nt_lines) + "\n").encode("utf-8"),
        f"{GRAPH_STEM}.jsonld": _stable_jsonld(ordered.serialize(format="json-ld", context=context)),
    }


def _stable_jsonld(text: str) -> bytes:
    """rdflib groups JSON-LD values through sets: sort nodes and value arrays ourselves.

    Arrays of property values in JSON-LD are unordered (we emit no ``@list``),
    so sorting them changes nothing an RDF reader sees.
    """
    doc = json.loads(text)

    def canon(value):
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        if isinstance(value, list):
            items = [canon(v) for v in value]
            return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
        return value

    doc = canon(doc)
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def report_bytes(report: dict) -> bytes:
    return (json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: never half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_outputs(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    """Write ``files`` into ``out_dir``, all of them or none (see :func:`publish`).

    Only these files are replaced; everything else in ``out_dir`` is kept.
    """
    def fill(stage: Path) -> list[str]:
        for name, data in files.items():
            (stage / name).write_bytes(data)
        return list(files)
    return publish(out_dir, fill, replaces=list(files))


def publish(out_dir: str | os.PathLike[str], fill: Callable[[Path], Iterable[str]],
            replaces: Iterable[str] = BUILD_OUTPUTS) -> list[Path]:
    """Stage a new ``out_dir`` with ``fill`` and swap it in whole; return the paths ``fill`` wrote.

    ``fill(stage)`` writes the new outputs into the empty folder ``stage`` and
    returns their names. Entries of the old folder named in ``replaces`` are
    dropped; any other entry is carried over (hard-linked). If ``fill`` raises,
    nothing of ``out_dir`` changes.
    """
    out = Path(out_dir)
    with output_lock(out):
        return _publish(out, fill, replaces)


def _publish(out: Path, fill: Callable[[Path], Iterable[str]], replaces: Iterable[str]) -> list[Path]:
    parent = check_output_dir(out)
    _remove_dead_stages(parent, out.name)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write beside the output folder: {exc.strerror}", path=str(out),
                          hint="the build stages its outputs in the parent folder, which must be writable") from None
    try:
        os.chmod(stage, (out.stat().st_mode & 0o7777) if out.is_dir() else 0o755)
        staged_at = os.stat(stage).st_mtime_ns
        names = list(fill(stage))
        tick("outputs staged")
        _carry_over(out, stage, set(names) | set(replaces))
        _fsync_tree(stage, staged_at)
        _swap(stage, out)
        tick("published")
    except OSError as exc:
        raise OutputError(f"cannot write the outputs: {exc.strerror or exc}", path=str(out)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)   # after the swap, the old folder
    return [out / name for name in names]


#: Locks this process holds: lock file → [descriptor, depth]. A build locks its output folder and
#: calls :func:`publish`, which locks it again: POSIX record locks belong to the process, and
#: closing any descriptor of the file would drop them, so the file is opened once and counted.
_HELD: dict[str, list[int]] = {}


@contextmanager
def output_lock(out_dir: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the lock of output folder ``out_dir`` (see the module docstring) for the ``with`` block.

    Raises :class:`OutputError` naming the build that holds it. A record lock (``lockf``) is the
    process's own: worker processes forked by the build do not inherit it.
    """
    out = Path(out_dir)
    parent = os.path.realpath(check_output_dir(out))      # one lock file, however the folder is spelt
    lock = os.path.join(parent, f".{out.absolute().name}.lock")
    if lock in _HELD:
        _HELD[lock][1] += 1
    else:
        _HELD[lock] = [_acquire(lock, out), 1]
    try:
        yield
    finally:
        _HELD[lock][1] -= 1
        if _HELD[lock][1] == 0:
            fd = _HELD.pop(lock)[0]
            try:
                os.unlink(lock)           # still ours: a waiting build re-checks the file it locked
            except OSError:
                pass
            os.close(fd)


def _acquire(lock: str, out: Path) -> int:
    """Lock ``lock`` (created if missing) and write who holds it; return its descriptor."""
    import fcntl
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot create the lock file {lock}: {exc.strerror}", path=str(out)) from None
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise OutputError(f"cannot lock the output folder: {exc.strerror}", path=str(out)) from None
            raise OutputError(f"another build is writing this output folder ({holder})", path=str(out),
                              hint="wait for it to finish, or give another --out") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:                          # not a file its last holder removed as we opened it
            break
        os.close(fd)
    _taken_over(os.pread(fd, 200, 0).decode("utf-8", "replace").strip(), out)
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
    return fd


def _taken_over(left: str, out: Path) -> None:
    """Say so when the lock file names a build that died holding it (killed: its lock went with it, its
    staged folder is removed before this one stages)."""
    match = re.match(r"pid (\d+)", left)
    if match and int(match[1]) != os.getpid() and not process_alive(int(match[1])):
        print(f"policykg: note: {out}: taking over the lock of a build that is no longer running ({left})",
              file=sys.stderr)


def _holder(fd: int) -> str:
    """What the lock file says of the build that holds it (written just after it took the lock)."""
    for _ in range(20):
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        if text:
            return text
        time.sleep(0.05)
    return "pid unknown"


def check_output_dir(out: Path) -> Path:
    """The folder to stage in (``out``'s parent), after refusing what cannot become an output folder."""
    if out.exists() and not out.is_dir():
        raise OutputError("the output path is a file, not a folder", path=str(out),
                          hint="give --out a folder (it is created if missing)")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise OutputError("the output folder is not writable", path=str(out))
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", path=str(out)) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError("the folder that holds the output folder is not writable", path=str(parent),
                          hint="the build stages its outputs beside the output folder and swaps them in")
    return parent


def _remove_dead_stages(parent: Path, name: str) -> None:
    """Remove staging folders of builds that were killed (their process no longer exists)."""
    pattern = re.compile(rf"\.{re.escape(name)}\.staging-(\d+)-")
    for entry in parent.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_dir() and not process_alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)


def process_alive(pid: int) -> bool:
    """Is process ``pid`` still running? (A stale staging folder or temporary store names its builder.)"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _carry_over(old: Path, stage: Path, owned: set[str]) -> None:
    """Hard-link the old folder's other entries into the stage, so the swap loses none of them."""
    if not old.is_dir():
        return
    for entry in sorted(old.iterdir()):
        if entry.name in owned or (stage / entry.name).exists():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, stage / entry.name, symlinks=True, copy_function=link_or_copy)
        else:
            link_or_copy(entry, stage / entry.name)


def link_or_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
    """``dst`` as a hard link to ``src`` (a symbolic link copied as one), or a copy where links fail
    (another file system, links not permitted): the bytes are the same either way."""
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _fsync_tree(root: Path, staged_at: int = 0) -> None:
    """Flush every file and folder this build staged to disk before the swap makes them the outputs.

    A file linked in whole (more than one link, last written before the stage was made at ``staged_at``,
    in ns) was not written by this build: an unchanged document's file or a store file of the last build,
    already flushed when that build was swapped in, or a user's file carried over. Its new name is made
    durable with its folder; its bytes are not flushed again (a thousand unchanged documents would cost
    thousands of flushes). On Linux one ``syncfs`` of the file system that holds the stage flushes it all
    with one disk barrier instead of one per file and folder."""
    if _syncfs(root):
        return
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode) or (info.st_nlink > 1 and info.st_mtime_ns < staged_at):
                continue
            _fsync(path, os.O_RDONLY)
        _fsync(folder, os.O_RDONLY | os.O_DIRECTORY)


def _syncfs(root: Path) -> bool:
    """Flush the file system that holds ``root`` (Linux ``syncfs``, which waits); False where there is none."""
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return syncfs(fd) == 0
    finally:
        os.close(fd)


def _fsync(path: str, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _swap(stage: Path, out: Path) -> None:
    """Put ``stage`` at ``out``; afterwards ``stage`` holds the old folder (or nothing)."""
    if not out.exists():
        os.rename(stage, out)
        stage.mkdir()            # the caller removes the stage path; keep it a folder
        return
    if _exchange(stage, out):
        return
    old = stage.with_name(stage.name + "-old")
    os.rename(out, old)
    os.rename(stage, out)
    os.rename(old, stage)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2``); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
