# Two entry points for a fresh machine: `make demo` and `make test`. Each creates .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_OUT := build/demo_repo_fixed
MIGRATE_OUT := build/demo_repo_migrated
MIGRATE_REPORT := build/demo_migration.md

# A TensorFlow 1.15 interpreter for validating TF 1.x code (Python 3.7; `make venv-tf1`).
PYTHON_TF1 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.7*/bin/python) $(shell command -v python3.7 2>/dev/null))
VENV_TF1 := .venv-tf1

.PHONY: demo test test-fast lint typecheck clean venv-base venv-dev venv-tf1 venv-tf1-if-possible

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

venv-base: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[validate,migrate]'

venv-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,validate]'

$(VENV_TF1)/.installed:
	@test -n "$(PYTHON_TF1)" || { echo "venv-tf1: no Python 3.7 found; set PYTHON_TF1=/path/to/python3.7"; exit 1; }
	rm -rf $(VENV_TF1)
	$(PYTHON_TF1) -m venv $(VENV_TF1)
	$(VENV_TF1)/bin/python -m pip install --quiet --upgrade "pip<24"
	$(VENV_TF1)/bin/python -m pip install --quiet "tensorflow==1.15.5" "protobuf<3.21"
	touch $@

venv-tf1: $(VENV_TF1)/.installed

# `make test` validates under TensorFlow 1.15 too where a Python 3.7 exists to build it with.
venv-tf1-if-possible:
ifneq ($(PYTHON_TF1),)
	$(MAKE) venv-tf1
else
	@echo "no Python 3.7: the TensorFlow 1.x validation tests will be skipped (see make venv-tf1)"
endif

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

test: venv-dev venv-tf1-if-possible lint
	$(BIN)/python -m pytest -n 2

# Everything but the TensorFlow tests, in a venv without TensorFlow: quick, and it proves that
# every test needing TensorFlow carries the `tf` marker.
FAST := .venv-fast
test-fast:
	test -x $(FAST)/bin/python || $(PYTHON) -m venv $(FAST)
	$(FAST)/bin/python -m pip install --quiet -e '.[dev]'
	$(FAST)/bin/python -m pytest -n 2 -m "not tf"

clean:
	rm -rf $(VENV) $(VENV_TF1) $(FAST) build .pytest_cache .mypy_cache .estimator-fix-cache
