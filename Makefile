# Two commands for users: `make demo` and `make test`. Both create or refresh the venv and install what
# they need (system packages too, when missing and we are allowed to).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint sysdeps venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# PostgreSQL binaries for the database tests (the tests start their own server); Debian's Chromium for
# the sites behind a JavaScript challenge (scrapy-playwright drives it; Playwright's own download can't run).
sysdeps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "sysdeps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

demo: venv
	$(BIN)/xxgk demo

test: venv sysdeps
	$(BIN)/pytest -q

bench: venv
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/extraction.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) data .pytest_cache
