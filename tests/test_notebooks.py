"""Run every notebook top to bottom, as a reader would, and check what it shows.

The notebooks are committed without outputs, so nothing but this test proves
they still run against the current graph and library. Each runs in a fresh
kernel whose kernelspec is written to a temporary directory and points at this
interpreter, so the test needs no ``ipykernel install`` and cannot pick up
another environment's ``python3`` kernel; IPython and Jupyter state go to
temporary directories as well.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "python3"
CELL_TIMEOUT = 120
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="session")
def jupyter_env(tmp_path_factory):
    """A private Jupyter data dir with a ``python3`` kernelspec for ``sys.executable``.

    ``JUPYTER_PATH`` comes first in Jupyter's search path, so this spec wins
    over any user or system ``python3`` kernel. The kernel runs with the Agg
    backend (the notebooks switch to inline themselves) and finds the package
    under ``src/`` even if it is not installed.
    """
    base = tmp_path_factory.mktemp("jupyter")
    spec_dir = base / "data" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (policykg tests)",
        "language": "python",
        "env": {"MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT / "src")},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {
        "JUPYTER_PATH": str(base / "data"),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "IPYTHONDIR": str(base / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "MPLBACKEND": "Agg",
    }
    mp = pytest.MonkeyPatch()
    for key, value in env.items():
        mp.setenv(key, value)
    from jupyter_client.kernelspec import KernelSpecManager
    found = KernelSpecManager().get_kernel_spec(KERNEL)
    assert found.argv[0] == sys.executable, "the temporary kernelspec must win"
    yield env
    mp.undo()


@pytest.fixture(scope="session")
def executed(jupyter_env):
    """name → (executed notebook, seconds); each notebook runs once per session."""
    cache: dict[str, tuple[object, float]] = {}

    def run(name: str):
        if name not in cache:
            nb = nbformat.read(NOTEBOOKS / name, as_version=4)
            client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT,
                                             resources={"metadata": {"path": str(NOTEBOOKS)}})
            start = time.monotonic()
            client.execute()
            cache[name] = (nb, time.monotonic() - start)
        return cache[name]
    return run


def tagged(nb, tag: str):
    """The one cell tagged ``tag``."""
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def html_rows(cell) -> int:
    """Body rows of the pandas table a cell displays (all rows shown: the notebooks allow 80)."""
    html = "".join(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))
    body = re.search(r"<tbody>(.*)</tbody>", html, re.S)
    assert body, "the cell shows no table"
    return body.group(1).count("<tr>")


def text_of(nb) -> str:
    """Everything the notebook printed, to stdout and stderr."""
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o["output_type"] == "stream")


# ---------------------------------------------------------------- committed form


def test_there_are_four_notebooks():
    assert ALL == ["01_tour.ipynb", "02_unit_network.ipynb", "03_targets_and_phases.ipynb", "04_corpus.ipynb"]


@pytest.mark.parametrize("name", ALL)
def test_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: cell {cell.id} has outputs"


@pytest.mark.parametrize("name", ALL)
def test_markdown_is_bilingual(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert re.search(r"[\u4e00-\u9fff]", cell.source) and re.search(r"[A-Za-z]{4}", cell.source), cell.id


# ---------------------------------------------------------------- execution


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_runs_without_errors(executed, name):
    nb, seconds = executed(name)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o["output_type"] == "error"]
    assert not errors, errors
    # matplotlib warns once per character it cannot draw: that would be boxes in a figure
    assert "missing from font" not in text_of(nb)
    assert seconds < 60 * 2, f"{name} took {seconds:.0f} s"  # budget 60 s; twice that before failing


@pytest.mark.slow
def test_tour_tables(executed):
    nb, _ = executed("01_tour.ipynb")
    assert html_rows(tagged(nb, "key_tasks")) == 32
    assert html_rows(tagged(nb, "unit_workload")) == 42
    assert html_rows(tagged(nb, "targets")) == 75
    assert html_rows(tagged(nb, "narrative_measures")) == 16
    printed = "".join(o.get("text", "") for o in tagged(nb, "source_lines").outputs)
    assert "（十七）实施“千团万企”行动助力民营企业拓市场" in printed
    assert " 327 │ " in printed


@pytest.mark.slow
def test_unit_network_shows_page_and_tables(executed):
    nb, _ = executed("02_unit_network.ipynb")
    assert html_rows(tagged(nb, "centralities")) == 42
    page = "".join(o["data"].get("text/html", "") for o in tagged(nb, "page").outputs if "data" in o)
    assert page.count("<iframe srcdoc=") == 1
    assert "&lt;script" in page and "<script" not in page  # the page is inside the attribute, escaped


@pytest.mark.slow
def test_targets_notebook_draws_figures(executed):
    nb, _ = executed("03_targets_and_phases.ipynb")
    figures = [c for c in nb.cells if "figure" in c.metadata.get("tags", [])]
    assert len(figures) == 4
    for cell in figures:
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.id
    assert "CJK font:" in text_of(nb)


@pytest.mark.slow
def test_corpus_notebook_tours_every_document(executed):
    import json
    manifest = json.loads((ROOT / "graph" / "manifest.json").read_text(encoding="utf-8"))
    built = [e for e in manifest["documents"] if e["status"] == "built"]
    nb, _ = executed("04_corpus.ipynb")
    assert html_rows(tagged(nb, "documents")) == len(built)
    assert html_rows(tagged(nb, "records")) == len(built)
    assert html_rows(tagged(nb, "jurisdictions")) == len({e["jurisdiction"] for e in built})
    assert html_rows(tagged(nb, "unit_duties")) == 4            # 省发展改革委: two Anhui, two Shandong documents
    assert html_rows(tagged(nb, "one_document")) == 5
    figure = tagged(nb, "figure")
    assert any("image/png" in o.get("data", {}) for o in figure.outputs)
    printed = "".join(o.get("text", "") for o in tagged(nb, "report").outputs)
    assert "语料单位协作网络分析" in printed
