# Two commands do all the set-up on a fresh Debian machine with Python 3.11:
#   make graph   — build the knowledge graph of the bundled corpus (sources/) into graph/
#   make test    — run the whole test suite (installs Chromium, fonts, rapper if root)
#   make lab     — Jupyter Lab on notebooks/ (the notebooks extra installs it)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: graph test system-deps bench serve lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,notebooks]'
	touch $(STAMP)

graph: $(STAMP)
	$(BIN)/policykg build --pages

system-deps:
	sh scripts/install_system_deps.sh

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_corpus.py

serve: $(STAMP)
	$(BIN)/policykg serve

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
