# The two commands of the README, each installing what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/odksync demo

# The form engine tests run ODK Web Forms' engine under Node (tests/engine/package-lock.json).
ENGINE_STAMP := tests/engine/node_modules/.installed

$(ENGINE_STAMP): tests/engine/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/engine --no-audit --no-fund && touch $(ENGINE_STAMP); \
	else echo "npm not found: the engine tests need Node.js 20 with npm"; fi

test: $(STAMP) $(ENGINE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy orchestration connectors warehouse sandbox simulation forms

bench: $(STAMP)
	$(BIN)/python bench/sync.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
