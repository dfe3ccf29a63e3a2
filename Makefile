# tcpedu: two commands are all a newcomer needs (prerequisites: README.md, "Start").
#   make lab    set everything up and open JupyterLab on the course
#   make test   set everything up and run every test, printing each stage's time
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
DEBIAN_PACKAGES := tshark chromium tcpdump iproute2 bubblewrap
NOTEBOOKS := $(wildcard notebooks/*.ipynb) $(wildcard course/labs/*/*.ipynb) $(wildcard course/labs/*/instructor/*.ipynb)
# pytest workers for `make test`: one more than the cores, since much of the run waits on
# browsers, servers, kernels and tshark in processes of their own; TEST_JOBS=0: one process.
# (One more still gains nothing on 2 cores: the tests need ~500 s of CPU, and 3 workers already
# keep both cores busy; 4 passed too, nbval's kernels no longer racing for TCP ports.)
TEST_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))
# Python writes its bytecode caches here even where the environment says not to: else every
# pytest worker, kernel and grading job compiles tcpedu and the tests again (~0.06 CPU-s per
# kernel) and pytest rewrites its plugins' asserts in each process.
unexport PYTHONDONTWRITEBYTECODE
# JupyterLab refuses to run as root unless told to (containers, cloud VMs).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

HUB_STAMP := $(VENV)/.hub-installed
PROXY_BIN := hub/node_modules/.bin/configurable-http-proxy
# The classroom hub's proxy comes from npm; without npm, `make hub` says so and its test skips.
HUB_DEPS := $(HUB_STAMP) $(if $(shell command -v npm 2>/dev/null),$(PROXY_BIN),)
STUDENTS ?= 5
LINT_PATHS := tcpedu tests benchmarks scripts notebooks course hub

.PHONY: lab labs handout pages test bench lint system-deps install hub-install hub clean \
	test-env test-packages

$(STAMP): pyproject.toml binder/requirements.txt
	@.ci/venv $(PYTHON) $(VENV)
	.ci/pip-install $(PY) -c binder/requirements.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# JupyterHub and nbgitpuller (into .venv, beside the course) and configurable-http-proxy (npm).
$(HUB_STAMP): $(STAMP) hub/requirements.txt
	.ci/pip-install $(PY) -c binder/requirements.txt -r hub/requirements.txt
	touch $(HUB_STAMP)

$(PROXY_BIN): hub/package.json hub/package-lock.json
	cd hub && npm ci --no-audit --no-fund --silent
	touch $(PROXY_BIN)

hub-install: $(HUB_DEPS)

# make test's environment: the course's and the hub's packages, when either is out of date, in ONE
# pip run (one resolution, one pass of bytecode compilation: ~15 s less than install, then
# hub-install), and the hub's proxy from npm beside it (make -j2).
test-env: test-packages $(filter $(PROXY_BIN),$(HUB_DEPS))

test-packages:
	@$(MAKE) -s -q $(HUB_STAMP) 2>/dev/null || { .ci/venv $(PYTHON) $(VENV) && \
	  .ci/pip-install $(PY) -c binder/requirements.txt -e ".[test]" -r hub/requirements.txt && \
	  touch $(STAMP) $(HUB_STAMP); }

# A local JupyterHub classroom on http://127.0.0.1:8000 with STUDENTS accounts; prints each
# student's nbgitpuller link (course/instructor-guide.md, "Classroom on JupyterHub").
hub: $(HUB_DEPS) $(SETTINGS)
	@command -v npm >/dev/null || { echo "make hub needs Node.js and npm (configurable-http-proxy)" >&2; exit 1; }
	$(PY) hub/classroom.py --students $(STUDENTS)

# Debian packages the tests use as references and drivers (and bubblewrap, the grading
# sandbox). Installed only when running as root and missing; otherwise the tests that need
# them say why they skip.
system-deps:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "not root: missing Debian packages$$missing (tests needing them will skip and say so)"; \
	  fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/lint-imports

# The JupyterLab settings the course ships (binder/overrides.json: widget state saved with the
# notebook, no news pop-up) as defaults of .venv's JupyterLab, for `make lab` and `make hub`.
$(SETTINGS): binder/overrides.json $(STAMP)
	install -D -m 644 binder/overrides.json $(SETTINGS)

# JupyterLab's kernels listen on Unix sockets (the ipc transport), not on TCP ports: jupyter_client
# picks a kernel's five ports by binding port 0 and closing it, and anything may take one before
# the kernel binds it ("kernel died before replying to kernel_info", jupyter/jupyter_client#487).
# jupyter_server puts them beside its kernels' connection files, in its runtime folder: here a
# private one (mktemp -d: mode 0700) for this server alone, short enough for a socket's path
# (108 bytes at most), removed when JupyterLab has stopped (Ctrl-C and SIGTERM reach JupyterLab;
# the shell's own handlers only make it wait for JupyterLab to finish before removing the folder).
lab: $(STAMP) $(SETTINGS)
	runtime=$$(mktemp -d /tmp/tcpedu-lab-XXXXXX) && trap 'rm -rf "$$runtime"' EXIT && trap : INT TERM && \
	JUPYTER_RUNTIME_DIR=$$runtime $(VENV)/bin/jupyter lab $(ALLOW_ROOT) --KernelManager.transport=ipc \
	  notebooks/00-start-here.ipynb

# The lab notebooks (student, solution and testing versions) from their one description.
labs: $(STAMP)
	$(PY) course/labs/build_labs.py

# Student versions only, graded (solution() off), to hand out: make handout DEST=handout/
DEST ?= handout
handout: $(STAMP)
	$(PY) course/labs/build_labs.py --release $(DEST) --graded

# Every course notebook run and written as one offline web page (its players step with no
# network and no kernel): make pages PAGES=pages/
PAGES ?= pages
pages: $(STAMP)
	$(VENV)/bin/tcpedu export -o $(PAGES) notebooks/[0-9][0-9]-*.ipynb

# One pytest run (library tests, browser tests, every notebook under nbval), spread over
# TEST_JOBS workers; tests/conftest.py keeps each test file (and all browser tests, which share
# one JupyterLab and one browser) on a single worker and hands the longest out first. Each stage
# prints its wall-clock time and the CPU time it used.
test:
	@rm -f test-artifacts/stage-times; start=$$(date +%s); \
	.ci/stage "system packages" $(MAKE) -s system-deps && \
	.ci/stage "environment (.venv, hub)" $(MAKE) -s -j2 test-env && \
	.ci/stage "lint (ruff, import contracts)" $(MAKE) -s lint && \
	.ci/stage "tests and notebooks (pytest, $(TEST_JOBS) workers)" \
	  $(VENV)/bin/pytest -p no:randomly $(if $(filter-out 0,$(TEST_JOBS)),-n $(TEST_JOBS) --dist loadfile,) \
	    --nbval-lax --ignore=tests/browser/notebooks tests $(NOTEBOOKS); \
	rc=$$?; echo; echo "make test, by stage:"; cat test-artifacts/stage-times; \
	echo "total: $$(( $$(date +%s) - start )) s"; exit $$rc

bench: $(HUB_DEPS)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis test-artifacts hub/node_modules
