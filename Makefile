# 云会计 developer commands. `make run` and `make test` are all a newcomer needs.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/yunkuaiji migrate
	$(BIN)/yunkuaiji demo --if-empty
	$(BIN)/yunkuaiji serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench.webhook && $(BIN)/python -m bench.outbox

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

-include mk/*.mk
