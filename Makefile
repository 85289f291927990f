# Every target that needs Python builds the virtualenv first, so a fresh clone
# needs nothing but `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANGS := ar zh en fr ru es
CATALOGS := $(foreach l,$(LANGS),locales/$(l)/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint typecheck i18n i18n-extract i18n-update compile-catalogs migrate bench clean browser screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy=false -d locales -D messages -l $* 2>/dev/null || $(BIN)/pybabel compile -d locales -D messages -l $*

compile-catalogs: $(COMPILED)

migrate: $(STAMP)
	$(BIN)/liaison migrate

run: $(STAMP) compile-catalogs migrate
	$(BIN)/liaison run

# Debian's Chromium for the staff console's browser tests (Playwright drives it; it downloads no
# browser). Without root the install is skipped and those tests skip, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed (not root?): the browser tests will skip"

# Screenshots of every console page in English and Arabic, for docs/console/, by the browser tests.
screenshots: $(STAMP) compile-catalogs browser
	LIAISON_SCREENSHOTS=docs/console $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_web_console_browser.py

test: $(STAMP) compile-catalogs browser
	$(BIN)/python -m pytest -q -p no:cacheprovider
	@# pytest exits 5 when it collects nothing; that is a failure here, and make stops on it.

lint: $(STAMP)
	$(BIN)/ruff check bot scheduler storage tests bench
	$(BIN)/ruff format --check bot scheduler storage tests bench

typecheck: $(STAMP)
	$(BIN)/mypy bot scheduler storage

# Extract every gettext string from the code, merge into each language, compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k npgettext:1c,2,3 -k pgettext:1c,2 \
		--no-location --sort-output --width=100 --project=liaison -o locales/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width=100 -i locales/messages.pot -d locales -D messages

i18n: i18n-update compile-catalogs

bench: $(STAMP) compile-catalogs
	$(BIN)/python -m bench.sandbox
	$(BIN)/python -m bench.dialogs

clean:
	rm -rf $(VENV) .data build *.egg-info
