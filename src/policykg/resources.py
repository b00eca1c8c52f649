"""Where the declarative files live: ontology, shapes, lexicon, queries.

They sit at the top of the project (not inside the package) because analysts
read and edit them; the package finds them relative to its own source tree,
or under ``$POLICYKG_HOME`` when installed elsewhere.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def project_root() -> Path:
    env = os.environ.get("POLICYKG_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2]


def lexicon_path(name: str) -> Path:
    return project_root() / "lexicon" / name


def ontology_path() -> Path:
    return project_root() / "ontology.ttl"


def shapes_path() -> Path:
    return project_root() / "shapes.ttl"


def queries_dir() -> Path:
    return project_root() / "queries"


def default_source() -> Path:
    return project_root() / "sources" / "000_4cdbba2a142b4d11.txt"


def default_corpus() -> Path:
    """The bundled corpus: the seed document and the real documents beside it."""
    return project_root() / "sources"


def default_output_dir() -> Path:
    return project_root() / "graph"
