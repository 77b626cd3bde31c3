# StreetVax: `make run` serves the demo, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The embedded default: SQLite in the project folder, Celery eager, DEBUG on for local use.
RUN_ENV := DJANGO_DEBUG=true

.PHONY: run test lint format clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip check
	touch $@

run: $(VENV)/.installed
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=portal.settings_test
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles
