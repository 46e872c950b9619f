# Two commands set up a fresh machine (Python 3.11 and pip): `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test eval bench clean

# The venv is rebuilt when the package's requirements or the lock change.
$(STAMP): setup.py requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/newsbeam run --input seeds --output out
	$(BIN)/newsbeam show --output out

test: $(STAMP)
	$(BIN)/python -m pytest

eval: $(STAMP)
	$(BIN)/python eval/extraction.py
	$(BIN)/python eval/dedup.py

clean:
	rm -rf out $(VENV) *.egg-info .pytest_cache
