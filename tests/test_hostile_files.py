"""Issue 14, finding 3: files that are not documents. Each gets exit 2 and one line naming it — alone, with
nothing written; in a corpus, a manifest entry with its reason while the others build.

Old failures: a 250-character name (OSError from the sidecar's stat, traceback), ``..txt`` / ``...txt``
("File exists"), a sidecar nested 100,000 deep (RecursionError), ``build /dev/zero`` (read until
MemoryError), a FIFO (the build hung), a folder named like a document, an unreadable file (traceback
from the corpus's hashing). These tests need nothing outside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "policykg.cli"]
GOOD = ROOT / "sources" / "dev" / "22_qingdao_ocean_ai_models_2024.txt"
LONG = "长" * 10 + "x" * 216             # 246 bytes before .txt: 250 characters, NAME.meta.json cannot exist


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe.txt")
    return folder / "pipe.txt"


def _folder(folder: Path) -> Path:
    (folder / "folder.txt").mkdir()
    return folder / "folder.txt"


def _device(folder: Path) -> Path:
    (folder / "zero.txt").symlink_to("/dev/zero")
    return folder / "zero.txt"


def _long_name(folder: Path) -> Path:
    shutil.copy(GOOD, folder / f"{LONG}.txt")
    return folder / f"{LONG}.txt"


def _dot(folder: Path) -> Path:
    shutil.copy(GOOD, folder / "..txt")
    return folder / "..txt"


def _dots(folder: Path) -> Path:
    shutil.copy(GOOD, folder / "...txt")
    return folder / "...txt"


def _deep_sidecar(folder: Path) -> Path:
    shutil.copy(GOOD, folder / "deep.txt")
    (folder / "deep.src.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return folder / "deep.txt"


def _huge_sidecar(folder: Path) -> Path:
    shutil.copy(GOOD, folder / "huge.txt")
    with open(folder / "huge.src.json", "w", encoding="utf-8") as out:
        out.write('{"title": "' + "题" * (7 << 20) + '"}')            # 21 MiB
    return folder / "huge.txt"


def _fifo_sidecar(folder: Path) -> Path:
    shutil.copy(GOOD, folder / "piped.txt")
    os.mkfifo(folder / "piped.src.json")
    return folder / "piped.txt"


def _socket(folder: Path) -> Path:
    import socket
    server = socket.socket(socket.AF_UNIX)
    cwd = os.getcwd()
    os.chdir(folder)                                      # a socket's path is limited to 107 bytes
    try:
        server.bind("socket.txt")
    finally:
        os.chdir(cwd)
    server.close()                                        # the file stays, as a socket
    return folder / "socket.txt"


def _unreadable(folder: Path) -> Path:
    """A regular file whose reading fails with EIO, for root too (chmod 000 does not stop root)."""
    (folder / "unreadable.txt").symlink_to("/proc/self/mem")
    return folder / "unreadable.txt"


KINDS = {"fifo": _fifo, "folder": _folder, "device": _device, "long name": _long_name, "..txt": _dot,
         "...txt": _dots, "deep sidecar": _deep_sidecar, "huge sidecar": _huge_sidecar,
         "fifo sidecar": _fifo_sidecar, "socket": _socket, "unreadable": _unreadable}


def _run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"folder"}))     # a folder given alone is a corpus
def test_a_file_that_is_no_document_alone_exits_2_with_one_line_and_writes_nothing(tmp_path, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    path = KINDS[kind](folder)
    done = _run(["build", str(path), "--out", str(tmp_path / "out")], timeout=60)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-500:]
    assert path.name in lines[0] or path.stem + ".src.json" in lines[0], lines[0]
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_build_dev_zero_is_refused_at_once(tmp_path):
    """Old: ``build /dev/zero`` read until MemoryError."""
    done = _run(["build", "/dev/zero", "--out", str(tmp_path / "out")], timeout=30)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "/dev/zero" in done.stderr, done.stderr[-300:]
    assert "device" in done.stderr


def test_a_corpus_with_every_kind_of_non_document_builds_the_documents_and_lists_the_rest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = {kind: make(folder) for kind, make in KINDS.items()}
    shutil.copy(GOOD, folder / "good.txt")
    shutil.copy(ROOT / "sources" / "000_4cdbba2a142b4d11.txt", folder / "seed.txt")
    done = _run(["build", str(folder), "--out", str(tmp_path / "out"), "--no-analysis"], timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-800:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    status = {e["file"]: e for e in manifest["documents"]}
    built = {Path(f).name for f, e in status.items() if e["status"] == "built"}
    assert built == {"good.txt", "seed.txt"}, built
    for kind, path in bad.items():
        entry = next(e for f, e in status.items() if Path(f).name == path.name)
        assert entry["status"] == "failed" and "\n" not in entry["error"], (kind, entry)
        assert path.name[:100] in entry["error"] or path.stem + ".src.json" in entry["error"], (kind, entry["error"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_file_in_a_corpus_is_listed_not_fatal(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "good.txt")
    shutil.copy(GOOD, folder / "locked.txt")
    os.chmod(folder / "locked.txt", 0)
    done = _run(["build", str(folder), "--out", str(tmp_path / "out"), "--no-analysis"], timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["id"]: e["status"] for e in manifest["documents"]} == {"good": "built", "locked": "failed"}


def test_two_files_with_one_id_fail_only_the_second(tmp_path):
    """Two ``通知.txt`` in two folders: the second is listed with the first's name, the corpus builds."""
    for year in ("2021", "2022"):
        (tmp_path / "in" / year).mkdir(parents=True)
        shutil.copy(GOOD if year == "2021" else ROOT / "sources" / "000_4cdbba2a142b4d11.txt",
                    tmp_path / "in" / year / "通知.txt")
    done = _run(["build", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--no-analysis"], timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    entries = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["documents"]
    assert [e["status"] for e in entries] == ["built", "failed"]
    assert "2021" in entries[1]["error"] and "rename" in entries[1]["error"]
