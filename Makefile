# Two commands for users: `make demo` and `make test`. Both create or refresh the venv and install what
# they need (system packages too, when missing and we are allowed to).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint sysdeps sysdeps-demo venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# System packages, installed only when missing: PostgreSQL's binaries for the database tests (the tests
# start their own server), Debian's Chromium for the sites behind a JavaScript challenge (scrapy-playwright
# drives it; Playwright's own download can't run) and a CJK font, so Chromium draws Chinese pages and
# screenshots with real glyphs. `make demo` needs Chromium and the font; `make test` needs all three, and
# GNU Wget, a WARC writer nobody here wrote, for the import tests (tests/test_warc_import.py).
# Attachments (archive/attachment_readers.py): Tesseract with its Chinese model for scans, antiword and
# catdoc for legacy Word/WPS and RTF; LibreOffice (Writer and Calc, no GUI) writes the replica's .doc/.xls
# files once each (replica/attachment_forms.py caches them).
READER_DEBS := tesseract-ocr tesseract-ocr-chi-sim antiword catdoc
DEMO_DEBS := chromium fonts-wqy-microhei $(READER_DEBS) libreoffice-writer-nogui libreoffice-calc-nogui
TEST_DEBS := $(DEMO_DEBS) postgresql wget poppler-utils

define install_missing
	@missing=""; \
	for pkg in $(1); do \
	  case $$pkg in \
	    postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing $$pkg" ;; \
	    chromium) test -x /usr/bin/chromium || missing="$$missing $$pkg" ;; \
	    *) dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg" ;; \
	  esac; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi; \
	fc-list :lang=zh | grep -q . || { echo "no CJK font after installing fonts-wqy-microhei" >&2; exit 1; }
endef

sysdeps-demo:
	$(call install_missing,$(DEMO_DEBS))

sysdeps:
	$(call install_missing,$(TEST_DEBS))

demo: venv sysdeps-demo
	$(BIN)/xxgk demo

# Three pytest-xdist workers on two cores (crawl tests wait on their processes; measured in
# docs/benchmarks.md), tests handed out in collection order (the longest first: tests/conftest.py),
# a module's shared crawl kept on one worker (xdist_group). docs/benchmarks.md has the figures.
# Bytecode is cached even where the environment says PYTHONDONTWRITEBYTECODE: the suite starts hundreds
# of Python processes (crawls' parse workers, replicas, pywb), and each would compile the project's
# modules from source again (~0.25 s of CPU each).
test: venv sysdeps
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q --durations=15 -n 3 --dist loadgroup --no-loadscope-reorder

bench: venv
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/extraction.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

clean:
	rm -rf $(VENV) data .pytest_cache
