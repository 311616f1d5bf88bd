# The two commands: `make run` (sandbox, or the real bot when BOT_TOKEN is set) and `make test`
# (ruff, the mypy type checker, then the tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# test processes (pytest-xdist); most tests wait on the emulator's network, not the CPU
PYTEST_WORKERS ?= 4

.PHONY: run test lint locales bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/pybabel compile --domain bot --directory locales --statistics 2>/dev/null || true
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Extract the strings, merge them into the seven catalogs, compile.
locales: $(STAMP)
	$(BIN)/pybabel extract --mapping babel.cfg --keywords '_ N_ ngettext:1,2 pgettext:1c,2 npgettext:1c,2,3' --add-comments=TRANSLATORS: --sort-by-file --project delegate-assistant --output locales/bot.pot bot handlers
	$(BIN)/pybabel update --domain bot --input-file locales/bot.pot --output-dir locales --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile --domain bot --directory locales --statistics

bench: $(STAMP)
	$(BIN)/python -m bench.throughput --quick
	$(BIN)/python -m bench.qa --quick
	$(BIN)/python -m bench.outbox --quick

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
