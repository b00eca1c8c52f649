#!/usr/bin/env python3
"""Build the knowledge graph of the bundled corpus (sources/) into graph/ — or of the
documents and folders given.

Thin on purpose: the work is done by ``policykg build`` (src/policykg/kg/corpus.py, for one
document — a corpus of one — or many; src/policykg/kg/pipeline.py builds each document).
Usage: python build_graph.py [SOURCE …] [--out DIR] [--pages]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from policykg.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
