# Everything runs inside .venv, created on first use. `make demo` and `make test` are
# all a newcomer needs; see README.md.
VENV   := .venv
PYTHON := $(VENV)/bin/python
COURSE := $(VENV)/bin/course
STAMP  := $(VENV)/.installed-stamp
# nbgrader shells out to alembic: the venv's bin/ must come first on PATH.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: setup sandbox browser postgres demo lint test lab hub gallery build grade report warm clean

setup: $(STAMP) sandbox
	$(COURSE) warm

# bubblewrap isolates grading kernels from the gradebook, the sources and other submissions.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; \
	  else \
	    echo "note: install bubblewrap (bwrap) to isolate grading kernels; grading runs without it"; \
	  fi; }

# Debian's chromium, driven by Playwright in tests/browser (never `playwright install`, which
# downloads a browser of its own); without it those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "note: install chromium to run the browser tests (tests/browser); they skip without it"; \
	  fi; }

# A PostgreSQL server for tests/grading/test_postgres.py, which starts its own in a temporary
# directory (Debian keeps initdb and pg_ctl in /usr/lib/postgresql/*/bin); it skips without one.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "note: install postgresql to run the shared-gradebook test; it skips without it"; \
	  fi; }

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e ".[dev,postgres,hub]"
	@touch $(STAMP)

demo: setup
	$(COURSE) demo

# ruff, configured in pyproject.toml: the lint rules, then the format (`ruff format .` fixes the latter).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Two test processes (pytest-xdist) by default, one per core of the course's 2-core reference machine:
# the tests that read the built and graded course stay on one (tests/conftest.py), the rest share both.
TEST_WORKERS ?= 2
test: setup browser postgres lint
	$(PYTHON) -m pytest --durations=25 -n $(TEST_WORKERS) --dist loadgroup

lab: setup
	$(COURSE) lab

# JupyterHub for the class in roster.txt (README: "Running a class"); the hub extra is part of setup.
# As root, HUB_ARGS=--create-users makes the students' system users; HUB_ARGS="--password x" a trial login.
hub: setup
	$(COURSE) hub $(HUB_ARGS)

gallery: setup
	$(COURSE) gallery

build: setup
	$(COURSE) build

grade: setup
	$(COURSE) grade --workers 2

report: setup
	$(COURSE) report

warm: setup

clean:
	rm -rf .demo reports .pytest_cache
