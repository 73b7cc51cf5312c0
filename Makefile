# Two commands do everything on a fresh Debian/Ubuntu machine (as root):
#   make run   — install, migrate a SQLite database in instance/, seed the demo, serve :5000
#   make test  — install, then run the whole test suite
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: setup translations messages run test lint bench worker clean

setup:
	bash scripts/setup.sh

translations: setup
	@if [ -d webapp/translations ]; then $(BIN)/pybabel -q compile -f -d webapp/translations; fi

# Re-extract the French msgids and update ar/en (sorted, no locations: branches merge by
# message with scripts/po_merge.py); then translate the new, empty entries.
messages: setup
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -w 100 \
		-o webapp/translations/messages.pot .
	$(BIN)/pybabel -q update -i webapp/translations/messages.pot -d webapp/translations \
		--no-fuzzy-matching -w 100
	git config merge.po.driver ".venv/bin/python scripts/po_merge.py %O %A %B"

run: translations
	env -u DATABASE_URL -u REDIS_URL DEMO=1 $(FLASK) db upgrade
	env -u DATABASE_URL -u REDIS_URL DEMO=1 $(FLASK) demo seed --if-empty
	env -u DATABASE_URL -u REDIS_URL DEMO=1 $(FLASK) run --host 127.0.0.1 --port 5000

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (lint and format) and mypy: CI runs this before the tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: translations
	$(BIN)/python bench/web.py
	$(BIN)/python bench/face.py
	$(BIN)/python bench/liveness.py
	$(BIN)/python bench/nfc.py
	$(BIN)/python bench/proof.py
	$(BIN)/python bench/mrz.py
	$(BIN)/python bench/booking.py
	$(BIN)/python bench/login_timing.py

worker: setup
	$(FLASK) jobs worker

clean:
	rm -rf $(VENV) instance node_modules .pytest_cache
