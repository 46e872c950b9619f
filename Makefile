# Two commands set up a fresh machine (Python 3.11 and pip): `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test eval bench clean chromium report screenshot

# The venv is rebuilt when the package's requirements or the lock change.
$(STAMP): setup.py requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/newsbeam run --input seeds --output out --targets docs/targets.yaml
	$(BIN)/newsbeam show --output out

test: $(STAMP) chromium
	$(BIN)/python -m pytest

# tests/test_report.py opens the report in headless Chromium (Debian's package), installed when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-cache policy chromium | grep -q 'Candidate: [0-9]' \
		&& apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

report: run
	$(BIN)/newsbeam report --output out --targets docs/targets.yaml

# docs/report.png: the report of seeds/ plus the small made-up corpus in docs/corpus/.
screenshot: $(STAMP) chromium
	rm -rf out/screenshot
	$(BIN)/newsbeam run --input seeds docs/corpus --output out/screenshot --targets docs/targets.yaml --progress off
	$(BIN)/newsbeam report --output out/screenshot --targets docs/targets.yaml
	$(BIN)/python -m tests.browser out/screenshot/report.html docs/report.png

eval: $(STAMP)
	$(BIN)/python eval/extraction.py
	$(BIN)/python eval/stance.py
	$(BIN)/python eval/stance_words.py
	$(BIN)/python eval/entities.py
	$(BIN)/python eval/parse.py
	$(BIN)/python eval/dedup.py
	$(BIN)/python eval/backfill.py --originals 300
	$(BIN)/python eval/cleaning.py

# Hours at the default sizes on 2 cores; `make bench SIZES=1000` for a quick look. Figures: bench/RESULTS.md
SIZES ?= 1000,10000,50000
bench: $(STAMP)
	$(BIN)/python bench/pipeline.py --sizes $(SIZES)

clean:
	rm -rf out $(VENV) *.egg-info .pytest_cache
