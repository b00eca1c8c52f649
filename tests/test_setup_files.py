"""The set-up an analyst runs: what the Makefile and pyproject.toml promise (issue 17, item 7).

Failed before: the README promised Jupyter exploration, but no extra installed Jupyter Lab and
nothing opened the notebooks.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_notebooks_extra_installs_jupyterlab_and_make_installs_that_extra():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(re.match(r"jupyterlab\b", req) for req in extras["notebooks"]), extras["notebooks"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-e '\.\[[^\]]*\bnotebooks\b", makefile)


def test_make_lab_opens_the_notebooks_folder():
    dry = subprocess.run(["make", "-n", "lab", "STAMP=/dev/null"], cwd=ROOT, capture_output=True, text=True,
                         timeout=30)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip().splitlines()[-1] == ".venv/bin/jupyter lab notebooks/"
    assert (ROOT / "notebooks").is_dir() and list((ROOT / "notebooks").glob("*.ipynb"))
    assert "make lab" in (ROOT / "README.md").read_text(encoding="utf-8")
