"""The architecture as a test: three layers, imports only downward, no cycle, small rooms.

``src/policykg`` is built as floors (``docs/architecture.md``):

* the **core** — ``model``, ``vocab``, ``errors``, ``resources``, ``files``: plain data,
  names and the one safe file reader, imported by everyone, importing only each other;
* ``ingest/`` — reading and understanding a document (formats, segmenting,
  extracting, normalising, linking);
* ``kg/`` — the knowledge graph (RDF mapping, validation, the corpus build, the store,
  the query library and its guard);
* ``use/`` — what is done with the graph (analytics, pages, notebooks, exports,
  push, the endpoint);
* the **command line** (``cli`` and its option tables) on top.

A module may import its own layer and the layers below it, never one above: the
build (``kg``) never imports a use, and nothing understands a document after it is
in the graph. Every import counts — also one written inside a function to be lazy,
which is how the one cycle of the flat layout hid (``readers/notes`` ↔
``readers/unit_names``). Read with :mod:`ast`, nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "policykg"
CORE = {"policykg", "policykg.model", "policykg.vocab", "policykg.errors", "policykg.resources", "policykg.files"}
LAYERS = {"core": 0, "ingest": 1, "kg": 2, "use": 3, "cli": 4}
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    if module in CORE:
        return "core"
    second = module.split(".")[1] if module.count(".") else ""
    return second if second in ("ingest", "kg", "use") else "cli"


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: dict[str, Path]) -> dict[str, int]:
    """Every policykg module ``path`` imports (anywhere in the file) → the first line that does."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            while target and target not in known and "." in target:
                target = target.rpartition(".")[0]      # policykg.kg.store.execute → policykg.kg.store
            if target in known and target != me and target.startswith("policykg"):
                found.setdefault(target, node.lineno)
    return found


def upward_imports(known: dict[str, Path]) -> list[str]:
    wrong = []
    for name, path in known.items():
        mine = LAYERS[layer_of(name)]
        for target, line in imports_of(path, known).items():
            if target in ("policykg",) or LAYERS[layer_of(target)] <= mine:
                continue
            wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {layer_of(name)} imports "
                         f"{layer_of(target)} ({target})")
    return wrong


def test_imports_run_only_downward():
    assert upward_imports(modules()) == []


def test_the_rule_catches_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a kg module importing a use is reported (so the test above can fail)."""
    known = modules()
    fake = tmp_path / "policykg" / "kg" / "leak.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from policykg.use.pages import write_pages\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "policykg")
    found = imports_of(fake, {**known, "policykg.kg.leak": fake})
    assert found == {"policykg.use.pages": 2}
    assert LAYERS[layer_of("policykg.use.pages")] > LAYERS[layer_of("policykg.kg.leak")]


def test_no_import_cycle():
    known = modules()
    graph = {name: set(imports_of(path, known)) - {"policykg"} for name, path in known.items()}
    seen, stack, cycles = set(), [], []

    def visit(node: str) -> None:
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()

    for name in sorted(graph):
        visit(name)
    assert cycles == []


def test_core_imports_only_the_core():
    known = modules()
    for name in CORE - {"policykg"}:
        assert set(imports_of(known[name], known)) <= CORE, name


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rooms_stay_small(path):
    """No module over 600 lines, no function over 80: a reader sees one job at a time."""
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}:{node.lineno} {node.name}: {length} lines"
