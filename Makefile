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

.PHONY: run test lint audit lock typecheck i18n i18n-extract i18n-update compile-catalogs migrate bench clean browser fonts screenshots

# Dependencies come from hashed lock files (every file checked against its sha256), then the
# project itself is installed on top without resolving anything again. `make run` needs only the
# runtime lock; tests, lint and type checks add the dev tools and the MAXIMIN comparison package.
# pip prints each download, so a slow network shows as progress, not silence.
$(STAMP): pyproject.toml requirements.lock
	@echo "==> 1/3 creating the virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> 2/3 updating pip"
	$(BIN)/pip install --upgrade --progress-bar on pip
	@echo "==> 3/3 installing Liaison and its runtime dependencies from requirements.lock"
	$(BIN)/pip install --progress-bar on --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.lock
	@echo "==> installing the dev tools and the optional MAXIMIN package from requirements-dev.lock"
	$(BIN)/pip install --progress-bar on --require-hashes -r requirements-dev.lock
	touch $(DEV_STAMP)

# Regenerate both locks (this Python and platform) after changing pyproject.toml. The machine's
# own pip configuration (local mirrors, extra find-links) is left out, so every file of each
# pinned release on the public index gets its hash in the lock.
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(DEV_STAMP)
	$(PIP_COMPILE) --output-file requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --extra maximin --output-file requirements-dev.lock pyproject.toml

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy=false -d locales -D messages -l $* 2>/dev/null || $(BIN)/pybabel compile -d locales -D messages -l $*

compile-catalogs: $(COMPILED)

migrate: $(STAMP)
	$(BIN)/liaison migrate

run: $(STAMP) compile-catalogs fonts migrate
	$(BIN)/liaison run

# Debian's Chromium for the staff console's browser tests (Playwright drives it; it downloads no
# browser). Without root the install is skipped and those tests skip, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed (not root?): the browser tests will skip"

# A CJK font for the /stats chart in Chinese (Latin, Cyrillic and Arabic are in DejaVu Sans, which
# matplotlib ships): Debian's Droid Sans Fallback when matplotlib finds no CJK font. matplotlib
# caches the fonts it found, so the cache goes when a font is added. Without root the install is
# skipped: Chinese charts are then drawn in English, and their caption says so.
CJK_FAMILIES := Noto Sans CJK|Noto Sans SC|Source Han Sans|WenQuanYi|Droid Sans Fallback|AR PL UMing
fonts: $(STAMP)
	@$(BIN)/python -c "from bot.domain.statistics import chart_language as c; raise SystemExit(c('zh') != 'zh')" \
		|| { { fc-list 2>/dev/null | grep -qiE '$(CJK_FAMILIES)' \
			|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-droid-fallback >/dev/null); } \
			&& rm -f "$$($(BIN)/python -c 'import matplotlib; print(matplotlib.get_cachedir())')"/fontlist-*.json; } \
		|| echo "no CJK font could be installed (not root?): Chinese /stats charts will be drawn in English"

# Screenshots of every console page in English and Arabic, for docs/console/, by the browser tests.
screenshots: $(DEV_STAMP) compile-catalogs browser
	LIAISON_SCREENSHOTS=docs/console $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_web_console_browser.py

test: $(DEV_STAMP) compile-catalogs fonts browser
	$(BIN)/python -m pytest -q -p no:cacheprovider
	@# pytest exits 5 when it collects nothing; that is a failure here, and make stops on it.

lint: $(DEV_STAMP) audit
	$(BIN)/ruff check bot scheduler storage tests bench tools
	$(BIN)/ruff format --check bot scheduler storage tests bench tools

# Known vulnerabilities with a released fix fail (pip-audit on the locks); bandit fails on any
# finding of medium or higher severity (justified exceptions carry `# nosec` with a reason).
audit: $(DEV_STAMP)
	$(BIN)/python -m tools.dependency_audit requirements-dev.lock
	$(BIN)/bandit --quiet --recursive --severity-level medium bot scheduler storage tools

typecheck: $(DEV_STAMP)
	$(BIN)/mypy bot scheduler storage

# Extract every gettext string from the code, merge into each language, compile.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k npgettext:1c,2,3 -k pgettext:1c,2 \
		--no-location --sort-output --width=100 --project=liaison -o locales/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width=100 -i locales/messages.pot -d locales -D messages

i18n: i18n-update compile-catalogs

bench: $(DEV_STAMP) compile-catalogs
	$(BIN)/python -m bench.sandbox
	$(BIN)/python -m bench.dialogs --people 200 --rounds 3
	$(BIN)/python -m bench.cli_startup

clean:
	rm -rf $(VENV) .data build *.egg-info
