"""Standard output and error while a command runs: escaped on a terminal, one line when they fail."""

from __future__ import annotations

import sys

from policykg.errors import ReaderGone, StdoutError


class TerminalStream:
    """``sys.stdout`` / ``sys.stderr`` while a command runs: every command's writes pass here.

    Why one wrapper rather than care at each ``print``: titles, unit names, file
    names and query answers come from documents, and a document can carry ESC
    sequences (clear the screen, OSC window titles), C1 controls, bidi overrides
    or line separators. So:

    * when the stream is a **terminal**, control characters are escaped with
      :func:`policykg.use.answers.escape_controls` (``keep``: the ones the output itself
      is made of — line ends, TSV's tabs); redirected to a file or a pipe, the
      bytes are written exactly as the command made them;
    * a write or flush that **fails** — stdout closed (``>&-``), a full disk
      (``> /dev/full``) — raises one :class:`StdoutError` (a one-line message,
      exit 2) instead of a traceback; a reader gone (``| head -1``) ends the
      command silently with 141, as SIGPIPE ends other tools (:class:`ReaderGone`);
      on stderr (``quiet``) a failure is dropped: there is nowhere left to say it.
    """

    def __init__(self, stream, keep: str, quiet: bool = False) -> None:
        self.stream, self.keep, self.quiet = stream, keep, quiet
        try:
            self.terminal = stream is not None and stream.isatty()
        except (AttributeError, ValueError, OSError):
            self.terminal = False

    def write(self, text: str) -> int:
        if self.terminal:
            from policykg.use.answers import escape_controls
            text = escape_controls(text, self.keep)
        return self._do(lambda: self._write(text)) or 0

    def _write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except UnicodeEncodeError:               # a lone surrogate (an undecodable file name) or a narrow locale
            encoding = getattr(self.stream, "encoding", None) or "utf-8"
            return self.stream.write(text.encode(encoding, "backslashreplace").decode(encoding))

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._do(lambda: self.stream.flush())

    def isatty(self) -> bool:
        return self.terminal

    def _do(self, action):
        if self.stream is None:
            if self.quiet:
                return None
            raise StdoutError("standard output is closed: there is nowhere to write the answer",
                              hint="redirect it to a file, e.g. > answer.csv")
        try:
            return action()
        except (OSError, ValueError) as exc:     # ValueError: "I/O operation on closed file"
            if self.quiet:
                return None
            raise _output_error(exc) from None

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def _output_error(exc: Exception) -> StdoutError:
    import errno
    if isinstance(exc, BrokenPipeError):
        return ReaderGone("standard output was closed by its reader (broken pipe)")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    hint = "free some space, or write elsewhere" if getattr(exc, "errno", None) == errno.ENOSPC else None
    return StdoutError(f"cannot write to standard output: {reason}", hint=hint)


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again.

    Not when stdout was closed from the start: its descriptor may now be a file this
    process opened, which must not be overwritten.
    """
    import os
    stream = getattr(sys.stdout, "stream", sys.stdout)
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
