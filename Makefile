# The course's commands. `make book` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed
BUILD_DIR := _build
HTML_INDEX := $(BUILD_DIR)/html/index.html

# Data for the book build and the tests: `standin` (offline, default) or `real`.
DATA ?= standin
export CNNCOURSE_DATA := $(if $(filter real,$(DATA)),,standin)
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONHASHSEED := 0

PYTEST_ARGS ?=

.PHONY: help setup lock browser sandbox book lint test test-fast test-slow clean clean-book \
        bench-book bench-grade bench-cifar bench-beewasp gpu-notebooks \
        release autograde feedback grades sync

help:
	@echo "make book        build the HTML book (creates $(VENV) on first use)"
	@echo "make lock        regenerate requirements.lock from requirements.txt (pip-compile)"
	@echo "make test        run the whole test suite (installs Chromium if missing)"
	@echo "make test-fast   the suite without the tests marked slow"
	@echo "make lint        ruff, as make test runs it first"
	@echo "make test-slow   only the tests marked slow"
	@echo "make bench-book  time a full build and a no-change rebuild"
	@echo "make bench-grade | bench-cifar | bench-beewasp   grading and training benchmarks (stand-ins)"
	@echo "make release | autograde | feedback | grades | sync   the instructor's nbgrader workflow"
	@echo "                 (autograde: WORKERS=N local processes, SCHEDULER=tcp://HOST:PORT a Dask cluster,"
	@echo "                  NO_SANDBOX=1 student code without the sandbox, where none can be made)"
	@echo "make gpu-notebooks   every chapter and solution notebook on the real data (GPU runner)"
	@echo "DATA=real        use the real data sets (needs network) instead of the offline stand-ins"

## Set-up ---------------------------------------------------------------------

# requirements.lock pins every package (generated from requirements.txt by `make lock`);
# pip installs exactly those versions, and tests/test_environment.py checks it did.
PIP_VERSION := $(shell sed -n 's/^pip==//p' requirements.lock)

$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "pip==$(PIP_VERSION)"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cnncourse)" >/dev/null
	touch $@

setup: $(INSTALLED)

# Regenerate the lock after changing requirements.txt; commit both files. pip-compile keeps
# every pin it can; LOCK_ARGS=--upgrade-package=NAME (or --upgrade) moves them on.
LOCK_FLAGS := --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
LOCK_ARGS ?=

lock: $(INSTALLED)
	$(BIN)/pip-compile --quiet $(LOCK_FLAGS) $(LOCK_ARGS) --output-file requirements.lock requirements.txt

# Debian's Chromium and its driver drive the page tests.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "Installing Debian's chromium and chromium-driver for the page tests"; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

# Debian's bubblewrap makes the sandbox every grading kernel runs in (cnncourse/grading/sandbox.py).
sandbox:
	@if ! command -v bwrap >/dev/null; then \
	  echo "Installing Debian's bubblewrap for the grading sandbox"; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq bubblewrap >/dev/null; \
	fi

## The book -------------------------------------------------------------------

book: $(INSTALLED)
	$(PY) -m cnncourse.bookbuild .
	@echo "Book built on '$(or $(CNNCOURSE_DATA),real)' data: open $(abspath $(HTML_INDEX))"

clean-book:
	rm -rf $(BUILD_DIR)

## Tests ----------------------------------------------------------------------

# pytest exits 5 when it collected no test: a suite that vanished is a failure.
define run_pytest
	$(BIN)/pytest $(1) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing"; exit 1; fi; \
	exit $$rc
endef

# Ruff (configured in pyproject.toml) before any test: a mistake it finds fails at once.
lint: $(INSTALLED)
	$(BIN)/ruff check --no-cache .

test: $(INSTALLED) browser sandbox lint
	@$(call run_pytest,)

test-fast: $(INSTALLED) browser sandbox lint
	@$(call run_pytest,-m "not slow")

test-slow: $(INSTALLED) browser sandbox
	@$(call run_pytest,-m slow)

## GPU runner -----------------------------------------------------------------

# Every chapter and solution notebook on the real data, with the CUDA build of
# the pinned TensorFlow; executed notebooks and answers land in artifacts/.
TF_VERSION := $(shell sed -n 's/^tensorflow==//p' requirements.txt)

gpu-notebooks: $(INSTALLED)
	$(PY) -m pip install --quiet "tensorflow[and-cuda]==$(TF_VERSION)"
	$(PY) -c "import sys, tensorflow as tf; gpus = tf.config.list_physical_devices('GPU'); print('GPUs:', gpus); sys.exit(0 if gpus else 'TensorFlow sees no GPU')"
	CNNCOURSE_DATA=real $(PY) tools/run_notebooks.py --out artifacts book source_notebooks

## Benchmarks -----------------------------------------------------------------

bench-book: $(INSTALLED)
	$(PY) -m bench.book

# Autograde a class of 30 generated conv-arithmetic submissions; seconds per submission.
bench-grade: $(INSTALLED) sandbox
	$(PY) -m bench.grade

# CIFAR-10 homework on the stand-in: training images per second, and the autograde time of one submission.
bench-cifar: $(INSTALLED)
	$(PY) -m bench.cifar

# Bee-vs-wasp homework on the stand-in: the augmented input pipeline alone (tf.data against the
# legacy ImageDataGenerator, batches/s and their ratio), one epoch with the model, one autograde.
bench-beewasp: $(INSTALLED)
	$(PY) -m bench.beewasp

## Instructor workflow (nbgrader) ---------------------------------------------
# The instructor package, cnncourse.grading: the assignments, their time limits,
# due dates and the roster come from course.yml. ASSIGNMENT=name limits a target
# to one assignment; FORCE=1 makes autograde grade everything again; WORKERS=N
# grades on N local worker processes (default: one per core); SCHEDULER=tcp://HOST:PORT
# grades on a running Dask cluster instead. Every kernel runs in the sandbox; where none can
# be made autograde stops and says why, and NO_SANDBOX=1 grades without one (the report says so).

COURSE_TOOL := $(PY) -m cnncourse.grading

release: $(INSTALLED)
	$(COURSE_TOOL) release $(ASSIGNMENT)

autograde: $(INSTALLED) sandbox
	$(COURSE_TOOL) autograde $(if $(FORCE),--force) $(if $(WORKERS),--workers $(WORKERS)) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(NO_SANDBOX),--no-sandbox) $(ASSIGNMENT)

feedback: $(INSTALLED)
	$(COURSE_TOOL) feedback $(ASSIGNMENT)

grades: $(INSTALLED)
	$(COURSE_TOOL) grades --to grades.csv

sync: $(INSTALLED)
	$(COURSE_TOOL) sync

clean:
	rm -rf $(BUILD_DIR) .pytest_cache
