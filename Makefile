# The README's contract: `make run` starts the web chat, `make test` passes the tests.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: setup run test eval bench lint clean-index

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/assistant eval

bench: setup
	$(BIN)/assistant bench

lint: setup
	$(BIN)/ruff check assistant ui tests
	$(BIN)/mypy assistant

clean-index:
	rm -rf index/plan.sqlite index/chroma index/embedding_cache.sqlite index/manifest.json
