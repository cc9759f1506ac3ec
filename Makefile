# midl_book: `make book` builds the HTML book (the main job), `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKERS ?= 2
PORT ?= 8000
BOOK_WORKERS ?=

.PHONY: install book serve test export clean-nbs check-sync clean gpu-check

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	@start=$$(date +%s); \
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV); \
	$(BIN)/pip install -q -r requirements.txt -r requirements-dev.txt 2>&1 | grep -v "^WARNING: Location" ; \
	$(BIN)/pip install -q --no-deps --no-build-isolation -e . 2>&1 | grep -v "^WARNING: Location" ; \
	$(BIN)/python -c "import midl_book, fastai, torch, torchvision, papermill" || exit 1; \
	echo "install took $$(( $$(date +%s) - start )) s"; touch $(STAMP)

install: $(STAMP)

export: install
	$(BIN)/nbdev_export

# the library must be what nbdev_export makes of the notebooks, and the notebooks must be clean
check-sync: install
	@mkdir -p _build/timings; echo "{\"t\": $$(date +%s), \"target\": \"$(MAKECMDGOALS)\"}" > _build/timings/_make_start.json
	$(BIN)/nbdev_export
	@git diff --exit-code --stat -- midl_book && [ -z "$$(git status --porcelain -- midl_book)" ] \
	  || { echo "check-sync: nbdev_export changed midl_book/ (shown above): run nbdev_export and commit the library"; exit 1; }
	$(BIN)/nbdev_clean
	@git diff --exit-code --stat -- nbs \
	  || { echo "check-sync: nbdev_clean changed the notebooks (shown above): run nbdev_clean and commit"; exit 1; }

test: check-sync
	MIDL_BOOK_QUIET=1 $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal tests
	$(BIN)/midl-book book --no-execute

book: install
	@mkdir -p _build/timings; echo "{\"t\": $$(date +%s), \"target\": \"book\"}" > _build/timings/_make_start.json
	$(BIN)/midl-book book --reuse $(if $(BOOK_WORKERS),--workers $(BOOK_WORKERS))

# the built book on http://127.0.0.1:$(PORT)/ (search and launch buttons need http, not file://)
serve: install
	$(BIN)/midl-book serve --port $(PORT)

# on a lent GPU: every chapter's smoke run and fake full path on CUDA -> results/check/cuda.json
gpu-check: install
	$(BIN)/midl-book check --device cuda

clean:
	rm -rf _build results/smoke
