"""How a file the user names is read — a query file, a graph file: the bytes of a regular file, capped.

One reader for both, so a FIFO, a device or a folder named like a ``.rq`` or a
``.ttl`` is refused the same way (it would block, or be read for ever) and every
refusal is one line naming the file. Only ``os`` and ``stat``: it is on the
query path.
"""

from __future__ import annotations

import os
import stat

from policykg.errors import QueryError

#: Largest file ``read_regular`` accepts: a query or graph beyond this is a mistake, not a document.
MAX_FILE_BYTES = 512 * 1024 * 1024


def read_regular(path: str | os.PathLike[str], what: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, or a one-line :class:`QueryError`.

    Opened non-blocking and checked with ``fstat`` on the open descriptor, so a
    FIFO, socket or device named like a query or graph file is refused instead
    of blocking the command, and the check cannot race with a rename.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise QueryError(f"no {what} at this path", path=str(path)) from None
    except OSError as exc:
        raise QueryError(f"cannot open the {what}: {exc.strerror}", path=str(path)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise QueryError(f"the {what} is {kind}", path=str(path))
        if info.st_size > limit:
            raise QueryError(f"the {what} is larger than {limit // (1024 * 1024)} MiB", path=str(path))
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)
    except OSError as exc:
        raise QueryError(f"cannot read the {what}: {exc.strerror}", path=str(path)) from None
    finally:
        os.close(fd)
