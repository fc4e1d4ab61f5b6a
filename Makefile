# Two commands do all the set-up on a fresh machine:
#   make demo   runs the bundled scenarios (and analyses) and writes out/
#   make test   runs the default test suite
# make install  only creates .venv and installs the package (then: . .venv/bin/activate)
# Also: make test-slow (long tests), make bench (engine benchmark), make lint,
#   make mutation (mutation score of the model, engine, scenario timing and likelihood;
#   hours: see docs/testing.md; MUTATION_ARGS="model --sample 40" for an estimate).
# Both create .venv and install the package with what it needs.

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MPLBACKEND := Agg

.PHONY: install demo test test-slow bench lint models clean mutation

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# worker processes for the default suite (TEST_WORKERS=0 runs it in this process)
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

# mutates the source files in place (restored after each mutant): do not edit while it runs
MUTATION_ARGS ?=
mutation: $(STAMP)
	nice $(BIN)/python tools/mutation/run.py $(MUTATION_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py

models: $(STAMP)
	$(BIN)/iocdyn export

demo: $(STAMP)
	$(BIN)/python -m iocdynamics.demo out

clean:
	rm -rf out .pytest_cache
