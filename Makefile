# ngosim: `make demo` sets up and runs the scenario comparison; `make test` sets up and runs all tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# The main job: the six 2016 branch scenarios, at full scale, replicates with the same seeds.
SCALE ?= 1.0
REPLICATES ?= 3
JOBS ?= 2
PRESETS := status_quo open_registration lift_objections inclusive_support open_all tightening

.PHONY: setup demo test lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,dashboard]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/ngosim compare $(foreach p,$(PRESETS),scenarios/$(p).toml) --reference status_quo \
		--replicates $(REPLICATES) --scale $(SCALE) --jobs $(JOBS) --out results/compare
	$(BIN)/ngosim report results/compare --experiment compare --out results/compare/report.html

test: setup
	$(BIN)/python -m pytest tests notebooks --nbmake -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

docs: setup
	$(BIN)/python -c "from sim.model.parameters import parameters_page; print(parameters_page(), end='')" > docs/parameters.md

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
