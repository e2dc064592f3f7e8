# 云会计 developer commands. `make run` and `make test` are all a newcomer needs.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-mixed clean lock venv

# Installs exactly the versions in requirements.lock (made by `make lock`), then the project.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)

# Re-resolve the lock after changing dependencies in pyproject.toml (keeps installed pins).
lock:
	$(BIN)/pip install -q uv
	$(BIN)/pip freeze --exclude-editable | grep -v '^uv==' > $(VENV)/constraints.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -c $(VENV)/constraints.txt -o requirements.lock -q

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

# First-delivery throughput as ../shared/tools/webhook-load measures it (wrk pinned to one core,
# the service to the other, a bare baseline in the same run), then the outbox.
bench: $(STAMP)
	$(BIN)/python -m bench.first_delivery && $(BIN)/python -m bench.outbox

# The older, gentler load: 50 users in a Python client, then whole request stories.
bench-mixed: $(STAMP)
	$(BIN)/python -m bench.webhook

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

-include mk/*.mk
