# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml setup.py
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compiled catalogs are build output (not in git): the package build and the app compile them;
# compiling again here is quick and keeps `make test` honest after an edit of a .po file.
install: $(STAMP)
	$(BIN)/pybabel -q compile -d panel_service/translations

# The console has no phones to wake: demo texts show at once, whatever the hour.
run: export PANEL_SMS_QUIET_HOURS ?= off
run: install
	$(BIN)/flask --app wsgi panel init-db
	$(BIN)/flask --app wsgi panel seed-demo
	@# The outbox worker runs beside the dev server so texts appear at once; it dies with it.
	@sh -c '$(BIN)/flask --app wsgi panel worker --interval 1 & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000'

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check panel_service tests migrations bench tools

clean:
	rm -rf $(VENV) instance/*.db*
