# `make run` and `make test` do every set-up step themselves on a fresh Debian machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
# h11 bounds a request's line and headers (httptools buffers any size: a 100 MB header stalled
# a worker for 8 s); a page's URL comes up to three times (request line, Referer, HX-Current-URL)
MAX_HEADER_BYTES ?= 131072
COVER_ENGINE ?= 95
COVER_APP    ?= 90
# pytest-xdist workers: the machine's cores, at most 2 (CI's machine has 2)
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 2 ? n : 2 )))

.PHONY: run test test-deploy lint bench system-deps clean

# --no-compile: Python compiles a module when it is first imported; compiling every installed
# file up front (torch, sympy: ~45 s of CPU here) is most of the install's CPU time
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e '.[dev]'
	touch $(STAMP)

# Debian's chromium for the browser tests, podman for the container test (see README).
system-deps:
	@bash scripts/system-deps.sh

run: $(STAMP)
	@echo "Backprop Explorer: serving http://$(HOST):$(PORT)/  (API docs at http://$(HOST):$(PORT)/docs)"
	$(VENV)/bin/uvicorn app.main:app --host $(HOST) --port $(PORT) \
		--http h11 --h11-max-incomplete-event-size $(MAX_HEADER_BYTES)

# In random order (pytest-randomly; -p no:randomly turns it off, --randomly-seed=N replays one),
# with branch coverage: engine below 95 % or app below 90 % fails the run. On both cores
# (pytest-xdist): the container tests stay together on one worker (--dist loadgroup, their
# xdist_group); the 25 slowest are listed (CI's budget: 15 min). The load tests (tests/load:
# memory and latency) run after, alone, or they lie. The tests marked `no_cover` run between, in
# a pytest of their own without coverage: pausing coverage inside a traced run stops the tracing
# of every thread alive at the time for good (the test client's, the thread pool's), so the app
# code that later tests ran in them went uncounted (app/head.py 45 %, app 90 % in one CI run).
test: $(STAMP) system-deps
	rm -f .coverage .coverage.*
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup -m 'not load and not no_cover' --cov --cov-report= --durations=25
	$(PY) -m pytest -n $(TEST_WORKERS) -m 'no_cover and not load' --durations=5
	$(PY) -m pytest -m load --cov --cov-append --cov-report= tests/load
	$(PY) -m coverage report --include='engine/*' --fail-under=$(COVER_ENGINE)
	$(PY) -m coverage report --include='app/*' --fail-under=$(COVER_APP)

# The Compose fault run at full length (60 s; `make test` runs it for 12 s): docs/DEPLOY.md.
test-deploy: $(STAMP) system-deps
	BACKPROP_FAULT_SECONDS=60 $(PY) -m pytest -p no:randomly -s -m container tests/container/test_compose.py

lint: $(STAMP)
	$(VENV)/bin/ruff check engine app tests bench
	$(VENV)/bin/ruff format --check engine app tests bench
	$(VENV)/bin/mypy

# PyTorch is optional (the comparison is skipped without it); 2.13.0 is the CPU build on disk here.
# wrk loads the HTTP benchmarks (Debian's package; without it, a slower generator in Python).
bench: $(STAMP)
	-@bash scripts/system-deps.sh --bench
	-$(PY) -m pip install --quiet -e '.[torch]'
	$(PY) -m bench

clean:
	rm -rf $(VENV)
