# Every target that needs Python builds the virtualenv first, so a fresh clone
# needs nothing but `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LANGS := ar zh en fr ru es
CATALOGS := $(foreach l,$(LANGS),locales/$(l)/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint typecheck i18n i18n-extract i18n-update compile-catalogs migrate bench clean

# `make run` needs only the runtime; tests, lint and type checks add the dev tools and the MAXIMIN
# comparison package. pip prints each download, so a slow network shows as progress, not silence.
$(STAMP): pyproject.toml
	@echo "==> 1/3 creating the virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> 2/3 updating pip"
	$(BIN)/pip install --upgrade --progress-bar on pip
	@echo "==> 3/3 installing Liaison and its runtime dependencies (about a minute on a fresh machine)"
	$(BIN)/pip install --progress-bar on -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	@echo "==> installing the dev tools and the optional MAXIMIN package"
	$(BIN)/pip install --progress-bar on -e ".[dev,maximin]"
	touch $(DEV_STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy=false -d locales -D messages -l $* 2>/dev/null || $(BIN)/pybabel compile -d locales -D messages -l $*

compile-catalogs: $(COMPILED)

migrate: $(STAMP)
	$(BIN)/liaison migrate

run: $(STAMP) compile-catalogs migrate
	$(BIN)/liaison run

test: $(DEV_STAMP) compile-catalogs
	$(BIN)/python -m pytest -q -p no:cacheprovider
	@# pytest exits 5 when it collects nothing; that is a failure here, and make stops on it.

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot scheduler storage tests bench
	$(BIN)/ruff format --check bot scheduler storage tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy bot scheduler storage

# Extract every gettext string from the code, merge into each language, compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k npgettext:1c,2,3 -k pgettext:1c,2 \
		--no-location --sort-output --project=liaison -o locales/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i locales/messages.pot -d locales -D messages

i18n: i18n-update compile-catalogs

bench: $(DEV_STAMP) compile-catalogs
	$(BIN)/python -m bench.sandbox
	$(BIN)/python -m bench.dialogs
	$(BIN)/python -m bench.cli_startup

clean:
	rm -rf $(VENV) .data build *.egg-info
