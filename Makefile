# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-quick bench soak lint format install

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Migrates, loads the demo into an empty database, then starts Telegram (token set) or the terminal chat.
run: $(STAMP)
	$(BIN)/sitebot start

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The suite without the slow integrity tests (real processes, the crash test, property runs): for quick loops.
test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python bench/aggregates.py
	$(BIN)/python bench/conversation.py
	$(BIN)/python bench/digest.py
	$(BIN)/python bench/import_limits.py
	$(BIN)/python bench/names.py
	$(BIN)/python bench/telegram.py
	$(BIN)/python bench/soak.py --minutes 2

# The full soak of issue 10: 10 minutes at 20 updates/s of mixed traffic, resident memory growth <= 20%.
soak: $(STAMP)
	$(BIN)/python bench/soak.py --minutes 10

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
