# Two entry points for a fresh machine: `make demo` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT := build/demo_repo_fixed
MIGRATE_OUT := build/demo_repo_migrated
MIGRATE_REPORT := build/demo_migration.md

.PHONY: demo test test-fast lint typecheck clean venv-base venv-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv-base: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[validate,migrate]'

venv-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,validate]'

demo: venv-base
	@echo "== estimator-fix check fixtures/demo_repo"
	-$(BIN)/estimator-fix check fixtures/demo_repo
	@echo "== estimator-fix diff fixtures/demo_repo"
	-$(BIN)/estimator-fix diff fixtures/demo_repo
	@echo "== fix into a copy: $(DEMO_OUT)"
	rm -rf $(DEMO_OUT) && mkdir -p build && cp -r fixtures/demo_repo $(DEMO_OUT)
	-$(BIN)/estimator-fix fix $(DEMO_OUT)
	@echo "== validate the rewrite of the demo's trainer in TensorFlow"
	$(BIN)/estimator-fix validate fixtures/demo_repo/trainer/model.py
	@echo "== estimator-fix migrate fixtures/demo_repo --out $(MIGRATE_OUT) --report $(MIGRATE_REPORT)"
	rm -rf $(MIGRATE_OUT)
	-$(BIN)/estimator-fix migrate fixtures/demo_repo --out $(MIGRATE_OUT) --report $(MIGRATE_REPORT)
	cat $(MIGRATE_REPORT)

lint: venv-dev
	$(BIN)/ruff check estimator_fix codemods tests benchmarks
	$(BIN)/mypy
	$(BIN)/estimator-fix check --exit-zero fixtures/pairs --quiet

test: venv-dev lint
	$(BIN)/python -m pytest -n 2

# Everything but the TensorFlow tests, in a venv without TensorFlow: quick, and it proves that
# every test needing TensorFlow carries the `tf` marker.
FAST := .venv-fast
test-fast:
	test -x $(FAST)/bin/python || $(PYTHON) -m venv $(FAST)
	$(FAST)/bin/python -m pip install --quiet -e '.[dev]'
	$(FAST)/bin/python -m pytest -n 2 -m "not tf"

clean:
	rm -rf $(VENV) $(FAST) build .pytest_cache .mypy_cache .estimator-fix-cache
