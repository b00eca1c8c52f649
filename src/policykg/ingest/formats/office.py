"""Word .doc, Kingsoft .wps, RTF and OpenDocument text: through LibreOffice into the .docx reader.

No Python library reads the old binary Word format (OLE2 compound files) or
Kingsoft's .wps well enough to keep tables and numbering; LibreOffice does, and
turns them into .docx, which :mod:`.docx` reads with every care it takes. So
this reader runs ``soffice --headless --convert-to docx`` in a private temporary
folder and reads the result.

Traps: LibreOffice refuses to start a second instance on one user profile (two
builds in parallel would collide, or one would silently convert nothing), so
each conversion gets its own profile (``-env:UserInstallation=file://…``);
it writes no error when the input is not a document it knows — it just makes no
output file, so a missing output is the error; it may hang on a damaged file,
so it runs under a time limit and its whole process group is ended then; it
detects .wps and .doc from the content, so the file keeps its extension only as
a hint. LibreOffice is an optional Debian package (``libreoffice-writer-nogui``):
without it these files are refused with one line that names it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from policykg.errors import InputError, ToolMissingError
from policykg.model import SourceText

#: The largest file a conversion may give back: as much as a document read from disk (``ingest/read.py``).
MAX_CONVERTED_BYTES = 64 << 20

DEBIAN_PACKAGE = "libreoffice-writer-nogui"
#: Seconds a conversion may take: a long report converts in a few seconds; a hang is a damaged file.
TIMEOUT = 180
_SAFE_SUFFIXES = {".doc", ".dot", ".wps", ".wpt", ".rtf", ".odt"}


def soffice() -> str | None:
    """The LibreOffice program on ``PATH`` (``soffice``, or ``libreoffice`` as some systems name it)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def format_of(path: Path, data: bytes) -> str:
    """What the file is, for the graph and the manifest: ``doc``, ``wps``, ``rtf`` or ``odt``."""
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    if data.startswith(b"PK"):
        return "odt"
    return "wps" if path.suffix.lower() in (".wps", ".wpt") else "doc"


def read(path: Path, data: bytes) -> SourceText:
    """The reader's contract (:mod:`policykg.ingest.formats`): convert to .docx, read that."""
    from policykg.ingest.formats import docx
    program = soffice()
    kind = format_of(path, data)
    if program is None:
        raise ToolMissingError(f"reading a .{kind} file needs LibreOffice, which is not installed",
                               path=str(path), hint=f"install the Debian package {DEBIAN_PACKAGE}")
    converted = convert(program, path, data, kind)
    source = docx.read(path, converted)
    return replace(source, format=kind, reader="libreoffice+docx",
                   notes=(f"converted from .{kind} to .docx by LibreOffice",) + source.notes)


def convert(program: str, path: Path, data: bytes, kind: str) -> bytes:
    """``data`` converted to .docx bytes by LibreOffice in a private folder and profile."""
    from policykg.files import read_regular
    suffix = path.suffix.lower() if path.suffix.lower() in _SAFE_SUFFIXES else f".{kind}"
    with tempfile.TemporaryDirectory(prefix="policykg-office-") as tmp:
        folder = Path(tmp)
        source = folder / f"document{suffix}"
        source.write_bytes(data)
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--invisible",
                   "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(source)]
        output = _run(command, folder, path)
        result = folder / "out" / "document.docx"
        if not result.exists():
            last = (output.strip().splitlines() or ["no output"])[-1][:160]
            raise InputError(f"LibreOffice could not convert this .{kind} file ({last})", path=str(path),
                             hint="is it damaged or password-protected? open and re-save it as .docx")
        return read_regular(result, "converted file", MAX_CONVERTED_BYTES)


def _run(command: list[str], folder: Path, path: Path) -> str:
    """Run LibreOffice with its own HOME and process group; end the group if it outlives :data:`TIMEOUT`."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    env.update(HOME=str(folder), TMPDIR=str(folder), SAL_USE_VCLPLUGIN="svp")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               cwd=folder, env=env, start_new_session=True)
    try:
        out, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _end_group(process)
        raise InputError(f"LibreOffice did not finish converting the file within {TIMEOUT} s", path=str(path),
                         hint="is it damaged? open and re-save it as .docx") from None
    finally:
        _end_group(process)                 # helpers it left behind (oosplash, soffice.bin) go with it
    return out.decode("utf-8", "replace")


def _end_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait()
