"""How any file policykg is handed is read: a regular file's bytes, capped, never a FIFO or a device.

Documents, sidecars, query files and graph files all come from a user's disk, where
a name can stand for a folder, a FIFO (reading it hangs), ``/dev/zero`` behind a link
(reading it fills memory) or a file that grows while it is read. So there is one
reader for all of them: ``os.stat`` refuses anything but a regular file before it is
opened for reading; it is opened non-blocking and checked again with ``fstat`` (a
file swapped for a FIFO in between cannot hang us); it is read in bounded chunks and
the bytes are counted, not the size trusted. Every refusal is one line naming the
file, raised as the caller's own error class (an :class:`~policykg.errors.InputError`
for a document, a :class:`~policykg.errors.QueryError` for a query or graph file).

Only ``os`` and ``stat``: the ``policykg query`` path reads its query file here.
"""

from __future__ import annotations

import os
import stat

from policykg.errors import InputError, PolicyKGError

__all__ = ["read_regular"]

_CHUNK = 1 << 20
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_regular(path: str | os.PathLike[str], what: str, limit: int,
                 error: type[PolicyKGError] = InputError) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit`` of them), or one ``error`` naming it."""
    try:
        _check_regular(os.stat(path).st_mode, path, what, error)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(f"no {what} at this path", path=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror or exc}", path=str(path)) from None
    try:
        info = os.fstat(fd)
        _check_regular(info.st_mode, path, what, error)
        chunks, total = [], 0
        while total <= limit and info.st_size <= limit and (chunk := os.read(fd, _CHUNK)):
            total += len(chunk)          # the size can grow while we read: counted, not trusted
            chunks.append(chunk)
        if total > limit or info.st_size > limit:
            raise error(f"the {what} is larger than {_size(limit)}", path=str(path), hint="is it the right file?")
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror or exc}", path=str(path)) from None
    finally:
        os.close(fd)


def _check_regular(mode: int, path, what: str, error: type[PolicyKGError]) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        raise error(f"cannot read the {what}: it is {kind}, not a regular file", path=str(path))


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"
