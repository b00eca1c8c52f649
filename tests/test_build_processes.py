"""Issue 14, finding 8: the processes of a build.

Old failures: ``kill -9`` of a corpus build left its two workers alive for 60 s and more (3 of 5 tries);
a second build on the same ``--out`` exited 2 with a misleading "No such file or directory", or
went on and overwrote the first one's outputs. These tests need nothing outside the repository.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "policykg.cli"]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


def _corpus(folder: Path, copies: int = 2) -> Path:
    """The dev documents, ``copies`` times over: enough work to keep two workers busy for a while."""
    folder.mkdir()
    for source in sorted((ROOT / "sources" / "dev").glob("*.txt")):
        for copy in range(copies):
            shutil.copy(source, folder / f"{source.stem}_{copy}.txt")
    return folder


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper is dead: it holds no memory and runs nothing)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_kill_9_of_a_corpus_build_leaves_no_worker_and_the_next_build_runs(tmp_path):
    folder, out = _corpus(tmp_path / "in"), tmp_path / "out"
    build = subprocess.Popen(CLI + ["build", str(folder), "--out", str(out), "--jobs", "2"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        assert _wait_for(lambda: len(_children(build.pid)) >= 2, 120), "the build started no workers"
        workers = _children(build.pid)
        time.sleep(1.0)                                   # the workers are building documents
        os.kill(build.pid, signal.SIGKILL)
        build.wait(10)
        assert _wait_for(lambda: not any(_alive(w) for w in workers), 10), \
            f"workers alive 10 s after the build was killed: {[w for w in workers if _alive(w)]}"
    finally:
        for pid in [build.pid, *workers]:                 # orphans of a failed run are ours to end
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    again = subprocess.run(CLI + ["build", str(ROOT / "sources" / "000_4cdbba2a142b4d11.txt"), "--out", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-500:]
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name or p.name.endswith(".lock")]


def test_a_second_build_on_one_out_is_refused_naming_the_first(tmp_path):
    folder, out = _corpus(tmp_path / "in", copies=1), tmp_path / "out"
    first = subprocess.Popen(CLI + ["build", str(folder), "--out", str(out), "--jobs", "1"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def staged() -> bool:
            return any(p.name.startswith(f".out.staging-{first.pid}-") for p in tmp_path.iterdir())
        assert _wait_for(staged, 120), "the first build never staged its outputs"
        second = subprocess.run(CLI + ["build", str(folder), "--out", str(out)], cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
        assert second.returncode == 2, second.stderr[-500:]
        assert len(second.stderr.strip().splitlines()) == 1, second.stderr
        assert f"pid {first.pid}" in second.stderr and "another build" in second.stderr, second.stderr
        assert first.wait(600) == 0, first.stderr.read()[-500:]
    finally:
        if first.poll() is None:
            first.kill()
    assert (out / "manifest.json").is_file() and not (tmp_path / ".out.lock").exists()


def test_a_lock_file_left_by_a_killed_build_blocks_nothing(tmp_path):
    (tmp_path / ".out.lock").write_text("pid 999999, since 2020-01-01 00:00:00\n")
    done = subprocess.run(CLI + ["build", str(ROOT / "sources" / "000_4cdbba2a142b4d11.txt"), "--out",
                                 str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert (tmp_path / "out" / "policykg.ttl").is_file()


def test_a_worker_killed_mid_build_ends_the_build_with_one_line(tmp_path):
    """Old: BrokenProcessPool's traceback, exit 1. Now: exit 2, one line, the old outputs untouched."""
    folder, out = _corpus(tmp_path / "in"), tmp_path / "out"
    build = subprocess.Popen(CLI + ["build", str(folder), "--out", str(out), "--jobs", "2"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: len(_children(build.pid)) >= 2, 120), "the build started no workers"
        time.sleep(1.0)
        os.kill(_children(build.pid)[0], signal.SIGKILL)
        assert build.wait(120) == 2
        stderr = build.stderr.read()
        assert len(stderr.strip().splitlines()) == 1 and "worker" in stderr, stderr[-500:]
    finally:
        if build.poll() is None:
            build.kill()
    assert not out.exists()
