"""Where the declarative files live: ontology, shapes, lexicon, queries.

They sit at the top of the project (not inside the package) because analysts
read and edit them; the package finds them relative to its own source tree,
or under ``$POLICYKG_HOME`` when installed elsewhere.

The functions return :class:`pathlib.Path`; :func:`project_file` returns the
same place as a plain string. ``pathlib`` (with the ``re`` and ``urllib`` it
imports) is loaded only when a ``Path`` is asked for, so ``policykg query``,
which reads a query file and the ontology by :func:`project_file`, starts
without it.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False      # typing.TYPE_CHECKING without importing typing (≈10 ms) on the query path
if TYPE_CHECKING:
    from pathlib import Path

_ROOT: list[str] = []     # the project root once found (a list: no ``global`` statement)


def project_file(*parts: str) -> str:
    """A file or folder of the project as a string path: ``project_file("queries", "key_tasks.rq")``."""
    if not _ROOT:
        env = os.environ.get("POLICYKG_HOME")
        _ROOT.append(env if env else os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))))
    return os.path.join(_ROOT[0], *parts)


def _path(*parts: str) -> Path:
    from pathlib import Path
    return Path(project_file(*parts))


def project_root() -> Path:
    return _path()


def lexicon_path(name: str) -> Path:
    return _path("lexicon", name)


def ontology_path() -> Path:
    return _path("ontology.ttl")


def shapes_path() -> Path:
    return _path("shapes.ttl")


def queries_dir() -> Path:
    return _path("queries")


def default_corpus() -> Path:
    """The bundled corpus: the seed document and the real documents beside it."""
    return _path("sources")


def default_source() -> Path:
    """The seed: the bundled corpus's first document by name (its ``000_`` number puts it first).

    乐清市促进民营经济高质量发展若干举措 shaped the code and the notebooks study it;
    its name is read from ``sources/``, not written into the code, so the seed is
    whichever document the corpus puts first.
    """
    return min(p for p in default_corpus().glob("*.txt") if p.is_file())


def seed_id() -> str:
    """The seed's short id (its file name without the extension), as the corpus build names it.

    >>> seed_id()
    '000_4cdbba2a142b4d11'
    """
    return default_source().stem


def default_output_dir() -> Path:
    return _path("graph")
