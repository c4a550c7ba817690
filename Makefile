# The two commands: `make run` starts the whole system, `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install chromium lint histories clean

run: $(INSTALLED)
	$(BIN)/coachplan up

test: $(INSTALLED) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The browser test drives Debian's Chromium; `playwright install` is never used (its downloads
# fail here). Installed where missing: as root, else with sudo, else a message (the test then
# skips, and fails in CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then as_root=""; \
	  elif command -v sudo >/dev/null 2>&1; then as_root="sudo"; \
	  else echo "make: chromium is missing and installing it needs root: run" \
	    "'apt-get update && apt-get install -y chromium' as root (tests/web/test_browser.py" \
	    "is skipped without it, and fails in CI)" >&2; exit 0; fi; \
	  echo "make: installing chromium for the browser test (apt-get)"; \
	  $$as_root env DEBIAN_FRONTEND=noninteractive apt-get update && \
	  $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	}

# Re-records the replay set in tests/histories from the tests that keep one (see README,
# "Changing the workflow safely"): after a change to the workflow, once its patch is in.
HISTORY_TESTS := tests/workflows/test_happy_path.py tests/workflows/test_alignment.py \
	tests/workflows/test_signing.py tests/workflows/test_moving_check_ins.py \
	tests/workflows/test_review.py tests/workflows/test_cancellation.py \
	tests/workflows/test_held_for_a_fix.py tests/workflows/test_google_workspace_plan.py

histories: $(INSTALLED)
	COACHPLAN_RECORD_HISTORIES=1 $(BIN)/pytest -q $(HISTORY_TESTS)
	$(BIN)/pytest -q tests/workflows/test_replay.py

lint: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
