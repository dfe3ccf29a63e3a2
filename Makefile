# tcpedu: two commands are all a newcomer needs.
#   make lab    set everything up and open JupyterLab on the course
#   make test   set everything up and run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := tshark chromium tcpdump iproute2
NOTEBOOKS := $(wildcard notebooks/*.ipynb) $(wildcard course/labs/*/*.ipynb) $(wildcard course/labs/*/instructor/*.ipynb)

.PHONY: lab test bench lint system-deps install clean

$(STAMP): pyproject.toml binder/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c binder/requirements.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests use as references and drivers. Installed only when
# running as root and missing; otherwise the tests that need them say why they skip.
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
	$(VENV)/bin/ruff check tcpedu tests benchmarks scripts notebooks course
	$(VENV)/bin/lint-imports

lab: $(STAMP)
	install -D -m 644 binder/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	$(VENV)/bin/jupyter lab notebooks/00-start-here.ipynb

test: system-deps $(STAMP) lint
	$(VENV)/bin/pytest tests
	$(VENV)/bin/pytest --nbval-lax -p no:randomly $(NOTEBOOKS)

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis test-artifacts
