"""One fresh build of the bundled corpus per test session, shared by the test files that need it."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def corpus_dir() -> Path:
    """``policykg build sources --out TMP``: corpus.nq, manifest.json, docs/, store/ (the example ledgers applied)."""
    from policykg.kg.corpus import build_corpus
    from policykg.use.analysis_graph import analysis_quads
    from policykg.use.ledger import build_progress
    out = Path(tempfile.mkdtemp(prefix="policykg-corpus-")) / "graph"
    atexit.register(shutil.rmtree, out.parent, True)
    build_corpus([ROOT / "sources"], out, jobs=2, analysis=analysis_quads,   # as `policykg build` does,
                 ledgers=build_progress)                                    # sources/ledgers/ included
    return out


def corpus_store():
    from policykg.kg.store import open_graph
    return open_graph(str(corpus_dir()))
